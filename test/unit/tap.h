/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_TAP_H
#define VUNET_TAP_H

/* Test Anything Protocol output: one "ok"/"not ok" line per test case. */

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures, tap_case_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("#   %s:%d: check failed: %s\n", __FILE__,    \
			       __LINE__, #cond);                             \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_) {                                              \
			printf("#   %s:%d: %s == %lld, expected %s == %lld\n", \
			       __FILE__, __LINE__, #a, a_, #b, b_);          \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

#define CHECK_STR_HAS(s, sub)                                                \
	do {                                                                 \
		if (strstr((s), (sub)) == NULL) {                            \
			printf("#   %s:%d: \"%s\" lacks \"%s\"\n", __FILE__, \
			       __LINE__, (s), (sub));                        \
			tap_case_failed = 1;                                 \
		}                                                            \
	} while (0)

#define RUN(fn)                                                              \
	do {                                                                 \
		tap_case_failed = 0;                                         \
		fn();                                                        \
		tap_count++;                                                 \
		tap_failures += tap_case_failed;                             \
		printf("%sok %d - %s\n", tap_case_failed ? "not " : "",      \
		       tap_count, #fn);                                      \
		fflush(stdout);                                              \
	} while (0)

#define TAP_DONE()                                                           \
	(printf("1..%d\n", tap_count), tap_failures ? 1 : 0)

#endif /* VUNET_TAP_H */

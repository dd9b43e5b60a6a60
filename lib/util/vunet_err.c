/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <stdio.h>
#include <string.h>

#include "vunet_err.h"

#define WHY_MAX 512

int
vunet_err_vfield(char *err, size_t errlen, const char *origin,
		 const char *field, const char *fmt, va_list ap)
{
	char why[WHY_MAX];

	vsnprintf(why, sizeof(why), fmt, ap);
	snprintf(err, errlen, "%s: %s: %s", origin, field, why);
	return -1;
}

void
vunet_err_prefix(char *err, size_t errlen, const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;
	int n;

	snprintf(why, sizeof(why), "%s", err);
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, ": %s", why);
}

void
vunet_err_suffix(char *err, size_t errlen, const char *suffix)
{
	size_t n = strnlen(err, errlen);

	if (n < errlen)
		snprintf(err + n, errlen - n, "%s", suffix);
}

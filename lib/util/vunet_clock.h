/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_CLOCK_H
#define VUNET_CLOCK_H

/* Deadlines of the control-side threads (not the TSC: no DPDK here). */

#include <stdint.h>
#include <time.h>

static inline uint64_t
vunet_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* VUNET_CLOCK_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_UNIT_EAL_H
#define VUNET_UNIT_EAL_H

/* EAL for unit tests: no hugepages, no devices, no files, no root. */

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>

static inline void
unit_eal_init(const char *prefix)
{
	char *argv[] = { (char *)(uintptr_t)"unit", (char *)(uintptr_t)"-l",
		(char *)(uintptr_t)"0", (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"256",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--no-telemetry",
		(char *)(uintptr_t)"--log-level=error",
		(char *)(uintptr_t)"--file-prefix", (char *)(uintptr_t)prefix,
		NULL };

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1,
			 argv) < 0) {
		printf("Bail out! EAL cannot start\n");
		exit(1);
	}
}

#endif /* VUNET_UNIT_EAL_H */

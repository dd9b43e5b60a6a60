/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_OBSERVE_H
#define VUNET_OBSERVE_H

/*
 * Reading the running daemon from outside the control socket: DPDK
 * telemetry (its own thread, under the daemon's lock) and the counter
 * report printed at exit.
 */

#include <stdio.h>

#include "vunet_daemon.h"

/* vunet_telemetry.c */

/* Register /vunet/... telemetry commands reading d (kept by reference). */
int vunet_telemetry_register(struct vunet_daemon *d);

/* Before the daemon's state is freed. */
void vunet_telemetry_unregister(void);

/* vunet_report.c */

/* Per-port, per-queue and per-worker counters as a readable table. */
void vunet_report_print(FILE *f, const struct vunet_daemon *d);

#endif /* VUNET_OBSERVE_H */

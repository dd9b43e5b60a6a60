/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_CONTROL_H
#define VUNET_CONTROL_H

/*
 * The daemon's read-out: counters as DPDK telemetry commands (so
 * dpdk-telemetry.py works) and as a text report. Later: the control socket.
 */

#include <stdio.h>

#include "vunet_config.h"
#include "vunet_switch.h"
#include "vunet_worker.h"

struct vunet_daemon {
	const struct vunet_config *conf;
	struct vunet_switch *sw;
	struct vunet_port *ports;
	struct vunet_worker *workers;
	unsigned int n_workers;
};

/* Counters of port p summed over the workers. */
void vunet_daemon_port_totals(const struct vunet_daemon *d, uint16_t p,
			      struct vunet_port_totals *t);

/* Register /vunet/... telemetry commands reading d (kept by reference). */
int vunet_telemetry_register(const struct vunet_daemon *d);

/* Before the daemon's state is freed. */
void vunet_telemetry_unregister(void);

/* Per-port, per-queue and per-worker counters as a readable table. */
void vunet_report_print(FILE *f, const struct vunet_daemon *d);

#endif /* VUNET_CONTROL_H */

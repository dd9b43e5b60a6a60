/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_CTL_LOG_H
#define VUNET_CTL_LOG_H

/* The control socket's and its requests' log type: vunet.ctl. */

#include <rte_log.h>

extern int vunet_logtype_ctl;

#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_ctl, "control: " fmt "\n", \
		##__VA_ARGS__)

#endif /* VUNET_CTL_LOG_H */

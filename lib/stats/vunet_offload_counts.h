/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_OFFLOAD_COUNTS_H
#define VUNET_OFFLOAD_COUNTS_H

/*
 * What the egress stage did for a guest's offloads, per destination port,
 * X(field, name shown): counted only on the path of a guest that offloads.
 * Plain C, no DPDK: vunetctl prints them by these names.
 */
#define VUNET_PORT_OFFLOADS(X) \
	/* TSO frames handed whole to a guest that takes them */ \
	X(tso_passed, tso_passed) \
	/* TSO frames cut in software for this port, and into how many */ \
	X(tso_segmented, tso_segmented) \
	X(tso_segments, tso_segments) \
	/* partial checksums completed in software */ \
	X(csum_completed, csum_completed)

#endif /* VUNET_OFFLOAD_COUNTS_H */

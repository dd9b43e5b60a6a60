/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_OFFLOAD_H
#define VUNET_OFFLOAD_H

/*
 * Guest offloads done in software for a destination that cannot take
 * them: TCP segmentation (IPv4 and IPv6) with every checksum, and a
 * partial TCP or UDP checksum made whole. The egress
 * stage (lib/port/vunet_port_tx.h) calls it per frame that needs it; its
 * buffers come from the worker's pool. Headers are judged by
 * vunet_seg.c, which trusts nothing in the frame.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "vunet_seg.h"

/*
 * Segment the TCP frame m (chained or not) into segments of at most mss
 * payload bytes whose IP packets are at most ip_mtu bytes (0: no limit):
 * new mbufs from mp, chained only where one buffer does not hold a
 * segment, each with its headers and IP and TCP checksums. m stays the
 * caller's. Returns how many segments are in out (room for VUNET_SEG_MAX),
 * or 0 and why not in *why (nothing allocated is left).
 */
uint16_t vunet_seg_tcp(const struct rte_mbuf *m, uint16_t mss,
		       uint32_t ip_mtu, struct rte_mempool *mp,
		       struct rte_mbuf **out, enum vunet_seg_error *why);

/*
 * Write the full TCP or UDP checksum of m in place (a guest with CSUM
 * leaves it partial: the pseudo-header's sum only), over IPv4 or IPv6,
 * whatever the field held. m is writable (not shared) and its headers are
 * in its first buffer; 0, or -1 and why not in *why (m untouched).
 */
int vunet_cksum_fill(struct rte_mbuf *m, enum vunet_seg_error *why);

#endif /* VUNET_OFFLOAD_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_STATS_H
#define VUNET_STATS_H

/*
 * Counters. Each worker owns one vunet_worker_stats and is its only writer,
 * so the data path increments plain integers; readers sum over workers and
 * accept a value that is at most one burst old.
 */

#include <stdint.h>

#include <rte_common.h>

#include "vunet_config.h"

/*
 * Why a packet was dropped: X(enum suffix, counter name, meaning). The
 * enum and the names counters are shown under come from this one list.
 */
#define VUNET_DROPS(X) \
	X(SPOOF, spoofed_src, "source MAC not allowed on the port") \
	X(VLAN, tagged_on_access, "802.1Q-tagged on an access port (or twice " \
	  "on a trunk)") \
	X(VLAN_NOT_CARRIED, vlan_not_carried, "in a VLAN the trunk does not " \
	  "carry; untagged on a trunk without a native VLAN") \
	X(BAD_SRC, bad_src, "multicast or zero source MAC") \
	X(RUNT, runt, "shorter than an Ethernet header") \
	X(NO_DEST, no_dest, "not attached, or its destination is down") \
	X(SAME_PORT, same_port, "destination learned on the ingress port " \
	  "(or from a remote VTEP, on another one)") \
	X(TX_FULL, tx_full, "egress queue or guest ring full") \
	X(TX_NO_QUEUE, tx_no_queue, "egress port has no usable queue") \
	X(OVERSIZE, oversize, "longer than the port's MTU (+ header, tag)") \
	X(TX_OVERSIZE, tx_oversize, "longer than the egress port's MTU") \
	X(TX_CHAIN, tx_chain, "chained; the egress device sends no chains") \
	X(MAC_LIMIT, mac_limit, "a new source MAC on a port at its limit") \
	X(LINK_LOCAL, link_local, "to 01:80:c2:00:00:0x (STP, LACP, pause)") \
	X(FLOOD_RATE, flood_rate, "flooded frames above the port's rate") \
	X(NO_MBUF, no_mbuf, "no buffer or headroom for a frame's 802.1Q tag " \
	  "or VXLAN copy") \
	X(NOT_VXLAN, not_vxlan, "underlay: neither VXLAN to the local VTEP " \
	  "nor ARP") \
	X(VXLAN_BAD, vxlan_bad, "VXLAN: bad lengths, flags or outer IPv4 " \
	  "checksum, IPv4 options, a fragment") \
	X(VXLAN_VNI, vxlan_vni, "VXLAN: a VNI the bridge does not map") \
	X(VXLAN_VTEP, vxlan_vtep, "VXLAN: from an address not among the " \
	  "bridge's remotes") \
	X(ARP_RATE, arp_rate, "underlay: ARP beyond 1000 per second per " \
	  "worker") \
	X(ARP_BACKLOG, arp_backlog, "underlay: ARP while the control thread " \
	  "is behind")

#define VUNET_DROP_ENUM(e, name, why) VUNET_DROP_ ## e,
enum vunet_drop {
	VUNET_DROPS(VUNET_DROP_ENUM)
	VUNET_DROP_MAX
};
#undef VUNET_DROP_ENUM

#define VUNET_DROP_NAME(e, name, why) [VUNET_DROP_ ## e] = #name,
static const char *const vunet_drop_names[VUNET_DROP_MAX] = {
	VUNET_DROPS(VUNET_DROP_NAME)
};
#undef VUNET_DROP_NAME

struct vunet_queue_stats {
	uint64_t pkts;
	uint64_t bytes;
};

struct vunet_port_stats {
	struct vunet_queue_stats rxq[VUNET_MAX_QUEUES];
	struct vunet_queue_stats txq[VUNET_MAX_QUEUES];
	uint64_t drop[VUNET_DROP_MAX];
} __rte_cache_aligned;

struct vunet_worker_stats {
	uint64_t busy_tsc;     /* iterations that moved packets */
	uint64_t idle_tsc;     /* iterations that found nothing */
	uint64_t iterations;
	uint64_t pkts;         /* received, for cycles per packet */
	uint64_t learn_lost;   /* learning events the full ring refused */
	struct vunet_port_stats port[VUNET_MAX_PORTS];
} __rte_cache_aligned;

/* Share of a worker's time spent on iterations that moved packets. */
static inline double
vunet_stats_busy_pct(const struct vunet_worker_stats *s)
{
	uint64_t all = s->busy_tsc + s->idle_tsc;

	return all ? 100.0 * (double)s->busy_tsc / (double)all : 0.0;
}

/* TSC cycles of the busy iterations per received packet. */
static inline uint64_t
vunet_stats_cycles_per_pkt(const struct vunet_worker_stats *s)
{
	return s->pkts ? s->busy_tsc / s->pkts : 0;
}

/* Sums of one port over all workers. */
struct vunet_port_totals {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t drop[VUNET_DROP_MAX];
	struct vunet_queue_stats rxq[VUNET_MAX_QUEUES];
	struct vunet_queue_stats txq[VUNET_MAX_QUEUES];
};

/* Add one worker's counters of port to t. */
static inline void
vunet_stats_port_add(const struct vunet_worker_stats *ws, uint16_t port,
		     struct vunet_port_totals *t)
{
	const struct vunet_port_stats *s = &ws->port[port];

	for (int q = 0; q < VUNET_MAX_QUEUES; q++) {
		t->rxq[q].pkts += s->rxq[q].pkts;
		t->rxq[q].bytes += s->rxq[q].bytes;
		t->txq[q].pkts += s->txq[q].pkts;
		t->txq[q].bytes += s->txq[q].bytes;
		t->rx_pkts += s->rxq[q].pkts;
		t->rx_bytes += s->rxq[q].bytes;
		t->tx_pkts += s->txq[q].pkts;
		t->tx_bytes += s->txq[q].bytes;
	}
	for (int d = 0; d < VUNET_DROP_MAX; d++)
		t->drop[d] += s->drop[d];
}

#endif /* VUNET_STATS_H */

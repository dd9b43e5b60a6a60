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
#include "vunet_drops.h"
#include "vunet_offload_counts.h"

struct vunet_queue_stats {
	uint64_t pkts;
	uint64_t bytes;
};

struct vunet_port_stats {
	struct vunet_queue_stats rxq[VUNET_MAX_QUEUES];
	struct vunet_queue_stats txq[VUNET_MAX_QUEUES];
	uint64_t drop[VUNET_DROP_MAX];
#define VUNET_PORT_OFFLOAD_FIELD(field, name) uint64_t field;
	VUNET_PORT_OFFLOADS(VUNET_PORT_OFFLOAD_FIELD)
#undef VUNET_PORT_OFFLOAD_FIELD
} __rte_cache_aligned;

/*
 * A worker's own counters, X(field, name shown, meaning): listed once for
 * vunetctl stats, telemetry and the report at exit.
 */
#define VUNET_WORKER_COUNTERS(X) \
	X(busy_tsc, busy_cycles, "TSC cycles of loops that moved packets") \
	X(idle_tsc, idle_cycles, "TSC cycles of loops that found nothing") \
	X(iterations, iterations, "poll loops") \
	X(pkts, packets, "packets received (for cycles per packet)") \
	X(learn_lost, learn_lost, "learning events the full ring refused")

struct vunet_worker_stats {
#define VUNET_WORKER_FIELD(field, name, meaning) uint64_t field;
	VUNET_WORKER_COUNTERS(VUNET_WORKER_FIELD)
#undef VUNET_WORKER_FIELD
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

/*
 * A port's sums shown to operators, X(field, name shown): listed once for
 * vunetctl stats and telemetry.
 */
#define VUNET_PORT_TOTALS(X) \
	X(rx_pkts, rx_packets) \
	X(rx_bytes, rx_bytes) \
	X(tx_pkts, tx_packets) \
	X(tx_bytes, tx_bytes) \
	VUNET_PORT_OFFLOADS(X)

/* Sums of one port over all workers. */
struct vunet_port_totals {
#define VUNET_PORT_TOTAL_FIELD(field, name) uint64_t field;
	VUNET_PORT_TOTALS(VUNET_PORT_TOTAL_FIELD)
#undef VUNET_PORT_TOTAL_FIELD
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
#define VUNET_PORT_OFFLOAD_ADD(field, name) t->field += s->field;
	VUNET_PORT_OFFLOADS(VUNET_PORT_OFFLOAD_ADD)
#undef VUNET_PORT_OFFLOAD_ADD
}

#endif /* VUNET_STATS_H */

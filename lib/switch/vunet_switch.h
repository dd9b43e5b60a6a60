/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_SWITCH_H
#define VUNET_SWITCH_H

/*
 * The forwarding decision. Each port either belongs to a bridge (MAC
 * learning, flooding, access VLAN, port security) or is cross-connected to
 * one peer. Workers call vunet_switch_input() on each received burst; it
 * sorts the packets into per-output-port batches that the worker flushes.
 *
 * Workers never write the MAC table: learning events (a new or moved source
 * MAC) go through a per-worker ring to the control thread, which is the
 * table's only writer (vunet_switch_learn_drain).
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vunet_config.h"
#include "vunet_fdb.h"
#include "vunet_port.h"
#include "vunet_stats.h"

enum vunet_fwd_mode {
	VUNET_FWD_NONE,
	VUNET_FWD_BRIDGE,
	VUNET_FWD_XCONNECT,
};

struct vunet_fwd_port {
	uint8_t mode;
	uint16_t peer;           /* XCONNECT */
	uint16_t bridge;         /* BRIDGE */
	uint16_t vlan;
	uint16_t n_allowed;      /* port security: allowed source MACs */
	uint16_t n_flood;        /* ports of the same bridge and VLAN */
	uint64_t allowed[VUNET_MAX_ALLOWED_MACS]; /* vunet_fdb_key(mac, 0) */
	uint16_t *flood;
	struct vunet_fdb *fdb;
};

struct vunet_bridge {
	const struct vunet_bridge_conf *conf;
	struct vunet_fdb *fdb;
	uint64_t learned;        /* control thread's counters */
	uint64_t moved;
	uint64_t table_full;
	uint64_t aged;
};

struct vunet_switch {
	uint16_t n_ports;
	uint16_t n_bridges;
	struct vunet_port *ports;            /* n_ports */
	struct vunet_fwd_port fwd[VUNET_MAX_PORTS];
	struct vunet_bridge bridges[VUNET_MAX_BRIDGES];
	uint16_t flood_lists[VUNET_MAX_PORTS * VUNET_MAX_PORTS];
};

/* A learning event, worker -> control thread. */
struct vunet_learn {
	uint64_t key;
	uint16_t port;
	uint16_t bridge;
	uint32_t pad;
};

/* Per-worker output batches. */
struct vunet_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[VUNET_BURST];
};

struct vunet_out {
	uint16_t n_dirty;
	uint16_t dirty[VUNET_MAX_PORTS];
	struct vunet_txbuf buf[VUNET_MAX_PORTS];
};

/* Per-worker learning queue. */
struct vunet_learn_q {
	struct rte_ring *ring;
	uint64_t *lost;
};

/*
 * Build the switch for conf over the created ports (conf->n_ports of them,
 * same order). Returns NULL and a reason in err on failure.
 */
struct vunet_switch *vunet_switch_create(const struct vunet_config *conf,
					 struct vunet_port *ports,
					 struct rte_rcu_qsbr *qsbr,
					 char *err, size_t errlen);
void vunet_switch_free(struct vunet_switch *sw);

/*
 * Decide where each of the n packets received on port in goes. Packets are
 * appended to out (each batch slot holds one mbuf reference) or freed and
 * counted as drops in st[port].
 */
void vunet_switch_input(const struct vunet_switch *sw, uint16_t in,
			struct rte_mbuf **pkts, uint16_t n,
			struct vunet_out *out, struct vunet_port_stats *st,
			uint64_t now, struct vunet_learn_q *lq);

/* Control thread: apply queued learning events; returns how many. */
unsigned int vunet_switch_learn_drain(struct vunet_switch *sw,
				      struct rte_ring *ring, uint64_t now);

/* Control thread: age every bridge's MAC table. */
void vunet_switch_age(struct vunet_switch *sw, uint64_t now);

static inline void
vunet_out_append(struct vunet_out *out, uint16_t port, struct rte_mbuf *m)
{
	struct vunet_txbuf *b = &out->buf[port];

	if (b->n == 0)
		out->dirty[out->n_dirty++] = port;
	b->pkts[b->n++] = m;
}

#endif /* VUNET_SWITCH_H */

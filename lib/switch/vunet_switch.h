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
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vunet_config.h"
#include "vunet_fdb.h"
#include "vunet_port.h"
#include "vunet_stats.h"
#include "vunet_vxlan_decap.h"

/* the MAC table counts MACs per port slot */
_Static_assert(VUNET_FDB_PORTS == VUNET_MAX_PORTS, "one count per port slot");

enum vunet_fwd_mode {
	VUNET_FWD_NONE,
	VUNET_FWD_BRIDGE,
	VUNET_FWD_XCONNECT,
	VUNET_FWD_UNDERLAY,      /* eth port under a bridge's VXLAN */
};

/*
 * The ports of one bridge that carry one VLAN: those that take its frames
 * untagged (access ports, trunks whose native VLAN it is) first, then the
 * trunks that take them tagged, then the remote VTEPs of its VXLAN.
 */
struct vunet_flood_list {
	uint32_t off;            /* at vunet_fwd_table.members + off */
	uint16_t n;
	uint16_t n_untagged;     /* members [0, n_untagged) */
	uint16_t n_tagged;       /* members [n_untagged, n_tagged) */
};

struct vunet_fwd_port {
	uint8_t mode;
	bool trunk;              /* BRIDGE: frames in and out may be tagged */
	bool tunnel;             /* BRIDGE: a remote VTEP (frames in come
				  * decapsulated, their VLAN in vlan_tci) */
	uint16_t peer;           /* XCONNECT */
	uint16_t bridge;         /* BRIDGE */
	uint16_t vlan;           /* untagged frames': access or native, 0 none */
	uint32_t mac_limit;      /* VUNET_FDB_NO_LIMIT: the table's size */
	uint64_t flood_tsc;      /* TSC per flooded frame; 0: no limit */
	uint64_t flood_tau;      /* burst the rate tolerates, in TSC */
	uint16_t n_allowed;      /* port security: allowed source MACs */
	uint64_t allowed[VUNET_MAX_ALLOWED_MACS]; /* vunet_fdb_key(mac, 0) */
	const struct vunet_flood_list *flood; /* the bridge's, by VLAN */
	const struct vunet_vxlan_decap *ul; /* UNDERLAY */
	struct vunet_fdb *fdb;
	struct vunet_vlans vlans; /* carried: access, or trunk's and native */
};

/*
 * A bridge's learning counters (the control thread's), with what each
 * counts: listed once, for vunetctl and telemetry.
 */
#define VUNET_BRIDGE_COUNTERS(X) \
	X(learned, "MACs learned") \
	X(moved, "MACs that moved to another port") \
	X(aged, "MACs forgotten after aging_sec without a frame") \
	X(table_full, "MACs not learned: the table was full") \
	X(limited, "MACs not learned: the port was at its mac_limit") \
	X(held, "moves refused: a remote VTEP claimed a MAC a local port " \
	  "that is up had used within the hold-down")

/*
 * A MAC a local port that is up has used within this long is not taken
 * over by a remote VTEP (one forged frame from the underlay would
 * otherwise move a local host onto the tunnel). A VM that really moved
 * is announced from the remote side after its port here went down.
 */
#define VUNET_REMOTE_HOLD_DOWN_S 10

struct vunet_bridge {
	struct vunet_bridge_conf conf;
	struct vunet_fdb *fdb;   /* NULL: the slot is free */
#define VUNET_BRIDGE_FIELD(name, meaning) uint64_t name;
	VUNET_BRIDGE_COUNTERS(VUNET_BRIDGE_FIELD)
#undef VUNET_BRIDGE_FIELD
};

/*
 * What workers read to decide, indexed by port slot. Never changed once
 * published: a change builds a new table, swaps the pointer and frees the
 * old one after every worker has passed a quiescent state.
 */
struct vunet_fwd_table {
	struct vunet_fwd_port fwd[VUNET_MAX_PORTS];
	/*
	 * Where a port takes frames untagged: VUNET_SEGMENT(bridge, VLAN) of
	 * its access or native VLAN; VUNET_NO_SEGMENT if nowhere. A learned
	 * destination whose segment is the frame's needs no other check.
	 */
	uint32_t segment[VUNET_MAX_PORTS];
	const uint16_t *members; /* of every flood list, in this allocation */
};

#define VUNET_SEGMENT(bridge, vlan) ((uint32_t)(bridge) << 16 | (vlan))
#define VUNET_NO_SEGMENT UINT32_MAX

struct vunet_switch {
	struct vunet_port *ports;            /* VUNET_MAX_PORTS slots */
	struct vunet_fwd_table *table;       /* RCU-published */
	struct rte_rcu_qsbr *qsbr;
	struct vunet_bridge bridges[VUNET_MAX_BRIDGES]; /* slots */
};

/*
 * How the ports are wired, by slot, for vunet_switch_publish(). conf NULL:
 * the slot holds no port (or one not yet, or no longer, forwarding).
 */
struct vunet_wiring {
	struct {
		const struct vunet_port_conf *conf;
		int bridge;      /* bridge slot, -1 if none */
		int peer;        /* cross-connected port slot, -1 if none */
		int underlay_of; /* bridge slot whose VXLAN it carries, -1 */
		int exception_of; /* bridge slot whose underlay it is the
				   * host stack's way to (its peer), -1 */
	} port[VUNET_MAX_PORTS];
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
	bool grew;               /* a tag was pushed: frames are 4 bytes longer */
	uint16_t n_dirty;
	uint16_t dirty[VUNET_MAX_PORTS];
	struct vunet_txbuf buf[VUNET_MAX_PORTS];
};

/* What one worker decides with: all its own. */
struct vunet_switch_ctx {
	const struct vunet_switch *sw;
	struct vunet_out *out;           /* batches by output port */
	struct vunet_port_stats *st;     /* counters by port slot */
	struct rte_ring *learn;          /* events; NULL: none (tests) */
	struct rte_ring *punt;           /* ARP to the control thread, or NULL */
	uint64_t *punt_tat;              /* GCRA of the punts (the worker's) */
	uint64_t *learn_lost;            /* events the full ring refused */
	struct vunet_fdb_cache *cache;
};

/*
 * ARP a worker hands the control thread, at most, from every underlay it
 * polls: an underlay host may not keep the control thread answering.
 */
#define VUNET_PUNT_PPS 1000
#define VUNET_PUNT_BURST 64

/*
 * An empty switch over the port slots: nothing forwards until a wiring is
 * published. qsbr may be NULL when no worker runs (tests).
 */
struct vunet_switch *vunet_switch_new(struct vunet_port *ports,
				      struct rte_rcu_qsbr *qsbr,
				      char *err, size_t errlen);

/*
 * The switch for a whole configuration, port i and bridge i in slot i:
 * vunet_switch_new, vunet_switch_bridge_add and vunet_switch_publish.
 */
struct vunet_switch *vunet_switch_create(const struct vunet_config *conf,
					 struct vunet_port *ports,
					 struct rte_rcu_qsbr *qsbr,
					 char *err, size_t errlen);
void vunet_switch_free(struct vunet_switch *sw);

/* Control thread: a bridge with its MAC table in a free slot. */
int vunet_switch_bridge_add(struct vunet_switch *sw, uint16_t slot,
			    const struct vunet_bridge_conf *conf,
			    char *err, size_t errlen);

/* Control thread: free a bridge no published table refers to any more. */
void vunet_switch_bridge_del(struct vunet_switch *sw, uint16_t slot);

/*
 * Control thread: build the table for w and publish it. When this returns
 * (0) no worker reads the previous table any more. -ENOMEM leaves the
 * previous table in place.
 */
int vunet_switch_publish(struct vunet_switch *sw, const struct vunet_wiring *w);

/* The table workers read now (a worker loads it once per loop). */
static inline const struct vunet_fwd_table *
vunet_switch_table(const struct vunet_switch *sw)
{
	return __atomic_load_n(&sw->table, __ATOMIC_ACQUIRE);
}

/*
 * vunet_switch_input.c: decide where each of the n packets received on
 * port in goes, by table t, at TSC now. Packets are appended to x->out
 * (each batch slot holds one mbuf reference) or freed and counted as drops
 * in x->st[in].
 */
void vunet_switch_input(const struct vunet_switch_ctx *x,
			const struct vunet_fwd_table *t, uint64_t now,
			uint16_t in, struct rte_mbuf **pkts, uint16_t n);

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

/* n packets to one port; a batch holds at most one burst in all. */
static inline void
vunet_out_append_bulk(struct vunet_out *out, uint16_t port,
		      struct rte_mbuf **pkts, uint16_t n)
{
	struct vunet_txbuf *b = &out->buf[port];

	if (n == 1) {
		vunet_out_append(out, port, pkts[0]);
		return;
	}
	if (n == 0)
		return;
	if (b->n == 0)
		out->dirty[out->n_dirty++] = port;
	/* many MACs: runs of one; one flow: one run of a whole burst */
	memcpy(&b->pkts[b->n], pkts, n * sizeof(pkts[0]));
	b->n += n;
}

#endif /* VUNET_SWITCH_H */

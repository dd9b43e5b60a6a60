/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PORT_TX_H
#define VUNET_PORT_TX_H

/*
 * The egress stage. A worker sends each output batch with vunet_port_tx(),
 * which hands it to the destination kind's one place that prepares a
 * burst for that destination and sends it:
 *   vhost: sizes (a guest ring takes chains) -> capture -> enqueue (a copy)
 *   eth:   sizes and chains the device can take -> tx burst (a shared
 *          queue under its lock)
 *   vtep:  VNI, a private copy of a shared frame, encapsulation -> the
 *          worker's stage for the underlay (a flush sends it on as one
 *          burst of the underlay's eth stage: the remotes a burst goes to
 *          share one send), counted on the vtep when staged and on the
 *          underlay when sent
 * A batch from a guest that offloads is prepared first, per frame and
 * per destination: a TSO frame passes whole to a guest that takes it,
 * else it is segmented to the destination's MTU; a partial checksum passes
 * to a guest that takes it, else it is completed (lib/offload).
 * The worker's transmit context travels through it: its index (which
 * queue or ring it sends on), its counters of every port (a vtep counts on
 * its underlay too), and room for what a destination needs per worker
 * (segmentation state for offloads).
 *
 * Ownership: vunet_port_tx() always consumes every mbuf it is given (sent
 * or freed) and returns how many were sent, whatever the port kind.
 */

#include "vunet_port.h"

/* Encapsulated frames waiting for their underlay (one worker's). */
struct vunet_tx_stage {
	struct vunet_port *port;         /* the underlay; NULL: empty */
	uint16_t n;
	uint32_t longest;
	struct rte_mbuf *pkts[VUNET_BURST];
};

struct vunet_tx_ctx {
	unsigned int worker;
	struct vunet_port_stats *st;     /* this worker's, by port slot */
	/* the batch came from a guest that offloads: its frames may carry
	 * TSO and partial checksums (set per flush by the worker) */
	bool offloads;
	struct rte_mempool *pool;        /* for segments and copies */
	/* where vteps leave what they encapsulated, to be sent by
	 * vunet_port_tx_stage_flush(); NULL: each vtep sends at once */
	struct vunet_tx_stage *stage;
};

/*
 * Free a burst after a vhost enqueue. What a vhost port received is direct,
 * single-segment, unshared and from one pool: such a burst goes back with
 * one mempool put (no per-mbuf pool batching or reset); anything else, such
 * as a flooded (shared) packet, takes rte_pktmbuf_free_bulk.
 */
static inline void
vunet_mbufs_free(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mempool *mp;

	if (n == 0)
		return;
	mp = pkts[0]->pool;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		if (unlikely(m->pool != mp || m->next != NULL ||
			     m->nb_segs != 1 ||
			     rte_mbuf_refcnt_read(m) != 1 ||
			     !RTE_MBUF_DIRECT(m))) {
			rte_pktmbuf_free_bulk(pkts, n);
			return;
		}
	}
	rte_mempool_put_bulk(mp, (void **)pkts, n);
}

/*
 * Keep what the egress port can take whole. A frame longer than its MTU
 * (a jumbo from a v2 guest toward a v1 guest or a 1500-byte NIC) or a chain
 * an eth device cannot gather would be cut, garbled or refused downstream,
 * so it is dropped and counted here. Returns how many are left, in order.
 */
static inline uint16_t
vunet_port_tx_admit(const struct vunet_port *p, struct rte_mbuf **pkts,
		    uint16_t n, struct vunet_port_stats *st)
{
	uint16_t max_segs = vunet_port_has(p, VUNET_CAP_TX_CHAINS) ?
			    UINT16_MAX : 1, k = 0;
	uint32_t bad = 0;

	/* the common case is one pass without a branch per packet */
	for (uint16_t i = 0; i < n; i++)
		bad |= (rte_pktmbuf_pkt_len(pkts[i]) > p->max_frame) |
		       (pkts[i]->nb_segs > max_segs);
	if (likely(bad == 0))
		return n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		/* a TSO frame left whole for a guest that takes it */
		if (rte_pktmbuf_pkt_len(m) > p->max_frame &&
		    !((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
		      vunet_port_has(p, VUNET_CAP_TSO_OUT))) {
			st->drop[VUNET_DROP_TX_OVERSIZE]++;
			rte_pktmbuf_free(m);
		} else if (m->nb_segs > max_segs) {
			st->drop[VUNET_DROP_TX_CHAIN]++;
			rte_pktmbuf_free(m);
		} else {
			pkts[k++] = m;
		}
	}
	return k;
}

/* Nothing can be sent on p now: every packet is a tx_no_queue drop. */
static inline uint16_t
vunet_port_tx_none(struct rte_mbuf **pkts, uint16_t n,
		   struct vunet_port_stats *st)
{
	st->drop[VUNET_DROP_TX_NO_QUEUE] += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return 0;
}

/* longest: no packet is longer (a guest ring takes chains, so only a
 * longer one needs a look) */
static inline uint16_t
vunet_port_vhost_tx(struct vunet_port *p, const struct vunet_tx_ctx *tx,
		    struct rte_mbuf **pkts, uint16_t n, uint32_t longest)
{
	struct vunet_port_stats *st = &tx->st[p->index];
	int vid = __atomic_load_n(&p->vid, __ATOMIC_ACQUIRE);
	int vring = __atomic_load_n(&p->tx_vring[tx->worker],
				    __ATOMIC_RELAXED);
	uint16_t sent, q;

	if (vid < 0 || vring < 0)
		return vunet_port_tx_none(pkts, n, st);
	q = (uint16_t)(vring / 2);
	if (unlikely(longest > p->max_frame)) {
		n = vunet_port_tx_admit(p, pkts, n, st);
		if (n == 0)
			return 0;
	}
	if (unlikely(p->cap_id != VUNET_NO_CAPTURE))
		vunet_port_capture_tx(p, q, pkts, n);
	sent = rte_vhost_enqueue_burst(vid, (uint16_t)vring, pkts, n);
	st->txq[q].pkts += sent;
	st->txq[q].bytes += vunet_pkts_bytes(pkts, sent);
	st->drop[VUNET_DROP_TX_FULL] += n - sent;
	/* enqueue copied into the guest: every mbuf is still ours */
	vunet_mbufs_free(pkts, n);
	return sent;
}

static inline uint16_t
vunet_port_eth_tx(struct vunet_port *p, const struct vunet_tx_ctx *tx,
		  struct rte_mbuf **pkts, uint16_t n)
{
	struct vunet_port_stats *st = &tx->st[p->index];
	uint16_t sent, q;
	uint32_t bytes;

	if (!__atomic_load_n(&p->eth_up, __ATOMIC_RELAXED))
		return vunet_port_tx_none(pkts, n, st);
	n = vunet_port_tx_admit(p, pkts, n, st);
	if (n == 0)
		return 0;
	q = (uint16_t)(tx->worker % p->nb_txq);
	/* sent mbufs may be freed by the driver at once: count bytes first */
	bytes = vunet_pkts_bytes(pkts, n);
	if (p->txq_shared) {
		rte_spinlock_lock(&p->txq_lock[q]);
		sent = rte_eth_tx_burst(p->eth_id, q, pkts, n);
		rte_spinlock_unlock(&p->txq_lock[q]);
	} else {
		sent = rte_eth_tx_burst(p->eth_id, q, pkts, n);
	}
	st->txq[q].pkts += sent;
	if (sent < n) {
		bytes -= vunet_pkts_bytes(pkts + sent, n - sent);
		st->drop[VUNET_DROP_TX_FULL] += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	st->txq[q].bytes += bytes;
	return sent;
}

/*
 * A batch from a guest that offloads (vunet_port_offload.c): each frame
 * that carries a TSO or a partial checksum gets what p can take (passed
 * whole, segmented, checksummed), then the batch is sent as any other.
 */
uint16_t vunet_port_tx_offloads(struct vunet_port *p,
				const struct vunet_tx_ctx *tx,
				struct rte_mbuf **pkts, uint16_t n);

/* Encapsulate, stage or send on the underlay (vunet_port_vtep.c). */
uint16_t vunet_port_vtep_tx(struct vunet_port *p,
			    const struct vunet_tx_ctx *tx,
			    struct rte_mbuf **pkts, uint16_t n);

/*
 * Send what vteps staged (after a worker's flush of its batches); returns
 * how many the underlay sent.
 */
uint16_t vunet_port_tx_stage_flush(const struct vunet_tx_ctx *tx);

/*
 * Send n packets, counting sent packets on the queue used and the rest as
 * drops with their reason. longest: no packet is longer.
 */
static inline uint16_t
vunet_port_tx(struct vunet_port *p, const struct vunet_tx_ctx *tx,
	      struct rte_mbuf **pkts, uint16_t n, uint32_t longest)
{
	if (unlikely(tx->offloads))
		return vunet_port_tx_offloads(p, tx, pkts, n);
	switch ((enum vunet_port_type)p->type) {
	case VUNET_PORT_VHOST:
		return vunet_port_vhost_tx(p, tx, pkts, n, longest);
	case VUNET_PORT_ETH:
		return vunet_port_eth_tx(p, tx, pkts, n);
	case VUNET_PORT_VTEP:
		return vunet_port_vtep_tx(p, tx, pkts, n);
	case VUNET_PORT_KIND_MAX:
		break;
	}
	return vunet_port_tx_none(pkts, n, &tx->st[p->index]);
}

#endif /* VUNET_PORT_TX_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The egress stage for a batch from a guest that offloads (its port has
 * VUNET_CAP_OFFLOAD_IN): rte_vhost (compliant mode) marks a TSO frame
 * RTE_MBUF_F_RX_LRO with its gso_size in tso_segsz, and a partial checksum
 * RTE_MBUF_F_RX_L4_CKSUM_NONE. Per destination:
 *   a guest that takes it (TSO_OUT, CSUM_OUT): the frame passes whole,
 *     its metadata turned into the Tx flags rte_vhost's enqueue writes
 *     into the guest's virtio-net header;
 *   a NIC that takes it (eth with TSO_OUT, CSUM_OUT): the same Tx flags,
 *     its driver's rte_eth_tx_prepare, and the device segments or sums;
 *   anything else (a guest without, an eth port without, a remote VTEP,
 *     a frame a driver refuses): segmented to the destination's MTU, or
 *     its checksum completed (lib/offload).
 * A TSO frame passed whole has its gso_size made to fit the destination's
 * MTU too. The frame may be shared by a flood: segments are new buffers,
 * a checksum is completed on a private copy, a NIC gets only a frame it
 * alone holds (its driver writes the headers), and Tx flags left on a
 * shared frame are read only by a destination that takes them (every
 * other path clears them on what it sends). Out of line: only such a
 * batch comes here.
 */

#include <rte_ip.h>

#include "vunet_offload.h"
#include "vunet_port_internal.h"
#include "vunet_port_tx.h"

#define TX_OFFLOAD_FLAGS (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG | \
			  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | \
			  RTE_MBUF_F_TX_IP_CKSUM)

/* What goes out to p, sent as plain bursts of VUNET_BURST. */
struct batch {
	struct vunet_port *p;
	struct vunet_tx_ctx tx;          /* the worker's, offloads off */
	struct vunet_port_stats *st;
	uint16_t n;
	uint16_t sent;
	struct rte_mbuf *pkts[VUNET_BURST];
};

static void
batch_flush(struct batch *b)
{
	uint32_t longest;

	if (b->n == 0)
		return;
	vunet_pkts_bytes_longest(b->pkts, b->n, &longest);
	b->sent += vunet_port_tx(b->p, &b->tx, b->pkts, b->n, longest);
	b->n = 0;
}

static void
batch_add(struct batch *b, struct rte_mbuf *m)
{
	b->pkts[b->n++] = m;
	if (b->n == VUNET_BURST)
		batch_flush(b);
}

static void
batch_drop(struct batch *b, struct rte_mbuf *m, enum vunet_drop why)
{
	b->st->drop[why]++;
	rte_pktmbuf_free(m);
}

/* The longest IP packet p sends (its MTU), 0 if it cannot tell. */
static uint32_t
ip_mtu(const struct vunet_port *p)
{
	switch ((enum vunet_port_type)p->type) {
	case VUNET_PORT_VHOST:
	case VUNET_PORT_ETH:
		/* max_frame: MTU, Ethernet header, one tag */
		return p->max_frame > RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN ?
		       p->max_frame - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN : 0;
	case VUNET_PORT_VTEP:
		return vunet_port_vtep_ip_mtu(p);
	case VUNET_PORT_KIND_MAX:
		break;
	}
	return 0;
}

/*
 * m's metadata as Tx flags and lengths: what rte_vhost's enqueue turns
 * into a virtio-net header (NEEDS_CSUM at l2 + l3, GSO TCPv4/6 of
 * tso_segsz), and what a NIC's driver reads. A TSO frame's segments are
 * made no longer than ip_mtu (0: no limit), as they would be in software;
 * false for a frame that does not hold what its flags say.
 */
static bool
as_tx_offload(struct rte_mbuf *m, uint32_t ip_mtu)
{
	uint8_t buf[VUNET_SEG_HDR_MAX];
	uint32_t avail = RTE_MIN(rte_pktmbuf_pkt_len(m),
				 (uint32_t)VUNET_SEG_HDR_MAX);
	const uint8_t *h = rte_pktmbuf_read(m, 0, avail, buf);
	struct vunet_seg_plan plan;
	struct vunet_l4 l;
	uint64_t f;

	if (h == NULL ||
	    vunet_l4_locate(h, avail, rte_pktmbuf_pkt_len(m), &l) !=
	    VUNET_SEG_OK)
		return false;
	f = (l.ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) |
	    (l.proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM :
	     RTE_MBUF_F_TX_UDP_CKSUM);
	if (m->ol_flags & RTE_MBUF_F_RX_LRO) {
		/* the same judgement as a frame to be segmented, and no
		 * bytes after its IP packet: it goes whole */
		if (vunet_seg_plan(h, avail, rte_pktmbuf_pkt_len(m),
				   m->tso_segsz, ip_mtu, &plan) != VUNET_SEG_OK ||
		    plan.len != rte_pktmbuf_pkt_len(m))
			return false;
		m->l4_len = (uint16_t)(plan.hdr_len - plan.l4_off);
		m->tso_segsz = plan.mss;
		f |= RTE_MBUF_F_TX_TCP_SEG;
	}
	m->l2_len = l.l3_off;
	m->l3_len = (uint16_t)(l.l4_off - l.l3_off);
	m->ol_flags = (m->ol_flags & ~TX_OFFLOAD_FLAGS) | f;
	return true;
}

/*
 * A destination with cap takes *m as it is: true when it was dealt with;
 * false leaves *m (a driver's prepare may have replaced it) to software.
 */
static bool
whole(struct batch *b, struct rte_mbuf **pm, enum vunet_port_cap cap)
{
	struct rte_mbuf *m = *pm;
	bool nic = b->p->type == VUNET_PORT_ETH;

	if (!vunet_port_has(b->p, cap))
		return false;
	/* a NIC's driver writes into the headers: not those of a frame
	 * another destination still reads */
	if (nic && (rte_mbuf_refcnt_read(m) != 1 || !RTE_MBUF_DIRECT(m)))
		return false;
	if (!as_tx_offload(m, ip_mtu(b->p))) {
		batch_drop(b, m, VUNET_DROP_GSO_BAD);
		return true;
	}
	/* what the driver refuses (too many buffers, say) is done here */
	if (nic && !vunet_port_eth_prepare(b->p, b->tx.worker, pm)) {
		(*pm)->ol_flags &= ~TX_OFFLOAD_FLAGS;
		return false;
	}
	m = *pm;
	if (cap == VUNET_CAP_TSO_OUT)
		b->st->tso_passed++;
	batch_add(b, m);
	return true;
}

static void
tso(struct batch *b, struct rte_mbuf *m)
{
	struct rte_mbuf *seg[VUNET_SEG_MAX];
	enum vunet_seg_error why;
	uint16_t k;

	if (whole(b, &m, VUNET_CAP_TSO_OUT))
		return;
	k = vunet_seg_tcp(m, m->tso_segsz, ip_mtu(b->p), b->tx.pool, seg,
			  &why);
	if (k == 0) {
		batch_drop(b, m, why == VUNET_SEG_NO_MBUF ?
			   VUNET_DROP_NO_MBUF : VUNET_DROP_GSO_BAD);
		return;
	}
	rte_pktmbuf_free(m);
	b->st->tso_segmented++;
	b->st->tso_segments += k;
	for (uint16_t j = 0; j < k; j++)
		batch_add(b, seg[j]);
}

static void
csum(struct batch *b, struct rte_mbuf *m)
{
	enum vunet_seg_error why;

	if (whole(b, &m, VUNET_CAP_CSUM_OUT))
		return;
	/* others may still send the frame as it is: complete a copy */
	if (rte_mbuf_refcnt_read(m) != 1 || !RTE_MBUF_DIRECT(m)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, b->tx.pool, 0,
						      UINT32_MAX);

		rte_pktmbuf_free(m);
		if (c == NULL) {
			b->st->drop[VUNET_DROP_NO_MBUF]++;
			return;
		}
		m = c;
	}
	if (vunet_cksum_fill(m, &why) < 0) {
		batch_drop(b, m, VUNET_DROP_GSO_BAD);
		return;
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | TX_OFFLOAD_FLAGS);
	b->st->csum_completed++;
	batch_add(b, m);
}

uint16_t
vunet_port_tx_offloads(struct vunet_port *p, const struct vunet_tx_ctx *tx,
		       struct rte_mbuf **pkts, uint16_t n)
{
	struct batch b = { .p = p, .tx = *tx, .st = &tx->st[p->index] };

	b.tx.offloads = false;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->ol_flags & RTE_MBUF_F_RX_LRO)
			tso(&b, m);
		else if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
			 RTE_MBUF_F_RX_L4_CKSUM_NONE)
			csum(&b, m);
		else
			batch_add(&b, m);
	}
	batch_flush(&b);
	return b.sent;
}

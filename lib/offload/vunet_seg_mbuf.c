/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Segments as mbufs: headers from vunet_seg.c, payload copied, checksums. */

#include <string.h>

#include <rte_ip.h>

#include "vunet_offload.h"

/* Append len bytes of m from off to the chain s, growing it from mp. */
static int
copy_payload(struct rte_mbuf *s, const struct rte_mbuf *m, uint32_t off,
	     uint32_t len, struct rte_mempool *mp)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(s);

	while (len > 0) {
		uint32_t room = rte_pktmbuf_tailroom(last), chunk;
		const void *src;
		char *dst;

		if (room == 0) {
			struct rte_mbuf *more = rte_pktmbuf_alloc(mp);

			if (more == NULL || rte_pktmbuf_chain(s, more) < 0) {
				rte_pktmbuf_free(more);
				return -1;
			}
			last = more;
			continue;
		}
		chunk = RTE_MIN(room, len);
		dst = rte_pktmbuf_mtod_offset(last, char *, last->data_len);
		src = rte_pktmbuf_read(m, off, chunk, dst);
		if (src == NULL)
			return -1;
		if (src != dst)
			memcpy(dst, src, chunk);
		last->data_len = (uint16_t)(last->data_len + chunk);
		s->pkt_len += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

/* Segment i of plan p, or NULL when mp ran out. */
static struct rte_mbuf *
segment(const struct vunet_seg_plan *p, const uint8_t *hdr,
	const struct rte_mbuf *m, uint16_t i, struct rte_mempool *mp)
{
	struct rte_mbuf *s = rte_pktmbuf_alloc(mp);
	uint32_t off, len = vunet_seg_payload(p, i, &off);
	uint8_t *h;

	if (s == NULL)
		return NULL;
	h = (uint8_t *)rte_pktmbuf_append(s, p->hdr_len);
	if (h == NULL || copy_payload(s, m, off, len, mp) < 0) {
		rte_pktmbuf_free(s);
		return NULL;
	}
	vunet_seg_header(p, hdr, i, h);
	/* the headers are in the first buffer: the sums can read them */
	if (p->ipv6)
		*(unaligned_uint16_t *)(h + p->l4_off + 16) =
			rte_ipv6_udptcp_cksum_mbuf(s,
				(const struct rte_ipv6_hdr *)(h + p->l3_off),
				p->l4_off);
	else
		*(unaligned_uint16_t *)(h + p->l4_off + 16) =
			rte_ipv4_udptcp_cksum_mbuf(s,
				(const struct rte_ipv4_hdr *)(h + p->l3_off),
				p->l4_off);
	s->ol_flags = m->ol_flags & RTE_MBUF_F_TX_VLAN;
	s->vlan_tci = m->vlan_tci;
	return s;
}

uint16_t
vunet_seg_tcp(const struct rte_mbuf *m, uint16_t mss, uint32_t ip_mtu,
	      struct rte_mempool *mp, struct rte_mbuf **out,
	      enum vunet_seg_error *why)
{
	uint8_t buf[VUNET_SEG_HDR_MAX];
	uint32_t avail = RTE_MIN(rte_pktmbuf_pkt_len(m),
				 (uint32_t)VUNET_SEG_HDR_MAX);
	const uint8_t *hdr = rte_pktmbuf_read(m, 0, avail, buf);
	struct vunet_seg_plan p;

	*why = hdr == NULL ? VUNET_SEG_NOT_IP :
	       vunet_seg_plan(hdr, avail, rte_pktmbuf_pkt_len(m), mss, ip_mtu,
			      &p);
	if (*why != VUNET_SEG_OK)
		return 0;
	/* segments' headers may need the room the frame's own had */
	if (rte_pktmbuf_data_room_size(mp) < RTE_PKTMBUF_HEADROOM +
	    p.hdr_len) {
		*why = VUNET_SEG_NO_MBUF;
		return 0;
	}
	for (uint16_t i = 0; i < p.n; i++) {
		out[i] = segment(&p, hdr, m, i, mp);
		if (out[i] == NULL) {
			rte_pktmbuf_free_bulk(out, i);
			*why = VUNET_SEG_NO_MBUF;
			return 0;
		}
	}
	return p.n;
}

int
vunet_cksum_fill(struct rte_mbuf *m, enum vunet_seg_error *why)
{
	uint32_t avail = rte_pktmbuf_data_len(m);
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
	unaligned_uint16_t *field;
	struct vunet_l4 l;

	*why = vunet_l4_locate(h, RTE_MIN(avail, (uint32_t)VUNET_SEG_HDR_MAX),
			       rte_pktmbuf_pkt_len(m), &l);
	if (*why != VUNET_SEG_OK)
		return -1;
	field = (unaligned_uint16_t *)(h + l.l4_off +
				       (l.proto == IPPROTO_TCP ? 16 : 6));
	*field = 0;
	if (l.ipv6)
		*field = rte_ipv6_udptcp_cksum_mbuf(m,
			(const struct rte_ipv6_hdr *)(h + l.l3_off), l.l4_off);
	else
		*field = rte_ipv4_udptcp_cksum_mbuf(m,
			(const struct rte_ipv4_hdr *)(h + l.l3_off), l.l4_off);
	return 0;
}

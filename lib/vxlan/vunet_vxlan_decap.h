/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VXLAN_DECAP_H
#define VUNET_VXLAN_DECAP_H

/*
 * Decapsulation of what an underlay port receives: strict checks (a host
 * on the underlay is not trusted), the remote and VNI looked up once per
 * run of frames that share them, the outer headers and the wire's padding
 * cut. Inline: the switch calls it per frame of an underlay's burst.
 */

#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "vunet_stats.h"
#include "vunet_vxlan.h"

/*
 * The remotes of one underlay by address: open addressing, at most half
 * full (a miss ends at the first empty slot after a probe or two), built
 * once per published table and never written after. Lookup cost does not
 * grow with the number of remotes, and it is paid once per run of frames
 * from one remote and VNI.
 */
#define VUNET_VXLAN_REMOTE_SLOTS (2 * VUNET_MAX_REMOTES)
_Static_assert((VUNET_VXLAN_REMOTE_SLOTS & (VUNET_VXLAN_REMOTE_SLOTS - 1)) ==
	       0, "a power of two");

/* What decapsulation checks on one underlay (addresses: as sent). */
struct vunet_vxlan_decap {
	uint32_t local_ip;
	uint16_t udp_port;       /* network order */
	uint16_t n_remotes;
	/* the host stack's port: what is not VXLAN for us, and a copy of ARP;
	 * UINT16_MAX: none (dropped, ARP to the control thread only) */
	uint16_t exception;
	struct vunet_vxlan_vnis vnis;
	struct {
		uint32_t ip;     /* 0: empty (a remote is a unicast host) */
		uint16_t port;   /* the remote VTEP's port slot */
	} remotes[VUNET_VXLAN_REMOTE_SLOTS];
};

static inline uint32_t
vunet_vxlan_remote_slot(uint32_t ip)
{
	/* the address's high bits are mostly one prefix: multiply first */
	return (uint32_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ULL) >> 40) &
		(VUNET_VXLAN_REMOTE_SLOTS - 1);
}

/*
 * Control thread: ul with no remote. An empty slot holds address 0 and
 * port UINT16_MAX, so a frame from 0.0.0.0 finds no remote either.
 */
static inline void
vunet_vxlan_remotes_init(struct vunet_vxlan_decap *ul)
{
	ul->n_remotes = 0;
	for (uint32_t s = 0; s < VUNET_VXLAN_REMOTE_SLOTS; s++) {
		ul->remotes[s].ip = 0;
		ul->remotes[s].port = UINT16_MAX;
	}
}

/* Control thread: a remote of ul, at most VUNET_MAX_REMOTES of them. */
static inline void
vunet_vxlan_remote_add(struct vunet_vxlan_decap *ul, uint32_t ip,
		       uint16_t port)
{
	uint32_t s = vunet_vxlan_remote_slot(ip);

	while (ul->remotes[s].ip != 0)
		s = (s + 1) & (VUNET_VXLAN_REMOTE_SLOTS - 1);
	ul->remotes[s].ip = ip;
	ul->remotes[s].port = port;
	ul->n_remotes++;
}

/* The last remote and VNI a burst's frames came from, and what they map to. */
struct vunet_vxlan_seen {
	uint32_t ip;
	uint32_t vni;            /* VNI word; 1 matches none */
	uint16_t vtep;           /* port slot of the remote */
	uint16_t vlan;
};

#define VUNET_VXLAN_SEEN_NONE { .vni = 1 }

/* The remote VTEP of ul at address ip, or UINT16_MAX. */
static inline uint16_t
vunet_vxlan_remote_port(const struct vunet_vxlan_decap *ul, uint32_t ip)
{
	uint32_t s = vunet_vxlan_remote_slot(ip);

	/* ends at ip's slot or an empty one, whose port is UINT16_MAX */
	while (ul->remotes[s].ip != ip && ul->remotes[s].ip != 0)
		s = (s + 1) & (VUNET_VXLAN_REMOTE_SLOTS - 1);
	return ul->remotes[s].ip == ip ? ul->remotes[s].port : UINT16_MAX;
}

/*
 * The outer IPv4 header's checksum: what the device says, or computed
 * (a header with a wrong checksum is not trusted for its addresses, as
 * the Linux kernel would not pass it to its VXLAN device either).
 */
static inline bool
vunet_vxlan_outer_checksum_ok(const struct rte_mbuf *m,
			      const struct rte_ipv4_hdr *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	/*
	 * The ones' complement sum of the 20 bytes (no options here) in two
	 * 64-bit words and one 32-bit word, carries wrapped, then folded. A
	 * correct header sums to 0xffff, in either byte order.
	 */
	uint64_t a, b, s;
	uint32_t c;

	memcpy(&a, ip, sizeof(a));
	memcpy(&b, (const uint8_t *)ip + 8, sizeof(b));
	memcpy(&c, (const uint8_t *)ip + 16, sizeof(c));
	s = a + b;
	s += s < a;
	s += c;
	s += s < c;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16) == 0xffff;
}

/*
 * Why a frame on the underlay is not a VXLAN frame for us, or
 * VUNET_DROP_MAX: then c holds the remote it came from and the VLAN of
 * its VNI.
 */
static inline enum vunet_drop
vunet_vxlan_check(const struct vunet_vxlan_decap *ul,
		  const struct rte_mbuf *m, struct vunet_vxlan_seen *c)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const void *)(h + RTE_ETHER_HDR_LEN);
	const struct rte_udp_hdr *udp = (const void *)(ip + 1);
	const struct rte_vxlan_hdr *vx = (const void *)(udp + 1);
	uint32_t len = rte_pktmbuf_data_len(m), tl;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) ||
	    *(const unaligned_uint16_t *)(h + 12) !=
	    RTE_BE16(RTE_ETHER_TYPE_IPV4) || ip->dst_addr != ul->local_ip ||
	    ip->next_proto_id != IPPROTO_UDP)
		return VUNET_DROP_NOT_VXLAN;
	if (ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					    RTE_IPV4_HDR_OFFSET_MASK)) ||
	    len < VUNET_VXLAN_HLEN + RTE_ETHER_HDR_LEN ||
	    !vunet_vxlan_outer_checksum_ok(m, ip))
		return VUNET_DROP_VXLAN_BAD;
	if (udp->dst_port != ul->udp_port)
		return VUNET_DROP_NOT_VXLAN;
	/* IPv4 length: headers and an inner Ethernet header at least */
	tl = rte_be_to_cpu_16(ip->total_length);
	if (tl + RTE_ETHER_HDR_LEN > rte_pktmbuf_pkt_len(m) ||
	    tl < VUNET_VXLAN_HLEN ||
	    rte_be_to_cpu_16(udp->dgram_len) + sizeof(*ip) != tl ||
	    !(vx->vx_flags & VUNET_VXLAN_FLAG_I))
		return VUNET_DROP_VXLAN_BAD;
	if (likely(ip->src_addr == c->ip &&
		   (vx->vx_vni & VUNET_VXLAN_VNI_MASK) == c->vni))
		return VUNET_DROP_MAX;
	c->vtep = vunet_vxlan_remote_port(ul, ip->src_addr);
	c->vlan = vunet_vxlan_vni_vlan(&ul->vnis,
				       vx->vx_vni & VUNET_VXLAN_VNI_MASK);
	if (c->vtep == UINT16_MAX || c->vlan == 0) {
		enum vunet_drop why = c->vtep == UINT16_MAX ?
			VUNET_DROP_VXLAN_VTEP : VUNET_DROP_VXLAN_VNI;

		c->vni = 1;
		return why;
	}
	c->ip = ip->src_addr;
	c->vni = vx->vx_vni & VUNET_VXLAN_VNI_MASK;
	return VUNET_DROP_MAX;
}

/*
 * Keep the first len bytes of m (len > 0, at most its length): the rest
 * may span segments, which rte_pktmbuf_trim does not cut.
 */
static inline void
vunet_vxlan_keep_first(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m, *rest;
	uint32_t off = 0;
	uint16_t segs = 1;

	while (off + s->data_len < len) {
		off += s->data_len;
		s = s->next;
		segs++;
	}
	s->data_len = (uint16_t)(len - off);
	rest = s->next;
	s->next = NULL;
	m->nb_segs = segs;
	m->pkt_len = len;
	if (rest != NULL)
		rte_pktmbuf_free(rest);
}

/*
 * Check m and, if it is VXLAN for ul, cut it down to the inner frame with
 * its VLAN in vlan_tci and its remote in c->vtep; else the drop reason
 * (m untouched, still the caller's).
 */
static inline enum vunet_drop
vunet_vxlan_decap(const struct vunet_vxlan_decap *ul, struct rte_mbuf *m,
		  struct vunet_vxlan_seen *c)
{
	enum vunet_drop why = vunet_vxlan_check(ul, m, c);
	uint32_t tl;

	if (unlikely(why != VUNET_DROP_MAX))
		return why;
	/* what follows the IPv4 packet is the wire's padding */
	tl = rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN)->total_length);
	if (unlikely(rte_pktmbuf_pkt_len(m) != tl + RTE_ETHER_HDR_LEN))
		vunet_vxlan_keep_first(m, tl + RTE_ETHER_HDR_LEN);
	m->data_off += VUNET_VXLAN_HLEN;
	m->data_len -= VUNET_VXLAN_HLEN;
	m->pkt_len -= VUNET_VXLAN_HLEN;
	m->vlan_tci = c->vlan;
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	return VUNET_DROP_MAX;
}

#endif /* VUNET_VXLAN_DECAP_H */

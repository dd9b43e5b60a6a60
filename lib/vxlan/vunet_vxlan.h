/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VXLAN_H
#define VUNET_VXLAN_H

/*
 * VXLAN (RFC 7348) as wire format, in one room: the VNI map of a bridge in
 * both directions, the outer-header template and encapsulation of a remote
 * VTEP, decapsulation with its checks (vunet_vxlan_decap.h), and ARP for a
 * remote's next hop (vunet_vxlan_arp.c). Nothing here owns a port, a queue
 * or a thread: lib/port sends what this builds, lib/switch bridges what this
 * decapsulates, lib/daemon drives ARP. A second tunnel type (Geneve, EVPN's
 * remotes) gets a room of its own beside this one.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "vunet_config.h"

/* outer Ethernet, IPv4 without options, UDP, VXLAN */
#define VUNET_VXLAN_HLEN (RTE_ETHER_HDR_LEN + 20 + 8 + 8)
/* the I flag: the VNI is valid (RFC 7348 5.) */
#define VUNET_VXLAN_FLAG_I RTE_BE32(0x08000000)
/* a VNI as the header carries it: VNI << 8, big endian */
#define VUNET_VXLAN_VNI_WORD(vni) rte_cpu_to_be_32((uint32_t)(vni) << 8)
#define VUNET_VXLAN_VNI_MASK RTE_BE32(0xffffff00)
/* RFC 7348: a source port from the dynamic range */
#define VUNET_VXLAN_UDP_SRC_BASE 49152

/*
 * A bridge's VNIs and their VLANs, as decapsulation looks them up: a
 * short list (a burst's frames mostly share a VNI: looked up once per
 * change).
 */
struct vunet_vxlan_vnis {
	uint16_t n;
	struct {
		uint32_t vni;    /* VUNET_VXLAN_VNI_WORD */
		uint16_t vlan;
	} pairs[VUNET_MAX_VNIS];
};

/* The same map both ways: by VLAN for encapsulation (one load). */
struct vunet_vxlan_map {
	struct vunet_vxlan_vnis vnis;
	uint32_t by_vlan[VUNET_VLAN_MAX + 2]; /* VNI word; 0: not mapped */
};

void vunet_vxlan_vnis_build(const struct vunet_vxlan_conf *c,
			    struct vunet_vxlan_vnis *v);
void vunet_vxlan_map_build(const struct vunet_vxlan_conf *c,
			   struct vunet_vxlan_map *map);

/* The VLAN of VNI word vni, or 0. */
static inline uint16_t
vunet_vxlan_vni_vlan(const struct vunet_vxlan_vnis *v, uint32_t vni)
{
	for (uint16_t i = 0; i < v->n; i++)
		if (v->pairs[i].vni == vni)
			return v->pairs[i].vlan;
	return 0;
}

/* What never changes in the outer headers toward one remote VTEP. */
struct vunet_vxlan_tmpl {
	uint32_t ip_sum;         /* ones' complement sum of ip, length 0 */
	struct rte_ipv4_hdr ip;
	uint16_t udp_dst;        /* network order */
};

/* Addresses in network order, udp_port in host order. */
void vunet_vxlan_tmpl_init(struct vunet_vxlan_tmpl *t, uint32_t local_ip,
			   uint32_t remote_ip, uint16_t udp_port);

/*
 * Spread flows over the underlay's paths (RFC 7348 5.): the UDP source
 * port from the inner MACs, type and, for IPv4, addresses.
 */
static inline uint16_t
vunet_vxlan_flow_port(const struct rte_mbuf *m)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t x = *(const unaligned_uint64_t *)h ^
		     *(const unaligned_uint64_t *)(h + 6);

	if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + 20)
		x ^= *(const unaligned_uint64_t *)(h + 26);
	x *= 0x9e3779b97f4a7c15ULL;
	return (uint16_t)(VUNET_VXLAN_UDP_SRC_BASE | (x >> 50));
}

/*
 * Prepend the outer headers to m, which is no one else's and has
 * VUNET_VXLAN_HLEN of headroom. The outer IPv4 checksum is the template's
 * sum plus the length: one add and two folds, not a pass over the header.
 */
static inline void
vunet_vxlan_encap(const struct vunet_vxlan_tmpl *t,
		  const struct rte_ether_addr *src, uint64_t dst_mac,
		  uint32_t vni, uint16_t sport, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_vxlan_hdr *vx;
	uint32_t inner = rte_pktmbuf_pkt_len(m), sum;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m,
							  VUNET_VXLAN_HLEN);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	vx = (struct rte_vxlan_hdr *)(udp + 1);
	memcpy(&eth->dst_addr, &dst_mac, RTE_ETHER_ADDR_LEN);
	eth->src_addr = *src;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	*ip = t->ip;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(inner + 36));
	sum = t->ip_sum + ip->total_length;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = t->udp_dst;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(inner + 16));
	udp->dgram_cksum = 0;    /* optional over IPv4 (RFC 7348) */
	vx->vx_flags = VUNET_VXLAN_FLAG_I;
	vx->vx_vni = vni;
	m->ol_flags &= ~RTE_MBUF_F_TX_VLAN;
}

#endif /* VUNET_VXLAN_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * A remote VXLAN tunnel endpoint as a port (RFC 7348): what the bridge
 * sends to it is encapsulated and sent on the underlay eth port; the
 * remote's MAC (or its next hop's) is resolved by ARP from the control
 * thread. What the remote sends is decapsulated by the switch
 * (vunet_switch_input.c) and bridged as received on this port.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "vunet_clock.h"
#include "vunet_port.h"
#include "vunet_port_internal.h"

#define ARP_RETRY_MS 1000        /* while the remote does not answer */
/*
 * Once it did. A next hop's MAC is taken only from the answer to our own
 * request (any underlay host could send a gratuitous one), so a real
 * change (a replaced router, a moved host) is seen at the next request:
 * within this long.
 */
#define ARP_REFRESH_MS 5000
#define ARP_ANSWER_MS 1000       /* a reply later than this is not ours */
#define UDP_SRC_BASE 49152       /* RFC 7348: a port from the dynamic range */

struct vunet_vtep {
	struct vunet_port *underlay;
	uint64_t remote_mac;     /* 0: not resolved (6 bytes, frame order):
				  * the remote's, or its gateway's */
	uint32_t next_hop;       /* whom ARP asks: the remote or a gateway */
	uint64_t asked_ms;       /* control thread: last ARP request */
	bool asking;             /* it is unanswered */
	uint32_t arps_sent;
	uint32_t arps_heard;
	/* outer IPv4, UDP, VXLAN with what never changes */
	uint32_t ip_sum;         /* ones' complement sum of ip, length 0 */
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
	struct rte_vxlan_hdr vx;
	uint32_t vni[VUNET_VLAN_MAX + 2]; /* by VLAN: vx_vni; 0: none */
};

int
vunet_port_vtep_create(struct vunet_port *p, char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	struct vunet_vtep *t;

	t = rte_zmalloc("vunet_vtep", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		snprintf(err, errlen, "out of memory for a VTEP");
		return -ENOMEM;
	}
	t->ip.version_ihl = RTE_IPV4_VHL_DEF;
	t->ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	t->ip.time_to_live = 64;
	t->ip.next_proto_id = IPPROTO_UDP;
	t->ip.src_addr = c->vxlan.local_ip;
	t->ip.dst_addr = c->remote_ip;
	t->next_hop = c->next_hop;
	t->udp.dst_port = rte_cpu_to_be_16(c->vxlan.udp_port);
	t->vx.vx_flags = RTE_BE32(0x08000000);
	/* per frame only the length changes: its sum is added to this */
	t->ip_sum = rte_raw_cksum(&t->ip, sizeof(t->ip));
	for (uint16_t i = 0; i < c->vxlan.n_vnis; i++)
		t->vni[c->vxlan.vnis[i].vlan] =
			rte_cpu_to_be_32(c->vxlan.vnis[i].vni << 8);
	p->vtep = t;
	p->nb_txq = 1;
	p->max_frame = UINT16_MAX; /* the underlay's MTU decides */
	return 0;
}

void
vunet_port_vtep_destroy(struct vunet_port *p)
{
	const struct vunet_port_env *env = vunet_port_env();

	__atomic_store_n(&p->eth_up, false, __ATOMIC_RELEASE);
	if (env->qsbr != NULL)
		rte_rcu_qsbr_synchronize(env->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(p->vtep);
	p->vtep = NULL;
}

void
vunet_port_vtep_bind(struct vunet_port *p, struct vunet_port *underlay)
{
	__atomic_store_n(&p->vtep->underlay, underlay, __ATOMIC_RELEASE);
}

void
vunet_port_vtep_info(const struct vunet_port *p, struct vunet_vtep_info *i)
{
	const struct vunet_vtep *t = p->vtep;
	uint64_t mac = __atomic_load_n(&t->remote_mac, __ATOMIC_RELAXED);

	memset(i, 0, sizeof(*i));
	i->resolved = mac != 0;
	memcpy(i->mac, &mac, sizeof(i->mac));
	i->arps_sent = t->arps_sent;
	i->arps_heard = t->arps_heard;
}

/*
 * Spread flows over the underlay's paths (RFC 7348 5.): the UDP source
 * port from the inner MACs, type and, for IPv4, addresses.
 */
static inline uint16_t
flow_port(const struct rte_mbuf *m)
{
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t x = *(const unaligned_uint64_t *)h ^
		     *(const unaligned_uint64_t *)(h + 6);

	if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + 20)
		x ^= *(const unaligned_uint64_t *)(h + 26);
	x *= 0x9e3779b97f4a7c15ULL;
	return (uint16_t)(UDP_SRC_BASE | (x >> 50));
}

/* Prepend the outer headers; m is no one else's. */
static inline void
encap(const struct vunet_vtep *t, const struct rte_ether_addr *src,
      uint64_t dst_mac, uint32_t vni, uint16_t sport, struct rte_mbuf *m)
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
	udp->dst_port = t->udp.dst_port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(inner + 16));
	udp->dgram_cksum = 0;    /* optional over IPv4 (RFC 7348) */
	vx->vx_flags = t->vx.vx_flags;
	vx->vx_vni = vni;
	m->ol_flags &= ~RTE_MBUF_F_TX_VLAN;
}

uint16_t
vunet_port_vtep_tx(struct vunet_port *p, unsigned int w,
		   struct rte_mbuf **pkts, uint16_t n,
		   struct vunet_port_stats *st)
{
	struct vunet_vtep *t = p->vtep;
	struct vunet_port *u = __atomic_load_n(&t->underlay,
					       __ATOMIC_ACQUIRE);
	uint64_t mac = __atomic_load_n(&t->remote_mac, __ATOMIC_RELAXED);
	struct rte_mbuf *out[VUNET_BURST];
	uint32_t len[VUNET_BURST], longest = 0, bytes = 0;
	struct rte_ether_addr src;
	uint16_t k = 0, sent;

	if (unlikely(mac == 0 || u == NULL || !vunet_port_is_up(u))) {
		st->drop[VUNET_DROP_TX_NO_QUEUE] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return 0;
	}
	src = u->mac;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t vni = t->vni[m->vlan_tci & 0x0fff];
		uint16_t sport = flow_port(m);

		if (unlikely(vni == 0)) {
			st->drop[VUNET_DROP_NO_DEST]++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* flooded (shared) frames: one copy per remote */
		if (rte_mbuf_refcnt_read(m) != 1 || RTE_MBUF_CLONED(m) ||
		    rte_pktmbuf_headroom(m) < VUNET_VXLAN_HLEN) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0,
							      UINT32_MAX);

			rte_pktmbuf_free(m);
			if (c == NULL) {
				st->drop[VUNET_DROP_NO_MBUF]++;
				continue;
			}
			m = c;
		}
		len[k] = rte_pktmbuf_pkt_len(m);
		encap(t, &src, mac, vni, sport, m);
		longest = RTE_MAX(longest, rte_pktmbuf_pkt_len(m));
		out[k++] = m;
	}
	if (k == 0)
		return 0;
	/* the underlay's counters are in the same per-worker array */
	sent = vunet_port_tx(u, w, out, k, longest, st + (u->index - p->index));
	for (uint16_t i = 0; i < sent; i++)
		bytes += len[i];
	st->txq[0].pkts += sent;
	st->txq[0].bytes += bytes;
	return sent;
}

/* Control thread: one frame on the underlay's queue 0, under its lock. */
static void
underlay_send(struct vunet_port *u, struct rte_mbuf *m)
{
	uint16_t sent;

	rte_spinlock_lock(&u->txq_lock[0]);
	sent = rte_eth_tx_burst(u->eth_id, 0, &m, 1);
	rte_spinlock_unlock(&u->txq_lock[0]);
	if (sent == 0)
		rte_pktmbuf_free(m);
}

static void
arp_send(struct vunet_port *u, uint16_t op, uint32_t sip,
	 const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vunet_port_env()->pools[0]);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 60);
	memset(eth, 0, 60);
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	else
		eth->dst_addr = *tha;
	eth->src_addr = u->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = u->mac;
	arp->arp_data.arp_sip = sip;
	if (tha != NULL)
		arp->arp_data.arp_tha = *tha;
	arp->arp_data.arp_tip = tip;
	underlay_send(u, m);
}

/*
 * The reply to the request we have outstanding: from the address asked,
 * to our address and MAC, in time. Anything else (requests, gratuitous
 * ARP, replies nobody asked for) says nothing about the next hop.
 */
static bool
our_answer(const struct vunet_vtep *t, const struct vunet_port *u,
	   const struct rte_arp_hdr *arp, uint64_t now)
{
	return t->asking && now - t->asked_ms <= ARP_ANSWER_MS &&
	       arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) &&
	       arp->arp_data.arp_sip == t->next_hop &&
	       arp->arp_data.arp_tip == t->ip.src_addr &&
	       rte_is_same_ether_addr(&arp->arp_data.arp_tha, &u->mac);
}

void
vunet_port_vtep_arp(struct vunet_port *ports, unsigned int n_ports,
		    struct vunet_port *u, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;
	uint64_t now = vunet_now_ms();
	bool answered = false;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) +
	    sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
				      sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha) ||
	    rte_is_zero_ether_addr(&arp->arp_data.arp_sha))
		return;
	for (unsigned int s = 0; s < n_ports; s++) {
		struct vunet_port *p = &ports[s];
		struct vunet_vtep *t = p->vtep;
		struct rte_ether_addr was;
		uint64_t mac = 0;

		if (p->conf == NULL || p->type != VUNET_PORT_VTEP ||
		    t->underlay != u)
			continue;
		if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
		    arp->arp_data.arp_tip == t->ip.src_addr && !answered) {
			arp_send(u, RTE_ARP_OP_REPLY, t->ip.src_addr,
				 &arp->arp_data.arp_sha,
				 arp->arp_data.arp_sip);
			answered = true;
		}
		if (!our_answer(t, u, arp, now))
			continue;
		t->asking = false;
		memcpy(&mac, &arp->arp_data.arp_sha, RTE_ETHER_ADDR_LEN);
		memcpy(&was, &t->remote_mac, RTE_ETHER_ADDR_LEN);
		if (mac != t->remote_mac && t->remote_mac != 0)
			PORT_LOG(WARNING, "%s: the %s changed its MAC from "
				 RTE_ETHER_ADDR_PRT_FMT " to "
				 RTE_ETHER_ADDR_PRT_FMT, p->conf->name,
				 t->next_hop == t->ip.dst_addr ? "remote VTEP" :
				 "gateway to the remote VTEP",
				 RTE_ETHER_ADDR_BYTES(&was),
				 RTE_ETHER_ADDR_BYTES(&arp->arp_data.arp_sha));
		else if (mac != t->remote_mac)
			PORT_LOG(INFO, "%s: the remote VTEP is %s "
				 RTE_ETHER_ADDR_PRT_FMT, p->conf->name,
				 t->next_hop == t->ip.dst_addr ? "at" :
				 "through a gateway at",
				 RTE_ETHER_ADDR_BYTES(&arp->arp_data.arp_sha));
		__atomic_store_n(&t->remote_mac, mac, __ATOMIC_RELAXED);
		t->arps_heard++;
		__atomic_store_n(&p->eth_up, true, __ATOMIC_RELEASE);
	}
}

void
vunet_port_vtep_resolve(struct vunet_port *ports, unsigned int n_ports)
{
	uint64_t now = vunet_now_ms();

	for (unsigned int s = 0; s < n_ports; s++) {
		struct vunet_port *p = &ports[s];
		struct vunet_vtep *t = p->vtep;
		struct vunet_port *u;

		if (p->conf == NULL || p->type != VUNET_PORT_VTEP)
			continue;
		u = t->underlay;
		if (u == NULL || !vunet_port_is_up(u))
			continue;
		if (now - t->asked_ms < (t->remote_mac != 0 ?
					 ARP_REFRESH_MS : ARP_RETRY_MS))
			continue;
		t->asked_ms = now;
		t->asking = true;
		t->arps_sent++;
		arp_send(u, RTE_ARP_OP_REQUEST, t->ip.src_addr, NULL,
			 t->next_hop);
	}
}

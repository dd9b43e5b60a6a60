/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * A remote VXLAN tunnel endpoint as a port (RFC 7348): what the bridge
 * sends to it is encapsulated and sent on the underlay eth port; the
 * remote's MAC (or its next hop's) is resolved by ARP from the control
 * thread. What the remote sends is decapsulated by the switch and bridged
 * as received on this port. The wire format (headers, VNI map, ARP's
 * rules) is lib/vxlan's; this file gives it a port, a queue and a thread.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "vunet_clock.h"
#include "vunet_port.h"
#include "vunet_port_internal.h"
#include "vunet_port_tx.h"
#include "vunet_vxlan.h"
#include "vunet_vxlan_arp.h"

struct vunet_vtep {
	struct vunet_port *underlay;
	struct vunet_vxlan_arp arp;      /* its next hop's MAC */
	struct vunet_vxlan_tmpl tmpl;    /* outer headers toward it */
	struct vunet_vxlan_map map;      /* the bridge's VLANs <-> VNIs */
};

static int
vtep_create(struct vunet_port *p, char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	struct vunet_vtep *t;

	t = rte_zmalloc("vunet_vtep", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		snprintf(err, errlen, "out of memory for a VTEP");
		return -ENOMEM;
	}
	vunet_vxlan_arp_init(&t->arp, c->vxlan.local_ip, c->remote_ip,
			     c->next_hop);
	vunet_vxlan_tmpl_init(&t->tmpl, c->vxlan.local_ip, c->remote_ip,
			      c->vxlan.udp_port);
	vunet_vxlan_map_build(&c->vxlan, &t->map);
	p->vtep = t;
	p->nb_txq = 1;
	p->max_frame = UINT16_MAX; /* the underlay's MTU decides */
	return 0;
}

static void
vtep_destroy(struct vunet_port *p)
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

uint32_t
vunet_port_vtep_ip_mtu(const struct vunet_port *p)
{
	const struct vunet_port *u = __atomic_load_n(&p->vtep->underlay,
						     __ATOMIC_ACQUIRE);
	/*
	 * The underlay's max_frame is its MTU, an Ethernet header and a tag;
	 * its IP packet carries UDP, VXLAN and the inner Ethernet header
	 * besides the inner IP packet: as many bytes as VUNET_VXLAN_HLEN.
	 */
	uint32_t over = RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + VUNET_VXLAN_HLEN;

	return u != NULL && u->max_frame > over ? u->max_frame - over : 0;
}

/*
 * The remotes of one burst share their underlay: their frames wait for
 * one send (on a NIC, one doorbell) instead of one per remote.
 */
static void
stage_add(const struct vunet_tx_ctx *tx, struct vunet_port *u,
	  struct rte_mbuf **pkts, uint16_t n, uint32_t longest)
{
	struct vunet_tx_stage *s = tx->stage;

	if (s->n != 0 && (s->port != u || s->n + n > VUNET_BURST))
		vunet_port_tx_stage_flush(tx);
	memcpy(&s->pkts[s->n], pkts, n * sizeof(pkts[0]));
	s->n += n;
	s->port = u;
	s->longest = RTE_MAX(s->longest, longest);
}

uint16_t
vunet_port_vtep_tx(struct vunet_port *p, const struct vunet_tx_ctx *tx,
		   struct rte_mbuf **pkts, uint16_t n)
{
	struct vunet_port_stats *st = &tx->st[p->index];
	struct vunet_vtep *t = p->vtep;
	struct vunet_port *u = __atomic_load_n(&t->underlay,
					       __ATOMIC_ACQUIRE);
	uint64_t mac = __atomic_load_n(&t->arp.remote_mac, __ATOMIC_RELAXED);
	struct rte_mbuf *out[VUNET_BURST];
	uint32_t len[VUNET_BURST], longest = 0, bytes = 0;
	struct rte_ether_addr src;
	uint16_t k = 0, sent;

	if (unlikely(mac == 0 || u == NULL || !vunet_port_is_up(u)))
		return vunet_port_tx_none(pkts, n, st);
	src = u->mac;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t vni = t->map.by_vlan[m->vlan_tci & 0x0fff];
		uint16_t sport = vunet_vxlan_flow_port(m);

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
		vunet_vxlan_encap(&t->tmpl, &src, mac, vni, sport, m);
		longest = RTE_MAX(longest, rte_pktmbuf_pkt_len(m));
		out[k++] = m;
	}
	if (k == 0)
		return 0;
	if (tx->stage != NULL) {
		/* counted here as staged, on the underlay as sent there */
		stage_add(tx, u, out, k, longest);
		sent = k;
	} else {
		sent = vunet_port_tx(u, tx, out, k, longest);
	}
	for (uint16_t i = 0; i < sent; i++)
		bytes += len[i];
	st->txq[0].pkts += sent;
	st->txq[0].bytes += bytes;
	return sent;
}

uint16_t
vunet_port_tx_stage_flush(const struct vunet_tx_ctx *tx)
{
	struct vunet_tx_stage *s = tx->stage;
	/* encapsulated frames ask the underlay for nothing: no offloads */
	struct vunet_tx_ctx plain = *tx;
	uint16_t sent;

	if (s == NULL || s->n == 0)
		return 0;
	plain.offloads = false;
	sent = vunet_port_tx(s->port, &plain, s->pkts, s->n, s->longest);
	s->n = 0;
	s->longest = 0;
	s->port = NULL;
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

	if (m == NULL)
		return;
	if (vunet_vxlan_arp_fill(m, op, &u->mac, sip, tha, tip) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	underlay_send(u, m);
}

static void
arp_log(const struct vunet_port *p, enum vunet_arp_heard h,
	const struct rte_ether_addr *was, const struct rte_ether_addr *now)
{
	const struct vunet_vxlan_arp *a = &p->vtep->arp;

	if (h == VUNET_ARP_CHANGED)
		PORT_LOG(WARNING, "%s: the %s changed its MAC from "
			 RTE_ETHER_ADDR_PRT_FMT " to " RTE_ETHER_ADDR_PRT_FMT,
			 p->conf->name, a->via_gateway ?
			 "gateway to the remote VTEP" : "remote VTEP",
			 RTE_ETHER_ADDR_BYTES(was), RTE_ETHER_ADDR_BYTES(now));
	else if (h == VUNET_ARP_RESOLVED)
		PORT_LOG(INFO, "%s: the remote VTEP is %s "
			 RTE_ETHER_ADDR_PRT_FMT, p->conf->name,
			 a->via_gateway ? "through a gateway at" : "at",
			 RTE_ETHER_ADDR_BYTES(now));
}

/* A remote VTEP over underlay u. */
static struct vunet_vtep *
vtep_over(struct vunet_port *p, const struct vunet_port *u)
{
	if (p->conf == NULL || p->type != VUNET_PORT_VTEP ||
	    p->vtep->underlay != u)
		return NULL;
	return p->vtep;
}

void
vunet_port_vtep_arp(struct vunet_port *ports, unsigned int n_ports,
		    struct vunet_port *u, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp = vunet_vxlan_arp_parse(m);
	const struct vunet_vxlan_arp *asker = NULL;
	uint64_t now = vunet_now_ms(), asked = 0;
	bool answered = false;

	if (arp == NULL)
		return;
	/* a reply to one remote's request answers all behind its next hop */
	for (unsigned int s = 0; s < n_ports && asker == NULL; s++) {
		struct vunet_vtep *t = vtep_over(&ports[s], u);

		if (t != NULL &&
		    vunet_vxlan_arp_awaits(&t->arp, &u->mac, arp, now)) {
			asker = &t->arp;
			asked = asker->asked_ms;
		}
	}
	for (unsigned int s = 0; s < n_ports; s++) {
		struct vunet_port *p = &ports[s];
		struct vunet_vtep *t = vtep_over(p, u);
		struct rte_ether_addr was;
		enum vunet_arp_heard h;

		if (t == NULL)
			continue;
		if (!answered && vunet_vxlan_arp_for_us(&t->arp, arp)) {
			arp_send(u, RTE_ARP_OP_REPLY, t->arp.local_ip,
				 &arp->arp_data.arp_sha,
				 arp->arp_data.arp_sip);
			answered = true;
		}
		vunet_vxlan_arp_nudge(&t->arp, arp);
		if (asker == NULL)
			continue;
		vunet_vxlan_arp_join(&t->arp, asker, asked);
		h = vunet_vxlan_arp_heard(&t->arp, &u->mac, arp, now, &was);
		if (h == VUNET_ARP_NOT_OURS)
			continue;
		arp_log(p, h, &was, &arp->arp_data.arp_sha);
		__atomic_store_n(&p->eth_up, true, __ATOMIC_RELEASE);
	}
}

/* Next hops asked in one pass, by underlay: one request each. */
#define ASKED_MAX 64

void
vunet_port_vtep_resolve(struct vunet_port *ports, unsigned int n_ports)
{
	const struct vunet_port *asked_on[ASKED_MAX];
	uint32_t asked_for[ASKED_MAX];
	uint64_t now = vunet_now_ms();
	unsigned int n_asked = 0;

	for (unsigned int s = 0; s < n_ports; s++) {
		struct vunet_port *p = &ports[s];
		struct vunet_vxlan_arp *a;
		struct vunet_port *u;
		unsigned int k;

		if (p->conf == NULL || p->type != VUNET_PORT_VTEP)
			continue;
		u = p->vtep->underlay;
		a = &p->vtep->arp;
		if (u == NULL || !vunet_port_is_up(u) ||
		    !vunet_vxlan_arp_due(a, now))
			continue;
		for (k = 0; k < n_asked; k++)
			if (asked_on[k] == u && asked_for[k] == a->next_hop)
				break;
		if (k < n_asked)
			continue;
		if (n_asked < ASKED_MAX) {
			asked_on[n_asked] = u;
			asked_for[n_asked++] = a->next_hop;
		}
		arp_send(u, RTE_ARP_OP_REQUEST, a->local_ip, NULL,
			 a->next_hop);
	}
}

static void
vtep_info(const struct vunet_port *p __rte_unused,
	  struct vunet_port_info *i __rte_unused)
{
}

static void
vtep_describe(const struct vunet_port *p, bool detail __rte_unused,
	      struct vunet_port_fields *f)
{
	const struct vunet_port_conf *c = p->conf;
	const struct vunet_vxlan_arp *a = &p->vtep->arp;
	uint64_t mac = __atomic_load_n(&a->remote_mac, __ATOMIC_RELAXED);
	char *t;

	t = vunet_port_field_text(f, "remote");
	if (t != NULL)
		vunet_ipv4_format(c->remote_ip, t, sizeof(f->text[0]));
	if (a->via_gateway) {
		t = vunet_port_field_text(f, "next_hop");
		if (t != NULL)
			vunet_ipv4_format(c->next_hop, t, sizeof(f->text[0]));
	}
	vunet_port_field_str(f, "underlay", c->vxlan.underlay_name);
	/* listed in the configuration, or found by BGP EVPN */
	vunet_port_field_str(f, "origin", c->evpn ? "evpn" : "config");
	if (mac != 0) {
		struct vunet_mac m;

		memcpy(m.b, &mac, sizeof(m.b));
		t = vunet_port_field_text(f, "remote_mac");
		if (t != NULL)
			vunet_mac_format(&m, t, sizeof(f->text[0]));
	}
	vunet_port_field_num(f, "arps_sent", a->sent);
	vunet_port_field_num(f, "arps_heard", a->heard);
}

/* a remote's tunnel: its address, next hop, and the bridge's VXLAN */
static bool
vtep_same_device(const struct vunet_port_conf *a,
		 const struct vunet_port_conf *b)
{
	const struct vunet_vxlan_conf *x = &a->vxlan, *y = &b->vxlan;

	return a->remote_ip == b->remote_ip && a->next_hop == b->next_hop &&
	       x->local_ip == y->local_ip &&
	       x->udp_port == y->udp_port && x->n_vnis == y->n_vnis &&
	       memcmp(x->vnis, y->vnis, x->n_vnis * sizeof(x->vnis[0])) == 0 &&
	       strcmp(x->underlay_name, y->underlay_name) == 0;
}

const struct vunet_port_ops vunet_port_vtep_ops = {
	.create = vtep_create,
	.destroy = vtep_destroy,
	.info = vtep_info,
	.describe = vtep_describe,
	.same_device = vtep_same_device,
};

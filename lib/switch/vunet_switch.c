/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The control side of the switch: bridges, the tables workers read, and
 * the MAC tables' only writer (learning, aging). The per-burst decision is
 * in vunet_switch_input.c.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "vunet_switch.h"

RTE_LOG_REGISTER(vunet_logtype_switch, vunet.switch, INFO);
#define SW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_switch, "switch: " fmt "\n", \
		##__VA_ARGS__)

#define LEARN_DRAIN_MAX 256

struct vunet_switch *
vunet_switch_new(struct vunet_port *ports, struct rte_rcu_qsbr *qsbr,
		 char *err, size_t errlen)
{
	struct vunet_switch *sw;

	sw = rte_zmalloc("vunet_switch", sizeof(*sw), RTE_CACHE_LINE_SIZE);
	if (sw != NULL)
		sw->table = rte_zmalloc("vunet_fwd", sizeof(*sw->table),
					RTE_CACHE_LINE_SIZE);
	if (sw == NULL || sw->table == NULL) {
		snprintf(err, errlen, "out of memory for the switch");
		rte_free(sw);
		return NULL;
	}
	sw->ports = ports;
	sw->qsbr = qsbr;
	return sw;
}

int
vunet_switch_bridge_add(struct vunet_switch *sw, uint16_t slot,
			const struct vunet_bridge_conf *bc, char *err,
			size_t errlen)
{
	struct vunet_bridge *b = &sw->bridges[slot];
	char name[RTE_HASH_NAMESIZE];

	memset(b, 0, sizeof(*b));
	b->conf = *bc;
	snprintf(name, sizeof(name), "fdb_%u", slot);
	b->fdb = vunet_fdb_create(name, bc->fdb_size,
				  bc->aging_sec * rte_get_tsc_hz(),
				  SOCKET_ID_ANY, sw->qsbr);
	if (b->fdb == NULL) {
		snprintf(err, errlen, "bridge %s: cannot create a MAC table "
			 "of %u entries: %s", bc->name, bc->fdb_size,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

void
vunet_switch_bridge_del(struct vunet_switch *sw, uint16_t slot)
{
	vunet_fdb_free(sw->bridges[slot].fdb);
	memset(&sw->bridges[slot], 0, sizeof(sw->bridges[slot]));
}

/* The VLANs a bridge port carries. */
static void
port_vlans(const struct vunet_port_conf *pc, struct vunet_vlans *set)
{
	if (pc->trunk)
		*set = pc->trunk_vlans;
	else
		memset(set, 0, sizeof(*set));
	if (pc->vlan != 0)
		vunet_vlans_add(set, pc->vlan);
}

static uint32_t
vlans_count(const struct vunet_vlans *set)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < RTE_DIM(set->w); i++)
		n += (uint32_t)__builtin_popcountll(set->w[i]);
	return n;
}

/* Whether slot p forwards in a bridge that has a table. */
static int
wired_bridge(const struct vunet_switch *sw, const struct vunet_wiring *w,
	     uint16_t p)
{
	int br = w->port[p].bridge;

	if (w->port[p].conf == NULL || w->port[p].peer >= 0 || br < 0 ||
	    sw->bridges[br].fdb == NULL)
		return -1;
	return br;
}

/* A port's settings, and its bridge's flood lists (one per VLAN). */
static void
fwd_port_set(struct vunet_fwd_port *f, const struct vunet_port_conf *pc)
{
	f->vlan = pc->vlan;
	f->trunk = pc->trunk;
	f->tunnel = pc->type == VUNET_PORT_VTEP;
	port_vlans(pc, &f->vlans);
	f->mac_limit = pc->mac_limit ? pc->mac_limit : VUNET_FDB_NO_LIMIT;
	if (pc->flood_pps != 0) {
		uint64_t burst = RTE_MAX(pc->flood_pps / 20u,
					 (uint32_t)VUNET_BURST);

		f->flood_tsc = RTE_MAX(rte_get_tsc_hz() / pc->flood_pps, 1u);
		f->flood_tau = burst * f->flood_tsc;
	}
	f->n_allowed = pc->n_allowed_macs;
	for (uint16_t i = 0; i < pc->n_allowed_macs; i++)
		f->allowed[i] = vunet_fdb_key(pc->allowed_macs[i].b, 0);
}

/*
 * Bridge br's lists in map (VLAN v at map[v]), members from *next: for
 * each VLAN the ports that take it untagged, then those that take it
 * tagged, then the remote VTEPs.
 */
static void
flood_lists_build(struct vunet_fwd_table *t, uint16_t *members,
		  uint32_t *next, struct vunet_flood_list *map,
		  const uint16_t *ports, uint16_t n_ports)
{
	for (uint16_t v = 1; v <= VUNET_VLAN_MAX; v++) {
		struct vunet_flood_list *l = &map[v];

		l->off = *next;
		for (int kind = 0; kind < 3; kind++) {
			for (uint16_t i = 0; i < n_ports; i++) {
				const struct vunet_fwd_port *f =
					&t->fwd[ports[i]];
				int k = f->tunnel ? 2 : f->vlan != v;

				if (vunet_vlans_has(&f->vlans, v) && k == kind)
					members[(*next)++] = ports[i];
			}
			if (kind == 0)
				l->n_untagged = (uint16_t)(*next - l->off);
			else if (kind == 1)
				l->n_tagged = (uint16_t)(*next - l->off);
		}
		l->n = (uint16_t)(*next - l->off);
	}
}

/* What slot p, the underlay of bridge br's VXLAN, decapsulates. */
static void
underlay_set(const struct vunet_switch *sw, const struct vunet_wiring *w,
	     int br, struct vunet_vxlan_decap *ul)
{
	const struct vunet_vxlan_conf *x = &sw->bridges[br].conf.vxlan;

	ul->local_ip = x->local_ip;
	ul->udp_port = rte_cpu_to_be_16(x->udp_port);
	vunet_vxlan_vnis_build(x, &ul->vnis);
	vunet_vxlan_remotes_init(ul);
	ul->exception = UINT16_MAX;
	for (uint16_t q = 0; q < VUNET_MAX_PORTS; q++) {
		const struct vunet_port_conf *qc = w->port[q].conf;

		if (qc == NULL)
			continue;
		if (w->port[q].exception_of == br)
			ul->exception = q;
		if (qc->type == VUNET_PORT_VTEP && w->port[q].bridge == br &&
		    qc->remote_ip != 0 && ul->n_remotes < VUNET_MAX_REMOTES)
			vunet_vxlan_remote_add(ul, qc->remote_ip, q);
	}
}

int
vunet_switch_publish(struct vunet_switch *sw, const struct vunet_wiring *w)
{
	static uint16_t in_bridge[VUNET_MAX_BRIDGES][VUNET_MAX_PORTS];
	uint16_t n_in[VUNET_MAX_BRIDGES] = { 0 };
	uint32_t n_members = 0, n_maps = 0, n_uls = 0, next = 0;
	struct vunet_vxlan_decap *uls;
	struct vunet_fwd_table *t, *old;
	struct vunet_flood_list *maps;
	uint16_t *members;

	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		int br = wired_bridge(sw, w, p);
		struct vunet_vlans set;

		if (w->port[p].conf != NULL && w->port[p].underlay_of >= 0)
			n_uls++;
		if (br < 0)
			continue;
		if (n_in[br] == 0)
			n_maps++;
		in_bridge[br][n_in[br]++] = p;
		port_vlans(w->port[p].conf, &set);
		n_members += vlans_count(&set);
	}
	t = rte_zmalloc("vunet_fwd", sizeof(*t) + n_uls * sizeof(*uls) +
			n_maps * (VUNET_VLAN_MAX + 2) * sizeof(*maps) +
			n_members * sizeof(*members), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	uls = (struct vunet_vxlan_decap *)(t + 1);
	maps = (struct vunet_flood_list *)(uls + n_uls);
	members = (uint16_t *)(maps + n_maps * (VUNET_VLAN_MAX + 2));
	t->members = members;
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		struct vunet_fwd_port *f = &t->fwd[p];

		t->segment[p] = VUNET_NO_SEGMENT;
		if (w->port[p].conf == NULL)
			continue;
		fwd_port_set(f, w->port[p].conf);
		if (w->port[p].peer >= 0) {
			f->mode = VUNET_FWD_XCONNECT;
			f->peer = (uint16_t)w->port[p].peer;
		} else if (w->port[p].underlay_of >= 0 &&
			   sw->bridges[w->port[p].underlay_of].fdb != NULL) {
			f->mode = VUNET_FWD_UNDERLAY;
			underlay_set(sw, w, w->port[p].underlay_of, uls);
			f->ul = uls++;
		}
	}
	for (uint16_t br = 0; br < VUNET_MAX_BRIDGES; br++) {
		if (n_in[br] == 0)
			continue;
		flood_lists_build(t, members, &next, maps, in_bridge[br],
				  n_in[br]);
		for (uint16_t i = 0; i < n_in[br]; i++) {
			struct vunet_fwd_port *f = &t->fwd[in_bridge[br][i]];

			f->mode = VUNET_FWD_BRIDGE;
			f->bridge = br;
			f->fdb = sw->bridges[br].fdb;
			f->flood = maps;
			if (f->vlan != 0)
				t->segment[in_bridge[br][i]] =
					VUNET_SEGMENT(br, f->vlan);
		}
		maps += VUNET_VLAN_MAX + 2;
	}
	old = sw->table;
	__atomic_store_n(&sw->table, t, __ATOMIC_RELEASE);
	if (sw->qsbr != NULL)
		rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	return 0;
}

struct vunet_switch *
vunet_switch_create(const struct vunet_config *conf, struct vunet_port *ports,
		    struct rte_rcu_qsbr *qsbr, char *err, size_t errlen)
{
	static struct vunet_wiring w;
	struct vunet_switch *sw = vunet_switch_new(ports, qsbr, err, errlen);

	if (sw == NULL)
		return NULL;
	for (uint16_t b = 0; b < conf->n_bridges; b++)
		if (vunet_switch_bridge_add(sw, b, &conf->bridges[b], err,
					    errlen) < 0) {
			vunet_switch_free(sw);
			return NULL;
		}
	memset(&w, 0, sizeof(w));
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		w.port[p].conf = p < conf->n_ports ? &conf->ports[p] : NULL;
		w.port[p].bridge = p < conf->n_ports ? conf->ports[p].bridge :
			-1;
		w.port[p].peer = -1;
		w.port[p].underlay_of = p < conf->n_ports ?
			conf->ports[p].underlay_of : -1;
		w.port[p].exception_of = p < conf->n_ports ?
			conf->ports[p].exception_of : -1;
		/* the host stack's frames go out on the underlay as they are */
		if (w.port[p].exception_of >= 0)
			w.port[p].peer = conf->bridges[
				w.port[p].exception_of].vxlan.underlay;
	}
	for (uint16_t x = 0; x < conf->n_xconnects; x++) {
		w.port[conf->xconnects[x].a].peer = conf->xconnects[x].b;
		w.port[conf->xconnects[x].b].peer = conf->xconnects[x].a;
	}
	if (vunet_switch_publish(sw, &w) < 0) {
		snprintf(err, errlen, "out of memory for the switch");
		vunet_switch_free(sw);
		return NULL;
	}
	return sw;
}

void
vunet_switch_free(struct vunet_switch *sw)
{
	if (sw == NULL)
		return;
	for (uint16_t b = 0; b < VUNET_MAX_BRIDGES; b++)
		vunet_fdb_free(sw->bridges[b].fdb);
	rte_free(sw->table);
	rte_free(sw);
}

/* A remote VTEP claims a MAC a local port that is up has just used. */
static bool
held(const struct vunet_switch *sw, const struct vunet_bridge *b,
     const struct vunet_learn *ev, uint64_t now)
{
	uint16_t port;
	uint64_t seen;

	if (!sw->table->fwd[ev->port].tunnel ||
	    !vunet_fdb_entry(b->fdb, ev->key, &port, &seen) ||
	    port == ev->port || sw->table->fwd[port].tunnel ||
	    !vunet_port_is_up(&sw->ports[port]))
		return false;
	return now - seen < VUNET_REMOTE_HOLD_DOWN_S * rte_get_tsc_hz();
}

unsigned int
vunet_switch_learn_drain(struct vunet_switch *sw, struct rte_ring *ring,
			 uint64_t now)
{
	struct vunet_learn ev[LEARN_DRAIN_MAX];
	unsigned int n;

	n = rte_ring_dequeue_burst_elem(ring, ev, sizeof(ev[0]),
					LEARN_DRAIN_MAX, NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct vunet_bridge *b = &sw->bridges[ev[i].bridge];
		/* the control thread publishes tables: this one is current */
		uint32_t limit = sw->table->fwd[ev[i].port].mac_limit;
		int r;

		/* queued before its bridge went away */
		if (b->fdb == NULL)
			continue;
		if (held(sw, b, &ev[i], now)) {
			b->held++;
			continue;
		}
		r = vunet_fdb_learn(b->fdb, ev[i].key, ev[i].port, limit, now);
		if (r == VUNET_FDB_NEW)
			b->learned++;
		else if (r == VUNET_FDB_MOVED)
			b->moved++;
		else if (r == -ENOSPC)
			b->table_full++;
		else if (r == -EDQUOT)
			b->limited++;
	}
	return n;
}

void
vunet_switch_age(struct vunet_switch *sw, uint64_t now)
{
	for (uint16_t b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (sw->bridges[b].fdb != NULL)
			sw->bridges[b].aged +=
				vunet_fdb_age(sw->bridges[b].fdb, now);
}

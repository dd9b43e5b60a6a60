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

int
vunet_switch_publish(struct vunet_switch *sw, const struct vunet_wiring *w)
{
	struct vunet_fwd_table *t, *old;
	uint16_t *next_flood;

	t = rte_zmalloc("vunet_fwd", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	next_flood = t->flood_lists;
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		const struct vunet_port_conf *pc = w->port[p].conf;
		struct vunet_fwd_port *f = &t->fwd[p];
		int br = w->port[p].bridge;

		if (pc == NULL)
			continue;
		f->vlan = pc->vlan;
		f->mac_limit = pc->mac_limit ? pc->mac_limit :
			       VUNET_FDB_NO_LIMIT;
		if (pc->flood_pps != 0) {
			uint64_t burst = RTE_MAX(pc->flood_pps / 20u,
						 (uint32_t)VUNET_BURST);

			f->flood_tsc = RTE_MAX(rte_get_tsc_hz() /
					       pc->flood_pps, 1u);
			f->flood_tau = burst * f->flood_tsc;
		}
		f->n_allowed = pc->n_allowed_macs;
		for (uint16_t i = 0; i < pc->n_allowed_macs; i++)
			f->allowed[i] = vunet_fdb_key(pc->allowed_macs[i].b, 0);
		if (w->port[p].peer >= 0) {
			f->mode = VUNET_FWD_XCONNECT;
			f->peer = (uint16_t)w->port[p].peer;
			continue;
		}
		if (br < 0 || sw->bridges[br].fdb == NULL)
			continue;
		f->mode = VUNET_FWD_BRIDGE;
		f->bridge = (uint16_t)br;
		f->fdb = sw->bridges[br].fdb;
		f->flood = next_flood;
		for (uint16_t q = 0; q < VUNET_MAX_PORTS; q++)
			if (q != p && w->port[q].conf != NULL &&
			    w->port[q].bridge == br &&
			    w->port[q].conf->vlan == pc->vlan)
				f->flood[f->n_flood++] = q;
		next_flood += f->n_flood;
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

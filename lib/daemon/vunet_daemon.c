/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Reconciling the running switch with a configuration document. Ports and
 * bridges are matched by name; what is new is created first (so a failure
 * leaves everything as it was), the document is saved, then the workers
 * get new tables, then what is gone is closed once no worker can reach it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "vunet_daemon.h"
#include "vunet_daemon_evpn.h"
#include "vunet_err.h"
#include "vunet_port.h"

RTE_LOG_REGISTER(vunet_logtype_daemon, vunet.daemon, INFO);
#define DAEMON_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_daemon, "control: " fmt \
		"\n", ##__VA_ARGS__)

int
vunet_daemon_init(struct vunet_daemon *d, struct vunet_port *ports,
		  struct vunet_switch *sw, struct vunet_worker *workers,
		  unsigned int n_workers, const char *state_path)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->ports = ports;
	d->sw = sw;
	d->workers = workers;
	d->n_workers = n_workers;
	d->state_path = state_path;
	d->conf = calloc(1, sizeof(*d->conf));
	d->doc = json_object();
	return d->conf == NULL || d->doc == NULL ? -ENOMEM : 0;
}

int
vunet_daemon_port(const struct vunet_daemon *d, const char *name)
{
	int i = vunet_config_port_index(d->conf, name);

	return i < 0 ? -1 : d->port_slot[i];
}

void
vunet_daemon_port_totals(const struct vunet_daemon *d, uint16_t slot,
			 struct vunet_port_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int w = 0; w < d->n_workers; w++)
		vunet_stats_port_add(&d->workers[w].stats, slot, t);
}

unsigned int
vunet_daemon_learn(struct vunet_daemon *d, uint64_t now)
{
	unsigned int total = 0;

	/* at most one ring's worth: all that was queued before the call,
	 * and a flood of new events cannot keep the control thread here
	 */
	for (unsigned int w = 0; w < d->n_workers; w++) {
		unsigned int n = 0, got = 1;

		for (; got != 0 && n < VUNET_LEARN_RING_SIZE; n += got)
			got = vunet_switch_learn_drain(d->sw,
				d->workers[w].learn, now);
		total += n;
	}
	return total;
}

/*
 * Whether a kept port's frames stay in the same segments: the bridge (by
 * name: indexes differ between documents) and the VLANs it carries.
 */
static bool
same_segments(const struct vunet_config *oc, const struct vunet_port_conf *a,
	      const struct vunet_config *nc, const struct vunet_port_conf *b)
{
	if ((a->bridge < 0) != (b->bridge < 0))
		return false;
	if (a->bridge >= 0 && strcmp(oc->bridges[a->bridge].name,
				     nc->bridges[b->bridge].name) != 0)
		return false;
	return a->vlan == b->vlan && a->trunk == b->trunk &&
	       memcmp(&a->trunk_vlans, &b->trunk_vlans,
		      sizeof(a->trunk_vlans)) == 0;
}

static bool
port_used(const struct vunet_daemon *d, int s)
{
	return d->slot_used[s];
}

static bool
bridge_used(const struct vunet_daemon *d, int b)
{
	return d->sw->bridges[b].fdb != NULL;
}

/* Forget the MACs learned on slot s, in every bridge; how many. */
static unsigned int
forget_macs(struct vunet_daemon *d, int s)
{
	unsigned int n = 0;

	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (bridge_used(d, b))
			n += vunet_fdb_flush(d->sw->bridges[b].fdb, s);
	return n;
}

/* A port slot no worker reaches any more: close it and forget it. */
static void
retire_port(struct vunet_daemon *d, int s)
{
	vunet_port_destroy(&d->ports[s]);
	forget_macs(d, s);
	d->link_down[s] = false;
	for (unsigned int w = 0; w < d->n_workers; w++)
		memset(&d->workers[w].stats.port[s], 0,
		       sizeof(d->workers[w].stats.port[s]));
	memset(&d->port_conf[s], 0, sizeof(d->port_conf[s]));
	d->slot_used[s] = false;
}

unsigned int
vunet_daemon_punted(struct vunet_daemon *d)
{
	struct rte_mbuf *m[32];
	unsigned int total = 0;

	for (unsigned int w = 0; w < d->n_workers; w++) {
		unsigned int n = rte_ring_dequeue_burst(d->workers[w].punt,
			(void **)m, RTE_DIM(m), NULL);

		for (unsigned int i = 0; i < n; i++) {
			for (int s = 0; s < VUNET_MAX_PORTS; s++)
				if (port_used(d, s) &&
				    d->ports[s].type == VUNET_PORT_ETH &&
				    d->ports[s].eth_id == m[i]->port) {
					vunet_port_vtep_arp(d->ports,
						VUNET_MAX_PORTS, &d->ports[s],
						m[i]);
					break;
				}
			rte_pktmbuf_free(m[i]);
		}
		total += n;
	}
	return total;
}

void
vunet_daemon_watch_links(struct vunet_daemon *d)
{
	pthread_mutex_lock(&d->lock);
	vunet_port_vtep_resolve(d->ports, VUNET_MAX_PORTS);
	for (int s = 0; s < VUNET_MAX_PORTS; s++) {
		struct vunet_port_info pi;

		if (!port_used(d, s) || d->ports[s].type != VUNET_PORT_ETH)
			continue;
		vunet_port_info(&d->ports[s], &pi);
		if (pi.link_down == d->link_down[s])
			continue;
		d->link_down[s] = pi.link_down;
		if (pi.link_down)
			DAEMON_LOG(WARNING, "port %s: link down; %u MACs "
				   "learned on it forgotten",
				   d->port_conf[s].name, forget_macs(d, s));
		else
			DAEMON_LOG(INFO, "port %s: link up",
				   d->port_conf[s].name);
	}
	pthread_mutex_unlock(&d->lock);
}

/* A port created without a profile keeps the one it got, across upgrades. */
static void
pin_profiles(json_t *doc, const struct vunet_config *conf)
{
	json_t *ports = json_object_get(doc, "ports"), *p;
	size_t i;

	json_array_foreach(ports, i, p)
		if (conf->ports[i].type == VUNET_PORT_VHOST &&
		    json_object_get(p, "profile") == NULL)
			json_object_set_new(p, "profile", json_string(
				conf->ports[i].profile->name));
}

/*
 * One change in the making: where each port and bridge of the new
 * configuration goes, by slot, and what this change created (and must
 * close again if it fails).
 */
struct plan {
	struct vunet_config *nc;
	int slot[VUNET_MAX_PORTS];       /* nc->ports[i] is in this slot */
	int bslot[VUNET_MAX_BRIDGES];
	bool taken[VUNET_MAX_PORTS];     /* kept or made */
	bool made[VUNET_MAX_PORTS];
	bool btaken[VUNET_MAX_BRIDGES];
	bool bmade[VUNET_MAX_BRIDGES];
	bool polled[VUNET_MAX_PORTS];
	bool regrouped[VUNET_MAX_PORTS]; /* kept, in other segments now */
	bool evpn;                       /* EVPN devices are nc's */
	struct vunet_wiring wiring;
};

static int
free_slot(const struct vunet_daemon *d, const bool *taken, int n,
	  bool (*used)(const struct vunet_daemon *, int))
{
	for (int s = 0; s < n; s++)
		if (!used(d, s) && !taken[s])
			return s;
	return -1;
}

/* A state saved with more workers must still start. */
static void
warn_missing_workers(const struct vunet_daemon *d,
		     const struct vunet_config *nc)
{
	for (uint16_t i = 0; i < nc->n_ports; i++)
		for (int q = 0; q < VUNET_MAX_QUEUES; q++)
			if (nc->ports[i].rxq_workers[q] >= (int)d->n_workers)
				DAEMON_LOG(WARNING, "port %s: queue %d is "
					"pinned to worker %d, which is not "
					"running; it is dealt instead",
					nc->ports[i].name, q,
					nc->ports[i].rxq_workers[q]);
}

/* Kept bridges keep their slot; new ones get a free one and a table. */
static int
plan_bridges(struct vunet_daemon *d, struct plan *p, char *err,
	     size_t errlen)
{
	for (uint16_t b = 0; b < p->nc->n_bridges; b++) {
		const struct vunet_bridge_conf *bc = &p->nc->bridges[b];
		int o = vunet_config_bridge_index(d->conf, bc->name), s;

		s = o >= 0 ? d->bridge_slot[o] : free_slot(d, p->btaken,
			VUNET_MAX_BRIDGES, bridge_used);
		if (s < 0) {
			snprintf(err, errlen, "bridge '%s': no free bridge",
				 bc->name);
			return -1;
		}
		p->bslot[b] = s;
		p->btaken[s] = true;
		if (o >= 0)
			continue;
		if (vunet_switch_bridge_add(d->sw, (uint16_t)s, bc, err,
					    errlen) < 0)
			return -1;
		p->bmade[s] = true;
	}
	return 0;
}

/* Kept ports keep their slot and device; new ones are created. */
static int
plan_ports(struct vunet_daemon *d, struct plan *p, char *err, size_t errlen)
{
	for (uint16_t i = 0; i < p->nc->n_ports; i++) {
		const struct vunet_port_conf *pc = &p->nc->ports[i];
		int o = vunet_config_port_index(d->conf, pc->name), s;

		if (o >= 0 && !vunet_port_same_device(&d->conf->ports[o], pc)) {
			if (pc->type == VUNET_PORT_VTEP)
				snprintf(err, errlen, "bridge '%s': its VXLAN's "
					 "underlay, local_ip, gateway, udp_port "
					 "and vnis cannot change while it has "
					 "remotes",
					 p->nc->bridges[pc->bridge].name);
			else
				snprintf(err, errlen, "port '%s': its device "
					 "cannot change while it runs; delete "
					 "it and add it again", pc->name);
			return -1;
		}
		s = o >= 0 ? d->port_slot[o] : free_slot(d, p->taken,
			VUNET_MAX_PORTS, port_used);
		if (s < 0) {
			snprintf(err, errlen, "port '%s': the switch has %d "
				 "ports already", pc->name, VUNET_MAX_PORTS);
			return -1;
		}
		p->slot[i] = s;
		p->taken[s] = true;
		if (o >= 0) {
			p->regrouped[s] = !same_segments(d->conf,
				&d->conf->ports[o], p->nc, pc);
			continue;
		}
		d->port_conf[s] = *pc;
		if (vunet_port_create(&d->ports[s], (uint16_t)s,
				      &d->port_conf[s], err, errlen) < 0) {
			vunet_err_prefix(err, errlen, "ports[%u] '%s'", i,
					 pc->name);
			memset(&d->port_conf[s], 0, sizeof(d->port_conf[s]));
			return -1;
		}
		p->made[s] = true;
		d->slot_used[s] = true;
	}
	return 0;
}

/*
 * Port s, the host stack's way to a bridge's underlay: what it sends goes
 * out on the underlay as is, and it takes the underlay's MAC, so that the
 * host and vunetd are one host on the wire (the NIC need not be
 * promiscuous for the kernel's peers).
 */
static void
exception_wire(struct vunet_daemon *d, const struct plan *p,
	       struct vunet_wiring *w, int s, const struct vunet_port_conf *pc)
{
	int u = p->slot[p->nc->bridges[pc->exception_of].vxlan.underlay];

	w->port[s].exception_of = p->bslot[pc->exception_of];
	w->port[s].peer = u;
	if (vunet_port_mac_set(&d->ports[s], &d->ports[u].mac) < 0)
		DAEMON_LOG(WARNING, "%s: cannot take the MAC of %s: the "
			   "host stack answers with its own", pc->name,
			   d->ports[u].conf->name);
}

/* New tables for the workers: kept ports take their new settings. */
static int
publish(struct vunet_daemon *d, struct plan *p)
{
	const struct vunet_config *nc = p->nc;
	struct vunet_wiring *w = &p->wiring;

	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		w->port[s].bridge = w->port[s].peer = w->port[s].underlay_of =
			w->port[s].exception_of = -1;
	/* the switch reads a bridge's VXLAN from here */
	for (uint16_t b = 0; b < nc->n_bridges; b++)
		d->sw->bridges[p->bslot[b]].conf = nc->bridges[b];
	for (uint16_t i = 0; i < nc->n_ports; i++) {
		const struct vunet_port_conf *pc = &nc->ports[i];
		int s = p->slot[i];

		if (!p->made[s])
			d->port_conf[s] = *pc;
		w->port[s].conf = &d->port_conf[s];
		w->port[s].bridge = pc->bridge < 0 ? -1 :
			p->bslot[pc->bridge];
		w->port[s].underlay_of = pc->underlay_of < 0 ? -1 :
			p->bslot[pc->underlay_of];
		if (pc->type == VUNET_PORT_VTEP)
			vunet_port_vtep_bind(&d->ports[s],
				&d->ports[p->slot[pc->vxlan.underlay]]);
		if (pc->exception_of >= 0)
			exception_wire(d, p, w, s, pc);
		p->polled[s] = true;
	}
	for (uint16_t x = 0; x < nc->n_xconnects; x++) {
		int a = p->slot[nc->xconnects[x].a];
		int b = p->slot[nc->xconnects[x].b];

		w->port[a].peer = b;
		w->port[b].peer = a;
	}
	if (vunet_switch_publish(d->sw, w) < 0)
		return -1;
	/* the previous poll lists still run on the new tables, or are
	 * rebuilt by the next change
	 */
	return d->n_workers == 0 ? 0 :
	       vunet_workers_publish(d->workers, d->n_workers, p->polled);
}

/* What this change made, closed again after it failed. */
static void
undo(struct vunet_daemon *d, const struct plan *p)
{
	if (p->evpn)
		vunet_daemon_evpn_undo(d, p->nc, p->nc->n_bridges);
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (p->made[s])
			retire_port(d, s);
	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (p->bmade[b])
			vunet_switch_bridge_del(d->sw, (uint16_t)b);
}

/* Nobody reaches what is gone: close it, and run the new configuration. */
static void
commit(struct vunet_daemon *d, struct plan *p, json_t *doc)
{
	vunet_daemon_learn(d, rte_rdtsc());
	/* the workers no longer follow these (vunet_switch_input.c) */
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (p->regrouped[s])
			forget_macs(d, s);
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (port_used(d, s) && !p->taken[s]) {
			DAEMON_LOG(INFO, "port %s: removed",
				   d->port_conf[s].name);
			retire_port(d, s);
		}
	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (bridge_used(d, b) && !p->btaken[b])
			vunet_switch_bridge_del(d->sw, (uint16_t)b);
	vunet_daemon_evpn_commit(d, p->nc);
	memcpy(d->port_slot, p->slot, sizeof(d->port_slot));
	memcpy(d->bridge_slot, p->bslot, sizeof(d->bridge_slot));
	free(d->conf);
	d->conf = p->nc;
	p->nc = NULL;
	json_decref(d->doc);
	d->doc = json_incref(doc);
	d->changes++;
}

/*
 * The phases: parse; make what is new (a failure closes it again and
 * nothing else changed); save (persist); publish the tables; close what
 * is gone. Saving comes before the workers see anything, so a failed save
 * needs no way back; a failed publish (out of memory) saves the old
 * document again.
 */
static int
apply(struct vunet_daemon *d, json_t *doc, const char *origin, bool persist,
      char *err, size_t errlen)
{
	struct plan *p = calloc(1, sizeof(*p));
	int ret = -1;

	if (p == NULL || (p->nc = calloc(1, sizeof(*p->nc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (vunet_config_parse_json(doc, origin, p->nc, err, errlen) < 0)
		goto out;
	vunet_daemon_evpn_remotes(d, p->nc);
	warn_missing_workers(d, p->nc);
	if (plan_bridges(d, p, err, errlen) < 0 ||
	    plan_ports(d, p, err, errlen) < 0)
		goto undo;
	if (vunet_daemon_evpn_apply(d, p->nc, err, errlen) < 0)
		goto undo;
	p->evpn = true;
	pin_profiles(doc, p->nc);
	persist = persist && d->state_path != NULL;
	if (persist && vunet_state_save(d->state_path, doc, err, errlen) < 0) {
		vunet_err_suffix(err, errlen, "; the change is undone");
		goto undo;
	}
	if (publish(d, p) < 0) {
		snprintf(err, errlen, "out of memory for the new tables");
		if (persist && vunet_state_save(d->state_path, d->doc, NULL,
						0) < 0)
			DAEMON_LOG(ERR, "cannot save the state in force again");
		goto undo;
	}
	commit(d, p, doc);
	ret = 0;
	goto out;
undo:
	undo(d, p);
out:
	if (p != NULL)
		free(p->nc);
	free(p);
	return ret;
}

int
vunet_daemon_apply(struct vunet_daemon *d, json_t *doc, const char *origin,
		   char *err, size_t errlen)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	ret = apply(d, doc, origin, true, err, errlen);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

unsigned int
vunet_daemon_evpn_import(struct vunet_daemon *d)
{
	char err[VUNET_ERR_MAX];
	unsigned int changed = 0;

	pthread_mutex_lock(&d->lock);
	if (d->doc != NULL && vunet_daemon_evpn_poll(d)) {
		changed = 1;
		if (apply(d, d->doc, "EVPN routes", false, err,
			  sizeof(err)) < 0)
			DAEMON_LOG(ERR, "the remote VTEPs from EVPN: %s", err);
		else
			DAEMON_LOG(INFO, "remote VTEPs from EVPN applied");
		/* MAC routes to a remote that was not a port yet go in now */
		memset(d->evpn_refresh, 0, sizeof(d->evpn_refresh));
	}
	vunet_daemon_evpn_macs(d);
	pthread_mutex_unlock(&d->lock);
	return changed;
}

void
vunet_daemon_close(struct vunet_daemon *d)
{
	pthread_mutex_lock(&d->lock);
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (port_used(d, s))
			retire_port(d, s);
	free(d->conf);
	d->conf = NULL;
	json_decref(d->doc);
	d->doc = NULL;
	/* its devices stay: the next vunetd takes them over */
	vunet_evpn_free(d->evpn);
	d->evpn = NULL;
	pthread_mutex_unlock(&d->lock);
}

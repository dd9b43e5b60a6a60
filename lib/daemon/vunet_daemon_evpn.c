/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The daemon's side of EVPN (lib/evpn): each configuration's EVPN bridges
 * get their shadow devices as part of the change (a failure refuses it),
 * and the control thread hands each one's local MACs to the kernel.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include "vunet_daemon.h"
#include "vunet_daemon_evpn.h"
#include "vunet_evpn.h"
#include "vunet_fdb.h"

RTE_LOG_REGISTER(vunet_logtype_evpn, vunet.evpn, INFO);

/* MAC route changes applied a pass (a storm is worked off in passes) */
#define EVPN_MAC_BATCH 8192

static void
evpn_log(int level, const char *fmt, ...)
{
	static const uint32_t levels[] = { RTE_LOG_ERR, RTE_LOG_WARNING,
					   RTE_LOG_INFO };
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_log(levels[level < 0 ? 0 : level > 2 ? 2 : level],
		vunet_logtype_evpn, "%s\n", msg);
}

static bool
has_evpn(const struct vunet_config *c)
{
	for (uint16_t b = 0; c != NULL && b < c->n_bridges; b++)
		if (c->bridges[b].vxlan.evpn)
			return true;
	return false;
}

/* The netlink side, made at the first need. */
static int
evpn_handle(struct vunet_daemon *d, char *err, size_t errlen)
{
	if (d->evpn != NULL)
		return 0;
	d->evpn = vunet_evpn_create(evpn_log);
	if (d->evpn == NULL) {
		snprintf(err, errlen, "EVPN: no netlink socket: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static const struct vunet_bridge_conf *
old_bridge(const struct vunet_daemon *d, const char *name)
{
	int o = d->conf == NULL ? -1 : vunet_config_bridge_index(d->conf, name);

	return o < 0 ? NULL : &d->conf->bridges[o];
}

void
vunet_daemon_evpn_remotes(struct vunet_daemon *d, struct vunet_config *nc)
{
	/* half a megabyte: not on the stack (the control thread's alone) */
	static struct vunet_evpn_remote r[VUNET_MAX_REMOTES];

	for (uint16_t b = 0; d->evpn != NULL && b < nc->n_bridges; b++) {
		const struct vunet_bridge_conf *bc = &nc->bridges[b];
		unsigned int n, refused = 0;

		if (!bc->vxlan.evpn)
			continue;
		n = vunet_evpn_remotes(d->evpn, bc->name, r, RTE_DIM(r));
		/* a listed remote is the operator's: it keeps every VNI */
		for (unsigned int i = 0; i < RTE_MIN(n, RTE_DIM(r)); i++) {
			int ret = vunet_config_remote_add(nc, b, r[i].ip,
							  &r[i].vlans);
			char ip[16];

			refused += ret == -ENOSPC;
			if (ret != -EINVAL)
				continue;
			vunet_ipv4_format(r[i].ip, ip, sizeof(ip));
			evpn_log(1, "evpn: bridge %s: remote VTEP %s from BGP "
				 "ignored: not a host's address, or this one's",
				 bc->name, ip);
		}
		if (refused != 0 || n > RTE_DIM(r))
			evpn_log(1, "evpn: bridge %s: remote VTEPs left out: "
				 "a bridge has at most %d remotes, the switch "
				 "%d ports", bc->name, VUNET_MAX_REMOTES,
				 VUNET_MAX_PORTS);
	}
}

bool
vunet_daemon_evpn_poll(struct vunet_daemon *d)
{
	return d->evpn != NULL && vunet_evpn_poll(d->evpn);
}

int
vunet_daemon_evpn_apply(struct vunet_daemon *d, const struct vunet_config *nc,
			char *err, size_t errlen)
{
	if (!has_evpn(nc))
		return 0;
	if (evpn_handle(d, err, errlen) < 0)
		return -1;
	for (uint16_t b = 0; b < nc->n_bridges; b++) {
		if (!nc->bridges[b].vxlan.evpn)
			continue;
		if (vunet_evpn_bridge_set(d->evpn, &nc->bridges[b], err,
					  errlen) < 0) {
			/* it and those before it, as they were */
			vunet_daemon_evpn_undo(d, nc, (uint16_t)(b + 1));
			return -1;
		}
	}
	return 0;
}

void
vunet_daemon_evpn_undo(struct vunet_daemon *d, const struct vunet_config *nc,
		       uint16_t n_bridges)
{
	char err[256];

	if (d->evpn == NULL)
		return;
	for (uint16_t b = 0; b < n_bridges && b < nc->n_bridges; b++) {
		const struct vunet_bridge_conf *bc = &nc->bridges[b];
		const struct vunet_bridge_conf *was = old_bridge(d, bc->name);

		if (!bc->vxlan.evpn)
			continue;
		if (was == NULL || !was->vxlan.evpn)
			vunet_evpn_bridge_del(d->evpn, bc->name);
		else if (vunet_evpn_bridge_set(d->evpn, was, err,
					       sizeof(err)) < 0)
			evpn_log(0, "evpn: cannot restore bridge %s: %s",
				 bc->name, err);
	}
}

void
vunet_daemon_evpn_commit(struct vunet_daemon *d, const struct vunet_config *nc)
{
	if (d->evpn == NULL || d->conf == NULL)
		return;
	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		const struct vunet_bridge_conf *was = &d->conf->bridges[b];
		int n = vunet_config_bridge_index(nc, was->name);

		if (was->vxlan.evpn && (n < 0 || !nc->bridges[n].vxlan.evpn))
			vunet_evpn_bridge_del(d->evpn, was->name);
	}
}

void
vunet_daemon_evpn_start(struct vunet_daemon *d)
{
	char err[256];

	pthread_mutex_lock(&d->lock);
	/* without EVPN a vunetd that cannot use netlink has nothing to do */
	if (evpn_handle(d, err, sizeof(err)) == 0)
		vunet_evpn_sweep(d->evpn);
	else if (has_evpn(d->conf))
		evpn_log(0, "%s", err);
	pthread_mutex_unlock(&d->lock);
}

struct local_macs {
	const struct vunet_daemon *d;
	struct vunet_evpn_mac *macs;
	uint32_t n;
	uint32_t cap;
};

/* what a remote VTEP's port taught us is not ours to advertise */
static void
collect(const struct vunet_fdb_mac *m, void *arg)
{
	struct local_macs *l = arg;

	if (l->d->port_conf[m->port].type == VUNET_PORT_VTEP ||
	    l->n == l->cap)
		return;
	memcpy(l->macs[l->n].mac, m->mac, 6);
	l->macs[l->n++].vlan = m->vlan;
}

unsigned int
vunet_daemon_evpn_export(struct vunet_daemon *d)
{
	unsigned int changed = 0;

	pthread_mutex_lock(&d->lock);
	for (uint16_t b = 0; d->evpn != NULL && b < d->conf->n_bridges; b++) {
		const struct vunet_bridge_conf *bc = &d->conf->bridges[b];
		const struct vunet_fdb *fdb =
			d->sw->bridges[d->bridge_slot[b]].fdb;
		struct local_macs l = { .d = d };

		if (!bc->vxlan.evpn || fdb == NULL)
			continue;
		l.cap = vunet_fdb_count(fdb);
		l.macs = malloc((l.cap + 1) * sizeof(*l.macs));
		if (l.macs == NULL)
			continue;
		vunet_fdb_walk(fdb, collect, &l);
		changed += vunet_evpn_export(d->evpn, bc->name, l.macs, l.n);
		free(l.macs);
	}
	pthread_mutex_unlock(&d->lock);
	return changed;
}

/* Where bridge b's remotes are, by address (the MAC routes point there). */
struct mac_install {
	struct vunet_daemon *d;
	struct vunet_fdb *fdb;
	uint64_t now;
	unsigned int n;
	uint32_t ip[VUNET_MAX_PORTS];
	uint16_t slot[VUNET_MAX_PORTS];
};

static int
remote_slot(const struct mac_install *m, uint32_t ip)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (m->ip[i] == ip)
			return m->slot[i];
	return -1;
}

/*
 * A MAC route into the bridge's table: on its remote's port, refreshed
 * so that it does not age while BGP has it; a MAC a local port has is
 * left there (a VM that moved here is here); a withdrawn one is forgotten
 * where BGP had put it. A route to a remote that is not a port (left out)
 * is left to learning from the tunnel's frames.
 */
static void
mac_install(const struct vunet_evpn_mac_change *c, void *arg)
{
	struct mac_install *m = arg;
	uint64_t key = vunet_fdb_key(c->mac, c->vlan), seen;
	uint16_t at;
	int s;

	if (c->ip == 0) {
		s = remote_slot(m, c->old_ip);
		if (s >= 0)
			vunet_fdb_forget(m->fdb, key, (uint16_t)s);
		return;
	}
	s = remote_slot(m, c->ip);
	if (s < 0 || (vunet_fdb_entry(m->fdb, key, &at, &seen) &&
		      m->d->port_conf[at].type != VUNET_PORT_VTEP))
		return;
	vunet_fdb_learn(m->fdb, key, (uint16_t)s, VUNET_FDB_NO_LIMIT, m->now);
}

void
vunet_daemon_evpn_macs(struct vunet_daemon *d)
{
	struct vunet_evpn_mac_change *c;
	uint64_t hz = rte_get_tsc_hz();

	if (d->evpn == NULL || d->conf == NULL)
		return;
	c = malloc(EVPN_MAC_BATCH * sizeof(*c));
	if (c == NULL)
		return;
	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		const struct vunet_bridge_conf *bc = &d->conf->bridges[b];
		int slot = d->bridge_slot[b];
		struct mac_install m = { .d = d, .now = rte_rdtsc(),
			.fdb = d->sw->bridges[slot].fdb };
		unsigned int n;

		if (!bc->vxlan.evpn || m.fdb == NULL)
			continue;
		for (int s = 0; s < VUNET_MAX_PORTS; s++)
			if (d->ports[s].conf != NULL &&
			    d->port_conf[s].type == VUNET_PORT_VTEP &&
			    d->port_conf[s].bridge == b) {
				m.ip[m.n] = d->port_conf[s].remote_ip;
				m.slot[m.n++] = (uint16_t)s;
			}
		n = vunet_evpn_mac_changes(d->evpn, bc->name, c,
					   EVPN_MAC_BATCH);
		for (unsigned int i = 0; i < n; i++)
			mac_install(&c[i], &m);
		/* every MAC route again, twice per aging time: none ages */
		if (m.now >= d->evpn_refresh[slot]) {
			vunet_evpn_macs(d->evpn, bc->name, mac_install, &m);
			d->evpn_refresh[slot] = m.now +
				(uint64_t)bc->aging_sec * hz / 2;
		}
	}
	free(c);
}

const char *
vunet_daemon_mac_origin(const struct vunet_daemon *d, uint16_t b,
			const uint8_t *mac, uint16_t vlan, uint16_t port)
{
	const struct vunet_port_conf *pc = &d->port_conf[port];

	return pc->type == VUNET_PORT_VTEP && pc->remote_ip != 0 &&
	       vunet_evpn_mac_ip(d->evpn, d->conf->bridges[b].name, mac,
				 vlan) == pc->remote_ip ? "evpn" : "learned";
}

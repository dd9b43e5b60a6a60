/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Reconciling the running switch with a configuration document. Ports and
 * bridges are matched by name; what is new is created first (so a failure
 * leaves everything as it was), then the workers get new tables, then what
 * is gone is closed once no worker can reach it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "vunet_daemon.h"
#include "vunet_port.h"

RTE_LOG_REGISTER(vunet_logtype_daemon, vunet.daemon, INFO);
#define CTL_LOG(level, fmt, ...) \
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

/* What cannot change under a running port: the device itself. */
static bool
same_device(const struct vunet_port_conf *a, const struct vunet_port_conf *b)
{
	return a->type == b->type && strcmp(a->path, b->path) == 0 &&
	       a->client == b->client && a->profile == b->profile &&
	       strcmp(a->devargs, b->devargs) == 0 &&
	       a->rx_queues == b->rx_queues && a->tx_queues == b->tx_queues &&
	       a->mtu == b->mtu && a->rx_desc == b->rx_desc &&
	       a->tx_desc == b->tx_desc;
}

static int
free_port_slot(const struct vunet_daemon *d, const bool *taken)
{
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (!d->slot_used[s] && !taken[s])
			return s;
	return -1;
}

static int
free_bridge_slot(const struct vunet_daemon *d, const bool *taken)
{
	for (int s = 0; s < VUNET_MAX_BRIDGES; s++)
		if (d->sw->bridges[s].fdb == NULL && !taken[s])
			return s;
	return -1;
}

/* A port slot no worker reaches any more: close it and forget it. */
static void
retire_port(struct vunet_daemon *d, int s)
{
	vunet_port_destroy(&d->ports[s]);
	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (d->sw->bridges[b].fdb != NULL)
			vunet_fdb_flush(d->sw->bridges[b].fdb, s);
	for (unsigned int w = 0; w < d->n_workers; w++)
		memset(&d->workers[w].stats.port[s], 0,
		       sizeof(d->workers[w].stats.port[s]));
	memset(&d->port_conf[s], 0, sizeof(d->port_conf[s]));
	d->slot_used[s] = false;
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

static int
apply(struct vunet_daemon *d, json_t *doc, const char *origin, bool persist,
      char *err, size_t errlen)
{
	static struct vunet_wiring wiring;
	struct vunet_config *nc, *oc = d->conf;
	bool taken[VUNET_MAX_PORTS] = { false }, made[VUNET_MAX_PORTS] = { 0 };
	bool btaken[VUNET_MAX_BRIDGES] = { false };
	bool bmade[VUNET_MAX_BRIDGES] = { false };
	bool polled[VUNET_MAX_PORTS] = { false };
	int slot[VUNET_MAX_PORTS], bslot[VUNET_MAX_BRIDGES];
	json_t *old_doc = d->doc;

	nc = calloc(1, sizeof(*nc));
	if (nc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vunet_config_parse_json(doc, origin, nc, err, errlen) < 0)
		goto fail;
	/* a state saved with more workers must still start */
	for (uint16_t i = 0; i < nc->n_ports; i++)
		for (int q = 0; q < VUNET_MAX_QUEUES; q++)
			if (nc->ports[i].rxq_workers[q] >= (int)d->n_workers)
				CTL_LOG(WARNING, "port %s: queue %d is pinned to "
					"worker %d, which is not running; it is "
					"dealt instead", nc->ports[i].name, q,
					nc->ports[i].rxq_workers[q]);

	for (uint16_t b = 0; b < nc->n_bridges; b++) {
		int o = vunet_config_bridge_index(oc, nc->bridges[b].name);

		if (o >= 0) {
			bslot[b] = d->bridge_slot[o];
			btaken[bslot[b]] = true;
			continue;
		}
		bslot[b] = free_bridge_slot(d, btaken);
		if (bslot[b] < 0) {
			snprintf(err, errlen, "bridge '%s': no free bridge",
				 nc->bridges[b].name);
			goto undo;
		}
		btaken[bslot[b]] = true;
		if (vunet_switch_bridge_add(d->sw, (uint16_t)bslot[b],
					    &nc->bridges[b], err, errlen) < 0)
			goto undo;
		bmade[bslot[b]] = true;
	}
	for (uint16_t i = 0; i < nc->n_ports; i++) {
		const struct vunet_port_conf *pc = &nc->ports[i];
		int o = vunet_config_port_index(oc, pc->name);

		if (o >= 0) {
			if (!same_device(&oc->ports[o], pc)) {
				snprintf(err, errlen, "port '%s': its device "
					 "cannot change while it runs; delete "
					 "it and add it again", pc->name);
				goto undo;
			}
			slot[i] = d->port_slot[o];
			taken[slot[i]] = true;
			continue;
		}
		slot[i] = free_port_slot(d, taken);
		if (slot[i] < 0) {
			snprintf(err, errlen, "port '%s': the switch has %d "
				 "ports already", pc->name, VUNET_MAX_PORTS);
			goto undo;
		}
		taken[slot[i]] = true;
		d->port_conf[slot[i]] = *pc;
		if (vunet_port_create(&d->ports[slot[i]], (uint16_t)slot[i],
				      &d->port_conf[slot[i]], err,
				      errlen) < 0) {
			char why[VUNET_ERR_MAX];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "ports[%u] '%s': %s", i,
				 pc->name, why);
			memset(&d->port_conf[slot[i]], 0,
			       sizeof(d->port_conf[0]));
			goto undo;
		}
		made[slot[i]] = true;
		d->slot_used[slot[i]] = true;
	}

	/* new tables: kept ports take their new forwarding settings */
	memset(&wiring, 0, sizeof(wiring));
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		wiring.port[s].bridge = wiring.port[s].peer = -1;
	for (uint16_t i = 0; i < nc->n_ports; i++) {
		int s = slot[i];

		if (!made[s])
			d->port_conf[s] = nc->ports[i];
		wiring.port[s].conf = &d->port_conf[s];
		wiring.port[s].bridge = nc->ports[i].bridge < 0 ? -1 :
			bslot[nc->ports[i].bridge];
		polled[s] = true;
	}
	for (uint16_t x = 0; x < nc->n_xconnects; x++) {
		wiring.port[slot[nc->xconnects[x].a]].peer =
			slot[nc->xconnects[x].b];
		wiring.port[slot[nc->xconnects[x].b]].peer =
			slot[nc->xconnects[x].a];
	}
	if (vunet_switch_publish(d->sw, &wiring) < 0 ||
	    (d->n_workers > 0 &&
	     vunet_workers_publish(d->workers, d->n_workers, polled) < 0)) {
		snprintf(err, errlen, "out of memory for the new tables");
		/* the previous wiring is still what runs, or is rebuilt */
		goto undo;
	}

	/* nobody reaches what is gone: close it */
	vunet_daemon_learn(d, rte_rdtsc());
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (d->slot_used[s] && !taken[s]) {
			CTL_LOG(INFO, "port %s: removed", d->port_conf[s].name);
			retire_port(d, s);
		}
	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (d->sw->bridges[b].fdb != NULL && !btaken[b])
			vunet_switch_bridge_del(d->sw, (uint16_t)b);
	for (uint16_t i = 0; i < nc->n_ports; i++)
		d->port_slot[i] = slot[i];
	for (uint16_t b = 0; b < nc->n_bridges; b++)
		d->bridge_slot[b] = bslot[b];
	pin_profiles(doc, nc);
	d->conf = nc;
	d->doc = json_incref(doc);
	d->changes++;

	if (persist && d->state_path != NULL &&
	    vunet_state_save(d->state_path, doc, err, errlen) < 0) {
		char why[VUNET_ERR_MAX];

		snprintf(why, sizeof(why), "%s", err);
		/* the file still holds the old state: run that again */
		if (apply(d, old_doc, "state", false, err, errlen) < 0)
			CTL_LOG(ERR, "cannot go back to the saved state: %s",
				err);
		snprintf(err, errlen, "%s; the change is undone", why);
		json_decref(old_doc);
		free(oc);
		return -1;
	}
	json_decref(old_doc);
	free(oc);
	return 0;

undo:
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (made[s])
			retire_port(d, s);
	for (int b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (bmade[b])
			vunet_switch_bridge_del(d->sw, (uint16_t)b);
fail:
	free(nc);
	return -1;
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

void
vunet_daemon_close(struct vunet_daemon *d)
{
	pthread_mutex_lock(&d->lock);
	for (int s = 0; s < VUNET_MAX_PORTS; s++)
		if (d->slot_used[s])
			retire_port(d, s);
	memset(d->conf, 0, sizeof(*d->conf));
	pthread_mutex_unlock(&d->lock);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_DAEMON_H
#define VUNET_DAEMON_H

/*
 * The running daemon as the control thread sees it: the configuration
 * document (what the state file holds), the ports and bridges it made from
 * it in slots, and the workers. Every change goes through
 * vunet_daemon_apply(): it creates what is new, publishes new tables to the
 * workers (RCU), retires what is gone, then persists the document. Readers
 * on other threads (telemetry) take d->lock; workers never do.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "vunet_config.h"
#include "vunet_evpn.h"
#include "vunet_switch.h"
#include "vunet_worker.h"

/*
 * Who touches what. The control thread (lcore 0: vunetd's main loop, the
 * control socket's requests) is the only writer of every field, and only
 * under lock. The telemetry thread reads conf, the slot maps, the ports'
 * and bridges' counters under lock. Workers never take lock: they read
 * what the switch and vunet_workers_publish() give them (RCU) and their
 * own counters. rte_vhost's thread writes port state through lib/port's
 * own lock, never this one. Lock order: d->lock, then lib/port's.
 */
struct vunet_daemon {
	pthread_mutex_t lock;
	json_t *doc;                       /* the configuration in force */
	struct vunet_config *conf;         /* doc, parsed */
	const char *state_path;            /* NULL: changes are not saved */
	struct vunet_switch *sw;
	struct vunet_port *ports;          /* VUNET_MAX_PORTS slots */
	struct vunet_worker *workers;
	unsigned int n_workers;
	int port_slot[VUNET_MAX_PORTS];    /* conf->ports[i] is in this slot */
	int bridge_slot[VUNET_MAX_BRIDGES];
	bool slot_used[VUNET_MAX_PORTS];   /* a bridge slot is used when it
					    * has a table (sw->bridges[].fdb) */
	struct vunet_port_conf port_conf[VUNET_MAX_PORTS]; /* by slot */
	bool link_down[VUNET_MAX_PORTS];   /* eth, by slot: as last seen */
	uint64_t changes;                  /* applied since start */
	/* shell patterns of the devargs port-add may probe; none: no eth
	 * port can be added at run time */
	const char *const *allow_devargs;
	unsigned int n_allow_devargs;
	struct vunet_evpn *evpn;           /* NULL until a bridge has EVPN */
	/* by bridge slot: TSC of the next refresh of its MAC routes */
	uint64_t evpn_refresh[VUNET_MAX_BRIDGES];
};

/* An empty daemon over ports/switch/workers made by the caller. */
int vunet_daemon_init(struct vunet_daemon *d, struct vunet_port *ports,
		      struct vunet_switch *sw, struct vunet_worker *workers,
		      unsigned int n_workers, const char *state_path);

/*
 * Make the daemon run doc (a whole configuration; a reference is taken on
 * success). origin names doc in errors. On error nothing changed: returns
 * -1 with the reason in err.
 */
int vunet_daemon_apply(struct vunet_daemon *d, json_t *doc,
		       const char *origin, char *err, size_t errlen);

/* Close every port and free what apply made; the daemon is empty. */
void vunet_daemon_close(struct vunet_daemon *d);

/* Slot of the port named name, or -1. */
int vunet_daemon_port(const struct vunet_daemon *d, const char *name);

/* Counters of the port in slot summed over the workers. */
void vunet_daemon_port_totals(const struct vunet_daemon *d, uint16_t slot,
			      struct vunet_port_totals *t);

/* Control thread: apply the learning events the workers have queued. */
unsigned int vunet_daemon_learn(struct vunet_daemon *d, uint64_t now);

/*
 * Control thread, every second or so: forget the MACs learned on an eth
 * port whose link went down, so their frames flood to where they reappear
 * (the far side of a redundant uplink) instead of into a dead link.
 */
void vunet_daemon_watch_links(struct vunet_daemon *d);

/*
 * Control thread: the ARP frames workers handed over from VXLAN underlays
 * (answered, or teaching a remote VTEP's MAC); returns how many.
 */
unsigned int vunet_daemon_punted(struct vunet_daemon *d);

/*
 * Control thread, at start: the shadow devices of bridges this
 * configuration does not run with EVPN are deleted (lib/evpn).
 */
void vunet_daemon_evpn_start(struct vunet_daemon *d);

/*
 * Control thread, a few times a second: each EVPN bridge's local MACs to
 * its shadow ports. Returns how many entries changed.
 */
unsigned int vunet_daemon_evpn_export(struct vunet_daemon *d);

/*
 * Control thread, a few times a second: what zebra installed from BGP
 * becomes the EVPN bridges' own: the remote VTEPs of each VNI (the
 * configuration in force is applied again with them; returns 1 if so),
 * then the MACs behind them.
 */
unsigned int vunet_daemon_evpn_import(struct vunet_daemon *d);

/*
 * Whether bridge b's (conf index) entry for mac in vlan on port is one
 * BGP EVPN put there ("evpn") or one learned from frames ("learned").
 */
const char *vunet_daemon_mac_origin(const struct vunet_daemon *d, uint16_t b,
				    const uint8_t *mac, uint16_t vlan,
				    uint16_t port);

/*
 * The state file: read (1 if there was one, 0 if not, -1 on error) and
 * written atomically (temporary file, fsync, rename, fsync of the folder).
 */
int vunet_state_load(const char *path, json_t **doc, char *err,
		     size_t errlen);
int vunet_state_save(const char *path, json_t *doc, char *err,
		     size_t errlen);

#endif /* VUNET_DAEMON_H */

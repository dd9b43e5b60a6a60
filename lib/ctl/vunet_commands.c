/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * What each control request does. Changes edit a copy of the configuration
 * document and hand it to vunet_daemon_apply(), so a request can only ever
 * produce a configuration the config file could also have said, checked by
 * the same code with the same messages; read-only requests answer from the
 * running switch.
 */

#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "vunet_ctl.h"
#include "vunet_ctl_log.h"
#include "vunet_devargs.h"
#include "vunet_relay.h"
#include "vunet_strbuf.h"
#include "vunet_port.h"

typedef json_t *(*cmd_fn)(struct vunet_daemon *d,
			  const struct vunet_request *r, char *err,
			  size_t errlen);

static const char *
arg_str(const struct vunet_request *r, const char *name)
{
	return json_string_value(vunet_request_arg(r, name));
}

static json_t *
ok_done(void)
{
	return json_object();
}

/* Apply a changed copy of the document; the copy is consumed. */
static json_t *
change(struct vunet_daemon *d, json_t *doc, const char *origin, char *err,
       size_t errlen)
{
	int ret = vunet_daemon_apply(d, doc, origin, err, errlen);

	json_decref(doc);
	return ret < 0 ? NULL : ok_done();
}

static json_t *
array_of(json_t *doc, const char *key)
{
	json_t *a = json_object_get(doc, key);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(doc, key, a);
	}
	return a;
}

/* Index in doc[key] of the object whose field is value, or -1. */
static long
find_in(json_t *doc, const char *key, const char *field, const char *value)
{
	json_t *a = json_object_get(doc, key), *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (json_is_string(json_object_get(e, field)) &&
		    strcmp(json_string_value(json_object_get(e, field)),
			   value) == 0)
			return (long)i;
	return -1;
}

static const char *
xconnect_peer(const struct vunet_config *c, int i)
{
	for (int x = 0; x < c->n_xconnects; x++) {
		if (c->xconnects[x].a == i)
			return c->ports[c->xconnects[x].b].name;
		if (c->xconnects[x].b == i)
			return c->ports[c->xconnects[x].a].name;
	}
	return NULL;
}

static json_t *
port_summary(const struct vunet_daemon *d, int i)
{
	const struct vunet_port_conf *pc = &d->conf->ports[i];
	const char *peer = xconnect_peer(d->conf, i);
	struct vunet_port_info pi;
	json_t *o;

	vunet_port_info(&d->ports[d->port_slot[i]], &pi);
	o = json_pack("{s:s, s:s, s:s, s:i}", "name", pc->name, "type",
		      vunet_port_type_name(pc->type), "state",
		      vunet_port_state_name(pi.state), "rx_queues", pi.nb_rxq);
	if (pc->type == VUNET_PORT_VTEP) {
		struct vunet_vtep_info vi;
		char buf[32];

		vunet_port_vtep_info(&d->ports[d->port_slot[i]], &vi);
		vunet_ipv4_format(pc->remote_ip, buf, sizeof(buf));
		json_object_set_new(o, "remote", json_string(buf));
		if (pc->next_hop != pc->remote_ip) {
			vunet_ipv4_format(pc->next_hop, buf, sizeof(buf));
			json_object_set_new(o, "next_hop", json_string(buf));
		}
		json_object_set_new(o, "underlay",
				    json_string(pc->vxlan.underlay_name));
		if (vi.resolved) {
			struct vunet_mac mac;

			memcpy(mac.b, vi.mac, sizeof(mac.b));
			vunet_mac_format(&mac, buf, sizeof(buf));
			json_object_set_new(o, "remote_mac", json_string(buf));
		}
		json_object_set_new(o, "arps_sent",
				    json_integer(vi.arps_sent));
		json_object_set_new(o, "arps_heard",
				    json_integer(vi.arps_heard));
	} else if (pc->type == VUNET_PORT_VHOST) {
		json_object_set_new(o, "path", json_string(pc->path));
		json_object_set_new(o, "mode", json_string(pc->client ?
			"client" : "server"));
		json_object_set_new(o, "profile",
				    json_string(pc->profile->name));
	} else {
		json_object_set_new(o, "devargs", json_string(pc->devargs));
		json_object_set_new(o, "tx_queues", json_integer(pi.nb_txq));
		if (pi.state == VUNET_PORT_UP)
			json_object_set_new(o, "link", json_string(
				pi.link_down ? "down" : "up"));
		if (pc->mtu != 0)
			json_object_set_new(o, "mtu", json_integer(pc->mtu));
	}
	if (pc->bridge >= 0) {
		json_object_set_new(o, "bridge", json_string(
			d->conf->bridges[pc->bridge].name));
		if (!pc->trunk)
			json_object_set_new(o, "vlan", json_integer(pc->vlan));
		else
			json_object_set_new(o, "trunk",
					    vunet_vlans_json(&pc->trunk_vlans));
		if (pc->trunk && pc->vlan != 0)
			json_object_set_new(o, "native_vlan",
					    json_integer(pc->vlan));
	}
	if (peer != NULL)
		json_object_set_new(o, "xconnect", json_string(peer));
	if (pc->n_allowed_macs != 0) {
		json_t *macs = json_array();

		for (uint16_t m = 0; m < pc->n_allowed_macs; m++) {
			char buf[32];

			vunet_mac_format(&pc->allowed_macs[m], buf,
					 sizeof(buf));
			json_array_append_new(macs, json_string(buf));
		}
		json_object_set_new(o, "allowed_macs", macs);
	}
	return o;
}

static json_t *
port_counters(const struct vunet_daemon *d, int slot)
{
	const struct vunet_port *p = &d->ports[slot];
	struct vunet_port_totals t;
	json_t *drops = json_object(), *rxq = json_array(), *txq = json_array();
	uint64_t all = 0;

	vunet_daemon_port_totals(d, (uint16_t)slot, &t);
	for (int r = 0; r < VUNET_DROP_MAX; r++) {
		json_object_set_new(drops, vunet_drop_names[r],
				    json_integer((json_int_t)t.drop[r]));
		all += t.drop[r];
	}
	for (uint16_t q = 0; q < p->nb_rxq; q++)
		json_array_append_new(rxq, json_pack("{s:I, s:I}", "packets",
			(json_int_t)t.rxq[q].pkts, "bytes",
			(json_int_t)t.rxq[q].bytes));
	for (uint16_t q = 0; q < RTE_MAX(p->nb_rxq, p->nb_txq); q++)
		json_array_append_new(txq, json_pack("{s:I, s:I}", "packets",
			(json_int_t)t.txq[q].pkts, "bytes",
			(json_int_t)t.txq[q].bytes));
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
			 "name", p->conf->name,
			 "rx_packets", (json_int_t)t.rx_pkts,
			 "rx_bytes", (json_int_t)t.rx_bytes,
			 "tx_packets", (json_int_t)t.tx_pkts,
			 "tx_bytes", (json_int_t)t.tx_bytes,
			 "dropped", (json_int_t)all, "drops", drops,
			 "rxq", rxq, "txq", txq);
}

static json_t *
cmd_version(struct vunet_daemon *d, const struct vunet_request *r __rte_unused,
	    char *err __rte_unused, size_t errlen __rte_unused)
{
	return json_pack("{s:s, s:i, s:I, s:o}", "version", VUNET_VERSION,
			 "workers", d->n_workers, "changes",
			 (json_int_t)d->changes, "capabilities",
			 vunet_capabilities(VUNET_VERSION));
}

static json_t *
cmd_config_show(struct vunet_daemon *d,
		const struct vunet_request *r __rte_unused,
		char *err __rte_unused, size_t errlen __rte_unused)
{
	return json_deep_copy(d->doc);
}

static json_t *
cmd_port_list(struct vunet_daemon *d, const struct vunet_request *r __rte_unused,
	      char *err __rte_unused, size_t errlen __rte_unused)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < d->conf->n_ports; i++)
		json_array_append_new(a, port_summary(d, i));
	return a;
}

/* The relay's counters of a vhost port's front-end connections. */
static json_t *
frontend(const struct vunet_port *p)
{
	struct vunet_relay_stats st;
	json_t *o = json_object();

	vunet_port_vhost_relay_stats(p, &st);
	json_object_set_new(o, "connected", json_boolean(st.connected));
#define COUNTER(name, meaning) \
	json_object_set_new(o, #name, json_integer((json_int_t)st.name));
	VUNET_RELAY_COUNTERS(COUNTER)
#undef COUNTER
	return o;
}

static json_t *
cmd_port_show(struct vunet_daemon *d, const struct vunet_request *r,
	      char *err, size_t errlen)
{
	const char *name = arg_str(r, "name");
	int i = vunet_config_port_index(d->conf, name);
	const struct vunet_port *p;
	struct vunet_port_info pi;
	json_t *o;

	if (i < 0) {
		snprintf(err, errlen, "no port is named '%s'", name);
		return NULL;
	}
	p = &d->ports[d->port_slot[i]];
	vunet_port_info(p, &pi);
	o = port_summary(d, i);
	if (d->conf->ports[i].type == VUNET_PORT_VHOST) {
		json_object_set_new(o, "features",
				    json_integer((json_int_t)pi.features));
		json_object_set_new(o, "protocol_features", json_integer(
			(json_int_t)pi.protocol_features));
		json_object_set_new(o, "guest_ups", json_integer(pi.n_ups));
		json_object_set_new(o, "ring_fixes",
				    json_integer(pi.ring_fixes));
		json_object_set_new(o, "profile_defaulted",
			json_boolean(d->conf->ports[i].profile_defaulted));
		json_object_set_new(o, "frontend", frontend(p));
	} else if (d->conf->ports[i].type == VUNET_PORT_ETH) {
		json_object_set_new(o, "ethdev", json_integer(pi.eth_id));
	}
	json_object_set_new(o, "counters", port_counters(d, d->port_slot[i]));
	return o;
}

/* port-add, bridge-add: append the object to doc[key] */
static json_t *
add_object(struct vunet_daemon *d, const struct vunet_request *r,
	   const char *arg, const char *key, bool exists, char *err,
	   size_t errlen)
{
	json_t *obj = vunet_request_arg(r, arg);
	const char *cmd = vunet_cmd_name(r->cmd);
	json_t *doc;

	if (exists) {
		snprintf(err, errlen, "%s: a %s named '%s' exists already",
			 cmd, arg, json_string_value(json_object_get(obj,
								     "name")));
		return NULL;
	}
	doc = json_deep_copy(d->doc);
	json_array_append(array_of(doc, key), obj);
	return change(d, doc, cmd, err, errlen);
}

static const char *
new_name(const struct vunet_request *r, const char *arg)
{
	const char *name = json_string_value(json_object_get(
		vunet_request_arg(r, arg), "name"));

	return name != NULL ? name : "";
}

/*
 * A control client may have a device probed only with devargs a rule
 * vunetd was started with admits, driver and every key
 * (vunet_devargs.h): otherwise a client could open the host's own NIC,
 * load a BPF program of its choosing (af_xdp's xdp_prog), or have a PMD
 * write files (net_pcap) or listen on sockets (net_vhost), as root.
 */
static json_t *
cmd_port_add(struct vunet_daemon *d, const struct vunet_request *r,
	     char *err, size_t errlen)
{
	json_t *port = vunet_request_arg(r, "port");
	const char *devargs = json_string_value(json_object_get(port,
								"devargs"));
	char why[256];

	if (devargs != NULL &&
	    !vunet_devargs_allowed(d->allow_devargs, d->n_allow_devargs,
				   devargs, why, sizeof(why))) {
		snprintf(err, errlen, "port-add: devargs '%s' may not be "
			 "probed at run time: %s", devargs,
			 d->n_allow_devargs ? why :
			 "vunetd has no --allow-devargs rule");
		return NULL;
	}
	return add_object(d, r, "port", "ports", vunet_config_port_index(
		d->conf, new_name(r, "port")) >= 0, err, errlen);
}

static json_t *
cmd_port_del(struct vunet_daemon *d, const struct vunet_request *r,
	     char *err, size_t errlen)
{
	const char *name = arg_str(r, "name");
	json_t *doc;
	long i, x;

	if (vunet_config_port_index(d->conf, name) < 0) {
		snprintf(err, errlen, "port-del: no port is named '%s'", name);
		return NULL;
	}
	doc = json_deep_copy(d->doc);
	i = find_in(doc, "ports", "name", name);
	json_array_remove(json_object_get(doc, "ports"), (size_t)i);
	/* a cross-connect to nothing means nothing: it goes too */
	x = find_in(doc, "xconnects", "a", name);
	if (x < 0)
		x = find_in(doc, "xconnects", "b", name);
	if (x >= 0)
		json_array_remove(json_object_get(doc, "xconnects"),
				  (size_t)x);
	return change(d, doc, "port-del", err, errlen);
}

static json_t *
cmd_bridge_list(struct vunet_daemon *d,
		const struct vunet_request *r __rte_unused,
		char *err __rte_unused, size_t errlen __rte_unused)
{
	json_t *a = json_array();

	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		const struct vunet_bridge *br =
			&d->sw->bridges[d->bridge_slot[b]];
		json_t *ports = json_array();

		for (uint16_t i = 0; i < d->conf->n_ports; i++)
			if (d->conf->ports[i].bridge == b)
				json_array_append_new(ports, json_string(
					d->conf->ports[i].name));
		json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "name",
			br->conf.name,
			"fdb_size", (json_int_t)br->conf.fdb_size,
			"aging_sec", (json_int_t)br->conf.aging_sec,
			"macs", (json_int_t)vunet_fdb_count(br->fdb));

#define COUNTER(name, meaning) \
		json_object_set_new(o, #name, json_integer((json_int_t)br->name));
		VUNET_BRIDGE_COUNTERS(COUNTER)
#undef COUNTER
		json_object_set_new(o, "ports", ports);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
cmd_bridge_add(struct vunet_daemon *d, const struct vunet_request *r,
	       char *err, size_t errlen)
{
	return add_object(d, r, "bridge", "bridges", vunet_config_bridge_index(
		d->conf, new_name(r, "bridge")) >= 0, err, errlen);
}

static json_t *
cmd_bridge_del(struct vunet_daemon *d, const struct vunet_request *r,
	       char *err, size_t errlen)
{
	const char *name = arg_str(r, "name");
	int b = vunet_config_bridge_index(d->conf, name);
	char ports[256] = "";
	struct vunet_strbuf sb = VUNET_STRBUF(ports, sizeof(ports));
	json_t *doc;

	if (b < 0) {
		snprintf(err, errlen, "bridge-del: no bridge is named '%s'",
			 name);
		return NULL;
	}
	/* remote VTEPs go with the bridge */
	for (uint16_t i = 0; i < d->conf->n_ports; i++)
		if (d->conf->ports[i].bridge == b &&
		    d->conf->ports[i].type != VUNET_PORT_VTEP)
			vunet_strbuf_add(&sb, ", ", "%s",
					 d->conf->ports[i].name);
	if (ports[0] != '\0') {
		snprintf(err, errlen, "bridge-del: bridge '%s' still has "
			 "ports: %s; delete them first", name, ports);
		return NULL;
	}
	doc = json_deep_copy(d->doc);
	json_array_remove(json_object_get(doc, "bridges"),
			  (size_t)find_in(doc, "bridges", "name", name));
	return change(d, doc, "bridge-del", err, errlen);
}

static json_t *
cmd_xconnect_list(struct vunet_daemon *d,
		  const struct vunet_request *r __rte_unused,
		  char *err __rte_unused, size_t errlen __rte_unused)
{
	json_t *a = json_array();

	for (uint16_t x = 0; x < d->conf->n_xconnects; x++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "a",
			d->conf->ports[d->conf->xconnects[x].a].name, "b",
			d->conf->ports[d->conf->xconnects[x].b].name));
	return a;
}

static json_t *
cmd_xconnect_add(struct vunet_daemon *d, const struct vunet_request *r,
		 char *err, size_t errlen)
{
	json_t *doc = json_deep_copy(d->doc);

	json_array_append_new(array_of(doc, "xconnects"), json_pack(
		"{s:s, s:s}", "a", arg_str(r, "a"), "b", arg_str(r, "b")));
	return change(d, doc, "xconnect-add", err, errlen);
}

static json_t *
cmd_xconnect_del(struct vunet_daemon *d, const struct vunet_request *r,
		 char *err, size_t errlen)
{
	const char *port = arg_str(r, "port");
	json_t *doc = json_deep_copy(d->doc);
	long x = find_in(doc, "xconnects", "a", port);

	if (x < 0)
		x = find_in(doc, "xconnects", "b", port);
	if (x < 0) {
		json_decref(doc);
		snprintf(err, errlen, "xconnect-del: port '%s' is not "
			 "cross-connected", port);
		return NULL;
	}
	json_array_remove(json_object_get(doc, "xconnects"), (size_t)x);
	return change(d, doc, "xconnect-del", err, errlen);
}

/* The optional "bridge" argument: *b its index, or -1 for every bridge. */
static int
bridge_arg(struct vunet_daemon *d, const struct vunet_request *r,
	   const char *cmd, int *b, char *err, size_t errlen)
{
	const char *name = arg_str(r, "bridge");

	*b = -1;
	if (name == NULL)
		return 0;
	*b = vunet_config_bridge_index(d->conf, name);
	if (*b >= 0)
		return 0;
	snprintf(err, errlen, "%s: no bridge is named '%s'", cmd, name);
	return -1;
}

struct mac_rows {
	const struct vunet_daemon *d;
	const char *bridge;
	uint64_t now, hz;
	json_t *a;
};

static void
mac_row(const struct vunet_fdb_mac *m, void *arg)
{
	struct mac_rows *r = arg;
	const struct vunet_port_conf *pc = r->d->ports[m->port].conf;
	struct vunet_mac mac;
	char buf[32];

	memcpy(mac.b, m->mac, sizeof(mac.b));
	vunet_mac_format(&mac, buf, sizeof(buf));
	json_array_append_new(r->a, json_pack("{s:s, s:s, s:i, s:s, s:I}",
		"bridge", r->bridge, "mac", buf, "vlan", m->vlan, "port",
		pc != NULL ? pc->name : "?", "age_sec",
		(json_int_t)((r->now - m->seen) / r->hz)));
}

static json_t *
cmd_mac_show(struct vunet_daemon *d, const struct vunet_request *r,
	     char *err, size_t errlen)
{
	struct mac_rows rows = { .d = d, .now = rte_rdtsc(),
				 .hz = rte_get_tsc_hz() };
	int only;

	if (bridge_arg(d, r, "mac-show", &only, err, errlen) < 0)
		return NULL;
	rows.a = json_array();
	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		if (only >= 0 && only != b)
			continue;
		rows.bridge = d->conf->bridges[b].name;
		vunet_fdb_walk(d->sw->bridges[d->bridge_slot[b]].fdb, mac_row,
			       &rows);
	}
	return rows.a;
}

static json_t *
cmd_mac_flush(struct vunet_daemon *d, const struct vunet_request *r,
	      char *err, size_t errlen)
{
	const char *port = arg_str(r, "port");
	int b, slot = -1;

	/* the request table makes "bridge" required here */
	if (bridge_arg(d, r, "mac-flush", &b, err, errlen) < 0)
		return NULL;
	if (port != NULL) {
		int i = vunet_config_port_index(d->conf, port);

		if (i < 0 || d->conf->ports[i].bridge != b) {
			snprintf(err, errlen, "mac-flush: bridge '%s' has no "
				 "port '%s'", d->conf->bridges[b].name, port);
			return NULL;
		}
		slot = d->port_slot[i];
	}
	return json_pack("{s:i}", "flushed", vunet_fdb_flush(
		d->sw->bridges[d->bridge_slot[b]].fdb, slot));
}

static json_t *
cmd_stats(struct vunet_daemon *d, const struct vunet_request *r, char *err,
	  size_t errlen)
{
	const char *only = arg_str(r, "port");
	json_t *ports = json_array(), *workers = json_array();
	uint64_t hz = rte_get_tsc_hz();

	if (only != NULL && vunet_config_port_index(d->conf, only) < 0) {
		snprintf(err, errlen, "stats: no port is named '%s'", only);
		json_decref(ports);
		json_decref(workers);
		return NULL;
	}
	for (uint16_t i = 0; i < d->conf->n_ports; i++)
		if (only == NULL || strcmp(only, d->conf->ports[i].name) == 0)
			json_array_append_new(ports,
				port_counters(d, d->port_slot[i]));
	for (unsigned int w = 0; w < d->n_workers; w++) {
		const struct vunet_worker_stats *s = &d->workers[w].stats;

		json_array_append_new(workers, json_pack("{s:i, s:i, s:i, "
			"s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "worker", w,
			"lcore", d->workers[w].lcore, "rx_queues",
			d->workers[w].poll->n, "busy_pct",
			vunet_stats_busy_pct(s), "packets", (json_int_t)s->pkts,
			"cycles_per_packet",
			(json_int_t)vunet_stats_cycles_per_pkt(s),
			"busy_cycles", (json_int_t)s->busy_tsc,
			"idle_cycles", (json_int_t)s->idle_tsc,
			"iterations", (json_int_t)s->iterations,
			"learn_lost", (json_int_t)s->learn_lost));
	}
	return json_pack("{s:f, s:o, s:o}", "time",
			 (double)rte_rdtsc() / (double)hz, "ports", ports,
			 "workers", workers);
}

static json_t *
cmd_rxq_show(struct vunet_daemon *d, const struct vunet_request *r __rte_unused,
	     char *err __rte_unused, size_t errlen __rte_unused)
{
	json_t *a = json_array();

	for (unsigned int w = 0; w < d->n_workers; w++) {
		const struct vunet_poll_list *pl = d->workers[w].poll;
		json_t *qs = json_array();

		for (uint16_t i = 0; i < pl->n; i++) {
			const struct vunet_rxq *q = &pl->rxq[i];
			struct vunet_port_totals t;

			vunet_daemon_port_totals(d, q->port, &t);
			json_array_append_new(qs, json_pack("{s:s, s:i, s:b, "
				"s:I}", "port", d->ports[q->port].conf->name,
				"queue", q->queue, "pinned", q->pinned,
				"rx_packets", (json_int_t)t.rxq[q->queue].pkts));
		}
		json_array_append_new(a, json_pack("{s:i, s:i, s:o}", "worker",
			w, "lcore", d->workers[w].lcore, "queues", qs));
	}
	return a;
}

static json_t *
cmd_rxq_pin(struct vunet_daemon *d, const struct vunet_request *r, char *err,
	    size_t errlen)
{
	const char *name = arg_str(r, "port");
	json_int_t q = json_integer_value(vunet_request_arg(r, "queue"));
	json_t *worker = vunet_request_arg(r, "worker"), *doc, *port, *a;
	int i = vunet_config_port_index(d->conf, name);

	if (i < 0) {
		snprintf(err, errlen, "rxq-pin: no port is named '%s'", name);
		return NULL;
	}
	if (q < 0 || q >= d->ports[d->port_slot[i]].nb_rxq) {
		snprintf(err, errlen, "rxq-pin: port '%s' has receive queues "
			 "0 to %u, not %" JSON_INTEGER_FORMAT, name,
			 d->ports[d->port_slot[i]].nb_rxq - 1, q);
		return NULL;
	}
	if (json_is_integer(worker) &&
	    (json_integer_value(worker) < 0 ||
	     json_integer_value(worker) >= (json_int_t)d->n_workers)) {
		snprintf(err, errlen, "rxq-pin: worker %" JSON_INTEGER_FORMAT
			 " does not exist: workers are 0 to %u",
			 json_integer_value(worker), d->n_workers - 1);
		return NULL;
	}
	doc = json_deep_copy(d->doc);
	port = json_array_get(json_object_get(doc, "ports"),
			      (size_t)find_in(doc, "ports", "name", name));
	a = json_object_get(port, "rxq_workers");
	if (a == NULL) {
		a = json_array();
		json_object_set_new(port, "rxq_workers", a);
	}
	while (json_array_size(a) <= (size_t)q)
		json_array_append_new(a, json_null());
	json_array_set(a, (size_t)q, worker);
	return change(d, doc, "rxq-pin", err, errlen);
}

/*
 * Settings of a running port or bridge (what: "port-set", list: "ports"
 * or "bridges"), those named in settable; a null value takes one back to
 * its default.
 */
static json_t *
set_fields(struct vunet_daemon *d, const struct vunet_request *r,
	   const char *what, const char *list, const char *const *settable,
	   const char *can, char *err, size_t errlen)
{
	const char *name = arg_str(r, "name"), *key;
	const char *noun = strcmp(list, "ports") == 0 ? "port" : "bridge";
	json_t *set = vunet_request_arg(r, "set"), *doc, *obj, *v;
	int i = find_in(d->doc, list, "name", name);
	int made = strcmp(list, "ports") == 0 ?
		   vunet_config_port_index(d->conf, name) : -1;

	if (i < 0 && made >= 0 &&
	    d->conf->ports[made].type == VUNET_PORT_VTEP) {
		const char *b = d->conf->bridges[d->conf->ports[made].bridge]
					.name;

		snprintf(err, errlen, "%s: '%s' is a remote VTEP of bridge "
			 "'%s': its mac_limit and flood_pps are the bridge's "
			 "vxlan.remote_mac_limit and remote_flood_pps "
			 "(vunetctl bridge set %s vxlan=...)", what, name, b, b);
		return NULL;
	}
	if (i < 0) {
		snprintf(err, errlen, "%s: no %s is named '%s'", what, noun,
			 name);
		return NULL;
	}
	json_object_foreach(set, key, v) {
		int k = 0;

		while (settable[k] != NULL && strcmp(settable[k], key) != 0)
			k++;
		if (settable[k] == NULL) {
			snprintf(err, errlen, "%s: '%s' cannot change while "
				 "the %s runs (it can: %s)", what, key, noun,
				 can);
			return NULL;
		}
	}
	doc = json_deep_copy(d->doc);
	obj = json_array_get(json_object_get(doc, list), (size_t)i);
	json_object_foreach(set, key, v) {
		if (json_is_null(v))
			json_object_del(obj, key);
		else
			json_object_set(obj, key, v);
	}
	return change(d, doc, what, err, errlen);
}

/*
 * A running port's forwarding settings; its device (socket, devargs,
 * profile, queues) stays: that takes port-del and port-add.
 */
static json_t *
cmd_port_set(struct vunet_daemon *d, const struct vunet_request *r,
	     char *err, size_t errlen)
{
	static const char *const settable[] = { "bridge", "vlan", "trunk",
		"native_vlan", "allowed_macs", "mac_limit", "flood_pps", NULL };

	return set_fields(d, r, "port-set", "ports", settable, "bridge, vlan, "
			  "trunk, native_vlan, allowed_macs, mac_limit, "
			  "flood_pps", err, errlen);
}

/* A running bridge's VXLAN (its remotes: while traffic flows). */
static json_t *
cmd_bridge_set(struct vunet_daemon *d, const struct vunet_request *r,
	       char *err, size_t errlen)
{
	static const char *const settable[] = { "vxlan", NULL };

	return set_fields(d, r, "bridge-set", "bridges", settable, "vxlan",
			  err, errlen);
}

/*
 * Whether pattern names a registered log type: DPDK keeps a pattern that
 * matches none for types registered later, and after start-up there are
 * none, so a typo would be accepted and do nothing.
 */
static bool
log_type_exists(const char *pattern)
{
	char *list = NULL, *save = NULL;
	size_t len = 0;
	bool found = false;
	FILE *f = open_memstream(&list, &len);

	if (f == NULL)
		return true; /* cannot tell: let DPDK decide */
	rte_log_list_types(f, "");
	fclose(f);
	for (char *t = strtok_r(list, "\n", &save); t != NULL && !found;
	     t = strtok_r(NULL, "\n", &save))
		found = fnmatch(pattern, t, 0) == 0;
	free(list);
	return found;
}

static json_t *
cmd_log_set(struct vunet_daemon *d __rte_unused, const struct vunet_request *r,
	    char *err, size_t errlen)
{
	static const char *const levels[] = { "emergency", "alert",
		"critical", "error", "warning", "notice", "info", "debug" };
	const char *type = arg_str(r, "type"), *level = arg_str(r, "level");

	if (!log_type_exists(type)) {
		snprintf(err, errlen, "log-set: no log type is '%s'; vunetd's "
			 "own are vunet.main, vunet.daemon, vunet.ctl, "
			 "vunet.worker, vunet.switch, vunet.port, vunet.vhost, "
			 "vunet.relay (a pattern such as 'vunet.*' or "
			 "'lib.vhost.*' sets several)", type);
		return NULL;
	}
	for (unsigned int l = 0; l < RTE_DIM(levels); l++)
		if (strcmp(levels[l], level) == 0) {
			if (rte_log_set_level_pattern(type, l + 1) < 0) {
				snprintf(err, errlen, "log-set: cannot set "
					 "'%s'", type);
				return NULL;
			}
			return ok_done();
		}
	snprintf(err, errlen, "log-set: level '%s' is not one of emergency, "
		 "alert, critical, error, warning, notice, info, debug",
		 level);
	return NULL;
}

static const cmd_fn handlers[VUNET_CMD_MAX] = {
	[VUNET_CMD_VERSION] = cmd_version,
	[VUNET_CMD_CONFIG_SHOW] = cmd_config_show,
	[VUNET_CMD_PORT_LIST] = cmd_port_list,
	[VUNET_CMD_PORT_SHOW] = cmd_port_show,
	[VUNET_CMD_PORT_ADD] = cmd_port_add,
	[VUNET_CMD_PORT_DEL] = cmd_port_del,
	[VUNET_CMD_BRIDGE_LIST] = cmd_bridge_list,
	[VUNET_CMD_BRIDGE_ADD] = cmd_bridge_add,
	[VUNET_CMD_BRIDGE_DEL] = cmd_bridge_del,
	[VUNET_CMD_XCONNECT_LIST] = cmd_xconnect_list,
	[VUNET_CMD_XCONNECT_ADD] = cmd_xconnect_add,
	[VUNET_CMD_XCONNECT_DEL] = cmd_xconnect_del,
	[VUNET_CMD_MAC_SHOW] = cmd_mac_show,
	[VUNET_CMD_MAC_FLUSH] = cmd_mac_flush,
	[VUNET_CMD_STATS] = cmd_stats,
	[VUNET_CMD_RXQ_SHOW] = cmd_rxq_show,
	[VUNET_CMD_RXQ_PIN] = cmd_rxq_pin,
	[VUNET_CMD_LOG_SET] = cmd_log_set,
	[VUNET_CMD_PORT_SET] = cmd_port_set,
	[VUNET_CMD_BRIDGE_SET] = cmd_bridge_set,
};

char *
vunet_command_handle(struct vunet_daemon *d, const char *line, size_t len)
{
	struct vunet_request req;
	char err[VUNET_ERR_MAX] = "";
	json_t *result = NULL, *reply;
	char *text;

	if (vunet_request_parse(line, len, &req, err, sizeof(err)) == 0) {
		result = handlers[req.cmd](d, &req, err, sizeof(err));
		if (result == NULL && err[0] == '\0')
			snprintf(err, sizeof(err), "%s: out of memory",
				 vunet_cmd_name(req.cmd));
		if (result == NULL)
			CTL_LOG(NOTICE, "refused: %s", err);
		else if (vunet_cmd_changes(req.cmd))
			CTL_LOG(INFO, "%s done",
				vunet_cmd_name(req.cmd));
		vunet_request_free(&req);
	}
	if (result != NULL)
		reply = json_pack("{s:b, s:o}", "ok", 1, "result", result);
	else
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	text = reply == NULL ? NULL : json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	return text;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Control commands that read the running switch (VIEWs of
 * VUNET_COMMANDS): ports, bridges, cross-connects, MACs, counters, queues.
 * They change nothing.
 */

#include <string.h>

#include <rte_cycles.h>

#include "vunet_commands.h"
#include "vunet_relay.h"
#include "vunet_port.h"

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

/* The port kind's own fields into o. */
static void
port_fields(json_t *o, const struct vunet_port *p, bool detail)
{
	struct vunet_port_fields f;

	vunet_port_describe(p, detail, &f);
	for (unsigned int k = 0; k < f.n; k++)
		json_object_set_new(o, f.f[k].key,
			f.f[k].type == VUNET_FIELD_STR ?
			json_string(f.f[k].str) :
			f.f[k].type == VUNET_FIELD_BOOL ?
			json_boolean(f.f[k].num) :
			json_integer((json_int_t)f.f[k].num));
}

static json_t *
port_summary(const struct vunet_daemon *d, int i, bool detail)
{
	const struct vunet_port_conf *pc = &d->conf->ports[i];
	const char *peer = xconnect_peer(d->conf, i);
	struct vunet_port_info pi;
	json_t *o;

	vunet_port_info(&d->ports[d->port_slot[i]], &pi);
	o = json_pack("{s:s, s:s, s:s, s:i}", "name", pc->name, "type",
		      vunet_port_type_name(pc->type), "state",
		      vunet_port_state_name(pi.state), "rx_queues", pi.nb_rxq);
	port_fields(o, &d->ports[d->port_slot[i]], detail);
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
	json_t *o;

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
	o = json_pack("{s:s}", "name", p->conf->name);
#define TOTAL(field, name) \
	json_object_set_new(o, #name, json_integer((json_int_t)t.field));
	VUNET_PORT_TOTALS(TOTAL)
#undef TOTAL
	json_object_set_new(o, "dropped", json_integer((json_int_t)all));
	json_object_set_new(o, "drops", drops);
	json_object_set_new(o, "rxq", rxq);
	json_object_set_new(o, "txq", txq);
	return o;
}

json_t *
vunet_ctl_version(struct vunet_daemon *d,
		  const struct vunet_request *r __rte_unused,
		  char *err __rte_unused, size_t errlen __rte_unused)
{
	return json_pack("{s:s, s:i, s:I, s:o}", "version", VUNET_VERSION,
			 "workers", d->n_workers, "changes",
			 (json_int_t)d->changes, "capabilities",
			 vunet_capabilities(VUNET_VERSION));
}

json_t *
vunet_ctl_config_show(struct vunet_daemon *d,
		      const struct vunet_request *r __rte_unused,
		      char *err __rte_unused, size_t errlen __rte_unused)
{
	return json_deep_copy(d->doc);
}

json_t *
vunet_ctl_port_list(struct vunet_daemon *d,
		    const struct vunet_request *r __rte_unused,
		    char *err __rte_unused, size_t errlen __rte_unused)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < d->conf->n_ports; i++)
		json_array_append_new(a, port_summary(d, i, false));
	return a;
}

/* The relay's counters of a vhost port's front-end connections. */
static json_t *
frontend(const struct vunet_relay_stats *rs)
{
	const struct vunet_relay_stats st = *rs;
	json_t *o = json_object();

	json_object_set_new(o, "connected", json_boolean(st.connected));
#define COUNTER(name, meaning) \
	json_object_set_new(o, #name, json_integer((json_int_t)st.name));
	VUNET_RELAY_COUNTERS(COUNTER)
#undef COUNTER
	return o;
}

json_t *
vunet_ctl_port_show(struct vunet_daemon *d, const struct vunet_request *r,
		    char *err, size_t errlen)
{
	const char *name = arg_str(r, "name");
	int i = vunet_config_port_index(d->conf, name);
	struct vunet_relay_stats rs;
	const struct vunet_port *p;
	json_t *o;

	if (i < 0) {
		snprintf(err, errlen, "no port is named '%s'", name);
		return NULL;
	}
	p = &d->ports[d->port_slot[i]];
	o = port_summary(d, i, true);
	if (vunet_port_frontend(p, &rs))
		json_object_set_new(o, "frontend", frontend(&rs));
	json_object_set_new(o, "counters", port_counters(d, d->port_slot[i]));
	return o;
}

json_t *
vunet_ctl_bridge_list(struct vunet_daemon *d,
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

json_t *
vunet_ctl_xconnect_list(struct vunet_daemon *d,
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

struct mac_rows {
	const struct vunet_daemon *d;
	const char *bridge;
	uint16_t b;                  /* its conf index */
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
	json_array_append_new(r->a, json_pack("{s:s, s:s, s:i, s:s, s:I, s:s}",
		"bridge", r->bridge, "mac", buf, "vlan", m->vlan, "port",
		pc != NULL ? pc->name : "?", "age_sec",
		(json_int_t)((r->now - m->seen) / r->hz), "origin",
		vunet_daemon_mac_origin(r->d, r->b, m->mac, m->vlan,
					m->port)));
}

json_t *
vunet_ctl_mac_show(struct vunet_daemon *d, const struct vunet_request *r,
		   char *err, size_t errlen)
{
	struct mac_rows rows = { .d = d, .now = rte_rdtsc(),
				 .hz = rte_get_tsc_hz() };
	int only;

	if (vunet_ctl_bridge_arg(d, r, "mac-show", &only, err, errlen) < 0)
		return NULL;
	rows.a = json_array();
	for (uint16_t b = 0; b < d->conf->n_bridges; b++) {
		if (only >= 0 && only != b)
			continue;
		rows.bridge = d->conf->bridges[b].name;
		rows.b = b;
		vunet_fdb_walk(d->sw->bridges[d->bridge_slot[b]].fdb, mac_row,
			       &rows);
	}
	return rows.a;
}

json_t *
vunet_ctl_stats(struct vunet_daemon *d, const struct vunet_request *r,
		char *err, size_t errlen)
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

		json_t *o = json_pack("{s:i, s:i, s:i, s:f, s:I}", "worker", w,
			"lcore", d->workers[w].lcore, "rx_queues",
			d->workers[w].poll->n, "busy_pct",
			vunet_stats_busy_pct(s), "cycles_per_packet",
			(json_int_t)vunet_stats_cycles_per_pkt(s));

#define COUNTER(field, name, meaning) \
		json_object_set_new(o, #name, json_integer((json_int_t)s->field));
		VUNET_WORKER_COUNTERS(COUNTER)
#undef COUNTER
		json_array_append_new(workers, o);
	}
	return json_pack("{s:f, s:o, s:o}", "time",
			 (double)rte_rdtsc() / (double)hz, "ports", ports,
			 "workers", workers);
}

json_t *
vunet_ctl_rxq_show(struct vunet_daemon *d,
		   const struct vunet_request *r __rte_unused,
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Control commands that change the switch (CHANGEs of VUNET_COMMANDS).
 * Each edits a copy of the configuration document and hands it to
 * vunet_daemon_apply(), so a request can only ever produce a
 * configuration the config file could also have said, checked by the
 * same code with the same messages. log-set is here too: it changes the
 * daemon's log levels, not its configuration (not saved, so not a
 * CHANGE).
 */

#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "vunet_commands.h"
#include "vunet_devargs.h"
#include "vunet_strbuf.h"
#include "vunet_port.h"

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
json_t *
vunet_ctl_port_add(struct vunet_daemon *d, const struct vunet_request *r,
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

json_t *
vunet_ctl_port_del(struct vunet_daemon *d, const struct vunet_request *r,
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

json_t *
vunet_ctl_bridge_add(struct vunet_daemon *d, const struct vunet_request *r,
		     char *err, size_t errlen)
{
	return add_object(d, r, "bridge", "bridges", vunet_config_bridge_index(
		d->conf, new_name(r, "bridge")) >= 0, err, errlen);
}

json_t *
vunet_ctl_bridge_del(struct vunet_daemon *d, const struct vunet_request *r,
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

json_t *
vunet_ctl_xconnect_add(struct vunet_daemon *d, const struct vunet_request *r,
		       char *err, size_t errlen)
{
	json_t *doc = json_deep_copy(d->doc);

	json_array_append_new(array_of(doc, "xconnects"), json_pack(
		"{s:s, s:s}", "a", arg_str(r, "a"), "b", arg_str(r, "b")));
	return change(d, doc, "xconnect-add", err, errlen);
}

json_t *
vunet_ctl_xconnect_del(struct vunet_daemon *d, const struct vunet_request *r,
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

json_t *
vunet_ctl_mac_flush(struct vunet_daemon *d, const struct vunet_request *r,
		    char *err, size_t errlen)
{
	const char *port = arg_str(r, "port");
	int b, slot = -1;

	/* the request table makes "bridge" required here */
	if (vunet_ctl_bridge_arg(d, r, "mac-flush", &b, err, errlen) < 0)
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

json_t *
vunet_ctl_rxq_pin(struct vunet_daemon *d, const struct vunet_request *r,
		  char *err, size_t errlen)
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
json_t *
vunet_ctl_port_set(struct vunet_daemon *d, const struct vunet_request *r,
		   char *err, size_t errlen)
{
	static const char *const settable[] = { "bridge", "vlan", "trunk",
		"native_vlan", "allowed_macs", "mac_limit", "flood_pps", NULL };

	return set_fields(d, r, "port-set", "ports", settable, "bridge, vlan, "
			  "trunk, native_vlan, allowed_macs, mac_limit, "
			  "flood_pps", err, errlen);
}

/* A running bridge's VXLAN (its remotes: while traffic flows). */
json_t *
vunet_ctl_bridge_set(struct vunet_daemon *d, const struct vunet_request *r,
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

json_t *
vunet_ctl_log_set(struct vunet_daemon *d __rte_unused,
		  const struct vunet_request *r, char *err, size_t errlen)
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vunet_err.h"
#include "vunet_config.h"

#define DEFAULT_FDB_SIZE 8192
#define DEFAULT_AGING_SEC 300
#define DEFAULT_MBUFS 32768
#define DEFAULT_DESC 1024

/* Where we are in the document, for messages like "ports[2].vlan". */
struct ctx {
	const char *origin;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct ctx *c, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vunet_err_vfield(c->err, c->errlen, c->origin, field, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
vunet_port_type_name(enum vunet_port_type t)
{
	return t == VUNET_PORT_VHOST ? "vhost" : "eth";
}

/* Typos must not pass silently: every key of an object must be known. */
static int
check_keys(struct ctx *c, json_t *obj, const char *where,
	   const char *const *known)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		const char *const *k;

		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			char field[128];

			snprintf(field, sizeof(field), "%s%s%s", where,
				 where[0] ? "." : "", key);
			return fail(c, field, "unknown field");
		}
	}
	return 0;
}

static int
get_uint(struct ctx *c, json_t *obj, const char *where, const char *key,
	 uint64_t min, uint64_t max, uint64_t dflt, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char field[128];
	json_int_t i;

	snprintf(field, sizeof(field), "%s.%s", where, key);
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(c, field, "must be an integer from %" PRIu64
			    " to %" PRIu64, min, max);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
		return fail(c, field, "%" JSON_INTEGER_FORMAT
			    " is out of range %" PRIu64 "..%" PRIu64,
			    i, min, max);
	*out = (uint64_t)i;
	return 0;
}

/* A string that must fit buf (with its NUL); required unless dflt given. */
static int
get_string(struct ctx *c, json_t *obj, const char *where, const char *key,
	   const char *dflt, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);
	char field[128];
	const char *s;

	snprintf(field, sizeof(field), "%s.%s", where, key);
	if (v == NULL) {
		if (dflt == NULL)
			return fail(c, field, "is required");
		snprintf(buf, len, "%s", dflt);
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, field, "must be a string");
	s = json_string_value(v);
	if (s[0] == '\0')
		return fail(c, field, "must not be empty");
	if (strlen(s) >= len)
		return fail(c, field, "is %zu bytes long, the limit is %zu",
			    strlen(s), len - 1);
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
check_name(struct ctx *c, const char *where, const char *name)
{
	char field[128];
	const char *p;

	snprintf(field, sizeof(field), "%s.name", where);
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return fail(c, field, "'%s' may only hold letters, "
				    "digits, '_' and '-'", name);
	return 0;
}

int
vunet_mac_parse(const char *s, struct vunet_mac *mac)
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &tail) != 6 || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac->b[i] = (uint8_t)b[i];
	return 0;
}

void
vunet_mac_format(const struct vunet_mac *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0],
		 mac->b[1], mac->b[2], mac->b[3], mac->b[4], mac->b[5]);
}

json_t *
vunet_vlans_json(const struct vunet_vlans *s)
{
	json_t *a = json_array();

	for (unsigned int v = 1; v <= VUNET_VLAN_MAX && a != NULL; v++) {
		unsigned int end = v;
		char range[16];

		if (!vunet_vlans_has(s, (uint16_t)v))
			continue;
		while (end < VUNET_VLAN_MAX &&
		       vunet_vlans_has(s, (uint16_t)(end + 1)))
			end++;
		snprintf(range, sizeof(range), "%u-%u", v, end);
		json_array_append_new(a, end == v ? json_integer(v) :
				      json_string(range));
		v = end;
	}
	return a;
}

int
vunet_config_port_index(const struct vunet_config *conf, const char *name)
{
	for (int i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return i;
	return -1;
}

int
vunet_config_bridge_index(const struct vunet_config *conf, const char *name)
{
	for (int i = 0; i < conf->n_bridges; i++)
		if (strcmp(conf->bridges[i].name, name) == 0)
			return i;
	return -1;
}

static int
parse_bridge(struct ctx *c, json_t *o, const char *where,
	     struct vunet_config *conf, struct vunet_bridge_conf *br)
{
	static const char *const keys[] = { "name", "fdb_size", "aging_sec",
					    NULL };
	uint64_t v;

	if (!json_is_object(o))
		return fail(c, where, "must be an object");
	if (check_keys(c, o, where, keys) < 0 ||
	    get_string(c, o, where, "name", NULL, br->name,
		       sizeof(br->name)) < 0 ||
	    check_name(c, where, br->name) < 0)
		return -1;
	if (vunet_config_bridge_index(conf, br->name) >= 0) {
		char field[128];

		snprintf(field, sizeof(field), "%s.name", where);
		return fail(c, field, "bridge '%s' is declared twice",
			    br->name);
	}
	if (get_uint(c, o, where, "fdb_size", 16, 1u << 20, DEFAULT_FDB_SIZE,
		     &v) < 0)
		return -1;
	br->fdb_size = (uint32_t)v;
	if (get_uint(c, o, where, "aging_sec", 1, 86400, DEFAULT_AGING_SEC,
		     &v) < 0)
		return -1;
	br->aging_sec = (uint32_t)v;
	return 0;
}

static int
parse_allowed_macs(struct ctx *c, json_t *o, const char *where,
		   struct vunet_port_conf *p)
{
	json_t *arr = json_object_get(o, "allowed_macs");
	char field[128];
	size_t i;
	json_t *m;

	if (arr == NULL)
		return 0;
	snprintf(field, sizeof(field), "%s.allowed_macs", where);
	if (!json_is_array(arr))
		return fail(c, field, "must be an array of MAC addresses");
	if (json_array_size(arr) > VUNET_MAX_ALLOWED_MACS)
		return fail(c, field, "has %zu addresses, the limit is %d",
			    json_array_size(arr), VUNET_MAX_ALLOWED_MACS);
	if (json_array_size(arr) == 0)
		return fail(c, field, "is empty: omit it to turn port "
			    "security off");
	json_array_foreach(arr, i, m) {
		struct vunet_mac *mac = &p->allowed_macs[i];

		snprintf(field, sizeof(field), "%s.allowed_macs[%zu]", where,
			 i);
		if (!json_is_string(m) ||
		    vunet_mac_parse(json_string_value(m), mac) < 0)
			return fail(c, field, "must be a MAC address like "
				    "\"52:54:00:12:34:56\"");
		if (mac->b[0] & 1)
			return fail(c, field, "%s is a multicast address",
				    json_string_value(m));
	}
	p->n_allowed_macs = (uint16_t)json_array_size(arr);
	return 0;
}

/*
 * Who may connect to a server socket: a group and a mode. Never anything
 * for others, and always read-write for vunetd's user.
 */
static int
parse_socket_access(struct ctx *c, json_t *o, const char *where,
		    struct vunet_port_conf *p)
{
	char field[128], mode[8] = "", *end;
	unsigned long m;

	if (get_string(c, o, where, "socket_group", "", p->socket_group,
		       sizeof(p->socket_group)) < 0 ||
	    get_string(c, o, where, "socket_mode", "", mode,
		       sizeof(mode)) < 0)
		return -1;
	if (p->client && (p->socket_group[0] != '\0' || mode[0] != '\0')) {
		snprintf(field, sizeof(field), "%s.%s", where,
			 p->socket_group[0] != '\0' ? "socket_group" :
			 "socket_mode");
		return fail(c, field, "only for mode \"server\": in client "
			    "mode QEMU makes the socket");
	}
	if (mode[0] == '\0')
		return 0;
	m = strtoul(mode, &end, 8);
	if (*end != '\0' || mode[0] == '-' || (m & ~0770UL) != 0 ||
	    (m & 0600) != 0600) {
		snprintf(field, sizeof(field), "%s.socket_mode", where);
		return fail(c, field, "'%s' must be an octal mode from 0600 to "
			    "0770 (read-write for vunetd's user, nothing for "
			    "others), e.g. \"0660\"", mode);
	}
	p->socket_mode = (uint16_t)m;
	return 0;
}

static int
parse_vhost(struct ctx *c, json_t *o, const char *where,
	    struct vunet_port_conf *p)
{
	char mode[16], field[128], name[VUNET_PROFILE_NAME_MAX];

	if (get_string(c, o, where, "path", NULL, p->path,
		       sizeof(p->path)) < 0)
		return -1;
	if (p->path[0] != '/') {
		snprintf(field, sizeof(field), "%s.path", where);
		return fail(c, field, "'%s' must be an absolute path",
			    p->path);
	}
	if (get_string(c, o, where, "mode", "client", mode,
		       sizeof(mode)) < 0)
		return -1;
	if (strcmp(mode, "client") == 0) {
		p->client = true;
	} else if (strcmp(mode, "server") == 0) {
		p->client = false;
	} else {
		snprintf(field, sizeof(field), "%s.mode", where);
		return fail(c, field, "'%s' is neither \"client\" nor "
			    "\"server\"", mode);
	}
	if (parse_socket_access(c, o, where, p) < 0)
		return -1;
	if (json_object_get(o, "profile") == NULL) {
		p->profile = vunet_profile_latest();
		p->profile_defaulted = true;
		return 0;
	}
	if (get_string(c, o, where, "profile", NULL, name, sizeof(name)) < 0)
		return -1;
	p->profile = vunet_profile_find(name);
	if (p->profile == NULL) {
		char have[512] = "";
		size_t off = 0;

		for (unsigned int i = 0; i < vunet_profile_count() &&
		     off < sizeof(have); i++)
			off += (size_t)snprintf(have + off, sizeof(have) - off,
				"%s%s", i ? ", " : "",
				vunet_profile_at(i)->name);
		snprintf(field, sizeof(field), "%s.profile", where);
		return fail(c, field, "this vunetd has no profile '%s' (it "
			    "has %s)", name, have);
	}
	return 0;
}

static int
parse_eth(struct ctx *c, json_t *o, const char *where,
	  struct vunet_port_conf *p)
{
	uint64_t v;

	if (get_string(c, o, where, "devargs", NULL, p->devargs,
		       sizeof(p->devargs)) < 0)
		return -1;
	if (get_uint(c, o, where, "rx_queues", 1, VUNET_MAX_QUEUES, 1,
		     &v) < 0)
		return -1;
	p->rx_queues = (uint16_t)v;
	if (get_uint(c, o, where, "tx_queues", 1, VUNET_MAX_QUEUES, 1,
		     &v) < 0)
		return -1;
	p->tx_queues = (uint16_t)v;
	if (get_uint(c, o, where, "mtu", 68, 9000, 0, &v) < 0)
		return -1;
	p->mtu = (uint16_t)v;
	if (get_uint(c, o, where, "rx_desc", 64, 4096, DEFAULT_DESC, &v) < 0)
		return -1;
	p->rx_desc = (uint16_t)v;
	if (get_uint(c, o, where, "tx_desc", 64, 4096, DEFAULT_DESC, &v) < 0)
		return -1;
	p->tx_desc = (uint16_t)v;
	return 0;
}

static int
parse_rxq_workers(struct ctx *c, json_t *o, const char *where,
		  struct vunet_port_conf *p)
{
	json_t *a = json_object_get(o, "rxq_workers"), *e;
	char field[128];
	size_t i;

	memset(p->rxq_workers, -1, sizeof(p->rxq_workers));
	if (a == NULL)
		return 0;
	snprintf(field, sizeof(field), "%s.rxq_workers", where);
	if (!json_is_array(a) || json_array_size(a) > VUNET_MAX_QUEUES)
		return fail(c, field, "must be an array of at most %d worker "
			    "numbers (or null), one per receive queue",
			    VUNET_MAX_QUEUES);
	json_array_foreach(a, i, e) {
		if (json_is_null(e))
			continue;
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) >= VUNET_MAX_WORKERS) {
			snprintf(field, sizeof(field), "%s.rxq_workers[%zu]",
				 where, i);
			return fail(c, field, "must be a worker number from 0 "
				    "to %d, or null", VUNET_MAX_WORKERS - 1);
		}
		p->rxq_workers[i] = (int8_t)json_integer_value(e);
	}
	return 0;
}

/* One entry of a trunk list: a VLAN number or an "A-B" range. */
static int
parse_trunk_entry(struct ctx *c, json_t *e, const char *field,
		  struct vunet_vlans *set)
{
	unsigned int a, b;
	int end = 0;

	if (json_is_integer(e)) {
		json_int_t i = json_integer_value(e);

		a = b = i < 1 || i > VUNET_VLAN_MAX ? 0 : (unsigned int)i;
	} else if (!json_is_string(e) ||
		   sscanf(json_string_value(e), "%u-%u%n", &a, &b, &end) != 2 ||
		   json_string_value(e)[end] != '\0') {
		return fail(c, field, "must be a VLAN number or a range "
			    "\"A-B\"");
	}
	if (a < 1 || b > VUNET_VLAN_MAX || a > b)
		return fail(c, field, "VLANs are 1 to %d, and a range runs "
			    "upward", VUNET_VLAN_MAX);
	for (unsigned int v = a; v <= b; v++)
		vunet_vlans_add(set, (uint16_t)v);
	return 0;
}

static int
parse_trunk(struct ctx *c, json_t *o, const char *where,
	    struct vunet_port_conf *p)
{
	json_t *a = json_object_get(o, "trunk"), *e;
	char field[128];
	uint64_t v;
	size_t i;

	snprintf(field, sizeof(field), "%s.trunk", where);
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > VUNET_VLAN_MAX)
		return fail(c, field, "must list the VLANs the port carries "
			    "tagged, as numbers and \"A-B\" ranges");
	json_array_foreach(a, i, e) {
		snprintf(field, sizeof(field), "%s.trunk[%zu]", where, i);
		if (parse_trunk_entry(c, e, field, &p->trunk_vlans) < 0)
			return -1;
	}
	p->trunk = true;
	if (json_object_get(o, "vlan") != NULL) {
		snprintf(field, sizeof(field), "%s.vlan", where);
		return fail(c, field, "a trunk port has no access VLAN; its "
			    "untagged frames belong to native_vlan");
	}
	if (get_uint(c, o, where, "native_vlan", 1, VUNET_VLAN_MAX, 0,
		     &v) < 0)
		return -1;
	p->vlan = (uint16_t)v;
	return 0;
}

/* The bridge, and the VLANs the port is in there. */
static int
parse_bridge_vlans(struct ctx *c, json_t *o, const char *where,
		   const struct vunet_config *conf, struct vunet_port_conf *p)
{
	static const char *const in_bridge[] = { "vlan", "trunk",
		"native_vlan", NULL };
	char field[128], bridge[VUNET_NAME_MAX];
	uint64_t v;

	p->bridge = -1;
	if (json_object_get(o, "bridge") == NULL) {
		for (int k = 0; in_bridge[k] != NULL; k++)
			if (json_object_get(o, in_bridge[k]) != NULL) {
				snprintf(field, sizeof(field), "%s.%s", where,
					 in_bridge[k]);
				return fail(c, field, "a VLAN needs a bridge");
			}
	} else {
		if (get_string(c, o, where, "bridge", NULL, bridge,
			       sizeof(bridge)) < 0)
			return -1;
		p->bridge = vunet_config_bridge_index(conf, bridge);
		if (p->bridge < 0) {
			snprintf(field, sizeof(field), "%s.bridge", where);
			return fail(c, field, "no bridge is named '%s'",
				    bridge);
		}
	}
	if (json_object_get(o, "trunk") != NULL)
		return parse_trunk(c, o, where, p);
	if (json_object_get(o, "native_vlan") != NULL) {
		snprintf(field, sizeof(field), "%s.native_vlan", where);
		return fail(c, field, "only a trunk port has a native VLAN");
	}
	if (get_uint(c, o, where, "vlan", 1, VUNET_VLAN_MAX, 1, &v) < 0)
		return -1;
	p->vlan = (uint16_t)v;
	return 0;
}

static int
parse_port(struct ctx *c, json_t *o, const char *where,
	   struct vunet_config *conf, struct vunet_port_conf *p)
{
	static const char *const vhost_keys[] = { "name", "type", "path",
		"mode", "profile", "bridge", "vlan", "trunk", "native_vlan",
		"allowed_macs", "mac_limit", "flood_pps", "rxq_workers", "socket_group",
		"socket_mode", NULL };
	static const char *const eth_keys[] = { "name", "type", "devargs",
		"rx_queues", "tx_queues", "mtu", "rx_desc", "tx_desc",
		"bridge", "vlan", "trunk", "native_vlan", "allowed_macs",
		"mac_limit", "flood_pps", "rxq_workers", NULL };
	char type[16], field[128];
	uint64_t v;

	if (!json_is_object(o))
		return fail(c, where, "must be an object");
	if (get_string(c, o, where, "name", NULL, p->name,
		       sizeof(p->name)) < 0 ||
	    check_name(c, where, p->name) < 0)
		return -1;
	if (vunet_config_port_index(conf, p->name) >= 0) {
		snprintf(field, sizeof(field), "%s.name", where);
		return fail(c, field, "port '%s' is declared twice", p->name);
	}
	if (get_string(c, o, where, "type", NULL, type, sizeof(type)) < 0)
		return -1;
	if (strcmp(type, "vhost") == 0) {
		p->type = VUNET_PORT_VHOST;
		if (check_keys(c, o, where, vhost_keys) < 0 ||
		    parse_vhost(c, o, where, p) < 0)
			return -1;
		for (int i = 0; i < conf->n_ports; i++)
			if (conf->ports[i].type == VUNET_PORT_VHOST &&
			    strcmp(conf->ports[i].path, p->path) == 0) {
				snprintf(field, sizeof(field), "%s.path",
					 where);
				return fail(c, field, "'%s' is already the "
					    "socket of port '%s'", p->path,
					    conf->ports[i].name);
			}
	} else if (strcmp(type, "eth") == 0) {
		p->type = VUNET_PORT_ETH;
		if (check_keys(c, o, where, eth_keys) < 0 ||
		    parse_eth(c, o, where, p) < 0)
			return -1;
	} else {
		snprintf(field, sizeof(field), "%s.type", where);
		return fail(c, field, "'%s' is neither \"vhost\" nor \"eth\"",
			    type);
	}

	if (parse_bridge_vlans(c, o, where, conf, p) < 0)
		return -1;
	/* a VM's port is a tenant: it may not fill the bridge's table */
	if (get_uint(c, o, where, "mac_limit", 0, 1u << 20,
		     p->type == VUNET_PORT_VHOST ? VUNET_VHOST_MAC_LIMIT : 0,
		     &v) < 0)
		return -1;
	p->mac_limit = (uint32_t)v;
	if (get_uint(c, o, where, "flood_pps", 0, 100000000, 0, &v) < 0)
		return -1;
	p->flood_pps = (uint32_t)v;
	if (parse_allowed_macs(c, o, where, p) < 0)
		return -1;
	return parse_rxq_workers(c, o, where, p);
}

static int
parse_xconnect(struct ctx *c, json_t *o, const char *where,
	       struct vunet_config *conf, struct vunet_xconnect_conf *x)
{
	static const char *const keys[] = { "a", "b", NULL };
	char name[2][VUNET_NAME_MAX], field[128];
	int idx[2];

	if (!json_is_object(o))
		return fail(c, where, "must be an object");
	if (check_keys(c, o, where, keys) < 0 ||
	    get_string(c, o, where, "a", NULL, name[0], VUNET_NAME_MAX) < 0 ||
	    get_string(c, o, where, "b", NULL, name[1], VUNET_NAME_MAX) < 0)
		return -1;
	for (int s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s.%c", where, 'a' + s);
		idx[s] = vunet_config_port_index(conf, name[s]);
		if (idx[s] < 0)
			return fail(c, field, "no port is named '%s'",
				    name[s]);
		if (conf->ports[idx[s]].bridge >= 0)
			return fail(c, field, "port '%s' is in bridge '%s'; "
				    "a port forwards one way only", name[s],
				    conf->bridges[conf->ports[idx[s]].bridge]
					    .name);
		for (int i = 0; i < conf->n_xconnects; i++)
			if (conf->xconnects[i].a == idx[s] ||
			    conf->xconnects[i].b == idx[s])
				return fail(c, field, "port '%s' is already "
					    "cross-connected", name[s]);
	}
	if (idx[0] == idx[1])
		return fail(c, where, "a port cannot be cross-connected to "
			    "itself");
	x->a = idx[0];
	x->b = idx[1];
	return 0;
}

/* Runs fn over every element of the array doc[key], bounded by max. */
#define PARSE_ARRAY(c, doc, key, max, count, fn, conf, arr)                  \
	do {                                                                 \
		json_t *a_ = json_object_get(doc, key), *e_;                  \
		char w_[64];                                                 \
		size_t i_;                                                   \
		if (a_ == NULL)                                              \
			break;                                               \
		if (!json_is_array(a_))                                      \
			return fail(c, key, "must be an array");             \
		if (json_array_size(a_) > (max))                             \
			return fail(c, key, "has %zu entries, the limit is " \
				    "%d", json_array_size(a_), (int)(max));  \
		json_array_foreach(a_, i_, e_) {                             \
			snprintf(w_, sizeof(w_), "%s[%zu]", key, i_);        \
			if (fn(c, e_, w_, conf, &(arr)[i_]) < 0)             \
				return -1;                                   \
			(count)++;                                           \
		}                                                            \
	} while (0)

static int
parse_doc(struct ctx *c, json_t *doc, struct vunet_config *conf)
{
	static const char *const keys[] = { "bridges", "ports", "xconnects",
					    "mbufs", NULL };
	uint64_t v;

	if (!json_is_object(doc))
		return fail(c, "(top)", "must be a JSON object");
	if (check_keys(c, doc, "", keys) < 0)
		return -1;
	if (get_uint(c, doc, "(top)", "mbufs", 1024, 1u << 22, DEFAULT_MBUFS,
		     &v) < 0)
		return -1;
	conf->n_mbufs = (uint32_t)v;
	PARSE_ARRAY(c, doc, "bridges", VUNET_MAX_BRIDGES, conf->n_bridges,
		    parse_bridge, conf, conf->bridges);
	PARSE_ARRAY(c, doc, "ports", VUNET_MAX_PORTS, conf->n_ports,
		    parse_port, conf, conf->ports);
	PARSE_ARRAY(c, doc, "xconnects", VUNET_MAX_PORTS / 2,
		    conf->n_xconnects, parse_xconnect, conf,
		    conf->xconnects);
	return 0;
}

int
vunet_config_parse(const char *text, const char *origin,
		   struct vunet_config *conf, char *err, size_t errlen)
{
	struct ctx c = { .origin = origin, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *doc;
	int ret;

	memset(conf, 0, sizeof(*conf));
	if (vunet_profile_count() == 0 &&
	    vunet_profiles_init(err, errlen) < 0)
		return -1;
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "%s: line %d column %d: %s", origin,
			 jerr.line, jerr.column, jerr.text);
		return -1;
	}
	ret = parse_doc(&c, doc, conf);
	json_decref(doc);
	return ret;
}

int
vunet_config_parse_json(json_t *doc, const char *origin,
			struct vunet_config *conf, char *err, size_t errlen)
{
	struct ctx c = { .origin = origin, .err = err, .errlen = errlen };

	memset(conf, 0, sizeof(*conf));
	if (vunet_profile_count() == 0 &&
	    vunet_profiles_init(err, errlen) < 0)
		return -1;
	return parse_doc(&c, doc, conf);
}

int
vunet_config_load(const char *path, struct vunet_config *conf, char *err,
		  size_t errlen)
{
	char *text;
	long len = 0;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || len > (16 << 20)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 len > (16 << 20) ? "larger than 16 MiB" :
			 strerror(errno));
		fclose(f);
		return -1;
	}
	text = malloc((size_t)len + 1);
	if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 text == NULL ? "out of memory" : "short read");
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	text[len] = '\0';
	ret = vunet_config_parse(text, path, conf, err, errlen);
	free(text);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <jansson.h>

#include "vunet_err.h"
#include "vunet_config.h"

#define DEFAULT_FDB_SIZE 8192
#define DEFAULT_AGING_SEC 300
#define DEFAULT_MBUFS 32768
#define DEFAULT_TSO_MBUFS 4096
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
#define KIND_NAME(k, name) [VUNET_PORT_ ## k] = #name,
	static const char *const names[] = {
		VUNET_PORT_KINDS(KIND_NAME)
	};
#undef KIND_NAME

	return (unsigned int)t < sizeof(names) / sizeof(names[0]) ?
	       names[t] : "?";
}

int
vunet_ipv4_parse(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = a.s_addr;
	return 0;
}

void
vunet_ipv4_format(uint32_t ip, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = ip };

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
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

static int
get_bool(struct ctx *c, json_t *obj, const char *where, const char *key,
	 bool dflt, bool *out)
{
	json_t *v = json_object_get(obj, key);
	char field[128];

	snprintf(field, sizeof(field), "%s.%s", where, key);
	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v))
		return fail(c, field, "must be true or false");
	*out = json_is_true(v);
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

/* A host's address: not 0/8, loopback, multicast or reserved. */
static bool
ipv4_unicast(uint32_t ip)
{
	return (ntohl(ip) >> 24) != 0 && (ntohl(ip) >> 28) < 14 &&
	       (ntohl(ip) >> 24) != 127;
}

/* An IPv4 address (network order) in obj[key]. */
static int
get_ipv4(struct ctx *c, json_t *v, const char *field, uint32_t *ip)
{
	if (!json_is_string(v) || vunet_ipv4_parse(json_string_value(v),
						   ip) < 0)
		return fail(c, field, "must be an IPv4 address like "
			    "\"192.0.2.1\"");
	if (!ipv4_unicast(*ip))
		return fail(c, field, "%s is not a unicast address",
			    json_string_value(v));
	return 0;
}

static int
parse_vnis(struct ctx *c, json_t *a, const char *where,
	   struct vunet_vxlan_conf *x)
{
	static const char *const keys[] = { "vlan", "vni", NULL };
	char field[128], w[128];
	json_t *e;
	size_t i;

	snprintf(field, sizeof(field), "%s.vnis", where);
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > VUNET_MAX_VNIS)
		return fail(c, field, "must map 1 to %d VLANs to VNIs: "
			    "[{\"vlan\": 10, \"vni\": 5010}]",
			    VUNET_MAX_VNIS);
	json_array_foreach(a, i, e) {
		uint64_t vlan, vni;

		snprintf(w, sizeof(w), "%s.vnis[%zu]", where, i);
		if (!json_is_object(e))
			return fail(c, w, "must be an object");
		if (check_keys(c, e, w, keys) < 0 ||
		    get_uint(c, e, w, "vlan", 1, VUNET_VLAN_MAX, 0, &vlan) < 0 ||
		    get_uint(c, e, w, "vni", 1, (1u << 24) - 1, 0, &vni) < 0)
			return -1;
		if (vlan == 0 || vni == 0)
			return fail(c, w, "needs a vlan and a vni");
		for (uint16_t k = 0; k < x->n_vnis; k++)
			if (x->vnis[k].vlan == vlan || x->vnis[k].vni == vni)
				return fail(c, w, "VLAN %u or VNI %u is mapped "
					    "twice", (unsigned int)vlan,
					    (unsigned int)vni);
		x->vnis[x->n_vnis].vlan = (uint16_t)vlan;
		x->vnis[x->n_vnis++].vni = (uint32_t)vni;
	}
	return 0;
}

static int
parse_remotes(struct ctx *c, json_t *a, const char *where,
	      struct vunet_bridge_conf *br)
{
	const struct vunet_vxlan_conf *x = &br->vxlan;
	char field[128];
	json_t *e;
	size_t i;

	if (a == NULL)
		return 0;
	snprintf(field, sizeof(field), "%s.remotes", where);
	if (!json_is_array(a) || json_array_size(a) > VUNET_MAX_REMOTES)
		return fail(c, field, "must list at most %d IPv4 addresses",
			    VUNET_MAX_REMOTES);
	json_array_foreach(a, i, e) {
		uint32_t ip;

		snprintf(field, sizeof(field), "%s.remotes[%zu]", where, i);
		if (get_ipv4(c, e, field, &ip) < 0)
			return -1;
		if (ip == x->local_ip)
			return fail(c, field, "is the local address");
		for (uint16_t k = 0; k < br->n_remotes; k++)
			if (br->remotes[k] == ip)
				return fail(c, field, "%s is listed twice",
					    json_string_value(e));
		br->remotes[br->n_remotes++] = ip;
	}
	return 0;
}

/* "192.0.2.1" or "192.0.2.1/24" */
static int
parse_local_ip(struct ctx *c, json_t *v, const char *where,
	       struct vunet_vxlan_conf *x)
{
	char field[128], addr[32];
	const char *s = json_string_value(v), *slash;
	unsigned int len = 0;
	int end = 0;

	snprintf(field, sizeof(field), "%s.local_ip", where);
	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return get_ipv4(c, v, field, &x->local_ip);
	if (sscanf(slash + 1, "%u%n", &len, &end) != 1 || slash[1 + end] ||
	    len < 1 || len > 31 || (size_t)(slash - s) >= sizeof(addr))
		return fail(c, field, "must be an IPv4 address, with its "
			    "prefix length if any, like \"192.0.2.1/24\"");
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
	if (vunet_ipv4_parse(addr, &x->local_ip) < 0)
		return fail(c, field, "must be an IPv4 address, with its "
			    "prefix length if any, like \"192.0.2.1/24\"");
	x->prefix_len = (uint8_t)len;
	return 0;
}

bool
vunet_ipv4_same_subnet(uint32_t a, uint32_t b, uint8_t prefix_len)
{
	uint32_t mask = prefix_len == 0 ? 0 :
			htonl(~0u << (32 - prefix_len));

	return (a & mask) == (b & mask);
}

/* bridge.vxlan.evpn */
static int
parse_evpn(struct ctx *c, json_t *o, const char *where,
	   struct vunet_vxlan_conf *x)
{
	static const char *const keys[] = { "shadow_port", NULL };
	char w[128];
	uint64_t v;

	snprintf(w, sizeof(w), "%s.evpn", where);
	if (!json_is_object(o))
		return fail(c, w, "must be an object");
	if (check_keys(c, o, w, keys) < 0 ||
	    get_uint(c, o, w, "shadow_port", 1, 65535,
		     VUNET_EVPN_SHADOW_PORT, &v) < 0)
		return -1;
	if (v == x->udp_port) {
		snprintf(w, sizeof(w), "%s.evpn.shadow_port", where);
		return fail(c, w, "must differ from udp_port (%u): the "
			    "kernel would take the tunnel's traffic",
			    x->udp_port);
	}
	x->evpn_shadow_port = (uint16_t)v;
	x->evpn = true;
	return 0;
}

/* bridge.vxlan; the underlay port is found once the ports are read */
static int
parse_vxlan(struct ctx *c, json_t *o, const char *bwhere,
	    struct vunet_bridge_conf *br)
{
	static const char *const keys[] = { "underlay", "local_ip",
		"gateway", "udp_port", "vnis", "remotes", "remote_mac_limit",
		"remote_flood_pps", "evpn", "exception_port", NULL };
	struct vunet_vxlan_conf *x = &br->vxlan;
	char where[96], field[128];
	uint64_t v;

	snprintf(where, sizeof(where), "%s.vxlan", bwhere);
	if (!json_is_object(o))
		return fail(c, where, "must be an object");
	if (strlen(br->name) > VUNET_NAME_MAX - 17) {
		snprintf(field, sizeof(field), "%s.name", bwhere);
		return fail(c, field, "a bridge with VXLAN has a name of at "
			    "most %d bytes (its remotes are named "
			    "BRIDGE@ADDRESS)", VUNET_NAME_MAX - 17);
	}
	if (check_keys(c, o, where, keys) < 0 ||
	    get_string(c, o, where, "underlay", NULL, x->underlay_name,
		       sizeof(x->underlay_name)) < 0 ||
	    get_string(c, o, where, "exception_port", "", x->exception_name,
		       sizeof(x->exception_name)) < 0 ||
	    parse_local_ip(c, json_object_get(o, "local_ip"), where, x) < 0 ||
	    get_uint(c, o, where, "udp_port", 1, 65535, VUNET_VXLAN_UDP_PORT,
		     &v) < 0)
		return -1;
	x->udp_port = (uint16_t)v;
	if (get_uint(c, o, where, "remote_mac_limit", 1, 1u << 20,
		     VUNET_REMOTE_MAC_LIMIT, &v) < 0)
		return -1;
	x->remote_mac_limit = (uint32_t)v;
	if (get_uint(c, o, where, "remote_flood_pps", 0, 100000000, 0, &v) < 0)
		return -1;
	x->remote_flood_pps = (uint32_t)v;
	if (json_object_get(o, "gateway") != NULL) {
		snprintf(field, sizeof(field), "%s.gateway", where);
		if (get_ipv4(c, json_object_get(o, "gateway"), field,
			     &x->gateway) < 0)
			return -1;
		if (x->prefix_len == 0)
			return fail(c, field, "needs local_ip with its prefix "
				    "length, e.g. \"192.0.2.1/24\"");
		if (!vunet_ipv4_same_subnet(x->gateway, x->local_ip,
					    x->prefix_len))
			return fail(c, field, "is not in local_ip's subnet");
	}
	if (parse_vnis(c, json_object_get(o, "vnis"), where, x) < 0 ||
	    parse_remotes(c, json_object_get(o, "remotes"), where, br) < 0)
		return -1;
	if (json_object_get(o, "evpn") != NULL &&
	    parse_evpn(c, json_object_get(o, "evpn"), where, x) < 0)
		return -1;
	x->on = true;
	return 0;
}

/*
 * The shadow devices are named by VNI, one set per network namespace:
 * two EVPN bridges may not share a VNI.
 */
static int
evpn_vnis_apart(struct ctx *c, const struct vunet_config *conf)
{
	for (uint16_t b = 0; b < conf->n_bridges; b++)
		for (uint16_t o = 0; o < b; o++) {
			const struct vunet_vxlan_conf *x =
				&conf->bridges[b].vxlan;
			const struct vunet_vxlan_conf *y =
				&conf->bridges[o].vxlan;

			if (!x->evpn || !y->evpn)
				continue;
			for (uint16_t i = 0; i < x->n_vnis; i++)
				for (uint16_t k = 0; k < y->n_vnis; k++)
					if (x->vnis[i].vni == y->vnis[k].vni) {
						char w[64];

						snprintf(w, sizeof(w),
							 "bridges[%u].vxlan."
							 "vnis[%u]", b, i);
						return fail(c, w, "VNI %u is "
							    "bridge '%s''s "
							    "EVPN VNI too",
							    x->vnis[i].vni,
							    conf->bridges[o]
							    .name);
					}
		}
	return 0;
}

static int
parse_bridge(struct ctx *c, json_t *o, const char *where,
	     struct vunet_config *conf, struct vunet_bridge_conf *br)
{
	static const char *const keys[] = { "name", "fdb_size", "aging_sec",
					    "vxlan", NULL };
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
	if (json_object_get(o, "vxlan") == NULL)
		return 0;
	return parse_vxlan(c, json_object_get(o, "vxlan"), where, br);
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
	return get_bool(c, o, where, "tx_offloads", true, &p->tx_offloads);
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
	p->underlay_of = -1;
	p->exception_of = -1;
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
		"tx_offloads", "bridge", "vlan", "trunk", "native_vlan",
		"allowed_macs", "mac_limit", "flood_pps", "rxq_workers", NULL };
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

/* p: the port of remote ip of bridge b, in the VLANs of vlans. */
static void
remote_port(const struct vunet_config *conf, uint16_t b, uint32_t ip,
	    const struct vunet_vlans *vlans, struct vunet_port_conf *p)
{
	const struct vunet_bridge_conf *br = &conf->bridges[b];
	char addr[16];

	memset(p, 0, sizeof(*p));
	vunet_ipv4_format(ip, addr, sizeof(addr));
	snprintf(p->name, sizeof(p->name), "%.15s@%s", br->name, addr);
	p->type = VUNET_PORT_VTEP;
	p->bridge = b;
	p->trunk = true;
	p->trunk_vlans = *vlans;
	p->remote_ip = ip;
	p->next_hop = br->vxlan.gateway != 0 &&
		!vunet_ipv4_same_subnet(ip, br->vxlan.local_ip,
					br->vxlan.prefix_len) ?
		br->vxlan.gateway : ip;
	p->vxlan = br->vxlan;
	p->mac_limit = br->vxlan.remote_mac_limit;
	p->flood_pps = br->vxlan.remote_flood_pps;
	p->underlay_of = -1;
	p->exception_of = -1;
	memset(p->rxq_workers, -1, sizeof(p->rxq_workers));
}

/* A port of bridge b for each remote VTEP of its VXLAN. */
static int
vxlan_remote_ports(struct ctx *c, struct vunet_config *conf, uint16_t b)
{
	const struct vunet_bridge_conf *br = &conf->bridges[b];
	struct vunet_vlans all;
	char field[64];

	memset(&all, 0, sizeof(all));
	for (uint16_t k = 0; k < br->vxlan.n_vnis; k++)
		vunet_vlans_add(&all, br->vxlan.vnis[k].vlan);
	for (uint16_t r = 0; r < br->n_remotes; r++) {
		if (conf->n_ports == VUNET_MAX_PORTS) {
			snprintf(field, sizeof(field),
				 "bridges[%u].vxlan.remotes", b);
			return fail(c, field, "the switch has %d ports with "
				    "the remote VTEPs", VUNET_MAX_PORTS);
		}
		remote_port(conf, b, br->remotes[r], &all,
			    &conf->ports[conf->n_ports++]);
	}
	return 0;
}

int
vunet_config_remote_add(struct vunet_config *conf, uint16_t b, uint32_t ip,
			const struct vunet_vlans *vlans)
{
	uint16_t n = 0;

	/* what a listed remote could not be either */
	if (!ipv4_unicast(ip) || ip == conf->bridges[b].vxlan.local_ip)
		return -EINVAL;
	for (uint16_t i = 0; i < conf->n_ports; i++) {
		const struct vunet_port_conf *p = &conf->ports[i];

		if (p->type != VUNET_PORT_VTEP || p->bridge != b)
			continue;
		if (p->remote_ip == ip)
			return -EEXIST;
		n++;
	}
	if (n >= VUNET_MAX_REMOTES || conf->n_ports == VUNET_MAX_PORTS)
		return -ENOSPC;
	remote_port(conf, b, ip, vlans, &conf->ports[conf->n_ports]);
	conf->ports[conf->n_ports++].evpn = true;
	return 0;
}

/*
 * The index of eth port name, which nothing else uses (an underlay and
 * its exception port are a VXLAN's own), or -1 after fail().
 */
static int
vxlan_own_port(struct ctx *c, struct vunet_config *conf, uint16_t b,
	       const char *key, const char *name)
{
	int u = vunet_config_port_index(conf, name);
	char field[64];

	snprintf(field, sizeof(field), "bridges[%u].vxlan.%s", b, key);
	if (u < 0)
		return fail(c, field, "no port is named '%s'", name);
	if (conf->ports[u].type != VUNET_PORT_ETH)
		return fail(c, field, "'%s' is not an eth port", name);
	if (conf->ports[u].bridge >= 0 || conf->ports[u].underlay_of >= 0 ||
	    conf->ports[u].exception_of >= 0)
		return fail(c, field, "port '%s' is in a bridge or a VXLAN's "
			    "already", name);
	for (int i = 0; i < conf->n_xconnects; i++)
		if (conf->xconnects[i].a == u || conf->xconnects[i].b == u)
			return fail(c, field, "port '%s' is cross-connected",
				    name);
	return u;
}

static int
vxlan_finish(struct ctx *c, struct vunet_config *conf, uint16_t b)
{
	struct vunet_vxlan_conf *x = &conf->bridges[b].vxlan;
	int u = vxlan_own_port(c, conf, b, "underlay", x->underlay_name);

	if (u < 0)
		return -1;
	x->underlay = u;
	conf->ports[u].underlay_of = b;
	x->exception = -1;
	if (x->exception_name[0] != '\0') {
		int e = vxlan_own_port(c, conf, b, "exception_port",
				       x->exception_name);

		if (e < 0)
			return -1;
		x->exception = e;
		conf->ports[e].exception_of = b;
	}
	return vxlan_remote_ports(c, conf, b);
}

static int
parse_doc(struct ctx *c, json_t *doc, struct vunet_config *conf)
{
	static const char *const keys[] = { "bridges", "ports", "xconnects",
					    "mbufs", "tso_mbufs", NULL };
	uint64_t v;

	if (!json_is_object(doc))
		return fail(c, "(top)", "must be a JSON object");
	if (check_keys(c, doc, "", keys) < 0)
		return -1;
	if (get_uint(c, doc, "(top)", "mbufs", 1024, 1u << 22, DEFAULT_MBUFS,
		     &v) < 0)
		return -1;
	conf->n_mbufs = (uint32_t)v;
	if (get_uint(c, doc, "(top)", "tso_mbufs", 0, 1u << 20,
		     DEFAULT_TSO_MBUFS, &v) < 0)
		return -1;
	conf->n_tso_mbufs = (uint32_t)v;
	PARSE_ARRAY(c, doc, "bridges", VUNET_MAX_BRIDGES, conf->n_bridges,
		    parse_bridge, conf, conf->bridges);
	PARSE_ARRAY(c, doc, "ports", VUNET_MAX_PORTS, conf->n_ports,
		    parse_port, conf, conf->ports);
	PARSE_ARRAY(c, doc, "xconnects", VUNET_MAX_PORTS / 2,
		    conf->n_xconnects, parse_xconnect, conf,
		    conf->xconnects);
	for (uint16_t b = 0; b < conf->n_bridges; b++)
		if (conf->bridges[b].vxlan.on && vxlan_finish(c, conf, b) < 0)
			return -1;
	return evpn_vnis_apart(c, conf);
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Profile documents: names, parsing, the rules a profile must satisfy. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_err.h"
#include "vunet_profile.h"

#define BIT(n) (1ULL << (n))

/* virtio 1.2 (5.1.3 and 6) and vhost-user names. */
const struct vunet_feature_name vunet_virtio_features[] = {
	{ "VIRTIO_NET_F_CSUM", 0 },
	{ "VIRTIO_NET_F_GUEST_CSUM", 1 },
	{ "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS", 2 },
	{ "VIRTIO_NET_F_MTU", 3 },
	{ "VIRTIO_NET_F_MAC", 5 },
	{ "VIRTIO_NET_F_GSO", 6 },
	{ "VIRTIO_NET_F_GUEST_TSO4", 7 },
	{ "VIRTIO_NET_F_GUEST_TSO6", 8 },
	{ "VIRTIO_NET_F_GUEST_ECN", 9 },
	{ "VIRTIO_NET_F_GUEST_UFO", 10 },
	{ "VIRTIO_NET_F_HOST_TSO4", 11 },
	{ "VIRTIO_NET_F_HOST_TSO6", 12 },
	{ "VIRTIO_NET_F_HOST_ECN", 13 },
	{ "VIRTIO_NET_F_HOST_UFO", 14 },
	{ "VIRTIO_NET_F_MRG_RXBUF", 15 },
	{ "VIRTIO_NET_F_STATUS", 16 },
	{ "VIRTIO_NET_F_CTRL_VQ", 17 },
	{ "VIRTIO_NET_F_CTRL_RX", 18 },
	{ "VIRTIO_NET_F_CTRL_VLAN", 19 },
	{ "VIRTIO_NET_F_CTRL_RX_EXTRA", 20 },
	{ "VIRTIO_NET_F_GUEST_ANNOUNCE", 21 },
	{ "VIRTIO_NET_F_MQ", 22 },
	{ "VIRTIO_NET_F_CTRL_MAC_ADDR", 23 },
	{ "VIRTIO_F_NOTIFY_ON_EMPTY", 24 },
	{ "VHOST_F_LOG_ALL", 26 },
	{ "VIRTIO_F_ANY_LAYOUT", 27 },
	{ "VIRTIO_RING_F_INDIRECT_DESC", 28 },
	{ "VIRTIO_RING_F_EVENT_IDX", 29 },
	{ "VHOST_USER_F_PROTOCOL_FEATURES", 30 },
	{ "VIRTIO_F_VERSION_1", 32 },
	{ "VIRTIO_F_ACCESS_PLATFORM", 33 },
	{ "VIRTIO_F_RING_PACKED", 34 },
	{ "VIRTIO_F_IN_ORDER", 35 },
	{ "VIRTIO_F_ORDER_PLATFORM", 36 },
	{ "VIRTIO_F_SR_IOV", 37 },
	{ "VIRTIO_F_NOTIFICATION_DATA", 38 },
	{ "VIRTIO_F_RING_RESET", 40 },
	{ NULL, 0 },
};

const struct vunet_feature_name vunet_protocol_features[] = {
	{ "VHOST_USER_PROTOCOL_F_MQ", 0 },
	{ "VHOST_USER_PROTOCOL_F_LOG_SHMFD", 1 },
	{ "VHOST_USER_PROTOCOL_F_RARP", 2 },
	{ "VHOST_USER_PROTOCOL_F_REPLY_ACK", 3 },
	{ "VHOST_USER_PROTOCOL_F_NET_MTU", 4 },
	{ "VHOST_USER_PROTOCOL_F_BACKEND_REQ", 5 },
	{ "VHOST_USER_PROTOCOL_F_CROSS_ENDIAN", 6 },
	{ "VHOST_USER_PROTOCOL_F_CRYPTO_SESSION", 7 },
	{ "VHOST_USER_PROTOCOL_F_PAGEFAULT", 8 },
	{ "VHOST_USER_PROTOCOL_F_CONFIG", 9 },
	{ "VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD", 10 },
	{ "VHOST_USER_PROTOCOL_F_HOST_NOTIFIER", 11 },
	{ "VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD", 12 },
	{ "VHOST_USER_PROTOCOL_F_RESET_DEVICE", 13 },
	{ "VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS", 14 },
	{ "VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS", 15 },
	{ "VHOST_USER_PROTOCOL_F_STATUS", 16 },
	{ NULL, 0 },
};

/* -device virtio-net-pci boolean properties and the bit each pins. */
static const struct vunet_feature_name qemu_bool_props[] = {
	{ "csum", 0 }, { "guest_csum", 1 }, { "gso", 6 },
	{ "guest_tso4", 7 }, { "guest_tso6", 8 }, { "guest_ecn", 9 },
	{ "guest_ufo", 10 }, { "host_tso4", 11 }, { "host_tso6", 12 },
	{ "host_ecn", 13 }, { "host_ufo", 14 }, { "mrg_rxbuf", 15 },
	{ "ctrl_vq", 17 }, { "ctrl_rx", 18 }, { "guest_announce", 21 },
	{ "mq", 22 }, { "any_layout", 27 }, { "indirect_desc", 28 },
	{ "event_idx", 29 }, { "packed", 34 },
	{ NULL, 0 },
};

/* Bits that need another: feature, what it needs (any of), why. */
struct dependency {
	unsigned int bit;
	uint64_t needs;
	bool protocol;   /* needs is a protocol feature mask */
	const char *why;
};

#define P_MQ 0
#define P_LOG_SHMFD 1
#define P_REPLY_ACK 3
#define P_NET_MTU 4

static const struct dependency dependencies[] = {
	{ 11, BIT(0), false, "TSO needs checksum offload" },
	{ 12, BIT(0), false, "TSO needs checksum offload" },
	{ 14, BIT(0), false, "UFO needs checksum offload" },
	{ 13, BIT(11) | BIT(12), false, "ECN needs TSO" },
	{ 7, BIT(1), false, "TSO needs checksum offload" },
	{ 8, BIT(1), false, "TSO needs checksum offload" },
	{ 10, BIT(1), false, "UFO needs checksum offload" },
	{ 9, BIT(7) | BIT(8), false, "ECN needs TSO" },
	{ 18, BIT(17), false, "it is a control queue command" },
	{ 21, BIT(17), false, "announcements use the control queue" },
	{ 22, BIT(17), false, "queue pairs are set on the control queue" },
	{ 34, BIT(32), false, "a virtio 1.1 feature needs VERSION_1" },
	{ 35, BIT(32), false, "a virtio 1.1 feature needs VERSION_1" },
	{ 33, BIT(32), false, "a virtio 1.0 feature needs VERSION_1" },
	{ 3, BIT(P_NET_MTU), true, "the MTU reaches the back-end so" },
};

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

static const char *
table_name(const struct vunet_feature_name *t, unsigned int bit)
{
	for (; t->name != NULL; t++)
		if (t->bit == bit)
			return t->name;
	return NULL;
}

const char *
vunet_virtio_feature_name(unsigned int bit)
{
	return table_name(vunet_virtio_features, bit);
}

const char *
vunet_protocol_feature_name(unsigned int bit)
{
	return table_name(vunet_protocol_features, bit);
}

void
vunet_features_format(uint64_t mask, bool protocol, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 64 && off < len; b++) {
		const char *n;
		char unknown[16];

		if (!(mask & BIT(b)))
			continue;
		n = protocol ? vunet_protocol_feature_name(b) :
			       vunet_virtio_feature_name(b);
		if (n == NULL) {
			snprintf(unknown, sizeof(unknown), "bit %u", b);
			n = unknown;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					off ? ", " : "", n);
	}
}

static int
parse_names(struct ctx *c, json_t *doc, const char *key,
	    const struct vunet_feature_name *table, uint64_t *mask)
{
	json_t *arr = json_object_get(doc, key), *v;
	char field[96];
	size_t i;

	if (arr == NULL)
		return fail(c, key, "is required");
	if (!json_is_array(arr))
		return fail(c, key, "must be an array of feature names");
	*mask = 0;
	json_array_foreach(arr, i, v) {
		const struct vunet_feature_name *t;

		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (!json_is_string(v))
			return fail(c, field, "must be a feature name");
		for (t = table; t->name != NULL; t++)
			if (strcmp(t->name, json_string_value(v)) == 0)
				break;
		if (t->name == NULL)
			return fail(c, field, "unknown feature '%s'",
				    json_string_value(v));
		if (*mask & BIT(t->bit))
			return fail(c, field, "'%s' is listed twice", t->name);
		*mask |= BIT(t->bit);
	}
	return 0;
}

static int
get_u16(struct ctx *c, json_t *doc, const char *key, unsigned int min,
	unsigned int max, uint16_t *out)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL)
		return fail(c, key, "is required");
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return fail(c, key, "must be an integer from %u to %u", min,
			    max);
	*out = (uint16_t)json_integer_value(v);
	return 0;
}

static bool
is_pow2(unsigned int v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int
parse_qemu_props(struct ctx *c, json_t *doc, struct vunet_profile *p)
{
	json_t *obj = json_object_get(doc, "qemu_device"), *v;
	const struct vunet_feature_name *t;
	const char *key;
	char field[96];

	if (obj == NULL)
		return fail(c, "qemu_device", "is required");
	if (!json_is_object(obj))
		return fail(c, "qemu_device", "must be an object of "
			    "virtio-net-pci properties");
	json_object_foreach(obj, key, v) {
		struct vunet_qemu_prop *q = &p->props[p->n_props];
		bool sized = strcmp(key, "rx_queue_size") == 0 ||
			     strcmp(key, "tx_queue_size") == 0;

		snprintf(field, sizeof(field), "qemu_device.%s", key);
		for (t = qemu_bool_props; t->name != NULL; t++)
			if (strcmp(t->name, key) == 0)
				break;
		if (t->name == NULL && !sized)
			return fail(c, field, "unknown property");
		if (p->n_props == VUNET_PROFILE_MAX_PROPS)
			return fail(c, field, "too many properties");
		snprintf(q->name, sizeof(q->name), "%s", key);
		if (sized) {
			json_int_t n = json_is_integer(v) ?
				       json_integer_value(v) : 0;

			if (n < 256 || n > 1024 || !is_pow2((unsigned int)n))
				return fail(c, field, "must be a power of 2 "
					    "from 256 to 1024");
			if (n > p->max_ring_size)
				return fail(c, field, "%" JSON_INTEGER_FORMAT
					    " is above max_ring_size %u", n,
					    p->max_ring_size);
			snprintf(q->value, sizeof(q->value),
				 "%" JSON_INTEGER_FORMAT, n);
		} else {
			bool on;

			if (!json_is_string(v) ||
			    (strcmp(json_string_value(v), "on") != 0 &&
			     strcmp(json_string_value(v), "off") != 0))
				return fail(c, field, "must be \"on\" or "
					    "\"off\"");
			on = strcmp(json_string_value(v), "on") == 0;
			if (on != !!(p->features & BIT(t->bit)))
				return fail(c, field, "is \"%s\" but %s is %s "
					    "virtio_features", on ? "on" : "off",
					    vunet_virtio_feature_name(t->bit),
					    on ? "not in" : "in");
			snprintf(q->value, sizeof(q->value), "%s",
				 on ? "on" : "off");
		}
		p->n_props++;
	}
	/* the front-end must be pinned on every bit it could expose */
	for (t = qemu_bool_props; t->name != NULL; t++)
		if (json_object_get(obj, t->name) == NULL) {
			snprintf(field, sizeof(field), "qemu_device.%s",
				 t->name);
			return fail(c, field, "is required: it pins %s",
				    vunet_virtio_feature_name(t->bit));
		}
	if (json_object_get(obj, "rx_queue_size") == NULL)
		return fail(c, "qemu_device.rx_queue_size", "is required");
	if (json_object_get(obj, "tx_queue_size") == NULL)
		return fail(c, "qemu_device.tx_queue_size", "is required");
	return 0;
}

static int
check_rules(struct ctx *c, const struct vunet_profile *p)
{
	char need[256];

	if (!(p->features & BIT(26)))
		return fail(c, "virtio_features", "VHOST_F_LOG_ALL is required: "
			    "without it QEMU blocks live migration");
	if (!(p->protocol_features & BIT(P_LOG_SHMFD)))
		return fail(c, "protocol_features", "VHOST_USER_PROTOCOL_F_"
			    "LOG_SHMFD is required: without it QEMU blocks "
			    "live migration");
	if (!(p->features & BIT(30)))
		return fail(c, "virtio_features", "VHOST_USER_F_PROTOCOL_"
			    "FEATURES is required for protocol features");
	for (size_t i = 0; i < sizeof(dependencies) / sizeof(dependencies[0]);
	     i++) {
		const struct dependency *d = &dependencies[i];
		uint64_t have = d->protocol ? p->protocol_features :
			       p->features;

		if (!(p->features & BIT(d->bit)) || (have & d->needs))
			continue;
		vunet_features_format(d->needs, d->protocol, need,
				      sizeof(need));
		return fail(c, d->protocol ? "protocol_features" :
			    "virtio_features", "%s needs %s%s (%s)",
			    vunet_virtio_feature_name(d->bit),
			    __builtin_popcountll(d->needs) > 1 ? "one of " : "",
			    need, d->why);
	}
	if (!!(p->features & BIT(22)) != (p->max_queue_pairs > 1))
		return fail(c, "max_queue_pairs", p->max_queue_pairs > 1 ?
			    "%u queue pairs need VIRTIO_NET_F_MQ" :
			    "VIRTIO_NET_F_MQ needs more than %u queue pair",
			    p->max_queue_pairs);
	if (!!(p->features & BIT(22)) !=
	    !!(p->protocol_features & BIT(P_MQ)))
		return fail(c, "protocol_features", "VIRTIO_NET_F_MQ and "
			    "VHOST_USER_PROTOCOL_F_MQ go together");
	if ((p->protocol_features & BIT(P_NET_MTU)) &&
	    !(p->protocol_features & BIT(P_REPLY_ACK)))
		return fail(c, "protocol_features", "VHOST_USER_PROTOCOL_F_"
			    "NET_MTU needs VHOST_USER_PROTOCOL_F_REPLY_ACK, "
			    "or an MTU above max_mtu would drop the "
			    "connection instead of being refused");
	if (!is_pow2(p->max_ring_size))
		return fail(c, "max_ring_size", "%u is not a power of 2",
			    p->max_ring_size);
	return 0;
}

int
vunet_profile_from_json(json_t *doc, const char *origin,
			struct vunet_profile *p, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "description",
		"virtio_features", "protocol_features", "max_queue_pairs",
		"max_ring_size", "max_mtu", "qemu_device", NULL };
	struct ctx c = { .origin = origin, .err = err, .errlen = errlen };
	const char *key, *name;
	json_t *v;
	char *end;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(doc))
		return fail(&c, "(top)", "must be a JSON object");
	json_object_foreach(doc, key, v) {
		const char *const *k;

		for (k = keys; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL)
			return fail(&c, key, "unknown field");
	}
	v = json_object_get(doc, "name");
	if (!json_is_string(v))
		return fail(&c, "name", "is required, a string");
	name = json_string_value(v);
	if (strncmp(name, VUNET_PROFILE_PREFIX,
		    strlen(VUNET_PROFILE_PREFIX)) != 0 ||
	    strlen(name) >= sizeof(p->name))
		return fail(&c, "name", "'%s' is not like %sN", name,
			    VUNET_PROFILE_PREFIX);
	p->version = (unsigned int)strtoul(name + strlen(VUNET_PROFILE_PREFIX),
					   &end, 10);
	if (p->version == 0 || *end != '\0' ||
	    name[strlen(VUNET_PROFILE_PREFIX)] == '0')
		return fail(&c, "name", "'%s' is not like %sN", name,
			    VUNET_PROFILE_PREFIX);
	snprintf(p->name, sizeof(p->name), "%s", name);
	v = json_object_get(doc, "description");
	if (v != NULL && !json_is_string(v))
		return fail(&c, "description", "must be a string");
	snprintf(p->description, sizeof(p->description), "%s",
		 v ? json_string_value(v) : "");
	if (parse_names(&c, doc, "virtio_features", vunet_virtio_features,
			&p->features) < 0 ||
	    parse_names(&c, doc, "protocol_features",
			vunet_protocol_features, &p->protocol_features) < 0 ||
	    get_u16(&c, doc, "max_queue_pairs", 1, 16,
		    &p->max_queue_pairs) < 0 ||
	    get_u16(&c, doc, "max_ring_size", 64, 32768,
		    &p->max_ring_size) < 0 ||
	    get_u16(&c, doc, "max_mtu", 68, 65535, &p->max_mtu) < 0 ||
	    check_rules(&c, p) < 0 ||
	    parse_qemu_props(&c, doc, p) < 0)
		return -1;
	return 0;
}

int
vunet_profile_parse(const char *text, const char *origin,
		    struct vunet_profile *p, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc;
	int ret;

	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		snprintf(err, errlen, "%s: line %d column %d: %s", origin,
			 jerr.line, jerr.column, jerr.text);
		return -1;
	}
	ret = vunet_profile_from_json(doc, origin, p, err, errlen);
	json_decref(doc);
	if (ret == 0)
		p->text = text;
	return ret;
}

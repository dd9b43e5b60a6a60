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

#define NAME_ENTRY(name, bit) { #name, bit },
const struct vunet_feature_name vunet_virtio_features[] = {
	VUNET_VIRTIO_FEATURES(NAME_ENTRY)
	{ NULL, 0 },
};

const struct vunet_feature_name vunet_protocol_features[] = {
	VUNET_PROTOCOL_FEATURES(NAME_ENTRY)
	{ NULL, 0 },
};
#undef NAME_ENTRY


/* -device virtio-net-pci boolean properties and the bit each pins. */
static const struct vunet_feature_name qemu_bool_props[] = {
	{ "csum", VUNET_F_VIRTIO_NET_F_CSUM },
	{ "guest_csum", VUNET_F_VIRTIO_NET_F_GUEST_CSUM },
	{ "gso", VUNET_F_VIRTIO_NET_F_GSO },
	{ "guest_tso4", VUNET_F_VIRTIO_NET_F_GUEST_TSO4 },
	{ "guest_tso6", VUNET_F_VIRTIO_NET_F_GUEST_TSO6 },
	{ "guest_ecn", VUNET_F_VIRTIO_NET_F_GUEST_ECN },
	{ "guest_ufo", VUNET_F_VIRTIO_NET_F_GUEST_UFO },
	{ "host_tso4", VUNET_F_VIRTIO_NET_F_HOST_TSO4 },
	{ "host_tso6", VUNET_F_VIRTIO_NET_F_HOST_TSO6 },
	{ "host_ecn", VUNET_F_VIRTIO_NET_F_HOST_ECN },
	{ "host_ufo", VUNET_F_VIRTIO_NET_F_HOST_UFO },
	{ "mrg_rxbuf", VUNET_F_VIRTIO_NET_F_MRG_RXBUF },
	{ "ctrl_vq", VUNET_F_VIRTIO_NET_F_CTRL_VQ },
	{ "ctrl_rx", VUNET_F_VIRTIO_NET_F_CTRL_RX },
	{ "guest_announce", VUNET_F_VIRTIO_NET_F_GUEST_ANNOUNCE },
	{ "mq", VUNET_F_VIRTIO_NET_F_MQ },
	{ "any_layout", VUNET_F_VIRTIO_F_ANY_LAYOUT },
	{ "indirect_desc", VUNET_F_VIRTIO_RING_F_INDIRECT_DESC },
	{ "event_idx", VUNET_F_VIRTIO_RING_F_EVENT_IDX },
	{ "packed", VUNET_F_VIRTIO_F_RING_PACKED },
	{ NULL, 0 },
};

/* Bits that need another: feature, what it needs (any of), why. */
struct dependency {
	unsigned int bit;
	uint64_t needs;
	bool protocol;   /* needs is a protocol feature mask */
	const char *why;
};

/* NET(x), VIRTIO(x): VIRTIO_NET_F_x's, VIRTIO_F_x's bit as a mask */
#define NET(x) BIT(VUNET_F_VIRTIO_NET_F_ ## x)
#define VIRTIO(x) BIT(VUNET_F_VIRTIO_F_ ## x)

static const struct dependency dependencies[] = {
	{ VUNET_F_VIRTIO_NET_F_HOST_TSO4, NET(CSUM), false,
	  "TSO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_HOST_TSO6, NET(CSUM), false,
	  "TSO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_HOST_UFO, NET(CSUM), false,
	  "UFO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_HOST_ECN, NET(HOST_TSO4) | NET(HOST_TSO6), false,
	  "ECN needs TSO" },
	{ VUNET_F_VIRTIO_NET_F_GUEST_TSO4, NET(GUEST_CSUM), false,
	  "TSO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_GUEST_TSO6, NET(GUEST_CSUM), false,
	  "TSO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_GUEST_UFO, NET(GUEST_CSUM), false,
	  "UFO needs checksum offload" },
	{ VUNET_F_VIRTIO_NET_F_GUEST_ECN, NET(GUEST_TSO4) | NET(GUEST_TSO6),
	  false, "ECN needs TSO" },
	{ VUNET_F_VIRTIO_NET_F_CTRL_RX, NET(CTRL_VQ), false,
	  "it is a control queue command" },
	{ VUNET_F_VIRTIO_NET_F_GUEST_ANNOUNCE, NET(CTRL_VQ), false,
	  "announcements use the control queue" },
	{ VUNET_F_VIRTIO_NET_F_MQ, NET(CTRL_VQ), false,
	  "queue pairs are set on the control queue" },
	{ VUNET_F_VIRTIO_F_RING_PACKED, VIRTIO(VERSION_1), false,
	  "a virtio 1.1 feature needs VERSION_1" },
	{ VUNET_F_VIRTIO_F_IN_ORDER, VIRTIO(VERSION_1), false,
	  "a virtio 1.1 feature needs VERSION_1" },
	{ VUNET_F_VIRTIO_F_ACCESS_PLATFORM, VIRTIO(VERSION_1), false,
	  "a virtio 1.0 feature needs VERSION_1" },
	{ VUNET_F_VIRTIO_NET_F_MTU, BIT(VUNET_F_VHOST_USER_PROTOCOL_F_NET_MTU),
	  true, "the MTU reaches the back-end so" },
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

	if (!(p->features & BIT(VUNET_F_VHOST_F_LOG_ALL)))
		return fail(c, "virtio_features", "VHOST_F_LOG_ALL is required: "
			    "without it QEMU blocks live migration");
	if (!(p->protocol_features &
	      BIT(VUNET_F_VHOST_USER_PROTOCOL_F_LOG_SHMFD)))
		return fail(c, "protocol_features", "VHOST_USER_PROTOCOL_F_"
			    "LOG_SHMFD is required: without it QEMU blocks "
			    "live migration");
	if (!(p->features & BIT(VUNET_F_VHOST_USER_F_PROTOCOL_FEATURES)))
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
	if (!!(p->features & NET(MQ)) != (p->max_queue_pairs > 1))
		return fail(c, "max_queue_pairs", p->max_queue_pairs > 1 ?
			    "%u queue pairs need VIRTIO_NET_F_MQ" :
			    "VIRTIO_NET_F_MQ needs more than %u queue pair",
			    p->max_queue_pairs);
	if (!!(p->features & NET(MQ)) != !!(p->protocol_features &
					    BIT(VUNET_F_VHOST_USER_PROTOCOL_F_MQ)))
		return fail(c, "protocol_features", "VIRTIO_NET_F_MQ and "
			    "VHOST_USER_PROTOCOL_F_MQ go together");
	if ((p->protocol_features &
	     BIT(VUNET_F_VHOST_USER_PROTOCOL_F_NET_MTU)) &&
	    !(p->protocol_features &
	      BIT(VUNET_F_VHOST_USER_PROTOCOL_F_REPLY_ACK)))
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

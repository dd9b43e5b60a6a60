/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The profiles built into this binary, the capabilities document that
 * advertises them, and the check of a move between two hosts' documents.
 */

#include <stdio.h>
#include <string.h>

#include "vunet_strbuf.h"
#include "vunet_profile.h"

/* Generated from lib/profile/released/ by embed_profiles.py. */
extern const char *const vunet_builtin_profile_files[];
extern const char *const vunet_builtin_profiles[];

#define MAX_PROFILES 64

static struct vunet_profile profiles[MAX_PROFILES];
static unsigned int n_profiles;

int
vunet_profiles_init(char *err, size_t errlen)
{
	n_profiles = 0;
	for (unsigned int i = 0; vunet_builtin_profiles[i] != NULL; i++) {
		struct vunet_profile *p = &profiles[n_profiles];
		char want[VUNET_PROFILE_NAME_MAX + 8];

		if (n_profiles == MAX_PROFILES) {
			snprintf(err, errlen, "more than %d profiles",
				 MAX_PROFILES);
			return -1;
		}
		if (vunet_profile_parse(vunet_builtin_profiles[i],
					vunet_builtin_profile_files[i], p, err,
					errlen) < 0)
			return -1;
		snprintf(want, sizeof(want), "%s.json", p->name);
		if (strcmp(want, vunet_builtin_profile_files[i]) != 0) {
			snprintf(err, errlen, "%s: name: '%s' does not match "
				 "the file name", vunet_builtin_profile_files[i],
				 p->name);
			return -1;
		}
		n_profiles++;
	}
	if (n_profiles == 0) {
		snprintf(err, errlen, "no interface profile is built in");
		return -1;
	}
	return 0;
}

unsigned int
vunet_profile_count(void)
{
	return n_profiles;
}

const struct vunet_profile *
vunet_profile_at(unsigned int i)
{
	return i < n_profiles ? &profiles[i] : NULL;
}

const struct vunet_profile *
vunet_profile_find(const char *name)
{
	for (unsigned int i = 0; i < n_profiles; i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const struct vunet_profile *
vunet_profile_latest(void)
{
	return n_profiles ? &profiles[n_profiles - 1] : NULL;
}

json_t *
vunet_profile_to_json(const struct vunet_profile *p)
{
	return json_loads(p->text, 0, NULL);
}

json_t *
vunet_capabilities(const char *version)
{
	json_t *caps = json_object(), *all = json_object();

	json_object_set_new(caps, "type", json_string("net"));
	json_object_set_new(caps, "vunet_version", json_string(version));
	json_object_set_new(caps, "latest_profile",
			    json_string(vunet_profile_latest()->name));
	for (unsigned int i = 0; i < n_profiles; i++)
		json_object_set_new(all, profiles[i].name,
				    vunet_profile_to_json(&profiles[i]));
	json_object_set_new(caps, "profiles", all);
	return caps;
}

static int
caps_profiles(json_t *caps, const char *side, json_t **out, char *why,
	      size_t len)
{
	json_t *t = json_object_get(caps, "type");

	*out = json_object_get(caps, "profiles");
	if (!json_is_object(caps) || !json_is_string(t) ||
	    strcmp(json_string_value(t), "net") != 0 ||
	    !json_is_object(*out)) {
		snprintf(why, len, "the %s document is not the output of "
			 "vunetd --print-capabilities", side);
		return -1;
	}
	return 0;
}

static const char *
caps_version(json_t *caps)
{
	json_t *v = json_object_get(caps, "vunet_version");

	return json_is_string(v) ? json_string_value(v) : "unknown";
}

/* Appends "; what" to why (not empty), for each way the two differ. */
static void
describe_difference(const struct vunet_profile *a,
		    const struct vunet_profile *b, char *why, size_t len)
{
	struct vunet_strbuf sb = { why, len, strnlen(why, len) };
	char names[512];

	if (a->features & ~b->features) {
		vunet_features_format(a->features & ~b->features, false, names,
				      sizeof(names));
		vunet_strbuf_add(&sb, "; ", "the destination lacks %s", names);
	}
	if (b->features & ~a->features) {
		vunet_features_format(b->features & ~a->features, false, names,
				      sizeof(names));
		vunet_strbuf_add(&sb, "; ", "the destination adds %s", names);
	}
	if (a->protocol_features != b->protocol_features) {
		vunet_features_format(a->protocol_features ^
				      b->protocol_features, true, names,
				      sizeof(names));
		vunet_strbuf_add(&sb, "; ", "protocol features differ in %s",
				 names);
	}
	if (a->max_queue_pairs != b->max_queue_pairs)
		vunet_strbuf_add(&sb, "; ", "max_queue_pairs %u here, %u there",
				 a->max_queue_pairs, b->max_queue_pairs);
	if (a->max_ring_size != b->max_ring_size)
		vunet_strbuf_add(&sb, "; ", "max_ring_size %u here, %u there",
				 a->max_ring_size, b->max_ring_size);
	if (a->max_mtu != b->max_mtu)
		vunet_strbuf_add(&sb, "; ", "max_mtu %u here, %u there",
				 a->max_mtu, b->max_mtu);
	for (unsigned int i = 0; i < a->n_props; i++)
		for (unsigned int j = 0; j < b->n_props; j++)
			if (strcmp(a->props[i].name, b->props[j].name) == 0 &&
			    strcmp(a->props[i].value, b->props[j].value) != 0)
				vunet_strbuf_add(&sb, "; ", "qemu_device.%s %s "
					"here, %s there", a->props[i].name,
					a->props[i].value, b->props[j].value);
}

static bool
same_device(const struct vunet_profile *a, const struct vunet_profile *b)
{
	return a->features == b->features &&
	       a->protocol_features == b->protocol_features &&
	       a->max_queue_pairs == b->max_queue_pairs &&
	       a->max_ring_size == b->max_ring_size &&
	       a->max_mtu == b->max_mtu && a->n_props == b->n_props &&
	       memcmp(a->props, b->props, sizeof(a->props[0]) *
		      a->n_props) == 0;
}

int
vunet_profile_check_move(json_t *src, json_t *dst, const char *name,
			 char *why, size_t len)
{
	struct vunet_profile a, b;
	json_t *sp, *dp, *all;
	char err[VUNET_PROFILE_ERR_MAX];

	if (caps_profiles(src, "source", &sp, why, len) < 0 ||
	    caps_profiles(dst, "destination", &dp, why, len) < 0)
		return -1;
	all = dp;
	sp = json_object_get(sp, name);
	dp = json_object_get(dp, name);
	if (sp == NULL) {
		snprintf(why, len, "the source (vunet %s) does not serve %s, "
			 "so no VM there runs on it", caps_version(src), name);
		return 0;
	}
	if (dp == NULL) {
		const char *key;
		json_t *v;
		size_t off;

		off = (size_t)snprintf(why, len, "the destination (vunet %s) "
				       "does not serve %s; it serves:",
				       caps_version(dst), name);
		json_object_foreach(all, key, v)
			if (off < len)
				off += (size_t)snprintf(why + off, len - off,
							" %s", key);
		return 0;
	}
	if (vunet_profile_from_json(sp, "source", &a, err, sizeof(err)) < 0 ||
	    vunet_profile_from_json(dp, "destination", &b, err,
				    sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
		return -1;
	}
	if (!same_device(&a, &b)) {
		snprintf(why, len, "the destination (vunet %s) serves a "
			 "different %s than the source (vunet %s)",
			 caps_version(dst), name, caps_version(src));
		describe_difference(&a, &b, why, len);
		return 0;
	}
	snprintf(why, len, "%s is the same device on the source (vunet %s) "
		 "and the destination (vunet %s)%s", name, caps_version(src),
		 caps_version(dst), json_equal(sp, dp) ? "" :
		 " (their descriptions differ)");
	return 1;
}

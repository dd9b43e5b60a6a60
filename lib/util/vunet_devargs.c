/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "vunet_devargs.h"

#define DEVARGS_MAX 512

/* The next ','-separated field of s from *at: [*start, *end). */
static bool
next_field(const char *s, size_t *at, size_t *start, size_t *end)
{
	size_t n = strlen(s);

	if (*at > n)
		return false;
	*start = *at;
	*end = *at;
	while (*end < n && s[*end] != ',')
		(*end)++;
	*at = *end + 1;
	return true;
}

static void
copy(char *dst, size_t len, const char *s, size_t start, size_t end)
{
	size_t n = end - start < len - 1 ? end - start : len - 1;

	memcpy(dst, s + start, n);
	dst[n] = '\0';
}

static bool
name_matches(const char *pattern, const char *name)
{
	size_t plen = strlen(pattern);

	if (strpbrk(pattern, "*?[") != NULL)
		return fnmatch(pattern, name, 0) == 0;
	if (strncmp(pattern, name, plen) != 0)
		return false;
	for (const char *c = name + plen; *c != '\0'; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	return true;
}

/* value against "a|b*|c" */
static bool
value_matches(const char *alternatives, const char *value)
{
	char alt[DEVARGS_MAX];
	const char *p = alternatives;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		copy(alt, sizeof(alt), p, 0, n);
		if (fnmatch(alt, value, 0) == 0)
			return true;
		if (bar == NULL)
			return false;
		p = bar + 1;
	}
}

/* The patterns the rule gives key, in pats; false if it names none. */
static bool
rule_key(const char *rule, const char *key, char *pats, size_t len)
{
	size_t at = 0, s, e;
	char field[DEVARGS_MAX];

	next_field(rule, &at, &s, &e);     /* the driver */
	while (next_field(rule, &at, &s, &e)) {
		char *eq;

		copy(field, sizeof(field), rule, s, e);
		eq = strchr(field, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(field, key) == 0) {
			snprintf(pats, len, "%s", eq + 1);
			return true;
		}
	}
	return false;
}

bool
vunet_devargs_rule_ok(const char *rule, char *why, size_t len)
{
	size_t at = 0, s, e;
	char field[DEVARGS_MAX];

	if (strlen(rule) >= DEVARGS_MAX) {
		snprintf(why, len, "longer than %d bytes", DEVARGS_MAX - 1);
		return false;
	}
	next_field(rule, &at, &s, &e);
	if (e == s) {
		snprintf(why, len, "no driver (want DRIVER[,KEY=PATTERN]...)");
		return false;
	}
	while (next_field(rule, &at, &s, &e)) {
		char *eq;

		copy(field, sizeof(field), rule, s, e);
		eq = strchr(field, '=');
		if (eq == NULL || eq == field || eq[1] == '\0') {
			snprintf(why, len, "'%s' is not KEY=PATTERN", field);
			return false;
		}
	}
	return true;
}

/*
 * NULL if rule admits devargs; "" if the rule is about another device;
 * else why not (in buf).
 */
static const char *
refusal(const char *rule, const char *devargs, char *buf, size_t len)
{
	char driver[DEVARGS_MAX], name[DEVARGS_MAX], field[DEVARGS_MAX];
	char pats[DEVARGS_MAX];
	size_t at = 0, s, e;

	next_field(rule, &at, &s, &e);
	copy(driver, sizeof(driver), rule, s, e);
	at = 0;
	next_field(devargs, &at, &s, &e);
	copy(name, sizeof(name), devargs, s, e);
	if (!name_matches(driver, name))
		return "";
	while (next_field(devargs, &at, &s, &e)) {
		char *eq;

		copy(field, sizeof(field), devargs, s, e);
		eq = strchr(field, '=');
		if (eq != NULL)
			*eq = '\0';
		if (!rule_key(rule, field, pats, sizeof(pats))) {
			snprintf(buf, len, "key '%.64s' is not allowed for "
				 "%.64s", field, driver);
			return buf;
		}
		if (eq == NULL || !value_matches(pats, eq + 1)) {
			snprintf(buf, len, "%.64s=%.64s is not among "
				 "%.64s=%.80s", field, eq != NULL ? eq + 1 : "",
				 field, pats);
			return buf;
		}
	}
	return NULL;
}

bool
vunet_devargs_allowed(const char *const *rules, unsigned int n,
		      const char *devargs, char *why, size_t len)
{
	char buf[256];

	snprintf(why, len, "no --allow-devargs rule names its device");
	if (strlen(devargs) >= DEVARGS_MAX)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		const char *r = refusal(rules[i], devargs, buf, sizeof(buf));

		if (r == NULL)
			return true;
		if (r[0] != '\0')
			snprintf(why, len, "%s", r);
	}
	return false;
}

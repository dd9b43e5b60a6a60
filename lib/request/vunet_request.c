/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vunet_request.h"
#include "vunet_strbuf.h"

enum arg_type { ARG_STRING, ARG_INT, ARG_OBJECT, ARG_INT_OR_NULL };

struct arg {
	const char *name;
	enum arg_type type;
	bool required;
};

#define MAX_ARGS 4

/* A command: its name, its arguments, whether it changes the switch. */
static const struct {
	const char *name;
	struct arg args[MAX_ARGS];
	bool changes;
} commands[VUNET_CMD_MAX] = {
#define VIEW false
#define CHANGE true
#define REQ(n, t) { #n, ARG_ ## t, true }
#define OPT(n, t) { #n, ARG_ ## t, false }
#define ROW(e, n, fn, kind, ...) \
	[VUNET_CMD_ ## e] = { n, { __VA_ARGS__ }, kind },
	VUNET_COMMANDS(ROW)
#undef ROW
#undef OPT
#undef REQ
#undef CHANGE
#undef VIEW
};

static const char *const type_names[] = {
	[ARG_STRING] = "a string",
	[ARG_INT] = "an integer",
	[ARG_OBJECT] = "an object",
	[ARG_INT_OR_NULL] = "an integer or null",
};

const char *
vunet_cmd_name(enum vunet_cmd cmd)
{
	return cmd < VUNET_CMD_MAX ? commands[cmd].name : "?";
}

bool
vunet_cmd_changes(enum vunet_cmd cmd)
{
	return cmd < VUNET_CMD_MAX && commands[cmd].changes;
}

const char *
vunet_request_commands(void)
{
	static char list[512];
	struct vunet_strbuf sb = VUNET_STRBUF(list, sizeof(list));

	if (list[0] == '\0')
		for (int c = 0; c < VUNET_CMD_MAX; c++)
			vunet_strbuf_add(&sb, ", ", "%s", commands[c].name);
	return list;
}

static bool
type_ok(json_t *v, enum arg_type t)
{
	switch (t) {
	case ARG_STRING:
		return json_is_string(v);
	case ARG_INT:
		return json_is_integer(v);
	case ARG_OBJECT:
		return json_is_object(v);
	case ARG_INT_OR_NULL:
		return json_is_integer(v) || json_is_null(v);
	}
	return false;
}

static int
check_args(json_t *root, enum vunet_cmd cmd, char *err, size_t errlen)
{
	const struct arg *args = commands[cmd].args;
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v) {
		const struct arg *a = NULL;

		if (strcmp(key, "command") == 0)
			continue;
		for (int i = 0; i < MAX_ARGS && args[i].name != NULL; i++)
			if (strcmp(args[i].name, key) == 0)
				a = &args[i];
		if (a == NULL) {
			snprintf(err, errlen, "%s: unknown argument '%s'",
				 commands[cmd].name, key);
			return -1;
		}
		if (!type_ok(v, a->type)) {
			snprintf(err, errlen, "%s: argument '%s' must be %s",
				 commands[cmd].name, key, type_names[a->type]);
			return -1;
		}
	}
	for (int i = 0; i < MAX_ARGS && args[i].name != NULL; i++)
		if (args[i].required &&
		    json_object_get(root, args[i].name) == NULL) {
			snprintf(err, errlen, "%s: argument '%s' is missing",
				 commands[cmd].name, args[i].name);
			return -1;
		}
	return 0;
}

int
vunet_request_parse(const char *text, size_t len, struct vunet_request *req,
		    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *c;
	const char *name;
	int cmd;

	req->root = NULL;
	if (len > VUNET_REQUEST_MAX) {
		snprintf(err, errlen, "request longer than %d bytes",
			 VUNET_REQUEST_MAX);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "bad JSON at column %d: %s", jerr.column,
			 jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "a request must be a JSON object");
		goto fail;
	}
	c = json_object_get(root, "command");
	if (!json_is_string(c)) {
		snprintf(err, errlen, "a request needs \"command\": a string");
		goto fail;
	}
	name = json_string_value(c);
	for (cmd = 0; cmd < VUNET_CMD_MAX; cmd++)
		if (strcmp(commands[cmd].name, name) == 0)
			break;
	if (cmd == VUNET_CMD_MAX) {
		snprintf(err, errlen, "unknown command '%.64s'; commands: %s",
			 name, vunet_request_commands());
		goto fail;
	}
	if (check_args(root, (enum vunet_cmd)cmd, err, errlen) < 0)
		goto fail;
	req->cmd = (enum vunet_cmd)cmd;
	req->root = root;
	return 0;
fail:
	json_decref(root);
	return -1;
}

void
vunet_request_free(struct vunet_request *req)
{
	json_decref(req->root);
	req->root = NULL;
}

json_t *
vunet_request_arg(const struct vunet_request *req, const char *name)
{
	return json_object_get(req->root, name);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_REQUEST_H
#define VUNET_REQUEST_H

/*
 * Control requests: one JSON object per line, {"command": NAME, ARGS...}.
 * This file only checks a request's shape (a known command, the arguments
 * it takes with the right JSON types); what the arguments mean is checked
 * where they are applied. Pure C + jansson, so the parser can be fuzzed
 * without DPDK (test/fuzz).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define VUNET_REQUEST_MAX (64 * 1024) /* bytes in one request line */

/* Where vunetd listens unless told otherwise: RUN_DIR/PREFIX.sock. */
#define VUNET_RUN_DIR "/run/vunet"
#define VUNET_DEFAULT_PREFIX "vunet"
#define VUNET_DEFAULT_CONTROL VUNET_RUN_DIR "/" VUNET_DEFAULT_PREFIX ".sock"

/*
 * Every control command, once: X(enum suffix, name as requests spell it,
 * handler, VIEW or CHANGE, its arguments as REQ(name, TYPE) or
 * OPT(name, TYPE)). The enum, the request table (vunet_request.c), the
 * handlers' declarations and their dispatch table (lib/ctl) come from this
 * list, so a command without a handler does not link. TYPE: STRING, INT,
 * OBJECT, INT_OR_NULL. A CHANGE edits the configuration (and is logged
 * when done); its handler lives in lib/ctl/vunet_changes.c, a VIEW's in
 * vunet_views.c. vunetctl's words for a command are in its own table
 * (app/vunetctl/switch_cmds.c), which names the request.
 */
#define VUNET_COMMANDS(X) \
	X(VERSION, "version", version, VIEW) \
	X(CONFIG_SHOW, "config-show", config_show, VIEW) \
	X(PORT_LIST, "port-list", port_list, VIEW) \
	X(PORT_SHOW, "port-show", port_show, VIEW, REQ(name, STRING)) \
	X(PORT_ADD, "port-add", port_add, CHANGE, REQ(port, OBJECT)) \
	X(PORT_DEL, "port-del", port_del, CHANGE, REQ(name, STRING)) \
	X(BRIDGE_LIST, "bridge-list", bridge_list, VIEW) \
	X(BRIDGE_ADD, "bridge-add", bridge_add, CHANGE, REQ(bridge, OBJECT)) \
	X(BRIDGE_DEL, "bridge-del", bridge_del, CHANGE, REQ(name, STRING)) \
	X(XCONNECT_LIST, "xconnect-list", xconnect_list, VIEW) \
	X(XCONNECT_ADD, "xconnect-add", xconnect_add, CHANGE, \
	  REQ(a, STRING), REQ(b, STRING)) \
	X(XCONNECT_DEL, "xconnect-del", xconnect_del, CHANGE, \
	  REQ(port, STRING)) \
	X(MAC_SHOW, "mac-show", mac_show, VIEW, OPT(bridge, STRING)) \
	X(MAC_FLUSH, "mac-flush", mac_flush, CHANGE, REQ(bridge, STRING), \
	  OPT(port, STRING)) \
	X(STATS, "stats", stats, VIEW, OPT(port, STRING)) \
	X(RXQ_SHOW, "rxq-show", rxq_show, VIEW) \
	X(RXQ_PIN, "rxq-pin", rxq_pin, CHANGE, REQ(port, STRING), \
	  REQ(queue, INT), REQ(worker, INT_OR_NULL)) \
	X(LOG_SET, "log-set", log_set, VIEW, REQ(type, STRING), \
	  REQ(level, STRING)) \
	X(PORT_SET, "port-set", port_set, CHANGE, REQ(name, STRING), \
	  REQ(set, OBJECT)) \
	X(BRIDGE_SET, "bridge-set", bridge_set, CHANGE, REQ(name, STRING), \
	  REQ(set, OBJECT))

#define VUNET_CMD_ENUM(e, name, fn, kind, ...) VUNET_CMD_ ## e,
enum vunet_cmd {
	VUNET_COMMANDS(VUNET_CMD_ENUM)
	VUNET_CMD_MAX
};
#undef VUNET_CMD_ENUM

struct vunet_request {
	enum vunet_cmd cmd;
	json_t *root;   /* owned: the whole request; arguments are its keys */
};

/* Name of a command as requests spell it ("port-add"). */
const char *vunet_cmd_name(enum vunet_cmd cmd);

/* Whether the command changes the switch (and is logged when done). */
bool vunet_cmd_changes(enum vunet_cmd cmd);

/*
 * Parse and check one request of len bytes (not NUL-terminated). On error
 * returns -1 with the reason in err and nothing to free.
 */
int vunet_request_parse(const char *text, size_t len,
			struct vunet_request *req, char *err, size_t errlen);

void vunet_request_free(struct vunet_request *req);

/* A checked argument (NULL when optional and absent). */
json_t *vunet_request_arg(const struct vunet_request *req, const char *name);

/* The usage line of every command, for an unknown one's error. */
const char *vunet_request_commands(void);

#endif /* VUNET_REQUEST_H */

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

enum vunet_cmd {
	VUNET_CMD_VERSION,
	VUNET_CMD_CONFIG_SHOW,
	VUNET_CMD_PORT_LIST,
	VUNET_CMD_PORT_SHOW,
	VUNET_CMD_PORT_ADD,
	VUNET_CMD_PORT_DEL,
	VUNET_CMD_BRIDGE_LIST,
	VUNET_CMD_BRIDGE_ADD,
	VUNET_CMD_BRIDGE_DEL,
	VUNET_CMD_XCONNECT_LIST,
	VUNET_CMD_XCONNECT_ADD,
	VUNET_CMD_XCONNECT_DEL,
	VUNET_CMD_MAC_SHOW,
	VUNET_CMD_MAC_FLUSH,
	VUNET_CMD_STATS,
	VUNET_CMD_RXQ_SHOW,
	VUNET_CMD_RXQ_PIN,
	VUNET_CMD_LOG_SET,
	VUNET_CMD_PORT_SET,
	VUNET_CMD_BRIDGE_SET,
	VUNET_CMD_MAX
};

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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * Control requests to their handlers: parse (lib/request), dispatch by the
 * command list (VUNET_COMMANDS), answer. The handlers are in
 * vunet_views.c (read the switch) and vunet_changes.c (change it).
 */

#include <string.h>

#include "vunet_commands.h"
#include "vunet_ctl_log.h"

#define HANDLER(e, name, fn, kind, ...) [VUNET_CMD_ ## e] = vunet_ctl_ ## fn,
static const vunet_ctl_cmd_fn handlers[VUNET_CMD_MAX] = {
	VUNET_COMMANDS(HANDLER)
};
#undef HANDLER

int
vunet_ctl_bridge_arg(struct vunet_daemon *d, const struct vunet_request *r,
		     const char *cmd, int *b, char *err, size_t errlen)
{
	const char *name = arg_str(r, "bridge");

	*b = -1;
	if (name == NULL)
		return 0;
	*b = vunet_config_bridge_index(d->conf, name);
	if (*b >= 0)
		return 0;
	snprintf(err, errlen, "%s: no bridge is named '%s'", cmd, name);
	return -1;
}

char *
vunet_command_handle(struct vunet_daemon *d, const char *line, size_t len)
{
	struct vunet_request req;
	char err[VUNET_ERR_MAX] = "";
	json_t *result = NULL, *reply;
	char *text;

	if (vunet_request_parse(line, len, &req, err, sizeof(err)) == 0) {
		result = handlers[req.cmd](d, &req, err, sizeof(err));
		if (result == NULL && err[0] == '\0')
			snprintf(err, sizeof(err), "%s: out of memory",
				 vunet_cmd_name(req.cmd));
		if (result == NULL)
			CTL_LOG(NOTICE, "refused: %s", err);
		else if (vunet_cmd_changes(req.cmd))
			CTL_LOG(INFO, "%s done",
				vunet_cmd_name(req.cmd));
		vunet_request_free(&req);
	}
	if (result != NULL)
		reply = json_pack("{s:b, s:o}", "ok", 1, "result", result);
	else
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", err);
	text = reply == NULL ? NULL : json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	return text;
}

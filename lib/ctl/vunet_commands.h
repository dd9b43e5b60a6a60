/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_COMMANDS_H
#define VUNET_COMMANDS_H

/*
 * Between the control commands' dispatcher (vunet_commands.c) and their
 * handlers (vunet_views.c, vunet_changes.c); not part of lib/ctl's API.
 * Every command of VUNET_COMMANDS has a handler vunet_ctl_FN: its
 * declaration comes from the list, so one that is not written does not
 * link.
 */

#include <jansson.h>

#include "vunet_ctl.h"

typedef json_t *(*vunet_ctl_cmd_fn)(struct vunet_daemon *d,
				    const struct vunet_request *r, char *err,
				    size_t errlen);

#define VUNET_CTL_HANDLER_DECL(e, name, fn, kind, ...) \
	json_t *vunet_ctl_ ## fn(struct vunet_daemon *d, \
				 const struct vunet_request *r, char *err, \
				 size_t errlen);
VUNET_COMMANDS(VUNET_CTL_HANDLER_DECL)
#undef VUNET_CTL_HANDLER_DECL

static inline const char *
arg_str(const struct vunet_request *r, const char *name)
{
	return json_string_value(vunet_request_arg(r, name));
}

/* What a request that has nothing to say answers. */
static inline json_t *
ok_done(void)
{
	return json_object();
}

/*
 * The optional "bridge" argument of cmd: *b its index, or -1 for every
 * bridge; -1 with the reason in err if no bridge has that name.
 */
int vunet_ctl_bridge_arg(struct vunet_daemon *d, const struct vunet_request *r,
			 const char *cmd, int *b, char *err, size_t errlen);

#endif /* VUNET_COMMANDS_H */

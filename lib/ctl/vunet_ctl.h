/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_CTL_H
#define VUNET_CTL_H

/*
 * The control socket and what its requests do. Runs on the control thread
 * only: requests are answered one at a time, in order, between the
 * daemon's other control work.
 */

#include <stddef.h>

#include "vunet_daemon.h"
#include "vunet_request.h"

/* vunet_commands.c */

/*
 * Answer one request line (len bytes): a JSON reply {"ok": true,
 * "result": ...} or {"ok": false, "error": "..."}, to free().
 */
char *vunet_command_handle(struct vunet_daemon *d, const char *line,
			   size_t len);

/* vunet_ctl_server.c */

/* The control socket: created 0600, or 0660 with group (may be NULL). */
struct vunet_ctl_server;
struct vunet_ctl_server *vunet_ctl_server_open(const char *path,
					       const char *group, char *err,
					       size_t errlen);
/* Wait up to timeout_ms for requests and answer them. */
void vunet_ctl_server_poll(struct vunet_ctl_server *s, struct vunet_daemon *d,
			   int timeout_ms);
void vunet_ctl_server_close(struct vunet_ctl_server *s);

#endif /* VUNET_CTL_H */

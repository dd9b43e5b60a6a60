/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNETCTL_H
#define VUNETCTL_H

/* What vunetctl's command files share: usage, options, the daemon link. */

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "vunet_request.h"


/* Exit codes */
#define EXIT_REFUSED 1       /* vunetd said no, or the answer is no */
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3   /* no vunetd on the socket */

struct ctl_opts {
	const char *socket;
	bool json;
};

void usage_print(FILE *f);
int usage_error(void);

/* vunetctl profile ... (no daemon) */
int profile_main(int argc, char **argv);

/* vunetctl port|bridge|... (through the control socket) */
int switch_main(const struct ctl_opts *o, int argc, char **argv);
/* Their usage lines, from the table that parses them. */
void switch_usage(FILE *f);

/* The control connection: one request, one reply. */
struct ctl_conn;
struct ctl_conn *ctl_connect(const char *path);
/* The result of request; NULL after printing why (*code: exit code). */
json_t *ctl_call(struct ctl_conn *c, json_t *request, int *code);
void ctl_close(struct ctl_conn *c);

#endif /* VUNETCTL_H */

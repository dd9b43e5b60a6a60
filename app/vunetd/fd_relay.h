/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNETD_FD_RELAY_H
#define VUNETD_FD_RELAY_H

#include <stddef.h>

/*
 * Join the connected socket fd to the vhost-user server socket at path,
 * both ways, descriptors included, on a thread of its own. done() runs
 * when either side closes. Returns 0, or -1 with err set.
 */
int fd_relay_start(int fd, const char *path, void (*done)(void), char *err,
		   size_t errlen);

#endif /* VUNETD_FD_RELAY_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_FD_H
#define VUNET_FD_H

#include <stdbool.h>

/*
 * Whether fd is an eventfd (its /proc/self/fd link names the anonymous
 * inode: eventfds have no file type fstat could tell apart).
 */
bool vunet_fd_is_eventfd(int fd);

#endif /* VUNET_FD_H */

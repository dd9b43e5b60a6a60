/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_UNIX_H
#define VUNET_UNIX_H

/* Unix stream sockets on the file system, refusing symbolic links. */

/*
 * Connect (non-blocking) to the socket file in the directory dir_fd
 * (AT_FDCWD: file is a path): it is opened O_PATH | O_NOFOLLOW and
 * connected through that descriptor's /proc name, so a link planted in
 * its place is not followed. 0 and the socket in *fd, or -errno
 * (-ENOTSOCK: not a socket).
 */
int vunet_unix_connect_at(int dir_fd, const char *file, int *fd);

/*
 * A socket file that no process answers on (left by one that was killed)
 * is removed. 0: nothing there; 1: removed; -EEXIST: not a socket;
 * -EADDRINUSE: a process answers on it; another -errno: cannot tell or
 * remove. Anything else is never removed.
 */
int vunet_unix_clear_stale(int dir_fd, const char *file);

#endif /* VUNET_UNIX_H */

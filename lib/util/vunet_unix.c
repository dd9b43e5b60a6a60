/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vunet_unix.h"

int
vunet_unix_connect_at(int dir_fd, const char *file, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int pfd, s, ret = 0;

	pfd = openat(dir_fd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(pfd);
		return -ENOTSOCK;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pfd);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		ret = -errno;
	else if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	close(pfd);
	if (ret < 0) {
		if (s >= 0)
			close(s);
		return ret;
	}
	*fd = s;
	return 0;
}

int
vunet_unix_clear_stale(int dir_fd, const char *file)
{
	struct stat st;
	int fd, ret;

	if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	ret = vunet_unix_connect_at(dir_fd, file, &fd);
	if (ret == 0 || ret == -EAGAIN) {
		if (ret == 0)
			close(fd);
		return -EADDRINUSE;
	}
	return unlinkat(dir_fd, file, 0) < 0 ? -errno : 1;
}

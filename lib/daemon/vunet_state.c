/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The state file: the configuration in force, so that a vunetd killed at
 * any moment comes back as it was. A write either fully happens or not at
 * all: readers only ever see the old file or the new one.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vunet_daemon.h"

int
vunet_state_load(const char *path, json_t **doc, char *err, size_t errlen)
{
	json_error_t jerr;

	*doc = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	*doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (*doc == NULL) {
		snprintf(err, errlen, "%s: line %d column %d: %s", path,
			 jerr.line, jerr.column, jerr.text);
		return -1;
	}
	return 1;
}

static int
fsync_dir(const char *path)
{
	char copy[4096];
	int fd, ret;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int
vunet_state_save(const char *path, json_t *doc, char *err, size_t errlen)
{
	char tmp[4096];
	char *text;
	size_t len, off = 0;
	int fd, e;

	text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		snprintf(err, errlen, "cannot save the state: out of memory");
		return -1;
	}
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/*
	 * A file of our own, new: whatever is at the name (a crashed run's
	 * temporary, or a link someone put there to make root write through
	 * it) is removed first, never written through.
	 */
	if (unlink(tmp) < 0 && errno != ENOENT)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail_close;
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		goto fail_close;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_close;
	}
	if (rename(tmp, path) < 0)
		goto fail;
	free(text);
	/* the rename itself must survive a crash too */
	fsync_dir(path);
	return 0;

fail_close:
	e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
fail:
	snprintf(err, errlen, "cannot save the state in %s: %s", path,
		 strerror(errno));
	unlink(tmp);
	free(text);
	return -1;
}

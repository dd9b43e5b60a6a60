/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The control socket: a unix stream socket taking one JSON request per
 * line and answering one JSON line each, on the control thread (so requests
 * are applied one at a time, in order). Who may connect is decided twice:
 * by the socket file's mode and group, and by the peer's credentials.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "vunet_control.h"

#define MAX_CLIENTS 16

struct client {
	int fd;
	size_t len;
	char *buf;           /* VUNET_REQUEST_MAX + 1 */
};

struct vunet_ctl_server {
	int fd;
	char path[VUNET_SOCK_PATH_MAX];
	gid_t gid;
	bool has_group;
	struct client c[MAX_CLIENTS];
};

static void
drop_client(struct client *c)
{
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = 0;
}

struct vunet_ctl_server *
vunet_ctl_server_open(const char *path, const char *group, char *err,
		      size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vunet_ctl_server *s;
	struct stat st;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket %s: longer than %zu "
			 "bytes", path, sizeof(sa.sun_path) - 1);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->c[i].fd = -1;
	if (group != NULL) {
		struct group *g = getgrnam(group);

		if (g == NULL) {
			snprintf(err, errlen, "control socket group '%s': no "
				 "such group", group);
			free(s);
			return NULL;
		}
		s->gid = g->gr_gid;
		s->has_group = true;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* a socket left by a killed vunetd; never remove anything else */
	if (lstat(path, &st) == 0) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sa,
						  sizeof(sa)) == 0;

		if (probe >= 0)
			close(probe);
		if (!S_ISSOCK(st.st_mode) || live) {
			snprintf(err, errlen, "control socket %s: %s", path,
				 live ? "another vunetd answers on it" :
				 "exists and is not a socket");
			free(s);
			return NULL;
		}
		unlink(path);
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0);
	if (s->fd < 0)
		goto fail;
	old = umask(0177);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (s->has_group && (chown(path, (uid_t)-1, s->gid) < 0 ||
			     chmod(path, 0660) < 0))
		goto fail_unlink;
	if (listen(s->fd, MAX_CLIENTS) < 0)
		goto fail_unlink;
	RTE_LOG(INFO, USER1, "control: listening on %s (mode %s)\n", path,
		s->has_group ? "0660" : "0600");
	return s;

fail_unlink:
	unlink(path);
fail:
	snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return NULL;
}

/* root, our own user, or (with a group) a member of it */
static bool
peer_allowed(const struct vunet_ctl_server *s, int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[64];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	if (!s->has_group)
		return false;
	if (cred.gid == s->gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == s->gid)
			return true;
	return false;
}

static void
reply(struct client *c, const char *text)
{
	size_t len = strlen(text), off = 0;
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };

	/* a client that stops reading for 5 s is dropped, not waited for */
	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&p, 1, 5000) <= 0)
				break;
		} else {
			break;
		}
	}
	if (off == len)
		send(c->fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		drop_client(c);
}

static void
accept_client(struct vunet_ctl_server *s)
{
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;
	uid_t uid = (uid_t)-1;

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS && c == NULL; i++)
		if (s->c[i].fd < 0)
			c = &s->c[i];
	if (!peer_allowed(s, fd, &uid) || c == NULL) {
		char msg[128];

		snprintf(msg, sizeof(msg), "{\"ok\": false, \"error\": \"%s\"}"
			 "\n", c == NULL ? "too many control clients" :
			 "permission denied");
		if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) <
		    0)
			RTE_LOG(DEBUG, USER1, "control: refusal not sent\n");
		RTE_LOG(WARNING, USER1, "control: refused a client (uid %d)"
			": %s\n", (int)uid, c == NULL ? "too many clients" :
			"not allowed");
		close(fd);
		return;
	}
	c->buf = malloc(VUNET_REQUEST_MAX + 1);
	if (c->buf == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
}

static void
serve_client(struct vunet_ctl_server *s __rte_unused, struct client *c,
	     struct vunet_daemon *d)
{
	ssize_t n = recv(c->fd, c->buf + c->len, VUNET_REQUEST_MAX + 1 -
			 c->len, 0);
	char *nl;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop_client(c);
		return;
	}
	c->len += (size_t)n;
	while (c->fd >= 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t line = (size_t)(nl - c->buf);
		char *text = line == 0 ? NULL :
			vunet_command_handle(d, c->buf, line);

		if (text != NULL) {
			reply(c, text);
			free(text);
		}
		if (c->fd < 0)
			return;
		memmove(c->buf, nl + 1, c->len - line - 1);
		c->len -= line + 1;
	}
	if (c->len > VUNET_REQUEST_MAX) {
		char *text = vunet_command_handle(d, c->buf, c->len);

		/* the parser says why; the rest of the line is unreadable */
		if (text != NULL) {
			reply(c, text);
			free(text);
		}
		if (c->fd >= 0)
			drop_client(c);
	}
}

void
vunet_ctl_server_poll(struct vunet_ctl_server *s, struct vunet_daemon *d,
		      int timeout_ms)
{
	struct pollfd p[MAX_CLIENTS + 1];
	int idx[MAX_CLIENTS + 1], n = 0;

	p[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	idx[n++] = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0) {
			p[n] = (struct pollfd){ .fd = s->c[i].fd,
						.events = POLLIN };
			idx[n++] = i;
		}
	if (poll(p, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (int i = 1; i < n; i++)
		if (p[i].revents != 0)
			serve_client(s, &s->c[idx[i]], d);
	if (p[0].revents & POLLIN)
		accept_client(s);
}

void
vunet_ctl_server_close(struct vunet_ctl_server *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			drop_client(&s->c[i]);
	close(s->fd);
	unlink(s->path);
	free(s);
}

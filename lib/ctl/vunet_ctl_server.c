/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The control socket: a unix stream socket taking one JSON request per
 * line and answering one JSON line each, on the control thread (so requests
 * are applied one at a time, in order). Who may connect is decided twice:
 * by the socket file's mode and group, and by the peer's credentials.
 *
 * No client can hold the control thread or lock others out: the thread
 * never waits for a client (replies are queued and written as the client
 * reads them), a client may not have a request unfinished or a reply
 * unread for longer than REQUEST_TIMEOUT_MS at a stretch (whatever it
 * sends or reads meanwhile), idle clients go after IDLE_TIMEOUT_MS, and
 * when every slot is taken a new client takes the slot of the one that
 * has been idle longest.
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

#include "vunet_clock.h"
#include "vunet_ctl.h"
#include "vunet_ctl_log.h"
#include "vunet_unix.h"

RTE_LOG_REGISTER(vunet_logtype_ctl, vunet.ctl, INFO);

#define MAX_CLIENTS 16
#define REQUEST_TIMEOUT_MS 5000
#define IDLE_TIMEOUT_MS 60000

struct client {
	int fd;
	size_t len;
	char *buf;           /* VUNET_REQUEST_MAX + 1 */
	char *out;           /* reply not yet written, NUL-terminated */
	size_t out_off;
	uint64_t since_ms;   /* connected, or last had nothing pending */
	/*
	 * Since when it has had a request unfinished or a reply unread without
	 * a break (0: nothing pending). Absolute: a client that keeps a
	 * partial line or a reply going, a byte at a time or a line behind
	 * the other, still loses its slot after REQUEST_TIMEOUT_MS.
	 */
	uint64_t busy_ms;
};

struct vunet_ctl_server {
	int fd;
	char path[VUNET_SOCK_PATH_MAX];
	dev_t dev;              /* the socket file we made, to remove it */
	ino_t ino;
	gid_t gid;
	bool has_group;
	struct client c[MAX_CLIENTS];
};

static void
drop_client(struct client *c)
{
	close(c->fd);
	free(c->buf);
	free(c->out);
	c->fd = -1;
	c->buf = NULL;
	c->out = NULL;
	c->len = 0;
}

/* The folder the socket is in, opened without following its last link. */
static int
open_parent(const char *path, const char **base)
{
	char dir[VUNET_SOCK_PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * Give the socket file just bound its group, through its folder and
 * without following a link (a member of a group-writable folder could
 * swap one in: it would get only its own file changed), and remember it,
 * so that only this socket is ever removed.
 */
static int
own_socket(struct vunet_ctl_server *s)
{
	const char *base;
	struct stat st;
	int dir = open_parent(s->path, &base), ret = -1;

	if (dir < 0)
		return -1;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto out;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		goto out;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (!s->has_group || fchownat(dir, base, (uid_t)-1, s->gid,
				      AT_SYMLINK_NOFOLLOW) == 0)
		ret = 0;
out:
	close(dir);
	return ret;
}

/* Remove the socket file only if it is still the one we made. */
static void
remove_socket(const struct vunet_ctl_server *s)
{
	const char *base;
	struct stat st;
	int dir = open_parent(s->path, &base);

	if (dir < 0)
		return;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlinkat(dir, base, 0);
	close(dir);
}

struct vunet_ctl_server *
vunet_ctl_server_open(const char *path, const char *group, char *err,
		      size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vunet_ctl_server *s;
	mode_t old;
	int stale;

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
	stale = vunet_unix_clear_stale(AT_FDCWD, path);
	if (stale < 0) {
		snprintf(err, errlen, "control socket %s: %s", path,
			 stale == -EADDRINUSE ? "another vunetd answers on it" :
			 stale == -EEXIST ? "exists and is not a socket" :
			 strerror(-stale));
		free(s);
		return NULL;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0);
	if (s->fd < 0)
		goto fail;
	/* the mode comes with the file: nothing is set through its path */
	old = umask(s->has_group ? 0117 : 0177);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (own_socket(s) < 0 || listen(s->fd, MAX_CLIENTS) < 0)
		goto fail_unlink;
	CTL_LOG(INFO, "listening on %s (mode %s)", path,
		s->has_group ? "0660" : "0600");
	return s;

fail_unlink:
	remove_socket(s);
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

/* Write what the client takes of its reply; drop it on a dead socket. */
static void
flush_reply(struct client *c)
{
	size_t len = strlen(c->out);

	while (c->out_off < len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			return;
		} else {
			drop_client(c);
			return;
		}
	}
	free(c->out);
	c->out = NULL;
	c->out_off = 0;
}

/* Queue text and its newline (text is taken over). */
static void
reply(struct client *c, char *text)
{
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);

	if (line == NULL) {
		free(text);
		drop_client(c);
		return;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	c->out = line;
	c->out_off = 0;
	flush_reply(c);
}

/* With every slot taken: the client idle longest, or NULL if all work. */
static struct client *
idlest(struct vunet_ctl_server *s)
{
	struct client *best = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->c[i];

		if (c->busy_ms != 0)
			continue;
		if (best == NULL || c->since_ms < best->since_ms)
			best = c;
	}
	return best;
}

static void
accept_client(struct vunet_ctl_server *s)
{
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;
	uid_t uid = (uid_t)-1;
	bool allowed;

	if (fd < 0)
		return;
	allowed = peer_allowed(s, fd, &uid);
	for (int i = 0; i < MAX_CLIENTS && c == NULL; i++)
		if (s->c[i].fd < 0)
			c = &s->c[i];
	/* only a client who may connect makes room */
	if (c == NULL && allowed) {
		c = idlest(s);
		if (c != NULL) {
			CTL_LOG(WARNING, "%d clients: the one "
				"idle longest makes room", MAX_CLIENTS);
			drop_client(c);
		}
	}
	if (!allowed || c == NULL) {
		char msg[128];

		snprintf(msg, sizeof(msg), "{\"ok\": false, \"error\": \"%s\"}"
			 "\n", allowed ? "too many control clients" :
			 "permission denied");
		if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) <
		    0)
			CTL_LOG(DEBUG, "refusal not sent");
		CTL_LOG(WARNING, "refused a client (uid %d)"
			": %s", (int)uid, allowed ? "too many clients" :
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
	c->busy_ms = 0;
	c->since_ms = vunet_now_ms();
}

/* Answer the whole requests c has sent, one at a time. */
static void
handle_lines(struct client *c, struct vunet_daemon *d)
{
	char *nl;

	/* the next waits until the reply to this one is read */
	while (c->fd >= 0 && c->out == NULL &&
	       (nl = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t line = (size_t)(nl - c->buf);
		char *text = line == 0 ? NULL :
			vunet_command_handle(d, c->buf, line);

		memmove(c->buf, nl + 1, c->len - line - 1);
		c->len -= line + 1;
		if (text != NULL)
			reply(c, text);
	}
	if (c->fd >= 0 && c->out == NULL && c->len > VUNET_REQUEST_MAX) {
		char *text = vunet_command_handle(d, c->buf, c->len);

		/* the parser says why; the rest of the line is unreadable */
		c->len = 0;
		if (text != NULL)
			reply(c, text);
		if (c->fd >= 0)
			drop_client(c);
	}
}

/* Nothing pending any more: the busy clock stops, the idle one starts. */
static void
settle(struct client *c)
{
	if (c->fd >= 0 && c->len == 0 && c->out == NULL && c->busy_ms != 0) {
		c->busy_ms = 0;
		c->since_ms = vunet_now_ms();
	}
}

static void
serve_client(struct client *c, struct vunet_daemon *d)
{
	ssize_t n;

	if (c->out != NULL) {
		flush_reply(c);
		if (c->fd >= 0 && c->out == NULL)
			handle_lines(c, d);
		settle(c);
		return;
	}
	n = recv(c->fd, c->buf + c->len, VUNET_REQUEST_MAX + 1 - c->len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop_client(c);
		return;
	}
	if (c->busy_ms == 0)
		c->busy_ms = vunet_now_ms();
	c->len += (size_t)n;
	handle_lines(c, d);
	settle(c);
}

/* Clients past a deadline go; their slots are free again. */
static void
expire_clients(struct vunet_ctl_server *s)
{
	uint64_t now = vunet_now_ms();

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->c[i];
		const char *why = NULL;

		if (c->fd < 0)
			continue;
		if (c->busy_ms != 0 && now - c->busy_ms > REQUEST_TIMEOUT_MS)
			why = c->out != NULL ? "does not read its reply" :
			      "does not finish its request";
		else if (c->busy_ms == 0 && now - c->since_ms > IDLE_TIMEOUT_MS)
			why = "idle";
		if (why == NULL)
			continue;
		CTL_LOG(INFO, "dropped a client: %s", why);
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
	expire_clients(s);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0) {
			p[n] = (struct pollfd){ .fd = s->c[i].fd,
				.events = s->c[i].out != NULL ? POLLOUT :
					  POLLIN };
			idx[n++] = i;
		}
	if (poll(p, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (int i = 1; i < n; i++)
		if (p[i].revents != 0)
			serve_client(&s->c[idx[i]], d);
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
	remove_socket(s);
	free(s);
}

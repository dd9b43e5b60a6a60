/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * --fd: rte_vhost 22.11 only takes socket paths, so the inherited,
 * already-connected socket is joined to a private server socket by a relay
 * thread. vhost-user passes file descriptors (memory, eventfds) with
 * SCM_RIGHTS: each chunk is forwarded with the descriptors that came with
 * it, and the kernel never merges stream data across such a boundary, so
 * every descriptor stays with its message.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd_relay.h"

#define RELAY_MAX_FDS 8   /* VHOST_MEMORY_BASELINE_NREGIONS */
#define RELAY_BUF 4096

struct relay {
	int a, b;
	void (*done)(void);
};

static struct relay relay;

/* Move one chunk from 'from' to 'to'; returns bytes moved, 0 at EOF. */
static ssize_t
pass(int from, int to)
{
	char buf[RELAY_BUF];
	char cbuf[CMSG_SPACE(sizeof(int) * RELAY_MAX_FDS)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fds[RELAY_MAX_FDS], n_fds = 0;
	ssize_t n, sent;

	n = recvmsg(from, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) /
				      sizeof(int));

			for (int i = 0; i < k && n_fds < RELAY_MAX_FDS; i++)
				memcpy(&fds[n_fds++],
				       CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
		}
	iov.iov_len = (size_t)n;
	msg.msg_flags = 0;
	if (n_fds > 0) {
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	} else {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	sent = sendmsg(to, &msg, MSG_NOSIGNAL);
	/* the receiver has its own copies now */
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	if (sent < 0)
		return -1;
	/* a chunk larger than one sendmsg took: send the rest */
	while (sent < n) {
		ssize_t more = send(to, buf + sent, (size_t)(n - sent),
				    MSG_NOSIGNAL);

		if (more <= 0)
			return -1;
		sent += more;
	}
	return n;
}

static void *
relay_main(void *arg)
{
	struct relay *r = arg;
	struct pollfd p[2] = { { .fd = r->a, .events = POLLIN },
			       { .fd = r->b, .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[0].revents && pass(r->a, r->b) <= 0) ||
		    (p[1].revents && pass(r->b, r->a) <= 0))
			break;
	}
	close(r->a);
	close(r->b);
	r->done();
	return NULL;
}

int
fd_relay_start(int fd, const char *path, void (*done)(void), char *err,
	       size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;
	int s;

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path,
			 strerror(errno));
		close(s);
		return -1;
	}
	relay = (struct relay){ .a = fd, .b = s, .done = done };
	if (pthread_create(&t, NULL, relay_main, &relay) != 0) {
		snprintf(err, errlen, "cannot start the relay thread");
		close(s);
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * --fd: rte_vhost 22.11 only takes socket paths, so the inherited,
 * already-connected socket is joined to a private server socket by a relay
 * thread. vhost-user passes file descriptors (memory, eventfds) with
 * SCM_RIGHTS, and a stream read may run from one message into the next, so
 * the relay forwards whole messages: it reads exactly one header, then
 * exactly its payload, and sends them on with the descriptors that came in
 * with them. A read that stops at a message's end never takes the next
 * message's descriptors.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd_relay.h"

#define RELAY_MAX_FDS 8      /* VHOST_MEMORY_BASELINE_NREGIONS */
#define RELAY_HDR 12         /* request, flags, size */
#define RELAY_MAX_PAYLOAD 4096

struct relay {
	int a, b;
	void (*done)(void);
};

static struct relay relay;

/* Read exactly len bytes, collecting descriptors. 0 at EOF, -1 error. */
static int
read_full(int fd, char *buf, size_t len, int *fds, int *n_fds)
{
	size_t got = 0;

	while (got < len) {
		char cbuf[CMSG_SPACE(sizeof(int) * RELAY_MAX_FDS)];
		struct iovec iov = { .iov_base = buf + got,
				     .iov_len = len - got };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && got == 0 ? 0 : -1;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			int k;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int one;

				memcpy(&one, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
				if (*n_fds < RELAY_MAX_FDS)
					fds[(*n_fds)++] = one;
				else
					close(one);
			}
		}
		got += (size_t)n;
	}
	return 1;
}

/* Forward one message; returns 1, 0 when from closed, -1 on error. */
static int
pass(int from, int to)
{
	char buf[RELAY_HDR + RELAY_MAX_PAYLOAD];
	char cbuf[CMSG_SPACE(sizeof(int) * RELAY_MAX_FDS)];
	int fds[RELAY_MAX_FDS], n_fds = 0, ret;
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint32_t size;
	ssize_t sent;

	ret = read_full(from, buf, RELAY_HDR, fds, &n_fds);
	if (ret <= 0)
		goto out;
	memcpy(&size, buf + 8, sizeof(size));
	ret = -1;
	if (size > RELAY_MAX_PAYLOAD ||
	    (size != 0 && read_full(from, buf + RELAY_HDR, size, fds,
				    &n_fds) <= 0))
		goto out;
	iov.iov_len = RELAY_HDR + size;
	if (n_fds > 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	sent = sendmsg(to, &msg, MSG_NOSIGNAL);
	/* the rest of a long message goes without descriptors */
	while (sent > 0 && (size_t)sent < iov.iov_len) {
		ssize_t more = send(to, buf + sent, iov.iov_len - (size_t)sent,
				    MSG_NOSIGNAL);

		sent = more <= 0 ? -1 : sent + more;
	}
	ret = sent < 0 ? -1 : 1;
out:
	/* the receiver has its own copies now */
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	return ret;
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

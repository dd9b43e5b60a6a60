/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunetd --fd's relay: messages queued back to back, one without and one
 * with a descriptor, come out as two messages with the descriptor on the
 * second, whatever the kernel's stream reads would merge.
 */

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd_relay.h"
#include "tap.h"

static volatile int relay_done;

static void
on_done(void)
{
	relay_done = 1;
}

static void
send_msg(int s, uint32_t request, uint64_t payload, int fd)
{
	char buf[20], cbuf[CMSG_SPACE(sizeof(int))];
	uint32_t head[3] = { request, 1, 8 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, head, 12);
	memcpy(buf + 12, &payload, 8);
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	CHECK_EQ(sendmsg(s, &msg, 0), 20);
}

/* Receive exactly one 20-byte message; returns its descriptor count. */
static int
recv_msg(int s, uint32_t *request)
{
	char buf[20], cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int n_fds = 0;

	CHECK_EQ(recvmsg(s, &msg, MSG_WAITALL), 20);
	memcpy(request, buf, 4);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		for (int i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		n_fds += k;
	}
	return n_fds;
}

static void
descriptors_stay_with_their_message(void)
{
	char dir[] = "/tmp/vunet-relay-XXXXXX", path[64], err[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int pair[2], srv, conn, efd = eventfd(0, 0);
	uint32_t req;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(srv, 1), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	/* both queued before the relay reads: one stream read takes both */
	send_msg(pair[0], 16, 8, -1);
	send_msg(pair[0], 13, 0, efd);
	CHECK_EQ(fd_relay_start(pair[1], path, on_done, err, sizeof(err)), 0);
	conn = accept(srv, NULL, NULL);
	CHECK(conn >= 0);
	CHECK_EQ(recv_msg(conn, &req), 0);
	CHECK_EQ(req, 16);
	CHECK_EQ(recv_msg(conn, &req), 1);
	CHECK_EQ(req, 13);
	/* and back */
	send_msg(conn, 13, 1, -1);
	CHECK_EQ(recv_msg(pair[0], &req), 0);
	CHECK_EQ(req, 13);
	/* the front-end leaves: the relay ends and says so */
	close(pair[0]);
	for (int i = 0; i < 200 && !relay_done; i++)
		usleep(10000);
	CHECK(relay_done);
	close(conn);
	close(srv);
	close(efd);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	RUN(descriptors_stay_with_their_message);
	return TAP_DONE();
}

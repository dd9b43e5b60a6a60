/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The vhost-user relay against front-ends that misbehave, with a plain
 * listening socket standing in for rte_vhost: whole messages with their
 * own descriptors, a stall in the middle of a message, replies nobody
 * reads, descriptors a message may not carry, impossible sizes, a second
 * front-end, client mode's reconnection. Each cut is counted, and one
 * port's trouble never delays another's messages.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "vunet_memguard.h"
#include "vunet_relay.h"
#include "vunet_vhu_msg.h"

static struct vunet_relay_conf conf = {
	.msg_timeout_ms = 300,
	.reply_timeout_ms = 300,
	.max_queued = 4096,
	.reconnect_ms = 100,
};

#define ALL UINT64_MAX
#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))
#define REPLY_FLAGS 5          /* version 1, a reply */
#define NEED_REPLY 8

static char dir[] = "/tmp/vunet-relay-XXXXXX";
static struct vunet_relay *relay;

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int
listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	unlink(path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 8) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* accept within ms, or -1 */
static int
accept_within(int srv, int ms)
{
	struct pollfd p = { .fd = srv, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept(srv, NULL, NULL);
}

static void
send_flags(int s, uint32_t request, uint32_t flags, uint64_t payload,
	   const int *fds, int n)
{
	char buf[20], cbuf[CMSG_SPACE(sizeof(int) * 16)];
	uint32_t head[3] = { request, flags, 8 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, head, 12);
	memcpy(buf + 12, &payload, 8);
	if (n > 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	CHECK_EQ(sendmsg(s, &msg, MSG_NOSIGNAL), 20);
}

static void
send_msg(int s, uint32_t request, uint64_t payload, const int *fds, int n)
{
	send_flags(s, request, 1, payload, fds, n);
}

/* the back-end's answer to request (an ack: 0 done, 1 refused) */
static void
answer(int s, uint32_t request, uint64_t value)
{
	send_flags(s, request, REPLY_FLAGS, value, NULL, 0);
}

/*
 * One 20-byte message within ms: its request, or -1. Its descriptors are
 * counted into *n_fds and closed.
 */
static uint32_t last_flags;

static int
recv_msg(int s, int ms, int *n_fds)
{
	char buf[20], cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct pollfd p = { .fd = s, .events = POLLIN };
	struct cmsghdr *c;
	uint32_t request;

	*n_fds = 0;
	if (poll(&p, 1, ms) != 1 || recvmsg(s, &msg, MSG_WAITALL) != 20)
		return -1;
	memcpy(&request, buf, 4);
	memcpy(&last_flags, buf + 4, 4);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		for (int i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		*n_fds += k;
	}
	return (int)request;
}

/* the peer closed within ms */
static bool
closed_within(int s, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char c;

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(s, &c, 1, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN))
			return true;
	}
	return false;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/*
 * The descriptors open once nothing is in flight: the relay thread may
 * still be finishing a join when a test starts counting (seen under heavy
 * load: one descriptor fewer at the end than at a start counted
 * mid-join). Settled: the same count 10 ms apart.
 */
static int
settled_fds(void)
{
	int n = open_fds(), m;

	for (int i = 0; i < 100; i++) {
		usleep(10000);
		m = open_fds();
		if (m == n)
			break;
		n = m;
	}
	return n;
}

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A server port: its public socket, its back-end, a connected front-end. */
struct rig {
	int handle, backend, front, conn;
	char pub[128], back[128];
};

static void
rig_up_only(struct rig *g, const char *name, uint64_t requests)
{
	char err[256];

	snprintf(g->pub, sizeof(g->pub), "%s/%s.sock", dir, name);
	snprintf(g->back, sizeof(g->back), "%s/%s.back", dir, name);
	g->backend = listen_at(g->back);
	CHECK(g->backend >= 0);
	g->handle = vunet_relay_add(relay, name, strrchr(g->pub, '/') + 1,
				    false, g->back, requests, -1, 0600, err,
				    sizeof(err));
	CHECK(g->handle >= 0);
	g->front = connect_to(g->pub);
	CHECK(g->front >= 0);
	g->conn = accept_within(g->backend, 2000);
	CHECK(g->conn >= 0);
}

static void
rig_up(struct rig *g, const char *name)
{
	rig_up_only(g, name, ALL);
}

static void
rig_down(struct rig *g)
{
	vunet_relay_del(relay, g->handle);
	close(g->front);
	close(g->conn);
	close(g->backend);
	unlink(g->back);
}

/* g's front-end was cut and nothing reached its back-end: its counters */
static struct vunet_relay_stats
cut_off(struct rig *g)
{
	struct vunet_relay_stats st;
	int n;

	CHECK(closed_within(g->front, 1000));
	CHECK_EQ(recv_msg(g->conn, 100, &n), -1);
	vunet_relay_stats(relay, g->handle, &st);
	return st;
}

/* Messages queued back to back keep their own descriptors, both ways. */
static void
descriptors_stay_with_their_message(void)
{
	struct rig g;
	int efd = eventfd(0, 0), n;

	rig_up(&g, "a");
	send_msg(g.front, 16, 8, NULL, 0);
	send_msg(g.front, 13, 0, &efd, 1);
	CHECK_EQ(recv_msg(g.conn, 1000, &n), 16);
	CHECK_EQ(n, 0);
	/* one at a time: the next only once this one is answered */
	CHECK_EQ(recv_msg(g.conn, 200, &n), -1);
	answer(g.conn, 16, 0);
	CHECK_EQ(recv_msg(g.conn, 1000, &n), 13);
	CHECK_EQ(n, 1);
	/* the front-end asked for no answer: the relay did, for itself */
	CHECK_EQ(last_flags & NEED_REPLY, NEED_REPLY);
	answer(g.conn, 13, 0);
	CHECK_EQ(recv_msg(g.front, 200, &n), -1);
	/* one it asks for is its own */
	send_flags(g.front, 13, 1 | NEED_REPLY, 0, &efd, 1);
	CHECK_EQ(recv_msg(g.conn, 1000, &n), 13);
	answer(g.conn, 13, 0);
	CHECK_EQ(recv_msg(g.front, 1000, &n), 13);
	/* the front-end leaves: so does its back-end connection */
	close(g.front);
	CHECK(closed_within(g.conn, 1000));
	g.front = -1;
	rig_down(&g);
	close(efd);
}

/*
 * Descriptors a message may not carry are closed by the relay: 1000
 * GET_QUEUE_NUM with 8 each leave no descriptor open here, and the back-end
 * sees none.
 */
static void
extra_descriptors_are_closed(void)
{
	struct vunet_relay_stats st;
	int fds[8], before, n, seen = 0, all = 0;
	struct rig g;

	rig_up(&g, "b");
	for (int i = 0; i < 8; i++)
		fds[i] = eventfd(0, 0);
	before = settled_fds();
	for (int i = 0; i < 1000; i++) {
		send_msg(g.front, 17, 0, fds, 8);
		if (recv_msg(g.conn, 1000, &n) == 17)
			all++;
		seen += n;
		answer(g.conn, 17, 4);
		CHECK_EQ(recv_msg(g.front, 1000, &n), 17);
	}
	CHECK_EQ(all, 1000);
	CHECK_EQ(seen, 0);
	vunet_relay_stats(relay, g.handle, &st);
	CHECK_EQ(st.fds_closed, 8000);
	CHECK_EQ(st.messages, 1000);
	CHECK_EQ(settled_fds(), before);
	/* one per region of SET_MEM_TABLE: 2 regions, 3 sent */
	for (int i = 0; i < 3; i++) {
		close(fds[i]);
		fds[i] = memfd_create("guest", 0);
		CHECK_EQ(ftruncate(fds[i], 8192), 0);
	}
	{
		char buf[12 + 8 + 64], cbuf[CMSG_SPACE(sizeof(int) * 3)];
		uint32_t head[3] = { 5, 1, 72 }, count[2] = { 2, 0 };
		uint64_t regions[2][4] = { { 0, 4096, 0x10000, 0 },
					   { 4096, 4096, 0x20000, 0 } };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		char got[sizeof(buf)];

		memcpy(buf, head, 12);
		memcpy(buf + 12, count, 8);
		memcpy(buf + 20, regions, 64);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * 3);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * 3);
		CHECK_EQ(sendmsg(g.front, &m, 0), (ssize_t)sizeof(buf));
		iov.iov_base = got;
		m.msg_controllen = sizeof(cbuf);
		CHECK_EQ(recvmsg(g.conn, &m, MSG_WAITALL), (ssize_t)sizeof(buf));
		/* as sent, but for the answer the relay asks of rte_vhost */
		buf[4] |= NEED_REPLY;
		CHECK(memcmp(got, buf, sizeof(buf)) == 0);
		c = CMSG_FIRSTHDR(&m);
		CHECK(c != NULL && c->cmsg_len == CMSG_LEN(sizeof(int) * 2));
		if (c != NULL && c->cmsg_len == CMSG_LEN(sizeof(int) * 2)) {
			int two[2];

			memcpy(two, CMSG_DATA(c), sizeof(two));
			close(two[0]);
			close(two[1]);
		}
	}
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	rig_down(&g);
}

/*
 * A front-end stuck in the middle of a message is cut off after the
 * timeout; meanwhile another port's messages pass at once.
 */
static void
a_stalled_message_is_cut_and_nobody_waits(void)
{
	uint32_t head[3] = { 1, 1, 8 };
	struct vunet_relay_stats st;
	struct rig stuck, other;
	uint64_t t0, dt;
	int n;

	rig_up(&stuck, "stuck");
	rig_up(&other, "other");
	CHECK_EQ(send(stuck.front, head, 12, 0), 12);
	t0 = ms_now();
	send_msg(other.front, 1, 0, NULL, 0);
	CHECK_EQ(recv_msg(other.conn, 1000, &n), 1);
	dt = ms_now() - t0;
	CHECK(dt < 100);
	/* nothing of the stuck message reached its back-end */
	CHECK_EQ(recv_msg(stuck.conn, 100, &n), -1);
	CHECK(closed_within(stuck.front, 2000));
	CHECK(closed_within(stuck.conn, 1000));
	dt = ms_now() - t0;
	CHECK(dt >= 250 && dt < 1500);
	vunet_relay_stats(relay, stuck.handle, &st);
	CHECK_EQ(st.cut_stalled, 1);
	CHECK(!st.connected);
	/* the port itself stays: a new front-end is served */
	close(stuck.front);
	close(stuck.conn);
	stuck.front = connect_to(stuck.pub);
	stuck.conn = accept_within(stuck.backend, 2000);
	CHECK(stuck.conn >= 0);
	send_msg(stuck.front, 1, 0, NULL, 0);
	CHECK_EQ(recv_msg(stuck.conn, 1000, &n), 1);
	rig_down(&stuck);
	rig_down(&other);
}

/*
 * Replies a front-end does not read are taken from the back-end at once
 * (it never blocks) and the front-end is cut off when they pile up.
 */
static void
unread_replies_cut_the_front_end_not_the_back_end(void)
{
	struct vunet_relay_stats st;
	struct rig g;
	int sent = 0;

	rig_up(&g, "deaf");
	fcntl(g.conn, F_SETFL, O_NONBLOCK);
	/* far more than the 4 KiB the relay queues, plus socket buffers */
	for (int i = 0; i < 200000; i++) {
		uint32_t msg[5] = { 1, 5, 8, 0, 0 };
		ssize_t n = send(g.conn, msg, sizeof(msg), MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (n < 0)
			break;
		sent++;
	}
	CHECK(sent > 4096 / 20);
	CHECK(closed_within(g.front, 2000));
	vunet_relay_stats(relay, g.handle, &st);
	CHECK_EQ(st.cut_backlog, 1);
	rig_down(&g);
}

/* A header announcing an impossible payload is cut at once. */
static void
an_impossible_size_is_cut(void)
{
	uint32_t head[3] = { 1, 1, 1u << 20 };
	struct rig g;

	rig_up(&g, "huge");
	CHECK_EQ(send(g.front, head, 12, 0), 12);
	CHECK_EQ(cut_off(&g).cut_malformed, 1);
	rig_down(&g);
}

/* SET_MEM_TABLE with one region: offset and size of the file fd */
static void
send_table(int s, int fd, uint64_t offset, uint64_t size)
{
	char buf[12 + 8 + 32], cbuf[CMSG_SPACE(sizeof(int))];
	uint32_t head[3] = { 5, 1, 40 }, count[2] = { 1, 0 };
	uint64_t region[4] = { 0, size, 0x10000, offset };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memcpy(buf, head, 12);
	memcpy(buf + 12, count, 8);
	memcpy(buf + 20, region, 32);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK_EQ(sendmsg(s, &m, MSG_NOSIGNAL), (ssize_t)sizeof(buf));
}

/*
 * Memory regions rte_vhost 22.11 would refuse while keeping their
 * descriptor (empty, or wrapping around) never reach it.
 */
static void
unmappable_regions_are_cut(void)
{
	/* offset, size: empty, and wrapping around */
	uint64_t regions[2][2] = { { 0, 0 }, { UINT64_MAX - 100, 4096 } };
	int efd = eventfd(0, 0);

	for (int i = 0; i < 2; i++) {
		struct rig g;

		rig_up(&g, i ? "wrap" : "empty");
		send_table(g.front, efd, regions[i][0], regions[i][1]);
		CHECK_EQ(cut_off(&g).cut_malformed, 1);
		rig_down(&g);
	}
	close(efd);
}

/* One front-end per port: a second one is closed, the first goes on. */
static void
a_second_front_end_is_refused(void)
{
	struct vunet_relay_stats st;
	struct rig g;
	int second, n;

	rig_up(&g, "one");
	second = connect_to(g.pub);
	CHECK(second >= 0);
	CHECK(closed_within(second, 1000));
	close(second);
	send_msg(g.front, 1, 0, NULL, 0);
	CHECK_EQ(recv_msg(g.conn, 1000, &n), 1);
	vunet_relay_stats(relay, g.handle, &st);
	CHECK_EQ(st.refused, 1);
	CHECK_EQ(st.connections, 1);
	/* one that leaves and comes straight back is taken, not refused */
	for (int round = 0; round < 20; round++) {
		close(g.front);
		g.front = connect_to(g.pub);
		CHECK(closed_within(g.conn, 1000));
		close(g.conn);
		g.conn = accept_within(g.backend, 1000);
		CHECK(g.conn >= 0);
		send_msg(g.front, 1, 0, NULL, 0);
		CHECK_EQ(recv_msg(g.conn, 1000, &n), 1);
	}
	vunet_relay_stats(relay, g.handle, &st);
	CHECK_EQ(st.refused, 1);
	CHECK_EQ(st.connections, 21);
	rig_down(&g);
	/* and the socket file is gone with the port */
	CHECK(access(g.pub, F_OK) < 0);
}

/* Client mode: the relay connects, and again after the front-end left. */
static void
client_mode_reconnects(void)
{
	char qemu[128], back[128], err[256];
	int srv, bsrv, h, front, conn, n;

	path_of(qemu, sizeof(qemu), "qemu.sock");
	path_of(back, sizeof(back), "c.back");
	bsrv = listen_at(back);
	h = vunet_relay_add(relay, "c", "qemu.sock", true, back, ALL, -1, 0600,
			    err, sizeof(err));
	CHECK(h >= 0);
	usleep(150000);        /* nobody there yet: it waits */
	srv = listen_at(qemu);
	for (int round = 0; round < 2; round++) {
		front = accept_within(srv, 2000);
		CHECK(front >= 0);
		conn = accept_within(bsrv, 2000);
		CHECK(conn >= 0);
		send_msg(front, 1, 0, NULL, 0);
		CHECK_EQ(recv_msg(conn, 1000, &n), 1);
		close(front);
		CHECK(closed_within(conn, 1000));
		close(conn);
	}
	vunet_relay_del(relay, h);
	/* a client port never removes QEMU's socket */
	CHECK(access(qemu, F_OK) == 0);
	close(srv);
	close(bsrv);
	unlink(qemu);
	unlink(back);
}

/* A live server socket is never taken over; a stale one is. */
static void
live_sockets_are_kept_stale_ones_replaced(void)
{
	char path[128], err[256];
	int live, h;

	path_of(path, sizeof(path), "taken.sock");
	live = listen_at(path);
	h = vunet_relay_add(relay, "t", "taken.sock", false, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK_EQ(h, -EADDRINUSE);
	CHECK_STR_HAS(err, "in use by another process");
	close(live);           /* the file stays, nobody answers */
	h = vunet_relay_add(relay, "t", "taken.sock", false, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK(h >= 0);
	vunet_relay_del(relay, h);
	CHECK(access(path, F_OK) < 0);
}

/* a server socket gets the group and mode asked for, nothing more */
static void
server_sockets_get_their_group_and_mode(void)
{
	char path[128], err[256];
	struct stat st;
	int h;

	path_of(path, sizeof(path), "shared.sock");
	h = vunet_relay_add(relay, "g", "shared.sock", false, "/nonexistent",
			    ALL, 12345, 0660, err, sizeof(err));
	CHECK(h >= 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0660);
	CHECK_EQ(st.st_gid, 12345);
	vunet_relay_del(relay, h);
	h = vunet_relay_add(relay, "o", "own.sock", false, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK(h >= 0);
	path_of(path, sizeof(path), "own.sock");
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_gid, getegid());
	vunet_relay_del(relay, h);
}

/*
 * Symbolic links lead nowhere: one in the socket's place is neither
 * connected to (client) nor replaced (server), and a path is refused.
 */
static void
symbolic_links_are_not_followed(void)
{
	char target[128], link[128], err[256];
	int srv, h, got;

	path_of(target, sizeof(target), "elsewhere.sock");
	path_of(link, sizeof(link), "link.sock");
	srv = listen_at(target);
	CHECK_EQ(symlink(target, link), 0);
	h = vunet_relay_add(relay, "l", "link.sock", false, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK_EQ(h, -EEXIST);
	CHECK_STR_HAS(err, "exists and is not a socket");
	h = vunet_relay_add(relay, "l", "link.sock", true, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK(h >= 0);
	got = accept_within(srv, 400);   /* 4 reconnection periods */
	CHECK_EQ(got, -1);
	vunet_relay_del(relay, h);
	CHECK_EQ(access(link, F_OK), 0); /* not removed either */
	h = vunet_relay_add(relay, "l", "../x.sock", false, "/nonexistent",
			    ALL, -1, 0600, err, sizeof(err));
	CHECK_EQ(h, -EINVAL);
	close(srv);
	unlink(link);
	unlink(target);
}


/*
 * A request the port does not admit never reaches the back-end: the
 * front-end is cut at once, and counted.
 */
static void
requests_the_profile_does_not_offer_are_cut(void)
{
	uint32_t requests[] = { VUNET_VHU_POSTCOPY_LISTEN,
				VUNET_VHU_GET_INFLIGHT_FD,
				VUNET_VHU_SET_BACKEND_REQ_FD, 99, 0 };
	struct vunet_relay_stats st;

	for (unsigned int i = 0; i < RTE_DIM(requests); i++) {
		struct rig g;

		rig_up_only(&g, "offer", 1ULL << VUNET_VHU_GET_FEATURES);
		send_msg(g.front, requests[i], 0, NULL, 0);
		st = cut_off(&g);
		CHECK_EQ(st.cut_request, 1);
		CHECK_EQ(st.messages, 0);
		rig_down(&g);
	}
	/* what the v1 profile offers, and what it does not */
	uint64_t v1 = vunet_vhu_admitted(1ULL << 30 | 1ULL << 32,
					 0x1f /* MQ .. NET_MTU */);

	CHECK(v1 >> VUNET_VHU_SET_MEM_TABLE & 1);
	CHECK(v1 >> VUNET_VHU_SET_LOG_BASE & 1);
	CHECK(v1 >> VUNET_VHU_GET_QUEUE_NUM & 1);
	CHECK(v1 >> VUNET_VHU_SET_VRING_ENABLE & 1);
	CHECK(!(v1 >> VUNET_VHU_POSTCOPY_LISTEN & 1));
	CHECK(!(v1 >> VUNET_VHU_SET_BACKEND_REQ_FD & 1));
	CHECK(!(v1 >> VUNET_VHU_GET_INFLIGHT_FD & 1));
	CHECK(!(v1 >> VUNET_VHU_SET_STATUS & 1));
	CHECK(!(vunet_vhu_admitted(0, 0) >> VUNET_VHU_SET_VRING_ENABLE & 1));
}

/* open a descriptor of each kind a front-end could pass for an eventfd */
static int
wrong_kind(int k, int *other)
{
	int p[2], fd = -1;

	*other = -1;
	switch (k) {
	case 0:
		CHECK_EQ(pipe(p), 0);
		*other = p[0];
		return p[1];
	case 1:
		CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
		*other = p[1];
		return p[0];
	case 2: {
		char path[160];

		path_of(path, sizeof(path), "regular");
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(path);
		return fd;
	}
	case 3:
		return open("/dev/null", O_RDWR);
	default:
		return memfd_create("not-an-eventfd", 0);
	}
}

/*
 * Kick, call and error descriptors are eventfds, or the front-end is cut;
 * a blocking eventfd is made non-blocking before rte_vhost writes to it.
 */
static void
interrupt_descriptors_must_be_eventfds(void)
{
	uint32_t requests[] = { 12, 13, 14 };
	struct rig g;
	int n, efd;

	for (int k = 0; k < 5; k++)
		for (unsigned int i = 0; i < RTE_DIM(requests); i++) {
			int other, fd = wrong_kind(k, &other);

			CHECK(fd >= 0);
			rig_up(&g, "kind");
			send_msg(g.front, requests[i], 0, &fd, 1);
			CHECK_EQ(cut_off(&g).cut_descriptor, 1);
			rig_down(&g);
			close(fd);
			if (other >= 0)
				close(other);
		}
	/* a blocking eventfd at its maximum: taken, but it will not block */
	efd = eventfd(0, 0);
	CHECK_EQ(eventfd_write(efd, 0xfffffffffffffffeULL), 0);
	rig_up(&g, "kind");
	send_msg(g.front, 13, 0, &efd, 1);
	CHECK_EQ(recv_msg(g.conn, 1000, &n), 13);
	CHECK_EQ(n, 1);
	CHECK(fcntl(efd, F_GETFL) & O_NONBLOCK);
	CHECK(eventfd_write(efd, 1) < 0 && errno == EAGAIN);
	rig_down(&g);
	close(efd);
}

/*
 * Memory files: regular, as long as their region, mappable; a memfd that
 * allows it is sealed against shrinking.
 */
static void
memory_files_are_checked_and_sealed(void)
{
	struct { const char *what; uint64_t len, off, size; } bad[] = {
		{ "shorter than the region", 4096, 0, 8192 },
		{ "offset past the end", 8192, 8192, 4096 },
		{ "1 << 60 bytes, sparse", 1ULL << 60, 0, 1ULL << 60 },
	};
	struct vunet_relay_stats st;
	struct rig g;
	int fd, efd = eventfd(0, 0);

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		fd = memfd_create("guest", 0);
		CHECK_EQ(ftruncate(fd, (off_t)bad[i].len), 0);
		rig_up(&g, "mem");
		send_table(g.front, fd, bad[i].off, bad[i].size);
		CHECK_EQ(cut_off(&g).cut_descriptor, 1);
		rig_down(&g);
		close(fd);
	}
	/* not a file at all */
	rig_up(&g, "mem");
	send_table(g.front, efd, 0, 4096);
	CHECK(closed_within(g.front, 1000));
	vunet_relay_stats(relay, g.handle, &st);
	CHECK_EQ(st.cut_descriptor, 1);
	rig_down(&g);
	/* a good one, sealable: passed on, and it can shrink no more */
	fd = memfd_create("guest", MFD_ALLOW_SEALING);
	CHECK_EQ(ftruncate(fd, 16384), 0);
	rig_up(&g, "mem");
	send_table(g.front, fd, 4096, 8192);
	{
		char buf[64];

		CHECK_EQ(recv(g.conn, buf, 52, MSG_WAITALL), 52);
	}
	CHECK(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);
	CHECK(ftruncate(fd, 4096) < 0 && errno == EPERM);
	rig_down(&g);
	close(fd);
	close(efd);
}

/*
 * rte_vhost must finish a message once it has read it: if it does not
 * answer in time, the front-end is cut (and its private connection
 * closed). Time it spends on another port's message does not count, and
 * other ports' messages pass meanwhile. An answer saying it refused a
 * message nobody asked an answer for cuts the front-end too.
 */
static void
a_back_end_that_does_not_answer_is_cut(void)
{
	struct vunet_relay_stats st;
	struct rig slow, busy, other;
	uint64_t t0;
	int n;

	rig_up(&slow, "slow");
	rig_up(&busy, "busy");
	rig_up(&other, "other");
	send_msg(slow.front, 2, 0, NULL, 0);
	send_msg(busy.front, 2, 0, NULL, 0);
	CHECK_EQ(recv_msg(slow.conn, 1000, &n), 2);
	t0 = ms_now();
	for (int i = 0; i < 10; i++) {
		send_msg(other.front, 1, 0, NULL, 0);
		CHECK_EQ(recv_msg(other.conn, 1000, &n), 1);
		answer(other.conn, 1, 7);
		CHECK_EQ(recv_msg(other.front, 1000, &n), 1);
	}
	CHECK(ms_now() - t0 < 100);
	CHECK(closed_within(slow.front, 2000));
	CHECK(closed_within(slow.conn, 100));
	CHECK(ms_now() - t0 >= 250);
	vunet_relay_stats(relay, slow.handle, &st);
	CHECK_EQ(st.cut_hung, 1);
	/* busy's back-end read nothing for 600 ms, then answers: fine */
	usleep(300000);
	CHECK_EQ(recv_msg(busy.conn, 1000, &n), 2);
	answer(busy.conn, 2, 0);
	send_msg(busy.front, 8, 0, NULL, 0);
	CHECK_EQ(recv_msg(busy.conn, 1000, &n), 8);
	vunet_relay_stats(relay, busy.handle, &st);
	CHECK_EQ(st.cut_hung, 0);
	/* and refuses this one, which the front-end asked no answer for */
	answer(busy.conn, 8, 1);
	CHECK(closed_within(busy.front, 1000));
	vunet_relay_stats(relay, busy.handle, &st);
	CHECK_EQ(st.cut_request, 1);
	rig_down(&slow);
	rig_down(&busy);
	rig_down(&other);
}

/*
 * A guest file cut short under a mapping: the touch reads zeros instead
 * of killing the process, and the port that gave it is marked.
 */
static void
a_shrunk_memory_file_is_survived(void)
{
	int fd = memfd_create("guest", 0);
	volatile uint8_t *mem;
	struct stat st;

	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(mem != MAP_FAILED);
	mem[8192] = 0x5a;
	CHECK_EQ(fstat(fd, &st), 0);
	vunet_memguard_add(200, 7, st.st_dev, st.st_ino, 4096);
	CHECK_EQ(vunet_memguard_faulted(200, 7), 0);
	CHECK_EQ(ftruncate(fd, 4096), 0);
	CHECK_EQ(mem[8192], 0);        /* SIGBUS without the guard */
	mem[65536] = 1;
	CHECK_EQ(mem[(1 << 20) - 1], 0);
	CHECK_EQ(vunet_memguard_faulted(200, 6), 0); /* an older port's */
	CHECK_EQ(vunet_memguard_faulted(200, 7), 1);
	CHECK_EQ(vunet_memguard_faulted(200, 7), 0);
	CHECK_EQ(vunet_memguard_faults(), 1);
	munmap((void *)(uintptr_t)mem, 1 << 20);
	close(fd);
}

int
main(void)
{
	char err[256];

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	conf.dir = dir;
	conf.dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	relay = vunet_relay_new(&conf, err, sizeof(err));
	if (relay == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	RUN(descriptors_stay_with_their_message);
	RUN(extra_descriptors_are_closed);
	RUN(a_stalled_message_is_cut_and_nobody_waits);
	RUN(unread_replies_cut_the_front_end_not_the_back_end);
	RUN(an_impossible_size_is_cut);
	RUN(unmappable_regions_are_cut);
	RUN(a_second_front_end_is_refused);
	RUN(client_mode_reconnects);
	RUN(live_sockets_are_kept_stale_ones_replaced);
	RUN(server_sockets_get_their_group_and_mode);
	RUN(symbolic_links_are_not_followed);
	RUN(requests_the_profile_does_not_offer_are_cut);
	RUN(interrupt_descriptors_must_be_eventfds);
	RUN(memory_files_are_checked_and_sealed);
	RUN(a_back_end_that_does_not_answer_is_cut);
	RUN(a_shrunk_memory_file_is_survived);
	vunet_relay_free(relay);
	close(conf.dir_fd);
	rmdir(dir);
	return TAP_DONE();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * One thread, one epoll set, one mutex. The control thread adds and
 * removes ports under the mutex; the relay thread handles events under
 * it. Every socket is non-blocking and nothing waits while holding the
 * mutex, so an add or a del never waits longer than one round of events.
 * epoll's data names a port slot, its generation and the socket's role: an
 * event for a socket closed in the same round (its slot freed or reused)
 * is recognised by the generation and ignored.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vunet_clock.h"
#include "vunet_relay.h"
#include "vunet_memguard.h"
#include "vunet_unix.h"
#include "vunet_vhu_fds.h"
#include "vunet_vhu_msg.h"

#define RELAY_MAX_PORTS 256
#define RELAY_EVENTS 64
#define RELAY_TICK_MS 50
/* per event, so one busy front-end cannot hold the thread */
#define RELAY_MSGS_PER_EVENT 32
#define RELAY_PATH_MAX 108

enum role { ROLE_WAKE, ROLE_LISTEN, ROLE_FRONT, ROLE_BACK };

/* A whole message waiting to be written, with its descriptors. */
struct qmsg {
	struct qmsg *next;
	uint32_t len, sent;
	int n_fds;
	int fds[VUNET_VHU_MAX_FDS];
	uint8_t buf[];
};

struct queue {
	struct qmsg *head, *tail;
	size_t bytes;
	uint64_t since_ms;       /* last progress, or when it filled */
};

struct rport {
	bool used;
	bool client;
	int gid;                /* server socket: group (-1: ours) */
	unsigned int mode;      /* and mode */
	uint32_t gen;
	char name[32];
	char file[RELAY_PATH_MAX];    /* in the socket directory */
	char path[2 * RELAY_PATH_MAX]; /* for messages */
	char backend[RELAY_PATH_MAX];
	int listen_fd;
	dev_t sock_dev;          /* the socket file we made, to remove it */
	ino_t sock_ino;
	int front, back;
	uint64_t requests;       /* bit r: request r may reach rte_vhost */
	uint64_t msg_start_ms;   /* first byte of the message in front_in */
	bool awaiting;           /* a message is with rte_vhost, unanswered */
	bool swallow;            /* its answer was asked by us, not for it */
	uint32_t awaited;        /* that message's request */
	uint64_t taken_ms;       /* when rte_vhost read all of it, or 0 */
	uint64_t next_connect_ms;
	bool connect_failing;    /* said once, not every second */
	void (*done)(void);      /* --fd: the only front-end left */
	struct vunet_vhu_msg front_in, back_in;
	struct queue to_back, to_front;
	struct vunet_relay_stats st;
};

struct vunet_relay {
	struct vunet_relay_conf conf;
	pthread_mutex_t lock;
	pthread_t thread;
	int ep, wake;
	bool stop;
	struct rport port[RELAY_MAX_PORTS];
};

static void
nolog(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static uint64_t
ev_data(int slot, uint32_t gen, enum role role)
{
	return (uint64_t)slot << 40 | (uint64_t)gen << 8 | role;
}

static int
ep_set(struct vunet_relay *r, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(r->ep, op, fd, &ev);
}

static void
queue_clear(struct queue *q)
{
	while (q->head != NULL) {
		struct qmsg *m = q->head;

		q->head = m->next;
		for (int i = 0; i < m->n_fds; i++)
			close(m->fds[i]);
		free(m);
	}
	q->tail = NULL;
	q->bytes = 0;
}

/* Move the whole message in m to the end of q (m is emptied). */
static int
queue_push(struct queue *q, struct vunet_vhu_msg *m, uint64_t now)
{
	struct qmsg *x = malloc(sizeof(*x) + m->len);

	if (x == NULL)
		return -ENOMEM;
	x->next = NULL;
	x->len = m->len;
	x->sent = 0;
	x->n_fds = m->n_fds;
	memcpy(x->fds, m->fds, sizeof(x->fds));
	memcpy(x->buf, m->buf, m->len);
	m->n_fds = 0;
	m->len = 0;
	if (q->tail != NULL)
		q->tail->next = x;
	else
		q->head = x;
	if (q->head == x)
		q->since_ms = now;
	q->tail = x;
	q->bytes += x->len;
	return 0;
}

/*
 * Write what fd takes. Descriptors go with a message's first byte.
 * Returns 0 (maybe not all written: EAGAIN) or -1 on a dead socket.
 */
static int
queue_flush(struct queue *q, int fd, uint64_t now)
{
	while (q->head != NULL) {
		struct qmsg *m = q->head;
		char cbuf[CMSG_SPACE(sizeof(int) * VUNET_VHU_MAX_FDS)];
		struct iovec iov = { .iov_base = m->buf + m->sent,
				     .iov_len = m->len - m->sent };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (m->sent == 0 && m->n_fds > 0) {
			struct cmsghdr *c;

			memset(cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->n_fds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * m->n_fds);
			memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->n_fds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		if (m->sent == 0) {
			/* the receiver holds its own copies now */
			for (int i = 0; i < m->n_fds; i++)
				close(m->fds[i]);
			m->n_fds = 0;
		}
		m->sent += (uint32_t)n;
		q->bytes -= (size_t)n;
		q->since_ms = now;
		if (m->sent < m->len)
			continue;
		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		free(m);
	}
	return 0;
}

static void
port_cut(struct vunet_relay *r, struct rport *p, const char *why)
{
	if (p->front < 0 && p->back < 0)
		return;
	if (why != NULL)
		r->conf.log(1, "port %s: front-end cut off: %s", p->name, why);
	if (p->front >= 0)
		close(p->front);
	if (p->back >= 0)
		close(p->back);
	p->front = p->back = -1;
	vunet_vhu_reset(&p->front_in);
	vunet_vhu_reset(&p->back_in);
	queue_clear(&p->to_back);
	queue_clear(&p->to_front);
	p->awaiting = false;
	p->st.connected = false;
	p->next_connect_ms = vunet_now_ms() + r->conf.reconnect_ms;
	if (p->done != NULL)
		p->done();
}

/* What each side should wake us for, from what is queued. */
static void
port_interest(struct vunet_relay *r, int slot)
{
	struct rport *p = &r->port[slot];
	uint32_t front = 0, back = EPOLLIN;

	if (p->front < 0)
		return;
	/* while rte_vhost has not answered the last message, read no more */
	if (!p->awaiting)
		front |= EPOLLIN | EPOLLRDHUP;
	if (p->to_back.head != NULL)
		back |= EPOLLOUT;
	if (p->to_front.head != NULL)
		front |= EPOLLOUT;
	ep_set(r, EPOLL_CTL_MOD, p->front, front,
	       ev_data(slot, p->gen, ROLE_FRONT));
	ep_set(r, EPOLL_CTL_MOD, p->back, back,
	       ev_data(slot, p->gen, ROLE_BACK));
}

/*
 * file in the socket directory as a path that resolves through the
 * directory we opened, not through its name: /proc/self/fd/DIR/file.
 */
static int
dir_path(const struct vunet_relay *r, const char *file, char *buf,
	 size_t len)
{
	int n = snprintf(buf, len, "/proc/self/fd/%d/%s", r->conf.dir_fd,
			 file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* A front-end is here: open its own connection to rte_vhost. */
static int
port_join(struct vunet_relay *r, int slot, int front)
{
	struct rport *p = &r->port[slot];
	int back, ret;

	ret = vunet_unix_connect_at(AT_FDCWD, p->backend, &back);
	if (ret < 0) {
		r->conf.log(0, "port %s: back-end %s: %s", p->name, p->backend,
			    strerror(-ret));
		close(front);
		return ret;
	}
	p->front = front;
	p->back = back;
	if (ep_set(r, EPOLL_CTL_ADD, front, EPOLLIN | EPOLLRDHUP,
		   ev_data(slot, p->gen, ROLE_FRONT)) < 0 ||
	    ep_set(r, EPOLL_CTL_ADD, back, EPOLLIN,
		   ev_data(slot, p->gen, ROLE_BACK)) < 0) {
		ret = -errno;
		port_cut(r, p, "cannot watch its sockets");
		return ret;
	}
	p->st.connections++;
	p->st.connected = true;
	p->connect_failing = false;
	r->conf.log(2, "port %s: front-end joined", p->name);
	return 0;
}

/* The front-end has hung up (its EOF may wait later in this round). */
static bool
front_gone(const struct rport *p)
{
	struct pollfd pf = { .fd = p->front, .events = POLLRDHUP };

	return poll(&pf, 1, 0) == 1 &&
	       (pf.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void
on_listen(struct vunet_relay *r, int slot)
{
	struct rport *p = &r->port[slot];

	for (int i = 0; i < 4; i++) {
		int fd = accept4(p->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		/* a front-end that reconnects at once is not a second one */
		if (p->front >= 0 && front_gone(p))
			port_cut(r, p, NULL);
		if (p->front >= 0) {
			p->st.refused++;
			r->conf.log(1, "port %s: refusing a second front-end",
				    p->name);
			close(fd);
			continue;
		}
		port_join(r, slot, fd);
	}
}

/*
 * Read at most up to the end of the message in progress, so descriptors
 * stay with their message. 1: read some, 0: nothing now, -1: EOF or error,
 * -2: descriptors were cut off (more than a message may have).
 */
static int
read_part(int fd, struct vunet_vhu_msg *m)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VUNET_VHU_MAX_FDS)];
	struct iovec iov = { .iov_base = m->buf + m->len,
			     .iov_len = vunet_vhu_want(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	bool all = true;
	ssize_t n;

	if (iov.iov_len == 0)
		return -1;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		int k, fds[VUNET_VHU_MAX_FDS];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (k > VUNET_VHU_MAX_FDS)
			k = VUNET_VHU_MAX_FDS;
		memcpy(fds, CMSG_DATA(c), sizeof(int) * k);
		all = vunet_vhu_add_fds(m, fds, k) && all;
	}
	if (n == 0)
		return -1;
	vunet_vhu_got(m, (size_t)n);
	return all && !(mh.msg_flags & MSG_CTRUNC) ? 1 : -2;
}

/*
 * A whole message from the front-end, before it goes on: a request the
 * port admits, with descriptors of the right kind, and an answer asked
 * of rte_vhost if it gives none by itself. -1: the front-end was cut.
 */
static int
admit(struct vunet_relay *r, int slot, struct vunet_vhu_msg *m)
{
	struct rport *p = &r->port[slot];
	uint32_t request = vunet_vhu_request(m);
	const char *name = vunet_vhu_name(request);
	char why[192];

	if (request >= VUNET_VHU_REQUEST_MAX ||
	    !(p->requests >> request & 1)) {
		p->st.cut_request++;
		snprintf(why, sizeof(why), "request %s (%u), which its "
			 "profile does not offer", name != NULL ? name :
			 "unknown", request);
		port_cut(r, p, why);
		return -1;
	}
	if (vunet_vhu_check_fds(m, (unsigned int)slot, p->gen, why,
				sizeof(why)) < 0) {
		p->st.cut_descriptor++;
		port_cut(r, p, why);
		return -1;
	}
	p->swallow = !vunet_vhu_replies(request) &&
		     !(vunet_vhu_flags(m) & VUNET_VHU_NEED_REPLY);
	if (p->swallow)
		m->buf[4] |= VUNET_VHU_NEED_REPLY;
	p->awaiting = true;
	p->awaited = request;
	p->taken_ms = 0;
	return 0;
}

/*
 * rte_vhost answered the message it had: the front-end may send the next.
 * An answer we asked for is dropped (m emptied), and if it says rte_vhost
 * refused the message, the front-end is cut, as rte_vhost itself would
 * have done had nobody asked. -1: cut.
 */
static int
answered(struct vunet_relay *r, struct rport *p, struct vunet_vhu_msg *m)
{
	uint64_t failed = 0;
	char why[128];

	p->awaiting = false;
	if (!p->swallow)
		return 0;
	if (m->len >= VUNET_VHU_HDR + sizeof(failed))
		memcpy(&failed, m->buf + VUNET_VHU_HDR, sizeof(failed));
	vunet_vhu_reset(m);
	if (failed == 0)
		return 0;
	p->st.cut_request++;
	snprintf(why, sizeof(why), "rte_vhost refused its %s",
		 vunet_vhu_name(p->awaited));
	port_cut(r, p, why);
	return -1;
}

/* Front-end bytes: whole messages go to rte_vhost. */
static void
on_front(struct vunet_relay *r, int slot, uint32_t events, uint64_t now)
{
	struct rport *p = &r->port[slot];

	if ((events & EPOLLOUT) &&
	    queue_flush(&p->to_front, p->front, now) < 0) {
		port_cut(r, p, NULL);
		return;
	}
	/* gone while a message waits for rte_vhost: nothing to wait for */
	if ((events & (EPOLLHUP | EPOLLERR)) && p->awaiting) {
		port_cut(r, p, NULL);
		return;
	}
	for (int i = 0; i < RELAY_MSGS_PER_EVENT && !p->awaiting &&
	     (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)); i++) {
		struct vunet_vhu_msg *m = &p->front_in;
		uint32_t had = m->len;
		int ret = read_part(p->front, m);

		if (ret == 0)
			break;
		if (ret == -1) {
			port_cut(r, p, m->len != 0 ?
				 "closed in the middle of a message" : NULL);
			return;
		}
		if (ret == -2) {
			p->st.cut_malformed++;
			port_cut(r, p, "more descriptors than any message has");
			return;
		}
		if (had == 0)
			p->msg_start_ms = now;
		if (m->len >= VUNET_VHU_HDR &&
		    vunet_vhu_size(m) > VUNET_VHU_MAX_PAYLOAD) {
			p->st.cut_malformed++;
			port_cut(r, p, "a message larger than vhost-user has");
			return;
		}
		if (vunet_vhu_want(m) != 0)
			continue;
		if (!vunet_vhu_regions_ok(m)) {
			p->st.cut_malformed++;
			port_cut(r, p, "memory regions that cannot be mapped");
			return;
		}
		p->st.fds_closed += (uint64_t)vunet_vhu_trim_fds(m);
		if (admit(r, slot, m) < 0)
			return;
		if (queue_push(&p->to_back, m, now) < 0) {
			port_cut(r, p, "out of memory");
			return;
		}
		p->st.messages++;
		if (queue_flush(&p->to_back, p->back, now) < 0) {
			port_cut(r, p, "the back-end went away");
			return;
		}
	}
	port_interest(r, slot);
}

/* rte_vhost's replies: taken at once, queued for the front-end. */
static void
on_back(struct vunet_relay *r, int slot, uint32_t events, uint64_t now)
{
	struct rport *p = &r->port[slot];

	if ((events & EPOLLOUT) &&
	    queue_flush(&p->to_back, p->back, now) < 0) {
		port_cut(r, p, "the back-end went away");
		return;
	}
	for (int i = 0; (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	     i < 4 * RELAY_MSGS_PER_EVENT; i++) {
		struct vunet_vhu_msg *m = &p->back_in;
		int ret = read_part(p->back, m);

		if (ret == 0)
			break;
		if (ret < 0) {
			/* rte_vhost closed it: it refused the front-end */
			port_cut(r, p, NULL);
			return;
		}
		if (vunet_vhu_want(m) != 0)
			continue;
		if (p->awaiting && answered(r, p, m) < 0)
			return;
		if (m->len == 0)
			continue;       /* an answer we asked for: kept */
		if (queue_push(&p->to_front, m, now) < 0) {
			port_cut(r, p, "out of memory");
			return;
		}
		if (p->to_front.bytes > r->conf.max_queued) {
			p->st.cut_backlog++;
			port_cut(r, p, "it does not read its replies");
			return;
		}
	}
	if (queue_flush(&p->to_front, p->front, now) < 0) {
		port_cut(r, p, NULL);
		return;
	}
	/* a flush emptied the queue: the front-end may be read again */
	port_interest(r, slot);
}

/*
 * The time rte_vhost takes over a message counts from when it has read
 * all of it (nothing left in the socket): while it serves another port's
 * message, this one waits through no fault of its own.
 */
static void
check_answer(struct vunet_relay *r, struct rport *p, uint64_t now)
{
	char why[128];
	int unread;

	if (p->to_back.head != NULL)
		return;
	if (p->taken_ms == 0) {
		if (ioctl(p->back, SIOCOUTQ, &unread) == 0 && unread == 0)
			p->taken_ms = now;
		return;
	}
	if (now - p->taken_ms <= r->conf.msg_timeout_ms)
		return;
	p->st.cut_hung++;
	snprintf(why, sizeof(why), "rte_vhost has not finished its %s in "
		 "%u ms", vunet_vhu_name(p->awaited), r->conf.msg_timeout_ms);
	port_cut(r, p, why);
}

/* Deadlines, and client ports that wait for their front-end. */
static void
tick(struct vunet_relay *r, uint64_t now)
{
	for (int s = 0; s < RELAY_MAX_PORTS; s++) {
		struct rport *p = &r->port[s];

		if (!p->used)
			continue;
		if (p->front >= 0 && p->front_in.len != 0 &&
		    now - p->msg_start_ms > r->conf.msg_timeout_ms) {
			p->st.cut_stalled++;
			port_cut(r, p, "a message unfinished for too long");
		}
		if (p->front >= 0 && p->to_front.head != NULL &&
		    now - p->to_front.since_ms > r->conf.reply_timeout_ms) {
			p->st.cut_backlog++;
			port_cut(r, p, "it does not read its replies");
		}
		if (p->front >= 0 && p->awaiting)
			check_answer(r, p, now);
		if (vunet_memguard_faulted((unsigned int)s, p->gen) &&
		    p->front >= 0) {
			p->st.cut_shrunk++;
			port_cut(r, p, "a memory file it gave shrank");
		}
		if (p->client && p->front < 0 && now >= p->next_connect_ms) {
			int fd, ret = vunet_unix_connect_at(r->conf.dir_fd, p->file, &fd);

			p->next_connect_ms = now + r->conf.reconnect_ms;
			if (ret == 0) {
				port_join(r, s, fd);
			} else if (!p->connect_failing) {
				p->connect_failing = true;
				r->conf.log(2, "port %s: waiting for %s: %s",
					    p->name, p->path, strerror(-ret));
			}
		}
	}
}

static void *
relay_main(void *arg)
{
	struct vunet_relay *r = arg;
	struct epoll_event ev[RELAY_EVENTS];
	uint64_t last_tick = 0;

	for (;;) {
		int n = epoll_wait(r->ep, ev, RELAY_EVENTS, RELAY_TICK_MS);
		uint64_t now = vunet_now_ms();

		pthread_mutex_lock(&r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t d = ev[i].data.u64;
			int slot = (int)(d >> 40);
			enum role role = (enum role)(d & 0xff);
			struct rport *p = &r->port[slot];

			if (role == ROLE_WAKE) {
				uint64_t v;

				if (read(r->wake, &v, sizeof(v)) < 0)
					continue;
				continue;
			}
			/* a socket closed earlier in this round */
			if (!p->used || p->gen != (uint32_t)(d >> 8 & 0xffffffff))
				continue;
			if (role == ROLE_LISTEN)
				on_listen(r, slot);
			else if (role == ROLE_FRONT && p->front >= 0)
				on_front(r, slot, ev[i].events, now);
			else if (role == ROLE_BACK && p->back >= 0)
				on_back(r, slot, ev[i].events, now);
		}
		if (now - last_tick >= RELAY_TICK_MS) {
			tick(r, now);
			last_tick = now;
		}
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

struct vunet_relay *
vunet_relay_new(const struct vunet_relay_conf *conf, char *err, size_t errlen)
{
	struct vunet_relay *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory for the relay");
		return NULL;
	}
	r->conf = *conf;
	if (r->conf.log == NULL)
		r->conf.log = nolog;
	if (vunet_memguard_init() < 0) {
		snprintf(err, errlen, "cannot guard guest memory: %s",
			 strerror(errno));
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	r->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->ep < 0 || r->wake < 0 ||
	    ep_set(r, EPOLL_CTL_ADD, r->wake, EPOLLIN,
		   ev_data(0, 0, ROLE_WAKE)) < 0) {
		snprintf(err, errlen, "relay: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		snprintf(err, errlen, "cannot start the relay thread");
		goto fail;
	}
	pthread_setname_np(r->thread, "vunet-relay");
	return r;
fail:
	if (r->ep >= 0)
		close(r->ep);
	if (r->wake >= 0)
		close(r->wake);
	free(r);
	return NULL;
}

static void
wake(struct vunet_relay *r)
{
	uint64_t one = 1;

	if (write(r->wake, &one, sizeof(one)) < 0)
		return; /* already woken: the counter is full */
}

static void
port_close(struct vunet_relay *r, struct rport *p)
{
	struct stat st;

	p->done = NULL;
	port_cut(r, p, NULL);
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		/* only the file we made: never another one put there since */
		if (fstatat(r->conf.dir_fd, p->file, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == p->sock_dev && st.st_ino == p->sock_ino)
			unlinkat(r->conf.dir_fd, p->file, 0);
	}
	p->listen_fd = -1;
	p->used = false;
	p->gen++;
}

void
vunet_relay_free(struct vunet_relay *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	wake(r);
	pthread_join(r->thread, NULL);
	for (int s = 0; s < RELAY_MAX_PORTS; s++)
		if (r->port[s].used)
			port_close(r, &r->port[s]);
	close(r->ep);
	close(r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/*
 * A socket file left by a process that died is removed; one that a live
 * process answers on, or anything that is not a socket (a symbolic link
 * included), is not.
 */
static int
clear_stale_socket(struct vunet_relay *r, const struct rport *p, char *err,
		   size_t errlen)
{
	int ret = vunet_unix_clear_stale(r->conf.dir_fd, p->file);

	if (ret == 1)
		r->conf.log(2, "removed stale socket %s", p->path);
	else if (ret == -EEXIST)
		snprintf(err, errlen, "%s exists and is not a socket",
			 p->path);
	else if (ret == -EADDRINUSE)
		snprintf(err, errlen, "%s is in use by another process",
			 p->path);
	else if (ret < 0)
		snprintf(err, errlen, "cannot remove stale %s: %s", p->path,
			 strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int
listen_on(struct vunet_relay *r, struct rport *p, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	ret = clear_stale_socket(r, p, err, errlen);
	if (ret < 0)
		return ret;
	if (dir_path(r, p->file, sa.sun_path, sizeof(sa.sun_path)) < 0) {
		snprintf(err, errlen, "socket name %s is too long", p->file);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0 ||
	    fstatat(r->conf.dir_fd, p->file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", p->path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	/* a group member may not swap in a link: nothing is followed */
	if ((p->gid >= 0 && fchownat(r->conf.dir_fd, p->file, (uid_t)-1,
				     (gid_t)p->gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    fchmodat(r->conf.dir_fd, p->file, p->mode,
		     AT_SYMLINK_NOFOLLOW) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot give %s group %d, mode %04o: %s",
			 p->path, p->gid, p->mode, strerror(errno));
		close(fd);
		unlinkat(r->conf.dir_fd, p->file, 0);
		return ret;
	}
	p->listen_fd = fd;
	p->sock_dev = st.st_dev;
	p->sock_ino = st.st_ino;
	return 0;
}

static int
slot_take(struct vunet_relay *r, const char *name, const char *file,
	  const char *backend, char *err, size_t errlen)
{
	int slot = -1;

	if (strlen(file) >= RELAY_PATH_MAX ||
	    strlen(backend) >= RELAY_PATH_MAX) {
		snprintf(err, errlen, "socket path longer than %d bytes",
			 RELAY_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	if (strchr(file, '/') != NULL) {
		snprintf(err, errlen, "%s: a socket is a name in %s, not a "
			 "path", file, r->conf.dir);
		return -EINVAL;
	}
	for (int s = 0; s < RELAY_MAX_PORTS && slot < 0; s++)
		if (!r->port[s].used)
			slot = s;
	if (slot < 0) {
		snprintf(err, errlen, "the relay serves %d ports at most",
			 RELAY_MAX_PORTS);
		return -ENOSPC;
	}
	struct rport *p = &r->port[slot];
	uint32_t gen = p->gen;

	memset(p, 0, sizeof(*p));
	/* a new port: 0 is no generation (vunet_memguard) */
	p->gen = gen + 1 != 0 ? gen + 1 : 1;
	p->used = true;
	p->listen_fd = p->front = p->back = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->file, sizeof(p->file), "%s", file);
	snprintf(p->path, sizeof(p->path), "%s/%s", r->conf.dir, file);
	snprintf(p->backend, sizeof(p->backend), "%s", backend);
	return slot;
}

int
vunet_relay_add(struct vunet_relay *r, const char *name, const char *file,
		bool client, const char *backend, uint64_t requests, int gid,
		unsigned int mode, char *err, size_t errlen)
{
	struct rport *p;
	int slot, ret = 0;

	pthread_mutex_lock(&r->lock);
	slot = slot_take(r, name, file, backend, err, errlen);
	if (slot < 0) {
		pthread_mutex_unlock(&r->lock);
		return slot;
	}
	p = &r->port[slot];
	p->requests = requests;
	p->client = client;
	p->gid = gid;
	p->mode = mode;
	if (!client) {
		ret = listen_on(r, p, err, errlen);
		if (ret == 0 && ep_set(r, EPOLL_CTL_ADD, p->listen_fd, EPOLLIN,
				       ev_data(slot, p->gen, ROLE_LISTEN)) < 0) {
			ret = -errno;
			snprintf(err, errlen, "relay: %s", strerror(errno));
		}
	}
	if (ret < 0)
		port_close(r, p);
	pthread_mutex_unlock(&r->lock);
	/* client: the next tick connects */
	wake(r);
	return ret < 0 ? ret : slot;
}

int
vunet_relay_add_fd(struct vunet_relay *r, const char *name, int fd,
		   const char *backend, uint64_t requests, void (*done)(void),
		   char *err, size_t errlen)
{
	int slot, ret;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	pthread_mutex_lock(&r->lock);
	slot = slot_take(r, name, "-", backend, err, errlen);
	if (slot >= 0) {
		r->port[slot].requests = requests;
		ret = port_join(r, slot, fd);
		if (ret < 0) {
			snprintf(err, errlen, "cannot reach the back-end %s: %s",
				 backend, strerror(-ret));
			port_close(r, &r->port[slot]);
			slot = ret;
		} else {
			r->port[slot].done = done;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return slot;
}

void
vunet_relay_del(struct vunet_relay *r, int handle)
{
	if (handle < 0 || handle >= RELAY_MAX_PORTS)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->port[handle].used)
		port_close(r, &r->port[handle]);
	pthread_mutex_unlock(&r->lock);
}

void
vunet_relay_cut_blocking(struct vunet_relay *r, int handle)
{
	if (handle < 0 || handle >= RELAY_MAX_PORTS)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->port[handle].used && r->port[handle].front >= 0) {
		r->port[handle].st.cut_blocking++;
		port_cut(r, &r->port[handle], "a worker was blocked on its "
			 "interrupt descriptor");
	}
	pthread_mutex_unlock(&r->lock);
}

void
vunet_relay_stats(struct vunet_relay *r, int handle,
		  struct vunet_relay_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (handle < 0 || handle >= RELAY_MAX_PORTS)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->port[handle].used)
		*st = r->port[handle].st;
	pthread_mutex_unlock(&r->lock);
}

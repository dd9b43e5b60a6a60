/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_RELAY_H
#define VUNET_RELAY_H

/*
 * The vhost-user relay: vunetd's side of every front-end connection.
 *
 * rte_vhost 22.11 reads each message with blocking reads and sends each
 * reply with a blocking sendmsg, all on one thread for every port, some of
 * it while holding the device's queue locks. A front-end that stops in the
 * middle of a message, or stops reading its replies, would freeze every
 * other port's control path, and then the workers. So rte_vhost never
 * talks to a front-end: it listens on a private socket per port, and this
 * relay, one thread with non-blocking sockets, owns the public socket (or,
 * in client mode, connects to QEMU's) and passes only whole messages on,
 * with the descriptors each may carry, and takes every reply at once.
 * A front-end that does not finish a message or does not read its replies
 * in time is cut off; nobody else notices.
 *
 * One message at a time: the relay passes the next only when rte_vhost
 * has answered the last, asking it for an answer (NEED_REPLY) where the
 * front-end did not, and keeping such answers to itself. So it knows when
 * rte_vhost has finished each message; one that takes longer than
 * msg_timeout_ms once rte_vhost has read it cuts the front-end, and
 * closing the private connection unblocks rte_vhost if it was waiting
 * there. Requests the port's profile does not offer, and descriptors of
 * the wrong kind or size (vunet_vhu_fds.h), never reach rte_vhost.
 *
 * Pure POSIX, no DPDK: the relay knows nothing of rte_vhost but the path
 * of its private socket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vunet_relay;

struct vunet_relay_conf {
	/*
	 * The socket directory, opened (O_PATH, O_NOFOLLOW) by the caller:
	 * public sockets are made, probed and removed only there, by name,
	 * so no symbolic link, in the folder's path or in it, can send a
	 * bind, a connect or an unlink elsewhere.
	 */
	int dir_fd;
	const char *dir;               /* its path, for messages */
	/* a message begun must end by then, and rte_vhost must answer it */
	unsigned int msg_timeout_ms;
	unsigned int reply_timeout_ms; /* queued replies must move by then */
	size_t max_queued;             /* reply bytes queued per front-end */
	unsigned int reconnect_ms;     /* client mode: retry period */
	/* where the relay's words go (level: 0 error, 1 warning, 2 info) */
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/*
 * The relay's counters of one port's front-end connections, with what
 * each counts: listed once, for the exit report, vunetctl and telemetry.
 */
#define VUNET_RELAY_COUNTERS(X) \
	X(connections, "front-ends joined to the back-end") \
	X(refused, "second front-ends refused while one was on") \
	X(messages, "front-end messages passed on") \
	X(fds_closed, "descriptors closed that a message may not carry") \
	X(cut_stalled, "cut: a message left unfinished too long") \
	X(cut_backlog, "cut: replies left unread too long, or too many") \
	X(cut_malformed, "cut: an impossible size, too many descriptors, " \
	  "regions that cannot be") \
	X(cut_request, "cut: a request the port's profile does not offer, " \
	  "or one rte_vhost refused") \
	X(cut_descriptor, "cut: a descriptor of the wrong kind, a memory " \
	  "file shorter than its region or that does not map") \
	X(cut_hung, "cut: rte_vhost did not finish its message in time") \
	X(cut_blocking, "cut: a worker blocked on its interrupt descriptor") \
	X(cut_shrunk, "cut: a memory file shrank under vunetd")

struct vunet_relay_stats {
#define VUNET_RELAY_FIELD(name, meaning) uint64_t name;
	VUNET_RELAY_COUNTERS(VUNET_RELAY_FIELD)
#undef VUNET_RELAY_FIELD
	bool connected;
};

/* Start the relay thread. NULL and err on failure. */
struct vunet_relay *vunet_relay_new(const struct vunet_relay_conf *conf,
				    char *err, size_t errlen);

/* Cut every connection, close every socket, stop the thread. */
void vunet_relay_free(struct vunet_relay *r);

/*
 * Serve one port on the socket named file in the socket directory: listen
 * there (a stale socket left by a dead process is replaced; a live one, or
 * anything that is not a socket, is not), or, client, connect to it and
 * again whenever the front-end goes. Each front-end is joined to a new
 * connection to backend, which may see only the requests in the set
 * requests (bit r: request r, vunet_vhu_admitted()); a front-end that
 * sends another is cut. A server socket gets group gid (-1: vunetd's)
 * and mode. Returns a handle >= 0, or a negative errno with the reason in
 * err.
 */
int vunet_relay_add(struct vunet_relay *r, const char *name,
		    const char *file, bool client, const char *backend,
		    uint64_t requests, int gid, unsigned int mode, char *err,
		    size_t errlen);

/* Stop serving: the front-end is cut, a server socket removed. */
void vunet_relay_del(struct vunet_relay *r, int handle);

/*
 * Join an already connected front-end socket to backend (vunetd --fd);
 * done() is called on the relay thread when it goes. Returns a handle.
 */
int vunet_relay_add_fd(struct vunet_relay *r, const char *name, int fd,
		       const char *backend, uint64_t requests,
		       void (*done)(void), char *err, size_t errlen);

/*
 * A worker is blocked on a descriptor this port's front-end gave: cut it
 * off (counted as cut_blocking).
 */
void vunet_relay_cut_blocking(struct vunet_relay *r, int handle);

void vunet_relay_stats(struct vunet_relay *r, int handle,
		       struct vunet_relay_stats *st);

#endif /* VUNET_RELAY_H */

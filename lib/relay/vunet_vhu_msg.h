/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VHU_MSG_H
#define VUNET_VHU_MSG_H

/*
 * vhost-user message framing, as the relay reads it from an untrusted
 * front-end: a 12-byte header (request, flags, payload size) and the
 * payload, with the file descriptors that came with the message. Pure C,
 * no I/O of its own, so it is unit-tested and fuzzed byte by byte.
 *
 * A message is read into a vunet_vhu_msg in as many pieces as the socket
 * gives: vunet_vhu_want() says how many bytes may be read next without
 * running into the following message (so descriptors always land on the
 * message they were sent with), vunet_vhu_got() accounts for them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VUNET_VHU_HDR 12
/* rte_vhost's largest payload is under 300 bytes; anything near this is
 * not vhost-user */
#define VUNET_VHU_MAX_PAYLOAD 4096
#define VUNET_VHU_MAX_FDS 8     /* VHOST_MEMORY_BASELINE_NREGIONS */

struct vunet_vhu_msg {
	uint32_t len;                    /* bytes in buf so far */
	int n_fds;
	int fds[VUNET_VHU_MAX_FDS];
	uint8_t buf[VUNET_VHU_HDR + VUNET_VHU_MAX_PAYLOAD];
};

enum vunet_vhu_state {
	VUNET_VHU_MORE,      /* read vunet_vhu_want() more bytes */
	VUNET_VHU_DONE,      /* a whole message is in buf[0..len) */
	VUNET_VHU_TOO_BIG,   /* the header announces more than we take */
};

static inline uint32_t
vunet_vhu_request(const struct vunet_vhu_msg *m)
{
	return (uint32_t)m->buf[0] | (uint32_t)m->buf[1] << 8 |
	       (uint32_t)m->buf[2] << 16 | (uint32_t)m->buf[3] << 24;
}

/* The payload size the header announces (the header must be complete). */
static inline uint32_t
vunet_vhu_size(const struct vunet_vhu_msg *m)
{
	return (uint32_t)m->buf[8] | (uint32_t)m->buf[9] << 8 |
	       (uint32_t)m->buf[10] << 16 | (uint32_t)m->buf[11] << 24;
}

/* Bytes to read next for the message in m; 0 when it is complete. */
size_t vunet_vhu_want(const struct vunet_vhu_msg *m);

/* n more bytes were read into buf + len. */
enum vunet_vhu_state vunet_vhu_got(struct vunet_vhu_msg *m, size_t n);

/*
 * How many descriptors a front-end's request may carry (vhost-user.rst):
 * one per region of SET_MEM_TABLE, one for the messages that pass a file,
 * none for the rest. m must be complete.
 */
int vunet_vhu_fd_limit(const struct vunet_vhu_msg *m);

/*
 * Whether a complete message's memory regions can be mapped as they say:
 * SET_MEM_TABLE with at most VUNET_VHU_MAX_FDS regions, all of them
 * present, none empty and none whose offset and size, or addresses and
 * size, wrap around. rte_vhost 22.11 keeps the descriptor of a region it
 * refuses for that, so such a message never reaches it.
 */
bool vunet_vhu_regions_ok(const struct vunet_vhu_msg *m);

/*
 * Take n_new descriptors that arrived with m's bytes. Those past
 * VUNET_VHU_MAX_FDS are closed; returns false if any were.
 */
bool vunet_vhu_add_fds(struct vunet_vhu_msg *m, const int *fds, int n_new);

/*
 * Close the descriptors m may not carry (beyond vunet_vhu_fd_limit);
 * returns how many were closed. m must be complete.
 */
int vunet_vhu_trim_fds(struct vunet_vhu_msg *m);

/* Close all of m's descriptors and empty it for the next message. */
void vunet_vhu_reset(struct vunet_vhu_msg *m);

#endif /* VUNET_VHU_MSG_H */

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
#define VUNET_VHU_NEED_REPLY 0x8 /* in the header's flags */
#define VUNET_VHU_VRING_NOFD (1ULL << 8) /* kick/call/err: no descriptor */

/*
 * The front-end's requests (vhost-user.rst): X(name, number, admitted by,
 * reply, descriptors). A request is admitted by ANY profile, by a virtio
 * feature VF(bit) or a protocol feature PF(bit) the port offers, or by
 * NONE (not a net device's, or rte_vhost 22.11 does not serve it).
 * reply: rte_vhost 22.11 answers it by itself (the others answer only
 * when asked with NEED_REPLY). descriptors: how many it may carry
 * (REGIONS: one per region of its memory table).
 */
#define VUNET_VHU_REQUESTS(X) \
	X(GET_FEATURES, 1, ANY, 1, 0) \
	X(SET_FEATURES, 2, ANY, 0, 0) \
	X(SET_OWNER, 3, ANY, 0, 0) \
	X(RESET_OWNER, 4, ANY, 0, 0) \
	X(SET_MEM_TABLE, 5, ANY, 0, REGIONS) \
	X(SET_LOG_BASE, 6, PF(1), 1, 1) \
	X(SET_LOG_FD, 7, PF(1), 0, 1) \
	X(SET_VRING_NUM, 8, ANY, 0, 0) \
	X(SET_VRING_ADDR, 9, ANY, 0, 0) \
	X(SET_VRING_BASE, 10, ANY, 0, 0) \
	X(GET_VRING_BASE, 11, ANY, 1, 0) \
	X(SET_VRING_KICK, 12, ANY, 0, 1) \
	X(SET_VRING_CALL, 13, ANY, 0, 1) \
	X(SET_VRING_ERR, 14, ANY, 0, 1) \
	X(GET_PROTOCOL_FEATURES, 15, VF(30), 1, 0) \
	X(SET_PROTOCOL_FEATURES, 16, VF(30), 0, 0) \
	X(GET_QUEUE_NUM, 17, PF(0), 1, 0) \
	X(SET_VRING_ENABLE, 18, VF(30), 0, 0) \
	X(SEND_RARP, 19, PF(2), 0, 0) \
	X(NET_SET_MTU, 20, PF(4), 0, 0) \
	X(SET_BACKEND_REQ_FD, 21, PF(5), 0, 1) \
	X(IOTLB_MSG, 22, VF(33), 0, 0) \
	X(SET_VRING_ENDIAN, 23, PF(6), 0, 0) \
	X(GET_CONFIG, 24, PF(9), 1, 0) \
	X(SET_CONFIG, 25, PF(9), 0, 0) \
	X(CREATE_CRYPTO_SESSION, 26, NONE, 1, 0) \
	X(CLOSE_CRYPTO_SESSION, 27, NONE, 0, 0) \
	X(POSTCOPY_ADVISE, 28, PF(8), 1, 0) \
	X(POSTCOPY_LISTEN, 29, PF(8), 0, 0) \
	X(POSTCOPY_END, 30, PF(8), 1, 0) \
	X(GET_INFLIGHT_FD, 31, PF(12), 1, 0) \
	X(SET_INFLIGHT_FD, 32, PF(12), 0, 1) \
	X(GPU_SET_SOCKET, 33, NONE, 0, 1) \
	X(RESET_DEVICE, 34, NONE, 0, 0) \
	X(VRING_KICK, 35, NONE, 0, 0) \
	X(GET_MAX_MEM_SLOTS, 36, NONE, 1, 0) \
	X(ADD_MEM_REG, 37, NONE, 0, 1) \
	X(REM_MEM_REG, 38, NONE, 0, 1) \
	X(SET_STATUS, 39, PF(16), 0, 0) \
	X(GET_STATUS, 40, PF(16), 1, 0) \
	X(SET_DEVICE_STATE_FD, 42, NONE, 0, 1)

enum vunet_vhu_request {
#define VUNET_VHU_ENUM(name, num, admit, reply, fds) VUNET_VHU_##name = num,
	VUNET_VHU_REQUESTS(VUNET_VHU_ENUM)
#undef VUNET_VHU_ENUM
};

/* requests are numbered below 64: a set of them is one word */
#define VUNET_VHU_REQUEST_MAX 64

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

static inline uint32_t
vunet_vhu_flags(const struct vunet_vhu_msg *m)
{
	return (uint32_t)m->buf[4] | (uint32_t)m->buf[5] << 8 |
	       (uint32_t)m->buf[6] << 16 | (uint32_t)m->buf[7] << 24;
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
 * The requests a port that offers these virtio and protocol features
 * admits: bit r for request r (the table above).
 */
uint64_t vunet_vhu_admitted(uint64_t features, uint64_t protocol_features);

/* The request's name ("SET_MEM_TABLE"), or NULL if vunet knows none. */
const char *vunet_vhu_name(uint32_t request);

/* rte_vhost answers the request by itself, asked or not. */
bool vunet_vhu_replies(uint32_t request);

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

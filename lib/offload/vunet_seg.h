/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_SEG_H
#define VUNET_SEG_H

/*
 * TCP segmentation in software, the part that reads and writes headers:
 * judge a guest's "TSO" frame (Ethernet, IPv4 or IPv6, TCP) and write the
 * headers of each segment it becomes. Plain C over bytes, no DPDK: a
 * guest's frame and its offload metadata are untrusted input, so this is
 * what the fuzzer runs (test/fuzz/fuzz_seg.c). Moving the payload and the
 * TCP checksum are the caller's (vunet_seg_mbuf.c, with rte_net's
 * helpers).
 *
 * What rte_gso 22.11 does not: IPv6, checksums of the segments, linear
 * segments for a destination that takes no chains.
 */

#include <stdbool.h>
#include <stdint.h>

/* one frame becomes at most this many segments (a 64 KB frame at MSS
 * 1024); a guest asking for more (gso_size 1) is refused, not obeyed */
#define VUNET_SEG_MAX 64
#define VUNET_SEG_HDR_MAX (18 + 60 + 60) /* tagged Ethernet, IPv4, TCP */

/* Why a frame cannot be segmented: X(enum suffix, meaning). */
#define VUNET_SEG_ERRORS(X) \
	X(NOT_IP, "neither IPv4 nor IPv6 (or an IPv6 extension header)") \
	X(NOT_TCP, "not TCP (to segment), or neither TCP nor UDP (to " \
	  "checksum)") \
	X(BAD_IP, "an IP header that is short, a fragment, or longer than " \
	  "the frame") \
	X(BAD_TCP, "a TCP header that is short or longer than the frame") \
	X(BAD_MSS, "a segment size of 0, or an MTU the headers fill") \
	X(TOO_MANY, "more segments than VUNET_SEG_MAX") \
	X(NO_MBUF, "no buffer for a segment")

#define VUNET_SEG_ERROR_ENUM(e, why) VUNET_SEG_ ## e,
enum vunet_seg_error {
	VUNET_SEG_OK,
	VUNET_SEG_ERRORS(VUNET_SEG_ERROR_ENUM)
	VUNET_SEG_ERROR_MAX
};
#undef VUNET_SEG_ERROR_ENUM

/* Where a frame's IP and TCP or UDP headers are. */
struct vunet_l4 {
	uint16_t l3_off;
	uint16_t l4_off;
	uint8_t proto;           /* 6 TCP, 17 UDP */
	bool ipv6;
	uint32_t len;            /* the frame without padding after IP */
};

/*
 * Find and judge the IP and L4 headers: hdr holds the frame's first avail
 * bytes of frame_len; an IPv4 or IPv6 packet (no extension headers) that
 * is no fragment, carries TCP or UDP and fits the frame; the L4 header's
 * fixed part within avail.
 */
enum vunet_seg_error vunet_l4_locate(const uint8_t *hdr, uint32_t avail,
				     uint32_t frame_len, struct vunet_l4 *l);

/* A frame judged fit to segment, and how. */
struct vunet_seg_plan {
	uint16_t l3_off;         /* the IP header */
	uint16_t l4_off;         /* the TCP header */
	uint16_t hdr_len;        /* every header: what each segment repeats */
	uint16_t mss;            /* payload bytes per segment, the last less */
	uint16_t n;              /* segments */
	bool ipv6;
	uint32_t payload;        /* TCP payload bytes in all */
	uint32_t len;            /* the frame without padding after IP */
};

/*
 * Judge the frame: hdr holds its first avail bytes (at least its headers,
 * up to VUNET_SEG_HDR_MAX), frame_len is all of it, mss the segments'
 * payload size (the guest's gso_size), made smaller where a segment's IP
 * packet would be longer than ip_mtu (0: no limit), the destination's. A
 * frame whose payload fits one segment plans one.
 */
enum vunet_seg_error vunet_seg_plan(const uint8_t *hdr, uint32_t avail,
				    uint32_t frame_len, uint16_t mss,
				    uint32_t ip_mtu,
				    struct vunet_seg_plan *p);

/* Payload bytes of segment i (< p->n), and where they start in the frame. */
uint32_t vunet_seg_payload(const struct vunet_seg_plan *p, uint16_t i,
			   uint32_t *off);

/*
 * Write segment i's headers (p->hdr_len bytes) into out from the frame's
 * (hdr): IP lengths, IPv4 id + i and header checksum, TCP sequence number
 * + i * mss, FIN and PSH on the last segment only, CWR on the first only.
 * The TCP checksum is left 0: the caller sums the segment.
 */
void vunet_seg_header(const struct vunet_seg_plan *p, const uint8_t *hdr,
		      uint16_t i, uint8_t *out);

/* What each error means, for counters and logs. */
const char *vunet_seg_error_text(enum vunet_seg_error e);

#endif /* VUNET_SEG_H */

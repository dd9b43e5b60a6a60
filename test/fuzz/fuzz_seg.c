/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * libFuzzer target: a guest's TSO frame and its segment size, as a v3
 * guest may send them, toward a destination's MTU (two bytes each, little
 * endian: the size, the MTU; the rest: the frame).
 * Whatever the bytes, judging the frame and writing every segment's
 * headers stays inside the frame and the header buffer, and a frame
 * judged fit becomes segments that add up to it exactly.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_seg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* A correct IPv4 header sums to 0xffff. */
static int
ipv4_ok(const uint8_t *h, unsigned int len)
{
	uint32_t sum = 0;

	for (unsigned int i = 0; i + 1 < len; i += 2)
		sum += be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[VUNET_SEG_HDR_MAX];
	struct vunet_seg_plan p;
	uint32_t total = 0, len, off, avail, mtu;
	uint8_t *frame;

	if (size < 4)
		return 0;
	mtu = (uint32_t)(data[2] | data[3] << 8);
	/* an exact-size copy: ASan sees any read past the frame */
	len = (uint32_t)(size - 4);
	frame = malloc(len ? len : 1);
	memcpy(frame, data + 4, len);
	avail = len < VUNET_SEG_HDR_MAX ? len : VUNET_SEG_HDR_MAX;
	if (vunet_seg_plan(frame, avail, len,
			   (uint16_t)(data[0] | data[1] << 8), mtu,
			   &p) != VUNET_SEG_OK) {
		free(frame);
		return 0;
	}
	if (p.hdr_len > VUNET_SEG_HDR_MAX || p.len > len || p.n == 0 ||
	    p.n > VUNET_SEG_MAX || p.hdr_len + p.payload != p.len)
		abort();
	for (uint16_t i = 0; i < p.n; i++) {
		uint32_t seg = vunet_seg_payload(&p, i, &off);

		if (off + seg > p.len || (seg == 0 && p.payload != 0) ||
		    seg > p.mss ||
		    (mtu != 0 && p.hdr_len - p.l3_off + seg > mtu))
			abort();
		vunet_seg_header(&p, frame, i, out);
		if (!p.ipv6 && (!ipv4_ok(out + p.l3_off, p.l4_off - p.l3_off) ||
				be16(out + p.l3_off + 2) !=
				p.hdr_len - p.l3_off + seg))
			abort();
		if (p.ipv6 && be16(out + p.l3_off + 4) !=
		    p.hdr_len - p.l4_off + seg)
			abort();
		total += seg;
	}
	if (total != p.payload)
		abort();
	free(frame);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * TCP segmentation in software (lib/offload) on real mbufs: a 64 KB guest
 * frame, chained as rte_vhost dequeues it, becomes segments whose headers,
 * checksums and payload bytes are checked one by one, over IPv4 and IPv6,
 * linear and chained; and every kind of frame a guest could lie with is
 * refused with its reason. Every mbuf back in the pool at the end.
 */

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_offload.h"

#define POOL_SIZE 1023

static struct rte_mempool *pool;

struct frame_spec {
	bool ipv6;
	bool tagged;
	uint8_t proto;
	uint8_t tcp_words;       /* TCP header length / 4 */
	uint8_t flags;
	uint32_t payload;
	uint32_t padding;        /* bytes after the IP packet */
};

static uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 13 + 7);
}

/* Headers of s (in hdr, returned length) and the payload pattern after. */
static uint32_t
headers(const struct frame_spec *s, uint8_t *hdr)
{
	uint32_t l3 = s->tagged ? 18 : 14, ip = s->ipv6 ? 40 : 20;
	uint32_t tcp = s->tcp_words * 4u, len = l3 + ip + tcp;

	memset(hdr, 0, len);
	memset(hdr, 0x02, 12);
	if (s->tagged) {
		hdr[12] = 0x81;
		hdr[15] = 10;
	}
	hdr[l3 - 2] = s->ipv6 ? 0x86 : 0x08;
	hdr[l3 - 1] = s->ipv6 ? 0xdd : 0x00;
	if (s->ipv6) {
		hdr[l3] = 0x60;
		hdr[l3 + 4] = (uint8_t)((tcp + s->payload) >> 8);
		hdr[l3 + 5] = (uint8_t)(tcp + s->payload);
		hdr[l3 + 6] = s->proto;
		hdr[l3 + 7] = 64;
		hdr[l3 + 23] = 1;
		hdr[l3 + 39] = 2;
	} else {
		hdr[l3] = 0x45;
		hdr[l3 + 2] = (uint8_t)((ip + tcp + s->payload) >> 8);
		hdr[l3 + 3] = (uint8_t)(ip + tcp + s->payload);
		hdr[l3 + 4] = 0x12;      /* id 0x1234 */
		hdr[l3 + 5] = 0x34;
		hdr[l3 + 6] = 0x40;      /* DF */
		hdr[l3 + 8] = 64;
		hdr[l3 + 9] = s->proto;
		hdr[l3 + 12] = 10;
		hdr[l3 + 19] = 2;
	}
	if (s->proto == 17) {            /* UDP: its length */
		hdr[l3 + ip + 4] = (uint8_t)((tcp + s->payload) >> 8);
		hdr[l3 + ip + 5] = (uint8_t)(tcp + s->payload);
		return len;
	}
	hdr[l3 + ip + 4] = 0xff;         /* seq 0xfffff000: it wraps */
	hdr[l3 + ip + 5] = 0xff;
	hdr[l3 + ip + 6] = 0xf0;
	hdr[l3 + ip + 12] = (uint8_t)(s->tcp_words << 4);
	hdr[l3 + ip + 13] = s->flags;
	return len;
}

/* The frame of s as a chain of 2 KB buffers, as rte_vhost makes it. */
static struct rte_mbuf *
frame(const struct frame_spec *s)
{
	uint8_t hdr[200];
	uint32_t h = headers(s, hdr), total = h + s->payload + s->padding;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *last = m;

	for (uint32_t i = 0; i < total; i++) {
		uint8_t *d;

		if (rte_pktmbuf_tailroom(last) == 0) {
			last = rte_pktmbuf_alloc(pool);
			rte_pktmbuf_chain(m, last);
		}
		d = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
		*d = i < h ? hdr[i] : pattern(i - h);
		last->data_len++;
		m->pkt_len++;
	}
	return m;
}

static uint32_t
seq_of(const uint8_t *tcp)
{
	return (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
	       (uint32_t)tcp[6] << 8 | tcp[7];
}

/* Check the n segments of s's frame cut at mss, then free them. */
static void
check_segments(const struct frame_spec *s, uint16_t mss,
	       struct rte_mbuf **seg, uint16_t n)
{
	uint32_t l3 = s->tagged ? 18 : 14, ip = s->ipv6 ? 40 : 20;
	uint32_t l4 = l3 + ip, h = l4 + s->tcp_words * 4u, done = 0;

	CHECK_EQ(n, (s->payload + mss - 1) / mss);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(seg[i], const uint8_t *);
		uint32_t len = RTE_MIN((uint32_t)mss, s->payload - done);
		uint8_t bytes[9100];
		const uint8_t *pl;
		bool ok = true;

		CHECK_EQ(rte_pktmbuf_pkt_len(seg[i]), h + len);
		if (s->ipv6) {
			CHECK_EQ(d[l3 + 4] << 8 | d[l3 + 5], h - l4 + len);
			CHECK_EQ(rte_ipv6_udptcp_cksum_mbuf_verify(seg[i],
				(const void *)(d + l3), (uint16_t)l4), 0);
		} else {
			CHECK_EQ(d[l3 + 2] << 8 | d[l3 + 3], h - l3 + len);
			CHECK_EQ(d[l3 + 4] << 8 | d[l3 + 5], 0x1234 + i);
			CHECK_EQ(rte_raw_cksum(d + l3, 20), 0xffff);
			CHECK_EQ(rte_ipv4_udptcp_cksum_mbuf_verify(seg[i],
				(const void *)(d + l3), (uint16_t)l4), 0);
		}
		CHECK_EQ(seq_of(d + l4), 0xfffff000u + done);
		/* FIN and PSH on the last only, CWR on the first only */
		CHECK_EQ(d[l4 + 13], s->flags &
			 ~(i + 1 < n ? RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG :
			   0) & ~(i > 0 ? RTE_TCP_CWR_FLAG : 0));
		pl = rte_pktmbuf_read(seg[i], h, len, bytes);
		for (uint32_t b = 0; b < len && ok; b++)
			ok = pl[b] == pattern(done + b);
		CHECK(ok);
		done += len;
	}
	CHECK_EQ(done, s->payload);
	rte_pktmbuf_free_bulk(seg, n);
}

static void
segment_and_check(const struct frame_spec *s, uint16_t mss, bool linear)
{
	struct rte_mbuf *m = frame(s), *seg[VUNET_SEG_MAX];
	enum vunet_seg_error why;
	uint16_t n = vunet_seg_tcp(m, mss, 0, pool, seg, &why);

	CHECK_EQ(why, VUNET_SEG_OK);
	if (linear)
		for (uint16_t i = 0; i < n; i++)
			CHECK_EQ(seg[i]->nb_segs, 1);
	else
		CHECK(n > 0 && seg[0]->nb_segs > 1);
	check_segments(s, mss, seg, n);
	rte_pktmbuf_free(m);
}

#define ALL_FLAGS (RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG | \
		   RTE_TCP_CWR_FLAG)

static void
test_ipv4_64k(void)
{
	struct frame_spec s = { .proto = 6, .tcp_words = 8,
				.flags = ALL_FLAGS, .payload = 65000 };

	segment_and_check(&s, 1448, true);
}

static void
test_ipv6_64k_tagged(void)
{
	struct frame_spec s = { .ipv6 = true, .tagged = true, .proto = 6,
				.tcp_words = 5, .flags = ALL_FLAGS,
				.payload = 65400 };

	segment_and_check(&s, 1428, true);
}

/* toward a jumbo MTU: segments longer than one buffer come chained */
static void
test_jumbo_segments_chained(void)
{
	struct frame_spec s = { .proto = 6, .tcp_words = 5,
				.flags = RTE_TCP_ACK_FLAG, .payload = 30000 };

	segment_and_check(&s, 8948, false);
}

/* a jumbo guest's segment size toward a 1500-byte MTU: cut to fit it */
static void
test_mss_cut_to_mtu(void)
{
	struct frame_spec s = { .proto = 6, .tcp_words = 8,
				.flags = RTE_TCP_ACK_FLAG, .payload = 20000 };
	struct rte_mbuf *m = frame(&s), *seg[VUNET_SEG_MAX];
	enum vunet_seg_error why;
	uint16_t n = vunet_seg_tcp(m, 8948, 1500, pool, seg, &why);

	CHECK_EQ(why, VUNET_SEG_OK);
	CHECK_EQ(rte_pktmbuf_pkt_len(seg[0]), 14 + 1500);
	check_segments(&s, 1500 - 20 - 32, seg, n);
	/* an MTU the headers fill leaves nothing to carry */
	CHECK_EQ(vunet_seg_tcp(m, 8948, 52, pool, seg, &why), 0);
	CHECK_EQ(why, VUNET_SEG_BAD_MSS);
	rte_pktmbuf_free(m);
}

/* padding after the IP packet is not payload; a short last segment */
static void
test_padding_and_remainder(void)
{
	struct frame_spec s = { .proto = 6, .tcp_words = 5,
				.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
				.payload = 3001, .padding = 7 };

	segment_and_check(&s, 1000, true);
}

/* One hostile frame: refused for why, nothing allocated left behind. */
static void
refused(const struct frame_spec *s, uint32_t off, int value, uint16_t mss,
	enum vunet_seg_error why)
{
	struct rte_mbuf *m = frame(s), *seg[VUNET_SEG_MAX];
	unsigned int before = rte_mempool_avail_count(pool);
	enum vunet_seg_error got;

	if (value >= 0)
		*rte_pktmbuf_mtod_offset(m, uint8_t *, off) = (uint8_t)value;
	CHECK_EQ(vunet_seg_tcp(m, mss, 0, pool, seg, &got), 0);
	CHECK_EQ(got, why);
	CHECK_EQ(rte_mempool_avail_count(pool), before);
	rte_pktmbuf_free(m);
}

static void
test_hostile_frames(void)
{
	struct frame_spec v4 = { .proto = 6, .tcp_words = 5,
				 .flags = RTE_TCP_ACK_FLAG, .payload = 4000 };
	struct frame_spec v6 = v4, udp = v4;

	v6.ipv6 = true;
	udp.proto = 17;
	refused(&v4, 0, -1, 0, VUNET_SEG_BAD_MSS);      /* gso_size 0 */
	refused(&v4, 0, -1, 1, VUNET_SEG_TOO_MANY);     /* gso_size 1 */
	refused(&udp, 0, -1, 1448, VUNET_SEG_NOT_TCP);  /* "TSO" of UDP */
	refused(&v4, 13, 0x08, 1448, VUNET_SEG_NOT_IP); /* 0x0808 */
	refused(&v4, 16, 0xff, 1448, VUNET_SEG_BAD_IP); /* length > frame */
	refused(&v4, 14, 0x44, 1448, VUNET_SEG_BAD_IP); /* IHL 4 */
	refused(&v4, 20, 0x20, 1448, VUNET_SEG_BAD_IP); /* more fragments */
	refused(&v4, 14, 0x65, 1448, VUNET_SEG_BAD_IP); /* version 6 */
	refused(&v4, 46, 0x40, 1448, VUNET_SEG_BAD_TCP); /* doff 4 */
	refused(&v6, 20, 0, 1448, VUNET_SEG_NOT_IP);    /* hop-by-hop */
	refused(&v6, 18, 0xff, 1448, VUNET_SEG_BAD_IP); /* length > frame */
	/* a runt */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *seg[1];
		enum vunet_seg_error got;

		memset(rte_pktmbuf_append(m, 10), 0, 10);
		CHECK_EQ(vunet_seg_tcp(m, 1448, 0, pool, seg, &got), 0);
		CHECK_EQ(got, VUNET_SEG_NOT_IP);
		rte_pktmbuf_free(m);
	}
}

/* A partial checksum made whole, in place, across the frame's buffers. */
static void
filled(const struct frame_spec *s)
{
	struct rte_mbuf *m = frame(s);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t l3 = s->tagged ? 18 : 14, l4 = l3 + (s->ipv6 ? 40 : 20);
	uint32_t at = l4 + (s->proto == 6 ? 16 : 6);
	enum vunet_seg_error why;

	/* what a guest with CSUM leaves there: anything but the sum */
	d[at] = 0x5a;
	d[at + 1] = 0xa5;
	CHECK(m->nb_segs > 1);
	CHECK_EQ(vunet_cksum_fill(m, &why), 0);
	CHECK_EQ(why, VUNET_SEG_OK);
	if (s->ipv6)
		CHECK_EQ(rte_ipv6_udptcp_cksum_mbuf_verify(m,
			(const void *)(d + l3), (uint16_t)l4), 0);
	else
		CHECK_EQ(rte_ipv4_udptcp_cksum_mbuf_verify(m,
			(const void *)(d + l3), (uint16_t)l4), 0);
	rte_pktmbuf_free(m);
}

static void
test_checksum_filled(void)
{
	struct frame_spec tcp4 = { .proto = 6, .tcp_words = 8,
				   .flags = RTE_TCP_ACK_FLAG, .payload = 3000,
				   .padding = 5 };
	/* tcp_words 2: the 8 bytes of a UDP header */
	struct frame_spec udp6 = { .ipv6 = true, .tagged = true, .proto = 17,
				   .tcp_words = 2, .payload = 2500 };
	struct frame_spec icmp = tcp4;
	struct rte_mbuf *m;
	enum vunet_seg_error why;

	filled(&tcp4);
	filled(&udp6);
	icmp.proto = 1;
	m = frame(&icmp);
	CHECK_EQ(vunet_cksum_fill(m, &why), -1);
	CHECK_EQ(why, VUNET_SEG_NOT_TCP);
	rte_pktmbuf_free(m);
}

/* A pool that runs dry mid-frame: what was made is given back. */
static void
test_pool_runs_dry(void)
{
	struct rte_mempool *small = rte_pktmbuf_pool_create("unit_seg_small",
		20, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct frame_spec s = { .proto = 6, .tcp_words = 5,
				.flags = RTE_TCP_ACK_FLAG, .payload = 60000 };
	struct rte_mbuf *m = frame(&s), *seg[VUNET_SEG_MAX];
	enum vunet_seg_error got;

	CHECK_EQ(vunet_seg_tcp(m, 1448, 0, small, seg, &got), 0);
	CHECK_EQ(got, VUNET_SEG_NO_MBUF);
	CHECK_EQ(rte_mempool_avail_count(small), 20);
	rte_pktmbuf_free(m);
	rte_mempool_free(small);
}

static void
test_pool_whole(void)
{
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE);
}

int
main(void)
{
	unit_eal_init("unit_offload");
	pool = rte_pktmbuf_pool_create("unit_offload", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL) {
		printf("Bail out! no mbuf pool\n");
		return 1;
	}
	RUN(test_ipv4_64k);
	RUN(test_ipv6_64k_tagged);
	RUN(test_jumbo_segments_chained);
	RUN(test_mss_cut_to_mtu);
	RUN(test_padding_and_remainder);
	RUN(test_hostile_frames);
	RUN(test_checksum_filled);
	RUN(test_pool_runs_dry);
	RUN(test_pool_whole);
	return TAP_DONE();
}

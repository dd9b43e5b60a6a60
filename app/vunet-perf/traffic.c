/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "traffic.h"

#define MAGIC 0x46505556u        /* "VUPF" */
#define L4_OFF (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
#define PAYLOAD_OFF (L4_OFF + sizeof(struct rte_udp_hdr))
/* a TSO frame's time stamp, after its TCP header */
#define TCP_PAYLOAD_OFF (L4_OFF + sizeof(struct rte_tcp_hdr))
#define DRAIN_MS 200
#define MAX_BURST 64

struct stamp {
	uint32_t magic;
	uint64_t tsc;
} __rte_packed;

static const uint16_t imix[12] = { 64, 570, 64, 570, 64, 1518, 64, 570,
				   64, 570, 64, 64 };

unsigned int
perf_imix_size(uint64_t i)
{
	return imix[i % RTE_DIM(imix)];
}

/* side 0 is A, 1 is B; pair k's MAC on that side */
static void
pair_mac(int side, unsigned int k, struct rte_ether_addr *a)
{
	const struct rte_ether_addr m = { { 0x02, side ? 0x0b : 0x0a, 0, 0,
					    (uint8_t)(k >> 8), (uint8_t)k } };

	*a = m;
}

struct fill_arg {
	int dir;
	bool tcp;
};

/* every frame as pair 0, flow 0 would send it */
static void
fill_frame(struct rte_mempool *mp __rte_unused, void *arg, void *obj,
	   unsigned int idx __rte_unused)
{
	const struct fill_arg *fa = arg;
	const int dir = fa->dir;
	struct rte_mbuf *m = obj;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	/* where rte_pktmbuf_alloc() will point data_off */
	eth = (struct rte_ether_hdr *)((char *)m->buf_addr +
		RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len));
	/* within the frame: a 64-byte UDP frame's buffer ends right after */
	memset(eth, 0, (fa->tcp ? TCP_PAYLOAD_OFF : PAYLOAD_OFF) +
	       sizeof(struct stamp));
	pair_mac(dir, 0, &eth->src_addr);
	pair_mac(!dir, 0, &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)dir << 12);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)!dir << 12);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(1024);
	if (fa->tcp) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

		ip->next_proto_id = IPPROTO_TCP;
		tcp->data_off = sizeof(*tcp) << 2;
		tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		tcp->rx_win = rte_cpu_to_be_16(65535);
	}
}

/* dst + src MAC of each pair, each way: what a frame's first 12 bytes say */
static uint8_t pair_hdr[2][PERF_MAX_PAIRS][2 * RTE_ETHER_ADDR_LEN];

static void
make_pair_headers(const struct perf_conf *c)
{
	for (int dir = 0; dir < 2; dir++)
		for (unsigned int k = 0; k < c->pairs; k++) {
			struct rte_ether_addr a;

			pair_mac(!dir, k, &a);
			memcpy(pair_hdr[dir][k], &a, RTE_ETHER_ADDR_LEN);
			pair_mac(dir, k, &a);
			memcpy(pair_hdr[dir][k] + RTE_ETHER_ADDR_LEN, &a,
			       RTE_ETHER_ADDR_LEN);
		}
}

struct rte_mempool *
perf_frames_pool(const struct perf_conf *c, int dir, unsigned int n,
		 int socket)
{
	unsigned int max = c->size ? c->size : 1518;
	struct fill_arg fa = { .dir = dir, .tcp = c->tso_mss != 0 };
	struct rte_mempool *mp;
	char name[32];

	if (dir == 0)
		make_pair_headers(c);
	snprintf(name, sizeof(name), "frames%d", dir);
	mp = rte_pktmbuf_pool_create(name, n, 256, 0,
		(uint16_t)(RTE_PKTMBUF_HEADROOM + max), socket);
	if (mp != NULL)
		rte_mempool_obj_iter(mp, fill_frame, &fa);
	return mp;
}

static inline void
set_len(struct rte_mbuf *m, unsigned int len)
{
	char *eth = rte_pktmbuf_mtod(m, char *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth +
						RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(eth + L4_OFF);

	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len -
						       RTE_ETHER_HDR_LEN));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - L4_OFF));
}

/*
 * A TSO frame of len bytes: the flags and lengths its virtio-net device
 * turns into a GSO header, and the TCP checksum field the pseudo-header's
 * sum without the length (the device adds it: written again every time).
 */
static inline void
set_tso(struct rte_mbuf *m, unsigned int len, unsigned int mss)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len -
						       RTE_ETHER_HDR_LEN));
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->l4_len = sizeof(*tcp);
	m->tso_segsz = (uint16_t)mss;
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		      RTE_MBUF_F_TX_IPV4;
	tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

static inline unsigned int
lat_idx(uint64_t ns)
{
	unsigned int msb, idx;

	if (ns < 32)
		return (unsigned int)ns;
	msb = 63u - (unsigned int)__builtin_clzll(ns);
	idx = (msb - 4) * 16 + (unsigned int)(ns >> (msb - 4));
	return RTE_MIN(idx, PERF_LAT_BUCKETS - 1u);
}

static uint64_t
lat_value(unsigned int idx)
{
	unsigned int msb;

	if (idx < 32)
		return idx;
	msb = idx / 16 + 3;
	return (uint64_t)(idx % 16 + 16) << (msb - 4);
}

uint64_t
perf_lat_samples(const struct perf_side *s)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < PERF_LAT_BUCKETS; i++)
		n += s->lat[i];
	return n;
}

uint64_t
perf_lat_percentile(const struct perf_side *s, double p)
{
	uint64_t n = perf_lat_samples(s), want, sum = 0;

	if (n == 0)
		return 0;
	want = (uint64_t)(p * (double)n);
	if (want >= n)
		want = n - 1;
	for (unsigned int i = 0; i < PERF_LAT_BUCKETS; i++) {
		sum += s->lat[i];
		if (sum > want)
			return lat_value(i);
	}
	return lat_value(PERF_LAT_BUCKETS - 1);
}

static unsigned int
send_burst(const struct perf_conf *c, int s, struct perf_side *st,
	   uint64_t *seq, uint64_t now)
{
	struct rte_mbuf *pkts[MAX_BURST];
	unsigned int n = c->burst, sent;
	uint64_t bytes = 0;

	if (rte_pktmbuf_alloc_bulk(c->frames[s], pkts, n) != 0)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t k = (*seq)++;
		unsigned int len = c->size ? c->size : perf_imix_size(k);
		char *eth = rte_pktmbuf_mtod(pkts[i], char *);
		struct stamp *ts = (struct stamp *)(eth + (c->tso_mss ?
					TCP_PAYLOAD_OFF : PAYLOAD_OFF));

		if (c->tso_mss)
			set_tso(pkts[i], len, c->tso_mss);
		else
			set_len(pkts[i], len);
		/* frames were built for pair 0, flow 0: only what varies */
		if (c->pairs > 1)
			memcpy(eth, pair_hdr[s][k % c->pairs],
			       2 * RTE_ETHER_ADDR_LEN);
		if (c->flows > 1)
			((struct rte_udp_hdr *)(eth + L4_OFF))->src_port =
				rte_cpu_to_be_16((uint16_t)(1024 +
					(k / c->pairs) % c->flows));
		ts->magic = MAGIC;
		ts->tsc = now;
	}
	sent = rte_eth_tx_burst(c->port[s], 0, pkts, (uint16_t)n);
	st->tx_attempts++;
	if (sent < n) {
		st->tx_full++;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	for (unsigned int i = 0; i < sent; i++)
		bytes += pkts[i]->pkt_len;
	st->tx_pkts += sent;
	st->tx_bytes += bytes;
	return sent;
}

static void
receive(const struct perf_conf *c, int s, struct perf_side *st,
	uint64_t ns_per_tsc_q16, bool loop_back)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t n = rte_eth_rx_burst(c->port[s], 0, pkts, MAX_BURST);
	const unsigned int off = c->tso_mss ? TCP_PAYLOAD_OFF : PAYLOAD_OFF;
	uint64_t now;

	if (n == 0)
		return;
	now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const struct stamp *ts;

		st->rx_bytes += m->pkt_len;
		if (m->data_len < off + sizeof(*ts)) {
			st->rx_foreign++;
			continue;
		}
		ts = rte_pktmbuf_mtod_offset(m, const struct stamp *, off);
		if (ts->magic != MAGIC || ts->tsc > now) {
			st->rx_foreign++;
			continue;
		}
		st->lat[lat_idx(((now - ts->tsc) * ns_per_tsc_q16) >> 16)]++;
	}
	st->rx_pkts += n;
	if (loop_back) {
		/* a PVP guest: back where it came from, MACs swapped */
		uint16_t sent;

		for (uint16_t i = 0; i < n; i++) {
			struct rte_ether_hdr *e = rte_pktmbuf_mtod(pkts[i],
				struct rte_ether_hdr *);
			struct rte_ether_addr t = e->src_addr;

			e->src_addr = e->dst_addr;
			e->dst_addr = t;
		}
		sent = rte_eth_tx_burst(c->port[s], 0, pkts, n);
		st->tx_attempts++;
		st->tx_pkts += sent;
		if (sent < n) {
			st->tx_full++;
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		}
		return;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

void
perf_learn(const struct perf_conf *c)
{
	for (int round = 0; round < 3; round++) {
		for (unsigned int s = 0; s < c->n_ports; s++)
			for (unsigned int k = 0; k < c->pairs; k++) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(
					c->scratch);
				char *eth;

				if (m == NULL)
					break;
				eth = rte_pktmbuf_append(m, 64);
				memset(eth, 0, 64);
				memcpy(eth, pair_hdr[s][k],
				       2 * RTE_ETHER_ADDR_LEN);
				eth[12] = 0x08; /* IPv4, and not ours */
				if (rte_eth_tx_burst(c->port[s], 0, &m, 1) == 0)
					rte_pktmbuf_free(m);
			}
		rte_delay_ms(10);
	}
}

void
perf_run(const struct perf_conf *c, struct perf_trial *t)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t ns_q16 = (1000000000ull << 16) / hz;
	bool sends[2] = { false, false }, recvs[2] = { false, false };
	bool loop = c->mode == MODE_LOOPBACK;
	uint64_t start, end, drain_end, gap = 0, next[2], seq[2] = { 0, 0 };

	memset(t->side, 0, sizeof(t->side));
	switch (c->mode) {
	case MODE_TX:
		sends[0] = true;
		recvs[1] = c->n_ports > 1;
		break;
	case MODE_RX:
		recvs[0] = true;
		break;
	case MODE_UNI:
		sends[0] = recvs[1] = true;
		break;
	case MODE_BI:
		sends[0] = sends[1] = recvs[0] = recvs[1] = true;
		break;
	case MODE_LOOPBACK:
		recvs[0] = true;
		recvs[1] = c->n_ports > 1;
		break;
	}
	if (t->rate > 0)
		gap = (uint64_t)((double)hz * c->burst / t->rate);
	start = rte_rdtsc();
	end = start + (uint64_t)(t->seconds * (double)hz);
	next[0] = next[1] = start;
	for (uint64_t now = start; now < end; now = rte_rdtsc()) {
		for (int s = 0; s < 2; s++) {
			if (!sends[s] || (gap != 0 && now < next[s]))
				continue;
			send_burst(c, s, &t->side[s], &seq[s], now);
			next[s] += gap;
		}
		for (int s = 0; s < 2; s++)
			if (recvs[s])
				receive(c, s, &t->side[s], ns_q16, loop);
	}
	t->elapsed = (double)(rte_rdtsc() - start) / (double)hz;
	/* what is still in flight lands now, and counts */
	drain_end = rte_rdtsc() + hz * DRAIN_MS / 1000;
	while (rte_rdtsc() < drain_end)
		for (int s = 0; s < 2; s++)
			if (recvs[s])
				receive(c, s, &t->side[s], ns_q16, loop);
}

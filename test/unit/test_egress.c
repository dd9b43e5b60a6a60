/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The egress stage with a guest's offloads (lib/port/vunet_port_offload.c)
 * toward an eth port whose device is a net_ring loop: what the stage sends
 * is received back and checked frame by frame. A TSO frame is segmented to
 * the port's MTU, a partial checksum completed on a copy when the frame is
 * shared, a lie dropped and counted, a frame passed whole with the Tx
 * flags rte_vhost reads when the destination takes offloads. Every mbuf
 * back in the pool at the end.
 */

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_port_tx.h"
#include "vunet_vxlan_arp.h"

#define POOL_SIZE 1023

static struct rte_mempool *pool;
static struct rte_mempool *tso_pool; /* what a guest that offloads fills */
static struct vunet_port port;
static struct vunet_port_conf conf = { .name = "loop", .type = VUNET_PORT_ETH,
	.devargs = "net_ring0", .rx_queues = 1, .tx_queues = 1,
	.bridge = -1, .underlay_of = -1, .exception_of = -1 };
static struct vunet_port_stats stats[VUNET_MAX_PORTS];
static struct vunet_tx_ctx tx;

/* A TCP/IPv4 frame with payload bytes from mp, chained as rte_vhost
 * chains it. */
static struct rte_mbuf *
tcp_frame_in(struct rte_mempool *mp, uint32_t payload, uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *last = m;
	uint32_t total = 14 + 20 + 20 + payload;
	uint8_t h[54] = { 0 };

	h[12] = 0x08;
	h[14] = 0x45;
	h[16] = (uint8_t)((40 + payload) >> 8);
	h[17] = (uint8_t)(40 + payload);
	h[22] = 64;
	h[23] = proto;
	h[26] = 10;
	h[33] = 2;
	h[46] = 0x50;                    /* TCP header: 20 bytes */
	h[47] = RTE_TCP_ACK_FLAG;
	memset(h, 0x02, 12);
	*(unaligned_uint16_t *)(h + 24) =
		rte_ipv4_cksum((const struct rte_ipv4_hdr *)(h + 14));
	for (uint32_t i = 0; i < total; i++) {
		if (rte_pktmbuf_tailroom(last) == 0) {
			last = rte_pktmbuf_alloc(mp);
			rte_pktmbuf_chain(m, last);
		}
		*rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len) =
			i < 54 ? h[i] : (uint8_t)(i * 7);
		last->data_len++;
		m->pkt_len++;
	}
	/* the guest's partial sum, as rte_vhost hands it over: not the sum */
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 50) = 0x12;
	return m;
}

static struct rte_mbuf *
tcp_frame(uint32_t payload, uint8_t proto)
{
	return tcp_frame_in(pool, payload, proto);
}

/* Everything the loop holds now. */
static uint16_t
received(struct rte_mbuf **got, uint16_t max)
{
	uint16_t n = 0, k;

	while (n < max && (k = rte_eth_rx_burst(port.eth_id, 0, got + n,
						max - n)) != 0)
		n = (uint16_t)(n + k);
	return n;
}

static bool
tcp_sum_ok(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, 14);

	return rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, 34) == 0 &&
	       rte_raw_cksum(ip, 20) == 0xffff;
}

static void
reset_stats(void)
{
	memset(stats, 0, sizeof(stats));
}

static void
test_tso_segmented_to_mtu(void)
{
	struct rte_mbuf *m = tcp_frame_in(tso_pool, 10000, IPPROTO_TCP);
	struct rte_mbuf *got[64];
	uint32_t bytes = 0;
	uint16_t n;

	reset_stats();
	CHECK_EQ(m->nb_segs, 1);
	CHECK_EQ(rte_mempool_in_use_count(tso_pool), 1);
	m->ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->tso_segsz = 8000;     /* a jumbo guest's: the port's MTU is less */
	CHECK_EQ(vunet_port_tx(&port, &tx, &m, 1, rte_pktmbuf_pkt_len(m)), 7);
	n = received(got, RTE_DIM(got));
	CHECK_EQ(n, 7);          /* 10000 bytes at 1460 a segment */
	for (uint16_t i = 0; i < n; i++) {
		CHECK(tcp_sum_ok(got[i]));
		CHECK_EQ(got[i]->nb_segs, 1);
		CHECK_EQ(got[i]->ol_flags & (RTE_MBUF_F_TX_TCP_SEG |
					     RTE_MBUF_F_TX_L4_MASK), 0);
		CHECK(rte_pktmbuf_pkt_len(got[i]) <= 1514);
		/* the transmit context's buffers, not 16 KB ones */
		CHECK(got[i]->pool == pool);
		bytes += rte_pktmbuf_pkt_len(got[i]) - 54;
	}
	CHECK_EQ(bytes, 10000);
	CHECK_EQ(stats[port.index].txq[0].pkts, 7);
	CHECK_EQ(stats[port.index].tso_segmented, 1);
	CHECK_EQ(stats[port.index].tso_segments, 7);
	CHECK_EQ(stats[port.index].tso_passed, 0);
	CHECK_EQ(stats[port.index].csum_completed, 0);
	CHECK_EQ(rte_mempool_in_use_count(tso_pool), 0);
	rte_pktmbuf_free_bulk(got, n);
}

/* Flooded to several ports: the shared frame itself is not changed. */
static void
test_shared_checksum_completed_on_a_copy(void)
{
	struct rte_mbuf *m = tcp_frame(1400, IPPROTO_TCP), *got[4];

	reset_stats();
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	rte_pktmbuf_refcnt_update(m, 1);
	CHECK_EQ(vunet_port_tx(&port, &tx, &m, 1, rte_pktmbuf_pkt_len(m)), 1);
	if (received(got, RTE_DIM(got)) != 1) {
		CHECK(false);
		rte_pktmbuf_free(m);
		return;
	}
	CHECK(got[0] != m);
	CHECK(tcp_sum_ok(got[0]));
	CHECK_EQ(rte_pktmbuf_pkt_len(got[0]), 1454);
	CHECK_EQ(*rte_pktmbuf_mtod_offset(m, uint8_t *, 50), 0x12);
	CHECK_EQ(got[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, 0);
	/* the stage let go of its own reference */
	CHECK_EQ(rte_mbuf_refcnt_read(m), 1);
	CHECK_EQ(stats[port.index].csum_completed, 1);
	CHECK_EQ(stats[port.index].tso_segmented, 0);
	rte_pktmbuf_free(got[0]);
	rte_pktmbuf_free(m);
}

static void
test_lies_dropped_and_counted(void)
{
	struct rte_mbuf *m[3], *got[4];

	reset_stats();
	m[0] = tcp_frame(4000, IPPROTO_UDP);    /* "TSO" of UDP */
	m[0]->ol_flags |= RTE_MBUF_F_RX_LRO;
	m[0]->tso_segsz = 1448;
	m[1] = tcp_frame(4000, IPPROTO_TCP);    /* gso_size 0 */
	m[1]->ol_flags |= RTE_MBUF_F_RX_LRO;
	m[1]->tso_segsz = 0;
	m[2] = tcp_frame(100, 1);               /* a partial ICMP sum */
	m[2]->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
	CHECK_EQ(vunet_port_tx(&port, &tx, m, 3, 4054), 0);
	CHECK_EQ(received(got, RTE_DIM(got)), 0);
	CHECK_EQ(stats[port.index].drop[VUNET_DROP_GSO_BAD], 3);
	/* nothing was done for them */
	CHECK_EQ(stats[port.index].tso_segmented + stats[port.index].tso_passed +
		 stats[port.index].csum_completed, 0);
}

/* A batch keeps its order: plain, TSO, plain. */
static void
test_order_kept(void)
{
	struct rte_mbuf *m[3], *got[8];

	reset_stats();
	m[0] = tcp_frame(10, IPPROTO_TCP);
	m[1] = tcp_frame(2000, IPPROTO_TCP);
	m[1]->ol_flags |= RTE_MBUF_F_RX_LRO;
	m[1]->tso_segsz = 1000;
	m[2] = tcp_frame(20, IPPROTO_TCP);
	CHECK_EQ(vunet_port_tx(&port, &tx, m, 3, 2054), 4);
	CHECK_EQ(received(got, RTE_DIM(got)), 4);
	CHECK_EQ(rte_pktmbuf_pkt_len(got[0]), 64);
	CHECK_EQ(rte_pktmbuf_pkt_len(got[1]), 1054);
	CHECK_EQ(rte_pktmbuf_pkt_len(got[2]), 1054);
	CHECK_EQ(rte_pktmbuf_pkt_len(got[3]), 74);
	rte_pktmbuf_free_bulk(got, 4);
}

/* A destination that takes offloads gets the frame whole, flagged. */
static void
test_whole_to_a_taker(void)
{
	struct rte_mbuf *m = tcp_frame(6000, IPPROTO_TCP), *got[4];
	uint8_t caps = port.caps;

	reset_stats();
	port.caps |= VUNET_CAP_TSO_OUT | VUNET_CAP_CSUM_OUT |
		     VUNET_CAP_TX_CHAINS;
	m->ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->tso_segsz = 1448;
	CHECK_EQ(vunet_port_tx(&port, &tx, &m, 1, 6054), 1);
	CHECK_EQ(received(got, RTE_DIM(got)), 1);
	CHECK(got[0] == m);
	CHECK((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	      (m->ol_flags & RTE_MBUF_F_TX_IPV4) &&
	      (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM);
	CHECK_EQ(m->l2_len, 14);
	CHECK_EQ(m->l3_len, 20);
	CHECK_EQ(m->l4_len, 20);
	CHECK_EQ(m->tso_segsz, 1448);
	CHECK_EQ(stats[port.index].tso_passed, 1);
	CHECK_EQ(stats[port.index].tso_segmented, 0);
	rte_pktmbuf_free(got[0]);
	/* whole means whole: bytes after its IP packet are a lie */
	m = tcp_frame(6000, IPPROTO_TCP);
	m->ol_flags |= RTE_MBUF_F_RX_LRO;
	m->tso_segsz = 1448;
	memset(rte_pktmbuf_append(m, 10), 0, 10);
	CHECK_EQ(vunet_port_tx(&port, &tx, &m, 1, 6064), 0);
	CHECK_EQ(received(got, RTE_DIM(got)), 0);
	CHECK_EQ(stats[port.index].drop[VUNET_DROP_GSO_BAD], 1);
	port.caps = caps;
}

/*
 * Two remotes behind one gateway, over the loop as their underlay: what
 * a worker's batches send them waits in the stage and leaves in one burst
 * of the underlay's, in order; a stage that would overflow is sent first.
 * Counted on each remote as staged, on the underlay as sent.
 */
static void
test_remotes_share_one_send(void)
{
	static const char text[] =
		"{ \"bridges\": [ { \"name\": \"b\", \"vxlan\": {"
		"  \"underlay\": \"u\", \"local_ip\": \"192.0.2.1/24\","
		"  \"gateway\": \"192.0.2.2\","
		"  \"vnis\": [ { \"vlan\": 1, \"vni\": 5001 } ],"
		"  \"remotes\": [ \"198.18.0.1\", \"198.18.0.2\" ] } } ],"
		"  \"ports\": [ { \"name\": \"u\", \"type\": \"eth\","
		"    \"devargs\": \"net_ring0\" } ] }";
	static struct vunet_config c;
	static struct vunet_port vt[2];
	static struct vunet_tx_stage stage;
	struct vunet_tx_ctx t = { .worker = 0, .st = stats, .pool = pool,
				  .stage = &stage };
	struct rte_mbuf *m[40], *got[48], *arp = rte_pktmbuf_alloc(pool);
	char err[VUNET_ERR_MAX];

	reset_stats();
	CHECK_EQ(vunet_config_parse(text, "t", &c, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(vunet_port_create(&vt[i], (uint16_t)(4 + i),
					   &c.ports[1 + i], err,
					   sizeof(err)), 0);
		vunet_port_vtep_bind(&vt[i], &port);
	}
	/* one request for both, one reply from the gateway */
	vunet_port_vtep_resolve(vt, 2);
	CHECK_EQ(received(got, RTE_DIM(got)), 1);
	rte_pktmbuf_free(got[0]);
	vunet_vxlan_arp_fill(arp, RTE_ARP_OP_REPLY,
			     &(struct rte_ether_addr){{ 2, 0, 0, 0, 0, 2 }},
			     rte_cpu_to_be_32(RTE_IPV4(192, 0, 2, 2)),
			     &port.mac, rte_cpu_to_be_32(RTE_IPV4(192, 0, 2, 1)));
	vunet_port_vtep_arp(vt, 2, &port, arp);
	rte_pktmbuf_free(arp);
	CHECK(vunet_port_is_up(&vt[0]) && vunet_port_is_up(&vt[1]));
	for (int round = 0; round < 2; round++) {
		uint16_t each = round == 0 ? 1 : 20, n = 0;

		for (uint16_t i = 0; i < 2 * each; i++) {
			m[i] = tcp_frame(10, IPPROTO_TCP);
			m[i]->vlan_tci = 1;
		}
		CHECK_EQ(vunet_port_tx(&vt[0], &t, m, each, 64), each);
		CHECK_EQ(received(got, RTE_DIM(got)), 0);
		/* 20 + 20 would not fit a burst: the first 20 go now */
		CHECK_EQ(vunet_port_tx(&vt[1], &t, m + each, each, 64), each);
		n = received(got, RTE_DIM(got));
		CHECK_EQ(n, round == 0 ? 0 : 20);
		CHECK_EQ(vunet_port_tx_stage_flush(&t), round == 0 ? 2 : 20);
		CHECK_EQ(stage.n, 0);
		n = (uint16_t)(n + received(got + n, RTE_DIM(got) - n));
		CHECK_EQ(n, 2 * each);
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *h = rte_pktmbuf_mtod(got[i], uint8_t *);

			/* each to its remote, in the order sent */
			CHECK_EQ(h[14 + 19], i < each ? 1 : 2);
			CHECK_EQ(rte_pktmbuf_pkt_len(got[i]), 64 + 50);
		}
		rte_pktmbuf_free_bulk(got, n);
	}
	CHECK_EQ(stats[4].txq[0].pkts, 21);
	CHECK_EQ(stats[5].txq[0].pkts, 21);
	/* the ARP request went by the control thread's own send */
	CHECK_EQ(stats[port.index].txq[0].pkts, 42);
	for (int i = 0; i < 2; i++)
		vunet_port_destroy(&vt[i]);
}

static void
test_pool_whole(void)
{
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE);
	CHECK_EQ(rte_mempool_avail_count(tso_pool), 63);
}

int
main(void)
{
	struct vunet_port_env env = { .n_workers = 1 };
	char err[VUNET_ERR_MAX];

	unit_eal_init("unit_egress");
	pool = rte_pktmbuf_pool_create("unit_egress", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	tso_pool = rte_pktmbuf_pool_create("unit_egress_tso", 63, 0, 0,
					   VUNET_TSO_BUF_SIZE, 0);
	env.pools[0] = pool;
	env.tso_pools[0] = tso_pool;
	vunet_port_env_set(&env);
	if (pool == NULL || tso_pool == NULL ||
	    vunet_port_create(&port, 3, &conf, err, sizeof(err)) < 0) {
		printf("Bail out! no loop port: %s\n", err);
		return 1;
	}
	tx = (struct vunet_tx_ctx){ .worker = 0, .st = stats,
				    .offloads = true, .pool = pool };
	RUN(test_tso_segmented_to_mtu);
	RUN(test_shared_checksum_completed_on_a_copy);
	RUN(test_lies_dropped_and_counted);
	RUN(test_order_kept);
	RUN(test_whole_to_a_taker);
	RUN(test_remotes_share_one_send);
	vunet_port_destroy(&port);
	RUN(test_pool_whole);
	return TAP_DONE();
}

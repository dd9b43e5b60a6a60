/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The forwarding decision on real mbufs, over ports that are only state
 * (no devices): flooding and VLANs, learning, port security, the drop
 * reasons, cross-connects. Every test ends with every mbuf back in the pool.
 */

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_port_tx.h"
#include "vunet_switch.h"

#define POOL_SIZE 1023

static const char conf_text[] =
	"{ \"bridges\": [ { \"name\": \"br0\", \"fdb_size\": 64 },"
	"                 { \"name\": \"br1\" }, { \"name\": \"br2\" },"
	"                 { \"name\": \"br3\", \"vxlan\": { \"underlay\": \"ul\","
	"                   \"local_ip\": \"192.0.2.1\","
	"                   \"vnis\": [ { \"vlan\": 10, \"vni\": 5010 } ],"
	"                   \"remotes\": [ \"192.0.2.2\", \"192.0.2.3\" ] } } ],"
	"  \"ports\": ["
	"  { \"name\": \"p0\", \"type\": \"eth\", \"devargs\": \"x0\","
	"    \"bridge\": \"br0\", \"vlan\": 10 },"
	"  { \"name\": \"p1\", \"type\": \"eth\", \"devargs\": \"x1\","
	"    \"bridge\": \"br0\", \"vlan\": 10 },"
	"  { \"name\": \"p2\", \"type\": \"eth\", \"devargs\": \"x2\","
	"    \"bridge\": \"br0\", \"vlan\": 20 },"
	"  { \"name\": \"p3\", \"type\": \"eth\", \"devargs\": \"x3\","
	"    \"bridge\": \"br0\", \"vlan\": 10 },"
	"  { \"name\": \"p4\", \"type\": \"eth\", \"devargs\": \"x4\","
	"    \"bridge\": \"br1\", \"vlan\": 10 },"
	"  { \"name\": \"p5\", \"type\": \"vhost\", \"path\": \"/p5\","
	"    \"bridge\": \"br0\", \"vlan\": 10,"
	"    \"allowed_macs\": [ \"52:54:00:00:05:01\", \"52:54:00:00:05:02\" ] },"
	"  { \"name\": \"xa\", \"type\": \"eth\", \"devargs\": \"xa\" },"
	"  { \"name\": \"xb\", \"type\": \"eth\", \"devargs\": \"xb\" },"
	"  { \"name\": \"lone\", \"type\": \"eth\", \"devargs\": \"xl\" },"
	"  { \"name\": \"q0\", \"type\": \"eth\", \"devargs\": \"xq\","
	"    \"bridge\": \"br1\", \"vlan\": 10, \"mac_limit\": 2,"
	"    \"flood_pps\": 100 },"
	"  { \"name\": \"a10\", \"type\": \"eth\", \"devargs\": \"a10\","
	"    \"bridge\": \"br2\", \"vlan\": 10 },"
	"  { \"name\": \"b10\", \"type\": \"vhost\", \"path\": \"/b10\","
	"    \"bridge\": \"br2\", \"vlan\": 10 },"
	"  { \"name\": \"a20\", \"type\": \"vhost\", \"path\": \"/a20\","
	"    \"bridge\": \"br2\", \"vlan\": 20 },"
	"  { \"name\": \"a30\", \"type\": \"eth\", \"devargs\": \"a30\","
	"    \"bridge\": \"br2\", \"vlan\": 30 },"
	"  { \"name\": \"t0\", \"type\": \"eth\", \"devargs\": \"t0\","
	"    \"bridge\": \"br2\", \"trunk\": [ 10, 20 ], \"native_vlan\": 30 },"
	"  { \"name\": \"t1\", \"type\": \"vhost\", \"path\": \"/t1\","
	"    \"bridge\": \"br2\", \"trunk\": [ \"10-11\" ] },"
	"  { \"name\": \"ul\", \"type\": \"eth\", \"devargs\": \"ul\" },"
	"  { \"name\": \"x10\", \"type\": \"eth\", \"devargs\": \"x10\","
	"    \"bridge\": \"br3\", \"vlan\": 10 } ],"
	"  \"xconnects\": [ { \"a\": \"xa\", \"b\": \"xb\" } ] }";

enum { P0, P1, P2, P3, P4, P5, XA, XB, LONE, Q0, A10, B10, A20, A30, T0, T1,
	UL, X10, VT2, VT3, N_PORTS }; /* VT2, VT3: br3's remote VTEPs */

static struct vunet_config conf;
static struct vunet_port ports[N_PORTS];
static struct vunet_switch *sw;
static struct rte_mempool *pool;
static struct rte_ring *learn_ring;
static uint64_t learn_lost;
static struct vunet_out out;
static struct vunet_fdb_cache cache;
static struct vunet_port_stats st[VUNET_MAX_PORTS];

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac0[6] = { 0x52, 0x54, 0, 0, 0, 0x01 };
static const uint8_t mac1[6] = { 0x52, 0x54, 0, 0, 0, 0x02 };
static const uint8_t mac5a[6] = { 0x52, 0x54, 0, 0, 0x05, 0x01 };
static const uint8_t mac5b[6] = { 0x52, 0x54, 0, 0, 0x05, 0x02 };
static const uint8_t spoof[6] = { 0x52, 0x54, 0, 0, 0x05, 0x03 };

static struct rte_mbuf *
frame(const uint8_t *dst, const uint8_t *src, uint16_t type, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0, len);
	if (len >= RTE_ETHER_HDR_LEN) {
		memcpy(p, dst, 6);
		memcpy(p + 6, src, 6);
		p[12] = (uint8_t)(type >> 8);
		p[13] = (uint8_t)type;
	}
	return m;
}

/* Run one burst from port in; returns how many batch slots port p got. */
static void
input_at(uint16_t in, struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	const struct vunet_switch_ctx x = { .sw = sw, .out = &out, .st = st,
		.learn = learn_ring, .learn_lost = &learn_lost,
		.cache = &cache };

	vunet_switch_input(&x, vunet_switch_table(sw), now, in, pkts, n);
}

static void
input(uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	input_at(in, pkts, n, 1000);
}

static uint16_t
got(uint16_t port)
{
	return out.buf[port].n;
}

/* Release every batch, as a worker's flush would. */
static void
release(void)
{
	for (uint16_t i = 0; i < out.n_dirty; i++) {
		struct vunet_txbuf *b = &out.buf[out.dirty[i]];

		rte_pktmbuf_free_bulk(b->pkts, b->n);
		b->n = 0;
	}
	out.n_dirty = 0;
	out.grew = false;
}

static void
reset(void)
{
	release();
	memset(st, 0, sizeof(st));
	vunet_fdb_flush(sw->bridges[0].fdb, -1);
	vunet_fdb_flush(sw->bridges[1].fdb, -1);
	vunet_fdb_flush(sw->bridges[2].fdb, -1);
	vunet_fdb_flush(sw->bridges[3].fdb, -1);
	rte_ring_reset(learn_ring);
	for (int p = 0; p < N_PORTS; p++) {
		ports[p].eth_up = true;
		ports[p].vid = 0;
	}
	ports[P3].eth_up = false;
}

static void
check_pool_full(void)
{
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
broadcast_floods_the_vlan_only(void)
{
	struct rte_mbuf *m;

	reset();
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P0, &m, 1);
	/* p1 and p5 share VLAN 10 in br0; p2 is VLAN 20, p3 is down,
	 * p4 is another bridge */
	CHECK_EQ(got(P1), 1);
	CHECK_EQ(got(P5), 1);
	CHECK_EQ(got(P0) + got(P2) + got(P3) + got(P4), 0);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 2);
	release();
	ports[P3].eth_up = true;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(P0, &m, 1);
	CHECK_EQ(got(P1) + got(P3) + got(P5), 3);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 3);
	reset();
	check_pool_full();
}

static void
multicast_and_unknown_unicast_flood(void)
{
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	struct rte_mbuf *m[2];

	reset();
	m[0] = frame(mcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m[1] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P0, m, 2);
	CHECK_EQ(got(P1), 2);
	CHECK_EQ(got(P5), 2);
	CHECK_EQ(got(P2), 0);
	reset();
	check_pool_full();
}

static void
learned_unicast_reaches_one_port(void)
{
	struct rte_mbuf *m;

	reset();
	m = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60);
	input(P1, &m, 1);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	CHECK_EQ(vunet_fdb_get(sw->bridges[0].fdb, vunet_fdb_key(mac1, 10)),
		 P1);
	m = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 100);
	input(P0, &m, 1);
	CHECK_EQ(got(P1), 1);
	CHECK_EQ(out.n_dirty, 1);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 1);
	/* the same MAC in VLAN 20 is unknown there */
	release();
	m = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 100);
	input(P2, &m, 1);
	CHECK_EQ(out.n_dirty, 0);
	CHECK_EQ(st[P2].drop[VUNET_DROP_NO_DEST], 1);
	reset();
	check_pool_full();
}

static void
one_learning_event_per_source_per_burst(void)
{
	struct rte_mbuf *m[VUNET_BURST];

	reset();
	for (int i = 0; i < VUNET_BURST; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P0, m, VUNET_BURST);
	CHECK_EQ(rte_ring_count(learn_ring), 1);
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	release();
	/* known and on the same port: no more events */
	for (int i = 0; i < VUNET_BURST; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P0, m, VUNET_BURST);
	CHECK_EQ(rte_ring_count(learn_ring), 0);
	reset();
	check_pool_full();
}

static void
a_moved_mac_is_relearned(void)
{
	struct rte_mbuf *m;
	uint64_t moved = sw->bridges[0].moved;

	reset();
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(P0, &m, 1);
	vunet_switch_learn_drain(sw, learn_ring, 1000);
	release();
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(P1, &m, 1);
	vunet_switch_learn_drain(sw, learn_ring, 1000);
	CHECK_EQ(vunet_fdb_get(sw->bridges[0].fdb, vunet_fdb_key(mac0, 10)),
		 P1);
	CHECK_EQ(sw->bridges[0].moved, moved + 1);
	reset();
	check_pool_full();
}

static void
port_security_drops_spoofed_sources(void)
{
	struct rte_mbuf *m[3];

	reset();
	m[0] = frame(bcast, mac5a, RTE_ETHER_TYPE_ARP, 60);
	m[1] = frame(bcast, spoof, RTE_ETHER_TYPE_ARP, 60);
	m[2] = frame(bcast, mac5b, RTE_ETHER_TYPE_ARP, 60);
	input(P5, m, 3);
	CHECK_EQ(got(P0), 2);
	CHECK_EQ(got(P1), 2);
	CHECK_EQ(st[P5].drop[VUNET_DROP_SPOOF], 1);
	/* the spoofed source was not learned */
	vunet_switch_learn_drain(sw, learn_ring, 1000);
	CHECK_EQ(vunet_fdb_get(sw->bridges[0].fdb, vunet_fdb_key(spoof, 10)),
		 -1);
	CHECK_EQ(vunet_fdb_get(sw->bridges[0].fdb, vunet_fdb_key(mac5a, 10)),
		 P5);
	/* ports without a list take any unicast source */
	release();
	m[0] = frame(bcast, spoof, RTE_ETHER_TYPE_ARP, 60);
	input(P0, m, 1);
	CHECK_EQ(st[P0].drop[VUNET_DROP_SPOOF], 0);
	CHECK_EQ(got(P5), 1);
	reset();
	check_pool_full();
}

static void
malformed_frames_are_dropped_with_reasons(void)
{
	static const uint8_t zero[6] = { 0 };
	struct rte_mbuf *m[5];

	reset();
	m[0] = frame(bcast, mac0, RTE_ETHER_TYPE_VLAN, 64);
	m[1] = frame(bcast, mac0, RTE_ETHER_TYPE_QINQ, 64);
	m[2] = frame(mac1, bcast, RTE_ETHER_TYPE_IPV4, 60);
	m[3] = frame(mac1, zero, RTE_ETHER_TYPE_IPV4, 60);
	m[4] = frame(mac1, mac0, 0, 10);
	input(P0, m, 5);
	CHECK_EQ(st[P0].drop[VUNET_DROP_VLAN], 2);
	CHECK_EQ(st[P0].drop[VUNET_DROP_BAD_SRC], 2);
	CHECK_EQ(st[P0].drop[VUNET_DROP_RUNT], 1);
	CHECK_EQ(out.n_dirty, 0);
	CHECK_EQ(rte_ring_count(learn_ring), 0);
	reset();
	check_pool_full();
}

static void
destination_on_the_ingress_port_is_dropped(void)
{
	struct rte_mbuf *m;

	reset();
	m = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60);
	input(P1, &m, 1);
	vunet_switch_learn_drain(sw, learn_ring, 1000);
	release();
	m = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P1, &m, 1);
	CHECK_EQ(st[P1].drop[VUNET_DROP_SAME_PORT], 1);
	CHECK_EQ(out.n_dirty, 0);
	reset();
	check_pool_full();
}

static void
flood_with_no_port_up_is_a_drop(void)
{
	struct rte_mbuf *m;

	reset();
	ports[P1].eth_up = false;
	ports[P5].vid = -1;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(P0, &m, 1);
	CHECK_EQ(out.n_dirty, 0);
	CHECK_EQ(st[P0].drop[VUNET_DROP_NO_DEST], 1);
	reset();
	check_pool_full();
}

static void
cross_connect_forwards_everything_both_ways(void)
{
	struct rte_mbuf *m[4];

	reset();
	m[0] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m[1] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	/* no bridge checks on a cross-connect: tagged and odd frames pass */
	m[2] = frame(mac1, mac0, RTE_ETHER_TYPE_VLAN, 64);
	m[3] = frame(mac0, mac1, RTE_ETHER_TYPE_IPV4, 60);
	input(XA, m, 3);
	CHECK_EQ(got(XB), 3);
	CHECK_EQ(out.n_dirty, 1);
	input(XB, &m[3], 1);
	CHECK_EQ(got(XA), 1);
	CHECK_EQ(rte_ring_count(learn_ring), 0);
	release();
	ports[XB].eth_up = false;
	m[0] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(XA, m, 1);
	CHECK_EQ(st[XA].drop[VUNET_DROP_NO_DEST], 1);
	CHECK_EQ(out.n_dirty, 0);
	reset();
	check_pool_full();
}

static void
unattached_port_drops(void)
{
	struct rte_mbuf *m;

	reset();
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(LONE, &m, 1);
	CHECK_EQ(st[LONE].drop[VUNET_DROP_NO_DEST], 1);
	CHECK_EQ(out.n_dirty, 0);
	reset();
	check_pool_full();
}

/*
 * The bridge decides once per run of equal headers: runs broken by bad
 * frames, runs with different destinations and equal bad headers in a row
 * must each get their own decision, and every port keeps the order.
 */
static void
runs_of_equal_headers_keep_order_and_checks(void)
{
	static const uint8_t zero[6] = { 0 };
	struct rte_mbuf *m[12];

	reset();
	/* teach the table where mac1 (P1) and mac5a (P5) are */
	m[0] = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60);
	input(P1, m, 1);
	m[0] = frame(bcast, mac5a, RTE_ETHER_TYPE_ARP, 60);
	input(P5, m, 1);
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 2);
	release();

	m[0] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m[1] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 61);
	m[2] = frame(mac1, mac0, 0, 10);                    /* runt */
	m[3] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 62);
	m[4] = frame(mac1, zero, RTE_ETHER_TYPE_IPV4, 60);  /* bad source */
	m[5] = frame(mac1, zero, RTE_ETHER_TYPE_IPV4, 60);  /* same again */
	m[6] = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 63);
	m[7] = frame(mac1, mac0, RTE_ETHER_TYPE_VLAN, 64);  /* tagged */
	m[8] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 64);
	m[9] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 65);
	m[10] = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 66);
	m[11] = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 67);
	input(P0, m, 12);
	CHECK_EQ(st[P0].drop[VUNET_DROP_RUNT], 1);
	CHECK_EQ(st[P0].drop[VUNET_DROP_BAD_SRC], 2);
	CHECK_EQ(st[P0].drop[VUNET_DROP_VLAN], 1);
	/* P1: 60, 61, 62, 64 and the broadcast; P5: 63, broadcast, 66, 67 */
	CHECK_EQ(got(P1), 5);
	CHECK_EQ(got(P5), 4);
	CHECK_EQ(got(P2), 0);
	if (got(P1) == 5 && got(P5) == 4) {
		static const uint16_t l1[] = { 60, 61, 62, 64, 65 };
		static const uint16_t l5[] = { 63, 65, 66, 67 };

		for (int i = 0; i < 5; i++)
			CHECK_EQ(rte_pktmbuf_pkt_len(out.buf[P1].pkts[i]),
				 l1[i]);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(rte_pktmbuf_pkt_len(out.buf[P5].pkts[i]),
				 l5[i]);
	}
	/* mac0 is new: one event for the whole burst */
	CHECK_EQ(rte_ring_count(learn_ring), 1);
	reset();
	check_pool_full();
}

/* The burst free takes the one-put path only when that is safe. */
static void
burst_free_handles_shared_and_foreign_mbufs(void)
{
	struct rte_mempool *other = rte_pktmbuf_pool_create("test_other", 63,
		0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mbuf *m[4];

	CHECK(other != NULL);
	if (other == NULL)
		return;
	reset();
	for (int i = 0; i < 4; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	vunet_mbufs_free(m, 4);
	check_pool_full();
	/* one shared: only its extra reference survives */
	for (int i = 0; i < 4; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	rte_mbuf_refcnt_update(m[2], 1);
	vunet_mbufs_free(m, 4);
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE - 1);
	CHECK_EQ(rte_mbuf_refcnt_read(m[2]), 1);
	rte_pktmbuf_free(m[2]);
	check_pool_full();
	/* one from another pool goes back to that pool */
	for (int i = 0; i < 4; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	rte_pktmbuf_free(m[1]);
	m[1] = rte_pktmbuf_alloc(other);
	vunet_mbufs_free(m, 4);
	check_pool_full();
	CHECK_EQ(rte_mempool_avail_count(other), 63);
	/* a chain goes back whole */
	m[0] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m[1] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	CHECK_EQ(rte_pktmbuf_chain(m[0], m[1]), 0);
	vunet_mbufs_free(m, 1);
	check_pool_full();
	rte_mempool_free(other);
}

/* A chain of segs segments of seg_len bytes each, the first with a header. */
static struct rte_mbuf *
chain(const uint8_t *dst, const uint8_t *src, uint16_t segs, uint16_t seg_len)
{
	struct rte_mbuf *head = frame(dst, src, RTE_ETHER_TYPE_IPV4, seg_len);

	for (uint16_t i = 1; head != NULL && i < segs; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		if (m == NULL || rte_pktmbuf_append(m, seg_len) == NULL ||
		    rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		memset(rte_pktmbuf_mtod(m, void *), (int)i, seg_len);
	}
	return head;
}

/*
 * A flooded chain: every destination holds a reference to every segment,
 * so releasing the batches returns each segment to the pool exactly once.
 * (Raising only the head's count gave segment 2 back once per destination.)
 */
static void
flooded_chains_hold_every_segment(void)
{
	struct rte_mbuf *m;

	reset();
	m = chain(bcast, mac0, 2, 2000);
	CHECK(m != NULL);
	input(P0, &m, 1);
	/* p1 and p5: one frame each, the same chain */
	CHECK_EQ(got(P1), 1);
	CHECK_EQ(got(P5), 1);
	CHECK(out.buf[P1].pkts[0] == out.buf[P5].pkts[0]);
	CHECK_EQ(rte_pktmbuf_pkt_len(out.buf[P1].pkts[0]), 4000);
	CHECK_EQ(rte_mbuf_refcnt_read(out.buf[P1].pkts[0]), 2);
	CHECK_EQ(rte_mbuf_refcnt_read(out.buf[P1].pkts[0]->next), 2);
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE - 2);
	release();
	check_pool_full();
}

/*
 * Frames longer than the port's MTU, header and one tag are dropped on
 * ingress (the worker calls this when a burst's longest is too long).
 */
static void
oversize_frames_are_dropped_on_ingress(void)
{
	struct vunet_port_stats s = { 0 };
	struct vunet_port vm = { .type = VUNET_PORT_VHOST, .max_frame = 9018 };
	struct rte_mbuf *m[4];
	uint32_t longest;

	reset();
	m[0] = chain(bcast, mac0, 5, 2000);     /* 10000 */
	m[1] = chain(bcast, mac0, 4, 2000);     /* 8000 */
	m[2] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m[3] = chain(bcast, mac0, 5, 1804);     /* 9020 */
	CHECK_EQ(vunet_pkts_bytes_longest(m, 4, &longest),
		 10000 + 8000 + 60 + 9020);
	CHECK_EQ(longest, 10000);
	CHECK_EQ(vunet_port_rx_admit(&vm, m, 4, &s), 2);
	CHECK_EQ(s.drop[VUNET_DROP_OVERSIZE], 2);
	CHECK_EQ(rte_pktmbuf_pkt_len(m[0]), 8000);
	CHECK_EQ(rte_pktmbuf_pkt_len(m[1]), 60);
	rte_pktmbuf_free_bulk(m, 2);
	check_pool_full();
}

/* What the egress port cannot take whole never reaches its driver. */
static void
egress_drops_what_the_port_cannot_send(void)
{
	struct vunet_port_stats s = { 0 };
	struct vunet_port eth = { .type = VUNET_PORT_ETH, .max_frame = 1518,
				  .caps = 0 };
	struct rte_mbuf *m[4];
	uint16_t n;

	reset();
	m[0] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 100);
	m[1] = chain(mac1, mac0, 2, 500);
	m[2] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 1519);
	m[3] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 1518);
	n = vunet_port_tx_admit(&eth, m, 4, &s);
	CHECK_EQ(n, 2);
	CHECK_EQ(rte_pktmbuf_pkt_len(m[0]), 100);
	CHECK_EQ(rte_pktmbuf_pkt_len(m[1]), 1518);
	CHECK_EQ(s.drop[VUNET_DROP_TX_CHAIN], 1);
	CHECK_EQ(s.drop[VUNET_DROP_TX_OVERSIZE], 1);
	rte_pktmbuf_free_bulk(m, n);
	/* a device that gathers chains gets them */
	eth.caps |= VUNET_CAP_TX_CHAINS;
	m[0] = chain(mac1, mac0, 3, 500);
	CHECK_EQ(vunet_port_tx_admit(&eth, m, 1, &s), 1);
	rte_pktmbuf_free(m[0]);
	check_pool_full();
}

/*
 * A port at its MAC limit learns no more: the control thread refuses what
 * the workers let through before the count caught up, then the workers
 * drop frames from new sources; known sources go on.
 */
static void
a_port_at_its_mac_limit_learns_no_more(void)
{
	static const uint8_t src[3][6] = { { 0x52, 0x54, 0, 0, 0x0a, 1 },
					   { 0x52, 0x54, 0, 0, 0x0a, 2 },
					   { 0x52, 0x54, 0, 0, 0x0a, 3 } };
	struct vunet_bridge *b = &sw->bridges[1];
	uint64_t limited = b->limited;
	struct rte_mbuf *m[3];

	reset();
	for (int i = 0; i < 3; i++)
		m[i] = frame(mac1, src[i], RTE_ETHER_TYPE_IPV4, 60);
	input(Q0, m, 3);
	CHECK_EQ(got(P4), 3);
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 3);
	CHECK_EQ(vunet_fdb_port_count(b->fdb, Q0), 2);
	CHECK_EQ(b->limited, limited + 1);
	release();
	for (int i = 0; i < 3; i++)
		m[i] = frame(mac1, src[i], RTE_ETHER_TYPE_IPV4, 60);
	input(Q0, m, 3);
	CHECK_EQ(got(P4), 2);
	CHECK_EQ(st[Q0].drop[VUNET_DROP_MAC_LIMIT], 1);
	/* its MACs aged out or flushed: room again */
	vunet_fdb_flush(b->fdb, Q0);
	CHECK_EQ(vunet_fdb_port_count(b->fdb, Q0), 0);
	reset();
	check_pool_full();
}

/* 01:80:c2:00:00:00-0f is never forwarded; :10 is ordinary multicast. */
static void
link_local_frames_are_not_forwarded(void)
{
	static const uint8_t stp[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x00 };
	static const uint8_t lldp[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x0e };
	static const uint8_t other[6] = { 0x01, 0x80, 0xc2, 0, 0, 0x10 };
	struct rte_mbuf *m[3];

	reset();
	m[0] = frame(stp, mac0, 0x0026, 60);
	m[1] = frame(lldp, mac0, 0x88cc, 60);
	m[2] = frame(other, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(P0, m, 3);
	CHECK_EQ(st[P0].drop[VUNET_DROP_LINK_LOCAL], 2);
	CHECK_EQ(got(P1), 1);
	reset();
	check_pool_full();
}

/*
 * 100 flooded frames a second, a burst of 32 tolerated: of 40 at once 33
 * pass (the burst and the frame due now), none more at the same instant,
 * 100 more a second later; unicast is not limited.
 */
static void
flooding_is_rate_limited_per_port(void)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = 5 * hz;
	struct rte_mbuf *m[VUNET_BURST];

	reset();
	sw->ports[Q0].flood_tat = 0;
	for (int i = 0; i < 32; i++)
		m[i] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input_at(Q0, m, 32, t0);
	CHECK_EQ(got(P4), 32);
	for (int i = 0; i < 8; i++)
		m[i] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input_at(Q0, m, 8, t0);
	CHECK_EQ(got(P4), 33);
	CHECK_EQ(st[Q0].drop[VUNET_DROP_FLOOD_RATE], 7);
	release();
	m[0] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input_at(Q0, m, 1, t0);
	CHECK_EQ(got(P4), 0);
	CHECK_EQ(st[Q0].drop[VUNET_DROP_FLOOD_RATE], 8);
	/* a second later: the burst again (100 earned, 33 tolerated) */
	for (int i = 0; i < 32; i++)
		m[i] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input_at(Q0, m, 32, t0 + hz);
	for (int i = 0; i < 8; i++)
		m[i] = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input_at(Q0, m, 8, t0 + hz);
	CHECK_EQ(got(P4), 33);
	/* unicast to a known port is not counted against it */
	CHECK_EQ(vunet_fdb_learn(sw->bridges[1].fdb, vunet_fdb_key(mac1, 10),
				 P4, VUNET_FDB_NO_LIMIT, 0), VUNET_FDB_NEW);
	release();
	for (int i = 0; i < 32; i++)
		m[i] = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input_at(Q0, m, 32, t0 + hz);
	CHECK_EQ(got(P4), 32);
	reset();
	check_pool_full();
}

static void
full_learning_ring_counts_lost_events(void)
{
	struct vunet_learn fill = { .key = 1 };
	struct rte_mbuf *m;
	uint64_t lost = learn_lost;

	reset();
	while (rte_ring_enqueue_elem(learn_ring, &fill, sizeof(fill)) == 0)
		;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
	input(P0, &m, 1);
	CHECK_EQ(learn_lost, lost + 1);
	/* the frame itself is forwarded all the same */
	CHECK_EQ(got(P1), 1);
	reset();
	check_pool_full();
}

/* A frame tagged with tci (PCP, DEI, VID), as a trunk sends it. */
static struct rte_mbuf *
tagged(const uint8_t *dst, const uint8_t *src, uint16_t tci, uint16_t len)
{
	struct rte_mbuf *m = frame(dst, src, RTE_ETHER_TYPE_VLAN, len);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	p[14] = (uint8_t)(tci >> 8);
	p[15] = (uint8_t)tci;
	p[16] = RTE_ETHER_TYPE_IPV4 >> 8;
	p[17] = RTE_ETHER_TYPE_IPV4 & 0xff;
	return m;
}

/* The TCI of m's tag, or -1 when it has none; its type after the tags. */
static int
tci_of(const struct rte_mbuf *m, uint16_t *type)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	int tci = -1;

	if (p[12] == 0x81 && p[13] == 0x00) {
		tci = p[14] << 8 | p[15];
		p += RTE_VLAN_HLEN;
	}
	*type = (uint16_t)(p[12] << 8 | p[13]);
	return tci;
}

static void
access_to_trunks_pushes_one_shared_tagged_copy(void)
{
	struct rte_mbuf *m, *c;
	uint16_t type;

	reset();
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(A10, &m, 1);
	/* VLAN 10 of br2: b10 untagged; t0 and t1 tagged; not a20, a30 */
	CHECK_EQ(got(B10), 1);
	CHECK_EQ(got(T0), 1);
	CHECK_EQ(got(T1), 1);
	CHECK_EQ(got(A20) + got(A30) + got(A10), 0);
	CHECK(out.buf[B10].pkts[0] == m);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 1);
	c = out.buf[T0].pkts[0];
	CHECK(c != m && c == out.buf[T1].pkts[0]);
	CHECK_EQ(rte_mbuf_refcnt_read(c), 2);
	CHECK_EQ(tci_of(c, &type), 10);
	CHECK_EQ(type, RTE_ETHER_TYPE_IPV4);
	CHECK_EQ(rte_pktmbuf_pkt_len(c), 64);
	CHECK_EQ(tci_of(m, &type), -1);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
	CHECK(out.grew);
	/* only trunks take it: the frame itself is tagged, no copy */
	release();
	ports[B10].vid = -1;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(A10, &m, 1);
	CHECK(out.buf[T0].pkts[0] == m && out.buf[T1].pkts[0] == m);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 2);
	CHECK_EQ(tci_of(m, &type), 10);
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE - 1);
	reset();
	check_pool_full();
}

static void
trunk_to_access_pops_and_keeps_the_priority_for_trunks(void)
{
	struct rte_mbuf *m;
	uint16_t type;

	reset();
	/* VLAN 10, priority 5, DEI: t0 -> a10, b10 untagged; t1 tagged */
	m = tagged(bcast, mac0, 5 << 13 | 1 << 12 | 10, 64);
	input(T0, &m, 1);
	CHECK_EQ(got(A10) + got(B10) + got(T1), 3);
	CHECK_EQ(got(A20) + got(A30), 0);
	CHECK_EQ(tci_of(out.buf[A10].pkts[0], &type), -1);
	CHECK_EQ(type, RTE_ETHER_TYPE_IPV4);
	CHECK_EQ(rte_pktmbuf_pkt_len(out.buf[A10].pkts[0]), 60);
	CHECK_EQ(tci_of(out.buf[T1].pkts[0], &type), 5 << 13 | 1 << 12 | 10);
	CHECK_EQ(type, RTE_ETHER_TYPE_IPV4);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	CHECK_EQ(vunet_fdb_get(sw->bridges[2].fdb, vunet_fdb_key(mac0, 10)),
		 T0);
	/* VLAN 20: a20 only (t1 does not carry it) */
	m = tagged(bcast, mac1, 20, 64);
	input(T0, &m, 1);
	CHECK_EQ(got(A20), 1);
	CHECK_EQ(got(A10) + got(B10) + got(T1) + got(A30), 0);
	CHECK_EQ(tci_of(out.buf[A20].pkts[0], &type), -1);
	reset();
	check_pool_full();
}

static void
untagged_on_a_trunk_is_its_native_vlan(void)
{
	struct rte_mbuf *m;
	uint16_t type;

	reset();
	/* t0's native VLAN is 30: a30 gets it; priority-tagged too */
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(T0, &m, 1);
	CHECK_EQ(got(A30), 1);
	m = tagged(bcast, mac0, 3 << 13, 64);
	input(T0, &m, 1);
	CHECK_EQ(got(A30), 2);
	CHECK_EQ(tci_of(out.buf[A30].pkts[1], &type), -1);
	CHECK_EQ(got(A10) + got(B10) + got(A20) + got(T1), 0);
	release();
	/* and a30's frames leave t0 untagged */
	m = frame(bcast, mac1, RTE_ETHER_TYPE_IPV4, 60);
	input(A30, &m, 1);
	CHECK_EQ(got(T0), 1);
	CHECK_EQ(tci_of(out.buf[T0].pkts[0], &type), -1);
	CHECK(!out.grew);
	release();
	/* t1 has no native VLAN */
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(T1, &m, 1);
	CHECK_EQ(st[T1].drop[VUNET_DROP_VLAN_NOT_CARRIED], 1);
	CHECK_EQ(out.n_dirty, 0);
	reset();
	check_pool_full();
}

static void
vlans_a_trunk_does_not_carry_are_dropped(void)
{
	struct rte_mbuf *m[4];

	reset();
	m[0] = tagged(bcast, mac0, 11, 64);   /* t1 has it, t0 not */
	m[1] = tagged(bcast, mac0, 4094, 64);
	m[2] = tagged(bcast, mac0, 20, 64);
	m[3] = tagged(bcast, mac0, 10, 64);
	input(T0, m, 4);
	CHECK_EQ(st[T0].drop[VUNET_DROP_VLAN_NOT_CARRIED], 2);
	CHECK_EQ(got(A20), 1);
	CHECK_EQ(got(A10), 1);
	CHECK_EQ(got(T1), 1);
	/* an access port still refuses tags; so does a trunk a second one */
	release();
	m[0] = tagged(bcast, mac0, 10, 64);
	input(A10, m, 1);
	CHECK_EQ(st[A10].drop[VUNET_DROP_VLAN], 1);
	m[0] = tagged(bcast, mac0, 10, 68);
	rte_pktmbuf_mtod(m[0], uint8_t *)[16] = 0x81;
	rte_pktmbuf_mtod(m[0], uint8_t *)[17] = 0x00;
	input(T0, m, 1);
	CHECK_EQ(st[T0].drop[VUNET_DROP_VLAN], 1);
	CHECK_EQ(out.n_dirty, 0);
	reset();
	check_pool_full();
}

static void
learned_unicast_to_a_trunk_is_tagged_by_device_or_software(void)
{
	struct rte_mbuf *m;
	uint16_t type;

	reset();
	m = tagged(bcast, mac1, 10, 64);
	input(T0, &m, 1);
	m = tagged(bcast, mac5a, 10, 64);
	input(T1, &m, 1);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 2);
	/* t0's device inserts the tag: the frame only says so */
	ports[T0].caps |= VUNET_CAP_VLAN_INSERT;
	m = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(A10, &m, 1);
	CHECK_EQ(got(T0), 1);
	CHECK_EQ(out.n_dirty, 1);
	CHECK(m->ol_flags & RTE_MBUF_F_TX_VLAN);
	CHECK_EQ(m->vlan_tci, 10);
	CHECK_EQ(tci_of(m, &type), -1);
	CHECK(!out.grew);
	/* t1 (a guest) gets the tag in the frame */
	m = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(B10, &m, 1);
	CHECK_EQ(got(T1), 1);
	CHECK_EQ(tci_of(m, &type), 10);
	CHECK(out.grew);
	/* trunk to trunk keeps the priority */
	release();
	m = tagged(mac5a, mac1, 6 << 13 | 10, 64);
	input(T0, &m, 1);
	CHECK_EQ(got(T1), 1);
	CHECK_EQ(tci_of(m, &type), 6 << 13 | 10);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 64);
	ports[T0].caps &= (uint8_t)~VUNET_CAP_VLAN_INSERT;
	reset();
	check_pool_full();
}

static void
device_popped_tags_count_as_tags(void)
{
	struct rte_mbuf *m;
	uint16_t type;

	reset();
	/* a10's device pops tags (it was a trunk's when it started) */
	ports[A10].caps |= VUNET_CAP_VLAN_STRIP;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 20;
	input(A10, &m, 1);
	CHECK_EQ(st[A10].drop[VUNET_DROP_VLAN], 1);
	ports[A10].caps &= (uint8_t)~VUNET_CAP_VLAN_STRIP;
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 20;
	input(T0, &m, 1);
	CHECK_EQ(got(A20), 1);
	CHECK_EQ(got(A10) + got(A30), 0);
	release();
	/* a cross-connect passes frames whole: the tag goes back on */
	ports[XA].caps |= VUNET_CAP_VLAN_STRIP;
	m = frame(mac1, mac0, RTE_ETHER_TYPE_IPV4, 60);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 7;
	input(XA, &m, 1);
	CHECK_EQ(got(XB), 1);
	CHECK_EQ(tci_of(m, &type), 7);
	CHECK_EQ(type, RTE_ETHER_TYPE_IPV4);
	ports[XA].caps &= (uint8_t)~VUNET_CAP_VLAN_STRIP;
	reset();
	check_pool_full();
}

static void
a_frame_that_cannot_get_its_tag_is_counted(void)
{
	static struct rte_mbuf *all[POOL_SIZE];
	struct rte_mbuf *m;
	unsigned int n = 0;

	reset();
	m = tagged(bcast, mac5a, 10, 64);
	input(T1, &m, 1);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	/* no headroom: the unicast to t1 cannot be tagged */
	m = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 60);
	memmove(m->buf_addr, rte_pktmbuf_mtod(m, void *), 60);
	m->data_off = 0;
	input(A10, &m, 1);
	CHECK_EQ(st[A10].drop[VUNET_DROP_NO_MBUF], 1);
	CHECK_EQ(out.n_dirty, 0);
	/* no buffer for the tagged copy: the untagged ports still get it */
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	while ((all[n] = rte_pktmbuf_alloc(pool)) != NULL)
		n++;
	input(A10, &m, 1);
	CHECK_EQ(st[A10].drop[VUNET_DROP_NO_MBUF], 2);
	CHECK_EQ(got(B10), 1);
	CHECK_EQ(got(T0) + got(T1), 0);
	rte_pktmbuf_free_bulk(all, n);
	reset();
	check_pool_full();
}

static void
poke(struct rte_mbuf *m, unsigned int off, uint8_t v)
{
	rte_pktmbuf_mtod(m, uint8_t *)[off] = v;
}

/* the outer IPv4 header's checksum, after a change */
static void
checksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* A VXLAN frame to 192.0.2.1 around an inner frame of 60 bytes. */
static struct rte_mbuf *
vxlan(uint8_t src_ip_last, uint32_t vni, const uint8_t *inner_dst,
      const uint8_t *inner_src)
{
	struct rte_mbuf *m = frame(mac0, mac1, RTE_ETHER_TYPE_IPV4, 110);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	static const uint8_t ip[20] = { 0x45, 0, 0, 96, 0, 0, 0x40, 0, 64, 17,
		0, 0, 192, 0, 2, 0, 192, 0, 2, 1 };

	memcpy(p + 14, ip, sizeof(ip));
	p[14 + 15] = src_ip_last;
	p[34] = 0xc3;                 /* UDP 50000 -> 4789, length 76 */
	p[35] = 0x50;
	p[36] = 4789 >> 8;
	p[37] = 4789 & 0xff;
	p[39] = 76;
	p[42] = 0x08;                 /* VXLAN: I flag, VNI */
	p[46] = (uint8_t)(vni >> 16);
	p[47] = (uint8_t)(vni >> 8);
	p[48] = (uint8_t)vni;
	memcpy(p + 50, inner_dst, 6);
	memcpy(p + 56, inner_src, 6);
	p[62] = 0x08;
	checksum(m);
	return m;
}

static void
decapsulated_frames_are_bridged_from_their_remote(void)
{
	struct rte_mbuf *m;

	reset();
	m = vxlan(2, 5010, bcast, mac5a);
	input(UL, &m, 1);
	/* x10 only: never from one remote to another (split horizon) */
	CHECK_EQ(got(X10), 1);
	CHECK_EQ(got(VT3) + got(VT2), 0);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
	CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), bcast, 6) == 0);
	CHECK_EQ(st[VT2].rxq[0].pkts, 1);
	CHECK_EQ(st[VT2].rxq[0].bytes, 60);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	CHECK_EQ(vunet_fdb_get(sw->bridges[3].fdb, vunet_fdb_key(mac5a, 10)),
		 VT2);
	/* x10's answer goes to that remote alone, its VLAN said */
	m = frame(mac5a, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(X10, &m, 1);
	CHECK_EQ(got(VT2), 1);
	CHECK_EQ(got(VT3), 0);
	CHECK_EQ(m->vlan_tci & 0xfff, 10);
	release();
	/* nothing is relayed from one remote to another */
	m = vxlan(3, 5010, bcast, mac5b);
	input(UL, &m, 1);
	release();
	/* and x10's mac0, from the frame before */
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 2);
	CHECK_EQ(vunet_fdb_get(sw->bridges[3].fdb, vunet_fdb_key(mac5b, 10)),
		 VT3);
	m = vxlan(2, 5010, mac5b, mac5a);
	input(UL, &m, 1);
	CHECK_EQ(st[VT2].drop[VUNET_DROP_SAME_PORT], 1);
	CHECK_EQ(out.n_dirty, 0);
	/* a broadcast from x10: both remotes share the untagged frame */
	m = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(X10, &m, 1);
	CHECK(out.buf[VT2].pkts[0] == m && out.buf[VT3].pkts[0] == m);
	CHECK_EQ(rte_mbuf_refcnt_read(m), 2);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
	CHECK_EQ(m->vlan_tci, 10);
	reset();
	check_pool_full();
}

static void
decapsulation_refuses_and_counts(void)
{
	struct rte_mbuf *m[16];
	uint8_t *p;
	int k = 0;

	reset();
	m[k++] = vxlan(2, 7777, bcast, mac5a);          /* unknown VNI */
	m[k++] = vxlan(9, 5010, bcast, mac5a);          /* unknown VTEP */
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* more fragments */
	poke(m[k++], 20, 0x20);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* a later fragment */
	poke(m[k++], 21, 0x10);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* IPv4 options */
	poke(m[k++], 14, 0x46);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* no I flag */
	poke(m[k++], 42, 0);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* UDP length */
	poke(m[k++], 39, 77);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* not to us */
	poke(m[k++], 33, 7);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* not port 4789 */
	poke(m[k++], 37, 0);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* no inner frame */
	p = rte_pktmbuf_mtod(m[k], uint8_t *);
	p[17] = 36 + 20;
	p[39] = 36;
	rte_pktmbuf_trim(m[k++], 110 - 56);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* checksum 0 */
	poke(m[k], 24, 0);
	poke(m[k++], 25, 0);
	m[k] = vxlan(2, 5010, bcast, mac5a);            /* the NIC says bad */
	m[k++]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	m[k++] = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60); /* no punt ring */
	m[k++] = frame(bcast, mac1, RTE_ETHER_TYPE_IPV6, 60);
	input(UL, m, (uint16_t)k);
	CHECK_EQ(st[UL].drop[VUNET_DROP_VXLAN_VNI], 1);
	CHECK_EQ(st[UL].drop[VUNET_DROP_VXLAN_VTEP], 1);
	CHECK_EQ(st[UL].drop[VUNET_DROP_VXLAN_BAD], 8);
	CHECK_EQ(st[UL].drop[VUNET_DROP_NOT_VXLAN], 3);
	CHECK_EQ(st[UL].drop[VUNET_DROP_ARP_BACKLOG], 1);
	CHECK_EQ(out.n_dirty, 0);
	CHECK_EQ(rte_ring_count(learn_ring), 0);
	reset();
	check_pool_full();
}

/*
 * Padding after the outer IPv4 packet is cut off before the inner frame
 * goes on, also when it spans more than the last segment.
 */
static void
padding_across_segments_is_cut(void)
{
	struct rte_mbuf *m = vxlan(2, 5010, bcast, mac5a), *tail;
	char *pad;

	reset();
	pad = rte_pktmbuf_append(m, 30);     /* 30 bytes in this segment */
	CHECK(pad != NULL);
	memset(pad, 0xee, 30);
	tail = rte_pktmbuf_alloc(pool);
	pad = rte_pktmbuf_append(tail, 20);  /* and 20 in the next */
	memset(pad, 0xee, 20);
	CHECK_EQ(rte_pktmbuf_chain(m, tail), 0);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 160);
	input(UL, &m, 1);
	CHECK_EQ(got(X10), 1);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
	CHECK_EQ(m->nb_segs, 1);
	CHECK_EQ(rte_pktmbuf_data_len(m), 60);
	CHECK_EQ(st[VT2].rxq[0].bytes, 60);
	reset();
	check_pool_full();
}

/*
 * A remote VTEP claims a MAC x10, a local port that is up, has just used:
 * refused for the hold-down (counted as held), the entry stays on x10;
 * after it, or once x10 is down, the move is taken.
 */
static void
a_remote_does_not_take_a_local_mac(void)
{
	uint64_t hz = rte_get_tsc_hz(), key = vunet_fdb_key(mac0, 10);
	struct rte_mbuf *m;

	reset();
	for (int round = 0; round < 3; round++) {
		uint64_t later = round == 1 ? 1000 + 11 * hz : 1000;

		vunet_fdb_flush(sw->bridges[3].fdb, -1);
		sw->bridges[3].held = 0;
		m = frame(bcast, mac0, RTE_ETHER_TYPE_ARP, 60);
		input(X10, &m, 1);
		release();
		CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
		CHECK_EQ(vunet_fdb_get(sw->bridges[3].fdb, key), X10);
		if (round == 2)
			ports[X10].eth_up = false;
		m = vxlan(2, 5010, bcast, mac0);
		input_at(UL, &m, 1, later);
		release();
		CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, later), 1);
		CHECK_EQ(vunet_fdb_get(sw->bridges[3].fdb, key),
			 round == 0 ? X10 : VT2);
		CHECK_EQ(sw->bridges[3].held, round == 0 ? 1u : 0u);
	}
	reset();
	check_pool_full();
}

/*
 * ARP from the underlay reaches the control thread at most 1000 per
 * second per worker, with a burst of 64: the rest is counted arp_rate.
 */
static void
arp_punts_are_rate_limited(void)
{
	struct rte_ring *punt = rte_ring_create("punt_test", 256, 0,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
	uint64_t tat = 0, hz = rte_get_tsc_hz(), t0 = 10 * hz;
	const struct vunet_switch_ctx x = { .sw = sw, .out = &out, .st = st,
		.learn = learn_ring, .punt = punt, .punt_tat = &tat,
		.learn_lost = &learn_lost, .cache = &cache };
	struct rte_mbuf *m[32], *p = NULL;

	reset();
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 32; i++)
			m[i] = frame(bcast, mac5a, RTE_ETHER_TYPE_ARP, 60);
		vunet_switch_input(&x, vunet_switch_table(sw), t0, UL, m, 32);
	}
	CHECK_EQ(rte_ring_count(punt), VUNET_PUNT_BURST);
	CHECK_EQ(st[UL].drop[VUNET_DROP_ARP_RATE], 128 - VUNET_PUNT_BURST);
	/* a second later, the burst again */
	for (int i = 0; i < 32; i++)
		m[i] = frame(bcast, mac5a, RTE_ETHER_TYPE_ARP, 60);
	vunet_switch_input(&x, vunet_switch_table(sw), t0 + hz, UL, m, 32);
	CHECK_EQ(rte_ring_count(punt), VUNET_PUNT_BURST + 32);
	while (rte_ring_dequeue(punt, (void **)&p) == 0)
		rte_pktmbuf_free(p);
	rte_ring_free(punt);
	reset();
	check_pool_full();
}

/*
 * Frames are judged as they were on the wire: a tag the device stripped
 * counts (an af_packet trunk), one still in the frame counts as its bytes
 * (a vhost trunk). MTU 1500: 1518 bytes pass, 1519 do not.
 */
static void
ingress_size_counts_a_stripped_tag(void)
{
	struct vunet_port strip = { .max_frame = 1518, .caps = VUNET_CAP_VLAN_STRIP };
	struct vunet_port keep = { .max_frame = 1518 };
	/* bytes in the mbuf, the tag stripped by the device */
	struct { uint16_t len; bool stripped; bool pass; } c[] = {
		{ 1518, false, true }, { 1519, false, false },
		{ 1514, true, true }, { 1515, true, false }, { 1518, true, false },
	};
	struct vunet_port_stats s;
	struct rte_mbuf *m[8];
	uint16_t n = 0, left;

	CHECK_EQ(vunet_port_rx_max(&strip), 1514);
	CHECK_EQ(vunet_port_rx_max(&keep), 1518);
	for (int port = 0; port < 2; port++) {
		memset(&s, 0, sizeof(s));
		n = 0;
		for (unsigned int i = 0; i < RTE_DIM(c); i++) {
			if (port == 1 && c[i].stripped)
				continue;     /* a vhost trunk strips nothing */
			m[n] = frame(bcast, mac0, RTE_ETHER_TYPE_IPV4, c[i].len);
			if (c[i].stripped)
				m[n]->ol_flags |= RTE_MBUF_F_RX_VLAN |
						  RTE_MBUF_F_RX_VLAN_STRIPPED;
			n++;
		}
		left = vunet_port_rx_admit(port == 0 ? &strip : &keep, m, n,
					   &s);
		CHECK_EQ(left, port == 0 ? 2 : 1);
		CHECK_EQ(s.drop[VUNET_DROP_OVERSIZE], port == 0 ? 3u : 1u);
		CHECK_EQ(rte_pktmbuf_pkt_len(m[0]), 1518);
		if (port == 0)
			CHECK_EQ(rte_pktmbuf_pkt_len(m[1]), 1514);
		rte_pktmbuf_free_bulk(m, left);
	}
	check_pool_full();
}

/*
 * Run once the common switch is gone: a bridge's MAC table is named by its
 * slot. An underlay with an exception port (the host stack's way to a NIC
 * only vunetd sees): what is not VXLAN for us goes there, ARP there and a copy
 * to the control thread (a copy even when the punt is refused), VXLAN is
 * decapsulated as before and a bad one dropped, not handed over; what the
 * host stack sends goes out on the underlay as it is.
 */
static void
the_host_stack_gets_what_is_not_vxlan(void)
{
	static const char text[] =
		"{ \"bridges\": [ { \"name\": \"bx\", \"vxlan\": {"
		"    \"underlay\": \"ul\", \"exception_port\": \"ex\","
		"    \"local_ip\": \"192.0.2.1\","
		"    \"vnis\": [ { \"vlan\": 10, \"vni\": 5010 } ],"
		"    \"remotes\": [ \"192.0.2.2\" ] } } ],"
		"  \"ports\": ["
		"  { \"name\": \"ul\", \"type\": \"eth\", \"devargs\": \"u\" },"
		"  { \"name\": \"ex\", \"type\": \"eth\", \"devargs\": \"e\" },"
		"  { \"name\": \"v\", \"type\": \"eth\", \"devargs\": \"v\","
		"    \"bridge\": \"bx\", \"vlan\": 10 } ] }";
	enum { XU, XE, XV, XR, XN };
	static struct vunet_config c;
	static struct vunet_port xp[XN];
	struct vunet_switch_ctx xs = { .out = &out, .st = st,
		.learn = learn_ring, .learn_lost = &learn_lost,
		.cache = &cache };
	struct rte_ring *punt;
	struct vunet_switch *s;
	struct rte_mbuf *m[8], *p = NULL;
	char err[VUNET_ERR_MAX];
	uint8_t *h;

	release();
	memset(st, 0, sizeof(st));
	punt = rte_ring_create("punt_ex", 4, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(punt != NULL);
	xs.punt = punt;
	CHECK_EQ(vunet_config_parse(text, "t", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n_ports, XN);
	CHECK_EQ(c.ports[XE].exception_of, 0);
	for (int i = 0; i < XN; i++) {
		xp[i].type = c.ports[i].type;
		xp[i].conf = &c.ports[i];
		xp[i].index = (uint16_t)i;
		xp[i].eth_up = true;
		xp[i].max_frame = RTE_ETHER_MAX_LEN;
	}
	s = vunet_switch_create(&c, xp, NULL, err, sizeof(err));
	CHECK(s != NULL);
	xs.sw = s;
	m[0] = frame(bcast, mac1, RTE_ETHER_TYPE_IPV6, 60);
	m[1] = vxlan(2, 5010, bcast, mac5a);       /* to bridge v */
	m[2] = vxlan(2, 5010, bcast, mac5a);       /* TCP to local_ip */
	poke(m[2], 14 + 9, 6);
	m[3] = vxlan(2, 5010, bcast, mac5a);       /* another UDP port */
	poke(m[3], 37, 0);
	m[4] = vxlan(9, 5010, bcast, mac5a);       /* unknown VTEP: ours */
	m[5] = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60);
	vunet_switch_input(&xs, vunet_switch_table(s), 1000, XU, m, 6);
	CHECK_EQ(out.buf[XE].n, 4);
	CHECK(out.buf[XE].pkts[0] == m[0] && out.buf[XE].pkts[1] == m[2] &&
	      out.buf[XE].pkts[2] == m[3] && out.buf[XE].pkts[3] == m[5]);
	CHECK_EQ(out.buf[XV].n, 1);
	CHECK_EQ(st[XU].drop[VUNET_DROP_VXLAN_VTEP], 1);
	CHECK_EQ(st[XU].drop[VUNET_DROP_NOT_VXLAN], 0);
	/* the control thread's ARP: a copy of its own */
	CHECK_EQ(rte_ring_count(punt), 1);
	CHECK_EQ(rte_ring_dequeue(punt, (void **)&p), 0);
	CHECK(p != m[5] && rte_pktmbuf_pkt_len(p) == 60);
	rte_pktmbuf_free(p);
	release();
	/* the punt ring full: the host stack still gets it */
	for (int i = 0; i < 3; i++)
		rte_ring_enqueue(punt, frame(bcast, mac1, 0, 60));
	m[0] = frame(bcast, mac1, RTE_ETHER_TYPE_ARP, 60);
	vunet_switch_input(&xs, vunet_switch_table(s), 1000, XU, m, 1);
	CHECK_EQ(out.buf[XE].n, 1);
	CHECK_EQ(st[XU].drop[VUNET_DROP_ARP_BACKLOG], 1);
	release();
	while (rte_ring_dequeue(punt, (void **)&p) == 0)
		rte_pktmbuf_free(p);
	/* the host stack's frames: out on the underlay, untouched */
	m[0] = frame(mac0, mac1, RTE_ETHER_TYPE_IPV4, 60);
	h = rte_pktmbuf_mtod(m[0], uint8_t *);
	h[59] = 0x5a;
	vunet_switch_input(&xs, vunet_switch_table(s), 1000, XE, m, 1);
	CHECK_EQ(out.buf[XU].n, 1);
	CHECK(out.buf[XU].pkts[0] == m[0] && h[59] == 0x5a &&
	      rte_pktmbuf_pkt_len(m[0]) == 60);
	release();
	vunet_switch_free(s);
	rte_ring_free(punt);
	check_pool_full();
}

/* Publish conf again, as the daemon does after a change. */
static void
republish(void)
{
	static struct vunet_wiring w;

	memset(&w, 0, sizeof(w));
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		w.port[p].conf = p < conf.n_ports ? &conf.ports[p] : NULL;
		w.port[p].bridge = p < conf.n_ports ? conf.ports[p].bridge : -1;
		w.port[p].peer = -1;
		w.port[p].underlay_of = p < conf.n_ports ?
			conf.ports[p].underlay_of : -1;
		w.port[p].exception_of = -1;
	}
	w.port[XA].peer = XB;
	w.port[XB].peer = XA;
	CHECK_EQ(vunet_switch_publish(sw, &w), 0);
}

static void
a_mac_left_behind_in_a_vlan_is_not_followed(void)
{
	struct rte_mbuf *m;

	reset();
	m = frame(bcast, mac5b, RTE_ETHER_TYPE_ARP, 60);
	input(B10, &m, 1);
	release();
	CHECK_EQ(vunet_switch_learn_drain(sw, learn_ring, 1000), 1);
	/* b10 moves to VLAN 20; its entry in VLAN 10 is not flushed yet */
	conf.ports[B10].vlan = 20;
	republish();
	m = frame(mac5b, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(A10, &m, 1);
	CHECK_EQ(got(B10), 0);
	CHECK_EQ(got(T0) + got(T1), 2);
	release();
	/* nor in another bridge */
	conf.ports[B10].vlan = 10;
	conf.ports[B10].bridge = 0;
	republish();
	m = frame(mac5b, mac0, RTE_ETHER_TYPE_IPV4, 60);
	input(A10, &m, 1);
	CHECK_EQ(got(B10), 0);
	CHECK_EQ(got(T0) + got(T1), 2);
	conf.ports[B10].bridge = 2;
	republish();
	reset();
	check_pool_full();
}

int
main(void)
{
	char err[VUNET_ERR_MAX];

	unit_eal_init("unit_switch");
	if (vunet_config_parse(conf_text, "test", &conf, err,
			       sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	for (uint16_t p = 0; p < N_PORTS; p++) {
		ports[p].type = conf.ports[p].type;
		ports[p].conf = &conf.ports[p];
		ports[p].index = p;
		/* bridge ports at MTU 9000, the cross-connect at 1500 */
		ports[p].max_frame = p == XA || p == XB ? 1518 : 9018;
		ports[p].caps |= VUNET_CAP_TX_CHAINS;
	}
	pool = rte_pktmbuf_pool_create("test_pool", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	learn_ring = rte_ring_create_elem("test_learn",
		sizeof(struct vunet_learn), 64, SOCKET_ID_ANY,
		RING_F_SP_ENQ | RING_F_SC_DEQ);
	sw = vunet_switch_create(&conf, ports, NULL, err, sizeof(err));
	if (pool == NULL || learn_ring == NULL || sw == NULL) {
		printf("Bail out! set-up failed: %s\n", err);
		return 1;
	}
	RUN(broadcast_floods_the_vlan_only);
	RUN(multicast_and_unknown_unicast_flood);
	RUN(learned_unicast_reaches_one_port);
	RUN(one_learning_event_per_source_per_burst);
	RUN(a_moved_mac_is_relearned);
	RUN(port_security_drops_spoofed_sources);
	RUN(malformed_frames_are_dropped_with_reasons);
	RUN(destination_on_the_ingress_port_is_dropped);
	RUN(flood_with_no_port_up_is_a_drop);
	RUN(cross_connect_forwards_everything_both_ways);
	RUN(unattached_port_drops);
	RUN(full_learning_ring_counts_lost_events);
	RUN(runs_of_equal_headers_keep_order_and_checks);
	RUN(burst_free_handles_shared_and_foreign_mbufs);
	RUN(flooded_chains_hold_every_segment);
	RUN(oversize_frames_are_dropped_on_ingress);
	RUN(egress_drops_what_the_port_cannot_send);
	RUN(a_port_at_its_mac_limit_learns_no_more);
	RUN(link_local_frames_are_not_forwarded);
	RUN(flooding_is_rate_limited_per_port);
	RUN(access_to_trunks_pushes_one_shared_tagged_copy);
	RUN(trunk_to_access_pops_and_keeps_the_priority_for_trunks);
	RUN(untagged_on_a_trunk_is_its_native_vlan);
	RUN(vlans_a_trunk_does_not_carry_are_dropped);
	RUN(learned_unicast_to_a_trunk_is_tagged_by_device_or_software);
	RUN(device_popped_tags_count_as_tags);
	RUN(a_mac_left_behind_in_a_vlan_is_not_followed);
	RUN(a_frame_that_cannot_get_its_tag_is_counted);
	RUN(decapsulated_frames_are_bridged_from_their_remote);
	RUN(decapsulation_refuses_and_counts);
	RUN(padding_across_segments_is_cut);
	RUN(a_remote_does_not_take_a_local_mac);
	RUN(arp_punts_are_rate_limited);
	RUN(ingress_size_counts_a_stripped_tag);
	vunet_switch_free(sw);
	RUN(the_host_stack_gets_what_is_not_vxlan);
	rte_eal_cleanup();
	return TAP_DONE();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * lib/vxlan on its own: the VNI map both ways, encapsulation checked byte
 * for byte against what the Linux kernel would accept, decapsulation of
 * what encapsulation made and refusal of what it did not, ARP's rules for
 * believing an answer. Every mbuf back in the pool at the end.
 */

#include <arpa/inet.h>

#include <rte_mbuf.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_vxlan.h"
#include "vunet_vxlan_arp.h"
#include "vunet_vxlan_decap.h"

#define POOL_SIZE 255

static struct rte_mempool *pool;
static struct vunet_vxlan_conf conf;
static const struct rte_ether_addr ul_mac = {{ 2, 0, 0, 0, 0, 1 }};
static const struct rte_ether_addr nh_mac = {{ 2, 0, 0, 0, 0, 2 }};

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* An inner frame of len bytes: MACs, IPv4 type, a pattern after. */
static struct rte_mbuf *
inner(uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, len);

	for (uint16_t i = 0; i < len; i++)
		d[i] = (uint8_t)(i * 7 + 1);
	d[12] = 0x08;
	d[13] = 0x00;
	return m;
}

static void
setup_conf(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.on = true;
	conf.local_ip = ip4("192.0.2.1");
	conf.udp_port = 4789;
	conf.n_vnis = 2;
	conf.vnis[0].vlan = 10;
	conf.vnis[0].vni = 5010;
	conf.vnis[1].vlan = 20;
	conf.vnis[1].vni = 0xabcdef;
}

static void
test_map_both_ways(void)
{
	static struct vunet_vxlan_map map;

	vunet_vxlan_map_build(&conf, &map);
	CHECK_EQ(map.vnis.n, 2);
	CHECK_EQ(map.by_vlan[10], VUNET_VXLAN_VNI_WORD(5010));
	CHECK_EQ(map.by_vlan[20], VUNET_VXLAN_VNI_WORD(0xabcdef));
	CHECK_EQ(map.by_vlan[30], 0);
	CHECK_EQ(vunet_vxlan_vni_vlan(&map.vnis, VUNET_VXLAN_VNI_WORD(5010)),
		 10);
	CHECK_EQ(vunet_vxlan_vni_vlan(&map.vnis,
				      VUNET_VXLAN_VNI_WORD(0xabcdef)), 20);
	CHECK_EQ(vunet_vxlan_vni_vlan(&map.vnis, VUNET_VXLAN_VNI_WORD(5011)),
		 0);
	/* the header's low byte is reserved: the word keeps it zero */
	CHECK_EQ(rte_be_to_cpu_32(VUNET_VXLAN_VNI_WORD(0xabcdef)), 0xabcdef00);
}

/* An underlay's decapsulation state for conf with one remote at slot 7. */
static void
decap_state(struct vunet_vxlan_decap *ul)
{
	memset(ul, 0, sizeof(*ul));
	ul->local_ip = conf.local_ip;
	ul->udp_port = rte_cpu_to_be_16(conf.udp_port);
	vunet_vxlan_remotes_init(ul);
	vunet_vxlan_remote_add(ul, ip4("192.0.2.2"), 7);
	vunet_vxlan_vnis_build(&conf, &ul->vnis);
}

/*
 * A bridge's remotes by address, full: every one found at its port,
 * nothing else found (0.0.0.0, which marks an empty slot, included), and
 * the answer is the same wherever the addresses fall: one /22 of
 * neighbours, or addresses 4 apart across /16s.
 */
static void
test_remote_table(void)
{
	static struct vunet_vxlan_decap ul;
	static const uint32_t step[] = { 1, 4 << 16 | 4 };

	for (unsigned int k = 0; k < RTE_DIM(step); k++) {
		uint32_t base = rte_be_to_cpu_32(ip4("10.0.0.1"));

		vunet_vxlan_remotes_init(&ul);
		CHECK_EQ(vunet_vxlan_remote_port(&ul, 0), UINT16_MAX);
		for (uint32_t i = 0; i < VUNET_MAX_REMOTES; i++)
			vunet_vxlan_remote_add(&ul,
				rte_cpu_to_be_32(base + i * step[k]),
				(uint16_t)(i + 3));
		CHECK_EQ(ul.n_remotes, VUNET_MAX_REMOTES);
		for (uint32_t i = 0; i < VUNET_MAX_REMOTES; i++)
			CHECK_EQ(vunet_vxlan_remote_port(&ul,
				rte_cpu_to_be_32(base + i * step[k])), i + 3);
		for (uint32_t i = 0; i < 4096; i++)
			CHECK_EQ(vunet_vxlan_remote_port(&ul,
				rte_cpu_to_be_32(0xc0000000 + i)), UINT16_MAX);
		CHECK_EQ(vunet_vxlan_remote_port(&ul, 0), UINT16_MAX);
	}
}

/* What the remote at 192.0.2.2 would send us: encapsulated toward us. */
static struct rte_mbuf *
from_remote(uint16_t len, uint32_t vni_word)
{
	struct vunet_vxlan_tmpl t;
	struct rte_mbuf *m = inner(len);

	vunet_vxlan_tmpl_init(&t, ip4("192.0.2.2"), conf.local_ip,
			      conf.udp_port);
	vunet_vxlan_encap(&t, &nh_mac, 0x010000000002ULL, vni_word,
			  vunet_vxlan_flow_port(m), m);
	return m;
}

static void
test_encap_headers(void)
{
	struct vunet_vxlan_tmpl t;
	struct rte_mbuf *m = inner(100);
	uint64_t dst = 0;
	uint16_t sport = vunet_vxlan_flow_port(m);
	const uint8_t *h;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct rte_vxlan_hdr *vx;

	memcpy(&dst, &nh_mac, 6);
	vunet_vxlan_tmpl_init(&t, conf.local_ip, ip4("192.0.2.2"), 4789);
	m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	vunet_vxlan_encap(&t, &ul_mac, dst, VUNET_VXLAN_VNI_WORD(5010), sport,
			  m);
	h = rte_pktmbuf_mtod(m, const uint8_t *);
	ip = (const void *)(h + 14);
	udp = (const void *)(ip + 1);
	vx = (const void *)(udp + 1);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 150);
	CHECK(memcmp(h, &nh_mac, 6) == 0);
	CHECK(memcmp(h + 6, &ul_mac, 6) == 0);
	CHECK_EQ(h[12], 0x08);
	CHECK_EQ(h[13], 0x00);
	CHECK_EQ(ip->version_ihl, 0x45);
	CHECK_EQ(rte_be_to_cpu_16(ip->total_length), 136);
	CHECK_EQ(ip->src_addr, conf.local_ip);
	CHECK_EQ(ip->dst_addr, ip4("192.0.2.2"));
	CHECK_EQ(ip->next_proto_id, IPPROTO_UDP);
	CHECK_EQ(ip->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	/* a correct header sums to 0xffff: what the kernel checks */
	CHECK_EQ(rte_raw_cksum(ip, 20), 0xffff);
	CHECK_EQ(rte_be_to_cpu_16(udp->dst_port), 4789);
	CHECK_EQ(rte_be_to_cpu_16(udp->src_port), sport);
	CHECK(sport >= VUNET_VXLAN_UDP_SRC_BASE);
	CHECK_EQ(rte_be_to_cpu_16(udp->dgram_len), 116);
	CHECK_EQ(udp->dgram_cksum, 0);
	CHECK_EQ(vx->vx_flags, VUNET_VXLAN_FLAG_I);
	CHECK_EQ(rte_be_to_cpu_32(vx->vx_vni), 5010u << 8);
	CHECK_EQ(h[50], 1);       /* the inner frame follows, unchanged */
	CHECK_EQ(h[50 + 99], (uint8_t)(99 * 7 + 1));
	CHECK(!(m->ol_flags & RTE_MBUF_F_TX_VLAN));
	/* the port is the inner frame's: the same frame, the same port */
	rte_pktmbuf_adj(m, 50);
	CHECK_EQ(vunet_vxlan_flow_port(m), sport);
	rte_pktmbuf_free(m);
}

static void
test_decap_roundtrip(void)
{
	struct vunet_vxlan_decap ul;
	struct vunet_vxlan_seen c = VUNET_VXLAN_SEEN_NONE;
	struct rte_mbuf *m;
	const uint8_t *d;

	decap_state(&ul);
	for (int i = 0; i < 2; i++) {
		/* the second time from what the first looked up */
		m = from_remote(60, VUNET_VXLAN_VNI_WORD(0xabcdef));
		m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
		CHECK_EQ(vunet_vxlan_decap(&ul, m, &c), VUNET_DROP_MAX);
		CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
		CHECK_EQ(c.vtep, 7);
		CHECK_EQ(m->vlan_tci, 20);
		CHECK(!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED));
		d = rte_pktmbuf_mtod(m, const uint8_t *);
		CHECK_EQ(d[0], 1);
		CHECK_EQ(d[59], (uint8_t)(59 * 7 + 1));
		rte_pktmbuf_free(m);
	}
	/* padding after the IPv4 packet, in a second segment: cut */
	m = from_remote(60, VUNET_VXLAN_VNI_WORD(5010));
	{
		struct rte_mbuf *pad = rte_pktmbuf_alloc(pool);

		memset(rte_pktmbuf_append(pad, 30), 0xee, 30);
		CHECK_EQ(rte_pktmbuf_chain(m, pad), 0);
	}
	CHECK_EQ(vunet_vxlan_decap(&ul, m, &c), VUNET_DROP_MAX);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
	CHECK_EQ(m->nb_segs, 1);
	CHECK_EQ(m->vlan_tci, 10);
	rte_pktmbuf_free(m);
}

/*
 * m from the remote, the byte at off set to v (-1: inverted), the IPv4
 * checksum made right again if fix_sum: the drop expected.
 */
static void
refused(uint16_t off, int v, bool fix_sum, enum vunet_drop want)
{
	struct vunet_vxlan_decap ul;
	struct vunet_vxlan_seen c = VUNET_VXLAN_SEEN_NONE;
	struct rte_mbuf *m = from_remote(60, VUNET_VXLAN_VNI_WORD(5010));
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (void *)(h + 14);

	decap_state(&ul);
	h[off] = v < 0 ? (uint8_t)~h[off] : (uint8_t)v;
	if (fix_sum) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	CHECK_EQ(vunet_vxlan_decap(&ul, m, &c), want);
	CHECK_EQ(rte_pktmbuf_pkt_len(m), 110); /* untouched */
	rte_pktmbuf_free(m);
}

static void
test_decap_refuses(void)
{
	refused(12, 0x86, false, VUNET_DROP_NOT_VXLAN);   /* not IPv4 */
	refused(14 + 19, 9, true, VUNET_DROP_NOT_VXLAN);  /* not to us */
	refused(14 + 9, 6, true, VUNET_DROP_NOT_VXLAN);   /* TCP */
	refused(14 + 10, -1, false, VUNET_DROP_VXLAN_BAD); /* checksum */
	refused(14, 0x46, true, VUNET_DROP_VXLAN_BAD);    /* IPv4 options */
	refused(14 + 6, 0x20, true, VUNET_DROP_VXLAN_BAD); /* more fragments */
	refused(14 + 3, 200, true, VUNET_DROP_VXLAN_BAD); /* IPv4 length */
	refused(14 + 20 + 3, 0xb6, false, VUNET_DROP_NOT_VXLAN); /* port */
	refused(14 + 20 + 5, 99, false, VUNET_DROP_VXLAN_BAD); /* UDP len */
	refused(14 + 28, 0, false, VUNET_DROP_VXLAN_BAD); /* no I flag */
	refused(14 + 28 + 6, 0x99, false, VUNET_DROP_VXLAN_VNI);
	refused(14 + 15, 3, true, VUNET_DROP_VXLAN_VTEP); /* 192.0.2.3 */
	/* the NIC's verdict is taken when it gives one */
	{
		struct vunet_vxlan_decap ul;
		struct vunet_vxlan_seen c = VUNET_VXLAN_SEEN_NONE;
		struct rte_mbuf *m;

		m = from_remote(60, VUNET_VXLAN_VNI_WORD(5010));
		decap_state(&ul);
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		CHECK_EQ(vunet_vxlan_decap(&ul, m, &c), VUNET_DROP_VXLAN_BAD);
		rte_pktmbuf_free(m);
	}
}

/* The reply the next hop would send to our request. */
static struct rte_mbuf *
reply_from(uint32_t sip, const struct rte_ether_addr *sha, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REPLY, sha, sip, &ul_mac, tip);
	return m;
}

static void
test_arp_rules(void)
{
	struct vunet_vxlan_arp a;
	struct rte_ether_addr was, other = {{ 2, 0, 0, 0, 0, 9 }};
	const struct rte_arp_hdr *arp;
	uint32_t me = conf.local_ip, gw = ip4("192.0.2.254");
	struct rte_mbuf *m;

	vunet_vxlan_arp_init(&a, me, ip4("198.51.100.2"), gw);
	CHECK(a.via_gateway);
	/* nothing asked yet: an answer is not ours */
	m = reply_from(gw, &nh_mac, me);
	arp = vunet_vxlan_arp_parse(m);
	CHECK(arp != NULL);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, 5000, &was),
		 VUNET_ARP_NOT_OURS);
	CHECK(vunet_vxlan_arp_due(&a, 5000));
	CHECK(!vunet_vxlan_arp_due(&a, 5999));
	CHECK_EQ(a.sent, 1);
	/* from another address, or too late: not ours */
	rte_pktmbuf_free(m);
	m = reply_from(ip4("192.0.2.253"), &other, me);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, vunet_vxlan_arp_parse(m),
				       5100, &was), VUNET_ARP_NOT_OURS);
	rte_pktmbuf_free(m);
	m = reply_from(gw, &nh_mac, me);
	arp = vunet_vxlan_arp_parse(m);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, 6001, &was),
		 VUNET_ARP_NOT_OURS);
	CHECK_EQ(a.remote_mac, 0);
	CHECK(vunet_vxlan_arp_due(&a, 6001));
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, 6100, &was),
		 VUNET_ARP_RESOLVED);
	CHECK(memcmp(&a.remote_mac, &nh_mac, 6) == 0);
	CHECK_EQ(a.heard, 1);
	/* answered once: a second copy is not ours any more */
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, 6101, &was),
		 VUNET_ARP_NOT_OURS);
	rte_pktmbuf_free(m);
	/* resolved: asked again after 5 s, a changed MAC is said so */
	CHECK(!vunet_vxlan_arp_due(&a, 6001 + VUNET_ARP_REFRESH_MS - 1));
	CHECK(vunet_vxlan_arp_due(&a, 6001 + VUNET_ARP_REFRESH_MS));
	m = reply_from(gw, &other, me);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, vunet_vxlan_arp_parse(m),
				       11100, &was), VUNET_ARP_CHANGED);
	CHECK(memcmp(&was, &nh_mac, 6) == 0);
	CHECK(memcmp(&a.remote_mac, &other, 6) == 0);
	rte_pktmbuf_free(m);
	/* a request for our address is ours to answer; a gratuitous one not */
	m = rte_pktmbuf_alloc(pool);
	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REQUEST, &nh_mac, gw, NULL, me);
	arp = vunet_vxlan_arp_parse(m);
	CHECK(arp != NULL && vunet_vxlan_arp_for_us(&a, arp));
	CHECK_EQ(rte_pktmbuf_pkt_len(m), VUNET_ARP_FRAME_LEN);
	CHECK(rte_is_broadcast_ether_addr(rte_pktmbuf_mtod(m,
		const struct rte_ether_addr *)));
	rte_pktmbuf_free(m);
	m = rte_pktmbuf_alloc(pool);
	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REQUEST, &nh_mac, gw, NULL, gw);
	CHECK(!vunet_vxlan_arp_for_us(&a, vunet_vxlan_arp_parse(m)));
	rte_pktmbuf_free(m);
	/* a multicast sender, or a runt, is no ARP to judge */
	m = rte_pktmbuf_alloc(pool);
	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REPLY, &(struct rte_ether_addr)
			     {{ 1, 0, 0x5e, 0, 0, 1 }}, gw, &ul_mac, me);
	CHECK(vunet_vxlan_arp_parse(m) == NULL);
	rte_pktmbuf_trim(m, 40);
	CHECK(vunet_vxlan_arp_parse(m) == NULL);
	rte_pktmbuf_free(m);
}

/*
 * Remotes behind one gateway: one asks, the others take its request as
 * theirs, and the one reply resolves them all; a remote with another next
 * hop does not join, and a reply after the request's time is nobody's.
 */
static void
test_arp_shared_next_hop(void)
{
	struct vunet_vxlan_arp a, b, c;
	struct rte_ether_addr was;
	uint32_t me = conf.local_ip, gw = ip4("192.0.2.254");
	struct rte_mbuf *m = reply_from(gw, &nh_mac, me);
	const struct rte_arp_hdr *arp = vunet_vxlan_arp_parse(m);

	vunet_vxlan_arp_init(&a, me, ip4("198.51.100.2"), gw);
	vunet_vxlan_arp_init(&b, me, ip4("198.51.100.3"), gw);
	vunet_vxlan_arp_init(&c, me, ip4("192.0.2.7"), ip4("192.0.2.7"));
	CHECK(vunet_vxlan_arp_due(&a, 1000));
	CHECK(vunet_vxlan_arp_awaits(&a, &ul_mac, arp, 1500));
	CHECK(!vunet_vxlan_arp_awaits(&b, &ul_mac, arp, 1500));
	vunet_vxlan_arp_join(&b, &a, a.asked_ms);
	vunet_vxlan_arp_join(&c, &a, a.asked_ms);
	CHECK(!c.asking);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, 1500, &was),
		 VUNET_ARP_RESOLVED);
	CHECK_EQ(vunet_vxlan_arp_heard(&b, &ul_mac, arp, 1500, &was),
		 VUNET_ARP_RESOLVED);
	CHECK_EQ(vunet_vxlan_arp_heard(&c, &ul_mac, arp, 1500, &was),
		 VUNET_ARP_NOT_OURS);
	CHECK(memcmp(&b.remote_mac, &nh_mac, 6) == 0);
	CHECK_EQ(c.remote_mac, 0);
	/* in step from now on: due together */
	CHECK_EQ(a.asked_ms, b.asked_ms);
	CHECK(vunet_vxlan_arp_due(&a, 1000 + VUNET_ARP_REFRESH_MS));
	CHECK(vunet_vxlan_arp_due(&b, 1000 + VUNET_ARP_REFRESH_MS));
	/* a late reply: joining does not make it ours */
	vunet_vxlan_arp_init(&b, me, ip4("198.51.100.3"), gw);
	vunet_vxlan_arp_join(&b, &a, a.asked_ms);
	CHECK_EQ(vunet_vxlan_arp_heard(&b, &ul_mac, arp, 1000 +
				       VUNET_ARP_REFRESH_MS +
				       VUNET_ARP_ANSWER_MS + 1, &was),
		 VUNET_ARP_NOT_OURS);
	CHECK_EQ(b.remote_mac, 0);
	rte_pktmbuf_free(m);
}

/*
 * A next hop that never answers is asked after 1, 2, 4, 8 and then every
 * 16 s; a request for our address from it makes the next one due at
 * once and the wait 1 s again (one from another host does not); an
 * answer does too.
 */
static void
test_arp_backs_off_while_unanswered(void)
{
	/* ms after an hour of uptime */
	static const uint64_t at[] = { 0, 1000, 3000, 7000, 15000, 31000,
				       47000 };
	const uint64_t t0 = 3600000;
	struct vunet_vxlan_arp a;
	struct rte_ether_addr was;
	uint32_t me = conf.local_ip, nh = ip4("192.0.2.7");
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	const struct rte_arp_hdr *arp;

	vunet_vxlan_arp_init(&a, me, nh, nh);
	for (unsigned int i = 0; i < RTE_DIM(at); i++) {
		if (at[i] != 0)
			CHECK(!vunet_vxlan_arp_due(&a, t0 + at[i] - 1));
		CHECK(vunet_vxlan_arp_due(&a, t0 + at[i]));
	}
	CHECK_EQ(a.retry_ms, VUNET_ARP_RETRY_MAX_MS);
	/* another host asks for us: nothing changes */
	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REQUEST, &nh_mac, ip4("192.0.2.8"),
			     NULL, me);
	vunet_vxlan_arp_nudge(&a, vunet_vxlan_arp_parse(m));
	CHECK(!vunet_vxlan_arp_due(&a, t0 + 47001));
	rte_pktmbuf_free(m);
	/* the next hop asks for us: it is up, ask it now */
	m = rte_pktmbuf_alloc(pool);
	vunet_vxlan_arp_fill(m, RTE_ARP_OP_REQUEST, &nh_mac, nh, NULL, me);
	vunet_vxlan_arp_nudge(&a, vunet_vxlan_arp_parse(m));
	CHECK_EQ(a.remote_mac, 0);
	CHECK(vunet_vxlan_arp_due(&a, t0 + 47001));
	CHECK_EQ(a.retry_ms, VUNET_ARP_RETRY_MS);
	rte_pktmbuf_free(m);
	m = reply_from(nh, &nh_mac, me);
	arp = vunet_vxlan_arp_parse(m);
	CHECK_EQ(vunet_vxlan_arp_heard(&a, &ul_mac, arp, t0 + 47100, &was),
		 VUNET_ARP_RESOLVED);
	CHECK_EQ(a.retry_ms, VUNET_ARP_RETRY_MS);
	rte_pktmbuf_free(m);
}

static void
test_pool_whole(void)
{
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE);
}

int
main(void)
{
	unit_eal_init("unit_vxlan");
	pool = rte_pktmbuf_pool_create("unit_vxlan", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL) {
		printf("Bail out! no mbuf pool\n");
		return 1;
	}
	setup_conf();
	RUN(test_map_both_ways);
	RUN(test_encap_headers);
	RUN(test_remote_table);
	RUN(test_decap_roundtrip);
	RUN(test_decap_refuses);
	RUN(test_arp_rules);
	RUN(test_arp_shared_next_hop);
	RUN(test_arp_backs_off_while_unanswered);
	RUN(test_pool_whole);
	return TAP_DONE();
}

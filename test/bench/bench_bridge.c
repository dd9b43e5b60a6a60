/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The bridge decision alone, for scripts/bench-callgrind --decision: bursts
 * of 32 frames from port a to port b, the MAC pairs taken round robin per
 * frame as vunet-perf sends them, every MAC learned. Run it under
 * 'valgrind --tool=callgrind --toggle-collect=vunet_switch_input' and
 * divide by the packets it prints. MODE push: b is a trunk that takes the
 * frames tagged (pushed in software, as for a guest); pop: a is a trunk
 * whose frames come tagged; decap: a is the underlay of the bridge's VXLAN
 * and the frames come encapsulated from its remote VTEP; encap: from b to
 * that remote, encapsulated and sent on a (a net_null device: collect
 * vunet_port_vtep_tx and vunet_port_tx_stage_flush too); access
 * (default): both are access ports.
 * REMOTES (decap, encap): the bridge has that many remote VTEPs, behind
 * one gateway, and MAC pair k is behind remote k % REMOTES: one pair, one
 * remote however many there are; as many pairs as remotes, a frame to or
 * from each in turn.
 *
 * Usage: bench_bridge PAIRS BURSTS [access|push|pop|decap|encap [REMOTES]]
 */

#include <stdlib.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "unit_eal.h"
#include "vunet_port_tx.h"
#include "vunet_switch.h"

static const char conf_fmt[] =
	"{ \"bridges\": [ { \"name\": \"br0\", \"fdb_size\": 8192 } ],"
	"  \"ports\": ["
	"  { \"name\": \"a\", \"type\": \"eth\", \"devargs\": \"xa\","
	"    \"bridge\": \"br0\", %s },"
	"  { \"name\": \"b\", \"type\": \"eth\", \"devargs\": \"xb\","
	"    \"bridge\": \"br0\", %s } ] }";
#define ACCESS "\"vlan\": 1"
#define TRUNK "\"trunk\": [ 1 ]"
/* remote r: 192.0.2.2 (also the others' gateway), then 198.18.0.1 on */
static uint32_t
remote_ip(unsigned int r)
{
	return rte_cpu_to_be_32(r == 0 ? RTE_IPV4(192, 0, 2, 2) :
				RTE_IPV4(198, 18, 0, 0) + r);
}

static json_t *
conf_decap(unsigned int remotes)
{
	json_t *doc = json_pack("{s:[{s:s,s:i,s:{s:s,s:s,s:s,s:[{s:i,s:i}]}}],"
				"s:[{s:s,s:s,s:s},"
				"{s:s,s:s,s:s,s:s,s:i}]}",
		"bridges", "name", "br0", "fdb_size", 8192, "vxlan",
		"underlay", "a", "local_ip", "192.0.2.1/24",
		"gateway", "192.0.2.2", "vnis", "vlan", 1, "vni", 5001,
		"ports", "name", "a", "type", "eth", "devargs", "net_null0",
		"name", "b", "type", "eth", "devargs", "xb", "bridge", "br0",
		"vlan", 1);
	json_t *list = json_array();

	for (unsigned int r = 0; r < remotes; r++) {
		char ip[16];

		vunet_ipv4_format(remote_ip(r), ip, sizeof(ip));
		json_array_append_new(list, json_string(ip));
	}
	json_object_set_new(json_object_get(json_array_get(
		json_object_get(doc, "bridges"), 0), "vxlan"), "remotes", list);
	return doc;
}

/*
 * encap: a real underlay (net_null) and the remote VTEPs, resolved by one
 * reply from their gateway
 */
static int
tunnel_up(struct vunet_port *ports, const struct vunet_config *conf,
	  struct rte_mempool *pool)
{
	unsigned int n = conf->n_ports;
	struct vunet_port_env env = { .n_workers = 1, .pools = { pool } };
	struct rte_mbuf *arp = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(arp, 42);
	static const uint8_t reply[] = { 0, 1, 8, 0, 6, 4, 0, 2,
		0x02, 0, 0, 0, 0, 2, 192, 0, 2, 2 };
	char err[VUNET_ERR_MAX];

	vunet_port_env_set(&env);
	for (uint16_t i = 0; i < n; i += i == 0 ? 2 : 1)
		if (vunet_port_create(&ports[i], i, &conf->ports[i], err,
				      sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
	for (uint16_t i = 2; i < n; i++)
		vunet_port_vtep_bind(&ports[i], &ports[0]);
	/* a MAC is taken only from the reply to a request of ours */
	vunet_port_vtep_resolve(ports, n);
	memset(p, 0, 42);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, reply, sizeof(reply));
	memcpy(p + 14 + sizeof(reply), &ports[0].mac, 6);
	memcpy(p + 38, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
	vunet_port_vtep_arp(ports, n, &ports[0], arp);
	rte_pktmbuf_free(arp);
	for (uint16_t i = 2; i < n; i++)
		if (!vunet_port_is_up(&ports[i]))
			return -1;
	return 0;
}

/*
 * Outer headers from 192.0.2.2 to 192.0.2.1, VNI 5001, 60-byte inner; the
 * IPv4 checksum is 0xb689.
 */
static const uint8_t outer[50] = {
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0,
	0x45, 0, 0, 96, 0, 0, 0x40, 0, 64, 17, 0xb6, 0x89, 192, 0, 2, 2,
	192, 0, 2, 1,
	0xc3, 0x50, 0x12, 0xb5, 0, 76, 0, 0,
	0x08, 0, 0, 0, 0, 0x13, 0x89, 0 };

static void
mac(uint8_t *p, int side, unsigned int k)
{
	const uint8_t m[6] = { 0x52, 0x54, (uint8_t)side, 0,
			       (uint8_t)(k >> 8), (uint8_t)k };

	memcpy(p, m, 6);
}

int
main(int argc, char **argv)
{
	static struct vunet_config conf;
	static struct vunet_port ports[VUNET_MAX_PORTS];
	static struct vunet_out out;
	static struct vunet_fdb_cache cache;
	static struct vunet_port_stats st[VUNET_MAX_PORTS];
	static struct vunet_tx_stage stage;
	const struct vunet_tx_ctx tx = { .worker = 0, .st = st,
					 .stage = &stage };
	struct rte_mbuf *burst[VUNET_BURST];
	struct vunet_switch_ctx x = { 0 };
	struct rte_mempool *pool;
	struct vunet_switch *sw;
	char err[VUNET_ERR_MAX], conf_text[512];
	unsigned int pairs, bursts, k = 0;
	int r;
	uint64_t lost = 0, to_b = 0;
	const char *mode = argc >= 4 ? argv[3] : "access";
	unsigned int remotes = argc == 5 ? (unsigned int)atoi(argv[4]) : 1;
	bool push = strcmp(mode, "push") == 0, pop = strcmp(mode, "pop") == 0;
	bool encap = strcmp(mode, "encap") == 0;
	bool decap = strcmp(mode, "decap") == 0 || encap;

	if (argc < 3 || argc > 5 || (pairs = (unsigned int)atoi(argv[1])) == 0 ||
	    pairs > 4000 || (bursts = (unsigned int)atoi(argv[2])) == 0 ||
	    (!push && !pop && !decap && strcmp(mode, "access") != 0) ||
	    (argc == 5 && !decap) || remotes == 0 ||
	    remotes > VUNET_MAX_REMOTES) {
		fprintf(stderr, "usage: bench_bridge PAIRS(1-4000) BURSTS "
			"[access|push|pop|decap|encap [REMOTES(1-%d)]]\n",
			VUNET_MAX_REMOTES);
		return 2;
	}
	unit_eal_init("bench_bridge");
	snprintf(conf_text, sizeof(conf_text), conf_fmt, pop ? TRUNK : ACCESS,
		 push ? TRUNK : ACCESS);
	if (decap) {
		json_t *doc = conf_decap(remotes);

		r = vunet_config_parse_json(doc, "bench", &conf, err,
					    sizeof(err));
		json_decref(doc);
	} else {
		r = vunet_config_parse(conf_text, "bench", &conf, err,
				       sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (uint16_t p = 0; p < conf.n_ports; p++) {
		ports[p].type = conf.ports[p].type;
		ports[p].conf = &conf.ports[p];
		ports[p].index = p;
		ports[p].eth_up = true;
		ports[p].max_frame = RTE_ETHER_MAX_LEN;
	}
	pool = rte_pktmbuf_pool_create("bench_pool", 4095, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	x.learn = rte_ring_create_elem("bench_learn",
		sizeof(struct vunet_learn), 8192, SOCKET_ID_ANY,
		RING_F_SP_ENQ | RING_F_SC_DEQ);
	x.learn_lost = &lost;
	sw = vunet_switch_create(&conf, ports, NULL, err, sizeof(err));
	x.sw = sw;
	x.out = &out;
	x.st = st;
	x.cache = &cache;
	if (pool == NULL || x.learn == NULL || sw == NULL ||
	    (encap && tunnel_up(ports, &conf, pool) < 0)) {
		fprintf(stderr, "set-up failed: %s\n", err);
		return 1;
	}
	/* learn every MAC on its side */
	for (unsigned int i = 0; i < pairs; i++)
		for (int side = 0; side < 2; side++) {
			uint8_t m[6];

			mac(m, side, i);
			/* decap: side 0 is behind remote i % remotes,
			 * in slot 2 on */
			vunet_fdb_learn(sw->bridges[0].fdb,
					vunet_fdb_key(m, 1), decap && side == 0 ?
					(uint16_t)(2 + i % remotes) :
					(uint16_t)side, VUNET_FDB_NO_LIMIT, 0);
		}
	for (unsigned int b = 0; b < bursts; b++) {
		for (int i = 0; i < VUNET_BURST; i++, k = (k + 1) % pairs) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			uint16_t len = pop ? 64 : decap && !encap ? 110 : 60;
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);

			memset(p, 0, len);
			if (decap && !encap) {
				struct rte_ipv4_hdr *ip = (void *)(p + 14);

				memcpy(p, outer, sizeof(outer));
				ip->src_addr = remote_ip(k % remotes);
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
				p += sizeof(outer);
			}
			mac(p, encap ? 0 : 1, k);
			mac(p + 6, encap ? 1 : 0, k);
			if (pop) {
				p[12] = 0x81;   /* tag: VLAN 1 */
				p[15] = 1;
				p += 4;
			}
			p[12] = 0x08;
			burst[i] = m;
		}
		vunet_switch_input(&x, vunet_switch_table(sw), 0,
				   encap ? 1 : 0, burst, VUNET_BURST);
		for (uint16_t i = 0; i < out.n_dirty; i++) {
			struct vunet_txbuf *t = &out.buf[out.dirty[i]];

			/* encap: what reached a remote, sent */
			if (encap && out.dirty[i] >= 2)
				to_b += vunet_port_tx(&ports[2], &tx, t->pkts,
						      t->n, 60);
			else if (out.dirty[i] == 1)
				to_b += t->n;
			if (!encap)
				rte_pktmbuf_free_bulk(t->pkts, t->n);
			t->n = 0;
		}
		out.n_dirty = 0;
		/* as a worker's flush ends: the remotes' frames, sent */
		vunet_port_tx_stage_flush(&tx);
	}
	printf("packets %u to b %" PRIu64 " learning events %u\n",
	       bursts * VUNET_BURST, to_b,
	       rte_ring_count(x.learn));
	return 0;
}

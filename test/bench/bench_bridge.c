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
 * whose frames come tagged; access (default): both are access ports.
 *
 * Usage: bench_bridge PAIRS BURSTS [access|push|pop]
 */

#include <stdlib.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "unit_eal.h"
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
	static struct vunet_port ports[2];
	static struct vunet_out out;
	static struct vunet_fdb_cache cache;
	static struct vunet_port_stats st[VUNET_MAX_PORTS];
	struct rte_mbuf *burst[VUNET_BURST];
	struct vunet_switch_ctx x = { 0 };
	struct rte_mempool *pool;
	struct vunet_switch *sw;
	char err[VUNET_ERR_MAX], conf_text[512];
	unsigned int pairs, bursts, k = 0;
	uint64_t lost = 0, to_b = 0;
	const char *mode = argc == 4 ? argv[3] : "access";
	bool push = strcmp(mode, "push") == 0, pop = strcmp(mode, "pop") == 0;

	if (argc < 3 || argc > 4 || (pairs = (unsigned int)atoi(argv[1])) == 0 ||
	    pairs > 4000 || (bursts = (unsigned int)atoi(argv[2])) == 0 ||
	    (!push && !pop && strcmp(mode, "access") != 0)) {
		fprintf(stderr, "usage: bench_bridge PAIRS(1-4000) BURSTS "
			"[access|push|pop]\n");
		return 2;
	}
	unit_eal_init("bench_bridge");
	snprintf(conf_text, sizeof(conf_text), conf_fmt, pop ? TRUNK : ACCESS,
		 push ? TRUNK : ACCESS);
	if (vunet_config_parse(conf_text, "bench", &conf, err,
			       sizeof(err)) < 0)
		return 1;
	for (uint16_t p = 0; p < 2; p++) {
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
	if (pool == NULL || x.learn == NULL || sw == NULL) {
		fprintf(stderr, "set-up failed: %s\n", err);
		return 1;
	}
	/* learn every MAC on its side */
	for (unsigned int i = 0; i < pairs; i++)
		for (int side = 0; side < 2; side++) {
			uint8_t m[6];

			mac(m, side, i);
			vunet_fdb_learn(sw->bridges[0].fdb,
					vunet_fdb_key(m, 1), (uint16_t)side,
					VUNET_FDB_NO_LIMIT, 0);
		}
	for (unsigned int b = 0; b < bursts; b++) {
		for (int i = 0; i < VUNET_BURST; i++, k = (k + 1) % pairs) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			uint16_t len = pop ? 64 : 60;
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);

			memset(p, 0, len);
			mac(p, 1, k);
			mac(p + 6, 0, k);
			if (pop) {
				p[12] = 0x81;   /* tag: VLAN 1 */
				p[15] = 1;
				p += 4;
			}
			p[12] = 0x08;
			burst[i] = m;
		}
		vunet_switch_input(&x, vunet_switch_table(sw), 0, 0, burst,
				   VUNET_BURST);
		for (uint16_t i = 0; i < out.n_dirty; i++) {
			struct vunet_txbuf *t = &out.buf[out.dirty[i]];

			if (out.dirty[i] == 1)
				to_b += t->n;
			rte_pktmbuf_free_bulk(t->pkts, t->n);
			t->n = 0;
		}
		out.n_dirty = 0;
	}
	printf("packets %u to b %" PRIu64 " learning events %u\n",
	       bursts * VUNET_BURST, to_b,
	       rte_ring_count(x.learn));
	return 0;
}

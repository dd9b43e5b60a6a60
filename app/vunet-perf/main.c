/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * vunet-perf: traffic generator and sink for vhost-user back-ends. It holds
 * guest ports A and B (net_virtio_user, server mode by default so the
 * switch under test connects as a client), sends on one or both, counts
 * what arrives, and reports rate, exact loss, the share of sends that found
 * the ring full (well above zero: the SUT is the limit), and latency from
 * the time stamps frames carry. --ndr/--pdr search the highest rate with
 * no (0.5%) loss. One lcore does everything: pin it away from the SUT.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ndr.h"
#include "traffic.h"

#define FRAMES_PER_POOL 8192
/* of up to 64 KB each: more than a ring of them (the driver frees sent
 * frames only when its ring runs low) */
#define TSO_FRAMES 2048
#define TSO_MAX 65000
#define SCRATCH_MBUFS 16384

struct opts {
	const char *path[2];
	bool client;
	enum perf_mode mode;
	unsigned int size, flows, pairs, burst, queue_size, cpu, tso_mss;
	double rate, seconds, link_timeout, loss, resolution;
	bool search;
	const char *json;
};

static const char *const mode_names[] = { "tx", "rx", "uni", "bi",
					  "loopback" };

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vunet-perf --a SOCKET [--b SOCKET] [OPTIONS] [-- EAL-ARGS]\n"
"Traffic generator and sink on two virtio-user guest ports.\n\n"
"  --a, --b PATH      sockets of guest ports A and B (created: the SUT\n"
"                     connects as client; --client: we connect)\n"
"  --mode M           tx (send on A), rx (count on A), uni (A to B), bi,\n"
"                     loopback (a PVP guest: send back what arrives,\n"
"                     MACs swapped) (default uni)\n"
"  --size N|imix      frame bytes, 64..9000, or IMIX 7:4:1 of 64/570/1518\n"
"                     (default 64)\n"
"  --tso MSS          A sends TCP/IPv4 frames of --size bytes (up to\n"
"                     65000) marked for segmentation to MSS (TSO, so\n"
"                     HOST_TSO4); B takes them whole (GUEST_TSO4/6)\n"
"  --flows N          UDP source ports per MAC pair (default 1)\n"
"  --macs N           MAC pairs, at most %d (default 1)\n"
"  --rate PPS         offered packets/s per sending port (default: all)\n"
"  --seconds S        measurement window (default 10)\n"
"  --ndr | --pdr      search the highest rate with no / 0.5%% loss\n"
"  --loss R           the loss ratio the search accepts (with --pdr)\n"
"  --resolution R     search precision, relative (default 0.02)\n"
"  --burst N          frames per send (default 32)\n"
"  --queue-size N     virtio ring entries (default 1024)\n"
"  --cpu N            the CPU to run on (default 1)\n"
"  --link-timeout S   how long to wait for the SUT's links (default 60)\n"
"  --json FILE        the result as JSON too ('-': stdout only)\n",
		PERF_MAX_PAIRS);
}

static int
parse(int argc, char **argv, struct opts *o)
{
	enum { O_A = 256, O_B, O_CLIENT, O_MODE, O_SIZE, O_FLOWS, O_MACS,
	       O_RATE, O_SECONDS, O_NDR, O_PDR, O_LOSS, O_RES, O_BURST, O_QS,
	       O_CPU, O_JSON, O_LINK, O_TSO };
	static const struct option lo[] = {
		{ "a", required_argument, NULL, O_A },
		{ "b", required_argument, NULL, O_B },
		{ "client", no_argument, NULL, O_CLIENT },
		{ "mode", required_argument, NULL, O_MODE },
		{ "size", required_argument, NULL, O_SIZE },
		{ "flows", required_argument, NULL, O_FLOWS },
		{ "macs", required_argument, NULL, O_MACS },
		{ "rate", required_argument, NULL, O_RATE },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "ndr", no_argument, NULL, O_NDR },
		{ "pdr", no_argument, NULL, O_PDR },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "resolution", required_argument, NULL, O_RES },
		{ "burst", required_argument, NULL, O_BURST },
		{ "queue-size", required_argument, NULL, O_QS },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "json", required_argument, NULL, O_JSON },
		{ "link-timeout", required_argument, NULL, O_LINK },
		{ "tso", required_argument, NULL, O_TSO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .mode = MODE_UNI, .size = 64, .flows = 1,
			    .pairs = 1, .burst = 32, .queue_size = 1024,
			    .cpu = 1, .seconds = 10, .link_timeout = 60,
			    .resolution = 0.02 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_A: o->path[0] = optarg; break;
		case O_B: o->path[1] = optarg; break;
		case O_CLIENT: o->client = true; break;
		case O_MODE:
			for (c = 0; c < (int)RTE_DIM(mode_names); c++)
				if (strcmp(optarg, mode_names[c]) == 0)
					break;
			if (c == (int)RTE_DIM(mode_names)) {
				fprintf(stderr, "vunet-perf: --mode %s: one of "
					"tx, rx, uni, bi, loopback\n", optarg);
				return -1;
			}
			o->mode = (enum perf_mode)c;
			break;
		case O_SIZE:
			o->size = strcmp(optarg, "imix") == 0 ? 0 :
				  (unsigned int)atoi(optarg);
			if (strcmp(optarg, "imix") != 0 &&
			    (o->size < 64 || o->size > TSO_MAX)) {
				fprintf(stderr, "vunet-perf: --size %s: 64 to "
					"9000 (%u with --tso), or imix\n",
					optarg, TSO_MAX);
				return -1;
			}
			break;
		case O_TSO: o->tso_mss = (unsigned int)atoi(optarg); break;
		case O_FLOWS: o->flows = (unsigned int)atoi(optarg); break;
		case O_MACS: o->pairs = (unsigned int)atoi(optarg); break;
		case O_RATE: o->rate = atof(optarg); break;
		case O_SECONDS: o->seconds = atof(optarg); break;
		case O_NDR: o->search = true; o->loss = 0; break;
		case O_PDR: o->search = true; o->loss = 0.005; break;
		case O_LOSS: o->loss = atof(optarg); break;
		case O_RES: o->resolution = atof(optarg); break;
		case O_BURST: o->burst = (unsigned int)atoi(optarg); break;
		case O_QS: o->queue_size = (unsigned int)atoi(optarg); break;
		case O_CPU: o->cpu = (unsigned int)atoi(optarg); break;
		case O_JSON: o->json = optarg; break;
		case O_LINK: o->link_timeout = atof(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->path[0] == NULL ||
	    ((o->mode == MODE_UNI || o->mode == MODE_BI) &&
	     o->path[1] == NULL)) {
		fprintf(stderr, "vunet-perf: --a is required, and --b for "
			"uni and bi\n");
		return -1;
	}
	if (o->tso_mss != 0 && (o->tso_mss < 536 || o->tso_mss > 9000 ||
				o->size < 128 || o->mode != MODE_UNI)) {
		fprintf(stderr, "vunet-perf: --tso MSS: 536..9000, with "
			"--mode uni and a --size\n");
		return -1;
	}
	if (o->tso_mss == 0 && o->size > 9000) {
		fprintf(stderr, "vunet-perf: --size above 9000 needs --tso\n");
		return -1;
	}
	if (o->flows < 1 || o->flows > 65000 || o->pairs < 1 ||
	    o->pairs > PERF_MAX_PAIRS || o->burst < 1 || o->burst > 64 ||
	    o->seconds <= 0 || o->rate < 0 || o->loss < 0 || o->loss >= 1 ||
	    o->resolution <= 0) {
		fprintf(stderr, "vunet-perf: --flows 1..65000, --macs 1..%d, "
			"--burst 1..64, --seconds > 0, --rate >= 0, --loss "
			"0..1, --resolution > 0\n", PERF_MAX_PAIRS);
		return -1;
	}
	return optind;
}

static int
port_up(uint16_t port, const struct opts *o, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	unsigned int max = o->size ? o->size : 1518;
	struct rte_eth_link link;
	uint64_t end;

	if (o->tso_mss != 0) {
		/* A offers TSO frames, B takes them whole */
		conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO |
				       RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_TCP_LRO |
				       RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	} else if (max > RTE_ETHER_MAX_LEN) {
		conf.rxmode.mtu = max - RTE_ETHER_HDR_LEN;
	}
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, (uint16_t)o->queue_size,
				   SOCKET_ID_ANY, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, (uint16_t)o->queue_size,
				   SOCKET_ID_ANY, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	end = rte_rdtsc() + (uint64_t)(o->link_timeout * rte_get_tsc_hz());
	do {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		rte_delay_ms(10);
	} while (rte_rdtsc() < end);
	return -1;
}

struct search_arg {
	const struct perf_conf *c;
	const struct opts *o;
	struct perf_trial last;
	struct perf_trial best;  /* the fastest trial within the loss */
	double best_sent_pps;    /* what it really sent: rings refuse some */
};

static void
totals(const struct perf_conf *c, const struct perf_trial *t, uint64_t *sent,
       uint64_t *recv)
{
	const struct perf_side *a = &t->side[0], *b = &t->side[1];

	switch (c->mode) {
	case MODE_BI:
		*sent = a->tx_pkts + b->tx_pkts;
		*recv = a->rx_pkts - a->rx_foreign + b->rx_pkts - b->rx_foreign;
		break;
	case MODE_RX:
	case MODE_LOOPBACK:
		*sent = a->tx_pkts + b->tx_pkts;
		*recv = a->rx_pkts + b->rx_pkts;
		break;
	default:
		*sent = a->tx_pkts;
		*recv = b->rx_pkts - b->rx_foreign;
		break;
	}
}

static double
trial(double rate, void *arg)
{
	struct search_arg *sa = arg;
	uint64_t sent, recv;

	sa->last.rate = rate;
	sa->last.seconds = sa->o->seconds;
	perf_learn(sa->c);
	perf_run(sa->c, &sa->last);
	totals(sa->c, &sa->last, &sent, &recv);
	if (sent != 0 && (double)(sent - RTE_MIN(recv, sent)) <=
	    sa->o->loss * (double)sent &&
	    (double)sent / sa->last.elapsed > sa->best_sent_pps) {
		sa->best = sa->last;
		sa->best_sent_pps = (double)sent / sa->last.elapsed;
	}
	printf("  trial at %.3f Mpps offered: sent %lu, received %lu, "
	       "loss %.4f%%\n", rate / 1e6, sent, recv,
	       sent ? 100.0 * (double)(sent - RTE_MIN(recv, sent)) /
	       (double)sent : 0.0);
	fflush(stdout);
	return sent ? (double)(sent - RTE_MIN(recv, sent)) / (double)sent : 1;
}

static json_t *
side_json(const struct perf_side *s, double secs)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:f, "
			 "s:{s:I, s:I, s:I, s:I, s:I}}",
		"tx_packets", (json_int_t)s->tx_pkts,
		"tx_bytes", (json_int_t)s->tx_bytes,
		"tx_bursts", (json_int_t)s->tx_attempts,
		"tx_ring_full", (json_int_t)s->tx_full,
		"tx_ring_full_share", s->tx_attempts ?
			(double)s->tx_full / (double)s->tx_attempts : 0.0,
		"rx_packets", (json_int_t)s->rx_pkts,
		"rx_bytes", (json_int_t)s->rx_bytes,
		"rx_foreign", (json_int_t)s->rx_foreign,
		"rx_mpps", (double)(s->rx_pkts - s->rx_foreign) / secs / 1e6,
		"latency_ns", "samples", (json_int_t)perf_lat_samples(s),
		"p50", (json_int_t)perf_lat_percentile(s, 0.5),
		"p99", (json_int_t)perf_lat_percentile(s, 0.99),
		"p999", (json_int_t)perf_lat_percentile(s, 0.999),
		"max", (json_int_t)perf_lat_percentile(s, 1.0));
}

static void
report(const struct perf_conf *c, const struct opts *o,
       const struct perf_trial *t, const struct ndr_result *ndr)
{
	char size[16] = "imix";
	uint64_t sent, recv;
	json_t *res;

	totals(c, t, &sent, &recv);
	if (c->size)
		snprintf(size, sizeof(size), "%u B", c->size);
	printf("vunet-perf: %s, %s, %u flow(s), %u MAC pair(s), %s, %.1f s\n",
	       mode_names[c->mode], size, o->flows, o->pairs,
	       t->rate ? "paced" : "unpaced", t->elapsed);
	for (unsigned int s = 0; s < c->n_ports; s++) {
		const struct perf_side *p = &t->side[s];

		printf("  %c: sent %lu (%.3f Mpps), ring full in %.1f%% of "
		       "sends; received %lu (%.3f Mpps), not ours %lu\n",
		       'A' + s, p->tx_pkts, (double)p->tx_pkts / t->elapsed /
		       1e6, p->tx_attempts ? 100.0 * (double)p->tx_full /
		       (double)p->tx_attempts : 0.0, p->rx_pkts,
		       (double)p->rx_pkts / t->elapsed / 1e6, p->rx_foreign);
		if (perf_lat_samples(p) != 0)
			printf("     latency to %c: p50 %lu ns, p99 %lu ns, "
			       "p99.9 %lu ns, max %lu ns (%lu samples)\n",
			       'A' + s, perf_lat_percentile(p, 0.5),
			       perf_lat_percentile(p, 0.99),
			       perf_lat_percentile(p, 0.999),
			       perf_lat_percentile(p, 1.0),
			       perf_lat_samples(p));
	}
	printf("  sent %lu, received %lu, lost %ld (%.4f%%)\n", sent, recv,
	       (long)(sent - recv), sent ? 100.0 * ((double)sent -
	       (double)recv) / (double)sent : 0.0);
	if (ndr != NULL)
		printf("  %s: %.3f Mpps sent (loss %.4f%%, %u trials; the trial "
		       "above)\n", o->loss > 0 ? "PDR" : "NDR",
		       ndr->rate / 1e6, 100 * ndr->loss, ndr->trials + 1);
	fflush(stdout);
	if (o->json == NULL)
		return;
	res = json_pack("{s:s, s:o, s:i, s:i, s:f, s:f, s:I, s:I, s:I, "
			"s:f, s:[o, o]}",
		"mode", mode_names[c->mode],
		"size", c->size ? json_integer(c->size) : json_string("imix"),
		"flows", (int)o->flows, "macs", (int)o->pairs,
		"rate_pps", t->rate, "seconds", t->elapsed,
		"sent", (json_int_t)sent, "received", (json_int_t)recv,
		"lost", (json_int_t)(sent - recv),
		"loss_ratio", sent ? ((double)sent - (double)recv) /
			(double)sent : 0.0,
		"ports", side_json(&t->side[0], t->elapsed),
		side_json(&t->side[1], t->elapsed));
	if (ndr != NULL)
		json_object_set_new(res, o->loss > 0 ? "pdr" : "ndr",
			json_pack("{s:f, s:f, s:i, s:f}", "rate_pps",
				  ndr->rate, "loss_ratio", ndr->loss,
				  "trials", (int)ndr->trials, "accepted_loss",
				  o->loss));
	if (strcmp(o->json, "-") == 0) {
		json_dumpf(res, stdout, JSON_INDENT(1));
		printf("\n");
	} else if (json_dump_file(res, o->json, JSON_INDENT(1)) != 0) {
		fprintf(stderr, "vunet-perf: cannot write %s\n", o->json);
	}
	json_decref(res);
}

int
main(int argc, char **argv)
{
	char *eal[32], cpu[16], prefix[32], vdev[2][512];
	struct perf_conf c = { 0 };
	struct search_arg sa;
	struct opts o;
	int first, n = 0, ret = 1;

	first = parse(argc, argv, &o);
	if (first < 0)
		return 2;
	snprintf(cpu, sizeof(cpu), "%u", o.cpu);
	snprintf(prefix, sizeof(prefix), "vperf%d", getpid());
	eal[n++] = argv[0];
	eal[n++] = (char *)(uintptr_t)"-l";
	eal[n++] = cpu;
	eal[n++] = (char *)(uintptr_t)"--in-memory";
	eal[n++] = (char *)(uintptr_t)"--single-file-segments";
	eal[n++] = (char *)(uintptr_t)"--no-pci";
	eal[n++] = (char *)(uintptr_t)"--file-prefix";
	eal[n++] = prefix;
	for (int s = 0; s < 2; s++) {
		if (o.path[s] == NULL)
			continue;
		snprintf(vdev[s], sizeof(vdev[s]), "net_virtio_user%d,path=%s,"
			 "queue_size=%u,queues=1,mac=02:0%c:00:00:ff:ff%s", s,
			 o.path[s], o.queue_size, s ? 'b' : 'a',
			 o.client ? "" : ",server=1");
		eal[n++] = (char *)(uintptr_t)"--vdev";
		eal[n++] = vdev[s];
	}
	for (int i = first; i < argc && n < (int)RTE_DIM(eal) - 1; i++)
		eal[n++] = argv[i];
	eal[n] = NULL;
	/* server mode: the probe waits here until the SUT connects */
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "vunet-perf: DPDK start-up failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	c.mode = o.mode;
	c.size = o.size;
	c.tso_mss = o.tso_mss;
	c.flows = o.flows;
	c.pairs = o.pairs;
	c.burst = o.burst;
	c.n_ports = o.path[1] != NULL ? 2 : 1;
	c.scratch = rte_pktmbuf_pool_create("scratch", SCRATCH_MBUFS, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	for (unsigned int s = 0; s < c.n_ports; s++) {
		c.port[s] = (uint16_t)s;
		c.frames[s] = perf_frames_pool(&c, (int)s, c.tso_mss ?
					       TSO_FRAMES : FRAMES_PER_POOL,
					       (int)rte_socket_id());
		if (c.frames[s] == NULL || c.scratch == NULL) {
			fprintf(stderr, "vunet-perf: out of memory for frames"
				"\n");
			goto out;
		}
		if (port_up(c.port[s], &o, c.scratch) < 0) {
			fprintf(stderr, "vunet-perf: port %c (%s) does not come"
				" up\n", 'A' + s, o.path[s]);
			goto out;
		}
	}
	printf("vunet-perf: links up\n");
	fflush(stdout);
	sa = (struct search_arg){ .c = &c, .o = &o };
	if (o.search) {
		struct ndr_search s = { .max_loss = o.loss, .min_rate = 1000,
					.resolution = o.resolution,
					.max_trials = 16 };
		struct ndr_result r;
		double top;

		/* the first trial is unpaced: as much as this side can send */
		trial(0, &sa);
		top = (double)sa.last.side[0].tx_pkts / sa.last.elapsed;
		s.max_rate = top;
		if (ndr_search(&s, trial, &sa, &r) < 0)
			goto out;
		r.rate = sa.best_sent_pps;
		report(&c, &o, r.rate > 0 ? &sa.best : &sa.last, &r);
	} else {
		sa.last.rate = o.rate;
		sa.last.seconds = o.seconds;
		perf_learn(&c);
		perf_run(&c, &sa.last);
		report(&c, &o, &sa.last, NULL);
	}
	ret = 0;
out:
	for (uint16_t p = 0; p < c.n_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return ret;
}

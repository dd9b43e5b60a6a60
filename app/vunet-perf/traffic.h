/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PERF_TRAFFIC_H
#define VUNET_PERF_TRAFFIC_H

/*
 * vunet-perf's traffic: pre-built frames (filled once when the pool is
 * made, so sending costs an allocation, two length stores and a time
 * stamp), one trial loop on one lcore that sends, receives and counts, and
 * a latency histogram from the time stamps the frames carry.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#define PERF_MAX_PAIRS 1024
#define PERF_LAT_BUCKETS 640

enum perf_mode { MODE_TX, MODE_RX, MODE_UNI, MODE_BI, MODE_LOOPBACK };

struct perf_side {
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_attempts;    /* tx bursts tried */
	uint64_t tx_full;        /* ... that the ring did not take whole */
	uint64_t rx_pkts, rx_bytes;
	uint64_t rx_foreign;     /* received frames that are not ours */
	uint64_t lat[PERF_LAT_BUCKETS];
};

struct perf_conf {
	enum perf_mode mode;
	uint16_t port[2];        /* A, B (B unused in tx, rx, loopback-A) */
	unsigned int n_ports;
	unsigned int size;       /* frame bytes; 0: IMIX */
	/* TCP segment size of TSO frames (A sends TCP/IPv4 frames of size
	 * bytes for its virtio-net device to mark GSO); 0: UDP frames */
	unsigned int tso_mss;
	unsigned int flows;      /* UDP source ports per MAC pair */
	unsigned int pairs;      /* MAC pairs */
	unsigned int burst;
	struct rte_mempool *frames[2]; /* pre-built: A->B, B->A */
	struct rte_mempool *scratch;   /* received frames, learning frames */
};

struct perf_trial {
	double rate;             /* offered packets/s per sending side; 0: all */
	double seconds;
	struct perf_side side[2];
	double elapsed;          /* of the sending window, s */
};

/* A pool of n frames for direction dir (0: A->B, 1: B->A), pre-built. */
struct rte_mempool *perf_frames_pool(const struct perf_conf *c, int dir,
				     unsigned int n, int socket);

/* Frames from every MAC pair both ways, so a learning switch knows them. */
void perf_learn(const struct perf_conf *c);

/* One measurement window after which the rings are drained. */
void perf_run(const struct perf_conf *c, struct perf_trial *t);

/* Latency percentile (0..1) of a side's histogram, in ns; 0 if empty. */
uint64_t perf_lat_percentile(const struct perf_side *s, double p);
uint64_t perf_lat_samples(const struct perf_side *s);

/* Frame sizes of IMIX, in the order they are sent. */
unsigned int perf_imix_size(uint64_t i);

#endif /* VUNET_PERF_TRAFFIC_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_WORKER_H
#define VUNET_WORKER_H

/*
 * Busy-polling worker lcores. Each worker owns a list of (port, queue) to
 * receive from, sends through the switch's per-port batches, counts into
 * its own stats, and reports an RCU quiescent state once per loop so the
 * control side can retire what workers might still be reading.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "vunet_port_tx.h"
#include "vunet_stats.h"
#include "vunet_switch.h"

#define VUNET_MAX_RXQ_PER_WORKER (VUNET_MAX_PORTS * VUNET_MAX_QUEUES)
#define VUNET_LEARN_RING_SIZE 8192
#define VUNET_PUNT_RING_SIZE 256

struct vunet_rxq {
	uint16_t port;
	uint16_t queue;
	bool pinned;              /* by the port's rxq_workers, not dealt */
};

/* A port some of whose queues one worker polls. */
struct vunet_poll_port {
	uint16_t port;
	uint16_t queues;          /* bit q: queue (vhost: pair) q */
};

/*
 * What one worker polls; published like the forwarding table. rxq lists
 * the queues (for the control side); ports holds the same by port, which
 * is what the worker walks: one readiness check per port, not per queue,
 * so the up to 16 pairs a vhost profile allows cost nothing while the
 * guest enables one.
 */
struct vunet_poll_list {
	uint16_t n;
	uint16_t n_ports;
	struct vunet_rxq rxq[VUNET_MAX_RXQ_PER_WORKER];
	struct vunet_poll_port ports[VUNET_MAX_PORTS];
};

struct vunet_worker {
	unsigned int index;
	unsigned int lcore;
	bool stop;
	pid_t tid;                /* for the watchdog: 0 until it runs */
	pthread_t thread;
	struct vunet_switch *sw;
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *learn;   /* to the control thread */
	struct rte_ring *punt;    /* ARP from underlays, to the control thread */
	uint64_t punt_tat;        /* their rate (vunet_switch_input.c) */
	struct vunet_poll_list *poll; /* RCU-published */
	struct vunet_out out;
	struct vunet_tx_ctx tx;   /* the egress stage's (vunet_port_tx.h) */
	struct vunet_tx_stage stage; /* vteps' frames for their underlay */
	struct vunet_fdb_cache fdb_cache;
	struct vunet_worker_stats stats;
};

/*
 * Allocate n workers for lcores[], with their learning rings and empty
 * poll lists (vunet_workers_publish fills them).
 */
struct vunet_worker *vunet_workers_create(unsigned int n,
					  const unsigned int *lcores,
					  struct vunet_switch *sw,
					  struct rte_rcu_qsbr *qsbr,
					  char *err, size_t errlen);
void vunet_workers_free(struct vunet_worker *w, unsigned int n);

/*
 * Control thread: give every receive queue of the ports with polled[slot]
 * to a worker (a port's conf->rxq_workers pins a queue; the rest go to the
 * least loaded worker) and publish the lists. When this returns (0) no
 * worker polls a queue that is no longer listed. -ENOMEM changes nothing.
 */
int vunet_workers_publish(struct vunet_worker *ws, unsigned int n,
			  const bool *polled);

/* lcore entry point; arg is a struct vunet_worker. */
int vunet_worker_main(void *arg);

#endif /* VUNET_WORKER_H */

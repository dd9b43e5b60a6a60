/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "vunet_port.h"
#include "vunet_worker.h"

struct vunet_worker *
vunet_workers_create(unsigned int n, const unsigned int *lcores,
		     struct vunet_switch *sw, struct rte_rcu_qsbr *qsbr,
		     char *err, size_t errlen)
{
	struct vunet_worker *ws;
	unsigned int k = 0;

	ws = rte_zmalloc("vunet_workers", sizeof(*ws) * n,
			 RTE_CACHE_LINE_SIZE);
	if (ws == NULL) {
		snprintf(err, errlen, "out of memory for %u workers", n);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		char name[RTE_RING_NAMESIZE];

		ws[i].index = i;
		ws[i].lcore = lcores[i];
		ws[i].sw = sw;
		ws[i].qsbr = qsbr;
		snprintf(name, sizeof(name), "learn_%u", i);
		ws[i].learn = rte_ring_create_elem(name,
			sizeof(struct vunet_learn), VUNET_LEARN_RING_SIZE,
			(int)rte_lcore_to_socket_id(lcores[i]),
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ws[i].learn == NULL) {
			snprintf(err, errlen, "cannot create ring %s: %s",
				 name, rte_strerror(rte_errno));
			vunet_workers_free(ws, n);
			return NULL;
		}
	}
	/* round-robin, so the queues of one port land on different workers */
	for (uint16_t q = 0; q < VUNET_MAX_QUEUES; q++)
		for (uint16_t p = 0; p < sw->n_ports; p++) {
			struct vunet_worker *w;

			if (q >= sw->ports[p].nb_rxq)
				continue;
			w = &ws[k++ % n];
			w->rxq[w->n_rxq++] = (struct vunet_rxq){ p, q };
		}
	return ws;
}

void
vunet_workers_free(struct vunet_worker *ws, unsigned int n)
{
	if (ws == NULL)
		return;
	for (unsigned int i = 0; i < n; i++)
		rte_ring_free(ws[i].learn);
	rte_free(ws);
}

static inline void
flush(struct vunet_worker *w, struct vunet_port *ports)
{
	struct vunet_out *out = &w->out;

	for (uint16_t i = 0; i < out->n_dirty; i++) {
		uint16_t p = out->dirty[i];
		struct vunet_txbuf *b = &out->buf[p];

		vunet_port_tx(&ports[p], w->index, b->pkts, b->n,
			      &w->stats.port[p]);
		b->n = 0;
	}
	out->n_dirty = 0;
}

int
vunet_worker_main(void *arg)
{
	struct vunet_worker *w = arg;
	struct vunet_switch *sw = w->sw;
	struct vunet_worker_stats *st = &w->stats;
	struct vunet_learn_q lq = { .ring = w->learn, .lost = &st->learn_lost };
	struct rte_mbuf *pkts[VUNET_BURST];
	uint64_t prev = rte_rdtsc();

	rte_rcu_qsbr_thread_register(w->qsbr, w->index);
	rte_rcu_qsbr_thread_online(w->qsbr, w->index);
	RTE_LOG(INFO, USER1, "worker %u: lcore %u, %u rx queue(s)\n",
		w->index, w->lcore, w->n_rxq);

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		uint32_t moved = 0;
		uint64_t now;

		for (uint16_t i = 0; i < w->n_rxq; i++) {
			const struct vunet_rxq *rq = &w->rxq[i];
			struct vunet_port *p = &sw->ports[rq->port];
			struct vunet_queue_stats *qs;
			uint16_t n;
			int vid = -1;

			if (!vunet_port_rx_ready(p, rq->queue, &vid))
				continue;
			n = vunet_port_rx(p, vid, rq->queue, pkts, VUNET_BURST);
			if (n == 0)
				continue;
			qs = &st->port[rq->port].rxq[rq->queue];
			qs->pkts += n;
			qs->bytes += vunet_pkts_bytes(pkts, n);
			moved += n;
			vunet_switch_input(sw, rq->port, pkts, n, &w->out,
					   st->port, prev, &lq);
			/* batches hold at most one burst: flush each time */
			flush(w, sw->ports);
		}
		now = rte_rdtsc();
		if (moved != 0) {
			st->busy_tsc += now - prev;
			st->pkts += moved;
		} else {
			st->idle_tsc += now - prev;
		}
		st->iterations++;
		prev = now;
		rte_rcu_qsbr_quiescent(w->qsbr, w->index);
	}

	rte_rcu_qsbr_thread_offline(w->qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->index);
	return 0;
}

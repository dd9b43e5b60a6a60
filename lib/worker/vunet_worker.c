/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "vunet_port_tx.h"
#include "vunet_worker.h"

RTE_LOG_REGISTER(vunet_logtype_worker, vunet.worker, INFO);

struct vunet_worker *
vunet_workers_create(unsigned int n, const unsigned int *lcores,
		     struct vunet_switch *sw, struct rte_rcu_qsbr *qsbr,
		     char *err, size_t errlen)
{
	struct vunet_worker *ws;

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
		snprintf(name, sizeof(name), "punt_%u", i);
		ws[i].punt = rte_ring_create(name, VUNET_PUNT_RING_SIZE,
			(int)rte_lcore_to_socket_id(lcores[i]),
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ws[i].learn == NULL || ws[i].punt == NULL) {
			snprintf(err, errlen, "cannot create ring %s: %s",
				 name, rte_strerror(rte_errno));
			vunet_workers_free(ws, n);
			return NULL;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		ws[i].poll = rte_zmalloc("vunet_poll", sizeof(*ws[i].poll),
					 RTE_CACHE_LINE_SIZE);
		if (ws[i].poll == NULL) {
			snprintf(err, errlen, "out of memory for poll lists");
			vunet_workers_free(ws, n);
			return NULL;
		}
	}
	return ws;
}

/* Group the list's queues by port, ports in slot order. */
static void
by_port(struct vunet_poll_list *l)
{
	uint16_t mask[VUNET_MAX_PORTS] = { 0 };

	for (uint16_t i = 0; i < l->n; i++)
		mask[l->rxq[i].port] |= (uint16_t)(1u << l->rxq[i].queue);
	l->n_ports = 0;
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++)
		if (mask[p] != 0)
			l->ports[l->n_ports++] = (struct vunet_poll_port){
				p, mask[p] };
}

int
vunet_workers_publish(struct vunet_worker *ws, unsigned int n,
		      const bool *polled)
{
	struct vunet_poll_list *next[VUNET_MAX_WORKERS] = { NULL };
	const struct vunet_port *ports = ws[0].sw->ports;
	int ret = 0;

	for (unsigned int i = 0; i < n; i++) {
		next[i] = rte_zmalloc("vunet_poll", sizeof(*next[i]),
				      RTE_CACHE_LINE_SIZE);
		if (next[i] == NULL)
			ret = -ENOMEM;
	}
	if (ret < 0)
		goto out;
	/* pinned queues first, so the dealt ones even out the load */
	for (int pass = 0; pass < 2; pass++)
		for (uint16_t q = 0; q < VUNET_MAX_QUEUES; q++)
			for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
				const struct vunet_port *pt = &ports[p];
				unsigned int w = 0;
				int pin;

				if (!polled[p] || q >= pt->nb_rxq)
					continue;
				pin = pt->conf->rxq_workers[q];
				if (pin >= (int)n)
					pin = -1; /* fewer workers now */
				if ((pass == 0) != (pin >= 0))
					continue;
				if (pin >= 0)
					w = (unsigned int)pin;
				else
					for (unsigned int i = 1; i < n; i++)
						if (next[i]->n < next[w]->n)
							w = i;
				next[w]->rxq[next[w]->n++] = (struct vunet_rxq){
					p, q, pin >= 0 };
			}
	for (unsigned int i = 0; i < n; i++)
		by_port(next[i]);
	for (unsigned int i = 0; i < n; i++)
		next[i] = __atomic_exchange_n(&ws[i].poll, next[i],
					      __ATOMIC_ACQ_REL);
	rte_rcu_qsbr_synchronize(ws[0].qsbr, RTE_QSBR_THRID_INVALID);
out:
	for (unsigned int i = 0; i < n; i++)
		rte_free(next[i]);
	return ret;
}

void
vunet_workers_free(struct vunet_worker *ws, unsigned int n)
{
	if (ws == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		rte_ring_free(ws[i].learn);
		if (ws[i].punt != NULL) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(ws[i].punt, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(ws[i].punt);
		}
		rte_free(ws[i].poll);
	}
	rte_free(ws);
}

/* longest: of the burst the batches came from (each holds one burst) */
static inline void
flush(struct vunet_worker *w, struct vunet_port *ports, uint32_t longest)
{
	struct vunet_out *out = &w->out;

	if (unlikely(out->grew)) {
		longest += RTE_VLAN_HLEN;
		out->grew = false;
	}
	for (uint16_t i = 0; i < out->n_dirty; i++) {
		uint16_t p = out->dirty[i];
		struct vunet_txbuf *b = &out->buf[p];

		vunet_port_tx(&ports[p], &w->tx, b->pkts, b->n, longest);
		b->n = 0;
	}
	out->n_dirty = 0;
	if (w->stage.n != 0)
		vunet_port_tx_stage_flush(&w->tx);
}

int
vunet_worker_main(void *arg)
{
	struct vunet_worker *w = arg;
	struct vunet_switch *sw = w->sw;
	struct vunet_worker_stats *st = &w->stats;
	const struct vunet_switch_ctx x = { .sw = sw, .out = &w->out,
		.st = st->port, .learn = w->learn, .punt = w->punt,
		.punt_tat = &w->punt_tat,
		.learn_lost = &st->learn_lost, .cache = &w->fdb_cache };
	struct rte_mbuf *pkts[VUNET_BURST];
	uint64_t prev = rte_rdtsc();

	w->tx.worker = w->index;
	w->tx.st = w->stats.port;
	w->tx.stage = &w->stage;
	w->thread = pthread_self();
	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	rte_rcu_qsbr_thread_register(w->qsbr, w->index);
	rte_rcu_qsbr_thread_online(w->qsbr, w->index);
	rte_log(RTE_LOG_INFO, vunet_logtype_worker, "worker %u: lcore %u\n",
		w->index, w->lcore);

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		/* both stay valid until this loop's quiescent state */
		const struct vunet_poll_list *poll =
			__atomic_load_n(&w->poll, __ATOMIC_ACQUIRE);
		const struct vunet_fwd_table *t = vunet_switch_table(sw);
		uint32_t moved = 0;
		uint64_t now;
		int vid = -1;

		for (uint16_t i = 0; i < poll->n_ports; i++) {
			uint16_t port = poll->ports[i].port;
			struct vunet_port *p = &sw->ports[port];
			uint32_t ready = vunet_port_rx_ready(p, &vid);

			for (ready &= poll->ports[i].queues; ready != 0;
			     ready &= ready - 1) {
				uint16_t q = (uint16_t)rte_bsf32(ready);
				struct vunet_queue_stats *qs;
				uint32_t longest;
				uint16_t n;

				n = vunet_port_rx(p, vid, q, pkts, VUNET_BURST);
				if (n == 0)
					continue;
				qs = &st->port[port].rxq[q];
				qs->pkts += n;
				qs->bytes += vunet_pkts_bytes_longest(pkts, n,
								      &longest);
				moved += n;
				if (unlikely(longest > vunet_port_rx_max(p))) {
					n = vunet_port_rx_admit(p, pkts, n,
								&st->port[port]);
					if (n == 0)
						continue;
				}
				/* the frames may carry a guest's offloads */
				w->tx.offloads = vunet_port_has(p,
						VUNET_CAP_OFFLOAD_IN);
				if (unlikely(w->tx.offloads))
					w->tx.pool = p->seg_pool;
				vunet_switch_input(&x, t, prev, port, pkts, n);
				/* batches hold at most one burst: flush */
				flush(w, sw->ports, longest);
			}
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

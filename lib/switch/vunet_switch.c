/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "vunet_switch.h"

#define SW_LOG(level, fmt, ...) \
	RTE_LOG(level, USER1, "switch: " fmt "\n", ##__VA_ARGS__)

#define MAC_MASK 0x0000ffffffffffffULL
#define LEARN_DRAIN_MAX 256

struct vunet_switch *
vunet_switch_new(struct vunet_port *ports, struct rte_rcu_qsbr *qsbr,
		 char *err, size_t errlen)
{
	struct vunet_switch *sw;

	sw = rte_zmalloc("vunet_switch", sizeof(*sw), RTE_CACHE_LINE_SIZE);
	if (sw != NULL)
		sw->table = rte_zmalloc("vunet_fwd", sizeof(*sw->table),
					RTE_CACHE_LINE_SIZE);
	if (sw == NULL || sw->table == NULL) {
		snprintf(err, errlen, "out of memory for the switch");
		rte_free(sw);
		return NULL;
	}
	sw->ports = ports;
	sw->qsbr = qsbr;
	return sw;
}

int
vunet_switch_bridge_add(struct vunet_switch *sw, uint16_t slot,
			const struct vunet_bridge_conf *bc, char *err,
			size_t errlen)
{
	struct vunet_bridge *b = &sw->bridges[slot];
	char name[RTE_HASH_NAMESIZE];

	memset(b, 0, sizeof(*b));
	b->conf = *bc;
	snprintf(name, sizeof(name), "fdb_%u", slot);
	b->fdb = vunet_fdb_create(name, bc->fdb_size,
				  bc->aging_sec * rte_get_tsc_hz(),
				  SOCKET_ID_ANY, sw->qsbr);
	if (b->fdb == NULL) {
		snprintf(err, errlen, "bridge %s: cannot create a MAC table "
			 "of %u entries: %s", bc->name, bc->fdb_size,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

void
vunet_switch_bridge_del(struct vunet_switch *sw, uint16_t slot)
{
	vunet_fdb_free(sw->bridges[slot].fdb);
	memset(&sw->bridges[slot], 0, sizeof(sw->bridges[slot]));
}

int
vunet_switch_publish(struct vunet_switch *sw, const struct vunet_wiring *w)
{
	struct vunet_fwd_table *t, *old;
	uint16_t *next_flood;

	t = rte_zmalloc("vunet_fwd", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	next_flood = t->flood_lists;
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		const struct vunet_port_conf *pc = w->port[p].conf;
		struct vunet_fwd_port *f = &t->fwd[p];
		int br = w->port[p].bridge;

		if (pc == NULL)
			continue;
		f->vlan = pc->vlan;
		f->n_allowed = pc->n_allowed_macs;
		for (uint16_t i = 0; i < pc->n_allowed_macs; i++)
			f->allowed[i] = vunet_fdb_key(pc->allowed_macs[i].b, 0);
		if (w->port[p].peer >= 0) {
			f->mode = VUNET_FWD_XCONNECT;
			f->peer = (uint16_t)w->port[p].peer;
			continue;
		}
		if (br < 0 || sw->bridges[br].fdb == NULL)
			continue;
		f->mode = VUNET_FWD_BRIDGE;
		f->bridge = (uint16_t)br;
		f->fdb = sw->bridges[br].fdb;
		f->flood = next_flood;
		for (uint16_t q = 0; q < VUNET_MAX_PORTS; q++)
			if (q != p && w->port[q].conf != NULL &&
			    w->port[q].bridge == br &&
			    w->port[q].conf->vlan == pc->vlan)
				f->flood[f->n_flood++] = q;
		next_flood += f->n_flood;
	}
	old = sw->table;
	__atomic_store_n(&sw->table, t, __ATOMIC_RELEASE);
	if (sw->qsbr != NULL)
		rte_rcu_qsbr_synchronize(sw->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	return 0;
}

struct vunet_switch *
vunet_switch_create(const struct vunet_config *conf, struct vunet_port *ports,
		    struct rte_rcu_qsbr *qsbr, char *err, size_t errlen)
{
	static struct vunet_wiring w;
	struct vunet_switch *sw = vunet_switch_new(ports, qsbr, err, errlen);

	if (sw == NULL)
		return NULL;
	for (uint16_t b = 0; b < conf->n_bridges; b++)
		if (vunet_switch_bridge_add(sw, b, &conf->bridges[b], err,
					    errlen) < 0) {
			vunet_switch_free(sw);
			return NULL;
		}
	memset(&w, 0, sizeof(w));
	for (uint16_t p = 0; p < VUNET_MAX_PORTS; p++) {
		w.port[p].conf = p < conf->n_ports ? &conf->ports[p] : NULL;
		w.port[p].bridge = p < conf->n_ports ? conf->ports[p].bridge :
			-1;
		w.port[p].peer = -1;
	}
	for (uint16_t x = 0; x < conf->n_xconnects; x++) {
		w.port[conf->xconnects[x].a].peer = conf->xconnects[x].b;
		w.port[conf->xconnects[x].b].peer = conf->xconnects[x].a;
	}
	if (vunet_switch_publish(sw, &w) < 0) {
		snprintf(err, errlen, "out of memory for the switch");
		vunet_switch_free(sw);
		return NULL;
	}
	return sw;
}

void
vunet_switch_free(struct vunet_switch *sw)
{
	if (sw == NULL)
		return;
	for (uint16_t b = 0; b < VUNET_MAX_BRIDGES; b++)
		vunet_fdb_free(sw->bridges[b].fdb);
	rte_free(sw->table);
	rte_free(sw);
}

static inline void
drop(struct rte_mbuf *m, struct vunet_port_stats *st, enum vunet_drop why)
{
	st->drop[why]++;
	rte_pktmbuf_free(m);
}

/* One reference per destination; the batches release them. */
static inline void
flood(const struct vunet_switch *sw, const struct vunet_fwd_port *f,
      struct rte_mbuf *m, struct vunet_out *out, struct vunet_port_stats *st)
{
	uint16_t dst[VUNET_MAX_PORTS], n = 0;

	for (uint16_t i = 0; i < f->n_flood; i++)
		if (vunet_port_is_up(&sw->ports[f->flood[i]]))
			dst[n++] = f->flood[i];
	if (n == 0) {
		drop(m, st, VUNET_DROP_NO_DEST);
		return;
	}
	if (n > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(n - 1));
	for (uint16_t i = 0; i < n; i++)
		vunet_out_append(out, dst[i], m);
}

static inline bool
src_allowed(const struct vunet_fwd_port *f, uint64_t src)
{
	for (uint16_t i = 0; i < f->n_allowed; i++)
		if (f->allowed[i] == src)
			return true;
	return false;
}

static void
bridge_input(const struct vunet_switch *sw, const struct vunet_fwd_table *t,
	     uint16_t in,
	     struct rte_mbuf **pkts, uint16_t n, struct vunet_out *out,
	     struct vunet_port_stats *st, uint64_t now,
	     struct vunet_learn_q *lq)
{
	const struct vunet_fwd_port *f = &t->fwd[in];
	const uint64_t vlan = (uint64_t)f->vlan << 48;
	struct vunet_fdb_entry *hit[2 * VUNET_BURST];
	const void *keyp[2 * VUNET_BURST];
	uint64_t key[2 * VUNET_BURST];  /* destinations, then sources */
	struct vunet_learn ev[VUNET_BURST];
	struct rte_mbuf *ok[VUNET_BURST];
	uint8_t u[2 * VUNET_BURST];     /* index of each key's lookup */
	uint16_t n_ok = 0, n_ev = 0;
	uint32_t n_u = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *eth;
		uint64_t dst, src;
		uint16_t type;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			drop(m, &st[in], VUNET_DROP_RUNT);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, const uint8_t *);
		/* 8-byte loads: MAC plus the next two bytes, masked off */
		dst = *(const unaligned_uint64_t *)eth & MAC_MASK;
		src = *(const unaligned_uint64_t *)(eth + 6) & MAC_MASK;
		type = *(const uint16_t *)(eth + 12);
		if (unlikely(type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			     type == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
			drop(m, &st[in], VUNET_DROP_VLAN);
			continue;
		}
		if (unlikely((src & 1) || src == 0)) {
			drop(m, &st[in], VUNET_DROP_BAD_SRC);
			continue;
		}
		if (f->n_allowed != 0 && !src_allowed(f, src)) {
			drop(m, &st[in], VUNET_DROP_SPOOF);
			continue;
		}
		key[n_ok] = dst | vlan;
		key[VUNET_BURST + n_ok] = src | vlan;
		ok[n_ok++] = m;
	}
	if (n_ok == 0)
		return;

	/*
	 * A burst usually holds runs of one flow: look each run's key up
	 * once. u[i] / u[VUNET_BURST + i] index the unique keys.
	 */
	for (uint16_t i = 0; i < n_ok; i++)
		for (uint16_t side = 0; side < 2; side++) {
			uint16_t k = (uint16_t)(side * VUNET_BURST + i);

			if (i == 0 || key[k] != key[k - 1]) {
				keyp[n_u] = &key[k];
				u[k] = (uint8_t)n_u++;
			} else {
				u[k] = u[k - 1];
			}
		}
	vunet_fdb_lookup_bulk(f->fdb, keyp, n_u, hit);

	for (uint16_t i = 0; i < n_ok; i++) {
		struct vunet_fdb_entry *s = hit[u[VUNET_BURST + i]];
		struct vunet_fdb_entry *d = hit[u[i]];
		uint64_t skey = key[VUNET_BURST + i];

		if (likely(s != NULL && s->port == in)) {
			if (unlikely(now - s->seen > f->fdb->refresh_tsc))
				__atomic_store_n(&s->seen, now,
						 __ATOMIC_RELAXED);
		} else if (n_ev == 0 || ev[n_ev - 1].key != skey) {
			ev[n_ev++] = (struct vunet_learn){ .key = skey,
				.port = in, .bridge = f->bridge };
		}

		if (key[i] & 1) /* group bit: broadcast or multicast */
			flood(sw, f, ok[i], out, &st[in]);
		else if (d == NULL)
			flood(sw, f, ok[i], out, &st[in]);
		else if (unlikely(d->port == in))
			drop(ok[i], &st[in], VUNET_DROP_SAME_PORT);
		else
			vunet_out_append(out, d->port, ok[i]);
	}
	if (n_ev != 0 && lq != NULL) {
		unsigned int sent = rte_ring_enqueue_burst_elem(lq->ring, ev,
			sizeof(ev[0]), n_ev, NULL);

		*lq->lost += n_ev - sent;
	}
}

void
vunet_switch_input(const struct vunet_switch *sw,
		   const struct vunet_fwd_table *t, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n, struct vunet_out *out,
		   struct vunet_port_stats *st, uint64_t now,
		   struct vunet_learn_q *lq)
{
	const struct vunet_fwd_port *f = &t->fwd[in];

	switch (f->mode) {
	case VUNET_FWD_BRIDGE:
		bridge_input(sw, t, in, pkts, n, out, st, now, lq);
		break;
	case VUNET_FWD_XCONNECT:
		if (likely(vunet_port_is_up(&sw->ports[f->peer]))) {
			for (uint16_t i = 0; i < n; i++)
				vunet_out_append(out, f->peer, pkts[i]);
		} else {
			st[in].drop[VUNET_DROP_NO_DEST] += n;
			rte_pktmbuf_free_bulk(pkts, n);
		}
		break;
	default:
		st[in].drop[VUNET_DROP_NO_DEST] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		break;
	}
}

unsigned int
vunet_switch_learn_drain(struct vunet_switch *sw, struct rte_ring *ring,
			 uint64_t now)
{
	struct vunet_learn ev[LEARN_DRAIN_MAX];
	unsigned int n;

	n = rte_ring_dequeue_burst_elem(ring, ev, sizeof(ev[0]),
					LEARN_DRAIN_MAX, NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct vunet_bridge *b = &sw->bridges[ev[i].bridge];
		int r;

		/* queued before its bridge went away */
		if (b->fdb == NULL)
			continue;
		r = vunet_fdb_learn(b->fdb, ev[i].key, ev[i].port, now);
		if (r == VUNET_FDB_NEW)
			b->learned++;
		else if (r == VUNET_FDB_MOVED)
			b->moved++;
		else if (r == -ENOSPC)
			b->table_full++;
	}
	return n;
}

void
vunet_switch_age(struct vunet_switch *sw, uint64_t now)
{
	for (uint16_t b = 0; b < VUNET_MAX_BRIDGES; b++)
		if (sw->bridges[b].fdb != NULL)
			sw->bridges[b].aged +=
				vunet_fdb_age(sw->bridges[b].fdb, now);
}

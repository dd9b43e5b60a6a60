/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The forwarding decision, on the workers: per received burst, with no
 * lock, syscall or allocation. The control side (tables, learning, aging)
 * is in vunet_switch.c.
 */

#include <rte_ether.h>
#include <rte_prefetch.h>

#include "vunet_switch.h"

#define MAC_MASK 0x0000ffffffffffffULL

static inline void
drop(struct rte_mbuf *m, struct vunet_port_stats *st, enum vunet_drop why)
{
	st->drop[why]++;
	rte_pktmbuf_free(m);
}

/*
 * One reference per destination; the batches release them. Every segment
 * of a chain carries its own count and every release walks the whole
 * chain, so all of them are raised (a jumbo from rte_vhost is a chain).
 */
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
		rte_pktmbuf_refcnt_update(m, (int16_t)(n - 1));
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

/*
 * How many of k flooded frames the port's rate admits now (GCRA: a frame
 * conforms while the next conforming time is at most tau ahead). Several
 * workers may poll one port's queues, so the state is updated with a CAS.
 */
static inline uint16_t
flood_admit(struct vunet_port *p, const struct vunet_fwd_port *f, uint16_t k,
	    uint64_t now)
{
	uint64_t tat, t, n;

	if (likely(f->flood_tsc == 0))
		return k;
	tat = __atomic_load_n(&p->flood_tat, __ATOMIC_RELAXED);
	do {
		t = RTE_MAX(tat, now);
		if (t - now > f->flood_tau)
			return 0;
		n = RTE_MIN((uint64_t)k, (now + f->flood_tau - t) /
			    f->flood_tsc + 1);
	} while (!__atomic_compare_exchange_n(&p->flood_tat, &tat,
					      t + n * f->flood_tsc, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return (uint16_t)n;
}

/*
 * Bridge forwarding works on runs: consecutive packets with the same
 * Ethernet header (destination, source, type) get the same decision, and a
 * burst from one guest is mostly a few such runs (flows differ above L2).
 * So the checks, the MAC lookups and the learning are done once per run,
 * and per packet there are two header loads, two compares and a store.
 */
struct bridge_runs {
	uint16_t n;                      /* runs */
	uint16_t start[VUNET_BURST + 1]; /* run r: ok[start[r]..start[r+1]) */
	uint64_t key[2 * VUNET_BURST];   /* run r: dst at r, src at n + r */
	struct rte_mbuf *ok[VUNET_BURST];
};

/* 01:80:c2:00:00:00-0f as a key: bridges never forward these (802.1D) */
#define LINK_LOCAL_MASK 0xf0ffffffffffULL
#define LINK_LOCAL_KEY 0x0000c28001ULL

/* Why a run's header is dropped, or VUNET_DROP_MAX if it is fine. */
static inline enum vunet_drop
header_check(const struct vunet_fwd_port *f, uint64_t hi, uint64_t src)
{
	uint16_t type = (uint16_t)(hi >> 48);

	if (unlikely(type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		     type == RTE_BE16(RTE_ETHER_TYPE_QINQ)))
		return VUNET_DROP_VLAN;
	if (unlikely((src & 1) || src == 0))
		return VUNET_DROP_BAD_SRC;
	if (f->n_allowed != 0 && !src_allowed(f, src))
		return VUNET_DROP_SPOOF;
	return VUNET_DROP_MAX;
}

/* Split the burst into runs; drop what cannot be bridged. */
static inline void
bridge_runs(const struct vunet_fwd_port *f, struct rte_mbuf **pkts,
	    uint16_t n, struct vunet_port_stats *st, struct bridge_runs *r)
{
	const uint64_t vlan = (uint64_t)f->vlan << 48;
	uint64_t lo_prev = 0, hi_prev = 0;
	bool in_run = false; /* the previous packet passed the checks */
	uint64_t src[VUNET_BURST];
	uint16_t n_ok = 0, n_run = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *eth;
		uint64_t lo, hi;
		enum vunet_drop why;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
			drop(m, st, VUNET_DROP_RUNT);
			continue;
		}
		/* bytes 0-7 and 6-13: the whole header in two loads */
		eth = rte_pktmbuf_mtod(m, const uint8_t *);
		lo = *(const unaligned_uint64_t *)eth;
		hi = *(const unaligned_uint64_t *)(eth + 6);
		if (likely(in_run && lo == lo_prev && hi == hi_prev)) {
			r->ok[n_ok++] = m;
			continue;
		}
		why = header_check(f, hi, hi & MAC_MASK);
		if (unlikely(why != VUNET_DROP_MAX)) {
			drop(m, st, why);
			in_run = false;
			continue;
		}
		in_run = true;
		lo_prev = lo;
		hi_prev = hi;
		r->start[n_run] = n_ok;
		r->key[n_run] = (lo & MAC_MASK) | vlan;
		src[n_run++] = (hi & MAC_MASK) | vlan;
		r->ok[n_ok++] = m;
	}
	r->start[n_run] = n_ok;
	r->n = n_run;
	for (uint16_t i = 0; i < n_run; i++)
		r->key[n_run + i] = src[i];
}

static void
bridge_input(const struct vunet_switch_ctx *x, const struct vunet_fwd_port *f,
	     uint64_t now, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	const struct vunet_switch *sw = x->sw;
	struct vunet_port_stats *st = x->st;
	struct vunet_out *out = x->out;
	struct vunet_fdb_entry *hit[2 * VUNET_BURST];
	struct vunet_learn ev[VUNET_BURST];
	struct bridge_runs r;
	uint16_t n_ev = 0;

	bridge_runs(f, pkts, n, &st[in], &r);
	if (r.n == 0)
		return;
	vunet_fdb_lookup_cached(f->fdb, x->cache, r.key, 2u * r.n, hit);

	for (uint16_t i = 0; i < r.n; i++) {
		struct vunet_fdb_entry *s = hit[r.n + i], *d = hit[i];
		uint64_t skey = r.key[r.n + i];
		uint16_t first = r.start[i], end = r.start[i + 1];

		if (likely(s != NULL && s->port == in)) {
			if (unlikely(now - s->seen > f->fdb->refresh_tsc))
				__atomic_store_n(&s->seen, now,
						 __ATOMIC_RELAXED);
		} else if (unlikely(vunet_fdb_port_count(f->fdb, in) >=
				    f->mac_limit)) {
			/* a new or moved source the port may not add */
			for (uint16_t j = first; j < end; j++)
				drop(r.ok[j], &st[in], VUNET_DROP_MAC_LIMIT);
			continue;
		} else if (n_ev == 0 || ev[n_ev - 1].key != skey) {
			ev[n_ev++] = (struct vunet_learn){ .key = skey,
				.port = in, .bridge = f->bridge };
		}

		/* group bit (broadcast, multicast) or unknown: flood */
		if (unlikely((r.key[i] & 1) || d == NULL)) {
			uint16_t ok;

			/* link-local are group addresses: only here */
			if (unlikely((r.key[i] & LINK_LOCAL_MASK) ==
				     LINK_LOCAL_KEY)) {
				for (uint16_t j = first; j < end; j++)
					drop(r.ok[j], &st[in],
					     VUNET_DROP_LINK_LOCAL);
				continue;
			}
			ok = first + flood_admit(&sw->ports[in], f,
						 end - first, now);

			for (uint16_t j = first; j < ok; j++)
				flood(sw, f, r.ok[j], out, &st[in]);
			for (uint16_t j = ok; j < end; j++)
				drop(r.ok[j], &st[in], VUNET_DROP_FLOOD_RATE);
		} else if (unlikely(d->port == in)) {
			for (uint16_t j = first; j < end; j++)
				drop(r.ok[j], &st[in], VUNET_DROP_SAME_PORT);
		} else {
			vunet_out_append_bulk(out, d->port, &r.ok[first],
					      end - first);
		}
	}
	if (n_ev != 0 && x->learn != NULL) {
		unsigned int sent = rte_ring_enqueue_burst_elem(x->learn, ev,
			sizeof(ev[0]), n_ev, NULL);

		*x->learn_lost += n_ev - sent;
	}
}

void
vunet_switch_input(const struct vunet_switch_ctx *x,
		   const struct vunet_fwd_table *t, uint64_t now, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n)
{
	const struct vunet_fwd_port *f = &t->fwd[in];

	switch (f->mode) {
	case VUNET_FWD_BRIDGE:
		bridge_input(x, f, now, in, pkts, n);
		break;
	case VUNET_FWD_XCONNECT:
		if (likely(vunet_port_is_up(&x->sw->ports[f->peer]))) {
			vunet_out_append_bulk(x->out, f->peer, pkts, n);
		} else {
			x->st[in].drop[VUNET_DROP_NO_DEST] += n;
			rte_pktmbuf_free_bulk(pkts, n);
		}
		break;
	default:
		x->st[in].drop[VUNET_DROP_NO_DEST] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		break;
	}
}

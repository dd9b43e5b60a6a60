/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The forwarding decision, on the workers: per received burst, with no
 * lock, syscall or allocation. The control side (tables, learning, aging)
 * is in vunet_switch.c.
 */

#include <string.h>

#include <rte_ether.h>
#include <rte_prefetch.h>

#include "vunet_switch.h"
#include "vunet_vxlan_decap.h"

#define MAC_MASK 0x0000ffffffffffffULL

static inline void
drop(struct rte_mbuf *m, struct vunet_port_stats *st, enum vunet_drop why)
{
	st->drop[why]++;
	rte_pktmbuf_free(m);
}

#define VLAN_TPID RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define VID_MASK 0x0fff

/*
 * Push an 802.1Q tag after the MACs, into the headroom. Only into a frame
 * no one else holds: a flooded one is shared until its batches are sent.
 */
static inline int
vlan_push(struct rte_mbuf *m, uint16_t tci)
{
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t macs_lo;
	uint32_t macs_hi;

	if (unlikely(rte_mbuf_refcnt_read(m) != 1 || RTE_MBUF_CLONED(m) ||
		     rte_pktmbuf_data_len(m) < 2 * RTE_ETHER_ADDR_LEN ||
		     rte_pktmbuf_headroom(m) < RTE_VLAN_HLEN))
		return -1;
	/* the MACs move 4 bytes forward: all loaded before any store */
	macs_lo = *(unaligned_uint64_t *)h;
	macs_hi = *(unaligned_uint32_t *)(h + 8);
	h -= RTE_VLAN_HLEN;
	*(unaligned_uint64_t *)h = macs_lo;
	*(unaligned_uint32_t *)(h + 8) = macs_hi;
	*(unaligned_uint16_t *)(h + 12) = VLAN_TPID;
	*(unaligned_uint16_t *)(h + 14) = rte_cpu_to_be_16(tci);
	m->data_off -= RTE_VLAN_HLEN;
	m->data_len += RTE_VLAN_HLEN;
	m->pkt_len += RTE_VLAN_HLEN;
	return 0;
}

/* The tag is at bytes 12-15: the MACs move 4 bytes back over it. */
static inline void
vlan_pop(struct rte_mbuf *m)
{
	uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t macs_lo = *(unaligned_uint64_t *)h;
	uint32_t macs_hi = *(unaligned_uint32_t *)(h + 8);

	*(unaligned_uint64_t *)(h + RTE_VLAN_HLEN) = macs_lo;
	*(unaligned_uint32_t *)(h + RTE_VLAN_HLEN + 8) = macs_hi;
	m->data_off += RTE_VLAN_HLEN;
	m->data_len -= RTE_VLAN_HLEN;
	m->pkt_len -= RTE_VLAN_HLEN;
}

/* k references to m, one in each of the batches of dst. */
static inline void
out_shared(struct vunet_out *out, struct rte_mbuf *m, const uint16_t *dst,
	   uint16_t k)
{
	/*
	 * Every segment of a chain carries its own count and every release
	 * walks the whole chain, so all of them are raised (a jumbo from
	 * rte_vhost is a chain).
	 */
	if (k > 1)
		rte_pktmbuf_refcnt_update(m, (int16_t)(k - 1));
	for (uint16_t i = 0; i < k; i++)
		vunet_out_append(out, dst[i], m);
}

/*
 * To every port of list l but in that is up. Those that take the frame
 * tagged share one tagged copy (tci); the frame itself when no other takes
 * it. Remote VTEPs share the untagged frame, its VLAN in vlan_tci (they
 * copy it to encapsulate); a frame that came from one is not sent to the
 * others (split horizon: every VTEP floods to all the others itself).
 */
static inline void
flood(const struct vunet_switch_ctx *x, const struct vunet_fwd_table *t,
      const struct vunet_flood_list *l, uint16_t in, bool from_tunnel,
      uint16_t tci, struct rte_mbuf *m)
{
	const struct vunet_port *ports = x->sw->ports;
	const uint16_t *mem = t->members + l->off;
	uint16_t dst[VUNET_MAX_PORTS], n = 0, nu, nt, ntun, i;
	struct rte_mbuf *tm;

	for (i = 0; i < l->n_untagged; i++)
		if (mem[i] != in && vunet_port_is_up(&ports[mem[i]]))
			dst[n++] = mem[i];
	nu = n;
	for (; i < l->n_tagged; i++)
		if (mem[i] != in && vunet_port_is_up(&ports[mem[i]]))
			dst[n++] = mem[i];
	nt = n - nu;
	for (; i < l->n && !from_tunnel; i++)
		if (vunet_port_is_up(&ports[mem[i]]))
			dst[n++] = mem[i];
	ntun = n - nu - nt;
	if (n == 0) {
		drop(m, &x->st[in], VUNET_DROP_NO_DEST);
		return;
	}
	if (ntun != 0)
		m->vlan_tci = tci;
	if (likely(nt == 0)) {
		out_shared(x->out, m, dst, n);
		return;
	}
	tm = nu + ntun == 0 ? m : rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	if (unlikely(tm == NULL || vlan_push(tm, tci) < 0)) {
		x->st[in].drop[VUNET_DROP_NO_MBUF]++;
		rte_pktmbuf_free(tm);
	} else {
		x->out->grew = true;
		out_shared(x->out, tm, dst + nu, nt);
	}
	if (tm == m)
		return;
	/* the frame itself: the untagged ports and the VTEPs */
	memmove(dst + nu, dst + nu + nt, ntun * sizeof(dst[0]));
	out_shared(x->out, m, dst, nu + ntun);
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

/*
 * A trunk's frames: the tag popped (unless the device did), its TCI kept
 * in m->vlan_tci so the priority bits go back on with a tag; untagged and
 * priority-tagged frames are in the native VLAN. Keeps, in order, the
 * frames of VLANs the port carries and returns how many.
 */
static inline uint16_t
trunk_input(const struct vunet_fwd_port *f, struct rte_mbuf **pkts,
	    uint16_t n, struct vunet_port_stats *st)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t tci = 0;

		if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
			tci = m->vlan_tci;
		} else if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN +
			   RTE_VLAN_HLEN &&
			   *(unaligned_uint16_t *)(h + 12) == VLAN_TPID) {
			tci = rte_be_to_cpu_16(*(unaligned_uint16_t *)(h + 14));
			vlan_pop(m);
		}
		if ((tci & VID_MASK) == 0)
			tci |= f->vlan;
		if (unlikely(!vunet_vlans_has(&f->vlans, tci & VID_MASK))) {
			drop(m, st, VUNET_DROP_VLAN_NOT_CARRIED);
			continue;
		}
		m->vlan_tci = tci;
		pkts[k++] = m;
	}
	return k;
}

/*
 * An access port's device that pops tags (it was made a trunk's): what it
 * popped was tagged. Keeps the rest, in order.
 */
static uint16_t
access_stripped(struct rte_mbuf **pkts, uint16_t n,
		struct vunet_port_stats *st)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (pkts[i]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
			drop(pkts[i], st, VUNET_DROP_VLAN);
		else
			pkts[k++] = pkts[i];
	}
	return k;
}

/*
 * Split the burst into runs; drop what cannot be bridged. trunk: the VLAN
 * is each frame's (trunk_input), not the port's.
 */
static __rte_always_inline void
bridge_runs(const struct vunet_fwd_port *f, struct rte_mbuf **pkts,
	    uint16_t n, struct vunet_port_stats *st, struct bridge_runs *r,
	    const bool trunk)
{
	uint64_t vlan = (uint64_t)f->vlan << 48;
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
		if (trunk) {
			uint64_t v = (uint64_t)(m->vlan_tci & VID_MASK) << 48;

			in_run &= v == vlan;
			vlan = v;
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

/*
 * A run of k frames to flood (dkey: the destination, in the frames' VLAN):
 * link-local never, the rest as the port's flood rate admits.
 */
static __rte_noinline void
flood_run(const struct vunet_switch_ctx *x, const struct vunet_fwd_table *t,
	  const struct vunet_fwd_port *f, uint64_t now, uint16_t in,
	  uint64_t dkey, struct rte_mbuf **m, uint16_t k)
{
	const struct vunet_flood_list *l = &f->flood[dkey >> 48];
	uint16_t ok;

	/* link-local are group addresses: only here */
	if (unlikely((dkey & LINK_LOCAL_MASK) == LINK_LOCAL_KEY)) {
		for (uint16_t j = 0; j < k; j++)
			drop(m[j], &x->st[in], VUNET_DROP_LINK_LOCAL);
		return;
	}
	ok = flood_admit(&x->sw->ports[in], f, k, now);
	for (uint16_t j = 0; j < ok; j++)
		flood(x, t, l, in, f->tunnel, f->trunk ? m[j]->vlan_tci :
		      (uint16_t)(dkey >> 48), m[j]);
	for (uint16_t j = ok; j < k; j++)
		drop(m[j], &x->st[in], VUNET_DROP_FLOOD_RATE);
}

/*
 * A run of k frames in VLAN v to port q, a trunk that takes them tagged
 * or a remote VTEP (tunnel) that takes the VLAN in vlan_tci.
 */
static __rte_noinline void
unicast_tagged(const struct vunet_switch_ctx *x,
	       const struct vunet_fwd_port *f, uint16_t in, uint16_t q,
	       bool tunnel, uint16_t v, struct rte_mbuf **m, uint16_t k)
{
	bool hw = vunet_port_has(&x->sw->ports[q], VUNET_CAP_VLAN_INSERT);

	for (uint16_t j = 0; j < k; j++) {
		uint16_t tci = f->trunk ? m[j]->vlan_tci : v;

		if (tunnel) {
			m[j]->vlan_tci = tci;
		} else if (hw) {
			m[j]->vlan_tci = tci;
			m[j]->ol_flags |= RTE_MBUF_F_TX_VLAN;
		} else if (unlikely(vlan_push(m[j], tci) < 0)) {
			drop(m[j], &x->st[in], VUNET_DROP_NO_MBUF);
			continue;
		} else {
			x->out->grew = true;
		}
		vunet_out_append(x->out, q, m[j]);
	}
}

static void
bridge_input(const struct vunet_switch_ctx *x, const struct vunet_fwd_table *t,
	     const struct vunet_fwd_port *f, uint64_t now, uint16_t in,
	     struct rte_mbuf **pkts, uint16_t n)
{
	/* the frame's segment is this with its VLAN */
	const uint32_t bridge_seg = VUNET_SEGMENT(f->bridge, 0);
	struct vunet_port_stats *st = x->st;
	struct vunet_fdb_entry *hit[2 * VUNET_BURST];
	struct vunet_learn ev[VUNET_BURST];
	struct bridge_runs r;
	uint16_t n_ev = 0;

	if (unlikely(f->trunk)) {
		/* decapsulated frames have their VLAN already */
		if (!f->tunnel)
			n = trunk_input(f, pkts, n, &st[in]);
		bridge_runs(f, pkts, n, &st[in], &r, true);
	} else {
		if (unlikely(vunet_port_has(&x->sw->ports[in],
					    VUNET_CAP_VLAN_STRIP)))
			n = access_stripped(pkts, n, &st[in]);
		bridge_runs(f, pkts, n, &st[in], &r, false);
	}
	if (r.n == 0)
		return;
	vunet_fdb_lookup_cached(f->fdb, x->cache, r.key, 2u * r.n, hit);

	for (uint16_t i = 0; i < r.n; i++) {
		struct vunet_fdb_entry *s = hit[r.n + i], *d = hit[i];
		uint64_t skey = r.key[r.n + i], dkey = r.key[i];
		uint16_t first = r.start[i], k = r.start[i + 1] - first;
		uint16_t v = (uint16_t)(dkey >> 48), q;
		const struct vunet_fwd_port *fq;

		if (likely(s != NULL && s->port == in)) {
			if (unlikely(now - s->seen > f->fdb->refresh_tsc))
				__atomic_store_n(&s->seen, now,
						 __ATOMIC_RELAXED);
		} else if (unlikely(vunet_fdb_port_count(f->fdb, in) >=
				    f->mac_limit)) {
			/*
			 * A new or moved source the port may not add: a VM's
			 * frame is dropped; a remote's goes on, unlearned
			 * (whoever forges that remote's address may use up
			 * its share, not silence the hosts behind it).
			 */
			if (!f->tunnel) {
				for (uint16_t j = first; j < first + k; j++)
					drop(r.ok[j], &st[in],
					     VUNET_DROP_MAC_LIMIT);
				continue;
			}
		} else if (n_ev == 0 || ev[n_ev - 1].key != skey) {
			ev[n_ev++] = (struct vunet_learn){ .key = skey,
				.port = in, .bridge = f->bridge };
		}

		/* group bit (broadcast, multicast) or unknown: flood */
		if (unlikely((dkey & 1) || d == NULL)) {
			flood_run(x, t, f, now, in, dkey, &r.ok[first], k);
			continue;
		}
		q = __atomic_load_n(&d->port, __ATOMIC_RELAXED);
		if (likely(t->segment[q] == (bridge_seg | v) && q != in)) {
			vunet_out_append_bulk(x->out, q, &r.ok[first], k);
			continue;
		}
		fq = &t->fwd[q];
		/* a remote's frame for another remote: that one is sent to
		 * directly (split horizon), we relay nothing between them
		 */
		if (unlikely(q == in || (f->tunnel && fq->tunnel))) {
			for (uint16_t j = first; j < first + k; j++)
				drop(r.ok[j], &st[in], VUNET_DROP_SAME_PORT);
		} else if (fq->mode == VUNET_FWD_BRIDGE &&
			   fq->bridge == f->bridge &&
			   vunet_vlans_has(&fq->vlans, v)) {
			unicast_tagged(x, f, in, q, fq->tunnel, v,
				       &r.ok[first], k);
		} else {
			/* learned before q left the VLAN: not q's to see */
			flood_run(x, t, f, now, in, dkey, &r.ok[first], k);
		}
	}
	if (n_ev != 0 && x->learn != NULL) {
		unsigned int sent = rte_ring_enqueue_burst_elem(x->learn, ev,
			sizeof(ev[0]), n_ev, NULL);

		*x->learn_lost += n_ev - sent;
	}
}

/*
 * Cross-connects pass frames as they came: a tag the device popped (it
 * was made a trunk's) goes back on.
 */
static void
xconnect_input(const struct vunet_switch_ctx *x, const struct vunet_fwd_port *f,
	       uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k = 0;

	if (unlikely(!vunet_port_is_up(&x->sw->ports[f->peer]))) {
		x->st[in].drop[VUNET_DROP_NO_DEST] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	if (likely(!vunet_port_has(&x->sw->ports[in],
				   VUNET_CAP_VLAN_STRIP))) {
		vunet_out_append_bulk(x->out, f->peer, pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if ((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) &&
		    vlan_push(m, m->vlan_tci) < 0) {
			drop(m, &x->st[in], VUNET_DROP_NO_MBUF);
			continue;
		}
		pkts[k++] = m;
	}
	x->out->grew = true;
	vunet_out_append_bulk(x->out, f->peer, pkts, k);
}

/*
 * One more ARP for the control thread within VUNET_PUNT_PPS (a GCRA with
 * a burst of VUNET_PUNT_BURST), per worker: its own state, no atomics.
 * *step: TSC per ARP, 0 until the burst's first ARP needs it (an ARP
 * flood pays no call and division per frame).
 */
static inline bool
punt_conforms(const struct vunet_switch_ctx *x, uint64_t now, uint64_t *step)
{
	uint64_t t;

	if (x->punt_tat == NULL)
		return true;
	if (*step == 0)
		*step = rte_get_tsc_hz() / VUNET_PUNT_PPS;
	t = RTE_MAX(*x->punt_tat, now);
	if (t - now > (VUNET_PUNT_BURST - 1) * *step)
		return false;
	*x->punt_tat = t + *step;
	return true;
}

/*
 * ARP on an underlay: to the control thread (its requests' answers, and
 * requests for local_ip), within the punt rate. With an exception port
 * the host stack gets every ARP frame too (its own address, its BGP
 * peers), and the control thread a copy.
 */
static inline void
underlay_arp(const struct vunet_switch_ctx *x, const struct vunet_fwd_port *f,
	     uint64_t now, uint64_t *step, uint16_t in, struct rte_mbuf *m)
{
	struct rte_mbuf *p = m;

	if (f->ul->exception != UINT16_MAX) {
		vunet_out_append(x->out, f->ul->exception, m);
		p = NULL;
	}
	if (!punt_conforms(x, now, step)) {
		if (p != NULL)
			rte_pktmbuf_free(p);
		x->st[in].drop[VUNET_DROP_ARP_RATE]++;
		return;
	}
	if (p == NULL && (p = rte_pktmbuf_copy(m, m->pool, 0,
					       UINT32_MAX)) == NULL) {
		x->st[in].drop[VUNET_DROP_NO_MBUF]++;
		return;
	}
	if (x->punt == NULL || rte_ring_enqueue(x->punt, p) != 0)
		drop(p, &x->st[in], VUNET_DROP_ARP_BACKLOG);
}

/* k decapsulated frames (bytes in all) as received on remote VTEP q. */
static inline void
remote_input(const struct vunet_switch_ctx *x, const struct vunet_fwd_table *t,
	     uint64_t now, uint16_t q, struct rte_mbuf **pkts, uint16_t k,
	     uint32_t bytes)
{
	x->st[q].rxq[0].pkts += k;
	x->st[q].rxq[0].bytes += bytes;
	bridge_input(x, t, &t->fwd[q], now, q, pkts, k);
}

/*
 * An underlay's burst: ARP to the control thread; VXLAN from a remote
 * decapsulated and bridged as received on that remote's port, in runs of
 * one remote (a remote's burst is usually one run).
 */
static void
underlay_input(const struct vunet_switch_ctx *x,
	       const struct vunet_fwd_table *t, const struct vunet_fwd_port *f,
	       uint64_t now, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	struct vunet_vxlan_seen c = VUNET_VXLAN_SEEN_NONE;
	struct rte_mbuf *run[VUNET_BURST];
	uint16_t k = 0, cur = UINT16_MAX;
	uint64_t step = 0;
	uint32_t bytes = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum vunet_drop why;

		if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN &&
		    *rte_pktmbuf_mtod_offset(m, unaligned_uint16_t *, 12) ==
		    RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			underlay_arp(x, f, now, &step, in, m);
			continue;
		}
		why = vunet_vxlan_decap(f->ul, m, &c);
		if (unlikely(why != VUNET_DROP_MAX)) {
			/* the host stack's: BGP, ICMP, ... */
			if (why == VUNET_DROP_NOT_VXLAN &&
			    f->ul->exception != UINT16_MAX)
				vunet_out_append(x->out, f->ul->exception, m);
			else
				drop(m, &x->st[in], why);
			continue;
		}
		if (c.vtep != cur && k != 0) {
			remote_input(x, t, now, cur, run, k, bytes);
			k = 0;
			bytes = 0;
		}
		cur = c.vtep;
		bytes += rte_pktmbuf_pkt_len(m);
		run[k++] = m;
	}
	if (k != 0)
		remote_input(x, t, now, cur, run, k, bytes);
}

void
vunet_switch_input(const struct vunet_switch_ctx *x,
		   const struct vunet_fwd_table *t, uint64_t now, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n)
{
	const struct vunet_fwd_port *f = &t->fwd[in];

	switch (f->mode) {
	case VUNET_FWD_BRIDGE:
		bridge_input(x, t, f, now, in, pkts, n);
		break;
	case VUNET_FWD_XCONNECT:
		xconnect_input(x, f, in, pkts, n);
		break;
	case VUNET_FWD_UNDERLAY:
		underlay_input(x, t, f, now, in, pkts, n);
		break;
	default:
		x->st[in].drop[VUNET_DROP_NO_DEST] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		break;
	}
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * What zebra installs from BGP on the shadow VXLAN devices, read from the
 * kernel (vunet_evpn.h): the flood lists (type-3) as remote VTEPs, held
 * through a bgpd restart, and the MAC routes (type-2) in a hash, with
 * their changes queued for the bridge's table. A storm past the event
 * socket is read again as a dump once it has drained.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_evpn_internal.h"

/* datagrams of FDB changes read a pass (a storm past the socket's buffer
 * is read again as a dump) */
#define EVPN_READ_MAX 4096

static uint32_t
map_slot(const struct evpn_macs *m, uint64_t key)
{
	/* MACs share their first bytes (an OUI): mix all of them */
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (m->cap - 1);
}

static uint32_t
map_get(const struct evpn_macs *m, uint64_t key)
{
	for (uint32_t i = m->cap ? map_slot(m, key) : 0; m->cap != 0;
	     i = (i + 1) & (m->cap - 1)) {
		if (m->key[i] == key)
			return m->ip[i];
		if (m->key[i] == 0)
			return 0;
	}
	return 0;
}

static int map_put(struct evpn_macs *m, uint64_t key, uint32_t ip);

static int
map_grow(struct evpn_macs *m)
{
	struct evpn_macs g = { .cap = m->cap ? m->cap * 2 : 1024 };

	g.key = calloc(g.cap, sizeof(*g.key));
	g.ip = calloc(g.cap, sizeof(*g.ip));
	if (g.key == NULL || g.ip == NULL) {
		free(g.key);
		free(g.ip);
		return -1;
	}
	for (uint32_t i = 0; i < m->cap; i++)
		if (m->key[i] != 0)
			map_put(&g, m->key[i], m->ip[i]);
	free(m->key);
	free(m->ip);
	*m = g;
	return 0;
}

static int
map_put(struct evpn_macs *m, uint64_t key, uint32_t ip)
{
	uint32_t i;

	if ((m->n + 1) * 10 > m->cap * 7 && map_grow(m) < 0)
		return -1;
	for (i = map_slot(m, key); m->key[i] != 0 && m->key[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	if (m->key[i] == 0)
		m->n++;
	m->key[i] = key;
	m->ip[i] = ip;
	return 0;
}

/* Linear probing's deletion: what follows in the run moves back. */
static void
map_del(struct evpn_macs *m, uint64_t key)
{
	uint32_t i, j;

	if (m->cap == 0)
		return;
	for (i = map_slot(m, key); m->key[i] != key; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == 0)
			return;
	m->key[i] = 0;
	m->n--;
	for (j = (i + 1) & (m->cap - 1); m->key[j] != 0;
	     j = (j + 1) & (m->cap - 1)) {
		uint32_t home = map_slot(m, m->key[j]);

		/* stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->key[i] = m->key[j];
		m->ip[i] = m->ip[j];
		m->key[j] = 0;
		i = j;
	}
}

void
evpn_macs_free(struct evpn_macs *m)
{
	free(m->key);
	free(m->ip);
	memset(m, 0, sizeof(*m));
}

/* key's MAC and VLAN in b, as a change to report */
static void
queue_change(struct evpn_bridge *b, uint64_t key, uint32_t ip,
	     uint32_t old_ip)
{
	struct vunet_evpn_mac_change *c;
	uint16_t k = (uint16_t)(key >> 48);

	if (k >= b->n_vnis)
		return;
	if (b->head_chg == b->n_chg)
		b->head_chg = b->n_chg = 0;
	if (b->n_chg == b->cap_chg) {
		uint32_t cap = b->cap_chg ? b->cap_chg * 2 : 1024;

		c = realloc(b->chg, cap * sizeof(*c));
		if (c == NULL)
			return;
		b->chg = c;
		b->cap_chg = cap;
	}
	c = &b->chg[b->n_chg++];
	key_mac(key & 0xffffffffffffull, c->mac);
	c->vlan = b->v[k].vlan;
	c->ip = ip;
	c->old_ip = old_ip;
}

/* A MAC route n on b's VNI k (type-2). */
static void
mac_route(struct vunet_evpn *e, struct evpn_bridge *b, uint16_t k,
	  const struct vunet_nl_neigh *n)
{
	uint64_t key = mac_key(n->mac) | (uint64_t)k << 48;
	uint32_t old = map_get(&b->macs, key);

	if (n->add && old != n->dst) {
		if (map_put(&b->macs, key, n->dst) == 0 && !e->dumping)
			queue_change(b, key, n->dst, old);
	} else if (!n->add && old != 0 && old == n->dst) {
		map_del(&b->macs, key);
		queue_change(b, key, 0, old);
	}
}

static const uint8_t zero_mac[6];

/*
 * An entry with a remote VTEP on a shadow VXLAN device changed: a flood
 * list entry (type-3) or a MAC route (type-2).
 */
static void
on_neigh(const struct vunet_nl_neigh *n, void *arg)
{
	struct vunet_evpn *e = arg;

	for (int i = 0; i < VUNET_MAX_BRIDGES; i++) {
		struct evpn_bridge *b = e->b[i];

		for (uint16_t k = 0; b != NULL && k < b->n_vnis; k++) {
			struct evpn_remote *r = NULL, *grown;
			uint32_t j;

			if (b->v[k].vx != n->ifindex)
				continue;
			if (memcmp(n->mac, zero_mac, 6) != 0) {
				mac_route(e, b, k, n);
				return;
			}
			for (j = 0; j < b->n_r && r == NULL; j++)
				if (b->r[j].ip == n->dst)
					r = &b->r[j];
			/* a BGP peer may announce any number of VTEPs:
			 * no more are kept than a bridge can use */
			if (r == NULL && n->add &&
			    b->n_r >= VUNET_MAX_REMOTES) {
				if (!b->r_left_out_said)
					e->log(1, "evpn: bridge %s: more "
					       "remote VTEPs than the %d a "
					       "bridge takes; the others are "
					       "left out", b->name,
					       VUNET_MAX_REMOTES);
				b->r_left_out = true;
				b->r_left_out_said = true;
				return;
			}
			if (r == NULL && n->add) {
				grown = realloc(b->r, (b->n_r + 1) *
						sizeof(*grown));
				if (grown == NULL)
					return;
				b->r = grown;
				r = &b->r[b->n_r++];
				memset(r, 0, sizeof(*r));
				r->ip = n->dst;
			}
			if (r == NULL)
				return;
			if (n->add)
				r->kernel |= 1ull << k;
			else
				r->kernel &= ~(1ull << k);
			return;
		}
	}
}

/*
 * Everything zebra installed, read again: the flood lists as they are,
 * the MAC routes compared with what was known (what differs is queued).
 */
static void
resync(struct vunet_evpn *e)
{
	struct evpn_macs old[VUNET_MAX_BRIDGES];
	int ret;

	e->resync = false;
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++) {
		struct evpn_bridge *b = e->b[i];

		memset(&old[i], 0, sizeof(old[i]));
		if (b == NULL)
			continue;
		for (uint32_t j = 0; j < b->n_r; j++)
			b->r[j].kernel = 0;
		b->r_left_out = false;
		old[i] = b->macs;
		memset(&b->macs, 0, sizeof(b->macs));
	}
	e->dumping = true;
	ret = vunet_nl_neigh_dump(e->nl, on_neigh, e);
	e->dumping = false;
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++) {
		struct evpn_bridge *b = e->b[i];

		if (b == NULL) {
			evpn_macs_free(&old[i]);
			continue;
		}
		if (ret < 0) {
			/* keep what was known; try again next time */
			evpn_macs_free(&b->macs);
			b->macs = old[i];
			continue;
		}
		for (uint32_t j = 0; j < b->macs.cap; j++) {
			uint64_t key = b->macs.key[j];
			uint32_t was;

			if (key != 0 && (was = map_get(&old[i], key)) !=
			    b->macs.ip[j])
				queue_change(b, key, b->macs.ip[j], was);
		}
		for (uint32_t j = 0; j < old[i].cap; j++)
			if (old[i].key[j] != 0 &&
			    map_get(&b->macs, old[i].key[j]) == 0)
				queue_change(b, old[i].key[j], 0,
					     old[i].ip[j]);
		evpn_macs_free(&old[i]);
	}
	if (ret < 0) {
		e->log(0, "evpn: cannot read the FDB: %s", strerror(-ret));
		e->resync = true;
	}
}

unsigned int
vunet_evpn_mac_changes(struct vunet_evpn *e, const char *bridge,
		       struct vunet_evpn_mac_change *out, unsigned int max)
{
	struct evpn_bridge *b = find(e, bridge);
	unsigned int n = 0;

	while (b != NULL && n < max && b->head_chg < b->n_chg)
		out[n++] = b->chg[b->head_chg++];
	return n;
}

void
vunet_evpn_macs(const struct vunet_evpn *e, const char *bridge,
		void (*fn)(const struct vunet_evpn_mac_change *c, void *arg),
		void *arg)
{
	const struct evpn_bridge *b = find(e, bridge);

	for (uint32_t j = 0; b != NULL && j < b->macs.cap; j++) {
		struct vunet_evpn_mac_change c = { .ip = b->macs.ip[j] };
		uint16_t k = (uint16_t)(b->macs.key[j] >> 48);

		if (b->macs.key[j] == 0 || k >= b->n_vnis)
			continue;
		key_mac(b->macs.key[j] & 0xffffffffffffull, c.mac);
		c.vlan = b->v[k].vlan;
		fn(&c, arg);
	}
}

uint32_t
vunet_evpn_mac_ip(const struct vunet_evpn *e, const char *bridge,
		  const uint8_t *mac, uint16_t vlan)
{
	const struct evpn_bridge *b = e == NULL ? NULL : find(e, bridge);

	for (uint16_t k = 0; b != NULL && k < b->n_vnis; k++)
		if (b->v[k].vlan == vlan)
			return map_get(&b->macs,
				       mac_key(mac) | (uint64_t)k << 48);
	return 0;
}

bool
vunet_evpn_poll(struct vunet_evpn *e)
{
	uint64_t now = now_ms();
	bool changed = false, drained;
	int ret;

	ret = vunet_nl_neigh_read(e->mon, EVPN_READ_MAX, on_neigh, e,
				  &drained);
	if (ret == -ENOBUFS) {
		if (!e->resync)
			e->log(1, "evpn: the kernel's FDB changes came faster "
			       "than read; all of them read again once they "
			       "stop");
		e->resync = true;
	}
	/* the kernel says it dropped some only once while the socket stays
	 * full: a dump before it has drained would miss what comes after */
	if (e->resync && drained)
		resync(e);
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++) {
		struct evpn_bridge *b = e->b[i];
		uint32_t kept = 0;

		for (uint32_t j = 0; b != NULL && j < b->n_r; j++) {
			struct evpn_remote *r = &b->r[j];

			if (r->kernel & ~r->used) {
				r->used |= r->kernel;
				changed = true;
			}
			if (!(r->used & ~r->kernel)) {
				r->clear_at = 0;
			} else if (r->clear_at == 0) {
				r->clear_at = now + VUNET_EVPN_HOLD_MS;
			} else if (now >= r->clear_at) {
				r->used = r->kernel;
				r->clear_at = 0;
				changed = true;
			}
			if (r->used != 0 || r->kernel != 0)
				b->r[kept++] = *r;
		}
		if (b == NULL)
			continue;
		if (kept < b->n_r && b->r_left_out)
			e->resync = true;
		b->n_r = kept;
	}
	return changed;
}

unsigned int
vunet_evpn_remotes(const struct vunet_evpn *e, const char *bridge,
		   struct vunet_evpn_remote *out, unsigned int max)
{
	const struct evpn_bridge *b = find(e, bridge);
	unsigned int n = 0;

	for (uint32_t j = 0; b != NULL && j < b->n_r; j++) {
		const struct evpn_remote *r = &b->r[j];

		if (r->used == 0)
			continue;
		if (n >= max) {
			n++;
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		out[n].ip = r->ip;
		for (uint16_t k = 0; k < b->n_vnis; k++)
			if (r->used & (1ull << k))
				vunet_vlans_add(&out[n].vlans, b->v[k].vlan);
		n++;
	}
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * EVPN's shadow devices and the local MACs on them (vunet_evpn.h); what
 * zebra installs from BGP is read in vunet_evpn_import.c.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vunet_evpn_internal.h"

#define ALIAS_PREFIX "vunetd evpn "

static void
nolog(int level __attribute__((unused)),
      const char *fmt __attribute__((unused)), ...)
{
}

static int
key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct vunet_evpn *
vunet_evpn_create(void (*log)(int level, const char *fmt, ...))
{
	struct vunet_evpn *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->nl = vunet_nl_open();
	e->mon = vunet_nl_monitor();
	if (e->nl == NULL || e->mon == NULL) {
		int err = errno;

		vunet_nl_close(e->nl);
		vunet_nl_close(e->mon);
		free(e);
		errno = err;
		return NULL;
	}
	e->log = log != NULL ? log : nolog;
	return e;
}

static void
vni_free(struct evpn_vni *v)
{
	free(v->macs);
	memset(v, 0, sizeof(*v));
}

void
vunet_evpn_free(struct vunet_evpn *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++)
		if (e->b[i] != NULL) {
			for (uint16_t k = 0; k < e->b[i]->n_vnis; k++)
				vni_free(&e->b[i]->v[k]);
			free(e->b[i]->r);
			evpn_macs_free(&e->b[i]->macs);
			free(e->b[i]->chg);
			free(e->b[i]);
		}
	vunet_nl_close(e->nl);
	vunet_nl_close(e->mon);
	free(e);
}

static void
dev_name(char *buf, char kind, uint32_t vni)
{
	snprintf(buf, VUNET_NL_NAME_MAX, "vn%c%u", kind, vni);
}

static void
dev_alias(char *buf, const char *bridge, uint32_t vni)
{
	snprintf(buf, VUNET_NL_ALIAS_MAX, ALIAS_PREFIX "%s vni %u", bridge,
		 vni);
}

/* Delete the device name if it is the alias's; 0 when none is left. */
static int
del_ours(struct vunet_evpn *e, const char *name, const char *alias)
{
	struct vunet_nl_link l;
	int ret = vunet_nl_link_get(e->nl, name, &l);

	if (ret == -ENODEV)
		return 0;
	if (ret < 0)
		return ret;
	if (strcmp(l.alias, alias) != 0)
		return -EEXIST;
	return vunet_nl_link_del(e->nl, l.ifindex);
}

/*
 * The device name as vunetd's: 1 (and l) when one is there that is this
 * bridge's and fit (same kind, and fit() agrees), 0 when there is none
 * (one that was vunetd's but unfit is deleted), -EEXIST when it is
 * somebody else's.
 */
static int
take(struct vunet_evpn *e, const char *name, const char *alias,
     const char *kind, bool (*fit)(const struct vunet_nl_link *l,
				   const void *arg), const void *arg,
     struct vunet_nl_link *l)
{
	int ret = vunet_nl_link_get(e->nl, name, l);

	if (ret == -ENODEV)
		return 0;
	if (ret < 0)
		return ret;
	if (strncmp(l->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) != 0)
		return -EEXIST;
	/* another bridge's (a vunetd before, with another configuration) or
	 * not as it should be: made again */
	if (strcmp(l->alias, alias) == 0 && strcmp(l->kind, kind) == 0 &&
	    (fit == NULL || fit(l, arg)))
		return 1;
	e->log(2, "evpn: %s was made for another setup ('%s'); made again",
	       name, l->alias);
	ret = vunet_nl_link_del(e->nl, l->ifindex);
	return ret < 0 ? ret : 0;
}

struct vxlan_want {
	uint32_t vni;
	uint32_t local;
	uint16_t port;
};

static bool
vxlan_fits(const struct vunet_nl_link *l, const void *arg)
{
	const struct vxlan_want *w = arg;

	return l->vni == w->vni && l->local == w->local &&
	       l->udp_port == w->port && !l->learning;
}

static void
keep_mac(const uint8_t *mac, void *arg)
{
	struct evpn_vni *v = arg;
	uint64_t *m = realloc(v->macs, (v->n + 1) * sizeof(*m));

	if (m == NULL)
		return;
	v->macs = m;
	v->macs[v->n++] = mac_key(mac);
}

/*
 * VNI v of bridge b: its four devices made or taken over, wired and up.
 * *found: its shadow port was there already (its entries are now v's).
 */
static int
vni_setup(struct vunet_evpn *e, const struct evpn_bridge *b,
	  struct evpn_vni *v, const struct vunet_vxlan_conf *x, bool *found,
	  char *err, size_t errlen)
{
	struct vxlan_want want = { v->vni, x->local_ip, x->evpn_shadow_port };
	char nb[VUNET_NL_NAME_MAX], nx[VUNET_NL_NAME_MAX];
	char nl[VUNET_NL_NAME_MAX], np[VUNET_NL_NAME_MAX];
	char alias[VUNET_NL_ALIAS_MAX];
	struct vunet_nl_link br, vx, port, peer;
	const char *step = nb;
	int ret;

	dev_name(nb, 'b', v->vni);
	dev_name(nx, 'x', v->vni);
	dev_name(nl, 'l', v->vni);
	dev_name(np, 'p', v->vni);
	dev_alias(alias, b->name, v->vni);
	*found = false;
	ret = take(e, nb, alias, "bridge", NULL, NULL, &br);
	if (ret == 0)
		ret = vunet_nl_bridge_add(e->nl, nb, alias);
	if (ret < 0)
		goto fail;
	step = nx;
	ret = take(e, nx, alias, "vxlan", vxlan_fits, &want, &vx);
	if (ret == 0)
		ret = vunet_nl_vxlan_add(e->nl, nx, alias, v->vni, x->local_ip,
					 x->evpn_shadow_port);
	if (ret < 0)
		goto fail;
	step = nl;
	ret = take(e, nl, alias, "veth", NULL, NULL, &port);
	if (ret == 1) {
		*found = true;
	} else if (ret == 0) {
		ret = del_ours(e, np, alias);
		if (ret == 0)
			ret = vunet_nl_veth_add(e->nl, nl, np, alias);
	}
	if (ret < 0)
		goto fail;
	step = "links";
	if ((ret = vunet_nl_link_get(e->nl, nb, &br)) < 0 ||
	    (ret = vunet_nl_link_get(e->nl, nx, &vx)) < 0 ||
	    (ret = vunet_nl_link_get(e->nl, nl, &port)) < 0 ||
	    (ret = vunet_nl_link_get(e->nl, np, &peer)) < 0 ||
	    (ret = vunet_nl_link_set(e->nl, vx.ifindex, br.ifindex)) < 0 ||
	    (ret = vunet_nl_link_set(e->nl, port.ifindex, br.ifindex)) < 0 ||
	    (ret = vunet_nl_link_set(e->nl, peer.ifindex, 0)) < 0 ||
	    (ret = vunet_nl_link_set(e->nl, br.ifindex, 0)) < 0)
		goto fail;
	v->port = port.ifindex;
	v->vx = vx.ifindex;
	if (*found) {
		ret = vunet_nl_fdb_static(e->nl, v->port, keep_mac, v);
		if (ret < 0)
			goto fail;
		qsort(v->macs, v->n, sizeof(*v->macs), key_cmp);
	}
	return 0;
fail:
	if (ret == -EEXIST)
		snprintf(err, errlen, "bridge '%s': EVPN device %s exists and "
			 "is not vunetd's (its alias is not '%s')", b->name,
			 step, alias);
	else
		snprintf(err, errlen, "bridge '%s': EVPN device %s for VNI "
			 "%u: %s", b->name, step, v->vni, strerror(-ret));
	return -1;
}

/*
 * The four devices of VNI vni of bridge name, where they are vunetd's;
 * returns how many went.
 */
static unsigned int
vni_remove(struct vunet_evpn *e, const char *bridge, uint32_t vni)
{
	char alias[VUNET_NL_ALIAS_MAX], name[VUNET_NL_NAME_MAX];
	unsigned int gone = 0;

	dev_alias(alias, bridge, vni);
	/* vnl takes its peer along */
	for (const char *k = "xlpb"; *k != '\0'; k++) {
		struct vunet_nl_link l;
		int ret;

		dev_name(name, *k, vni);
		if (vunet_nl_link_get(e->nl, name, &l) < 0)
			continue;
		ret = del_ours(e, name, alias);
		if (ret == 0)
			gone++;
		else if (ret != -EEXIST)
			e->log(1, "evpn: cannot delete %s: %s", name,
			       strerror(-ret));
	}
	return gone;
}

int
vunet_evpn_bridge_set(struct vunet_evpn *e, const struct vunet_bridge_conf *bc,
		      char *err, size_t errlen)
{
	const struct vunet_vxlan_conf *x = &bc->vxlan;
	struct evpn_bridge *b = find(e, bc->name), *old = NULL;
	bool taken = false, fresh = false;

	if (!x->evpn) {
		vunet_evpn_bridge_del(e, bc->name);
		return 0;
	}
	if (b == NULL) {
		int i = 0;

		while (i < VUNET_MAX_BRIDGES && e->b[i] != NULL)
			i++;
		if (i == VUNET_MAX_BRIDGES ||
		    (b = calloc(1, sizeof(*b))) == NULL) {
			snprintf(err, errlen, "bridge '%s': out of memory for "
				 "EVPN", bc->name);
			return -1;
		}
		snprintf(b->name, sizeof(b->name), "%s", bc->name);
		e->b[i] = b;
	} else if ((old = malloc(sizeof(*old))) != NULL) {
		*old = *b;
	}
	/* VNIs it no longer maps */
	for (uint16_t k = 0; old != NULL && k < old->n_vnis; k++) {
		bool kept = false;

		for (uint16_t i = 0; i < x->n_vnis; i++)
			kept |= x->vnis[i].vni == old->v[k].vni;
		if (!kept) {
			vni_remove(e, b->name, old->v[k].vni);
			vni_free(&old->v[k]);
		}
	}
	memset(b->v, 0, sizeof(b->v));
	b->n_vnis = x->n_vnis;
	for (uint16_t i = 0; i < x->n_vnis; i++) {
		struct evpn_vni *v = &b->v[i];
		bool found;
		int prev_vx;

		v->vni = x->vnis[i].vni;
		v->vlan = x->vnis[i].vlan;
		/* what it had exported stays known */
		for (uint16_t k = 0; old != NULL && k < old->n_vnis; k++)
			if (old->v[k].vni == v->vni) {
				v->macs = old->v[k].macs;
				v->n = old->v[k].n;
				v->vx = old->v[k].vx;
				old->v[k].macs = NULL;
			}
		prev_vx = v->vx;
		if (vni_setup(e, b, v, x, &found, err, errlen) < 0) {
			for (uint16_t k = 0; old != NULL && k < old->n_vnis;
			     k++)
				free(old->v[k].macs);
			free(old);
			return -1;
		}
		taken |= found && old == NULL;
		/* a VNI new to it, or a VXLAN device made again, or the order
		 * of its VNIs changed (what zebra installed is kept by index) */
		fresh |= v->vx != prev_vx || old == NULL ||
			 i >= old->n_vnis || old->v[i].vni != v->vni;
	}
	/* what zebra installed on them, read again */
	if (fresh) {
		for (uint32_t i = 0; i < b->n_r; i++)
			b->r[i].kernel = 0;
		e->resync = true;
	}
	/* a MAC silent for the aging time would have been forgotten */
	if (taken)
		b->keep_until = now_ms() + (uint64_t)bc->aging_sec * 1000;
	/* said when it starts, not at each change of its remotes */
	if (old == NULL)
		e->log(2, "evpn: bridge %s: %u VNI(s)%s", b->name, b->n_vnis,
		       taken ? ", devices of a vunetd before taken over" :
		       "");
	free(old);
	return 0;
}

void
vunet_evpn_bridge_del(struct vunet_evpn *e, const char *name)
{
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++) {
		struct evpn_bridge *b = e->b[i];

		unsigned int gone = 0;

		if (b == NULL || strcmp(b->name, name) != 0)
			continue;
		for (uint16_t k = 0; k < b->n_vnis; k++) {
			gone += vni_remove(e, b->name, b->v[k].vni);
			vni_free(&b->v[k]);
		}
		if (gone != 0)
			e->log(2, "evpn: bridge %s: %u device(s) deleted",
			       b->name, gone);
		free(b->r);
		evpn_macs_free(&b->macs);
		free(b->chg);
		free(b);
		e->b[i] = NULL;
	}
}

#define SWEEP_MAX 1024

struct sweep {
	const struct vunet_evpn *e;
	int ifindex[SWEEP_MAX];
	unsigned int n;
};

static void
stale(const struct vunet_nl_link *l, void *arg)
{
	struct sweep *s = arg;
	const char *a = l->alias + strlen(ALIAS_PREFIX);
	char bridge[VUNET_NAME_MAX];
	const struct evpn_bridge *b;
	unsigned int vni;
	bool mapped = false;

	if (strncmp(l->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) != 0 ||
	    s->n == SWEEP_MAX)
		return;
	if (sscanf(a, "%31s vni %u", bridge, &vni) == 2 &&
	    (b = find(s->e, bridge)) != NULL)
		for (uint16_t k = 0; k < b->n_vnis; k++)
			mapped |= b->v[k].vni == vni;
	if (!mapped)
		s->ifindex[s->n++] = l->ifindex;
}

unsigned int
vunet_evpn_sweep(struct vunet_evpn *e)
{
	struct sweep *s = calloc(1, sizeof(*s));
	unsigned int gone = 0;
	int ret;

	if (s == NULL)
		return 0;
	s->e = e;
	ret = vunet_nl_links(e->nl, stale, s);
	if (ret < 0)
		e->log(1, "evpn: cannot list links: %s", strerror(-ret));
	/* a veth's peer may have gone with it already */
	for (unsigned int i = 0; i < s->n; i++)
		if (vunet_nl_link_del(e->nl, s->ifindex[i]) == 0)
			gone++;
	if (s->n != 0)
		e->log(2, "evpn: %u device(s) of bridges without EVPN deleted",
		       s->n);
	free(s);
	return gone;
}

/*
 * v's entries become want (sorted, n): what is new is added, what is gone
 * deleted, at most *budget of them; what the kernel refused, or what is
 * past the budget, stays as it was, to be done on the next call.
 */
static unsigned int
sync_vni(struct vunet_evpn *e, struct evpn_vni *v, const uint64_t *want,
	 uint32_t n, unsigned int *budget)
{
	uint64_t *now = malloc((n + v->n + 1) * sizeof(*now));
	uint32_t i = 0, k = 0, m = 0;
	unsigned int changed = 0;
	uint8_t mac[6];

	if (now == NULL)
		return 0;
	while (i < n || k < v->n) {
		if (k == v->n || (i < n && want[i] < v->macs[k])) {
			key_mac(want[i], mac);
			if (changed < *budget &&
			    vunet_nl_fdb_add(e->nl, v->port, mac) == 0) {
				now[m++] = want[i];
				changed++;
			}
			i++;
		} else if (i == n || v->macs[k] < want[i]) {
			key_mac(v->macs[k], mac);
			if (changed < *budget &&
			    vunet_nl_fdb_del(e->nl, v->port, mac) == 0)
				changed++;
			else
				now[m++] = v->macs[k];
			k++;
		} else {
			now[m++] = want[i];
			i++;
			k++;
		}
	}
	free(v->macs);
	v->macs = now;
	v->n = m;
	*budget -= changed;
	return changed;
}

unsigned int
vunet_evpn_export(struct vunet_evpn *e, const char *bridge,
		  const struct vunet_evpn_mac *macs, uint32_t n)
{
	struct evpn_bridge *b = find(e, bridge);
	unsigned int changed = 0, budget = VUNET_EVPN_BATCH;
	bool keep;

	if (b == NULL)
		return 0;
	keep = now_ms() < b->keep_until;
	for (uint16_t k = 0; k < b->n_vnis; k++) {
		struct evpn_vni *v = &b->v[k];
		uint64_t *want = malloc((n + v->n + 1) * sizeof(*want));
		uint32_t w = 0, u = 0;

		if (want == NULL)
			continue;
		for (uint32_t i = 0; i < n; i++)
			if (macs[i].vlan == v->vlan)
				want[w++] = mac_key(macs[i].mac);
		/* taken over: what is there stays for now */
		if (keep) {
			memcpy(want + w, v->macs, v->n * sizeof(*want));
			w += v->n;
		}
		qsort(want, w, sizeof(*want), key_cmp);
		for (uint32_t i = 0; i < w; i++)
			if (u == 0 || want[u - 1] != want[i])
				want[u++] = want[i];
		changed += sync_vni(e, v, want, u, &budget);
		free(want);
	}
	if (budget == 0)
		e->log(2, "evpn: bridge %s: %u entries written, the rest "
		       "follows", b->name, changed);
	return changed;
}

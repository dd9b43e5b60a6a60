/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_EVPN_INTERNAL_H
#define VUNET_EVPN_INTERNAL_H

/*
 * Between lib/evpn's two sides: the devices and what vunetd exports
 * (vunet_evpn.c), and what zebra installs from BGP (vunet_evpn_import.c).
 * Not part of the API.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "vunet_evpn.h"
#include "vunet_nl.h"

struct evpn_vni {
	uint32_t vni;
	uint16_t vlan;
	int port;                /* vnl<VNI>'s ifindex */
	int vx;                  /* vnx<VNI>'s */
	uint64_t *macs;          /* on it, sorted */
	uint32_t n;
};

/*
 * A remote VTEP on the flood list of some of the bridge's VNIs (type-3
 * routes, as zebra installs them: 00:00:00:00:00:00 dst IP on vnx<VNI>).
 * Bits by index in the bridge's v[]: what the kernel has now, and what
 * vunetd acts on, which loses a bit only VUNET_EVPN_HOLD_MS after the
 * kernel did (zebra flushes and re-adds everything when bgpd restarts).
 */
struct evpn_remote {
	uint32_t ip;
	uint64_t kernel;
	uint64_t used;
	uint64_t clear_at;       /* ms: used becomes kernel then; 0: none */
};

/*
 * The MACs BGP put behind remote VTEPs (type-2 routes: MAC dst IP on
 * vnx<VNI>, extern_learn): key MAC | index in v[] << 48 -> IP, open
 * addressing (key 0, the flood list's MAC in v[0], is never a MAC route).
 */
struct evpn_macs {
	uint64_t *key;
	uint32_t *ip;
	uint32_t cap;            /* a power of 2, or 0 */
	uint32_t n;
};

struct evpn_bridge {
	char name[VUNET_NAME_MAX];
	uint16_t n_vnis;
	struct evpn_vni v[VUNET_MAX_VNIS];
	/* entries found at take-over stay until then (ms, monotonic) */
	uint64_t keep_until;
	struct evpn_remote *r;   /* at most VUNET_MAX_REMOTES */
	uint32_t n_r;
	/* a flood entry was left out for want of room: read the FDB
	 * again once one goes (said in the log once) */
	bool r_left_out;
	bool r_left_out_said;
	struct evpn_macs macs;
	/* what changed in macs, for vunet_evpn_mac_changes() */
	struct vunet_evpn_mac_change *chg;
	uint32_t n_chg, head_chg, cap_chg;
};

struct vunet_evpn {
	struct vunet_nl *nl;
	struct vunet_nl *mon;    /* the kernel's FDB changes */
	bool resync;             /* read them all again: a dump */
	bool dumping;            /* MAC routes go to the new maps, unqueued */
	void (*log)(int level, const char *fmt, ...);
	struct evpn_bridge *b[VUNET_MAX_BRIDGES];
};

static inline uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t
mac_key(const uint8_t *m)
{
	uint64_t k = 0;

	for (int i = 0; i < 6; i++)
		k = k << 8 | m[i];
	return k;
}

static inline void
key_mac(uint64_t k, uint8_t *m)
{
	for (int i = 5; i >= 0; i--, k >>= 8)
		m[i] = (uint8_t)k;
}

static inline struct evpn_bridge *
find(const struct vunet_evpn *e, const char *name)
{
	for (int i = 0; i < VUNET_MAX_BRIDGES; i++)
		if (e->b[i] != NULL && strcmp(e->b[i]->name, name) == 0)
			return e->b[i];
	return NULL;
}

/* vunet_evpn_import.c: the MAC routes' hash freed */
void evpn_macs_free(struct evpn_macs *m);

#endif /* VUNET_EVPN_INTERNAL_H */

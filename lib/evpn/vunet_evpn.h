/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_EVPN_H
#define VUNET_EVPN_H

/*
 * BGP EVPN the way FRR expects a data plane to take part: through the
 * kernel's view. vunetd grows no protocol of its own; zebra reads the
 * kernel's devices and bridge FDB and bgpd advertises what it reads.
 *
 * Per VNI of a bridge with vxlan.evpn, vunetd owns shadow devices:
 *   vnb<VNI>  a Linux bridge, the VNI's broadcast domain to zebra;
 *   vnx<VNI>  a VXLAN device in it (VNI, local = the VTEP address,
 *             nolearning) on a UDP port nothing sends to (shadow_port):
 *             zebra reads the VNI and VTEP from it and installs what BGP
 *             learns on it; the kernel never carries the data path;
 *   vnl<VNI>  a veth end in the bridge, whose static FDB entries are the
 *             MACs vunetd learned locally in the VNI (type-2 routes);
 *   vnp<VNI>  its peer, up and alone.
 * Each carries the alias "vunetd evpn BRIDGE vni VNI", which is how a
 * vunetd knows its own: a device of that name without it is someone
 * else's and is never touched.
 *
 * Lifetime: made when the bridge gets EVPN, deleted when it loses it or
 * goes; a vunetd that stops or is killed leaves them (and their entries:
 * FRR keeps advertising, a restart is hitless), and the next one takes
 * them over, keeping the entries it finds until the bridge's aging time
 * has passed without their MACs being learned again.
 *
 * Called from the control thread only; every call may block on netlink
 * (the kernel answers at once; a storm of FDB events is not read here).
 * Errors: -1 with the reason in err, or logged through log.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vunet_config.h"

struct vunet_evpn;

/* One locally learned MAC, in a VLAN of the bridge. */
struct vunet_evpn_mac {
	uint8_t mac[6];
	uint16_t vlan;
};

/* log: level 0 error, 1 warning, 2 info. NULL (errno) without netlink. */
struct vunet_evpn *vunet_evpn_create(void (*log)(int level,
						  const char *fmt, ...)
				     __attribute__((format(printf, 2, 3))));
void vunet_evpn_free(struct vunet_evpn *e);

/*
 * Make bridge bc's shadow devices what it says (bc->vxlan.evpn): made,
 * taken over, or changed (a VNI added or gone, another VTEP address).
 */
int vunet_evpn_bridge_set(struct vunet_evpn *e,
			  const struct vunet_bridge_conf *bc,
			  char *err, size_t errlen);

/* The bridge named name has no EVPN any more: its devices go. */
void vunet_evpn_bridge_del(struct vunet_evpn *e, const char *name);

/*
 * Delete the shadow devices a vunetd made for a bridge this one does not
 * run with EVPN (a restart with another configuration). Returns how many.
 */
unsigned int vunet_evpn_sweep(struct vunet_evpn *e);

/*
 * The bridge's local MACs now, all of them (any order): each VNI's shadow
 * port gets exactly those in its VLAN, added and deleted as they change,
 * at most VUNET_EVPN_BATCH a call (a flood of new MACs costs the control
 * thread a bounded time per call; the rest follows on the next ones).
 * Returns how many entries were added or deleted.
 */
#define VUNET_EVPN_BATCH 2048
unsigned int vunet_evpn_export(struct vunet_evpn *e, const char *bridge,
			       const struct vunet_evpn_mac *macs, uint32_t n);

/*
 * How long a remote VTEP withdrawn by zebra is still sent to: zebra
 * flushes every route when the local bgpd dies and installs them again
 * once it is back (FRR 8.4, bgpd killed and started again at once: 2.3 s
 * here, test_hosts_find_each_other_through_a_route_reflector), and a
 * remote that really went loses nothing by being sent to that long.
 */
#define VUNET_EVPN_HOLD_MS 5000

/*
 * Control thread, a few times a second: read what zebra installed or
 * removed since (type-3 routes: the VNIs' flood lists). True when the
 * remotes vunetd should send to changed (vunet_evpn_remotes()).
 */
bool vunet_evpn_poll(struct vunet_evpn *e);

/* A remote VTEP that BGP EVPN put on the flood list of VLANs' VNIs. */
struct vunet_evpn_remote {
	uint32_t ip;                 /* network order */
	struct vunet_vlans vlans;    /* the bridge's VLANs of those VNIs */
};

/* Bridge's remotes from EVPN now, at most max of them; how many there are
 * (more than max: those past it were left out). */
unsigned int vunet_evpn_remotes(const struct vunet_evpn *e,
				const char *bridge,
				struct vunet_evpn_remote *out,
				unsigned int max);

/*
 * A MAC that BGP put behind a remote VTEP (a type-2 route), or took away
 * (ip 0); old_ip: where BGP had it before (0: nowhere).
 */
struct vunet_evpn_mac_change {
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t ip;
	uint32_t old_ip;
};

/* The bridge's MAC routes that changed since, oldest first, at most max. */
unsigned int vunet_evpn_mac_changes(struct vunet_evpn *e, const char *bridge,
				    struct vunet_evpn_mac_change *out,
				    unsigned int max);

/* Every MAC route of the bridge now (old_ip 0), for fn. */
void vunet_evpn_macs(const struct vunet_evpn *e, const char *bridge,
		     void (*fn)(const struct vunet_evpn_mac_change *c,
				void *arg),
		     void *arg);

/* The remote VTEP BGP has (vlan, mac) behind, 0: none. */
uint32_t vunet_evpn_mac_ip(const struct vunet_evpn *e, const char *bridge,
			   const uint8_t *mac, uint16_t vlan);

#endif /* VUNET_EVPN_H */

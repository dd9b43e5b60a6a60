/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PORT_H
#define VUNET_PORT_H

/*
 * Ports: vhost-user sockets (rte_vhost), DPDK ethdevs and remote VXLAN
 * VTEPs behind one receive and one transmit call. Each kind is one file
 * (vunet_port_KIND.c) and one struct vunet_port_ops for the control side;
 * the data path dispatches with a switch on the kind that has no default,
 * so a new kind that is not handled there does not build (-Wswitch). The
 * inline functions below are the receive side; the egress stage is
 * vunet_port_tx.h.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>
#include <rte_vhost.h>

#include "vunet_config.h"
#include "vunet_stats.h"

#define VUNET_BURST 32
#define VUNET_NO_CAPTURE UINT16_MAX

/*
 * A port as the workers see it. The first cache line is what every burst
 * reads; the rest is read-mostly identity, the flood limiter's state (its
 * own line: workers write it) and the eth tx queue locks (their own line:
 * taken only when workers share a queue). The control side's state (the
 * vhost connection, negotiated features, the relay) is private to
 * lib/port, by slot, in the way DPDK keeps rte_eth_fp_ops apart from
 * rte_eth_devices; vunet_port_info() reads it.
 */
struct vunet_port {
	/* Data path: read on every burst. */
	int vid;                 /* vhost: running device, -1 when down */
	uint32_t rxq_ready;      /* vhost: bit q = guest TX ring of pair q on */
	struct rte_mempool *pool; /* where received packets are allocated */
	int16_t tx_vring[VUNET_MAX_WORKERS]; /* vhost: even vring, -1 none */
	uint16_t eth_id;         /* eth: ethdev port id */
	uint16_t nb_txq;
	uint16_t cap_id;         /* vhost: ethdev that dpdk-dumpcap sees */
	uint16_t max_frame;      /* longest frame in or out: MTU, header, tag */
	uint8_t type;            /* enum vunet_port_type */
	uint8_t caps;            /* enum vunet_port_cap bits */
	bool eth_up;             /* eth: started; vtep: its MAC resolved */
	bool txq_shared;         /* eth: fewer tx queues than workers */

	/* Identity: set at creation, read by the control side and workers. */
	uint16_t index;          /* in the port table, and in counters */
	uint16_t nb_rxq;         /* queues (vhost: pairs) polled */
	const struct vunet_port_conf *conf; /* NULL: the slot holds no port */
	struct rte_ether_addr mac; /* eth: the device's */
	struct vunet_vtep *vtep; /* vtep: the tunnel (vunet_port_vtep.c) */
	/* segments and copies of the frames it receives with a guest's
	 * offloads: buffers sized for one MTU, not pool's 16 KB ones */
	struct rte_mempool *seg_pool;

	/* Flood rate limit: written by whichever worker polls the port. */
	uint64_t flood_tat __rte_cache_aligned; /* GCRA: next conforming TSC */

	/* eth: a tx queue shared by workers is sent on under its lock. */
	rte_spinlock_t txq_lock[VUNET_MAX_QUEUES] __rte_cache_aligned;
};

/* What a port's device does for the switch: bits of vunet_port.caps. */
enum vunet_port_cap {
	VUNET_CAP_TX_CHAINS = 1 << 0,   /* sends chained mbufs */
	VUNET_CAP_VLAN_INSERT = 1 << 1, /* eth: pushes RTE_MBUF_F_TX_VLAN */
	VUNET_CAP_VLAN_STRIP = 1 << 2,  /* eth: pops the tags it receives */
	/* vhost: its guest may send TSO frames and partial checksums
	 * (CSUM or HOST_TSO4/6 negotiated) */
	VUNET_CAP_OFFLOAD_IN = 1 << 3,
	/* takes partial checksums: a guest with GUEST_CSUM, a NIC that
	 * writes TCP and UDP checksums */
	VUNET_CAP_CSUM_OUT = 1 << 4,
	/* takes TSO frames whole: a guest with GUEST_TSO4 and 6 and
	 * GUEST_CSUM, a NIC that segments (eth: the driver prepares them) */
	VUNET_CAP_TSO_OUT = 1 << 5,
	VUNET_CAP_IP_CSUM_OUT = 1 << 6, /* eth: writes IPv4 header sums */
};

#define VUNET_CAP_OFFLOADS \
	(VUNET_CAP_OFFLOAD_IN | VUNET_CAP_CSUM_OUT | VUNET_CAP_TSO_OUT)

static inline bool
vunet_port_has(const struct vunet_port *p, enum vunet_port_cap c)
{
	return (p->caps & c) != 0;
}

enum vunet_port_state {
	VUNET_PORT_DOWN,
	VUNET_PORT_CONNECTING,   /* vhost: a front-end is setting it up */
	VUNET_PORT_UP,
};

/* What the control side may read of a port, for commands and telemetry. */
struct vunet_port_info {
	enum vunet_port_state state;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t eth_id;         /* eth */
	uint64_t features;       /* vhost: negotiated virtio features */
	uint64_t protocol_features; /* vhost: negotiated protocol features */
	unsigned int n_ups;      /* vhost: how often a guest came up */
	unsigned int ring_fixes; /* vhost: stale packed-ring positions fixed */
	bool link_down;          /* eth: the device says its link is down */
};

/* eth ports ask their device for the link (a tap's is an ioctl). */
void vunet_port_info(const struct vunet_port *p, struct vunet_port_info *i);

/*
 * A port described for operators (vunetctl, telemetry) as flat fields, a
 * string, a number or a flag each, in the order shown: the kind decides
 * which.
 */
#define VUNET_PORT_FIELDS_MAX 16
enum vunet_port_field_type {
	VUNET_FIELD_STR,
	VUNET_FIELD_NUM,
	VUNET_FIELD_BOOL,
};

struct vunet_port_fields {
	unsigned int n;
	struct {
		const char *key;
		enum vunet_port_field_type type;
		const char *str;
		uint64_t num;            /* NUM, and BOOL as 0 or 1 */
	} f[VUNET_PORT_FIELDS_MAX];
	unsigned int n_text;
	char text[4][64];                /* what str points into */
};

/*
 * The kind's fields of the port: its device (path, devargs, remote) and
 * state; with detail also what `port show` adds (negotiated features).
 */
void vunet_port_describe(const struct vunet_port *p, bool detail,
			 struct vunet_port_fields *f);

/*
 * Whether a running port made from a could be left as it is for b: the
 * same device (type, path, mode, profile, devargs, queues, MTU; a
 * remote's address and tunnel). Otherwise it is deleted and made again.
 */
bool vunet_port_same_device(const struct vunet_port_conf *a,
			    const struct vunet_port_conf *b);

/*
 * The relay's counters of the port's front-end connections; false for a
 * kind that has no front-end (only vhost has).
 */
struct vunet_relay_stats;
bool vunet_port_frontend(const struct vunet_port *p,
			 struct vunet_relay_stats *st);

/* "up", "connecting", "down" */
const char *vunet_port_state_name(enum vunet_port_state s);

/* What the vhost callbacks need from the rest of the daemon. */
struct vunet_port_env {
	struct rte_rcu_qsbr *qsbr;   /* workers report quiescence here */
	unsigned int n_workers;
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	/* buffers of VUNET_TSO_BUF_SIZE for guests that send TSO frames:
	 * rte_vhost copies a 64 KB frame into 5 of them instead of 33 of
	 * pools' (half the cycles per frame); NULL: pools' */
	struct rte_mempool *tso_pools[RTE_MAX_NUMA_NODES];
};

#define VUNET_TSO_BUF_SIZE (16384 + RTE_PKTMBUF_HEADROOM)

void vunet_port_env_set(const struct vunet_port_env *env);

/*
 * Control thread: give eth port p the MAC mac (the device's own, e.g. a
 * tap's in the kernel). 0, or the driver's error.
 */
int vunet_port_mac_set(struct vunet_port *p, const struct rte_ether_addr *mac);

/* Control thread: the eth port a VTEP's frames leave by. */
void vunet_port_vtep_bind(struct vunet_port *p, struct vunet_port *underlay);

/*
 * Control thread: an ARP frame the underlay u received (m stays the
 * caller's): a request for a VTEP's local address is answered; a reply
 * to our outstanding request for a next hop gives its MAC to every remote
 * VTEP behind that next hop.
 */
void vunet_port_vtep_arp(struct vunet_port *ports, unsigned int n_ports,
			 struct vunet_port *u, const struct rte_mbuf *m);

/*
 * Control thread, often: ask for remotes' next hops by ARP when due, one
 * request per next hop (a thousand remotes behind one gateway ask once).
 */
void vunet_port_vtep_resolve(struct vunet_port *ports, unsigned int n_ports);

/*
 * Start and stop what every vhost port shares: the relay thread that owns
 * the front-end connections (vunet_relay.h), and the socket directory
 * every port's socket must be in (dir, opened O_PATH | O_NOFOLLOW as
 * dir_fd, which stays the caller's); group (NULL: none) is the one of
 * server sockets that name none. Before the first port; after the last
 * one is destroyed.
 */
int vunet_port_vhost_init(const char *dir, int dir_fd, const char *group,
			  char *err, size_t errlen);
void vunet_port_vhost_fini(void);

/*
 * vunetd --fd: join an inherited, connected front-end socket to the vhost
 * port p (server mode); done() runs when that front-end goes.
 */
int vunet_port_vhost_attach_fd(struct vunet_port *p, int fd,
			       void (*done)(void), char *err, size_t errlen);

/*
 * The watchdog found a worker blocked writing to eventfd fd: if it is the
 * call descriptor of a running vhost port, take the port off the data
 * path, cut its front-end, write its name and return true.
 */
bool vunet_port_vhost_cut_blocking(int fd, char *name, size_t len);

/*
 * Create the port described by conf into *port. eth: probe and start the
 * device. vhost: register and start the socket (server mode unlinks a stale
 * socket file first; client mode reconnects by itself). On error returns a
 * negative errno and writes the reason into err; nothing is left behind.
 */
int vunet_port_create(struct vunet_port *port, uint16_t index,
		      const struct vunet_port_conf *conf, char *err,
		      size_t errlen);

/* Stop and release the port; a connected guest is disconnected. */
void vunet_port_destroy(struct vunet_port *port);

/* vhost: the vring a worker sends on, from the rings the guest enabled. */
void vunet_port_vhost_remap_tx(struct vunet_port *port);

/*
 * A capture (dpdk-dumpcap) is on the port: hand the burst to its stand-in
 * ethdev's callbacks. rx returns how many are left.
 */
uint16_t vunet_port_capture_rx(struct vunet_port *p, uint16_t q,
			       struct rte_mbuf **pkts, uint16_t got,
			       uint16_t n);
void vunet_port_capture_tx(struct vunet_port *p, uint16_t q,
			   struct rte_mbuf **pkts, uint16_t n);

/*
 * The queues that can be polled now: bit q for queue (vhost: pair) q; for
 * vhost ports also the running device in *vid.
 */
static inline uint32_t
vunet_port_rx_ready(const struct vunet_port *p, int *vid)
{
	switch ((enum vunet_port_type)p->type) {
	case VUNET_PORT_ETH:
		return __atomic_load_n(&p->eth_up, __ATOMIC_RELAXED) ?
		       UINT32_MAX : 0;
	case VUNET_PORT_VHOST:
		*vid = __atomic_load_n(&p->vid, __ATOMIC_ACQUIRE);
		if (*vid < 0)
			return 0;
		return __atomic_load_n(&p->rxq_ready, __ATOMIC_RELAXED);
	case VUNET_PORT_VTEP:    /* receives through its underlay */
	case VUNET_PORT_KIND_MAX:
		break;
	}
	return 0;
}

static inline bool
vunet_port_is_up(const struct vunet_port *p)
{
	switch ((enum vunet_port_type)p->type) {
	case VUNET_PORT_VHOST:
		return __atomic_load_n(&p->vid, __ATOMIC_RELAXED) >= 0;
	case VUNET_PORT_ETH:
	case VUNET_PORT_VTEP:    /* its next hop's MAC is resolved */
		return __atomic_load_n(&p->eth_up, __ATOMIC_RELAXED);
	case VUNET_PORT_KIND_MAX:
		break;
	}
	return false;
}

/* Receive up to n (<= VUNET_BURST) packets; call only when rx_ready. */
static inline uint16_t
vunet_port_rx(struct vunet_port *p, int vid, uint16_t q,
	      struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = 0;

	switch ((enum vunet_port_type)p->type) {
	case VUNET_PORT_ETH:
		return rte_eth_rx_burst(p->eth_id, q, pkts, n);
	case VUNET_PORT_VHOST:
		got = rte_vhost_dequeue_burst(vid, 2 * q + 1, p->pool, pkts,
					      n);
		/* a capture is on: its stand-in ethdev has callbacks */
		if (likely(p->cap_id == VUNET_NO_CAPTURE || got == 0))
			return got;
		return vunet_port_capture_rx(p, q, pkts, got, n);
	case VUNET_PORT_VTEP:
	case VUNET_PORT_KIND_MAX:
		break;
	}
	return got;
}

static inline uint32_t
vunet_pkts_bytes(struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	return bytes;
}

/* The same, and the longest packet's length in *longest. */
static inline uint32_t
vunet_pkts_bytes_longest(struct rte_mbuf **pkts, uint16_t n,
			 uint32_t *longest)
{
	uint32_t bytes = 0, max = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);

		bytes += len;
		max = len > max ? len : max;
	}
	*longest = max;
	return bytes;
}

/*
 * The longest received packet that is surely within the port's MTU: a
 * device that strips tags hands over frames 4 bytes shorter than they
 * were on the wire, and a frame is judged as it was there.
 */
static inline uint32_t
vunet_port_rx_max(const struct vunet_port *p)
{
	return p->max_frame - (vunet_port_has(p, VUNET_CAP_VLAN_STRIP) ?
			       RTE_VLAN_HLEN : 0);
}

/*
 * Drop what was longer on the wire than the ingress port's MTU (plus
 * header and one tag, the tag counted whether the device stripped it or
 * not): a guest can post a frame of any length, and only one whose
 * offloads were negotiated a longer TSO frame. Called only when the
 * burst's longest packet is longer than vunet_port_rx_max(); returns how
 * many are left, in order.
 */
static inline uint16_t
vunet_port_rx_admit(const struct vunet_port *p, struct rte_mbuf **pkts,
		    uint16_t n, struct vunet_port_stats *st)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t wire = rte_pktmbuf_pkt_len(pkts[i]) +
			(pkts[i]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED ?
			 RTE_VLAN_HLEN : 0);

		/* a TSO frame: each destination gets it whole or cut to
		 * its MTU (vunet_port_offload.c) */
		if (wire > p->max_frame &&
		    (!(pkts[i]->ol_flags & RTE_MBUF_F_RX_LRO) ||
		     !vunet_port_has(p, VUNET_CAP_OFFLOAD_IN))) {
			st->drop[VUNET_DROP_OVERSIZE]++;
			rte_pktmbuf_free(pkts[i]);
		} else {
			pkts[k++] = pkts[i];
		}
	}
	return k;
}

#endif /* VUNET_PORT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_PORT_INTERNAL_H
#define VUNET_PORT_INTERNAL_H

/* Between the port kinds and their dispatcher; not part of the API. */

#include "vunet_port.h"

/* log types vunet.port (any port kind) and vunet.vhost (vhost events) */
extern int vunet_logtype_port;
extern int vunet_logtype_vhost;
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_port, "port: " fmt "\n", \
		##__VA_ARGS__)
#define VHOST_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vunet_logtype_vhost, "vhost: " fmt "\n", \
		##__VA_ARGS__)

const struct vunet_port_env *vunet_port_env(void);

/*
 * eth: *m, flagged for the device's checksum or TSO offload, made what
 * its driver needs (rte_eth_tx_prepare, which writes into its headers: *m
 * is the caller's alone, and may be replaced); false when the driver
 * refuses it.
 */
bool vunet_port_eth_prepare(const struct vunet_port *p, unsigned int worker,
			    struct rte_mbuf **m);

/*
 * The control side's state of a port, by slot: written by the control
 * thread and rte_vhost's callbacks, never read by workers.
 */
struct vunet_port_priv {
	int conn_vid;            /* vhost: connection, -1 when none */
	uint32_t txq_enabled;    /* vhost: bit q = guest RX ring of pair q on */
	bool registered;         /* vhost: socket registered with rte_vhost */
	bool probed;             /* eth: device probed by us */
	uint64_t features;       /* vhost: negotiated virtio features */
	uint64_t protocol_features; /* vhost: negotiated protocol features */
	unsigned int n_ups;      /* vhost: how often a guest came up */
	unsigned int ring_fixes; /* vhost: stale packed-ring positions fixed */
	int relay;               /* vhost: the relay's handle of the port */
	char backend[VUNET_SOCK_PATH_MAX]; /* vhost: where rte_vhost listens */
};

extern struct vunet_port_priv vunet_port_privs[VUNET_MAX_PORTS];

static inline struct vunet_port_priv *
priv(const struct vunet_port *p)
{
	return &vunet_port_privs[p->index];
}

/*
 * What a port kind is to the control side; its data path is its case in
 * the switches of vunet_port.h (receive) and vunet_port_tx.h (egress).
 * One per kind, vunet_port_KIND_ops in vunet_port_KIND.c.
 */
struct vunet_port_ops {
	/* p is zeroed but for index, conf, type, vid -1, the pools; on error
	 * nothing is left behind */
	int (*create)(struct vunet_port *p, char *err, size_t errlen);
	void (*destroy)(struct vunet_port *p);
	/* the kind's part of vunet_port_info (state, up to "up") */
	void (*info)(const struct vunet_port *p, struct vunet_port_info *i);
	void (*describe)(const struct vunet_port *p, bool detail,
			 struct vunet_port_fields *f);
	/* a and b are of this kind */
	bool (*same_device)(const struct vunet_port_conf *a,
			    const struct vunet_port_conf *b);
	/* NULL: the kind has no front-end */
	void (*frontend)(const struct vunet_port *p,
			 struct vunet_relay_stats *st);
};

#define VUNET_PORT_OPS_DECL(k, name) \
	extern const struct vunet_port_ops vunet_port_ ## name ## _ops;
VUNET_PORT_KINDS(VUNET_PORT_OPS_DECL)
#undef VUNET_PORT_OPS_DECL

/* Append a field to f (kept as long as f): a string, a number, a flag. */
void vunet_port_field_str(struct vunet_port_fields *f, const char *key,
			  const char *str);
void vunet_port_field_num(struct vunet_port_fields *f, const char *key,
			  uint64_t num);
void vunet_port_field_bool(struct vunet_port_fields *f, const char *key,
			   bool b);
/* Room in f for a string field's text (NULL when there is none left). */
char *vunet_port_field_text(struct vunet_port_fields *f, const char *key);

/* vtep: the longest inner IP packet its underlay carries, 0 unbound */
uint32_t vunet_port_vtep_ip_mtu(const struct vunet_port *p);

/* vhost: the ethdev dpdk-dumpcap captures the port through (best effort) */
void vunet_port_capture_attach(struct vunet_port *p);
void vunet_port_capture_detach(struct vunet_port *p);

#endif /* VUNET_PORT_INTERNAL_H */

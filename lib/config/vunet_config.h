/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_CONFIG_H
#define VUNET_CONFIG_H

/*
 * The daemon's declarative configuration: bridges, ports and cross-connects
 * as read from a JSON file. Pure C + jansson, no DPDK, so it can be checked
 * (vunetd --check-config, unit tests) without EAL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vunet_profile.h"

#define VUNET_NAME_MAX 32        /* bridge and port names, with the NUL */
#define VUNET_SOCK_PATH_MAX 108  /* sizeof(sun_path), with the NUL */
#define VUNET_DEVARGS_MAX 256
#define VUNET_MAX_PORTS 2048     /* remote VTEPs included */
#define VUNET_MAX_BRIDGES 64
#define VUNET_MAX_QUEUES 16      /* vhost queue pairs, eth rx/tx queues */
#define VUNET_MAX_ALLOWED_MACS 16
#define VUNET_MAX_WORKERS 16
#define VUNET_ERR_MAX 512
#define VUNET_VHOST_MAC_LIMIT 64 /* default for a VM's port */
/* default for a remote VTEP: the hosts behind one, not the table */
#define VUNET_REMOTE_MAC_LIMIT 1024

/*
 * Port kinds: X(enum suffix, name as configurations spell it). A kind's
 * behaviour is its struct vunet_port_ops (lib/port), named after it: one
 * missing fails to link. vtep: a remote VTEP of a bridge's VXLAN, made
 * from the bridge, never configured.
 */
#define VUNET_PORT_KINDS(X) \
	X(VHOST, vhost) \
	X(ETH, eth) \
	X(VTEP, vtep)

#define VUNET_PORT_KIND_ENUM(k, name) VUNET_PORT_ ## k,
enum vunet_port_type {
	VUNET_PORT_KINDS(VUNET_PORT_KIND_ENUM)
	VUNET_PORT_KIND_MAX
};
#undef VUNET_PORT_KIND_ENUM

/* "vhost", "eth", "vtep": as configurations spell it */
const char *vunet_port_type_name(enum vunet_port_type t);

struct vunet_mac {
	uint8_t b[6];
};

#define VUNET_VLAN_MAX 4094      /* 0 and 4095 are reserved (802.1Q) */

/* A set of VLANs: bit v for VLAN v. */
struct vunet_vlans {
	uint64_t w[64];
};

static inline bool
vunet_vlans_has(const struct vunet_vlans *s, uint16_t v)
{
	return (s->w[(v >> 6) & 63] >> (v & 63)) & 1;
}

static inline void
vunet_vlans_add(struct vunet_vlans *s, uint16_t v)
{
	s->w[(v >> 6) & 63] |= 1ULL << (v & 63);
}

/* As a configuration spells it: [10, 20, "100-199"] */
json_t *vunet_vlans_json(const struct vunet_vlans *s);

#define VUNET_MAX_VNIS 64        /* per bridge */
#define VUNET_MAX_REMOTES 1024   /* remote VTEPs per bridge */
#define VUNET_VXLAN_UDP_PORT 4789
#define VUNET_EVPN_SHADOW_PORT 4790

/* A bridge's VXLAN tunnel endpoint (RFC 7348). Addresses: network order. */
struct vunet_vxlan_conf {
	bool on;
	char underlay_name[VUNET_NAME_MAX];
	int underlay;            /* index into ports[]: an eth port */
	/* the host stack's way to the underlay when the kernel does not see
	 * the NIC (PCI under vfio): an eth port (tap, virtio-user) that gets
	 * what is not VXLAN for us and sends what the kernel sends */
	char exception_name[VUNET_NAME_MAX]; /* "": none */
	int exception;           /* index into ports[], -1: none */
	uint32_t local_ip;
	uint8_t prefix_len;      /* of local_ip's subnet; 0: not given */
	uint32_t gateway;        /* next hop of remotes beyond it; 0: none */
	uint16_t udp_port;
	uint16_t n_vnis;
	struct {
		uint16_t vlan;
		uint32_t vni;
	} vnis[VUNET_MAX_VNIS];
	/* each remote's port: an underlay host may not fill the table */
	uint32_t remote_mac_limit;
	uint32_t remote_flood_pps;
	/* BGP EVPN through the kernel's view (lib/evpn): shadow devices
	 * for zebra, their VXLAN devices on a UDP port nothing sends to */
	bool evpn;
	uint16_t evpn_shadow_port;
};

struct vunet_port_conf {
	char name[VUNET_NAME_MAX];
	enum vunet_port_type type;
	/* vhost */
	char path[VUNET_SOCK_PATH_MAX];
	bool client;            /* vunetd connects; QEMU owns the socket */
	const struct vunet_profile *profile; /* the device the guest sees */
	bool profile_defaulted; /* none was given: the latest */
	/* server mode: who may connect ("": vunetd's default) */
	char socket_group[VUNET_NAME_MAX];
	uint16_t socket_mode;   /* 0: 0660 with a group, else 0600 */
	/* eth */
	char devargs[VUNET_DEVARGS_MAX];
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint16_t mtu;           /* 0: leave the device's default */
	uint16_t rx_desc;
	uint16_t tx_desc;
	bool tx_offloads;       /* a guest's offloads done by the device */
	/* forwarding */
	int bridge;             /* index into bridges[], -1 if none */
	uint16_t vlan;          /* access VLAN 1..4094; trunk: native, 0 none */
	bool trunk;             /* carries trunk_vlans tagged */
	struct vunet_vlans trunk_vlans;
	uint32_t mac_limit;     /* MACs it may have learned; 0: no own limit */
	uint32_t flood_pps;     /* flooded frames per second; 0: no limit */
	uint16_t n_allowed_macs;  /* 0: port security off */
	struct vunet_mac allowed_macs[VUNET_MAX_ALLOWED_MACS];
	/* polling: worker of each receive queue, -1 to let vunetd deal it */
	int8_t rxq_workers[VUNET_MAX_QUEUES];
	/* eth: the bridge whose VXLAN runs over this port, -1 if none */
	int underlay_of;
	/* eth: the bridge whose underlay this port is the host stack's way
	 * to, -1 if none */
	int exception_of;
	/* vtep: the remote's address, whom to ARP for, its bridge's tunnel */
	bool evpn;              /* learned from BGP EVPN, not listed */
	uint32_t remote_ip;
	uint32_t next_hop;
	struct vunet_vxlan_conf vxlan;
};

struct vunet_bridge_conf {
	char name[VUNET_NAME_MAX];
	uint32_t fdb_size;       /* MAC table entries */
	uint32_t aging_sec;      /* idle time before a MAC is forgotten */
	struct vunet_vxlan_conf vxlan;
	/* the remote VTEPs listed (each becomes a port): here, not in
	 * vxlan, which every remote's port carries a copy of */
	uint16_t n_remotes;
	uint32_t remotes[VUNET_MAX_REMOTES];
};

struct vunet_xconnect_conf {
	int a;                   /* port indexes */
	int b;
};

struct vunet_config {
	uint16_t n_ports;
	uint16_t n_bridges;
	uint16_t n_xconnects;
	uint32_t n_mbufs;        /* packet buffers per NUMA socket */
	/* 16 KB buffers per NUMA socket for what guests that send TSO frames
	 * send (a 64 KB frame in 5, not 33 buffers); 0: none */
	uint32_t n_tso_mbufs;
	struct vunet_port_conf ports[VUNET_MAX_PORTS];
	struct vunet_bridge_conf bridges[VUNET_MAX_BRIDGES];
	struct vunet_xconnect_conf xconnects[VUNET_MAX_PORTS / 2];
};

/*
 * Parse and validate a whole configuration. On error returns -1 and writes
 * one line "ORIGIN: FIELD: PROBLEM" into err; *conf is then unspecified.
 */
int vunet_config_parse(const char *text, const char *origin,
		       struct vunet_config *conf, char *err, size_t errlen);

/* Same, from a parsed document (not modified). */
int vunet_config_parse_json(json_t *doc, const char *origin,
			    struct vunet_config *conf, char *err,
			    size_t errlen);

/* Same, reading the file at path (origin in messages is the path). */
int vunet_config_load(const char *path, struct vunet_config *conf,
		      char *err, size_t errlen);

/* Index of the port or bridge with that name, -1 if none. */
/*
 * A remote VTEP of bridge b learned by EVPN (the port a listed remote
 * gets, in vlans only, marked evpn): -EINVAL when ip is not a host's
 * unicast address or is b's own, -EEXIST when b has that remote already,
 * -ENOSPC when b has VUNET_MAX_REMOTES or the switch its ports.
 */
int vunet_config_remote_add(struct vunet_config *conf, uint16_t b, uint32_t ip,
			    const struct vunet_vlans *vlans);

int vunet_config_port_index(const struct vunet_config *conf, const char *name);
int vunet_config_bridge_index(const struct vunet_config *conf, const char *name);

/* "192.0.2.1" -> network order; 0 or -1 */
int vunet_ipv4_parse(const char *s, uint32_t *ip);
void vunet_ipv4_format(uint32_t ip, char *buf, size_t len);
bool vunet_ipv4_same_subnet(uint32_t a, uint32_t b, uint8_t prefix_len);

/* "52:54:00:00:00:01" <-> struct vunet_mac; parse returns 0 or -1. */
int vunet_mac_parse(const char *s, struct vunet_mac *mac);
void vunet_mac_format(const struct vunet_mac *mac, char *buf, size_t len);

#endif /* VUNET_CONFIG_H */

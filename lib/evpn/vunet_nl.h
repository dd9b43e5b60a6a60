/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_NL_H
#define VUNET_NL_H

/*
 * The kernel's links and bridge FDB over rtnetlink (libmnl), the few
 * requests EVPN's shadow devices need: each call sends one request and
 * waits for the kernel's answer on the calling thread (the control
 * thread; never a worker). Errors are negative errno values.
 */

#include <stdbool.h>
#include <stdint.h>

#define VUNET_NL_NAME_MAX 16   /* IFNAMSIZ */
#define VUNET_NL_ALIAS_MAX 64

struct vunet_nl;

struct vunet_nl_link {
	int ifindex;
	char name[VUNET_NL_NAME_MAX];
	char kind[16];                    /* "bridge", "vxlan", "veth"... */
	char alias[VUNET_NL_ALIAS_MAX];
	/* vxlan */
	uint32_t vni;
	uint32_t local;                   /* network order */
	uint16_t udp_port;                /* host order */
	bool learning;
};

/* A socket in the calling thread's network namespace, or NULL (errno). */
struct vunet_nl *vunet_nl_open(void);
void vunet_nl_close(struct vunet_nl *nl);

/* The link named name: 0, -ENODEV when there is none. */
int vunet_nl_link_get(struct vunet_nl *nl, const char *name,
		      struct vunet_nl_link *l);

/* Every link, for fn (a dump: fn may not call back into nl). */
int vunet_nl_links(struct vunet_nl *nl,
		   void (*fn)(const struct vunet_nl_link *l, void *arg),
		   void *arg);

/* New links, marked with alias (IFLA_IFALIAS), down, no master. */
int vunet_nl_bridge_add(struct vunet_nl *nl, const char *name,
			const char *alias);
/* A VXLAN device without learning: local (network order), udp_port. */
int vunet_nl_vxlan_add(struct vunet_nl *nl, const char *name,
		       const char *alias, uint32_t vni, uint32_t local,
		       uint16_t udp_port);
int vunet_nl_veth_add(struct vunet_nl *nl, const char *name,
		      const char *peer, const char *alias);

/*
 * Enslave ifindex to master (0: leave it), no IPv6 addresses of its own
 * (the kernel sends nothing from it), and up.
 */
int vunet_nl_link_set(struct vunet_nl *nl, int ifindex, int master);
int vunet_nl_link_del(struct vunet_nl *nl, int ifindex);

/*
 * Bridge FDB entries on bridge port ifindex, as `bridge fdb add MAC dev
 * PORT master static` makes them: NUD_NOARP (never aged; not NUD_PERMANENT,
 * which zebra ignores), not sticky. Adding one that is there is no error,
 * nor is deleting one that is not.
 */
int vunet_nl_fdb_add(struct vunet_nl *nl, int ifindex, const uint8_t *mac);
int vunet_nl_fdb_del(struct vunet_nl *nl, int ifindex, const uint8_t *mac);

/* The static entries (as above) on bridge port ifindex, for fn. */
int vunet_nl_fdb_static(struct vunet_nl *nl, int ifindex,
			void (*fn)(const uint8_t *mac, void *arg), void *arg);

/* A bridge FDB entry with a remote VTEP (what zebra installs on VXLAN). */
struct vunet_nl_neigh {
	bool add;                         /* RTM_NEWNEIGH, else deleted */
	int ifindex;
	uint8_t mac[6];
	uint32_t dst;                     /* network order */
};

/*
 * A socket that hears the kernel's neighbour and FDB changes (RTNLGRP_NEIGH),
 * never blocking, with a receive buffer for a storm of them.
 */
struct vunet_nl *vunet_nl_monitor(void);

/*
 * What it heard since, at most max datagrams: fn for each entry with a
 * remote VTEP; *drained: nothing is left to read. Returns how many
 * datagrams were read, or -ENOBUFS when the kernel dropped some (read
 * everything again, a dump, once drained).
 */
int vunet_nl_neigh_read(struct vunet_nl *nl, unsigned int max,
			void (*fn)(const struct vunet_nl_neigh *n, void *arg),
			void *arg, bool *drained);

/* Every bridge FDB entry with a remote VTEP now, for fn (add set). */
int vunet_nl_neigh_dump(struct vunet_nl *nl,
			void (*fn)(const struct vunet_nl_neigh *n, void *arg),
			void *arg);

#endif /* VUNET_NL_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* rtnetlink requests for the shadow devices (vunet_nl.h), on libmnl. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "vunet_nl.h"

/* a dump's datagrams are at most a page on most kernels; room for more */
#define NL_BUF 32768

struct vunet_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* A socket of flags (SOCK_*), bound to the groups bits (0: none). */
static struct vunet_nl *
nl_new(int flags, unsigned int groups)
{
	struct vunet_nl *nl = calloc(1, sizeof(*nl));

	if (nl == NULL)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, flags);
	if (nl->sock == NULL ||
	    mnl_socket_bind(nl->sock, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		if (nl->sock != NULL)
			mnl_socket_close(nl->sock);
		free(nl);
		errno = e;
		return NULL;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return nl;
}

struct vunet_nl *
vunet_nl_open(void)
{
	struct vunet_nl *nl = nl_new(0, 0);

	/* the kernel answers at once; a bug must not hang the control
	 * thread for good */
	if (nl != NULL)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET,
			   SO_RCVTIMEO, &(struct timeval){ .tv_sec = 5 },
			   sizeof(struct timeval));
	return nl;
}

void
vunet_nl_close(struct vunet_nl *nl)
{
	if (nl == NULL)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/*
 * Send nlh, read the answer to its end: its ACK, its error, or a dump's
 * messages (for cb) up to NLMSG_DONE. (A dump's flags share bits with
 * NLM_F_CREATE and NLM_F_EXCL: which one it is, the caller says.)
 */
static int
talk(struct vunet_nl *nl, struct nlmsghdr *nlh, bool dump, mnl_cb_t cb,
     void *arg)
{
	char *buf = malloc(NL_BUF);
	uint32_t seq = ++nl->seq;
	int ret;

	if (buf == NULL)
		return -ENOMEM;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);

		if (n < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		/* the late answer to a request that timed out: not this one */
		if ((size_t)n >= sizeof(struct nlmsghdr) &&
		    ((struct nlmsghdr *)buf)->nlmsg_seq != seq) {
			ret = MNL_CB_OK;
			continue;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, arg);
	} while (ret == MNL_CB_OK);
	ret = ret == MNL_CB_ERROR ? -errno : 0;
out:
	free(buf);
	return ret;
}

static struct nlmsghdr *
link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

/* IFLA_INFO_DATA of a vxlan link */
static int
vxlan_attr(const struct nlattr *a, void *arg)
{
	struct vunet_nl_link *l = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->vni = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LOCAL:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->local = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			l->udp_port = ntohs(mnl_attr_get_u16(a));
		break;
	case IFLA_VXLAN_LEARNING:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->learning = mnl_attr_get_u8(a) != 0;
		break;
	}
	return MNL_CB_OK;
}

static int
linkinfo_attr(const struct nlattr *a, void *arg)
{
	struct vunet_nl_link *l = arg;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
	else if (mnl_attr_get_type(a) == IFLA_INFO_DATA &&
		 strcmp(l->kind, "vxlan") == 0)
		mnl_attr_parse_nested(a, vxlan_attr, l);
	return MNL_CB_OK;
}

static int
link_attr(const struct nlattr *a, void *arg)
{
	struct vunet_nl_link *l = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->alias, sizeof(l->alias), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_LINKINFO:
		/* the kind comes first in it (the kernel writes it so) */
		mnl_attr_parse_nested(a, linkinfo_attr, l);
		break;
	}
	return MNL_CB_OK;
}

static void
parse_link(const struct nlmsghdr *nlh, struct vunet_nl_link *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr, l);
}

static int
one_link(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		parse_link(nlh, arg);
	return MNL_CB_OK;
}

int
vunet_nl_link_get(struct vunet_nl *nl, const char *name,
		  struct vunet_nl_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	int ret;

	memset(l, 0, sizeof(*l));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	ret = talk(nl, nlh, false, one_link, l);
	if (ret == 0 && l->ifindex == 0)
		ret = -ENODEV;
	return ret;
}

struct links_walk {
	void (*fn)(const struct vunet_nl_link *l, void *arg);
	void *arg;
};

static int
each_link(const struct nlmsghdr *nlh, void *arg)
{
	struct links_walk *w = arg;
	struct vunet_nl_link l;

	if (nlh->nlmsg_type == RTM_NEWLINK) {
		parse_link(nlh, &l);
		w->fn(&l, w->arg);
	}
	return MNL_CB_OK;
}

int
vunet_nl_links(struct vunet_nl *nl,
	       void (*fn)(const struct vunet_nl_link *l, void *arg), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct links_walk w = { fn, arg };

	return talk(nl, link_msg(buf, RTM_GETLINK, 0, 0), true, each_link, &w);
}

/* The alias of the link named name (the kernel takes none at creation). */
static int
set_alias(struct vunet_nl *nl, const char *name, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return talk(nl, nlh, false, NULL, NULL);
}

/* A new link: name, alias, kind; *data opens its IFLA_INFO_DATA. */
static struct nlmsghdr *
new_link(char *buf, const char *name, const char *alias, const char *kind,
	 struct nlattr **info, struct nlattr **data)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK,
					NLM_F_CREATE | NLM_F_EXCL, 0);

	(void)alias;     /* a new link's alias is ignored: set_alias() */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	*info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	*data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	return nlh;
}

/*
 * Send the creation nlh of name (and its peer), then their alias; a link
 * made without its alias is deleted again, so it is never left unowned.
 */
static int
created(struct vunet_nl *nl, struct nlmsghdr *nlh, const char *name,
	const char *peer, const char *alias)
{
	struct vunet_nl_link l;
	int ret = talk(nl, nlh, false, NULL, NULL);

	if (ret < 0)
		return ret;
	ret = set_alias(nl, name, alias);
	if (ret == 0 && peer != NULL)
		ret = set_alias(nl, peer, alias);
	if (ret < 0 && vunet_nl_link_get(nl, name, &l) == 0)
		vunet_nl_link_del(nl, l.ifindex);
	return ret;
}

int
vunet_nl_bridge_add(struct vunet_nl *nl, const char *name, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *info, *data;
	struct nlmsghdr *nlh = new_link(buf, name, alias, "bridge", &info,
					&data);

	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return created(nl, nlh, name, NULL, alias);
}

int
vunet_nl_vxlan_add(struct vunet_nl *nl, const char *name, const char *alias,
		   uint32_t vni, uint32_t local, uint16_t udp_port)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *info, *data;
	struct nlmsghdr *nlh = new_link(buf, name, alias, "vxlan", &info,
					&data);

	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, vni);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_LOCAL, local);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(udp_port));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return created(nl, nlh, name, NULL, alias);
}

int
vunet_nl_veth_add(struct vunet_nl *nl, const char *name, const char *peer,
		  const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *info, *data, *p;
	struct nlmsghdr *nlh = new_link(buf, name, alias, "veth", &info,
					&data);
	struct ifinfomsg *ifm;

	p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's own link message header, inside the attribute */
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return created(nl, nlh, name, peer, alias);
}

int
vunet_nl_link_set(struct vunet_nl *nl, int ifindex, int master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct nlattr *spec, *in6;
	struct ifinfomsg *ifm;
	int ret;

	/* before it is up, so no link-local address is ever made */
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE,
			IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, spec);
	ret = talk(nl, nlh, false, NULL, NULL);
	/* no IPv6 in this kernel or namespace: nothing to keep quiet */
	if (ret < 0 && ret != -EAFNOSUPPORT)
		return ret;
	nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = IFF_UP;
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return talk(nl, nlh, false, NULL, NULL);
}

int
vunet_nl_link_del(struct vunet_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret = talk(nl, link_msg(buf, RTM_DELLINK, 0, ifindex), false,
		       NULL, NULL);

	return ret == -ENODEV ? 0 : ret;
}

static struct nlmsghdr *
fdb_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
	const uint8_t *mac)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NOARP;
	ndm->ndm_flags = NTF_MASTER;
	if (mac != NULL)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nlh;
}

int
vunet_nl_fdb_add(struct vunet_nl *nl, int ifindex, const uint8_t *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return talk(nl, fdb_msg(buf, RTM_NEWNEIGH,
				NLM_F_CREATE | NLM_F_REPLACE, ifindex, mac),
		    false, NULL, NULL);
}

int
vunet_nl_fdb_del(struct vunet_nl *nl, int ifindex, const uint8_t *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret = talk(nl, fdb_msg(buf, RTM_DELNEIGH, 0, ifindex, mac), false,
		       NULL, NULL);

	return ret == -ENOENT ? 0 : ret;
}

struct fdb_walk {
	int ifindex;
	void (*fn)(const uint8_t *mac, void *arg);
	void *arg;
};

static int
lladdr_attr(const struct nlattr *a, void *arg)
{
	const uint8_t **mac = arg;

	if (mnl_attr_get_type(a) == NDA_LLADDR &&
	    mnl_attr_get_payload_len(a) == 6)
		*mac = mnl_attr_get_payload(a);
	return MNL_CB_OK;
}

static int
each_fdb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct fdb_walk *w = arg;
	const uint8_t *mac = NULL;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    ndm->ndm_family != AF_BRIDGE || ndm->ndm_ifindex != w->ifindex ||
	    !(ndm->ndm_state & NUD_NOARP) || (ndm->ndm_state & NUD_PERMANENT))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ndm), lladdr_attr, &mac);
	if (mac != NULL)
		w->fn(mac, w->arg);
	return MNL_CB_OK;
}

int
vunet_nl_fdb_static(struct vunet_nl *nl, int ifindex,
		    void (*fn)(const uint8_t *mac, void *arg), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = fdb_msg(buf, RTM_GETNEIGH, 0, 0, NULL);
	struct fdb_walk w = { ifindex, fn, arg };
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	/* every bridge entry: filtered here, which any kernel can do */
	ndm->ndm_state = 0;
	ndm->ndm_flags = 0;
	return talk(nl, nlh, true, each_fdb, &w);
}

struct vunet_nl *
vunet_nl_monitor(void)
{
	struct vunet_nl *nl = nl_new(SOCK_NONBLOCK, 1u << (RTNLGRP_NEIGH - 1));
	int size = 16 << 20;

	if (nl == NULL)
		return NULL;
	/* 100k entries at once: more than the default buffer holds */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	return nl;
}

struct neigh_walk {
	void (*fn)(const struct vunet_nl_neigh *n, void *arg);
	void *arg;
};

static int
neigh_attr(const struct nlattr *a, void *arg)
{
	struct vunet_nl_neigh *n = arg;

	if (mnl_attr_get_type(a) == NDA_LLADDR &&
	    mnl_attr_get_payload_len(a) == 6)
		memcpy(n->mac, mnl_attr_get_payload(a), 6);
	else if (mnl_attr_get_type(a) == NDA_DST &&
		 mnl_attr_get_payload_len(a) == 4)
		memcpy(&n->dst, mnl_attr_get_payload(a), 4);
	return MNL_CB_OK;
}

static int
each_neigh(const struct nlmsghdr *nlh, void *arg)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_walk *w = arg;
	struct vunet_nl_neigh n = { .add = nlh->nlmsg_type == RTM_NEWNEIGH };

	if ((nlh->nlmsg_type != RTM_NEWNEIGH &&
	     nlh->nlmsg_type != RTM_DELNEIGH) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)) ||
	    ndm->ndm_family != AF_BRIDGE)
		return MNL_CB_OK;
	n.ifindex = ndm->ndm_ifindex;
	mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr, &n);
	/* the bridge's own copy (NTF_MASTER) has no VTEP: only the
	 * device's (NTF_SELF) does */
	if (n.dst != 0)
		w->fn(&n, w->arg);
	return MNL_CB_OK;
}

int
vunet_nl_neigh_read(struct vunet_nl *nl, unsigned int max,
		    void (*fn)(const struct vunet_nl_neigh *n, void *arg),
		    void *arg, bool *drained)
{
	struct neigh_walk w = { fn, arg };
	char *buf = malloc(NL_BUF);
	unsigned int got = 0;
	int ret = 0;

	*drained = false;
	if (buf == NULL)
		return -ENOMEM;
	while (got < max) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);

		if (n < 0) {
			if (errno == ENOBUFS)
				ret = -ENOBUFS;
			else
				*drained = errno == EAGAIN ||
					   errno == EWOULDBLOCK;
			break;
		}
		got++;
		mnl_cb_run(buf, (size_t)n, 0, 0, each_neigh, &w);
	}
	free(buf);
	return ret < 0 ? ret : (int)got;
}

int
vunet_nl_neigh_dump(struct vunet_nl *nl,
		    void (*fn)(const struct vunet_nl_neigh *n, void *arg),
		    void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = fdb_msg(buf, RTM_GETNEIGH, 0, 0, NULL);
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_walk w = { fn, arg };

	ndm->ndm_state = 0;
	ndm->ndm_flags = 0;
	return talk(nl, nlh, true, each_neigh, &w);
}

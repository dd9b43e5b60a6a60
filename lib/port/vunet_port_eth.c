/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Ports on any DPDK ethdev: a PCI device or a vdev given by devargs. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "vunet_port.h"
#include "vunet_port_internal.h"

/* The device name is what devargs holds before its first ','. */
static void
devargs_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

/* The configured queues, receiving into pool (on socket). */
static int
eth_queues_setup(struct vunet_port *p, int socket, struct rte_mempool *pool,
		 char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	uint16_t rxd = c->rx_desc, txd = c->tx_desc;
	int ret;

	rte_eth_dev_adjust_nb_rx_tx_desc(p->eth_id, &rxd, &txd);
	for (uint16_t q = 0; q < c->rx_queues; q++) {
		ret = rte_eth_rx_queue_setup(p->eth_id, q, rxd,
					     (unsigned int)socket, NULL, pool);
		if (ret < 0) {
			snprintf(err, errlen, "cannot set up rx queue %u: %s",
				 q, rte_strerror(-ret));
			return ret;
		}
	}
	for (uint16_t q = 0; q < c->tx_queues; q++) {
		ret = rte_eth_tx_queue_setup(p->eth_id, q, txd,
					     (unsigned int)socket, NULL);
		if (ret < 0) {
			snprintf(err, errlen, "cannot set up tx queue %u: %s",
				 q, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * A guest's offloads the device does itself (vunet_port_offload.c): its
 * partial checksums when it writes both TCP and UDP ones, its TSO frames
 * when it also segments and gathers chains (a 64 KB frame is one). Only
 * frames from a guest that offloads carry the flags, so other traffic is
 * sent as before; a driver may still pick a slower burst function once
 * offloads are on, which tx_offloads=false in the config avoids.
 */
static void
eth_offloads(struct vunet_port *p, const struct rte_eth_dev_info *info,
	     struct rte_eth_conf *econf)
{
	const uint64_t csum = RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			      RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t capa = info->tx_offload_capa;

	if (!p->conf->tx_offloads || (capa & csum) != csum)
		return;
	p->caps |= VUNET_CAP_CSUM_OUT;
	econf->txmode.offloads |= csum;
	/* net_tap's TSO is rte_gso 22.11 in software: IPv4 only, an IPv6
	 * frame is lost without a word; vunetd's own does both */
	if (!(capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) ||
	    !vunet_port_has(p, VUNET_CAP_TX_CHAINS) ||
	    strcmp(info->driver_name, "net_tap") == 0)
		return;
	p->caps |= VUNET_CAP_TSO_OUT;
	econf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	/* a segment's IPv4 header sum, where the device writes it */
	if (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		p->caps |= VUNET_CAP_IP_CSUM_OUT;
		econf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	}
}

bool
vunet_port_eth_prepare(const struct vunet_port *p, unsigned int worker,
		       struct rte_mbuf **m)
{
	if (((*m)->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	    ((*m)->ol_flags & RTE_MBUF_F_TX_IPV4) &&
	    vunet_port_has(p, VUNET_CAP_IP_CSUM_OUT))
		(*m)->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	/* drivers' prepare reads only their queue's setup, not its ring,
	 * and may replace the mbuf (the virtio PMD inserting a VLAN tag) */
	return rte_eth_tx_prepare(p->eth_id,
				  (uint16_t)(worker % p->nb_txq), m, 1) == 1;
}

static int
eth_configure(struct vunet_port *p, char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	const struct vunet_port_env *env = vunet_port_env();
	struct rte_eth_conf econf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_mempool *pool;
	uint16_t id = p->eth_id, mtu;
	int socket, ret;

	ret = rte_eth_dev_info_get(id, &info);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read device info: %s",
			 rte_strerror(-ret));
		return ret;
	}
	if (c->rx_queues > info.max_rx_queues ||
	    c->tx_queues > info.max_tx_queues) {
		snprintf(err, errlen, "%s has at most %u rx and %u tx queues, "
			 "%u and %u were asked", info.driver_name,
			 info.max_rx_queues, info.max_tx_queues,
			 c->rx_queues, c->tx_queues);
		return -EINVAL;
	}
	socket = rte_eth_dev_socket_id(id);
	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES ||
	    env->pools[socket] == NULL)
		socket = 0;
	pool = env->pools[socket];
	if (c->mtu > rte_pktmbuf_data_room_size(pool) -
		     RTE_PKTMBUF_HEADROOM - RTE_ETHER_HDR_LEN -
		     RTE_ETHER_CRC_LEN) {
		if (!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)) {
			snprintf(err, errlen, "MTU %u needs scattered receive, "
				 "which %s lacks", c->mtu, info.driver_name);
			return -ENOTSUP;
		}
		econf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	}
	p->caps = 0;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		p->caps |= VUNET_CAP_TX_CHAINS;
		econf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	/* used only for frames the switch tags, so any port may have it */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT) {
		p->caps |= VUNET_CAP_VLAN_INSERT;
		econf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	}
	eth_offloads(p, &info, &econf);
	/* a trunk's: an access port would no longer see tags to refuse */
	if (c->trunk &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)) {
		p->caps |= VUNET_CAP_VLAN_STRIP;
		econf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	}
	if (c->rx_queues > 1) {
		econf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		econf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	ret = rte_eth_dev_configure(id, c->rx_queues, c->tx_queues, &econf);
	if (ret < 0) {
		snprintf(err, errlen, "cannot configure %u rx/%u tx queues: "
			 "%s", c->rx_queues, c->tx_queues, rte_strerror(-ret));
		return ret;
	}
	if (c->mtu != 0) {
		ret = rte_eth_dev_set_mtu(id, c->mtu);
		if (ret < 0) {
			snprintf(err, errlen, "cannot set MTU %u: %s", c->mtu,
				 rte_strerror(-ret));
			return ret;
		}
	}
	ret = eth_queues_setup(p, socket, pool, err, errlen);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(id);
	if (ret < 0) {
		snprintf(err, errlen, "cannot start: %s", rte_strerror(-ret));
		return ret;
	}
	/* a switch port takes every frame, not only those for its own MAC */
	ret = rte_eth_promiscuous_enable(id);
	if (ret < 0 && ret != -ENOTSUP)
		PORT_LOG(WARNING, "%s: promiscuous mode refused: %s", c->name,
			 rte_strerror(-ret));
	rte_eth_allmulticast_enable(id);
	if (rte_eth_dev_get_mtu(id, &mtu) < 0)
		mtu = RTE_ETHER_MTU;
	/* a device may say 65535 (loopback): longer frames do not exist */
	p->max_frame = (uint16_t)RTE_MIN((uint32_t)mtu + RTE_ETHER_HDR_LEN +
					 RTE_VLAN_HLEN, (uint32_t)UINT16_MAX);
	p->pool = pool;
	rte_eth_macaddr_get(id, &p->mac);
	return 0;
}

static int
eth_create(struct vunet_port *p, char *err, size_t errlen)
{
	const struct vunet_port_conf *c = p->conf;
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t id;
	int ret;

	devargs_name(c->devargs, name, sizeof(name));
	ret = rte_dev_probe(c->devargs);
	if (ret == 0) {
		priv(p)->probed = true;
	} else if (ret != -EEXIST) {
		snprintf(err, errlen, "cannot probe device '%s': %s",
			 c->devargs, rte_strerror(-ret));
		return ret;
	}
	if (rte_eth_dev_get_port_by_name(name, &id) != 0) {
		snprintf(err, errlen, "device '%s' is not an ethdev", name);
		if (priv(p)->probed)
			PORT_LOG(WARNING, "%s: device %s stays probed",
				 c->name, name);
		priv(p)->probed = false;
		return -ENODEV;
	}
	p->eth_id = id;
	p->nb_rxq = c->rx_queues;
	p->nb_txq = c->tx_queues;
	/* an underlay's queue 0 is also the control thread's (ARP) */
	p->txq_shared = c->tx_queues < vunet_port_env()->n_workers ||
			c->underlay_of >= 0;
	ret = eth_configure(p, err, errlen);
	if (ret < 0) {
		struct rte_eth_dev_info info;
		struct rte_device *dev = NULL;

		if (rte_eth_dev_info_get(id, &info) == 0)
			dev = info.device;
		rte_eth_dev_close(id);
		if (priv(p)->probed && dev != NULL)
			rte_dev_remove(dev);
		priv(p)->probed = false;
		return ret;
	}
	__atomic_store_n(&p->eth_up, true, __ATOMIC_RELEASE);
	PORT_LOG(INFO, "%s: ethdev %u (%s), %u rx / %u tx queues%s%s%s%s%s",
		 c->name, id, name, c->rx_queues, c->tx_queues,
		 p->txq_shared ? ", tx queues shared by workers" : "",
		 vunet_port_has(p, VUNET_CAP_VLAN_INSERT) ?
		 ", VLAN insert" : "",
		 vunet_port_has(p, VUNET_CAP_VLAN_STRIP) ?
		 ", VLAN strip" : "",
		 vunet_port_has(p, VUNET_CAP_CSUM_OUT) ?
		 ", checksum offload" : "",
		 vunet_port_has(p, VUNET_CAP_TSO_OUT) ? ", TSO" : "");
	return 0;
}

static void
eth_destroy(struct vunet_port *p)
{
	const struct vunet_port_env *env = vunet_port_env();
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	__atomic_store_n(&p->eth_up, false, __ATOMIC_RELEASE);
	if (env->qsbr != NULL)
		rte_rcu_qsbr_synchronize(env->qsbr, RTE_QSBR_THRID_INVALID);
	if (rte_eth_dev_info_get(p->eth_id, &info) == 0)
		dev = info.device;
	rte_eth_dev_stop(p->eth_id);
	rte_eth_dev_close(p->eth_id);
	if (priv(p)->probed && dev != NULL)
		rte_dev_remove(dev);
}

static void
eth_info(const struct vunet_port *p, struct vunet_port_info *i)
{
	struct rte_eth_link link;

	/* a device that cannot tell is taken to be up */
	if (i->state == VUNET_PORT_UP)
		i->link_down = rte_eth_link_get_nowait(p->eth_id, &link) == 0 &&
			       link.link_status == RTE_ETH_LINK_DOWN;
}

static void
eth_describe(const struct vunet_port *p, bool detail,
	     struct vunet_port_fields *f)
{
	struct vunet_port_info i;
	struct vunet_mac m;
	char *t;

	vunet_port_info(p, &i);
	vunet_port_field_str(f, "devargs", p->conf->devargs);
	t = vunet_port_field_text(f, "mac");
	if (t != NULL) {
		memcpy(m.b, p->mac.addr_bytes, sizeof(m.b));
		vunet_mac_format(&m, t, sizeof(f->text[0]));
	}
	vunet_port_field_num(f, "tx_queues", p->nb_txq);
	if (i.state == VUNET_PORT_UP)
		vunet_port_field_str(f, "link", i.link_down ? "down" : "up");
	if (p->conf->mtu != 0)
		vunet_port_field_num(f, "mtu", p->conf->mtu);
	/* what the device does of a guest's offloads */
	vunet_port_field_str(f, "tx_offloads",
			     vunet_port_has(p, VUNET_CAP_TSO_OUT) ?
			     "checksum tso" :
			     vunet_port_has(p, VUNET_CAP_CSUM_OUT) ?
			     "checksum" : "none");
	if (detail)
		vunet_port_field_num(f, "ethdev", p->eth_id);
}

/* a device: what probed it and how it was set up */
static bool
eth_same_device(const struct vunet_port_conf *a,
		const struct vunet_port_conf *b)
{
	return strcmp(a->devargs, b->devargs) == 0 &&
	       a->rx_queues == b->rx_queues && a->tx_queues == b->tx_queues &&
	       a->mtu == b->mtu && a->rx_desc == b->rx_desc &&
	       a->tx_desc == b->tx_desc && a->tx_offloads == b->tx_offloads;
}

int
vunet_port_mac_set(struct vunet_port *p, const struct rte_ether_addr *mac)
{
	struct rte_ether_addr m = *mac;
	int ret;

	if (p->type != VUNET_PORT_ETH)
		return -ENOTSUP;
	if (rte_is_same_ether_addr(&p->mac, mac))
		return 0;
	ret = rte_eth_dev_default_mac_addr_set(p->eth_id, &m);
	if (ret == 0)
		p->mac = m;
	return ret;
}

const struct vunet_port_ops vunet_port_eth_ops = {
	.create = eth_create,
	.destroy = eth_destroy,
	.info = eth_info,
	.describe = eth_describe,
	.same_device = eth_same_device,
};

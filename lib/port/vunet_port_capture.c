/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * dpdk-dumpcap captures ethdevs only, through rx/tx callbacks that
 * rte_pdump installs on an ethdev's queues; a vhost port is no ethdev. So
 * each vhost port gets a stand-in: a net_null device named
 * "net_null_vhost_<port>" with as many queues as the port has pairs,
 * never sent to or received from. The data path runs the stand-in's
 * callbacks on what the real port receives and sends (vunet_port.h), which
 * costs one load per burst while nobody captures. net_null because every
 * DPDK process has it: dumpcap (a secondary process) must attach the same
 * device to see it.
 */

#include <stdio.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "vunet_port_internal.h"

static void
remove_stand_in(uint16_t id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(id, &info) == 0 && info.device != NULL) {
		rte_eth_dev_close(id);
		rte_dev_remove(info.device);
	}
}

void
vunet_port_capture_attach(struct vunet_port *p)
{
	struct rte_eth_conf conf = { 0 };
	char name[RTE_ETH_NAME_MAX_LEN], devargs[RTE_ETH_NAME_MAX_LEN + 16];
	uint16_t id;
	int ret;

	p->cap_id = VUNET_NO_CAPTURE;
	snprintf(name, sizeof(name), "net_null_vhost_%s", p->conf->name);
	snprintf(devargs, sizeof(devargs), "%s,no-rx=1", name);
	if (rte_dev_probe(devargs) < 0 ||
	    rte_eth_dev_get_port_by_name(name, &id) != 0) {
		PORT_LOG(WARNING, "%s: no capture stand-in %s: dpdk-dumpcap "
			 "cannot see this port", p->conf->name, name);
		return;
	}
	/*
	 * Queues are configured, never set up: callbacks need only the
	 * count, and net_null 22.11 leaks what its queue set-up allocates.
	 */
	ret = rte_eth_dev_configure(id, p->nb_rxq, p->nb_rxq, &conf);
	if (ret == 0)
		ret = rte_eth_dev_start(id);
	if (ret != 0) {
		PORT_LOG(WARNING, "%s: capture stand-in %s: %s", p->conf->name,
			 name, rte_strerror(-ret));
		remove_stand_in(id);
		return;
	}
	p->cap_id = id;
}

void
vunet_port_capture_detach(struct vunet_port *p)
{
	if (p->cap_id == VUNET_NO_CAPTURE)
		return;
	rte_eth_dev_stop(p->cap_id);
	remove_stand_in(p->cap_id);
	p->cap_id = VUNET_NO_CAPTURE;
}

uint16_t
vunet_port_capture_rx(struct vunet_port *p, uint16_t q,
		      struct rte_mbuf **pkts, uint16_t got, uint16_t n)
{
	void *cb = __atomic_load_n((void **)
		&rte_eth_fp_ops[p->cap_id].rxq.clbk[q], __ATOMIC_RELAXED);

	if (cb == NULL)
		return got;
	return rte_eth_call_rx_callbacks(p->cap_id, q, pkts, got, n, cb);
}

void
vunet_port_capture_tx(struct vunet_port *p, uint16_t q,
		      struct rte_mbuf **pkts, uint16_t n)
{
	void *cb = __atomic_load_n((void **)
		&rte_eth_fp_ops[p->cap_id].txq.clbk[q], __ATOMIC_RELAXED);

	if (cb != NULL)
		rte_eth_call_tx_callbacks(p->cap_id, q, pkts, n, cb);
}

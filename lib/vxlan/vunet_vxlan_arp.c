/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <string.h>

#include <rte_common.h>

#include "vunet_vxlan_arp.h"

void
vunet_vxlan_arp_init(struct vunet_vxlan_arp *a, uint32_t local_ip,
		     uint32_t remote_ip, uint32_t next_hop)
{
	memset(a, 0, sizeof(*a));
	a->local_ip = local_ip;
	a->next_hop = next_hop;
	a->retry_ms = VUNET_ARP_RETRY_MS;
	a->via_gateway = next_hop != remote_ip;
}

const struct rte_arp_hdr *
vunet_vxlan_arp_parse(const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) +
	    sizeof(*arp) ||
	    *rte_pktmbuf_mtod_offset(m, const unaligned_uint16_t *, 12) !=
	    RTE_BE16(RTE_ETHER_TYPE_ARP))
		return NULL;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
				      sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha) ||
	    rte_is_zero_ether_addr(&arp->arp_data.arp_sha))
		return NULL;
	return arp;
}

bool
vunet_vxlan_arp_for_us(const struct vunet_vxlan_arp *a,
		       const struct rte_arp_hdr *arp)
{
	return arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	       arp->arp_data.arp_tip == a->local_ip;
}

void
vunet_vxlan_arp_nudge(struct vunet_vxlan_arp *a, const struct rte_arp_hdr *arp)
{
	if (a->remote_mac != 0 || arp->arp_data.arp_sip != a->next_hop ||
	    !vunet_vxlan_arp_for_us(a, arp))
		return;
	a->retry_ms = VUNET_ARP_RETRY_MS;
	a->asking = false;
	a->asked_ms = 0;
}

bool
vunet_vxlan_arp_due(struct vunet_vxlan_arp *a, uint64_t now_ms)
{
	if (now_ms - a->asked_ms < (a->remote_mac != 0 ?
				    VUNET_ARP_REFRESH_MS : a->retry_ms))
		return false;
	/* the last request went unanswered: wait longer for the next */
	if (a->remote_mac == 0 && a->asking)
		a->retry_ms = RTE_MIN(2 * a->retry_ms,
				      (uint32_t)VUNET_ARP_RETRY_MAX_MS);
	a->asked_ms = now_ms;
	a->asking = true;
	a->sent++;
	return true;
}

bool
vunet_vxlan_arp_awaits(const struct vunet_vxlan_arp *a,
		       const struct rte_ether_addr *our_mac,
		       const struct rte_arp_hdr *arp, uint64_t now_ms)
{
	return a->asking && now_ms - a->asked_ms <= VUNET_ARP_ANSWER_MS &&
	       arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) &&
	       arp->arp_data.arp_sip == a->next_hop &&
	       arp->arp_data.arp_tip == a->local_ip &&
	       rte_is_same_ether_addr(&arp->arp_data.arp_tha, our_mac);
}

void
vunet_vxlan_arp_join(struct vunet_vxlan_arp *a,
		     const struct vunet_vxlan_arp *asker, uint64_t asked_ms)
{
	if (a->next_hop != asker->next_hop || a->local_ip != asker->local_ip)
		return;
	a->asking = true;
	a->asked_ms = asked_ms;
}

enum vunet_arp_heard
vunet_vxlan_arp_heard(struct vunet_vxlan_arp *a,
		      const struct rte_ether_addr *our_mac,
		      const struct rte_arp_hdr *arp, uint64_t now_ms,
		      struct rte_ether_addr *was)
{
	uint64_t mac = 0;
	enum vunet_arp_heard h;

	if (!vunet_vxlan_arp_awaits(a, our_mac, arp, now_ms))
		return VUNET_ARP_NOT_OURS;
	a->asking = false;
	a->retry_ms = VUNET_ARP_RETRY_MS;
	memcpy(&mac, &arp->arp_data.arp_sha, RTE_ETHER_ADDR_LEN);
	memcpy(was, &a->remote_mac, RTE_ETHER_ADDR_LEN);
	h = a->remote_mac == 0 ? VUNET_ARP_RESOLVED :
	    mac != a->remote_mac ? VUNET_ARP_CHANGED : VUNET_ARP_CONFIRMED;
	__atomic_store_n(&a->remote_mac, mac, __ATOMIC_RELAXED);
	a->heard++;
	return h;
}

int
vunet_vxlan_arp_fill(struct rte_mbuf *m, uint16_t op,
		     const struct rte_ether_addr *sha, uint32_t sip,
		     const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
							 VUNET_ARP_FRAME_LEN);
	if (eth == NULL)
		return -1;
	memset(eth, 0, VUNET_ARP_FRAME_LEN);
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (tha == NULL)
		memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	else
		eth->dst_addr = *tha;
	eth->src_addr = *sha;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	arp->arp_data.arp_sip = sip;
	if (tha != NULL)
		arp->arp_data.arp_tha = *tha;
	arp->arp_data.arp_tip = tip;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_DROPS_H
#define VUNET_DROPS_H

/*
 * Why the switch dropped a packet: X(enum suffix, counter name, meaning).
 * The enum, the names counters are shown under and what they mean come
 * from this one list. Plain C, no DPDK: vunetctl shows operators the
 * meanings from it (vunetctl stats --drops).
 */
#define VUNET_DROPS(X) \
	X(SPOOF, spoofed_src, "source MAC not allowed on the port") \
	X(VLAN, tagged_on_access, "802.1Q-tagged on an access port (or twice " \
	  "on a trunk)") \
	X(VLAN_NOT_CARRIED, vlan_not_carried, "in a VLAN the trunk does not " \
	  "carry; untagged on a trunk without a native VLAN") \
	X(BAD_SRC, bad_src, "multicast or zero source MAC") \
	X(RUNT, runt, "shorter than an Ethernet header") \
	X(NO_DEST, no_dest, "not attached, or its destination is down") \
	X(SAME_PORT, same_port, "destination learned on the ingress port " \
	  "(or from a remote VTEP, on another one)") \
	X(TX_FULL, tx_full, "egress queue or guest ring full") \
	X(TX_NO_QUEUE, tx_no_queue, "egress port has no usable queue") \
	X(OVERSIZE, oversize, "longer than the port's MTU (+ header, tag)") \
	X(TX_OVERSIZE, tx_oversize, "longer than the egress port's MTU") \
	X(TX_CHAIN, tx_chain, "chained; the egress device sends no chains") \
	X(MAC_LIMIT, mac_limit, "a new source MAC on a port at its limit") \
	X(LINK_LOCAL, link_local, "to 01:80:c2:00:00:0x (STP, LACP, pause)") \
	X(FLOOD_RATE, flood_rate, "flooded frames above the port's rate") \
	X(NO_MBUF, no_mbuf, "no buffer or headroom for a frame's 802.1Q tag " \
	  "or VXLAN copy") \
	X(NOT_VXLAN, not_vxlan, "underlay: neither VXLAN to the local VTEP " \
	  "nor ARP") \
	X(VXLAN_BAD, vxlan_bad, "VXLAN: bad lengths, flags or outer IPv4 " \
	  "checksum, IPv4 options, a fragment") \
	X(VXLAN_VNI, vxlan_vni, "VXLAN: a VNI the bridge does not map") \
	X(VXLAN_VTEP, vxlan_vtep, "VXLAN: from an address not among the " \
	  "bridge's remotes") \
	X(ARP_RATE, arp_rate, "underlay: ARP beyond 1000 per second per " \
	  "worker") \
	X(ARP_BACKLOG, arp_backlog, "underlay: ARP while the control thread " \
	  "is behind") \
	X(GSO_BAD, gso_bad, "a guest's TSO frame or partial checksum that " \
	  "cannot be honoured: not TCP/UDP over IP, bad headers, gso_size 0, " \
	  "more than 64 segments")

#define VUNET_DROP_ENUM(e, name, why) VUNET_DROP_ ## e,
enum vunet_drop {
	VUNET_DROPS(VUNET_DROP_ENUM)
	VUNET_DROP_MAX
};
#undef VUNET_DROP_ENUM

#define VUNET_DROP_NAME(e, name, why) [VUNET_DROP_ ## e] = #name,
static const char *const vunet_drop_names[VUNET_DROP_MAX] = {
	VUNET_DROPS(VUNET_DROP_NAME)
};
#undef VUNET_DROP_NAME

#define VUNET_DROP_MEANING(e, name, why) [VUNET_DROP_ ## e] = why,
static const char *const vunet_drop_meanings[VUNET_DROP_MAX] = {
	VUNET_DROPS(VUNET_DROP_MEANING)
};
#undef VUNET_DROP_MEANING

#endif /* VUNET_DROPS_H */

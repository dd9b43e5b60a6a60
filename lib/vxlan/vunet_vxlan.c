/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* The VNI map and the outer-header template, built from configuration. */

#include <netinet/in.h>

#include "vunet_vxlan.h"

void
vunet_vxlan_vnis_build(const struct vunet_vxlan_conf *c,
		       struct vunet_vxlan_vnis *v)
{
	v->n = c->n_vnis;
	for (uint16_t i = 0; i < c->n_vnis; i++) {
		v->pairs[i].vni = VUNET_VXLAN_VNI_WORD(c->vnis[i].vni);
		v->pairs[i].vlan = c->vnis[i].vlan;
	}
}

void
vunet_vxlan_map_build(const struct vunet_vxlan_conf *c,
		      struct vunet_vxlan_map *map)
{
	memset(map, 0, sizeof(*map));
	vunet_vxlan_vnis_build(c, &map->vnis);
	for (uint16_t i = 0; i < map->vnis.n; i++)
		map->by_vlan[map->vnis.pairs[i].vlan] = map->vnis.pairs[i].vni;
}

void
vunet_vxlan_tmpl_init(struct vunet_vxlan_tmpl *t, uint32_t local_ip,
		      uint32_t remote_ip, uint16_t udp_port)
{
	memset(t, 0, sizeof(*t));
	t->ip.version_ihl = RTE_IPV4_VHL_DEF;
	t->ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	t->ip.time_to_live = 64;
	t->ip.next_proto_id = IPPROTO_UDP;
	t->ip.src_addr = local_ip;
	t->ip.dst_addr = remote_ip;
	t->udp_dst = rte_cpu_to_be_16(udp_port);
	/* per frame only the length changes: its sum is added to this */
	t->ip_sum = rte_raw_cksum(&t->ip, sizeof(t->ip));
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VXLAN_ARP_H
#define VUNET_VXLAN_ARP_H

/*
 * ARP on the underlay for one remote VTEP: whom to ask (the remote or its
 * gateway), when, and which answer to believe. A next hop's MAC is taken
 * only from the reply to our own outstanding request: any underlay host
 * could send a gratuitous one (issue 19). The caller owns the state and
 * sends the frames this fills; the control thread is its only writer,
 * workers read remote_mac.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * While the next hop does not answer: after 1 s, then twice as long each
 * time up to 16 s (a thousand remotes that are down must not keep the
 * underlay busy), back to 1 s when it asks for us itself.
 */
#define VUNET_ARP_RETRY_MS 1000
#define VUNET_ARP_RETRY_MAX_MS 16000
/*
 * Once it did: a real change (a replaced router, a moved host) is seen at
 * the next request, within this long.
 */
#define VUNET_ARP_REFRESH_MS 5000
#define VUNET_ARP_ANSWER_MS 1000  /* a reply later than this is not ours */
#define VUNET_ARP_FRAME_LEN 60    /* a minimal Ethernet frame, no FCS */

struct vunet_vxlan_arp {
	uint64_t remote_mac;     /* 0: not resolved (6 bytes, frame order) */
	uint32_t local_ip;       /* what we answer for and ask from */
	uint32_t next_hop;       /* whom we ask: the remote or a gateway */
	bool via_gateway;
	bool asking;             /* a request is unanswered */
	uint64_t asked_ms;       /* when the last one went */
	uint32_t retry_ms;       /* the wait while unanswered */
	uint32_t sent;
	uint32_t heard;
};

void vunet_vxlan_arp_init(struct vunet_vxlan_arp *a, uint32_t local_ip,
			  uint32_t remote_ip, uint32_t next_hop);

/* The ARP header of an Ethernet/IPv4 ARP frame from a unicast sender. */
const struct rte_arp_hdr *vunet_vxlan_arp_parse(const struct rte_mbuf *m);

/* Whether arp is a request for our local address (to be answered). */
bool vunet_vxlan_arp_for_us(const struct vunet_vxlan_arp *a,
			    const struct rte_arp_hdr *arp);

/*
 * A request for our address came from a's next hop, which a has not
 * resolved: it is up now, so ask it at once (its MAC is still taken only
 * from the reply to our request).
 */
void vunet_vxlan_arp_nudge(struct vunet_vxlan_arp *a,
			   const struct rte_arp_hdr *arp);

/* Whether a request is due at now; if so it is counted as sent. */
bool vunet_vxlan_arp_due(struct vunet_vxlan_arp *a, uint64_t now_ms);

enum vunet_arp_heard {
	VUNET_ARP_NOT_OURS,      /* says nothing about the next hop */
	VUNET_ARP_CONFIRMED,     /* the MAC we had */
	VUNET_ARP_RESOLVED,      /* the first MAC */
	VUNET_ARP_CHANGED,       /* another MAC than we had: *was */
};

/* Whether arp is the reply to a's outstanding request. */
bool vunet_vxlan_arp_awaits(const struct vunet_vxlan_arp *a,
			    const struct rte_ether_addr *our_mac,
			    const struct rte_arp_hdr *arp, uint64_t now_ms);

/*
 * Remotes behind one gateway share its answer: a, whose next hop is
 * asker's, takes the request asker sent at asked_ms as its own (then
 * vunet_vxlan_arp_heard believes the reply to it). Their requests fall
 * due together from then on, and one frame asks for all of them.
 */
void vunet_vxlan_arp_join(struct vunet_vxlan_arp *a,
			  const struct vunet_vxlan_arp *asker,
			  uint64_t asked_ms);

/*
 * A frame the underlay received: if it is the reply to our outstanding
 * request (from the address asked, to our address and our_mac, within
 * VUNET_ARP_ANSWER_MS), take the next hop's MAC from it.
 */
enum vunet_arp_heard vunet_vxlan_arp_heard(struct vunet_vxlan_arp *a,
					   const struct rte_ether_addr *our_mac,
					   const struct rte_arp_hdr *arp,
					   uint64_t now_ms,
					   struct rte_ether_addr *was);

/*
 * Fill the empty m with an ARP frame from sha: a broadcast request when
 * tha is NULL, else a reply to tha. -1 if m has no room.
 */
int vunet_vxlan_arp_fill(struct rte_mbuf *m, uint16_t op,
			 const struct rte_ether_addr *sha, uint32_t sip,
			 const struct rte_ether_addr *tha, uint32_t tip);

#endif /* VUNET_VXLAN_ARP_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <string.h>

#include "vunet_seg.h"

#define ETHER_HLEN 14u
#define VLAN_HLEN 4u
#define IPV4_MIN 20u
#define IPV6_HLEN 40u
#define TCP_MIN 20u
#define PROTO_TCP 6
#define PROTO_UDP 17
#define UDP_HLEN 8u
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static void
put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

/* An IPv4 header's checksum over len bytes (its own field 0). */
static uint16_t
ipv4_cksum(const uint8_t *h, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv6 next headers that are extension headers (RFC 8200 4., 7045). */
static bool
ipv6_extension(uint8_t next)
{
	return next == 0 || next == 43 || next == 44 || next == 50 ||
	       next == 51 || next == 60 || next == 135 || next == 139 ||
	       next == 140 || next == 253 || next == 254;
}

/* The IP header at l->l3_off: l4_off, proto and len set. */
static enum vunet_seg_error
locate_ip(const uint8_t *hdr, uint32_t avail, uint32_t frame_len,
	  struct vunet_l4 *l)
{
	const uint8_t *ip = hdr + l->l3_off;
	uint32_t ihl, ip_len;

	if (l->ipv6) {
		if (avail < l->l3_off + IPV6_HLEN || ip[0] >> 4 != 6)
			return VUNET_SEG_BAD_IP;
		if (ipv6_extension(ip[6]))
			return VUNET_SEG_NOT_IP;
		ihl = IPV6_HLEN;
		ip_len = IPV6_HLEN + be16(ip + 4);
		l->proto = ip[6];
	} else {
		if (avail < l->l3_off + IPV4_MIN || ip[0] >> 4 != 4)
			return VUNET_SEG_BAD_IP;
		ihl = (ip[0] & 0x0fu) * 4u;
		ip_len = be16(ip + 2);
		l->proto = ip[9];
		/* a fragment's L4 header is not in every fragment */
		if (ihl < IPV4_MIN || avail < l->l3_off + ihl ||
		    (be16(ip + 6) & 0x3fff) != 0 || ip_len < ihl)
			return VUNET_SEG_BAD_IP;
	}
	if (l->proto != PROTO_TCP && l->proto != PROTO_UDP)
		return VUNET_SEG_NOT_TCP;
	if (l->l3_off + ip_len > frame_len ||
	    ip_len < ihl + (l->proto == PROTO_TCP ? TCP_MIN : UDP_HLEN))
		return VUNET_SEG_BAD_IP;
	l->l4_off = (uint16_t)(l->l3_off + ihl);
	l->len = l->l3_off + ip_len;
	if (avail < l->l4_off + (l->proto == PROTO_TCP ? TCP_MIN : UDP_HLEN))
		return l->proto == PROTO_TCP ? VUNET_SEG_BAD_TCP :
		       VUNET_SEG_BAD_IP;
	return VUNET_SEG_OK;
}

enum vunet_seg_error
vunet_l4_locate(const uint8_t *hdr, uint32_t avail, uint32_t frame_len,
		struct vunet_l4 *l)
{
	uint32_t type;

	memset(l, 0, sizeof(*l));
	if (avail > frame_len)
		avail = frame_len;
	if (avail < ETHER_HLEN)
		return VUNET_SEG_NOT_IP;
	l->l3_off = ETHER_HLEN;
	type = be16(hdr + 12);
	/* one 802.1Q or 802.1ad tag: a trunk's frame is tagged by now */
	if (type == 0x8100 || type == 0x88a8) {
		if (avail < ETHER_HLEN + VLAN_HLEN)
			return VUNET_SEG_NOT_IP;
		l->l3_off += VLAN_HLEN;
		type = be16(hdr + 16);
	}
	if (type != 0x0800 && type != 0x86dd)
		return VUNET_SEG_NOT_IP;
	l->ipv6 = type == 0x86dd;
	return locate_ip(hdr, avail, frame_len, l);
}

enum vunet_seg_error
vunet_seg_plan(const uint8_t *hdr, uint32_t avail, uint32_t frame_len,
	       uint16_t mss, uint32_t ip_mtu, struct vunet_seg_plan *p)
{
	enum vunet_seg_error e;
	struct vunet_l4 l;
	uint32_t doff;

	memset(p, 0, sizeof(*p));
	if (avail > frame_len)
		avail = frame_len;
	e = vunet_l4_locate(hdr, avail, frame_len, &l);
	if (e != VUNET_SEG_OK)
		return e;
	if (l.proto != PROTO_TCP)
		return VUNET_SEG_NOT_TCP;
	doff = (hdr[l.l4_off + 12] >> 4) * 4u;
	if (doff < TCP_MIN || l.l4_off + doff > l.len ||
	    l.l4_off + doff > avail)
		return VUNET_SEG_BAD_TCP;
	/* what each segment's IP packet carries besides payload */
	if (ip_mtu != 0 && l.l4_off + doff - l.l3_off + mss > ip_mtu)
		mss = ip_mtu > l.l4_off + doff - l.l3_off ?
		      (uint16_t)(ip_mtu - (l.l4_off + doff - l.l3_off)) : 0;
	if (mss == 0)
		return VUNET_SEG_BAD_MSS;
	p->l3_off = l.l3_off;
	p->l4_off = l.l4_off;
	p->ipv6 = l.ipv6;
	p->hdr_len = (uint16_t)(l.l4_off + doff);
	p->len = l.len;
	p->payload = p->len - p->hdr_len;
	p->mss = mss;
	if ((p->payload + mss - 1) / mss > VUNET_SEG_MAX)
		return VUNET_SEG_TOO_MANY;
	p->n = p->payload == 0 ? 1 : (uint16_t)((p->payload + mss - 1) / mss);
	return VUNET_SEG_OK;
}

uint32_t
vunet_seg_payload(const struct vunet_seg_plan *p, uint16_t i, uint32_t *off)
{
	uint32_t done = (uint32_t)i * p->mss;

	*off = p->hdr_len + done;
	if (done >= p->payload)
		return 0;
	return p->payload - done < p->mss ? p->payload - done : p->mss;
}

void
vunet_seg_header(const struct vunet_seg_plan *p, const uint8_t *hdr,
		 uint16_t i, uint8_t *out)
{
	uint8_t *ip = out + p->l3_off, *tcp = out + p->l4_off;
	uint32_t off, seg = vunet_seg_payload(p, i, &off);
	uint32_t l4 = p->hdr_len - p->l4_off;

	memcpy(out, hdr, p->hdr_len);
	if (p->ipv6) {
		put16(ip + 4, l4 + seg);
	} else {
		put16(ip + 2, (uint32_t)(p->l4_off - p->l3_off) + l4 + seg);
		put16(ip + 4, be16(ip + 4) + i);
		put16(ip + 10, 0);
		put16(ip + 10, ipv4_cksum(ip, p->l4_off - p->l3_off));
	}
	put32(tcp + 4, be32(tcp + 4) + (uint32_t)i * p->mss);
	if (i + 1 < p->n)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		tcp[13] &= (uint8_t)~TCP_CWR;
	put16(tcp + 16, 0);
}

const char *
vunet_seg_error_text(enum vunet_seg_error e)
{
#define TEXT(k, why) [VUNET_SEG_ ## k] = why,
	static const char *const texts[VUNET_SEG_ERROR_MAX] = {
		[VUNET_SEG_OK] = "fit to segment",
		VUNET_SEG_ERRORS(TEXT)
	};
#undef TEXT

	return (unsigned int)e < VUNET_SEG_ERROR_MAX ? texts[e] : "?";
}

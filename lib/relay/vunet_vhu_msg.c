/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <string.h>
#include <unistd.h>

#include "vunet_vhu_msg.h"


size_t
vunet_vhu_want(const struct vunet_vhu_msg *m)
{
	uint32_t size;

	if (m->len < VUNET_VHU_HDR)
		return VUNET_VHU_HDR - m->len;
	size = vunet_vhu_size(m);
	if (size > VUNET_VHU_MAX_PAYLOAD)
		return 0;
	return VUNET_VHU_HDR + size - m->len;
}

enum vunet_vhu_state
vunet_vhu_got(struct vunet_vhu_msg *m, size_t n)
{
	m->len += (uint32_t)n;
	if (m->len < VUNET_VHU_HDR)
		return VUNET_VHU_MORE;
	if (vunet_vhu_size(m) > VUNET_VHU_MAX_PAYLOAD)
		return VUNET_VHU_TOO_BIG;
	return m->len == VUNET_VHU_HDR + vunet_vhu_size(m) ? VUNET_VHU_DONE :
	       VUNET_VHU_MORE;
}

#define ANY 0, 0
#define NONE 3, 0
#define VF(bit) 1, bit
#define PF(bit) 2, bit
#define REGIONS -1

struct request_rule {
	const char *name;
	uint8_t admit;           /* 0 any, 1 virtio feature, 2 protocol, 3 none */
	uint8_t bit;
	bool reply;
	int8_t fds;
};

#define RULE_(name, num, kind, bit, reply, fds) \
	[num] = { #name, kind, bit, reply, fds },
#define RULE(name, num, admit, reply, fds) RULE_(name, num, admit, reply, fds)
static const struct request_rule rules[VUNET_VHU_REQUEST_MAX] = {
	VUNET_VHU_REQUESTS(RULE)
};
#undef RULE
#undef RULE_

uint64_t
vunet_vhu_admitted(uint64_t features, uint64_t protocol_features)
{
	uint64_t set = 0;

	for (unsigned int r = 0; r < VUNET_VHU_REQUEST_MAX; r++) {
		const struct request_rule *x = &rules[r];
		bool ok = x->name != NULL &&
			  (x->admit == 0 ||
			   (x->admit == 1 && (features >> x->bit & 1)) ||
			   (x->admit == 2 && (protocol_features >> x->bit & 1)));

		if (ok)
			set |= 1ULL << r;
	}
	return set;
}

const char *
vunet_vhu_name(uint32_t request)
{
	return request < VUNET_VHU_REQUEST_MAX ? rules[request].name : NULL;
}

bool
vunet_vhu_replies(uint32_t request)
{
	return request < VUNET_VHU_REQUEST_MAX && rules[request].reply;
}

int
vunet_vhu_fd_limit(const struct vunet_vhu_msg *m)
{
	uint32_t request = vunet_vhu_request(m), nregions;

	if (request >= VUNET_VHU_REQUEST_MAX)
		return 0;
	if (rules[request].fds != REGIONS)
		return rules[request].fds;
	/* VhostUserMemory: u32 nregions first */
	if (vunet_vhu_size(m) < sizeof(nregions))
		return 0;
	memcpy(&nregions, m->buf + VUNET_VHU_HDR, sizeof(nregions));
	return nregions > VUNET_VHU_MAX_FDS ? VUNET_VHU_MAX_FDS : (int)nregions;
}

/* VhostUserMemoryRegion: guest_phys_addr, memory_size, userspace_addr,
 * mmap_offset */
static bool
region_ok(const uint8_t *r)
{
	uint64_t gpa, size, uaddr, off;

	memcpy(&gpa, r, 8);
	memcpy(&size, r + 8, 8);
	memcpy(&uaddr, r + 16, 8);
	memcpy(&off, r + 24, 8);
	return size != 0 && off < -size && gpa <= UINT64_MAX - size &&
	       uaddr <= UINT64_MAX - size;
}

bool
vunet_vhu_regions_ok(const struct vunet_vhu_msg *m)
{
	const uint8_t *p = m->buf + VUNET_VHU_HDR;
	uint32_t size = vunet_vhu_size(m), n;

	switch (vunet_vhu_request(m)) {
	case VUNET_VHU_SET_MEM_TABLE:
		/* VhostUserMemory: u32 nregions, u32 padding, regions */
		if (size < 8)
			return false;
		memcpy(&n, p, sizeof(n));
		if (n == 0 || n > VUNET_VHU_MAX_FDS || size < 8 + 32 * n)
			return false;
		for (uint32_t i = 0; i < n; i++)
			if (!region_ok(p + 8 + 32 * i))
				return false;
		return true;
	case VUNET_VHU_ADD_MEM_REG:
		/* u64 padding, one region */
		return size >= 40 && region_ok(p + 8);
	default:
		return true;
	}
}

bool
vunet_vhu_add_fds(struct vunet_vhu_msg *m, const int *fds, int n_new)
{
	bool all = true;

	for (int i = 0; i < n_new; i++) {
		if (m->n_fds < VUNET_VHU_MAX_FDS) {
			m->fds[m->n_fds++] = fds[i];
		} else {
			close(fds[i]);
			all = false;
		}
	}
	return all;
}

int
vunet_vhu_trim_fds(struct vunet_vhu_msg *m)
{
	int limit = vunet_vhu_fd_limit(m), closed = 0;

	while (m->n_fds > limit) {
		close(m->fds[--m->n_fds]);
		closed++;
	}
	return closed;
}

void
vunet_vhu_reset(struct vunet_vhu_msg *m)
{
	for (int i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	m->n_fds = 0;
	m->len = 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <string.h>
#include <unistd.h>

#include "vunet_vhu_msg.h"

/* Front-end requests that pass descriptors (vhost-user.rst). */
#define VHU_SET_MEM_TABLE 5
#define VHU_SET_LOG_BASE 6
#define VHU_SET_LOG_FD 7
#define VHU_SET_VRING_KICK 12
#define VHU_SET_VRING_CALL 13
#define VHU_SET_VRING_ERR 14
#define VHU_SET_BACKEND_REQ_FD 21
#define VHU_SET_INFLIGHT_FD 32
#define VHU_ADD_MEM_REG 37
#define VHU_SET_DEVICE_STATE_FD 42

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

int
vunet_vhu_fd_limit(const struct vunet_vhu_msg *m)
{
	uint32_t nregions;

	switch (vunet_vhu_request(m)) {
	case VHU_SET_MEM_TABLE:
		/* VhostUserMemory: u32 nregions first */
		if (vunet_vhu_size(m) < sizeof(nregions))
			return 0;
		memcpy(&nregions, m->buf + VUNET_VHU_HDR, sizeof(nregions));
		return nregions > VUNET_VHU_MAX_FDS ? VUNET_VHU_MAX_FDS :
		       (int)nregions;
	case VHU_SET_LOG_BASE:
	case VHU_SET_LOG_FD:
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
	case VHU_SET_BACKEND_REQ_FD:
	case VHU_SET_INFLIGHT_FD:
	case VHU_ADD_MEM_REG:
	case VHU_SET_DEVICE_STATE_FD:
		return 1;
	default:
		return 0;
	}
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
	case VHU_SET_MEM_TABLE:
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
	case VHU_ADD_MEM_REG:
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

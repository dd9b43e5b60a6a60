/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vunet_fd.h"
#include "vunet_memguard.h"
#include "vunet_vhu_fds.h"

static const char *
kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "a descriptor that cannot be read";
	if (S_ISSOCK(st.st_mode))
		return "a socket";
	if (S_ISFIFO(st.st_mode))
		return "a pipe";
	if (S_ISREG(st.st_mode))
		return "a regular file";
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return "a device";
	return "a descriptor of another kind";
}

/* kick, call, error: an eventfd; the call one must never block a worker */
static int
check_eventfd(int fd, bool call, const char *what, char *why, size_t len)
{
	if (!vunet_fd_is_eventfd(fd)) {
		snprintf(why, len, "%s is %s, not an eventfd", what, kind(fd));
		return -1;
	}
	if (call && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(why, len, "%s cannot be made non-blocking: %s", what,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A file rte_vhost maps from 0 to offset + size (rounded up to the file's
 * block size, as it does) and reads from offset on.
 */
static int
check_memory(int fd, uint64_t offset, uint64_t size, unsigned int slot,
	     uint32_t gen, const char *what, char *why, size_t len)
{
	uint64_t need, blk, map;
	struct stat st;
	void *probe;
	int seals;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s is %s, not a memory file", what,
			 kind(fd));
		return -1;
	}
	if (size == 0 || offset > UINT64_MAX - size) {
		snprintf(why, len, "%s: offset %" PRIu64 " and size %" PRIu64
			 " cannot be mapped", what, offset, size);
		return -1;
	}
	need = offset + size;
	if ((uint64_t)st.st_size < need) {
		snprintf(why, len, "%s: the file has %" PRIu64 " bytes, the "
			 "region needs %" PRIu64, what, (uint64_t)st.st_size,
			 need);
		return -1;
	}
	/* a memfd that allows it is sealed: it can never shrink again */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && !(seals & (F_SEAL_SHRINK | F_SEAL_SEAL)))
		fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
	/* the rest (hugetlbfs, tmpfs, disks; holes) is the guard's */
	blk = st.st_blksize > 0 ? (uint64_t)st.st_blksize : 4096;
	vunet_memguard_add(slot, gen, st.st_dev, st.st_ino, blk);
	map = (need + blk - 1) / blk * blk;
	if (map < need || map > SIZE_MAX) {
		snprintf(why, len, "%s: %" PRIu64 " bytes cannot be mapped",
			 what, need);
		return -1;
	}
	probe = mmap(NULL, (size_t)map, PROT_READ | PROT_WRITE, MAP_SHARED,
		     fd, 0);
	if (probe == MAP_FAILED) {
		snprintf(why, len, "%s: %" PRIu64 " bytes cannot be mapped: %s",
			 what, map, strerror(errno));
		return -1;
	}
	munmap(probe, (size_t)map);
	return 0;
}

static uint64_t
u64_at(const struct vunet_vhu_msg *m, size_t off)
{
	uint64_t v = 0;

	if (VUNET_VHU_HDR + off + sizeof(v) <= m->len)
		memcpy(&v, m->buf + VUNET_VHU_HDR + off, sizeof(v));
	return v;
}

int
vunet_vhu_check_fds(struct vunet_vhu_msg *m, unsigned int slot, uint32_t gen,
		    char *why, size_t len)
{
	uint32_t request = vunet_vhu_request(m);
	char what[48];
	struct stat st;

	switch (request) {
	case VUNET_VHU_SET_VRING_KICK:
	case VUNET_VHU_SET_VRING_CALL:
	case VUNET_VHU_SET_VRING_ERR:
	case VUNET_VHU_SET_LOG_FD:
		if (m->n_fds == 0)
			return 0;   /* NOFD, or rte_vhost refuses it */
		snprintf(what, sizeof(what), "%s's descriptor",
			 vunet_vhu_name(request));
		return check_eventfd(m->fds[0],
				     request == VUNET_VHU_SET_VRING_CALL,
				     what, why, len);
	case VUNET_VHU_SET_MEM_TABLE:
		/* regions_ok: as many regions as descriptors, whole */
		for (int i = 0; i < m->n_fds; i++) {
			/* VhostUserMemoryRegion at 8 + 32 i: gpa, size, uaddr,
			 * mmap_offset */
			snprintf(what, sizeof(what), "memory region %d", i);
			if (check_memory(m->fds[i], u64_at(m, 8 + 32 * i + 24),
					 u64_at(m, 8 + 32 * i + 8), slot, gen,
					 what, why, len) < 0)
				return -1;
		}
		return 0;
	case VUNET_VHU_SET_LOG_BASE:
		/* VhostUserLog: mmap_size, mmap_offset */
		if (m->n_fds == 0)
			return 0;
		return check_memory(m->fds[0], u64_at(m, 8), u64_at(m, 0),
				    slot, gen, "the dirty log", why, len);
	case VUNET_VHU_SET_BACKEND_REQ_FD:
		if (m->n_fds > 0 && (fstat(m->fds[0], &st) < 0 ||
				     !S_ISSOCK(st.st_mode))) {
			snprintf(why, len, "the back-end channel is %s, not "
				 "a socket", kind(m->fds[0]));
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

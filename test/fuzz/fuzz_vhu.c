/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * libFuzzer target: the relay's reading of an untrusted front-end's bytes
 * (lib/relay/vunet_vhu_msg.c). The input is a sequence of socket reads:
 * a byte giving the read's length (1..64) and how many descriptors came
 * with it (0, 4, 8 or 12), then its bytes. The descriptors are of every
 * kind a front-end can pass (eventfd, pipe, socket, regular file, a memfd
 * shorter and one longer than any region, /dev/null), the kind of each
 * taken from the input too. Each read takes at most what the message in
 * progress still wants, as the relay's do. Checked: no message grows past
 * its header's size, a complete one keeps at most the descriptors its
 * request may carry, its descriptors are judged (vunet_vhu_check_fds)
 * without a crash, and no descriptor is ever leaked.
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vunet_vhu_fds.h"
#include "vunet_vhu_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* one descriptor of kind k; its other end, if any, is closed at once */
static int
open_kind(unsigned int k)
{
	int p[2], fd;

	switch (k % 7) {
	case 0:
		return eventfd(0, EFD_CLOEXEC);
	case 1:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[0]);
		return p[1];
	case 2:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		close(p[1]);
		return p[0];
	case 3:
		return open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	case 4:
	case 5:
		fd = memfd_create("guest", MFD_CLOEXEC |
				  (k & 8 ? MFD_ALLOW_SEALING : 0));
		if (fd >= 0 && ftruncate(fd, k % 7 == 4 ? 4096 : 1 << 24) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	default:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	}
}

static int
open_fds(int *fds, int n, unsigned int kinds)
{
	for (int i = 0; i < n; i++) {
		fds[i] = open_kind(kinds + (unsigned int)i * 3);
		if (fds[i] < 0)
			abort();
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vunet_vhu_msg m;
	/* the lowest free descriptor: it must be free again at the end */
	int first = open("/dev/null", O_RDONLY | O_CLOEXEC), probe;
	size_t off = 0;

	close(first);
	memset(&m, 0, sizeof(m));
	while (off < size) {
		size_t len = (data[off] & 0x3f) + 1, want;
		int fds[12], n = open_fds(fds, (data[off] >> 6) * 4,
					  (unsigned int)off * 5 + data[off]);

		off++;
		want = vunet_vhu_want(&m);
		if (want == 0) {
			for (int i = 0; i < n; i++)
				close(fds[i]);
			vunet_vhu_reset(&m);
			continue;
		}
		if (len > want)
			len = want;
		if (len > size - off)
			len = size - off;
		memcpy(m.buf + m.len, data + off, len);
		off += len;
		vunet_vhu_add_fds(&m, fds, n);
		if (m.n_fds > VUNET_VHU_MAX_FDS)
			abort();
		switch (vunet_vhu_got(&m, len)) {
		case VUNET_VHU_TOO_BIG:
			vunet_vhu_reset(&m);
			break;
		case VUNET_VHU_DONE:
			if (m.len != VUNET_VHU_HDR + vunet_vhu_size(&m))
				abort();
			vunet_vhu_regions_ok(&m);
			vunet_vhu_trim_fds(&m);
			if (m.n_fds > vunet_vhu_fd_limit(&m))
				abort();
			{
				char why[256] = "";

				vunet_vhu_admitted(UINT64_MAX, UINT64_MAX);
				vunet_vhu_name(vunet_vhu_request(&m));
				if (vunet_vhu_check_fds(&m, 0, 1, why,
							sizeof(why)) < 0 &&
				    why[0] == '\0')
					abort(); /* a refusal says why */
			}
			vunet_vhu_reset(&m);
			break;
		case VUNET_VHU_MORE:
			if (m.len > VUNET_VHU_HDR + VUNET_VHU_MAX_PAYLOAD)
				abort();
			break;
		}
	}
	vunet_vhu_reset(&m);
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (probe != first)
		abort();      /* a descriptor was leaked */
	close(probe);
	return 0;
}

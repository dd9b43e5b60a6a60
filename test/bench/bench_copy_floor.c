/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The floor under a 64 000-byte TSO frame's trip from guest to guest: the
 * two copies rte_vhost makes of it, alone (doc/performance.md, "64 KB TSO
 * frames"). rte_memcpy, as rte_vhost copies: the guest's buffer into 5
 * mbufs of 16 KB (dequeue into tso_mbufs), then into 2 KB receive buffers
 * after their 12-byte virtio-net header (enqueue, mergeable), as many
 * frames apart as the rings hold, so the caches see what the switch sees.
 * Prints TSC cycles per frame.
 *
 * Usage: bench_copy_floor GUEST_FRAMES MBUF_FRAMES [ROUNDS]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_memcpy.h>

#define FRAME 64000u
#define SLOT 65536u                     /* a guest's transmit buffer */
#define MBUF 16384u
#define RX_BUF 2048u
#define RX_HDR 12u
#define RX_BUFS ((FRAME + RX_BUF - RX_HDR - 1) / (RX_BUF - RX_HDR))

int
main(int argc, char **argv)
{
	size_t n_guest = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	size_t n_mbuf = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	unsigned long rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
	char *tx, *mb, *rx;
	uint64_t start;

	if (n_guest == 0 || n_mbuf == 0 || rounds == 0) {
		fprintf(stderr, "usage: bench_copy_floor GUEST_FRAMES "
			"MBUF_FRAMES [ROUNDS]\n");
		return 2;
	}
	tx = aligned_alloc(64, n_guest * SLOT);
	mb = aligned_alloc(64, n_mbuf * 5 * MBUF);
	rx = aligned_alloc(64, n_guest * RX_BUFS * RX_BUF);
	if (tx == NULL || mb == NULL || rx == NULL)
		return 1;
	memset(tx, 1, n_guest * SLOT);
	memset(mb, 2, n_mbuf * 5 * MBUF);
	memset(rx, 3, n_guest * RX_BUFS * RX_BUF);
	start = rte_rdtsc();
	for (unsigned long i = 0; i < rounds; i++) {
		const char *s = tx + (i % n_guest) * SLOT;
		char *m = mb + (i % n_mbuf) * 5 * MBUF;
		char *d = rx + (i % n_guest) * RX_BUFS * RX_BUF;

		for (uint32_t off = 0; off < FRAME; off += MBUF)
			rte_memcpy(m + off, s + off, RTE_MIN(MBUF, FRAME - off));
		for (uint32_t off = 0, k = 0; off < FRAME;
		     off += RX_BUF - RX_HDR, k++)
			rte_memcpy(d + k * RX_BUF + RX_HDR, m + off,
				   RTE_MIN(RX_BUF - RX_HDR, FRAME - off));
	}
	printf("%zu guest frames, %zu in mbufs: %.0f TSC cycles per frame\n",
	       n_guest, n_mbuf,
	       (double)(rte_rdtsc() - start) / (double)rounds);
	free(tx);
	free(mb);
	free(rx);
	return 0;
}

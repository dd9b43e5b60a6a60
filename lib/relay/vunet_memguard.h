/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_MEMGUARD_H
#define VUNET_MEMGUARD_H

/*
 * Guest memory whose file the front-end can still shrink.
 *
 * rte_vhost maps the files a front-end passes (memory regions, the dirty
 * log) and workers and rte_vhost read and write them. A page past the end
 * of a file raises SIGBUS, which kills the whole process: one tenant
 * would take every other down by cutting its own file. A memfd is sealed
 * against shrinking before rte_vhost sees it (vunet_vhu_fds.c); a file
 * that cannot be sealed (hugetlbfs, tmpfs, a disk) is registered here by
 * device and inode, and a SIGBUS inside a mapping of one of them is
 * answered by mapping anonymous memory over the rest of that mapping (the
 * access is retried and reads zeros) and marking the port that passed it,
 * whose front-end the relay then cuts. A SIGBUS anywhere else kills the
 * process as before.
 *
 * Registered files are identified by device and inode, not by address,
 * because rte_vhost maps them after the relay has passed them on and
 * tells nobody where; the handler finds the faulting mapping's file in
 * /proc/self/maps.
 */

#include <stdint.h>
#include <sys/types.h>

/* Install the SIGBUS handler (once per process). 0 or -errno. */
int vunet_memguard_init(void);

/*
 * A guest file of port slot (generation gen) with pages of blksize bytes.
 * Each slot remembers its most recent files; older ones, unmapped by
 * rte_vhost long since, are forgotten.
 */
void vunet_memguard_add(unsigned int slot, uint32_t gen, dev_t dev, ino_t ino,
			uint64_t blksize);

/*
 * Whether a file of slot's generation gen faulted since the last call
 * (which clears it).
 */
int vunet_memguard_faulted(unsigned int slot, uint32_t gen);

/* How many faults were answered, for tests and the exit report. */
uint64_t vunet_memguard_faults(void);

#endif /* VUNET_MEMGUARD_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VHU_FDS_H
#define VUNET_VHU_FDS_H

/*
 * What the descriptors a front-end passes must be before rte_vhost takes
 * them. rte_vhost 22.11 trusts every one: it writes interrupts into a
 * call descriptor from the worker (a blocking eventfd at its maximum, a
 * pipe nobody reads or a socket would freeze the worker; a regular file
 * would grow), and maps memory files for as long as their size says
 * nothing (a file shorter than its region, or cut later, raises SIGBUS in
 * whoever touches the missing page). So:
 *
 * - kick, call and error descriptors (and SET_LOG_FD's) must be eventfds;
 *   call descriptors are made non-blocking;
 * - memory regions and the dirty log must be regular files at least as
 *   long as what is mapped of them, and must map (checked by mapping them
 *   as rte_vhost will, then unmapping): a memory table rte_vhost cannot
 *   map makes it unmap the running one first and leaves the rings
 *   pointing at nothing;
 * - a memfd not sealed against shrinking is sealed; every memory file is
 *   also given to the SIGBUS guard (vunet_memguard.h), for the files that
 *   cannot be sealed;
 * - the back-end request channel must be a socket.
 */

#include <stddef.h>
#include <stdint.h>

#include "vunet_vhu_msg.h"

/*
 * Check a complete message's descriptors (after vunet_vhu_trim_fds) for
 * relay port slot, generation gen. 0, or -1 with the reason in why.
 */
int vunet_vhu_check_fds(struct vunet_vhu_msg *m, unsigned int slot,
			uint32_t gen, char *why, size_t len);

#endif /* VUNET_VHU_FDS_H */

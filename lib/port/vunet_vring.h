/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_VRING_H
#define VUNET_VRING_H

/*
 * Where a packed ring stands, read from its descriptors' flags.
 *
 * After a back-end dies, QEMU (7.2 at least) cannot read a packed ring's
 * position back from guest memory as it does for a split ring's used
 * index: it gives the next back-end the position it had at start-up, and
 * the ring stalls until the guest resets the device. The ring itself
 * tells the truth: the device returns buffers in order, so the first
 * descriptor the driver made available and the device has not used, or,
 * with none pending, the place where the used flags change lap, is where
 * the device stands.
 *
 * Positions are vhost-user's: bits 0-14 the index, bit 15 the wrap
 * counter. Pure C; guest memory is read with atomic loads of the flags.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#define VUNET_VRING_WRAP (1u << 15)

/*
 * Could the device stand at pos? False when the descriptor there was
 * already used in that lap or is pending in another, or the one before it
 * was used in another lap: what a stale position looks like. A stale
 * position that falls inside the pending descriptors is not seen (it
 * looks like a migrated ring's, which is right).
 */
bool vunet_packed_ring_consistent(const struct vring_packed_desc *desc,
				  uint16_t size, uint16_t pos);

/*
 * Where the device stands by the flags. Assumes buffers of one descriptor
 * each (Linux's virtio-net: indirect tables and mergeable buffers), as
 * all vunet profiles' guests use.
 */
uint16_t vunet_packed_ring_position(const struct vring_packed_desc *desc,
				    uint16_t size);

#endif /* VUNET_VRING_H */

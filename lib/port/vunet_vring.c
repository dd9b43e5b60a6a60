/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* Finding a packed ring's position from its flags: see vunet_vring.h. */

#include "vunet_vring.h"

#define F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRING_PACKED_DESC_F_USED)

static unsigned int
flags_at(const struct vring_packed_desc *desc, uint16_t i)
{
	/* the driver writes the flags last, with a barrier before them */
	return __atomic_load_n(&desc[i].flags, __ATOMIC_ACQUIRE);
}

static bool
avail_bit(unsigned int f)
{
	return (f & F_AVAIL) != 0;
}

/* made available by the driver, not yet used by the device */
static bool
pending(unsigned int f)
{
	return avail_bit(f) != ((f & F_USED) != 0);
}

bool
vunet_packed_ring_consistent(const struct vring_packed_desc *desc,
			     uint16_t size, uint16_t pos)
{
	uint16_t i = pos & ~VUNET_VRING_WRAP;
	bool wrap = (pos & VUNET_VRING_WRAP) != 0;
	unsigned int f, prev;
	bool prev_lap;

	if (size == 0 || i >= size)
		return false;
	f = flags_at(desc, i);
	prev = flags_at(desc, i == 0 ? size - 1 : i - 1);
	prev_lap = i == 0 ? !wrap : wrap;
	/* here: pending in this lap, or still the previous lap's */
	if (pending(f) ? avail_bit(f) != wrap : avail_bit(f) == wrap)
		return false;
	/*
	 * the one before used in the other lap: the mark a start-up position
	 * leaves once the ring has gone round an odd number of times. One
	 * still pending is no proof: a migrated ring can show the last used
	 * flags of the source unwritten, and its position is right.
	 */
	return pending(prev) || avail_bit(prev) == prev_lap;
}

uint16_t
vunet_packed_ring_position(const struct vring_packed_desc *desc,
			   uint16_t size)
{
	uint16_t i, flip = 0;
	bool any_pending = false, all_pending = true, found_flip = false;
	unsigned int f, prev;

	if (size == 0)
		return VUNET_VRING_WRAP;
	prev = flags_at(desc, size - 1);
	for (i = 0; i < size; i++, prev = f) {
		f = flags_at(desc, i);
		if (pending(f)) {
			any_pending = true;
			/* the start of the pending run: the oldest one */
			if (!pending(prev))
				return i | (avail_bit(f) ?
					    VUNET_VRING_WRAP : 0);
		} else {
			all_pending = false;
		}
		if (i > 0 && !found_flip && avail_bit(f) != avail_bit(prev)) {
			flip = i;
			found_flip = true;
		}
	}
	if (any_pending && all_pending)   /* a whole ring posted */
		return flip | (avail_bit(flags_at(desc, flip)) ?
			       VUNET_VRING_WRAP : 0);
	/* none pending: the device stands where the used flags change lap */
	return flip | (avail_bit(flags_at(desc, flip)) ? 0 : VUNET_VRING_WRAP);
}

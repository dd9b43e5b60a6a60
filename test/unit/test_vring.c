/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * A packed ring's position found from its flags, on a model ring that a
 * driver fills and a device empties in order, for every position and
 * backlog: what QEMU's stale start-up position looks like after a
 * back-end dies, and what the flags say instead.
 */

#include <string.h>

#include "tap.h"
#include "vunet_vring.h"

#define F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRING_PACKED_DESC_F_USED)

struct model {
	struct vring_packed_desc desc[256];
	uint16_t size;
	uint16_t drv, dev;       /* next to post, next to use */
	bool drv_wrap, dev_wrap;
};

static void
model_init(struct model *m, uint16_t size)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->drv_wrap = m->dev_wrap = true;
}

static void
post(struct model *m)
{
	m->desc[m->drv].flags = m->drv_wrap ? F_AVAIL : F_USED;
	if (++m->drv == m->size) {
		m->drv = 0;
		m->drv_wrap = !m->drv_wrap;
	}
}

static void
use(struct model *m)
{
	m->desc[m->dev].flags = m->dev_wrap ? F_AVAIL | F_USED : 0;
	if (++m->dev == m->size) {
		m->dev = 0;
		m->dev_wrap = !m->dev_wrap;
	}
}

static uint16_t
device_pos(const struct model *m)
{
	return m->dev | (m->dev_wrap ? VUNET_VRING_WRAP : 0);
}

/* every amount of traffic, then every backlog the driver may leave */
static void
position_is_found_after_any_traffic(void)
{
	static const uint16_t sizes[] = { 1, 2, 8, 256 };
	struct model m;
	unsigned int bad = 0, runs = 0;

	for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint16_t n = sizes[s];

		for (unsigned int done = 0; done <= 3u * n; done++) {
			for (unsigned int back = 0; back <= n; back++) {
				model_init(&m, n);
				for (unsigned int k = 0; k < done; k++) {
					post(&m);
					use(&m);
				}
				for (unsigned int k = 0; k < back; k++)
					post(&m);
				runs++;
				if (vunet_packed_ring_position(m.desc, n) !=
				    device_pos(&m) ||
				    !vunet_packed_ring_consistent(m.desc, n,
						device_pos(&m)))
					bad++;
			}
		}
	}
	CHECK(runs > 1000);
	CHECK_EQ(bad, 0);
}

/*
 * QEMU's start-up position after traffic: seen as stale, unless the
 * driver's pending run reaches it (then the ring looks like a migrated
 * one: 3 of the 766 here)
 */
static void
stale_start_position_is_seen(void)
{
	struct model m;
	unsigned int missed = 0, stale = 0, hidden = 0;
	uint16_t n = 256;

	for (unsigned int done = 1; done < 3u * n; done++) {
		model_init(&m, n);
		for (unsigned int k = 0; k < done; k++) {
			post(&m);
			use(&m);
		}
		for (unsigned int k = 0; k < done % 7; k++)
			post(&m);
		/* two whole laps on, the start-up position is right again */
		if (done % (2u * n) == 0)
			continue;
		stale++;
		if (!vunet_packed_ring_consistent(m.desc, n, VUNET_VRING_WRAP))
			continue;
		missed++;
		/* the pending run reaches the start-up position */
		if (!(m.desc[n - 1].flags & F_AVAIL) !=
		    !(m.desc[n - 1].flags & F_USED))
			hidden++;
	}
	CHECK_EQ(stale, 766);
	CHECK_EQ(missed, hidden);
	CHECK_EQ(hidden, 3);
}

/* a migrated ring whose last used flags the source did not get across */
static void
migrated_position_behind_pending_is_kept(void)
{
	struct model m;

	model_init(&m, 256);
	for (int k = 0; k < 65; k++)
		post(&m);
	for (int k = 0; k < 55; k++)
		use(&m);
	/* the device used 55..64 too, but their flags never arrived */
	CHECK(vunet_packed_ring_consistent(m.desc, 256, 65 | VUNET_VRING_WRAP));
}

/* a fresh ring, and the shapes around the edges */
static void
fresh_and_edge_rings(void)
{
	struct model m;

	model_init(&m, 8);
	CHECK_EQ(vunet_packed_ring_position(m.desc, 8), VUNET_VRING_WRAP);
	CHECK(vunet_packed_ring_consistent(m.desc, 8, VUNET_VRING_WRAP));
	CHECK(!vunet_packed_ring_consistent(m.desc, 8, 0));
	CHECK(!vunet_packed_ring_consistent(m.desc, 8, 8));
	CHECK(!vunet_packed_ring_consistent(m.desc, 0, 0));
	/* a whole ring posted, none used: the device is still at 0 */
	for (int k = 0; k < 8; k++)
		post(&m);
	CHECK_EQ(vunet_packed_ring_position(m.desc, 8), VUNET_VRING_WRAP);
	/* pending descriptors that wrap past the end */
	model_init(&m, 8);
	for (int k = 0; k < 6; k++) {
		post(&m);
		use(&m);
	}
	for (int k = 0; k < 4; k++)
		post(&m);
	CHECK_EQ(vunet_packed_ring_position(m.desc, 8),
		 6 | VUNET_VRING_WRAP);
}

/*
 * A guest owns the flags and the front-end the position: whatever they
 * hold, the answer is a position inside the ring, and an index beyond
 * the ring is never taken as consistent.
 */
static void
hostile_flags_give_a_position_inside_the_ring(void)
{
	static const uint16_t sizes[] = { 1, 3, 256 };
	struct vring_packed_desc desc[256];
	uint32_t x = 12345;
	unsigned int outside = 0, taken_beyond = 0;

	for (int run = 0; run < 20000; run++) {
		uint16_t n = sizes[run % 3], pos;

		for (uint16_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			desc[i].flags = (uint16_t)(x >> 16);
		}
		pos = vunet_packed_ring_position(desc, n);
		if ((pos & ~VUNET_VRING_WRAP) >= n)
			outside++;
		if (vunet_packed_ring_consistent(desc, n,
						 (uint16_t)(n + run % 7)))
			taken_beyond++;
	}
	CHECK_EQ(outside, 0);
	CHECK_EQ(taken_beyond, 0);
}

int
main(void)
{
	RUN(position_is_found_after_any_traffic);
	RUN(stale_start_position_is_seen);
	RUN(migrated_position_behind_pending_is_kept);
	RUN(fresh_and_edge_rings);
	RUN(hostile_flags_give_a_position_inside_the_ring);
	return TAP_DONE();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/* The MAC table: learning, moves, aging, a full table, flushing. */

#include <errno.h>

#include "tap.h"
#include "unit_eal.h"
#include "vunet_fdb.h"

#define AGING 1000 /* TSC units; tests pass their own clock */

static const uint8_t mac_a[6] = { 0x52, 0x54, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0, 0, 0, 0x0b };

static struct rte_rcu_qsbr *qsbr;  /* NULL: no concurrent readers */

static struct vunet_fdb *
fdb_new(uint32_t size)
{
	static int n;
	char name[32];

	snprintf(name, sizeof(name), "fdb_test_%d", n++);
	return vunet_fdb_create(name, size, AGING, SOCKET_ID_ANY, qsbr);
}

static int
lookup_one(struct vunet_fdb *fdb, uint64_t key)
{
	struct vunet_fdb_entry *e;
	const void *k = &key;

	vunet_fdb_lookup_bulk(fdb, &k, 1, &e);
	return e == NULL ? -1 : e->port;
}

static void
learn_new_known_moved(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t a10 = vunet_fdb_key(mac_a, 10);

	CHECK(fdb != NULL);
	CHECK_EQ(vunet_fdb_get(fdb, a10), -1);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 3, 100), VUNET_FDB_NEW);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 3, 110), VUNET_FDB_KNOWN);
	CHECK_EQ(vunet_fdb_get(fdb, a10), 3);
	CHECK_EQ(lookup_one(fdb, a10), 3);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 7, 120), VUNET_FDB_MOVED);
	CHECK_EQ(lookup_one(fdb, a10), 7);
	CHECK_EQ(vunet_fdb_count(fdb), 1);
	vunet_fdb_free(fdb);
}

static void
vlans_are_separate_tables(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t a10 = vunet_fdb_key(mac_a, 10), a20 = vunet_fdb_key(mac_a, 20);

	CHECK_EQ(vunet_fdb_learn(fdb, a10, 1, 0), VUNET_FDB_NEW);
	CHECK_EQ(vunet_fdb_learn(fdb, a20, 2, 0), VUNET_FDB_NEW);
	CHECK_EQ(lookup_one(fdb, a10), 1);
	CHECK_EQ(lookup_one(fdb, a20), 2);
	CHECK_EQ(lookup_one(fdb, vunet_fdb_key(mac_a, 30)), -1);
	CHECK_EQ(vunet_fdb_count(fdb), 2);
	vunet_fdb_free(fdb);
}

static void
bulk_lookup_mixes_hits_and_misses(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t keys[4] = { vunet_fdb_key(mac_a, 1), vunet_fdb_key(mac_b, 1),
			     vunet_fdb_key(mac_a, 2), vunet_fdb_key(mac_b, 1) };
	const void *kp[4] = { &keys[0], &keys[1], &keys[2], &keys[3] };
	struct vunet_fdb_entry *e[4];

	vunet_fdb_learn(fdb, keys[0], 4, 0);
	vunet_fdb_learn(fdb, keys[1], 5, 0);
	vunet_fdb_lookup_bulk(fdb, kp, 4, e);
	CHECK(e[0] != NULL && e[0]->port == 4);
	CHECK(e[1] != NULL && e[1]->port == 5);
	CHECK(e[2] == NULL);
	CHECK(e[3] == e[1]);
	vunet_fdb_free(fdb);
}

static void
aging_forgets_only_idle_entries(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t a = vunet_fdb_key(mac_a, 1), b = vunet_fdb_key(mac_b, 1);

	vunet_fdb_learn(fdb, a, 1, 0);
	vunet_fdb_learn(fdb, b, 2, 0);
	/* b is seen again at 600: it stays past a's expiry */
	vunet_fdb_learn(fdb, b, 2, 600);
	CHECK_EQ(vunet_fdb_age(fdb, AGING), 0);   /* exactly the limit */
	CHECK_EQ(vunet_fdb_age(fdb, AGING + 1), 1);
	CHECK_EQ(vunet_fdb_get(fdb, a), -1);
	CHECK_EQ(lookup_one(fdb, a), -1);
	CHECK_EQ(vunet_fdb_get(fdb, b), 2);
	CHECK_EQ(vunet_fdb_age(fdb, 600 + AGING + 1), 1);
	CHECK_EQ(vunet_fdb_count(fdb), 0);
	/* a worker refreshing 'seen' keeps an entry alive */
	vunet_fdb_learn(fdb, a, 1, 2000);
	{
		struct vunet_fdb_entry *e;
		const void *k = &a;

		vunet_fdb_lookup_bulk(fdb, &k, 1, &e);
		CHECK(e != NULL);
		if (e != NULL)
			e->seen = 2900;
	}
	CHECK_EQ(vunet_fdb_age(fdb, 3500), 0);
	CHECK_EQ(vunet_fdb_get(fdb, a), 1);
	vunet_fdb_free(fdb);
}

static void
full_table_refuses_then_recovers(void)
{
	const uint32_t size = 128;
	struct vunet_fdb *fdb = fdb_new(size);
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };

	for (uint32_t i = 0; i < size; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac, 1), 1, 0),
			 VUNET_FDB_NEW);
	}
	CHECK_EQ(vunet_fdb_count(fdb), size);
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 9), 1, 0),
		 -ENOSPC);
	/* a known MAC still moves in a full table */
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac, 1), 2, 0),
		 VUNET_FDB_MOVED);
	CHECK_EQ(vunet_fdb_age(fdb, AGING + 1), size);
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 9), 1, 0),
		 VUNET_FDB_NEW);
	vunet_fdb_free(fdb);
}

static void
flush_by_port_and_all(void)
{
	struct vunet_fdb *fdb = fdb_new(64);

	vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 1), 1, 0);
	vunet_fdb_learn(fdb, vunet_fdb_key(mac_b, 1), 2, 0);
	vunet_fdb_learn(fdb, vunet_fdb_key(mac_b, 2), 2, 0);
	CHECK_EQ(vunet_fdb_flush(fdb, 2), 2);
	CHECK_EQ(vunet_fdb_count(fdb), 1);
	CHECK_EQ(vunet_fdb_get(fdb, vunet_fdb_key(mac_a, 1)), 1);
	CHECK_EQ(vunet_fdb_flush(fdb, -1), 1);
	CHECK_EQ(vunet_fdb_count(fdb), 0);
	vunet_fdb_free(fdb);
}

/* The daemon's way: positions come back through the RCU defer queue. */
static void
with_rcu(void)
{
	static uint64_t mem[64] __rte_cache_aligned;

	CHECK(rte_rcu_qsbr_get_memsize(1) <= sizeof(mem));
	qsbr = (struct rte_rcu_qsbr *)mem;
	CHECK_EQ(rte_rcu_qsbr_init(qsbr, 1), 0);
	full_table_refuses_then_recovers();
	flush_by_port_and_all();
	aging_forgets_only_idle_entries();
	qsbr = NULL;
}

int
main(void)
{
	unit_eal_init("unit_fdb");
	RUN(learn_new_known_moved);
	RUN(vlans_are_separate_tables);
	RUN(bulk_lookup_mixes_hits_and_misses);
	RUN(aging_forgets_only_idle_entries);
	RUN(full_table_refuses_then_recovers);
	RUN(flush_by_port_and_all);
	RUN(with_rcu);
	rte_eal_cleanup();
	return TAP_DONE();
}

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
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 3, VUNET_FDB_NO_LIMIT, 100), VUNET_FDB_NEW);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 3, VUNET_FDB_NO_LIMIT, 110), VUNET_FDB_KNOWN);
	CHECK_EQ(vunet_fdb_get(fdb, a10), 3);
	CHECK_EQ(lookup_one(fdb, a10), 3);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 7, VUNET_FDB_NO_LIMIT, 120), VUNET_FDB_MOVED);
	CHECK_EQ(lookup_one(fdb, a10), 7);
	CHECK_EQ(vunet_fdb_count(fdb), 1);
	vunet_fdb_free(fdb);
}

/* What EVPN withdraws goes only if it is still where EVPN put it. */
static void
forget_only_where_it_is(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t a10 = vunet_fdb_key(mac_a, 10);

	CHECK(!vunet_fdb_forget(fdb, a10, 3));
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 3, VUNET_FDB_NO_LIMIT, 0), VUNET_FDB_NEW);
	CHECK_EQ(vunet_fdb_learn(fdb, a10, 5, VUNET_FDB_NO_LIMIT, 1), VUNET_FDB_MOVED);
	CHECK(!vunet_fdb_forget(fdb, a10, 3));
	CHECK_EQ(lookup_one(fdb, a10), 5);
	CHECK(vunet_fdb_forget(fdb, a10, 5));
	CHECK_EQ(lookup_one(fdb, a10), -1);
	CHECK_EQ(vunet_fdb_count(fdb), 0);
	CHECK_EQ(vunet_fdb_port_count(fdb, 5), 0);
	vunet_fdb_free(fdb);
}

static void
vlans_are_separate_tables(void)
{
	struct vunet_fdb *fdb = fdb_new(64);
	uint64_t a10 = vunet_fdb_key(mac_a, 10), a20 = vunet_fdb_key(mac_a, 20);

	CHECK_EQ(vunet_fdb_learn(fdb, a10, 1, VUNET_FDB_NO_LIMIT, 0), VUNET_FDB_NEW);
	CHECK_EQ(vunet_fdb_learn(fdb, a20, 2, VUNET_FDB_NO_LIMIT, 0), VUNET_FDB_NEW);
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

	vunet_fdb_learn(fdb, keys[0], 4, VUNET_FDB_NO_LIMIT, 0);
	vunet_fdb_learn(fdb, keys[1], 5, VUNET_FDB_NO_LIMIT, 0);
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

	vunet_fdb_learn(fdb, a, 1, VUNET_FDB_NO_LIMIT, 0);
	vunet_fdb_learn(fdb, b, 2, VUNET_FDB_NO_LIMIT, 0);
	/* b is seen again at 600: it stays past a's expiry */
	vunet_fdb_learn(fdb, b, 2, VUNET_FDB_NO_LIMIT, 600);
	CHECK_EQ(vunet_fdb_age(fdb, AGING), 0);   /* exactly the limit */
	CHECK_EQ(vunet_fdb_age(fdb, AGING + 1), 1);
	CHECK_EQ(vunet_fdb_get(fdb, a), -1);
	CHECK_EQ(lookup_one(fdb, a), -1);
	CHECK_EQ(vunet_fdb_get(fdb, b), 2);
	CHECK_EQ(vunet_fdb_age(fdb, 600 + AGING + 1), 1);
	CHECK_EQ(vunet_fdb_count(fdb), 0);
	/* a worker refreshing 'seen' keeps an entry alive */
	vunet_fdb_learn(fdb, a, 1, VUNET_FDB_NO_LIMIT, 2000);
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
		CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac, 1), 1, VUNET_FDB_NO_LIMIT, 0),
			 VUNET_FDB_NEW);
	}
	CHECK_EQ(vunet_fdb_count(fdb), size);
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 9), 1, VUNET_FDB_NO_LIMIT, 0),
		 -ENOSPC);
	/* a known MAC still moves in a full table */
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac, 1), 2, VUNET_FDB_NO_LIMIT, 0),
		 VUNET_FDB_MOVED);
	CHECK_EQ(vunet_fdb_age(fdb, AGING + 1), size);
	CHECK_EQ(vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 9), 1, VUNET_FDB_NO_LIMIT, 0),
		 VUNET_FDB_NEW);
	vunet_fdb_free(fdb);
}

static void
flush_by_port_and_all(void)
{
	struct vunet_fdb *fdb = fdb_new(64);

	vunet_fdb_learn(fdb, vunet_fdb_key(mac_a, 1), 1, VUNET_FDB_NO_LIMIT, 0);
	vunet_fdb_learn(fdb, vunet_fdb_key(mac_b, 1), 2, VUNET_FDB_NO_LIMIT, 0);
	vunet_fdb_learn(fdb, vunet_fdb_key(mac_b, 2), 2, VUNET_FDB_NO_LIMIT, 0);
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

static struct vunet_fdb_cache cache;

static int
cached_one(struct vunet_fdb *fdb, uint64_t key)
{
	struct vunet_fdb_entry *e;

	vunet_fdb_lookup_cached(fdb, &cache, &key, 1, &e);
	return e == NULL ? -1 : e->port;
}

/* The worker's cache is a hint: whatever the writer did, it answers as
 * the table does. */
static void
cache_follows_moves_flushes_and_tables(void)
{
	struct vunet_fdb *t1 = fdb_new(64), *t2 = fdb_new(64);
	uint64_t a = vunet_fdb_key(mac_a, 10), b = vunet_fdb_key(mac_b, 10);

	CHECK(t1 != NULL && t2 != NULL && t1->id != t2->id);
	if (t1 == NULL || t2 == NULL)
		return;
	memset(&cache, 0, sizeof(cache));
	CHECK_EQ(cached_one(t1, a), -1);
	vunet_fdb_learn(t1, a, 3, VUNET_FDB_NO_LIMIT, 0);
	vunet_fdb_learn(t2, a, 5, VUNET_FDB_NO_LIMIT, 0);
	CHECK_EQ(cached_one(t1, a), 3);
	CHECK_EQ(cached_one(t1, a), 3);  /* from the cache */
	CHECK_EQ(cached_one(t2, a), 5);  /* same key, other table */
	CHECK_EQ(cached_one(t1, a), 3);
	vunet_fdb_learn(t1, a, 4, VUNET_FDB_NO_LIMIT, 0);    /* moved */
	CHECK_EQ(cached_one(t1, a), 4);
	vunet_fdb_flush(t1, -1);         /* gone */
	CHECK_EQ(cached_one(t1, a), -1);
	vunet_fdb_learn(t1, b, 6, VUNET_FDB_NO_LIMIT, 0);    /* may take a's old position */
	CHECK_EQ(cached_one(t1, a), -1);
	CHECK_EQ(cached_one(t1, b), 6);
	vunet_fdb_learn(t1, a, 7, VUNET_FDB_NO_LIMIT, 0);
	CHECK_EQ(cached_one(t1, a), 7);
	vunet_fdb_free(t1);
	vunet_fdb_free(t2);
}

/* More keys than slots: evictions and collisions never give a wrong port. */
static void
cache_overflow_stays_exact(void)
{
	enum { N = 3 * VUNET_FDB_CACHE_SLOTS };
	struct vunet_fdb *fdb = fdb_new(N);
	unsigned int wrong = 0;

	CHECK(fdb != NULL);
	if (fdb == NULL)
		return;
	memset(&cache, 0, sizeof(cache));
	for (uint32_t i = 0; i < N; i++) {
		uint8_t m[6] = { 0x52, 0x54, 0, (uint8_t)(i >> 16),
				 (uint8_t)(i >> 8), (uint8_t)i };

		vunet_fdb_learn(fdb, vunet_fdb_key(m, 1), (uint16_t)(i % 251), VUNET_FDB_NO_LIMIT,
				0);
	}
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < N; i += 64) {
			uint64_t keys[64];
			struct vunet_fdb_entry *e[64];

			for (uint32_t j = 0; j < 64; j++) {
				uint32_t x = i + j;
				uint8_t m[6] = { 0x52, 0x54, 0,
					(uint8_t)(x >> 16), (uint8_t)(x >> 8),
					(uint8_t)x };

				keys[j] = vunet_fdb_key(m, 1);
			}
			vunet_fdb_lookup_cached(fdb, &cache, keys, 64, e);
			for (uint32_t j = 0; j < 64; j++)
				if (e[j] == NULL || e[j]->key != keys[j] ||
				    e[j]->port != (i + j) % 251)
					wrong++;
		}
	CHECK_EQ(wrong, 0);
	vunet_fdb_free(fdb);
}

int
main(void)
{
	unit_eal_init("unit_fdb");
	RUN(learn_new_known_moved);
	RUN(forget_only_where_it_is);
	RUN(vlans_are_separate_tables);
	RUN(bulk_lookup_mixes_hits_and_misses);
	RUN(aging_forgets_only_idle_entries);
	RUN(full_table_refuses_then_recovers);
	RUN(flush_by_port_and_all);
	RUN(with_rcu);
	RUN(cache_follows_moves_flushes_and_tables);
	RUN(cache_overflow_stays_exact);
	rte_eal_cleanup();
	return TAP_DONE();
}

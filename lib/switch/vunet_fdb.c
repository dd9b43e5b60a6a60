/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "vunet_fdb.h"

/* Keys are one 64-bit word: hash and compare it as such, not as bytes. */
static uint32_t
fdb_hash(const void *key, uint32_t len __rte_unused, uint32_t init)
{
	uint64_t k;

	memcpy(&k, key, sizeof(k));
	return rte_hash_crc_8byte(k, init);
}

static int
fdb_key_cmp(const void *a, const void *b, size_t len __rte_unused)
{
	uint64_t x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

/* fdb ids start at 1: 0 marks an empty cache slot */
static uint32_t fdb_next_id;

struct vunet_fdb *
vunet_fdb_create(const char *name, uint32_t size, uint64_t aging_tsc,
		 int socket, struct rte_rcu_qsbr *qsbr)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = size,
		.key_len = sizeof(uint64_t),
		.hash_func = fdb_hash,
		.socket_id = socket,
		/* one writer, lock-free readers; ext buckets: exactly size */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct vunet_fdb *fdb;

	fdb = rte_zmalloc_socket("fdb", sizeof(*fdb), 0, socket);
	if (fdb == NULL)
		return NULL;
	fdb->id = __atomic_add_fetch(&fdb_next_id, 1, __ATOMIC_RELAXED);
	fdb->size = size;
	fdb->aging_tsc = aging_tsc;
	fdb->refresh_tsc = aging_tsc / 16;
	fdb->e = rte_zmalloc_socket("fdb_entries",
				    sizeof(fdb->e[0]) * size, 0, socket);
	fdb->h = rte_hash_create(&hp);
	if (fdb->e == NULL || fdb->h == NULL)
		goto fail;
	rte_hash_set_cmp_func(fdb->h, fdb_key_cmp);
	if (qsbr != NULL) {
		struct rte_hash_rcu_config rc = {
			.v = qsbr,
			.mode = RTE_HASH_QSBR_MODE_DQ,
		};

		if (rte_hash_rcu_qsbr_add(fdb->h, &rc) != 0)
			goto fail;
		fdb->rcu = true;
	}
	return fdb;
fail:
	vunet_fdb_free(fdb);
	return NULL;
}

void
vunet_fdb_free(struct vunet_fdb *fdb)
{
	if (fdb == NULL)
		return;
	rte_hash_free(fdb->h);
	rte_free(fdb->e);
	rte_free(fdb);
}

int
vunet_fdb_get(const struct vunet_fdb *fdb, uint64_t key)
{
	int32_t pos = rte_hash_lookup(fdb->h, &key);

	if (pos < 0 || __atomic_load_n(&fdb->e[pos].key,
				       __ATOMIC_ACQUIRE) != key)
		return -1;
	return __atomic_load_n(&fdb->e[pos].port, __ATOMIC_RELAXED);
}

static void
port_count_add(struct vunet_fdb *fdb, uint16_t port, int32_t d)
{
	__atomic_store_n(&fdb->port_macs[port], fdb->port_macs[port] + d,
			 __ATOMIC_RELAXED);
}

bool
vunet_fdb_entry(const struct vunet_fdb *fdb, uint64_t key, uint16_t *port,
		uint64_t *seen)
{
	int32_t pos = rte_hash_lookup(fdb->h, &key);

	if (pos < 0)
		return false;
	*port = fdb->e[pos].port;
	*seen = __atomic_load_n(&fdb->e[pos].seen, __ATOMIC_RELAXED);
	return true;
}

int
vunet_fdb_learn(struct vunet_fdb *fdb, uint64_t key, uint16_t port,
		uint32_t limit, uint64_t now)
{
	struct vunet_fdb_entry *e;
	int32_t pos = rte_hash_lookup(fdb->h, &key);

	if (pos >= 0) {
		e = &fdb->e[pos];
		if (e->port == port) {
			__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
			return VUNET_FDB_KNOWN;
		}
		if (fdb->port_macs[port] >= limit)
			return -EDQUOT;
		__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
		port_count_add(fdb, e->port, -1);
		port_count_add(fdb, port, 1);
		__atomic_store_n(&e->port, port, __ATOMIC_RELAXED);
		return VUNET_FDB_MOVED;
	}
	if (fdb->port_macs[port] >= limit)
		return -EDQUOT;
	pos = rte_hash_add_key(fdb->h, &key);
	if (pos < 0)
		return -ENOSPC;
	if ((uint32_t)pos >= fdb->size) {
		/* cannot happen with one writer; never index past e[] */
		rte_hash_del_key(fdb->h, &key);
		return -ENOSPC;
	}
	e = &fdb->e[pos];
	e->port = port;
	e->seen = now;
	__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
	fdb->n++;
	port_count_add(fdb, port, 1);
	return VUNET_FDB_NEW;
}

static void
fdb_delete(struct vunet_fdb *fdb, struct vunet_fdb_entry *e)
{
	uint64_t key = e->key;

	int32_t pos;

	__atomic_store_n(&e->key, VUNET_FDB_KEY_NONE, __ATOMIC_RELEASE);
	pos = rte_hash_del_key(fdb->h, &key);
	/*
	 * A lock-free table never frees on delete: with RCU the defer queue
	 * frees the position after a grace period; without, nobody else
	 * reads, so now.
	 */
	if (pos >= 0 && !fdb->rcu)
		rte_hash_free_key_with_position(fdb->h, pos);
	fdb->n--;
	port_count_add(fdb, e->port, -1);
}

bool
vunet_fdb_forget(struct vunet_fdb *fdb, uint64_t key, uint16_t port)
{
	int32_t pos = rte_hash_lookup(fdb->h, &key);

	if (pos < 0 || fdb->e[pos].port != port)
		return false;
	fdb_delete(fdb, &fdb->e[pos]);
	return true;
}

unsigned int
vunet_fdb_age(struct vunet_fdb *fdb, uint64_t now)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->size; i++) {
		struct vunet_fdb_entry *e = &fdb->e[i];

		if (e->key == VUNET_FDB_KEY_NONE)
			continue;
		if (now - __atomic_load_n(&e->seen, __ATOMIC_RELAXED) >
		    fdb->aging_tsc) {
			fdb_delete(fdb, e);
			n++;
		}
	}
	return n;
}

unsigned int
vunet_fdb_flush(struct vunet_fdb *fdb, int port)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->size; i++) {
		struct vunet_fdb_entry *e = &fdb->e[i];

		if (e->key != VUNET_FDB_KEY_NONE &&
		    (port < 0 || e->port == port)) {
			fdb_delete(fdb, e);
			n++;
		}
	}
	return n;
}

uint32_t
vunet_fdb_count(const struct vunet_fdb *fdb)
{
	/* not rte_hash_count(): it counts deleted entries until reclaimed */
	return __atomic_load_n(&fdb->n, __ATOMIC_RELAXED);
}

void
vunet_fdb_walk(const struct vunet_fdb *fdb,
	       void (*fn)(const struct vunet_fdb_mac *m, void *arg), void *arg)
{
	for (uint32_t i = 0; i < fdb->size; i++) {
		const struct vunet_fdb_entry *e = &fdb->e[i];
		uint64_t key = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
		struct vunet_fdb_mac m;

		if (key == VUNET_FDB_KEY_NONE)
			continue;
		memcpy(m.mac, &key, sizeof(m.mac));
		m.vlan = (uint16_t)(key >> 48);
		m.port = __atomic_load_n(&e->port, __ATOMIC_RELAXED);
		m.seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);
		fn(&m, arg);
	}
}

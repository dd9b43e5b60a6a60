/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

#ifndef VUNET_FDB_H
#define VUNET_FDB_H

/*
 * A bridge's MAC table: (VLAN, MAC) -> port, on a lock-free rte_hash.
 * One writer (the control thread: learning, aging, flushing), any number of
 * readers (workers: bulk lookups, and refreshing an entry's last-seen time).
 * Deleted positions are recycled only after every worker has passed a
 * quiescent state (rte_rcu_qsbr defer queue), so a worker never reads an
 * entry that was freed under it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

/* Key: MAC in the low 48 bits (as laid out in the frame), VLAN above. */
#define VUNET_FDB_KEY_NONE 0 /* VLAN 0 is never an access VLAN */
#define VUNET_FDB_PORTS 2048 /* VUNET_MAX_PORTS */
#define VUNET_FDB_NO_LIMIT UINT32_MAX

struct vunet_fdb_entry {
	uint64_t key;    /* VUNET_FDB_KEY_NONE while being written or freed */
	uint64_t seen;   /* TSC of the last frame from this MAC */
	uint16_t port;
};

struct vunet_fdb {
	uint32_t id;               /* never reused: tells tables apart in caches */
	struct rte_hash *h;
	struct vunet_fdb_entry *e; /* indexed by the hash's key position */
	uint32_t size;
	uint32_t n;                /* entries in use */
	uint64_t aging_tsc;
	uint64_t refresh_tsc;      /* how stale 'seen' may get before a store */
	bool rcu;                  /* deleted positions wait for a grace period */
	/* MACs learned on each port (writer's, read by workers) */
	uint32_t port_macs[VUNET_FDB_PORTS];
};

/*
 * Writer: the port key is learned on and when it was last seen; false if
 * it is not in the table.
 */
bool vunet_fdb_entry(const struct vunet_fdb *fdb, uint64_t key,
		     uint16_t *port, uint64_t *seen);

enum vunet_fdb_learn_result {
	VUNET_FDB_NEW,
	VUNET_FDB_MOVED,
	VUNET_FDB_KNOWN,
};

static inline uint64_t
vunet_fdb_key(const uint8_t *mac, uint16_t vlan)
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	return k | (uint64_t)vlan << 48;
}

/*
 * qsbr may be NULL when no other thread reads the table (tests); then
 * deleted positions are recycled at once.
 */
struct vunet_fdb *vunet_fdb_create(const char *name, uint32_t size,
				   uint64_t aging_tsc, int socket,
				   struct rte_rcu_qsbr *qsbr);
void vunet_fdb_free(struct vunet_fdb *fdb);

/*
 * Writer side. Returns a vunet_fdb_learn_result, -ENOSPC when the table is
 * full, or -EDQUOT when port has limit MACs already (a MAC that would move
 * there stays where it was).
 */
int vunet_fdb_learn(struct vunet_fdb *fdb, uint64_t key, uint16_t port,
		    uint32_t limit, uint64_t now);

/* MACs learned on port now (any thread). */
static inline uint32_t
vunet_fdb_port_count(const struct vunet_fdb *fdb, uint16_t port)
{
	return __atomic_load_n(&fdb->port_macs[port], __ATOMIC_RELAXED);
}
/* Writer: forget key if it is on port (not if it moved); true if so. */
bool vunet_fdb_forget(struct vunet_fdb *fdb, uint64_t key, uint16_t port);

/* Forget entries not seen since now - aging; returns how many. */
unsigned int vunet_fdb_age(struct vunet_fdb *fdb, uint64_t now);
/* Forget every entry, or (port >= 0) those on one port. */
unsigned int vunet_fdb_flush(struct vunet_fdb *fdb, int port);
uint32_t vunet_fdb_count(const struct vunet_fdb *fdb);

/* One learned MAC, as vunet_fdb_walk() shows it. */
struct vunet_fdb_mac {
	uint8_t mac[6];
	uint16_t vlan;
	uint16_t port;
	uint64_t seen;   /* TSC of the last frame from it */
};

/* Call fn for each learned MAC (from the writer's thread). */
void vunet_fdb_walk(const struct vunet_fdb *fdb,
		    void (*fn)(const struct vunet_fdb_mac *m, void *arg),
		    void *arg);

/* Any thread: the port of key, or -1. */
int vunet_fdb_get(const struct vunet_fdb *fdb, uint64_t key);

/*
 * Worker side: pos[i] is the entry of keys[i] or NULL. keys holds n <= 64
 * pointers to 8-byte keys.
 */
static inline void
vunet_fdb_lookup_bulk(const struct vunet_fdb *fdb, const void **keys,
		      uint32_t n, struct vunet_fdb_entry **out)
{
	int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];

	/*
	 * rte_hash_lookup_bulk costs ~500 instructions even for two keys
	 * (callgrind, 22.11, LF table); one lookup costs ~110. A burst of one
	 * flow has two keys.
	 */
	if (n <= 4)
		for (uint32_t i = 0; i < n; i++)
			pos[i] = rte_hash_lookup(fdb->h, keys[i]);
	else
		rte_hash_lookup_bulk(fdb->h, keys, n, pos);
	for (uint32_t i = 0; i < n; i++) {
		struct vunet_fdb_entry *e;

		out[i] = NULL;
		if (pos[i] < 0)
			continue;
		e = &fdb->e[pos[i]];
		/* the key is published last: a match means port is valid */
		if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) ==
		    *(const uint64_t *)keys[i])
			out[i] = e;
	}
}

/*
 * A worker's cache of where keys sit in the tables (an exact-match cache,
 * as OVS's EMC): a hit costs one slot load and the entry's key check that
 * rte_hash's answer needs anyway; rte_hash_lookup_bulk costs ~150
 * instructions per key with many MACs (callgrind, 22.11). A slot is only a
 * hint: it is used when the entry still holds the key, so entries deleted,
 * moved or reused by the writer never need the cache to be told.
 */
#define VUNET_FDB_CACHE_SLOTS 4096

struct vunet_fdb_cache {
	struct {
		uint64_t key;
		uint32_t fdb_id;   /* 0: empty */
		uint32_t pos;
	} slot[VUNET_FDB_CACHE_SLOTS];
};

static inline uint32_t
vunet_fdb_cache_slot(const struct vunet_fdb *fdb, uint64_t key)
{
	/* Fibonacci hashing: VMs' MACs often differ only in the last bytes */
	return (uint32_t)(((key ^ fdb->id) * 0x9e3779b97f4a7c15ULL) >> 52);
}

/* The entry the cache knows for key (slot k or its neighbour), or NULL. */
static inline struct vunet_fdb_entry *
vunet_fdb_cache_get(const struct vunet_fdb *fdb,
		    const struct vunet_fdb_cache *c, uint32_t k, uint64_t key)
{
	for (uint32_t way = 0; way < 2; way++, k ^= 1)
		if (c->slot[k].key == key && c->slot[k].fdb_id == fdb->id) {
			struct vunet_fdb_entry *e = &fdb->e[c->slot[k].pos];

			if (__atomic_load_n(&e->key, __ATOMIC_ACQUIRE) == key)
				return e;
			return NULL;
		}
	return NULL;
}

/* Two ways per set: a key takes the way the other key does not hold. */
static inline void
vunet_fdb_cache_put(const struct vunet_fdb *fdb, struct vunet_fdb_cache *c,
		    uint32_t k, uint64_t key, const struct vunet_fdb_entry *e)
{
	if (c->slot[k].fdb_id == fdb->id && c->slot[k].key != key &&
	    c->slot[k].key != VUNET_FDB_KEY_NONE)
		k ^= 1;
	c->slot[k].key = key;
	c->slot[k].fdb_id = fdb->id;
	c->slot[k].pos = (uint32_t)(e - fdb->e);
}

/*
 * Worker side, as vunet_fdb_lookup_bulk with keys by value, through the
 * worker's cache c.
 */
static inline void
vunet_fdb_lookup_cached(const struct vunet_fdb *fdb,
			struct vunet_fdb_cache *c, const uint64_t *keys,
			uint32_t n, struct vunet_fdb_entry **out)
{
	struct vunet_fdb_entry *found[RTE_HASH_LOOKUP_BULK_MAX];
	const void *miss_key[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t slot[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t miss[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t n_miss = 0;

	RTE_BUILD_BUG_ON(VUNET_FDB_CACHE_SLOTS != 1 << 12);
	for (uint32_t i = 0; i < n; i++) {
		slot[i] = vunet_fdb_cache_slot(fdb, keys[i]);
		out[i] = vunet_fdb_cache_get(fdb, c, slot[i], keys[i]);
		if (out[i] == NULL) {
			miss_key[n_miss] = &keys[i];
			miss[n_miss++] = (uint8_t)i;
		}
	}
	if (n_miss == 0)
		return;
	vunet_fdb_lookup_bulk(fdb, miss_key, n_miss, found);
	for (uint32_t j = 0; j < n_miss; j++) {
		uint32_t i = miss[j];

		if (found[j] == NULL)
			continue;
		out[i] = found[j];
		vunet_fdb_cache_put(fdb, c, slot[i], keys[i], found[j]);
	}
}

#endif /* VUNET_FDB_H */

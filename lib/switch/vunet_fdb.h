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

struct vunet_fdb_entry {
	uint64_t key;    /* VUNET_FDB_KEY_NONE while being written or freed */
	uint64_t seen;   /* TSC of the last frame from this MAC */
	uint16_t port;
};

struct vunet_fdb {
	struct rte_hash *h;
	struct vunet_fdb_entry *e; /* indexed by the hash's key position */
	uint32_t size;
	uint32_t n;                /* entries in use */
	uint64_t aging_tsc;
	uint64_t refresh_tsc;      /* how stale 'seen' may get before a store */
	bool rcu;                  /* deleted positions wait for a grace period */
};

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

/* Writer side. Returns a vunet_fdb_learn_result, or -ENOSPC when full. */
int vunet_fdb_learn(struct vunet_fdb *fdb, uint64_t key, uint16_t port,
		    uint64_t now);
/* Forget entries not seen since now - aging; returns how many. */
unsigned int vunet_fdb_age(struct vunet_fdb *fdb, uint64_t now);
/* Forget every entry, or (port >= 0) those on one port. */
unsigned int vunet_fdb_flush(struct vunet_fdb *fdb, int port);
uint32_t vunet_fdb_count(const struct vunet_fdb *fdb);

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

#endif /* VUNET_FDB_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_CONN_H
#define SF_CONN_H

/**
 * @file
 * lib/conn: one lcore's connections. Three parts, created together by sf_conn_create():
 *
 * - a table from the 4-tuple (struct sf_flow_key) to a 32-bit value naming either a TCB or a
 *   TIME_WAIT entry (sf_conn_kind(), sf_conn_index()). Bucketized cuckoo hashing: 64-byte
 *   buckets of 8 slots, each a 16-bit signature and a value; signatures are compared eight at
 *   a time with SSE2. The key itself lives with the object the value names, so a slot costs
 *   6 bytes plus the table's slack. The caller passes the flow's 32-bit hash (the NIC's RSS
 *   value, or sf_conn_hash_crc()) and must always pass the same one for the same key;
 *   sf_conn_config.hash_fn recomputes it when lib/conn needs it by itself (sf_conn_check()).
 * - a TCB pool: a fixed array of caller-sized objects, a stack of free indexes and, beside each,
 *   its key and hash (the engine needs the 4-tuple to build retransmissions and to delete it)
 *   and where its table slot is (freeing it takes no search).
 * - a compact TIME_WAIT store: a ring per address family in which every entry lives 2MSL, so
 *   the ring is also the expiry FIFO (oldest at the head). IPv4 entries are 32 bytes (state,
 *   expiry, addresses and ports inline); IPv6 entries are 64 bytes (the two 16-byte addresses
 *   do not fit in 32). Beside each, 4 bytes say where its table slot is, as for a TCB, so
 *   ending an entry takes no hash and no search. When a ring is full its oldest entry is
 *   recycled.
 *
 * Capacities are fixed at creation; nothing allocates afterwards, nothing locks: one
 * struct sf_conn per lcore. Ticks (expiry times) are the caller's unit, as in lib/timer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sf_net.h"

/**
 * What TIME-WAIT needs to answer segments once the TCB is gone (RFC 9293 3.10.7.4,
 * RFC 1337, RFC 6191). lib/tcp fills it from a closing TCB and decides on it;
 * lib/conn stores it in the compact TIME_WAIT store. Host order.
 */
struct sf_tw_state {
	uint32_t snd_nxt;   /**< our next sequence number (after our FIN) */
	uint32_t rcv_nxt;   /**< next expected from the peer (after its FIN) */
	uint32_t ts_recent; /**< peer's last TSval; meaningful when ts_ok */
	uint16_t rcv_wnd;   /**< window we advertise in TIME-WAIT ACKs, already scaled down */
	uint8_t ts_ok;      /**< timestamps were negotiated */
	uint8_t flags;      /**< reserved for lib/tcp */
};

/* ---- table values ---- */

/** A table value: kind in the top two bits, index below. */
#define SF_CONN_KIND_SHIFT 30
#define SF_CONN_INDEX_MASK ((UINT32_C(1) << SF_CONN_KIND_SHIFT) - 1)
/** Largest capacity of each pool or ring (indexes below SF_CONN_INDEX_MASK). */
#define SF_CONN_MAX_CAPACITY (SF_CONN_INDEX_MASK - 1)
/** What sf_conn_lookup() returns when the key is not in the table. */
#define SF_CONN_MISS UINT32_MAX

/** What a table value names. */
enum sf_conn_kind {
	SF_CONN_TCB = 0, /**< index into the TCB pool */
	SF_CONN_TW4 = 2, /**< index into the IPv4 TIME_WAIT ring */
	SF_CONN_TW6 = 3, /**< index into the IPv6 TIME_WAIT ring */
};

/** Kind of a table value (not SF_CONN_MISS). */
static inline enum sf_conn_kind sf_conn_kind(uint32_t v)
{
	return (enum sf_conn_kind)(v >> SF_CONN_KIND_SHIFT);
}

/** True when a table value names a TIME_WAIT entry. */
static inline bool sf_conn_is_tw(uint32_t v)
{
	return (v >> 31) != 0;
}

/** Index part of a table value. */
static inline uint32_t sf_conn_index(uint32_t v)
{
	return v & SF_CONN_INDEX_MASK;
}

/** Table value naming TCB @p idx. */
static inline uint32_t sf_conn_tcb_value(uint32_t idx)
{
	return idx;
}

/* ---- creation ---- */

/** Hash of a key as the caller computes it (e.g. the NIC's RSS function). */
typedef uint32_t (*sf_conn_hash_fn)(const struct sf_flow_key *key, void *ctx);

/** Sizes and hash of one lcore's connection state. */
struct sf_conn_config {
	uint32_t tcb_capacity;   /**< TCBs in the pool */
	uint32_t tcb_size;       /**< bytes of one TCB (lib/tcp's struct sf_tcb) */
	uint32_t tcb_align;      /**< power of two; 0 means 64 (a cache line) */
	uint32_t tw4_capacity;   /**< IPv4 TIME_WAIT entries */
	uint32_t tw6_capacity;   /**< IPv6 TIME_WAIT entries; 0 refuses IPv6 TIME_WAIT */
	sf_conn_hash_fn hash_fn; /**< the hash callers pass in; NULL means sf_conn_hash_crc() */
	void *hash_ctx;          /**< passed to hash_fn */
	int numa_node;           /**< node the memory should live on (the lcore's); -1: no preference */
};

/** Counters and gauges for the engine's stats display. */
struct sf_conn_stats {
	uint64_t table_full;     /**< inserts refused: table at capacity or no cuckoo path */
	uint64_t tcb_pool_empty; /**< sf_tcb_alloc() refused: no free TCB (listener: SYN cookies) */
	uint64_t tw_recycled;    /**< live TIME_WAIT entries ended before 2MSL: ring full or past its soft cap */
	uint64_t tw_expired;     /**< TIME_WAIT entries removed after 2MSL */
	uint64_t tw_refused;     /**< TIME_WAIT entries not stored (IPv6 with tw6_capacity 0) */
	uint64_t cuckoo_moves;   /**< entries moved to their other bucket to make room */
	uint32_t table_used;     /**< gauge: keys in the table */
	uint32_t tcb_used;       /**< gauge: TCBs allocated */
	uint32_t tw4_used;       /**< gauge: ring slots in use, IPv4 (includes removed-early holes) */
	uint32_t tw6_used;       /**< gauge: same, IPv6 */
};

/** Bytes of every allocation, for per-entry cost reports. */
struct sf_conn_memory {
	size_t table_bytes;    /**< buckets */
	uint32_t table_slots;  /**< keys the table holds at most (sum of the capacities) */
	uint32_t buckets;
	size_t tcb_bytes;      /**< TCB objects */
	size_t tcb_key_bytes;  /**< per-TCB key record (key, hash) and free stack */
	size_t tw4_bytes;      /**< IPv4 ring */
	size_t tw6_bytes;      /**< IPv6 ring */
};

/**
 * Beside each TCB, one cache line: its key (compared on lookup; the engine builds segments from
 * it), its hash and where its table slot is (to unmap it without a search). Private to lib/conn;
 * public for the inline accessors below.
 */
struct sf_tcb_meta {
	struct sf_flow_key key;
	uint32_t hash;
	uint32_t pos;      /**< its table slot: bucket * 8 + slot, kept as cuckoo moves shift it */
	uint8_t pad[16];
};

struct sf_bucket;

/** Bytes of one table bucket (a cache line). */
#define SF_CONN_BUCKET_BYTES 64

/**
 * The first member of struct sf_conn: where the TCBs, their records and the table's buckets are.
 * Private to lib/conn; public so that the accessors and the prefetch below, called on every
 * segment, are a little arithmetic inline.
 */
struct sf_conn_head {
	uint8_t *tcb_mem;              /**< TCB objects, @c tcb_stride bytes apart */
	struct sf_tcb_meta *tcb_meta;  /**< their records */
	uint32_t tcb_stride;
	uint32_t nb;                   /**< buckets in the table */
	struct sf_bucket *buckets;     /**< the table */
};

struct sf_conn;

/* struct sf_conn starts with its struct sf_conn_head (a pointer to a struct is one to its first
 * member). */
static inline const struct sf_conn_head *sf_conn_head_of(const struct sf_conn *c)
{
	return (const struct sf_conn_head *)(const void *)c;
}

/**
 * Allocate one lcore's table, TCB pool and TIME_WAIT rings (anonymous mappings with a
 * transparent-hugepage hint, faulted in now so the data path never page-faults).
 * @return the new object, or NULL (errno set) on a bad configuration or no memory.
 */
struct sf_conn *sf_conn_create(const struct sf_conn_config *cfg);

/** Release everything sf_conn_create() allocated; NULL is a no-op. */
void sf_conn_free(struct sf_conn *c);

/** Counters and gauges, updated in place (read without locks by the main lcore). */
const struct sf_conn_stats *sf_conn_stats(const struct sf_conn *c);

/** Sizes of the real allocations. */
void sf_conn_memory(const struct sf_conn *c, struct sf_conn_memory *m);

/* ---- hashing and lookup ---- */

/** CRC32-C of the whole 40-byte key (SSE4.2 instructions when the build allows). */
uint32_t sf_conn_hash_crc(const struct sf_flow_key *key);

/** The configured hash of @p key (hash_fn, or sf_conn_hash_crc()). */
uint32_t sf_conn_hash(const struct sf_conn *c, const struct sf_flow_key *key);

/** Index of the bucket @p hash maps to first: fastrange, a multiply instead of a division. */
static inline uint32_t sf_conn_first_bucket(const struct sf_conn *c, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * sf_conn_head_of(c)->nb) >> 32);
}

/** Prefetch the bucket @p hash maps to first, ahead of a lookup or a delete. */
static inline void sf_conn_prefetch(const struct sf_conn *c, uint32_t hash)
{
	__builtin_prefetch((const uint8_t *)sf_conn_head_of(c)->buckets +
			   (size_t)sf_conn_first_bucket(c, hash) * SF_CONN_BUCKET_BYTES);
}

/** Prefetch both buckets @p hash maps to, ahead of an insert (a full first bucket sends the
 * key to its other one). */
void sf_conn_prefetch_insert(const struct sf_conn *c, uint32_t hash);

/**
 * The value stored for @p key, or SF_CONN_MISS. @p hash is the key's hash.
 */
uint32_t sf_conn_lookup(const struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash);

/** Most keys sf_conn_lookup_burst() takes per call. */
#define SF_CONN_BURST_MAX 64

/**
 * Look up @p n keys (n <= SF_CONN_BURST_MAX) in three passes so their cache misses overlap:
 * prefetch every bucket, then read the buckets and prefetch each candidate's key, then compare.
 * @p vals receives a value or SF_CONN_MISS per key.
 */
void sf_conn_lookup_burst(const struct sf_conn *c, const struct sf_flow_key *const *keys,
			  const uint32_t *hashes, unsigned int n, uint32_t *vals);

/* ---- TCB pool ---- */

/**
 * Take a TCB from the pool, record @p key and @p hash beside it and map @p key to it.
 * The object's bytes are left as the last user left them.
 * @return 0 and *@p idx; -ENOBUFS when the pool is empty (the listener falls back to SYN
 * cookies); -ENOSPC when the table is full; -EEXIST when @p key is already mapped.
 */
int sf_tcb_alloc(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx);

/**
 * sf_tcb_alloc() for a @p key the caller knows is not mapped (it has just missed the lookup,
 * e.g. a server's SYN): the table is not searched for it. Same returns, but never -EEXIST.
 */
int sf_tcb_alloc_unmapped(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx);

/** Unmap TCB @p idx's key and return the TCB to the pool. */
void sf_tcb_free(struct sf_conn *c, uint32_t idx);

/** Address of TCB @p idx. */
static inline void *sf_tcb_ptr(const struct sf_conn *c, uint32_t idx)
{
	const struct sf_conn_head *h = sf_conn_head_of(c);

	return h->tcb_mem + (size_t)idx * h->tcb_stride;
}

/** Index of the TCB at @p tcb (an address sf_tcb_ptr() returned). */
static inline uint32_t sf_tcb_index(const struct sf_conn *c, const void *tcb)
{
	const struct sf_conn_head *h = sf_conn_head_of(c);

	return (uint32_t)((size_t)((const uint8_t *)tcb - h->tcb_mem) / h->tcb_stride);
}

/** Key of TCB @p idx (valid while it is allocated). */
static inline const struct sf_flow_key *sf_tcb_key(const struct sf_conn *c, uint32_t idx)
{
	return &sf_conn_head_of(c)->tcb_meta[idx].key;
}

/** Hash recorded for TCB @p idx. */
static inline uint32_t sf_tcb_hash(const struct sf_conn *c, uint32_t idx)
{
	return sf_conn_head_of(c)->tcb_meta[idx].hash;
}

/* ---- TIME_WAIT store ---- */

/**
 * Turn TCB @p tcb_idx into a TIME_WAIT entry holding @p st until tick @p expires (2MSL from
 * now): the key's table slot is switched to the entry in place and the TCB goes back to the
 * pool. A full ring first recycles its oldest entry (counted).
 * @return 0 and *@p ref (the entry's table value); -ENOSPC for IPv6 when tw6_capacity is 0,
 * in which case the TCB is freed and its key unmapped.
 */
int sf_tw_from_tcb(struct sf_conn *c, uint32_t tcb_idx, const struct sf_tw_state *st, uint64_t expires,
		   uint32_t *ref);

/**
 * Store a TIME_WAIT entry for @p key, which must not be mapped yet (e.g. a connection
 * closed without a TCB). A full ring recycles its oldest entry.
 * @return 0 and *@p ref; -EEXIST when @p key is mapped; -ENOSPC when the table is full or
 * IPv6 TIME_WAIT is disabled.
 */
int sf_tw_insert(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, const struct sf_tw_state *st,
		 uint64_t expires, uint32_t *ref);

/** The state of entry @p ref (a TW table value), for lib/tcp to decide on and update. */
struct sf_tw_state *sf_tw_get(const struct sf_conn *c, uint32_t ref);

/** Expiry tick of entry @p ref, low 32 bits (compare with serial arithmetic). */
uint32_t sf_tw_expires(const struct sf_conn *c, uint32_t ref);

/** Rebuild the key of entry @p ref into @p key. */
void sf_tw_key(const struct sf_conn *c, uint32_t ref, struct sf_flow_key *key);

/**
 * RFC 9293 3.10.7.4: a retransmitted FIN restarts the 2MSL timeout. The entry moves to the
 * tail of its ring with expiry @p expires, keeping the ring a FIFO; its table slot follows.
 * @return the entry's new table value, or SF_CONN_MISS when @p ref was removed already.
 */
uint32_t sf_tw_restart(struct sf_conn *c, uint32_t ref, uint64_t expires);

/**
 * Remove entry @p ref now (RFC 6191: a new SYN may reopen the 4-tuple; or an RST): its key
 * is unmapped and its ring slot becomes a hole the head skips. Removing it twice is harmless.
 */
void sf_tw_remove(struct sf_conn *c, uint32_t ref);

/**
 * Remove up to @p budget entries whose expiry is at or before tick @p now, oldest first,
 * from both rings and the table; in a ring past its soft cap (all but min(cap / 64, 256)
 * slots) also its oldest entries until it is back under it, due or not (counted in
 * tw_recycled, like the entries a full ring's push ends). Holes left by removed or restarted
 * entries are skipped within the same budget.
 * @return the number of entries removed, expired or recycled (holes not counted).
 */
unsigned int sf_tw_expire(struct sf_conn *c, uint64_t now, unsigned int budget);

/**
 * Verify the table's and rings' invariants: every slot's signature and bucket agree with its
 * key's hash, outflow counts, every live entry mapped exactly once, free-list and gauges.
 * O(capacity), for tests. @return 0, or a negative number naming the broken rule.
 */
int sf_conn_check(const struct sf_conn *c);

#endif /* SF_CONN_H */

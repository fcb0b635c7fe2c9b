/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_CONN_PRIV_H
#define SF_CONN_PRIV_H

/*
 * lib/conn internals shared by the table, the TCB pool and the TIME_WAIT rings.
 *
 * Table: nb buckets of 8 slots. A key's primary bucket is fastrange(hash, nb), its signature a
 * 16-bit mix of the hash (never 0: 0 marks an empty slot), and its other bucket
 * (f(sig) - primary) mod nb, which maps the other bucket back to the primary with the same
 * signature, so an entry can be moved between its two buckets without its key or hash. Each
 * bucket counts the keys whose primary it is but which live in their other bucket ("outflow")
 * and keeps a 64-bit mask of their signatures' low bits: a lookup whose bit is clear is over
 * without touching a second line (the mask is cleared when the count drops to zero).
 */

#include <errno.h>
#include <string.h>

#include "sf_conn.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define SF_BUCKET_SLOTS 8
/* Most keys per slot the table is sized for: the rest is slack for cuckoo moves. */
#define SF_TABLE_LOAD_NUM 85
#define SF_TABLE_LOAD_DEN 100

struct sf_bucket {
	uint16_t sig[SF_BUCKET_SLOTS]; /* 0 = empty */
	uint32_t val[SF_BUCKET_SLOTS];
	uint8_t alt;                   /* bit i: slot i's key lives in its other bucket */
	uint8_t pad[3];
	uint32_t outflow;              /* keys whose primary is this bucket, living in the other */
	uint64_t outflow_sigs;         /* bit (sig & 63) of each of those keys; may hold stale bits */
};

/* IPv4 TIME_WAIT entry: 32 bytes (its table position is in its ring's pos[]). */
struct sf_tw4 {
	struct sf_tw_state st;
	uint32_t expires;
	uint8_t laddr[4], raddr[4];
	uint16_t lport, rport;
};

/* IPv6 TIME_WAIT entry: 64 bytes. */
struct sf_tw6 {
	struct sf_tw_state st;
	uint32_t expires;
	uint16_t lport, rport;
	uint8_t pad[8];
	uint8_t laddr[16], raddr[16];
};

/* pos[] of a ring slot whose entry left early (RFC 6191 reopen, RST, restart): a hole. */
#define SF_TW_HOLE UINT32_MAX

/*
 * A FIFO ring of fixed-size entries: the oldest at head. Past @soft_cap entries, expiry ends
 * the oldest early, in its prefetched batches (see sf_tw_expire()). Beside the entries, pos[]
 * holds each live entry's table position (as a TCB's key record does), kept as cuckoo moves
 * shift it: expiry unmaps an entry without hashing its key or searching its bucket, and reads
 * only pos[] and the entry's expiry, both in ring order.
 */
struct sf_tw_ring {
	uint8_t *mem;      /* cap entries of esize bytes, then pos[] */
	uint32_t *pos;
	size_t bytes;      /* both */
	uint32_t cap, head, count;
	uint32_t esize;
	uint32_t soft_cap;
};

/* Most ring slots kept free by early recycling: a poll's new TIME_WAIT entries (a few bursts)
 * then find room without ending an entry each, one cold table bucket at a time. */
#define SF_TW_HEADROOM_MAX 256u

static inline uint32_t tw_soft_cap(uint32_t cap)
{
	uint32_t room = cap >> 6; /* small stores (tests, tiny configurations) keep every slot */

	return cap - (room < SF_TW_HEADROOM_MAX ? room : SF_TW_HEADROOM_MAX);
}

struct sf_conn {
	struct sf_conn_head h; /* first: sf_conn.h's inline functions read it */
	uint32_t table_cap;
	size_t table_bytes;
	sf_conn_hash_fn hash_fn;
	void *hash_ctx;

	size_t tcb_bytes;
	size_t tcb_meta_bytes;
	uint32_t *tcb_free;     /* stack of free TCB indexes */
	size_t tcb_free_bytes;
	uint32_t tcb_cap, tcb_free_top;

	struct sf_tw_ring tw4, tw6;

	struct sf_conn_stats stats;
};

_Static_assert(sizeof(struct sf_bucket) == SF_CONN_BUCKET_BYTES, "a bucket is one cache line");
_Static_assert(sizeof(struct sf_tw4) == 32, "an IPv4 TIME_WAIT entry is 32 bytes");
_Static_assert(sizeof(struct sf_tw6) == 64, "an IPv6 TIME_WAIT entry is 64 bytes");
_Static_assert(sizeof(struct sf_tcb_meta) == 64, "a TCB key record is one cache line");
_Static_assert(offsetof(struct sf_conn, h) == 0, "sf_conn.h reads the head at the start");

#define SF_NO_INDEX UINT32_MAX

/* ---- table geometry ---- */

static inline uint32_t tbl_primary(const struct sf_conn *c, uint32_t hash)
{
	return sf_conn_first_bucket(c, hash);
}

static inline uint16_t tbl_sig(uint32_t hash)
{
	/* Keys of one bucket share the hash's high bits: mix the low ones up into the signature. */
	uint16_t s = (uint16_t)((hash * UINT32_C(0x9e3779b1)) >> 16);

	return s != 0 ? s : 1;
}

static inline uint32_t tbl_other(const struct sf_conn *c, uint32_t b, uint16_t sig)
{
	uint32_t f = (uint32_t)(((uint64_t)((uint32_t)sig * UINT32_C(0x85ebca6b)) * c->h.nb) >> 32);

	return f >= b ? f - b : f + c->h.nb - b;
}

/* Bit i set when slot i's signature equals @sig. */
static inline unsigned int bkt_match(const struct sf_bucket *b, uint16_t sig)
{
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->sig);
	__m128i eq = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig));
	/* packs turns each 16-bit lane into one byte: one mask bit per slot */
	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	unsigned int m = 0;

	for (unsigned int i = 0; i < SF_BUCKET_SLOTS; i++)
		m |= (unsigned int)(b->sig[i] == sig) << i;
	return m;
#endif
}

/* A key with signature @sig whose primary is @p moved to its other bucket. */
static inline void outflow_add(struct sf_bucket *p, uint16_t sig)
{
	p->outflow++;
	p->outflow_sigs |= UINT64_C(1) << (sig & 63u);
}

/* A key whose primary is @p left its other bucket. */
static inline void outflow_sub(struct sf_bucket *p)
{
	if (--p->outflow == 0)
		p->outflow_sigs = 0;
}

/* Could a key with signature @sig and primary @p be in its other bucket? */
static inline bool outflow_may_hold(const struct sf_bucket *p, uint16_t sig)
{
	return (p->outflow_sigs >> (sig & 63u)) & 1u;
}

/* ---- keys ---- */

/* Whole keys: @rec a TCB's record (16-byte aligned), @key any. Loaded straight from both (no
 * copy through the stack: see sf_conn_hash_crc()); with SSE2, 16 bytes a compare. */
static inline bool key_eq(const struct sf_flow_key *rec, const struct sf_flow_key *key)
{
	const uint8_t *p = (const uint8_t *)rec, *q = (const uint8_t *)key;
	uint64_t x, y;

	_Static_assert(sizeof(*key) == 40, "two 16-byte halves and 8 bytes");
	memcpy(&x, p + 32, sizeof(x));
	memcpy(&y, q + 32, sizeof(y));
#if defined(__SSE2__)
	__m128i lo = _mm_cmpeq_epi8(_mm_load_si128((const __m128i *)(const void *)p),
				    _mm_loadu_si128((const __m128i *)(const void *)q));
	__m128i hi = _mm_cmpeq_epi8(_mm_load_si128((const __m128i *)(const void *)(p + 16)),
				    _mm_loadu_si128((const __m128i *)(const void *)(q + 16)));

	return _mm_movemask_epi8(_mm_and_si128(lo, hi)) == 0xffff && x == y;
#else
	uint64_t diff = x ^ y;

	for (unsigned int i = 0; i < 32; i += 8) {
		memcpy(&x, p + i, sizeof(x));
		memcpy(&y, q + i, sizeof(y));
		diff |= x ^ y;
	}
	return diff == 0;
#endif
}

static inline struct sf_tw4 *tw4_at(const struct sf_conn *c, uint32_t i)
{
	return (struct sf_tw4 *)(void *)(c->tw4.mem + (size_t)i * sizeof(struct sf_tw4));
}

static inline struct sf_tw6 *tw6_at(const struct sf_conn *c, uint32_t i)
{
	return (struct sf_tw6 *)(void *)(c->tw6.mem + (size_t)i * sizeof(struct sf_tw6));
}

/* Where the key of the object named by @v lives (to prefetch it). */
static inline const void *val_key_addr(const struct sf_conn *c, uint32_t v)
{
	switch (sf_conn_kind(v)) {
	case SF_CONN_TW4:
		return tw4_at(c, sf_conn_index(v));
	case SF_CONN_TW6:
		return tw6_at(c, sf_conn_index(v));
	default:
		return &c->h.tcb_meta[sf_conn_index(v)];
	}
}

static inline bool val_has_key(const struct sf_conn *c, uint32_t v, const struct sf_flow_key *key)
{
	switch (sf_conn_kind(v)) {
	case SF_CONN_TW4: {
		const struct sf_tw4 *e = tw4_at(c, sf_conn_index(v));

		return key->family == SF_AF_INET && e->lport == key->lport && e->rport == key->rport &&
		       memcmp(e->laddr, key->laddr, 4) == 0 && memcmp(e->raddr, key->raddr, 4) == 0;
	}
	case SF_CONN_TW6: {
		const struct sf_tw6 *e = tw6_at(c, sf_conn_index(v));

		return key->family == SF_AF_INET6 && e->lport == key->lport && e->rport == key->rport &&
		       memcmp(e->laddr, key->laddr, 16) == 0 && memcmp(e->raddr, key->raddr, 16) == 0;
	}
	default:
		return key_eq(&c->h.tcb_meta[sf_conn_index(v)].key, key);
	}
}

/* Slot of @key in bucket @b among the slots of @mask, or NULL. */
static inline uint32_t *bkt_find_key(const struct sf_conn *c, struct sf_bucket *b, unsigned int mask,
				     const struct sf_flow_key *key)
{
	while (mask != 0) {
		unsigned int i = (unsigned int)__builtin_ctz(mask);

		mask &= mask - 1;
		if (val_has_key(c, b->val[i], key))
			return &b->val[i];
	}
	return NULL;
}

/* False when no key with hash @hash is mapped: no signature matches in its primary bucket and
 * none with its signature's bit moved out. Otherwise tbl_find_key() tells. */
static inline bool tbl_may_hold(const struct sf_conn *c, uint32_t hash)
{
	uint16_t sig = tbl_sig(hash);
	const struct sf_bucket *b = &c->h.buckets[tbl_primary(c, hash)];

	return bkt_match(b, sig) != 0 || outflow_may_hold(b, sig);
}

/* The slot holding value @v, whose key has hash @hash, or NULL. */
static inline uint32_t *tbl_find_val(const struct sf_conn *c, uint32_t hash, uint32_t v)
{
	uint16_t sig = tbl_sig(hash);
	uint32_t p = tbl_primary(c, hash);
	struct sf_bucket *b = &c->h.buckets[p];

	for (int pass = 0; pass < 2; pass++) {
		unsigned int m = bkt_match(b, sig);

		while (m != 0) {
			unsigned int i = (unsigned int)__builtin_ctz(m);

			m &= m - 1;
			if (b->val[i] == v)
				return &b->val[i];
		}
		if (!outflow_may_hold(b, sig))
			break;
		b = &c->h.buckets[tbl_other(c, p, sig)];
	}
	return NULL;
}

/* The value slot at position @pos: bucket * SF_BUCKET_SLOTS + slot. */
static inline uint32_t *tbl_slot_at(const struct sf_conn *c, uint32_t pos)
{
	return &c->h.buckets[pos / SF_BUCKET_SLOTS].val[pos % SF_BUCKET_SLOTS];
}

/* Slot @i of bucket @bi now holds value @v: the position recorded for its TCB or TIME_WAIT
 * entry follows it there. */
static inline void val_placed(struct sf_conn *c, uint32_t v, uint32_t bi, unsigned int i)
{
	uint32_t pos = bi * SF_BUCKET_SLOTS + i;

	switch (sf_conn_kind(v)) {
	case SF_CONN_TW4:
		c->tw4.pos[sf_conn_index(v)] = pos;
		break;
	case SF_CONN_TW6:
		c->tw6.pos[sf_conn_index(v)] = pos;
		break;
	default:
		c->h.tcb_meta[sf_conn_index(v)].pos = pos;
	}
}

/* table.c */
uint32_t tbl_crc_hash_fn(const struct sf_flow_key *key, void *ctx); /* the default hash_fn */
uint32_t *tbl_find_key(const struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash);
int tbl_insert_slow(struct sf_conn *c, uint32_t hash, uint32_t v);

/* The free slots of bucket @p when the table may grow: where most inserts go, into their
 * primary bucket (tbl_put_primary()); 0 sends them to tbl_insert_slow(). */
static inline unsigned int tbl_primary_room(const struct sf_conn *c, uint32_t p)
{
	return c->stats.table_used < c->table_cap ? bkt_match(&c->h.buckets[p], 0) : 0;
}

/* Map a key of signature @sig to @v in the first of the free slots @room of its primary
 * bucket @p. An empty slot's alt bit is already clear. */
static inline void tbl_put_primary(struct sf_conn *c, uint32_t p, unsigned int room, uint16_t sig, uint32_t v)
{
	struct sf_bucket *b = &c->h.buckets[p];
	unsigned int i = (unsigned int)__builtin_ctz(room);

	b->sig[i] = sig;
	b->val[i] = v;
	val_placed(c, v, p, i);
	c->stats.table_used++;
}

/* Map a key with hash @hash (not mapped yet) to @v. @return 0, or -ENOSPC (counted). */
static inline int tbl_insert(struct sf_conn *c, uint32_t hash, uint32_t v)
{
	uint32_t p = tbl_primary(c, hash);
	unsigned int room = tbl_primary_room(c, p);

	if (__builtin_expect(room != 0, 1)) {
		tbl_put_primary(c, p, room, tbl_sig(hash), v);
		return 0;
	}
	return tbl_insert_slow(c, hash, v);
}

/* Empty the slot at position @pos (see tbl_slot_at()). */
static inline void tbl_remove_at(struct sf_conn *c, uint32_t pos)
{
	uint32_t bi = pos / SF_BUCKET_SLOTS;
	unsigned int i = pos % SF_BUCKET_SLOTS;
	struct sf_bucket *b = &c->h.buckets[bi];

	if (__builtin_expect((b->alt >> i) & 1u, 0)) {
		outflow_sub(&c->h.buckets[tbl_other(c, bi, b->sig[i])]);
		b->alt &= (uint8_t)~(1u << i);
	}
	b->sig[i] = 0;
	c->stats.table_used--;
}

/* Empty @slot (an address tbl_find_key(), tbl_find_val() or tbl_slot_at() returned). */
static inline void tbl_remove_slot(struct sf_conn *c, uint32_t *slot)
{
	struct sf_bucket *b = (struct sf_bucket *)(void *)((uintptr_t)slot & ~(uintptr_t)63);

	tbl_remove_at(c, (uint32_t)(b - c->h.buckets) * SF_BUCKET_SLOTS + (uint32_t)(slot - b->val));
}

/* ---- TCB pool ---- */

/* The free TCB the next allocation takes. Its bound lets the compiler see that the TCB's
 * table value is of kind SF_CONN_TCB, so val_placed() folds to one store. */
static inline uint32_t tcb_next_free(const struct sf_conn *c)
{
	uint32_t i = c->tcb_free[c->tcb_free_top - 1];

	if (i > SF_CONN_MAX_CAPACITY)
		__builtin_unreachable();
	return i;
}

/* Back to the free stack; the caller has already unmapped or remapped its key. */
static inline void tcb_release(struct sf_conn *c, uint32_t idx)
{
	c->tcb_free[c->tcb_free_top++] = idx;
	c->stats.tcb_used--;
}

/* tcb.c / tw.c, for create and check */
void tcb_pool_init(struct sf_conn *c);
int tw_check(const struct sf_conn *c);
int tcb_check(const struct sf_conn *c);

#endif /* SF_CONN_PRIV_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compact TIME_WAIT store: one ring per address family. Every entry lives exactly 2MSL
 * (RFC 9293 3.10.7.4), so entries expire in the order they were stored and the ring is its
 * own expiry queue: no timer node, no links, no free list. An entry removed early (RFC 6191
 * reopen, RST) or restarted (moved to the tail) leaves a hole the head skips later. A full
 * ring recycles its oldest entry, as FreeBSD's tcp_timewait does; expiry keeps a little room
 * free ahead of that (the soft cap), so at rates that outrun 2MSL the recycling happens in
 * prefetched batches instead of one cache miss per new entry.
 */
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "sf_conn_priv.h"

static inline uint32_t tw_value(enum sf_conn_kind k, uint32_t i)
{
	return ((uint32_t)k << SF_CONN_KIND_SHIFT) | i;
}

static inline struct sf_tw_ring *ring_of(struct sf_conn *c, enum sf_conn_kind k)
{
	return k == SF_CONN_TW6 ? &c->tw6 : &c->tw4;
}

static inline uint32_t *gauge_of(struct sf_conn *c, enum sf_conn_kind k)
{
	return k == SF_CONN_TW6 ? &c->stats.tw6_used : &c->stats.tw4_used;
}

/* Ports 0/0 mark a hole: lib/net drops TCP port 0, so no live entry has them. */
static inline bool tw_is_hole(const struct sf_conn *c, uint32_t v)
{
	if (sf_conn_kind(v) == SF_CONN_TW6) {
		const struct sf_tw6 *e = tw6_at(c, sf_conn_index(v));

		return e->lport == 0 && e->rport == 0;
	}
	const struct sf_tw4 *e = tw4_at(c, sf_conn_index(v));

	return e->lport == 0 && e->rport == 0;
}

static inline void tw_make_hole(struct sf_conn *c, uint32_t v)
{
	if (sf_conn_kind(v) == SF_CONN_TW6) {
		struct sf_tw6 *e = tw6_at(c, sf_conn_index(v));

		e->lport = e->rport = 0;
	} else {
		struct sf_tw4 *e = tw4_at(c, sf_conn_index(v));

		e->lport = e->rport = 0;
	}
}

/* IPv6 entries keep their hash; IPv4 ones have no room for it and recompute it. */
/*
 * sf_conn_hash_crc() of an IPv4 entry's key without building the key: the key's five 64-bit
 * words are its local address (zero-extended), zero, its remote address, zero, and ports with
 * the family (sf_net.h's layout, read as a little-endian host does). Expiry hashes one entry per
 * connection at full load: a 40-byte key zeroed and filled, and an indirect call, cost more than
 * the five CRC steps.
 */
static inline uint32_t tw4_hash_crc(const struct sf_tw4 *e)
{
#if defined(__SSE4_2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t l, r;
	uint64_t h = UINT32_MAX;

	memcpy(&l, e->laddr, 4);
	memcpy(&r, e->raddr, 4);
	h = _mm_crc32_u64(h, l);
	h = _mm_crc32_u64(h, 0);
	h = _mm_crc32_u64(h, r);
	h = _mm_crc32_u64(h, 0);
	return (uint32_t)_mm_crc32_u64(h, (uint64_t)e->lport | (uint64_t)e->rport << 16 |
					      (uint64_t)SF_AF_INET << 32);
#else
	struct sf_flow_key k = { .lport = e->lport, .rport = e->rport, .family = SF_AF_INET };

	memcpy(k.laddr, e->laddr, 4);
	memcpy(k.raddr, e->raddr, 4);
	return sf_conn_hash_crc(&k);
#endif
}

/* The table hash of TIME_WAIT entry @v's key: IPv6 entries keep theirs. */
static inline uint32_t tw_hash(const struct sf_conn *c, uint32_t v)
{
	struct sf_flow_key k;

	if (sf_conn_kind(v) == SF_CONN_TW6)
		return tw6_at(c, sf_conn_index(v))->hash;
	if (c->hash_fn == tbl_crc_hash_fn)
		return tw4_hash_crc(tw4_at(c, sf_conn_index(v)));
	sf_tw_key(c, v, &k);
	return c->hash_fn(&k, c->hash_ctx);
}

/* Unmap live entry @v and leave a hole. */
static inline void tw_unmap(struct sf_conn *c, uint32_t v, uint32_t hash)
{
	uint32_t *slot = tbl_find_val(c, hash, v);

	if (slot != NULL)
		tbl_remove_slot(c, slot);
	tw_make_hole(c, v);
}

static inline void ring_pop(struct sf_conn *c, enum sf_conn_kind k)
{
	struct sf_tw_ring *r = ring_of(c, k);

	r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
	r->count--;
	(*gauge_of(c, k))--;
}

/* Full ring @k: its oldest entry ends early. Out of line (and its hash callback with it): a
 * ring fills only when TIME_WAIT outlasts its capacity, and the common push then saves no
 * registers. */
static __attribute__((noinline)) void ring_recycle(struct sf_conn *c, enum sf_conn_kind k)
{
	uint32_t oldest = tw_value(k, ring_of(c, k)->head);

	if (!tw_is_hole(c, oldest)) {
		tw_unmap(c, oldest, tw_hash(c, oldest));
		c->stats.tw_recycled++;
	}
	ring_pop(c, k);
}

/* A slot at the tail of ring @k (cap > 0), recycling the oldest entry when the ring is full. */
static inline uint32_t ring_push(struct sf_conn *c, enum sf_conn_kind k)
{
	struct sf_tw_ring *r = ring_of(c, k);
	uint32_t i;

	if (__builtin_expect(r->count == r->cap, 0))
		ring_recycle(c, k);
	i = r->head + r->count;
	if (i >= r->cap)
		i -= r->cap;
	r->count++;
	(*gauge_of(c, k))++;
	return i;
}

/* Fill entry @i of ring @k. */
static inline void tw_fill(struct sf_conn *c, enum sf_conn_kind k, uint32_t i, const struct sf_flow_key *key,
			   uint32_t hash, const struct sf_tw_state *st, uint32_t expires)
{
	if (k == SF_CONN_TW6) {
		struct sf_tw6 *e = tw6_at(c, i);

		e->st = *st;
		e->expires = expires;
		e->lport = key->lport;
		e->rport = key->rport;
		e->hash = hash;
		memcpy(e->laddr, key->laddr, 16);
		memcpy(e->raddr, key->raddr, 16);
	} else {
		struct sf_tw4 *e = tw4_at(c, i);

		e->st = *st;
		e->expires = expires;
		e->lport = key->lport;
		e->rport = key->rport;
		memcpy(e->laddr, key->laddr, 4);
		memcpy(e->raddr, key->raddr, 4);
	}
}

static enum sf_conn_kind kind_of_family(uint8_t family)
{
	return family == SF_AF_INET6 ? SF_CONN_TW6 : SF_CONN_TW4;
}

/* The entry of TCB @tcb_idx, whose key is of kind @k (a constant once inlined), at the tail of
 * ring @k: its table slot switched to it, the TCB back in the pool. @return the entry's value. */
static inline __attribute__((always_inline)) uint32_t tw_from_tcb(struct sf_conn *c, uint32_t tcb_idx,
								  const struct sf_tw_state *st, uint64_t expires,
								  enum sf_conn_kind k)
{
	const struct sf_tcb_meta *m = &c->h.tcb_meta[tcb_idx];
	uint32_t i = ring_push(c, k);

	/* Recycling may clear other slots but never moves one: the TCB's slot is where it was. */
	tw_fill(c, k, i, &m->key, m->hash, st, (uint32_t)expires);
	*tbl_slot_at(c, m->pos) = tw_value(k, i);
	tcb_release(c, tcb_idx);
	return tw_value(k, i);
}

/* sf_tw_from_tcb() for IPv6, a full ring or no ring. */
static __attribute__((noinline)) int tw_from_tcb_slow(struct sf_conn *c, uint32_t tcb_idx,
						      const struct sf_tw_state *st, uint64_t expires, uint32_t *ref)
{
	enum sf_conn_kind k = kind_of_family(c->h.tcb_meta[tcb_idx].key.family);

	if (ring_of(c, k)->cap == 0) {
		tbl_remove_at(c, c->h.tcb_meta[tcb_idx].pos);
		tcb_release(c, tcb_idx);
		c->stats.tw_refused++;
		return -ENOSPC;
	}
	*ref = k == SF_CONN_TW6 ? tw_from_tcb(c, tcb_idx, st, expires, SF_CONN_TW6)
				: tw_from_tcb(c, tcb_idx, st, expires, SF_CONN_TW4);
	return 0;
}

int sf_tw_from_tcb(struct sf_conn *c, uint32_t tcb_idx, const struct sf_tw_state *st, uint64_t expires,
		   uint32_t *ref)
{
	/* IPv4 with room in its ring, nearly every close: no call, so no saved registers. */
	if (__builtin_expect(c->h.tcb_meta[tcb_idx].key.family == SF_AF_INET6 || c->tw4.count == c->tw4.cap, 0))
		return tw_from_tcb_slow(c, tcb_idx, st, expires, ref);
	*ref = tw_from_tcb(c, tcb_idx, st, expires, SF_CONN_TW4);
	return 0;
}

int sf_tw_insert(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, const struct sf_tw_state *st,
		 uint64_t expires, uint32_t *ref)
{
	enum sf_conn_kind k = kind_of_family(key->family);
	uint32_t i, v;
	int rc;

	if (tbl_may_hold(c, hash) && tbl_find_key(c, key, hash) != NULL)
		return -EEXIST;
	if (ring_of(c, k)->cap == 0) {
		c->stats.tw_refused++;
		return -ENOSPC;
	}
	i = ring_push(c, k); /* a full ring frees a table slot first */
	v = tw_value(k, i);
	tw_fill(c, k, i, key, hash, st, (uint32_t)expires);
	rc = tbl_insert(c, hash, v);
	if (rc != 0) {
		tw_make_hole(c, v);
		return rc;
	}
	*ref = v;
	return 0;
}

struct sf_tw_state *sf_tw_get(const struct sf_conn *c, uint32_t ref)
{
	if (sf_conn_kind(ref) == SF_CONN_TW6)
		return &tw6_at(c, sf_conn_index(ref))->st;
	return &tw4_at(c, sf_conn_index(ref))->st;
}

/* sf_tw_expires(), inline for expiry's two looks at every entry. */
static inline uint32_t tw_expires(const struct sf_conn *c, uint32_t ref)
{
	if (sf_conn_kind(ref) == SF_CONN_TW6)
		return tw6_at(c, sf_conn_index(ref))->expires;
	return tw4_at(c, sf_conn_index(ref))->expires;
}

uint32_t sf_tw_expires(const struct sf_conn *c, uint32_t ref)
{
	return tw_expires(c, ref);
}

void sf_tw_key(const struct sf_conn *c, uint32_t ref, struct sf_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	if (sf_conn_kind(ref) == SF_CONN_TW6) {
		const struct sf_tw6 *e = tw6_at(c, sf_conn_index(ref));

		memcpy(key->laddr, e->laddr, 16);
		memcpy(key->raddr, e->raddr, 16);
		key->lport = e->lport;
		key->rport = e->rport;
		key->family = SF_AF_INET6;
	} else {
		const struct sf_tw4 *e = tw4_at(c, sf_conn_index(ref));

		memcpy(key->laddr, e->laddr, 4);
		memcpy(key->raddr, e->raddr, 4);
		key->lport = e->lport;
		key->rport = e->rport;
		key->family = SF_AF_INET;
	}
}

uint32_t sf_tw_restart(struct sf_conn *c, uint32_t ref, uint32_t hash, uint64_t expires)
{
	enum sf_conn_kind k = sf_conn_kind(ref);
	uint32_t *slot = tbl_find_val(c, hash, ref);
	struct sf_flow_key key;
	struct sf_tw_state st;
	uint32_t i, v;

	if (slot == NULL)
		return SF_CONN_MISS; /* not a live entry, or not its hash */
	sf_tw_key(c, ref, &key);
	st = *sf_tw_get(c, ref);
	tw_make_hole(c, ref);
	/* A FIFO stays sorted only by appending: the entry moves to the tail. If the ring is
	 * full, the oldest slot is recycled first (possibly the hole just made). */
	i = ring_push(c, k);
	v = tw_value(k, i);
	tw_fill(c, k, i, &key, hash, &st, (uint32_t)expires);
	*slot = v;
	return v;
}

void sf_tw_remove(struct sf_conn *c, uint32_t ref, uint32_t hash)
{
	if (!tw_is_hole(c, ref))
		tw_unmap(c, ref, hash);
}

/* Entries expired ahead of the one being removed: their buckets are fetched meanwhile. */
#define EXPIRE_AHEAD 8

static inline bool tw_due(const struct sf_conn *c, uint32_t v, uint32_t now)
{
	return (int32_t)(tw_expires(c, v) - now) <= 0;
}

/* Hash of the entry @j places behind @start in ring @k, its bucket prefetched, when it is live
 * and leaves now (due, or among the first @force slots); otherwise 0, unused. */
static inline uint32_t expire_prefetch(struct sf_conn *c, enum sf_conn_kind k, uint32_t start, uint32_t j,
				       uint32_t force, uint32_t now)
{
	const struct sf_tw_ring *r = ring_of(c, k);
	uint32_t i = start + j >= r->cap ? start + j - r->cap : start + j;
	uint32_t v = tw_value(k, i), h;

	if (tw_is_hole(c, v) || (j >= force && !tw_due(c, v, now)))
		return 0;
	h = tw_hash(c, v);
	sf_conn_prefetch(c, h);
	return h;
}

/* Nothing to do in ring @k at tick @now: it is empty, or below its soft cap with its oldest
 * entry live and still young. Most calls (one a poll) stop here, before any prefetching. */
static inline bool ring_idle(const struct sf_conn *c, enum sf_conn_kind k, uint32_t now)
{
	const struct sf_tw_ring *r = k == SF_CONN_TW6 ? &c->tw6 : &c->tw4;

	return r->count == 0 || (r->count <= r->soft_cap && !tw_is_hole(c, tw_value(k, r->head)) &&
				 !tw_due(c, tw_value(k, r->head), now));
}

/*
 * Remove from the head of ring @k: entries due at @now, and the oldest slots past the ring's
 * soft cap whether due or not (counted as recycled: TIME_WAIT ended early, as a full ring's
 * push would end them, but here in a batch whose table buckets are fetched ahead). @budget
 * counts holes skipped too.
 */
static __attribute__((always_inline)) inline void ring_expire(struct sf_conn *c, enum sf_conn_kind k, uint32_t now,
							      unsigned int *budget, unsigned int *expired,
							      unsigned int *recycled)
{
	struct sf_tw_ring *r = ring_of(c, k);
	uint32_t limit = *budget < r->count ? *budget : r->count;
	uint32_t force = r->count > r->soft_cap ? r->count - r->soft_cap : 0;
	uint32_t start = r->head;
	uint32_t hashes[EXPIRE_AHEAD];

	for (uint32_t j = 0; j < EXPIRE_AHEAD && j < limit; j++)
		hashes[j] = expire_prefetch(c, k, start, j, force, now);
	for (uint32_t j = 0; j < limit; j++) {
		uint32_t v = tw_value(k, r->head);
		uint32_t h = hashes[j % EXPIRE_AHEAD];

		if (j + EXPIRE_AHEAD < limit)
			hashes[j % EXPIRE_AHEAD] = expire_prefetch(c, k, start, j + EXPIRE_AHEAD, force, now);
		if (!tw_is_hole(c, v)) {
			bool due = tw_due(c, v, now);

			if (!due && j >= force)
				break; /* the oldest is still young: so are all behind it */
			tw_unmap(c, v, h);
			if (due)
				(*expired)++;
			else
				(*recycled)++;
		}
		ring_pop(c, k);
		(*budget)--;
	}
}

/* ring_expire() once per kind, the kind a constant: its helpers' IPv4-or-IPv6 tests fold away
 * (one entry per connection passes through here at full load). Out of line: most polls find
 * both rings idle. */
static __attribute__((noinline)) void ring_expire_tw4(struct sf_conn *c, uint32_t now, unsigned int *budget,
						      unsigned int *expired, unsigned int *recycled)
{
	ring_expire(c, SF_CONN_TW4, now, budget, expired, recycled);
}

static __attribute__((noinline)) void ring_expire_tw6(struct sf_conn *c, uint32_t now, unsigned int *budget,
						      unsigned int *expired, unsigned int *recycled)
{
	ring_expire(c, SF_CONN_TW6, now, budget, expired, recycled);
}

unsigned int sf_tw_expire(struct sf_conn *c, uint64_t now, unsigned int budget)
{
	unsigned int expired = 0, recycled = 0;

	if (!ring_idle(c, SF_CONN_TW4, (uint32_t)now))
		ring_expire_tw4(c, (uint32_t)now, &budget, &expired, &recycled);
	if (!ring_idle(c, SF_CONN_TW6, (uint32_t)now))
		ring_expire_tw6(c, (uint32_t)now, &budget, &expired, &recycled);
	c->stats.tw_expired += expired;
	c->stats.tw_recycled += recycled;
	return expired + recycled;
}

int tw_check(const struct sf_conn *c)
{
	static const enum sf_conn_kind kinds[] = {SF_CONN_TW4, SF_CONN_TW6};
	uint64_t live = 0;

	for (unsigned int n = 0; n < 2; n++) {
		enum sf_conn_kind k = kinds[n];
		const struct sf_tw_ring *r = k == SF_CONN_TW6 ? &c->tw6 : &c->tw4;

		if (r->count > r->cap || (r->cap != 0 && r->head >= r->cap))
			return -30;
		if (r->count != (k == SF_CONN_TW6 ? c->stats.tw6_used : c->stats.tw4_used))
			return -31;
		for (uint32_t j = 0; j < r->count; j++) {
			uint32_t i = r->head + j >= r->cap ? r->head + j - r->cap : r->head + j;
			uint32_t v = tw_value(k, i);

			if (tw_is_hole(c, v))
				continue;
			live++;
			if (tbl_find_val(c, tw_hash(c, v), v) == NULL)
				return -32; /* live entry not mapped */
		}
	}
	/* Every table slot names a TCB or a live entry: none is left pointing at a hole. */
	if (live + c->stats.tcb_used != c->stats.table_used)
		return -33;
	return 0;
}

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

static inline uint32_t *tw_pos(const struct sf_conn *c, uint32_t v)
{
	return &(sf_conn_kind(v) == SF_CONN_TW6 ? &c->tw6 : &c->tw4)->pos[sf_conn_index(v)];
}

static inline bool tw_is_hole(const struct sf_conn *c, uint32_t v)
{
	return *tw_pos(c, v) == SF_TW_HOLE;
}

/* Entry @i of ring @k takes over the table slot at @pos (a TCB's, or its own before a restart). */
static inline void tw_take_slot(struct sf_conn *c, enum sf_conn_kind k, uint32_t i, uint32_t pos)
{
	*tbl_slot_at(c, pos) = tw_value(k, i);
	ring_of(c, k)->pos[i] = pos;
}

/* Unmap live entry @v and leave a hole. */
static inline void tw_unmap(struct sf_conn *c, uint32_t v)
{
	uint32_t *pos = tw_pos(c, v);

	tbl_remove_at(c, *pos);
	*pos = SF_TW_HOLE;
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
		tw_unmap(c, oldest);
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

/* Fill entry @i of ring @k (its pos[] is set where its table slot is). */
static inline void tw_fill(struct sf_conn *c, enum sf_conn_kind k, uint32_t i, const struct sf_flow_key *key,
			   const struct sf_tw_state *st, uint32_t expires)
{
	if (k == SF_CONN_TW6) {
		struct sf_tw6 *e = tw6_at(c, i);

		e->st = *st;
		e->expires = expires;
		e->lport = key->lport;
		e->rport = key->rport;
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
	tw_fill(c, k, i, &m->key, st, (uint32_t)expires);
	tw_take_slot(c, k, i, m->pos);
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
	tw_fill(c, k, i, key, st, (uint32_t)expires);
	rc = tbl_insert(c, hash, v); /* sets its pos[] */
	if (rc != 0) {
		*tw_pos(c, v) = SF_TW_HOLE;
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

uint32_t sf_tw_restart(struct sf_conn *c, uint32_t ref, uint64_t expires)
{
	enum sf_conn_kind k = sf_conn_kind(ref);
	uint32_t pos = *tw_pos(c, ref);
	struct sf_flow_key key;
	struct sf_tw_state st;
	uint32_t i;

	if (pos == SF_TW_HOLE)
		return SF_CONN_MISS; /* not a live entry */
	sf_tw_key(c, ref, &key);
	st = *sf_tw_get(c, ref);
	*tw_pos(c, ref) = SF_TW_HOLE;
	/* A FIFO stays sorted only by appending: the entry moves to the tail. If the ring is
	 * full, the oldest slot is recycled first (possibly the hole just made), which never
	 * moves another table slot: @pos is still this key's. */
	i = ring_push(c, k);
	tw_fill(c, k, i, &key, &st, (uint32_t)expires);
	tw_take_slot(c, k, i, pos);
	return tw_value(k, i);
}

void sf_tw_remove(struct sf_conn *c, uint32_t ref)
{
	if (!tw_is_hole(c, ref))
		tw_unmap(c, ref);
}

/* Entries expired ahead of the one being removed: their buckets are fetched meanwhile. */
#define EXPIRE_AHEAD 8

static inline bool tw_due(const struct sf_conn *c, uint32_t v, uint32_t now)
{
	return (int32_t)(tw_expires(c, v) - now) <= 0;
}

/* Prefetch the table bucket of the entry @j slots past @i in ring @r, unless it is a hole:
 * expiry is about to unmap it (or, once a call, finds it young and leaves it). */
static inline void expire_prefetch(const struct sf_conn *c, const struct sf_tw_ring *r, uint32_t i, uint32_t j)
{
	uint32_t pos = r->pos[i + j >= r->cap ? i + j - r->cap : i + j];

	if (pos != SF_TW_HOLE)
		__builtin_prefetch(&c->h.buckets[pos / SF_BUCKET_SLOTS]);
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
	uint32_t j;

	for (j = 0; j < EXPIRE_AHEAD && j < limit; j++)
		expire_prefetch(c, r, r->head, j);
	for (j = 0; j < limit; j++) {
		uint32_t i = r->head, pos = r->pos[i];

		if (j + EXPIRE_AHEAD < limit)
			expire_prefetch(c, r, i, EXPIRE_AHEAD);
		if (pos != SF_TW_HOLE) {
			bool due = tw_due(c, tw_value(k, i), now);

			if (!due && j >= force)
				break; /* the oldest is still young: so are all behind it */
			tbl_remove_at(c, pos); /* the slot leaves the ring: no hole to mark */
			if (due)
				(*expired)++;
			else
				(*recycled)++;
		}
		ring_pop(c, k);
	}
	*budget -= j;
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
			if (r->pos[i] / SF_BUCKET_SLOTS >= c->h.nb || *tbl_slot_at(c, r->pos[i]) != v ||
			    c->h.buckets[r->pos[i] / SF_BUCKET_SLOTS].sig[r->pos[i] % SF_BUCKET_SLOTS] == 0)
				return -32; /* live entry not mapped where its pos[] says */
		}
	}
	/* Every table slot names a TCB or a live entry: none is left pointing at a hole. */
	if (live + c->stats.tcb_used != c->stats.table_used)
		return -33;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB pool: a fixed array of caller-sized objects; beside it one cache line per TCB with
 * its key, its hash and its table slot's position, and a stack of free indexes. A stack hands
 * out the TCB freed last, still warm in the cache, and tells which records the next
 * allocations will write, so they can be prefetched.
 */
#include <stdlib.h>

#include "sf_conn_priv.h"

/* How many allocations ahead sf_tcb_alloc() prefetches the key record it will write. */
#define ALLOC_PREFETCH 8

void tcb_pool_init(struct sf_conn *c)
{
	/* index 0 on top: a fresh pool hands out TCBs in address order */
	for (uint32_t i = 0; i < c->tcb_cap; i++)
		c->tcb_free[i] = c->tcb_cap - 1 - i;
	c->tcb_free_top = c->tcb_cap;
}

/* Pop TCB @i, the top of the free stack, for @key (already mapped to it): record key and hash. */
static inline void tcb_take(struct sf_conn *c, uint32_t i, const struct sf_flow_key *key, uint32_t hash)
{
	uint32_t top = --c->tcb_free_top;

	/* The stack says which records come next: start their cache misses now. */
	if (top > ALLOC_PREFETCH)
		__builtin_prefetch(&c->h.tcb_meta[c->tcb_free[top - ALLOC_PREFETCH]], 1);
	c->h.tcb_meta[i].key = *key;
	c->h.tcb_meta[i].hash = hash;
	c->stats.tcb_used++;
}

/* sf_tcb_alloc() in full: an empty pool, a key that may be mapped, a full primary bucket. */
static __attribute__((noinline)) int tcb_alloc_slow(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash,
						    uint32_t *idx)
{
	uint32_t i;
	int rc;

	if (c->tcb_free_top == 0) {
		c->stats.tcb_pool_empty++;
		return -ENOBUFS;
	}
	if (tbl_may_hold(c, hash) && tbl_find_key(c, key, hash) != NULL)
		return -EEXIST;
	i = tcb_next_free(c);
	rc = tbl_insert(c, hash, sf_conn_tcb_value(i));
	if (rc != 0)
		return rc;
	tcb_take(c, i, key, hash);
	*idx = i;
	return 0;
}

/* sf_tcb_alloc()'s usual case without a call, so without saved registers: a TCB free, room in
 * the key's primary bucket and, unless the caller knows it is not (@may_be_mapped false), no
 * key there that could be this one. */
static inline int tcb_alloc(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx,
			    bool may_be_mapped)
{
	uint32_t p = tbl_primary(c, hash);
	unsigned int room = tbl_primary_room(c, p);
	uint32_t i;

	if (__builtin_expect(c->tcb_free_top == 0 || room == 0 || (may_be_mapped && tbl_may_hold(c, hash)), 0))
		return tcb_alloc_slow(c, key, hash, idx);
	i = tcb_next_free(c);
	tbl_put_primary(c, p, room, tbl_sig(hash), sf_conn_tcb_value(i));
	tcb_take(c, i, key, hash);
	*idx = i;
	return 0;
}

int sf_tcb_alloc(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx)
{
	return tcb_alloc(c, key, hash, idx, true);
}

int sf_tcb_alloc_unmapped(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx)
{
	return tcb_alloc(c, key, hash, idx, false);
}

void sf_tcb_free(struct sf_conn *c, uint32_t idx)
{
	tbl_remove_at(c, c->h.tcb_meta[idx].pos);
	tcb_release(c, idx);
}

int tcb_check(const struct sf_conn *c)
{
	uint8_t *is_free = calloc(c->tcb_cap + 1u, 1);
	uint32_t used = 0;
	int rc = 0;

	if (is_free == NULL)
		return -100;
	if (c->tcb_free_top > c->tcb_cap)
		rc = -20;
	for (uint32_t j = 0; j < c->tcb_free_top && rc == 0; j++) {
		uint32_t i = c->tcb_free[j];

		if (i >= c->tcb_cap || is_free[i])
			rc = -21; /* free stack names nothing, or a TCB twice */
		else
			is_free[i] = 1;
	}
	for (uint32_t i = 0; i < c->tcb_cap && rc == 0; i++) {
		const struct sf_tcb_meta *m = &c->h.tcb_meta[i];

		if (is_free[i])
			continue;
		used++;
		if (m->pos / SF_BUCKET_SLOTS >= c->h.nb ||
		    tbl_find_val(c, m->hash, sf_conn_tcb_value(i)) != tbl_slot_at(c, m->pos))
			rc = -22; /* allocated TCB not mapped, or not where its record says */
		else if (c->hash_fn(&m->key, c->hash_ctx) != m->hash)
			rc = -23; /* recorded hash is not the key's */
	}
	free(is_free);
	/* in use and free add up to the pool */
	if (rc == 0 && used != c->stats.tcb_used)
		rc = -24;
	return rc;
}

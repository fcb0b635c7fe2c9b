/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB pool: a fixed array of caller-sized objects; beside it one cache line per TCB with
 * its key and hash, and a stack of free indexes. A stack hands out the TCB freed last, still
 * warm in the cache, and tells which records the next allocations will write, so they can
 * be prefetched.
 */
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

int sf_tcb_alloc(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx)
{
	struct sf_tcb_meta *m;
	uint32_t i;
	int rc;

	if (c->tcb_free_top == 0) {
		c->stats.tcb_pool_empty++;
		return -ENOBUFS;
	}
	if (tbl_find_key(c, key, hash) != NULL)
		return -EEXIST;
	i = c->tcb_free[c->tcb_free_top - 1];
	rc = tbl_insert(c, hash, sf_conn_tcb_value(i));
	if (rc != 0)
		return rc;
	c->tcb_free_top--;
	/* The stack says which records come next: start their cache misses now. */
	if (c->tcb_free_top > ALLOC_PREFETCH)
		__builtin_prefetch(&c->tcb_meta[c->tcb_free[c->tcb_free_top - ALLOC_PREFETCH]], 1);
	m = &c->tcb_meta[i];
	m->key = *key;
	m->hash = hash;
	m->in_use = 1;
	c->stats.tcb_used++;
	*idx = i;
	return 0;
}

/* Back to the free stack; the caller has already unmapped or remapped its key. */
void tcb_release(struct sf_conn *c, uint32_t idx)
{
	c->tcb_meta[idx].in_use = 0;
	c->tcb_free[c->tcb_free_top++] = idx;
	c->stats.tcb_used--;
}

void sf_tcb_free(struct sf_conn *c, uint32_t idx)
{
	uint32_t *slot = tbl_find_val(c, c->tcb_meta[idx].hash, sf_conn_tcb_value(idx));

	if (slot != NULL)
		tbl_remove_slot(c, slot);
	tcb_release(c, idx);
}

void *sf_tcb_ptr(const struct sf_conn *c, uint32_t idx)
{
	return c->tcb_mem + (size_t)idx * c->tcb_stride;
}

uint32_t sf_tcb_index(const struct sf_conn *c, const void *tcb)
{
	return (uint32_t)((size_t)((const uint8_t *)tcb - c->tcb_mem) / c->tcb_stride);
}

const struct sf_flow_key *sf_tcb_key(const struct sf_conn *c, uint32_t idx)
{
	return &c->tcb_meta[idx].key;
}

uint32_t sf_tcb_hash(const struct sf_conn *c, uint32_t idx)
{
	return c->tcb_meta[idx].hash;
}


int tcb_check(const struct sf_conn *c)
{
	uint32_t used = 0;

	if (c->tcb_free_top > c->tcb_cap)
		return -20;
	for (uint32_t j = 0; j < c->tcb_free_top; j++) {
		uint32_t i = c->tcb_free[j];

		if (i >= c->tcb_cap || c->tcb_meta[i].in_use)
			return -21; /* free stack names nothing, or a TCB in use */
	}
	for (uint32_t i = 0; i < c->tcb_cap; i++) {
		const struct sf_tcb_meta *m = &c->tcb_meta[i];

		if (!m->in_use)
			continue;
		used++;
		if (tbl_find_val(c, m->hash, sf_conn_tcb_value(i)) == NULL)
			return -22; /* allocated TCB not mapped */
		if (c->hash_fn(&m->key, c->hash_ctx) != m->hash)
			return -23; /* recorded hash is not the key's */
	}
	/* in-use and free add up to the pool, so no index is on the stack twice */
	if (used != c->stats.tcb_used || used + c->tcb_free_top != c->tcb_cap)
		return -24;
	return 0;
}

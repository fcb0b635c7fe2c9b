/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB pool: a fixed array of caller-sized objects and, beside it, one cache line per TCB
 * with its key, its hash and the free-list link. The free list is a stack, so the TCB freed
 * last, still warm in the cache, is the next one handed out.
 */
#include "sf_conn_priv.h"

/* next_free of an allocated TCB */
#define TCB_IN_USE (UINT32_MAX - 1)

void tcb_pool_init(struct sf_conn *c)
{
	for (uint32_t i = 0; i < c->tcb_cap; i++)
		c->tcb_meta[i].next_free = i + 1 < c->tcb_cap ? i + 1 : SF_NO_INDEX;
	c->tcb_free_head = c->tcb_cap != 0 ? 0 : SF_NO_INDEX;
}

int sf_tcb_alloc(struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash, uint32_t *idx)
{
	uint32_t i = c->tcb_free_head;
	struct sf_tcb_meta *m;
	int rc;

	if (i == SF_NO_INDEX) {
		c->stats.tcb_pool_empty++;
		return -ENOBUFS;
	}
	if (tbl_find_key(c, key, hash) != NULL)
		return -EEXIST;
	rc = tbl_insert(c, hash, sf_conn_tcb_value(i));
	if (rc != 0)
		return rc;
	m = &c->tcb_meta[i];
	c->tcb_free_head = m->next_free;
	m->key = *key;
	m->hash = hash;
	m->next_free = TCB_IN_USE;
	c->stats.tcb_used++;
	*idx = i;
	return 0;
}

/* Back to the free list; the caller has already unmapped or remapped its key. */
void tcb_release(struct sf_conn *c, uint32_t idx)
{
	c->tcb_meta[idx].next_free = c->tcb_free_head;
	c->tcb_free_head = idx;
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
	uint32_t free_count = 0, used = 0;

	for (uint32_t i = c->tcb_free_head; i != SF_NO_INDEX; i = c->tcb_meta[i].next_free) {
		if (i >= c->tcb_cap || ++free_count > c->tcb_cap)
			return -20; /* free list leaves the pool or loops */
	}
	for (uint32_t i = 0; i < c->tcb_cap; i++) {
		const struct sf_tcb_meta *m = &c->tcb_meta[i];

		if (m->next_free != TCB_IN_USE)
			continue;
		used++;
		if (tbl_find_val(c, m->hash, sf_conn_tcb_value(i)) == NULL)
			return -21; /* allocated TCB not mapped */
		if (c->hash_fn(&m->key, c->hash_ctx) != m->hash)
			return -22; /* recorded hash is not the key's */
	}
	if (used != c->stats.tcb_used || used + free_count != c->tcb_cap)
		return -23;
	return 0;
}

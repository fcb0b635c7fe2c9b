/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table (bucketized cuckoo hashing, see sf_conn_priv.h), creation of the
 * whole per-lcore object, and its consistency check.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "sf_conn_priv.h"

/* Breadth-first search for a free slot: buckets visited at most (3 levels from 2 roots). */
#define BFS_NODES 256

/* ---- memory ---- */

/* mbind(2)'s policy that prefers a node and falls back to others when it is full. */
#define SF_MPOL_PREFERRED 1

/*
 * An anonymous mapping, hugepage-hinted, preferring NUMA node @p node (the lcore's, so its
 * table is local to it; -1: wherever the first touch lands), and faulted in now so the data path
 * never faults. The raw system call spares a libnuma dependency; a kernel or node that refuses
 * the hint leaves the default policy, which is correct, only maybe remote.
 */
static void *big_alloc(size_t bytes, int node)
{
	void *p;

	if (bytes == 0)
		return NULL;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (bytes >= (size_t)2 << 20)
		(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: fine if THP is off */
#endif
#ifdef SYS_mbind
	if (node >= 0 && node < 64) {
		unsigned long mask = 1UL << node;

		(void)syscall(SYS_mbind, p, bytes, SF_MPOL_PREFERRED, &mask, (unsigned long)node + 2, 0UL);
	}
#endif
	memset(p, 0, bytes);
	return p;
}

static void big_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}

void sf_conn_free(struct sf_conn *c)
{
	if (c == NULL)
		return;
	big_free(c->h.buckets, c->table_bytes);
	big_free(c->h.tcb_mem, c->tcb_bytes);
	big_free(c->h.tcb_meta, c->tcb_meta_bytes);
	big_free(c->tcb_free, c->tcb_free_bytes);
	big_free(c->tw4.mem, c->tw4.bytes);
	big_free(c->tw6.mem, c->tw6.bytes);
	free(c);
}

/* A ring of @cap entries of @esize bytes, with its pos[] behind them. */
static int tw_ring_init(struct sf_tw_ring *r, uint32_t cap, uint32_t esize, int numa_node)
{
	r->cap = cap;
	r->esize = esize;
	r->bytes = (size_t)cap * (esize + sizeof(*r->pos));
	r->soft_cap = tw_soft_cap(cap);
	if (cap == 0)
		return 0;
	r->mem = big_alloc(r->bytes, numa_node);
	if (r->mem == NULL)
		return -1;
	r->pos = (uint32_t *)(void *)(r->mem + (size_t)cap * esize);
	return 0;
}

uint32_t tbl_crc_hash_fn(const struct sf_flow_key *key, void *ctx)
{
	(void)ctx;
	return sf_conn_hash_crc(key);
}

struct sf_conn *sf_conn_create(const struct sf_conn_config *cfg)
{
	struct sf_conn *c;
	uint64_t slots, nb;
	uint32_t align = cfg->tcb_align != 0 ? cfg->tcb_align : 64;

	slots = (uint64_t)cfg->tcb_capacity + cfg->tw4_capacity + cfg->tw6_capacity;
	/* Size for at most 85 % of the slots used: 8-way buckets with two choices fill well past
	 * that before a breadth-first cuckoo search fails, but inserts into full primary buckets
	 * (a second cache line) and cuckoo moves grow quickly near 90 %. */
	nb = (slots * SF_TABLE_LOAD_DEN + (uint64_t)SF_BUCKET_SLOTS * SF_TABLE_LOAD_NUM - 1) /
	     ((uint64_t)SF_BUCKET_SLOTS * SF_TABLE_LOAD_NUM);
	if (nb < 2)
		nb = 2;
	if (cfg->tcb_capacity > SF_CONN_MAX_CAPACITY || cfg->tw4_capacity > SF_CONN_MAX_CAPACITY ||
	    cfg->tw6_capacity > SF_CONN_MAX_CAPACITY || slots == 0 || slots > UINT32_MAX - 1 ||
	    nb > UINT32_MAX / SF_BUCKET_SLOTS /* slot positions are 32-bit */ ||
	    (align & (align - 1)) != 0 || align > 4096 || (cfg->tcb_capacity != 0 && cfg->tcb_size == 0)) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->h.nb = (uint32_t)nb;
	c->table_cap = (uint32_t)slots;
	c->table_bytes = (size_t)nb * sizeof(struct sf_bucket);
	c->hash_fn = cfg->hash_fn != NULL ? cfg->hash_fn : tbl_crc_hash_fn;
	c->hash_ctx = cfg->hash_ctx;
	c->h.buckets = big_alloc(c->table_bytes, cfg->numa_node);
	if (c->h.buckets == NULL)
		goto fail;

	c->tcb_cap = cfg->tcb_capacity;
	c->h.tcb_stride = (cfg->tcb_size + align - 1) & ~(align - 1);
	c->tcb_bytes = (size_t)c->h.tcb_stride * c->tcb_cap;
	c->tcb_meta_bytes = sizeof(struct sf_tcb_meta) * (size_t)c->tcb_cap;
	c->tcb_free_bytes = sizeof(uint32_t) * (size_t)c->tcb_cap;
	if (c->tcb_cap != 0) {
		c->h.tcb_mem = big_alloc(c->tcb_bytes, cfg->numa_node);
		c->h.tcb_meta = big_alloc(c->tcb_meta_bytes, cfg->numa_node);
		c->tcb_free = big_alloc(c->tcb_free_bytes, cfg->numa_node);
		if (c->h.tcb_mem == NULL || c->h.tcb_meta == NULL || c->tcb_free == NULL)
			goto fail;
	}
	tcb_pool_init(c);

	if (tw_ring_init(&c->tw4, cfg->tw4_capacity, sizeof(struct sf_tw4), cfg->numa_node) != 0 ||
	    tw_ring_init(&c->tw6, cfg->tw6_capacity, sizeof(struct sf_tw6), cfg->numa_node) != 0)
		goto fail;
	return c;
fail:
	sf_conn_free(c);
	errno = ENOMEM;
	return NULL;
}

const struct sf_conn_stats *sf_conn_stats(const struct sf_conn *c)
{
	return &c->stats;
}

void sf_conn_memory(const struct sf_conn *c, struct sf_conn_memory *m)
{
	m->table_bytes = c->table_bytes;
	m->table_slots = c->table_cap;
	m->buckets = c->h.nb;
	m->tcb_bytes = c->tcb_bytes;
	m->tcb_key_bytes = c->tcb_meta_bytes + c->tcb_free_bytes;
	m->tw4_bytes = c->tw4.bytes;
	m->tw6_bytes = c->tw6.bytes;
}

/* ---- hashing ---- */

uint32_t sf_conn_hash_crc(const struct sf_flow_key *key)
{
#if defined(__SSE4_2__)
	const uint8_t *p = (const uint8_t *)key;
	uint64_t h = UINT32_MAX;

	/* Word by word straight from the key: copying it through a vector register to the stack
	 * first made every 8-byte reload wait on store forwarding. */
	for (unsigned int i = 0; i < sizeof(*key); i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		h = _mm_crc32_u64(h, w);
	}
	return (uint32_t)h;
#else
	/* CRC32-C bit by bit: the same value the instruction gives, for builds without SSE4.2. */
	const uint8_t *p = (const uint8_t *)key;
	uint32_t h = UINT32_MAX;

	for (size_t i = 0; i < sizeof(*key); i++) {
		h ^= p[i];
		for (unsigned int b = 0; b < 8; b++)
			h = (h >> 1) ^ (UINT32_C(0x82f63b78) & (0u - (h & 1u)));
	}
	return h;
#endif
}

uint32_t sf_conn_hash(const struct sf_conn *c, const struct sf_flow_key *key)
{
	return c->hash_fn(key, c->hash_ctx);
}

/* ---- lookup ---- */

void sf_conn_prefetch_insert(const struct sf_conn *c, uint32_t hash)
{
	uint32_t p = tbl_primary(c, hash);

	__builtin_prefetch(&c->h.buckets[p]);
	/* an insert into a full primary bucket goes on to the other one */
	__builtin_prefetch(&c->h.buckets[tbl_other(c, p, tbl_sig(hash))]);
}

/* The slot holding @key, or NULL. */
uint32_t *tbl_find_key(const struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash)
{
	uint16_t sig = tbl_sig(hash);
	uint32_t p = tbl_primary(c, hash);
	struct sf_bucket *b = &c->h.buckets[p];
	uint32_t *slot = bkt_find_key(c, b, bkt_match(b, sig), key);

	if (slot != NULL || !outflow_may_hold(b, sig))
		return slot;
	b = &c->h.buckets[tbl_other(c, p, sig)];
	return bkt_find_key(c, b, bkt_match(b, sig), key);
}

_Static_assert(SF_CONN_TCB == 0, "a TCB's table value is its index");

uint32_t sf_conn_lookup(const struct sf_conn *c, const struct sf_flow_key *key, uint32_t hash)
{
	uint16_t sig = tbl_sig(hash);
	const struct sf_bucket *b = &c->h.buckets[tbl_primary(c, hash)];
	unsigned int m = bkt_match(b, sig);
	const uint32_t *slot;

	/* What nearly every segment meets, in few registers: its TCB is the first candidate, or
	 * there is no candidate and no key moved out. The rest (TIME_WAIT, more candidates, the
	 * other bucket) walks the table in full. */
	if (m != 0) {
		uint32_t v = b->val[(unsigned int)__builtin_ctz(m)];

		/* kind TCB (0): the value is the index */
		if (v <= SF_CONN_INDEX_MASK && key_eq(&c->h.tcb_meta[v].key, key))
			return v;
	} else if (!outflow_may_hold(b, sig)) {
		return SF_CONN_MISS;
	}
	slot = tbl_find_key(c, key, hash);
	return slot != NULL ? *slot : SF_CONN_MISS;
}

void sf_conn_lookup_burst(const struct sf_conn *c, const struct sf_flow_key *const *keys,
			  const uint32_t *hashes, unsigned int n, uint32_t *vals)
{
	struct sf_bucket *b[SF_CONN_BURST_MAX], *o[SF_CONN_BURST_MAX];
	unsigned int match[SF_CONN_BURST_MAX], omatch[SF_CONN_BURST_MAX];

	if (n > SF_CONN_BURST_MAX)
		n = SF_CONN_BURST_MAX;
	/* 1: every primary bucket */
	for (unsigned int i = 0; i < n; i++) {
		b[i] = &c->h.buckets[tbl_primary(c, hashes[i])];
		__builtin_prefetch(b[i]);
	}
	/* 2: the first candidate's key; or the other bucket when the key may have moved there */
	for (unsigned int i = 0; i < n; i++) {
		uint16_t sig = tbl_sig(hashes[i]);

		match[i] = bkt_match(b[i], sig);
		o[i] = NULL;
		if (match[i] != 0) {
			__builtin_prefetch(val_key_addr(c, b[i]->val[__builtin_ctz(match[i])]));
		} else if (outflow_may_hold(b[i], sig)) {
			o[i] = &c->h.buckets[tbl_other(c, (uint32_t)(b[i] - c->h.buckets), sig)];
			__builtin_prefetch(o[i]);
		}
	}
	/* 3: candidates' keys in the other buckets */
	for (unsigned int i = 0; i < n; i++) {
		if (o[i] == NULL)
			continue;
		omatch[i] = bkt_match(o[i], tbl_sig(hashes[i]));
		if (omatch[i] != 0)
			__builtin_prefetch(val_key_addr(c, o[i]->val[__builtin_ctz(omatch[i])]));
	}
	/* 4: compare */
	for (unsigned int i = 0; i < n; i++) {
		const uint32_t *slot;

		if (o[i] != NULL)
			slot = bkt_find_key(c, o[i], omatch[i], keys[i]);
		else if ((slot = bkt_find_key(c, b[i], match[i], keys[i])) == NULL &&
			 outflow_may_hold(b[i], tbl_sig(hashes[i])))
			slot = tbl_find_key(c, keys[i], hashes[i]); /* a false candidate hid the other bucket */
		vals[i] = slot != NULL ? *slot : SF_CONN_MISS;
	}
}

/* ---- insert and remove ---- */

static void slot_put(struct sf_conn *c, uint32_t bi, unsigned int i, uint16_t sig, uint32_t v, bool in_other)
{
	struct sf_bucket *b = &c->h.buckets[bi];

	b->sig[i] = sig;
	b->val[i] = v;
	val_placed(c, v, bi, i);
	if (in_other)
		b->alt |= (uint8_t)(1u << i);
	else
		b->alt &= (uint8_t)~(1u << i);
}

/* Move the entry in slot @i of bucket @x to free slot @j of its other bucket @y. */
static void slot_move(struct sf_conn *c, uint32_t x, unsigned int i, uint32_t y, unsigned int j)
{
	struct sf_bucket *bx = &c->h.buckets[x];
	bool was_other = (bx->alt >> i) & 1u;

	slot_put(c, y, j, bx->sig[i], bx->val[i], !was_other);
	bx->sig[i] = 0;
	bx->alt &= (uint8_t)~(1u << i);
	if (was_other)
		outflow_sub(&c->h.buckets[y]); /* back in its primary */
	else
		outflow_add(&c->h.buckets[x], c->h.buckets[y].sig[j]); /* left its primary */
	c->stats.cuckoo_moves++;
}

struct bfs_node {
	uint32_t bucket;
	int16_t parent;   /* node whose entry moved here, -1 for the two roots */
	uint8_t slot;     /* that entry's slot in the parent's bucket */
};

/* Make room in bucket @p or @o by moving entries along a shortest path to a free slot.
 * @return the root bucket (p or o) with a freed slot in *@freed, or UINT32_MAX. */
static uint32_t make_room(struct sf_conn *c, uint32_t p, uint32_t o, unsigned int *freed)
{
	struct bfs_node q[BFS_NODES];
	unsigned int head = 0, tail = 0;

	q[tail++] = (struct bfs_node){p, -1, 0};
	if (o != p)
		q[tail++] = (struct bfs_node){o, -1, 0};
	while (head < tail) {
		uint32_t x = q[head].bucket;
		const struct sf_bucket *bx = &c->h.buckets[x];

		for (unsigned int i = 0; i < SF_BUCKET_SLOTS; i++) {
			uint32_t y = tbl_other(c, x, bx->sig[i]);
			unsigned int free_mask;
			bool seen = false;

			if (y == x)
				continue;
			free_mask = bkt_match(&c->h.buckets[y], 0);
			if (free_mask != 0) {
				/* Found: move entries child first, each into the slot its child vacated. */
				unsigned int k = head, hole = i;

				slot_move(c, x, i, y, (unsigned int)__builtin_ctz(free_mask));
				while (q[k].parent >= 0) {
					unsigned int par = (unsigned int)q[k].parent;

					slot_move(c, q[par].bucket, q[k].slot, q[k].bucket, hole);
					hole = q[k].slot;
					k = par;
				}
				*freed = hole;
				return q[k].bucket;
			}
			/* A bucket twice on one path could move an entry that is not the one the
			 * path was built on: visit each bucket once. */
			for (unsigned int k = 0; k < tail && !seen; k++)
				seen = q[k].bucket == y;
			if (!seen && tail < BFS_NODES)
				q[tail++] = (struct bfs_node){y, (int16_t)head, (uint8_t)i};
		}
		head++;
	}
	return UINT32_MAX;
}

/* tbl_insert() when the table is at capacity or the key's primary bucket is full. */
int tbl_insert_slow(struct sf_conn *c, uint32_t hash, uint32_t v)
{
	uint16_t sig = tbl_sig(hash);
	uint32_t p = tbl_primary(c, hash), o, root;
	unsigned int free_mask, slot;

	if (c->stats.table_used >= c->table_cap)
		goto full;
	o = tbl_other(c, p, sig);
	free_mask = bkt_match(&c->h.buckets[o], 0);
	if (free_mask != 0) {
		root = o;
		slot = (unsigned int)__builtin_ctz(free_mask);
	} else {
		root = make_room(c, p, o, &slot);
		if (root == UINT32_MAX)
			goto full;
	}
	slot_put(c, root, slot, sig, v, root != p);
	if (root != p)
		outflow_add(&c->h.buckets[p], sig);
	c->stats.table_used++;
	return 0;
full:
	c->stats.table_full++;
	return -ENOSPC;
}

/* ---- consistency ---- */

/* Hash of the key that value @v names, as lib/conn would recompute it. */
static uint32_t val_hash(const struct sf_conn *c, uint32_t v)
{
	struct sf_flow_key k;

	if (sf_conn_kind(v) == SF_CONN_TCB)
		return c->h.tcb_meta[sf_conn_index(v)].hash;
	sf_tw_key(c, v, &k);
	return c->hash_fn(&k, c->hash_ctx);
}

int sf_conn_check(const struct sf_conn *c)
{
	uint32_t *outflow = calloc(c->h.nb, sizeof(*outflow));
	uint64_t used = 0;
	int rc = 0;

	if (outflow == NULL)
		return -100;
	for (uint32_t bi = 0; bi < c->h.nb && rc == 0; bi++) {
		const struct sf_bucket *b = &c->h.buckets[bi];

		for (unsigned int i = 0; i < SF_BUCKET_SLOTS && rc == 0; i++) {
			uint32_t v = b->val[i], h, p;
			bool in_other = (b->alt >> i) & 1u;

			if (b->sig[i] == 0) {
				if (in_other)
					rc = -1; /* empty slot marked as living in its other bucket */
				continue;
			}
			used++;
			if (sf_conn_kind(v) == 1 ||
			    (sf_conn_kind(v) == SF_CONN_TCB && sf_conn_index(v) >= c->tcb_cap) ||
			    (sf_conn_kind(v) == SF_CONN_TW4 && sf_conn_index(v) >= c->tw4.cap) ||
			    (sf_conn_kind(v) == SF_CONN_TW6 && sf_conn_index(v) >= c->tw6.cap)) {
				rc = -2; /* value names nothing */
				break;
			}
			h = val_hash(c, v);
			p = tbl_primary(c, h);
			if (tbl_sig(h) != b->sig[i])
				rc = -3;
			else if ((in_other ? tbl_other(c, p, b->sig[i]) : p) != bi)
				rc = -4; /* not in either of its buckets */
			else if (tbl_find_val(c, h, v) != &b->val[i])
				rc = -5; /* mapped twice, or unreachable by lookup */
			if (in_other) {
				outflow[p]++;
				if (!outflow_may_hold(&c->h.buckets[p], b->sig[i]))
					rc = -8; /* lookups would not look in the other bucket */
			}
		}
	}
	for (uint32_t bi = 0; bi < c->h.nb && rc == 0; bi++)
		if (outflow[bi] != c->h.buckets[bi].outflow)
			rc = -6;
	free(outflow);
	if (rc == 0 && used != c->stats.table_used)
		rc = -7;
	if (rc == 0)
		rc = tcb_check(c);
	if (rc == 0)
		rc = tw_check(c);
	return rc;
}

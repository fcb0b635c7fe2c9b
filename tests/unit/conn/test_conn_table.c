/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conn table and TCB pool: insert, lookup, delete, full, IPv4 and IPv6 keys, collisions
 * forced through a test hash, cuckoo moves at full load, burst lookup, random operations
 * against a plain reference. Every test ends with sf_conn_check().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn_test.h"
#include "sf_conn_priv.h" /* where the table keeps its memory, for the NUMA test */

struct fixture {
	struct sf_conn *c;
};

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sf_conn_check(f->c), 0);
	sf_conn_free(f->c);
	free(f);
	return 0;
}

static int setup_small(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->c = conn_new(64, 64, 64, NULL);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static uint32_t const_hash(const struct sf_flow_key *key, void *ctx)
{
	(void)key;
	(void)ctx;
	return 0x12345678;
}

static int setup_const_hash(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->c = conn_new(64, 0, 0, const_hash);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

/* Four distinct hashes only: many keys share a bucket pair and a signature. */
static uint32_t four_hashes(const struct sf_flow_key *key, void *ctx)
{
	(void)ctx;
	return sf_conn_hash_crc(key) & 0xc0000000u;
}

static uint32_t alloc_ok(struct sf_conn *c, const struct sf_flow_key *k)
{
	uint32_t idx = UINT32_MAX;

	assert_int_equal(sf_tcb_alloc(c, k, sf_conn_hash(c, k), &idx), 0);
	return idx;
}

static void ipv4_key_inserted_is_found(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(7);
	uint32_t idx = alloc_ok(f->c, &k);
	uint32_t v = sf_conn_lookup(f->c, &k, sf_conn_hash_crc(&k));

	assert_int_equal(sf_conn_kind(v), SF_CONN_TCB);
	assert_int_equal(sf_conn_index(v), idx);
	assert_memory_equal(sf_tcb_key(f->c, idx), &k, sizeof(k));
	assert_int_equal(sf_tcb_hash(f->c, idx), sf_conn_hash_crc(&k));
}

static void ipv6_key_inserted_is_found(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key6(7);
	uint32_t idx = alloc_ok(f->c, &k);

	assert_int_equal(sf_conn_lookup(f->c, &k, sf_conn_hash_crc(&k)), sf_conn_tcb_value(idx));
}

static void absent_key_misses(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(1), other = key4(2);

	alloc_ok(f->c, &k);
	assert_int_equal(sf_conn_lookup(f->c, &other, sf_conn_hash_crc(&other)), SF_CONN_MISS);
}

static void same_bytes_other_family_is_another_key(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k4 = key4(3), k6 = key4(3);
	uint32_t i4, i6;

	k6.family = SF_AF_INET6;
	i4 = alloc_ok(f->c, &k4);
	i6 = alloc_ok(f->c, &k6);
	assert_int_not_equal(i4, i6);
	assert_int_equal(sf_conn_lookup(f->c, &k6, sf_conn_hash_crc(&k6)), i6);
	assert_int_equal(sf_conn_lookup(f->c, &k4, sf_conn_hash_crc(&k4)), i4);
}

static void insert_of_mapped_key_is_refused(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(9);
	uint32_t idx;

	alloc_ok(f->c, &k);
	assert_int_equal(sf_tcb_alloc(f->c, &k, sf_conn_hash_crc(&k), &idx), -EEXIST);
	assert_int_equal(sf_conn_stats(f->c)->tcb_used, 1);
}

static void free_unmaps_key_and_returns_tcb(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(11);
	uint32_t idx = alloc_ok(f->c, &k);

	sf_tcb_free(f->c, idx);
	assert_int_equal(sf_conn_lookup(f->c, &k, sf_conn_hash_crc(&k)), SF_CONN_MISS);
	assert_int_equal(sf_conn_stats(f->c)->tcb_used, 0);
	assert_int_equal(sf_conn_stats(f->c)->table_used, 0);
	/* the freed TCB, still warm, is handed out next */
	assert_int_equal(alloc_ok(f->c, &k), idx);
}

static void pool_empty_is_reported_and_counted(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k;
	uint32_t idx;

	for (uint32_t i = 0; i < 64; i++) {
		k = key4(i);
		alloc_ok(f->c, &k);
	}
	k = key4(64);
	assert_int_equal(sf_tcb_alloc(f->c, &k, sf_conn_hash_crc(&k), &idx), -ENOBUFS);
	assert_int_equal(sf_conn_stats(f->c)->tcb_pool_empty, 1);
	assert_int_equal(sf_conn_lookup(f->c, &k, sf_conn_hash_crc(&k)), SF_CONN_MISS);
}

static void tcb_index_and_pointer_round_trip(void **state)
{
	struct fixture *f = *state;

	for (uint32_t i = 0; i < 64; i++) {
		void *p = sf_tcb_ptr(f->c, i);

		assert_int_equal((uintptr_t)p % 64, 0);
		assert_int_equal(sf_tcb_index(f->c, p), i);
		if (i > 0)
			assert_int_equal((uint8_t *)p - (uint8_t *)sf_tcb_ptr(f->c, i - 1), TCB_SIZE);
	}
}

static void colliding_hashes_resolve_by_full_key(void **state)
{
	struct fixture *f = *state;
	uint32_t idx[16];

	/* One hash for all: same two buckets, same signature; 16 slots in all. */
	for (uint32_t i = 0; i < 16; i++) {
		struct sf_flow_key k = i % 2 ? key4(i) : key6(i);

		idx[i] = alloc_ok(f->c, &k);
	}
	for (uint32_t i = 0; i < 16; i++) {
		struct sf_flow_key k = i % 2 ? key4(i) : key6(i);

		assert_int_equal(sf_conn_lookup(f->c, &k, 0x12345678), idx[i]);
	}
	/* delete from the middle: the others stay found */
	sf_tcb_free(f->c, idx[5]);
	for (uint32_t i = 0; i < 16; i++) {
		struct sf_flow_key k = i % 2 ? key4(i) : key6(i);

		assert_int_equal(sf_conn_lookup(f->c, &k, 0x12345678), i == 5 ? SF_CONN_MISS : idx[i]);
	}
}

static void colliding_hashes_past_two_buckets_are_refused(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k;
	uint32_t idx;

	for (uint32_t i = 0; i < 16; i++) {
		k = key4(i);
		alloc_ok(f->c, &k);
	}
	k = key4(16);
	assert_int_equal(sf_tcb_alloc(f->c, &k, 0x12345678, &idx), -ENOSPC);
	assert_int_equal(sf_conn_stats(f->c)->table_full, 1);
	assert_int_equal(sf_conn_stats(f->c)->tcb_used, 16);
}

static void few_hashes_many_keys_all_found(void **state)
{
	struct sf_conn *c = conn_new(60, 0, 0, four_hashes);
	uint32_t idx[60], stored = 0;

	(void)state;
	assert_non_null(c);
	/* 4 hashes x 16 slots: 60 keys need cuckoo moves across the few bucket pairs, or fail
	 * cleanly when a pair is full. */
	for (uint32_t i = 0; i < 60; i++) {
		struct sf_flow_key k = key4(i);
		int rc = sf_tcb_alloc(c, &k, sf_conn_hash(c, &k), &idx[i]);

		assert_true(rc == 0 || rc == -ENOSPC);
		if (rc != 0)
			idx[i] = UINT32_MAX;
		else
			stored++;
		assert_int_equal(sf_conn_check(c), 0);
	}
	assert_true(stored >= 32);
	for (uint32_t i = 0; i < 60; i++) {
		struct sf_flow_key k = key4(i);

		assert_int_equal(sf_conn_lookup(c, &k, sf_conn_hash(c, &k)),
				 idx[i] == UINT32_MAX ? SF_CONN_MISS : idx[i]);
	}
	sf_conn_free(c);
}

static void free_after_cuckoo_moves_unmaps_exactly_its_key(void **state)
{
	struct sf_conn *c = conn_new(60, 0, 0, four_hashes);
	uint32_t idx[60];

	(void)state;
	assert_non_null(c);
	/* The TCBs' records must follow their slots as moves shift them: free takes no search. */
	alloc_key4s(c, 60, idx);
	assert_true(sf_conn_stats(c)->cuckoo_moves > 0);
	for (uint32_t i = 0; i < 60; i += 2)
		if (idx[i] != UINT32_MAX)
			sf_tcb_free(c, idx[i]);
	assert_int_equal(sf_conn_check(c), 0);
	for (uint32_t i = 0; i < 60; i++) {
		struct sf_flow_key k = key4(i);

		assert_int_equal(sf_conn_lookup(c, &k, sf_conn_hash(c, &k)),
				 i % 2 == 0 || idx[i] == UINT32_MAX ? SF_CONN_MISS : idx[i]);
	}
	sf_conn_free(c);
}

static void full_pool_has_every_tcb_mapped(void **state)
{
	struct sf_conn *c = conn_new(1000, 0, 0, NULL);
	struct sf_flow_key k;
	uint32_t idx;

	(void)state;
	for (uint32_t i = 0; i < 1000; i++) {
		k = key4(i);
		alloc_ok(c, &k);
	}
	assert_int_equal(sf_conn_stats(c)->table_used, 1000);
	k = key4(1000);
	/* the table has a slot for every TCB: the pool is what runs out */
	assert_int_equal(sf_tcb_alloc(c, &k, sf_conn_hash_crc(&k), &idx), -ENOBUFS);
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

static void full_load_needs_cuckoo_moves_and_finds_everything(void **state)
{
	const uint32_t n = 200000;
	struct sf_conn *c = conn_new(n, 0, 0, NULL);
	struct sf_conn_memory m;

	(void)state;
	assert_non_null(c);
	sf_conn_memory(c, &m);
	assert_true(m.buckets * 8 >= n);
	for (uint32_t i = 0; i < n; i++) {
		struct sf_flow_key k = i % 3 ? key4(i) : key6(i);

		alloc_ok(c, &k);
	}
	assert_true(sf_conn_stats(c)->cuckoo_moves > 0);
	for (uint32_t i = 0; i < n; i++) {
		struct sf_flow_key k = i % 3 ? key4(i) : key6(i);
		uint32_t v = sf_conn_lookup(c, &k, sf_conn_hash_crc(&k));

		assert_int_not_equal(v, SF_CONN_MISS);
		assert_memory_equal(sf_tcb_key(c, v), &k, sizeof(k));
	}
	for (uint32_t i = n; i < n + 1000; i++) {
		struct sf_flow_key k = key4(i);

		assert_int_equal(sf_conn_lookup(c, &k, sf_conn_hash_crc(&k)), SF_CONN_MISS);
	}
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

static void burst_lookup_agrees_with_single_lookup(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key keys[SF_CONN_BURST_MAX];
	const struct sf_flow_key *kp[SF_CONN_BURST_MAX];
	uint32_t hashes[SF_CONN_BURST_MAX], vals[SF_CONN_BURST_MAX];
	struct sf_tw_state st = {.snd_nxt = 1};
	uint32_t ref;

	for (uint32_t i = 0; i < 40; i++) {
		struct sf_flow_key k = i % 2 ? key4(i) : key6(i);

		alloc_ok(f->c, &k);
	}
	for (uint32_t i = 100; i < 110; i++) {
		struct sf_flow_key k = key4(i);

		assert_int_equal(sf_tw_insert(f->c, &k, sf_conn_hash_crc(&k), &st, 50, &ref), 0);
	}
	for (uint32_t i = 0; i < SF_CONN_BURST_MAX; i++) {
		keys[i] = i % 2 ? key4(i * 2) : key6(i * 2); /* hits, misses, TCBs and TW entries */
		if (i > 50)
			keys[i] = key4(100 + i - 51);
		kp[i] = &keys[i];
		hashes[i] = sf_conn_hash_crc(&keys[i]);
	}
	sf_conn_lookup_burst(f->c, kp, hashes, SF_CONN_BURST_MAX, vals);
	for (uint32_t i = 0; i < SF_CONN_BURST_MAX; i++)
		assert_int_equal(vals[i], sf_conn_lookup(f->c, &keys[i], hashes[i]));
	assert_true(sf_conn_is_tw(vals[SF_CONN_BURST_MAX - 1]));
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_inserts_and_deletes_match_reference(void **state)
{
	enum { KEYS = 3000, CAP = 2000, OPS = 200000 };
	static uint32_t ref[KEYS]; /* TCB index mapped for key i, or UINT32_MAX */
	struct sf_conn *c = conn_new(CAP, 0, 0, NULL);
	uint32_t mapped = 0;

	(void)state;
	for (uint32_t i = 0; i < KEYS; i++)
		ref[i] = UINT32_MAX;
	for (uint32_t op = 0; op < OPS; op++) {
		uint32_t i = (uint32_t)(rnd() % KEYS);
		struct sf_flow_key k = i % 4 ? key4(i) : key6(i);
		uint32_t h = sf_conn_hash_crc(&k);
		uint32_t v = sf_conn_lookup(c, &k, h);

		assert_int_equal(v, ref[i] == UINT32_MAX ? SF_CONN_MISS : ref[i]);
		if (ref[i] == UINT32_MAX) {
			int rc = sf_tcb_alloc(c, &k, h, &ref[i]);

			assert_int_equal(rc, mapped == CAP ? -ENOBUFS : 0);
			if (rc != 0)
				ref[i] = UINT32_MAX;
			else
				mapped++;
		} else {
			sf_tcb_free(c, ref[i]);
			ref[i] = UINT32_MAX;
			mapped--;
		}
		if (op % 1000 == 0)
			assert_int_equal(sf_conn_check(c), 0);
	}
	assert_int_equal(sf_conn_stats(c)->table_used, mapped);
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

static void check_detects_a_corrupted_signature(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(5);
	uint32_t idx = alloc_ok(f->c, &k);

	(void)idx;
	/* point the recorded hash elsewhere: the slot no longer matches its key */
	*(uint32_t *)(uintptr_t)&((const uint8_t *)sf_tcb_key(f->c, idx))[40] ^= 0x5a5a5a5a;
	assert_int_not_equal(sf_conn_check(f->c), 0);
	*(uint32_t *)(uintptr_t)&((const uint8_t *)sf_tcb_key(f->c, idx))[40] ^= 0x5a5a5a5a;
}

static void check_detects_a_record_naming_another_slot(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k1 = key4(5), k2 = key4(6);
	uint32_t a = alloc_ok(f->c, &k1), b = alloc_ok(f->c, &k2);
	struct sf_tcb_meta *meta = f->c->h.tcb_meta;
	uint32_t pos = meta[a].pos;

	meta[a].pos = meta[b].pos;
	assert_int_not_equal(sf_conn_check(f->c), 0);
	meta[a].pos = pos;
}

static void check_detects_a_tcb_twice_on_the_free_stack(void **state)
{
	struct fixture *f = *state;
	uint32_t *top = &f->c->tcb_free[f->c->tcb_free_top - 1], was = *top;

	*top = top[-1];
	assert_int_not_equal(sf_conn_check(f->c), 0);
	*top = was;
}

static void bad_configuration_is_refused(void **state)
{
	struct sf_conn_config cfg = {.tcb_capacity = 10, .tcb_size = 128, .tcb_align = 48};

	(void)state;
	assert_null(sf_conn_create(&cfg));
	assert_int_equal(errno, EINVAL);
	cfg = (struct sf_conn_config){0};
	assert_null(sf_conn_create(&cfg));
}

/* The memory policy of the page at @p addr, by get_mempolicy(2) (raw: no libnuma here). */
static long policy_of(const void *addr, unsigned long *nodes)
{
	int mode = -1;

	*nodes = 0;
	if (syscall(SYS_get_mempolicy, &mode, nodes, 64UL, addr, 2UL /* MPOL_F_ADDR */) != 0)
		return -1;
	return mode;
}

static void memory_prefers_the_configured_numa_node(void **state)
{
	struct sf_conn_config cfg = {.tcb_capacity = 64, .tcb_size = 128, .tw4_capacity = 64, .numa_node = 0};
	struct sf_conn *c;
	unsigned long nodes;

	(void)state;
	c = sf_conn_create(&cfg);
	assert_non_null(c);
	assert_int_equal(policy_of(c->h.buckets, &nodes), 1 /* MPOL_PREFERRED */);
	assert_int_equal(nodes, 1UL);
	assert_int_equal(policy_of(c->h.tcb_mem, &nodes), 1);
	assert_int_equal(policy_of(c->tw4.mem, &nodes), 1);
	sf_conn_free(c);
	cfg.numa_node = -1;
	c = sf_conn_create(&cfg);
	assert_non_null(c);
	assert_int_equal(policy_of(c->h.buckets, &nodes), 0 /* MPOL_DEFAULT */);
	sf_conn_free(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_small, teardown)
#define TC(fn) cmocka_unit_test_setup_teardown(fn, setup_const_hash, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ipv4_key_inserted_is_found),
		T(ipv6_key_inserted_is_found),
		T(absent_key_misses),
		T(same_bytes_other_family_is_another_key),
		T(insert_of_mapped_key_is_refused),
		T(free_unmaps_key_and_returns_tcb),
		T(pool_empty_is_reported_and_counted),
		T(tcb_index_and_pointer_round_trip),
		TC(colliding_hashes_resolve_by_full_key),
		TC(colliding_hashes_past_two_buckets_are_refused),
		cmocka_unit_test(few_hashes_many_keys_all_found),
		cmocka_unit_test(free_after_cuckoo_moves_unmaps_exactly_its_key),
		cmocka_unit_test(full_pool_has_every_tcb_mapped),
		cmocka_unit_test(full_load_needs_cuckoo_moves_and_finds_everything),
		T(burst_lookup_agrees_with_single_lookup),
		cmocka_unit_test(random_inserts_and_deletes_match_reference),
		T(check_detects_a_corrupted_signature),
		T(check_detects_a_record_naming_another_slot),
		T(check_detects_a_tcb_twice_on_the_free_stack),
		cmocka_unit_test(bad_configuration_is_refused),
		cmocka_unit_test(memory_prefers_the_configured_numa_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

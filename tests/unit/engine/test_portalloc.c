/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local-port allocator. Steering is checked against lib/net's full Toeplitz
 * (sf_rss_hash_flow), never against the allocator's own tables: every tuple lcore q gets
 * hashes to queue q, and the lcores together get the whole space exactly once per round,
 * for 2, 4 and 8 queues, IPv4 and IPv6, the symmetric key and another. Also: the cycling
 * order, address carries, slices without RSS, independent destinations, rejections and the
 * two kinds of exhaustion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>

#include "sf_clientgen.h"

/* The key in Microsoft's RSS specification: not symmetric, so a swapped tuple would fail. */
static const uint8_t ms_key[SF_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* One source space and one destination, with its reference enumeration. */
struct space {
	uint8_t family;
	uint8_t src_first[16];
	uint32_t src_count;
	uint16_t port_lo, port_hi;
	struct sf_portalloc_dst dst;
};

static const struct space v4_space = {
	.family = SF_AF_INET,
	.src_first = { 198, 18, 0, 254 }, /* the four addresses cross a byte carry */
	.src_count = 4,
	.port_lo = 10000,
	.port_hi = 13999,
	.dst = { .addr = { 198, 19, 0, 9 }, .port = 80 },
};

static const struct space v6_space = {
	.family = SF_AF_INET6,
	.src_first = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff },
	.src_count = 3,
	.port_lo = 20000,
	.port_hi = 24999,
	.dst = { .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
		 .port = 443 },
};

static unsigned int alen(const struct space *sp)
{
	return sp->family == SF_AF_INET6 ? 16 : 4;
}

static uint64_t space_size(const struct space *sp)
{
	return (uint64_t)sp->src_count * (sp->port_hi - sp->port_lo + 1u);
}

static void config_for(const struct space *sp, struct sf_portalloc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->family = sp->family;
	memcpy(cfg->src_first, sp->src_first, sizeof(cfg->src_first));
	cfg->src_count = sp->src_count;
	cfg->port_lo = sp->port_lo;
	cfg->port_hi = sp->port_hi;
	cfg->dsts = &sp->dst;
	cfg->nb_dsts = 1;
}

/* Reference enumeration: the flow key of ordinal @ord (address major, port minor). */
static void key_of(const struct space *sp, uint64_t ord, struct sf_flow_key *k)
{
	uint32_t nports = sp->port_hi - sp->port_lo + 1u;
	uint64_t carry = ord / nports;

	memset(k, 0, sizeof(*k));
	k->family = sp->family;
	memcpy(k->laddr, sp->src_first, alen(sp));
	for (unsigned int i = alen(sp); i-- > 0 && carry != 0;) {
		carry += k->laddr[i];
		k->laddr[i] = (uint8_t)carry;
		carry >>= 8;
	}
	k->lport = rte_cpu_to_be_16((uint16_t)(sp->port_lo + ord % nports));
	memcpy(k->raddr, sp->dst.addr, alen(sp));
	k->rport = rte_cpu_to_be_16(sp->dst.port);
}

/* The low 8 bytes of an IPv6 address, or an IPv4 address, as a number. */
static uint64_t addr_low(const uint8_t *addr, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = len == 16 ? 8 : 0; i < len; i++)
		v = v << 8 | addr[i];
	return v;
}

/* Inverse of key_of(), checking that @k is a tuple of the space for its destination. */
static uint64_t ord_of(const struct space *sp, const struct sf_flow_key *k)
{
	uint64_t idx, port = rte_be_to_cpu_16(k->lport);
	struct sf_flow_key want;

	assert_true(port >= sp->port_lo && port <= sp->port_hi);
	idx = addr_low(k->laddr, alen(sp)) - addr_low(sp->src_first, alen(sp));
	assert_true(idx < sp->src_count);
	idx = idx * (sp->port_hi - sp->port_lo + 1u) + (port - sp->port_lo);
	/* and every byte of the key, padding included, is what the reference says */
	key_of(sp, idx, &want);
	assert_memory_equal(k, &want, sizeof(want));
	return idx;
}

/* The queue a reply to @k lands on, by lib/net's full Toeplitz and the RETA. */
static uint16_t queue_of(const uint8_t *key, const struct sf_flow_key *k, const uint16_t *reta,
			 uint32_t reta_size)
{
	return reta[sf_rss_hash_flow(key, k) % reta_size];
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* RETA entry i -> queue i % nq (DPDK's default fill), or random when @seed != 0. */
static void fill_reta(uint16_t *reta, uint32_t size, uint16_t nq, uint64_t seed)
{
	for (uint32_t i = 0; i < size; i++)
		reta[i] = (uint16_t)(seed != 0 ? rng_next(&seed) % nq : i % nq);
}

/*
 * One allocator per queue, each drawing exactly as many tuples as the reference says its
 * queue owns: every tuple hashes to its queue and comes in cycling order, nothing is handed
 * twice, together they cover the space, and the next draw starts the round again.
 */
static void check_steering(const struct space *sp, uint16_t nq, uint32_t reta_size,
			   uint64_t reta_seed, const uint8_t *rss_key)
{
	const uint8_t *key = rss_key != NULL ? rss_key : sf_rss_sym_key;
	uint64_t size = space_size(sp), covered = 0;
	uint16_t *reta = calloc(reta_size, sizeof(*reta));
	uint8_t *seen = calloc(size, 1);
	uint64_t *owned = calloc(nq, sizeof(*owned));
	struct sf_portalloc_config cfg;

	assert_non_null(reta);
	assert_non_null(seen);
	assert_non_null(owned);
	fill_reta(reta, reta_size, nq, reta_seed);
	for (uint64_t o = 0; o < size; o++) {
		struct sf_flow_key k;

		key_of(sp, o, &k);
		owned[queue_of(key, &k, reta, reta_size)]++;
	}

	config_for(sp, &cfg);
	cfg.reta = reta;
	cfg.reta_size = reta_size;
	cfg.rss_key = rss_key;
	for (uint16_t q = 0; q < nq; q++) {
		struct sf_portalloc *a;
		struct sf_flow_key k, first;
		uint64_t prev = 0;
		uint32_t hash;

		/* a queue with no tuple would make this test weaker, not wrong: insist */
		assert_true(owned[q] > 0);
		cfg.queue = q;
		a = sf_portalloc_create(&cfg);
		assert_non_null(a);
		assert_true(sf_portalloc_steering(a));
		for (uint64_t i = 0; i < owned[q]; i++) {
			uint64_t o;

			assert_int_equal(sf_portalloc_next(a, 0, &k, &hash), 0);
			o = ord_of(sp, &k);
			assert_int_equal(queue_of(key, &k, reta, reta_size), q);
			assert_int_equal(hash, sf_rss_hash_flow(key, &k));
			assert_int_equal(seen[o], 0);
			seen[o] = 1;
			covered++;
			if (i == 0)
				first = k;
			else
				assert_true(o > prev);
			prev = o;
		}
		/* the cursor wraps as it steps past the last ordinal */
		assert_int_equal(sf_portalloc_stats(a)->wraps, prev == size - 1);
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_memory_equal(&k, &first, sizeof(k));
		assert_int_equal(sf_portalloc_stats(a)->wraps, 1);
		assert_int_equal(sf_portalloc_stats(a)->handed, owned[q] + 1);
		sf_portalloc_free(a);
	}
	assert_int_equal(covered, size);
	free(owned);
	free(seen);
	free(reta);
}

static void ipv4_two_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v4_space, 2, 128, 0, NULL);
}

static void ipv4_four_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v4_space, 4, 128, 0, NULL);
}

static void ipv4_eight_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v4_space, 8, 512, 0, NULL);
}

static void ipv6_two_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v6_space, 2, 128, 0, NULL);
}

static void ipv6_four_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v6_space, 4, 128, 0, NULL);
}

static void ipv6_eight_queues_each_lcore_gets_its_own_and_all_get_all_once(void **state)
{
	(void)state;
	check_steering(&v6_space, 8, 512, 0, NULL);
}

static void random_reta_of_three_queues_is_honoured(void **state)
{
	(void)state;
	check_steering(&v4_space, 3, 512, 77, NULL);
	check_steering(&v6_space, 3, 64, 78, NULL);
}

static void another_rss_key_is_honoured(void **state)
{
	(void)state;
	check_steering(&v4_space, 4, 128, 0, ms_key);
	check_steering(&v6_space, 8, 256, 5, ms_key);
}

static void steering_off_cycles_address_major_port_minor(void **state)
{
	const struct space sp = {
		.family = SF_AF_INET,
		.src_first = { 10, 0, 0, 255 },
		.src_count = 2,
		.port_lo = 1000,
		.port_hi = 1003,
		.dst = { .addr = { 10, 9, 9, 9 }, .port = 8080 },
	};
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k, want;
	uint32_t hash;

	(void)state;
	config_for(&sp, &cfg);
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	assert_false(sf_portalloc_steering(a));
	assert_int_equal(sf_portalloc_space(a), 8);
	for (unsigned int round = 0; round < 3; round++) {
		for (uint64_t o = 0; o < 8; o++) {
			assert_int_equal(sf_portalloc_next(a, 0, &k, &hash), 0);
			key_of(&sp, o, &want);
			assert_memory_equal(&k, &want, sizeof(k));
			/* the hash is still right when nothing is steered by it */
			assert_int_equal(hash, sf_rss_hash_flow(sf_rss_sym_key, &k));
		}
		assert_int_equal(sf_portalloc_stats(a)->wraps, round + 1);
	}
	/* 10.0.0.255 then 10.0.1.0: the carry */
	key_of(&sp, 4, &want);
	assert_int_equal(want.laddr[2], 1);
	assert_int_equal(want.laddr[3], 0);
	assert_int_equal(sf_portalloc_stats(a)->scanned, 24);
	sf_portalloc_free(a);
}

static void ipv6_source_range_carries_across_bytes(void **state)
{
	const struct space sp = {
		.family = SF_AF_INET6,
		.src_first = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff },
		.src_count = 3,
		.port_lo = 7,
		.port_hi = 7,
		.dst = { .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, .port = 80 },
	};
	const uint8_t tail[3][4] = { { 0, 0xff, 0xff, 0xff }, { 1, 0, 0, 0 }, { 1, 0, 0, 1 } };
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	config_for(&sp, &cfg);
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_memory_equal(k.laddr, sp.src_first, 12);
		assert_memory_equal(k.laddr + 12, tail[i], 4);
		assert_int_equal(rte_be_to_cpu_16(k.lport), 7);
	}
	sf_portalloc_free(a);
}

static void without_rss_slices_give_each_lcore_a_disjoint_run_and_all_once(void **state)
{
	const struct space sp = {
		.family = SF_AF_INET,
		.src_first = { 192, 0, 2, 1 },
		.src_count = 2,
		.port_lo = 5000,
		.port_hi = 5009,
		.dst = { .addr = { 192, 0, 2, 200 }, .port = 80 },
	};
	struct sf_portalloc_config cfg;
	uint64_t next_ord = 0;

	(void)state;
	config_for(&sp, &cfg);
	cfg.nb_parts = 3;
	for (uint16_t part = 0; part < 3; part++) {
		struct sf_portalloc *a;
		struct sf_flow_key k, first;
		uint64_t n;

		cfg.part = part;
		a = sf_portalloc_create(&cfg);
		assert_non_null(a);
		n = sf_portalloc_space(a);
		assert_true(n >= 6 && n <= 7);
		/* slices follow one another in cycling order: together 0..19 once */
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
			assert_int_equal(ord_of(&sp, &k), next_ord + i);
			if (i == 0)
				first = k;
		}
		next_ord += n;
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_memory_equal(&k, &first, sizeof(k));
		sf_portalloc_free(a);
	}
	assert_int_equal(next_ord, space_size(&sp));
}

static void destinations_have_independent_cursors(void **state)
{
	struct space sp1 = v4_space;
	struct sf_portalloc_dst dsts[2] = { v4_space.dst, { .addr = { 198, 19, 7, 7 }, .port = 8443 } };
	uint16_t reta[128];
	struct sf_portalloc_config cfg;
	struct sf_portalloc *both, *only0, *only1;

	(void)state;
	sp1.dst = dsts[1];
	fill_reta(reta, 128, 4, 0);
	config_for(&v4_space, &cfg);
	cfg.reta = reta;
	cfg.reta_size = 128;
	cfg.queue = 1;
	only0 = sf_portalloc_create(&cfg);
	cfg.dsts = &dsts[1];
	only1 = sf_portalloc_create(&cfg);
	cfg.dsts = dsts;
	cfg.nb_dsts = 2;
	both = sf_portalloc_create(&cfg);
	assert_non_null(only0);
	assert_non_null(only1);
	assert_non_null(both);
	/* interleaving destinations changes neither one's sequence */
	for (unsigned int i = 0; i < 5000; i++) {
		struct sf_flow_key k, want;
		uint32_t d = (i % 3) == 2;

		assert_int_equal(sf_portalloc_next(both, d, &k, NULL), 0);
		assert_int_equal(sf_portalloc_next(d ? only1 : only0, 0, &want, NULL), 0);
		assert_memory_equal(&k, &want, sizeof(k));
		ord_of(d ? &sp1 : &v4_space, &k);
	}
	assert_int_equal(sf_portalloc_next(both, 2, &(struct sf_flow_key){ 0 }, NULL), -EINVAL);
	sf_portalloc_free(both);
	sf_portalloc_free(only0);
	sf_portalloc_free(only1);
}

static void no_tuple_for_this_queue_reports_enospc_once_scanned(void **state)
{
	struct space sp = v4_space;
	uint16_t reta[64], other;
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	/* a space of one tuple over two queues: one queue has it, the other nothing */
	sp.src_count = 1;
	sp.port_hi = sp.port_lo;
	fill_reta(reta, 64, 2, 0);
	key_of(&sp, 0, &k);
	other = (uint16_t)(1 - queue_of(sf_rss_sym_key, &k, reta, 64));
	config_for(&sp, &cfg);
	cfg.reta = reta;
	cfg.reta_size = 64;
	cfg.queue = other;
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -ENOSPC);
	assert_int_equal(sf_portalloc_stats(a)->scanned, 1);
	/* known empty now: answered without scanning again */
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -ENOSPC);
	assert_int_equal(sf_portalloc_stats(a)->scanned, 1);
	assert_int_equal(sf_portalloc_stats(a)->empty, 2);
	assert_int_equal(sf_portalloc_stats(a)->handed, 0);
	sf_portalloc_free(a);

	/* the owning queue gets it, again and again */
	cfg.queue = (uint16_t)(1 - other);
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
	sf_portalloc_free(a);
}

static void queue_missing_from_the_reta_reports_enospc(void **state)
{
	uint16_t reta[128];
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	fill_reta(reta, 128, 4, 0);
	config_for(&v4_space, &cfg);
	cfg.reta = reta;
	cfg.reta_size = 128;
	cfg.queue = 4;
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -ENOSPC);
	assert_int_equal(sf_portalloc_stats(a)->scanned, space_size(&v4_space));
	sf_portalloc_free(a);
}

static void slice_of_nothing_reports_enospc(void **state)
{
	const struct space sp = {
		.family = SF_AF_INET,
		.src_first = { 192, 0, 2, 1 },
		.src_count = 1,
		.port_lo = 5000,
		.port_hi = 5001,
		.dst = { .addr = { 192, 0, 2, 200 }, .port = 80 },
	};
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	config_for(&sp, &cfg);
	cfg.nb_parts = 4; /* two tuples, four lcores */
	cfg.part = 0;
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	assert_int_equal(sf_portalloc_space(a), 0);
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -ENOSPC);
	sf_portalloc_free(a);
}

static void reta_all_ours_turns_steering_off(void **state)
{
	uint16_t reta[128];
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	fill_reta(reta, 128, 1, 0);
	config_for(&v4_space, &cfg);
	cfg.reta = reta;
	cfg.reta_size = 128;
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	assert_false(sf_portalloc_steering(a));
	for (uint64_t o = 0; o < 100; o++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_int_equal(ord_of(&v4_space, &k), o);
	}
	assert_int_equal(sf_portalloc_stats(a)->scanned, 100);
	sf_portalloc_free(a);
}

/* An allocator over one IPv4 source address and @ports consecutive ports; its space in @sp. */
static struct sf_portalloc *one_address(struct space *sp, unsigned int ports)
{
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;

	*sp = v4_space;
	sp->src_count = 1;
	sp->port_hi = (uint16_t)(sp->port_lo + ports - 1);
	config_for(sp, &cfg);
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	return a;
}

static void every_tuple_rejected_in_a_row_reports_ebusy(void **state)
{
	struct space sp;
	struct sf_portalloc *a = one_address(&sp, 4);
	struct sf_flow_key k, first;

	(void)state;
	/* start mid-round so the run wraps */
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		if (i == 0)
			first = k;
		sf_portalloc_reject(a);
	}
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -EBUSY);
	assert_int_equal(sf_portalloc_stats(a)->busy, 1);
	assert_int_equal(sf_portalloc_stats(a)->rejected, 4);
	/* nothing was handed out, so a rejection now has nothing to count */
	sf_portalloc_reject(a);
	assert_int_equal(sf_portalloc_stats(a)->rejected, 4);
	/* the caller tries later: the search carries on after the tuple that ended the run */
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
	assert_int_equal(ord_of(&sp, &k), (ord_of(&sp, &first) + 1) % 4);
	sf_portalloc_free(a);
}

static void every_tuple_of_our_queue_rejected_reports_ebusy(void **state)
{
	uint16_t reta[128];
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;
	uint64_t owned = 0;
	struct space sp = v6_space;

	(void)state;
	sp.src_count = 1;
	sp.port_hi = (uint16_t)(sp.port_lo + 99);
	fill_reta(reta, 128, 4, 0);
	for (uint64_t o = 0; o < space_size(&sp); o++) {
		key_of(&sp, o, &k);
		owned += queue_of(sf_rss_sym_key, &k, reta, 128) == 2;
	}
	assert_true(owned > 0);
	config_for(&sp, &cfg);
	cfg.reta = reta;
	cfg.reta_size = 128;
	cfg.queue = 2;
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	for (uint64_t i = 0; i < owned; i++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		sf_portalloc_reject(a);
	}
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), -EBUSY);
	assert_int_equal(sf_portalloc_stats(a)->rejected, owned);
	sf_portalloc_free(a);
}

static void run_of_rejections_ends_when_a_tuple_is_taken(void **state)
{
	struct space sp;
	struct sf_portalloc *a = one_address(&sp, 8);
	struct sf_flow_key k;

	(void)state;
	/* 7 of 8 rejected each round, the 8th taken: never "all busy", cycling order kept */
	for (uint64_t i = 0; i < 800; i++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_int_equal(ord_of(&sp, &k), i % 8);
		if (i % 8 != 7)
			sf_portalloc_reject(a);
	}
	assert_int_equal(sf_portalloc_stats(a)->rejected, 700);
	assert_int_equal(sf_portalloc_stats(a)->busy, 0);
	assert_int_equal(sf_portalloc_stats(a)->handed, 800);
	sf_portalloc_free(a);
}

/* The client draws a poll's tuples first: one found in use a few draws later is counted, but
 * starts no run (a run follows the last tuple only), so it never leads to a false "all busy". */
static void tuple_in_use_noted_later_counts_without_a_run(void **state)
{
	struct space sp;
	struct sf_portalloc *a = one_address(&sp, 4);
	struct sf_flow_key k;

	(void)state;
	/* two rounds of the 4-tuple space, every tuple noted in use after the fact */
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
		assert_int_equal(ord_of(&sp, &k), i % 4);
		sf_portalloc_note_in_use(a);
	}
	assert_int_equal(sf_portalloc_stats(a)->rejected, 8);
	assert_int_equal(sf_portalloc_stats(a)->busy, 0);
	assert_int_equal(sf_portalloc_stats(a)->handed, 8);
	sf_portalloc_free(a);
}

static void reject_before_any_tuple_counts_nothing(void **state)
{
	struct sf_portalloc_config cfg;
	struct sf_portalloc *a;
	struct sf_flow_key k;

	(void)state;
	config_for(&v4_space, &cfg);
	a = sf_portalloc_create(&cfg);
	assert_non_null(a);
	sf_portalloc_reject(a);
	assert_int_equal(sf_portalloc_stats(a)->rejected, 0);
	assert_int_equal(sf_portalloc_next(a, 0, &k, NULL), 0);
	assert_int_equal(ord_of(&v4_space, &k), 0);
	sf_portalloc_free(a);
}

static void create_rejects_bad_configurations(void **state)
{
	uint16_t reta[100] = { 0 };
	struct sf_portalloc_config good, cfg;
	struct sf_portalloc *a;

	(void)state;
	config_for(&v4_space, &good);
	a = sf_portalloc_create(&good);
	assert_non_null(a);
	sf_portalloc_free(a);
	sf_portalloc_free(NULL);

#define EXPECT_EINVAL(change)                                      \
	do {                                                       \
		cfg = good;                                        \
		change;                                            \
		errno = 0;                                         \
		assert_null(sf_portalloc_create(&cfg));            \
		assert_int_equal(errno, EINVAL);                   \
	} while (0)

	EXPECT_EINVAL(cfg.family = 5);
	EXPECT_EINVAL(cfg.src_count = 0);
	EXPECT_EINVAL(cfg.port_lo = 0);
	EXPECT_EINVAL((cfg.port_lo = 2000, cfg.port_hi = 1999));
	EXPECT_EINVAL(cfg.dsts = NULL);
	EXPECT_EINVAL(cfg.nb_dsts = 0);
	EXPECT_EINVAL((cfg.reta = reta, cfg.reta_size = 100));
	EXPECT_EINVAL((cfg.nb_parts = 2, cfg.part = 2));
	/* 255.255.255.250 + 10 addresses runs off the end */
	EXPECT_EINVAL((memset(cfg.src_first, 255, 4), cfg.src_first[3] = 250, cfg.src_count = 10));
#undef EXPECT_EINVAL
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_rejects_bad_configurations),
		cmocka_unit_test(steering_off_cycles_address_major_port_minor),
		cmocka_unit_test(ipv6_source_range_carries_across_bytes),
		cmocka_unit_test(ipv4_two_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(ipv4_four_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(ipv4_eight_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(ipv6_two_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(ipv6_four_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(ipv6_eight_queues_each_lcore_gets_its_own_and_all_get_all_once),
		cmocka_unit_test(random_reta_of_three_queues_is_honoured),
		cmocka_unit_test(another_rss_key_is_honoured),
		cmocka_unit_test(without_rss_slices_give_each_lcore_a_disjoint_run_and_all_once),
		cmocka_unit_test(destinations_have_independent_cursors),
		cmocka_unit_test(no_tuple_for_this_queue_reports_enospc_once_scanned),
		cmocka_unit_test(queue_missing_from_the_reta_reports_enospc),
		cmocka_unit_test(slice_of_nothing_reports_enospc),
		cmocka_unit_test(reta_all_ours_turns_steering_off),
		cmocka_unit_test(every_tuple_rejected_in_a_row_reports_ebusy),
		cmocka_unit_test(every_tuple_of_our_queue_rejected_reports_ebusy),
		cmocka_unit_test(run_of_rejections_ends_when_a_tuple_is_taken),
		cmocka_unit_test(tuple_in_use_noted_later_counts_without_a_run),
		cmocka_unit_test(reject_before_any_tuple_counts_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

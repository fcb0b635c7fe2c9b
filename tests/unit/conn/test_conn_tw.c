/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conn TIME_WAIT store: TCB to TIME_WAIT, 2MSL expiry, restart, early removal, recycling
 * of the oldest entry when full, IPv4 and IPv6 entries. Every test ends with sf_conn_check().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "conn_test.h"

#define MSL2 60000 /* 2MSL in 1 ms ticks */
#define TW_CAP 8

struct fixture {
	struct sf_conn *c;
	struct sf_tw_state st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->c = conn_new(16, TW_CAP, TW_CAP, NULL);
	assert_non_null(f->c);
	f->st = (struct sf_tw_state){.snd_nxt = 1001, .rcv_nxt = 2002, .ts_recent = 3003, .rcv_wnd = 65535,
				     .ts_ok = 1};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sf_conn_check(f->c), 0);
	sf_conn_free(f->c);
	free(f);
	return 0;
}

static uint32_t h(const struct sf_flow_key *k)
{
	return sf_conn_hash_crc(k);
}

static uint32_t tw_put(struct fixture *f, const struct sf_flow_key *k, uint64_t expires)
{
	uint32_t ref = 0;

	assert_int_equal(sf_tw_insert(f->c, k, h(k), &f->st, expires, &ref), 0);
	return ref;
}

static void lookup(struct fixture *f, const struct sf_flow_key *k, uint32_t want)
{
	assert_int_equal(sf_conn_lookup(f->c, k, h(k)), want);
}

/* An entry of 32 (IPv4) or 64 (IPv6) bytes and its 4-byte table position. */
static void ring_slots_are_36_bytes_ipv4_68_bytes_ipv6(void **state)
{
	struct fixture *f = *state;
	struct sf_conn_memory m;

	sf_conn_memory(f->c, &m);
	assert_int_equal(m.tw4_bytes, 36 * TW_CAP);
	assert_int_equal(m.tw6_bytes, 68 * TW_CAP);
}

/* RFC 9293 3.10.7.4: TIME-WAIT keeps what it needs to ACK a retransmitted FIN */
static void tcb_to_time_wait_keeps_key_mapped_with_state(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(1);
	uint32_t idx, ref;
	struct sf_flow_key back;

	assert_int_equal(sf_tcb_alloc(f->c, &k, h(&k), &idx), 0);
	assert_int_equal(sf_tw_from_tcb(f->c, idx, &f->st, 1000 + MSL2, &ref), 0);
	assert_int_equal(sf_conn_kind(ref), SF_CONN_TW4);
	lookup(f, &k, ref);
	assert_memory_equal(sf_tw_get(f->c, ref), &f->st, sizeof(f->st));
	assert_int_equal(sf_tw_expires(f->c, ref), 1000 + MSL2);
	sf_tw_key(f->c, ref, &back);
	assert_memory_equal(&back, &k, sizeof(k));
	assert_int_equal(sf_conn_stats(f->c)->tcb_used, 0);
	assert_int_equal(sf_conn_stats(f->c)->table_used, 1);
}

/* Four distinct hashes only: keys crowd a few bucket pairs and get moved. */
static uint32_t four_hashes(const struct sf_flow_key *key, void *ctx)
{
	(void)ctx;
	return sf_conn_hash_crc(key) & 0xc0000000u;
}

static void tcbs_moved_by_cuckoo_turn_into_time_wait_in_place(void **state)
{
	struct sf_conn *c = conn_new(60, 60, 0, four_hashes);
	struct sf_tw_state st = {.snd_nxt = 1};
	uint32_t idx[60], ref[60];

	(void)state;
	assert_non_null(c);
	alloc_key4s(c, 60, idx);
	assert_true(sf_conn_stats(c)->cuckoo_moves > 0);
	for (uint32_t i = 0; i < 60; i++)
		if (idx[i] != UINT32_MAX)
			assert_int_equal(sf_tw_from_tcb(c, idx[i], &st, 1000 + MSL2, &ref[i]), 0);
	assert_int_equal(sf_conn_check(c), 0);
	for (uint32_t i = 0; i < 60; i++) {
		struct sf_flow_key k = key4(i);

		assert_int_equal(sf_conn_lookup(c, &k, sf_conn_hash(c, &k)),
				 idx[i] == UINT32_MAX ? SF_CONN_MISS : ref[i]);
	}
	assert_int_equal(sf_conn_stats(c)->tcb_used, 0);
	sf_conn_free(c);
}

/* TIME_WAIT entries that TCB inserts shift by cuckoo moves are unmapped from where they went,
 * whether they expire, are removed early or are restarted. */
static void entries_moved_by_cuckoo_leave_from_their_new_slots(void **state)
{
	struct sf_conn *c = conn_new(60, 60, 0, four_hashes);
	struct sf_tw_state st = {.snd_nxt = 1};
	uint32_t ref[30], idx[30], moves;

	(void)state;
	assert_non_null(c);
	for (uint32_t i = 0; i < 30; i++) {
		struct sf_flow_key k = key4(100 + i);

		assert_int_equal(sf_tw_insert(c, &k, sf_conn_hash(c, &k), &st, 1000 + i, &ref[i]), 0);
	}
	moves = sf_conn_stats(c)->cuckoo_moves;
	alloc_key4s(c, 30, idx); /* keys 0..29: crowd the same buckets */
	assert_true(sf_conn_stats(c)->cuckoo_moves > moves);
	assert_int_equal(sf_conn_check(c), 0);
	sf_tw_remove(c, ref[1]);
	ref[2] = sf_tw_restart(c, ref[2], 5000);
	assert_int_equal(sf_conn_check(c), 0);
	assert_int_equal(sf_tw_expire(c, 1000 + 30, 64), 28);
	for (uint32_t i = 0; i < 30; i++) {
		struct sf_flow_key k = key4(100 + i), t = key4(i);

		assert_int_equal(sf_conn_lookup(c, &k, sf_conn_hash(c, &k)), i == 2 ? ref[2] : SF_CONN_MISS);
		assert_int_equal(sf_conn_lookup(c, &t, sf_conn_hash(c, &t)),
				 idx[i] == UINT32_MAX ? SF_CONN_MISS : sf_conn_tcb_value(idx[i]));
	}
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

static void ipv6_tcb_to_time_wait_round_trips(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key6(1), back;
	uint32_t idx, ref;

	assert_int_equal(sf_tcb_alloc(f->c, &k, h(&k), &idx), 0);
	assert_int_equal(sf_tw_from_tcb(f->c, idx, &f->st, MSL2, &ref), 0);
	assert_int_equal(sf_conn_kind(ref), SF_CONN_TW6);
	lookup(f, &k, ref);
	sf_tw_key(f->c, ref, &back);
	assert_memory_equal(&back, &k, sizeof(k));
}

static void ipv4_entry_does_not_match_ipv6_key_with_same_bytes(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k4 = key4(2), k6 = key4(2);

	k6.family = SF_AF_INET6;
	tw_put(f, &k4, MSL2);
	lookup(f, &k6, SF_CONN_MISS);
}

/* RFC 9293 3.10.7.4: the entry lives 2MSL, then the 4-tuple is free again */
static void time_wait_expires_at_2msl_not_before(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(3);
	uint32_t ref = tw_put(f, &k, 1000 + MSL2);

	assert_int_equal(sf_tw_expire(f->c, 1000 + MSL2 - 1, 64), 0);
	lookup(f, &k, ref);
	assert_int_equal(sf_tw_expire(f->c, 1000 + MSL2, 64), 1);
	lookup(f, &k, SF_CONN_MISS);
	assert_int_equal(sf_conn_stats(f->c)->tw_expired, 1);
	assert_int_equal(sf_conn_stats(f->c)->tw4_used, 0);
}

static void expiry_takes_oldest_first_within_budget(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k[6];

	for (uint32_t i = 0; i < 6; i++) {
		k[i] = i < 3 ? key4(10 + i) : key6(10 + i);
		tw_put(f, &k[i], 100 + i);
	}
	assert_int_equal(sf_tw_expire(f->c, 1000, 2), 2);
	lookup(f, &k[0], SF_CONN_MISS);
	lookup(f, &k[1], SF_CONN_MISS);
	assert_int_not_equal(sf_conn_lookup(f->c, &k[2], h(&k[2])), SF_CONN_MISS);
	assert_int_equal(sf_tw_expire(f->c, 1000, 64), 4);
	assert_int_equal(sf_conn_stats(f->c)->table_used, 0);
}

static void expiry_across_32_bit_tick_wrap(void **state)
{
	struct fixture *f = *state;
	const uint64_t now = UINT32_MAX - 10;
	struct sf_flow_key k = key4(4);

	tw_put(f, &k, now + MSL2); /* its low 32 bits are small */
	assert_int_equal(sf_tw_expire(f->c, now, 64), 0);
	assert_int_equal(sf_tw_expire(f->c, now + MSL2 - 1, 64), 0);
	assert_int_equal(sf_tw_expire(f->c, now + MSL2, 64), 1);
}

/* FreeBSD tcp_timewait: a hard cap; when full the oldest entry is recycled */
static void full_store_recycles_oldest_and_counts(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k[TW_CAP + 1];
	uint32_t ref;

	for (uint32_t i = 0; i <= TW_CAP; i++) {
		k[i] = key4(20 + i);
		ref = tw_put(f, &k[i], MSL2 + i);
	}
	assert_int_equal(sf_conn_stats(f->c)->tw_recycled, 1);
	lookup(f, &k[0], SF_CONN_MISS); /* the oldest is gone from the table too */
	lookup(f, &k[TW_CAP], ref);
	for (uint32_t i = 1; i < TW_CAP; i++)
		assert_true(sf_conn_is_tw(sf_conn_lookup(f->c, &k[i], h(&k[i]))));
	assert_int_equal(sf_conn_stats(f->c)->tw4_used, TW_CAP);
}

static void tcb_into_full_store_recycles_oldest(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k[TW_CAP], t = key4(200);
	uint32_t idx, ref;

	for (uint32_t i = 0; i < TW_CAP; i++) {
		k[i] = key4(20 + i);
		tw_put(f, &k[i], MSL2 + i);
	}
	assert_int_equal(sf_tcb_alloc(f->c, &t, h(&t), &idx), 0);
	assert_int_equal(sf_tw_from_tcb(f->c, idx, &f->st, MSL2 + TW_CAP, &ref), 0);
	assert_int_equal(sf_conn_stats(f->c)->tw_recycled, 1);
	assert_int_equal(sf_conn_stats(f->c)->tcb_used, 0);
	lookup(f, &k[0], SF_CONN_MISS);
	lookup(f, &t, ref);
	assert_int_equal(sf_tw_expires(f->c, ref), MSL2 + TW_CAP);
	assert_int_equal(sf_tw_get(f->c, ref)->rcv_nxt, 2002);
}

/* Past its soft cap (cap - cap/64 here) expiry ends the oldest entries early, in one batch,
 * so pushes into a store that 2MSL outlasts do not each end one with a cold table miss. */
static void expiry_keeps_headroom_by_recycling_oldest(void **state)
{
	enum { CAP = 1024, ROOM = CAP / 64 };
	struct fixture *f = *state;
	struct sf_conn *c = conn_new(16, CAP, 0, NULL);
	struct sf_flow_key k;
	uint32_t ref = 0;

	(void)f;
	assert_non_null(c);
	for (uint32_t i = 0; i < CAP; i++) {
		k = key4(1000 + i);
		assert_int_equal(sf_tw_insert(c, &k, h(&k), &f->st, MSL2 + i, &ref), 0);
	}
	/* nothing is due at tick 0: the oldest ROOM entries go anyway, as recycled */
	assert_int_equal(sf_tw_expire(c, 0, 64), ROOM);
	assert_int_equal(sf_conn_stats(c)->tw_recycled, ROOM);
	assert_int_equal(sf_conn_stats(c)->tw_expired, 0);
	assert_int_equal(sf_conn_stats(c)->tw4_used, CAP - ROOM);
	for (uint32_t i = 0; i < CAP; i++) {
		k = key4(1000 + i);
		assert_int_equal(sf_conn_lookup(c, &k, h(&k)) == SF_CONN_MISS, i < ROOM);
	}
	/* back under the soft cap: young entries stay */
	assert_int_equal(sf_tw_expire(c, 0, 64), 0);
	/* the next push finds room without ending anything */
	k = key4(5000);
	assert_int_equal(sf_tw_insert(c, &k, h(&k), &f->st, MSL2 + CAP, &ref), 0);
	assert_int_equal(sf_conn_stats(c)->tw_recycled, ROOM);
	/* due entries still count as expired, not recycled */
	assert_int_equal(sf_tw_expire(c, MSL2 + ROOM, 64), 1);
	assert_int_equal(sf_conn_stats(c)->tw_expired, 1);
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

/* RFC 9293 3.10.7.4: a retransmitted FIN restarts the 2MSL timeout */
static void restart_extends_expiry_and_keeps_mapping(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key a = key4(30), b = key4(31);
	uint32_t ra = tw_put(f, &a, 100), rb = tw_put(f, &b, 150);

	ra = sf_tw_restart(f->c, ra, 200);
	assert_true(sf_conn_is_tw(ra));
	lookup(f, &a, ra);
	assert_int_equal(sf_tw_expires(f->c, ra), 200);
	assert_memory_equal(sf_tw_get(f->c, ra), &f->st, sizeof(f->st));
	/* the FIFO stays ordered: b (150) goes first, a is not expired at its old time */
	assert_int_equal(sf_tw_expire(f->c, 160, 64), 1);
	lookup(f, &b, SF_CONN_MISS);
	lookup(f, &a, ra);
	assert_int_equal(sf_tw_expire(f->c, 200, 64), 1);
	lookup(f, &a, SF_CONN_MISS);
	(void)rb;
}

/* A full IPv4 ring: keys key4(@first + i), expiring at 100 + i, oldest first. */
static void fill_ring(struct fixture *f, uint32_t first, struct sf_flow_key k[TW_CAP], uint32_t ref[TW_CAP])
{
	for (uint32_t i = 0; i < TW_CAP; i++) {
		k[i] = key4(first + i);
		ref[i] = tw_put(f, &k[i], 100 + i);
	}
}

static void restart_in_full_ring_keeps_every_live_entry(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k[TW_CAP];
	uint32_t ref[TW_CAP];

	fill_ring(f, 40, k, ref);
	/* restarting the oldest turns it into a hole, which the push then reuses */
	ref[0] = sf_tw_restart(f->c, ref[0], 500);
	assert_int_equal(sf_conn_stats(f->c)->tw_recycled, 0);
	for (uint32_t i = 0; i < TW_CAP; i++)
		lookup(f, &k[i], ref[i]);
}

/* Restarting a younger entry of a full ring ends the oldest one to make room; the restarted
 * entry's old slot stays behind as a hole and its key follows it to the tail. */
static void restart_in_full_ring_recycles_the_oldest_other_entry(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k[TW_CAP];
	uint32_t ref[TW_CAP];

	fill_ring(f, 80, k, ref);
	ref[3] = sf_tw_restart(f->c, ref[3], 500);
	assert_int_equal(sf_conn_stats(f->c)->tw_recycled, 1);
	lookup(f, &k[0], SF_CONN_MISS);
	for (uint32_t i = 1; i < TW_CAP; i++)
		lookup(f, &k[i], ref[i]);
	assert_int_equal(sf_tw_expires(f->c, ref[3]), 500);
	assert_int_equal(sf_conn_check(f->c), 0);
	/* the others expire at their times, the hole is skipped, the restarted one lasts */
	assert_int_equal(sf_tw_expire(f->c, 100 + TW_CAP, 64), TW_CAP - 2);
	lookup(f, &k[3], ref[3]);
	assert_int_equal(sf_tw_expire(f->c, 500, 64), 1);
	lookup(f, &k[3], SF_CONN_MISS);
	assert_int_equal(sf_conn_stats(f->c)->table_used, 0);
}

static void restart_of_a_removed_entry_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(50), other = key4(51);
	uint32_t ref = tw_put(f, &k, 100), ro = tw_put(f, &other, 100);

	sf_tw_remove(f->c, ref);
	assert_int_equal(sf_tw_restart(f->c, ref, 500), SF_CONN_MISS);
	lookup(f, &k, SF_CONN_MISS);
	lookup(f, &other, ro);
	assert_int_equal(sf_conn_stats(f->c)->tw4_used, 2); /* no entry pushed */
	assert_int_equal(sf_conn_check(f->c), 0);
}

/* RFC 6191: a new SYN may take over a TIME-WAIT 4-tuple: the entry goes at once */
static void remove_unmaps_and_expiry_skips_the_hole(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key a = key4(60), b = key4(61);
	uint32_t ra = tw_put(f, &a, 100);

	tw_put(f, &b, 100);
	sf_tw_remove(f->c, ra);
	lookup(f, &a, SF_CONN_MISS);
	assert_int_equal(sf_tw_expire(f->c, 100, 64), 1); /* b only; the hole is not counted */
	assert_int_equal(sf_conn_stats(f->c)->tw4_used, 0);
}

static void removed_key_can_open_a_new_tcb(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key6(62);
	uint32_t ref = tw_put(f, &k, 100), idx;

	assert_int_equal(sf_tcb_alloc(f->c, &k, h(&k), &idx), -EEXIST);
	sf_tw_remove(f->c, ref);
	assert_int_equal(sf_tcb_alloc(f->c, &k, h(&k), &idx), 0);
	lookup(f, &k, sf_conn_tcb_value(idx));
}

static void ipv6_refused_when_its_store_is_disabled(void **state)
{
	struct sf_conn *c = conn_new(4, 4, 0, NULL);
	struct sf_tw_state st = {0};
	struct sf_flow_key k = key6(70);
	uint32_t idx, ref;

	(void)state;
	assert_int_equal(sf_tcb_alloc(c, &k, h(&k), &idx), 0);
	assert_int_equal(sf_tw_from_tcb(c, idx, &st, 100, &ref), -ENOSPC);
	assert_int_equal(sf_conn_lookup(c, &k, h(&k)), SF_CONN_MISS);
	assert_int_equal(sf_conn_stats(c)->tcb_used, 0);
	assert_int_equal(sf_conn_stats(c)->tw_refused, 1);
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

static void time_wait_state_is_writable_in_place(void **state)
{
	struct fixture *f = *state;
	struct sf_flow_key k = key4(80);
	uint32_t ref = tw_put(f, &k, 100);

	sf_tw_get(f->c, ref)->ts_recent = 4242; /* lib/tcp updates TS.Recent (RFC 7323 4.3) */
	assert_int_equal(sf_tw_get(f->c, sf_conn_lookup(f->c, &k, h(&k)))->ts_recent, 4242);
}

/* With a hash the caller supplies (the NIC's RSS), expiry recomputes it through hash_fn. */
static uint32_t rss_like(const struct sf_flow_key *key, void *ctx)
{
	return sf_conn_hash_crc(key) * 2654435761u + (uint32_t)(uintptr_t)ctx;
}

static void expiry_with_caller_hash_unmaps_the_key(void **state)
{
	struct sf_conn_config cfg = {.tw4_capacity = 4, .hash_fn = rss_like, .hash_ctx = (void *)7};
	struct sf_conn *c = sf_conn_create(&cfg);
	struct sf_flow_key k = key4(90);
	struct sf_tw_state st = {0};
	uint32_t ref;

	(void)state;
	assert_non_null(c);
	assert_int_equal(sf_tw_insert(c, &k, rss_like(&k, (void *)7), &st, 10, &ref), 0);
	assert_int_equal(sf_tw_expire(c, 10, 8), 1);
	assert_int_equal(sf_conn_lookup(c, &k, rss_like(&k, (void *)7)), SF_CONN_MISS);
	assert_int_equal(sf_conn_stats(c)->table_used, 0);
	assert_int_equal(sf_conn_check(c), 0);
	sf_conn_free(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ring_slots_are_36_bytes_ipv4_68_bytes_ipv6),
		T(tcb_to_time_wait_keeps_key_mapped_with_state),
		cmocka_unit_test(tcbs_moved_by_cuckoo_turn_into_time_wait_in_place),
		cmocka_unit_test(entries_moved_by_cuckoo_leave_from_their_new_slots),
		T(ipv6_tcb_to_time_wait_round_trips),
		T(ipv4_entry_does_not_match_ipv6_key_with_same_bytes),
		T(time_wait_expires_at_2msl_not_before),
		T(expiry_takes_oldest_first_within_budget),
		T(expiry_across_32_bit_tick_wrap),
		T(full_store_recycles_oldest_and_counts),
		T(tcb_into_full_store_recycles_oldest),
		T(expiry_keeps_headroom_by_recycling_oldest),
		T(restart_extends_expiry_and_keeps_mapping),
		T(restart_in_full_ring_keeps_every_live_entry),
		T(restart_in_full_ring_recycles_the_oldest_other_entry),
		T(restart_of_a_removed_entry_changes_nothing),
		T(remove_unmaps_and_expiry_skips_the_hole),
		T(removed_key_can_open_a_new_tcb),
		cmocka_unit_test(ipv6_refused_when_its_store_is_disabled),
		T(time_wait_state_is_writable_in_place),
		cmocka_unit_test(expiry_with_caller_hash_unmaps_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

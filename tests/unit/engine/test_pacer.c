/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection pacer on a fake TSC: exact counts over 1 s, 10 s and 1 hour at 1, 1000,
 * 100,000 and 10M connections per second, the burst cap, the max per call, an unlimited
 * rate, and the ramp. The TSC frequency is deliberately not a multiple of any rate, so the
 * cycles per connection are never an integer.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sf_clientgen.h"

#define TSC_HZ UINT64_C(2394000017)   /* a prime near 2.4 GHz */
#define T0 UINT64_C(123456789012345)  /* the TSC is far from 0 when a client starts */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Walk the fake TSC from @from to @to in random steps averaging @mean_step cycles, taking
 * everything the pacer grants at each step; return the total. */
static uint64_t take_until(struct sf_pacer *p, uint64_t from, uint64_t to, uint64_t mean_step,
			   uint64_t *seed)
{
	uint64_t now = from, total = 0;

	while (now < to) {
		uint64_t step = 1 + rng_next(seed) % (2 * mean_step);

		now = to - now < step ? to : now + step;
		total += sf_pacer_take(p, now, UINT_MAX);
	}
	return total;
}

/* Over exactly @secs seconds the pacer grants rate * secs, and one cycle earlier one less:
 * the last connection is due on the very cycle the period ends. */
static void check_exact_count(uint64_t rate, uint64_t secs)
{
	struct sf_pacer p;
	uint64_t seed = rate * 31 + secs, end = T0 + secs * TSC_HZ, got;
	/* 100,000 calls whatever the length; the bucket (2^20) holds what accrues in the
	 * longest step (72 ms over an hour: 720,000 at 10M per second) */
	uint64_t mean_step = secs * TSC_HZ / 100000;

	assert_int_equal(sf_pacer_init(&p, rate, TSC_HZ, SF_PACER_BURST_MAX), 0);
	assert_int_equal(sf_pacer_take(&p, T0, UINT_MAX), 0); /* starts empty */
	got = take_until(&p, T0, end - 1, mean_step < 1000 ? 1000 : mean_step, &seed);
	assert_int_equal(got, rate * secs - 1);
	assert_int_equal(sf_pacer_take(&p, end, UINT_MAX), 1);
}

#define EXACT_COUNT_TEST(rate, secs, name)                                                 \
	static void rate_##rate##_grants_exactly_rate_times_##name(void **state)           \
	{                                                                                  \
		(void)state;                                                               \
		check_exact_count(UINT64_C(rate), secs);                                   \
	}

EXACT_COUNT_TEST(1, 1, 1s)
EXACT_COUNT_TEST(1, 10, 10s)
EXACT_COUNT_TEST(1, 3600, 1h)
EXACT_COUNT_TEST(1000, 1, 1s)
EXACT_COUNT_TEST(1000, 10, 10s)
EXACT_COUNT_TEST(1000, 3600, 1h)
EXACT_COUNT_TEST(100000, 1, 1s)
EXACT_COUNT_TEST(100000, 10, 10s)
EXACT_COUNT_TEST(100000, 3600, 1h)
EXACT_COUNT_TEST(10000000, 1, 1s)
EXACT_COUNT_TEST(10000000, 10, 10s)
EXACT_COUNT_TEST(10000000, 3600, 1h)

static void init_rejects_out_of_range_arguments(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000, 0, 32), -EINVAL);
	assert_int_equal(sf_pacer_init(&p, 1000, SF_PACER_HZ_MAX + 1, 32), -EINVAL);
	assert_int_equal(sf_pacer_init(&p, SF_PACER_HZ_MAX + 1, TSC_HZ, 32), -EINVAL);
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, 0), -EINVAL);
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, SF_PACER_BURST_MAX + 1), -EINVAL);
	assert_int_equal(sf_pacer_init(&p, SF_PACER_HZ_MAX, SF_PACER_HZ_MAX, SF_PACER_BURST_MAX), 0);
	assert_int_equal(sf_pacer_set_ramp(&p, T0, (UINT64_C(1) << 62) + 1), -EINVAL);
}

static void unlimited_rate_grants_max_every_call(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 0, TSC_HZ, 32), 0);
	assert_int_equal(sf_pacer_take(&p, T0, 32), 32);
	assert_int_equal(sf_pacer_take(&p, T0, 7), 7);
	assert_int_equal(sf_pacer_take(&p, T0 + 1, 100000), 100000);
	/* a ramp means nothing without a rate */
	assert_int_equal(sf_pacer_set_ramp(&p, T0 + 10, TSC_HZ), 0);
	assert_int_equal(sf_pacer_take(&p, T0 + 11, 5), 5);
}

static void connection_is_due_on_the_cycle_its_credit_completes(void **state)
{
	struct sf_pacer p;
	/* 3 per second: the k-th is due at ceil(k * TSC_HZ / 3) cycles */
	const uint64_t rate = 3;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, rate, TSC_HZ, 8), 0);
	assert_int_equal(sf_pacer_take(&p, T0, 8), 0);
	for (uint64_t k = 1; k <= 6; k++) {
		uint64_t due = (k * TSC_HZ + rate - 1) / rate;

		assert_int_equal(sf_pacer_take(&p, T0 + due - 1, 8), 0);
		assert_int_equal(sf_pacer_take(&p, T0 + due, 8), 1);
	}
}

static void burst_caps_credit_after_a_long_idle(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, 32), 0);
	assert_int_equal(sf_pacer_take(&p, T0, UINT_MAX), 0);
	/* 10 s idle would be 10,000 connections: the bucket holds 32 */
	assert_int_equal(sf_pacer_take(&p, T0 + 10 * TSC_HZ, UINT_MAX), 32);
	assert_int_equal(sf_pacer_take(&p, T0 + 10 * TSC_HZ, UINT_MAX), 0);
	/* and then the rate resumes from empty: one per ms */
	assert_int_equal(sf_pacer_take(&p, T0 + 10 * TSC_HZ + TSC_HZ / 1000 + 1, UINT_MAX), 1);
}

static void credit_kept_across_calls_that_take_nothing_is_capped_at_burst(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, 32), 0);
	assert_int_equal(sf_pacer_take(&p, T0, 0), 0);
	/* 20 ms at a time, each shorter than the 32 ms that fill the bucket, 60 ms in all */
	for (uint64_t ms = 20; ms <= 60; ms += 20)
		assert_int_equal(sf_pacer_take(&p, T0 + ms * TSC_HZ / 1000 + 1, 0), 0);
	assert_int_equal(sf_pacer_take(&p, T0 + 60 * TSC_HZ / 1000 + 1, UINT_MAX), 32);
}

static void idle_for_years_neither_overflows_nor_exceeds_the_burst(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 10000000, TSC_HZ, SF_PACER_BURST_MAX), 0);
	assert_int_equal(sf_pacer_take(&p, 5, UINT_MAX), 0);
	assert_int_equal(sf_pacer_take(&p, UINT64_MAX / 2, UINT_MAX), SF_PACER_BURST_MAX);
	assert_int_equal(sf_pacer_take(&p, UINT64_MAX - 1, UINT_MAX), SF_PACER_BURST_MAX);
}

static void take_returns_at_most_max_and_keeps_the_rest(void **state)
{
	struct sf_pacer p;
	const uint64_t t = T0 + 50 * TSC_HZ / 1000 + 1; /* 50 ms: 50 connections */

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, 100), 0);
	assert_int_equal(sf_pacer_take(&p, T0, 10), 0);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(sf_pacer_take(&p, t, 10), 10);
	assert_int_equal(sf_pacer_take(&p, t, 10), 0);
}

static void time_going_backwards_adds_nothing(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000, TSC_HZ, 100), 0);
	assert_int_equal(sf_pacer_take(&p, T0, 100), 0);
	assert_int_equal(sf_pacer_take(&p, T0 + TSC_HZ / 100 + 1, 100), 10);
	assert_int_equal(sf_pacer_take(&p, T0, 100), 0);
	/* credit resumes from the latest time seen, not from the earlier one */
	assert_int_equal(sf_pacer_take(&p, T0 + TSC_HZ / 100 + 2, 100), 0);
}

static void ramp_grants_nothing_before_its_start(void **state)
{
	struct sf_pacer p;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, 1000000, TSC_HZ, 1024), 0);
	assert_int_equal(sf_pacer_set_ramp(&p, T0 + TSC_HZ, 10 * TSC_HZ), 0);
	assert_int_equal(sf_pacer_take(&p, T0, UINT_MAX), 0);
	assert_int_equal(sf_pacer_take(&p, T0 + TSC_HZ / 2, UINT_MAX), 0);
	assert_int_equal(sf_pacer_take(&p, T0 + TSC_HZ, UINT_MAX), 0);
}

/* Connections granted over [from, to] seconds after the ramp starts. */
static uint64_t ramp_window(uint64_t rate, uint64_t ramp_s, double from_s, double to_s)
{
	struct sf_pacer p;
	uint64_t seed = rate, a = T0 + (uint64_t)(from_s * (double)TSC_HZ);
	uint64_t b = T0 + (uint64_t)(to_s * (double)TSC_HZ);

	assert_int_equal(sf_pacer_init(&p, rate, TSC_HZ, SF_PACER_BURST_MAX), 0);
	assert_int_equal(sf_pacer_set_ramp(&p, T0, ramp_s * TSC_HZ), 0);
	take_until(&p, T0, a, TSC_HZ / 10000, &seed);
	return take_until(&p, a, b, TSC_HZ / 10000, &seed);
}

static void ramp_halfway_gives_half_the_rate(void **state)
{
	const uint64_t rates[] = { 1000, 100000, 10000000 };

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		/* one second centred on the middle of a 10 s ramp: rate / 2, +-1 % */
		uint64_t got = ramp_window(rates[i], 10, 4.5, 5.5), want = rates[i] / 2;

		assert_true(got * 100 >= want * 99 && got * 100 <= want * 101);
	}
}

static void ramp_rises_in_proportion_to_elapsed_time(void **state)
{
	const uint64_t rate = 1000000;

	(void)state;
	/* 100 ms windows at 20 % and 80 % of a 10 s ramp: 0.2 and 0.8 of the full rate */
	for (unsigned int f = 2; f <= 8; f += 6) {
		uint64_t got = ramp_window(rate, 10, f - 0.05, f + 0.05);
		uint64_t want = rate / 10 * f / 10;

		assert_true(got * 100 >= want * 99 && got * 100 <= want * 101);
	}
}

static void ramp_total_is_half_the_full_rate_and_then_the_rate_is_exact(void **state)
{
	struct sf_pacer p;
	const uint64_t rate = 100000, ramp_s = 10;
	uint64_t seed = 99, got;

	(void)state;
	assert_int_equal(sf_pacer_init(&p, rate, TSC_HZ, SF_PACER_BURST_MAX), 0);
	assert_int_equal(sf_pacer_set_ramp(&p, T0, ramp_s * TSC_HZ), 0);
	got = take_until(&p, T0, T0 + ramp_s * TSC_HZ, TSC_HZ / 10000, &seed);
	/* the area under the line: rate * ramp / 2, less a fraction lost to rounding down */
	assert_true(got <= rate * ramp_s / 2 && got + 1 >= rate * ramp_s / 2);
	/* then each second gives the rate to within the one left over from the ramp */
	for (uint64_t s = ramp_s; s < ramp_s + 3; s++) {
		got = take_until(&p, T0 + s * TSC_HZ, T0 + (s + 1) * TSC_HZ, TSC_HZ / 10000, &seed);
		assert_true(got >= rate - 1 && got <= rate + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_out_of_range_arguments),
		cmocka_unit_test(unlimited_rate_grants_max_every_call),
		cmocka_unit_test(connection_is_due_on_the_cycle_its_credit_completes),
		cmocka_unit_test(rate_1_grants_exactly_rate_times_1s),
		cmocka_unit_test(rate_1_grants_exactly_rate_times_10s),
		cmocka_unit_test(rate_1_grants_exactly_rate_times_1h),
		cmocka_unit_test(rate_1000_grants_exactly_rate_times_1s),
		cmocka_unit_test(rate_1000_grants_exactly_rate_times_10s),
		cmocka_unit_test(rate_1000_grants_exactly_rate_times_1h),
		cmocka_unit_test(rate_100000_grants_exactly_rate_times_1s),
		cmocka_unit_test(rate_100000_grants_exactly_rate_times_10s),
		cmocka_unit_test(rate_100000_grants_exactly_rate_times_1h),
		cmocka_unit_test(rate_10000000_grants_exactly_rate_times_1s),
		cmocka_unit_test(rate_10000000_grants_exactly_rate_times_10s),
		cmocka_unit_test(rate_10000000_grants_exactly_rate_times_1h),
		cmocka_unit_test(burst_caps_credit_after_a_long_idle),
		cmocka_unit_test(credit_kept_across_calls_that_take_nothing_is_capped_at_burst),
		cmocka_unit_test(idle_for_years_neither_overflows_nor_exceeds_the_burst),
		cmocka_unit_test(take_returns_at_most_max_and_keeps_the_rest),
		cmocka_unit_test(time_going_backwards_adds_nothing),
		cmocka_unit_test(ramp_grants_nothing_before_its_start),
		cmocka_unit_test(ramp_halfway_gives_half_the_rate),
		cmocka_unit_test(ramp_rises_in_proportion_to_elapsed_time),
		cmocka_unit_test(ramp_total_is_half_the_full_rate_and_then_the_rate_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

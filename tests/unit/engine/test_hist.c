/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms against known samples: empty, one value, the exact range, every
 * power-of-two boundary, a uniform 1..100000 set, the top of the range and beyond, merging.
 * Expected percentiles are computed from the samples themselves, never typed in.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sf_hist.h"

static struct sf_hist *hist_new(void)
{
	struct sf_hist *h = aligned_alloc(64, sizeof(*h));

	assert_non_null(h);
	sf_hist_reset(h);
	return h;
}

/* A bucket is never wider than 1/64 of its lower edge (the relative error bound). */
static void assert_within_bucket_error(uint64_t reported, uint64_t exact)
{
	assert_true(reported >= exact);
	assert_true(reported - exact <= exact / SF_HIST_SUB);
}

/* The true p-th percentile of a sorted set: the sample of rank ceil(p% of n). */
static uint64_t exact_percentile(const uint64_t *sorted, uint64_t n, unsigned int p_tenths)
{
	uint64_t rank = (n * p_tenths + 999) / 1000;

	return sorted[(rank == 0 ? 1 : rank) - 1];
}

struct visit_log {
	unsigned int n;
	uint64_t lower[SF_HIST_BUCKETS], upper[SF_HIST_BUCKETS], count[SF_HIST_BUCKETS];
	unsigned int stop_after; /* 0: never stop */
};

static int log_bucket(uint64_t lower, uint64_t upper, uint64_t count, void *arg)
{
	struct visit_log *v = arg;

	v->lower[v->n] = lower;
	v->upper[v->n] = upper;
	v->count[v->n] = count;
	v->n++;
	return v->stop_after != 0 && v->n == v->stop_after ? 7 : 0;
}

/* xorshift64*: reproducible samples without libc's rand(). */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void empty_reports_zero_everywhere(void **state)
{
	struct sf_hist *h = hist_new();
	struct visit_log *v = calloc(1, sizeof(*v));

	(void)state;
	assert_non_null(v);
	assert_int_equal(sf_hist_count(h), 0);
	assert_int_equal(sf_hist_min(h), 0);
	assert_int_equal(sf_hist_max(h), 0);
	assert_true(sf_hist_mean(h) == 0.0);
	assert_int_equal(sf_hist_percentile(h, 0), 0);
	assert_int_equal(sf_hist_percentile(h, 50), 0);
	assert_int_equal(sf_hist_percentile(h, 100), 0);
	assert_int_equal(sf_hist_clamped(h), 0);
	assert_int_equal(sf_hist_visit(h, log_bucket, v), 0);
	assert_int_equal(v->n, 0);
	free(v);
	free(h);
}

static void zeroed_struct_is_an_empty_histogram(void **state)
{
	struct sf_hist *h = aligned_alloc(64, sizeof(*h));

	(void)state;
	assert_non_null(h);
	memset(h, 0, sizeof(*h));
	sf_hist_record(h, 700);
	sf_hist_record(h, 300);
	/* min must come from the samples, not from the zero the struct started with */
	assert_int_equal(sf_hist_min(h), 300);
	assert_int_equal(sf_hist_max(h), 700);
	assert_int_equal(sf_hist_count(h), 2);
	free(h);
}

static void single_value_is_every_percentile(void **state)
{
	const uint64_t values[] = { 0, 1, 42, 127, 128, 1000, 123457, 99999999 };

	(void)state;
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct sf_hist *h = hist_new();
		uint64_t v = values[i];

		sf_hist_record(h, v);
		assert_int_equal(sf_hist_count(h), 1);
		assert_int_equal(sf_hist_min(h), v);
		assert_int_equal(sf_hist_max(h), v);
		assert_true(sf_hist_mean(h) == (double)v);
		/* capped at the largest sample, so a lone sample is reported exactly */
		assert_int_equal(sf_hist_percentile(h, 0), v);
		assert_int_equal(sf_hist_percentile(h, 50), v);
		assert_int_equal(sf_hist_percentile(h, 99.9), v);
		assert_int_equal(sf_hist_percentile(h, 100), v);
		free(h);
	}
}

static void values_below_128_have_their_own_bucket(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 2 * SF_HIST_SUB; v++) {
		unsigned int i = sf_hist_index(v);

		assert_int_equal(i, v);
		assert_int_equal(sf_hist_bucket_lower(i), v);
		assert_int_equal(sf_hist_bucket_upper(i), v);
	}
}

static void buckets_tile_the_range_without_gap_or_overlap(void **state)
{
	(void)state;
	assert_int_equal(sf_hist_bucket_lower(0), 0);
	assert_int_equal(sf_hist_bucket_upper(SF_HIST_BUCKETS - 1), SF_HIST_MAX_US);
	assert_int_equal(sf_hist_index(SF_HIST_MAX_US), SF_HIST_BUCKETS - 1);
	for (unsigned int i = 0; i < SF_HIST_BUCKETS; i++) {
		uint64_t lo = sf_hist_bucket_lower(i), hi = sf_hist_bucket_upper(i);

		assert_true(lo <= hi);
		assert_int_equal(sf_hist_index(lo), i);
		assert_int_equal(sf_hist_index(hi), i);
		/* width <= lower / 64: under 1.6 % relative error */
		assert_true((hi - lo + 1) * SF_HIST_SUB <= (lo < 2 * SF_HIST_SUB ? SF_HIST_SUB : lo));
		if (i + 1 < SF_HIST_BUCKETS)
			assert_int_equal(sf_hist_bucket_lower(i + 1), hi + 1);
	}
}

static void index_is_monotonic_over_the_first_million(void **state)
{
	unsigned int prev = 0;

	(void)state;
	for (uint64_t v = 0; v < 1000000; v++) {
		unsigned int i = sf_hist_index(v);

		assert_true(i == prev || i == prev + 1);
		assert_true(sf_hist_bucket_lower(i) <= v && v <= sf_hist_bucket_upper(i));
		prev = i;
	}
}

static void every_power_of_two_boundary_lands_in_its_bucket(void **state)
{
	(void)state;
	for (unsigned int k = 0; k < SF_HIST_TOP_BITS; k++) {
		uint64_t p2 = UINT64_C(1) << k;
		uint64_t vals[3] = { p2 - 1, p2, p2 + 1 };

		for (unsigned int j = 0; j < 3; j++) {
			struct sf_hist *h = hist_new();
			struct visit_log *v = calloc(1, sizeof(*v));

			assert_non_null(v);
			sf_hist_record(h, vals[j]);
			assert_int_equal(sf_hist_visit(h, log_bucket, v), 0);
			assert_int_equal(v->n, 1);
			assert_int_equal(v->count[0], 1);
			assert_true(v->lower[0] <= vals[j] && vals[j] <= v->upper[0]);
			free(v);
			free(h);
		}
		/* above the exact range a power of two opens a bucket and 2^k - 1 closes one */
		if (p2 >= 2 * SF_HIST_SUB) {
			assert_int_equal(sf_hist_bucket_lower(sf_hist_index(p2)), p2);
			assert_int_equal(sf_hist_bucket_upper(sf_hist_index(p2 - 1)), p2 - 1);
			assert_int_equal(sf_hist_index(p2), sf_hist_index(p2 - 1) + 1);
		}
	}
}

static void uniform_1_to_100000_percentiles_within_bucket_error(void **state)
{
	const uint64_t n = 100000;
	const unsigned int p_tenths[] = { 500, 900, 990, 999 };
	struct sf_hist *h = hist_new();
	uint64_t *sorted = malloc(n * sizeof(*sorted));

	(void)state;
	assert_non_null(sorted);
	/* record in a scrambled order: the histogram must not care */
	for (uint64_t i = 0; i < n; i++) {
		sorted[i] = i + 1;
		sf_hist_record(h, (i * 7919) % n + 1);
	}
	assert_int_equal(sf_hist_count(h), n);
	assert_int_equal(sf_hist_min(h), 1);
	assert_int_equal(sf_hist_max(h), n);
	assert_true(sf_hist_mean(h) == (double)(n + 1) / 2);
	for (unsigned int j = 0; j < 4; j++) {
		uint64_t exact = exact_percentile(sorted, n, p_tenths[j]);
		uint64_t got = sf_hist_percentile(h, p_tenths[j] / 10.0);

		assert_within_bucket_error(got, exact);
		/* and it is precisely the upper edge of the exact value's bucket, or the
		 * largest sample if that is below the edge */
		assert_int_equal(got, sf_hist_bucket_upper(sf_hist_index(exact)) < n ?
					      sf_hist_bucket_upper(sf_hist_index(exact)) : n);
	}
	assert_int_equal(sf_hist_percentile(h, 100), n);
	free(sorted);
	free(h);
}

static void percentile_takes_the_ceiling_rank(void **state)
{
	struct sf_hist *h = hist_new();

	(void)state;
	for (uint64_t v = 1; v <= 10; v++)
		sf_hist_record(h, v);
	/* exact range: ranks are values */
	assert_int_equal(sf_hist_percentile(h, 10), 1);
	assert_int_equal(sf_hist_percentile(h, 10.5), 2);
	assert_int_equal(sf_hist_percentile(h, 50), 5);
	assert_int_equal(sf_hist_percentile(h, 90), 9);
	assert_int_equal(sf_hist_percentile(h, 90.01), 10);
	assert_int_equal(sf_hist_percentile(h, 0), 1);
	assert_int_equal(sf_hist_percentile(h, -3), 1);
	assert_int_equal(sf_hist_percentile(h, 150), 10);
	assert_int_equal(sf_hist_percentile(h, NAN), 1); /* the minimum */
	free(h);
}

static void percentile_rank_is_not_pushed_up_by_rounding(void **state)
{
	struct sf_hist *h = hist_new();

	(void)state;
	/* 1.1 % of 3000 is 33, but 1.1 * 3000 / 100 is 33.00000000000001 in double */
	for (uint64_t v = 1; v <= 3000; v++)
		sf_hist_record(h, v);
	assert_int_equal(sf_hist_percentile(h, 1.1), 33);
	free(h);
}

static void percentile_never_decreases_with_p(void **state)
{
	struct sf_hist *h = hist_new();
	uint64_t seed = 12345, prev = 0;

	(void)state;
	for (unsigned int i = 0; i < 50000; i++)
		sf_hist_record(h, rng_next(&seed) >> (rng_next(&seed) % 64));
	for (unsigned int p = 0; p <= 1000; p++) {
		uint64_t v = sf_hist_percentile(h, p / 10.0);

		assert_true(v >= prev);
		prev = v;
	}
	assert_int_equal(prev, sf_hist_max(h));
	free(h);
}

static void top_of_range_is_kept_and_beyond_is_clamped_and_counted(void **state)
{
	struct sf_hist *h = hist_new();
	struct visit_log *v = calloc(1, sizeof(*v));

	(void)state;
	assert_non_null(v);
	sf_hist_record(h, SF_HIST_MAX_US);
	assert_int_equal(sf_hist_clamped(h), 0);
	sf_hist_record(h, SF_HIST_MAX_US + 1);
	sf_hist_record(h, UINT64_MAX);
	assert_int_equal(sf_hist_clamped(h), 2);
	assert_int_equal(sf_hist_count(h), 3);
	assert_int_equal(sf_hist_max(h), SF_HIST_MAX_US);
	assert_int_equal(sf_hist_min(h), SF_HIST_MAX_US);
	assert_true(sf_hist_mean(h) == (double)SF_HIST_MAX_US);
	assert_int_equal(sf_hist_percentile(h, 50), SF_HIST_MAX_US);
	assert_int_equal(sf_hist_visit(h, log_bucket, v), 0);
	assert_int_equal(v->n, 1);
	assert_int_equal(v->count[0], 3);
	assert_int_equal(v->upper[0], SF_HIST_MAX_US);
	/* 100 s, the range the metrics need, is recorded unclamped */
	sf_hist_record(h, 100000000);
	assert_int_equal(sf_hist_clamped(h), 2);
	free(v);
	free(h);
}

/* Log-uniform samples from 0 to past the top, so every scale and the clamp are exercised. */
static void record_random(struct sf_hist *a, struct sf_hist *b, uint64_t seed, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v = rng_next(&seed) >> (rng_next(&seed) % 64);

		sf_hist_record(a, v);
		sf_hist_record(b, v);
	}
}

static void merge_equals_recording_both_sets_into_one(void **state)
{
	struct sf_hist *a = hist_new(), *b = hist_new(), *both = hist_new();

	(void)state;
	record_random(a, both, 1, 30000);
	record_random(b, both, 2, 20000);
	assert_true(sf_hist_clamped(both) > 0);
	sf_hist_merge(a, b);
	assert_memory_equal(a, both, sizeof(*a));
	free(a);
	free(b);
	free(both);
}

static void merge_into_empty_copies_and_merging_empty_changes_nothing(void **state)
{
	struct sf_hist *src = hist_new(), *dst = hist_new(), *empty = hist_new(),
		       *copy = hist_new();

	(void)state;
	record_random(src, copy, 3, 1000);
	sf_hist_merge(dst, src);
	assert_memory_equal(dst, copy, sizeof(*dst));
	sf_hist_merge(dst, empty);
	assert_memory_equal(dst, copy, sizeof(*dst));
	free(src);
	free(dst);
	free(empty);
	free(copy);
}

static void visit_lists_non_empty_buckets_in_order_and_stops_when_asked(void **state)
{
	struct sf_hist *h = hist_new();
	struct visit_log *v = calloc(1, sizeof(*v));
	uint64_t total = 0;

	(void)state;
	assert_non_null(v);
	sf_hist_record(h, 5000);
	sf_hist_record(h, 3);
	sf_hist_record(h, 3);
	sf_hist_record(h, 200);
	sf_hist_record(h, 201);  /* same 2-wide bucket as 200 */
	assert_int_equal(sf_hist_visit(h, log_bucket, v), 0);
	assert_int_equal(v->n, 3);
	assert_int_equal(v->lower[0], 3);
	assert_int_equal(v->count[0], 2);
	assert_int_equal(v->lower[1], 200);
	assert_int_equal(v->upper[1], 201);
	assert_int_equal(v->count[1], 2);
	assert_true(v->lower[2] <= 5000 && 5000 <= v->upper[2]);
	for (unsigned int i = 0; i < v->n; i++) {
		total += v->count[i];
		if (i > 0)
			assert_true(v->lower[i] > v->upper[i - 1]);
	}
	assert_int_equal(total, sf_hist_count(h));

	memset(v, 0, sizeof(*v));
	v->stop_after = 2;
	assert_int_equal(sf_hist_visit(h, log_bucket, v), 7);
	assert_int_equal(v->n, 2);
	free(v);
	free(h);
}

static void struct_is_fixed_size_and_cache_aligned(void **state)
{
	(void)state;
	assert_int_equal(_Alignof(struct sf_hist), 64);
	assert_int_equal(sizeof(struct sf_hist) % 64, 0);
	assert_true(sizeof(struct sf_hist) < 16 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_reports_zero_everywhere),
		cmocka_unit_test(zeroed_struct_is_an_empty_histogram),
		cmocka_unit_test(single_value_is_every_percentile),
		cmocka_unit_test(values_below_128_have_their_own_bucket),
		cmocka_unit_test(buckets_tile_the_range_without_gap_or_overlap),
		cmocka_unit_test(index_is_monotonic_over_the_first_million),
		cmocka_unit_test(every_power_of_two_boundary_lands_in_its_bucket),
		cmocka_unit_test(uniform_1_to_100000_percentiles_within_bucket_error),
		cmocka_unit_test(percentile_takes_the_ceiling_rank),
		cmocka_unit_test(percentile_rank_is_not_pushed_up_by_rounding),
		cmocka_unit_test(percentile_never_decreases_with_p),
		cmocka_unit_test(top_of_range_is_kept_and_beyond_is_clamped_and_counted),
		cmocka_unit_test(merge_equals_recording_both_sets_into_one),
		cmocka_unit_test(merge_into_empty_copies_and_merging_empty_changes_nothing),
		cmocka_unit_test(visit_lists_non_empty_buckets_in_order_and_stops_when_asked),
		cmocka_unit_test(struct_is_fixed_size_and_cache_aligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

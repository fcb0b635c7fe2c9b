/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_HIST_H
#define SF_HIST_H

/**
 * @file
 * Latency histograms in microseconds, log-linear like HdrHistogram: one per lcore per metric
 * (SYN to SYN-ACK, request to first response byte, connection time), merged by the main lcore
 * for display.
 *
 * Bucket layout (SF_HIST_SUB_BITS = 6, so 64 sub-buckets per power of two):
 *
 *     value (us)               bucket width   buckets
 *     0 .. 127                 1 (exact)      128
 *     128 .. 255               2              64
 *     256 .. 511               4              64
 *     ...                      ...            ...
 *     2^31 .. 2^32 - 1         2^25           64
 *
 * A value v >= 128 with its top bit at position m falls in the bucket of width 2^(m-6) holding
 * it, so a bucket is never wider than 1/64 of its lower edge: under 1.6 % relative error.
 * The index is (s << 6) + (v >> s) with s = msb(v | 64) - 6: one count-leading-zeros, a shift
 * and an add, no loop, division or floating point. Values above SF_HIST_MAX_US (71.6 minutes)
 * are recorded as SF_HIST_MAX_US and counted in @c clamped.
 *
 * The struct holds no pointers, so it lives inline in per-lcore state, and an all-zero struct
 * is an empty histogram. Counters are plain uint64_t written by one lcore; another lcore may
 * read or merge it at any time and sees each counter either before or after an increment
 * (aligned 64-bit stores do not tear on the platforms DPDK runs on).
 */

#include <stdalign.h>
#include <stdint.h>

/** log2 of the sub-buckets per power of two; also sets the exact range (below 2^(bits+1)). */
#define SF_HIST_SUB_BITS 6
/** Sub-buckets per power of two. */
#define SF_HIST_SUB (1u << SF_HIST_SUB_BITS)
/** Values below 2^SF_HIST_TOP_BITS microseconds are recorded as they are. */
#define SF_HIST_TOP_BITS 32
/** Largest recordable value: 2^32 - 1 us, about 71.6 minutes. Larger ones are clamped to it. */
#define SF_HIST_MAX_US ((UINT64_C(1) << SF_HIST_TOP_BITS) - 1)
/** Number of buckets: the index of SF_HIST_MAX_US plus one (1728). */
#define SF_HIST_BUCKETS ((SF_HIST_TOP_BITS - SF_HIST_SUB_BITS + 1) << SF_HIST_SUB_BITS)

/**
 * One histogram: 13.9 KB, cache-line aligned. Zeroed means empty. count and sum, the two
 * counters every sample adds to, are kept apart: side by side, gcc pairs their updates into one
 * vector store, built from scalar loads and inserts (8 instructions instead of 2).
 */
struct sf_hist {
	alignas(64) uint64_t count;   /**< samples recorded */
	uint64_t min_inv;             /**< ~minimum, so that zero means "none yet" */
	uint64_t sum;                 /**< sum of the (clamped) samples, for the mean */
	uint64_t max;                 /**< largest (clamped) sample */
	uint64_t clamped;             /**< samples above SF_HIST_MAX_US */
	uint64_t bucket[SF_HIST_BUCKETS];
};

/** Bucket index of @p us, which must be at most SF_HIST_MAX_US. */
static inline unsigned int sf_hist_index(uint64_t us)
{
	/* Values below 128 get s = 0 and index = us: the OR with 64 keeps clz defined and puts
	 * them in the exact range. */
	unsigned int s = (unsigned int)(63 - __builtin_clzll(us | SF_HIST_SUB)) - SF_HIST_SUB_BITS;

	return (s << SF_HIST_SUB_BITS) + (unsigned int)(us >> s);
}

/**
 * Record one sample of @p us microseconds. O(1), branch-light, no division. Values above
 * SF_HIST_MAX_US are recorded as SF_HIST_MAX_US and counted in h->clamped.
 */
static inline void sf_hist_record(struct sf_hist *h, uint64_t us)
{
	if (__builtin_expect(us > SF_HIST_MAX_US, 0)) {
		us = SF_HIST_MAX_US;
		h->clamped++;
	}
	h->bucket[sf_hist_index(us)]++;
	h->count++;
	h->sum += us;
	if (~us > h->min_inv)
		h->min_inv = ~us;
	if (us > h->max)
		h->max = us;
}

/** Empty @p h (the same as zeroing it). */
void sf_hist_reset(struct sf_hist *h);

/** Smallest value that falls in bucket @p i (i < SF_HIST_BUCKETS). */
uint64_t sf_hist_bucket_lower(unsigned int i);

/** Largest value that falls in bucket @p i (i < SF_HIST_BUCKETS): its inclusive upper edge. */
uint64_t sf_hist_bucket_upper(unsigned int i);

/**
 * Add @p src's samples into @p dst, as if every sample of @p src had been recorded into
 * @p dst. @p src may be written by its lcore meanwhile: each of its counters is read once.
 */
void sf_hist_merge(struct sf_hist *dst, const struct sf_hist *src);

/** Samples recorded. */
uint64_t sf_hist_count(const struct sf_hist *h);

/** Samples that were above SF_HIST_MAX_US and recorded as SF_HIST_MAX_US. */
uint64_t sf_hist_clamped(const struct sf_hist *h);

/** Smallest sample (exact, after clamping), or 0 when empty. */
uint64_t sf_hist_min(const struct sf_hist *h);

/** Largest sample (exact, after clamping), or 0 when empty. */
uint64_t sf_hist_max(const struct sf_hist *h);

/** Arithmetic mean of the samples (exact, after clamping), or 0 when empty. */
double sf_hist_mean(const struct sf_hist *h);

/**
 * The @p p-th percentile (0 <= p <= 100; e.g. 99.9): the inclusive upper edge of the bucket
 * holding the sample of rank ceil(p / 100 * count), capped at the largest sample, so it is
 * never below the true percentile and at most one bucket width (< 1.6 %) above it. p <= 0
 * gives the minimum, p >= 100 the maximum, an empty histogram 0.
 */
uint64_t sf_hist_percentile(const struct sf_hist *h, double p);

/**
 * Called by sf_hist_visit() for each non-empty bucket: the values @p lower to @p upper
 * (inclusive) were seen @p count times. A non-zero return stops the visit.
 */
typedef int (*sf_hist_visit_fn)(uint64_t lower, uint64_t upper, uint64_t count, void *arg);

/**
 * Call @p fn for every non-empty bucket of @p h in ascending order, for printing and JSON.
 * @return 0 after the last bucket, or the first non-zero value @p fn returned.
 */
int sf_hist_visit(const struct sf_hist *h, sf_hist_visit_fn fn, void *arg);

#endif /* SF_HIST_H */

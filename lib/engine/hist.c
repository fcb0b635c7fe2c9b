/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms: the read side. Recording is inline in sf_hist.h; everything here runs
 * on the main lcore when it displays or exports the figures, so it may loop over all buckets
 * and use floating point.
 */
#include <string.h>

#include "sf_hist.h"

void sf_hist_reset(struct sf_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t sf_hist_bucket_lower(unsigned int i)
{
	unsigned int s;

	if (i < 2 * SF_HIST_SUB)
		return i;
	/* Inverse of sf_hist_index(): i = (s << 6) + m with m in [64, 128). */
	s = (i >> SF_HIST_SUB_BITS) - 1;
	return (uint64_t)((i & (SF_HIST_SUB - 1)) | SF_HIST_SUB) << s;
}

uint64_t sf_hist_bucket_upper(unsigned int i)
{
	unsigned int s;

	if (i < 2 * SF_HIST_SUB)
		return i;
	s = (i >> SF_HIST_SUB_BITS) - 1;
	return sf_hist_bucket_lower(i) + (UINT64_C(1) << s) - 1;
}

void sf_hist_merge(struct sf_hist *dst, const struct sf_hist *src)
{
	uint64_t n = 0;

	/* The count is taken from the buckets copied, so the merged histogram agrees with
	 * itself even when src's lcore records meanwhile. */
	for (unsigned int i = 0; i < SF_HIST_BUCKETS; i++) {
		uint64_t c = src->bucket[i];

		dst->bucket[i] += c;
		n += c;
	}
	dst->count += n;
	dst->sum += src->sum;
	dst->clamped += src->clamped;
	if (src->min_inv > dst->min_inv)
		dst->min_inv = src->min_inv;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t sf_hist_count(const struct sf_hist *h)
{
	return h->count;
}

uint64_t sf_hist_clamped(const struct sf_hist *h)
{
	return h->clamped;
}

uint64_t sf_hist_min(const struct sf_hist *h)
{
	return h->count == 0 ? 0 : ~h->min_inv;
}

uint64_t sf_hist_max(const struct sf_hist *h)
{
	return h->max;
}

double sf_hist_mean(const struct sf_hist *h)
{
	uint64_t n = h->count;

	return n == 0 ? 0.0 : (double)h->sum / (double)n;
}

uint64_t sf_hist_percentile(const struct sf_hist *h, double p)
{
	uint64_t total = 0, rank, cum = 0, max = h->max, lo, hi;
	unsigned int i;
	double x;

	for (i = 0; i < SF_HIST_BUCKETS; i++)
		total += h->bucket[i];
	if (total == 0)
		return 0;
	if (!(p > 0.0)) /* also NaN: never convert it to an integer */
		return sf_hist_min(h);
	if (p >= 100.0)
		return max;

	/* rank = ceil(p% of total). p * total / 100 is exact for the usual percentiles of
	 * round counts; the 1e-12 shave keeps a rounding error above an integer from adding a
	 * whole rank. */
	x = p * (double)total / 100.0;
	x -= x * 1e-12;
	rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank == 0)
		rank = 1;

	/* Counts only grow while an lcore records, so this pass reaches rank: it sees at least
	 * the total of the first pass. */
	for (i = 0; i < SF_HIST_BUCKETS - 1; i++) {
		cum += h->bucket[i];
		if (cum >= rank)
			break;
	}
	lo = sf_hist_bucket_lower(i);
	hi = sf_hist_bucket_upper(i);
	/* No sample exceeds the maximum, so an edge above it is not a value anyone saw. */
	if (hi > max)
		hi = max < lo ? lo : max;
	return hi;
}

int sf_hist_visit(const struct sf_hist *h, sf_hist_visit_fn fn, void *arg)
{
	for (unsigned int i = 0; i < SF_HIST_BUCKETS; i++) {
		uint64_t c = h->bucket[i];
		int rc;

		if (c == 0)
			continue;
		rc = fn(sf_hist_bucket_lower(i), sf_hist_bucket_upper(i), c, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

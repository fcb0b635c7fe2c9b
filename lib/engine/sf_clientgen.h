/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_CLIENTGEN_H
#define SF_CLIENTGEN_H

/**
 * @file
 * Client mode's building blocks, one of each per worker lcore:
 *
 * - struct sf_pacer: a token bucket on the TSC that says how many connections the lcore may
 *   open now, for a target rate (connections per second), with an optional linear ramp.
 * - struct sf_portalloc: hands out source (address, port) pairs for a destination, cycling
 *   through the source space so that a 4-tuple comes back as late as possible, and, on an
 *   RSS port, only pairs whose replies the NIC steers to this lcore's queue.
 *
 * Both are plain C without an EAL: time is a TSC value passed in, nothing allocates after
 * creation, and nothing is shared between lcores.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sf_net.h"

/* ---- the connection pacer ---- */

/** Largest burst sf_pacer_init() accepts (bounds the integer arithmetic). */
#define SF_PACER_BURST_MAX (UINT32_C(1) << 20)
/** Largest rate and TSC frequency sf_pacer_init() accepts: 2^40 (about 1.1e12) per second. */
#define SF_PACER_HZ_MAX (UINT64_C(1) << 40)

/**
 * A token bucket counted in TSC cycles. Credit is kept as (cycles x connections per second):
 * every cycle adds @c rate, a connection costs @c tsc_hz. All integers, so the count of
 * connections granted by time t is exactly floor((t - start) * rate / tsc_hz) (while the
 * caller keeps the bucket from overflowing): no drift however long it runs. The division by
 * tsc_hz is a multiplication by a reciprocal computed once.
 *
 * Fields are private; the struct has no pointers and lives inline in per-lcore state.
 */
struct sf_pacer {
	uint64_t rate;       /**< target connections per second; 0 = unlimited */
	uint64_t unit;       /**< credit one connection costs: the TSC frequency */
	uint64_t unit_inv;   /**< floor((2^64 - 1) / unit) */
	uint64_t cap;        /**< most credit the bucket holds: burst * unit */
	uint64_t max_gap;    /**< cycles that fill an empty bucket at the full rate */
	uint64_t last;       /**< TSC up to which credit has been added */
	uint64_t credit;     /**< unspent credit, < cap + unit */
	uint64_t ramp_start; /**< TSC at which the ramp starts (rate 0 before it) */
	uint64_t ramp_end;   /**< TSC at which the full rate is reached; 0 if no ramp */
	uint64_t ramp_k[2];  /**< (rate << 64) / (2 * ramp length), low and high 64 bits */
	bool started;        /**< credit counts from @c last */
};

/**
 * Set up @p p for @p rate connections per second (0: unlimited) on a TSC of @p tsc_hz,
 * holding at most @p burst connections of credit. The bucket starts empty at the first
 * sf_pacer_take() (or at the ramp's start, see sf_pacer_set_ramp()). Credit beyond @p burst
 * is lost, so @p burst must cover the tokens that accrue between two calls (rate x the
 * loop's longest period), or the lcore falls short of the rate.
 * @return 0, or -EINVAL if @p tsc_hz or @p rate exceeds SF_PACER_HZ_MAX, @p tsc_hz is 0,
 * or @p burst is 0 or above SF_PACER_BURST_MAX.
 */
int sf_pacer_init(struct sf_pacer *p, uint64_t rate, uint64_t tsc_hz, uint32_t burst);

/**
 * Raise the rate linearly from 0 at @p start_tsc to the target at @p start_tsc + @p ramp_tsc,
 * then hold it. The bucket starts empty at @p start_tsc and grants nothing before it.
 * Call after sf_pacer_init() and before the first sf_pacer_take(). @p ramp_tsc 0 means no
 * ramp (the full rate from @p start_tsc). No effect on an unlimited pacer.
 * @return 0, or -EINVAL if @p ramp_tsc is above 2^62 cycles.
 */
int sf_pacer_set_ramp(struct sf_pacer *p, uint64_t start_tsc, uint64_t ramp_tsc);

/**
 * How many connections may open at @p now_tsc, at most @p max; they are taken from the
 * bucket. An unlimited pacer always returns @p max. O(1): no loop, no division.
 * @p now_tsc must not go backwards (an earlier value adds no credit).
 */
unsigned int sf_pacer_take(struct sf_pacer *p, uint64_t now_tsc, unsigned int max);

/* ---- the local-port allocator ---- */

/** A destination the client connects to. Address as on the wire, port in host order. */
struct sf_portalloc_dst {
	uint8_t addr[16]; /**< IPv4: the first 4 bytes */
	uint16_t port;
};

/** What one lcore's allocator hands out, and how it steers. */
struct sf_portalloc_config {
	uint8_t family;          /**< SF_AF_INET or SF_AF_INET6, for sources and destinations */
	uint8_t src_first[16];   /**< first source address, as on the wire (IPv4: first 4 bytes) */
	uint32_t src_count;      /**< consecutive source addresses from src_first; >= 1 */
	uint16_t port_lo;        /**< source ports port_lo..port_hi, host order; port_lo >= 1 */
	uint16_t port_hi;
	const struct sf_portalloc_dst *dsts; /**< destinations, copied; addressed by index */
	uint32_t nb_dsts;        /**< >= 1 */
	/**
	 * RSS redirection table as the NIC holds it: the reply to a tuple arrives on queue
	 * reta[hash % reta_size]. NULL (or reta_size 0) turns steering off (memif, tap, a
	 * single queue). reta_size must be a power of two up to SF_PORTALLOC_RETA_MAX.
	 */
	const uint16_t *reta;
	uint32_t reta_size;
	uint16_t queue;          /**< this lcore's rx queue: steering hands out only its tuples */
	/**
	 * Without a RETA: this lcore takes slice @c part of @c nb_parts equal contiguous
	 * slices of the source space, so lcores never share a tuple. nb_parts 0 or 1: the
	 * whole space. Ignored when a RETA is given (the RETA is the partition then).
	 */
	uint16_t part;
	uint16_t nb_parts;
	const uint8_t *rss_key;  /**< SF_RSS_KEY_LEN bytes, copied; NULL: sf_rss_sym_key */
};

/** Largest RETA the allocator takes. */
#define SF_PORTALLOC_RETA_MAX 65536u

/** Counters for the stats display; written by the owning lcore only. */
struct sf_portalloc_stats {
	uint64_t handed;   /**< tuples returned by sf_portalloc_next() */
	uint64_t rejected; /**< of those, reported in use by sf_portalloc_reject() */
	uint64_t busy;     /**< -EBUSY: every tuple of a destination was rejected in a row */
	uint64_t empty;    /**< -ENOSPC: no tuple of a destination is this lcore's */
	uint64_t scanned;  /**< candidates looked at; scanned / handed ~ queues when steering */
	uint64_t wraps;    /**< cursors that went round their whole space */
};

struct sf_portalloc;

/**
 * Create one lcore's allocator: a cursor per destination over the source space (address
 * major, port minor), the hash tables for steering, and the copied configuration.
 * @return the allocator, or NULL with errno EINVAL (bad configuration) or ENOMEM.
 */
struct sf_portalloc *sf_portalloc_create(const struct sf_portalloc_config *cfg);

/** Release an allocator; NULL is a no-op. */
void sf_portalloc_free(struct sf_portalloc *a);

/**
 * The next source (address, port) for destination @p dst (an index into the configured
 * destinations), as a flow key ready for the connection table: laddr/lport = the source,
 * raddr/rport = the destination, ports in network order. @p rss_hash (may be NULL) receives
 * the Toeplitz hash the NIC computes for the replies, sf_rss_hash_flow(key, @p key).
 *
 * Each destination's cursor visits every tuple of this lcore's share once per round, in
 * order, so a 4-tuple is handed out again only after all the others. The caller checks the
 * tuple against its connection table and, if it is still live or in TIME_WAIT, calls
 * sf_portalloc_reject() and asks again.
 * @return 0; -ENOSPC if no tuple for @p dst belongs to this lcore (found after one scan of
 * the space, then answered at once); -EBUSY if every tuple for @p dst was rejected since
 * the first rejection in a row (the caller should try later: the next call carries on);
 * -EINVAL if @p dst is out of range.
 */
int sf_portalloc_next(struct sf_portalloc *a, uint32_t dst, struct sf_flow_key *key,
		      uint32_t *rss_hash);

/**
 * The tuple from the last sf_portalloc_next(), if it returned one, is in use: count it. A run of
 * rejections ends with the next sf_portalloc_next() for that destination that follows no
 * rejection (the caller took the tuple it was given).
 */
void sf_portalloc_reject(struct sf_portalloc *a);

/**
 * A tuple handed out before the last one (the caller draws several, then checks them) is in
 * use: count it as rejected, without starting a run (a run follows the last tuple only).
 */
void sf_portalloc_note_in_use(struct sf_portalloc *a);

/** Number of tuples in this lcore's share of the source space, before steering. */
uint64_t sf_portalloc_space(const struct sf_portalloc *a);

/** True if replies are steered by a RETA (some RETA entries belong to other queues). */
bool sf_portalloc_steering(const struct sf_portalloc *a);

/** The allocator's counters. */
const struct sf_portalloc_stats *sf_portalloc_stats(const struct sf_portalloc *a);

#endif /* SF_CLIENTGEN_H */

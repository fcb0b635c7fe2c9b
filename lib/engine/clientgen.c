/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client mode's per-lcore pacing and source-port allocation. See sf_clientgen.h.
 *
 * Steering arithmetic. The NIC hashes a reply (server -> us) over
 *
 *     IPv4:  raddr[0..4)  laddr[4..8)   rport[8..10)  lport[10..12)
 *     IPv6:  raddr[0..16) laddr[16..32) rport[32..34) lport[34..36)
 *
 * and Toeplitz is linear over XOR: the hash of an input is the XOR of the hashes of its
 * parts, each hashed in place (zeros elsewhere contribute nothing). So per destination the
 * allocator keeps the part of (raddr, rport), per cursor address the part of laddr, and for
 * the port two 256-entry tables, one per byte: a candidate costs two loads and two XORs,
 * and one bit test against the bitmap of RETA entries that point at this lcore's queue.
 * Every part is computed by lib/net's sf_toeplitz() with the key advanced to the part's
 * offset (a byte's bits meet the key bits from 8 x offset on), so the Toeplitz rule has one
 * home.
 *
 * Cycling order. RFC 9293 3.3.2: TIME-WAIT holds a closed connection's 4-tuple until its
 * old segments have died out, so each destination's cursor walks the whole source space
 * (address major, port minor) before it comes back to a tuple.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "sf_clientgen.h"

__extension__ typedef unsigned __int128 u128;

/* ---- the connection pacer ---- */

static inline uint64_t mulhi64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((u128)a * b) >> 64);
}

int sf_pacer_init(struct sf_pacer *p, uint64_t rate, uint64_t tsc_hz, uint32_t burst)
{
	if (tsc_hz == 0 || tsc_hz > SF_PACER_HZ_MAX || rate > SF_PACER_HZ_MAX || burst == 0 ||
	    burst > SF_PACER_BURST_MAX)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->rate = rate;
	p->unit = tsc_hz;
	p->unit_inv = UINT64_MAX / tsc_hz;
	/* At most 2^20 x 2^40: credit + a gap's worth stays far below 2^64. */
	p->cap = (uint64_t)burst * tsc_hz;
	/* After this many cycles at the full rate the bucket is full whatever it held, so a
	 * longer gap changes nothing and capping it bounds the products below. */
	p->max_gap = rate == 0 ? 0 : (p->cap + rate - 1) / rate;
	return 0;
}

int sf_pacer_set_ramp(struct sf_pacer *p, uint64_t start_tsc, uint64_t ramp_tsc)
{
	u128 k;

	if (ramp_tsc > (UINT64_C(1) << 62))
		return -EINVAL;
	p->started = true;
	p->last = start_tsc;
	p->credit = 0;
	p->ramp_start = start_tsc;
	p->ramp_end = 0;
	if (ramp_tsc == 0 || p->rate == 0)
		return 0;
	p->ramp_end = start_tsc + ramp_tsc;
	/* The rate at x cycles into the ramp is rate * x / len; over [xa, xb] the credit is
	 * (xb - xa) * rate * (xa + xb) / (2 len) exactly (a line's mean is its midpoint).
	 * k = rate * 2^64 / (2 len) turns that into multiplications; it keeps about 64 bits
	 * more than the result needs, so the ramp loses well under one connection. */
	k = ((u128)p->rate << 64) / ((u128)ramp_tsc * 2);
	p->ramp_k[0] = (uint64_t)k;
	p->ramp_k[1] = (uint64_t)(k >> 64);
	return 0;
}

/* Credit earned over [a, b] with a < ramp_end: the ramp's share, then the full rate. */
static uint64_t ramp_credit(const struct sf_pacer *p, uint64_t a, uint64_t b)
{
	uint64_t ra = a < p->ramp_start ? p->ramp_start : a;
	uint64_t rb = b < p->ramp_end ? b : p->ramp_end;
	uint64_t c = 0;

	if (rb > ra) {
		u128 k = (u128)p->ramp_k[1] << 64 | p->ramp_k[0];
		uint64_t xsum = (ra - p->ramp_start) + (rb - p->ramp_start); /* <= 2^63 */
		/* Mean rate over [ra, rb] in credit per cycle, 32 fractional bits: <= 2^72. */
		u128 rate_fp = ((u128)xsum * k) >> 32;

		/* (rb - ra) <= max_gap, so the product stays below 2^93. */
		c = (uint64_t)(((u128)(rb - ra) * rate_fp) >> 32);
	}
	if (b > p->ramp_end)
		c += (b - p->ramp_end) * p->rate;
	return c;
}

unsigned int sf_pacer_take(struct sf_pacer *p, uint64_t now_tsc, unsigned int max)
{
	uint64_t n;

	if (p->rate == 0)
		return max;
	if (unlikely(!p->started)) {
		/* The bucket starts empty now. */
		p->started = true;
		p->last = now_tsc;
		return 0;
	}
	if (now_tsc > p->last) {
		uint64_t from = now_tsc - p->last > p->max_gap ? now_tsc - p->max_gap : p->last;

		p->last = now_tsc;
		if (unlikely(from < p->ramp_end))
			p->credit += ramp_credit(p, from, now_tsc);
		else
			p->credit += (now_tsc - from) * p->rate;
		if (p->credit > p->cap)
			p->credit = p->cap;
	}
	/* n = credit / unit: the reciprocal gives it or one less (credit < 2^63). */
	n = mulhi64(p->credit, p->unit_inv);
	if (p->credit - n * p->unit >= p->unit)
		n++;
	if (n > max)
		n = max;
	p->credit -= n * p->unit;
	return (unsigned int)n;
}

/* ---- the local-port allocator ---- */

/* One destination's cursor over the source space. */
struct pa_slot {
	struct sf_flow_key key; /* family, raddr, rport fixed; laddr = the cursor's address */
	uint64_t ord;           /* ordinal of the next candidate: ip index * ports + port - lo */
	uint64_t last_ord;      /* ordinal of the tuple last handed out */
	uint64_t run_ord;       /* first tuple of the current run of rejections */
	uint32_t dst_part;      /* hash part of (raddr, rport) */
	uint32_t base;          /* dst_part ^ hash part of laddr */
	uint32_t port;          /* next candidate's port, host order */
	bool run;               /* rejections in a row since run_ord */
	bool pending;           /* the last tuple handed out was rejected */
	bool empty;             /* a full scan found no tuple of ours */
};

struct sf_portalloc {
	uint32_t t_hi[256];     /* hash part of lport's high byte */
	uint32_t t_lo[256];     /* and of its low byte */
	uint64_t *own;          /* bit i: RETA entry i points at our queue */
	uint32_t reta_mask;     /* reta_size - 1; 0 with own[0] all ones when not steering */
	bool steer;
	uint8_t family;
	uint8_t alen;           /* address bytes: 4 or 16 */
	uint8_t laddr_off;      /* where laddr sits in the hashed input */
	uint8_t key[SF_RSS_KEY_LEN];
	uint32_t port_lo, port_hi;
	uint64_t ord_begin, ord_end; /* this lcore's share: [begin, end) */
	uint8_t begin_addr[16];  /* source address and port at ord_begin */
	uint32_t begin_port;
	uint32_t begin_src_part;
	uint32_t nb_dsts;
	struct pa_slot *slots;
	struct pa_slot *last;   /* slot of the last tuple handed out */
	struct sf_portalloc_stats stats;
};

/* Add @v to the big-endian number @addr of @len bytes; returns the carry out of the top. */
static unsigned int addr_add(uint8_t *addr, unsigned int len, uint64_t v)
{
	unsigned int carry = 0;

	for (int i = (int)len - 1; i >= 0; i--) {
		uint64_t sum = (uint64_t)addr[i] + (v & 0xff) + carry;

		addr[i] = (uint8_t)sum;
		carry = (unsigned int)(sum >> 8);
		v >>= 8;
	}
	return carry || v != 0;
}

/* Toeplitz part of @len bytes placed at byte @off of the hashed input. */
static uint32_t hash_part(const struct sf_portalloc *a, unsigned int off, const uint8_t *data,
			  unsigned int len)
{
	return sf_toeplitz(a->key + off, SF_RSS_KEY_LEN - off, data, len);
}

static uint32_t src_part(const struct sf_portalloc *a, const uint8_t *laddr)
{
	return hash_part(a, a->laddr_off, laddr, a->alen);
}

/* Put the cursor of @s back at the start of this lcore's share. */
static void slot_rewind(const struct sf_portalloc *a, struct pa_slot *s)
{
	s->ord = a->ord_begin;
	s->port = a->begin_port;
	memcpy(s->key.laddr, a->begin_addr, sizeof(s->key.laddr));
	s->base = s->dst_part ^ a->begin_src_part;
}

/* The cursor @s past its last port: round to the share's start, or the next address's first port.
 * Out of line: once per port range, and its Toeplitz call would cost every step register saves. */
static __rte_noinline void slot_next_addr(struct sf_portalloc *a, struct pa_slot *s)
{
	if (s->ord == a->ord_end) {
		slot_rewind(a, s);
		a->stats.wraps++;
	} else {
		s->port = a->port_lo;
		addr_add(s->key.laddr, a->alen, 1);
		s->base = s->dst_part ^ src_part(a, s->key.laddr);
	}
}

/* Step the cursor to the next candidate: the next port, then the next address, then round. */
static inline void slot_advance(struct sf_portalloc *a, struct pa_slot *s)
{
	s->ord++;
	if (unlikely(s->ord == a->ord_end || ++s->port > a->port_hi))
		slot_next_addr(a, s);
}

/*
 * Hand out the candidate under @s's cursor, found after @n steps (its RSS hash @h), and step
 * past it; -EBUSY when the whole share went round with every tuple rejected (all are in use).
 */
static inline int slot_take(struct sf_portalloc *a, struct pa_slot *s, uint64_t n, uint32_t h,
			    struct sf_flow_key *key, uint32_t *rss_hash)
{
	uint64_t ord = s->ord;

	a->stats.scanned += n;
	if (unlikely(s->run && ord == s->run_ord)) {
		s->run = false;
		a->stats.busy++;
		slot_advance(a, s);
		return -EBUSY;
	}
	*key = s->key;
	key->lport = rte_cpu_to_be_16((uint16_t)s->port);
	if (rss_hash != NULL)
		*rss_hash = h;
	s->last_ord = ord;
	a->last = s;
	a->stats.handed++;
	slot_advance(a, s);
	return 0;
}

static bool config_ok(const struct sf_portalloc_config *cfg)
{
	unsigned int alen = cfg->family == SF_AF_INET6 ? 16 : 4;
	uint8_t last[16];

	if (cfg->family != SF_AF_INET && cfg->family != SF_AF_INET6)
		return false;
	if (cfg->src_count == 0 || cfg->port_lo == 0 || cfg->port_lo > cfg->port_hi)
		return false;
	if (cfg->dsts == NULL || cfg->nb_dsts == 0)
		return false;
	/* The source range must not run past the last address. */
	memcpy(last, cfg->src_first, alen);
	if (addr_add(last, alen, cfg->src_count - 1))
		return false;
	if (cfg->reta != NULL && cfg->reta_size != 0 &&
	    (cfg->reta_size > SF_PORTALLOC_RETA_MAX || (cfg->reta_size & (cfg->reta_size - 1))))
		return false;
	if (cfg->nb_parts > 1 && cfg->part >= cfg->nb_parts)
		return false;
	return true;
}

struct sf_portalloc *sf_portalloc_create(const struct sf_portalloc_config *cfg)
{
	bool steer = cfg->reta != NULL && cfg->reta_size != 0;
	uint32_t words, nports;
	uint64_t total;
	struct sf_portalloc *a;
	unsigned int lport_off, rport_off;

	if (!config_ok(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	words = steer && cfg->reta_size > 64 ? cfg->reta_size / 64 : 1;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->own = calloc(words, sizeof(*a->own));
	a->slots = calloc(cfg->nb_dsts, sizeof(*a->slots));
	if (a->own == NULL || a->slots == NULL) {
		sf_portalloc_free(a);
		errno = ENOMEM;
		return NULL;
	}

	a->family = cfg->family;
	a->alen = cfg->family == SF_AF_INET6 ? 16 : 4;
	a->laddr_off = a->alen;
	rport_off = 2u * a->alen;
	lport_off = rport_off + 2;
	memcpy(a->key, cfg->rss_key != NULL ? cfg->rss_key : sf_rss_sym_key, SF_RSS_KEY_LEN);
	for (unsigned int b = 0; b < 256; b++) {
		uint8_t byte = (uint8_t)b;

		a->t_hi[b] = hash_part(a, lport_off, &byte, 1);
		a->t_lo[b] = hash_part(a, lport_off + 1, &byte, 1);
	}

	/* The bitmap of our RETA entries. Without steering one all-ones word and mask 0 make
	 * the same test accept everything, so the hot loop has no extra branch. */
	if (steer) {
		bool all = true;

		a->reta_mask = cfg->reta_size - 1;
		for (uint32_t i = 0; i < cfg->reta_size; i++) {
			if (cfg->reta[i] == cfg->queue)
				a->own[i >> 6] |= UINT64_C(1) << (i & 63);
			else
				all = false;
		}
		/* Every entry is ours: nothing to filter. */
		a->steer = !all;
	} else {
		a->reta_mask = 0;
		a->own[0] = UINT64_MAX;
	}

	/* This lcore's share of the ordinals: all of them when the RETA partitions the
	 * tuples, else its slice (products stay below 2^32 x 2^16 x 2^16). */
	a->port_lo = cfg->port_lo;
	a->port_hi = cfg->port_hi;
	nports = a->port_hi - a->port_lo + 1;
	total = (uint64_t)cfg->src_count * nports;
	a->ord_begin = 0;
	a->ord_end = total;
	if (!steer && cfg->nb_parts > 1) {
		a->ord_begin = total * cfg->part / cfg->nb_parts;
		a->ord_end = total * (cfg->part + 1u) / cfg->nb_parts;
	}
	memcpy(a->begin_addr, cfg->src_first, a->alen);
	addr_add(a->begin_addr, a->alen, a->ord_begin / nports);
	a->begin_port = a->port_lo + (uint32_t)(a->ord_begin % nports);
	a->begin_src_part = src_part(a, a->begin_addr);

	a->nb_dsts = cfg->nb_dsts;
	for (uint32_t d = 0; d < cfg->nb_dsts; d++) {
		struct pa_slot *s = &a->slots[d];
		uint16_t rport = rte_cpu_to_be_16(cfg->dsts[d].port);

		s->key.family = a->family;
		memcpy(s->key.raddr, cfg->dsts[d].addr, a->alen);
		s->key.rport = rport;
		s->dst_part = hash_part(a, 0, s->key.raddr, a->alen) ^
			      hash_part(a, rport_off, (const uint8_t *)&rport, 2);
		slot_rewind(a, s);
	}
	return a;
}

void sf_portalloc_free(struct sf_portalloc *a)
{
	if (a == NULL)
		return;
	free(a->own);
	free(a->slots);
	free(a);
}

/*
 * Steering (or a hash asked for): step the cursor of @s to the first tuple whose reply the NIC
 * sends to our queue, and hand it out. Out of line: its loop needs registers that the usual
 * draw, without steering, then does not save.
 */
static __rte_noinline int slot_scan(struct sf_portalloc *a, struct pa_slot *s, struct sf_flow_key *key,
				    uint32_t *rss_hash)
{
	uint64_t space = a->ord_end - a->ord_begin, n = 0;

	while (n < space) {
		uint32_t port = s->port;
		uint32_t h, e;

		n++;
		h = s->base ^ a->t_hi[port >> 8] ^ a->t_lo[port & 0xff];
		e = h & a->reta_mask;
		if ((a->own[e >> 6] >> (e & 63)) & 1)
			return slot_take(a, s, n, h, key, rss_hash);
		slot_advance(a, s);
	}
	/* A whole round without a tuple of ours: there is none for this destination. */
	a->stats.scanned += n;
	s->empty = true;
	a->stats.empty++;
	return -ENOSPC;
}

int sf_portalloc_next(struct sf_portalloc *a, uint32_t dst, struct sf_flow_key *key,
		      uint32_t *rss_hash)
{
	struct pa_slot *s;

	/* Until a tuple is handed out, there is nothing for sf_portalloc_reject() to count. */
	a->last = NULL;
	if (unlikely(dst >= a->nb_dsts))
		return -EINVAL;
	s = &a->slots[dst];
	if (unlikely(s->empty)) {
		a->stats.empty++;
		return -ENOSPC;
	}
	/* No rejection since the last tuple: the caller took it, so any run is over. */
	if (!s->pending)
		s->run = false;
	s->pending = false;
	/* Without steering every tuple of a share is ours: the hash is only worked out when asked
	 * for. An empty share (more lcores than tuples) is the scan's to report. */
	if (!a->steer && rss_hash == NULL && a->ord_end != a->ord_begin)
		return slot_take(a, s, 1, 0, key, NULL);
	return slot_scan(a, s, key, rss_hash);
}

void sf_portalloc_reject(struct sf_portalloc *a)
{
	struct pa_slot *s = a->last;

	if (s == NULL)
		return;
	a->stats.rejected++;
	if (!s->run) {
		s->run = true;
		s->run_ord = s->last_ord;
	}
	s->pending = true;
}

void sf_portalloc_note_in_use(struct sf_portalloc *a)
{
	a->stats.rejected++;
}

uint64_t sf_portalloc_space(const struct sf_portalloc *a)
{
	return a->ord_end - a->ord_begin;
}

bool sf_portalloc_steering(const struct sf_portalloc *a)
{
	return a->steer;
}

const struct sf_portalloc_stats *sf_portalloc_stats(const struct sf_portalloc *a)
{
	return &a->stats;
}

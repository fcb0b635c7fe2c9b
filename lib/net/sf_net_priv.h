/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_NET_PRIV_H
#define SF_NET_PRIV_H

/*
 * lib/net internals: unaligned loads and stores, and the checksum loop the exported functions and
 * the classifier share. Frames put IP headers at offset 14 or 18, so no field is reliably
 * aligned: every access goes through memcpy, which compiles to one plain load or store on x86.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "sf_net.h"

/* Raw loads and stores keep memory order (the checksum convention in sf_net.h). */
static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * Host-order views of network-order fields. The compiler builtins, unlike rte_bswap16/32 (inline
 * asm on x86), let the compiler fold a swap into a comparison with a constant or into movbe.
 */
static inline uint16_t ld_be16(const uint8_t *p)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(ld16(p));
#else
	return ld16(p);
#endif
}

static inline uint32_t ld_be32(const uint8_t *p)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap32(ld32(p));
#else
	return ld32(p);
#endif
}

/* Host to network order, builtins for the reason above. */
static inline uint16_t cpu_to_be16(uint16_t v)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

static inline uint32_t cpu_to_be32(uint32_t v)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static inline uint64_t cpu_to_be64(uint64_t v)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static inline void st_be16(uint8_t *p, uint16_t v)
{
	st16(p, cpu_to_be16(v));
}

static inline void st_be32(uint8_t *p, uint32_t v)
{
	st32(p, cpu_to_be32(v));
}

/* Send back where it came from: the received frame's source MAC becomes the destination. */
static inline void eth_swap(uint8_t *frame)
{
	uint8_t tmp[6];

	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
}

static inline void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[16];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

/*
 * 64-bit add with end-around carry: one's-complement addition modulo 2^64 - 1. The carry comes
 * from the overflow builtin, which compiles to add and adc $0 (the compare form costs a third
 * instruction). Adding the carry back cannot overflow: after a carry the sum is at most 2^64 - 2.
 */
static inline uint64_t add_eac(uint64_t acc, uint64_t v)
{
	uint64_t s;
	bool carry = __builtin_add_overflow(acc, v, &s);

	return s + carry;
}

/* Fold a 64-bit one's-complement sum to 32 bits; 0xffff divides 2^32 - 1, so nothing is lost. */
static inline uint32_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/*
 * Bulk of a long buffer (@len a multiple of 16): each 8-byte load is split into its two 32-bit
 * halves, added to 64-bit accumulators without carry handling (2^28 iterations cannot overflow
 * them). With no carry chain between iterations the compiler vectorizes this loop; past a few
 * hundred bytes it beats the add-with-carry loop below (1460 bytes: about 1.5x with gcc 12).
 */
static inline uint64_t csum_bulk(const uint8_t *p, uint32_t len)
{
	uint64_t a0 = 0, a1 = 0;

	for (; len != 0; len -= 16, p += 16) {
		uint64_t x = ld64(p), y = ld64(p + 8);

		a0 += (x & 0xffffffffu) + (x >> 32);
		a1 += (y & 0xffffffffu) + (y >> 32);
	}
	return add_eac(a0, a1);
}

/* Below this, headers and segments with a short payload: straight add-with-carry, two
 * instructions per 8-byte word, has less set-up and fewer instructions than the bulk loop, which
 * pays off on longer buffers (no carry chain). */
#define CSUM_BULK_MIN 256

/*
 * RFC 1071 sum of @len (< 128) bytes added to the 64-bit one's-complement accumulator
 * @acc, 8 at a time with end-around carry, not folded. Each word is counted from @p's first byte
 * whatever its address, so alignment only affects speed. A 64-bit lane holds four 16-bit words
 * whose weights 2^16k are all 1 modulo 0xffff, so summing lanes sums words.
 */
static inline uint64_t csum_short64(const uint8_t *p, uint32_t len, uint64_t acc)
{
	/*
	 * Up to 15 whole 8-byte words: one jump into a straight run of adds, word n - 1 first, down
	 * to word 0. Headers and small segments are all of it, so one dispatch replaces a loop and a
	 * test per power of two.
	 */
	switch (len / 8) {
	case 15: acc = add_eac(acc, ld64(p + 112)); /* fall through */
	case 14: acc = add_eac(acc, ld64(p + 104)); /* fall through */
	case 13: acc = add_eac(acc, ld64(p + 96));  /* fall through */
	case 12: acc = add_eac(acc, ld64(p + 88));  /* fall through */
	case 11: acc = add_eac(acc, ld64(p + 80));  /* fall through */
	case 10: acc = add_eac(acc, ld64(p + 72));  /* fall through */
	case 9:  acc = add_eac(acc, ld64(p + 64));  /* fall through */
	case 8:  acc = add_eac(acc, ld64(p + 56));  /* fall through */
	case 7:  acc = add_eac(acc, ld64(p + 48));  /* fall through */
	case 6:  acc = add_eac(acc, ld64(p + 40));  /* fall through */
	case 5:  acc = add_eac(acc, ld64(p + 32));  /* fall through */
	case 4:  acc = add_eac(acc, ld64(p + 24));  /* fall through */
	case 3:  acc = add_eac(acc, ld64(p + 16));  /* fall through */
	case 2:  acc = add_eac(acc, ld64(p + 8));   /* fall through */
	case 1:  acc = add_eac(acc, ld64(p));       /* fall through */
	case 0:  break;
	default: __builtin_unreachable(); /* len < 128: no bounds check needed */
	}
	/* Tail: 4, 2, 1 bytes, each piece starting at an even offset so word boundaries hold.
	 * TCP and IP headers are whole words: one test skips it. */
	if (likely((len & 7) == 0))
		return acc;
	p += len & ~7u;
	if (len & 4) {
		acc = add_eac(acc, ld32(p));
		p += 4;
	}
	if (len & 2) {
		acc = add_eac(acc, ld16(p));
		p += 2;
	}
	if (len & 1) {
		/* RFC 1071 4.1: an odd last byte is padded with a zero byte after it. */
		const uint8_t last[2] = { p[0], 0 };

		acc = add_eac(acc, ld16(last));
	}
	return acc;
}

/*
 * RFC 1071 sum of @len bytes added to the 64-bit one's-complement accumulator @acc, not folded:
 * the vectorized bulk loop for long buffers, then csum_short64() for the rest.
 */
static inline uint64_t csum_partial64(const uint8_t *p, uint32_t len, uint64_t acc)
{
	if (unlikely(len >= 128)) {
		uint32_t head = len & ~15u;

		if (head >= CSUM_BULK_MIN) {
			acc = add_eac(acc, csum_bulk(p, head));
		} else {
			/* A small segment with a short payload (a request, a response): 16 words
			 * straight. */
			head = 128;
			for (uint32_t i = 0; i < 128; i += 8)
				acc = add_eac(acc, ld64(p + i));
		}
		p += head;
		len -= head;
	}
	return csum_short64(p, len, acc);
}

/* The same, folded to a 32-bit partial sum (the form sf_net.h's sums take). */
static inline uint32_t csum_partial_inline(const uint8_t *p, uint32_t len, uint32_t sum)
{
	return fold64(csum_partial64(p, len, sum));
}

/* Pseudo-header sums, unfolded: the start of an L4 sum (csum_partial64's @acc). */
static inline uint64_t csum_ip4_pseudo64(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	/* RFC 9293 3.1: pseudo-header = source, destination, zero, protocol, TCP length. Four
	 * values of at most 32 bits: no carry out of 64 bits to wrap around. */
	return (uint64_t)ld32(ip + SF_IP4_OFF_SRC) + ld32(ip + SF_IP4_OFF_DST) +
	       cpu_to_be16((uint16_t)l4_len) + cpu_to_be16((uint16_t)proto);
}

static inline uint64_t csum_ip6_pseudo64(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	const uint8_t *a = ip + SF_IP6_OFF_SRC;
	uint64_t acc = 0;

	/* RFC 8200 8.1: source, destination, 32-bit upper-layer length, 3 zero bytes, next header. */
	acc = add_eac(acc, ld64(a));
	acc = add_eac(acc, ld64(a + 8));
	acc = add_eac(acc, ld64(a + 16));
	acc = add_eac(acc, ld64(a + 24));
	acc = add_eac(acc, cpu_to_be16((uint16_t)(l4_len >> 16)));
	acc = add_eac(acc, cpu_to_be16((uint16_t)l4_len));
	acc = add_eac(acc, cpu_to_be16((uint16_t)proto));
	return acc;
}

static inline uint32_t csum_ip4_pseudo_inline(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	return fold64(csum_ip4_pseudo64(ip, l4_len, proto));
}

static inline uint32_t csum_ip6_pseudo_inline(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	return fold64(csum_ip6_pseudo64(ip, l4_len, proto));
}

/*
 * True when a sum over data that includes its own checksum field checks out: it folds to 0xffff.
 * Every step of the sum and of a fold keeps the value modulo 0xffff (2^16, 2^32 and 2^64 are all 1
 * modulo 0xffff), and a nonzero sum never folds to 0, so that is: nonzero and divisible by 0xffff.
 * Tested on the unfolded accumulator, the folds become one multiplication (divisibility by an odd
 * constant, Granlund and Montgomery).
 */
static inline bool csum_ok64(uint64_t acc)
{
	return acc != 0 && acc % 0xffff == 0;
}

/*
 * csum_ok64() for a sum with a nonzero term (a pseudo-header's protocol number, an IPv4 header's
 * version byte), which is then nonzero itself: add_eac() never turns a nonzero sum into zero
 * (with a carry the result is at least 1, without one at least the old sum).
 */
static inline bool csum_ok64_nonzero(uint64_t acc)
{
	return acc % 0xffff == 0;
}

/* sf_tcp_opts_parse() without its predicted layouts: the loop alone, for the test that proves
 * the two agree. */
enum sf_drop_reason sf_tcp_opts_walk(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out);

#endif /* SF_NET_PRIV_H */

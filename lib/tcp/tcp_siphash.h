/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TCP_SIPHASH_H
#define SF_TCP_SIPHASH_H

/*
 * lib/tcp internals: the SipHash core and the tuple hashing that tcp_secret.c builds its keyed
 * functions on, inline so that a new connection's ISN (one hash per SYN) costs no call. Not for
 * other modules: sf_tcp_secret.h is the API.
 */

#include <stdbool.h>
#include <string.h>

#include "sf_tcp_secret.h"

/* ---- SipHash ---- */

static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipHash reads its message and key as little-endian words, whatever the host. */
static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

#define SIPROUND(v0, v1, v2, v3)                                                  \
	do {                                                                      \
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);     \
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                          \
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                          \
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);     \
	} while (0)

/*
 * SipHash-c-d: c compression rounds per word, d finalization rounds (constants once inlined).
 * With @p padded the caller promises that the bytes from @p len up to the next multiple of 8 are
 * readable and zero, so the last word is one load instead of a byte-by-byte gather.
 */
static inline __attribute__((always_inline)) uint64_t
siphash_cd(const struct sf_tcp_secret *s, const uint8_t *in, size_t len, bool padded, unsigned int c,
	   unsigned int d)
{
	const uint8_t *end = in + (len & ~(size_t)7);
	/* The initial state is the key xor "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = s->k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = s->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = s->k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = s->k1 ^ 0x7465646279746573ull;
	uint64_t m;
	/* The last word holds the remaining 0..7 bytes and, in its top byte, the length mod 256. */
	uint64_t last = (uint64_t)len << 56;
	unsigned int i;

	for (; in != end; in += 8) {
		m = load_le64(in);
		v3 ^= m;
		for (i = 0; i < c; i++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	if (padded) {
		if (len & 7)
			last |= load_le64(in); /* the zero padding leaves the length byte alone */
	} else {
		switch (len & 7) {
		case 7: last |= (uint64_t)in[6] << 48; /* fall through */
		case 6: last |= (uint64_t)in[5] << 40; /* fall through */
		case 5: last |= (uint64_t)in[4] << 32; /* fall through */
		case 4: last |= (uint64_t)in[3] << 24; /* fall through */
		case 3: last |= (uint64_t)in[2] << 16; /* fall through */
		case 2: last |= (uint64_t)in[1] << 8;  /* fall through */
		case 1: last |= (uint64_t)in[0];       /* fall through */
		default: break;
		}
	}
	v3 ^= last;
	for (i = 0; i < c; i++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (i = 0; i < d; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- hash inputs ---- */

/* Domain tags: the first byte of every message hashed here, so no two uses share an input. */
enum {
	TAG_ISN = 1,
	TAG_COOKIE_MAC = 3,
	TAG_COOKIE_KEY = 4,
	TAG_ISN_AES_KEY = 5,
};

/* Tag, family, ports, addresses, then room for the cookie's peer ISN, counter and data byte. */
#define FLOW_MSG_MAX (6 + 2 * 16 + 9)

/*
 * The one place a 4-tuple becomes hash input. Fields are copied one by one, so padding and
 * the unused 12 bytes of IPv4 addresses never reach the hash; IPv4 inputs stay short (14 bytes).
 * Returns the length written.
 */
static inline size_t flow_msg(uint8_t *b, uint8_t tag, const struct sf_flow_key *key)
{
	b[0] = tag;
	b[1] = key->family;
	memcpy(b + 2, &key->lport, 2);
	memcpy(b + 4, &key->rport, 2);
	if (key->family == SF_AF_INET) {
		memcpy(b + 6, key->laddr, 4);
		memcpy(b + 10, key->raddr, 4);
		return 6 + 2 * 4;
	}
	memcpy(b + 6, key->laddr, 16);
	memcpy(b + 22, key->raddr, 16);
	return 6 + 2 * 16;
}

/* SipHash-c-d of a tuple's message, zero-padded to whole words (one load for the last word). */
static inline __attribute__((always_inline)) uint64_t
flow_hash(const struct sf_tcp_secret *s, uint8_t tag, const struct sf_flow_key *key, unsigned int c,
	  unsigned int d)
{
	uint8_t b[FLOW_MSG_MAX + 8];
	size_t n = flow_msg(b, tag, key);

	memset(b + n, 0, 8 - (n & 7)); /* IPv4: 2 bytes, IPv6: 2 bytes */
	/* a constant length per family lets the compiler unroll the word loop */
	if (n == 6 + 2 * 4)
		return siphash_cd(s, b, 6 + 2 * 4, true, c, d);
	return siphash_cd(s, b, n, true, c, d);
}

/* ---- ISN and timestamp offset ---- */

/*
 * The ISN / timestamp-offset PRF without AES instructions is SipHash-1-3, not 2-4 (cookies keep
 * 2-4). RFC 6528 3 asks only for a keyed PRF an off-path attacker cannot predict; SipHash-1-3 is
 * a keyed PRF with a smaller safety margin whose authors suggest it for hash tables, and with no
 * attack known against it it is what CPython, Rust (std HashMap) and Linux's hsiphash use. Of its
 * output an attacker sees 32 bits of ISN (minus the clock) and 32 of offset per tuple, far from
 * what cryptanalysis of even reduced-round SipHash needs.
 */
#define ISN_C 1
#define ISN_D 3

/* AES-128 of the tuple's message (tcp_secret.c; only when k->aes). */
uint64_t tcp_isn_prf_aes(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key);

/* The PRF of a tuple whose low half is the ISN's F and whose high half the timestamp offset.
 * Halves of a PRF's output are independent of each other, so a peer that sees its offset (TSval
 * minus the clock) learns nothing of F. */
static inline uint64_t tcp_isn_prf(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key)
{
#if defined(__x86_64__)
	if (__builtin_expect(k->aes, 1))
		return tcp_isn_prf_aes(k, key);
#endif
	return flow_hash(&k->sip, TAG_ISN, key, ISN_C, ISN_D);
}

/* One PRF of the tuple serves a new connection twice: the ISN's F and the timestamp offset. */
static inline uint32_t tcp_isn_ts(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key, uint64_t now_us,
				  uint32_t *ts_off)
{
	uint64_t h = tcp_isn_prf(k, key);
	/* RFC 6528 3: M is a timer ticking every 4 microseconds; the sum wraps mod 2^32. */
	uint32_t m = (uint32_t)(now_us >> 2);

	*ts_off = (uint32_t)(h >> 32);
	return m + (uint32_t)h;
}

#endif /* SF_TCP_SIPHASH_H */

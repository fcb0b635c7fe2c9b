/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed functions of lib/tcp: SipHash-2-4 and 1-3, AES-128 with AES-NI, RFC 6528 ISNs, RFC 7323
 * timestamp offsets and RFC 4987 SYN cookies. See sf_tcp_secret.h for the API; the SipHash core,
 * the tuple's message and the ISN PRF's dispatch are inline in tcp_siphash.h.
 *
 * Reading list:
 *   SipHash: a fast short-input PRF (Aumasson, Bernstein, 2012)
 *   FIPS 197  Advanced Encryption Standard (AES); Intel's AES-NI white paper (Gueron, 2010)
 *   RFC 6528  Defending against Sequence Number Attacks (ISN = M + F(tuple, key))
 *   RFC 7323  TCP Extensions for High Performance, 5.4 and 7.1 (timestamp offsets)
 *   RFC 4987  TCP SYN Flooding Attacks and Common Mitigations, 3.6 (SYN cookies)
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sf_tcp_secret.h"
#include "tcp_siphash.h"

uint64_t sf_siphash24(const struct sf_tcp_secret *s, const void *data, size_t len)
{
	return siphash_cd(s, data, len, false, 2, 4);
}

uint64_t sf_siphash13(const struct sf_tcp_secret *s, const void *data, size_t len)
{
	return siphash_cd(s, data, len, false, 1, 3);
}

/* ---- secrets ---- */

void sf_tcp_secret_set(struct sf_tcp_secret *s, uint64_t k0, uint64_t k1)
{
	s->k0 = k0;
	s->k1 = k1;
}

static uint64_t read_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

/*
 * Last resort when getrandom() is refused: whatever varies between runs and between calls,
 * squeezed through SipHash under a fixed key. An attacker who can estimate our start time and
 * pid can narrow this down, which is why it is only a fallback.
 */
static void secret_from_weak_entropy(struct sf_tcp_secret *s)
{
	static const struct sf_tcp_secret mixer = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull };
	struct timespec rt = { 0, 0 }, mono = { 0, 0 };
	uint64_t pool[7];

	pool[0] = read_tsc();
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	pool[1] = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	pool[2] = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	pool[3] = (uint64_t)getpid();
	pool[4] = (uint64_t)(uintptr_t)&pool;    /* stack address: ASLR */
	pool[5] = (uint64_t)(uintptr_t)&mixer;   /* image address: PIE */
	pool[6] = read_tsc();
	s->k0 = sf_siphash24(&mixer, pool, sizeof(pool));
	pool[0] ^= s->k0;
	pool[6] ^= read_tsc();
	s->k1 = sf_siphash24(&mixer, pool, sizeof(pool));
}

void sf_tcp_secret_init(struct sf_tcp_secret *s)
{
	uint8_t buf[16];
	size_t got = 0;

	while (got < sizeof(buf)) {
		ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);

		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(buf)) {
		secret_from_weak_entropy(s);
		return;
	}
	s->k0 = load_le64(buf);
	s->k1 = load_le64(buf + 8);
	memset(buf, 0, sizeof(buf));
}

/* ---- hash inputs (a tuple's message and the SipHash core: tcp_siphash.h) ---- */

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- ISN and timestamp offset (tcp_siphash.h has the PRF's dispatch) ---- */

#if defined(__x86_64__)
#include <wmmintrin.h>

#define AES_TARGET __attribute__((target("aes,sse2")))

bool sf_tcp_cpu_has_aes(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes");
}

/* One step of FIPS 197 5.2's key expansion: @p assist is AESKEYGENASSIST of the previous key. */
static inline __m128i aes128_expand_step(__m128i prev, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff); /* RotWord(SubWord(w3)) ^ Rcon, in every lane */
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4)); /* w0, w0^w1, w0^w1^w2, ... */
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	return _mm_xor_si128(prev, assist);
}

AES_TARGET void sf_aes128_expand(const uint8_t key[16], struct sf_aes128_key *k)
{
	__m128i r[SF_AES128_ROUND_KEYS];

	r[0] = _mm_loadu_si128((const __m128i *)(const void *)key);
	/* the round constant must be an immediate: one line per round */
	r[1] = aes128_expand_step(r[0], _mm_aeskeygenassist_si128(r[0], 0x01));
	r[2] = aes128_expand_step(r[1], _mm_aeskeygenassist_si128(r[1], 0x02));
	r[3] = aes128_expand_step(r[2], _mm_aeskeygenassist_si128(r[2], 0x04));
	r[4] = aes128_expand_step(r[3], _mm_aeskeygenassist_si128(r[3], 0x08));
	r[5] = aes128_expand_step(r[4], _mm_aeskeygenassist_si128(r[4], 0x10));
	r[6] = aes128_expand_step(r[5], _mm_aeskeygenassist_si128(r[5], 0x20));
	r[7] = aes128_expand_step(r[6], _mm_aeskeygenassist_si128(r[6], 0x40));
	r[8] = aes128_expand_step(r[7], _mm_aeskeygenassist_si128(r[7], 0x80));
	r[9] = aes128_expand_step(r[8], _mm_aeskeygenassist_si128(r[8], 0x1b));
	r[10] = aes128_expand_step(r[9], _mm_aeskeygenassist_si128(r[9], 0x36));
	for (unsigned int i = 0; i < SF_AES128_ROUND_KEYS; i++)
		_mm_store_si128((__m128i *)(void *)k->rk[i], r[i]);
}

static AES_TARGET inline __m128i aes128_block(const struct sf_aes128_key *k, __m128i x)
{
	x = _mm_xor_si128(x, _mm_load_si128((const __m128i *)(const void *)k->rk[0]));
	for (unsigned int i = 1; i < SF_AES128_ROUND_KEYS - 1; i++)
		x = _mm_aesenc_si128(x, _mm_load_si128((const __m128i *)(const void *)k->rk[i]));
	return _mm_aesenclast_si128(x, _mm_load_si128((const __m128i *)(const void *)k->rk[SF_AES128_ROUND_KEYS - 1]));
}

AES_TARGET void sf_aes128_encrypt(const struct sf_aes128_key *k, const uint8_t in[16], uint8_t out[16])
{
	_mm_storeu_si128((__m128i *)(void *)out, aes128_block(k, _mm_loadu_si128((const __m128i *)(const void *)in)));
}

/*
 * F of RFC 6528 3 with AES: the tuple's message (tcp_siphash.h's flow_msg(), the ISN tag first)
 * zero-padded to whole blocks and chained as CBC-MAC: one block for IPv4, three for IPv6. Each
 * family has one message length and the family byte sits in the first block, so no message is
 * a prefix of another, which is what makes CBC-MAC a PRF. The low 64 bits of the last block,
 * little-endian, are the output (as SipHash's word is).
 */
AES_TARGET uint64_t tcp_isn_prf_aes(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key)
{
	uint8_t b[FLOW_MSG_MAX + 16] __attribute__((aligned(16)));
	size_t n = flow_msg(b, TAG_ISN, key);
	__m128i x;

	if (n == 6 + 2 * 4) {
		b[14] = b[15] = 0;
		x = aes128_block(&k->aes_key, _mm_load_si128((const __m128i *)(const void *)b));
	} else {
		memset(b + n, 0, 48 - n);
		x = aes128_block(&k->aes_key, _mm_load_si128((const __m128i *)(const void *)b));
		x = aes128_block(&k->aes_key, _mm_xor_si128(x, _mm_load_si128((const __m128i *)(const void *)(b + 16))));
		x = aes128_block(&k->aes_key, _mm_xor_si128(x, _mm_load_si128((const __m128i *)(const void *)(b + 32))));
	}
	return (uint64_t)_mm_cvtsi128_si64(x);
}
#else
bool sf_tcp_cpu_has_aes(void)
{
	return false;
}
#endif

/* The AES key is derived from the SipHash key (domain tag TAG_ISN_AES_KEY), never equal to it:
 * one secret, two primitives, no key shared between them. */
static void isn_key_derive(struct sf_tcp_isn_key *k)
{
	memset(&k->aes_key, 0, sizeof(k->aes_key));
	k->aes = 0;
#if defined(__x86_64__)
	if (sf_tcp_cpu_has_aes()) {
		uint8_t m[2] = { TAG_ISN_AES_KEY, 0 }, key[16];
		uint64_t w;

		w = sf_siphash24(&k->sip, m, sizeof(m));
		memcpy(key, &w, 8);
		m[1] = 1;
		w = sf_siphash24(&k->sip, m, sizeof(m));
		memcpy(key + 8, &w, 8);
		sf_aes128_expand(key, &k->aes_key);
		memset(key, 0, sizeof(key));
		k->aes = 1;
	}
#endif
}

void sf_tcp_isn_key_init(struct sf_tcp_isn_key *k)
{
	sf_tcp_secret_init(&k->sip);
	isn_key_derive(k);
}

void sf_tcp_isn_key_set(struct sf_tcp_isn_key *k, uint64_t k0, uint64_t k1)
{
	sf_tcp_secret_set(&k->sip, k0, k1);
	isn_key_derive(k);
}

uint32_t sf_tcp_isn(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key, uint64_t now_us)
{
	uint32_t ts_off;

	return sf_tcp_isn_ts(k, key, now_us, &ts_off);
}

uint32_t sf_tcp_isn_ts(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key, uint64_t now_us,
		       uint32_t *ts_off)
{
	return tcp_isn_ts(k, key, now_us, ts_off);
}

uint32_t sf_tcp_ts_offset(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key)
{
	/* RFC 7323 7.1: a per-connection random offset, here keyed by the tuple so it needs no storage. */
	return (uint32_t)(tcp_isn_prf(k, key) >> 32);
}

/* ---- SYN cookies ---- */

/*
 * SYN cookie bit layout: our ISN in the SYN-ACK (RFC 4987 3.6), 32 bits.
 *
 *  31                                                          9   8   7   5   4      1   0
 * +--------------------------------------------------------------+---+-------+--------+---+
 * |                          MAC (23 bits)                       | P |  MSS  | wscale | S |
 * +--------------------------------------------------------------+---+-------+--------+---+
 *
 *  S       SACK-permitted was offered (RFC 2018).
 *  wscale  peer's window shift 0..14 (RFC 7323 2.3), 15 = no window scale option.
 *  MSS     index into sf_syncookie_mss_table, the peer's MSS rounded down.
 *  P       parity of the period counter (now_us / 64 s) when the cookie was made: it tells
 *          check() which of the two acceptable periods, current or previous, to verify against.
 *  MAC     top 23 bits of SipHash-2-4 under that period's key over (tag, family, ports,
 *          addresses, peer ISN, period counter, bits 0..7). Bits 0..7 travel in the clear but
 *          are covered by the MAC, and P is bound through the counter: a change to any of the
 *          32 bits fails the check (but for a 2^-23 chance).
 *
 * A forger who does not see our SYN-ACK must guess 23 bits: one try in 8.4 million succeeds.
 * Timestamps are not encoded: a connection accepted by cookie starts without timestamps unless
 * the state machine chooses to accept the TS option carried by the third ACK (its TSecr is
 * our TSval, and our TSval for the tuple is recomputable from sf_tcp_ts_offset()).
 */
#define CK_SACK_SHIFT   0
#define CK_SACK_BITS    1
#define CK_WSCALE_SHIFT (CK_SACK_SHIFT + CK_SACK_BITS)
#define CK_WSCALE_BITS  4
#define CK_MSS_SHIFT    (CK_WSCALE_SHIFT + CK_WSCALE_BITS)
#define CK_MSS_BITS     3
#define CK_PERIOD_SHIFT (CK_MSS_SHIFT + CK_MSS_BITS)
#define CK_PERIOD_BITS  1
#define CK_MAC_SHIFT    (CK_PERIOD_SHIFT + CK_PERIOD_BITS)
#define CK_MAC_BITS     23

#define CK_DATA_BITS    (CK_SACK_BITS + CK_WSCALE_BITS + CK_MSS_BITS)
#define CK_DATA_MASK    ((1u << CK_DATA_BITS) - 1)
#define CK_FIELD(c, f)  (((c) >> CK_##f##_SHIFT) & ((1u << CK_##f##_BITS) - 1))

/* RFC 7323 2.3: the largest shift count; a larger one is used as 14. */
#define CK_WSCALE_MAX   14
/* The wscale field's code for "the SYN had no window scale option". */
#define CK_WSCALE_NONE  ((1u << CK_WSCALE_BITS) - 1)

_Static_assert(CK_MAC_SHIFT + CK_MAC_BITS == 32, "cookie fields must fill exactly 32 bits");
_Static_assert(CK_DATA_BITS == 8, "the data bits are hashed as one byte");
_Static_assert(CK_PERIOD_BITS == 1, "check() tries exactly two periods: the parity bit picks one");
_Static_assert((1u << CK_MSS_BITS) == SF_SYNCOOKIE_MSS_COUNT, "MSS index must fill its field exactly");
_Static_assert(CK_WSCALE_MAX < CK_WSCALE_NONE, "wscale 0..14 and 'none' must fit the field");
_Static_assert(CK_MAC_BITS >= 20, "a forger's odds are 2^-MAC_BITS per try");

/*
 * Smallest first. 216 is a floor for pathological peers; 536 and 1220 are the IPv4 and IPv6
 * defaults (RFC 9293 3.7.1, RFC 8200 5); 1360 and 1400 are common behind tunnels; 1440 and 1460
 * are Ethernet for IPv6 and IPv4; 8940 is a 9000-byte jumbo MTU for IPv6 (IPv4's 8960 rounds
 * down to it and loses 0.2 %, rather than IPv6 jumbo falling to 1460).
 */
const uint16_t sf_syncookie_mss_table[SF_SYNCOOKIE_MSS_COUNT] = {
	216, 536, 1220, 1360, 1400, 1440, 1460, 8940,
};

static inline uint32_t cookie_period(uint64_t now_us)
{
	return (uint32_t)(now_us / SF_SYNCOOKIE_PERIOD_US);
}

/* The MAC key of period @p p: a PRF of the period under the master secret. */
static void cookie_period_key(const struct sf_tcp_secret *master, uint32_t p, struct sf_tcp_secret *out)
{
	uint8_t b[6] = { TAG_COOKIE_KEY, 0 };

	put_le32(b + 2, p);
	out->k0 = sf_siphash24(master, b, sizeof(b));
	b[1] = 1;
	out->k1 = sf_siphash24(master, b, sizeof(b));
}

/* The cached key of period @p p, or one derived into @p tmp when @p p is not cached. */
static inline const struct sf_tcp_secret *cookie_key_for(const struct sf_syncookie_keys *k, uint32_t p,
							  struct sf_tcp_secret *tmp)
{
	if (p == k->epoch || p == k->epoch - 1)
		return &k->key[p & 1];
	cookie_period_key(&k->master, p, tmp);
	return tmp;
}

/* Rotation: make() moving into a newer period replaces the older cached key. */
static void cookie_rotate(struct sf_syncookie_keys *k, uint32_t p)
{
	if ((int32_t)(p - k->epoch) <= 0)
		return; /* same period, or a clock that stepped back: keep the cache */
	cookie_period_key(&k->master, p, &k->key[p & 1]);
	if (p - k->epoch != 1) /* periods skipped: the previous one is not cached either */
		cookie_period_key(&k->master, p - 1, &k->key[(p - 1) & 1]);
	k->epoch = p;
}

static void cookie_keys_reset(struct sf_syncookie_keys *k)
{
	k->epoch = 0;
	cookie_period_key(&k->master, 0, &k->key[0]);
	cookie_period_key(&k->master, UINT32_MAX, &k->key[1]);
}

void sf_syncookie_keys_init(struct sf_syncookie_keys *k)
{
	sf_tcp_secret_init(&k->master);
	cookie_keys_reset(k);
}

void sf_syncookie_keys_set(struct sf_syncookie_keys *k, uint64_t k0, uint64_t k1)
{
	sf_tcp_secret_set(&k->master, k0, k1);
	cookie_keys_reset(k);
}

/* The 23 MAC bits, in place (already shifted to bits 9..31). */
static inline uint32_t cookie_mac(const struct sf_tcp_secret *pk, const struct sf_flow_key *key,
				  uint32_t peer_isn, uint32_t p, uint32_t data)
{
	uint8_t b[FLOW_MSG_MAX];
	size_t n = flow_msg(b, TAG_COOKIE_MAC, key);

	put_le32(b + n, peer_isn);
	put_le32(b + n + 4, p);
	b[n + 8] = (uint8_t)data;
	return (uint32_t)(sf_siphash24(pk, b, n + 9) >> 32) & ~((1u << CK_MAC_SHIFT) - 1);
}

/* Largest table entry not above @p mss, counted without branches; entry 0 is the floor. */
static inline uint32_t mss_index(uint16_t mss)
{
	uint32_t i, idx = 0;

	for (i = 1; i < SF_SYNCOOKIE_MSS_COUNT; i++)
		idx += (uint32_t)(mss >= sf_syncookie_mss_table[i]);
	return idx;
}

static inline void cookie_decode(uint32_t c, struct sf_syncookie_opts *o)
{
	uint32_t ws = CK_FIELD(c, WSCALE);

	o->mss = sf_syncookie_mss_table[CK_FIELD(c, MSS)];
	o->wscale = ws == CK_WSCALE_NONE ? SF_SYNCOOKIE_NO_WSCALE : (uint8_t)ws;
	o->sack_ok = (uint8_t)CK_FIELD(c, SACK);
}

uint32_t sf_syncookie_make(struct sf_syncookie_keys *k, const struct sf_flow_key *key, uint32_t peer_isn,
			   const struct sf_syncookie_opts *opts, uint64_t now_us, struct sf_syncookie_opts *encoded)
{
	uint32_t p = cookie_period(now_us);
	struct sf_tcp_secret tmp;
	uint32_t ws, c;

	cookie_rotate(k, p);
	if (opts->wscale == SF_SYNCOOKIE_NO_WSCALE)
		ws = CK_WSCALE_NONE;
	else /* RFC 7323 2.3: a shift count above 14 is used as 14. */
		ws = opts->wscale > CK_WSCALE_MAX ? CK_WSCALE_MAX : opts->wscale;
	c = mss_index(opts->mss) << CK_MSS_SHIFT | ws << CK_WSCALE_SHIFT |
	    (uint32_t)(opts->sack_ok != 0) << CK_SACK_SHIFT | (p & 1u) << CK_PERIOD_SHIFT;
	c |= cookie_mac(cookie_key_for(k, p, &tmp), key, peer_isn, p, c & CK_DATA_MASK);
	if (encoded != NULL)
		cookie_decode(c, encoded);
	return c;
}

bool sf_syncookie_check(const struct sf_syncookie_keys *k, const struct sf_flow_key *key, uint32_t peer_isn,
			uint32_t cookie, uint64_t now_us, struct sf_syncookie_opts *opts)
{
	uint32_t now_p = cookie_period(now_us);
	/* RFC 4987 3.6: accept cookies of this period and the previous one (64 to 128 s of life). */
	uint32_t p = CK_FIELD(cookie, PERIOD) == (now_p & 1u) ? now_p : now_p - 1;
	struct sf_tcp_secret tmp;
	uint32_t mac = cookie_mac(cookie_key_for(k, p, &tmp), key, peer_isn, p, cookie & CK_DATA_MASK);

	if (mac != (cookie & ~((1u << CK_MAC_SHIFT) - 1)))
		return false;
	cookie_decode(cookie, opts);
	return true;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/tcp's keyed functions: SipHash-2-4 and 1-3, RFC 6528 ISNs, RFC 7323 timestamp
 * offsets and RFC 4987 SYN cookies. One behaviour per test; keys are fixed so every run
 * computes the same values.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "sf_tcp_secret.h"

/* ---- fixtures ---- */

#define PERIOD SF_SYNCOOKIE_PERIOD_US
/* A period far from zero, so "previous period" is an ordinary number too. */
#define P0 1000u
#define T0 ((uint64_t)P0 * PERIOD + 5 * 1000 * 1000)
#define PEER_ISN 0xfffffff0u /* near the wrap: SEG.SEQ - 1 of the third ACK crosses nothing */

static const struct sf_tcp_secret KEY_A = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
static const struct sf_tcp_secret KEY_B = { 0x0123456789abcdeeull, 0xfedcba9876543210ull };

/* The ISN's two PRFs under KEY_A and KEY_B: every ISN and offset property holds for both. A
 * statically initialised key is SipHash-1-3's; the AES pair is set in main() (AES where the CPU
 * has it). */
struct prf_keys {
	struct sf_tcp_isn_key a, b;
};
static struct prf_keys ISN_SIP = { .a = { .sip = { 0x0123456789abcdefull, 0xfedcba9876543210ull } },
				   .b = { .sip = { 0x0123456789abcdeeull, 0xfedcba9876543210ull } } };
static struct prf_keys ISN_AES;

static struct sf_flow_key key_v4(void)
{
	struct sf_flow_key k;
	static const uint8_t l[4] = { 198, 18, 0, 1 }, r[4] = { 198, 19, 7, 2 };

	memset(&k, 0, sizeof(k));
	memcpy(k.laddr, l, 4);
	memcpy(k.raddr, r, 4);
	k.lport = htons(80);
	k.rport = htons(40001);
	k.family = SF_AF_INET;
	return k;
}

static struct sf_flow_key key_v6(void)
{
	struct sf_flow_key k;
	static const uint8_t l[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t r[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [14] = 0xbe, [15] = 0xef };

	memset(&k, 0, sizeof(k));
	memcpy(k.laddr, l, 16);
	memcpy(k.raddr, r, 16);
	k.lport = htons(443);
	k.rport = htons(51000);
	k.family = SF_AF_INET6;
	return k;
}

static struct sf_syncookie_keys cookie_keys(void)
{
	struct sf_syncookie_keys k;

	sf_syncookie_keys_set(&k, 0x1111111122222222ull, 0x3333333344444444ull);
	return k;
}

static const struct sf_syncookie_opts OPTS = { .mss = 1460, .wscale = 7, .sack_ok = 1 };

static void assert_opts_equal(const struct sf_syncookie_opts *a, const struct sf_syncookie_opts *b)
{
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->wscale, b->wscale);
	assert_int_equal(a->sack_ok, b->sack_ok);
}

/* The options a cookie for @p in decodes to, made at @p t_make and checked at @p t_check. */
static bool cookie_round_trip(const struct sf_flow_key *fk, const struct sf_syncookie_opts *in, uint64_t t_make,
			      uint64_t t_check, struct sf_syncookie_opts *out)
{
	struct sf_syncookie_keys k = cookie_keys();
	uint32_t c = sf_syncookie_make(&k, fk, PEER_ISN, in, t_make, NULL);

	return sf_syncookie_check(&k, fk, PEER_ISN, c, t_check, out);
}

/* ---- SipHash-2-4 ---- */

/*
 * The 64 vectors of the SipHash reference implementation: key 00 01 .. 0f, message i = the
 * first i bytes of 00 01 02 ..
 */
static const uint64_t siphash_vectors[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static const struct sf_tcp_secret REF_KEY = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

static uint64_t siphash_ref_message(size_t len)
{
	uint8_t msg[64];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	return sf_siphash24(&REF_KEY, msg, len);
}

static void siphash_empty_message_matches_reference(void **state)
{
	(void)state;
	assert_int_equal(siphash_ref_message(0), siphash_vectors[0]);
}

static void siphash_one_byte_matches_reference(void **state)
{
	(void)state;
	assert_int_equal(siphash_ref_message(1), siphash_vectors[1]);
}

static void siphash_eight_bytes_matches_reference(void **state)
{
	(void)state;
	assert_int_equal(siphash_ref_message(8), siphash_vectors[8]);
}

static void siphash_fifteen_bytes_matches_reference(void **state)
{
	(void)state;
	assert_int_equal(siphash_ref_message(15), siphash_vectors[15]);
}

static void siphash_all_64_reference_vectors_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 64; i++)
		assert_int_equal(siphash_ref_message(i), siphash_vectors[i]);
}

/* The hash reads words with memcpy: a message at an odd address hashes the same. */
static void siphash_unaligned_message_hashes_the_same(void **state)
{
	uint8_t buf[64 + 3];
	size_t off, i;

	(void)state;
	for (off = 1; off < 4; off++) {
		for (i = 0; i < 64; i++)
			buf[off + i] = (uint8_t)i;
		assert_int_equal(sf_siphash24(&REF_KEY, buf + off, 63), siphash_vectors[63]);
	}
}

/*
 * SipHash-1-3 under the all-zero key, messages 00 01 .. n-1: the values CPython 3.11's str/bytes
 * hash (SipHash-1-3, PYTHONHASHSEED=0 zeroes its key) gives, an independent implementation.
 */
static const uint64_t siphash13_zero_key_vectors[17] = {
	0,
	0x68a914128e01e473ull, 0x010bac45c41e3669ull, 0x4d4c9a4a8ef6e0adull, 0x7cc43f98813e4dbdull,
	0x5abe2169dff36275ull, 0xe3c25f87624f1cdbull, 0x2f098ab0c751325aull, 0xead411e67ebe2eeaull,
	0x75927f9d95124362ull, 0xaf9f77a65ab51a1dull, 0xfe64ce8b6617fcffull, 0xa6baf4fb0f9fe1c2ull,
	0xa0cf3211850f8e0dull, 0x7f86049379fbfe67ull, 0xf30eb725bb91c9eaull, 0x8972188433a5c5b7ull,
};

static void siphash13_matches_cpython_vectors(void **state)
{
	static const struct sf_tcp_secret zero = { 0, 0 };
	uint8_t msg[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 1; i <= 16; i++)
		assert_int_equal(sf_siphash13(&zero, msg, i), siphash13_zero_key_vectors[i]);
}

/* The tuple's message: tag 1 (ISN), family, ports, addresses. */
static size_t isn_message(const struct sf_flow_key *k, uint8_t m[6 + 2 * 16])
{
	size_t a = k->family == SF_AF_INET ? 4 : 16;

	m[0] = 1;
	m[1] = k->family;
	memcpy(m + 2, &k->lport, 2);
	memcpy(m + 4, &k->rport, 2);
	memcpy(m + 6, k->laddr, a);
	memcpy(m + 6 + a, k->raddr, a);
	return 6 + 2 * a;
}

/* Without AES instructions the ISN's F is SipHash-1-3 of the tuple's message; the offset its high
 * half. */
static void isn_without_aes_is_siphash13_of_the_tuple(void **state)
{
	const struct sf_flow_key keys[2] = { key_v4(), key_v6() };
	uint8_t m[6 + 2 * 16];
	size_t i, n;
	uint64_t h;
	uint32_t ts_off = 0;

	(void)state;
	for (i = 0; i < 2; i++) {
		n = isn_message(&keys[i], m);
		h = sf_siphash13(&KEY_A, m, n);
		assert_int_equal(sf_tcp_isn_ts(&ISN_SIP.a, &keys[i], T0, &ts_off), (uint32_t)(T0 >> 2) + (uint32_t)h);
		assert_int_equal(ts_off, (uint32_t)(h >> 32));
	}
}

/* FIPS 197 appendix C.1: AES-128 of 00112233..eeff under the key 000102..0f. */
static void aes128_matches_fips197_vector(void **state)
{
	static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	static const uint8_t in[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t want[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
					  0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
	struct sf_aes128_key rk;
	uint8_t out[16];

	(void)state;
	if (!sf_tcp_cpu_has_aes())
		skip();
	sf_aes128_expand(key, &rk);
	sf_aes128_encrypt(&rk, in, out);
	assert_memory_equal(out, want, 16);
}

/* FIPS 197 appendix A.1: the last round key of the key expansion of 2b7e1516..4f3c. */
static void aes128_key_expansion_matches_fips197(void **state)
{
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	static const uint8_t w40_43[16] = { 0xd0, 0x14, 0xf9, 0xa8, 0xc9, 0xee, 0x25, 0x89,
					    0xe1, 0x3f, 0x0c, 0xc8, 0xb6, 0x63, 0x0c, 0xa6 };
	struct sf_aes128_key rk;

	(void)state;
	if (!sf_tcp_cpu_has_aes())
		skip();
	sf_aes128_expand(key, &rk);
	assert_memory_equal(rk.rk[0], key, 16);
	assert_memory_equal(rk.rk[10], w40_43, 16);
}

/* A known key picks AES exactly when the CPU has it. */
static void isn_key_set_picks_aes_when_the_cpu_has_it(void **state)
{
	struct sf_tcp_isn_key k;

	(void)state;
	sf_tcp_isn_key_set(&k, 1, 2);
	assert_int_equal(k.aes, sf_tcp_cpu_has_aes());
	assert_int_equal(k.sip.k0, 1);
	assert_int_equal(k.sip.k1, 2);
}

/* With AES, F is AES-128 of the zero-padded message as CBC-MAC (one block for IPv4, three for
 * IPv6) under the key SipHash-2-4 derives from the secret with tag 5; the offset is bits 32-63. */
static void isn_with_aes_is_cbc_mac_of_the_tuple(void **state)
{
	const struct sf_flow_key keys[2] = { key_v4(), key_v6() };
	struct sf_aes128_key rk;
	uint8_t m[48], key[16], x[16];
	uint8_t tag[2] = { 5, 0 };
	uint64_t w, h;
	uint32_t ts_off = 0;
	size_t i, b, j, n;

	(void)state;
	if (!sf_tcp_cpu_has_aes())
		skip();
	w = sf_siphash24(&KEY_A, tag, 2);
	memcpy(key, &w, 8);
	tag[1] = 1;
	w = sf_siphash24(&KEY_A, tag, 2);
	memcpy(key + 8, &w, 8);
	sf_aes128_expand(key, &rk);
	for (i = 0; i < 2; i++) {
		memset(m, 0, sizeof(m));
		n = isn_message(&keys[i], m);
		memset(x, 0, sizeof(x));
		for (b = 0; b < (n + 15) / 16; b++) {
			for (j = 0; j < 16; j++)
				x[j] ^= m[16 * b + j];
			sf_aes128_encrypt(&rk, x, x);
		}
		memcpy(&h, x, 8); /* little-endian host */
		assert_int_equal(sf_tcp_isn_ts(&ISN_AES.a, &keys[i], T0, &ts_off), (uint32_t)(T0 >> 2) + (uint32_t)h);
		assert_int_equal(ts_off, (uint32_t)(h >> 32));
	}
}

static void secret_set_stores_both_halves(void **state)
{
	struct sf_tcp_secret s;

	(void)state;
	sf_tcp_secret_set(&s, 1, 2);
	assert_int_equal(s.k0, 1);
	assert_int_equal(s.k1, 2);
}

/* Two draws from getrandom() (or the fallback) never agree: 2^-128. */
static void secret_init_draws_a_different_key_each_time(void **state)
{
	struct sf_tcp_secret a, b;

	(void)state;
	sf_tcp_secret_init(&a);
	sf_tcp_secret_init(&b);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
	assert_true(a.k0 != 0 || a.k1 != 0);
}

/* ---- ISN (RFC 6528) ---- */

/* RFC 6528 3: M is a 4-microsecond timer, so the ISN of one tuple climbs by 1 every 4 us. */
static void isn_advances_one_per_4us_for_same_tuple(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();
	uint32_t base = sf_tcp_isn(&P->a, &k, T0);
	uint32_t i;

	for (i = 1; i <= 1000; i++)
		assert_int_equal(sf_tcp_isn(&P->a, &k, T0 + 4ull * i), (uint32_t)(base + i));
}

static void isn_constant_within_one_4us_tick(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();
	uint64_t t = T0 & ~3ull;

	assert_int_equal(sf_tcp_isn(&P->a, &k, t + 3), sf_tcp_isn(&P->a, &k, t));
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, t + 4), sf_tcp_isn(&P->a, &k, t));
}

/* RFC 6528 3: M + F wraps mod 2^32 when M itself wraps (every 2^32 * 4 us = 4.77 h). */
static void isn_wraps_mod_2_32_when_timer_wraps(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();
	uint64_t last_tick = 4ull * UINT32_MAX; /* M = 0xffffffff */

	assert_int_equal((uint32_t)(sf_tcp_isn(&P->a, &k, last_tick + 4) - sf_tcp_isn(&P->a, &k, last_tick)), 1);
	assert_int_equal(sf_tcp_isn(&P->a, &k, last_tick + 4), sf_tcp_isn(&P->a, &k, 0));
}

static void isn_repeats_after_full_timer_cycle(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v6();

	assert_int_equal(sf_tcp_isn(&P->a, &k, T0 + (4ull << 32)), sf_tcp_isn(&P->a, &k, T0));
}

/* RFC 6528 3: F depends on the whole 4-tuple: changing any field moves the ISN. */
static void isn_differs_when_any_tuple_field_changes(void **state)
{
	const struct prf_keys *P = *state;
	const struct sf_flow_key base = key_v4();
	uint32_t isn = sf_tcp_isn(&P->a, &base, T0);
	struct sf_flow_key k;

	k = base;
	k.laddr[3] ^= 1;
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	k = base;
	k.raddr[0] ^= 0x80;
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	k = base;
	k.lport = htons(81);
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	k = base;
	k.rport = htons(40002);
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	k = base; /* ports swapped: the direction matters */
	k.lport = base.rport;
	k.rport = base.lport;
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	k = base;
	k.family = SF_AF_INET6;
	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
}

static void isn_differs_across_keys(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();

	assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), sf_tcp_isn(&P->b, &k, T0));
}

/* Over many tuples the ISNs look unrelated: no two of 4096 neighbouring ports collide. */
static void isn_of_neighbouring_ports_do_not_collide(void **state)
{
	const struct prf_keys *P = *state;
	static uint32_t seen[4096];
	struct sf_flow_key k = key_v4();
	uint32_t i, j;

	for (i = 0; i < 4096; i++) {
		k.rport = htons((uint16_t)(10000 + i));
		seen[i] = sf_tcp_isn(&P->a, &k, T0);
	}
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			assert_int_not_equal(seen[i], seen[j]);
}

/* IPv4 keys hash only 4 bytes of each address and never the padding. */
static void isn_v4_ignores_unused_key_bytes(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();
	uint32_t isn = sf_tcp_isn(&P->a, &k, T0);

	memset(k.laddr + 4, 0xaa, 12);
	memset(k.raddr + 4, 0x55, 12);
	memset(k.pad, 0xff, sizeof(k.pad));
	assert_int_equal(sf_tcp_isn(&P->a, &k, T0), isn);
}

static void isn_v6_depends_on_every_address_byte(void **state)
{
	const struct prf_keys *P = *state;
	const struct sf_flow_key base = key_v6();
	uint32_t isn = sf_tcp_isn(&P->a, &base, T0);
	struct sf_flow_key k;
	int i;

	for (i = 0; i < 16; i++) {
		k = base;
		k.laddr[i] ^= 0x01;
		assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
		k = base;
		k.raddr[i] ^= 0x10;
		assert_int_not_equal(sf_tcp_isn(&P->a, &k, T0), isn);
	}
}

/* ---- timestamp offset (RFC 7323 5.4, 7.1) ---- */

static void ts_offset_stable_per_tuple(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v6();
	struct sf_flow_key copy = k;

	assert_int_equal(sf_tcp_ts_offset(&P->a, &k), sf_tcp_ts_offset(&P->a, &copy));
	assert_int_equal(sf_tcp_ts_offset(&P->a, &k), sf_tcp_ts_offset(&P->a, &k));
}

static void ts_offset_differs_across_tuples(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key a = key_v4(), b = key_v4();

	b.rport = htons(40002);
	assert_int_not_equal(sf_tcp_ts_offset(&P->a, &a), sf_tcp_ts_offset(&P->a, &b));
}

static void ts_offset_differs_across_keys(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();

	assert_int_not_equal(sf_tcp_ts_offset(&P->a, &k), sf_tcp_ts_offset(&P->b, &k));
}

/* The other half of the ISN's hash: knowing one tuple's offset reveals nothing of its ISN. */
static void ts_offset_is_not_the_isn_hash(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();

	assert_int_not_equal(sf_tcp_ts_offset(&P->a, &k), sf_tcp_isn(&P->a, &k, 0));
}

/* One hash for a new connection gives exactly what the two separate calls give. */
static void isn_ts_equals_isn_and_ts_offset(void **state)
{
	const struct prf_keys *P = *state;
	struct sf_flow_key k = key_v4();
	uint32_t ts_off = 0;

	assert_int_equal(sf_tcp_isn_ts(&P->a, &k, T0, &ts_off), sf_tcp_isn(&P->a, &k, T0));
	assert_int_equal(ts_off, sf_tcp_ts_offset(&P->a, &k));
}

/* ---- SYN cookies (RFC 4987 3.6): round trips ---- */

static const uint8_t WSCALES[] = { SF_SYNCOOKIE_NO_WSCALE, 0, 7, 14 };

static void round_trip_every_combination(const struct sf_flow_key *fk)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_syncookie_opts in, enc, dec;
	unsigned int m, w, s;
	uint32_t c;

	for (m = 0; m < SF_SYNCOOKIE_MSS_COUNT; m++)
		for (w = 0; w < sizeof(WSCALES); w++)
			for (s = 0; s < 2; s++) {
				in.mss = sf_syncookie_mss_table[m];
				in.wscale = WSCALES[w];
				in.sack_ok = (uint8_t)s;
				c = sf_syncookie_make(&k, fk, PEER_ISN, &in, T0, &enc);
				memset(&dec, 0, sizeof(dec));
				assert_true(sf_syncookie_check(&k, fk, PEER_ISN, c, T0, &dec));
				assert_opts_equal(&dec, &in);
				assert_opts_equal(&enc, &in);
			}
}

static void syncookie_round_trip_every_mss_wscale_sack_v4(void **state)
{
	struct sf_flow_key fk = key_v4();

	(void)state;
	round_trip_every_combination(&fk);
}

static void syncookie_round_trip_every_mss_wscale_sack_v6(void **state)
{
	struct sf_flow_key fk = key_v6();

	(void)state;
	round_trip_every_combination(&fk);
}

/* What make() reports in *encoded is exactly what check() decodes, after any rounding. */
static void syncookie_encoded_equals_decoded(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	const struct sf_syncookie_opts odd = { .mss = 1399, .wscale = 20, .sack_ok = 9 };
	struct sf_syncookie_opts enc, dec;
	uint32_t c;

	(void)state;
	c = sf_syncookie_make(&k, &fk, PEER_ISN, &odd, T0, &enc);
	assert_true(sf_syncookie_check(&k, &fk, PEER_ISN, c, T0, &dec));
	assert_opts_equal(&enc, &dec);
}

static void syncookie_make_accepts_null_encoded(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;

	(void)state;
	assert_true(cookie_round_trip(&fk, &OPTS, T0, T0, &dec));
	assert_opts_equal(&dec, &OPTS);
}

/* The MSS table holds what we may send: a peer's MSS is never rounded up (except below the floor). */
static void syncookie_mss_rounds_down_to_table(void **state)
{
	static const uint16_t cases[][2] = {
		{ 1461, 1460 }, { 1459, 1440 }, { 1441, 1440 }, { 1439, 1400 }, { 1300, 1220 },
		{ 1219, 536 }, { 537, 536 }, { 535, 216 }, { 8960, 8940 }, { 8939, 1460 }, { 65535, 8940 },
	};
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts in = OPTS, dec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.mss = cases[i][0];
		assert_true(cookie_round_trip(&fk, &in, T0, T0, &dec));
		assert_int_equal(dec.mss, cases[i][1]);
	}
}

static void syncookie_mss_below_table_encodes_smallest_entry(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts in = OPTS, dec;

	(void)state;
	in.mss = 88;
	assert_true(cookie_round_trip(&fk, &in, T0, T0, &dec));
	assert_int_equal(dec.mss, sf_syncookie_mss_table[0]);
}

static void syncookie_mss_table_is_strictly_increasing(void **state)
{
	int i;

	(void)state;
	for (i = 1; i < SF_SYNCOOKIE_MSS_COUNT; i++)
		assert_true(sf_syncookie_mss_table[i] > sf_syncookie_mss_table[i - 1]);
}

/* RFC 7323 2.3: a shift count above 14 is used as 14; 0xff alone means "no option". */
static void syncookie_wscale_above_14_clamped_to_14(void **state)
{
	static const uint8_t big[] = { 15, 16, 100, 0xfe };
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts in = OPTS, dec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(big); i++) {
		in.wscale = big[i];
		assert_true(cookie_round_trip(&fk, &in, T0, T0, &dec));
		assert_int_equal(dec.wscale, 14);
	}
}

static void syncookie_sack_ok_nonzero_decodes_as_one(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts in = OPTS, dec;

	(void)state;
	in.sack_ok = 0x80;
	assert_true(cookie_round_trip(&fk, &in, T0, T0, &dec));
	assert_int_equal(dec.sack_ok, 1);
}

/* ---- SYN cookies: what is rejected ---- */

static void assert_cookie_rejected_for(const struct sf_flow_key *made_for, const struct sf_flow_key *acked_by)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&k, made_for, PEER_ISN, &OPTS, T0, NULL);

	assert_true(sf_syncookie_check(&k, made_for, PEER_ISN, c, T0, &dec));
	assert_false(sf_syncookie_check(&k, acked_by, PEER_ISN, c, T0, &dec));
}

static void syncookie_rejected_when_local_address_changes(void **state)
{
	struct sf_flow_key a = key_v4(), b = key_v4();

	(void)state;
	b.laddr[3]++;
	assert_cookie_rejected_for(&a, &b);
}

static void syncookie_rejected_when_remote_address_changes(void **state)
{
	struct sf_flow_key a = key_v6(), b = key_v6();

	(void)state;
	b.raddr[15]++;
	assert_cookie_rejected_for(&a, &b);
}

static void syncookie_rejected_when_local_port_changes(void **state)
{
	struct sf_flow_key a = key_v4(), b = key_v4();

	(void)state;
	b.lport = htons(8080);
	assert_cookie_rejected_for(&a, &b);
}

static void syncookie_rejected_when_remote_port_changes(void **state)
{
	struct sf_flow_key a = key_v6(), b = key_v6();

	(void)state;
	b.rport = htons(51001);
	assert_cookie_rejected_for(&a, &b);
}

static void syncookie_rejected_when_family_changes(void **state)
{
	struct sf_flow_key a = key_v4(), b = key_v4();

	(void)state;
	b.family = SF_AF_INET6;
	assert_cookie_rejected_for(&a, &b);
}

/* RFC 4987 3.6: the MAC covers the peer's ISN, so an ACK with another SEG.SEQ fails. */
static void syncookie_rejected_when_peer_isn_changes(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);

	(void)state;
	assert_false(sf_syncookie_check(&k, &fk, PEER_ISN + 1, c, T0, &dec));
	assert_false(sf_syncookie_check(&k, &fk, PEER_ISN - 1, c, T0, &dec));
	assert_false(sf_syncookie_check(&k, &fk, PEER_ISN ^ 0x80000000u, c, T0, &dec));
}

/* Every one of the 32 bits is covered: MAC, period parity and the option bits. */
static void syncookie_rejected_when_any_bit_flipped(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	unsigned int bit;

	(void)state;
	for (bit = 0; bit < 32; bit++)
		assert_false(sf_syncookie_check(&k, &fk, PEER_ISN, c ^ (1u << bit), T0, &dec));
}

static void syncookie_rejected_under_another_master_secret(void **state)
{
	struct sf_syncookie_keys a = cookie_keys(), b;
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&a, &fk, PEER_ISN, &OPTS, T0, NULL);

	(void)state;
	sf_syncookie_keys_set(&b, 0x1111111122222222ull, 0x3333333344444445ull);
	assert_false(sf_syncookie_check(&b, &fk, PEER_ISN, c, T0, &dec));
}

static void syncookie_rejection_leaves_opts_untouched(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec = { .mss = 1, .wscale = 2, .sack_ok = 3 };
	const struct sf_syncookie_opts before = dec;
	uint32_t c = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);

	(void)state;
	assert_false(sf_syncookie_check(&k, &fk, PEER_ISN, ~c, T0, &dec));
	assert_opts_equal(&dec, &before);
}

/*
 * A blind forger guesses 23 MAC bits: of 1,000,000 random cookies about 0.12 pass. A handful
 * would be luck; 20 or more means the MAC is narrower than the layout says.
 */
static void syncookie_forged_cookies_rejected(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint64_t x = 0x9e3779b97f4a7c15ull; /* xorshift64 state: fixed, so the run is reproducible */
	unsigned int i, accepted = 0;

	(void)state;
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL); /* keys rotated to T0 */
	for (i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		accepted += sf_syncookie_check(&k, &fk, PEER_ISN, (uint32_t)(x >> 32), T0, &dec);
	}
	print_message("forged cookies accepted: %u of 1000000 (expected ~0.12 at 2^-23)\n", accepted);
	assert_true(accepted < 20);
}

/* ---- SYN cookies: time and key rotation ---- */

/* A cookie lives for the rest of its period and all of the next: 64 to 128 s. */
static void syncookie_accepted_until_end_of_next_period(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint64_t start = (uint64_t)P0 * PERIOD;

	(void)state;
	assert_true(cookie_round_trip(&fk, &OPTS, start, start + 2 * PERIOD - 1, &dec));
}

static void syncookie_rejected_two_periods_later(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint64_t start = (uint64_t)P0 * PERIOD;

	(void)state;
	assert_false(cookie_round_trip(&fk, &OPTS, start, start + 2 * PERIOD, &dec));
	assert_false(cookie_round_trip(&fk, &OPTS, T0, T0 + 2 * PERIOD, &dec));
}

/* Made at the last microsecond of a period, a cookie is still good one microsecond later. */
static void syncookie_accepted_just_after_period_boundary(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint64_t end = (uint64_t)(P0 + 1) * PERIOD - 1;

	(void)state;
	assert_true(cookie_round_trip(&fk, &OPTS, end, end + 1, &dec));
}

/* A cookie from the next period cannot be checked now: its parity names the previous one. */
static void syncookie_rejected_from_the_future(void **state)
{
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;

	(void)state;
	assert_false(cookie_round_trip(&fk, &OPTS, T0 + PERIOD, T0, &dec));
}

static void syncookie_accepted_across_one_key_rotation(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4(), other = key_v6();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);

	(void)state;
	(void)sf_syncookie_make(&k, &other, 1, &OPTS, T0 + PERIOD, NULL); /* rotates */
	assert_int_equal(k.epoch, P0 + 1);
	assert_true(sf_syncookie_check(&k, &fk, PEER_ISN, c, T0 + PERIOD, &dec));
	assert_opts_equal(&dec, &OPTS);
}

/* Rotation keeps the current key and replaces the older one with the new period's. */
static void syncookie_rotation_replaces_the_older_key(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_tcp_secret cur, old;

	(void)state;
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	cur = k.key[P0 & 1];
	old = k.key[(P0 - 1) & 1];
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0 + PERIOD, NULL);
	assert_memory_equal(&k.key[P0 & 1], &cur, sizeof(cur));
	assert_memory_not_equal(&k.key[(P0 + 1) & 1], &old, sizeof(old));
	assert_memory_not_equal(&k.key[(P0 + 1) & 1], &cur, sizeof(cur));
}

static void syncookie_no_rotation_within_a_period(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_keys before;

	(void)state;
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	before = k;
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0 + PERIOD / 2, NULL);
	assert_memory_equal(&k, &before, sizeof(k));
}

/* The period's key is what makes a cookie: the same tuple and options give other bits next period. */
static void syncookie_differs_between_periods(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	uint32_t a = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	uint32_t b = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0 + PERIOD, NULL);

	(void)state;
	assert_int_not_equal(a >> 9, b >> 9); /* bits 9..31: the MAC */
}

/* Keys are derived, not drawn: an lcore whose copy never rotated still checks another's cookie. */
static void syncookie_stale_copy_checks_cookie_of_rotated_copy(void **state)
{
	struct sf_syncookie_keys busy = cookie_keys(), idle = cookie_keys();
	struct sf_flow_key fk = key_v6();
	struct sf_syncookie_opts dec;
	uint64_t t = T0 + 10 * PERIOD;
	uint32_t c = sf_syncookie_make(&busy, &fk, PEER_ISN, &OPTS, t, NULL);

	(void)state;
	assert_int_equal(idle.epoch, 0);
	assert_true(sf_syncookie_check(&idle, &fk, PEER_ISN, c, t, &dec));
	assert_true(sf_syncookie_check(&idle, &fk, PEER_ISN, c, t + PERIOD, &dec));
	assert_false(sf_syncookie_check(&idle, &fk, PEER_ISN, c, t + 2 * PERIOD, &dec));
}

/* After a long quiet spell make() refreshes both cached keys, and old cookies stay dead. */
static void syncookie_rotation_after_idle_periods_rejects_old_cookie(void **state)
{
	struct sf_syncookie_keys k = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint32_t old = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	uint32_t fresh = sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0 + 5 * PERIOD, NULL);

	(void)state;
	assert_int_equal(k.epoch, P0 + 5);
	assert_false(sf_syncookie_check(&k, &fk, PEER_ISN, old, T0 + 5 * PERIOD, &dec));
	assert_true(sf_syncookie_check(&k, &fk, PEER_ISN, fresh, T0 + 6 * PERIOD, &dec));
}

/* Jumping several periods, make() caches the previous period's key too: its cookies stay good. */
static void syncookie_rotation_after_idle_periods_keeps_previous_period_valid(void **state)
{
	struct sf_syncookie_keys k = cookie_keys(), other = cookie_keys();
	struct sf_flow_key fk = key_v4();
	struct sf_syncookie_opts dec;
	uint32_t c = sf_syncookie_make(&other, &fk, PEER_ISN, &OPTS, T0 + 4 * PERIOD, NULL);

	(void)state;
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0, NULL);
	(void)sf_syncookie_make(&k, &fk, PEER_ISN, &OPTS, T0 + 5 * PERIOD, NULL);
	assert_memory_equal(&k.key[(P0 + 4) & 1], &other.key[(P0 + 4) & 1], sizeof(k.key[0]));
	assert_true(sf_syncookie_check(&k, &fk, PEER_ISN, c, T0 + 5 * PERIOD, &dec));
}

static void syncookie_keys_init_draws_a_different_master_each_time(void **state)
{
	struct sf_syncookie_keys a, b;

	(void)state;
	sf_syncookie_keys_init(&a);
	sf_syncookie_keys_init(&b);
	assert_memory_not_equal(&a.master, &b.master, sizeof(a.master));
	assert_memory_not_equal(&a.key[0], &b.key[0], sizeof(a.key[0]));
}

/* An ISN property test, once per PRF (its name says which). */
#define BOTH_PRFS(f) { #f " (siphash13)", f, NULL, NULL, &ISN_SIP }, { #f " (aes128)", f, NULL, NULL, &ISN_AES }

int main(void)
{
	sf_tcp_isn_key_set(&ISN_AES.a, KEY_A.k0, KEY_A.k1);
	sf_tcp_isn_key_set(&ISN_AES.b, KEY_B.k0, KEY_B.k1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_empty_message_matches_reference),
		cmocka_unit_test(siphash_one_byte_matches_reference),
		cmocka_unit_test(siphash_eight_bytes_matches_reference),
		cmocka_unit_test(siphash_fifteen_bytes_matches_reference),
		cmocka_unit_test(siphash_all_64_reference_vectors_match),
		cmocka_unit_test(siphash_unaligned_message_hashes_the_same),
		cmocka_unit_test(siphash13_matches_cpython_vectors),
		cmocka_unit_test(isn_without_aes_is_siphash13_of_the_tuple),
		cmocka_unit_test(aes128_matches_fips197_vector),
		cmocka_unit_test(aes128_key_expansion_matches_fips197),
		cmocka_unit_test(isn_key_set_picks_aes_when_the_cpu_has_it),
		cmocka_unit_test(isn_with_aes_is_cbc_mac_of_the_tuple),
		cmocka_unit_test(secret_set_stores_both_halves),
		cmocka_unit_test(secret_init_draws_a_different_key_each_time),
		BOTH_PRFS(isn_advances_one_per_4us_for_same_tuple),
		BOTH_PRFS(isn_constant_within_one_4us_tick),
		BOTH_PRFS(isn_wraps_mod_2_32_when_timer_wraps),
		BOTH_PRFS(isn_repeats_after_full_timer_cycle),
		BOTH_PRFS(isn_differs_when_any_tuple_field_changes),
		BOTH_PRFS(isn_differs_across_keys),
		BOTH_PRFS(isn_of_neighbouring_ports_do_not_collide),
		BOTH_PRFS(isn_v4_ignores_unused_key_bytes),
		BOTH_PRFS(isn_v6_depends_on_every_address_byte),
		BOTH_PRFS(ts_offset_stable_per_tuple),
		BOTH_PRFS(isn_ts_equals_isn_and_ts_offset),
		BOTH_PRFS(ts_offset_differs_across_tuples),
		BOTH_PRFS(ts_offset_differs_across_keys),
		BOTH_PRFS(ts_offset_is_not_the_isn_hash),
		cmocka_unit_test(syncookie_round_trip_every_mss_wscale_sack_v4),
		cmocka_unit_test(syncookie_round_trip_every_mss_wscale_sack_v6),
		cmocka_unit_test(syncookie_encoded_equals_decoded),
		cmocka_unit_test(syncookie_make_accepts_null_encoded),
		cmocka_unit_test(syncookie_mss_rounds_down_to_table),
		cmocka_unit_test(syncookie_mss_below_table_encodes_smallest_entry),
		cmocka_unit_test(syncookie_mss_table_is_strictly_increasing),
		cmocka_unit_test(syncookie_wscale_above_14_clamped_to_14),
		cmocka_unit_test(syncookie_sack_ok_nonzero_decodes_as_one),
		cmocka_unit_test(syncookie_rejected_when_local_address_changes),
		cmocka_unit_test(syncookie_rejected_when_remote_address_changes),
		cmocka_unit_test(syncookie_rejected_when_local_port_changes),
		cmocka_unit_test(syncookie_rejected_when_remote_port_changes),
		cmocka_unit_test(syncookie_rejected_when_family_changes),
		cmocka_unit_test(syncookie_rejected_when_peer_isn_changes),
		cmocka_unit_test(syncookie_rejected_when_any_bit_flipped),
		cmocka_unit_test(syncookie_rejected_under_another_master_secret),
		cmocka_unit_test(syncookie_rejection_leaves_opts_untouched),
		cmocka_unit_test(syncookie_forged_cookies_rejected),
		cmocka_unit_test(syncookie_accepted_until_end_of_next_period),
		cmocka_unit_test(syncookie_rejected_two_periods_later),
		cmocka_unit_test(syncookie_accepted_just_after_period_boundary),
		cmocka_unit_test(syncookie_rejected_from_the_future),
		cmocka_unit_test(syncookie_accepted_across_one_key_rotation),
		cmocka_unit_test(syncookie_rotation_replaces_the_older_key),
		cmocka_unit_test(syncookie_no_rotation_within_a_period),
		cmocka_unit_test(syncookie_differs_between_periods),
		cmocka_unit_test(syncookie_stale_copy_checks_cookie_of_rotated_copy),
		cmocka_unit_test(syncookie_rotation_after_idle_periods_rejects_old_cookie),
		cmocka_unit_test(syncookie_rotation_after_idle_periods_keeps_previous_period_valid),
		cmocka_unit_test(syncookie_keys_init_draws_a_different_master_each_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Toeplitz RSS hash: Microsoft's published verification vectors ("Verifying the RSS Hash
 * Calculation", NDIS documentation), DPDK's header-only rte_softrss() on random input, and the
 * symmetry that the 0x6d5a key promises.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "frames.h"

/* The key of Microsoft's verification tables (also the default key of many NICs). */
static const uint8_t MS_KEY[SF_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct vec4 {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t ip_only, with_tcp;
};

/* Destination and source as the tables list them; the hash input puts the source first. */
static const struct vec4 MS_IP4[] = {
	{ "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct vec4 MS_IP6[] = {
	{ "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251,
	  0x4b61e985, 0x02d1feef },
};

static void ms_ipv4_vectors_hash_addresses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(MS_IP4) / sizeof(MS_IP4[0]); i++) {
		uint8_t in[8];

		assert_int_equal(inet_pton(AF_INET, MS_IP4[i].src, in), 1);
		assert_int_equal(inet_pton(AF_INET, MS_IP4[i].dst, in + 4), 1);
		assert_int_equal(sf_toeplitz(MS_KEY, sizeof(MS_KEY), in, 8), MS_IP4[i].ip_only);
	}
}

static void ms_ipv4_tcp_vectors_hash_4_tuple(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(MS_IP4) / sizeof(MS_IP4[0]); i++) {
		uint32_t s, d;

		assert_int_equal(inet_pton(AF_INET, MS_IP4[i].src, &s), 1);
		assert_int_equal(inet_pton(AF_INET, MS_IP4[i].dst, &d), 1);
		assert_int_equal(sf_rss_hash_tcp4(MS_KEY, s, d, htons(MS_IP4[i].sport),
						  htons(MS_IP4[i].dport)),
				 MS_IP4[i].with_tcp);
	}
}

static void ms_ipv6_vectors_hash_addresses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(MS_IP6) / sizeof(MS_IP6[0]); i++) {
		uint8_t in[32];

		assert_int_equal(inet_pton(AF_INET6, MS_IP6[i].src, in), 1);
		assert_int_equal(inet_pton(AF_INET6, MS_IP6[i].dst, in + 16), 1);
		assert_int_equal(sf_toeplitz(MS_KEY, sizeof(MS_KEY), in, 32), MS_IP6[i].ip_only);
	}
}

static void ms_ipv6_tcp_vectors_hash_4_tuple(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(MS_IP6) / sizeof(MS_IP6[0]); i++) {
		uint8_t s[16], d[16];

		assert_int_equal(inet_pton(AF_INET6, MS_IP6[i].src, s), 1);
		assert_int_equal(inet_pton(AF_INET6, MS_IP6[i].dst, d), 1);
		assert_int_equal(sf_rss_hash_tcp6(MS_KEY, s, d, htons(MS_IP6[i].sport),
						  htons(MS_IP6[i].dport)),
				 MS_IP6[i].with_tcp);
	}
}

/* rte_softrss() takes the input as host-order 32-bit words. */
static void random_inputs_match_rte_softrss(void **state)
{
	uint64_t rng = 0x7031;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint8_t in[36];
		uint32_t words[9];
		uint32_t n = 1 + (uint32_t)(rng_next(&rng) % 9);
		_Alignas(4) uint8_t key[SF_RSS_KEY_LEN]; /* rte_softrss loads it as words */

		for (size_t j = 0; j < sizeof(in); j++)
			in[j] = (uint8_t)rng_next(&rng);
		for (size_t j = 0; j < sizeof(key); j++)
			key[j] = (uint8_t)rng_next(&rng);
		for (uint32_t j = 0; j < n; j++)
			words[j] = get32(in + 4 * j);
		assert_int_equal(sf_toeplitz(key, sizeof(key), in, 4 * n), rte_softrss(words, n, key));
	}
}

static void empty_input_hashes_to_zero(void **state)
{
	(void)state;
	assert_int_equal(sf_toeplitz(MS_KEY, sizeof(MS_KEY), NULL, 0), 0);
}

/* Key bits past the key's end count as zero: a short key behaves like one padded with zeros. */
static void short_key_reads_as_zero_padded(void **state)
{
	uint8_t padded[SF_RSS_KEY_LEN] = { 0 };
	uint8_t in[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

	(void)state;
	memcpy(padded, MS_KEY, 10);
	assert_int_equal(sf_toeplitz(MS_KEY, 10, in, sizeof(in)),
			 sf_toeplitz(padded, sizeof(padded), in, sizeof(in)));
}

static void symmetric_key_is_6d5a_repeated(void **state)
{
	(void)state;
	for (int i = 0; i < SF_RSS_KEY_LEN; i += 2) {
		assert_int_equal(sf_rss_sym_key[i], 0x6d);
		assert_int_equal(sf_rss_sym_key[i + 1], 0x5a);
	}
}

static void symmetric_key_hashes_both_directions_alike_ipv4(void **state)
{
	uint64_t rng = 0x5a5a4;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint32_t a = (uint32_t)rng_next(&rng), b = (uint32_t)rng_next(&rng);
		uint16_t pa = (uint16_t)rng_next(&rng), pb = (uint16_t)rng_next(&rng);

		assert_int_equal(sf_rss_hash_tcp4(sf_rss_sym_key, a, b, pa, pb),
				 sf_rss_hash_tcp4(sf_rss_sym_key, b, a, pb, pa));
	}
}

static void symmetric_key_hashes_both_directions_alike_ipv6(void **state)
{
	uint64_t rng = 0x5a5a6;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint8_t a[16], b[16];
		uint16_t pa = (uint16_t)rng_next(&rng), pb = (uint16_t)rng_next(&rng);

		for (int j = 0; j < 16; j++) {
			a[j] = (uint8_t)rng_next(&rng);
			b[j] = (uint8_t)rng_next(&rng);
		}
		assert_int_equal(sf_rss_hash_tcp6(sf_rss_sym_key, a, b, pa, pb),
				 sf_rss_hash_tcp6(sf_rss_sym_key, b, a, pb, pa));
	}
}

/* The check that the symmetry tests can fail: the standard key is not symmetric. */
static void standard_key_is_not_symmetric(void **state)
{
	uint32_t a = htonl(0xc6120001), b = htonl(0xc6120002);

	(void)state;
	assert_int_not_equal(sf_rss_hash_tcp4(MS_KEY, a, b, htons(80), htons(40000)),
			     sf_rss_hash_tcp4(MS_KEY, b, a, htons(40000), htons(80)));
}

/* A flow key hashes as a frame arriving from the peer: source = remote. */
static void flow_key_hashes_as_received_frame(void **state)
{
	static struct frame f;
	struct sf_pkt pkt;
	struct sf_flow_key k;
	uint32_t s, d;

	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC());
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &pkt, NULL, &k), SF_DROP_NONE);
	memcpy(&s, IP4_PEER, 4);
	memcpy(&d, IP4_US, 4);
	assert_int_equal(sf_rss_hash_flow(MS_KEY, &k),
			 sf_rss_hash_tcp4(MS_KEY, s, d, htons(PORT_PEER), htons(PORT_US)));

	build_tcp(&f, true, false, &TCP_SPEC());
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &pkt, NULL, &k), SF_DROP_NONE);
	assert_int_equal(sf_rss_hash_flow(MS_KEY, &k),
			 sf_rss_hash_tcp6(MS_KEY, IP6_PEER, IP6_US, htons(PORT_PEER), htons(PORT_US)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ms_ipv4_vectors_hash_addresses),
		cmocka_unit_test(ms_ipv4_tcp_vectors_hash_4_tuple),
		cmocka_unit_test(ms_ipv6_vectors_hash_addresses),
		cmocka_unit_test(ms_ipv6_tcp_vectors_hash_4_tuple),
		cmocka_unit_test(random_inputs_match_rte_softrss),
		cmocka_unit_test(empty_input_hashes_to_zero),
		cmocka_unit_test(short_key_reads_as_zero_padded),
		cmocka_unit_test(symmetric_key_is_6d5a_repeated),
		cmocka_unit_test(symmetric_key_hashes_both_directions_alike_ipv4),
		cmocka_unit_test(symmetric_key_hashes_both_directions_alike_ipv6),
		cmocka_unit_test(standard_key_is_not_symmetric),
		cmocka_unit_test(flow_key_hashes_as_received_frame),
	};

	return cmocka_run_group_tests_name("net_toeplitz", tests, NULL, NULL);
}

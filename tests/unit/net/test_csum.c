/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksums: known vectors (RFC 1071's example, a real Linux SYN summed by hand), a byte-at-a-time
 * reference on every length and alignment, and DPDK's own header-only functions on random input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "frames.h"

#define RANDOM_ROUNDS 1000

/* A folded partial sum read as the big-endian number the RFCs write. */
static uint16_t be_fold(uint32_t sum)
{
	return rte_be_to_cpu_16(sf_csum_fold(sum));
}

/* A stored checksum (memory order) read as the big-endian number on the wire. */
static uint16_t be(uint16_t stored)
{
	return rte_be_to_cpu_16(stored);
}

static void fill_random(uint8_t *p, uint32_t n, uint64_t *rng)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(rng);
}

/* RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 have the one's-complement sum ddf2. */
static void rfc1071_example_sums_to_ddf2(void **state)
{
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(be_fold(sf_csum_partial(ex, 8, 0)), 0xddf2);
	/* RFC 1071 2(C): parallel summation, pieces of even length chain */
	assert_int_equal(be_fold(sf_csum_partial(ex + 4, 4, sf_csum_partial(ex, 4, 0))), 0xddf2);
	assert_int_equal(be_fold(sf_csum_partial(ex + 2, 6, sf_csum_partial(ex, 2, 0))), 0xddf2);
}

/*
 * A SYN that Linux 6.18 sent from 198.18.0.2:54940 to 198.18.0.1:80, read from a tap device (no
 * offload, so the kernel summed it in full). By hand:
 *  IPv4 header words 4500 003c ba1c 4000 4006 [f477] c612 0002 c612 0001, checksum as zero:
 *  sum 0x30b85, folded 0x0b88, complemented 0xf477 = the stored value.
 *  TCP: pseudo-header c612+0002+c612+0001+0006+0028 = 0x18c55; the 40-byte segment with its
 *  checksum as zero sums to 0x47fa0; total 0x60bf5, folded 0x0bfb, complemented 0xf404.
 */
static const uint8_t LINUX_SYN[74] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x3c, 0xba, 0x1c, 0x40, 0x00, 0x40, 0x06, 0xf4, 0x77, 0xc6, 0x12,
	0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0xd6, 0x9c, 0x00, 0x50, 0xc2, 0x4f, 0xaf, 0xe1,
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xf4, 0x04, 0x00, 0x00, 0x02, 0x04,
	0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x3f, 0x0f, 0x44, 0xb2, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x0a,
};

static void captured_syn_ip4_header_checksum_is_f477(void **state)
{
	(void)state;
	assert_int_equal(be(sf_csum_ip4_hdr(LINUX_SYN + 14, 20)), 0xf477);
	assert_int_equal(be_fold(sf_csum_partial(LINUX_SYN + 14, 20, 0)), 0xffff);
}

static void captured_syn_tcp_checksum_is_f404(void **state)
{
	(void)state;
	assert_int_equal(be_fold(sf_csum_ip4_pseudo(LINUX_SYN + 14, 40, SF_IPPROTO_TCP)), 0x8c56);
	assert_int_equal(be(sf_csum_l4_ip4(LINUX_SYN + 14, LINUX_SYN + 34, 40, SF_IPPROTO_TCP)),
			 0xf404);
}

static void captured_syn_classifies_as_tcp4_syn(void **state)
{
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;

	(void)state;
	assert_int_equal(sf_net_classify(LINUX_SYN, sizeof(LINUX_SYN), NULL, &pkt, &seg, &key),
			 SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_TCP4);
	assert_int_equal(seg.flags, SF_TCP_SYN);
	assert_int_equal(seg.seq, 0xc24fafe1);
	assert_int_equal(seg.wnd, 64240);
	assert_int_equal(seg.opts.mss, 1460);
	assert_int_equal(seg.opts.wscale, 10);
	assert_int_equal(seg.opts.ts_val, 0x3f0f44b2);
	assert_int_equal(rte_be_to_cpu_16(key.rport), 54940);
}

/* Every length 0..257 at every start alignment 0..7 against the byte-by-byte reference. */
static void every_length_and_alignment_matches_reference(void **state)
{
	static uint8_t buf[8 + 258];
	uint64_t rng = 0x1071;

	(void)state;
	fill_random(buf, sizeof(buf), &rng);
	for (uint32_t off = 0; off < 8; off++) {
		for (uint32_t len = 0; len <= 257; len++) {
			uint16_t want = ref_fold(ref_sum(buf + off, len, 0));

			if (be_fold(sf_csum_partial(buf + off, len, 0)) != want)
				fail_msg("offset %u length %u", off, len);
		}
	}
}

/* RFC 1071 4.1: an odd last byte counts as the high byte of a word padded with zero. */
static void odd_length_pads_last_byte_with_zero(void **state)
{
	static const uint8_t abc[3] = { 0x61, 0x62, 0x63 };

	(void)state;
	assert_int_equal(be_fold(sf_csum_partial(abc, 3, 0)), 0x6162 + 0x6300);
	assert_int_equal(be_fold(sf_csum_partial(abc + 2, 1, 0)), 0x6300);
}

static void all_ones_sum_to_negative_zero(void **state)
{
	static uint8_t ones[4096];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (uint32_t len = 2; len <= sizeof(ones); len *= 2)
		assert_int_equal(be_fold(sf_csum_partial(ones, len, 0)), 0xffff);
	/* 0xffff + 0xff00 = 0x1feff, folded: 0xff00 */
	assert_int_equal(be_fold(sf_csum_partial(ones, 3, 0)), 0xff00);
}

/* 64 KiB of 0xff plus an all-ones incoming sum: every carry path of the accumulator runs. */
static void large_all_ones_with_full_incoming_sum_carries_right(void **state)
{
	uint8_t *big = malloc(65535);

	(void)state;
	assert_non_null(big);
	memset(big, 0xff, 65535);
	assert_int_equal(be_fold(sf_csum_partial(big, 65535, 0xffffffffu)),
			 ref_fold(ref_sum(big, 65535, 0xffff)));
	assert_int_equal(be_fold(sf_csum_partial(big, 65534, 0xffffffffu)), 0xffff);
	free(big);
}

/* The one case where +0 and -0 differ: an all-zero message must carry 0xffff, not 0. */
static void all_zero_icmp_gets_checksum_ffff(void **state)
{
	static const uint8_t zero[8];

	(void)state;
	assert_int_equal(sf_csum_icmp4(zero, 8), 0xffff);
}

static void checksum_field_is_taken_as_zero(void **state)
{
	static struct frame f;
	uint16_t clean;

	(void)state;
	build_icmp4_echo(&f, 9, false);
	clean = sf_csum_ip4_hdr(f.b + f.l3, 20);
	assert_int_equal(be(clean), get16(f.b + f.l3 + 10));
	put16(f.b + f.l3 + 10, 0x1234);
	assert_int_equal(sf_csum_ip4_hdr(f.b + f.l3, 20), clean);

	clean = sf_csum_icmp4(f.b + f.l4, f.l3_end - f.l4);
	assert_int_equal(be(clean), get16(f.b + f.l4 + 2));
	put16(f.b + f.l4 + 2, 0xbeef);
	assert_int_equal(sf_csum_icmp4(f.b + f.l4, f.l3_end - f.l4), clean);
}

static void icmp6_checksum_matches_builder(void **state)
{
	static struct frame f;

	(void)state;
	build_ns(&f, true, false, false);
	assert_int_equal(be(sf_csum_l4_ip6(f.b + f.l3, f.b + f.l4, f.l3_end - f.l4, SF_IPPROTO_ICMPV6)),
			 get16(f.b + f.l4 + 2));
}

/* ---- against DPDK's header-only implementations ---- */

static void random_buffers_match_rte_raw_cksum(void **state)
{
	static uint8_t buf[2048];
	static uint16_t aligned[1024];
	uint64_t rng = 0x5eed0001;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint32_t off = (uint32_t)(rng_next(&rng) % 8);
		uint32_t len = (uint32_t)(rng_next(&rng) % 1601);

		fill_random(buf + off, len, &rng);
		/* DPDK loads 16-bit words directly: give it an aligned copy. */
		memcpy(aligned, buf + off, len);
		if (sf_csum_fold(sf_csum_partial(buf + off, len, 0)) != rte_raw_cksum(aligned, len))
			fail_msg("round %d: offset %u length %u", i, off, len);
	}
}

static void random_ip4_headers_match_rte_ipv4_cksum(void **state)
{
	static struct rte_ipv4_hdr h;
	uint64_t rng = 0x5eed0002;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint16_t mine;

		fill_random((uint8_t *)&h, sizeof(h), &rng);
		h.version_ihl = 0x45;
		mine = sf_csum_ip4_hdr(&h, sizeof(h));
		h.hdr_checksum = 0;
		assert_int_equal(mine, rte_ipv4_cksum(&h));
	}
}

static void random_tcp4_segments_match_rte_ipv4_udptcp_cksum(void **state)
{
	static union {
		uint8_t b[20 + 1500];
		uint32_t align;
	} p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p.b;
	uint64_t rng = 0x5eed0003;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint32_t l4_len = 20 + (uint32_t)(rng_next(&rng) % 1481);
		uint16_t mine;

		fill_random(p.b, sizeof(p.b), &rng);
		ip->version_ihl = 0x45;
		ip->next_proto_id = SF_IPPROTO_TCP;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4_len));
		mine = sf_csum_l4_ip4(ip, p.b + 20, l4_len, SF_IPPROTO_TCP);
		memset(p.b + 20 + 16, 0, 2);
		assert_int_equal(mine, rte_ipv4_udptcp_cksum(ip, p.b + 20));
	}
}

static void random_tcp6_segments_match_rte_ipv6_udptcp_cksum(void **state)
{
	static union {
		uint8_t b[40 + 1500];
		uint32_t align;
	} p;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p.b;
	uint64_t rng = 0x5eed0004;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint32_t l4_len = 20 + (uint32_t)(rng_next(&rng) % 1481);
		uint16_t mine;

		fill_random(p.b, sizeof(p.b), &rng);
		ip->proto = SF_IPPROTO_TCP;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		mine = sf_csum_l4_ip6(ip, p.b + 40, l4_len, SF_IPPROTO_TCP);
		memset(p.b + 40 + 16, 0, 2);
		assert_int_equal(mine, rte_ipv6_udptcp_cksum(ip, p.b + 40));
	}
}

static void random_pseudo_headers_match_rte_phdr_cksum(void **state)
{
	static struct rte_ipv4_hdr h4;
	static struct rte_ipv6_hdr h6;
	uint64_t rng = 0x5eed0005;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint16_t l4_len = (uint16_t)(rng_next(&rng) % 65516);
		/* below 128: rte_ipv6_phdr_cksum shifts the protocol as an int, UB from 128 up */
		uint8_t proto = (uint8_t)(rng_next(&rng) % 128);

		fill_random((uint8_t *)&h4, sizeof(h4), &rng);
		fill_random((uint8_t *)&h6, sizeof(h6), &rng);
		h4.version_ihl = 0x45;
		h4.next_proto_id = proto;
		h4.total_length = rte_cpu_to_be_16((uint16_t)(l4_len + 20));
		h6.proto = proto;
		h6.payload_len = rte_cpu_to_be_16(l4_len);
		assert_int_equal(sf_csum_fold(sf_csum_ip4_pseudo(&h4, l4_len, proto)),
				 rte_ipv4_phdr_cksum(&h4, 0));
		assert_int_equal(sf_csum_fold(sf_csum_ip6_pseudo(&h6, l4_len, proto)),
				 rte_ipv6_phdr_cksum(&h6, 0));
	}
}

/* RFC 8200 8.1: the IPv6 pseudo-header length is 32 bits (jumbograms reach past 64 KiB). */
static void ip6_pseudo_header_counts_32_bit_length(void **state)
{
	static const uint8_t ip[40];

	(void)state;
	assert_int_equal(be_fold(sf_csum_ip6_pseudo(ip, 0x12345, 6)), 0x0001 + 0x2345 + 6);
}

/* ---- incremental updates ---- */

/* RFC 1624 3: eqn. 3 gives what a full re-sum gives, for any old and new 16-bit value. */
static void update16_matches_full_recompute(void **state)
{
	static uint8_t h[20];
	uint64_t rng = 0x5eed0006;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint32_t w = (uint32_t)(rng_next(&rng) % 10) * 2;
		uint16_t csum, old, new_;

		fill_random(h, sizeof(h), &rng);
		if (w == 10)
			continue; /* the checksum field itself */
		csum = sf_csum_ip4_hdr(h, 20);
		memcpy(h + 10, &csum, 2);
		memcpy(&old, h + w, 2);
		new_ = (uint16_t)rng_next(&rng);
		memcpy(h + w, &new_, 2);
		assert_int_equal(sf_csum_update16(csum, old, new_), sf_csum_ip4_hdr(h, 20));
		/* and the updated header verifies */
		csum = sf_csum_update16(csum, old, new_);
		memcpy(h + 10, &csum, 2);
		assert_int_equal(be_fold(sf_csum_partial(h, 20, 0)), 0xffff);
	}
}

static void update32_matches_full_recompute(void **state)
{
	static struct frame f;
	uint64_t rng = 0x5eed0007;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint8_t *t;
		uint16_t csum;
		uint32_t old, new_;
		uint32_t field = (uint32_t)(rng_next(&rng) % 2) ? 4 : 8; /* seq or ack */

		build_tcp(&f, i & 1, false,
			  &TCP_SPEC(.seq = (uint32_t)rng_next(&rng), .ack = (uint32_t)rng_next(&rng),
				    .payload_len = (uint16_t)(rng_next(&rng) % 64)));
		t = f.b + f.l4;
		memcpy(&csum, t + 16, 2);
		memcpy(&old, t + field, 4);
		new_ = (uint32_t)rng_next(&rng);
		memcpy(t + field, &new_, 4);
		csum = sf_csum_update32(csum, old, new_);
		memcpy(t + 16, &csum, 2);
		if (f.ipv == 4)
			assert_true(ref_csum_ok(t, f.l3_end - f.l4, ref_pseudo4(f.b + f.l3, f.l3_end - f.l4, 6)));
		else
			assert_true(ref_csum_ok(t, f.l3_end - f.l4, ref_pseudo6(f.b + f.l3, f.l3_end - f.l4, 6)));
	}
}

/* Swapping addresses and ports (a reply's first step) leaves every sum as it was. */
static void address_and_port_swap_keeps_checksums(void **state)
{
	static struct frame f;
	uint8_t *ip, *t, tmp[16];
	uint16_t ip_csum, tcp_csum;

	(void)state;
	for (int v6 = 0; v6 <= 1; v6++) {
		build_tcp(&f, v6, false, &TCP_SPEC(.payload_len = 33));
		ip = f.b + f.l3;
		t = f.b + f.l4;
		uint32_t alen = v6 ? 16 : 4, aoff = v6 ? 8 : 12;

		ip_csum = get16(ip + 10);
		tcp_csum = get16(t + 16);
		memcpy(tmp, ip + aoff, alen);
		memcpy(ip + aoff, ip + aoff + alen, alen);
		memcpy(ip + aoff + alen, tmp, alen);
		memcpy(tmp, t, 2);
		memcpy(t, t + 2, 2);
		memcpy(t + 2, tmp, 2);
		if (!v6)
			assert_int_equal(be(sf_csum_ip4_hdr(ip, 20)), ip_csum);
		assert_int_equal(be(v6 ? sf_csum_l4_ip6(ip, t, f.l3_end - f.l4, 6)
				       : sf_csum_l4_ip4(ip, t, f.l3_end - f.l4, 6)),
				 tcp_csum);
	}
}

/* A prebuilt body's sum, computed once, joins a header's sum without re-reading the body. */
static void csum_add_joins_header_and_prebuilt_body(void **state)
{
	static uint8_t buf[1500];
	uint64_t rng = 0x5eed0008;

	(void)state;
	for (int i = 0; i < RANDOM_ROUNDS; i++) {
		uint32_t hlen = 2 * (uint32_t)(rng_next(&rng) % 40);
		uint32_t blen = (uint32_t)(rng_next(&rng) % (sizeof(buf) - 80));
		uint32_t body_sum;

		fill_random(buf, hlen + blen, &rng);
		body_sum = sf_csum_partial(buf + hlen, blen, 0);
		assert_int_equal(sf_csum_fold(sf_csum_add(sf_csum_partial(buf, hlen, 0), body_sum)),
				 sf_csum_fold(sf_csum_partial(buf, hlen + blen, 0)));
	}
	assert_int_equal(sf_csum_add(0xffffffffu, 0xffffffffu), 0xffffffffu);
	assert_int_equal(sf_csum_add(0xffffffffu, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1071_example_sums_to_ddf2),
		cmocka_unit_test(captured_syn_ip4_header_checksum_is_f477),
		cmocka_unit_test(captured_syn_tcp_checksum_is_f404),
		cmocka_unit_test(captured_syn_classifies_as_tcp4_syn),
		cmocka_unit_test(every_length_and_alignment_matches_reference),
		cmocka_unit_test(odd_length_pads_last_byte_with_zero),
		cmocka_unit_test(all_ones_sum_to_negative_zero),
		cmocka_unit_test(large_all_ones_with_full_incoming_sum_carries_right),
		cmocka_unit_test(all_zero_icmp_gets_checksum_ffff),
		cmocka_unit_test(checksum_field_is_taken_as_zero),
		cmocka_unit_test(icmp6_checksum_matches_builder),
		cmocka_unit_test(random_buffers_match_rte_raw_cksum),
		cmocka_unit_test(random_ip4_headers_match_rte_ipv4_cksum),
		cmocka_unit_test(random_tcp4_segments_match_rte_ipv4_udptcp_cksum),
		cmocka_unit_test(random_tcp6_segments_match_rte_ipv6_udptcp_cksum),
		cmocka_unit_test(random_pseudo_headers_match_rte_phdr_cksum),
		cmocka_unit_test(ip6_pseudo_header_counts_32_bit_length),
		cmocka_unit_test(update16_matches_full_recompute),
		cmocka_unit_test(update32_matches_full_recompute),
		cmocka_unit_test(address_and_port_swap_keeps_checksums),
		cmocka_unit_test(csum_add_joins_header_and_prebuilt_body),
	};

	return cmocka_run_group_tests_name("net_csum", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Robustness of the rx path on hostile input: every truncation and random bit flips of every
 * valid frame, random bytes behind each EtherType, random option lists. Each input sits in a
 * heap buffer of exactly its length, so the sanitizer build (-Db_sanitize=address,undefined)
 * turns any read past the frame into a failure. Whatever is accepted must have consistent
 * offsets, and whatever reply is built from it must stay inside its buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

#define FLIPS_PER_FRAME 1000

static uint8_t *heap_copy(const uint8_t *p, uint32_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	assert_non_null(c);
	if (len)
		memcpy(c, p, len);
	return c;
}

static void assert_consistent(const uint8_t *b, uint32_t len, const struct sf_pkt *pkt,
			      const struct sf_tcp_seg *seg)
{
	assert_true(pkt->kind >= SF_PKT_ARP && pkt->kind <= SF_PKT_TCP6);
	assert_true(pkt->l3_off == 14 || pkt->l3_off == 18);
	assert_true(pkt->l3_off < pkt->l4_off || pkt->kind == SF_PKT_ARP);
	assert_true(pkt->l4_off <= pkt->payload_off);
	assert_true(pkt->payload_off <= pkt->l3_end);
	assert_true(pkt->l3_end <= len);
	assert_true(pkt->l4_off + pkt->l4_len <= pkt->l3_end);
	if (pkt->kind == SF_PKT_TCP4 || pkt->kind == SF_PKT_TCP6) {
		assert_ptr_equal(seg->payload, b + pkt->payload_off);
		assert_int_equal(pkt->payload_off + seg->payload_len, pkt->l3_end);
		assert_true(seg->opts.sack_blocks <= SF_SACK_MAX_BLOCKS);
	}
}

/* Build the reply an accepted request would get, in a buffer of exactly @room bytes. */
static void reply_and_reclassify(const uint8_t *b, uint32_t len, const struct sf_pkt *pkt)
{
	uint32_t room = len + 8;
	uint8_t *r = malloc(room);
	uint32_t rlen = 0;
	struct sf_pkt rpkt;

	assert_non_null(r);
	memcpy(r, b, len);
	switch (pkt->kind) {
	case SF_PKT_ARP:
		rlen = sf_net_arp_reply(r, pkt, &MAC_US);
		break;
	case SF_PKT_ICMP4_ECHO:
		rlen = sf_net_icmp4_echo_reply(r, pkt);
		break;
	case SF_PKT_ICMP6_ECHO:
		rlen = sf_net_icmp6_echo_reply(r, pkt);
		break;
	case SF_PKT_ND_NS:
		rlen = sf_net_nd_na_reply(r, pkt, room, &MAC_US);
		break;
	default:
		break;
	}
	assert_true(rlen <= room);
	if (rlen)
		(void)sf_net_classify(r, rlen, NULL, &rpkt, NULL, NULL);
	free(r);
}

static enum sf_drop_reason classify_exact(const uint8_t *p, uint32_t len, bool reply)
{
	uint8_t *c = heap_copy(p, len);
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	enum sf_drop_reason r = sf_net_classify(c, len, NULL, &pkt, &seg, &key);

	if (r == SF_DROP_NONE) {
		assert_consistent(c, len, &pkt, &seg);
		if (reply)
			reply_and_reclassify(c, len, &pkt);
	}
	free(c);
	return r;
}

/* A frame cut anywhere before the end of its datagram is dropped; padding may go. */
static void every_truncation_of_every_valid_frame(void **state)
{
	static struct frame f;

	(void)state;
	for (unsigned int i = 0; i < VALID_FRAMES_N; i++) {
		VALID_FRAMES[i].build(&f);
		assert_int_equal(classify_exact(f.b, f.len, true), SF_DROP_NONE);
		for (uint32_t cut = 0; cut <= f.len; cut++) {
			enum sf_drop_reason r = classify_exact(f.b, cut, true);

			if (cut < f.l3_end && r == SF_DROP_NONE)
				fail_msg("%s cut to %u of %u bytes was accepted", VALID_FRAMES[i].name, cut,
					 f.l3_end);
			if (cut >= f.l3_end && r != SF_DROP_NONE)
				fail_msg("%s with %u padding bytes dropped as %s", VALID_FRAMES[i].name,
					 cut - f.l3_end, sf_drop_reason_name(r));
		}
	}
}

static void random_bit_flips_in_every_valid_frame(void **state)
{
	static struct frame f;
	uint64_t seed = 0xf11b5, rng = seed;

	(void)state;
	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (unsigned int i = 0; i < VALID_FRAMES_N; i++) {
		VALID_FRAMES[i].build(&f);
		for (int n = 0; n < FLIPS_PER_FRAME; n++) {
			uint8_t b[FRAME_ROOM];
			int bits = 1 + (int)(rng_next(&rng) % 3);

			memcpy(b, f.b, f.len);
			while (bits--) {
				uint64_t bit = rng_next(&rng) % (f.len * 8);

				b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			(void)classify_exact(b, f.len, true);
		}
	}
}

/*
 * RFC 1071: a one's-complement sum detects every single-bit error, and IPv4 sums its header
 * while TCP and ICMP sum the rest, so one flipped bit anywhere past the MAC addresses of an
 * IPv4 frame must get it dropped.
 */
static void every_single_bit_flip_of_ip4_frames_is_dropped(void **state)
{
	static struct frame f;

	(void)state;
	for (int kind = 0; kind < 2; kind++) {
		if (kind == 0)
			build_tcp(&f, false, false,
				  &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = 20, .payload_len = 7));
		else
			build_icmp4_echo(&f, 21, false);
		for (uint32_t bit = 12 * 8; bit < f.l3_end * 8; bit++) {
			uint8_t b[FRAME_ROOM];

			memcpy(b, f.b, f.len);
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (classify_exact(b, f.len, false) == SF_DROP_NONE)
				fail_msg("%s: flipping bit %u went unnoticed", kind ? "icmp" : "tcp", bit);
		}
	}
}

/* Random bytes after each EtherType we parse (and a few we do not). */
static void random_bytes_behind_each_ethertype(void **state)
{
	static const uint16_t types[] = { SF_ETHERTYPE_IP4, SF_ETHERTYPE_IP6, SF_ETHERTYPE_ARP,
					  SF_ETHERTYPE_VLAN, SF_ETHERTYPE_QINQ, 0x88cc };
	uint64_t rng = 0xe7e7;

	(void)state;
	for (int n = 0; n < 20000; n++) {
		uint8_t b[256];
		uint32_t len = (uint32_t)(rng_next(&rng) % sizeof(b));

		for (uint32_t j = 0; j < len; j++)
			b[j] = (uint8_t)rng_next(&rng);
		if (len >= 14) {
			uint16_t t = types[rng_next(&rng) % (sizeof(types) / sizeof(types[0]))];

			b[12] = (uint8_t)(t >> 8);
			b[13] = (uint8_t)t;
		}
		if (len >= 15 && (b[12] == 0x08 && b[13] == 0x00))
			b[14] = 0x45; /* get past the version check more often */
		(void)classify_exact(b, len, true);
	}
}

static void random_option_lists(void **state)
{
	uint64_t rng = 0x0b75;

	(void)state;
	for (int n = 0; n < 20000; n++) {
		uint8_t o[SF_TCP_OPT_MAX];
		uint32_t len = (uint32_t)(rng_next(&rng) % (SF_TCP_OPT_MAX + 1));
		uint8_t *c;
		struct sf_tcp_opts opts;

		for (uint32_t j = 0; j < len; j++) {
			uint64_t r = rng_next(&rng);

			/* mostly small kinds and lengths, so that options chain */
			o[j] = (uint8_t)(r % 4 ? r % 12 : r >> 8);
		}
		c = heap_copy(o, len);
		if (sf_tcp_opts_parse(c, len, &opts) == SF_DROP_NONE)
			assert_true(opts.sack_blocks <= SF_SACK_MAX_BLOCKS);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_truncation_of_every_valid_frame),
		cmocka_unit_test(random_bit_flips_in_every_valid_frame),
		cmocka_unit_test(every_single_bit_flip_of_ip4_frames_is_dropped),
		cmocka_unit_test(random_bytes_behind_each_ethertype),
		cmocka_unit_test(random_option_lists),
	};

	return cmocka_run_group_tests_name("net_robust", tests, NULL, NULL);
}

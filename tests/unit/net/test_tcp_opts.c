/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sf_tcp_opts_parse(): every option kind, list structure (EOL, NOP, unknown kinds) and every
 * malformed length. Options are parsed from a heap copy of exactly their length so that a
 * sanitizer build catches any read past the header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "sf_net_priv.h"

static struct sf_tcp_opts o;

static enum sf_drop_reason parse_n(const uint8_t *opt, uint32_t len)
{
	uint8_t *exact = malloc(len ? len : 1);
	enum sf_drop_reason r;

	assert_non_null(exact);
	if (len)
		memcpy(exact, opt, len);
	memset(&o, 0xa5, sizeof(o)); /* the parser must clear what it does not set */
	r = sf_tcp_opts_parse(exact, len, &o);
	free(exact);
	return r;
}

#define PARSE(...)                                                                                 \
	parse_n((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void empty_list_has_no_options(void **state)
{
	(void)state;
	assert_int_equal(parse_n(NULL, 0), SF_DROP_NONE);
	assert_int_equal(o.present, 0);
	assert_int_equal(o.unknown, 0);
	assert_int_equal(o.sack_blocks, 0);
	assert_int_equal(o.mss, 0);
}

/* RFC 9293 3.2: MSS, kind 2 length 4, 16 bits in network order */
static void mss_is_read_in_host_order(void **state)
{
	(void)state;
	assert_int_equal(PARSE(2, 4, 0x05, 0xb4), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_MSS);
	assert_int_equal(o.mss, 1460);
}

/* RFC 7323 2.2: window scale, kind 3 length 3; the shift is kept as received */
static void wscale_is_kept_as_received(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 3, 3, 15), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_WSCALE);
	assert_int_equal(o.wscale, 15);
}

/* RFC 2018 2: SACK-permitted, kind 4 length 2 */
static void sack_permitted_sets_its_bit(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 4, 2), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_SACK_PERM);
}

/* RFC 7323 3.2: timestamps, kind 8 length 10, TSval then TSecr (Appendix A layout) */
static void timestamps_are_read_in_host_order(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04),
			 SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_TS);
	assert_int_equal(o.ts_val, 0xdeadbeef);
	assert_int_equal(o.ts_ecr, 0x01020304);
}

/* The same option without the NOP NOP prefix, followed by padding */
static void timestamps_first_then_padding(void **state)
{
	(void)state;
	assert_int_equal(PARSE(8, 10, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 1, 0), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_TS);
	assert_int_equal(o.ts_val, 9);
	assert_int_equal(o.ts_ecr, 0xffffffffu);
}

/* NOP NOP TS but 16 bytes long: the general parser, and what follows still counts */
static void aligned_timestamps_followed_by_sack(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 6),
			 SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_TS | SF_OPT_SACK);
	assert_int_equal(o.ts_val, 1);
	assert_int_equal(o.ts_ecr, 2);
	assert_int_equal(o.sack_blocks, 1);
	assert_int_equal(o.sack[0][0], 5);
	assert_int_equal(o.sack[0][1], 6);
}

/* RFC 2018 3: SACK, kind 5, length 2 + 8n; blocks are left and right edges */
static void expect_sack_blocks(uint32_t n)
{
	uint8_t opt[2 + 2 + 8 * SF_SACK_MAX_BLOCKS] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };

	for (uint32_t b = 0; b < n; b++) {
		put32(opt + 4 + 8 * b, 0xfffffff0u + 100 * b);     /* across the sequence wrap */
		put32(opt + 8 + 8 * b, 0xfffffff0u + 100 * b + 50);
	}
	assert_int_equal(parse_n(opt, 4 + 8 * n), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_SACK);
	assert_int_equal(o.sack_blocks, n);
	for (uint32_t b = 0; b < n; b++) {
		assert_int_equal(o.sack[b][0], 0xfffffff0u + 100 * b);
		assert_int_equal(o.sack[b][1], 0xfffffff0u + 100 * b + 50);
	}
}

static void sack_with_1_block(void **state)
{
	(void)state;
	expect_sack_blocks(1);
}

static void sack_with_2_blocks(void **state)
{
	(void)state;
	expect_sack_blocks(2);
}

static void sack_with_3_blocks(void **state)
{
	(void)state;
	expect_sack_blocks(3);
}

static void sack_with_4_blocks(void **state)
{
	(void)state;
	expect_sack_blocks(4);
}

static void linux_syn_options_all_parse(void **state)
{
	(void)state;
	assert_int_equal(parse_n(LINUX_SYN_OPTS, sizeof(LINUX_SYN_OPTS)), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_MSS | SF_OPT_SACK_PERM | SF_OPT_TS | SF_OPT_WSCALE);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.ts_val, 0x1234);
	assert_int_equal(o.unknown, 0);
}

/* RFC 9293 3.2: EOL ends the list; what follows it is padding, even if it looks malformed */
static void eol_ends_the_list_early(void **state)
{
	(void)state;
	assert_int_equal(PARSE(2, 4, 0x05, 0xb4, 0, 3, 0, 0xff), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_MSS);
	assert_int_equal(o.wscale, 0);
}

static void eol_first_means_no_options(void **state)
{
	(void)state;
	assert_int_equal(PARSE(0, 2, 4, 0x05), SF_DROP_NONE);
	assert_int_equal(o.present, 0);
}

/* RFC 9293 3.2: NOP is one byte, any number of them */
static void nop_padding_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 1, 1, 1, 1, 1, 3, 3, 2, 1, 1), SF_DROP_NONE);
	assert_int_equal(o.present, SF_OPT_WSCALE);
	assert_int_equal(o.wscale, 2);
}

/* RFC 9293 3.2: an unknown kind is skipped by its length and parsing goes on */
static void unknown_kind_is_skipped_and_counted(void **state)
{
	(void)state;
	/* MPTCP (30) with 6 bytes, TCP-AO-like kind 29 with 4, then MSS */
	assert_int_equal(PARSE(30, 6, 0, 0, 0, 0, 29, 4, 9, 9, 2, 4, 0x02, 0x18), SF_DROP_NONE);
	assert_int_equal(o.unknown, 2);
	assert_int_equal(o.present, SF_OPT_MSS);
	assert_int_equal(o.mss, 536);
}

/* RFC 9293 3.2 (MUST-7): an illegal length is handled, here by dropping the segment */
static void length_0_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(30, 0, 1, 1), SF_DROP_TCP_OPT_LEN);
}

static void length_1_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(30, 1, 1, 1), SF_DROP_TCP_OPT_LEN);
}

static void length_past_the_header_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 30, 3), SF_DROP_TCP_OPT_LEN);
}

static void kind_without_room_for_length_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(1, 1, 1, 2), SF_DROP_TCP_OPT_LEN);
}

static void mss_with_wrong_length_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(2, 3, 5, 1), SF_DROP_TCP_OPT_LEN);
	assert_int_equal(PARSE(2, 6, 5, 0xb4, 0, 0), SF_DROP_TCP_OPT_LEN);
}

static void wscale_with_wrong_length_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(3, 4, 7, 0), SF_DROP_TCP_OPT_LEN);
	assert_int_equal(PARSE(3, 2, 1, 1), SF_DROP_TCP_OPT_LEN);
}

static void sack_permitted_with_wrong_length_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(4, 3, 0, 1), SF_DROP_TCP_OPT_LEN);
}

static void timestamps_with_wrong_length_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(8, 8, 0, 0, 0, 1, 0, 0), SF_DROP_TCP_OPT_LEN);
	assert_int_equal(PARSE(8, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0), SF_DROP_TCP_OPT_LEN);
}

static void sack_without_blocks_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(5, 2, 1, 1), SF_DROP_TCP_OPT_LEN);
}

static void sack_with_partial_block_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(PARSE(5, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0), SF_DROP_TCP_OPT_LEN);
	assert_int_equal(PARSE(5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0), SF_DROP_TCP_OPT_LEN);
}

/* 5 blocks need 42 bytes, more than a header holds; a longer buffer must not overflow sack[] */
static void sack_with_5_blocks_is_rejected(void **state)
{
	uint8_t opt[42] = { 5, 42 };

	(void)state;
	assert_int_equal(parse_n(opt, sizeof(opt)), SF_DROP_TCP_OPT_LEN);
}

static void later_duplicate_overwrites_earlier(void **state)
{
	(void)state;
	assert_int_equal(PARSE(2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18), SF_DROP_NONE);
	assert_int_equal(o.mss, 536);
}

static void error_after_valid_options_still_rejects(void **state)
{
	(void)state;
	assert_int_equal(PARSE(2, 4, 0x05, 0xb4, 4, 2, 3, 0), SF_DROP_TCP_OPT_LEN);
}

/* Both parses of @len bytes at @p, from heap copies of exactly that length, must agree. */
static void expect_walk_agrees(const uint8_t *p, uint32_t len)
{
	uint8_t *exact = malloc(len ? len : 1);
	struct sf_tcp_opts a, b;
	enum sf_drop_reason ra, rb;

	assert_non_null(exact);
	if (len)
		memcpy(exact, p, len);
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	ra = sf_tcp_opts_parse(exact, len, &a);
	rb = sf_tcp_opts_walk(exact, len, &b);
	free(exact);
	assert_int_equal(ra, rb);
	if (ra != SF_DROP_NONE)
		return;
	assert_int_equal(a.present, b.present);
	assert_int_equal(a.wscale, b.wscale);
	assert_int_equal(a.sack_blocks, b.sack_blocks);
	assert_int_equal(a.unknown, b.unknown);
	assert_int_equal(a.mss, b.mss);
	assert_int_equal(a.ts_val, b.ts_val);
	assert_int_equal(a.ts_ecr, b.ts_ecr);
	assert_memory_equal(a.sack, b.sack, sizeof(a.sack));
}

/*
 * The layouts sf_tcp_opts_parse() recognises whole (NOP NOP TS, Linux's SYN) against the
 * option-by-option walk: as they are, with every byte set to every value (lengths of 9 or 11,
 * other kinds, EOL, NOP in the middle), and cut or grown by a byte.
 */
static void predicted_layouts_agree_with_the_walk(void **state)
{
	static const uint8_t nop_nop_ts[12] = { 1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	const uint8_t *layouts[2] = { nop_nop_ts, LINUX_SYN_OPTS };
	const uint32_t lens[2] = { sizeof(nop_nop_ts), sizeof(LINUX_SYN_OPTS) };

	(void)state;
	for (int l = 0; l < 2; l++) {
		uint8_t b[SF_TCP_OPT_MAX] = { 0 };

		memcpy(b, layouts[l], lens[l]);
		expect_walk_agrees(b, lens[l]);
		expect_walk_agrees(b, lens[l] - 1);
		expect_walk_agrees(b, lens[l] + 1);
		for (uint32_t at = 0; at < lens[l]; at++) {
			for (unsigned int v = 0; v < 256; v++) {
				memcpy(b, layouts[l], lens[l]);
				b[at] = (uint8_t)v;
				expect_walk_agrees(b, lens[l]);
			}
		}
	}
}

/* Random lists of every length, mostly small kinds and lengths so that options chain. */
static void random_lists_agree_with_the_walk(void **state)
{
	uint64_t seed = 0x0b76, rng = seed;

	(void)state;
	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (int n = 0; n < 50000; n++) {
		uint8_t b[SF_TCP_OPT_MAX];
		uint32_t len = (uint32_t)(rng_next(&rng) % (SF_TCP_OPT_MAX + 1));

		for (uint32_t j = 0; j < len; j++) {
			uint64_t r = rng_next(&rng);

			b[j] = (uint8_t)(r % 4 ? r % 12 : r >> 8);
		}
		expect_walk_agrees(b, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_list_has_no_options),
		cmocka_unit_test(mss_is_read_in_host_order),
		cmocka_unit_test(wscale_is_kept_as_received),
		cmocka_unit_test(sack_permitted_sets_its_bit),
		cmocka_unit_test(timestamps_are_read_in_host_order),
		cmocka_unit_test(timestamps_first_then_padding),
		cmocka_unit_test(aligned_timestamps_followed_by_sack),
		cmocka_unit_test(sack_with_1_block),
		cmocka_unit_test(sack_with_2_blocks),
		cmocka_unit_test(sack_with_3_blocks),
		cmocka_unit_test(sack_with_4_blocks),
		cmocka_unit_test(linux_syn_options_all_parse),
		cmocka_unit_test(eol_ends_the_list_early),
		cmocka_unit_test(eol_first_means_no_options),
		cmocka_unit_test(nop_padding_is_skipped),
		cmocka_unit_test(unknown_kind_is_skipped_and_counted),
		cmocka_unit_test(length_0_is_rejected),
		cmocka_unit_test(length_1_is_rejected),
		cmocka_unit_test(length_past_the_header_is_rejected),
		cmocka_unit_test(kind_without_room_for_length_is_rejected),
		cmocka_unit_test(mss_with_wrong_length_is_rejected),
		cmocka_unit_test(wscale_with_wrong_length_is_rejected),
		cmocka_unit_test(sack_permitted_with_wrong_length_is_rejected),
		cmocka_unit_test(timestamps_with_wrong_length_is_rejected),
		cmocka_unit_test(sack_without_blocks_is_rejected),
		cmocka_unit_test(sack_with_partial_block_is_rejected),
		cmocka_unit_test(sack_with_5_blocks_is_rejected),
		cmocka_unit_test(later_duplicate_overwrites_earlier),
		cmocka_unit_test(error_after_valid_options_still_rejects),
		cmocka_unit_test(predicted_layouts_agree_with_the_walk),
		cmocka_unit_test(random_lists_agree_with_the_walk),
	};

	return cmocka_run_group_tests_name("net_tcp_opts", tests, NULL, NULL);
}

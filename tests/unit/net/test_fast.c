/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The classifier's fast path against its full parser (sf_net.h). sf_net_classify() tries
 * the fast path and falls back to the full parser, so it is right as long as the fast path
 * accepts only frames the full parser accepts, with the very same pkt, seg and key. Every frame
 * here goes through both halves and sf_net_classify(): valid frames, every truncation, every
 * byte of the headers set to a handful of values (with the checksums fixed up and not), random
 * flips, and the near misses of the fast shape one by one. Each sits in a heap buffer of exactly
 * its length, so the sanitizer build catches a read past the frame in either half.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "sf_net_priv.h"

static const uint8_t NOP_NOP_TS[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef };

static const struct sf_rx_csum HW_NONE = { .ip4_ok = false, .l4_ok = false };
static const struct sf_rx_csum HW_IP4 = { .ip4_ok = true, .l4_ok = false };
static const struct sf_rx_csum HW_L4 = { .ip4_ok = false, .l4_ok = true };
static const struct sf_rx_csum HW_ALL = { .ip4_ok = true, .l4_ok = true };
static const struct sf_rx_csum *const HWS[] = { NULL, &HW_NONE, &HW_IP4, &HW_L4, &HW_ALL };
#define NHWS (sizeof(HWS) / sizeof(HWS[0]))

/* Fast-shaped frames: what nearly all traffic is. */
static void f_ack(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1));
}

static void f_ack_padded(struct frame *f)
{
	f_ack(f);
	fr_pad(f, 60 - f->len, 0x5a);
}

static void f_ack_ts(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .opts = NOP_NOP_TS, .opts_len = 12));
}

static void f_fin_ts(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.flags = SF_TCP_ACK | SF_TCP_FIN, .ack = 0x80000001u, .opts = NOP_NOP_TS,
			    .opts_len = 12));
}

static void f_data_ts_odd(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.flags = SF_TCP_ACK | SF_TCP_PSH, .ack = 1, .opts = NOP_NOP_TS,
			    .opts_len = 12, .payload_len = 77));
}

static void f_data_long(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .payload_len = 300));
}

static void f_syn(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = sizeof(LINUX_SYN_OPTS)));
}

/*
 * Untagged IPv4 TCP with option lists outside the predicted ones (sf_net.c, tcp_opts_predicted):
 * valid, but the fast path declines them and the full parser's option walk takes them.
 */
static const uint8_t MACOS_SYN_OPTS[24] = {
	2, 4, 0x05, 0xb4,                       /* MSS 1460 */
	1, 3, 3, 6,                             /* NOP, window scale 6 */
	1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, /* NOP NOP TSval TSecr 0 */
	4, 2,                                   /* SACK permitted */
	0, 0,                                   /* EOL, padding */
};
static const uint8_t TS_SACK_OPTS[24] = {
	1, 1, 8, 10, 0, 0, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, /* NOP NOP timestamps */
	1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0,          /* NOP NOP SACK, one block */
};
static const uint8_t MSS_ONLY_OPTS[4] = { 2, 4, 0x05, 0xb4 };

static void f_syn_macos(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.opts = MACOS_SYN_OPTS, .opts_len = sizeof(MACOS_SYN_OPTS)));
}

static void f_ack_ts_sack(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .opts = TS_SACK_OPTS, .opts_len = sizeof(TS_SACK_OPTS)));
}

static void f_syn_mss_only(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.opts = MSS_ONLY_OPTS, .opts_len = sizeof(MSS_ONLY_OPTS)));
}

static const struct valid_frame LONG_WAY_FRAMES[] = {
	{ "syn_macos", f_syn_macos },
	{ "ack_ts_sack", f_ack_ts_sack },
	{ "syn_mss_only", f_syn_mss_only },
};
#define NLONG (sizeof(LONG_WAY_FRAMES) / sizeof(LONG_WAY_FRAMES[0]))

static const struct valid_frame FAST_FRAMES[] = {
	{ "ack", f_ack },
	{ "ack_padded", f_ack_padded },
	{ "ack_ts", f_ack_ts },
	{ "fin_ts", f_fin_ts },
	{ "data_ts_odd", f_data_ts_odd },
	{ "data_long", f_data_long },
	{ "syn", f_syn },
};
#define NFAST (sizeof(FAST_FRAMES) / sizeof(FAST_FRAMES[0]))

static void expect_same_pkt(const struct sf_pkt *a, const struct sf_pkt *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->has_vlan, b->has_vlan);
	assert_int_equal(a->vlan_tci, b->vlan_tci);
	assert_int_equal(a->l3_off, b->l3_off);
	assert_int_equal(a->l4_off, b->l4_off);
	assert_int_equal(a->l4_len, b->l4_len);
	assert_int_equal(a->payload_off, b->payload_off);
	assert_int_equal(a->l3_end, b->l3_end);
}

static void expect_same_seg(const struct sf_tcp_seg *a, const struct sf_tcp_seg *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_int_equal(a->wnd, b->wnd);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->payload_len, b->payload_len);
	assert_ptr_equal(a->payload, b->payload);
	assert_int_equal(a->opts.present, b->opts.present);
	assert_int_equal(a->opts.wscale, b->opts.wscale);
	assert_int_equal(a->opts.sack_blocks, b->opts.sack_blocks);
	assert_int_equal(a->opts.unknown, b->opts.unknown);
	assert_int_equal(a->opts.mss, b->opts.mss);
	assert_int_equal(a->opts.ts_val, b->opts.ts_val);
	assert_int_equal(a->opts.ts_ecr, b->opts.ts_ecr);
	assert_memory_equal(a->opts.sack, b->opts.sack, sizeof(a->opts.sack));
}

/* Outputs start as different garbage in each run, so a field one half forgets shows. */
struct out {
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
};

static void garbage(struct out *o, uint8_t byte)
{
	memset(o, byte, sizeof(*o));
}

static unsigned int fast_taken;

/*
 * Classify @p (@len bytes) with both halves and the whole under @hw; both halves and the whole
 * must agree. @return the verdict.
 */
static enum sf_drop_reason check_frame(const uint8_t *p, uint32_t len, const struct sf_rx_csum *hw)
{
	uint8_t *c = malloc(len ? len : 1);
	struct out full, fast, whole;
	enum sf_drop_reason why_full, why_whole;
	bool took;

	assert_non_null(c);
	if (len)
		memcpy(c, p, len);
	garbage(&full, 0xa5);
	garbage(&fast, 0x5a);
	garbage(&whole, 0x3c);
	why_full = sf_net_classify_full(c, len, hw, &full.pkt, &full.seg, &full.key);
	took = sf_net_classify_fast(c, len, hw, &fast.pkt, &fast.seg, &fast.key);
	why_whole = sf_net_classify(c, len, hw, &whole.pkt, &whole.seg, &whole.key);
	assert_int_equal(why_whole, why_full);
	if (took) {
		fast_taken++;
		if (why_full != SF_DROP_NONE)
			fail_msg("fast path accepted a frame the full parser drops as %s",
				 sf_drop_reason_name(why_full));
		expect_same_pkt(&fast.pkt, &full.pkt);
		expect_same_seg(&fast.seg, &full.seg);
		assert_memory_equal(&fast.key, &full.key, sizeof(fast.key));
	}
	if (why_full == SF_DROP_NONE) {
		expect_same_pkt(&whole.pkt, &full.pkt);
		if (full.pkt.kind == SF_PKT_TCP4 || full.pkt.kind == SF_PKT_TCP6) {
			expect_same_seg(&whole.seg, &full.seg);
			assert_memory_equal(&whole.key, &full.key, sizeof(whole.key));
		}
	}
	/* Without seg and key: the same verdict and pkt. */
	assert_int_equal(sf_net_classify(c, len, hw, &whole.pkt, NULL, NULL), why_full);
	free(c);
	return why_full;
}

static void check_all_hw(const uint8_t *p, uint32_t len)
{
	for (size_t h = 0; h < NHWS; h++)
		(void)check_frame(p, len, HWS[h]);
}

/* The frames the fast path is for take it, under every checksum policy. */
static void fast_frames_take_the_fast_path(void **state)
{
	static struct frame f;
	struct out o;

	(void)state;
	for (size_t i = 0; i < NFAST; i++) {
		FAST_FRAMES[i].build(&f);
		for (size_t h = 0; h < NHWS; h++) {
			if (!sf_net_classify_fast(f.b, f.len, HWS[h], &o.pkt, &o.seg, &o.key))
				fail_msg("%s declined by the fast path", FAST_FRAMES[i].name);
			assert_int_equal(check_frame(f.b, f.len, HWS[h]), SF_DROP_NONE);
		}
	}
}

/* Every valid frame of every kind (tags, IPv6, ARP, ICMP, ND): the same whichever half. */
static void valid_frames_agree(void **state)
{
	static struct frame f;

	(void)state;
	for (unsigned int i = 0; i < VALID_FRAMES_N; i++) {
		VALID_FRAMES[i].build(&f);
		check_all_hw(f.b, f.len);
	}
}

/* Valid frames of the fast shape with other option lists: declined, and classified the long way. */
static void other_option_lists_take_the_full_parser(void **state)
{
	static struct frame f;
	struct out o;

	(void)state;
	for (size_t i = 0; i < NLONG; i++) {
		LONG_WAY_FRAMES[i].build(&f);
		for (size_t h = 0; h < NHWS; h++) {
			if (sf_net_classify_fast(f.b, f.len, HWS[h], &o.pkt, &o.seg, &o.key))
				fail_msg("%s taken by the fast path", LONG_WAY_FRAMES[i].name);
			assert_int_equal(check_frame(f.b, f.len, HWS[h]), SF_DROP_NONE);
		}
	}
	f_ack_ts_sack(&f);
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key), SF_DROP_NONE);
	assert_int_equal(o.seg.opts.present, SF_OPT_TS | SF_OPT_SACK);
	assert_int_equal(o.seg.opts.sack_blocks, 1);
	f_syn_macos(&f);
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key), SF_DROP_NONE);
	assert_int_equal(o.seg.opts.present, SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_TS | SF_OPT_SACK_PERM);
	assert_int_equal(o.seg.opts.wscale, 6);
	assert_int_equal(o.seg.opts.ts_val, 0x12345678);
}

/* Fast-shaped frames and the valid frames of every kind, one list for the loops below. */
static void build_any(size_t i, struct frame *f)
{
	if (i < NFAST)
		FAST_FRAMES[i].build(f);
	else if (i < NFAST + NLONG)
		LONG_WAY_FRAMES[i - NFAST].build(f);
	else
		VALID_FRAMES[i - NFAST - NLONG].build(f);
}

static void every_truncation_agrees(void **state)
{
	static struct frame f;

	(void)state;
	for (size_t i = 0; i < NFAST + NLONG + VALID_FRAMES_N; i++) {
		build_any(i, &f);
		for (uint32_t cut = 0; cut <= f.len; cut++)
			check_all_hw(f.b, cut);
	}
}

/*
 * Every byte from the EtherType to the end of the TCP options set to values that cross each
 * check's boundary, once as is (checksums then fail) and once with the checksums fixed up (so the
 * checks behind them run).
 */
static void every_header_byte_mutation_agrees(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0a, 0x0c,
					0x11, 0x14, 0x1f, 0x20, 0x3f, 0x40, 0x45, 0x46, 0x4f, 0x50,
					0x60, 0x7f, 0x80, 0x81, 0x86, 0xa0, 0xdd, 0xf0, 0xff };
	static struct frame f, m;

	(void)state;
	fast_taken = 0;
	for (size_t i = 0; i < NFAST + NLONG; i++) {
		build_any(i, &f);
		uint32_t end = f.l4 + ((f.b[f.l4 + 12] >> 4) * 4u);

		for (uint32_t at = 12; at < end; at++) {
			for (size_t v = 0; v < sizeof(vals); v++) {
				m = f;
				m.b[at] = vals[v];
				check_all_hw(m.b, m.len);
				fr_fix(&m);
				check_all_hw(m.b, m.len);
			}
		}
	}
	/* the mutations leave many frames valid and fast-shaped: the comparison did happen */
	assert_true(fast_taken > 1000);
}

static void random_flips_agree(void **state)
{
	static struct frame f;
	uint64_t seed = 0xfa57, rng = seed;

	(void)state;
	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (size_t i = 0; i < NFAST; i++) {
		FAST_FRAMES[i].build(&f);
		for (int n = 0; n < 2000; n++) {
			struct frame m = f;
			int bits = 1 + (int)(rng_next(&rng) % 3);

			while (bits--) {
				uint64_t bit = rng_next(&rng) % (m.len * 8);

				m.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			if (rng_next(&rng) & 1)
				fr_fix(&m);
			check_all_hw(m.b, m.len);
		}
	}
}

/*
 * Frames that look like the fast case but are not: sf_net_classify() gives the full parser's
 * verdict (checked in check_frame) and the one each is known to deserve.
 */
static void near_miss(void (*build)(struct frame *f), void (*mutate)(struct frame *f),
		      enum sf_drop_reason want, const char *what)
{
	static struct frame f;
	struct out o;
	enum sf_drop_reason got;

	build(&f);
	mutate(&f);
	got = check_frame(f.b, f.len, NULL);
	if (got != want)
		fail_msg("%s: %s, want %s", what, sf_drop_reason_name(got), sf_drop_reason_name(want));
	if (want != SF_DROP_NONE)
		assert_false(sf_net_classify_fast(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key));
}

static void m_ts_length_9(struct frame *f)
{
	f->b[f->l4 + 20 + 3] = 9;
	fr_fix(f);
}

static void m_ts_length_12(struct frame *f)
{
	f->b[f->l4 + 20 + 3] = 12;
	fr_fix(f);
}

static void m_ts_kind_7(struct frame *f)
{
	f->b[f->l4 + 20 + 2] = 7; /* an unknown option of length 10: skipped, accepted */
	fr_fix(f);
}

static void m_tcp_csum(struct frame *f)
{
	f->b[f->l4 + 16] ^= 0x01;
}

static void m_ip_csum(struct frame *f)
{
	f->b[f->l3 + 10] ^= 0x80;
}

static void m_ihl_6(struct frame *f)
{
	static struct frame g;
	uint32_t l4_len = f->l3_end - f->l4;

	/* the same segment behind a header with one word of options (NOPs) */
	g = *f;
	g.b[g.l3] = 0x46;
	memset(g.b + g.l3 + 20, 1, 4);
	memcpy(g.b + g.l3 + 24, f->b + f->l4, l4_len);
	g.l4 = g.l3 + 24;
	g.len = g.l3_end = g.l4 + l4_len;
	fr_finish(&g);
	*f = g;
}

static void m_fragment(struct frame *f)
{
	f->b[f->l3 + 6] |= 0x20; /* MF */
	fr_fix(f);
}

static void m_totlen_past_frame(struct frame *f)
{
	put16(f->b + f->l3 + 2, (uint16_t)(f->l3_end - f->l3 + 1));
	fr_fix(f);
}

static void m_sport_0(struct frame *f)
{
	put16(f->b + f->l4, 0);
	fr_fix(f);
}

static void m_doff_9(struct frame *f)
{
	f->b[f->l4 + 12] = 0x90; /* past the segment */
	fr_fix(f);
}

static void m_udp(struct frame *f)
{
	f->b[f->l3 + 9] = 17;
	f->proto = 17;
	fr_fix(f);
}

static void m_none(struct frame *f)
{
	(void)f;
}

static void tagged_ack_ts(struct frame *f)
{
	build_tcp(f, false, true,
		  &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .opts = NOP_NOP_TS, .opts_len = 12));
}

static void ip6_ack_ts(struct frame *f)
{
	build_tcp(f, true, false,
		  &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .opts = NOP_NOP_TS, .opts_len = 12));
}

static void near_misses_get_the_full_parsers_verdict(void **state)
{
	(void)state;
	near_miss(f_ack_ts, m_ts_length_9, SF_DROP_TCP_OPT_LEN, "NOP NOP TS of length 9");
	near_miss(f_ack_ts, m_ts_length_12, SF_DROP_TCP_OPT_LEN, "NOP NOP TS of length 12");
	near_miss(f_ack_ts, m_ts_kind_7, SF_DROP_NONE, "NOP NOP kind 7");
	near_miss(f_ack_ts, m_tcp_csum, SF_DROP_TCP_CSUM, "bad TCP checksum");
	near_miss(f_ack, m_tcp_csum, SF_DROP_TCP_CSUM, "bad TCP checksum, no options");
	near_miss(f_ack_ts, m_ip_csum, SF_DROP_IP4_CSUM, "bad IPv4 checksum");
	near_miss(f_ack_ts, m_ihl_6, SF_DROP_IP4_OPTIONS, "IHL 6");
	near_miss(f_ack_ts, m_fragment, SF_DROP_IP4_FRAGMENT, "MF set");
	near_miss(f_ack_ts, m_totlen_past_frame, SF_DROP_IP4_TOTLEN, "total length past the frame");
	near_miss(f_ack_ts, m_sport_0, SF_DROP_TCP_PORT, "source port 0");
	near_miss(f_ack_ts, m_doff_9, SF_DROP_TCP_DOFF, "data offset past the segment");
	near_miss(f_ack_ts, m_udp, SF_DROP_IP4_PROTO, "UDP");
	near_miss(tagged_ack_ts, m_none, SF_DROP_NONE, "802.1Q tag");
	near_miss(ip6_ack_ts, m_none, SF_DROP_NONE, "IPv6");
}

/* The tagged frame and the IPv6 one went the long way and came out right. */
static void tagged_and_ip6_frames_are_classified_by_the_full_parser(void **state)
{
	static struct frame f;
	struct out o;

	(void)state;
	tagged_ack_ts(&f);
	assert_false(sf_net_classify_fast(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key));
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key), SF_DROP_NONE);
	assert_int_equal(o.pkt.kind, SF_PKT_TCP4);
	assert_int_equal(o.pkt.has_vlan, 1);
	assert_int_equal(o.pkt.vlan_tci, VLAN_TCI);
	assert_int_equal(o.seg.opts.present, SF_OPT_TS);
	assert_int_equal(o.seg.opts.ts_ecr, 0x89abcdef);
	ip6_ack_ts(&f);
	assert_false(sf_net_classify_fast(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key));
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &o.pkt, &o.seg, &o.key), SF_DROP_NONE);
	assert_int_equal(o.pkt.kind, SF_PKT_TCP6);
	assert_int_equal(o.seg.opts.ts_val, 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fast_frames_take_the_fast_path),
		cmocka_unit_test(valid_frames_agree),
		cmocka_unit_test(other_option_lists_take_the_full_parser),
		cmocka_unit_test(every_truncation_agrees),
		cmocka_unit_test(every_header_byte_mutation_agrees),
		cmocka_unit_test(random_flips_agree),
		cmocka_unit_test(near_misses_get_the_full_parsers_verdict),
		cmocka_unit_test(tagged_and_ip6_frames_are_classified_by_the_full_parser),
	};

	return cmocka_run_group_tests_name("net_fast", tests, NULL, NULL);
}

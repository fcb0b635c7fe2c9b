/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segment writing: sf_net_tcp_reply() over a received frame and sf_net_tcp_build() from a
 * key. Every written segment gets its payload appended and is classified again: lib/net must
 * accept what it sends (checksums valid) and parse back exactly the fields written, with the
 * flow key reversed (a frame we send has the peer as its destination). Checksums are also
 * checked with the tests' own reference sum, and the offload sums against DPDK's.
 *
 * Round-trip tests run in several variants, named test/variant: IPv4 and IPv6, with and without
 * an 802.1Q tag, and for replies a received frame with no options and no payload ("bare", so
 * the reply's header grows) or with 40 option bytes and a payload ("long", so it shrinks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "frames.h"

/* Sequence numbers next to the wrap, so that no field's sign or carry goes unnoticed. */
#define LOCAL_SEQ  0xfffffff0u
#define REMOTE_SEQ 0xfffffffeu

#define ALL_OPTS (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS)

/* A segment template: fields overridden per test. */
#define WR(...)                                                                                    \
	((struct sf_tcp_wr){ .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .wnd = 0xfe01,                \
			     .flags = SF_TCP_ACK, .mss = 1380, .wscale = 9, .ts_val = 0x8badf00du,   \
			     .ts_ecr = 0x01020304u, __VA_ARGS__ })

struct variant {
	bool v6;
	bool vlan;
	bool rx_long; /* replies: the received frame has 40 option bytes and a payload */
};

static struct variant ip4_bare = { false, false, false }, ip4_long = { false, false, true },
		      ip4_vlan_bare = { false, true, false }, ip4_vlan_long = { false, true, true },
		      ip6_bare = { true, false, false }, ip6_long = { true, false, true },
		      ip6_vlan_bare = { true, true, false }, ip6_vlan_long = { true, true, true };

/* The longest option list a segment can have: NOP NOP TS, NOP NOP SACK with 3 blocks (40 B). */
static const uint8_t RX_LONG_OPTS[40] = {
	1, 1, 8, 10, 0, 0, 0x77, 0x77, 0, 0, 0x66, 0x66,
	1, 1, 5, 26, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6,
};

static struct frame f;
static struct sf_pkt rx_pkt;
static struct sf_flow_key rx_key;
static uint8_t body[FRAME_ROOM];

/* ---- helpers ---- */

static const struct variant *variant_of(void **state)
{
	return *state;
}

/* Build and classify the frame the peer sent; rx_key then has local = us. */
static void receive(const struct variant *v)
{
	if (v->rx_long)
		build_tcp(&f, v->v6, v->vlan,
			  &TCP_SPEC(.flags = SF_TCP_ACK | SF_TCP_PSH, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ,
				    .opts = RX_LONG_OPTS, .opts_len = sizeof(RX_LONG_OPTS),
				    .payload_len = 37));
	else
		build_tcp(&f, v->v6, v->vlan, &TCP_SPEC(.seq = REMOTE_SEQ));
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &rx_pkt, NULL, &rx_key), SF_DROP_NONE);
	assert_int_equal(rx_pkt.kind, v->v6 ? SF_PKT_TCP6 : SF_PKT_TCP4);
}

/* Our side of a connection with the peer of frames.h. */
static struct sf_flow_key our_key(bool v6)
{
	struct sf_flow_key k = { 0 };

	if (v6) {
		memcpy(k.laddr, IP6_US, 16);
		memcpy(k.raddr, IP6_PEER, 16);
		k.family = SF_AF_INET6;
	} else {
		memcpy(k.laddr, IP4_US, 4);
		memcpy(k.raddr, IP4_PEER, 4);
		k.family = SF_AF_INET;
	}
	put16((uint8_t *)&k.lport, PORT_US);
	put16((uint8_t *)&k.rport, PORT_PEER);
	return k;
}

static struct sf_flow_key reversed(const struct sf_flow_key *k)
{
	struct sf_flow_key r = *k;

	memcpy(r.laddr, k->raddr, 16);
	memcpy(r.raddr, k->laddr, 16);
	r.lport = k->rport;
	r.rport = k->lport;
	return r;
}

/* A response body of @n bytes, different from any received payload; returns its partial sum. */
static uint32_t make_body(uint16_t n)
{
	for (uint32_t i = 0; i < n; i++)
		body[i] = (uint8_t)(0xb0 + 7 * i);
	return sf_csum_partial(body, n, 0);
}

/* The options RFC 9293 3.7.1, RFC 7323 2.2 and RFC 2018 2 allow on this segment. */
static uint8_t expected_opts(const struct sf_tcp_wr *w)
{
	uint8_t allowed = (w->flags & SF_TCP_SYN) ? ALL_OPTS : SF_OPT_TS;

	return w->opts & allowed;
}

/* Option bytes by the documented layout, counted independently of lib/net. */
static uint32_t expected_opts_len(uint8_t o)
{
	uint32_t n = 0;

	if (o & SF_OPT_MSS)
		n += 4;
	if (o & SF_OPT_TS)
		n += 12;
	else if (o & SF_OPT_SACK_PERM)
		n += 4;
	if (o & SF_OPT_WSCALE)
		n += 4;
	return n;
}

/*
 * Append the body after the header that ends at @hdr_end, classify the frame and check it is
 * segment @w of connection @k (local = us) going to the peer: accepted, fields and options as
 * written, key reversed, Ethernet and tag as expected, checksums valid by the reference sum.
 */
static void assert_sent(const uint8_t *frame_in, uint32_t hdr_end, const struct sf_tcp_wr *w,
			const struct sf_flow_key *k, bool vlan)
{
	static uint8_t frame[FRAME_ROOM];
	uint32_t len = hdr_end + w->payload_len;
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key, want_key = reversed(k);
	uint8_t present = expected_opts(w);
	bool v6 = k->family == SF_AF_INET6;
	uint32_t l3 = vlan ? 18 : 14;
	uint32_t l4 = l3 + (v6 ? 40 : 20);

	assert_true(len <= sizeof(frame));
	memcpy(frame, frame_in, hdr_end);
	memcpy(frame + hdr_end, body, w->payload_len);
	assert_int_equal(sf_net_classify(frame, len, NULL, &pkt, &seg, &key), SF_DROP_NONE);
	assert_int_equal(pkt.kind, v6 ? SF_PKT_TCP6 : SF_PKT_TCP4);
	assert_int_equal(hdr_end, l4 + SF_TCP_HLEN + expected_opts_len(present));
	assert_int_equal(pkt.l3_end, len);
	assert_int_equal(pkt.payload_off, hdr_end);

	assert_memory_equal(frame, MAC_PEER.b, 6);
	assert_memory_equal(frame + 6, MAC_US.b, 6);
	assert_int_equal(pkt.has_vlan, vlan);
	if (vlan)
		assert_int_equal(pkt.vlan_tci, VLAN_TCI);
	assert_memory_equal(&key, &want_key, sizeof(key));

	assert_int_equal(seg.seq, w->seq);
	assert_int_equal(seg.ack, w->ack);
	assert_int_equal(seg.wnd, w->wnd);
	assert_int_equal(seg.flags, w->flags);
	assert_int_equal(seg.payload_len, w->payload_len);
	assert_memory_equal(seg.payload, body, w->payload_len);
	assert_int_equal(get16(frame + l4 + SF_TCP_OFF_URP), 0);
	assert_int_equal(frame[l4 + SF_TCP_OFF_DOFF] & 0x0f, 0); /* reserved bits */

	assert_int_equal(seg.opts.present, present);
	assert_int_equal(seg.opts.unknown, 0);
	assert_int_equal(seg.opts.sack_blocks, 0);
	if (present & SF_OPT_MSS)
		assert_int_equal(seg.opts.mss, w->mss);
	if (present & SF_OPT_WSCALE)
		assert_int_equal(seg.opts.wscale, w->wscale);
	if (present & SF_OPT_TS) {
		assert_int_equal(seg.opts.ts_val, w->ts_val);
		assert_int_equal(seg.opts.ts_ecr, w->ts_ecr);
	}

	if (v6) {
		assert_true(ref_csum_ok(frame + l4, len - l4,
					ref_pseudo6(frame + l3, len - l4, SF_IPPROTO_TCP)));
	} else {
		assert_true(ref_csum_ok(frame + l3, 20, 0));
		assert_true(ref_csum_ok(frame + l4, len - l4,
					ref_pseudo4(frame + l3, len - l4, SF_IPPROTO_TCP)));
	}
}

/* Receive per the variant, reply with @w and its body, check the result. */
static void reply_round_trip(void **state, struct sf_tcp_wr w)
{
	const struct variant *v = variant_of(state);
	uint32_t psum, end;

	receive(v);
	psum = make_body(w.payload_len);
	end = sf_net_tcp_reply(f.b, &rx_pkt, &w, psum, 0);
	assert_int_equal(end, rx_pkt.l4_off + sf_net_tcp_hdr_len(&w));
	assert_sent(f.b, end, &w, &rx_key, v->vlan);
}

/* Build @w from scratch for the variant's key in a buffer of stale bytes, check the result. */
static void build_round_trip(void **state, struct sf_tcp_wr w)
{
	const struct variant *v = variant_of(state);
	struct sf_flow_key k = our_key(v->v6);
	uint32_t psum = make_body(w.payload_len);
	uint32_t end;

	memset(f.b, 0x5a, sizeof(f.b));
	end = sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, v->vlan ? VLAN_TCI : 0, &w,
			       psum, 0);
	assert_int_equal(end, (v->vlan ? 18u : 14u) + (v->v6 ? 40u : 20u) + sf_net_tcp_hdr_len(&w));
	assert_sent(f.b, end, &w, &k, v->vlan);
}

/* ---- the segments a connection sends, each as a reply and built from scratch ---- */

#define SYN_ACK(...) WR(.flags = SF_TCP_SYN | SF_TCP_ACK, .ack = REMOTE_SEQ + 1, __VA_ARGS__)

#define SEGMENT_TESTS(X)                                                                           \
	X(syn_ack_without_options, SYN_ACK(.opts = 0))                                             \
	X(syn_ack_with_mss_only, SYN_ACK(.opts = SF_OPT_MSS))                                      \
	X(syn_ack_with_all_four_options, SYN_ACK(.opts = ALL_OPTS))                                \
	X(syn_ack_without_sack_permitted, SYN_ACK(.opts = ALL_OPTS & ~SF_OPT_SACK_PERM))           \
	X(syn_ack_without_timestamps, SYN_ACK(.opts = ALL_OPTS & ~SF_OPT_TS))                      \
	X(syn_ack_without_window_scale, SYN_ACK(.opts = ALL_OPTS & ~SF_OPT_WSCALE))                \
	X(syn_with_all_four_options, WR(.flags = SF_TCP_SYN, .ack = 0, .opts = ALL_OPTS))          \
	X(ack_with_timestamps, WR(.opts = SF_OPT_TS))                                              \
	X(rst_ack_without_options, WR(.flags = SF_TCP_RST | SF_TCP_ACK, .wnd = 0, .opts = 0))      \
	X(fin_ack_with_timestamps, WR(.flags = SF_TCP_FIN | SF_TCP_ACK, .opts = SF_OPT_TS))        \
	X(data_with_timestamps_and_odd_length, WR(.flags = SF_TCP_ACK | SF_TCP_PSH,                \
						  .opts = SF_OPT_TS, .payload_len = 333))          \
	X(data_without_options_one_byte, WR(.flags = SF_TCP_ACK | SF_TCP_PSH, .payload_len = 1))

#define DEFINE_SEGMENT_TESTS(name, seg)                                                            \
	static void reply_##name(void **state)                                                     \
	{                                                                                          \
		reply_round_trip(state, seg);                                                      \
	}                                                                                          \
	static void build_##name(void **state)                                                     \
	{                                                                                          \
		build_round_trip(state, seg);                                                      \
	}
SEGMENT_TESTS(DEFINE_SEGMENT_TESTS)

/* ---- option layout, byte by byte ---- */

/* The TCP options a built IPv4 untagged segment carries. */
static const uint8_t *built_opts(struct sf_tcp_wr w, uint32_t *len)
{
	struct sf_flow_key k = our_key(false);
	uint32_t end;

	memset(f.b, 0x5a, sizeof(f.b));
	end = sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, 0, &w, 0, 0);
	assert_int_not_equal(end, 0);
	*len = end - (14 + 20 + 20);
	return f.b + 14 + 20 + 20;
}

/* RFC 7323 Appendix A, RFC 2018 2: MSS, SACK-permitted + timestamps, NOP window scale (Linux's) */
static void syn_ack_options_are_mss_sackperm_ts_nop_ws(void **state)
{
	static const uint8_t want[20] = {
		2, 4, 0x05, 0x64, 4, 2, 8, 10, 0x8b, 0xad, 0xf0, 0x0d, 1, 2, 3, 4, 1, 3, 3, 9,
	};
	uint32_t len;
	const uint8_t *o = built_opts(SYN_ACK(.opts = ALL_OPTS), &len);

	(void)state;
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* RFC 7323 Appendix A: timestamps alone are aligned by two NOPs */
static void timestamps_without_sack_permitted_follow_two_nops(void **state)
{
	static const uint8_t want[16] = {
		2, 4, 0x05, 0x64, 1, 1, 8, 10, 0x8b, 0xad, 0xf0, 0x0d, 1, 2, 3, 4,
	};
	uint32_t len;
	const uint8_t *o = built_opts(SYN_ACK(.opts = SF_OPT_MSS | SF_OPT_TS), &len);

	(void)state;
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* RFC 2018 2: SACK-permitted without timestamps gets a word of its own, after two NOPs */
static void sack_permitted_without_timestamps_follows_two_nops(void **state)
{
	static const uint8_t want[12] = { 2, 4, 0x05, 0x64, 1, 1, 4, 2, 1, 3, 3, 9 };
	uint32_t len;
	const uint8_t *o = built_opts(SYN_ACK(.opts = ALL_OPTS & ~SF_OPT_TS), &len);

	(void)state;
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* RFC 7323 2.2: window scale alone is one NOP and the option */
static void window_scale_alone_is_nop_ws(void **state)
{
	static const uint8_t want[4] = { 1, 3, 3, 14 };
	uint32_t len;
	const uint8_t *o = built_opts(SYN_ACK(.opts = SF_OPT_WSCALE, .wscale = 14), &len);

	(void)state;
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* RFC 7323 Appendix A: NOP NOP timestamps, the layout of every later segment */
static void ack_options_are_nop_nop_timestamps(void **state)
{
	static const uint8_t want[12] = { 1, 1, 8, 10, 0x8b, 0xad, 0xf0, 0x0d, 1, 2, 3, 4 };
	uint32_t len;
	const uint8_t *o = built_opts(WR(.opts = SF_OPT_TS), &len);

	(void)state;
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* RFC 9293 3.7.1, RFC 7323 2.2, RFC 2018 2: MSS, window scale, SACK-permitted only on a SYN */
static void ack_drops_syn_only_options(void **state)
{
	static const uint8_t want[12] = { 1, 1, 8, 10, 0x8b, 0xad, 0xf0, 0x0d, 1, 2, 3, 4 };
	uint32_t len;
	struct sf_tcp_wr w = WR(.opts = ALL_OPTS);
	const uint8_t *o = built_opts(w, &len);

	(void)state;
	assert_int_equal(sf_net_tcp_hdr_len(&w), 32);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(o, want, sizeof(want));
}

/* SACK blocks have no place in the descriptor: the bit writes nothing */
static void sack_blocks_bit_writes_nothing(void **state)
{
	uint32_t len;
	struct sf_tcp_wr w = WR(.opts = SF_OPT_SACK);

	(void)state;
	built_opts(w, &len);
	assert_int_equal(len, 0);
	assert_int_equal(sf_net_tcp_hdr_len(&w), 20);
}

/* For all 32 option sets on a SYN and on an ACK: hdr_len predicts what the reply writes, a
 * multiple of 4, and the result parses back to the options that segment may carry */
static void hdr_len_matches_the_written_header_for_every_option_set(void **state)
{
	static const uint8_t flags[2] = { SF_TCP_SYN | SF_TCP_ACK, SF_TCP_ACK };

	(void)state;
	for (unsigned int fl = 0; fl < 2; fl++) {
		for (unsigned int o = 0; o < 32; o++) {
			struct sf_tcp_wr w = WR(.flags = flags[fl], .opts = (uint8_t)o);
			uint32_t hl = sf_net_tcp_hdr_len(&w);

			receive(&ip4_long);
			assert_int_equal(hl % 4, 0);
			assert_int_equal(sf_net_tcp_reply(f.b, &rx_pkt, &w, 0, 0), rx_pkt.l4_off + hl);
			assert_sent(f.b, rx_pkt.l4_off + hl, &w, &rx_key, false);
		}
	}
}

/* ---- IP headers: a fresh datagram of ours, not the peer's ---- */

/* RFC 791, RFC 6864 4.1 (atomic datagram, ID 0), RFC 1122 3.2.1.7 (TTL), RFC 3168 6.1.1 (ECN) */
static void reply_ip4_header_is_a_fresh_atomic_datagram(void **state)
{
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 10);
	const uint8_t *ip;

	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK));
	f.b[f.l3 + 1] = 0xbb; /* DSCP 46, ECN CE */
	fr_fix(&f);
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &rx_pkt, NULL, &rx_key), SF_DROP_NONE);
	sf_net_tcp_reply(f.b, &rx_pkt, &w, make_body(10), 0);
	ip = f.b + rx_pkt.l3_off;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);
	assert_int_equal(get16(ip + 2), 20 + 32 + 10);
	assert_int_equal(get16(ip + 4), 0);      /* identification */
	assert_int_equal(get16(ip + 6), 0x4000); /* DF, offset 0 */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], SF_IPPROTO_TCP);
	assert_true(ref_csum_ok(ip, 20, 0));
}

/* RFC 8200 3: traffic class and flow label cleared, payload length, hop limit 64 */
static void reply_ip6_header_clears_traffic_class_and_flow_label(void **state)
{
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 10);
	const uint8_t *ip;

	(void)state;
	build_tcp(&f, true, false, &TCP_SPEC(.flags = SF_TCP_ACK));
	put32(f.b + f.l3, 0x6bb12345); /* traffic class 0xbb, flow label 0x12345 */
	f.b[f.l3 + 7] = 255;
	fr_fix(&f);
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &rx_pkt, NULL, &rx_key), SF_DROP_NONE);
	sf_net_tcp_reply(f.b, &rx_pkt, &w, make_body(10), 0);
	ip = f.b + rx_pkt.l3_off;
	assert_int_equal(get32(ip), 0x60000000u);
	assert_int_equal(get16(ip + 4), 32 + 10);
	assert_int_equal(ip[6], SF_IPPROTO_TCP);
	assert_int_equal(ip[7], 64);
}

/* The build writes the same fresh IPv4 header: nothing of the buffer's stale bytes survives */
static void build_ip4_header_is_a_fresh_atomic_datagram(void **state)
{
	struct sf_flow_key k = our_key(false);
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS);
	const uint8_t *ip = f.b + 14;

	(void)state;
	memset(f.b, 0xff, sizeof(f.b));
	assert_int_equal(sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, 0, &w, 0, 0),
			 14 + 20 + 32);
	assert_int_equal(get16(f.b + 12), SF_ETHERTYPE_IP4);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);
	assert_int_equal(get32(ip + 4), 0x00004000u);
	assert_int_equal(ip[8], 64);
	assert_int_equal(get16(ip + 2), 20 + 32);
}

/* ---- what is written and what is not ---- */

/* The reply writes up to the end of its header and leaves the rest of the buffer alone */
static void reply_writes_nothing_past_the_header(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 100);
	struct frame before;
	uint32_t end;

	receive(v);
	before = f;
	end = sf_net_tcp_reply(f.b, &rx_pkt, &w, make_body(100), 0);
	assert_memory_equal(f.b + end, before.b + end, sizeof(f.b) - end);
}

/* A received frame's Ethernet padding plays no part in the reply */
static void reply_to_a_padded_frame_ignores_the_padding(void **state)
{
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS);
	uint32_t end;

	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK));
	fr_pad(&f, 6, 0xa5); /* 54 bytes on a 60-byte minimum frame */
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &rx_pkt, NULL, &rx_key), SF_DROP_NONE);
	end = sf_net_tcp_reply(f.b, &rx_pkt, &w, 0, 0);
	assert_int_equal(end, 14 + 20 + 32);
	assert_sent(f.b, end, &w, &rx_key, false);
}

/* The build writes exactly the header it returns */
static void build_writes_nothing_past_the_header(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_flow_key k = our_key(v->v6);
	struct sf_tcp_wr w = SYN_ACK(.opts = ALL_OPTS);
	uint32_t end;

	memset(f.b, 0x5a, sizeof(f.b));
	end = sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, v->vlan ? VLAN_TCI : 0, &w,
			       0, 0);
	assert_int_not_equal(end, 0);
	for (uint32_t i = end; i < sizeof(f.b); i++)
		assert_int_equal(f.b[i], 0x5a);
}

/* A header one byte longer than the room is not written at all */
static void build_room_too_small_returns_0_and_writes_nothing(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_flow_key k = our_key(v->v6);
	struct sf_tcp_wr w = SYN_ACK(.opts = ALL_OPTS);
	uint32_t need = (v->vlan ? 18u : 14u) + (v->v6 ? 40u : 20u) + 40u;

	memset(f.b, 0x5a, sizeof(f.b));
	assert_int_equal(sf_net_tcp_build(f.b, need - 1, &k, &MAC_US, &MAC_PEER,
					  v->vlan ? VLAN_TCI : 0, &w, 0, 0), 0);
	for (uint32_t i = 0; i < sizeof(f.b); i++)
		assert_int_equal(f.b[i], 0x5a);
}

/* Room for exactly the header is enough */
static void build_room_exactly_the_header_fits(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_flow_key k = our_key(v->v6);
	struct sf_tcp_wr w = SYN_ACK(.opts = ALL_OPTS);
	uint32_t need = (v->vlan ? 18u : 14u) + (v->v6 ? 40u : 20u) + 40u;

	assert_int_equal(sf_net_tcp_build(f.b, need, &k, &MAC_US, &MAC_PEER, v->vlan ? VLAN_TCI : 0,
					  &w, 0, 0), need);
	assert_sent(f.b, need, &w, &k, v->vlan);
}

/* A key of no known family gets no frame */
static void build_unknown_family_returns_0(void **state)
{
	struct sf_flow_key k = our_key(false);
	struct sf_tcp_wr w = WR(.opts = 0);

	(void)state;
	k.family = 0;
	assert_int_equal(sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, 0, &w, 0, 0), 0);
}

/* TCI 0 means untagged: the EtherType follows the addresses */
static void build_tci_0_is_untagged(void **state)
{
	struct sf_flow_key k = our_key(true);
	struct sf_tcp_wr w = WR(.opts = 0);

	(void)state;
	assert_int_equal(sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, 0, &w, 0, 0),
			 14 + 40 + 20);
	assert_int_equal(get16(f.b + 12), SF_ETHERTYPE_IP6);
}

/* ---- checksum offload ---- */

/* What the port does for RTE_MBUF_F_TX_TCP_CKSUM: sum the segment, pseudo-header sum included
 * in the field, and store the complement. And for RTE_MBUF_F_TX_IP_CKSUM: sum the header. */
static void port_finishes_checksums(uint8_t *frame, uint32_t l3, uint32_t l4, uint32_t len, bool v6)
{
	uint8_t *t = frame + l4;

	put16(t + SF_TCP_OFF_CSUM, (uint16_t)~ref_fold(ref_sum(t, len - l4, 0)));
	if (!v6 && get16(frame + l3 + SF_IP4_OFF_CSUM) == 0)
		put16(frame + l3 + SF_IP4_OFF_CSUM, (uint16_t)~ref_fold(ref_sum(frame + l3, 20, 0)));
}

/* Reply with offload flags @csum; returns the header end. */
static uint32_t reply_offloaded(const struct variant *v, struct sf_tcp_wr *w, unsigned int csum)
{
	uint32_t end;

	receive(v);
	end = sf_net_tcp_reply(f.b, &rx_pkt, w, make_body(w->payload_len), csum);
	memcpy(f.b + end, body, w->payload_len);
	return end;
}

/* The field holds the folded pseudo-header sum, as rte_ipv4/ipv6_phdr_cksum() computes it */
static void reply_tcp_offload_writes_the_pseudo_header_sum(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 333);
	const uint8_t *ip, *t;
	uint16_t field, want;

	reply_offloaded(v, &w, SF_NET_TX_CSUM_TCP);
	ip = f.b + rx_pkt.l3_off;
	t = f.b + rx_pkt.l4_off;
	memcpy(&field, t + SF_TCP_OFF_CSUM, 2);
	if (v->v6)
		want = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)ip, 0);
	else
		want = rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)ip, 0);
	assert_int_equal(field, want);
	if (!v->v6)
		assert_true(ref_csum_ok(ip, 20, 0)); /* the IPv4 header is still summed */
}

/* Finishing the offloaded sum in software, as the port would, gives a valid segment */
static void reply_tcp_offload_finished_by_the_port_is_valid(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 333);
	uint32_t end = reply_offloaded(v, &w, SF_NET_TX_CSUM_TCP);
	uint32_t len = end + w.payload_len;
	struct sf_pkt pkt;

	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_TCP_CSUM);
	port_finishes_checksums(f.b, rx_pkt.l3_off, rx_pkt.l4_off, len, v->v6);
	assert_sent(f.b, end, &w, &rx_key, v->vlan);
}

/* The IPv4 header checksum left to the port is 0, the TCP checksum still complete */
static void reply_ip4_offload_leaves_header_checksum_0(void **state)
{
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 20);
	const uint8_t *ip;
	uint32_t len;

	(void)state;
	len = reply_offloaded(&ip4_bare, &w, SF_NET_TX_CSUM_IP4) + w.payload_len;
	ip = f.b + rx_pkt.l3_off;
	assert_int_equal(get16(ip + SF_IP4_OFF_CSUM), 0);
	assert_true(ref_csum_ok(f.b + rx_pkt.l4_off, len - rx_pkt.l4_off,
				ref_pseudo4(ip, len - rx_pkt.l4_off, SF_IPPROTO_TCP)));
}

/* Both checksums left to the port: both finished in software give a valid segment */
static void reply_both_offloads_finished_by_the_port_are_valid(void **state)
{
	struct sf_tcp_wr w = SYN_ACK(.opts = ALL_OPTS);
	uint32_t end;
	uint16_t want;

	(void)state;
	end = reply_offloaded(&ip4_vlan_long, &w, SF_NET_TX_CSUM_IP4 | SF_NET_TX_CSUM_TCP);
	want = rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)(f.b + rx_pkt.l3_off), 0);
	assert_int_equal(get16(f.b + rx_pkt.l3_off + SF_IP4_OFF_CSUM), 0);
	assert_memory_equal(f.b + rx_pkt.l4_off + SF_TCP_OFF_CSUM, &want, 2);
	port_finishes_checksums(f.b, rx_pkt.l3_off, rx_pkt.l4_off, end, false);
	assert_sent(f.b, end, &w, &rx_key, true);
}

/* IPv6 has no header checksum: SF_NET_TX_CSUM_IP4 changes nothing there */
static void ip4_offload_flag_changes_nothing_for_ip6(void **state)
{
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 50);
	struct frame plain;
	uint32_t end;

	(void)state;
	end = reply_offloaded(&ip6_bare, &w, 0);
	plain = f;
	assert_int_equal(reply_offloaded(&ip6_bare, &w, SF_NET_TX_CSUM_IP4), end);
	assert_memory_equal(f.b, plain.b, end);
}

/* A segment built from scratch with the TCP checksum offloaded: pseudo-header sum, then valid */
static void build_tcp_offload_writes_the_pseudo_header_sum(void **state)
{
	const struct variant *v = variant_of(state);
	struct sf_flow_key k = our_key(v->v6);
	struct sf_tcp_wr w = WR(.opts = SF_OPT_TS, .payload_len = 333);
	uint32_t l3 = v->vlan ? 18 : 14, l4 = l3 + (v->v6 ? 40 : 20);
	uint32_t end;
	uint16_t field, want;

	end = sf_net_tcp_build(f.b, sizeof(f.b), &k, &MAC_US, &MAC_PEER, v->vlan ? VLAN_TCI : 0, &w,
			       make_body(w.payload_len), SF_NET_TX_CSUM_TCP);
	memcpy(&field, f.b + l4 + SF_TCP_OFF_CSUM, 2);
	if (v->v6)
		want = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)(f.b + l3), 0);
	else
		want = rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)(f.b + l3), 0);
	assert_int_equal(field, want);
	memcpy(f.b + end, body, w.payload_len);
	port_finishes_checksums(f.b, l3, l4, end + w.payload_len, v->v6);
	assert_sent(f.b, end, &w, &k, v->vlan);
}

/*
 * Random segments with random bodies: every carry the checksum folds can meet, against the
 * reference sum in assert_sent. The body sum comes in as the caller computes it.
 */
static void random_segments_have_valid_checksums(void **state)
{
	const struct variant *v = variant_of(state);
	uint64_t seed = 0xc5c5, rng = seed;

	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (int n = 0; n < 3000; n++) {
		uint64_t r = rng_next(&rng), r2 = rng_next(&rng);
		struct sf_tcp_wr w = {
			.seq = (uint32_t)r, .ack = (uint32_t)(r >> 32), .wnd = (uint16_t)r2,
			.flags = (uint8_t)(r2 >> 16), .opts = (uint8_t)(r2 >> 24) & ALL_OPTS,
			.mss = (uint16_t)(r2 >> 32), .wscale = (uint8_t)(r2 >> 48) % 15,
			.ts_val = (uint32_t)rng_next(&rng), .ts_ecr = (uint32_t)rng_next(&rng),
			/* even lengths only: the body chains after the header (sf_net.h, partial sums) */
			.payload_len = (uint16_t)(rng_next(&rng) % 200) & ~1u,
		};
		uint32_t psum, end;

		for (uint32_t i = 0; i < w.payload_len; i++)
			body[i] = (uint8_t)(n & 1 ? 0xff : rng_next(&rng));
		psum = sf_csum_partial(body, w.payload_len, 0);
		receive(v);
		end = sf_net_tcp_reply(f.b, &rx_pkt, &w, psum, 0);
		assert_sent(f.b, end, &w, &rx_key, v->vlan);
	}
}

/* ---- the test list: round trips in every variant ---- */

#define T(fn, var) { .name = #fn "/" #var, .test_func = fn, .initial_state = &var }
#define BUILD_VARIANTS(fn) T(fn, ip4_bare), T(fn, ip4_vlan_bare), T(fn, ip6_bare), T(fn, ip6_vlan_bare)
#define REPLY_VARIANTS(fn)                                                                         \
	T(fn, ip4_bare), T(fn, ip4_long), T(fn, ip4_vlan_bare), T(fn, ip4_vlan_long),              \
		T(fn, ip6_bare), T(fn, ip6_long), T(fn, ip6_vlan_bare), T(fn, ip6_vlan_long)
#define LIST_REPLY(name, seg) REPLY_VARIANTS(reply_##name),
#define LIST_BUILD(name, seg) BUILD_VARIANTS(build_##name),

int main(void)
{
	const struct CMUnitTest tests[] = {
		SEGMENT_TESTS(LIST_REPLY)
		SEGMENT_TESTS(LIST_BUILD)
		cmocka_unit_test(syn_ack_options_are_mss_sackperm_ts_nop_ws),
		cmocka_unit_test(timestamps_without_sack_permitted_follow_two_nops),
		cmocka_unit_test(sack_permitted_without_timestamps_follows_two_nops),
		cmocka_unit_test(window_scale_alone_is_nop_ws),
		cmocka_unit_test(ack_options_are_nop_nop_timestamps),
		cmocka_unit_test(ack_drops_syn_only_options),
		cmocka_unit_test(sack_blocks_bit_writes_nothing),
		cmocka_unit_test(hdr_len_matches_the_written_header_for_every_option_set),
		cmocka_unit_test(reply_ip4_header_is_a_fresh_atomic_datagram),
		cmocka_unit_test(reply_ip6_header_clears_traffic_class_and_flow_label),
		cmocka_unit_test(build_ip4_header_is_a_fresh_atomic_datagram),
		REPLY_VARIANTS(reply_writes_nothing_past_the_header),
		cmocka_unit_test(reply_to_a_padded_frame_ignores_the_padding),
		BUILD_VARIANTS(build_writes_nothing_past_the_header),
		BUILD_VARIANTS(build_room_too_small_returns_0_and_writes_nothing),
		BUILD_VARIANTS(build_room_exactly_the_header_fits),
		cmocka_unit_test(build_unknown_family_returns_0),
		cmocka_unit_test(build_tci_0_is_untagged),
		REPLY_VARIANTS(reply_tcp_offload_writes_the_pseudo_header_sum),
		REPLY_VARIANTS(reply_tcp_offload_finished_by_the_port_is_valid),
		cmocka_unit_test(reply_ip4_offload_leaves_header_checksum_0),
		cmocka_unit_test(reply_both_offloads_finished_by_the_port_are_valid),
		cmocka_unit_test(ip4_offload_flag_changes_nothing_for_ip6),
		BUILD_VARIANTS(build_tcp_offload_writes_the_pseudo_header_sum),
		REPLY_VARIANTS(random_segments_have_valid_checksums),
	};

	return cmocka_run_group_tests_name("net_tcp_write", tests, NULL, NULL);
}

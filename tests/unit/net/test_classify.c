/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sf_net_classify() on valid frames: what each kind is classified as and which offsets,
 * segment fields and flow key come out. Drops are in test_drop.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "frames.h"

static struct frame f;
static struct sf_pkt pkt;
static struct sf_tcp_seg seg;
static struct sf_flow_key key;

static enum sf_drop_reason classify(const struct sf_rx_csum *hw)
{
	memset(&seg, 0xee, sizeof(seg));
	memset(&key, 0xee, sizeof(key));
	return sf_net_classify(f.b, f.len, hw, &pkt, &seg, &key);
}

static void expect_ok(enum sf_pkt_kind kind)
{
	assert_int_equal(classify(NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, kind);
	assert_int_equal(pkt.l3_off, f.l3);
	assert_int_equal(pkt.l3_end, f.l3_end);
}

/* ---- ARP ---- */

static void arp_request_is_arp(void **state)
{
	(void)state;
	build_arp(&f, 1, false);
	expect_ok(SF_PKT_ARP);
	assert_int_equal(pkt.l3_off, 14);
	assert_int_equal(pkt.l3_end, 14 + 28);
	assert_false(pkt.has_vlan);
}

static void arp_reply_is_arp(void **state)
{
	(void)state;
	build_arp(&f, 2, false);
	expect_ok(SF_PKT_ARP);
}

static void arp_is_request_tells_request_from_reply(void **state)
{
	(void)state;
	build_arp(&f, 1, true);
	expect_ok(SF_PKT_ARP);
	assert_true(sf_net_arp_is_request(f.b, &pkt));
	build_arp(&f, 2, false);
	expect_ok(SF_PKT_ARP);
	assert_false(sf_net_arp_is_request(f.b, &pkt));
}

static void arp_request_with_vlan_reports_tci(void **state)
{
	(void)state;
	build_arp(&f, 1, true);
	expect_ok(SF_PKT_ARP);
	assert_true(pkt.has_vlan);
	assert_int_equal(pkt.vlan_tci, VLAN_TCI);
	assert_int_equal(pkt.l3_off, 18);
}

static void arp_target_reads_target_protocol_address(void **state)
{
	uint32_t tpa;

	(void)state;
	build_arp(&f, 1, true);
	expect_ok(SF_PKT_ARP);
	tpa = sf_net_arp_target(f.b, &pkt);
	assert_memory_equal(&tpa, IP4_US, 4);
}

/* ---- ICMP ---- */

static void icmp4_echo_request_is_icmp4_echo(void **state)
{
	(void)state;
	build_icmp4_echo(&f, 56, false);
	expect_ok(SF_PKT_ICMP4_ECHO);
	assert_int_equal(pkt.l4_off, 34);
	assert_int_equal(pkt.l4_len, 64);
	assert_int_equal(pkt.payload_off, 34 + 8);
}

static void icmp4_echo_odd_length_with_vlan_is_icmp4_echo(void **state)
{
	(void)state;
	build_icmp4_echo(&f, 13, true);
	expect_ok(SF_PKT_ICMP4_ECHO);
	assert_int_equal(pkt.l4_len, 21);
	assert_true(pkt.has_vlan);
}

static void icmp4_echo_ignores_ethernet_padding(void **state)
{
	(void)state;
	build_icmp4_echo(&f, 0, false);
	fr_pad(&f, 60 - f.len, 0xff); /* nonzero padding would break a sum over the frame length */
	expect_ok(SF_PKT_ICMP4_ECHO);
	assert_int_equal(pkt.l4_len, 8);
}

static void ip4_dst_reads_destination_address(void **state)
{
	uint32_t dst;

	(void)state;
	build_icmp4_echo(&f, 4, true);
	expect_ok(SF_PKT_ICMP4_ECHO);
	dst = sf_net_ip4_dst(f.b, &pkt);
	assert_memory_equal(&dst, IP4_US, 4);
}

static void icmp6_echo_request_is_icmp6_echo(void **state)
{
	(void)state;
	build_icmp6_echo(&f, 56, false);
	expect_ok(SF_PKT_ICMP6_ECHO);
	assert_int_equal(pkt.l4_off, 54);
	assert_int_equal(pkt.l4_len, 64);
	assert_int_equal(pkt.payload_off, 54 + 8);
}

static void ip6_dst_reads_destination_address(void **state)
{
	(void)state;
	build_icmp6_echo(&f, 56, true);
	expect_ok(SF_PKT_ICMP6_ECHO);
	assert_memory_equal(sf_net_ip6_dst(f.b, &pkt), IP6_US, 16);
}

/* ---- neighbour discovery ---- */

static void ns_with_slla_is_ns(void **state)
{
	(void)state;
	build_ns(&f, true, false, false);
	expect_ok(SF_PKT_ND_NS);
	assert_int_equal(pkt.l4_len, 32);
	assert_int_equal(pkt.payload_off, pkt.l4_off + 24);
}

static void ns_without_slla_is_ns(void **state)
{
	(void)state;
	build_ns(&f, false, false, false);
	expect_ok(SF_PKT_ND_NS);
	assert_int_equal(pkt.l4_len, 24);
}

static void ns_with_vlan_is_ns(void **state)
{
	(void)state;
	build_ns(&f, true, false, true);
	expect_ok(SF_PKT_ND_NS);
	assert_true(pkt.has_vlan);
}

/* RFC 4861 7.1.1: from :: to the solicited-node group without SLLA is a valid DAD probe */
static void dad_ns_is_ns(void **state)
{
	(void)state;
	build_ns(&f, false, true, false);
	expect_ok(SF_PKT_ND_NS);
}

static void ns_with_unknown_option_is_ns(void **state)
{
	static const uint8_t nonce[8] = { 14, 1, 1, 2, 3, 4, 5, 6 }; /* RFC 3971 nonce */

	(void)state;
	build_ns(&f, true, false, false);
	fr_put(&f, nonce, sizeof(nonce));
	fr_finish(&f);
	expect_ok(SF_PKT_ND_NS);
}

static void ns_target_reads_target_address(void **state)
{
	(void)state;
	build_ns(&f, true, false, true);
	expect_ok(SF_PKT_ND_NS);
	assert_memory_equal(sf_net_ns_target(f.b, &pkt), IP6_US, 16);
}

static void na_is_na(void **state)
{
	(void)state;
	build_na(&f, SF_ND_NA_SOLICITED | SF_ND_NA_OVERRIDE);
	expect_ok(SF_PKT_ND_NA);
	assert_memory_equal(sf_net_ns_target(f.b, &pkt), IP6_PEER, 16);
}

/* RFC 4861 7.1.2: an unsolicited NA to all-nodes (S clear) is valid */
static void unsolicited_na_to_all_nodes_is_na(void **state)
{
	(void)state;
	build_na(&f, SF_ND_NA_OVERRIDE);
	memcpy(f.b + f.l3 + 24, IP6_ALL_NODES, 16);
	fr_fix(&f);
	expect_ok(SF_PKT_ND_NA);
}

/* ---- TCP ---- */

static void tcp4_syn_fills_offsets(void **state)
{
	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = 20));
	expect_ok(SF_PKT_TCP4);
	assert_int_equal(pkt.l4_off, 34);
	assert_int_equal(pkt.l4_len, 40);
	assert_int_equal(pkt.payload_off, 74);
	assert_int_equal(pkt.l3_end, 74);
}

static void tcp4_syn_fills_segment_in_host_order(void **state)
{
	(void)state;
	build_tcp(&f, false, false,
		  &TCP_SPEC(.seq = 0xfffffff0u, .ack = 0x01020304, .wnd = 0xfaf0,
			    .flags = SF_TCP_SYN | SF_TCP_ECE | SF_TCP_CWR, .opts = LINUX_SYN_OPTS,
			    .opts_len = 20));
	expect_ok(SF_PKT_TCP4);
	assert_int_equal(seg.seq, 0xfffffff0u);
	assert_int_equal(seg.ack, 0x01020304);
	assert_int_equal(seg.wnd, 0xfaf0);
	assert_int_equal(seg.flags, SF_TCP_SYN | SF_TCP_ECE | SF_TCP_CWR);
	assert_int_equal(seg.payload_len, 0);
	assert_ptr_equal(seg.payload, f.b + 74);
}

static void tcp4_syn_parses_options(void **state)
{
	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = 20));
	expect_ok(SF_PKT_TCP4);
	assert_int_equal(seg.opts.present, SF_OPT_MSS | SF_OPT_SACK_PERM | SF_OPT_TS | SF_OPT_WSCALE);
	assert_int_equal(seg.opts.mss, 1460);
	assert_int_equal(seg.opts.wscale, 7);
	assert_int_equal(seg.opts.ts_val, 0x1234);
	assert_int_equal(seg.opts.ts_ecr, 0);
}

static void tcp_without_options_clears_opts(void **state)
{
	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK));
	expect_ok(SF_PKT_TCP4);
	assert_int_equal(seg.opts.present, 0);
	assert_int_equal(seg.opts.unknown, 0);
	assert_int_equal(seg.opts.sack_blocks, 0);
}

static void tcp4_key_is_local_destination_with_zeroed_tail(void **state)
{
	struct sf_flow_key want = { .family = SF_AF_INET };

	(void)state;
	memcpy(want.laddr, IP4_US, 4);
	memcpy(want.raddr, IP4_PEER, 4);
	want.lport = htons(PORT_US);
	want.rport = htons(PORT_PEER);
	build_tcp(&f, false, false, &TCP_SPEC());
	expect_ok(SF_PKT_TCP4);
	assert_memory_equal(&key, &want, sizeof(want));
}

static void tcp6_key_is_local_destination(void **state)
{
	struct sf_flow_key want = { .family = SF_AF_INET6 };

	(void)state;
	memcpy(want.laddr, IP6_US, 16);
	memcpy(want.raddr, IP6_PEER, 16);
	want.lport = htons(PORT_US);
	want.rport = htons(PORT_PEER);
	build_tcp(&f, true, false, &TCP_SPEC());
	expect_ok(SF_PKT_TCP6);
	assert_memory_equal(&key, &want, sizeof(want));
}

static void tcp6_data_fills_payload(void **state)
{
	(void)state;
	build_tcp(&f, true, false, &TCP_SPEC(.flags = SF_TCP_ACK, .payload_len = 101));
	expect_ok(SF_PKT_TCP6);
	assert_int_equal(pkt.l4_off, 54);
	assert_int_equal(pkt.payload_off, 74);
	assert_int_equal(seg.payload_len, 101);
	assert_ptr_equal(seg.payload, f.b + 74);
	assert_int_equal(seg.payload[100], 100);
}

static void tcp4_with_vlan_is_tcp4(void **state)
{
	(void)state;
	build_tcp(&f, false, true, &TCP_SPEC());
	expect_ok(SF_PKT_TCP4);
	assert_true(pkt.has_vlan);
	assert_int_equal(pkt.vlan_tci, VLAN_TCI);
	assert_int_equal(pkt.l4_off, 38);
}

static void tcp6_with_vlan_is_tcp6(void **state)
{
	(void)state;
	build_tcp(&f, true, true, &TCP_SPEC(.payload_len = 3));
	expect_ok(SF_PKT_TCP6);
	assert_int_equal(pkt.l4_off, 58);
	assert_int_equal(seg.payload_len, 3);
}

/* A 54-byte ACK arrives padded to 60 bytes: the padding is neither payload nor summed. */
static void tcp4_padding_is_not_payload(void **state)
{
	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK));
	fr_pad(&f, 6, 0xa5);
	expect_ok(SF_PKT_TCP4);
	assert_int_equal(f.len, 60);
	assert_int_equal(pkt.l3_end, 54);
	assert_int_equal(seg.payload_len, 0);
}

static void tcp6_padding_is_not_payload(void **state)
{
	(void)state;
	build_tcp(&f, true, false, &TCP_SPEC(.flags = SF_TCP_ACK, .payload_len = 1));
	fr_pad(&f, 9, 0x5a);
	expect_ok(SF_PKT_TCP6);
	assert_int_equal(seg.payload_len, 1);
}

static void null_seg_and_key_still_classify_tcp(void **state)
{
	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = 20));
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_TCP4);
	assert_int_equal(pkt.l4_len, 40);
}

static void non_tcp_leaves_seg_and_key_untouched(void **state)
{
	uint8_t untouched[sizeof(seg)];

	(void)state;
	memset(untouched, 0xee, sizeof(untouched));
	build_icmp4_echo(&f, 8, false);
	expect_ok(SF_PKT_ICMP4_ECHO);
	assert_memory_equal(&seg, untouched, sizeof(seg));
}

/* ---- hardware checksum flags ---- */

static void hw_ip4_ok_skips_header_checksum(void **state)
{
	const struct sf_rx_csum hw = { .ip4_ok = true };

	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC());
	f.b[f.l3 + 10] ^= 0x01;
	assert_int_equal(classify(NULL), SF_DROP_IP4_CSUM);
	assert_int_equal(classify(&hw), SF_DROP_NONE);
}

static void hw_l4_ok_skips_tcp_checksum(void **state)
{
	const struct sf_rx_csum hw = { .l4_ok = true };

	(void)state;
	build_tcp(&f, true, false, &TCP_SPEC());
	f.b[f.l4 + 16] ^= 0x01;
	assert_int_equal(classify(NULL), SF_DROP_TCP_CSUM);
	assert_int_equal(classify(&hw), SF_DROP_NONE);
}

/* NICs do not check ICMP: a port's "L4 good" flag must not let a corrupt echo through. */
static void hw_l4_ok_still_verifies_icmp(void **state)
{
	const struct sf_rx_csum hw = { .ip4_ok = true, .l4_ok = true };

	(void)state;
	build_icmp4_echo(&f, 8, false);
	f.b[f.l4 + 2] ^= 0x01;
	assert_int_equal(classify(&hw), SF_DROP_ICMP_CSUM);
	build_icmp6_echo(&f, 8, false);
	f.b[f.l4 + 2] ^= 0x01;
	assert_int_equal(classify(&hw), SF_DROP_ICMP6_CSUM);
}

static void hw_flags_false_verify_like_null(void **state)
{
	const struct sf_rx_csum hw = { 0 };

	(void)state;
	build_tcp(&f, false, false, &TCP_SPEC());
	f.b[f.l4 + 16] ^= 0x01;
	assert_int_equal(classify(&hw), SF_DROP_TCP_CSUM);
}

/* Bytes past 64 KiB cannot be part of the datagram: treated as padding, never as length. */
static void frame_longer_than_64k_is_read_as_padded(void **state)
{
	uint8_t *big = calloc(1, 70000);

	(void)state;
	assert_non_null(big);
	build_tcp(&f, false, false, &TCP_SPEC());
	memcpy(big, f.b, f.len);
	assert_int_equal(sf_net_classify(big, 70000, NULL, &pkt, &seg, &key), SF_DROP_NONE);
	assert_int_equal(pkt.l3_end, 54);
	free(big);
}

/* ---- drop reason names ---- */

static void drop_reason_names_follow_the_x_macro(void **state)
{
	(void)state;
	assert_string_equal(sf_drop_reason_name(SF_DROP_NONE), "none");
	assert_string_equal(sf_drop_reason_name(SF_DROP_ETH_SHORT), "eth_short");
	assert_string_equal(sf_drop_reason_name(SF_DROP_ND_FORMAT), "nd_format");
	assert_string_equal(sf_drop_reason_name(SF_DROP_TCP_PORT), "tcp_port");
}

static void drop_reason_names_are_distinct_lowercase(void **state)
{
	(void)state;
	for (int i = 0; i < SF_DROP__COUNT; i++) {
		const char *n = sf_drop_reason_name((enum sf_drop_reason)i);

		assert_non_null(n);
		assert_true(strlen(n) > 0);
		for (const char *c = n; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, sf_drop_reason_name((enum sf_drop_reason)j));
	}
}

static void drop_reason_name_out_of_range_is_invalid(void **state)
{
	(void)state;
	assert_string_equal(sf_drop_reason_name(SF_DROP__COUNT), "invalid");
	assert_string_equal(sf_drop_reason_name((enum sf_drop_reason)-1), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_request_is_arp),
		cmocka_unit_test(arp_reply_is_arp),
		cmocka_unit_test(arp_is_request_tells_request_from_reply),
		cmocka_unit_test(arp_request_with_vlan_reports_tci),
		cmocka_unit_test(arp_target_reads_target_protocol_address),
		cmocka_unit_test(icmp4_echo_request_is_icmp4_echo),
		cmocka_unit_test(icmp4_echo_odd_length_with_vlan_is_icmp4_echo),
		cmocka_unit_test(icmp4_echo_ignores_ethernet_padding),
		cmocka_unit_test(ip4_dst_reads_destination_address),
		cmocka_unit_test(icmp6_echo_request_is_icmp6_echo),
		cmocka_unit_test(ip6_dst_reads_destination_address),
		cmocka_unit_test(ns_with_slla_is_ns),
		cmocka_unit_test(ns_without_slla_is_ns),
		cmocka_unit_test(ns_with_vlan_is_ns),
		cmocka_unit_test(dad_ns_is_ns),
		cmocka_unit_test(ns_with_unknown_option_is_ns),
		cmocka_unit_test(ns_target_reads_target_address),
		cmocka_unit_test(na_is_na),
		cmocka_unit_test(unsolicited_na_to_all_nodes_is_na),
		cmocka_unit_test(tcp4_syn_fills_offsets),
		cmocka_unit_test(tcp4_syn_fills_segment_in_host_order),
		cmocka_unit_test(tcp4_syn_parses_options),
		cmocka_unit_test(tcp_without_options_clears_opts),
		cmocka_unit_test(tcp4_key_is_local_destination_with_zeroed_tail),
		cmocka_unit_test(tcp6_key_is_local_destination),
		cmocka_unit_test(tcp6_data_fills_payload),
		cmocka_unit_test(tcp4_with_vlan_is_tcp4),
		cmocka_unit_test(tcp6_with_vlan_is_tcp6),
		cmocka_unit_test(tcp4_padding_is_not_payload),
		cmocka_unit_test(tcp6_padding_is_not_payload),
		cmocka_unit_test(null_seg_and_key_still_classify_tcp),
		cmocka_unit_test(non_tcp_leaves_seg_and_key_untouched),
		cmocka_unit_test(hw_ip4_ok_skips_header_checksum),
		cmocka_unit_test(hw_l4_ok_skips_tcp_checksum),
		cmocka_unit_test(hw_l4_ok_still_verifies_icmp),
		cmocka_unit_test(hw_flags_false_verify_like_null),
		cmocka_unit_test(frame_longer_than_64k_is_read_as_padded),
		cmocka_unit_test(drop_reason_names_follow_the_x_macro),
		cmocka_unit_test(drop_reason_names_are_distinct_lowercase),
		cmocka_unit_test(drop_reason_name_out_of_range_is_invalid),
	};

	return cmocka_run_group_tests_name("net_classify", tests, NULL, NULL);
}

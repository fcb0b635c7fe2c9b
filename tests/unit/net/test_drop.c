/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One test per way into each drop reason of sf_net_classify(). Every case builds the smallest
 * frame, or a valid frame with the one defect, that must be dropped for exactly that reason,
 * and classifies it from a heap copy of exactly its length so a sanitizer sees any overread.
 * every_drop_reason_has_a_case fails when SF_DROP_REASONS grows a reason without a case here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

/* reason, case: case_<case> builds the frame, drop_<case> is the test. */
#define DROP_CASES(X)                                                                              \
	X(ETH_SHORT, eth_13_bytes)                                                                  \
	X(VLAN_SHORT, vlan_tag_cut_off)                                                             \
	X(VLAN_STACKED, qinq_inner_8100)                                                            \
	X(VLAN_STACKED, outer_service_tag_88a8)                                                     \
	X(ETHERTYPE, lldp)                                                                          \
	X(ETHERTYPE, lldp_inside_vlan)                                                              \
	X(ARP_SHORT, arp_27_bytes)                                                                  \
	X(ARP_FORMAT, arp_hardware_type_ieee802)                                                    \
	X(ARP_FORMAT, arp_protocol_length_16)                                                       \
	X(ARP_OP, arp_op_rarp_request)                                                              \
	X(IP4_SHORT, ip4_19_bytes)                                                                  \
	X(IP4_VERSION, ip4_version_6)                                                               \
	X(IP4_IHL, ip4_ihl_4)                                                                       \
	X(IP4_TOTLEN, ip4_totlen_past_frame)                                                        \
	X(IP4_TOTLEN, ip4_totlen_below_ihl)                                                         \
	X(IP4_CSUM, ip4_ttl_bit_flipped)                                                            \
	X(IP4_FRAGMENT, ip4_more_fragments)                                                         \
	X(IP4_FRAGMENT, ip4_fragment_offset_1)                                                      \
	X(IP4_OPTIONS, ip4_ihl_6_nop_option)                                                        \
	X(IP4_PROTO, ip4_udp)                                                                       \
	X(IP6_SHORT, ip6_39_bytes)                                                                  \
	X(IP6_VERSION, ip6_version_4)                                                               \
	X(IP6_PAYLEN, ip6_payload_length_past_frame)                                                \
	X(IP6_EXTHDR, ip6_hop_by_hop)                                                               \
	X(IP6_EXTHDR, ip6_fragment_header)                                                          \
	X(IP6_PROTO, ip6_udp)                                                                       \
	X(ICMP_SHORT, icmp_7_bytes)                                                                 \
	X(ICMP_CSUM, icmp_data_bit_flipped)                                                         \
	X(ICMP_CSUM, icmp_all_zero)                                                                 \
	X(ICMP_TYPE, icmp_echo_reply)                                                               \
	X(ICMP6_SHORT, icmp6_7_bytes)                                                               \
	X(ICMP6_CSUM, icmp6_data_bit_flipped)                                                       \
	X(ICMP6_CSUM, icmp6_source_changed_under_pseudo_header)                                     \
	X(ICMP6_TYPE, icmp6_router_solicitation)                                                    \
	X(ND_FORMAT, ns_hop_limit_64)                                                               \
	X(ND_FORMAT, ns_code_1)                                                                     \
	X(ND_FORMAT, ns_20_bytes)                                                                   \
	X(ND_FORMAT, ns_option_length_0)                                                            \
	X(ND_FORMAT, ns_option_past_message)                                                        \
	X(ND_FORMAT, ns_one_byte_after_target)                                                      \
	X(ND_FORMAT, ns_target_multicast)                                                           \
	X(ND_FORMAT, dad_ns_to_unicast)                                                             \
	X(ND_FORMAT, dad_ns_with_slla)                                                              \
	X(ND_FORMAT, na_hop_limit_254)                                                              \
	X(ND_FORMAT, na_target_multicast)                                                           \
	X(ND_FORMAT, na_solicited_to_multicast)                                                     \
	X(TCP_SHORT, tcp4_19_bytes)                                                                 \
	X(TCP_SHORT, tcp6_19_bytes)                                                                 \
	X(TCP_DOFF, tcp_doff_4)                                                                     \
	X(TCP_DOFF, tcp_doff_past_segment)                                                          \
	X(TCP_CSUM, tcp4_payload_bit_flipped)                                                       \
	X(TCP_CSUM, tcp6_payload_bit_flipped)                                                       \
	X(TCP_CSUM, tcp4_source_changed_under_pseudo_header)                                        \
	X(TCP_OPT_LEN, tcp_option_length_0)                                                         \
	X(TCP_OPT_LEN, tcp_mss_length_3)                                                            \
	X(TCP_PORT, tcp_source_port_0)                                                              \
	X(TCP_PORT, tcp_destination_port_0)

/* ---- Ethernet ---- */

static void case_eth_13_bytes(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP4, false);
	f->len = 13;
}

static void case_vlan_tag_cut_off(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP4, true);
	f->len = 17;
}

static void case_qinq_inner_8100(struct frame *f)
{
	static const uint8_t inner[4] = { 0x00, 0x05, 0x08, 0x00 };

	fr_eth(f, SF_ETHERTYPE_VLAN, true);
	fr_put(f, inner, sizeof(inner));
}

static void case_outer_service_tag_88a8(struct frame *f)
{
	static const uint8_t tag[4] = { 0x00, 0x05, 0x81, 0x00 };

	fr_eth(f, SF_ETHERTYPE_QINQ, false);
	fr_put(f, tag, sizeof(tag));
}

static void case_lldp(struct frame *f)
{
	fr_eth(f, 0x88cc, false);
}

static void case_lldp_inside_vlan(struct frame *f)
{
	fr_eth(f, 0x88cc, true);
}

/* ---- ARP ---- */

static void case_arp_27_bytes(struct frame *f)
{
	build_arp(f, 1, false);
	f->len = 14 + 27;
}

static void case_arp_hardware_type_ieee802(struct frame *f)
{
	build_arp(f, 1, false);
	put16(f->b + f->l3, 6);
}

static void case_arp_protocol_length_16(struct frame *f)
{
	build_arp(f, 1, false);
	f->b[f->l3 + 5] = 16;
}

static void case_arp_op_rarp_request(struct frame *f)
{
	build_arp(f, 3, false);
}

/* ---- IPv4 ---- */

static void case_ip4_19_bytes(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP4, false);
	fr_put_zero(f, 19);
	f->b[f->l3] = 0x45;
}

static void case_ip4_version_6(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	f->b[f->l3] = 0x65;
	fr_fix(f);
}

static void case_ip4_ihl_4(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	f->b[f->l3] = 0x44;
	fr_fix(f);
}

static void case_ip4_totlen_past_frame(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	put16(f->b + f->l3 + 2, (uint16_t)(f->len - f->l3 + 1));
	fr_fix(f);
}

static void case_ip4_totlen_below_ihl(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	put16(f->b + f->l3 + 2, 19);
	fr_fix(f);
}

static void case_ip4_ttl_bit_flipped(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	f->b[f->l3 + 8] ^= 0x01;
}

static void case_ip4_more_fragments(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	put16(f->b + f->l3 + 6, 0x2000);
	fr_fix(f);
}

static void case_ip4_fragment_offset_1(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	put16(f->b + f->l3 + 6, 0x4001); /* DF is no excuse: offset 1 is a last fragment */
	fr_fix(f);
}

static void case_ip4_ihl_6_nop_option(struct frame *f)
{
	static const uint8_t nops[4] = { 1, 1, 1, 0 };
	static const uint8_t echo[8] = { SF_ICMP_ECHO_REQUEST, 0 };

	fr_eth(f, SF_ETHERTYPE_IP4, false);
	fr_ip4(f, SF_IPPROTO_ICMP);
	f->b[f->l3] = 0x46;
	fr_put(f, nops, sizeof(nops));
	f->l4 = f->len;
	fr_put(f, echo, sizeof(echo));
	fr_finish(f);
}

static void case_ip4_udp(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	f->b[f->l3 + 9] = 17;
	f->proto = 17;
	fr_fix(f);
}

/* ---- IPv6 ---- */

static void case_ip6_39_bytes(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP6, false);
	fr_put_zero(f, 39);
	f->b[f->l3] = 0x60;
}

static void case_ip6_version_4(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	f->b[f->l3] = (uint8_t)((f->b[f->l3] & 0x0f) | 0x40);
}

static void case_ip6_payload_length_past_frame(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	put16(f->b + f->l3 + 4, (uint16_t)(f->len - f->l4 + 1));
}

static void case_ip6_hop_by_hop(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	f->b[f->l3 + 6] = 0;
}

static void case_ip6_fragment_header(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	f->b[f->l3 + 6] = 44;
}

static void case_ip6_udp(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	f->b[f->l3 + 6] = 17;
}

/* ---- ICMP ---- */

static void case_icmp_7_bytes(struct frame *f)
{
	static const uint8_t m[7] = { SF_ICMP_ECHO_REQUEST, 0 };

	fr_eth(f, SF_ETHERTYPE_IP4, false);
	fr_ip4(f, SF_IPPROTO_ICMP);
	fr_put(f, m, sizeof(m));
	fr_finish(f);
}

static void case_icmp_data_bit_flipped(struct frame *f)
{
	build_icmp4_echo(f, 8, false);
	f->b[f->l4 + 8] ^= 0x10;
}

/* RFC 1071: an all-zero message sums to +0, not to -0 (0xffff) as a correctly summed one does;
 * both are 0 modulo 0xffff, so the verifier must tell them apart. */
static void case_icmp_all_zero(struct frame *f)
{
	build_icmp4_echo(f, 0, false);
	memset(f->b + f->l4, 0, 8);
}

static void case_icmp_echo_reply(struct frame *f)
{
	build_icmp4_echo(f, 8, false);
	f->b[f->l4] = SF_ICMP_ECHO_REPLY;
	fr_fix(f);
}

static void case_icmp6_7_bytes(struct frame *f)
{
	static const uint8_t m[7] = { SF_ICMP6_ECHO_REQUEST, 0 };

	fr_eth(f, SF_ETHERTYPE_IP6, false);
	fr_ip6(f, SF_IPPROTO_ICMPV6);
	fr_put(f, m, sizeof(m));
	fr_finish(f);
}

static void case_icmp6_data_bit_flipped(struct frame *f)
{
	build_icmp6_echo(f, 8, false);
	f->b[f->l4 + 9] ^= 0x80;
}

static void case_icmp6_source_changed_under_pseudo_header(struct frame *f)
{
	build_icmp6_echo(f, 8, false);
	f->b[f->l3 + 8 + 15] ^= 0x01;
}

static void case_icmp6_router_solicitation(struct frame *f)
{
	build_icmp6_echo(f, 0, false);
	f->b[f->l4] = 133;
	fr_fix(f);
}

/* ---- neighbour discovery: RFC 4861 7.1.1 (NS) and 7.1.2 (NA) ---- */

static void case_ns_hop_limit_64(struct frame *f)
{
	build_ns(f, true, false, false);
	f->b[f->l3 + 7] = 64;
}

static void case_ns_code_1(struct frame *f)
{
	build_ns(f, true, false, false);
	f->b[f->l4 + 1] = 1;
	fr_fix(f);
}

static void case_ns_20_bytes(struct frame *f)
{
	static const uint8_t m[20] = { SF_ICMP6_ND_NS, 0 };

	build_ns(f, false, false, false);
	f->len = f->l4;
	fr_put(f, m, sizeof(m));
	fr_finish(f);
}

static void case_ns_option_length_0(struct frame *f)
{
	build_ns(f, true, false, false);
	f->b[f->l4 + 25] = 0;
	fr_fix(f);
}

static void case_ns_option_past_message(struct frame *f)
{
	build_ns(f, true, false, false);
	f->b[f->l4 + 25] = 2;
	fr_fix(f);
}

static void case_ns_one_byte_after_target(struct frame *f)
{
	static const uint8_t type_only = SF_ND_OPT_SLLA;

	build_ns(f, false, false, false);
	fr_put(f, &type_only, 1);
	fr_finish(f);
}

static void case_ns_target_multicast(struct frame *f)
{
	build_ns(f, true, false, false);
	memcpy(f->b + f->l4 + 8, IP6_US_SNMC, 16);
	fr_fix(f);
}

static void case_dad_ns_to_unicast(struct frame *f)
{
	build_ns(f, false, true, false);
	memcpy(f->b + f->l3 + 24, IP6_US, 16);
	fr_fix(f);
}

static void case_dad_ns_with_slla(struct frame *f)
{
	build_ns(f, true, true, false);
}

static void case_na_hop_limit_254(struct frame *f)
{
	build_na(f, SF_ND_NA_SOLICITED | SF_ND_NA_OVERRIDE);
	f->b[f->l3 + 7] = 254;
}

static void case_na_target_multicast(struct frame *f)
{
	build_na(f, SF_ND_NA_OVERRIDE);
	memcpy(f->b + f->l4 + 8, IP6_ALL_NODES, 16);
	fr_fix(f);
}

static void case_na_solicited_to_multicast(struct frame *f)
{
	build_na(f, SF_ND_NA_SOLICITED | SF_ND_NA_OVERRIDE);
	memcpy(f->b + f->l3 + 24, IP6_ALL_NODES, 16);
	fr_fix(f);
}

/* ---- TCP ---- */

static void case_tcp4_19_bytes(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP4, false);
	fr_ip4(f, SF_IPPROTO_TCP);
	fr_put_zero(f, 19);
	fr_finish(f);
}

static void case_tcp6_19_bytes(struct frame *f)
{
	fr_eth(f, SF_ETHERTYPE_IP6, false);
	fr_ip6(f, SF_IPPROTO_TCP);
	fr_put_zero(f, 19);
	fr_finish(f);
}

static void case_tcp_doff_4(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC());
	f->b[f->l4 + 12] = 0x40;
	fr_fix(f);
}

static void case_tcp_doff_past_segment(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC());
	f->b[f->l4 + 12] = 0x60;
	fr_fix(f);
}

static void case_tcp4_payload_bit_flipped(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.flags = SF_TCP_ACK, .payload_len = 10));
	f->b[f->l4 + 25] ^= 0x04;
}

static void case_tcp6_payload_bit_flipped(struct frame *f)
{
	build_tcp(f, true, false, &TCP_SPEC(.flags = SF_TCP_ACK, .payload_len = 10));
	f->b[f->l4 + 29] ^= 0x01;
}

/* The IPv4 header stays valid; only the TCP pseudo-header sum sees the new source. */
static void case_tcp4_source_changed_under_pseudo_header(struct frame *f)
{
	uint8_t tcp_csum[2];

	build_tcp(f, false, false, &TCP_SPEC());
	memcpy(tcp_csum, f->b + f->l4 + 16, 2);
	f->b[f->l3 + 15] ^= 0x01;
	fr_fix(f);
	memcpy(f->b + f->l4 + 16, tcp_csum, 2);
}

static void case_tcp_option_length_0(struct frame *f)
{
	static const uint8_t opts[4] = { SF_TCPOPT_MSS, 0, 0x05, 0xb4 };

	build_tcp(f, false, false, &TCP_SPEC(.opts = opts, .opts_len = sizeof(opts)));
}

static void case_tcp_mss_length_3(struct frame *f)
{
	static const uint8_t opts[4] = { SF_TCPOPT_MSS, 3, 0x05, SF_TCPOPT_NOP };

	build_tcp(f, true, false, &TCP_SPEC(.opts = opts, .opts_len = sizeof(opts)));
}

static void case_tcp_source_port_0(struct frame *f)
{
	build_tcp(f, false, false, &TCP_SPEC(.sport = 0));
}

static void case_tcp_destination_port_0(struct frame *f)
{
	build_tcp(f, true, false, &TCP_SPEC(.dport = 0));
}

/* ---- the tests ---- */

static void expect_drop(void (*build)(struct frame *), enum sf_drop_reason want)
{
	static struct frame f;
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	uint8_t *exact;
	enum sf_drop_reason got;

	build(&f);
	exact = malloc(f.len ? f.len : 1);
	assert_non_null(exact);
	memcpy(exact, f.b, f.len);
	got = sf_net_classify(exact, f.len, NULL, &pkt, &seg, &key);
	free(exact);
	if (got != want)
		fail_msg("dropped as %s, want %s", sf_drop_reason_name(got), sf_drop_reason_name(want));
}

#define DROP_TEST(reason, name)                                                                    \
	static void drop_##name(void **state)                                                      \
	{                                                                                          \
		(void)state;                                                                       \
		expect_drop(case_##name, SF_DROP_##reason);                                        \
	}
DROP_CASES(DROP_TEST)
#undef DROP_TEST

static const struct drop_case {
	enum sf_drop_reason why;
	const char *name;
} drop_cases[] = {
#define DROP_ROW(reason, name) { SF_DROP_##reason, #name },
	DROP_CASES(DROP_ROW)
#undef DROP_ROW
};

static void every_drop_reason_has_a_case(void **state)
{
	(void)state;
	for (int r = SF_DROP_NONE + 1; r < SF_DROP__COUNT; r++) {
		bool found = false;

		for (size_t i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++)
			found |= drop_cases[i].why == (enum sf_drop_reason)r;
		if (!found)
			fail_msg("drop reason %s has no test case", sf_drop_reason_name((enum sf_drop_reason)r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_drop_reason_has_a_case),
#define DROP_UNIT(reason, name) cmocka_unit_test(drop_##name),
		DROP_CASES(DROP_UNIT)
#undef DROP_UNIT
	};

	return cmocka_run_group_tests_name("net_drop", tests, NULL, NULL);
}

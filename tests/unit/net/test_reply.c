/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-place replies: build the request, classify it, rewrite it, then check the reply field by
 * field and its checksums with the reference sum (and re-classify it where the reply is itself
 * something lib/net accepts, as an NA is).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

static const uint8_t ALL_NODES_MAC[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static struct frame f, req;
static struct sf_pkt pkt;

static void classify_request(enum sf_pkt_kind kind)
{
	assert_int_equal(sf_net_classify(f.b, f.len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, kind);
	req = f;
}

static void assert_ip4_and_icmp_checksums_valid(uint32_t len)
{
	const uint8_t *ip = f.b + pkt.l3_off;

	assert_true(ref_csum_ok(ip, 20, 0));
	assert_true(ref_csum_ok(f.b + pkt.l4_off, len - pkt.l4_off, 0));
}

static void assert_icmp6_checksum_valid(uint32_t len)
{
	const uint8_t *ip = f.b + pkt.l3_off;
	uint32_t mlen = len - pkt.l4_off;

	assert_int_equal(get16(ip + 4), mlen);
	assert_true(ref_csum_ok(f.b + pkt.l4_off, mlen, ref_pseudo6(ip, mlen, SF_IPPROTO_ICMPV6)));
}

/* ---- ARP ---- */

/* RFC 826: swap sender and target, our MAC as sender, opcode reply, sent to the requester */
static void arp_reply_answers_the_requester(void **state)
{
	const uint8_t *a;
	uint32_t len;

	(void)state;
	build_arp(&f, 1, false);
	classify_request(SF_PKT_ARP);
	len = sf_net_arp_reply(f.b, &pkt, &MAC_US);
	a = f.b + pkt.l3_off;
	assert_int_equal(len, 14 + 28);
	assert_memory_equal(f.b, MAC_PEER.b, 6);
	assert_memory_equal(f.b + 6, MAC_US.b, 6);
	assert_int_equal(get16(f.b + 12), SF_ETHERTYPE_ARP);
	assert_memory_equal(a, req.b + pkt.l3_off, 6); /* htype, ptype, hlen, plen kept */
	assert_int_equal(get16(a + 6), 2);
	assert_memory_equal(a + 8, MAC_US.b, 6);
	assert_memory_equal(a + 14, IP4_US, 4);
	assert_memory_equal(a + 18, MAC_PEER.b, 6);
	assert_memory_equal(a + 24, IP4_PEER, 4);
}

static void arp_reply_reclassifies_as_arp_for_the_peer(void **state)
{
	uint32_t len, tpa;

	(void)state;
	build_arp(&f, 1, false);
	classify_request(SF_PKT_ARP);
	len = sf_net_arp_reply(f.b, &pkt, &MAC_US);
	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ARP);
	tpa = sf_net_arp_target(f.b, &pkt);
	assert_memory_equal(&tpa, IP4_PEER, 4);
}

static void arp_reply_keeps_vlan_tag(void **state)
{
	uint32_t len;

	(void)state;
	build_arp(&f, 1, true);
	classify_request(SF_PKT_ARP);
	len = sf_net_arp_reply(f.b, &pkt, &MAC_US);
	assert_int_equal(len, 18 + 28);
	assert_memory_equal(f.b + 12, req.b + 12, 6); /* TPID, TCI, EtherType */
	assert_int_equal(get16(f.b + 18 + 6), 2);
}

/* ---- ICMPv4 echo ---- */

static void icmp4_echo_reply_swaps_and_sets_type_0(void **state)
{
	const uint8_t *ip, *m;
	uint32_t len;

	(void)state;
	build_icmp4_echo(&f, 56, false);
	classify_request(SF_PKT_ICMP4_ECHO);
	len = sf_net_icmp4_echo_reply(f.b, &pkt);
	ip = f.b + pkt.l3_off;
	m = f.b + pkt.l4_off;
	assert_int_equal(len, f.l3_end);
	assert_memory_equal(f.b, MAC_PEER.b, 6);
	assert_memory_equal(f.b + 6, MAC_US.b, 6);
	assert_memory_equal(ip + 12, IP4_US, 4);
	assert_memory_equal(ip + 16, IP4_PEER, 4);
	assert_int_equal(ip[8], 64);
	assert_int_equal(m[0], SF_ICMP_ECHO_REPLY);
	assert_int_equal(m[1], 0);
	/* RFC 792: identifier, sequence and data come back unchanged */
	assert_memory_equal(m + 4, req.b + pkt.l4_off + 4, len - pkt.l4_off - 4);
	/* and the rest of the IP header too */
	assert_memory_equal(ip, req.b + pkt.l3_off, 8);
	assert_int_equal(ip[9], SF_IPPROTO_ICMP);
}

static void icmp4_echo_reply_checksums_are_valid(void **state)
{
	uint32_t len;

	(void)state;
	build_icmp4_echo(&f, 56, false);
	classify_request(SF_PKT_ICMP4_ECHO);
	len = sf_net_icmp4_echo_reply(f.b, &pkt);
	assert_ip4_and_icmp_checksums_valid(len);
	/* the reply is a valid ICMP message that is not a request */
	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_ICMP_TYPE);
}

/* Requests with any TTL, identifier and data: incremental updates stay exact. */
static void icmp4_echo_reply_checksums_valid_for_random_requests(void **state)
{
	uint64_t rng = 0xec40;

	(void)state;
	for (int i = 0; i < 500; i++) {
		uint32_t len;

		build_icmp4_echo(&f, (uint32_t)(rng_next(&rng) % 200), i & 1);
		f.b[f.l3 + 8] = (uint8_t)rng_next(&rng);
		put32(f.b + f.l4 + 4, (uint32_t)rng_next(&rng));
		for (uint32_t j = f.l4 + 8; j < f.l3_end; j++)
			f.b[j] = (uint8_t)rng_next(&rng);
		fr_fix(&f);
		classify_request(SF_PKT_ICMP4_ECHO);
		len = sf_net_icmp4_echo_reply(f.b, &pkt);
		assert_ip4_and_icmp_checksums_valid(len);
	}
}

static void icmp4_echo_reply_with_vlan_and_odd_data_is_valid(void **state)
{
	uint32_t len;

	(void)state;
	build_icmp4_echo(&f, 13, true);
	classify_request(SF_PKT_ICMP4_ECHO);
	len = sf_net_icmp4_echo_reply(f.b, &pkt);
	assert_memory_equal(f.b + 12, req.b + 12, 6);
	assert_ip4_and_icmp_checksums_valid(len);
}

static void icmp4_echo_reply_drops_ethernet_padding(void **state)
{
	(void)state;
	build_icmp4_echo(&f, 0, false);
	fr_pad(&f, 60 - f.len, 0);
	classify_request(SF_PKT_ICMP4_ECHO);
	assert_int_equal(sf_net_icmp4_echo_reply(f.b, &pkt), 14 + 28);
}

/* ---- ICMPv6 echo ---- */

static void icmp6_echo_reply_swaps_and_sets_type_129(void **state)
{
	const uint8_t *ip, *m;
	uint32_t len;

	(void)state;
	build_icmp6_echo(&f, 56, false);
	classify_request(SF_PKT_ICMP6_ECHO);
	len = sf_net_icmp6_echo_reply(f.b, &pkt);
	ip = f.b + pkt.l3_off;
	m = f.b + pkt.l4_off;
	assert_int_equal(len, f.l3_end);
	assert_memory_equal(f.b, MAC_PEER.b, 6);
	assert_memory_equal(f.b + 6, MAC_US.b, 6);
	assert_memory_equal(ip + 8, IP6_US, 16);
	assert_memory_equal(ip + 24, IP6_PEER, 16);
	assert_int_equal(ip[7], 64);
	assert_int_equal(m[0], SF_ICMP6_ECHO_REPLY);
	assert_memory_equal(m + 4, req.b + pkt.l4_off + 4, len - pkt.l4_off - 4);
	assert_icmp6_checksum_valid(len);
	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_ICMP6_TYPE);
}

static void icmp6_echo_reply_checksums_valid_for_random_requests(void **state)
{
	uint64_t rng = 0xec60;

	(void)state;
	for (int i = 0; i < 500; i++) {
		uint32_t len;

		build_icmp6_echo(&f, (uint32_t)(rng_next(&rng) % 200), i & 1);
		put32(f.b + f.l4 + 4, (uint32_t)rng_next(&rng));
		for (uint32_t j = f.l4 + 8; j < f.l3_end; j++)
			f.b[j] = (uint8_t)rng_next(&rng);
		fr_fix(&f);
		classify_request(SF_PKT_ICMP6_ECHO);
		len = sf_net_icmp6_echo_reply(f.b, &pkt);
		assert_icmp6_checksum_valid(len);
	}
}

/* ---- neighbour advertisement from solicitation, RFC 4861 7.2.4 ---- */

static uint32_t na_reply(uint32_t room)
{
	return sf_net_nd_na_reply(f.b, &pkt, room, &MAC_US);
}

static void na_from_ns_is_solicited_unicast_to_the_source(void **state)
{
	const uint8_t *ip, *m;
	uint32_t len;

	(void)state;
	build_ns(&f, true, false, false);
	classify_request(SF_PKT_ND_NS);
	len = na_reply(FRAME_ROOM);
	ip = f.b + pkt.l3_off;
	m = f.b + pkt.l4_off;
	assert_int_equal(len, 14 + 40 + 32);
	assert_memory_equal(f.b, MAC_PEER.b, 6);
	assert_memory_equal(f.b + 6, MAC_US.b, 6);
	assert_int_equal(get32(ip), 0x60000000);
	assert_int_equal(get16(ip + 4), 32);
	assert_int_equal(ip[6], SF_IPPROTO_ICMPV6);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, IP6_US, 16);
	assert_memory_equal(ip + 24, IP6_PEER, 16);
	assert_int_equal(m[0], SF_ICMP6_ND_NA);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[4], SF_ND_NA_SOLICITED | SF_ND_NA_OVERRIDE);
	assert_memory_equal(m + 5, "\0\0\0", 3);
	assert_memory_equal(m + 8, IP6_US, 16);
	assert_int_equal(m[24], SF_ND_OPT_TLLA);
	assert_int_equal(m[25], 1);
	assert_memory_equal(m + 26, MAC_US.b, 6);
	assert_icmp6_checksum_valid(len);
}

/* RFC 4861 7.1.2: what we send passes the receiver's validity checks */
static void na_from_ns_reclassifies_as_valid_na(void **state)
{
	uint32_t len;

	(void)state;
	build_ns(&f, true, false, false);
	classify_request(SF_PKT_ND_NS);
	len = na_reply(FRAME_ROOM);
	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ND_NA);
	assert_memory_equal(sf_net_ns_target(f.b, &pkt), IP6_US, 16);
}

/* An NS without options is 24 bytes; the NA with its TLLA option is 32: the frame grows. */
static void na_from_ns_without_slla_grows_by_8(void **state)
{
	uint32_t len;

	(void)state;
	build_ns(&f, false, false, false);
	classify_request(SF_PKT_ND_NS);
	assert_int_equal(f.len, 14 + 40 + 24);
	len = na_reply(14 + 40 + 32);
	assert_int_equal(len, 14 + 40 + 32);
	assert_memory_equal(f.b + pkt.l4_off + 26, MAC_US.b, 6);
	assert_icmp6_checksum_valid(len);
}

static void na_reply_without_room_returns_0_and_leaves_frame(void **state)
{
	(void)state;
	build_ns(&f, false, false, false);
	classify_request(SF_PKT_ND_NS);
	assert_int_equal(na_reply(14 + 40 + 31), 0);
	assert_memory_equal(f.b, req.b, FRAME_ROOM);
}

/* RFC 4861 7.2.4: a DAD probe comes from ::; the answer goes to all-nodes with S clear */
static void na_from_dad_ns_goes_to_all_nodes_unsolicited(void **state)
{
	const uint8_t *ip, *m;
	uint32_t len;

	(void)state;
	build_ns(&f, false, true, false);
	classify_request(SF_PKT_ND_NS);
	len = na_reply(FRAME_ROOM);
	ip = f.b + pkt.l3_off;
	m = f.b + pkt.l4_off;
	assert_memory_equal(f.b, ALL_NODES_MAC, 6);
	assert_memory_equal(ip + 24, IP6_ALL_NODES, 16);
	assert_memory_equal(ip + 8, IP6_US, 16);
	assert_int_equal(m[4], SF_ND_NA_OVERRIDE);
	assert_icmp6_checksum_valid(len);
	/* RFC 4861 7.1.2: to a multicast address S must be clear, so it still validates */
	assert_int_equal(sf_net_classify(f.b, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ND_NA);
}

static void na_reply_keeps_vlan_tag(void **state)
{
	uint32_t len;

	(void)state;
	build_ns(&f, true, false, true);
	classify_request(SF_PKT_ND_NS);
	len = na_reply(FRAME_ROOM);
	assert_int_equal(len, 18 + 40 + 32);
	assert_memory_equal(f.b + 12, req.b + 12, 6);
	assert_icmp6_checksum_valid(len);
}

/* Extra NS options (here a nonce) are not echoed: the NA is always 32 bytes. */
static void na_from_ns_with_extra_option_shrinks(void **state)
{
	static const uint8_t nonce[8] = { 14, 1, 1, 2, 3, 4, 5, 6 };
	uint32_t len;

	(void)state;
	build_ns(&f, true, false, false);
	fr_put(&f, nonce, sizeof(nonce));
	fr_finish(&f);
	classify_request(SF_PKT_ND_NS);
	len = na_reply(f.len);
	assert_int_equal(len, 14 + 40 + 32);
	assert_icmp6_checksum_valid(len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_reply_answers_the_requester),
		cmocka_unit_test(arp_reply_reclassifies_as_arp_for_the_peer),
		cmocka_unit_test(arp_reply_keeps_vlan_tag),
		cmocka_unit_test(icmp4_echo_reply_swaps_and_sets_type_0),
		cmocka_unit_test(icmp4_echo_reply_checksums_are_valid),
		cmocka_unit_test(icmp4_echo_reply_checksums_valid_for_random_requests),
		cmocka_unit_test(icmp4_echo_reply_with_vlan_and_odd_data_is_valid),
		cmocka_unit_test(icmp4_echo_reply_drops_ethernet_padding),
		cmocka_unit_test(icmp6_echo_reply_swaps_and_sets_type_129),
		cmocka_unit_test(icmp6_echo_reply_checksums_valid_for_random_requests),
		cmocka_unit_test(na_from_ns_is_solicited_unicast_to_the_source),
		cmocka_unit_test(na_from_ns_reclassifies_as_valid_na),
		cmocka_unit_test(na_from_ns_without_slla_grows_by_8),
		cmocka_unit_test(na_reply_without_room_returns_0_and_leaves_frame),
		cmocka_unit_test(na_from_dad_ns_goes_to_all_nodes_unsolicited),
		cmocka_unit_test(na_reply_keeps_vlan_tag),
		cmocka_unit_test(na_from_ns_with_extra_option_shrinks),
	};

	return cmocka_run_group_tests_name("net_reply", tests, NULL, NULL);
}

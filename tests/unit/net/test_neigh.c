/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net address resolution: ARP requests and neighbour solicitations built from scratch are
 * accepted by classify as what they are, and ARP/NS/NA frames tell who their sender is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

static uint32_t ip4(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, 4);
	return v;
}

static void arp_request_is_a_broadcast_request_for_the_target(void **state)
{
	uint8_t f[64];
	struct sf_pkt pkt;
	struct sf_mac mac;
	uint32_t len = sf_net_arp_request(f, sizeof(f), &MAC_US, ip4(IP4_US), ip4(IP4_PEER));

	(void)state;
	assert_int_equal(len, 42);
	assert_int_equal(sf_net_classify(f, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ARP);
	assert_true(sf_net_arp_is_request(f, &pkt));
	assert_int_equal(sf_net_arp_target(f, &pkt), ip4(IP4_PEER));
	assert_int_equal(sf_net_arp_sender(f, &pkt, &mac), ip4(IP4_US));
	assert_memory_equal(mac.b, MAC_US.b, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(f[i], 0xff);
}

static void arp_request_needs_room(void **state)
{
	uint8_t f[64];

	(void)state;
	assert_int_equal(sf_net_arp_request(f, 41, &MAC_US, ip4(IP4_US), ip4(IP4_PEER)), 0);
}

static void arp_reply_tells_its_sender(void **state)
{
	struct frame fr;
	struct sf_pkt pkt;
	struct sf_mac mac;

	(void)state;
	build_arp(&fr, 2, false);
	assert_int_equal(sf_net_classify(fr.b, fr.len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_false(sf_net_arp_is_request(fr.b, &pkt));
	assert_int_equal(sf_net_arp_sender(fr.b, &pkt, &mac), ip4(IP4_PEER));
	assert_memory_equal(mac.b, MAC_PEER.b, 6);
}

static void ns_goes_to_the_solicited_node_group_with_our_address(void **state)
{
	uint8_t f[128], ip[16];
	struct sf_pkt pkt;
	struct sf_mac mac;
	uint32_t len = sf_net_nd_ns(f, sizeof(f), &MAC_US, IP6_US, IP6_PEER);
	static const uint8_t snmc_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x02};

	(void)state;
	assert_int_equal(len, 86);
	assert_int_equal(sf_net_classify(f, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ND_NS);
	assert_memory_equal(sf_net_ns_target(f, &pkt), IP6_PEER, 16);
	assert_memory_equal(f, snmc_mac, 6);
	assert_int_equal(sf_net_ip6_dst(f, &pkt)[0], 0xff);
	assert_int_equal(sf_net_ip6_dst(f, &pkt)[15], 0x02);
	assert_true(sf_net_nd_neighbour(f, &pkt, ip, &mac));
	assert_memory_equal(ip, IP6_US, 16);
	assert_memory_equal(mac.b, MAC_US.b, 6);
}

static void ns_needs_room(void **state)
{
	uint8_t f[128];

	(void)state;
	assert_int_equal(sf_net_nd_ns(f, 85, &MAC_US, IP6_US, IP6_PEER), 0);
}

static void na_tells_its_target_and_link_address(void **state)
{
	uint8_t f[128], ip[16];
	struct sf_pkt pkt;
	struct sf_mac mac;
	uint32_t len = sf_net_nd_ns(f, sizeof(f), &MAC_PEER, IP6_PEER, IP6_US);

	(void)state;
	/* the peer solicits us; our in-place answer is the NA a peer would send us */
	assert_int_equal(sf_net_classify(f, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	len = sf_net_nd_na_reply(f, &pkt, sizeof(f), &MAC_US);
	assert_int_equal(sf_net_classify(f, len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_int_equal(pkt.kind, SF_PKT_ND_NA);
	assert_true(sf_net_nd_neighbour(f, &pkt, ip, &mac));
	assert_memory_equal(ip, IP6_US, 16);
	assert_memory_equal(mac.b, MAC_US.b, 6);
}

static void ns_without_link_address_teaches_nothing(void **state)
{
	struct frame fr;
	struct sf_pkt pkt;
	struct sf_mac mac;
	uint8_t ip[16];

	(void)state;
	build_ns(&fr, false, false, false);
	assert_int_equal(sf_net_classify(fr.b, fr.len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_false(sf_net_nd_neighbour(fr.b, &pkt, ip, &mac));
}

static void dad_ns_teaches_nothing(void **state)
{
	struct frame fr;
	struct sf_pkt pkt;
	struct sf_mac mac;
	uint8_t ip[16];

	(void)state;
	build_ns(&fr, false, true, false);
	assert_int_equal(sf_net_classify(fr.b, fr.len, NULL, &pkt, NULL, NULL), SF_DROP_NONE);
	assert_false(sf_net_nd_neighbour(fr.b, &pkt, ip, &mac));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_request_is_a_broadcast_request_for_the_target),
		cmocka_unit_test(arp_request_needs_room),
		cmocka_unit_test(arp_reply_tells_its_sender),
		cmocka_unit_test(ns_goes_to_the_solicited_node_group_with_our_address),
		cmocka_unit_test(ns_needs_room),
		cmocka_unit_test(na_tells_its_target_and_link_address),
		cmocka_unit_test(ns_without_link_address_teaches_nothing),
		cmocka_unit_test(dad_ns_teaches_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/port's address book without an EAL: addresses and ranges, next hops through a gateway,
 * the neighbour table (learned, static), roles, and a peer's redirection table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sf_port.h"

static struct sf_port port;

static const uint8_t *ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t buf[8][16];
	static unsigned int n;
	uint8_t *p = buf[n++ % 8];

	memset(p, 0, 16);
	p[0] = a, p[1] = b, p[2] = c, p[3] = d;
	return p;
}

static const uint8_t mac_a[6] = {2, 0, 0, 0, 1, 1};
static const uint8_t mac_b[6] = {2, 0, 0, 0, 1, 2};

static int setup(void **state)
{
	struct sf_port_addr a = {.family = SF_AF_INET, .prefix_len = 24, .count = 1};

	(void)state;
	memset(&port, 0, sizeof(port));
	port.role = SF_PORT_ROLE_BOTH;
	port.nb_queues = 2;
	memcpy(a.addr, ip4(198, 18, 1, 2), 4);
	assert_int_equal(sf_port_add_addr(&port, &a), 0);
	return 0;
}

/* A client's sources are a range of /32s: every address of it is ours, the next one is not. */
static void addr_range_is_ours_to_its_end(void **state)
{
	struct sf_port_addr r = {.family = SF_AF_INET, .prefix_len = 32, .count = 10};

	(void)state;
	memcpy(r.addr, ip4(198, 18, 1, 10), 4);
	assert_int_equal(sf_port_add_addr(&port, &r), 0);
	assert_int_equal(sf_port_add_addr(&port, &r), -EEXIST);
	assert_true(sf_port_has_addr(&port, SF_AF_INET, ip4(198, 18, 1, 10)));
	assert_true(sf_port_has_addr(&port, SF_AF_INET, ip4(198, 18, 1, 19)));
	assert_false(sf_port_has_addr(&port, SF_AF_INET, ip4(198, 18, 1, 20)));
	assert_false(sf_port_has_addr(&port, SF_AF_INET, ip4(198, 18, 1, 9)));
}

/* Without a gateway every destination is its own next hop (a proxy may answer ARP for it). */
static void next_hop_without_gateway_is_destination(void **state)
{
	const uint8_t *dst = ip4(198, 18, 2, 2);

	(void)state;
	assert_ptr_equal(sf_port_next_hop(&port, SF_AF_INET, dst), dst);
}

/* With a gateway: on-link destinations directly, the others through it. */
static void next_hop_off_link_is_gateway(void **state)
{
	const uint8_t *gw = ip4(198, 18, 1, 1), *on = ip4(198, 18, 1, 77), *off = ip4(198, 18, 2, 2);
	const uint8_t *hop;

	(void)state;
	assert_true(sf_port_set_gateway(&port, SF_AF_INET, gw, NULL) >= 0);
	assert_ptr_equal(sf_port_next_hop(&port, SF_AF_INET, on), on);
	hop = sf_port_next_hop(&port, SF_AF_INET, off);
	assert_memory_equal(hop, gw, 4);
	/* The IPv6 gateway is a separate one: none set, an IPv6 destination is its own hop. */
	uint8_t v6[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 2, [15] = 2};
	assert_ptr_equal(sf_port_next_hop(&port, SF_AF_INET6, v6), v6);
}

/* RFC 826: the gateway's MAC is learned from what is heard; an unwanted sender is not kept. */
static void neigh_learns_wanted_addresses_only(void **state)
{
	uint8_t mac[6];
	int idx;

	(void)state;
	idx = sf_port_set_gateway(&port, SF_AF_INET, ip4(198, 18, 1, 1), NULL);
	assert_true(idx >= 0);
	assert_false(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	sf_port_neigh_learn(&port, SF_AF_INET, ip4(198, 18, 1, 99), mac_b);
	assert_int_equal(port.nb_neigh, 1);
	assert_false(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	sf_port_neigh_learn(&port, SF_AF_INET, ip4(198, 18, 1, 1), mac_a);
	assert_true(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	assert_memory_equal(mac, mac_a, 6);
	/* Asking again for the same address gives the same entry. */
	assert_int_equal(sf_port_neigh_want(&port, SF_AF_INET, ip4(198, 18, 1, 1)), idx);
}

/* A static gateway MAC is not overridden by ARP; set again without a MAC, it is resolved anew. */
static void static_gateway_mac_survives_arp(void **state)
{
	uint8_t mac[6];
	int idx;

	(void)state;
	idx = sf_port_set_gateway(&port, SF_AF_INET, ip4(198, 18, 1, 1), mac_a);
	assert_true(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	assert_memory_equal(mac, mac_a, 6);
	sf_port_neigh_learn(&port, SF_AF_INET, ip4(198, 18, 1, 1), mac_b);
	assert_true(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	assert_memory_equal(mac, mac_a, 6);
	assert_int_equal(sf_port_set_gateway(&port, SF_AF_INET, ip4(198, 18, 1, 1), NULL), idx);
	assert_false(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	sf_port_neigh_learn(&port, SF_AF_INET, ip4(198, 18, 1, 1), mac_b);
	assert_true(sf_port_neigh_mac(&port, (uint32_t)idx, mac));
	assert_memory_equal(mac, mac_b, 6);
}

/* The neighbour table is bounded: a full table says so instead of overwriting. */
static void neigh_table_full_is_enospc(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < SF_PORT_MAX_NEIGH; i++)
		assert_int_equal(sf_port_neigh_want(&port, SF_AF_INET, ip4(198, 19, (uint8_t)(i >> 8), (uint8_t)i)), (int)i);
	assert_int_equal(sf_port_neigh_want(&port, SF_AF_INET, ip4(198, 19, 9, 9)), -ENOSPC);
	assert_int_equal(sf_port_set_gateway(&port, SF_AF_INET, ip4(198, 19, 9, 9), NULL), -ENOSPC);
}

static void roles_parse_and_name(void **state)
{
	(void)state;
	assert_int_equal(sf_port_role_parse("client"), SF_PORT_ROLE_CLIENT);
	assert_int_equal(sf_port_role_parse("server"), SF_PORT_ROLE_SERVER);
	assert_int_equal(sf_port_role_parse("both"), SF_PORT_ROLE_BOTH);
	assert_int_equal(sf_port_role_parse("router"), 0);
	assert_string_equal(sf_port_role_name(SF_PORT_ROLE_CLIENT), "client");
	assert_string_equal(sf_port_role_name(SF_PORT_ROLE_SERVER), "server");
	assert_string_equal(sf_port_role_name(SF_PORT_ROLE_BOTH), "both");
}

/* A peer's table is what the client steers by on a port without RSS; bad tables are refused. */
static void peer_reta_read_back_and_checked(void **state)
{
	uint16_t reta[8] = {0, 1, 0, 1, 1, 0, 1, 0}, got[SF_PORT_RETA_MAX];
	uint16_t bad_queue[4] = {0, 1, 2, 0};

	(void)state;
	assert_int_equal(sf_port_reta_get(&port, got, SF_PORT_RETA_MAX), 0);
	assert_int_equal(sf_port_set_peer_reta(&port, reta, 6), -EINVAL);       /* not a power of two */
	assert_int_equal(sf_port_set_peer_reta(&port, bad_queue, 4), -EINVAL);  /* queue 2 of 2 */
	assert_int_equal(sf_port_set_peer_reta(&port, reta, 8), 0);
	assert_int_equal(sf_port_reta_get(&port, got, SF_PORT_RETA_MAX), 8);
	assert_memory_equal(got, reta, sizeof(reta));
	assert_int_equal(sf_port_reta_get(&port, got, 4), 0); /* does not fit */
	assert_int_equal(sf_port_set_peer_reta(&port, reta, 0), 0);
	assert_int_equal(sf_port_reta_get(&port, got, SF_PORT_RETA_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(addr_range_is_ours_to_its_end, setup),
		cmocka_unit_test_setup(next_hop_without_gateway_is_destination, setup),
		cmocka_unit_test_setup(next_hop_off_link_is_gateway, setup),
		cmocka_unit_test_setup(neigh_learns_wanted_addresses_only, setup),
		cmocka_unit_test_setup(static_gateway_mac_survives_arp, setup),
		cmocka_unit_test_setup(neigh_table_full_is_enospc, setup),
		cmocka_unit_test_setup(roles_parse_and_name, setup),
		cmocka_unit_test_setup(peer_reta_read_back_and_checked, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The header template (sf_net_tcp_tmpl_init, sf_net_tcp_tmpl_write): a segment written from it
 * is byte for byte the one sf_net_tcp_build() writes, for IPv4 and IPv6, tagged or not, every
 * option set and every checksum offload, over random addresses, ports, sequence numbers and TS
 * values (every carry the checksums fold). A segment the template was not made for is refused
 * with nothing written, so the caller builds it the generic way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"

#define ALL_OPTS (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS)

/* A client's SYN as lib/tcp writes it (RFC 9293 3.10.1, RFC 7323 3.2: TSecr 0 without ACK). */
#define SYN(...)                                                                                   \
	((struct sf_tcp_wr){ .seq = 0xfffffff0u, .wnd = 0xfe01, .flags = SF_TCP_SYN, .opts = ALL_OPTS, \
			     .mss = 1460, .wscale = 9, .ts_val = 0x8badf00du, __VA_ARGS__ })

struct variant {
	bool v6;
	bool vlan;
};

static struct variant ip4 = { false, false }, ip4_vlan = { false, true }, ip6 = { true, false },
		      ip6_vlan = { true, true };

static struct frame got, want;
static struct sf_tcp_tmpl tmpl;

static uint8_t family_of(const struct variant *v)
{
	return v->v6 ? SF_AF_INET6 : SF_AF_INET;
}

/* A random connection of @v's family; n % 4 == 1 gives all-ones fields, the sums' worst carry. */
static struct sf_flow_key random_key(const struct variant *v, uint64_t *rng, int n)
{
	struct sf_flow_key k = { .family = family_of(v) };
	uint8_t *b = (uint8_t *)&k;

	for (size_t i = 0; i < offsetof(struct sf_flow_key, family); i++)
		b[i] = (uint8_t)(n % 4 == 1 ? 0xff : rng_next(rng));
	if (!v->v6) {
		memset(k.laddr + 4, 0, 12);
		memset(k.raddr + 4, 0, 12);
	}
	return k;
}

/* @w from the template and from the generic writer: the same length and the same bytes. */
static void assert_same_as_build(const struct variant *v, const struct sf_flow_key *k, const struct sf_mac *dst,
				 const struct sf_tcp_wr *w, unsigned int csum)
{
	uint32_t len, ref;

	memset(want.b, 0x5a, sizeof(want.b));
	ref = sf_net_tcp_build(want.b, sizeof(want.b), k, &MAC_US, dst, v->vlan ? VLAN_TCI : 0, w, 0, csum);
	len = sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, k, dst, w, csum);
	assert_int_not_equal(ref, 0);
	assert_int_equal(len, ref);
	assert_memory_equal(got.b, want.b, len);
}

/* Every option set, every offload, 500 random connections each: the template's bytes are the
 * generic writer's. */
static void tmpl_segment_is_the_generic_writers(void **state)
{
	const struct variant *v = *state;
	uint64_t seed = 0x5eed, rng = seed;

	print_message("seed 0x%llx\n", (unsigned long long)seed);
	for (unsigned int opts = 0; opts <= ALL_OPTS; opts++) {
		for (unsigned int csum = 0; csum <= (SF_NET_TX_CSUM_IP4 | SF_NET_TX_CSUM_TCP); csum++) {
			struct sf_tcp_wr w = SYN(.opts = (uint8_t)opts);

			assert_int_equal(sf_net_tcp_tmpl_init(&tmpl, family_of(v), &MAC_US, v->vlan ? VLAN_TCI : 0,
							      &w, csum), 0);
			for (int n = 0; n < 500; n++) {
				struct sf_flow_key k = random_key(v, &rng, n);
				struct sf_mac dst;
				uint64_t r = rng_next(&rng);

				for (int i = 0; i < 6; i++)
					dst.b[i] = (uint8_t)(r >> (8 * i));
				w.seq = n % 4 == 1 ? UINT32_MAX : (uint32_t)rng_next(&rng);
				w.ts_val = n % 4 == 1 ? UINT32_MAX : (uint32_t)rng_next(&rng);
				assert_same_as_build(v, &k, &dst, &w, csum);
			}
		}
	}
}

/* The SYN-ACK's option sets and a plain ACK work as well: the template is any header-only
 * segment, not only a SYN. */
static void tmpl_of_other_segments_is_the_generic_writers(void **state)
{
	const struct variant *v = *state;
	const struct sf_tcp_wr segs[] = {
		SYN(.flags = SF_TCP_SYN | SF_TCP_ACK, .ack = 0x01020304u, .ts_ecr = 0xfffffffeu),
		SYN(.flags = SF_TCP_ACK, .ack = 0xffffffffu, .opts = SF_OPT_TS, .ts_ecr = 7),
		SYN(.flags = SF_TCP_RST, .opts = 0),
	};
	uint64_t rng = 0xacce55;

	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		struct sf_tcp_wr w = segs[i];

		assert_int_equal(sf_net_tcp_tmpl_init(&tmpl, family_of(v), &MAC_US, v->vlan ? VLAN_TCI : 0,
						      &w, 0), 0);
		for (int n = 0; n < 100; n++) {
			struct sf_flow_key k = random_key(v, &rng, n);

			w.seq = (uint32_t)rng_next(&rng);
			w.ts_val = (uint32_t)rng_next(&rng);
			assert_same_as_build(v, &k, &MAC_PEER, &w, 0);
		}
	}
}

/* Any field but seq and ts_val differing from the template's segment, or another family,
 * offload set or too little room: 0 and nothing written. */
static void tmpl_refuses_a_segment_it_was_not_made_for(void **state)
{
	const struct variant *v = *state;
	const struct sf_tcp_wr made = SYN();
	const struct sf_tcp_wr other[] = {
		SYN(.ack = 1), SYN(.wnd = 0xfe02), SYN(.flags = SF_TCP_SYN | SF_TCP_ACK), SYN(.opts = SF_OPT_TS),
		SYN(.mss = 1400), SYN(.wscale = 7), SYN(.ts_ecr = 1), SYN(.payload_len = 2),
	};
	struct sf_flow_key k = random_key(v, &(uint64_t){ 1 }, 0);
	struct sf_flow_key k_other = random_key(&(struct variant){ .v6 = !v->v6 }, &(uint64_t){ 1 }, 0);

	assert_int_equal(sf_net_tcp_tmpl_init(&tmpl, family_of(v), &MAC_US, 0, &made, 0), 0);
	memset(got.b, 0x5a, sizeof(got.b));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k, &MAC_PEER, &other[i], 0), 0);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k_other, &MAC_PEER, &made, 0), 0);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k, &MAC_PEER, &made,
					       SF_NET_TX_CSUM_TCP), 0);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, SF_TCP_TMPL_ROOM - 1, &tmpl, &k, &MAC_PEER, &made, 0), 0);
	for (size_t i = 0; i < sizeof(got.b); i++)
		assert_int_equal(got.b[i], 0x5a);
	/* and the one it was made for, with any seq and TS value, is written */
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, SF_TCP_TMPL_ROOM, &tmpl, &k, &MAC_PEER,
					       &SYN(.seq = 1, .ts_val = 2), 0),
			 (v->v6 ? 14u + 40u : 14u + 20u) + 40u);
}

/* A segment with payload or a key of no known family makes no template, and the template left
 * behind (as a zeroed one) refuses every segment. */
static void tmpl_init_refuses_payload_and_unknown_family(void **state)
{
	struct sf_tcp_wr w = SYN();
	struct sf_flow_key k4 = random_key(&ip4, &(uint64_t){ 1 }, 0);
	struct sf_flow_key k6 = random_key(&ip6, &(uint64_t){ 1 }, 0);

	(void)state;
	assert_int_equal(sf_net_tcp_tmpl_init(&tmpl, SF_AF_INET, &MAC_US, 0, &SYN(.payload_len = 1), 0), -1);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k4, &MAC_PEER, &w, 0), 0);
	assert_int_equal(sf_net_tcp_tmpl_init(&tmpl, 0, &MAC_US, 0, &w, 0), -1);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k4, &MAC_PEER, &w, 0), 0);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k6, &MAC_PEER, &w, 0), 0);
	memset(&tmpl, 0, sizeof(tmpl));
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k4, &MAC_PEER, &w, 0), 0);
	assert_int_equal(sf_net_tcp_tmpl_write(got.b, sizeof(got.b), &tmpl, &k6, &MAC_PEER, &w, 0), 0);
}

#define T(fn, var) { .name = #fn "/" #var, .test_func = fn, .initial_state = &var }
#define VARIANTS(fn) T(fn, ip4), T(fn, ip4_vlan), T(fn, ip6), T(fn, ip6_vlan)

int main(void)
{
	const struct CMUnitTest tests[] = {
		VARIANTS(tmpl_segment_is_the_generic_writers),
		VARIANTS(tmpl_of_other_segments_is_the_generic_writers),
		VARIANTS(tmpl_refuses_a_segment_it_was_not_made_for),
		cmocka_unit_test(tmpl_init_refuses_payload_and_unknown_family),
	};

	return cmocka_run_group_tests_name("net_tcp_tmpl", tests, NULL, NULL);
}

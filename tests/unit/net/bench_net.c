/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net hot-path throughput: classify per frame kind (software and hardware checksum), the
 * checksum loop against DPDK's rte_raw_cksum, in-place echo replies, Toeplitz. Prints the median
 * of RUNS runs in ns per call. A benchmark, never a test: the figures depend on the machine.
 *   meson test -C build-net --benchmark net_bench -v    (or run build-net/tests/unit/net/bench_net)
 * An argument sets the calls per run: `valgrind --tool=callgrind bench_net 10000` gives
 * instruction counts per call that do not depend on a noisy machine; a second argument picks
 * the classify cases by name (`bench_net 10000 'tcp4 SYN 74 B, sw'`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ip.h>

#include "frames.h"

#define RUNS  9
#define BURST 32

static volatile uint64_t sink;
static struct frame frames[BURST];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over RUNS of the ns per call of @fn, which makes @iters calls. */
static double median_ns(void (*fn)(uint32_t iters), uint32_t iters)
{
	double t[RUNS];

	fn(iters / 10); /* warm caches and branch predictors */
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		fn(iters);
		t[r] = (now_ns() - t0) / iters;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

static const struct sf_rx_csum *bench_hw;

static void run_classify(uint32_t iters)
{
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	uint64_t acc = 0;

	for (uint32_t i = 0; i < iters; i++) {
		const struct frame *f = &frames[i % BURST];

		acc += sf_net_classify(f->b, f->len, bench_hw, &pkt, &seg, &key);
		acc += pkt.l3_end;
	}
	sink = acc;
}

static const uint8_t *csum_buf;
static uint32_t csum_len;

/* The buffer "may have changed": keeps an inlined sum from being hoisted out of the loop. */
#define CLOBBER_MEMORY() __asm__ __volatile__("" ::: "memory")

static void run_csum_sf(uint32_t iters)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < iters; i++) {
		CLOBBER_MEMORY();
		acc += sf_csum_fold(sf_csum_partial(csum_buf, csum_len, 0));
	}
	sink = acc;
}

static void run_csum_rte(uint32_t iters)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < iters; i++) {
		CLOBBER_MEMORY();
		acc += rte_raw_cksum(csum_buf, csum_len);
	}
	sink = acc;
}

static struct sf_pkt echo_pkt;

static void run_icmp4_echo_reply(uint32_t iters)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < iters; i++) {
		CLOBBER_MEMORY();
		acc += sf_net_icmp4_echo_reply(frames[i % BURST].b, &echo_pkt);
	}
	sink = acc;
}

static void run_toeplitz(uint32_t iters)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < iters; i++)
		acc += sf_rss_hash_tcp4(sf_rss_sym_key, 0x0100a8c0u, 0x0200a8c0u, (uint16_t)i, 0x5000);
	sink = acc;
}

static void fill(void (*build)(struct frame *f, uint32_t i))
{
	for (uint32_t i = 0; i < BURST; i++)
		build(&frames[i], i);
}

static void b_tcp4_syn(struct frame *f, uint32_t i)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.sport = (uint16_t)(1024 + i), .seq = i * 7919u, .opts = LINUX_SYN_OPTS,
			    .opts_len = sizeof(LINUX_SYN_OPTS)));
}

static void b_tcp4_ack(struct frame *f, uint32_t i)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.sport = (uint16_t)(1024 + i), .flags = SF_TCP_ACK, .ack = i));
	fr_pad(f, 60 - f->len, 0);
}

static void b_tcp4_ack_ts(struct frame *f, uint32_t i)
{
	static const uint8_t nop_nop_ts[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78 };

	build_tcp(f, false, false,
		  &TCP_SPEC(.sport = (uint16_t)(1024 + i), .flags = SF_TCP_ACK, .ack = i,
			    .opts = nop_nop_ts, .opts_len = sizeof(nop_nop_ts)));
}

static void b_tcp4_data(struct frame *f, uint32_t i)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.sport = (uint16_t)(1024 + i), .flags = SF_TCP_ACK | SF_TCP_PSH,
			    .payload_len = 400));
}

static void b_tcp6_syn(struct frame *f, uint32_t i)
{
	build_tcp(f, true, false,
		  &TCP_SPEC(.sport = (uint16_t)(1024 + i), .opts = LINUX_SYN_OPTS,
			    .opts_len = sizeof(LINUX_SYN_OPTS)));
}

static void b_icmp4(struct frame *f, uint32_t i)
{
	build_icmp4_echo(f, 56, false);
	f->b[f->l4 + 7] = (uint8_t)i;
	fr_fix(f);
}

static void b_arp(struct frame *f, uint32_t i)
{
	(void)i;
	build_arp(f, 1, false);
}

int main(int argc, char **argv)
{
	static const struct sf_rx_csum hw_ok = { .ip4_ok = true, .l4_ok = true };
	static const struct {
		const char *name;
		void (*build)(struct frame *f, uint32_t i);
		const struct sf_rx_csum *hw;
	} kinds[] = {
		{ "tcp4 SYN 74 B, sw csum", b_tcp4_syn, NULL },
		{ "tcp4 SYN 74 B, hw csum", b_tcp4_syn, &hw_ok },
		{ "tcp4 ACK 60 B (padded), sw csum", b_tcp4_ack, NULL },
		{ "tcp4 ACK 60 B (padded), hw csum", b_tcp4_ack, &hw_ok },
		{ "tcp4 ACK+timestamps 66 B, sw csum", b_tcp4_ack_ts, NULL },
		{ "tcp4 ACK+timestamps 66 B, hw csum", b_tcp4_ack_ts, &hw_ok },
		{ "tcp4 400 B payload, sw csum", b_tcp4_data, NULL },
		{ "tcp6 SYN 94 B, sw csum", b_tcp6_syn, NULL },
		{ "icmp4 echo 98 B", b_icmp4, NULL },
		{ "arp request", b_arp, NULL },
	};
	static const uint32_t csum_lens[] = { 20, 40, 64, 200, 400, 1460 };
	static uint8_t buf[1500 + 8];
	/* optional argument: calls per run (small for callgrind instruction counts) */
	const uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 2000000;
	uint64_t rng = 1;

	printf("lib/net benchmark: median of %d runs, %u calls each, %d frames in rotation\n", RUNS,
	       iters, BURST);
	/* optional second argument: only the classify cases whose name contains it, nothing else */
	const char *only = argc > 2 ? argv[2] : NULL;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		double ns;

		if (only != NULL && strstr(kinds[k].name, only) == NULL)
			continue;
		fill(kinds[k].build);
		bench_hw = kinds[k].hw;
		ns = median_ns(run_classify, iters);
		printf("classify %-34s %6.1f ns  %6.1f Mpps\n", kinds[k].name, ns, 1e3 / ns);
	}

	if (only != NULL)
		return 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng_next(&rng);
	for (size_t k = 0; k < sizeof(csum_lens) / sizeof(csum_lens[0]); k++) {
		uint32_t len = csum_lens[k];
		double a, b;

		csum_buf = buf + 2; /* where an IP header sits behind Ethernet */
		csum_len = len;
		a = median_ns(run_csum_sf, iters);
		b = median_ns(run_csum_rte, iters);
		printf("csum %4u B: sf_csum_partial %6.1f ns (%5.2f GB/s)  rte_raw_cksum %6.1f ns (%5.2f GB/s)\n",
		       len, a, len / a, b, len / b);
	}

	fill(b_icmp4);
	if (sf_net_classify(frames[0].b, frames[0].len, NULL, &echo_pkt, NULL, NULL) != SF_DROP_NONE)
		return 1;
	printf("icmp4 echo reply in place              %6.1f ns\n", median_ns(run_icmp4_echo_reply, iters));
	printf("toeplitz tcp4 4-tuple                  %6.1f ns\n", median_ns(run_toeplitz, iters / 4));
	return 0;
}

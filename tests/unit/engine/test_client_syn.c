/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's SYNs come from a header template (tcp_engine.c, sf_net_tcp_tmpl_*): every SYN a
 * client lcore sends must be byte for byte the one the generic writer (sf_net_tcp_build) makes
 * for the same connection, sequence number and TS value, and new TCP settings must show in the
 * next SYNs (the template is made again). A client lcore on a ring port of the in-process rig
 * (sf_rig.h) opens connections; each SYN it sends is parsed back and rebuilt the generic way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sf_engine.h"
#include "sf_rig.h"

#define CLI_IP4 0xc6120064u /* 198.18.0.100 */
#define SRV_IP4 0xc6120001u /* 198.18.0.1 */
#define NB_SRC  4
#define OPENS   64

static const uint8_t SRV_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct rig {
	struct rte_mempool *mp;
	struct sf_rig_port port;
	struct sf_lcore *lc;
	struct sf_listeners *ls;
	struct sf_client_cfg *ccfg;
	struct sf_tcp_config tcp;
	struct sf_conn_sizes sizes;
};

static struct rig g;

static int rig_setup(void **state)
{
	uint8_t srv[4];

	(void)state;
	g.mp = rte_pktmbuf_pool_create("syn_mp", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	g.lc = rte_zmalloc("syn_lc", sizeof(*g.lc), RTE_CACHE_LINE_SIZE);
	g.ls = rte_zmalloc("syn_ls", sizeof(*g.ls), RTE_CACHE_LINE_SIZE);
	g.ccfg = rte_zmalloc("syn_ccfg", sizeof(*g.ccfg), RTE_CACHE_LINE_SIZE);
	if (g.mp == NULL || g.lc == NULL || g.ls == NULL || g.ccfg == NULL)
		return -1;
	if (sf_rig_port_create(&g.port, "syn_cli", g.mp, CLI_IP4, NB_SRC, 0) != 0)
		return -1;
	g.sizes = (struct sf_conn_sizes){ .tcbs = 1024, .tw4 = 1024, .tw6 = 64 };
	sf_tcp_config_default(&g.tcp);
	if (sf_listeners_build(g.ls, g.tcp.mss) != 0)
		return -1;
	sf_rig_client_cfg(g.ccfg, CLI_IP4, NB_SRC, SRV_IP4, 80);
	g.ccfg->concurrency = OPENS;
	g.ccfg->close_policy = SF_CLOSE_CLIENT;
	g.ccfg->response_timeout_ms = 10000;
	if (sf_client_build(g.ccfg, g.tcp.mss) != 0)
		return -1;
	sf_lcore_init(g.lc, rte_lcore_id(), 0, &g.port.port, 1, g.mp);
	if (sf_lcore_tcp_setup(g.lc, &g.sizes, &g.tcp, g.ls) != 0 ||
	    sf_lcore_client_setup(g.lc, g.ccfg, 0, 1, g.sizes.tcbs) != 0)
		return -1;
	/* The server's MAC, as if its ARP reply had come: the client opens at once. */
	sf_rig_ip4(srv, SRV_IP4);
	sf_port_neigh_learn(g.port.port, SF_AF_INET, srv, SRV_MAC);
	sf_run.running = true;
	return 0;
}

/* What the rig's lcore allocated outside DPDK's heap (the sanitizer build counts leaks). */
static int rig_teardown(void **state)
{
	(void)state;
	sf_conn_free(g.lc->conn);
	g.lc->conn = NULL;
	sf_lcore_client_free(g.lc);
	return 0;
}

/*
 * Poll until the client has sent @n frames; check each is a SYN identical to the generic
 * writer's for its connection, with @mss and @wscale. @return the SYNs seen.
 */
static unsigned int check_syns(unsigned int n, uint16_t mss, uint8_t wscale)
{
	struct rte_mbuf *m;
	unsigned int seen = 0;
	uint32_t t0_ms;

	sf_lcore_poll(g.lc);
	t0_ms = (uint32_t)(g.lc->now_us / 1000); /* the first poll's clock, at or before any SYN's */
	for (int polls = 0; polls < 1000 && rte_ring_count(g.port.tx) < n; polls++)
		sf_lcore_poll(g.lc);
	while (rte_ring_dequeue(g.port.tx, (void **)&m) == 0) {
		const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
		struct sf_pkt pkt;
		struct sf_tcp_seg seg;
		struct sf_flow_key rx, ours;
		uint8_t want[256];
		uint32_t len;

		assert_int_equal(m->nb_segs, 1);
		assert_int_equal(sf_net_classify(frame, m->data_len, NULL, &pkt, &seg, &rx), SF_DROP_NONE);
		assert_int_equal(seg.flags, SF_TCP_SYN);
		assert_int_equal(seg.opts.mss, mss);
		assert_int_equal(seg.opts.wscale, wscale);
		/* The frame seen from our side: we are the source. */
		ours = rx;
		memcpy(ours.laddr, rx.raddr, sizeof(ours.laddr));
		memcpy(ours.raddr, rx.laddr, sizeof(ours.raddr));
		ours.lport = rx.rport;
		ours.rport = rx.lport;
		struct sf_tcp_wr w = {
			.seq = seg.seq, .wnd = seg.wnd, .flags = SF_TCP_SYN, .opts = seg.opts.present,
			.mss = seg.opts.mss, .wscale = seg.opts.wscale, .ts_val = seg.opts.ts_val,
		};
		len = sf_net_tcp_build(want, sizeof(want), &ours, (const struct sf_mac *)(frame + 6),
				       (const struct sf_mac *)SRV_MAC, 0, &w, 0, 0);
		/* Its sequence number and TS value are the connection's: ISS, our clock + offset. */
		uint32_t v = sf_conn_lookup(g.lc->conn, &ours, sf_conn_hash_crc(&ours));

		assert_int_not_equal(v, SF_CONN_MISS);
		const struct sf_tcb *tcb = sf_tcb_ptr(g.lc->conn, sf_conn_index(v));

		assert_int_equal(seg.seq, tcb->iss);
		assert_true(seg.opts.ts_val - tcb->ts_offset - t0_ms <= (uint32_t)(g.lc->now_us / 1000) - t0_ms);
		assert_int_equal(m->data_len, len);
		assert_int_equal(m->pkt_len, len);
		assert_memory_equal(frame, want, len);
		assert_memory_equal(frame, SRV_MAC, 6);
		rte_pktmbuf_free(m);
		seen++;
	}
	return seen;
}

/* The first SYNs: the template made from the first, every one the generic writer's bytes. */
static void client_syns_are_the_generic_writers(void **state)
{
	(void)state;
	assert_int_equal(check_syns(OPENS, g.tcp.mss, g.tcp.rcv_wscale), OPENS);
	assert_int_equal(g.lc->client.stats.attempted, OPENS);
	assert_int_equal(g.lc->client.syn_tmpl.family, SF_AF_INET);
	assert_int_equal(g.lc->client.syn_tmpl.w.mss, g.tcp.mss);
}

/* New settings (another MSS and window scale) at the next start: the SYNs carry them, the
 * template made again from the first of them. */
static void new_tcp_settings_show_in_the_next_syns(void **state)
{
	(void)state;
	g.tcp.mss = 1200;
	g.tcp.rcv_wscale = 3;
	assert_int_equal(sf_lcore_tcp_setup(g.lc, &g.sizes, &g.tcp, g.ls), 0);
	g.ccfg->concurrency = 2 * OPENS; /* room for OPENS more: the first ones are still open */
	assert_int_equal(sf_lcore_client_setup(g.lc, g.ccfg, 0, 1, g.sizes.tcbs), 0);
	assert_int_equal(check_syns(OPENS, 1200, 3), OPENS);
	assert_int_equal(g.lc->client.syn_tmpl.w.mss, 1200);
	assert_int_equal(g.lc->client.syn_tmpl.w.wscale, 3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_syns_are_the_generic_writers),
		cmocka_unit_test(new_tcp_settings_show_in_the_next_syns),
	};

	(void)argc;
	if (sf_rig_eal_init(argv[0]) != 0)
		return 1;
	return cmocka_run_group_tests_name("engine_client_syn", tests, rig_setup, rig_teardown);
}

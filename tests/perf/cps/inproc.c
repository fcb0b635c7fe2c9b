/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inproc: the deterministic cost of the server path (issue 7, step 4). One thread drives two
 * synfin lcores joined by two ring-backed ports (rte_eth_from_rings: the client's tx ring is the
 * server's rx ring and back), polling them alternately: a synfin client produces the segments,
 * a synfin server answers them through the same sf_lcore_poll() the workers run (frames are
 * flattened between the two, as memif's copy would: see sf_rig_wire()). No PMD thread,
 * no timing: run it under
 *
 *   valgrind --tool=callgrind --toggle-collect=inproc_server_poll inproc --workload b ...
 *
 * and only the server's polls are counted; divide by the connections the server completed while
 * counting (printed here) for instructions per connection. --toggle-collect=inproc_client_poll
 * counts the client's polls instead (its generator included), over the same connections. Warm-up connections go through
 * inproc_server_poll_warm(), which callgrind does not count, so start-up (ARP, first touches of
 * the pools) stays out of the figure.
 *
 *   inproc --workload a|b --close client|server --conns N --warmup N --concurrency N [--timewait N]
 *
 * Prints "server_conns_counted N client_completed N client_failed N server_retrans N".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sf_engine.h"
#include "sf_rig.h"

#define SRV_IP4 RTE_IPV4(198u, 18, 0, 1)
#define CLI_IP4 RTE_IPV4(198u, 18, 0, 100)
#define NB_SRC 100

/* The server's and the client's polls while counted; noinline so callgrind can toggle on each by name. */
__attribute__((noinline)) unsigned int inproc_server_poll(struct sf_lcore *lc);
__attribute__((noinline)) unsigned int inproc_client_poll(struct sf_lcore *lc);
__attribute__((noinline)) unsigned int inproc_server_poll_warm(struct sf_lcore *lc);

__attribute__((noinline)) unsigned int inproc_server_poll(struct sf_lcore *lc)
{
	return sf_lcore_poll(lc);
}

__attribute__((noinline)) unsigned int inproc_client_poll(struct sf_lcore *lc)
{
	return sf_lcore_poll(lc);
}

__attribute__((noinline)) unsigned int inproc_server_poll_warm(struct sf_lcore *lc)
{
	return sf_lcore_poll(lc);
}

/* Connections fully closed on the server: CLOSED plus those resting in TIME_WAIT. */
static uint64_t server_done(const struct sf_lcore *lc)
{
	const struct sf_tcp_stats *s = &lc->tcp.stats;

	return s->closed + s->state[SF_TCP_TIME_WAIT] + s->tw_compact;
}

static uint64_t retrans(const struct sf_lcore *lc)
{
	uint64_t n = 0;

	for (unsigned int k = 0; k < SF_TCP_RETRANS__COUNT; k++)
		n += lc->tcp.stats.retrans[k];
	return n;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--workload a|b] [--close client|server] [--conns N] [--warmup N] "
			"[--concurrency N] [--body-check on|off] [--timewait N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	char workload = 'b';
	int close_server = 0, body_check = 1;
	unsigned long conns = 20000, warmup = 2000, concurrency = 32;
	struct sf_tcp_config tcp_cfg;
	struct sf_conn_sizes sizes = {.tcbs = 1u << 16, .tw4 = 1u << 20, .tw6 = 1u << 10};
	static struct sf_client_cfg ccfg;
	struct sf_listener l;
	struct sf_listeners *ls_srv, *ls_cli;
	struct sf_rig_port psrv, pcli;
	struct sf_lcore *srv, *cli;
	struct rte_mempool *mp;
	uint64_t done0, done1, spins = 0;
	uint64_t srv_tsc = 0, cli_tsc = 0; /* TSC cycles in each side's counted polls */

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage(argv[0]);
		if (strcmp(argv[i], "--workload") == 0)
			workload = argv[++i][0];
		else if (strcmp(argv[i], "--close") == 0)
			close_server = strcmp(argv[++i], "server") == 0;
		else if (strcmp(argv[i], "--conns") == 0)
			conns = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--warmup") == 0)
			warmup = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--concurrency") == 0)
			concurrency = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--body-check") == 0)
			body_check = strcmp(argv[++i], "off") != 0;
		else if (strcmp(argv[i], "--timewait") == 0)
			sizes.tw4 = (uint32_t)strtoul(argv[++i], NULL, 10);
		else
			usage(argv[0]);
	}
	if ((workload != 'a' && workload != 'b') || conns == 0 || concurrency == 0)
		usage(argv[0]);
	if (sf_rig_eal_init(argv[0]) != 0)
		return 1;

	/* Two ring ports joined by the wire: the client's tx reaches the server's rx and back. */
	mp = rte_pktmbuf_pool_create("inproc", 16384, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	srv = rte_zmalloc("srv", sizeof(*srv), RTE_CACHE_LINE_SIZE);
	cli = rte_zmalloc("cli", sizeof(*cli), RTE_CACHE_LINE_SIZE);
	ls_srv = rte_zmalloc("ls_srv", sizeof(*ls_srv), RTE_CACHE_LINE_SIZE);
	ls_cli = rte_zmalloc("ls_cli", sizeof(*ls_cli), RTE_CACHE_LINE_SIZE);
	if (!mp || !srv || !cli || !ls_srv || !ls_cli) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	if (sf_rig_port_create(&psrv, "inproc_srv", mp, SRV_IP4, 1, 0) != 0 ||
	    sf_rig_port_create(&pcli, "inproc_cli", mp, CLI_IP4, NB_SRC, 0) != 0)
		return 1;

	/* The server: one listener on port 80, the workload's response and close policy. */
	sf_tcp_config_default(&tcp_cfg);
	memset(&l, 0, sizeof(l));
	l.family = SF_AF_INET;
	l.any = 1;
	l.port_lo = l.port_hi = 80;
	l.response_kind = workload == 'b' ? SF_RESPONSE_RAW : SF_RESPONSE_NONE;
	l.response_bytes = workload == 'b' ? 128 : 0;
	l.requests = workload == 'b' ? 1 : 0;
	l.close_policy = close_server ? SF_CLOSE_SERVER : SF_CLOSE_CLIENT;
	if (sf_listeners_add(ls_srv, &l) != 0 || sf_listeners_build(ls_srv, tcp_cfg.mss) != 0 ||
	    sf_listeners_build(ls_cli, tcp_cfg.mss) != 0) {
		fprintf(stderr, "listeners: set-up failed\n");
		return 1;
	}

	/* The client: as fast as the concurrency allows, the workload's request. */
	sf_rig_client_cfg(&ccfg, CLI_IP4, NB_SRC, SRV_IP4, 80);
	ccfg.concurrency = (uint32_t)concurrency;
	ccfg.requests = workload == 'b' ? 1 : 0;
	ccfg.request_kind = SF_RESPONSE_RAW;
	ccfg.raw_bytes = 64;
	ccfg.raw_response = 128;
	ccfg.close_policy = close_server ? SF_CLOSE_SERVER : SF_CLOSE_CLIENT;
	ccfg.response_timeout_ms = 10000;
	ccfg.skip_body_check = !body_check; /* off only to measure what the check costs */
	if (sf_client_build(&ccfg, tcp_cfg.mss) != 0) {
		fprintf(stderr, "client request: set-up failed\n");
		return 1;
	}

	sf_lcore_init(srv, rte_lcore_id(), 0, &psrv.port, 1, mp);
	sf_lcore_init(cli, rte_lcore_id(), 0, &pcli.port, 1, mp);
	if (sf_lcore_tcp_setup(srv, &sizes, &tcp_cfg, ls_srv) != 0 || sf_lcore_tcp_setup(cli, &sizes, &tcp_cfg, ls_cli) != 0 ||
	    sf_lcore_client_setup(cli, &ccfg, 0, 1, sizes.tcbs) != 0) {
		fprintf(stderr, "lcore TCP set-up failed\n");
		return 1;
	}
	sf_run.running = true;

	/* Warm-up, not counted; then N connections through the counted poll. */
	while (server_done(srv) < warmup && spins++ < 100000000) {
		sf_lcore_poll(cli);
		sf_rig_wire(pcli.tx, psrv.rx);
		inproc_server_poll_warm(srv);
		sf_rig_wire(psrv.tx, pcli.rx);
	}
	done0 = server_done(srv);
	while (server_done(srv) < done0 + conns && spins++ < 100000000) {
		uint64_t t0 = rte_rdtsc(), t1;

		inproc_client_poll(cli);
		t1 = rte_rdtsc();
		cli_tsc += t1 - t0;
		sf_rig_wire(pcli.tx, psrv.rx);
		t0 = rte_rdtsc();
		inproc_server_poll(srv);
		t1 = rte_rdtsc();
		srv_tsc += t1 - t0;
		sf_rig_wire(psrv.tx, pcli.rx);
	}
	done1 = server_done(srv);

	uint64_t failed = 0;

	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		failed += cli->client.stats.failed[f];
	printf("workload %c close %s\n", workload, close_server ? "server" : "client");
	printf("server_conns_counted %" PRIu64 " client_completed %" PRIu64 " client_failed %" PRIu64
	       " server_retrans %" PRIu64 " client_retrans %" PRIu64 " server_rx_pkts %" PRIu64 " server_tx_pkts %" PRIu64
	       "\n",
	       done1 - done0, cli->client.stats.completed, failed, retrans(srv), retrans(cli), srv->stats.rx_pkts,
	       srv->stats.tx_pkts);
	/* One core, no PMD thread, the frames copied by sf_rig_wire() outside both: the cycles each
	 * side's own code takes, for before/after comparisons by time (noisy; meaningless under
	 * valgrind, whose counts are the figure there). */
	printf("tsc cycles per connection: server %.0f client %.0f\n", (double)srv_tsc / (double)(done1 - done0),
	       (double)cli_tsc / (double)(done1 - done0));
	printf("timer arms per connection: server %.2f client %.2f\n",
	       (double)srv->wheel.stats.armed / (double)server_done(srv),
	       (double)cli->wheel.stats.armed / (double)server_done(srv));
	if (done1 - done0 < conns || failed != 0) {
		/* Something is wrong with the pair, not the figure: show both sides' counters. */
		printf("server:\n");
		sf_lcore_stats_print(&srv->stats, stdout);
		printf("client:\n");
		sf_lcore_stats_print(&cli->stats, stdout);
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
			if (cli->client.stats.failed[f])
				printf("client failed %s: %" PRIu64 "\n", sf_client_fail_name(f), cli->client.stats.failed[f]);
		return 1;
	}
	return 0;
}

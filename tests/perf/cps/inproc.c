/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inproc: the deterministic cost of the server path (issue 7, step 4). One thread drives two
 * synfin lcores joined by two ring-backed ports (rte_eth_from_rings: the client's tx ring is the
 * server's rx ring and back), polling them alternately: a synfin client produces the segments,
 * a synfin server answers them through the same sf_lcore_poll() the workers run (frames are
 * flattened between the two, as memif's copy would: see wire()). No PMD thread,
 * no timing: run it under
 *
 *   valgrind --tool=callgrind --toggle-collect=inproc_server_poll inproc --workload b ...
 *
 * and only the server's polls are counted; divide by the connections the server completed while
 * counting (printed here) for instructions per connection. Warm-up connections go through
 * inproc_server_poll_warm(), which callgrind does not count, so start-up (ARP, first touches of
 * the pools) stays out of the figure.
 *
 *   inproc --workload a|b --close client|server --conns N --warmup N --concurrency N
 *
 * Prints "server_conns_counted N client_completed N client_failed N server_retrans N".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sf_engine.h"

#define SRV_IP4 RTE_IPV4(198u, 18, 0, 1)
#define CLI_IP4 RTE_IPV4(198u, 18, 0, 100)
#define NB_SRC 100

/* The server's poll while counted; noinline so callgrind can toggle on it by name. */
__attribute__((noinline)) unsigned int inproc_server_poll(struct sf_lcore *lc);
__attribute__((noinline)) unsigned int inproc_server_poll_warm(struct sf_lcore *lc);

__attribute__((noinline)) unsigned int inproc_server_poll(struct sf_lcore *lc)
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

static void ip4(uint8_t *a, uint32_t host)
{
	a[0] = (uint8_t)(host >> 24);
	a[1] = (uint8_t)(host >> 16);
	a[2] = (uint8_t)(host >> 8);
	a[3] = (uint8_t)host;
}

static int ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx)
{
	return rte_eth_from_rings(name, &rx, 1, &tx, 1, (unsigned int)rte_socket_id());
}

/*
 * The wire: what one side sent reaches the other as one flat frame, as it would over memif
 * (which copies each chain into its ring's buffers). synfin's replies carry their body by
 * reference in a second segment and its rx path takes single-segment frames, so the chain is
 * flattened here, outside the counted polls.
 */
static void wire(struct rte_ring *from, struct rte_ring *to)
{
	struct rte_mbuf *m[SF_BURST];
	unsigned int n = rte_ring_dequeue_burst(from, (void **)m, SF_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		if (rte_pktmbuf_linearize(m[i]) != 0 || rte_ring_enqueue(to, m[i]) != 0)
			rte_pktmbuf_free(m[i]);
	}
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--workload a|b] [--close client|server] [--conns N] [--warmup N] "
			"[--concurrency N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	char *eal_argv[] = {argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
			    "--log-level=lib.eal:error", "--lcores", "0", NULL};
	int eal_argc = (int)RTE_DIM(eal_argv) - 1;
	char workload = 'b';
	int close_server = 0;
	unsigned long conns = 20000, warmup = 2000, concurrency = 32;
	struct sf_tcp_config tcp_cfg;
	struct sf_conn_sizes sizes = {.tcbs = 1u << 16, .tw4 = 1u << 20, .tw6 = 1u << 10};
	static struct sf_client_cfg ccfg;
	struct sf_listener l;
	struct sf_listeners *ls_srv, *ls_cli;
	struct sf_port *psrv, *pcli;
	struct sf_lcore *srv, *cli;
	struct rte_mempool *mp;
	struct rte_ring *c2s, *s2c, *c2s_wire, *s2c_wire;
	struct sf_port_addr a;
	int pid_s, pid_c;
	uint64_t done0, done1, spins = 0;

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
		else
			usage(argv[0]);
	}
	if ((workload != 'a' && workload != 'b') || conns == 0 || concurrency == 0)
		usage(argv[0]);
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}

	/* Two rings, two ports: the client's tx is the server's rx and back. */
	mp = rte_pktmbuf_pool_create("inproc", 16384, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	c2s = rte_ring_create("c2s", 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	s2c = rte_ring_create("s2c", 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	psrv = rte_zmalloc("psrv", sizeof(*psrv), RTE_CACHE_LINE_SIZE);
	pcli = rte_zmalloc("pcli", sizeof(*pcli), RTE_CACHE_LINE_SIZE);
	srv = rte_zmalloc("srv", sizeof(*srv), RTE_CACHE_LINE_SIZE);
	cli = rte_zmalloc("cli", sizeof(*cli), RTE_CACHE_LINE_SIZE);
	ls_srv = rte_zmalloc("ls_srv", sizeof(*ls_srv), RTE_CACHE_LINE_SIZE);
	ls_cli = rte_zmalloc("ls_cli", sizeof(*ls_cli), RTE_CACHE_LINE_SIZE);
	c2s_wire = rte_ring_create("c2s_wire", 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	s2c_wire = rte_ring_create("s2c_wire", 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!mp || !c2s || !s2c || !c2s_wire || !s2c_wire || !psrv || !pcli || !srv || !cli || !ls_srv || !ls_cli) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	pid_s = ring_port("inproc_srv", c2s, s2c_wire);
	pid_c = ring_port("inproc_cli", s2c, c2s_wire);
	if (pid_s < 0 || pid_c < 0 || sf_port_init(psrv, (uint16_t)pid_s, 1, mp) != 0 ||
	    sf_port_init(pcli, (uint16_t)pid_c, 1, mp) != 0) {
		fprintf(stderr, "ring ports: set-up failed\n");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.family = SF_AF_INET;
	a.prefix_len = 24;
	ip4(a.addr, SRV_IP4);
	sf_port_add_addr(psrv, &a);
	ip4(a.addr, CLI_IP4);
	a.count = NB_SRC;
	sf_port_add_addr(pcli, &a);

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
	ccfg.enabled = true;
	ccfg.family = SF_AF_INET;
	ip4(ccfg.src_first, CLI_IP4);
	ccfg.src_count = NB_SRC;
	ip4(ccfg.dst[0].addr, SRV_IP4);
	ccfg.dst[0].port = 80;
	ccfg.nb_dst = 1;
	ccfg.dport_lo = ccfg.dport_hi = 80;
	ccfg.sport_lo = 1024;
	ccfg.sport_hi = 65535;
	ccfg.concurrency = (uint32_t)concurrency;
	ccfg.requests = workload == 'b' ? 1 : 0;
	ccfg.request_kind = SF_RESPONSE_RAW;
	ccfg.raw_bytes = 64;
	ccfg.raw_response = 128;
	ccfg.close_policy = close_server ? SF_CLOSE_SERVER : SF_CLOSE_CLIENT;
	ccfg.response_timeout_ms = 10000;
	if (sf_client_build(&ccfg, tcp_cfg.mss) != 0) {
		fprintf(stderr, "client request: set-up failed\n");
		return 1;
	}

	sf_lcore_init(srv, rte_lcore_id(), 0, &psrv, 1, mp);
	sf_lcore_init(cli, rte_lcore_id(), 0, &pcli, 1, mp);
	if (sf_lcore_tcp_setup(srv, &sizes, &tcp_cfg, ls_srv) != 0 || sf_lcore_tcp_setup(cli, &sizes, &tcp_cfg, ls_cli) != 0 ||
	    sf_lcore_client_setup(cli, &ccfg, 0, 1, sizes.tcbs) != 0) {
		fprintf(stderr, "lcore TCP set-up failed\n");
		return 1;
	}
	sf_run.running = true;

	/* Warm-up, not counted; then N connections through the counted poll. */
	while (server_done(srv) < warmup && spins++ < 100000000) {
		sf_lcore_poll(cli);
		wire(c2s_wire, c2s);
		inproc_server_poll_warm(srv);
		wire(s2c_wire, s2c);
	}
	done0 = server_done(srv);
	while (server_done(srv) < done0 + conns && spins++ < 100000000) {
		sf_lcore_poll(cli);
		wire(c2s_wire, c2s);
		inproc_server_poll(srv);
		wire(s2c_wire, s2c);
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

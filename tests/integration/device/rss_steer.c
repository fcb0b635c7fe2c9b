/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two queues steered by RSS, in one process (no port on this machine steers by Toeplitz: net_tap
 * applies RSS only through rte_flow, which needs the multiq qdisc this kernel lacks; memif pairs
 * queues and hashes nothing). A software NIC model stands in for the hardware: two ring ports,
 * the client port and the server port, two queues each, and a wire that puts every frame on the
 * rx queue RETA[Toeplitz(symmetric key, 4-tuple) % 128] as a NIC does. The model hashes with
 * DPDK's rte_softrss(), an implementation independent of synfin's own (lib/net), over a RETA
 * spread round robin like lib/port programs a NIC's.
 *
 * Two workers each own queue q of both ports, as in the app: each is a client on the client
 * port and a server on the server port. The client port is told the peer's RETA
 * (sf_port_set_peer_reta), so each worker picks source ports whose replies hash to its queue.
 *
 *   rss_steer [--conns N]
 *
 * The wire also keeps, per connection, the worker that owns it on each port: on the client port
 * the one whose queue sent the SYN, on the server port the one whose queue received it. A
 * connection any of whose frames is sent or received by another worker's queue on either port is
 * counted once: the wrong-lcore count, in connections, seen by the NIC rather than by synfin.
 *
 * Pass: every connection completes, both workers carry clients and servers, every connection is
 * tracked and none is on a wrong lcore (and no segment met a worker without its connection:
 * tcp_no_conn + tcp_no_listener = 0). Then the same without the RETA (sources split in slices,
 * as on memif): replies land on the other worker and the wrong-lcore count must rise, so the
 * check can fail.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "sf_engine.h"
#include "sf_rig.h"

#define NQ 2
#define RETA_SIZE 128
#define SRV_IP4 RTE_IPV4(198u, 18, 2, 2)
#define CLI_IP4 RTE_IPV4(198u, 18, 1, 2)
#define SRC_IP4 RTE_IPV4(198u, 18, 1, 10)
#define NB_SRC 10

struct nic_port {
	struct rte_ring *rx[NQ], *tx[NQ];
	struct sf_port *port;
};

static uint16_t reta[RETA_SIZE];

static int nic_port_create(struct nic_port *np, struct sf_port *p, const char *name, struct rte_mempool *mp,
			   uint32_t ip4)
{
	char rname[RTE_RING_NAMESIZE];
	struct sf_port_addr a = {.family = SF_AF_INET, .prefix_len = 24, .count = 1};
	int pid;

	for (unsigned int q = 0; q < NQ; q++) {
		snprintf(rname, sizeof(rname), "%s_rx%u", name, q);
		np->rx[q] = rte_ring_create(rname, 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "%s_tx%u", name, q);
		np->tx[q] = rte_ring_create(rname, 4096, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (np->rx[q] == NULL || np->tx[q] == NULL)
			return -1;
	}
	pid = rte_eth_from_rings(name, np->rx, NQ, np->tx, NQ, (unsigned int)rte_socket_id());
	if (pid < 0 || sf_port_init(p, (uint16_t)pid, NQ, mp) != 0)
		return -1;
	sf_rig_ip4(a.addr, ip4);
	np->port = p;
	return sf_port_add_addr(p, &a);
}

/* The NIC's choice of rx queue: Toeplitz over (src, dst, sport, dport) for TCP/IPv4, else 0. */
static unsigned int nic_queue(struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
	const struct rte_tcp_hdr *th;
	struct rte_ipv4_tuple t;

	if (m->data_len < RTE_ETHER_HDR_LEN + 40 || f[12] != 0x08 || f[13] != 0x00 || ip->next_proto_id != IPPROTO_TCP)
		return 0;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	t.src_addr = rte_be_to_cpu_32(ip->src_addr);
	t.dst_addr = rte_be_to_cpu_32(ip->dst_addr);
	t.sport = rte_be_to_cpu_16(th->src_port);
	t.dport = rte_be_to_cpu_16(th->dst_port);
	return reta[rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, sf_rss_sym_key) % RETA_SIZE];
}

/* ---- the owner of each connection, as the wire sees it ---- */

#define MAX_TRACKED (1u << 17)

struct conn_key { /* from the client's side */
	uint32_t cli_ip, srv_ip;
	uint16_t cli_port, srv_port;
};

struct conn_owner {
	uint8_t cli_q, srv_q; /**< the worker owning it on the client port, on the server port */
	bool wrong;           /**< counted in wrong_conns already */
};

static struct rte_hash *owners_h;
static struct conn_owner owners[MAX_TRACKED];
static uint64_t tracked_conns, wrong_conns, untracked_frames;

/* A frame from the client port's tx queue @p q to the server port's rx queue @p r (@p to_server),
 * or from the server port's tx queue @p q to the client port's rx queue @p r. */
static void track(const struct rte_mbuf *m, bool to_server, unsigned int q, unsigned int r)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
	const struct rte_tcp_hdr *th;
	struct conn_key k;
	struct conn_owner *o;
	unsigned int cli_q = to_server ? q : r, srv_q = to_server ? r : q;
	int pos;

	if (m->data_len < RTE_ETHER_HDR_LEN + 40 || f[12] != 0x08 || f[13] != 0x00 || ip->next_proto_id != IPPROTO_TCP)
		return;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	memset(&k, 0, sizeof(k));
	k.cli_ip = to_server ? ip->src_addr : ip->dst_addr;
	k.srv_ip = to_server ? ip->dst_addr : ip->src_addr;
	k.cli_port = to_server ? th->src_port : th->dst_port;
	k.srv_port = to_server ? th->dst_port : th->src_port;
	if (to_server && (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		/* A SYN: the connection (or a new one on a reused tuple) is owned from here. */
		pos = rte_hash_add_key(owners_h, &k);
		if (pos < 0) {
			untracked_frames++;
			return;
		}
		o = &owners[pos];
		if (o->cli_q == 0 && o->srv_q == 0 && !o->wrong)
			tracked_conns++;
		o->cli_q = (uint8_t)(cli_q + 1);
		o->srv_q = (uint8_t)(srv_q + 1);
		return;
	}
	pos = rte_hash_lookup(owners_h, &k);
	if (pos < 0) {
		untracked_frames++;
		return;
	}
	o = &owners[pos];
	if (!o->wrong && (o->cli_q != cli_q + 1 || o->srv_q != srv_q + 1)) {
		o->wrong = true;
		wrong_conns++;
	}
}

static void track_reset(void)
{
	rte_hash_reset(owners_h);
	memset(owners, 0, sizeof(owners));
	tracked_conns = wrong_conns = untracked_frames = 0;
}

/* Everything the sender's queues hold goes to the receiver's queue the NIC picks. */
static void nic_wire(struct nic_port *from, struct nic_port *to, struct rte_ring *flat, bool to_server)
{
	struct rte_mbuf *m[32];

	for (unsigned int q = 0; q < NQ; q++) {
		sf_rig_wire(from->tx[q], flat); /* one segment per frame, as a NIC's DMA would deliver it */
		unsigned int n = rte_ring_dequeue_burst(flat, (void **)m, 32, NULL);

		for (unsigned int i = 0; i < n; i++) {
			unsigned int r = nic_queue(m[i]);

			track(m[i], to_server, q, r);
			if (rte_ring_enqueue(to->rx[r], m[i]) != 0)
				rte_pktmbuf_free(m[i]);
		}
	}
}

struct result {
	uint64_t attempted, completed, failed, open, wrong_segments;
	uint64_t tracked, wrong_conns, untracked;
	uint64_t per_worker_completed[NQ], per_worker_accepted[NQ];
};

/* Each worker opens @p quota connections; then poll until nothing is open (within 20 s). */
static void run(struct sf_lcore **lc, struct nic_port *cp, struct nic_port *sp, struct rte_ring *flat, uint64_t quota,
		struct result *r)
{
	uint64_t end = rte_rdtsc() + 20 * rte_get_tsc_hz();
	uint64_t base_wrong = 0, base_acc[NQ];

	track_reset();

	for (unsigned int w = 0; w < NQ; w++) {
		memset(&lc[w]->client.stats, 0, sizeof(lc[w]->client.stats));
		base_wrong += lc[w]->stats.tcp_no_conn + lc[w]->stats.tcp_no_listener;
		base_acc[w] = lc[w]->tcp.stats.opened_passive;
	}
	for (;;) {
		bool busy = false;

		for (unsigned int w = 0; w < NQ; w++) {
			/* A count, not a duration: whole seconds are too coarse here. */
			if (lc[w]->client.stats.attempted >= quota)
				lc[w]->client.opening = false;
			sf_lcore_poll(lc[w]);
			busy |= lc[w]->client.opening || lc[w]->client.stats.open != 0;
		}
		nic_wire(cp, sp, flat, true);
		nic_wire(sp, cp, flat, false);
		if (!busy || rte_rdtsc() > end)
			break;
	}
	memset(r, 0, sizeof(*r));
	for (unsigned int w = 0; w < NQ; w++) {
		const struct sf_client_stats *c = &lc[w]->client.stats;

		r->attempted += c->attempted;
		r->completed += c->completed;
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
			r->failed += c->failed[f];
		r->open += c->open;
		r->wrong_segments += lc[w]->stats.tcp_no_conn + lc[w]->stats.tcp_no_listener;
		r->per_worker_completed[w] = c->completed;
		r->per_worker_accepted[w] = lc[w]->tcp.stats.opened_passive - base_acc[w];
	}
	r->wrong_segments -= base_wrong;
	r->tracked = tracked_conns;
	r->wrong_conns = wrong_conns;
	r->untracked = untracked_frames;
}

int main(int argc, char **argv)
{
	unsigned long conns = 20000;
	static struct sf_client_cfg ccfg;
	static struct sf_port ports[2];
	struct sf_conn_sizes sizes = {.tcbs = 1u << 15, .tw4 = 1u << 16, .tw6 = 1u << 4};
	struct sf_tcp_config tcp_cfg;
	struct sf_listener l;
	struct sf_listeners *ls;
	struct nic_port cp, sp;
	struct sf_lcore *lc[NQ];
	struct rte_mempool *mp;
	struct rte_ring *flat;
	struct result r;
	int fail = 0;

	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--conns") == 0)
			conns = strtoul(argv[i + 1], NULL, 10);
	if (sf_rig_eal_init(argv[0]) != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("rss_steer", 32768, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	ls = rte_zmalloc("ls", sizeof(*ls), RTE_CACHE_LINE_SIZE);
	flat = rte_ring_create("rss_flat", 64, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct rte_hash_parameters hp = {.name = "rss_owners", .entries = MAX_TRACKED, .key_len = sizeof(struct conn_key),
					 .socket_id = (int)rte_socket_id()};

	owners_h = rte_hash_create(&hp);
	if (owners_h == NULL || mp == NULL || ls == NULL || flat == NULL || nic_port_create(&cp, &ports[0], "rss_cli", mp, CLI_IP4) != 0 ||
	    nic_port_create(&sp, &ports[1], "rss_srv", mp, SRV_IP4) != 0) {
		fprintf(stderr, "set-up failed\n");
		return 1;
	}
	ports[0].role = SF_PORT_ROLE_CLIENT;
	ports[1].role = SF_PORT_ROLE_SERVER;
	/* Round robin, as sf_port_reta_spread() programs a NIC. */
	for (unsigned int i = 0; i < RETA_SIZE; i++)
		reta[i] = (uint16_t)(i % NQ);

	sf_tcp_config_default(&tcp_cfg);
	tcp_cfg.msl_ms = 100;
	tcp_cfg.rto_initial_ms = 50;
	tcp_cfg.rto_min_ms = 20;
	tcp_cfg.syn_retries = tcp_cfg.synack_retries = tcp_cfg.max_retries = 2;
	memset(&l, 0, sizeof(l));
	l.family = SF_AF_INET;
	sf_rig_ip4(l.addr, SRV_IP4);
	l.port_lo = l.port_hi = 80;
	l.response_kind = SF_RESPONSE_RAW;
	l.response_bytes = 128;
	l.requests = 1;
	l.close_policy = SF_CLOSE_CLIENT;
	sf_rig_client_cfg(&ccfg, SRC_IP4, NB_SRC, SRV_IP4, 80);
	ccfg.rate = 100000;
	ccfg.duration_s = 0;
	ccfg.concurrency = 64;
	ccfg.requests = 1;
	ccfg.request_kind = SF_RESPONSE_RAW;
	ccfg.raw_bytes = 64;
	ccfg.raw_response = 128;
	ccfg.close_policy = SF_CLOSE_CLIENT;
	ccfg.response_timeout_ms = 2000;
	if (sf_listeners_add(ls, &l) != 0 || sf_listeners_build(ls, tcp_cfg.mss) != 0 ||
	    sf_client_build(&ccfg, tcp_cfg.mss) != 0 || sf_port_set_peer_reta(&ports[0], reta, RETA_SIZE) != 0) {
		fprintf(stderr, "configuration failed\n");
		return 1;
	}
	struct sf_port *pp[2] = {&ports[0], &ports[1]};

	for (unsigned int w = 0; w < NQ; w++) {
		lc[w] = rte_zmalloc("lc", sizeof(*lc[w]), RTE_CACHE_LINE_SIZE);
		if (lc[w] == NULL)
			return 1;
		sf_lcore_init(lc[w], rte_lcore_id(), (uint16_t)w, pp, 2, mp);
		if (sf_lcore_tcp_setup(lc[w], &sizes, &tcp_cfg, ls) != 0) {
			fprintf(stderr, "TCP set-up failed\n");
			return 1;
		}
	}
	sf_run.running = true;

	/* 1. Steered: each worker's sources hash its replies to its own queue. */
	for (unsigned int w = 0; w < NQ; w++) {
		if (sf_lcore_client_setup(lc[w], &ccfg, w, NQ, sizes.tcbs) != 0 ||
		    !sf_portalloc_steering(lc[w]->client.alloc)) {
			fprintf(stderr, "client set-up failed or not steering\n");
			return 1;
		}
	}
	run(lc, &cp, &sp, flat, conns / NQ, &r);
	printf("steered: attempted %" PRIu64 " completed %" PRIu64 " failed %" PRIu64 " open %" PRIu64
	       "; connections tracked by the wire %" PRIu64 ", on a wrong lcore %" PRIu64 " (frames of no tracked "
	       "connection %" PRIu64 "); segments without their connection %" PRIu64 "; per worker completed %" PRIu64
	       "/%" PRIu64 " accepted %" PRIu64 "/%" PRIu64 "\n",
	       r.attempted, r.completed, r.failed, r.open, r.tracked, r.wrong_conns, r.untracked, r.wrong_segments,
	       r.per_worker_completed[0], r.per_worker_completed[1], r.per_worker_accepted[0], r.per_worker_accepted[1]);
	if (r.attempted < conns / NQ * NQ || r.completed != r.attempted || r.failed != 0 || r.open != 0) {
		printf("FAIL: not every steered connection completed\n");
		fail = 1;
	}
	if (r.tracked != r.attempted || r.untracked != 0) {
		printf("FAIL: the wire tracked %" PRIu64 " connections of %" PRIu64 " attempted\n", r.tracked, r.attempted);
		fail = 1;
	}
	if (r.wrong_conns != 0 || r.wrong_segments != 0) {
		printf("FAIL: %" PRIu64 " connections on a wrong lcore, %" PRIu64 " segments reached a worker without "
		       "their connection\n", r.wrong_conns, r.wrong_segments);
		fail = 1;
	}
	for (unsigned int w = 0; w < NQ; w++)
		if (r.per_worker_completed[w] == 0 || r.per_worker_accepted[w] == 0) {
			printf("FAIL: worker %u carried no clients or no server connections\n", w);
			fail = 1;
		}

	/* 2. Control: no RETA, sources split in slices: replies hash anywhere, some to the other worker. */
	sf_port_set_peer_reta(&ports[0], reta, 0);
	ccfg.concurrency = 16;
	for (unsigned int w = 0; w < NQ; w++)
		if (sf_lcore_client_setup(lc[w], &ccfg, w, NQ, sizes.tcbs) != 0 || sf_portalloc_steering(lc[w]->client.alloc))
			return 1;
	run(lc, &cp, &sp, flat, 200, &r);
	printf("unsteered control: attempted %" PRIu64 " completed %" PRIu64 " failed %" PRIu64
	       "; connections on a wrong lcore %" PRIu64 " of %" PRIu64 " tracked; segments without their connection %" PRIu64
	       "\n", r.attempted, r.completed, r.failed, r.wrong_conns, r.tracked, r.wrong_segments);
	if (r.wrong_conns == 0 || r.wrong_segments == 0 || r.failed == 0) {
		printf("FAIL: without steering the wrong-lcore count stayed 0: the check cannot see a mis-steer\n");
		fail = 1;
	}
	for (unsigned int w = 0; w < NQ; w++) {
		sf_lcore_client_free(lc[w]);
		sf_conn_free(lc[w]->conn);
		rte_free(lc[w]);
	}
	sf_response_free(&ccfg.request);
	sf_listeners_clear(ls);
	rte_free(ls);
	rte_hash_free(owners_h);
	printf(fail ? "FAIL\n" : "PASS\n");
	return fail;
}

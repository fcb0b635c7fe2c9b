/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A segment's payload (tcp_engine.c, tx_segment): up to SF_PAYLOAD_COPY_MAX bytes are copied
 * behind the header into the segment's own mbuf, longer ones are chained after it by reference
 * into the stream's bytes. Either way the bytes on the wire are the stream's and the checksum
 * holds. A client lcore and a server lcore on two ports of the in-process rig (sf_rig.h) run
 * whole connections; the test looks at every segment each side sends before it passes it on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "sf_engine.h"
#include "sf_rig.h"

#define SRV_IP4 RTE_IPV4(198u, 18, 0, 1)
#define CLI_IP4 RTE_IPV4(198u, 18, 0, 100)
#define NB_SRC 4
#define CONNS 16

static struct rte_mempool *mp;

/* What one side sent, as the test saw it on the wire. */
struct seen {
	unsigned int data_segs;   /* segments that carried payload */
	unsigned int chained;     /* of which the payload was a second, attached segment */
	unsigned int bad_bytes;   /* payload not the stream's bytes at its sequence number */
	unsigned int bad_csum;
};

/* A server with a raw response of resp bytes, a client sending raw requests of req bytes. */
struct pair {
	struct sf_rig_port psrv, pcli;
	struct sf_lcore *srv, *cli;
	struct sf_listeners *ls_srv, *ls_cli;
	struct sf_client_cfg *ccfg;
	struct sf_tcp_config tcp;
	struct sf_conn_sizes sizes;
	struct seen from_srv, from_cli;
};

static void pair_open(struct pair *p, uint32_t req, uint32_t resp)
{
	static unsigned int nb_pairs;
	char name[32];
	struct sf_listener l = {
		.family = SF_AF_INET, .any = 1, .port_lo = 80, .port_hi = 80,
		.response_kind = SF_RESPONSE_RAW, .response_bytes = resp, .requests = 1,
		.close_policy = SF_CLOSE_CLIENT,
	};

	memset(p, 0, sizeof(*p));
	p->srv = rte_zmalloc(NULL, sizeof(*p->srv), RTE_CACHE_LINE_SIZE);
	p->cli = rte_zmalloc(NULL, sizeof(*p->cli), RTE_CACHE_LINE_SIZE);
	p->ls_srv = rte_zmalloc(NULL, sizeof(*p->ls_srv), RTE_CACHE_LINE_SIZE);
	p->ls_cli = rte_zmalloc(NULL, sizeof(*p->ls_cli), RTE_CACHE_LINE_SIZE);
	p->ccfg = rte_zmalloc(NULL, sizeof(*p->ccfg), RTE_CACHE_LINE_SIZE);
	assert_non_null(p->srv);
	assert_non_null(p->cli);
	assert_non_null(p->ls_srv);
	assert_non_null(p->ls_cli);
	assert_non_null(p->ccfg);
	/* Port names are for the EAL's lifetime: each pair gets its own. */
	snprintf(name, sizeof(name), "pl_srv%u", nb_pairs);
	assert_int_equal(sf_rig_port_create(&p->psrv, name, mp, SRV_IP4, 1, 0), 0);
	snprintf(name, sizeof(name), "pl_cli%u", nb_pairs++);
	assert_int_equal(sf_rig_port_create(&p->pcli, name, mp, CLI_IP4, NB_SRC, 0), 0);

	sf_tcp_config_default(&p->tcp);
	p->sizes = (struct sf_conn_sizes){ .tcbs = 256, .tw4 = 256, .tw6 = 16 };
	assert_int_equal(sf_listeners_add(p->ls_srv, &l), 0);
	assert_int_equal(sf_listeners_build(p->ls_srv, p->tcp.mss), 0);
	assert_int_equal(sf_listeners_build(p->ls_cli, p->tcp.mss), 0);
	sf_rig_client_cfg(p->ccfg, CLI_IP4, NB_SRC, SRV_IP4, 80);
	p->ccfg->concurrency = 4;
	p->ccfg->requests = 1;
	p->ccfg->request_kind = SF_RESPONSE_RAW;
	p->ccfg->raw_bytes = req;
	p->ccfg->raw_response = resp;
	p->ccfg->close_policy = SF_CLOSE_CLIENT;
	p->ccfg->response_timeout_ms = 10000;
	assert_int_equal(sf_client_build(p->ccfg, p->tcp.mss), 0);

	sf_lcore_init(p->srv, rte_lcore_id(), 0, &p->psrv.port, 1, mp);
	sf_lcore_init(p->cli, rte_lcore_id(), 0, &p->pcli.port, 1, mp);
	assert_int_equal(sf_lcore_tcp_setup(p->srv, &p->sizes, &p->tcp, p->ls_srv), 0);
	assert_int_equal(sf_lcore_tcp_setup(p->cli, &p->sizes, &p->tcp, p->ls_cli), 0);
	assert_int_equal(sf_lcore_client_setup(p->cli, p->ccfg, 0, 1, p->sizes.tcbs), 0);
}

static void pair_close(struct pair *p)
{
	sf_conn_free(p->srv->conn);
	sf_conn_free(p->cli->conn);
	sf_lcore_client_free(p->cli);
	sf_response_free(&p->ccfg->request);
	sf_listeners_clear(p->ls_srv);
	sf_listeners_clear(p->ls_cli);
	rte_free(p->srv);
	rte_free(p->cli);
	rte_free(p->ls_srv);
	rte_free(p->ls_cli);
	rte_free(p->ccfg);
}

/*
 * Look at each segment on its way from one side to the other: the payload must be @p stream's
 * bytes from offset 0 (one request or one response per connection, within one MSS), and the TCP
 * checksum must hold once the frame is one segment (as memif's copy makes it).
 */
/* The TCP checksum over pseudo-header, header and payload sums to all ones. */
static bool tcp_csum_holds(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th)
{
	uint32_t sum = rte_raw_cksum(th, rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip)) +
		       rte_ipv4_phdr_cksum(ip, 0);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void wire(struct rte_ring *from, struct rte_ring *to, const struct sf_response *stream, struct seen *s)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(from, (void **)&m) == 0) {
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th;
		uint32_t off, len;

		if (m->nb_segs > 1)
			s->chained++;
		assert_int_equal(rte_pktmbuf_linearize(m), 0);
		/* The ARP exchange first: only IPv4 (TCP, all this pair sends) is looked at. */
		if (rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type !=
		    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			goto pass;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
		off = (uint32_t)rte_ipv4_hdr_len(ip) + (uint32_t)(th->data_off >> 4) * 4;
		len = rte_be_to_cpu_16(ip->total_length) - off;
		if (len != 0) {
			s->data_segs++;
			if (len > stream->len || memcmp((const uint8_t *)ip + off, stream->bytes, len) != 0)
				s->bad_bytes++;
		}
		if (!tcp_csum_holds(ip, th))
			s->bad_csum++;
pass:
		if (rte_ring_enqueue(to, m) != 0)
			rte_pktmbuf_free(m);
	}
}

static void drain(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Run CONNS connections through the pair, then let every one close. */
static void pair_run(struct pair *p)
{
	unsigned int polls;

	sf_run.running = true;
	for (polls = 0; polls < 100000 && p->cli->client.stats.completed < CONNS; polls++) {
		sf_lcore_poll(p->cli);
		wire(p->pcli.tx, p->psrv.rx, &p->ccfg->request, &p->from_cli);
		sf_lcore_poll(p->srv);
		wire(p->psrv.tx, p->pcli.rx, &p->ls_srv->l[0].response, &p->from_srv);
	}
	p->cli->client.stop_tsc = 0; /* open no more; finish those open */
	for (polls = 0; polls < 100000 && p->cli->client.stats.open != 0; polls++) {
		sf_lcore_poll(p->cli);
		wire(p->pcli.tx, p->psrv.rx, &p->ccfg->request, &p->from_cli);
		sf_lcore_poll(p->srv);
		wire(p->psrv.tx, p->pcli.rx, &p->ls_srv->l[0].response, &p->from_srv);
	}
	sf_run.running = false;
	drain(p->psrv.rx);
	drain(p->psrv.tx);
	drain(p->pcli.rx);
	drain(p->pcli.tx);
}

static unsigned int failed(const struct sf_lcore *cli)
{
	unsigned int n = 0;

	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		n += (unsigned int)cli->client.stats.failed[f];
	return n;
}

/* Every connection done and right, nothing left referencing a stream or the pool. */
static void assert_clean_run(const struct pair *p, unsigned int mbufs_at_start)
{
	assert_true(p->cli->client.stats.completed >= CONNS);
	assert_int_equal(failed(p->cli), 0);
	assert_int_equal(p->cli->client.stats.responses, p->cli->client.stats.completed);
	assert_int_equal(p->from_srv.bad_bytes + p->from_cli.bad_bytes, 0);
	assert_int_equal(p->from_srv.bad_csum + p->from_cli.bad_csum, 0);
	assert_int_equal(p->srv->stats.tcp_tx_nombuf + p->cli->stats.tcp_tx_nombuf, 0);
	/* Each side's data segments are its connections' requests or responses, none resent. */
	assert_int_equal(p->from_cli.data_segs, p->cli->client.stats.requests);
	assert_int_equal(p->from_srv.data_segs, p->cli->client.stats.responses);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&p->srv->body_shinfo), 1);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&p->cli->body_shinfo), 1);
	assert_int_equal(rte_mempool_in_use_count(mp), mbufs_at_start);
}

/*
 * Whole connections with requests of @p req bytes and responses of @p resp bytes, every one
 * clean; each side's data segments carry their payload in a second, attached segment exactly
 * when @p attached.
 */
static void check_payloads(uint32_t req, uint32_t resp, bool attached)
{
	unsigned int start = rte_mempool_in_use_count(mp);
	struct pair p;

	pair_open(&p, req, resp);
	pair_run(&p);
	assert_clean_run(&p, start);
	assert_true(p.from_srv.data_segs >= CONNS);
	assert_int_equal(p.from_srv.chained, attached ? p.from_srv.data_segs : 0);
	assert_int_equal(p.from_cli.chained, attached ? p.from_cli.data_segs : 0);
	pair_close(&p);
}

/* The workload b: a 64-byte request, a 128-byte response, both copied. */
static void small_payloads_are_copied_behind_the_header(void **state)
{
	(void)state;
	check_payloads(64, 128, false);
}

/* The limit itself is copied... */
static void a_payload_of_the_copy_limit_is_copied(void **state)
{
	(void)state;
	check_payloads(SF_PAYLOAD_COPY_MAX, SF_PAYLOAD_COPY_MAX, false);
}

/* ...one byte more is attached, and so is a longer one. */
static void a_longer_payload_is_attached_by_reference(void **state)
{
	(void)state;
	check_payloads(SF_PAYLOAD_COPY_MAX + 1, 1000, true);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_payloads_are_copied_behind_the_header),
		cmocka_unit_test(a_payload_of_the_copy_limit_is_copied),
		cmocka_unit_test(a_longer_payload_is_attached_by_reference),
	};

	(void)argc;
	if (sf_rig_eal_init(argv[0]) != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("pl_mp", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL)
		return 1;
	return cmocka_run_group_tests_name("engine_payload", tests, NULL, NULL);
}

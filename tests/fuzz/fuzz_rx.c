/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_rx: libFuzzer target on synfin's whole receive path. Every input runs against a fresh
 * lcore whose connection table holds live connections in every state, so fuzzed frames meet
 * real TCBs, not only the classifier:
 *
 *   sf_lcore_handle()  classify -> table lookup -> lib/tcp input -> reply written in place
 *                      (or built from scratch) -> tx buffer -> ring port
 *   sf_tcp_timers()    when an input advances the clock: retransmissions, 2MSL, give-ups
 *
 * The fixture (fixture_build) is made by a scripted peer talking to the lcore through the same
 * entry point, plus two states the engine never rests in (CLOSE-WAIT: the server closes as soon
 * as the peer does; TIME-WAIT inside a TCB: the engine moves it to the compact store at once),
 * which are reached by calling lib/tcp directly. The clock, the ISN and cookie secrets are
 * fixed, so an input always does the same thing.
 *
 * Input: records, each
 *   op (1 byte)   bits 0-1: 0 the frame as is; 1 fix its IPv4/TCP/ICMP checksums; 2 and 3 also
 *                 add the connection's numbers to seq (its rcv_nxt) and ack (its snd_una), so
 *                 a field of 0 is "exactly what the connection expects"
 *                 bits 2-4: advance the clock first by 0, 1 ms, 10 ms, 200 ms, 1 s, 3 s, 30 s, 2 min
 *                 bit 5: run the timers after advancing
 *                 bit 6: no frame in this record (only time and timers)
 *   length (2 bytes, little endian), then that many frame bytes (fewer at the input's end).
 * tests/fuzz/make_corpus.py writes seeds in this form.
 *
 * After every input these must hold, or the target aborts (a crash to libFuzzer):
 *   every TCP frame synfin sent passes synfin's own classifier (lengths, checksums, options);
 *   the table's invariants (sf_conn_check); TCB gauges by state add up to the TCBs in use;
 *   once everything sent is freed, no mbuf is left in use and the response bodies' external
 *   buffer holds only the lcore's own reference (nothing leaked).
 *
 * Built with -fsanitize=fuzzer in a clang build; otherwise linked with replay_main.c into a
 * corpus replayer. FUZZ_RX_DESCRIBE=1 prints the fixture (one JSON object per connection) and
 * exits: make_corpus.py reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sf_engine.h"
#include "sf_rig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUR_IP4 RTE_IPV4(198u, 18, 0, 1)
#define PEER_IP4 RTE_IPV4(198u, 18, 0, 2)
/* RFC 5180's benchmarking prefix 2001:2::/48, the IPv6 twin of 198.18.0.0/15. */
static const uint8_t our_ip6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 1};
static const uint8_t peer_ip6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 2};
static const struct sf_mac peer_mac = {{0x02, 0, 0, 0, 0, 0x02}};

#define T0_US 1000000000ull /* 1000 s: timestamps and ticks well away from zero */
#define NB_MBUFS 2048
/* Small pools, so that inputs reach the cookie, table-full and recycling paths quickly. */
static const struct sf_conn_sizes sizes = {.tcbs = 24, .tw4 = 4, .tw6 = 2};

/* The listeners: what each fixture connection talks to. */
enum { PORT_RAW = 80, PORT_SRV_CLOSE = 81, PORT_HTTP = 82, PORT_RST = 83, PORT_PEER_SRV = 8080 };

static struct {
	struct rte_mempool *mp;
	struct sf_rig_port rp;
	struct sf_lcore *lc;
	struct sf_listeners *ls;
	struct sf_client_cfg *ccfg;
	struct sf_tcp_config tcp_cfg;
	uint16_t sent;          /**< TCP frames synfin sent in this input (checked) */
} g;

/* ---- what synfin sends: drained, checked, freed ---- */

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_rx: %s\n", what);
	abort();
}

/* The latest segment the peer heard on one connection, for the fixture's script. */
struct heard {
	const struct sf_flow_key *key; /* synfin's view; NULL: not listening */
	uint32_t nxt;                  /* one past the highest sequence number synfin sent */
	uint8_t flags;                 /* flags seen, or'ed */
};

static void check_out(struct rte_mbuf *m, struct heard *h)
{
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	const uint8_t *f;
	uint16_t et;

	if (rte_pktmbuf_linearize(m) != 0)
		fail("a frame synfin sent could not be flattened (mbuf pool empty?)");
	f = rte_pktmbuf_mtod(m, const uint8_t *);
	if (m->data_len < SF_ETH_HLEN)
		fail("synfin sent a runt frame");
	et = (uint16_t)(f[12] << 8 | f[13]);
	if (et != SF_ETHERTYPE_IP4 && et != SF_ETHERTYPE_IP6 && et != SF_ETHERTYPE_VLAN)
		return; /* ARP: nothing of TCP to check */
	if (sf_net_classify(f, m->data_len, NULL, &pkt, &seg, &key) != SF_DROP_NONE) {
		if (et == SF_ETHERTYPE_IP4 && m->data_len >= SF_ETH_HLEN + SF_IP4_HLEN &&
		    f[SF_ETH_HLEN + SF_IP4_OFF_PROTO] != SF_IPPROTO_TCP)
			return; /* an echo reply: not something synfin's classifier accepts */
		if (et == SF_ETHERTYPE_IP6 && m->data_len >= SF_ETH_HLEN + SF_IP6_HLEN &&
		    f[SF_ETH_HLEN + SF_IP6_OFF_NXT] != SF_IPPROTO_TCP)
			return;
		fail("synfin sent a TCP frame its own classifier rejects");
	}
	if (pkt.kind != SF_PKT_TCP4 && pkt.kind != SF_PKT_TCP6)
		return;
	g.sent++;
	/* key is the receiver's view: its laddr/lport are synfin's raddr/rport. */
	if (h != NULL && h->key != NULL && key.lport == h->key->rport && key.rport == h->key->lport &&
	    memcmp(key.laddr, h->key->raddr, 16) == 0) {
		uint32_t end = seg.seq + seg.payload_len + !!(seg.flags & SF_TCP_SYN) + !!(seg.flags & SF_TCP_FIN);

		if ((int32_t)(end - h->nxt) > 0 || h->flags == 0)
			h->nxt = end;
		h->flags |= seg.flags;
	}
}

/* Everything synfin sent since the last drain: the tx ring first (flushed bursts), then the
 * lcore's pending tx buffer, which only the poll loop flushes. */
static void drain(struct heard *h)
{
	struct rte_mbuf *m;
	struct sf_txbuf *tb = &g.lc->tx[0];

	while (rte_ring_dequeue(g.rp.tx, (void **)&m) == 0) {
		check_out(m, h);
		rte_pktmbuf_free(m);
	}
	for (uint16_t i = 0; i < tb->n; i++) {
		check_out(tb->pkts[i], h);
		rte_pktmbuf_free(tb->pkts[i]);
	}
	tb->n = 0;
	tb->bytes = 0;
}

/* ---- time ---- */

static void clock_set(uint64_t us)
{
	g.lc->now_us = us;
	g.lc->now_tick = us / 1000;
}

static void timers_run(void)
{
	/* The wheel hands out at most a budget per call: call until nothing fires. */
	for (int i = 0; i < 64; i++) {
		uint64_t fired = g.lc->stats.timers_fired, tw = sf_conn_stats(g.lc->conn)->tw_expired;

		sf_tcp_timers(g.lc);
		drain(NULL);
		if (g.lc->stats.timers_fired == fired && sf_conn_stats(g.lc->conn)->tw_expired == tw)
			break;
	}
}

/* ---- the scripted peer ---- */

struct peer_conn {
	const char *name;
	struct sf_flow_key key; /* synfin's view */
	uint32_t seq;           /* the peer's next sequence number */
	struct heard heard;
	uint8_t opts;           /* options on the peer's SYN */
};

#define NB_CONNS 20
static struct peer_conn conns[NB_CONNS];
static unsigned int nb_conns;

static struct peer_conn *conn_new(const char *name, uint8_t family, uint16_t lport, uint16_t rport, uint8_t opts)
{
	struct peer_conn *c = &conns[nb_conns++];

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->key.family = family;
	if (family == SF_AF_INET) {
		sf_rig_ip4(c->key.laddr, OUR_IP4);
		sf_rig_ip4(c->key.raddr, PEER_IP4);
	} else {
		memcpy(c->key.laddr, our_ip6, 16);
		memcpy(c->key.raddr, peer_ip6, 16);
	}
	c->key.lport = rte_cpu_to_be_16(lport);
	c->key.rport = rte_cpu_to_be_16(rport);
	c->seq = 0xfffff000u + rport; /* near the wrap, as smoltcp's tests like it */
	c->heard.key = &c->key;
	c->opts = opts;
	return c;
}

/* The peer sends one segment on @p c (payload: @p len bytes of a fixed pattern). */
static void peer_send(struct peer_conn *c, uint8_t flags, const char *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g.mp);
	struct sf_flow_key k; /* the peer's view: reversed */
	struct sf_tcp_wr w;
	uint32_t hl;

	if (m == NULL)
		fail("fixture: no mbuf");
	memset(&k, 0, sizeof(k));
	memcpy(k.laddr, c->key.raddr, 16);
	memcpy(k.raddr, c->key.laddr, 16);
	k.lport = c->key.rport;
	k.rport = c->key.lport;
	k.family = c->key.family;
	memset(&w, 0, sizeof(w));
	w.seq = c->seq;
	w.ack = c->heard.nxt;
	w.flags = flags;
	w.wnd = 65535;
	w.payload_len = len;
	if (flags & SF_TCP_SYN) {
		w.opts = c->opts;
		w.mss = 1460;
		w.wscale = 7;
	} else if (c->opts & SF_OPT_TS) {
		w.opts = SF_OPT_TS;
	}
	w.ts_val = (uint32_t)(g.lc->now_us / 1000) + 777;
	w.ts_ecr = 0;
	hl = sf_net_tcp_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), &k, &peer_mac,
			      (const struct sf_mac *)&g.rp.port->mac, 0, &w,
			      len ? sf_csum_partial(payload, len, 0) : 0, 0);
	if (hl == 0 || hl + len > rte_pktmbuf_tailroom(m))
		fail("fixture: segment does not fit");
	if (len)
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hl), payload, len);
	m->data_len = (uint16_t)(hl + len);
	m->pkt_len = hl + len;
	c->seq += len + !!(flags & SF_TCP_SYN) + !!(flags & SF_TCP_FIN);
	sf_lcore_handle(g.lc, 0, m);
	drain(&c->heard);
}

static struct sf_tcb *conn_tcb(const struct peer_conn *c)
{
	uint32_t v = sf_conn_lookup(g.lc->conn, &c->key, sf_conn_hash_crc(&c->key));

	return v != SF_CONN_MISS && !sf_conn_is_tw(v) ? sf_tcb_ptr(g.lc->conn, sf_conn_index(v)) : NULL;
}

/* A FIN handed to lib/tcp directly, outside the engine (see the file's header). */
static void fin_direct(struct peer_conn *c)
{
	struct sf_tcb *tcb = conn_tcb(c);
	struct sf_tcp_seg seg;
	struct sf_tcp_out out;

	if (tcb == NULL)
		fail("fixture: connection missing");
	memset(&seg, 0, sizeof(seg));
	seg.seq = c->seq;
	seg.ack = c->heard.nxt;
	seg.flags = SF_TCP_FIN | SF_TCP_ACK;
	seg.wnd = 65535;
	if (c->opts & SF_OPT_TS) {
		seg.opts.present = SF_OPT_TS;
		seg.opts.ts_val = (uint32_t)(g.lc->now_us / 1000) + 777;
		seg.opts.ts_ecr = tcb->ts_recent;
	}
	c->seq++;
	sf_tcp_input(&g.lc->tcp, tcb, &c->key, &seg, g.lc->now_us, &out);
	if (out.timer == SF_TCP_TIMER_ARM)
		sf_timer_arm(&g.lc->wheel, &tcb->timer, g.lc->now_tick + out.timer_ms);
}

static const char request[64] = "raw request bytes, 64 of them, as synfin's client sends: 0123456";
static const char http_get[] = "GET / HTTP/1.1\r\nHost: fuzz\r\n\r\n";

static void handshake(struct peer_conn *c)
{
	peer_send(c, SF_TCP_SYN, NULL, 0);
	peer_send(c, SF_TCP_ACK, NULL, 0);
}

/* A connection that ends in FIN-WAIT-2 on a server-closes listener. */
static void to_fin_wait_2(struct peer_conn *c)
{
	handshake(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_PSH, request, sizeof(request)); /* response + FIN */
	peer_send(c, SF_TCP_ACK, NULL, 0);                               /* acks both */
}

/* Everything the fixture allocated, released at the end of each input: libFuzzer counts an
 * input that leaves memory allocated as a possible leak. */
static void fixture_free(void)
{
	sf_conn_free(g.lc->conn);
	g.lc->conn = NULL;
	sf_lcore_client_free(g.lc);
}

static void fixture_build(void)
{
	const uint8_t all = SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS;
	struct peer_conn *c;
	uint8_t ip4[4];

	sf_lcore_init(g.lc, rte_lcore_id(), 0, &g.rp.port, 1, g.mp);
	clock_set(T0_US);
	if (sf_lcore_tcp_setup(g.lc, &sizes, &g.tcp_cfg, g.ls) != 0)
		fail("lcore TCP set-up failed");
	sf_tcp_isn_key_set(&g.lc->tcp.secret, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	sf_syncookie_keys_set(&g.lc->tcp.cookies, 0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull);
	if (sf_lcore_client_setup(g.lc, g.ccfg, 0, 1, sizes.tcbs) != 0)
		fail("client set-up failed");
	sf_rig_ip4(ip4, PEER_IP4);
	sf_port_neigh_learn(g.rp.port, SF_AF_INET, ip4, peer_mac.b);
	nb_conns = 0;

	/* Server side, one connection per state. */
	handshake(conn_new("established", SF_AF_INET, PORT_RAW, 40001, all));
	peer_send(conn_new("syn_received", SF_AF_INET, PORT_RAW, 40002, all), SF_TCP_SYN, NULL, 0);
	handshake(conn_new("established_no_options", SF_AF_INET, PORT_RAW, 40003, SF_OPT_MSS));
	c = conn_new("close_wait", SF_AF_INET, PORT_RAW, 40004, all);
	handshake(c);
	fin_direct(c);
	c = conn_new("last_ack", SF_AF_INET, PORT_RAW, 40005, all);
	handshake(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_PSH, request, sizeof(request));
	peer_send(c, SF_TCP_ACK | SF_TCP_FIN, NULL, 0);
	c = conn_new("fin_wait_1", SF_AF_INET, PORT_SRV_CLOSE, 40006, all);
	handshake(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_PSH, request, sizeof(request));
	to_fin_wait_2(conn_new("fin_wait_2", SF_AF_INET, PORT_SRV_CLOSE, 40007, all));
	c = conn_new("closing", SF_AF_INET, PORT_SRV_CLOSE, 40008, all);
	handshake(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_PSH, request, sizeof(request));
	c->heard.nxt--; /* acknowledge the response, not the FIN */
	peer_send(c, SF_TCP_ACK | SF_TCP_FIN, NULL, 0);
	c = conn_new("time_wait_compact", SF_AF_INET, PORT_SRV_CLOSE, 40009, all);
	to_fin_wait_2(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_FIN, NULL, 0);
	c = conn_new("time_wait_tcb", SF_AF_INET, PORT_SRV_CLOSE, 40010, all);
	to_fin_wait_2(c);
	fin_direct(c);
	c = conn_new("established_sending", SF_AF_INET, PORT_HTTP, 40011, all);
	handshake(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_PSH, http_get, sizeof(http_get) - 1); /* 3 segments unacked */
	c = conn_new("established_rst_policy", SF_AF_INET, PORT_RST, 40012, all);
	handshake(c);
	handshake(conn_new("established_ip6", SF_AF_INET6, PORT_RAW, 40013, all));
	c = conn_new("time_wait_compact_ip6", SF_AF_INET6, PORT_SRV_CLOSE, 40014, all);
	to_fin_wait_2(c);
	peer_send(c, SF_TCP_ACK | SF_TCP_FIN, NULL, 0);

	/* Client side: three SYNs to the peer's server; one answered, so it sends its request
	 * and waits for the response, the other two stay in SYN-SENT. */
	sf_client_poll(g.lc);
	drain(NULL);
	for (uint16_t p = 0; p < 3; p++) {
		const char *names[] = {"client_established", "client_syn_sent", "client_syn_sent"};

		c = conn_new(names[p], SF_AF_INET, (uint16_t)(g.ccfg->sport_lo + p), PORT_PEER_SRV, all);
		if (conn_tcb(c) == NULL)
			fail("fixture: client connection missing");
		c->heard.nxt = conn_tcb(c)->iss + 1;
	}
	c = &conns[nb_conns - 3];
	peer_send(c, SF_TCP_SYN | SF_TCP_ACK, NULL, 0);
	drain(NULL);
}

/* ---- invariants ---- */

static void check_invariants(void)
{
	const struct sf_conn_stats *cs = sf_conn_stats(g.lc->conn);
	uint64_t tcbs = 0;

	drain(NULL);
	if (sf_conn_check(g.lc->conn) != 0)
		fail("sf_conn_check: the connection table's invariants broke");
	for (unsigned int s = SF_TCP_CLOSED + 1; s < SF_TCP__STATE_COUNT; s++)
		tcbs += g.lc->tcp.stats.state[s];
	if (tcbs != cs->tcb_used)
		fail("TCB gauges by state do not add up to the TCBs in use");
	if (rte_mempool_in_use_count(g.mp) != 0)
		fail("mbufs leaked: some are still in use after everything sent was freed");
	if (rte_mbuf_ext_refcnt_read(&g.lc->body_shinfo) != 1)
		fail("response body references leaked");
}

/* ---- input ---- */

/* Recompute the IPv4 header and TCP/ICMP/ICMPv6 checksums of whatever headers the frame has. */
static void fix_csums(uint8_t *f, uint32_t len)
{
	uint32_t off = SF_ETH_HLEN, et;

	if (len < SF_ETH_HLEN)
		return;
	et = (uint32_t)f[12] << 8 | f[13];
	if (et == SF_ETHERTYPE_VLAN && len >= SF_ETH_HLEN + SF_VLAN_HLEN) {
		off += SF_VLAN_HLEN;
		et = (uint32_t)f[16] << 8 | f[17];
	}
	if (et == SF_ETHERTYPE_IP4 && len >= off + SF_IP4_HLEN && f[off] >> 4 == 4) {
		uint8_t *ip = f + off;
		uint32_t ihl = (ip[0] & 0xfu) * 4u, tot = (uint32_t)ip[2] << 8 | ip[3];
		uint32_t l4len = RTE_MIN(tot, len - off);
		uint16_t c;

		if (ihl < SF_IP4_HLEN || off + ihl > len)
			return;
		ip[SF_IP4_OFF_CSUM] = ip[SF_IP4_OFF_CSUM + 1] = 0;
		c = sf_csum_ip4_hdr(ip, ihl);
		memcpy(ip + SF_IP4_OFF_CSUM, &c, 2);
		if (l4len < ihl)
			return;
		l4len -= ihl;
		if (ip[SF_IP4_OFF_PROTO] == SF_IPPROTO_TCP && l4len >= SF_TCP_HLEN) {
			c = sf_csum_l4_ip4(ip, ip + ihl, l4len, SF_IPPROTO_TCP);
			memcpy(ip + ihl + SF_TCP_OFF_CSUM, &c, 2);
		} else if (ip[SF_IP4_OFF_PROTO] == SF_IPPROTO_ICMP && l4len >= SF_ICMP_ECHO_HLEN) {
			c = sf_csum_icmp4(ip + ihl, l4len);
			memcpy(ip + ihl + 2, &c, 2);
		}
	} else if (et == SF_ETHERTYPE_IP6 && len >= off + SF_IP6_HLEN && f[off] >> 4 == 6) {
		uint8_t *ip = f + off;
		uint32_t l4len = RTE_MIN((uint32_t)ip[4] << 8 | ip[5], len - off - SF_IP6_HLEN);
		uint16_t c;

		if (ip[SF_IP6_OFF_NXT] == SF_IPPROTO_TCP && l4len >= SF_TCP_HLEN) {
			c = sf_csum_l4_ip6(ip, ip + SF_IP6_HLEN, l4len, SF_IPPROTO_TCP);
			memcpy(ip + SF_IP6_HLEN + SF_TCP_OFF_CSUM, &c, 2);
		} else if (ip[SF_IP6_OFF_NXT] == SF_IPPROTO_ICMPV6 && l4len >= SF_ICMP_ECHO_HLEN) {
			c = sf_csum_l4_ip6(ip, ip + SF_IP6_HLEN, l4len, SF_IPPROTO_ICMPV6);
			memcpy(ip + SF_IP6_HLEN + 2, &c, 2);
		}
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/* Sequence and acknowledgment numbers as offsets from what the connection expects. */
static void make_relative(uint8_t *f, uint32_t len)
{
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	uint32_t v, rcv, snd;

	if (sf_net_classify(f, len, NULL, &pkt, &seg, &key) != SF_DROP_NONE ||
	    (pkt.kind != SF_PKT_TCP4 && pkt.kind != SF_PKT_TCP6))
		return;
	v = sf_conn_lookup(g.lc->conn, &key, sf_conn_hash_crc(&key));
	if (v == SF_CONN_MISS)
		return;
	if (sf_conn_is_tw(v)) {
		const struct sf_tw_state *tw = sf_tw_get(g.lc->conn, v);

		rcv = tw->rcv_nxt;
		snd = tw->snd_nxt;
	} else {
		const struct sf_tcb *tcb = sf_tcb_ptr(g.lc->conn, sf_conn_index(v));

		rcv = tcb->rcv_nxt;
		snd = tcb->snd_una;
	}
	put32(f + pkt.l4_off + SF_TCP_OFF_SEQ, get32(f + pkt.l4_off + SF_TCP_OFF_SEQ) + rcv);
	put32(f + pkt.l4_off + SF_TCP_OFF_ACK, get32(f + pkt.l4_off + SF_TCP_OFF_ACK) + snd);
	fix_csums(f, len);
}

static const uint64_t advance_us[8] = {0, 1000, 10000, 200000, 1000000, 3000000, 30000000, 120000000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now = T0_US;

	fixture_build();
	check_invariants();
	g.sent = 0;
	while (size > 0) {
		uint8_t op = data[0];
		struct rte_mbuf *m;
		uint32_t len;
		uint8_t *f;

		data++, size--;
		now += advance_us[(op >> 2) & 7];
		clock_set(now);
		if (op & 0x20)
			timers_run();
		if (op & 0x40)
			continue;
		if (size < 2)
			break;
		len = (uint32_t)data[0] | (uint32_t)data[1] << 8;
		data += 2, size -= 2;
		len = RTE_MIN(len, (uint32_t)size);
		m = rte_pktmbuf_alloc(g.mp);
		if (m == NULL)
			fail("no mbuf for the input frame");
		f = rte_pktmbuf_mtod(m, uint8_t *);
		len = RTE_MIN(len, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(f, data, len);
		data += len, size -= len;
		if (op & 3)
			fix_csums(f, len);
		if ((op & 3) >= 2)
			make_relative(f, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		sf_lcore_handle(g.lc, 0, m);
		drain(NULL);
	}
	check_invariants();
	fixture_free();
	return 0;
}

static const char *state_of(const struct peer_conn *c)
{
	uint32_t v = sf_conn_lookup(g.lc->conn, &c->key, sf_conn_hash_crc(&c->key));

	if (v == SF_CONN_MISS)
		return "none";
	if (sf_conn_is_tw(v))
		return "time_wait (compact)";
	return sf_tcp_state_name((enum sf_tcp_state)((const struct sf_tcb *)sf_tcb_ptr(g.lc->conn, sf_conn_index(v)))->state);
}

/* FUZZ_RX_DESCRIBE: the fixture, for make_corpus.py and for people. */
static void describe(void)
{
	const uint8_t *mac = g.rp.port->mac.addr_bytes;

	printf("{\"our_mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", \"peer_mac\": \"02:00:00:00:00:02\", "
	       "\"our_ip4\": \"198.18.0.1\", \"peer_ip4\": \"198.18.0.2\", \"our_ip6\": \"2001:2::1\", "
	       "\"peer_ip6\": \"2001:2::2\", \"listen\": [%d, %d, %d, %d]}\n",
	       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], PORT_RAW, PORT_SRV_CLOSE, PORT_HTTP, PORT_RST);
	for (unsigned int i = 0; i < nb_conns; i++) {
		const struct peer_conn *c = &conns[i];

		printf("{\"name\": \"%s\", \"state\": \"%s\", \"family\": %u, \"our_port\": %u, \"peer_port\": %u, "
		       "\"timestamps\": %s}\n",
		       c->name, state_of(c), c->key.family, rte_be_to_cpu_16(c->key.lport),
		       rte_be_to_cpu_16(c->key.rport), (c->opts & SF_OPT_TS) ? "true" : "false");
	}
}

static void listeners_init(void)
{
	static const struct {
		uint8_t family;
		uint16_t port;
		uint8_t kind, close;
		uint32_t bytes, requests;
	} spec[] = {
		{SF_AF_INET, PORT_RAW, SF_RESPONSE_RAW, SF_CLOSE_CLIENT, 128, 1},
		{SF_AF_INET, PORT_SRV_CLOSE, SF_RESPONSE_RAW, SF_CLOSE_SERVER, 128, 1},
		{SF_AF_INET, PORT_HTTP, SF_RESPONSE_HTTP, SF_CLOSE_CLIENT, 3000, 0},
		{SF_AF_INET, PORT_RST, SF_RESPONSE_RAW, SF_CLOSE_RST, 100, 1},
		{SF_AF_INET6, PORT_RAW, SF_RESPONSE_RAW, SF_CLOSE_CLIENT, 128, 1},
		{SF_AF_INET6, PORT_SRV_CLOSE, SF_RESPONSE_RAW, SF_CLOSE_SERVER, 128, 1},
	};
	struct sf_listener l;

	for (unsigned int i = 0; i < RTE_DIM(spec); i++) {
		memset(&l, 0, sizeof(l));
		l.family = spec[i].family;
		l.any = 1;
		l.port_lo = l.port_hi = spec[i].port;
		l.response_kind = spec[i].kind;
		l.close_policy = spec[i].close;
		l.response_bytes = spec[i].bytes;
		l.requests = spec[i].requests;
		if (sf_listeners_add(g.ls, &l) != 0)
			fail("listener not added");
	}
	if (sf_listeners_build(g.ls, g.tcp_cfg.mss) != 0)
		fail("listeners not built");
}

static void client_init(void)
{
	struct sf_client_cfg *c = g.ccfg;

	sf_rig_client_cfg(c, OUR_IP4, 1, PEER_IP4, PORT_PEER_SRV);
	c->sport_lo = 50000;
	c->sport_hi = 50099;
	c->concurrency = 3;
	c->requests = 1;
	c->request_kind = SF_RESPONSE_RAW;
	c->raw_bytes = 64;
	c->raw_response = 128;
	c->close_policy = SF_CLOSE_CLIENT;
	c->response_timeout_ms = 5000;
	if (sf_client_build(c, g.tcp_cfg.mss) != 0)
		fail("client request not built");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sf_port_addr a;

	(void)argc;
	if (sf_rig_eal_init((*argv)[0]) != 0)
		exit(1);
	g.mp = rte_pktmbuf_pool_create("fuzz_rx", NB_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	/* On the heap, not in EAL memory, so that LeakSanitizer sees the pointers it holds. */
	g.lc = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*g.lc), RTE_CACHE_LINE_SIZE));
	g.ls = rte_zmalloc("fuzz_ls", sizeof(*g.ls), RTE_CACHE_LINE_SIZE);
	g.ccfg = rte_zmalloc("fuzz_ccfg", sizeof(*g.ccfg), RTE_CACHE_LINE_SIZE);
	if (g.mp == NULL || g.lc == NULL || g.ls == NULL || g.ccfg == NULL)
		fail("out of memory");
	if (sf_rig_port_create(&g.rp, "fuzz_rx", g.mp, OUR_IP4, 1, 0) != 0)
		exit(1);
	memset(&a, 0, sizeof(a));
	a.family = SF_AF_INET6;
	a.prefix_len = 64;
	memcpy(a.addr, our_ip6, 16);
	if (sf_port_add_addr(g.rp.port, &a) != 0)
		fail("IPv6 address not added");
	sf_tcp_config_default(&g.tcp_cfg);
	g.tcp_cfg.delack = 1; /* the delayed-ACK timer too */
	listeners_init();
	client_init();
	sf_run.running = true;
	fixture_build();
	check_invariants();
	if (getenv("FUZZ_RX_DESCRIBE") != NULL) {
		describe();
		exit(0);
	}
	fixture_free();
	return 0;
}

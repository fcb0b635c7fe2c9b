/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: two instances of the state machine, a client and a server, talk through an
 * in-memory link that loses, duplicates, delays and so reorders segments, for 100,000
 * connections. Every connection must end CLOSED on both sides with every byte delivered
 * intact (payloads are made from a pattern of connection, direction and stream offset, and
 * checked on arrival) and no timer left armed.
 *
 * Deterministic: one seed drives everything (SF_TCP_RANDOM_SEED overrides it), and it is
 * printed with any failure. Time is virtual (an event queue), so the test takes seconds of
 * CPU whatever the RTOs and 2MSL are. The harness is the engine in miniature: a table per
 * side, listener with a small chance of an empty pool (SYN cookies), TIME-WAIT exported to the
 * compact form half of the time, one timer per endpoint.
 */

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "tcp_test.h"

/* Connections in the run; SF_TCP_RANDOM_CONNS lowers it where code runs slower (sanitizers). */
#define N_CONN_DEFAULT 100000u
static uint32_t n_conn = N_CONN_DEFAULT;
#define CONCURRENT   256u
#define LOSS_PCT     5u      /* per segment */
#define DUP_PCT      2u
#define DELAY_MIN_US 1000u
#define DELAY_JIT_US 20000u  /* up to 20 ms of jitter: plenty of reordering */
#define POOL_EMPTY_PCT 5u    /* the server listener finds no TCB: cookie SYN-ACK */
#define REQ_MAX      2000u
#define RESP_MAX     16000u
#define EVENT_CAP    60000000u
#define WALL_CAP_S   120

enum { CLI = 0, SRV = 1 };
enum { NONE = 0, TCB, TW };
enum { SERVER_FIRST, CLIENT_FIRST, BOTH_EARLY };

struct conn {
	struct sf_tcb tcb[2];
	struct sf_tw_state tw[2];
	struct sf_flow_key key[2];
	uint64_t deadline[2];
	uint32_t gen[2];
	uint32_t q, p;        /* request and response sizes */
	uint32_t rx[2];       /* bytes received by each side */
	uint8_t live[2];
	uint8_t armed[2];
	uint8_t pattern;
	uint8_t responded, cli_closed, started, finished;
	uint8_t pool_empty;   /* the server's pool is empty whenever this connection's SYNs come */
	uint8_t srv_inc;      /* server incarnations on this tuple (> 1: a replayed cookie ACK) */
	uint32_t first_srx;   /* request bytes the first server incarnation received */
};

struct pkt {
	struct sf_tcp_seg seg;
	uint32_t conn;
	uint8_t to;
	uint8_t payload[LOCAL_MSS];
};

struct ev {
	uint64_t t;
	uint64_t order; /* insertion order: ties are deterministic */
	uint32_t idx;   /* packet index, or connection */
	uint8_t kind;   /* 0 packet, 1 timer, 2 start */
	uint8_t side;
	uint32_t gen;
};

struct sim {
	struct sf_tcp_ctx ctx[2];
	struct conn *c;
	struct pkt *pk;
	uint32_t *pk_free, npk_free, npk, cap_pk;
	struct ev *heap;
	uint32_t nheap, cap_heap;
	uint64_t order, now, rng, seed;
	uint32_t started, finished, active;
	uint64_t events, sent, lost, dups, strays;
	struct sf_tcp_out out;
};

static struct sim S;

#define CHECK(cond, c)                                                                              \
	do {                                                                                        \
		if (!(cond)) {                                                                      \
			print_message("random: seed %" PRIu64 " conn %u t=%" PRIu64 "us: %s\n", S.seed, \
				      (unsigned int)(c), S.now, #cond);                             \
			fail();                                                                     \
		}                                                                                   \
	} while (0)

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t rnd(void)
{
	uint64_t z = (S.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* the byte at stream offset @p off that side @p from sends on connection @p c */
static inline uint8_t pattern(uint32_t c, int from, uint32_t off)
{
	uint32_t x = off * 2654435761u ^ c * 40503u ^ (uint32_t)from * 0x9e37u;

	return (uint8_t)(x ^ (x >> 13));
}

/* ---- event queue (binary heap) ---- */

static bool ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void ev_push(struct ev e)
{
	uint32_t i;

	if (S.nheap == S.cap_heap) {
		S.cap_heap = S.cap_heap ? S.cap_heap * 2 : 1024;
		S.heap = realloc(S.heap, S.cap_heap * sizeof(*S.heap));
		assert_non_null(S.heap);
	}
	e.order = S.order++;
	i = S.nheap++;
	while (i > 0 && ev_less(&e, &S.heap[(i - 1) / 2])) {
		S.heap[i] = S.heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	S.heap[i] = e;
}

static struct ev ev_pop(void)
{
	struct ev top = S.heap[0], last = S.heap[--S.nheap];
	uint32_t i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= S.nheap)
			break;
		if (k + 1 < S.nheap && ev_less(&S.heap[k + 1], &S.heap[k]))
			k++;
		if (!ev_less(&S.heap[k], &last))
			break;
		S.heap[i] = S.heap[k];
		i = k;
	}
	if (S.nheap)
		S.heap[i] = last;
	return top;
}

/* ---- the link ---- */

static uint32_t pkt_alloc(void)
{
	if (S.npk_free)
		return S.pk_free[--S.npk_free];
	if (S.npk == S.cap_pk) {
		S.cap_pk = S.cap_pk ? S.cap_pk * 2 : 4096;
		S.pk = realloc(S.pk, S.cap_pk * sizeof(*S.pk));
		S.pk_free = realloc(S.pk_free, S.cap_pk * sizeof(*S.pk_free));
		assert_non_null(S.pk);
		assert_non_null(S.pk_free);
	}
	return S.npk++;
}

/* what the engine does with an output descriptor: a segment on the wire, and the peer parses it */
static void link_send(uint32_t c, int from, const struct sf_tcp_out_seg *o)
{
	uint32_t copies = 1, i, j, idx;
	struct pkt *p;

	S.sent++;
	if (rnd_below(100) < LOSS_PCT) {
		S.lost++;
		return;
	}
	if (rnd_below(100) < DUP_PCT) {
		copies = 2;
		S.dups++;
	}
	for (i = 0; i < copies; i++) {
		idx = pkt_alloc();
		p = &S.pk[idx];
		memset(&p->seg, 0, sizeof(p->seg));
		p->seg.seq = o->wr.seq;
		p->seg.ack = o->wr.ack;
		p->seg.wnd = o->wr.wnd;
		p->seg.flags = o->wr.flags;
		p->seg.payload_len = o->wr.payload_len;
		p->seg.opts.present = o->wr.opts;
		p->seg.opts.mss = o->wr.mss;
		p->seg.opts.wscale = o->wr.wscale;
		p->seg.opts.ts_val = o->wr.ts_val;
		p->seg.opts.ts_ecr = o->wr.ts_ecr;
		CHECK(o->wr.payload_len <= LOCAL_MSS, c);
		for (j = 0; j < o->wr.payload_len; j++)
			p->payload[j] = pattern(c, from, o->data_off + j);
		p->conn = c;
		p->to = (uint8_t)(1 - from);
		ev_push((struct ev){ .t = S.now + DELAY_MIN_US + rnd_below(DELAY_JIT_US), .idx = idx, .kind = 0 });
	}
}

/* ---- the engine in miniature ---- */

static void timer_apply(uint32_t c, int s, const struct sf_tcp_out *out)
{
	struct conn *k = &S.c[c];

	if (out->timer == SF_TCP_TIMER_ARM) {
		k->armed[s] = 1;
		k->gen[s]++;
		k->deadline[s] = S.now + 1000ull * out->timer_ms;
		ev_push((struct ev){ .t = k->deadline[s], .idx = c, .kind = 1, .side = (uint8_t)s, .gen = k->gen[s] });
	} else if (out->timer == SF_TCP_TIMER_CANCEL) {
		k->armed[s] = 0;
		k->gen[s]++;
	}
}

static void emit(uint32_t c, int s, struct sf_tcp_out *out)
{
	unsigned int i;

	for (i = 0; i < out->nseg; i++)
		link_send(c, s, &out->seg[i]);
	timer_apply(c, s, out);
}

static void conn_check_finished(uint32_t c)
{
	struct conn *k = &S.c[c];

	if (k->finished || k->live[CLI] || k->live[SRV])
		return;
	k->finished = 1;
	S.finished++;
	S.active--;
}

/* the application: the client sends its request, the server answers, either side closes */
static void app(uint32_t c, int s, uint16_t ev)
{
	struct conn *k = &S.c[c];
	struct sf_tcb *t = &k->tcb[s];

	if (s == SRV) {
		if (k->srv_inc > 1) {
			/* a stray: an old duplicate of a cookie ACK reopened the tuple; end it */
			if (SF_TCPF(t->state) & (SF_TCPF(SF_TCP_ESTABLISHED) | SF_TCPF(SF_TCP_CLOSE_WAIT)))
				sf_tcp_close(&S.ctx[SRV], t, &S.out);
			return;
		}
		if (!k->responded && (((ev & SF_TCP_EV_ESTABLISHED) && k->pattern == BOTH_EARLY) || k->rx[SRV] == k->q) &&
		    (SF_TCPF(t->state) & (SF_TCPF(SF_TCP_ESTABLISHED) | SF_TCPF(SF_TCP_CLOSE_WAIT)))) {
			k->responded = 1;
			CHECK(sf_tcp_send(t, k->p) == 0, c);
			CHECK(sf_tcp_close(&S.ctx[SRV], t, &S.out) == 0, c);
		}
		return;
	}
	if (k->cli_closed)
		return;
	if (((ev & SF_TCP_EV_ESTABLISHED) && k->pattern != SERVER_FIRST) ||
	    ((ev & SF_TCP_EV_PEER_FIN) && k->pattern == SERVER_FIRST)) {
		if (k->pattern == SERVER_FIRST)
			CHECK(k->rx[CLI] == k->p, c);
		k->cli_closed = 1;
		CHECK(sf_tcp_close(&S.ctx[CLI], t, &S.out) == 0, c);
	}
}

static void dispatch(uint32_t c, int s, const struct sf_tcp_seg *seg);

/* after the round's first call: deliver data, run the application, output, act on events */
static void finish_round(uint32_t c, int s, const struct sf_tcp_seg *seg)
{
	struct conn *k = &S.c[c];
	struct sf_tcp_out *out = &S.out;
	uint16_t ev = out->events;
	uint32_t j;

	if (ev & SF_TCP_EV_DATA) {
		for (j = 0; j < out->rx_len; j++)
			CHECK(seg->payload[out->rx_skip + j] == pattern(c, 1 - s, k->rx[s] + j), c);
		k->rx[s] += out->rx_len;
	}
	if (k->live[s] == TCB && k->tcb[s].state != SF_TCP_CLOSED) {
		app(c, s, ev);
		sf_tcp_output(&S.ctx[s], &k->tcb[s], S.now, out);
	}
	emit(c, s, out);
	while (out->more && k->live[s] == TCB) {
		sf_tcp_out_init(out);
		sf_tcp_output(&S.ctx[s], &k->tcb[s], S.now, out);
		emit(c, s, out);
	}
	ev |= out->events;
	if (ev & SF_TCP_EV_CLOSED) {
		CHECK(k->tcb[s].state == SF_TCP_CLOSED, c);
		CHECK(!k->armed[s], c);
		k->live[s] = NONE;
	}
	if (k->live[s] == TCB && k->tcb[s].state == SF_TCP_TIME_WAIT && (ev & SF_TCP_EV_TIME_WAIT) &&
	    rnd_below(2)) {
		/* the engine keeps TIME-WAIT compact: export, free the TCB, own 2MSL */
		sf_tcp_tw_export(&S.ctx[s], &k->tcb[s], &k->tw[s]);
		k->live[s] = TW;
		sf_tcp_out_init(out);
		out->timer = SF_TCP_TIMER_ARM;
		out->timer_ms = 2 * S.ctx[s].cfg.msl_ms;
		timer_apply(c, s, out);
	}
	if ((ev & SF_TCP_EV_REDISPATCH) && seg != NULL)
		dispatch(c, s, seg);
	conn_check_finished(c);
}

static void dispatch(uint32_t c, int s, const struct sf_tcp_seg *seg)
{
	struct conn *k = &S.c[c];
	struct sf_tcp_out *out = &S.out;
	enum sf_tcp_tw_verdict v;
	struct sf_tcb *pool;

	if (k->live[s] == TCB) {
		sf_tcp_input(&S.ctx[s], &k->tcb[s], &k->key[s], seg, S.now, out);
		finish_round(c, s, seg);
		return;
	}
	if (k->live[s] == TW) {
		v = sf_tcp_tw_input(&S.ctx[s], &k->tw[s], &k->key[s], seg, S.now, out);
		emit(c, s, out);
		if (v != SF_TCP_TW_REOPEN)
			return;
		k->live[s] = NONE;
		k->armed[s] = 0;
		k->gen[s]++;
	}
	if (s == SRV) {
		pool = k->pool_empty && (seg->flags & SF_TCP_SYN) ? NULL : &k->tcb[SRV];
		if (sf_tcp_listen_input(&S.ctx[SRV], &k->key[SRV], seg, S.now, pool, out) == SF_TCP_LISTEN_NEW) {
			k->live[SRV] = TCB;
			if (k->srv_inc++ == 1) {
				/* SYN cookies are replayable while valid (RFC 4987 3.6): with no
				 * TIME-WAIT on a passive closer, a late duplicate of the cookie ACK
				 * starts a new incarnation; its stream starts again at offset 0 */
				k->first_srx = k->rx[SRV];
				S.strays++;
			}
			if (k->srv_inc > 1)
				k->rx[SRV] = 0;
			finish_round(c, s, seg);
			return;
		}
	} else {
		sf_tcp_closed_input(&S.ctx[CLI], seg, out);
	}
	emit(c, s, out);
	conn_check_finished(c);
}

static void conn_start(uint32_t c)
{
	struct conn *k = &S.c[c];
	struct sf_tcp_out *out = &S.out;
	uint8_t caddr[4] = { 10, (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c };
	uint8_t saddr[4] = { 10, 255, 0, 1 };

	k->started = 1;
	k->q = 1 + rnd_below(REQ_MAX);
	k->p = rnd_below(RESP_MAX + 1);
	k->pattern = (uint8_t)rnd_below(3);
	k->pool_empty = rnd_below(100) < POOL_EMPTY_PCT;
	memcpy(k->key[CLI].laddr, caddr, 4);
	memcpy(k->key[CLI].raddr, saddr, 4);
	k->key[CLI].lport = (uint16_t)(1024 + (c & 0x3fff));
	k->key[CLI].rport = 80;
	k->key[CLI].family = SF_AF_INET;
	memcpy(k->key[SRV].laddr, saddr, 4);
	memcpy(k->key[SRV].raddr, caddr, 4);
	k->key[SRV].lport = 80;
	k->key[SRV].rport = k->key[CLI].lport;
	k->key[SRV].family = SF_AF_INET;
	sf_tcp_connect(&S.ctx[CLI], &k->tcb[CLI], &k->key[CLI], S.now, out);
	k->live[CLI] = TCB;
	CHECK(sf_tcp_send(&k->tcb[CLI], k->q) == 0, c);
	finish_round(c, CLI, NULL);
}

static void start_more(void)
{
	while (S.active < CONCURRENT && S.started < n_conn) {
		ev_push((struct ev){ .t = S.now + rnd_below(2000), .idx = S.started, .kind = 2 });
		S.started++;
		S.active++;
	}
}

static void config(struct sf_tcp_config *cfg, int side)
{
	sf_tcp_config_default(cfg);
	cfg->msl_ms = 2000;         /* 2MSL > rto_max, and far above the link delay */
	cfg->rto_initial_ms = 300;
	cfg->rto_min_ms = 100;
	cfg->rto_max_ms = 3000;
	cfg->syn_retries = 40;      /* giving up would lose bytes: never at 5 % loss */
	cfg->synack_retries = 40;
	cfg->max_retries = 40;
	cfg->fin_wait_2_ms = 0;
	cfg->challenge_ack_limit = 1000000;
	cfg->cookie_mode = SF_TCP_COOKIE_WHEN_FULL;
	if (side == CLI) {
		cfg->rcv_wnd = 6000;    /* a small window: the server's sending is window-limited */
		cfg->rcv_wscale = 0;
		cfg->delack = 1;
		cfg->delack_ms = 40;
	} else {
		cfg->rcv_wnd = 256 * 1024;
		cfg->rcv_wscale = 3;
	}
}

static void two_machines_deliver_everything_and_close(void **state)
{
	struct sf_tcp_config cfg;
	const char *env = getenv("SF_TCP_RANDOM_SEED");
	time_t wall0 = time(NULL);
	uint32_t c, s;
	uint64_t give_ups = 0;
	struct ev e;

	(void)state;
	memset(&S, 0, sizeof(S));
	S.seed = env ? strtoull(env, NULL, 0) : 0x5eed2026ull;
	S.rng = S.seed;
	env = getenv("SF_TCP_RANDOM_CONNS");
	if (env != NULL && strtoul(env, NULL, 0) > 0)
		n_conn = (uint32_t)strtoul(env, NULL, 0);
	for (s = 0; s < 2; s++) {
		config(&cfg, (int)s);
		assert_int_equal(sf_tcp_ctx_init(&S.ctx[s], &cfg), 0);
		sf_tcp_isn_key_set(&S.ctx[s].secret, S.seed ^ s, ~S.seed);
		sf_syncookie_keys_set(&S.ctx[s].cookies, S.seed + 7, S.seed * 3);
	}
	S.c = calloc(n_conn, sizeof(*S.c));
	assert_non_null(S.c);
	S.now = 1000ull * 1000 * 1000 * 3600; /* an hour in: clocks far from zero */
	start_more();
	while (S.nheap) {
		e = ev_pop();
		S.now = e.t;
		CHECK(++S.events < EVENT_CAP, e.idx);
		if ((S.events & 0xfffff) == 0)
			CHECK(time(NULL) - wall0 < WALL_CAP_S, e.idx);
		if (e.kind == 0) {
			struct pkt *p = &S.pk[e.idx];

			p->seg.payload = p->payload;
			dispatch(p->conn, p->to, &p->seg);
			S.pk_free[S.npk_free++] = e.idx;
		} else if (e.kind == 1) {
			struct conn *k = &S.c[e.idx];

			if (!k->armed[e.side] || k->gen[e.side] != e.gen)
				continue; /* cancelled or re-armed since */
			k->armed[e.side] = 0;
			if (k->live[e.side] == TCB) {
				sf_tcp_timeout(&S.ctx[e.side], &k->tcb[e.side], S.now, &S.out);
				finish_round(e.idx, e.side, NULL);
			} else if (k->live[e.side] == TW) {
				sf_tcp_tw_expired(&S.ctx[e.side]);
				k->live[e.side] = NONE;
				conn_check_finished(e.idx);
			}
		} else {
			conn_start(e.idx);
		}
		start_more();
	}
	for (c = 0; c < n_conn; c++) {
		struct conn *k = &S.c[c];

		CHECK(k->started && k->finished, c);
		CHECK(k->live[CLI] == NONE && k->live[SRV] == NONE, c);
		CHECK(!k->armed[CLI] && !k->armed[SRV], c);
		/* the whole request, intact (checked byte by byte) */
		CHECK((k->srv_inc > 1 ? k->first_srx : k->rx[SRV]) == k->q, c);
		CHECK(k->rx[CLI] == k->p, c); /* the whole response, intact */
	}
	for (s = 0; s < 2; s++) {
		for (c = SF_TCP_LISTEN; c < SF_TCP__STATE_COUNT; c++)
			CHECK(S.ctx[s].stats.state[c] == 0, c);
		CHECK(S.ctx[s].stats.tw_compact == 0, s);
		for (c = 0; c < SF_TCP_GIVE_UP__COUNT; c++)
			give_ups += S.ctx[s].stats.give_up[c];
	}
	print_message("random: seed %#" PRIx64 ": %u connections, %" PRIu64 " events, %" PRIu64 " segments "
		      "(%" PRIu64 " lost, %" PRIu64 " duplicated), %" PRIu64 " replayed cookies, %" PRIu64 " s virtual\n",
		      S.seed, n_conn, S.events, S.sent, S.lost, S.dups, S.strays, (S.now / 1000000) - 3600 * 1000);
	print_message("random: retransmits syn %" PRIu64 " syn-ack %" PRIu64 " data %" PRIu64 " fin %" PRIu64
		      ", cookies %" PRIu64 "/%" PRIu64 ", challenge acks %" PRIu64 "/%" PRIu64 ", give-ups %" PRIu64 "\n",
		      S.ctx[CLI].stats.retrans[SF_TCP_RETRANS_SYN], S.ctx[SRV].stats.retrans[SF_TCP_RETRANS_SYN_ACK],
		      S.ctx[SRV].stats.retrans[SF_TCP_RETRANS_DATA] + S.ctx[CLI].stats.retrans[SF_TCP_RETRANS_DATA],
		      S.ctx[SRV].stats.retrans[SF_TCP_RETRANS_FIN] + S.ctx[CLI].stats.retrans[SF_TCP_RETRANS_FIN],
		      S.ctx[SRV].stats.cookies_validated, S.ctx[SRV].stats.cookies_sent,
		      S.ctx[CLI].stats.challenge_acks_sent, S.ctx[SRV].stats.challenge_acks_sent,
		      give_ups);
	free(S.c);
	free(S.pk);
	free(S.pk_free);
	free(S.heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_machines_deliver_everything_and_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

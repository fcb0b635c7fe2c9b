/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lib/tcp test harness (see tcp_test.h): a fixture that plays the engine around one
 * connection, a fake clock with the connection's one timer, and strict segment checks.
 */

#include <stdio.h>
#include <stdlib.h>

#include "tcp_test.h"

#define SECRET_K0 0x0706050403020100ull
#define SECRET_K1 0x0f0e0d0c0b0a0908ull
#define COOKIE_K0 0x1111222233334444ull
#define COOKIE_K1 0x5555666677778888ull

void f_config(struct sf_tcp_config *cfg)
{
	sf_tcp_config_default(cfg);
	cfg->msl_ms = MSL_MS;
	cfg->rto_initial_ms = RTO_MS;
	cfg->rto_min_ms = 200;
	cfg->rto_max_ms = 60000;
	cfg->rcv_wnd = LOCAL_WND;
	cfg->rcv_wscale = 0;
	cfg->mss = LOCAL_MSS;
	cfg->offer = SF_OPT_MSS;
	cfg->syn_retries = 3;
	cfg->synack_retries = 3;
	cfg->max_retries = 4;
	cfg->fin_wait_2_ms = 10000;
	cfg->delack = 0;
	cfg->cookie_mode = SF_TCP_COOKIE_WHEN_FULL;
	cfg->challenge_ack_limit = 100;
}

static void f_ctx_init(struct fixture *f, const struct sf_tcp_config *cfg)
{
	struct sf_tcp_config c;

	if (cfg == NULL) {
		f_config(&c);
		cfg = &c;
	}
	assert_int_equal(sf_tcp_ctx_init(&f->ctx, cfg), 0);
	/* fixed secrets: every run computes the same ISNs, offsets and cookies */
	sf_tcp_isn_key_set(&f->ctx.secret, SECRET_K0, SECRET_K1);
	sf_syncookie_keys_set(&f->ctx.cookies, COOKIE_K0, COOKIE_K1);
}

struct fixture *f_new(const struct sf_tcp_config *cfg)
{
	struct fixture *f = calloc(1, sizeof(*f));
	static const uint8_t l[4] = { 198, 18, 0, 1 }, r[4] = { 198, 19, 0, 2 };
	uint32_t isn0;

	assert_non_null(f);
	f_ctx_init(f, cfg);
	memcpy(f->key.laddr, l, 4);
	memcpy(f->key.raddr, r, 4);
	f->key.lport = 0x5000; /* 80, network order on little-endian hosts: only its bits matter */
	f->key.rport = 0x409c;
	f->key.family = SF_AF_INET;
	/* RFC 6528: ISN = F(tuple) + now/4; pick the start time that makes ours LOCAL_SEQ */
	isn0 = sf_tcp_isn(&f->ctx.secret, &f->key, 0);
	f->t0 = (uint64_t)(uint32_t)(LOCAL_SEQ - isn0) * 4 + 4ull * (1ull << 32);
	f->now = f->t0;
	assert_int_equal(sf_tcp_isn(&f->ctx.secret, &f->key, f->now), LOCAL_SEQ);
	f->ts_off = sf_tcp_ts_offset(&f->ctx.secret, &f->key);
	/* a pooled TCB: zeroed, so CLOSED; the timer node belongs to lib/timer */
	memset(&f->tcb, 0, sizeof(f->tcb));
	return f;
}

void f_reconfig(struct fixture *f, const struct sf_tcp_config *cfg)
{
	struct sf_tcp_stats keep = f->ctx.stats;

	f_ctx_init(f, cfg);
	f->ctx.stats = keep;
}

/* ---- the mini-engine ---- */

static void f_check_timer(const struct fixture *f)
{
	/* the machine's idea of its timer and the operations it emitted must agree */
	if (f->tcb_live)
		assert_int_equal(f->tcb.timer_kind != SF_TCP_TK_NONE, f->timer_armed);
}

static void f_export_if_time_wait(struct fixture *f)
{
	if (!(f->export_tw && f->tcb_live && f->tcb.state == SF_TCP_TIME_WAIT))
		return;
	sf_tcp_tw_export(&f->ctx, &f->tcb, &f->tw);
	assert_int_equal(f->tcb.state, SF_TCP_CLOSED);
	f->tcb_live = false;
	f->tw_live = true;
	/* the TCB's timer is cancelled with it; the compact entry gets its own 2MSL */
	f->timer_armed = true;
	f->timer_at = f->now + 2000ull * f->ctx.cfg.msl_ms;
}

/* Take what the machine added to f->out since @p *seen: segments, events, the timer. */
static void f_collect(struct fixture *f, unsigned int *seen)
{
	struct sf_tcp_out *o = &f->out;
	unsigned int i;

	for (i = *seen; i < o->nseg; i++) {
		assert_true(f->qtail - f->qhead < sizeof(f->q) / sizeof(f->q[0]));
		const struct sf_tcp_wr *w = &o->seg[i].wr;

		f->q[f->qtail++ % (sizeof(f->q) / sizeof(f->q[0]))] = (struct sent_seg){
			.seq = w->seq, .ack = w->ack, .data_off = o->seg[i].data_off, .data_len = w->payload_len,
			.wnd = w->wnd, .mss = w->mss, .flags = w->flags, .opts = w->opts, .wscale = w->wscale,
			.ts_val = w->ts_val, .ts_ecr = w->ts_ecr,
		};
	}
	*seen = o->nseg;
	f->events |= o->events;
	if (o->timer == SF_TCP_TIMER_ARM) {
		f->timer_armed = true;
		f->timer_at = f->now + 1000ull * o->timer_ms;
	} else if (o->timer == SF_TCP_TIMER_CANCEL) {
		f->timer_armed = false;
	}
	if (o->events & SF_TCP_EV_CLOSED) {
		assert_int_equal(f->tcb.state, SF_TCP_CLOSED);
		assert_false(f->timer_armed); /* a freed TCB leaves no timer behind */
		f->tcb_live = false;
	}
	f_check_timer(f);
}

static unsigned int f_seen;

static void f_dispatch(struct fixture *f, const struct sf_tcp_seg *seg)
{
	if (f->tcb_live) {
		sf_tcp_input(&f->ctx, &f->tcb, &f->key, seg, f->now, &f->out);
		f_seen = 0;
		if (f->out.events & SF_TCP_EV_DATA) {
			f->delivered += f->out.rx_len;
			f->last_rx_skip = f->out.rx_skip;
			f->last_rx_len = f->out.rx_len;
		}
		f_collect(f, &f_seen);
		if (f->out.events & SF_TCP_EV_REDISPATCH)
			f_dispatch(f, seg); /* TIME-WAIT gave way: the listener takes the SYN */
		return;
	}
	if (f->tw_live) {
		f->verdict = sf_tcp_tw_input(&f->ctx, &f->tw, &f->key, seg, f->now, &f->out);
		f_seen = 0;
		f_collect(f, &f_seen);
		if (f->verdict != SF_TCP_TW_REOPEN)
			return;
		f->tw_live = false;
		f->timer_armed = false;
	}
	if (f->listening) {
		f->verdict = sf_tcp_listen_input(&f->ctx, &f->key, seg, f->now, f->pool_empty ? NULL : &f->tcb,
						 &f->out);
		if (f->verdict == SF_TCP_LISTEN_NEW)
			f->tcb_live = true;
		else
			assert_false(f->out.events & SF_TCP_EV_NEW);
		if (f->out.events & SF_TCP_EV_DATA) {
			f->delivered += f->out.rx_len;
			f->last_rx_skip = f->out.rx_skip;
			f->last_rx_len = f->out.rx_len;
		}
		f_seen = 0;
		f_collect(f, &f_seen);
		return;
	}
	sf_tcp_closed_input(&f->ctx, seg, &f->out);
	f_seen = 0;
	f_collect(f, &f_seen);
}

void f_input(struct fixture *f, struct sf_tcp_seg seg)
{
	f_dispatch(f, &seg);
}

void f_output(struct fixture *f)
{
	if (!f->tcb_live)
		return;
	sf_tcp_output(&f->ctx, &f->tcb, f->now, &f->out);
	f_collect(f, &f_seen);
	while (f->out.more && f->tcb_live) {
		/* the engine sends what fits and asks again */
		sf_tcp_out_init(&f->out);
		f_seen = 0;
		sf_tcp_output(&f->ctx, &f->tcb, f->now, &f->out);
		f_collect(f, &f_seen);
	}
	f_export_if_time_wait(f);
}

void f_send(struct fixture *f, struct sf_tcp_seg seg)
{
	f_input(f, seg);
	f_output(f);
}

void f_connect(struct fixture *f)
{
	sf_tcp_connect(&f->ctx, &f->tcb, &f->key, f->now, &f->out);
	f->tcb_live = true;
	f_seen = 0;
	f_collect(f, &f_seen);
	f_output(f); /* the engine ends the round with sf_tcp_output(): the SYN goes out */
}

void f_app_send(struct fixture *f, uint32_t n)
{
	assert_int_equal(sf_tcp_send(&f->tcb, n), 0);
}

void f_app_close(struct fixture *f, int expect_rc)
{
	assert_int_equal(sf_tcp_close(&f->ctx, &f->tcb, &f->out), expect_rc);
	f_collect(f, &f_seen);
}

void f_advance(struct fixture *f, uint64_t ms)
{
	uint64_t target = f->now + ms * 1000;

	while (f->timer_armed && f->timer_at <= target) {
		f->now = f->timer_at;
		f->timer_armed = false;
		if (f->tcb_live) {
			sf_tcp_timeout(&f->ctx, &f->tcb, f->now, &f->out);
			f_seen = 0;
			f_collect(f, &f_seen);
			f_output(f);
		} else if (f->tw_live) {
			sf_tcp_tw_expired(&f->ctx);
			f->tw_live = false;
		}
	}
	f->now = target;
}

uint64_t f_timer_in_ms(const struct fixture *f)
{
	assert_true(f->timer_armed);
	return (f->timer_at - f->now) / 1000;
}

/* ---- checking ---- */

static unsigned int qcap(void)
{
	return (unsigned int)(sizeof(((struct fixture *)0)->q) / sizeof(((struct fixture *)0)->q[0]));
}

static void seg_print(const char *what, const struct sent_seg *s)
{
	print_message("%s: flags=%02x seq=%08x ack=%08x wnd=%u data=%u+%u opts=%02x mss=%u ws=%u ts=%u/%u\n",
		      what, s->flags, s->seq, s->ack, s->wnd, s->data_off, s->data_len, s->opts, s->mss,
		      s->wscale, s->ts_val, s->ts_ecr);
}

void f_expect_seg_at(struct fixture *f, struct sent_seg want, const char *file, int line)
{
	struct sent_seg got;
	bool ok;

	if (f->qhead == f->qtail) {
		seg_print("expected", &want);
		_fail(file, line);
	}
	got = f->q[f->qhead++ % qcap()];
	ok = got.flags == want.flags && got.seq == want.seq && got.ack == want.ack && got.wnd == want.wnd &&
	     got.data_off == want.data_off && got.data_len == want.data_len && got.opts == want.opts &&
	     (!(want.opts & SF_OPT_MSS) || got.mss == want.mss) &&
	     (!(want.opts & SF_OPT_WSCALE) || got.wscale == want.wscale) &&
	     (!(want.opts & SF_OPT_TS) || (got.ts_val == want.ts_val && got.ts_ecr == want.ts_ecr));
	if (!ok) {
		seg_print("expected", &want);
		seg_print("got     ", &got);
		_fail(file, line);
	}
}

void f_expect_nothing_at(struct fixture *f, const char *file, int line)
{
	if (f->qhead != f->qtail) {
		seg_print("unexpected", &f->q[f->qhead % qcap()]);
		_fail(file, line);
	}
}

uint16_t f_events(struct fixture *f)
{
	uint16_t e = f->events;

	f->events = 0;
	return e;
}

enum sf_tcp_state f_state(const struct fixture *f)
{
	if (f->tcb_live)
		return (enum sf_tcp_state)f->tcb.state;
	if (f->tw_live)
		return SF_TCP_TIME_WAIT;
	return SF_TCP_CLOSED;
}

unsigned int f_pending(const struct fixture *f)
{
	return f->qtail - f->qhead;
}

void f_flush(struct fixture *f)
{
	f->qhead = f->qtail;
}

/* ---- fixtures per state ---- */

int f_teardown(void **state)
{
	free(*state);
	return 0;
}

int f_setup_closed(void **state)
{
	*state = f_new(NULL);
	return 0;
}

int f_setup_listen(void **state)
{
	struct fixture *f = f_new(NULL);

	f->listening = true;
	*state = f;
	return 0;
}

int f_setup_syn_sent(void **state)
{
	struct fixture *f = f_new(NULL);

	f_connect(f);
	expect_seg(f, OUT(.flags = SYN, .seq = LOCAL_SEQ, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	expect_nothing(f);
	f_events(f);
	*state = f;
	return 0;
}

int f_setup_syn_received(void **state)
{
	struct fixture *f;

	f_setup_listen(state);
	f = *state;
	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 1460 }));
	expect_seg(f, OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			  .mss = LOCAL_MSS));
	expect_nothing(f);
	f_events(f);
	return 0;
}

void f_handshake_passive(struct fixture *f, struct sf_tcp_seg syn)
{
	f->listening = true;
	f_send(f, syn);
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	f_flush(f);
	f_send(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1,
		      .opts = { .present = (uint8_t)(syn.opts.present & SF_OPT_TS), .ts_val = syn.opts.ts_val + 1,
				.ts_ecr = f_tsval(f) }));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	expect_nothing(f);
	f_events(f);
}

int f_setup_established(void **state)
{
	struct fixture *f;

	f_setup_syn_received(state);
	f = *state;
	f_send(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	f_events(f);
	return 0;
}

int f_setup_fin_wait_1(void **state)
{
	struct fixture *f;

	f_setup_established(state);
	f = *state;
	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = FIN | ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
	f_events(f);
	return 0;
}

int f_setup_fin_wait_2(void **state)
{
	struct fixture *f;

	f_setup_fin_wait_1(state);
	f = *state;
	expect_no_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 2));
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_2);
	f_events(f);
	return 0;
}

int f_setup_close_wait(void **state)
{
	struct fixture *f;

	f_setup_established(state);
	f = *state;
	expect_reply(f, SEG(.flags = FIN | ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 2));
	assert_int_equal(f_state(f), SF_TCP_CLOSE_WAIT);
	f_events(f);
	return 0;
}

int f_setup_last_ack(void **state)
{
	struct fixture *f;

	f_setup_close_wait(state);
	f = *state;
	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = FIN | ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 2));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_LAST_ACK);
	f_events(f);
	return 0;
}

int f_setup_closing(void **state)
{
	struct fixture *f;

	f_setup_fin_wait_1(state);
	f = *state;
	expect_reply(f, SEG(.flags = FIN | ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 2, .ack = REMOTE_SEQ + 2));
	assert_int_equal(f_state(f), SF_TCP_CLOSING);
	f_events(f);
	return 0;
}

static int f_setup_time_wait_as(void **state, bool compact)
{
	struct fixture *f;

	f_setup_fin_wait_2(state);
	f = *state;
	f->export_tw = compact;
	expect_reply(f, SEG(.flags = FIN | ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 2),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 2, .ack = REMOTE_SEQ + 2));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_int_equal(f->tw_live, compact);
	f_events(f);
	return 0;
}

int f_setup_time_wait(void **state)
{
	return f_setup_time_wait_as(state, false);
}

int f_setup_time_wait_compact(void **state)
{
	return f_setup_time_wait_as(state, true);
}

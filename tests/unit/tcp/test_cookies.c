/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: SYN cookies (RFC 4987 3.6). The listener answers without a TCB when its pool is
 * empty (or always, when configured); the ACK that returns the cookie validates it and makes
 * the TCB with the MSS, window scale and SACK-permitted the cookie encoded.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define ALL_OPTS (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS)

static int setup_cookie(void **state, enum sf_tcp_cookie_mode mode, uint8_t offer)
{
	struct sf_tcp_config cfg;
	struct fixture *f;

	f_config(&cfg);
	cfg.cookie_mode = (uint8_t)mode;
	cfg.offer = offer;
	cfg.rcv_wscale = 2;
	cfg.rcv_wnd = 200000;
	f = f_new(&cfg);
	f->listening = true;
	*state = f;
	return 0;
}

static int setup_always(void **state)
{
	return setup_cookie(state, SF_TCP_COOKIE_ALWAYS, SF_OPT_MSS);
}

static int setup_always_all(void **state)
{
	return setup_cookie(state, SF_TCP_COOKIE_ALWAYS, ALL_OPTS);
}

static int setup_when_full(void **state)
{
	return setup_cookie(state, SF_TCP_COOKIE_WHEN_FULL, SF_OPT_MSS);
}

/* the cookie the listener must send for a SYN (computed on a copy of its keys) */
static uint32_t cookie_for(const struct fixture *f, uint32_t peer_isn, uint16_t mss, uint8_t ws, uint8_t sack)
{
	struct sf_syncookie_keys k = f->ctx.cookies;
	struct sf_syncookie_opts o = { .mss = mss, .wscale = ws, .sack_ok = sack };

	return sf_syncookie_make(&k, &f->key, peer_isn, &o, f->now, NULL);
}

/* RFC 4987 3.6: in ALWAYS mode a SYN gets a cookie SYN-ACK and no TCB is used */
static void always_syn_gets_cookie_syn_ack_without_tcb(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie = cookie_for(f, REMOTE_SEQ, 1460, SF_SYNCOOKIE_NO_WSCALE, 0);

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 1460 }),
		     OUT(.flags = SYN | ACK, .seq = cookie, .ack = R1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_REPLY);
	assert_false(f->tcb_live);
	assert_false(f->timer_armed);
	assert_int_equal(f->ctx.stats.cookies_sent, 1);
}

/* WHEN_FULL: a SYN with no TCB to give gets a cookie */
static void when_full_syn_without_tcb_gets_cookie(void **state)
{
	struct fixture *f = *state;

	f->pool_empty = true;
	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ), OUT(.flags = SYN | ACK, .seq = cookie_for(f, REMOTE_SEQ, 536,
		     SF_SYNCOOKIE_NO_WSCALE, 0), .ack = R1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_REPLY);
}

/* WHEN_FULL: with a TCB the listener opens normally (our ISS, state kept) */
static void when_full_syn_with_tcb_opens_normally(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_NEW);
	assert_int_equal(f->ctx.stats.cookies_sent, 0);
}

/* the ACK returning a valid cookie makes an ESTABLISHED connection */
static void cookie_ack_makes_established_connection(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 1460 }));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	f->now += 50 * 1000;
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_NEW);
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_int_equal(f_events(f) & (SF_TCP_EV_NEW | SF_TCP_EV_ESTABLISHED), SF_TCP_EV_NEW | SF_TCP_EV_ESTABLISHED);
	assert_int_equal(f->tcb.iss, cookie);
	assert_int_equal(f->tcb.rcv_nxt, R1);
	assert_false(f->timer_armed);
	assert_int_equal(f->ctx.stats.cookies_validated, 1);
	assert_int_equal(f->ctx.stats.opened_cookie, 1);
}

/* the request riding on the cookie ACK is delivered and acknowledged */
static void cookie_ack_with_data_delivers_it(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	expect_reply(f, SEG(.flags = ACK | PSH, .seq = R1, .ack = cookie + 1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = cookie + 1, .ack = R1 + 100));
	assert_int_equal(f->delivered, 100);
}

/* RFC 4987 3.6: the TCB gets back the MSS, window scale and SACK-permitted of the SYN */
static void cookie_ack_restores_encoded_options(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM,
								 .mss = 1460, .wscale = 5 }));
	expect_seg(f, OUT(.flags = SYN | ACK, .seq = f->q[f->qhead].seq, .ack = R1, .wnd = 65535,
			  .opts = SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM, .mss = LOCAL_MSS, .wscale = 2));
	cookie = f->q[f->qhead - 1].seq;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1, .wnd = 100));
	assert_int_equal(f->tcb.snd_mss, 1460);
	assert_int_equal(f->tcb.snd_wscale, 5);
	assert_int_equal(f->tcb.rcv_wscale, 2);
	assert_true(f->tcb.flags & SF_TCB_SACK_OK);
	assert_int_equal(f->tcb.snd_wnd, 100u << 5);
}

/* the SYN-ACK advertises only what the cookie can give back: no WS if the SYN had none */
static void cookie_syn_ack_omits_wscale_the_peer_did_not_offer(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 1460 }));
	expect_seg(f, OUT(.flags = SYN | ACK, .seq = f->q[f->qhead].seq, .ack = R1, .wnd = 65535, .opts = SF_OPT_MSS,
			  .mss = LOCAL_MSS));
	cookie = f->q[f->qhead - 1].seq;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1));
	assert_false(f->tcb.flags & SF_TCB_WS_OK);
	assert_int_equal(f->tcb.rcv_wscale, 0);
}

/* timestamps: the cookie SYN-ACK echoes the SYN's TSval; TSopt on the ACK turns them on */
static void cookie_with_timestamps_enables_them(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_TS, .ts_val = 31 }));
	expect_seg(f, OUT(.flags = SYN | ACK, .seq = f->q[f->qhead].seq, .ack = R1, .wnd = 65535,
			  .opts = SF_OPT_MSS | SF_OPT_TS, .mss = LOCAL_MSS, .ts_val = f_tsval(f), .ts_ecr = 31));
	cookie = f->q[f->qhead - 1].seq;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1, .opts = { .present = SF_OPT_TS, .ts_val = 32 }));
	assert_true(f->tcb.flags & SF_TCB_TS_OK);
	assert_int_equal(f->tcb.ts_recent, 32);
	assert_int_equal(f->tcb.snd_mss, 536 - 12);
}

/* a forged cookie does not validate: no TCB, no RST (it may be a reordered later segment) */
static void forged_cookie_ack_is_dropped(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 2));
	assert_false(f->tcb_live);
	assert_int_equal(f->ctx.stats.cookies_rejected, 1);
	/* a later segment of a good cookie connection (SEG.SEQ - 1 is not the ISN) alike */
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + 100, .ack = cookie + 1, .payload_len = 10));
	assert_int_equal(f->ctx.stats.cookies_rejected, 2);
}

/* a cookie older than its two periods no longer validates */
static void expired_cookie_ack_is_dropped(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	f->now += 3 * SF_SYNCOOKIE_PERIOD_US;
	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ + 5000)); /* cookies are still being sent */
	f_flush(f);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1));
	assert_false(f->tcb_live);
	assert_int_equal(f->ctx.stats.cookies_rejected, 1);
}

/* with no cookie sent for two periods an ACK gets the RFC's RST, unchecked */
static void ack_long_after_last_cookie_gets_rst(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	f->now += 2 * SF_SYNCOOKIE_PERIOD_US;
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1), OUT(.flags = RST, .seq = cookie + 1, .wnd = 0));
	assert_int_equal(f->ctx.stats.cookies_rejected, 0);
}

/* a valid cookie but still no TCB to give: dropped, the peer's retransmission retries */
static void valid_cookie_without_tcb_is_dropped(void **state)
{
	struct fixture *f = *state;
	uint32_t cookie;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	cookie = f->q[f->qhead].seq;
	f_flush(f);
	f->pool_empty = true;
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1, .payload_len = 10));
	assert_int_equal(f->ctx.stats.cookies_validated, 1);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_NO_TCB], 1);
	f->pool_empty = false;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = cookie + 1, .payload_len = 10));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_int_equal(f->delivered, 10);
}

/* a SYN-ACK to a listener is not a cookie ACK: RST, no validation */
static void syn_ack_to_cookie_listener_gets_rst(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	f_flush(f);
	expect_reply(f, SEG(.flags = SYN | ACK, .seq = R1, .ack = 5), OUT(.flags = RST, .seq = 5, .wnd = 0));
	assert_int_equal(f->ctx.stats.cookies_rejected, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(always_syn_gets_cookie_syn_ack_without_tcb, setup_always),
		T(when_full_syn_without_tcb_gets_cookie, setup_when_full),
		T(when_full_syn_with_tcb_opens_normally, setup_when_full),
		T(cookie_ack_makes_established_connection, setup_always),
		T(cookie_ack_with_data_delivers_it, setup_always),
		T(cookie_ack_restores_encoded_options, setup_always_all),
		T(cookie_syn_ack_omits_wscale_the_peer_did_not_offer, setup_always_all),
		T(cookie_with_timestamps_enables_them, setup_always_all),
		T(forged_cookie_ack_is_dropped, setup_always),
		T(expired_cookie_ack_is_dropped, setup_always),
		T(ack_long_after_last_cookie_gets_rst, setup_always),
		T(valid_cookie_without_tcb_is_dropped, setup_always),
		T(syn_ack_to_cookie_listener_gets_rst, setup_always),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

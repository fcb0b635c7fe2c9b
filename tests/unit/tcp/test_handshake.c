/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: opening a connection. CLOSED (3.10.7.1), LISTEN (3.10.7.2), SYN-SENT (3.10.7.3),
 * SYN-RECEIVED (3.10.7.4), both directions of the three-way handshake and simultaneous open.
 */

#include "tcp_test.h"

/* ---- CLOSED: RFC 9293 3.10.7.1 ---- */

/* RFC 9293 3.10.7.1: a segment with ACK to no connection gets <SEQ=SEG.ACK><CTL=RST> */
static void closed_ack_gets_rst_with_seq_of_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ, .ack = 0x12345678),
		     OUT(.flags = RST, .seq = 0x12345678, .wnd = 0));
	assert_int_equal(f->ctx.stats.rst_tx[SF_TCP_RST_TX_NO_CONN], 1);
}

/* RFC 9293 3.10.7.1: without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counts one */
static void closed_syn_gets_rst_ack_of_seq_plus_one(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ), OUT(.flags = RST | ACK, .seq = 0,
								  .ack = REMOTE_SEQ + 1, .wnd = 0));
}

/* RFC 9293 3.10.7.1: SEG.LEN counts the payload and the FIN, across the wrap */
static void closed_fin_with_data_gets_rst_ack_of_seq_plus_len_plus_one(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN, .seq = REMOTE_SEQ, .payload_len = 100),
		     OUT(.flags = RST | ACK, .seq = 0, .ack = REMOTE_SEQ + 101, .wnd = 0));
}

/* RFC 9293 3.10.7.1: an incoming RST is discarded */
static void closed_rst_gets_nothing(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = REMOTE_SEQ));
	expect_no_reply(f, SEG(.flags = RST | ACK, .seq = REMOTE_SEQ, .ack = 5));
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_IGNORED], 2);
}

/* ---- LISTEN: RFC 9293 3.10.7.2 ---- */

/* RFC 9293 3.10.7.2: a SYN gets <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>: the SYN took one number */
static void listen_syn_gets_syn_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			 .mss = LOCAL_MSS));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_true(f_events(f) & SF_TCP_EV_NEW);
	assert_int_equal(f->verdict, SF_TCP_LISTEN_NEW);
}

/* RFC 6528: our ISS is the keyed hash of the 4-tuple plus the 4 us clock */
static void listen_syn_iss_is_rfc6528_hash(void **state)
{
	struct fixture *f = *state;

	f->now += 4000; /* 1000 ticks of 4 us later */
	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = sf_tcp_isn(&f->ctx.secret, &f->key, f->now),
			 .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	assert_int_equal(f->tcb.iss, LOCAL_SEQ + 1000);
}

/* RFC 9293 3.10.7.2: the SYN-ACK is retransmitted, so the RTO timer runs */
static void listen_syn_arms_retransmission_timer(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	assert_true(f->timer_armed);
	assert_int_equal(f_timer_in_ms(f), RTO_MS);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* RFC 9293 3.10.7.2: an incoming RST is ignored */
static void listen_rst_is_ignored(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = REMOTE_SEQ));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_DROP);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_IGNORED], 1);
}

/* RFC 9293 3.10.7.2: any ACK to a listener gets <SEQ=SEG.ACK><CTL=RST> */
static void listen_ack_gets_rst_with_seq_of_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ, .ack = 0xdeadbeef),
		     OUT(.flags = RST, .seq = 0xdeadbeef, .wnd = 0));
	assert_int_equal(f->verdict, SF_TCP_LISTEN_REPLY);
	assert_int_equal(f->ctx.stats.rst_tx[SF_TCP_RST_TX_LISTEN_ACK], 1);
	/* no cookie was sent lately, so none was checked */
	assert_int_equal(f->ctx.stats.cookies_rejected, 0);
}

/* RFC 9293 3.10.7.2: a SYN-ACK to a listener is an ACK: RST */
static void listen_syn_ack_gets_rst(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = 77), OUT(.flags = RST, .seq = 77, .wnd = 0));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
}

/* RFC 9293 3.10.7.2 fourth: neither SYN, RST nor ACK: drop */
static void listen_fin_alone_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = FIN, .seq = REMOTE_SEQ));
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_LISTEN], 1);
}

/* we buffer nothing: data on a SYN is not acknowledged (the peer sends it again) */
static void listen_syn_with_data_acks_only_the_syn(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .payload_len = 10),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			 .mss = LOCAL_MSS));
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_SYN_DATA], 1);
	assert_false(f_events(f) & SF_TCP_EV_DATA);
}

/* a pool that is empty and cookies off: the SYN is dropped and counted */
static void listen_syn_without_tcb_and_no_cookies_is_dropped(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.cookie_mode = SF_TCP_COOKIE_NEVER;
	f_reconfig(f, &cfg);
	f->pool_empty = true;
	expect_no_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_NO_TCB], 1);
}

/* RFC 9293 3.10.1 passive OPEN: a TCB in LISTEN becomes the connection on a SYN */
static void listen_tcb_syn_enters_syn_received(void **state)
{
	struct fixture *f = *state;

	f->listening = false;
	sf_tcp_listen(&f->ctx, &f->tcb);
	f->tcb_live = true;
	assert_int_equal(f->ctx.stats.state[SF_TCP_LISTEN], 1);
	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			 .mss = LOCAL_MSS));
	assert_int_equal(f->tcb.state, SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.state[SF_TCP_LISTEN], 0);
	assert_int_equal(f->ctx.stats.state[SF_TCP_SYN_RECEIVED], 1);
}

/* RFC 9293 3.10.7.2: a LISTEN TCB answers an ACK with a RST and keeps listening */
static void listen_tcb_ack_gets_rst_and_keeps_listening(void **state)
{
	struct fixture *f = *state;

	f->listening = false;
	sf_tcp_listen(&f->ctx, &f->tcb);
	f->tcb_live = true;
	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ, .ack = 9), OUT(.flags = RST, .seq = 9, .wnd = 0));
	assert_int_equal(f->tcb.state, SF_TCP_LISTEN);
}

/* RFC 9293 3.10.4: CLOSE of a LISTEN TCB deletes it */
static void listen_tcb_close_closes(void **state)
{
	struct fixture *f = *state;

	f->listening = false;
	sf_tcp_listen(&f->ctx, &f->tcb);
	f->tcb_live = true;
	f_app_close(f, 0);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_true(f_events(f) & SF_TCP_EV_CLOSED);
}

/* ---- SYN-RECEIVED ---- */

/* RFC 9293 3.10.7.4: SND.UNA < SEG.ACK =< SND.NXT completes the handshake */
static void syn_received_ack_enters_established(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_true(f_events(f) & SF_TCP_EV_ESTABLISHED);
	assert_false(f->timer_armed);
	assert_int_equal(f->ctx.stats.established, 1);
}

/* RFC 9293 3.10.7.4: the final ACK sets the send window (scaled, not a SYN) */
static void syn_received_ack_sets_send_window(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1, .wnd = 1234));
	assert_int_equal(f->tcb.snd_wnd, 1234);
	assert_int_equal(f->tcb.snd_wl1, REMOTE_SEQ + 1);
	assert_int_equal(f->tcb.snd_wl2, LOCAL_SEQ + 1);
}

/* RFC 9293 3.10.7.4: an ACK of something we never sent gets <SEQ=SEG.ACK><CTL=RST> */
static void syn_received_ack_too_high_gets_rst_with_seq_of_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 2),
		     OUT(.flags = RST, .seq = LOCAL_SEQ + 2, .wnd = 0));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.rst_tx[SF_TCP_RST_TX_BAD_ACK], 1);
}

/* RFC 9293 3.10.7.4: SEG.ACK = SND.UNA (our SYN unacknowledged) is no completion either */
static void syn_received_ack_of_iss_gets_rst(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ),
		     OUT(.flags = RST, .seq = LOCAL_SEQ, .wnd = 0));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

/* the peer's SYN again means our SYN-ACK was lost: the same SYN-ACK goes again */
static void syn_received_duplicate_syn_resends_same_syn_ack(void **state)
{
	struct fixture *f = *state;

	f->now += 300 * 1000;
	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			 .mss = LOCAL_MSS));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_SYN_ACK], 1);
}

/* RFC 5961 4.2: a SYN with another sequence number in SYN-RECEIVED gets a challenge ACK */
static void syn_received_other_syn_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ + 100),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.challenge_acks_sent, 1);
}

/* RFC 5961 3.2: a RST at exactly RCV.NXT ends a half-open connection */
static void syn_received_rst_in_sequence_closes(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = REMOTE_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f_events(f) & (SF_TCP_EV_CLOSED | SF_TCP_EV_RESET), SF_TCP_EV_CLOSED | SF_TCP_EV_RESET);
	assert_int_equal(f->ctx.stats.state[SF_TCP_SYN_RECEIVED], 0);
}

/* RFC 9293 3.10.7.4 fifth: a segment without ACK in SYN-RECEIVED is dropped */
static void syn_received_segment_without_ack_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = PSH, .seq = REMOTE_SEQ + 1, .payload_len = 5));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_NO_ACK], 1);
}

/* the request may ride on the final ACK: handshake done and data delivered in one round */
static void syn_received_ack_with_data_delivers_it(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK | PSH, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 101));
	assert_int_equal(f_events(f) & (SF_TCP_EV_ESTABLISHED | SF_TCP_EV_DATA),
			 SF_TCP_EV_ESTABLISHED | SF_TCP_EV_DATA);
	assert_int_equal(f->delivered, 100);
}

/* RFC 9293 3.10.4: CLOSE in SYN-RECEIVED: FIN-WAIT-1; the FIN follows the SYN */
static void syn_received_close_enters_fin_wait_1(void **state)
{
	struct fixture *f = *state;

	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = FIN | ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
	expect_no_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1));
	/* our SYN is acknowledged, the FIN is not: still FIN-WAIT-1 */
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
}

/* ---- SYN-SENT: RFC 9293 3.10.1 and 3.10.7.3 ---- */

/* RFC 9293 3.10.1: active OPEN sends <SEQ=ISS><CTL=SYN> and starts the RTO */
static void connect_sends_syn_and_arms_rto(void **state)
{
	struct fixture *f = *state;

	f_connect(f);
	expect_seg(f, OUT(.flags = SYN, .seq = LOCAL_SEQ, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
	assert_int_equal(f_timer_in_ms(f), RTO_MS);
	assert_int_equal(f->ctx.stats.opened_active, 1);
}

/* RFC 9293 3.10.7.3: a SYN-ACK acking ISS+1: ESTABLISHED, <ACK=SEG.SEQ+1> */
static void syn_sent_syn_ack_enters_established_and_acks(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_true(f_events(f) & SF_TCP_EV_ESTABLISHED);
	assert_false(f->timer_armed);
}

/* RFC 7323 2.2: the window of a SYN-ACK is taken unscaled */
static void syn_sent_syn_ack_window_is_unscaled(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1, .wnd = 5000));
	assert_int_equal(f->tcb.snd_wnd, 5000);
}

/* RFC 9293 3.10.7.3: SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>, stay */
static void syn_sent_syn_ack_with_bad_ack_gets_rst(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 5),
		     OUT(.flags = RST, .seq = LOCAL_SEQ + 5, .wnd = 0));
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
}

/* RFC 9293 3.10.7.3: SEG.ACK =< ISS is unacceptable too */
static void syn_sent_ack_of_iss_gets_rst(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ), OUT(.flags = RST, .seq = LOCAL_SEQ,
										 .wnd = 0));
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
}

/* RFC 9293 3.10.7.3: a RST with an acceptable ACK: connection refused */
static void syn_sent_rst_with_acceptable_ack_refuses(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST | ACK, .seq = 0, .ack = LOCAL_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_true(f_events(f) & SF_TCP_EV_RESET);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_REFUSED], 1);
}

/* RFC 9293 3.10.7.3 / RFC 5961 3.2: a RST without ACK in SYN-SENT is dropped */
static void syn_sent_rst_without_ack_is_ignored(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = REMOTE_SEQ));
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
}

/* RFC 9293 3.10.7.3: a RST with an unacceptable ACK is dropped (no RST for a RST) */
static void syn_sent_rst_with_bad_ack_is_ignored(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 9));
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
}

/* RFC 9293 3.10.7.3 fifth: neither SYN nor RST: drop */
static void syn_sent_plain_ack_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_SYN_SENT);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_SYN_SENT], 1);
}

/* RFC 9293 3.10.7.3: SYN without ACK: simultaneous open, SYN-RECEIVED, <SEQ=ISS><ACK><SYN,ACK> */
static void syn_sent_syn_enters_syn_received_and_sends_syn_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = REMOTE_SEQ + 1, .opts = SF_OPT_MSS,
			 .mss = LOCAL_MSS));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

/* RFC 9293 Figure 7: in simultaneous open the peer's SYN-ACK completes the handshake */
static void simultaneous_open_syn_ack_establishes(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	f_flush(f);
	expect_no_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_true(f_events(f) & SF_TCP_EV_ESTABLISHED);
	assert_false(f->timer_armed);
}

/* RFC 9293 3.10.2: data queued in SYN-SENT goes out with the ACK that ends the handshake */
static void syn_sent_queued_data_rides_on_final_ack(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 50);
	expect_nothing(f); /* no data before ESTABLISHED */
	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1),
		     OUT(.flags = ACK | PSH, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1, .data_len = 50));
}

/* data on a SYN-ACK is not taken (we buffer nothing): only the SYN is acknowledged */
static void syn_sent_syn_ack_with_data_acks_only_the_syn(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1, .payload_len = 20),
		     OUT(.flags = ACK, .seq = LOCAL_SEQ + 1, .ack = REMOTE_SEQ + 1));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_SYN_DATA], 1);
}

/* RFC 9293 3.10.7.1: a TCB that is CLOSED answers like no connection */
static void closed_tcb_input_gets_rst(void **state)
{
	struct fixture *f = *state;

	sf_tcp_input(&f->ctx, &f->tcb, &f->key, &SEG(.flags = ACK, .seq = 1, .ack = 99), f->now, &f->out);
	assert_int_equal(f->out.nseg, 1);
	assert_int_equal(f->out.seg[0].wr.flags, RST);
	assert_int_equal(f->out.seg[0].wr.seq, 99);
}

/* RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the TCB and sends nothing */
static void syn_sent_close_closes_silently(void **state)
{
	struct fixture *f = *state;

	f_app_close(f, 0);
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_false(f->timer_armed);
}

/* the per-state gauges follow every transition, through the one state setter */
static void gauges_follow_the_handshake(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	assert_int_equal(f->ctx.stats.state[SF_TCP_SYN_RECEIVED], 1);
	f_send(f, SEG(.flags = ACK, .seq = REMOTE_SEQ + 1, .ack = LOCAL_SEQ + 1));
	assert_int_equal(f->ctx.stats.state[SF_TCP_SYN_RECEIVED], 0);
	assert_int_equal(f->ctx.stats.state[SF_TCP_ESTABLISHED], 1);
	assert_int_equal(f->ctx.stats.opened_passive, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(closed_ack_gets_rst_with_seq_of_ack, f_setup_closed),
		T(closed_syn_gets_rst_ack_of_seq_plus_one, f_setup_closed),
		T(closed_fin_with_data_gets_rst_ack_of_seq_plus_len_plus_one, f_setup_closed),
		T(closed_rst_gets_nothing, f_setup_closed),
		T(listen_syn_gets_syn_ack, f_setup_listen),
		T(listen_syn_iss_is_rfc6528_hash, f_setup_listen),
		T(listen_syn_arms_retransmission_timer, f_setup_listen),
		T(listen_rst_is_ignored, f_setup_listen),
		T(listen_ack_gets_rst_with_seq_of_ack, f_setup_listen),
		T(listen_syn_ack_gets_rst, f_setup_listen),
		T(listen_fin_alone_is_dropped, f_setup_listen),
		T(listen_syn_with_data_acks_only_the_syn, f_setup_listen),
		T(listen_syn_without_tcb_and_no_cookies_is_dropped, f_setup_listen),
		T(listen_tcb_syn_enters_syn_received, f_setup_closed),
		T(listen_tcb_ack_gets_rst_and_keeps_listening, f_setup_closed),
		T(listen_tcb_close_closes, f_setup_closed),
		T(syn_received_ack_enters_established, f_setup_syn_received),
		T(syn_received_ack_sets_send_window, f_setup_syn_received),
		T(syn_received_ack_too_high_gets_rst_with_seq_of_ack, f_setup_syn_received),
		T(syn_received_ack_of_iss_gets_rst, f_setup_syn_received),
		T(syn_received_duplicate_syn_resends_same_syn_ack, f_setup_syn_received),
		T(syn_received_other_syn_gets_challenge_ack, f_setup_syn_received),
		T(syn_received_rst_in_sequence_closes, f_setup_syn_received),
		T(syn_received_segment_without_ack_is_dropped, f_setup_syn_received),
		T(syn_received_ack_with_data_delivers_it, f_setup_syn_received),
		T(syn_received_close_enters_fin_wait_1, f_setup_syn_received),
		T(connect_sends_syn_and_arms_rto, f_setup_closed),
		T(syn_sent_syn_ack_enters_established_and_acks, f_setup_syn_sent),
		T(syn_sent_syn_ack_window_is_unscaled, f_setup_syn_sent),
		T(syn_sent_syn_ack_with_bad_ack_gets_rst, f_setup_syn_sent),
		T(syn_sent_ack_of_iss_gets_rst, f_setup_syn_sent),
		T(syn_sent_rst_with_acceptable_ack_refuses, f_setup_syn_sent),
		T(syn_sent_rst_without_ack_is_ignored, f_setup_syn_sent),
		T(syn_sent_rst_with_bad_ack_is_ignored, f_setup_syn_sent),
		T(syn_sent_plain_ack_is_dropped, f_setup_syn_sent),
		T(syn_sent_syn_enters_syn_received_and_sends_syn_ack, f_setup_syn_sent),
		T(simultaneous_open_syn_ack_establishes, f_setup_syn_sent),
		T(syn_sent_queued_data_rides_on_final_ack, f_setup_syn_sent),
		T(syn_sent_syn_ack_with_data_acks_only_the_syn, f_setup_syn_sent),
		T(closed_tcb_input_gets_rst, f_setup_closed),
		T(syn_sent_close_closes_silently, f_setup_syn_sent),
		T(gauges_follow_the_handshake, f_setup_listen),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

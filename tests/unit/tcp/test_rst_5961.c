/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: RFC 5961 blind-attack defences. RST: exact sequence resets, in-window challenges,
 * outside drops (3.2); SYN in a synchronized state challenges (4.2); ACK too old or unsent
 * challenges (5.2); challenge ACKs are rate-limited (7).
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define L1 (LOCAL_SEQ + 1)

/* RFC 5961 3.2: SEG.SEQ = RCV.NXT: reset the connection */
static void established_rst_at_rcv_nxt_resets(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f_events(f) & (SF_TCP_EV_RESET | SF_TCP_EV_CLOSED), SF_TCP_EV_RESET | SF_TCP_EV_CLOSED);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_RESET], 1);
}

/* RFC 5961 3.2: the ACK bit on a RST changes nothing: exact sequence still resets */
static void established_rst_ack_at_rcv_nxt_resets(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST | ACK, .seq = R1, .ack = L1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
}

/* RFC 5961 3.2: in the window but not exact: challenge ACK, connection stays */
static void established_rst_in_window_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = RST, .seq = R1 + 1), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_CHALLENGED], 1);
	assert_int_equal(f->ctx.stats.challenge_acks_sent, 1);
}

/* RFC 5961 3.2: the last sequence number of the window is still "in window" */
static void established_rst_at_window_edge_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = RST, .seq = R1 + LOCAL_WND - 1), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* RFC 5961 3.2: beyond the window: silently dropped */
static void established_rst_beyond_window_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1 + LOCAL_WND));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_OUT_OF_WINDOW], 1);
}

/* RFC 5961 3.2: below RCV.NXT: silently dropped */
static void established_rst_below_rcv_nxt_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1 - 1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* RFC 5961 4.2: a SYN in ESTABLISHED, in window: challenge ACK, connection stays */
static void established_syn_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = R1 + 10), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_SYN], 1);
}

/* RFC 5961 4.2: the peer's old SYN (below the window) gets an ACK as well */
static void established_old_syn_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* RFC 5961 4.2: a retransmitted SYN-ACK reaching the client in ESTABLISHED: ACK again */
static void established_client_retransmitted_syn_ack_gets_ack(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1));
	f_flush(f);
	expect_reply(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = LOCAL_SEQ + 1),
		     OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND: ACK, drop (data not taken) */
static void established_ack_too_old_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 - REMOTE_WND - 1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_ACK_OLD], 1);
}

/* RFC 5961 5.2: an old ACK still inside MAX.SND.WND is acceptable: its data is taken */
static void established_old_ack_within_window_is_accepted(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 - 100, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 10));
	assert_int_equal(f->delivered, 10);
}

/* RFC 5961 7: no more challenge ACKs than the limit per second */
static void challenge_acks_are_rate_limited_per_second(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.challenge_ack_limit = 2;
	f_reconfig(f, &cfg);
	f->ctx.chack_window_us = f->now;
	expect_reply(f, SEG(.flags = RST, .seq = R1 + 1), OUT(.flags = ACK, .seq = L1, .ack = R1));
	expect_reply(f, SEG(.flags = SYN, .seq = R1 + 2), OUT(.flags = ACK, .seq = L1, .ack = R1));
	expect_no_reply(f, SEG(.flags = RST, .seq = R1 + 3));
	assert_int_equal(f->ctx.stats.challenge_acks_suppressed, 1);
	/* a second later the budget is back */
	f->now += 1000 * 1000;
	expect_reply(f, SEG(.flags = RST, .seq = R1 + 4), OUT(.flags = ACK, .seq = L1, .ack = R1));
}

/* RFC 5961 3.2 in FIN-WAIT-2: exact RST resets */
static void fin_wait_2_rst_at_rcv_nxt_resets(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_false(f->timer_armed);
}

/* RFC 5961 3.2 in CLOSE-WAIT: exact RST resets (RCV.NXT is past the FIN) */
static void close_wait_rst_at_rcv_nxt_resets(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
}

/* RFC 5961 3.2 in LAST-ACK: exact RST closes */
static void last_ack_rst_at_rcv_nxt_closes(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_false(f->timer_armed);
}

/* RFC 5961 3.2 in CLOSING: in window but not exact: challenge ACK */
static void closing_rst_in_window_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = RST, .seq = R1 + 5), OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSING);
}

/* RFC 5961 3.2 in SYN-RECEIVED: in window but not exact: challenge ACK */
static void syn_received_rst_in_window_gets_challenge_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = RST, .seq = R1 + 5), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(established_rst_at_rcv_nxt_resets, f_setup_established),
		T(established_rst_ack_at_rcv_nxt_resets, f_setup_established),
		T(established_rst_in_window_gets_challenge_ack, f_setup_established),
		T(established_rst_at_window_edge_gets_challenge_ack, f_setup_established),
		T(established_rst_beyond_window_is_dropped, f_setup_established),
		T(established_rst_below_rcv_nxt_is_dropped, f_setup_established),
		T(established_syn_gets_challenge_ack, f_setup_established),
		T(established_old_syn_gets_ack, f_setup_established),
		T(established_client_retransmitted_syn_ack_gets_ack, f_setup_syn_sent),
		T(established_ack_too_old_gets_challenge_ack, f_setup_established),
		T(established_old_ack_within_window_is_accepted, f_setup_established),
		T(challenge_acks_are_rate_limited_per_second, f_setup_established),
		T(fin_wait_2_rst_at_rcv_nxt_resets, f_setup_fin_wait_2),
		T(close_wait_rst_at_rcv_nxt_resets, f_setup_close_wait),
		T(last_ack_rst_at_rcv_nxt_closes, f_setup_last_ack),
		T(closing_rst_in_window_gets_challenge_ack, f_setup_closing),
		T(syn_received_rst_in_window_gets_challenge_ack, f_setup_syn_received),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

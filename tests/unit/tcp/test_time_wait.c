/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: TIME-WAIT. Every test runs twice: once on a TCB in TIME-WAIT (sf_tcp_input) and
 * once on the compact form the engine keeps (sf_tcp_tw_export + sf_tcp_tw_input). Both reach
 * the same decision function, which is what these tests pin down.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define L1 (LOCAL_SEQ + 1)
#define RCV_NXT (R1 + 1) /* after the peer's FIN */
#define SND_NXT (L1 + 1) /* after our FIN */
#define PEER_TS 1000u    /* the peer's TSval on its SYN; +1 per segment after */

/* ---- fixtures with timestamps ---- */

static int setup_time_wait_ts_as(void **state, bool compact)
{
	struct sf_tcp_config cfg;
	struct fixture *f;

	f_config(&cfg);
	cfg.offer = SF_OPT_MSS | SF_OPT_TS;
	f = f_new(&cfg);
	f_handshake_passive(f, SEG(.flags = SYN, .seq = REMOTE_SEQ,
				   .opts = { .present = SF_OPT_MSS | SF_OPT_TS, .mss = 1460, .ts_val = PEER_TS }));
	f_app_close(f, 0);
	f_output(f);
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = SND_NXT,
		      .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 2, .ts_ecr = f_tsval(f) }));
	f->export_tw = compact;
	f_send(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = SND_NXT,
		      .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 3, .ts_ecr = f_tsval(f) }));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_int_equal(f->tw_live, compact);
	f_flush(f);
	f_events(f);
	*state = f;
	return 0;
}

static int setup_time_wait_ts(void **state)
{
	return setup_time_wait_ts_as(state, false);
}

static int setup_time_wait_ts_compact(void **state)
{
	return setup_time_wait_ts_as(state, true);
}

/** The ACK TIME-WAIT sends, with timestamps (TSecr = the peer's last TSval). */
static struct sent_seg tw_ack_ts(const struct fixture *f, uint32_t ecr)
{
	return OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT, .opts = SF_OPT_TS, .ts_val = f_tsval(f),
		   .ts_ecr = ecr);
}

/* ---- without timestamps ---- */

/* RFC 9293 3.10.7.4: TIME-WAIT lasts 2MSL, then the connection is CLOSED */
static void time_wait_lasts_2msl_then_closes(void **state)
{
	struct fixture *f = *state;
	uint64_t closed = f->ctx.stats.closed;

	expect_silence(f, 2 * MSL_MS - 1);
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	expect_silence(f, 1);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.closed, closed + 1);
	assert_int_equal(f->ctx.stats.state[SF_TCP_TIME_WAIT], 0);
	assert_int_equal(f->ctx.stats.tw_compact, 0);
}

/* RFC 9293 3.10.7.4: the peer's FIN again is ACKed and restarts 2MSL */
static void time_wait_retransmitted_fin_is_acked_and_restarts_2msl(void **state)
{
	struct fixture *f = *state;

	f_advance(f, 1500);
	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = SND_NXT),
		     OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	assert_int_equal(f_timer_in_ms(f), 2 * MSL_MS);
	expect_silence(f, 2 * MSL_MS - 1);
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* RFC 1337: a RST does not end TIME-WAIT */
static void time_wait_rst_does_not_end_it(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = RST, .seq = RCV_NXT));
	expect_no_reply(f, SEG(.flags = RST | ACK, .seq = RCV_NXT, .ack = SND_NXT));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_int_equal(f->ctx.stats.rst_rx[SF_TCP_RST_RX_TIME_WAIT], 2);
}

/* RFC 1122 4.2.2.13: a SYN above the old RCV.NXT opens a new incarnation */
static void time_wait_syn_above_rcv_nxt_reopens(void **state)
{
	struct fixture *f = *state;

	f_advance(f, 100);
	expect_reply(f, SEG(.flags = SYN, .seq = RCV_NXT + 1000),
		     OUT(.flags = SYN | ACK, .seq = sf_tcp_isn(&f->ctx.secret, &f->key, f->now),
			 .ack = RCV_NXT + 1001, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f->ctx.stats.state[SF_TCP_TIME_WAIT], 0);
	assert_int_equal(f->ctx.stats.tw_compact, 0);
}

/* RFC 5961 4.2: a SYN that may not reopen gets a challenge ACK, TIME-WAIT stays */
static void time_wait_syn_below_rcv_nxt_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = R1 - 5000), OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_TW_SYN], 1);
}

/* RFC 1122 4.2.2.13: exactly the old RCV.NXT is not "above" it */
static void time_wait_syn_at_rcv_nxt_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = RCV_NXT), OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* RFC 5961 7: those challenge ACKs are rate-limited */
static void time_wait_syn_challenge_acks_are_rate_limited(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg = f->ctx.cfg;

	cfg.challenge_ack_limit = 1;
	f_reconfig(f, &cfg);
	expect_reply(f, SEG(.flags = SYN, .seq = R1 - 5000), OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	expect_no_reply(f, SEG(.flags = SYN, .seq = R1 - 5000));
	assert_int_equal(f->ctx.stats.challenge_acks_suppressed, 1);
}

/* RFC 9293 3.10.7.4: data in TIME-WAIT is not taken; it gets an ACK */
static void time_wait_data_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = RCV_NXT, .ack = SND_NXT, .payload_len = 10),
		     OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* RFC 9293 3.10.7.4: an unacceptable segment gets an ACK */
static void time_wait_out_of_window_segment_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = RCV_NXT + 100000, .ack = SND_NXT),
		     OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
}

/* a pure ACK exactly at RCV.NXT needs no answer (two TIME-WAITs must not trade ACKs) */
static void time_wait_pure_ack_at_rcv_nxt_gets_nothing(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = RCV_NXT, .ack = SND_NXT));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* a SYN-ACK is no new connection request: ACK */
static void time_wait_syn_ack_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN | ACK, .seq = RCV_NXT + 50, .ack = SND_NXT),
		     OUT(.flags = ACK, .seq = SND_NXT, .ack = RCV_NXT));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* ---- with timestamps (RFC 6191, RFC 7323) ---- */

/* RFC 6191: a newer timestamp reopens, even with a lower sequence number */
static void time_wait_syn_with_newer_timestamp_reopens(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = R1 - 5000, .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 10 }));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
	assert_int_equal(f_pending(f), 1);
}

/* RFC 6191: an older timestamp does not reopen, even with a higher sequence number */
static void time_wait_syn_with_older_timestamp_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = RCV_NXT + 5000, .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS }),
		     tw_ack_ts(f, PEER_TS + 3));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
}

/* RFC 6191: an equal timestamp reopens only with a higher sequence number */
static void time_wait_syn_with_equal_timestamp_needs_higher_seq(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = R1 - 5, .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 3 }),
		     tw_ack_ts(f, PEER_TS + 3));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	f_send(f, SEG(.flags = SYN, .seq = RCV_NXT + 5, .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 3 }));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

/* RFC 6191: without timestamps on the new SYN the sequence number decides */
static void time_wait_syn_without_timestamp_needs_higher_seq(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = R1 - 5), tw_ack_ts(f, PEER_TS + 3));
	f_send(f, SEG(.flags = SYN, .seq = RCV_NXT + 5));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

/* RFC 7323 5.3: an old timestamp is unacceptable: ACK, and TS.Recent stays */
static void time_wait_old_timestamp_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = SND_NXT,
			    .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 1 }),
		     tw_ack_ts(f, PEER_TS + 3));
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_PAWS], 1);
}

/* RFC 7323 4.3: the retransmitted FIN's newer TSval is what the ACK echoes */
static void time_wait_retransmitted_fin_updates_ts_recent(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = SND_NXT,
			    .opts = { .present = SF_OPT_TS, .ts_val = PEER_TS + 9 }),
		     tw_ack_ts(f, PEER_TS + 9));
}

/* RFC 6191: when the old incarnation had no timestamps, a SYN with them reopens */
static void time_wait_without_ts_syn_with_ts_reopens(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg = f->ctx.cfg;

	cfg.offer |= SF_OPT_TS; /* we offer them now; the old connection did not use them */
	f_reconfig(f, &cfg);
	f_send(f, SEG(.flags = SYN, .seq = R1 - 5000, .opts = { .present = SF_OPT_TS, .ts_val = 1 }));
	assert_int_equal(f_state(f), SF_TCP_SYN_RECEIVED);
}

/* ---- the compact form itself ---- */

/* export keeps the connection in TIME-WAIT: the TCB gauge falls, the compact one rises */
static void time_wait_export_moves_the_gauge(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->ctx.stats.state[SF_TCP_TIME_WAIT], 0);
	assert_int_equal(f->ctx.stats.tw_compact, 1);
	assert_int_equal(f->ctx.stats.closed, 0);
	assert_int_equal(f->tw.snd_nxt, SND_NXT);
	assert_int_equal(f->tw.rcv_nxt, RCV_NXT);
	assert_int_equal(f->tw.rcv_wnd, LOCAL_WND);
	assert_int_equal(f->tw.ts_ok, 0);
}

/* the TCB form counts in the state gauge */
static void time_wait_tcb_counts_in_state_gauge(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->ctx.stats.state[SF_TCP_TIME_WAIT], 1);
	assert_int_equal(f->ctx.stats.tw_compact, 0);
}

int main(void)
{
#define BOTH(fn, st, stc) { "tcb_" #fn, fn, st, f_teardown, NULL }, { "compact_" #fn, fn, stc, f_teardown, NULL }
#define T(fn) BOTH(fn, f_setup_time_wait, f_setup_time_wait_compact)
#define TS(fn) BOTH(fn, setup_time_wait_ts, setup_time_wait_ts_compact)
	const struct CMUnitTest tests[] = {
		T(time_wait_lasts_2msl_then_closes),
		T(time_wait_retransmitted_fin_is_acked_and_restarts_2msl),
		T(time_wait_rst_does_not_end_it),
		T(time_wait_syn_above_rcv_nxt_reopens),
		T(time_wait_syn_below_rcv_nxt_gets_ack),
		T(time_wait_syn_at_rcv_nxt_gets_ack),
		T(time_wait_syn_challenge_acks_are_rate_limited),
		T(time_wait_data_gets_ack),
		T(time_wait_out_of_window_segment_gets_ack),
		T(time_wait_pure_ack_at_rcv_nxt_gets_nothing),
		T(time_wait_syn_ack_gets_ack),
		T(time_wait_without_ts_syn_with_ts_reopens),
		TS(time_wait_syn_with_newer_timestamp_reopens),
		TS(time_wait_syn_with_older_timestamp_gets_ack),
		TS(time_wait_syn_with_equal_timestamp_needs_higher_seq),
		TS(time_wait_syn_without_timestamp_needs_higher_seq),
		TS(time_wait_old_timestamp_gets_ack),
		TS(time_wait_retransmitted_fin_updates_ts_recent),
		cmocka_unit_test_setup_teardown(time_wait_export_moves_the_gauge, f_setup_time_wait_compact,
						f_teardown),
		cmocka_unit_test_setup_teardown(time_wait_tcb_counts_in_state_gauge, f_setup_time_wait, f_teardown),
	};
#undef TS
#undef T
#undef BOTH

	return cmocka_run_group_tests(tests, NULL, NULL);
}

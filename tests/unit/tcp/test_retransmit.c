/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: retransmission. SYN, SYN-ACK, data and FIN go again on the RTO with exponential
 * backoff (RFC 6298), go-back-N from SND.UNA, and the connection is given up with a RST after
 * the configured number of retries. RTT samples (Karn) set the RTO within its bounds.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define L1 (LOCAL_SEQ + 1)
#define SYN_OUT OUT(.flags = SYN, .seq = LOCAL_SEQ, .opts = SF_OPT_MSS, .mss = LOCAL_MSS)
#define SYN_ACK_OUT OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS)

/* RFC 6298 2.1, 5.4: the SYN goes again after the initial RTO */
static void syn_sent_syn_is_retransmitted_after_rto(void **state)
{
	struct fixture *f = *state;

	expect_silence(f, RTO_MS - 1);
	f_advance(f, 1);
	expect_seg(f, SYN_OUT);
	expect_nothing(f);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_SYN], 1);
}

/* RFC 6298 5.5: each timeout doubles the RTO */
static void syn_sent_backoff_doubles(void **state)
{
	struct fixture *f = *state;

	f_advance(f, RTO_MS);
	f_flush(f);
	assert_int_equal(f_timer_in_ms(f), 2 * RTO_MS);
	expect_silence(f, 2 * RTO_MS - 1);
	f_advance(f, 1);
	expect_seg(f, SYN_OUT);
	assert_int_equal(f_timer_in_ms(f), 4 * RTO_MS);
}

/* after syn_retries retransmissions the attempt is given up: RST, CLOSED, counted */
static void syn_sent_gives_up_after_syn_retries(void **state)
{
	struct fixture *f = *state;

	f_advance(f, RTO_MS + 2 * RTO_MS + 4 * RTO_MS); /* three retransmissions (syn_retries = 3) */
	assert_int_equal(f_pending(f), 3);
	f_flush(f);
	f_advance(f, 8 * RTO_MS);
	expect_seg(f, OUT(.flags = RST, .seq = L1, .wnd = 0));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_true(f_events(f) & SF_TCP_EV_GIVE_UP);
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_SYN], 1);
	assert_int_equal(f->ctx.stats.rst_tx[SF_TCP_RST_TX_GIVE_UP], 1);
}

/* RFC 6298 3 (Karn): a retransmitted SYN gives no RTT sample; 5.7: data starts with 3 s */
static void syn_sent_retransmitted_syn_gives_no_sample_and_rto_3s(void **state)
{
	struct fixture *f = *state;

	f_advance(f, RTO_MS);
	f_flush(f);
	f_advance(f, 100);
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1));
	assert_int_equal(f->tcb.srtt8, 0);
	assert_int_equal(f->tcb.rto_ms, 3000);
}

/* RFC 6298 2.2: the first sample sets SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
static void syn_sent_first_sample_sets_rto(void **state)
{
	struct fixture *f = *state;

	f->now += 300 * 1000;
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1));
	assert_int_equal(f->tcb.srtt8 >> 3, 300);
	assert_int_equal(f->tcb.rttvar4 >> 2, 150);
	assert_int_equal(f->tcb.rto_ms, 300 + 4 * 150);
}

/* RFC 6298 2.4: the RTO never goes below the minimum */
static void rto_is_clamped_to_the_minimum(void **state)
{
	struct fixture *f = *state;

	f->now += 10 * 1000;
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1));
	assert_int_equal(f->tcb.rto_ms, 200);
}

/* RFC 6298 2.3: later samples smooth: SRTT += (R - SRTT)/8 */
static void second_sample_is_smoothed(void **state)
{
	struct fixture *f = *state;

	f->now += 400 * 1000;
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1));
	f_flush(f);
	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	f->now += 800 * 1000;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 100));
	assert_int_equal(f->tcb.srtt8 >> 3, 400 + (800 - 400) / 8);
}

/* RFC 9293 3.10.7.2 / RFC 6298: the SYN-ACK goes again after the RTO */
static void syn_received_syn_ack_is_retransmitted(void **state)
{
	struct fixture *f = *state;

	f_advance(f, RTO_MS);
	expect_seg(f, SYN_ACK_OUT);
	expect_nothing(f);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_SYN_ACK], 1);
}

/* after synack_retries the half-open connection is given up with a RST */
static void syn_received_gives_up_after_synack_retries(void **state)
{
	struct fixture *f = *state;

	f_advance(f, 15 * RTO_MS);
	assert_int_equal(f_pending(f), 4);
	f_flush(f);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_SYN_ACK], 1);
	assert_false(f->timer_armed);
}

/* go-back-N: on the RTO everything from SND.UNA goes again, one segment (cwnd = 1 SMSS) */
static void established_data_rto_goes_back_to_snd_una(void **state)
{
	struct fixture *f = *state;
	uint32_t rto = f->tcb.rto_ms;

	f_app_send(f, 3000);
	f_output(f);
	f_flush(f);
	f_advance(f, rto);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_len = 1460));
	expect_nothing(f);
	assert_int_equal(f->tcb.cwnd, 1460);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_DATA], 1);
	/* its ACK opens cwnd to two segments: the rest goes again */
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460));
	expect_seg(f, OUT(.flags = ACK, .seq = L1 + 1460, .ack = R1, .data_off = 1460, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1 + 2920, .ack = R1, .data_off = 2920, .data_len = 80));
	expect_nothing(f);
}

/* RFC 5681 3.1 eq. 4: the timeout halves ssthresh of the flight, at least 2 SMSS */
static void established_rto_sets_ssthresh_to_half_the_flight(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 14600);
	f_output(f);
	f_flush(f);
	f_advance(f, f->tcb.rto_ms);
	assert_int_equal(f->tcb.ssthresh, 7300);
}

/* an ACK past SND.NXT after a go-back-N rewind moves SND.NXT up: nothing is sent twice */
static void established_ack_beyond_rewound_snd_nxt_skips_ahead(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 2920);
	f_output(f);
	f_flush(f);
	f_advance(f, f->tcb.rto_ms);
	f_flush(f);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 2920));
	assert_int_equal(f->tcb.snd_nxt, L1 + 2920);
	assert_false(f->timer_armed);
}

/* RFC 6298 5.5: data retransmissions back off too */
static void established_data_backoff_doubles(void **state)
{
	struct fixture *f = *state;
	uint32_t rto = f->tcb.rto_ms;

	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	f_advance(f, rto);
	f_flush(f);
	assert_int_equal(f_timer_in_ms(f), 2 * rto);
}

/* after max_retries the connection is given up: RST at SND.NXT, CLOSED */
static void established_data_gives_up_after_max_retries(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	f_advance(f, 60000);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f_pending(f), 4 + 1); /* max_retries = 4, then the RST */
	f->qhead += 4;
	expect_seg(f, OUT(.flags = RST, .seq = L1 + 100, .wnd = 0));
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_DATA], 1);
}

/* an ACK of new data resets the retry count (progress) */
static void established_progress_resets_retries(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 2920);
	f_output(f);
	f_flush(f);
	f_advance(f, f->tcb.rto_ms);
	assert_int_equal(f->tcb.retries, 1);
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460));
	assert_int_equal(f->tcb.retries, 0);
}

/* RFC 6298 2.5: backoff stops at the maximum RTO */
static void rto_backoff_is_clamped_to_the_maximum(void **state)
{
	struct sf_tcp_config cfg;
	struct fixture *f;

	(void)state;
	f_config(&cfg);
	cfg.rto_max_ms = 3000;
	cfg.syn_retries = 10;
	f = f_new(&cfg);
	f_connect(f);
	f_advance(f, 1000 + 2000 + 3000);
	assert_int_equal(f_timer_in_ms(f), 3000);
	free(f);
}

/* the FIN goes again on the RTO (FIN-WAIT-1) */
static void fin_wait_1_fin_is_retransmitted(void **state)
{
	struct fixture *f = *state;

	f_advance(f, f->tcb.rto_ms);
	expect_seg(f, OUT(.flags = FIN | ACK, .seq = L1, .ack = R1));
	expect_nothing(f);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_FIN], 1);
}

/* LAST-ACK: a FIN never acknowledged is given up after max_retries */
static void last_ack_fin_gives_up_after_max_retries(void **state)
{
	struct fixture *f = *state;

	f_advance(f, 60000);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_FIN], 1);
	assert_false(f->timer_armed);
}

/* persist probes that are never answered end the connection too */
static void established_unanswered_probes_give_up(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 0));
	f_app_send(f, 10);
	f_output(f);
	f_advance(f, 60000);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_PROBE], 1);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_PROBE], 4);
}

/* RFC 9293 3.8.6.2.1 (d): the persist timer sends a small segment SWS avoidance held back */
static void established_persist_overrides_sws_avoidance(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 1000));
	f_app_send(f, 3000);
	f_output(f);
	expect_nothing(f); /* 1000 < MSS, < half the largest window seen */
	f_advance(f, f->tcb.rto_ms);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_len = 1000));
	expect_nothing(f);
}

/* RFC 6298 5.2 then 5.1: all acknowledged stops the RTO; data sent in the same round starts it afresh */
static void established_rto_runs_from_data_sent_after_all_acked(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	f_advance(f, 150);
	f_input(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 100));
	f_app_send(f, 100); /* the application answers in the round of the ACK */
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1 + 100, .ack = R1, .data_off = 100, .data_len = 100));
	assert_int_equal(f_timer_in_ms(f), f->tcb.rto_ms); /* from now, not from the first send */
}

/* RFC 6298 5.3: an ACK of part of the flight restarts the RTO */
static void established_partial_ack_restarts_rto(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 3000);
	f_output(f);
	f_flush(f);
	f_advance(f, 150);
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460));
	assert_int_equal(f_timer_in_ms(f), f->tcb.rto_ms);
}

/* RFC 6298 5.1: the SYN's RTO stops when the SYN-ACK comes; data sent with the ACK starts it afresh */
static void syn_sent_rto_runs_from_data_sent_with_the_final_ack(void **state)
{
	struct fixture *f = *state;

	f_advance(f, 300);
	f_input(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1));
	f_app_send(f, 100);
	f_output(f);
	assert_int_equal(f_timer_in_ms(f), f->tcb.rto_ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(syn_sent_syn_is_retransmitted_after_rto, f_setup_syn_sent),
		T(syn_sent_backoff_doubles, f_setup_syn_sent),
		T(syn_sent_gives_up_after_syn_retries, f_setup_syn_sent),
		T(syn_sent_retransmitted_syn_gives_no_sample_and_rto_3s, f_setup_syn_sent),
		T(syn_sent_first_sample_sets_rto, f_setup_syn_sent),
		T(rto_is_clamped_to_the_minimum, f_setup_syn_sent),
		T(second_sample_is_smoothed, f_setup_syn_sent),
		T(syn_received_syn_ack_is_retransmitted, f_setup_syn_received),
		T(syn_received_gives_up_after_synack_retries, f_setup_syn_received),
		T(established_data_rto_goes_back_to_snd_una, f_setup_established),
		T(established_rto_sets_ssthresh_to_half_the_flight, f_setup_established),
		T(established_ack_beyond_rewound_snd_nxt_skips_ahead, f_setup_established),
		T(established_data_backoff_doubles, f_setup_established),
		T(established_data_gives_up_after_max_retries, f_setup_established),
		T(established_progress_resets_retries, f_setup_established),
		T(rto_backoff_is_clamped_to_the_maximum, NULL),
		T(fin_wait_1_fin_is_retransmitted, f_setup_fin_wait_1),
		T(last_ack_fin_gives_up_after_max_retries, f_setup_last_ack),
		T(established_unanswered_probes_give_up, f_setup_established),
		T(established_persist_overrides_sws_avoidance, f_setup_established),
		T(established_rto_runs_from_data_sent_after_all_acked, f_setup_established),
		T(established_partial_ack_restarts_rto, f_setup_established),
		T(syn_sent_rto_runs_from_data_sent_with_the_final_ack, f_setup_syn_sent),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

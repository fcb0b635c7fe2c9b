/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: data in ESTABLISHED. Receiving (in order, out of order, old, trimmed), sending
 * (MSS segments, peer window, initial window, slow start), ACK processing, window updates,
 * zero-window probing and delayed ACKs.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1) /* the peer's first data byte */
#define L1 (LOCAL_SEQ + 1)  /* our first data byte */

/* RFC 9293 3.10.7.4 seventh: in-order text advances RCV.NXT and is acknowledged */
static void established_in_order_data_is_delivered_and_acked(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK | PSH, .seq = R1, .ack = L1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 100));
	assert_true(f_events(f) & SF_TCP_EV_DATA);
	assert_int_equal(f->delivered, 100);
	assert_int_equal(f->last_rx_skip, 0);
	assert_int_equal(f->ctx.stats.bytes_delivered, 100);
}

/* RFC 9293 3.4: sequence numbers wrap; consecutive segments across zero are in order */
static void established_segments_across_the_wrap_are_delivered(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 15),
		     OUT(.flags = ACK, .seq = L1, .ack = 0));
	expect_reply(f, SEG(.flags = ACK, .seq = 0, .ack = L1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = 10));
	assert_int_equal(f->delivered, 25);
}

/* we keep no out-of-order data: it is dropped and the duplicate ACK says where we are */
static void established_out_of_order_data_is_dropped_with_dup_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1 + 100, .ack = L1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f->delivered, 0);
	assert_false(f_events(f) & SF_TCP_EV_DATA);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_OUT_OF_ORDER], 1);
}

/* RFC 9293 3.10.7.4: an old duplicate (entirely below RCV.NXT) is not acceptable: ACK */
static void established_old_duplicate_data_gets_ack(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 100));
	f_flush(f);
	f_events(f);
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 100));
	assert_int_equal(f->delivered, 100);
	assert_false(f_events(f) & SF_TCP_EV_DATA);
}

/* RFC 9293 3.10.7.4: a segment starting before RCV.NXT delivers only its new part */
static void established_partially_old_data_delivers_the_new_part(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 100));
	f_flush(f);
	expect_reply(f, SEG(.flags = ACK, .seq = R1 + 50, .ack = L1, .payload_len = 100),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 150));
	assert_int_equal(f->last_rx_skip, 50);
	assert_int_equal(f->last_rx_len, 50);
	assert_int_equal(f->delivered, 150);
}

/* RFC 9293 3.10.7.4: text beyond the window is trimmed off (and a FIN with it) */
static void established_data_beyond_the_window_is_trimmed(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.rcv_wnd = 1000;
	f_reconfig(f, &cfg);
	expect_reply(f, SEG(.flags = ACK | FIN, .seq = R1, .ack = L1, .payload_len = 1500),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 1000, .wnd = 1000));
	assert_int_equal(f->delivered, 1000);
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* RFC 9293 3.10.7.4 first: a segment outside the window gets an ACK and is dropped */
static void established_segment_outside_window_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1 + 70000, .ack = L1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_OUT_OF_WINDOW], 1);
	assert_int_equal(f->delivered, 0);
}

/* RFC 9293 3.10.7.4: a zero-length segment is acceptable only inside [RCV.NXT, RCV.NXT+WND) */
static void established_empty_segment_at_window_edge_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + LOCAL_WND - 1, .ack = L1));
	expect_reply(f, SEG(.flags = ACK, .seq = R1 + LOCAL_WND, .ack = L1), OUT(.flags = ACK, .seq = L1, .ack = R1));
}

/* RFC 9293 3.10.7.4 fifth: without the ACK bit the segment is dropped */
static void established_segment_without_ack_bit_is_dropped(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = PSH, .seq = R1, .payload_len = 10));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_NO_ACK], 1);
}

/* RFC 9293 3.10.7.4: an ACK of data not yet sent gets an ACK and is dropped */
static void established_ack_of_unsent_data_gets_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 100, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_ACK_UNSENT], 1);
}

/* two-phase round: the response carries the ACK of the request; no separate pure ACK */
static void established_response_piggybacks_the_ack(void **state)
{
	struct fixture *f = *state;

	f_input(f, SEG(.flags = ACK | PSH, .seq = R1, .ack = L1, .payload_len = 100));
	expect_nothing(f);
	f_app_send(f, 200);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1, .ack = R1 + 100, .data_len = 200));
	expect_nothing(f);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* the response goes in MSS-sized segments, stream offsets in order, PSH on the last */
static void established_response_is_split_into_mss_segments(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 3000);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_off = 0, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK, .seq = L1 + 1460, .ack = R1, .data_off = 1460, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1 + 2920, .ack = R1, .data_off = 2920, .data_len = 80));
	expect_nothing(f);
	assert_int_equal(f->ctx.stats.bytes_sent, 3000);
}

/* RFC 9293 3.8.6: never more than the peer's window is in flight */
static void established_response_is_limited_by_peer_window(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 2920));
	f_app_send(f, 5000);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK, .seq = L1 + 1460, .ack = R1, .data_off = 1460, .data_len = 1460));
	expect_nothing(f);
	/* the window slides with the ACK */
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460, .wnd = 2920),
		     OUT(.flags = ACK, .seq = L1 + 2920, .ack = R1, .data_off = 2920, .data_len = 1460));
}

/* RFC 6928: the initial congestion window is ten segments */
static void established_initial_window_is_ten_segments(void **state)
{
	struct fixture *f = *state;
	int i;

	f_app_send(f, 20000);
	f_output(f);
	for (i = 0; i < 10; i++)
		expect_seg(f, OUT(.flags = ACK, .seq = L1 + 1460u * i, .ack = R1, .data_off = 1460u * i,
				  .data_len = 1460));
	expect_nothing(f);
}

/* RFC 5681 3.1: in slow start each ACK grows cwnd by what it acknowledges (up to SMSS) */
static void established_ack_grows_cwnd_and_sends_more(void **state)
{
	struct fixture *f = *state;
	uint32_t cwnd0;

	f_app_send(f, 20000);
	f_output(f);
	f_flush(f);
	cwnd0 = f->tcb.cwnd;
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460));
	assert_int_equal(f->tcb.cwnd, cwnd0 + 1460);
	/* one segment acknowledged, cwnd one larger: two new segments fit */
	assert_int_equal(f_pending(f), 2);
}

/* RFC 6298 5.2: when everything is acknowledged the timer stops */
static void established_ack_of_everything_stops_the_timer(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	assert_true(f->timer_armed);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 100));
	assert_false(f->timer_armed);
	assert_true(f_events(f) & SF_TCP_EV_ALL_ACKED);
}

/* RFC 6298 5.3: an ACK of new data restarts the timer for what is still outstanding */
static void established_partial_ack_restarts_the_timer(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 2920);
	f_output(f);
	f_flush(f);
	f_advance(f, f->tcb.rto_ms / 2);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460));
	assert_int_equal(f_timer_in_ms(f), f->tcb.rto_ms);
	assert_false(f_events(f) & SF_TCP_EV_ALL_ACKED);
}

/* a duplicate ACK (SEG.ACK = SND.UNA) changes nothing and gets no answer */
static void established_duplicate_ack_is_ignored(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1));
	assert_int_equal(f->tcb.snd_una, L1);
}

/* RFC 9293 3.10.7.4: a window update from an older segment (SND.WL1) is ignored */
static void established_window_from_older_segment_is_ignored(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10, .wnd = 3000));
	f_flush(f);
	/* reordered: an older segment announcing another window */
	expect_reply(f, SEG(.flags = ACK, .seq = R1 - 1, .ack = L1, .payload_len = 5, .wnd = 100),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 10));
	assert_int_equal(f->tcb.snd_wnd, 3000);
}

/* RFC 9293 3.8.6.1: data waiting on a zero window arms the persist timer, which probes */
static void established_zero_window_is_probed(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 0));
	f_app_send(f, 100);
	f_output(f);
	expect_nothing(f);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_PERSIST);
	assert_int_equal(f_timer_in_ms(f), f->tcb.rto_ms);
	f_advance(f, f->tcb.rto_ms - 1);
	expect_nothing(f);
	f_advance(f, 1);
	/* the probe repeats an acknowledged sequence number, so the peer must answer */
	expect_seg(f, OUT(.flags = ACK, .seq = L1 - 1, .ack = R1));
	expect_nothing(f);
	assert_int_equal(f->ctx.stats.retrans[SF_TCP_RETRANS_PROBE], 1);
}

/* the answer to a probe that opens the window lets the data go */
static void established_window_opened_after_probe_sends_data(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 0));
	f_app_send(f, 100);
	f_output(f);
	f_advance(f, f->tcb.rto_ms);
	f_flush(f);
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 1000),
		     OUT(.flags = ACK | PSH, .seq = L1, .ack = R1, .data_len = 100));
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* RFC 9293 3.8.6.2.1: no small segment while the peer once offered far more (SWS) */
static void established_sender_avoids_silly_window(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 2000));
	f_app_send(f, 3000);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_len = 1460));
	expect_nothing(f); /* 540 more would fit, but that is a silly segment */
	/* once the first is acknowledged a full segment fits again, and then the last piece */
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1460, .wnd = 2000));
	expect_seg(f, OUT(.flags = ACK, .seq = L1 + 1460, .ack = R1, .data_off = 1460, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1 + 2920, .ack = R1, .data_off = 2920, .data_len = 80));
	expect_nothing(f);
}

/* RFC 9293 3.8.6.3: with delayed ACKs on, a lone segment's ACK waits for the delay */
static void established_delayed_ack_fires_after_the_delay(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.delack = 1;
	cfg.delack_ms = 40;
	f_reconfig(f, &cfg);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10));
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_DELACK);
	expect_silence(f, 39);
	f_advance(f, 1);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1 + 10));
	expect_nothing(f);
	assert_false(f->timer_armed);
}

/* RFC 9293 3.8.6.3: at least every second segment is acknowledged at once */
static void established_delayed_ack_second_segment_acks_at_once(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.delack = 1;
	f_reconfig(f, &cfg);
	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10));
	expect_reply(f, SEG(.flags = ACK, .seq = R1 + 10, .ack = L1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 20));
	assert_false(f->timer_armed);
}

/* a delayed ACK rides on the response when the application answers in the same round */
static void established_delayed_ack_rides_on_the_response(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.delack = 1;
	f_reconfig(f, &cfg);
	f_input(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10));
	f_app_send(f, 30);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1, .ack = R1 + 10, .data_len = 30));
	expect_nothing(f);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* the one timer is busy with the RTO: an ACK that could wait goes at once instead */
static void established_delayed_ack_goes_at_once_while_data_is_outstanding(void **state)
{
	struct fixture *f = *state;
	struct sf_tcp_config cfg;

	f_config(&cfg);
	cfg.delack = 1;
	f_reconfig(f, &cfg);
	f_app_send(f, 100);
	f_output(f);
	f_flush(f);
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1 + 100, .ack = R1 + 10));
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* RFC 9293 3.10.2: no SEND after CLOSE */
static void established_send_after_close_fails(void **state)
{
	struct fixture *f = *state;

	f_app_close(f, 0);
	assert_int_equal(sf_tcp_send(&f->tcb, 10), -1);
}

/* more than a descriptor holds: out.more asks the engine to call output again */
static void established_large_window_fills_several_descriptors(void **state)
{
	struct sf_tcp_config cfg;
	struct fixture *f;
	unsigned int i;

	(void)state;
	f_config(&cfg);
	cfg.init_cwnd_segs = 40;
	f = f_new(&cfg);
	f_handshake_passive(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 1460 }));
	f_app_send(f, 40 * 1460);
	f_output(f);
	assert_int_equal(f_pending(f), 40);
	for (i = 0; i < 40; i++)
		expect_seg(f, OUT(.flags = (uint8_t)(ACK | (i == 39 ? PSH : 0)), .seq = L1 + 1460 * i, .ack = R1,
				  .data_off = 1460 * i, .data_len = 1460));
	free(f);
}

/* data after a FIN-less close still flows: in-order data in FIN-WAIT-1 is delivered */
static void fin_wait_1_data_is_still_delivered(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 20),
		     OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 20));
	assert_int_equal(f->delivered, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(established_in_order_data_is_delivered_and_acked, f_setup_established),
		T(established_segments_across_the_wrap_are_delivered, f_setup_established),
		T(established_out_of_order_data_is_dropped_with_dup_ack, f_setup_established),
		T(established_old_duplicate_data_gets_ack, f_setup_established),
		T(established_partially_old_data_delivers_the_new_part, f_setup_established),
		T(established_data_beyond_the_window_is_trimmed, f_setup_established),
		T(established_segment_outside_window_gets_ack, f_setup_established),
		T(established_empty_segment_at_window_edge_gets_ack, f_setup_established),
		T(established_segment_without_ack_bit_is_dropped, f_setup_established),
		T(established_ack_of_unsent_data_gets_ack, f_setup_established),
		T(established_response_piggybacks_the_ack, f_setup_established),
		T(established_response_is_split_into_mss_segments, f_setup_established),
		T(established_response_is_limited_by_peer_window, f_setup_established),
		T(established_initial_window_is_ten_segments, f_setup_established),
		T(established_ack_grows_cwnd_and_sends_more, f_setup_established),
		T(established_ack_of_everything_stops_the_timer, f_setup_established),
		T(established_partial_ack_restarts_the_timer, f_setup_established),
		T(established_duplicate_ack_is_ignored, f_setup_established),
		T(established_window_from_older_segment_is_ignored, f_setup_established),
		T(established_zero_window_is_probed, f_setup_established),
		T(established_window_opened_after_probe_sends_data, f_setup_established),
		T(established_sender_avoids_silly_window, f_setup_established),
		T(established_delayed_ack_fires_after_the_delay, f_setup_established),
		T(established_delayed_ack_second_segment_acks_at_once, f_setup_established),
		T(established_delayed_ack_rides_on_the_response, f_setup_established),
		T(established_delayed_ack_goes_at_once_while_data_is_outstanding, f_setup_established),
		T(established_send_after_close_fails, f_setup_established),
		T(established_large_window_fills_several_descriptors, NULL),
		T(fin_wait_1_data_is_still_delivered, f_setup_fin_wait_1),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: closing from either side. FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK,
 * the way into TIME-WAIT, half-close, and ABORT.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define L1 (LOCAL_SEQ + 1)

/* RFC 9293 3.10.4: CLOSE sends a FIN (it takes one sequence number), FIN-WAIT-1 */
static void established_close_sends_fin(void **state)
{
	struct fixture *f = *state;

	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = FIN | ACK, .seq = L1, .ack = R1));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
	assert_int_equal(f->tcb.snd_max, L1 + 1);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* RFC 9293 3.10.4: the FIN follows the queued data, on the last data segment */
static void established_close_fin_rides_on_last_data_segment(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 2000);
	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .data_len = 1460));
	expect_seg(f, OUT(.flags = ACK | PSH | FIN, .seq = L1 + 1460, .ack = R1, .data_off = 1460, .data_len = 540));
	expect_nothing(f);
}

/* RFC 9293 3.10.7.4: in FIN-WAIT-1 the ACK of our FIN leads to FIN-WAIT-2 */
static void fin_wait_1_ack_of_fin_enters_fin_wait_2(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1));
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_2);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_FIN_WAIT_2);
}

/* an ACK that does not cover our FIN leaves FIN-WAIT-1 as it is */
static void fin_wait_1_ack_short_of_fin_stays(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1));
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
	assert_int_equal(f->tcb.timer_kind, SF_TCP_TK_RTO);
}

/* RFC 9293 3.10.7.4: a FIN that also acknowledges ours goes straight to TIME-WAIT */
static void fin_wait_1_fin_acking_our_fin_enters_time_wait(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = L1 + 1),
		     OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_true(f_events(f) & SF_TCP_EV_TIME_WAIT);
	assert_int_equal(f_timer_in_ms(f), 2 * MSL_MS);
}

/* RFC 9293 3.10.7.4: FINs crossing: FIN-WAIT-1 -> CLOSING */
static void fin_wait_1_fin_enters_closing(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = L1),
		     OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSING);
	assert_true(f_events(f) & SF_TCP_EV_PEER_FIN);
}

/* RFC 9293 3.10.7.4: in CLOSING the ACK of our FIN leads to TIME-WAIT */
static void closing_ack_of_fin_enters_time_wait(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + 1, .ack = L1 + 1));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	assert_int_equal(f_timer_in_ms(f), 2 * MSL_MS);
}

/* an ACK in CLOSING that does not cover our FIN changes nothing */
static void closing_ack_short_of_fin_stays(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + 1, .ack = L1));
	assert_int_equal(f_state(f), SF_TCP_CLOSING);
}

/* RFC 9293 3.10.7.4: a FIN in FIN-WAIT-2 is ACKed and starts 2MSL in TIME-WAIT */
static void fin_wait_2_fin_enters_time_wait(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = L1 + 1),
		     OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	expect_silence(f, 2 * MSL_MS - 1);
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	expect_silence(f, 1);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
}

/* half-close: the peer may go on sending in FIN-WAIT-2 */
static void fin_wait_2_data_is_delivered(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1 + 1, .payload_len = 30),
		     OUT(.flags = ACK, .seq = L1 + 1, .ack = R1 + 30));
	assert_int_equal(f->delivered, 30);
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_2);
}

/* a peer that never sends its FIN: FIN-WAIT-2 is given up after fin_wait_2_ms, with a RST */
static void fin_wait_2_without_fin_gives_up(void **state)
{
	struct fixture *f = *state;

	expect_silence(f, 10000 - 1);
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_2);
	f_advance(f, 1);
	expect_seg(f, OUT(.flags = RST, .seq = L1 + 1, .wnd = 0));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.give_up[SF_TCP_GIVE_UP_FIN_WAIT_2], 1);
}

/* RFC 9293 3.10.7.4: a FIN in ESTABLISHED: CLOSE-WAIT, ACKed at once */
static void established_fin_enters_close_wait(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = L1), OUT(.flags = ACK, .seq = L1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSE_WAIT);
	assert_true(f_events(f) & SF_TCP_EV_PEER_FIN);
}

/* the request and its FIN in one segment: data first, then the FIN's number */
static void established_fin_with_data_delivers_then_closes(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK | PSH, .seq = R1, .ack = L1, .payload_len = 40),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 41));
	assert_int_equal(f->delivered, 40);
	assert_int_equal(f_state(f), SF_TCP_CLOSE_WAIT);
}

/* a FIN beyond RCV.NXT is out of order: not taken, duplicate ACK */
static void established_out_of_order_fin_gets_dup_ack(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1 + 10, .ack = L1), OUT(.flags = ACK, .seq = L1, .ack = R1));
	assert_int_equal(f_state(f), SF_TCP_ESTABLISHED);
}

/* half-close: CLOSE-WAIT still sends data (the response after the request's FIN) */
static void close_wait_still_sends_data(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 100);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1, .ack = R1 + 1, .data_len = 100));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_CLOSE_WAIT);
}

/* RFC 9293 3.10.4: CLOSE in CLOSE-WAIT sends our FIN: LAST-ACK */
static void close_wait_close_sends_fin_and_enters_last_ack(void **state)
{
	struct fixture *f = *state;

	f_app_send(f, 10);
	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH | FIN, .seq = L1, .ack = R1 + 1, .data_len = 10));
	expect_nothing(f);
	assert_int_equal(f_state(f), SF_TCP_LAST_ACK);
}

/* the peer's FIN came already: its data is ignored and the ACK repeated */
static void close_wait_data_is_ignored(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = ACK, .seq = R1 + 1, .ack = L1, .payload_len = 10),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 1));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_AFTER_FIN], 1);
}

/* the peer's FIN again in CLOSE-WAIT (our ACK was lost): ACK it again */
static void close_wait_retransmitted_fin_is_acked_again(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1, .ack = L1), OUT(.flags = ACK, .seq = L1, .ack = R1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSE_WAIT);
}

/* RFC 9293 3.10.7.4: in LAST-ACK the ACK of our FIN deletes the TCB */
static void last_ack_ack_of_fin_closes(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + 1, .ack = L1 + 1));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_true(f_events(f) & SF_TCP_EV_CLOSED);
	assert_false(f->timer_armed);
	assert_int_equal(f->ctx.stats.closed, 1);
	assert_int_equal(f->ctx.stats.state[SF_TCP_LAST_ACK], 0);
}

/* an ACK in LAST-ACK short of our FIN keeps waiting */
static void last_ack_ack_short_of_fin_stays(void **state)
{
	struct fixture *f = *state;

	expect_no_reply(f, SEG(.flags = ACK, .seq = R1 + 1, .ack = L1));
	assert_int_equal(f_state(f), SF_TCP_LAST_ACK);
}

/* RFC 9293 3.10.4: a second CLOSE is an error */
static void fin_wait_1_close_again_fails(void **state)
{
	struct fixture *f = *state;

	f_app_close(f, -1);
	assert_int_equal(f_state(f), SF_TCP_FIN_WAIT_1);
}

/* RFC 9293 3.10.5: ABORT in ESTABLISHED sends <SEQ=SND.NXT><CTL=RST> and closes */
static void established_abort_sends_rst(void **state)
{
	struct fixture *f = *state;

	sf_tcp_out_init(&f->out);
	sf_tcp_abort(&f->ctx, &f->tcb, f->now, &f->out);
	assert_int_equal(f->out.nseg, 1);
	assert_int_equal(f->out.seg[0].wr.flags, RST);
	assert_int_equal(f->out.seg[0].wr.seq, L1);
	assert_int_equal(f->tcb.state, SF_TCP_CLOSED);
	assert_true(f->out.events & SF_TCP_EV_CLOSED);
	assert_int_equal(f->ctx.stats.rst_tx[SF_TCP_RST_TX_ABORT], 1);
}

/* RFC 9293 3.10.5: ABORT in LAST-ACK just deletes the TCB */
static void last_ack_abort_sends_nothing(void **state)
{
	struct fixture *f = *state;

	sf_tcp_out_init(&f->out);
	sf_tcp_abort(&f->ctx, &f->tcb, f->now, &f->out);
	assert_int_equal(f->out.nseg, 0);
	assert_int_equal(f->tcb.state, SF_TCP_CLOSED);
	assert_int_equal(f->out.timer, SF_TCP_TIMER_CANCEL);
}

/* a server's whole life: request, response, our close, the peer's close, TIME-WAIT */
static void server_request_response_close_reaches_closed(void **state)
{
	struct fixture *f = *state;

	f_input(f, SEG(.flags = ACK | PSH, .seq = R1, .ack = L1, .payload_len = 80));
	f_app_send(f, 1000);
	f_app_close(f, 0);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH | FIN, .seq = L1, .ack = R1 + 80, .data_len = 1000));
	expect_nothing(f);
	expect_reply(f, SEG(.flags = FIN | ACK, .seq = R1 + 80, .ack = L1 + 1001),
		     OUT(.flags = ACK, .seq = L1 + 1001, .ack = R1 + 81));
	assert_int_equal(f_state(f), SF_TCP_TIME_WAIT);
	expect_silence(f, 2 * MSL_MS);
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
	assert_int_equal(f->ctx.stats.state[SF_TCP_TIME_WAIT], 0);
	assert_int_equal(f->ctx.stats.closed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(established_close_sends_fin, f_setup_established),
		T(established_close_fin_rides_on_last_data_segment, f_setup_established),
		T(fin_wait_1_ack_of_fin_enters_fin_wait_2, f_setup_fin_wait_1),
		T(fin_wait_1_ack_short_of_fin_stays, f_setup_fin_wait_1),
		T(fin_wait_1_fin_acking_our_fin_enters_time_wait, f_setup_fin_wait_1),
		T(fin_wait_1_fin_enters_closing, f_setup_fin_wait_1),
		T(closing_ack_of_fin_enters_time_wait, f_setup_closing),
		T(closing_ack_short_of_fin_stays, f_setup_closing),
		T(fin_wait_2_fin_enters_time_wait, f_setup_fin_wait_2),
		T(fin_wait_2_data_is_delivered, f_setup_fin_wait_2),
		T(fin_wait_2_without_fin_gives_up, f_setup_fin_wait_2),
		T(established_fin_enters_close_wait, f_setup_established),
		T(established_fin_with_data_delivers_then_closes, f_setup_established),
		T(established_out_of_order_fin_gets_dup_ack, f_setup_established),
		T(close_wait_still_sends_data, f_setup_close_wait),
		T(close_wait_close_sends_fin_and_enters_last_ack, f_setup_close_wait),
		T(close_wait_data_is_ignored, f_setup_close_wait),
		T(close_wait_retransmitted_fin_is_acked_again, f_setup_close_wait),
		T(last_ack_ack_of_fin_closes, f_setup_last_ack),
		T(last_ack_ack_short_of_fin_stays, f_setup_last_ack),
		T(fin_wait_1_close_again_fails, f_setup_fin_wait_1),
		T(established_abort_sends_rst, f_setup_established),
		T(last_ack_abort_sends_nothing, f_setup_last_ack),
		T(server_request_response_close_reaches_closed, f_setup_established),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

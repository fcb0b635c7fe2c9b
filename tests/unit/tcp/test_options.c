/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: TCP options. MSS (RFC 9293 3.7.1, RFC 6691), window scale and timestamps
 * (RFC 7323), SACK-permitted (RFC 2018): each answered only when offered, TSecr echoes
 * TSval, window scaling applied both ways once the handshake is done.
 */

#include "tcp_test.h"

#define R1 (REMOTE_SEQ + 1)
#define L1 (LOCAL_SEQ + 1)
#define ALL_OPTS (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS)

/* a listener that offers every option, with window scaling (shift 2) */
static int setup_listen_all(void **state)
{
	struct sf_tcp_config cfg;
	struct fixture *f;

	f_config(&cfg);
	cfg.offer = ALL_OPTS;
	cfg.rcv_wscale = 2;
	cfg.rcv_wnd = 200000;
	f = f_new(&cfg);
	f->listening = true;
	*state = f;
	return 0;
}

#define SYN_ALL(...) SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = ALL_OPTS, .mss = 1400, .wscale = 5, \
								   .ts_val = 777 }, __VA_ARGS__)

/* RFC 9293 3.7.1: the SYN-ACK carries our MSS even when the SYN had none */
static void syn_ack_carries_our_mss(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS, .mss = LOCAL_MSS));
}

/* RFC 7323 2.2, 3.2, RFC 2018 2: every option the SYN offered (and we offer) is answered */
static void syn_ack_answers_every_offered_option(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SYN_ALL(), OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .wnd = 65535, .opts = ALL_OPTS,
				       .mss = LOCAL_MSS, .wscale = 2, .ts_val = f_tsval(f), .ts_ecr = 777));
}

/* RFC 7323 2.2: no window scale option in the SYN, none in the SYN-ACK */
static void syn_ack_omits_wscale_not_offered(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS | SF_OPT_TS, .mss = 1400,
								       .ts_val = 5 }),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS | SF_OPT_TS,
			 .mss = LOCAL_MSS, .ts_val = f_tsval(f), .ts_ecr = 5));
	assert_int_equal(f->tcb.rcv_wscale, 0);
}

/* RFC 2018 2: SACK-permitted only in answer to SACK-permitted */
static void syn_ack_answers_sack_permitted_only_when_offered(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_SACK_PERM }),
		     OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS | SF_OPT_SACK_PERM,
			 .mss = LOCAL_MSS));
	assert_true(f->tcb.flags & SF_TCB_SACK_OK);
}

/* options we do not offer are never answered, whatever the SYN says */
static void syn_ack_omits_options_we_do_not_offer(void **state)
{
	struct fixture *f = *state; /* the default listener offers MSS only */

	expect_reply(f, SYN_ALL(), OUT(.flags = SYN | ACK, .seq = LOCAL_SEQ, .ack = R1, .opts = SF_OPT_MSS,
				       .mss = LOCAL_MSS));
	assert_false(f->tcb.flags & (SF_TCB_TS_OK | SF_TCB_WS_OK | SF_TCB_SACK_OK));
}

/* RFC 7323 2.2: the window field of a SYN-ACK is never scaled */
static void syn_ack_window_is_unscaled(void **state)
{
	struct fixture *f = *state;

	f_send(f, SYN_ALL());
	assert_int_equal(f->q[f->qhead].wnd, 65535); /* min(200000, 65535), not 200000 >> 2 */
}

/* RFC 9293 3.10.1: our SYN offers everything configured; TSecr is zero (RFC 7323 3.2) */
static void connect_syn_offers_configured_options(void **state)
{
	struct fixture *f = *state;

	f_connect(f);
	expect_seg(f, OUT(.flags = SYN, .seq = LOCAL_SEQ, .wnd = 65535, .opts = ALL_OPTS, .mss = LOCAL_MSS, .wscale = 2,
			  .ts_val = f_tsval(f), .ts_ecr = 0));
}

/* RFC 7323 2.3: after the handshake our window field is the window >> our shift */
static void established_our_window_is_scaled(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10,
			    .opts = { .present = SF_OPT_TS, .ts_val = 800 }),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 10, .wnd = 50000, .opts = SF_OPT_TS,
			 .ts_val = f_tsval(f), .ts_ecr = 800));
}

/* RFC 7323 2.3: the peer's window field is shifted by its scale */
static void established_peer_window_is_scaled(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	f_send(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .wnd = 100, .opts = { .present = SF_OPT_TS, .ts_val = 800 }));
	assert_int_equal(f->tcb.snd_wnd, 100u << 5);
}

/* RFC 7323 2.3: a shift above 14 is taken as 14 */
static void peer_wscale_above_14_is_clamped(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_WSCALE, .wscale = 20 }));
	assert_int_equal(f->tcb.snd_wscale, 14);
}

/* RFC 7323 3.2: once negotiated every segment carries TSopt, TSecr = the last TSval */
static void established_segments_echo_the_latest_tsval(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	f->now += 5000;
	f_input(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10, .opts = { .present = SF_OPT_TS, .ts_val = 900 }));
	f_app_send(f, 20);
	f_output(f);
	expect_seg(f, OUT(.flags = ACK | PSH, .seq = L1, .ack = R1 + 10, .wnd = 50000, .data_len = 20,
			  .opts = SF_OPT_TS, .ts_val = f_tsval(f), .ts_ecr = 900));
}

/* RFC 7323 4.3: an out-of-order segment (SEG.SEQ > Last.ACK.sent) does not update TS.Recent */
static void out_of_order_segment_does_not_update_ts_recent(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	f_send(f, SEG(.flags = ACK, .seq = R1 + 100, .ack = L1, .payload_len = 10,
		      .opts = { .present = SF_OPT_TS, .ts_val = 5000 }));
	assert_int_equal(f->tcb.ts_recent, 778);
}

/* RFC 7323 5.3 (PAWS): a segment with an older TSval is dropped with an ACK */
static void paws_drops_older_timestamp_with_ack(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10,
			    .opts = { .present = SF_OPT_TS, .ts_val = 700 }),
		     OUT(.flags = ACK, .seq = L1, .ack = R1, .wnd = 50000, .opts = SF_OPT_TS, .ts_val = f_tsval(f),
			 .ts_ecr = 778));
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->ctx.stats.drop[SF_TCP_DROP_PAWS], 1);
}

/* RFC 7323 5.3: PAWS does not apply to RSTs */
static void paws_does_not_apply_to_rst(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	expect_no_reply(f, SEG(.flags = RST, .seq = R1, .opts = { .present = SF_OPT_TS, .ts_val = 1 }));
	assert_int_equal(f_state(f), SF_TCP_CLOSED);
}

/* RFC 6691: the peer's MSS caps our segments; our timestamps ride inside it */
static void peer_mss_less_timestamps_sizes_segments(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	f_app_send(f, 3000);
	f_output(f);
	assert_int_equal(f->q[f->qhead].data_len, 1400 - 12);
}

/* RFC 9293 3.7.1: a SYN without MSS means 536 for IPv4 */
static void missing_mss_means_536_for_ipv4(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	assert_int_equal(f->tcb.snd_mss, 536);
}

/* RFC 9293 3.7.1: a SYN without MSS means 1220 for IPv6 */
static void missing_mss_means_1220_for_ipv6(void **state)
{
	struct fixture *f = *state;

	f->key.family = SF_AF_INET6;
	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	assert_int_equal(f->tcb.snd_mss, 1220);
}

/* our own MSS bounds what we send even when the peer allows more */
static void our_mss_caps_a_larger_peer_mss(void **state)
{
	struct fixture *f = *state;

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ, .opts = { .present = SF_OPT_MSS, .mss = 9000 }));
	assert_int_equal(f->tcb.snd_mss, LOCAL_MSS);
}

/* RFC 7323 2.2: the SYN-ACK without WS turns scaling off for a client that offered it */
static void syn_sent_syn_ack_without_wscale_disables_scaling(void **state)
{
	struct fixture *f = *state;

	f_connect(f);
	f_flush(f);
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1, .opts = { .present = SF_OPT_MSS, .mss = 1000 }));
	assert_int_equal(f->tcb.snd_wscale, 0);
	assert_int_equal(f->tcb.rcv_wscale, 0);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .wnd = 65535));
}

/* RFC 7323 3.2 / 4.1: timestamps on in the SYN-ACK; its TSecr gives the first RTT sample */
static void syn_sent_syn_ack_timestamps_give_rtt(void **state)
{
	struct fixture *f = *state;
	uint32_t tsval = f_tsval(f);

	f_connect(f);
	f_flush(f);
	f->now += 150 * 1000;
	f_send(f, SEG(.flags = SYN | ACK, .seq = REMOTE_SEQ, .ack = L1,
		      .opts = { .present = SF_OPT_TS | SF_OPT_WSCALE, .wscale = 1, .ts_val = 42, .ts_ecr = tsval }));
	assert_true(f->tcb.flags & SF_TCB_TS_OK);
	assert_int_equal(f->tcb.srtt8 >> 3, 150);
	expect_seg(f, OUT(.flags = ACK, .seq = L1, .ack = R1, .wnd = 50000, .opts = SF_OPT_TS, .ts_val = f_tsval(f),
			  .ts_ecr = 42));
}

/* SACK blocks from the peer are read and ignored: we retransmit go-back-N */
static void sack_blocks_do_not_disturb_data(void **state)
{
	struct fixture *f = *state;

	f_handshake_passive(f, SYN_ALL());
	expect_reply(f, SEG(.flags = ACK, .seq = R1, .ack = L1, .payload_len = 10,
			    .opts = { .present = SF_OPT_TS | SF_OPT_SACK, .ts_val = 800, .sack_blocks = 1,
				      .sack = { { 5, 6 } } }),
		     OUT(.flags = ACK, .seq = L1, .ack = R1 + 10, .wnd = 50000, .opts = SF_OPT_TS, .ts_val = f_tsval(f),
			 .ts_ecr = 800));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, f_teardown)
		T(syn_ack_carries_our_mss, f_setup_listen),
		T(syn_ack_answers_every_offered_option, setup_listen_all),
		T(syn_ack_omits_wscale_not_offered, setup_listen_all),
		T(syn_ack_answers_sack_permitted_only_when_offered, setup_listen_all),
		T(syn_ack_omits_options_we_do_not_offer, f_setup_listen),
		T(syn_ack_window_is_unscaled, setup_listen_all),
		T(connect_syn_offers_configured_options, setup_listen_all),
		T(established_our_window_is_scaled, setup_listen_all),
		T(established_peer_window_is_scaled, setup_listen_all),
		T(peer_wscale_above_14_is_clamped, setup_listen_all),
		T(established_segments_echo_the_latest_tsval, setup_listen_all),
		T(out_of_order_segment_does_not_update_ts_recent, setup_listen_all),
		T(paws_drops_older_timestamp_with_ack, setup_listen_all),
		T(paws_does_not_apply_to_rst, setup_listen_all),
		T(peer_mss_less_timestamps_sizes_segments, setup_listen_all),
		T(missing_mss_means_536_for_ipv4, f_setup_listen),
		T(missing_mss_means_1220_for_ipv6, f_setup_listen),
		T(our_mss_caps_a_larger_peer_mss, f_setup_listen),
		T(syn_sent_syn_ack_without_wscale_disables_scaling, setup_listen_all),
		T(syn_sent_syn_ack_timestamps_give_rtt, setup_listen_all),
		T(sack_blocks_do_not_disturb_data, setup_listen_all),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

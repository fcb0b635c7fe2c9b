/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: the per-lcore context. Configuration checks, derived window fields, state names
 * and the counter listing `show tcp stats` prints.
 */

#include "tcp_test.h"

/* the defaults make a valid context */
static void config_default_is_accepted(void **state)
{
	struct sf_tcp_config cfg;
	struct sf_tcp_ctx ctx;

	(void)state;
	sf_tcp_config_default(&cfg);
	assert_int_equal(sf_tcp_ctx_init(&ctx, &cfg), 0);
	assert_int_equal(cfg.init_cwnd_segs, 10);
	assert_int_equal(cfg.rto_initial_ms, 1000);
}

/* RFC 7323 2.2: the window field is the window >> shift, and what the peer sees is derived */
static void ctx_init_derives_window_fields(void **state)
{
	struct sf_tcp_config cfg;
	struct sf_tcp_ctx ctx;

	(void)state;
	sf_tcp_config_default(&cfg);
	cfg.rcv_wnd = 100001;
	cfg.rcv_wscale = 2;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &cfg), 0);
	assert_int_equal(ctx.wnd_field[0], 65535);
	assert_int_equal(ctx.wnd_bytes[0], 65535);
	assert_int_equal(ctx.wnd_field[1], 25000);
	assert_int_equal(ctx.wnd_bytes[1], 100000);
}

/* inconsistent configurations are refused */
static void ctx_init_rejects_inconsistent_config(void **state)
{
	struct sf_tcp_config cfg, bad;
	struct sf_tcp_ctx ctx;

	(void)state;
	sf_tcp_config_default(&cfg);
	bad = cfg;
	bad.rcv_wscale = 15; /* RFC 7323 2.3: at most 14 */
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.rto_min_ms = bad.rto_max_ms + 1;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.rto_initial_ms = bad.rto_min_ms - 1;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.mss = 10;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.rcv_wnd = 0;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.cookie_mode = 3;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
	bad = cfg;
	bad.delack = 1;
	bad.delack_ms = 0;
	assert_int_equal(sf_tcp_ctx_init(&ctx, &bad), -1);
}

/* every state has its short name; out of range is "?" */
static void state_names_are_short_and_lowercase(void **state)
{
	(void)state;
	assert_string_equal(sf_tcp_state_name(SF_TCP_CLOSED), "closed");
	assert_string_equal(sf_tcp_state_name(SF_TCP_SYN_RECEIVED), "syn_received");
	assert_string_equal(sf_tcp_state_name(SF_TCP_TIME_WAIT), "time_wait");
	assert_string_equal(sf_tcp_state_name(SF_TCP__STATE_COUNT), "?");
}

struct visit {
	unsigned int n;
	uint64_t sum;
	bool saw_closed, saw_give_up_probe, saw_drop_tw_syn;
};

static void visit_one(void *arg, const char *group, const char *name, uint64_t value)
{
	struct visit *v = arg;

	v->n++;
	v->sum += value;
	if (strcmp(group, "state") == 0 && strcmp(name, "closed") == 0)
		v->saw_closed = true;
	if (strcmp(group, "give_up") == 0 && strcmp(name, "probe") == 0)
		v->saw_give_up_probe = true;
	if (strcmp(group, "drop") == 0 && strcmp(name, "tw_syn") == 0)
		v->saw_drop_tw_syn = true;
}

/* the stats listing names every counter once, skips the CLOSED sink, and adds up */
static void stats_visit_lists_every_counter(void **state)
{
	struct fixture *f = *state;
	struct visit v = { 0 };

	f_send(f, SEG(.flags = SYN, .seq = REMOTE_SEQ));
	sf_tcp_stats_visit(&f->ctx.stats, visit_one, &v);
	assert_int_equal(v.n, (SF_TCP__STATE_COUNT - 1) + 1 + 5 + SF_TCP_RST_TX__COUNT + SF_TCP_RST_RX__COUNT +
				      SF_TCP_RETRANS__COUNT + SF_TCP_GIVE_UP__COUNT + SF_TCP_DROP__COUNT + 3 + 2 + 2);
	assert_false(v.saw_closed);
	assert_true(v.saw_give_up_probe);
	assert_true(v.saw_drop_tw_syn);
	assert_int_equal(v.sum, 2); /* syn_received gauge and opened_passive */
}

/* a TCB is two cache lines, with the handshake in the first */
static void tcb_fits_two_cache_lines(void **state)
{
	(void)state;
	assert_true(sizeof(struct sf_tcb) <= 128);
	assert_true(offsetof(struct sf_tcb, rtt_start) + sizeof(uint32_t) <= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_default_is_accepted),
		cmocka_unit_test(ctx_init_derives_window_fields),
		cmocka_unit_test(ctx_init_rejects_inconsistent_config),
		cmocka_unit_test(state_names_are_short_and_lowercase),
		cmocka_unit_test_setup_teardown(stats_visit_lists_every_counter, f_setup_listen, f_teardown),
		cmocka_unit_test(tcb_fits_two_cache_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

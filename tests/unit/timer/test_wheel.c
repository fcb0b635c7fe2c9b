/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/timer behaviour by behaviour: exact expiry ticks, ordering, cancel, re-arm, far
 * deadlines that cascade between levels, carry-over under a budget, 32-bit tick wrap.
 * Every test ends with sf_wheel_check().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sf_timer.h"

#define NODES 1024
#define BIG_BUDGET 4096

struct fixture {
	struct sf_wheel wheel;
	struct sf_timer node[NODES];
	struct sf_timer *out[BIG_BUDGET];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	sf_wheel_init(&f->wheel, 1000);
	for (unsigned int i = 0; i < NODES; i++)
		sf_timer_init(&f->node[i]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	free(f);
	return 0;
}

static unsigned int expire(struct fixture *f, uint64_t now)
{
	unsigned int n = sf_wheel_expire(&f->wheel, now, f->out, BIG_BUDGET);

	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	return n;
}

/* Step one tick at a time from the wheel's time to @last and return the tick at which
 * node @id came out (0 if it never did), asserting nothing else fired. */
static uint64_t step_until_fired(struct fixture *f, unsigned int id, uint64_t last)
{
	for (uint64_t now = f->wheel.now + 1; now <= last; now++) {
		unsigned int n = sf_wheel_expire(&f->wheel, now, f->out, BIG_BUDGET);

		if (n != 0) {
			assert_int_equal(n, 1);
			assert_ptr_equal(f->out[0], &f->node[id]);
			return now;
		}
	}
	return 0;
}

static void node_is_24_bytes_at_most(void **state)
{
	(void)state;
	assert_true(sizeof(struct sf_timer) <= 24);
}

static void arm_fires_at_exact_tick_not_before(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1010);
	assert_true(sf_timer_armed(&f->node[0]));
	assert_int_equal(expire(f, 1009), 0);
	assert_true(sf_timer_armed(&f->node[0]));
	assert_int_equal(expire(f, 1010), 1);
	assert_ptr_equal(f->out[0], &f->node[0]);
	assert_false(sf_timer_armed(&f->node[0]));
	assert_int_equal(f->wheel.stats.expired, 1);
}

static void deadlines_fire_in_order_within_one_jump(void **state)
{
	struct fixture *f = *state;
	/* Spread over level 0, 1 and 2, armed out of order. */
	static const uint64_t delta[] = {5000, 3, 64, 65, 1, 4095, 4096, 130, 63, 2};
	const unsigned int n = sizeof(delta) / sizeof(delta[0]);

	for (unsigned int i = 0; i < n; i++)
		sf_timer_arm(&f->wheel, &f->node[i], 1000 + delta[i]);
	assert_int_equal(expire(f, 1000 + 5000), n);
	for (unsigned int i = 1; i < n; i++)
		assert_true(sf_timer_expires(&f->wheel, f->out[i - 1]) <=
			    sf_timer_expires(&f->wheel, f->out[i]));
}

static void same_tick_timers_all_fire_together(void **state)
{
	struct fixture *f = *state;

	for (unsigned int i = 0; i < 100; i++)
		sf_timer_arm(&f->wheel, &f->node[i], 1300);
	assert_int_equal(expire(f, 1299), 0);
	assert_int_equal(expire(f, 1300), 100);
}

static void cancel_of_next_due_timer_leaves_the_later_one(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1020);
	sf_timer_arm(&f->wheel, &f->node[1], 1030);
	sf_timer_cancel(&f->wheel, &f->node[0]);
	assert_false(sf_timer_armed(&f->node[0]));
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 1, 1100), 1030);
	assert_int_equal(f->wheel.stats.cancelled, 1);
}

static void cancel_of_unarmed_timer_is_a_no_op(void **state)
{
	struct fixture *f = *state;

	sf_timer_cancel(&f->wheel, &f->node[0]);
	assert_int_equal(f->wheel.stats.cancelled, 0);
	assert_int_equal(f->wheel.pending, 0);
}

static void cancel_of_last_timer_in_slot_clears_bitmap(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1001 + 2 * 4096);
	sf_timer_cancel(&f->wheel, &f->node[0]);
	for (unsigned int l = 0; l < SF_WHEEL_LEVELS; l++)
		assert_int_equal(f->wheel.occupied[l], 0);
}

static void rearm_later_moves_the_deadline(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1010);
	sf_timer_arm(&f->wheel, &f->node[0], 1500);
	assert_int_equal(f->wheel.pending, 1);
	assert_int_equal(step_until_fired(f, 0, 2000), 1500);
}

/* Lazy re-arm: a later deadline leaves the node in its slot; it must still fire exactly then. */
static void lazy_rearm_later_within_block_fires_at_the_new_tick(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1005);
	sf_timer_arm(&f->wheel, &f->node[0], 1020);
	assert_int_equal(sf_timer_expires(&f->wheel, &f->node[0]), 1020);
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 0, 1100), 1020);
	assert_int_equal(f->wheel.pending, 0);
}

static void lazy_rearm_later_fires_within_the_same_expire_call(void **state)
{
	struct fixture *f = *state;

	/* Its old slot (1005) and its new one (1010) are both passed by one call: one jump must
	 * not skip the slot it moved to. */
	sf_timer_arm(&f->wheel, &f->node[0], 1005);
	sf_timer_arm(&f->wheel, &f->node[1], 1012);
	sf_timer_arm(&f->wheel, &f->node[0], 1010);
	assert_int_equal(expire(f, 1009), 0);
	assert_int_equal(expire(f, 1030), 2);
	assert_ptr_equal(f->out[0], &f->node[0]);
	assert_ptr_equal(f->out[1], &f->node[1]);
}

static void lazy_rearm_from_level_0_to_level_2_fires_at_the_new_tick(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1003);
	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 70000);
	assert_int_equal(f->node[0].slot / SF_WHEEL_SLOTS, 0); /* not moved */
	assert_int_equal(expire(f, 1003), 0);                   /* moved on, not handed back */
	assert_int_equal(f->node[0].slot / SF_WHEEL_SLOTS, 2);
	assert_int_equal(expire(f, 1000 + 69999), 0);
	assert_int_equal(expire(f, 1000 + 70000), 1);
}

static void lazy_rearm_repeated_fires_at_the_last_deadline(void **state)
{
	struct fixture *f = *state;

	/* An RTO pushed back by every ACK: armed 200 ticks ahead at every tick. */
	sf_timer_arm(&f->wheel, &f->node[0], 1200);
	for (uint64_t now = 1001; now <= 1500; now++) {
		assert_int_equal(expire(f, now), 0);
		sf_timer_arm(&f->wheel, &f->node[0], now + 200);
	}
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 0, 2000), 1700);
}

static void lazy_rearm_then_earlier_moves_the_node(void **state)
{
	struct fixture *f = *state;

	/* Later (lazy), then earlier than the first deadline: the node must move. */
	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 5000);
	sf_timer_arm(&f->wheel, &f->node[0], 1030);
	assert_int_equal(step_until_fired(f, 0, 1200), 1030);
}

static void rearm_of_due_timer_to_later_is_not_lazy(void **state)
{
	struct fixture *f = *state;

	/* On the due list (handed back without a look), a later deadline must move it. */
	sf_timer_arm(&f->wheel, &f->node[0], 995);
	sf_timer_arm(&f->wheel, &f->node[0], 1010);
	assert_int_equal(expire(f, 1000), 0);
	assert_int_equal(step_until_fired(f, 0, 1100), 1010);
}

/* Lazy cancel: the node stays linked ("parked") but is no longer armed and never fires. */
static void parked_timer_never_fires_and_leaves_at_its_slot(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]);
	assert_false(sf_timer_armed(&f->node[0]));
	assert_int_equal(f->wheel.pending, 0);
	assert_int_equal(f->wheel.stats.cancelled, 1);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]); /* not armed: a no-op */
	assert_int_equal(f->wheel.stats.cancelled, 1);
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 0, 1300), 0);
	assert_null(f->node[0].next); /* dropped when its slot was passed */
	assert_int_equal(sf_wheel_next_expiry(&f->wheel), UINT64_MAX);
}

static void parked_timer_armed_later_fires_at_the_new_deadline(void **state)
{
	struct fixture *f = *state;

	/* The next connection of a pooled TCB: armed again, later than the parked deadline. */
	sf_timer_arm(&f->wheel, &f->node[0], 1200);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]);
	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 5000);
	assert_true(sf_timer_armed(&f->node[0]));
	assert_int_equal(f->wheel.pending, 1);
	assert_int_equal(step_until_fired(f, 0, 7000), 1000 + 5000);
}

static void parked_timer_armed_earlier_fires_at_the_new_deadline(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 5000);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]);
	sf_timer_arm(&f->wheel, &f->node[0], 1040);
	assert_int_equal(step_until_fired(f, 0, 7000), 1040);
}

static void parked_timer_on_the_due_list_is_dropped(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 990);
	sf_timer_arm(&f->wheel, &f->node[1], 995);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]);
	assert_int_equal(expire(f, 1000), 1);
	assert_ptr_equal(f->out[0], &f->node[1]);
	assert_null(f->node[0].next);
}

static void cancel_of_parked_timer_unlinks_it(void **state)
{
	struct fixture *f = *state;

	/* After sf_timer_cancel() the node may be zeroed: it must be out of the lists. */
	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_arm(&f->wheel, &f->node[1], 1100);
	sf_timer_cancel_lazy(&f->wheel, &f->node[0]);
	sf_timer_cancel(&f->wheel, &f->node[0]);
	assert_null(f->node[0].next);
	assert_int_equal(f->wheel.stats.cancelled, 1); /* counted once */
	sf_timer_init(&f->node[0]);
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 1, 1200), 1100);
}

static void rearm_earlier_moves_the_deadline(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 100000);
	sf_timer_arm(&f->wheel, &f->node[0], 1007);
	assert_int_equal(step_until_fired(f, 0, 2000), 1007);
}

static void rearm_within_its_slot_moves_the_deadline(void **state)
{
	struct fixture *f = *state;

	/* 1100 and 1120 share level 1's slot 17 (ticks 1088 .. 1151) seen from 1000. */
	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_arm(&f->wheel, &f->node[1], 1100);
	sf_timer_arm(&f->wheel, &f->node[0], 1120);
	assert_int_equal(f->node[0].slot, f->node[1].slot);
	assert_int_equal(f->wheel.pending, 2);
	assert_int_equal(f->wheel.stats.armed, 3);
	assert_int_equal(sf_timer_expires(&f->wheel, &f->node[0]), 1120);
	assert_int_equal(sf_wheel_check(&f->wheel), 0);
	assert_int_equal(step_until_fired(f, 1, 1110), 1100);
	assert_int_equal(step_until_fired(f, 0, 1200), 1120);
}

static void rearm_of_armed_timer_to_the_past_fires_on_next_expire(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_arm(&f->wheel, &f->node[0], 995);
	assert_int_equal(f->wheel.pending, 1);
	assert_int_equal(f->wheel.occupied[1], 0);
	assert_int_equal(expire(f, 1000), 1);
	assert_ptr_equal(f->out[0], &f->node[0]);
}

static void rearm_of_armed_timer_beyond_max_delta_is_clamped(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1100);
	sf_timer_arm(&f->wheel, &f->node[0], 1000 + SF_TIMER_MAX_DELTA + 1);
	assert_int_equal(f->wheel.pending, 1);
	assert_int_equal(sf_timer_expires(&f->wheel, &f->node[0]), 1000 + SF_TIMER_MAX_DELTA);
}

static void overdue_arm_fires_on_next_expire(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 990);
	assert_int_equal(sf_wheel_next_expiry(&f->wheel), 1000);
	assert_int_equal(expire(f, 1000), 1);
	assert_ptr_equal(f->out[0], &f->node[0]);
}

static void ten_minute_deadline_cascades_to_exact_tick(void **state)
{
	struct fixture *f = *state;
	const uint64_t deadline = 1000 + 600000; /* 10 min at 1 ms: crosses levels 3, 2, 1, 0 */

	sf_timer_arm(&f->wheel, &f->node[0], deadline);
	assert_int_equal(f->node[0].slot / SF_WHEEL_SLOTS, 3);
	assert_int_equal(step_until_fired(f, 0, deadline + 10), deadline);
	assert_true(f->wheel.stats.cascaded >= 2);
}

static void deadline_past_wheel_range_waits_a_turn(void **state)
{
	struct fixture *f = *state;
	const uint64_t deadline = 1000 + (UINT64_C(3) << 24) + 12345; /* three top-level turns */

	sf_timer_arm(&f->wheel, &f->node[0], deadline);
	/* Big jumps pass every top-level turn without firing early. */
	for (uint64_t now = 1000; now + 1000000 < deadline; now += 1000000)
		assert_int_equal(expire(f, now), 0);
	assert_int_equal(expire(f, deadline - 1), 0);
	assert_int_equal(expire(f, deadline), 1);
}

static void deadline_beyond_max_delta_is_clamped(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1000 + SF_TIMER_MAX_DELTA + 5000);
	assert_int_equal(sf_timer_expires(&f->wheel, &f->node[0]), 1000 + SF_TIMER_MAX_DELTA);
	assert_int_equal(expire(f, 1000 + SF_TIMER_MAX_DELTA - 1), 0);
	assert_int_equal(expire(f, 1000 + SF_TIMER_MAX_DELTA), 1);
}

static void budget_carries_the_rest_over(void **state)
{
	struct fixture *f = *state;
	unsigned int total = 0, calls = 0;

	for (unsigned int i = 0; i < 1000; i++)
		sf_timer_arm(&f->wheel, &f->node[i], 1050 + i % 3);
	while (total < 1000) {
		unsigned int n = sf_wheel_expire(&f->wheel, 2000, f->out, 32);

		assert_int_equal(sf_wheel_check(&f->wheel), 0);
		assert_true(n <= 32);
		total += n;
		calls++;
		if (n < 32)
			break;
	}
	assert_int_equal(total, 1000);
	assert_int_equal(calls, 32); /* 31 full calls and one of 8 */
	assert_int_equal(f->wheel.pending, 0);
	assert_int_equal(f->wheel.now, 2000);
}

static void empty_wheel_jumps_and_reports_no_expiry(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sf_wheel_next_expiry(&f->wheel), UINT64_MAX);
	assert_int_equal(expire(f, UINT64_C(1) << 40), 0);
	assert_int_equal(f->wheel.now, UINT64_C(1) << 40);
}

static void next_expiry_is_exact_within_block(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1020);
	assert_int_equal(sf_wheel_next_expiry(&f->wheel), 1020);
}

static void next_expiry_is_a_lower_bound_beyond_block(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 70000);
	assert_true(sf_wheel_next_expiry(&f->wheel) <= 1000 + 70000);
	assert_true(sf_wheel_next_expiry(&f->wheel) > 1000);
}

static void next_expiry_forgets_a_cancelled_far_timer(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1000 + 70000);
	sf_timer_arm(&f->wheel, &f->node[1], 1000 + 300000);
	sf_timer_cancel(&f->wheel, &f->node[0]);
	assert_true(sf_wheel_next_expiry(&f->wheel) > 1000 + 70000);
	assert_true(sf_wheel_next_expiry(&f->wheel) <= 1000 + 300000);
}

static void deadlines_across_32_bit_tick_wrap_fire_in_time(void **state)
{
	struct fixture *f = *state;
	const uint64_t start = UINT32_MAX - 100;

	sf_wheel_init(&f->wheel, start);
	sf_timer_arm(&f->wheel, &f->node[0], start + 50);
	sf_timer_arm(&f->wheel, &f->node[1], start + 200); /* past 2^32 */
	sf_timer_arm(&f->wheel, &f->node[2], start + 100000);
	assert_int_equal(sf_timer_expires(&f->wheel, &f->node[1]), start + 200);
	assert_int_equal(step_until_fired(f, 0, start + 60), start + 50);
	assert_int_equal(step_until_fired(f, 1, start + 300), start + 200);
	assert_int_equal(expire(f, start + 99999), 0);
	assert_int_equal(expire(f, start + 100000), 1);
}

static void expired_timer_can_be_armed_again(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1005);
	assert_int_equal(expire(f, 1005), 1);
	sf_timer_arm(&f->wheel, &f->node[0], 1010);
	assert_int_equal(step_until_fired(f, 0, 1100), 1010);
	assert_int_equal(f->wheel.stats.armed, 2);
}

static void check_detects_a_corrupted_bitmap(void **state)
{
	struct fixture *f = *state;

	sf_timer_arm(&f->wheel, &f->node[0], 1020);
	f->wheel.occupied[0] ^= UINT64_C(1) << 1; /* a slot that holds nothing */
	assert_int_not_equal(sf_wheel_check(&f->wheel), 0);
	f->wheel.occupied[0] ^= UINT64_C(1) << 1;
}

static void check_detects_a_timer_in_the_wrong_slot(void **state)
{
	struct fixture *f = *state;

	/* A deadline before its slot's tick would fire late. (A later one is a lazy re-arm.) */
	sf_timer_arm(&f->wheel, &f->node[0], 1020);
	f->node[0].expires = 1019;
	assert_int_not_equal(sf_wheel_check(&f->wheel), 0);
	f->node[0].expires = 1020;
	/* Level 1's slot 17 (ticks 1088 .. 1151) is passed at 1088: too late for 1080. */
	sf_timer_arm(&f->wheel, &f->node[1], 1100);
	f->node[1].expires = 1080;
	assert_int_not_equal(sf_wheel_check(&f->wheel), 0);
	f->node[1].expires = 1100;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_is_24_bytes_at_most),
		T(arm_fires_at_exact_tick_not_before),
		T(deadlines_fire_in_order_within_one_jump),
		T(same_tick_timers_all_fire_together),
		T(cancel_of_next_due_timer_leaves_the_later_one),
		T(cancel_of_unarmed_timer_is_a_no_op),
		T(cancel_of_last_timer_in_slot_clears_bitmap),
		T(rearm_later_moves_the_deadline),
		T(lazy_rearm_later_within_block_fires_at_the_new_tick),
		T(lazy_rearm_later_fires_within_the_same_expire_call),
		T(lazy_rearm_from_level_0_to_level_2_fires_at_the_new_tick),
		T(lazy_rearm_repeated_fires_at_the_last_deadline),
		T(lazy_rearm_then_earlier_moves_the_node),
		T(rearm_of_due_timer_to_later_is_not_lazy),
		T(parked_timer_never_fires_and_leaves_at_its_slot),
		T(parked_timer_armed_later_fires_at_the_new_deadline),
		T(parked_timer_armed_earlier_fires_at_the_new_deadline),
		T(parked_timer_on_the_due_list_is_dropped),
		T(cancel_of_parked_timer_unlinks_it),
		T(rearm_earlier_moves_the_deadline),
		T(rearm_within_its_slot_moves_the_deadline),
		T(rearm_of_armed_timer_to_the_past_fires_on_next_expire),
		T(rearm_of_armed_timer_beyond_max_delta_is_clamped),
		T(overdue_arm_fires_on_next_expire),
		T(ten_minute_deadline_cascades_to_exact_tick),
		T(deadline_past_wheel_range_waits_a_turn),
		T(deadline_beyond_max_delta_is_clamped),
		T(budget_carries_the_rest_over),
		T(empty_wheel_jumps_and_reports_no_expiry),
		T(next_expiry_is_exact_within_block),
		T(next_expiry_is_a_lower_bound_beyond_block),
		T(next_expiry_forgets_a_cancelled_far_timer),
		T(deadlines_across_32_bit_tick_wrap_fire_in_time),
		T(expired_timer_can_be_armed_again),
		T(check_detects_a_corrupted_bitmap),
		T(check_detects_a_timer_in_the_wrong_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/timer against a simple sorted reference: 1M random arm / re-arm / cancel / lazy cancel /
 * expire operations with random time steps and budgets. After every step sf_wheel_check() must pass,
 * and every expiry must come out at the first call whose time reaches it (unless the previous
 * call ran out of budget), never early, and in deadline order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sf_timer.h"

#define NODES 512
/* Operations in the run; SF_TIMER_RANDOM_OPS lowers it where code runs slower (sanitizers). */
static unsigned int random_ops(void)
{
	const char *env = getenv("SF_TIMER_RANDOM_OPS");

	return env != NULL && strtoul(env, NULL, 0) > 0 ? (unsigned int)strtoul(env, NULL, 0) : 1000000u;
}

/* Reference: a binary min-heap of armed node ids ordered by (deadline, id). */
struct ref {
	uint64_t deadline[NODES];
	uint64_t armed_at[NODES]; /* wheel time when armed: overdue arms may fire late */
	int pos[NODES];           /* index in heap, -1 when unarmed */
	unsigned int heap[NODES];
	unsigned int size;
};

static int less(const struct ref *r, unsigned int a, unsigned int b)
{
	return r->deadline[a] < r->deadline[b] || (r->deadline[a] == r->deadline[b] && a < b);
}

static void swap_at(struct ref *r, unsigned int i, unsigned int j)
{
	unsigned int a = r->heap[i], b = r->heap[j];

	r->heap[i] = b;
	r->heap[j] = a;
	r->pos[b] = (int)i;
	r->pos[a] = (int)j;
}

static void sift(struct ref *r, unsigned int i)
{
	while (i > 0 && less(r, r->heap[i], r->heap[(i - 1) / 2])) {
		swap_at(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		unsigned int l = 2 * i + 1, m = i;

		if (l < r->size && less(r, r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->size && less(r, r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		swap_at(r, i, m);
		i = m;
	}
}

static void ref_remove(struct ref *r, unsigned int id)
{
	unsigned int i = (unsigned int)r->pos[id];

	r->size--;
	if (i != r->size) {
		swap_at(r, i, r->size);
		sift(r, i);
	}
	r->pos[id] = -1;
}

static void ref_arm(struct ref *r, unsigned int id, uint64_t deadline, uint64_t wheel_now)
{
	if (r->pos[id] >= 0)
		ref_remove(r, id);
	r->deadline[id] = deadline;
	r->armed_at[id] = wheel_now;
	r->heap[r->size] = id;
	r->pos[id] = (int)r->size;
	r->size++;
	sift(r, r->size - 1);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible across runs and platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t random_delta(void)
{
	uint64_t p = rnd_below(100);

	if (p < 30)
		return rnd_below(64);
	if (p < 60)
		return rnd_below(4096);
	if (p < 85)
		return rnd_below(600000);
	if (p < 97)
		return rnd_below(UINT64_C(1) << 26); /* past the 2^24 span: waits top-level turns */
	return rnd_below(SF_TIMER_MAX_DELTA + 1);
}

static uint64_t random_step(void)
{
	uint64_t p = rnd_below(1000);

	if (p < 700)
		return rnd_below(3);
	if (p < 950)
		return rnd_below(200);
	if (p < 995)
		return rnd_below(70000);
	return rnd_below(UINT64_C(1) << 25);
}

static void random_ops_match_sorted_reference_every_tick(void **state)
{
	static struct sf_wheel w;
	static struct sf_timer node[NODES];
	static struct ref r;
	struct sf_timer *out[NODES];
	uint64_t now = 5000, last_fired = 0;
	uint64_t fired = 0, overdue = 0;

	(void)state;
	sf_wheel_init(&w, now);
	for (unsigned int i = 0; i < NODES; i++) {
		sf_timer_init(&node[i]);
		r.pos[i] = -1;
	}
	const unsigned int ops = random_ops();

	for (unsigned int op = 0; op < ops; op++) {
		uint64_t p = rnd_below(100);
		unsigned int id = (unsigned int)rnd_below(NODES);

		if (p < 40) {
			uint64_t d = rnd_below(20) == 0 ? now - rnd_below(10) : now + random_delta();

			sf_timer_arm(&w, &node[id], d);
			ref_arm(&r, id, d, w.now);
		} else if (p < 48) {
			sf_timer_cancel(&w, &node[id]);
			if (r.pos[id] >= 0)
				ref_remove(&r, id);
		} else if (p < 55) {
			/* parked: never fires, and the node's next arm starts from where it lies */
			sf_timer_cancel_lazy(&w, &node[id]);
			assert_false(sf_timer_armed(&node[id]));
			if (r.pos[id] >= 0)
				ref_remove(&r, id);
		} else {
			unsigned int budget = rnd_below(5) == 0 ? 1 + (unsigned int)rnd_below(8) : NODES;
			unsigned int n;

			now += random_step();
			n = sf_wheel_expire(&w, now, out, budget);
			for (unsigned int i = 0; i < n; i++) {
				unsigned int k = (unsigned int)(out[i] - node);

				assert_true(k < NODES);
				assert_true(r.pos[k] >= 0);          /* was armed */
				assert_true(r.deadline[k] <= now);   /* never early */
				if (r.deadline[k] > r.armed_at[k]) {
					/* armed in the future: fires in deadline order ... */
					assert_true(r.deadline[k] >= last_fired);
					last_fired = r.deadline[k];
				} else {
					overdue++;
				}
				assert_false(sf_timer_armed(&node[k]));
				ref_remove(&r, k);
				fired++;
			}
			/* ... and none is late: a call within budget leaves nothing due behind. */
			if (n < budget) {
				assert_true(r.size == 0 || r.deadline[r.heap[0]] > now);
				assert_true(w.now == now);
			}
		}
		assert_int_equal(w.pending, r.size);
		if (sf_wheel_check(&w) != 0)
			fail_msg("sf_wheel_check %d after op %u", sf_wheel_check(&w), op);
	}
	/* The run must exercise what it claims to (thresholds for 1M operations, scaled). */
	assert_true(fired > ops / 10);
	assert_true(overdue > ops / 1000);
	assert_true(w.stats.cascaded > ops / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_ops_match_sorted_reference_every_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

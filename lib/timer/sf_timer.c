/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timing wheels.
 *
 * Placement rule: a timer with deadline E goes to the level of the highest 6-bit digit in
 * which E differs from the wheel's time `now`, in the slot given by E's digit at that level
 * (levels above the top are folded into the top one). So every timer at level l < top shares
 * all digits above l with `now` and its digit at l is greater than now's: the slot is reached
 * ("passed") exactly when `now` enters that digit, at tick E with its lower digits cleared.
 * When a slot of level >= 1 is passed its timers are placed again against the new `now`,
 * which moves them down (a cascade). Level 0 slots hold single ticks of the current 64-tick
 * block, so they are drained straight to the caller.
 *
 * The top level also holds deadlines beyond its 2^24-tick range: their digit may be at or
 * below now's. All top slots are passed when `now` enters a new 2^24 block, and those far
 * timers are simply placed again, once per turn.
 */
#include <stddef.h>

#include "sf_timer.h"

#define LEVEL_MASK (SF_WHEEL_SLOTS - 1u)
#define TOP (SF_WHEEL_LEVELS - 1u)
#define WHEEL_SPAN_BITS (SF_WHEEL_BITS * SF_WHEEL_LEVELS)

static inline unsigned int digit(uint64_t tick, unsigned int level)
{
	return (unsigned int)(tick >> (SF_WHEEL_BITS * level)) & LEVEL_MASK;
}

/* Bits lo..hi inclusive (0 <= lo, hi <= 63); empty when lo > hi. */
static inline uint64_t bits_between(unsigned int lo, unsigned int hi)
{
	if (lo > hi)
		return 0;
	return (UINT64_MAX >> (63u - hi)) & (UINT64_MAX << lo);
}

static inline void list_init(struct sf_timer *head)
{
	head->next = head->prev = head;
}

static inline bool list_empty(const struct sf_timer *head)
{
	return head->next == head;
}

static inline void list_append(struct sf_timer *head, struct sf_timer *t)
{
	t->prev = head->prev;
	t->next = head;
	head->prev->next = t;
	head->prev = t;
}

static inline void list_unlink(struct sf_timer *t)
{
	t->prev->next = t->next;
	t->next->prev = t->prev;
}

/* Full 64-bit deadline from the node's 32 bits: deadlines are kept within 2^31 of now. */
static inline uint64_t full_expiry(const struct sf_wheel *w, uint32_t e32)
{
	return w->now + (uint64_t)(int64_t)(int32_t)(e32 - (uint32_t)w->now);
}

/* Tick at which slot @s of level @level (>= 1) is passed, given the placement rule. */
static uint64_t pass_tick(const struct sf_wheel *w, unsigned int level, unsigned int s)
{
	unsigned int shift = SF_WHEEL_BITS * level;
	uint64_t block = w->now >> (shift + SF_WHEEL_BITS) << (shift + SF_WHEEL_BITS);

	if (level == TOP && s <= digit(w->now, TOP))
		return block + (UINT64_C(1) << WHEEL_SPAN_BITS); /* next turn of the top level */
	return block | ((uint64_t)s << shift);
}

/* Exact next tick at which an occupied slot of level >= 1 is passed; UINT64_MAX if none. */
static uint64_t next_cascade_tick(const struct sf_wheel *w)
{
	uint64_t best = UINT64_MAX;

	for (unsigned int l = 1; l < SF_WHEEL_LEVELS; l++) {
		uint64_t occ = w->occupied[l];
		unsigned int nd = digit(w->now, l);
		uint64_t above;
		uint64_t t;

		if (occ == 0)
			continue;
		/* Below the top, slots at or below now's digit are empty by the placement rule. */
		above = nd == LEVEL_MASK ? 0 : occ & (UINT64_MAX << (nd + 1));
		t = pass_tick(w, l, above ? (unsigned int)__builtin_ctzll(above) : nd);
		if (t < best)
			best = t;
		/* Lower levels pass sooner than anything above them, except at the top turn. */
	}
	return best;
}

static void place(struct sf_wheel *w, struct sf_timer *t, uint64_t expires)
{
	uint64_t x;
	unsigned int level, s;

	t->expires = (uint32_t)expires;
	if (expires <= w->now) {
		t->slot = SF_TIMER_SLOT_DUE;
		list_append(&w->due, t);
		return;
	}
	x = expires ^ w->now;
	level = (63u - (unsigned int)__builtin_clzll(x)) / SF_WHEEL_BITS;
	if (level > TOP)
		level = TOP;
	s = digit(expires, level);
	t->slot = (uint16_t)(level * SF_WHEEL_SLOTS + s);
	list_append(&w->slots[level][s], t);
	w->occupied[level] |= UINT64_C(1) << s;
	if (level > 0) {
		uint64_t p = pass_tick(w, level, s);

		if (p < w->next_cascade)
			w->next_cascade = p;
	}
}

void sf_wheel_init(struct sf_wheel *w, uint64_t now)
{
	w->now = now;
	w->next_cascade = UINT64_MAX;
	w->pending = 0;
	for (unsigned int l = 0; l < SF_WHEEL_LEVELS; l++) {
		w->occupied[l] = 0;
		for (unsigned int s = 0; s < SF_WHEEL_SLOTS; s++)
			list_init(&w->slots[l][s]);
	}
	list_init(&w->due);
	w->due.slot = SF_TIMER_SLOT_DUE;
	w->stats = (struct sf_wheel_stats){0};
}

/* Take @t off its list and clear its slot's bit if it was the last one. */
static inline void detach(struct sf_wheel *w, struct sf_timer *t)
{
	unsigned int id = t->slot;

	list_unlink(t);
	if (id != SF_TIMER_SLOT_DUE) {
		unsigned int level = id / SF_WHEEL_SLOTS, s = id % SF_WHEEL_SLOTS;

		if (list_empty(&w->slots[level][s]))
			w->occupied[level] &= ~(UINT64_C(1) << s);
	}
}

void sf_timer_arm(struct sf_wheel *w, struct sf_timer *t, uint64_t expires)
{
	if (t->next != NULL)
		detach(w, t);
	else
		w->pending++;
	if (expires > w->now && expires - w->now > SF_TIMER_MAX_DELTA)
		expires = w->now + SF_TIMER_MAX_DELTA;
	place(w, t, expires);
	w->stats.armed++;
}

void sf_timer_cancel(struct sf_wheel *w, struct sf_timer *t)
{
	if (t->next == NULL)
		return;
	detach(w, t);
	t->next = t->prev = NULL;
	w->pending--;
	w->stats.cancelled++;
}

/* Hand back timers from the front of @head until it is empty or @out is full. */
static unsigned int drain(struct sf_timer *head, struct sf_timer **out,
			  unsigned int n, unsigned int budget)
{
	while (n < budget && !list_empty(head)) {
		struct sf_timer *t = head->next;

		list_unlink(t);
		t->next = t->prev = NULL;
		out[n++] = t;
	}
	return n;
}

/* `now` has just entered tick @c: place again every timer of the slots passed at @c. */
static void cascade(struct sf_wheel *w, uint64_t c)
{
	for (unsigned int l = TOP; l >= 1; l--) {
		uint64_t passed;

		if (w->occupied[l] == 0)
			continue;
		if ((c & ((UINT64_C(1) << (SF_WHEEL_BITS * l)) - 1)) != 0)
			continue; /* lower digits not all zero: this level's digit did not move */
		passed = UINT64_C(1) << digit(c, l);
		if (l == TOP && (c & ((UINT64_C(1) << WHEEL_SPAN_BITS) - 1)) == 0)
			passed = UINT64_MAX; /* a new turn of the top level passes every slot */
		passed &= w->occupied[l];
		while (passed != 0) {
			unsigned int s = (unsigned int)__builtin_ctzll(passed);
			struct sf_timer *head = &w->slots[l][s];
			struct sf_timer moving;

			passed &= passed - 1;
			w->occupied[l] &= ~(UINT64_C(1) << s);
			/* Move the list aside first: a far top-level timer may land in this very slot
			 * again, and must not be seen twice. */
			moving.next = head->next;
			moving.prev = head->prev;
			moving.next->prev = &moving;
			moving.prev->next = &moving;
			list_init(head);
			while (!list_empty(&moving)) {
				struct sf_timer *t = moving.next;
				/* w->now is already c: the deadline is still within 2^31 ticks of it,
				 * so the node's 32 bits resolve against c as well as the old time. */
				uint64_t e = full_expiry(w, t->expires);

				list_unlink(t);
				place(w, t, e);
				w->stats.cascaded++;
			}
		}
	}
}

unsigned int sf_wheel_expire(struct sf_wheel *w, uint64_t now, struct sf_timer **out, unsigned int budget)
{
	unsigned int n = 0;

	for (;;) {
		uint64_t stop, occ;

		n = drain(&w->due, out, n, budget);
		if (n == budget || w->now >= now)
			break;
		/* Level 0: the ticks left in the current 64-tick block, up to `now`. */
		stop = now < (w->now | LEVEL_MASK) ? now : (w->now | LEVEL_MASK);
		occ = w->occupied[0] & bits_between(digit(w->now, 0) + 1, digit(stop, 0));
		while (occ != 0) {
			unsigned int s = (unsigned int)__builtin_ctzll(occ);
			struct sf_timer *head = &w->slots[0][s];
			uint64_t tick = (w->now & ~(uint64_t)LEVEL_MASK) | s;

			occ &= occ - 1;
			n = drain(head, out, n, budget);
			if (!list_empty(head)) {
				/* Out of budget inside this tick: stop just before it, so the slot is
				 * still ahead of the wheel's time and the next call resumes here. */
				w->now = tick - 1;
				goto out;
			}
			w->occupied[0] &= ~(UINT64_C(1) << s);
			w->now = tick;
			if (n == budget)
				goto out;
		}
		w->now = stop;
		if (stop == now)
			break;
		/* The next tick starts a new block: jump to the next one that passes a slot. */
		if (w->next_cascade > now) {
			w->now = now; /* nothing of level >= 1 is reached before `now` */
			break;
		}
		w->now = w->next_cascade;
		cascade(w, w->now);
		w->next_cascade = next_cascade_tick(w);
	}
out:
	w->pending -= n;
	w->stats.expired += n;
	return n;
}

uint64_t sf_wheel_next_expiry(const struct sf_wheel *w)
{
	uint64_t occ0;

	if (!list_empty(&w->due))
		return w->now;
	occ0 = w->occupied[0];
	if (occ0 != 0)
		return (w->now & ~(uint64_t)LEVEL_MASK) | (unsigned int)__builtin_ctzll(occ0);
	return w->next_cascade;
}

uint64_t sf_timer_expires(const struct sf_wheel *w, const struct sf_timer *t)
{
	return full_expiry(w, t->expires);
}

int sf_wheel_check(const struct sf_wheel *w)
{
	uint64_t count = 0;
	const struct sf_timer *t;

	if (w->due.slot != SF_TIMER_SLOT_DUE)
		return -1;
	for (t = w->due.next; t != &w->due; t = t->next) {
		if (t->next->prev != t || t->slot != SF_TIMER_SLOT_DUE)
			return -2;
		if (full_expiry(w, t->expires) > w->now)
			return -3; /* on the due list before its time */
		count++;
	}
	for (unsigned int l = 0; l < SF_WHEEL_LEVELS; l++) {
		for (unsigned int s = 0; s < SF_WHEEL_SLOTS; s++) {
			const struct sf_timer *head = &w->slots[l][s];
			bool bit = (w->occupied[l] >> s) & 1u;

			if (bit == list_empty(head))
				return -4; /* bitmap and list disagree */
			if (bit && l > 0 && pass_tick(w, l, s) < w->next_cascade)
				return -5; /* the cascade bound is not a bound */
			for (t = head->next; t != head; t = t->next) {
				uint64_t e = full_expiry(w, t->expires);
				unsigned int level;

				if (t->next->prev != t || t->slot != l * SF_WHEEL_SLOTS + s)
					return -6;
				if (e <= w->now)
					return -7; /* due but still in a slot */
				if (e - w->now > SF_TIMER_MAX_DELTA)
					return -8;
				if (digit(e, l) != s)
					return -9;
				level = (63u - (unsigned int)__builtin_clzll(e ^ w->now)) / SF_WHEEL_BITS;
				if (level > TOP)
					level = TOP;
				if (level != l)
					return -10; /* not where the placement rule puts it now */
				count++;
			}
		}
	}
	if (count != w->pending)
		return -11;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timing wheels.
 *
 * Placement rule: a timer with deadline E goes to the level of the highest 6-bit digit in
 * which E differs from the wheel's time `now`, in the slot given by E's digit at that level
 * (levels above the top are folded into the top one). So every timer at level l < top shares
 * all digits above l with `now` and its digit at l is greater than now's: the slot is reached
 * ("passed") exactly when `now` enters that digit, at tick E with its lower digits cleared.
 * Below the top level, slots are passed in the order of their ids (level * 64 + digit): a
 * lower level's slots all lie within the current block of the level above.
 * When a slot of level >= 1 is passed its timers are placed again against the new `now`,
 * which moves them down (a cascade). Level 0 slots hold single ticks of the current 64-tick
 * block, so they are drained straight to the caller.
 *
 * The top level also holds deadlines beyond its 2^24-tick range: their digit may be at or
 * below now's. All top slots are passed when `now` enters a new 2^24 block, and those far
 * timers are simply placed again, once per turn.
 *
 * Lazy re-arm: a timer re-armed to a later deadline stays in its slot, which is then passed
 * before its deadline (any slot passed after now and no later than the deadline is a correct
 * home). Whoever passes the slot looks at the deadline: a cascade places every timer again
 * anyway, and draining a level-0 slot places again the timers not yet due. A connection's
 * timer is re-armed later far more often than it fires, so the move is mostly never made.
 *
 * Lazy cancel (sf_timer_cancel_lazy()) goes with it: a cancelled TCB timer stays linked,
 * "parked", and the next connection to take the TCB from the pool arms it again where it lies,
 * usually later than the parked deadline (lazy) or in the same slot. Whoever passes a slot drops
 * the parked timers in it. So a connection's arm, re-arm and cancel mostly move nothing.
 *
 * A slot is SF_WHEEL_LANES lists ("lanes") filled round-robin. Walking a list costs a cache
 * miss per node, each waiting for the one before; walking the lanes side by side overlaps
 * those misses (expiry of a million timers in one pass: about 6x faster on the project VM).
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

static inline bool lanes_empty(const struct sf_timer *lanes)
{
	for (unsigned int k = 0; k < SF_WHEEL_LANES; k++)
		if (!list_empty(&lanes[k]))
			return false;
	return true;
}

static inline void lanes_append(struct sf_wheel *w, struct sf_timer *lanes, struct sf_timer *t)
{
	unsigned int k = w->lane_next++ % SF_WHEEL_LANES;

	t->lane = (uint8_t)k;
	list_append(&lanes[k], t);
}

/* The level a timer goes to, by the highest bit in which its deadline differs from `now`
 * (levels above the top folded into it): tables, cheaper than dividing by 6. */
static const uint8_t level_shift[64] = {
	0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 12, 12, 12, 12,
	12, 12, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18,
	18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18,
	18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18,
};
/* Slot id of the level's first slot: level * 64. */
static const uint8_t level_first[64] = {
	0, 0, 0, 0, 0, 0, 64, 64, 64, 64, 64, 64, 128, 128, 128, 128,
	128, 128, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192,
	192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192,
	192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192, 192,
};

_Static_assert(SF_WHEEL_BITS == 6 && SF_WHEEL_LEVELS == 4, "the level tables are for 4 levels of 6 bits");

/* Slot id (level * 64 + digit) of deadline @e, later than @now and at most SF_TIMER_MAX_DELTA
 * ahead, by the placement rule. */
static inline unsigned int slot_of(uint64_t now, uint64_t e)
{
	unsigned int b = 63u - (unsigned int)__builtin_clzll(e ^ now);

	return level_first[b] + ((unsigned int)(e >> level_shift[b]) & LEVEL_MASK);
}

static inline uint32_t *slot_count(struct sf_wheel *w, unsigned int id)
{
	return &w->slot_count[0][0] + id;
}

/* Append unlinked @t to slot @id (0 .. levels * 64 - 1), the next lane round-robin. */
static inline void slot_append(struct sf_wheel *w, struct sf_timer *t, unsigned int id)
{
	unsigned int k = w->lane_next++ % SF_WHEEL_LANES;

	t->slot = (uint16_t)id;
	t->lane = (uint8_t)k;
	list_append(&w->slots[0][0][0] + (id * SF_WHEEL_LANES + k), t);
	(*slot_count(w, id))++;
	w->occupied[id / SF_WHEEL_SLOTS] |= UINT64_C(1) << (id % SF_WHEEL_SLOTS);
}

/* Put unlinked @t, deadline @expires (at most SF_TIMER_MAX_DELTA ahead), where the rule says. */
static void place(struct sf_wheel *w, struct sf_timer *t, uint64_t expires)
{
	t->expires = (uint32_t)expires;
	if (expires <= w->now) {
		t->slot = SF_TIMER_SLOT_DUE;
		lanes_append(w, w->due, t);
		w->due_count++;
		return;
	}
	slot_append(w, t, slot_of(w->now, expires));
}

void sf_wheel_init(struct sf_wheel *w, uint64_t now)
{
	w->now = now;
	w->pending = 0;
	w->due_count = 0;
	w->lane_next = 0;
	for (unsigned int l = 0; l < SF_WHEEL_LEVELS; l++) {
		w->occupied[l] = 0;
		for (unsigned int s = 0; s < SF_WHEEL_SLOTS; s++) {
			w->slot_count[l][s] = 0;
			for (unsigned int k = 0; k < SF_WHEEL_LANES; k++)
				list_init(&w->slots[l][s][k]);
		}
	}
	for (unsigned int k = 0; k < SF_WHEEL_LANES; k++) {
		list_init(&w->due[k]);
		w->due[k].slot = SF_TIMER_SLOT_DUE;
	}
	w->stats = (struct sf_wheel_stats){0};
}

/* Take @t off its list and clear its slot's bit if it was the last one. The slot's count says
 * so without looking at the other lanes (a re-arm to an earlier slot does this). */
static inline void detach(struct sf_wheel *w, struct sf_timer *t)
{
	unsigned int id = t->slot;

	list_unlink(t);
	if (id == SF_TIMER_SLOT_DUE)
		w->due_count--;
	else if (--(*slot_count(w, id)) == 0)
		w->occupied[id / SF_WHEEL_SLOTS] &= ~(UINT64_C(1) << (id % SF_WHEEL_SLOTS));
}

/* Linked @t is being armed: if it was parked, it counts as armed again. */
static inline void unpark(struct sf_wheel *w, struct sf_timer *t)
{
	if (t->parked) {
		t->parked = 0;
		w->pending++;
	}
}

/* Arm or re-arm when the deadline is not in (now, now + SF_TIMER_MAX_DELTA]: already due, or
 * clamped. Out of line: the common arm stays short. */
static __attribute__((noinline)) void arm_rare(struct sf_wheel *w, struct sf_timer *t, uint64_t expires)
{
	if (t->next != NULL) {
		unpark(w, t);
		detach(w, t);
	} else {
		w->pending++;
	}
	if (expires > w->now)
		expires = w->now + SF_TIMER_MAX_DELTA;
	place(w, t, expires);
}

void sf_timer_arm(struct sf_wheel *w, struct sf_timer *t, uint64_t expires)
{
	uint64_t now = w->now;
	unsigned int id;

	w->stats.armed++;
	/* One unsigned compare: at or before now wraps around to a huge distance. */
	if (__builtin_expect(expires - now - 1 >= SF_TIMER_MAX_DELTA, 0)) {
		arm_rare(w, t, expires);
		return;
	}
	if (t->next != NULL) {
		unpark(w, t);
		/*
		 * Lazy re-arm: pushed later (2MSL after an RTO, an RTO restarted by an ACK), the timer
		 * stays where it is. Its slot is passed at or before the old deadline, so before the new
		 * one, and is then placed again by its new deadline (cascade() and drain() look). Both
		 * deadlines lie within 2^31 ticks of now: 32 bits compare them. Not on the due list,
		 * which is handed back without a look.
		 */
		if ((int32_t)((uint32_t)expires - t->expires) >= 0 && t->slot != SF_TIMER_SLOT_DUE) {
			t->expires = (uint32_t)expires;
			return;
		}
		id = slot_of(now, expires);
		t->expires = (uint32_t)expires;
		/* Earlier, but its slot is passed no later than the new deadline's: the same slot, or
		 * (below the top level, where slots are passed in the order of their ids) one before.
		 * A parked TCB timer armed for its TCB's next connection mostly stops here. */
		if (t->slot == id || (t->slot < id && t->slot < TOP * SF_WHEEL_SLOTS))
			return;
		detach(w, t);
	} else {
		id = slot_of(now, expires);
		t->expires = (uint32_t)expires;
		w->pending++;
	}
	slot_append(w, t, id);
}

void sf_timer_cancel(struct sf_wheel *w, struct sf_timer *t)
{
	if (t->next == NULL)
		return;
	detach(w, t);
	t->next = t->prev = NULL;
	if (t->parked) {
		t->parked = 0; /* stopped already, and counted */
		return;
	}
	w->pending--;
	w->stats.cancelled++;
}

void sf_timer_cancel_lazy(struct sf_wheel *w, struct sf_timer *t)
{
	if (t->next == NULL || t->parked)
		return;
	t->parked = 1;
	w->pending--;
	w->stats.cancelled++;
}

/* Parked @t, just taken off its list, leaves the wheel. */
static inline void drop_parked(struct sf_timer *t)
{
	t->next = t->prev = NULL;
	t->parked = 0;
}

/* Hand back the timers of @lanes (one slot's lists, or the due lists; @count their number) due
 * by tick @tick, one from each lane in turn, until the lanes are empty or @out is full: the
 * lanes' next nodes are fetched side by side. A timer lazily re-armed to a deadline past @tick is
 * placed again instead (later in this block or a higher level: never into these lanes). */
static unsigned int drain(struct sf_wheel *w, struct sf_timer *lanes, uint32_t *count, uint64_t tick,
			  struct sf_timer **out, unsigned int n, unsigned int budget)
{
	bool more = true;

	while (more && n < budget) {
		more = false;
		for (unsigned int k = 0; k < SF_WHEEL_LANES && n < budget; k++) {
			struct sf_timer *t = lanes[k].next;
			uint64_t e;

			if (t == &lanes[k])
				continue;
			list_unlink(t);
			(*count)--;
			more = true;
			if (t->parked) {
				drop_parked(t);
				continue;
			}
			/* w->now is before @tick, in the same 64-tick block: placing against it is placing
			 * against @tick, and the deadline is within 2^31 ticks of it. */
			e = full_expiry(w, t->expires);
			if (__builtin_expect(e > tick, 0)) {
				place(w, t, e);
				w->stats.cascaded++;
				continue;
			}
			t->next = t->prev = NULL;
			out[n++] = t;
		}
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
			struct sf_timer *lanes = w->slots[l][s];
			struct sf_timer moving[SF_WHEEL_LANES];
			bool more = true;

			passed &= passed - 1;
			w->occupied[l] &= ~(UINT64_C(1) << s);
			w->slot_count[l][s] = 0;
			/* Move the lists aside first: a far top-level timer may land in this very slot
			 * again, and must not be seen twice. */
			for (unsigned int k = 0; k < SF_WHEEL_LANES; k++) {
				if (list_empty(&lanes[k])) {
					list_init(&moving[k]);
					continue;
				}
				moving[k].next = lanes[k].next;
				moving[k].prev = lanes[k].prev;
				moving[k].next->prev = &moving[k];
				moving[k].prev->next = &moving[k];
				list_init(&lanes[k]);
			}
			while (more) {
				more = false;
				for (unsigned int k = 0; k < SF_WHEEL_LANES; k++) {
					struct sf_timer *t = moving[k].next;
					uint64_t e;

					if (t == &moving[k])
						continue;
					/* w->now is already c: the deadline is still within 2^31 ticks
					 * of it, so the node's 32 bits resolve against c as well. */
					e = full_expiry(w, t->expires);
					list_unlink(t);
					more = true;
					if (t->parked) {
						drop_parked(t);
						continue;
					}
					place(w, t, e);
					w->stats.cascaded++;
				}
			}
		}
	}
}

unsigned int sf_wheel_expire(struct sf_wheel *w, uint64_t now, struct sf_timer **out, unsigned int budget)
{
	unsigned int n = 0;

	for (;;) {
		uint64_t stop, occ, c;

		if (w->due_count != 0)
			n = drain(w, w->due, &w->due_count, w->now, out, n, budget);
		if (n == budget || w->now >= now)
			break;
		/* Level 0: the ticks left in the current 64-tick block, up to `now`. */
		stop = now < (w->now | LEVEL_MASK) ? now : (w->now | LEVEL_MASK);
		occ = w->occupied[0] & bits_between(digit(w->now, 0) + 1, digit(stop, 0));
		while (occ != 0) {
			unsigned int s = (unsigned int)__builtin_ctzll(occ);
			uint64_t tick = (w->now & ~(uint64_t)LEVEL_MASK) | s;

			n = drain(w, w->slots[0][s], &w->slot_count[0][s], tick, out, n, budget);
			/* Lazily re-armed timers may have moved to later slots of this block. */
			occ = w->occupied[0] & bits_between(s + 1, digit(stop, 0));
			if (w->slot_count[0][s] != 0) {
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
		/* The next tick starts a new block: jump to the next one that passes a slot. Found
		 * from the bitmaps here, once a block, rather than kept up to date on every arm. */
		c = next_cascade_tick(w);
		if (c > now) {
			w->now = now; /* nothing of level >= 1 is reached before `now` */
			break;
		}
		w->now = c;
		cascade(w, c);
	}
out:
	w->pending -= n;
	w->stats.expired += n;
	return n;
}

uint64_t sf_wheel_next_expiry(const struct sf_wheel *w)
{
	uint64_t occ0;

	if (w->due_count != 0)
		return w->now;
	occ0 = w->occupied[0];
	if (occ0 != 0)
		return (w->now & ~(uint64_t)LEVEL_MASK) | (unsigned int)__builtin_ctzll(occ0);
	return next_cascade_tick(w);
}

uint64_t sf_timer_expires(const struct sf_wheel *w, const struct sf_timer *t)
{
	return full_expiry(w, t->expires);
}

/* Check one list of slot @id; adds its timers to @count, the parked ones also to @parked. */
static int check_list(const struct sf_wheel *w, const struct sf_timer *head, unsigned int id, unsigned int k,
		      uint64_t *count, uint64_t *parked)
{
	for (const struct sf_timer *t = head->next; t != head; t = t->next) {
		uint64_t e = full_expiry(w, t->expires), pass;
		unsigned int l = id / SF_WHEEL_SLOTS;

		if (t->next->prev != t || t->slot != id || t->lane != k || t->parked > 1)
			return -2; /* broken links, or not the slot and lane it names */
		(*count)++;
		*parked += t->parked;
		if (id == SF_TIMER_SLOT_DUE) {
			if (e > w->now)
				return -3; /* on the due list before its time */
			continue;
		}
		if (e <= w->now)
			return -7; /* due but still in a slot */
		if (e - w->now > SF_TIMER_MAX_DELTA)
			return -8;
		/* Where the placement rule puts it, or (lazily re-armed) in a slot passed sooner. */
		pass = l == 0 ? (w->now & ~(uint64_t)LEVEL_MASK) | (id % SF_WHEEL_SLOTS)
			      : pass_tick(w, l, id % SF_WHEEL_SLOTS);
		if (pass <= w->now)
			return -9; /* in a slot already passed: it would never be looked at */
		if (pass > e)
			return -10; /* its slot is passed after its deadline: it would fire late */
	}
	return 0;
}

int sf_wheel_check(const struct sf_wheel *w)
{
	uint64_t count = 0, parked = 0;
	int rc;

	for (unsigned int k = 0; k < SF_WHEEL_LANES; k++) {
		if (w->due[k].slot != SF_TIMER_SLOT_DUE)
			return -1;
		rc = check_list(w, &w->due[k], SF_TIMER_SLOT_DUE, k, &count, &parked);
		if (rc != 0)
			return rc;
	}
	if (count != w->due_count)
		return -12;
	for (unsigned int l = 0; l < SF_WHEEL_LEVELS; l++) {
		for (unsigned int s = 0; s < SF_WHEEL_SLOTS; s++) {
			bool bit = (w->occupied[l] >> s) & 1u;
			uint64_t before = count;

			if (bit == lanes_empty(w->slots[l][s]))
				return -4; /* bitmap and lists disagree */
			for (unsigned int k = 0; k < SF_WHEEL_LANES; k++) {
				rc = check_list(w, &w->slots[l][s][k], l * SF_WHEEL_SLOTS + s, k, &count,
						&parked);
				if (rc != 0)
					return rc;
			}
			if (count - before != w->slot_count[l][s])
				return -13; /* the slot's count and its lists disagree */
		}
	}
	if (count - parked != w->pending)
		return -11;
	return 0;
}

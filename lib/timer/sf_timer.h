/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TIMER_H
#define SF_TIMER_H

/**
 * @file
 * lib/timer: hierarchical timing wheels with intrusive nodes, one wheel per lcore.
 *
 * The wheel counts in ticks and never reads a clock: the caller passes the current tick
 * (1 ms by default, SF_TIMER_TICK_NS_DEFAULT; any other unit works the same way). Four
 * levels of 64 slots cover 2^24 ticks (4.6 hours at 1 ms) directly; deadlines up to
 * SF_TIMER_MAX_DELTA ticks ahead (24.8 days at 1 ms) wait in the top level and are looked at
 * again once per top-level turn. Each level keeps a 64-bit occupancy bitmap, so an idle
 * wheel, or the empty stretches of a busy one, cost nothing per tick.
 *
 * Arm, re-arm and cancel are O(1). A timer is redistributed to a lower level at most three
 * times before it fires, and sf_wheel_expire() hands back at most @c budget timers per call,
 * carrying the rest over to the next call. The node has no callback: the owner maps it back
 * to its object with container_of().
 *
 * Nothing here allocates or locks: a wheel belongs to one lcore.
 */

#include <stdbool.h>
#include <stdint.h>

/** Default tick length: 1 ms. The wheel itself only counts ticks; the caller converts. */
#define SF_TIMER_TICK_NS_DEFAULT 1000000u
/** Bits of the tick that one level resolves. */
#define SF_WHEEL_BITS 6
/** Slots per level. */
#define SF_WHEEL_SLOTS (1u << SF_WHEEL_BITS)
/** Levels per wheel: 4 x 6 bits = 2^24 ticks before a deadline waits a turn in the top level. */
#define SF_WHEEL_LEVELS 4
/**
 * Lists per slot. Timers of one slot are dealt round-robin over this many lists, so expiry and
 * cascades walk as many independent pointer chains at once: one chain would wait for a cache
 * miss per timer, these overlap them.
 */
#define SF_WHEEL_LANES 8
/** Farthest deadline, in ticks from the wheel's time; later ones are clamped to it. */
#define SF_TIMER_MAX_DELTA ((uint64_t)INT32_MAX)

/**
 * An intrusive timer node, embedded in the object it times (a TCB). lib/tcp embeds it
 * by type only; lib/timer owns its fields. It must stay at most 24 bytes (TCB budget).
 * Initialise it with sf_timer_init() (or zero it) before first use.
 */
struct sf_timer {
	struct sf_timer *next, *prev; /**< links in a wheel slot; next == NULL when unarmed */
	uint32_t expires;             /**< low 32 bits of the tick at which it fires */
	uint16_t slot;                /**< level * 64 + slot, or SF_TIMER_SLOT_DUE */
	uint8_t lane;                 /**< which of the slot's SF_WHEEL_LANES lists */
	uint8_t parked;               /**< cancelled lazily: still linked, no longer armed */
};

/** Slot id of a timer waiting on the due list (its tick has passed, not yet handed back). */
#define SF_TIMER_SLOT_DUE 0xffffu

/** Counters for the engine's stats display. */
struct sf_wheel_stats {
	uint64_t armed;     /**< sf_timer_arm() calls */
	uint64_t cancelled; /**< sf_timer_cancel() and sf_timer_cancel_lazy() calls that stopped an
				 armed timer */
	uint64_t expired;   /**< timers handed back by sf_wheel_expire() */
	uint64_t cascaded;  /**< timers placed again when their slot was passed: down a level, or on
				 to the later deadline of a lazy re-arm */
};

/**
 * One wheel. Embed it in the per-lcore state (about 50 KB) and sf_wheel_init() it;
 * the fields are private to lib/timer except stats.
 */
struct sf_wheel {
	uint64_t now;          /**< wheel time: every timer due at or before it is on the due lists */
	uint64_t occupied[SF_WHEEL_LEVELS]; /**< bit s set iff slot s of the level is non-empty */
	uint64_t pending;      /**< timers armed and not yet handed back (parked ones not counted) */
	uint32_t due_count;    /**< timers on the due lists */
	uint32_t lane_next;    /**< round-robin lane for the next arm */
	struct sf_timer due[SF_WHEEL_LANES]; /**< heads of the due lists */
	struct sf_timer slots[SF_WHEEL_LEVELS][SF_WHEEL_SLOTS][SF_WHEEL_LANES]; /**< list heads */
	uint32_t slot_count[SF_WHEEL_LEVELS][SF_WHEEL_SLOTS]; /**< timers in each slot, all lanes */
	struct sf_wheel_stats stats;
};

/**
 * Initialise an empty wheel whose time is @p now (ticks).
 */
void sf_wheel_init(struct sf_wheel *w, uint64_t now);

/** Mark a timer node unarmed; needed once before its first sf_timer_arm(). */
static inline void sf_timer_init(struct sf_timer *t)
{
	t->next = t->prev = (struct sf_timer *)0;
	t->expires = 0;
	t->slot = 0;
	t->lane = 0;
	t->parked = 0;
}

/** True when @p t is armed (in a slot or on the due list, and not cancelled lazily). */
static inline bool sf_timer_armed(const struct sf_timer *t)
{
	return t->next != (struct sf_timer *)0 && !t->parked;
}

/**
 * Arm @p t to fire at tick @p expires, or move it there if it is already armed (re-arm).
 * A deadline at or before the wheel's time fires on the next sf_wheel_expire() call;
 * one more than SF_TIMER_MAX_DELTA ticks ahead is clamped to that distance. O(1).
 * A re-arm to a later deadline only records it (lazy re-arm, as Linux does for its
 * retransmission timer), and so does one whose slot is passed no later than where it lies: the
 * node moves when its old slot is reached, and fires at the new deadline all the same.
 */
void sf_timer_arm(struct sf_wheel *w, struct sf_timer *t, uint64_t expires);

/**
 * Stop @p t; a no-op when it is not armed. O(1). Afterwards the node is unlinked: its memory may
 * be reused for anything. (A node cancelled lazily is unlinked now, not counted twice.)
 */
void sf_timer_cancel(struct sf_wheel *w, struct sf_timer *t);

/**
 * Stop @p t (a no-op when it is not armed), but leave it linked where it lies ("parked"): the
 * wheel drops it when its slot is reached, and arming it again first is then usually a lazy
 * re-arm that moves nothing. sf_timer_armed() is false at once, and it never fires. For a node
 * that stays a timer node, re-armed soon: a TCB's timer, whose TCB goes back to a pool and
 * comes out for the next connection. Until sf_timer_cancel() or the wheel unlinks it, the node
 * must not be zeroed, freed or re-initialised. O(1).
 */
void sf_timer_cancel_lazy(struct sf_wheel *w, struct sf_timer *t);

/**
 * Advance the wheel to tick @p now and hand back up to @p budget expired timers in @p out,
 * unarmed, in expiry order (timers armed already overdue come first; timers of one tick in no
 * particular order). When more timers are
 * due than @p budget, the wheel stops early and the next call carries on where this one
 * stopped, so no call does unbounded work. @p now earlier than the wheel's time is ignored.
 * @return the number of timers written to @p out.
 */
unsigned int sf_wheel_expire(struct sf_wheel *w, uint64_t now, struct sf_timer **out, unsigned int budget);

/**
 * A tick before which no timer expires: the wheel's time when a timer is already due,
 * UINT64_MAX when the wheel is empty. Exact for deadlines within the current 64-tick block
 * (unless lazily re-armed later, or parked), a lower bound otherwise (the engine may sleep until
 * then).
 */
uint64_t sf_wheel_next_expiry(const struct sf_wheel *w);

/**
 * The full tick at which an armed @p t fires (the node keeps only 32 bits of it).
 */
uint64_t sf_timer_expires(const struct sf_wheel *w, const struct sf_timer *t);

/**
 * Verify the wheel's invariants: list links, bitmaps, slot counts, every timer in a slot still
 * ahead of the wheel's time and passed no later than its deadline (the one the placement rule
 * gives, or a sooner one after a lazy re-arm), and the pending count (parked timers left out).
 * O(timers + slots), for tests. @return 0 when consistent, otherwise a negative number naming the broken rule.
 */
int sf_wheel_check(const struct sf_wheel *w);

#endif /* SF_TIMER_H */

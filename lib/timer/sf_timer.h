/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TIMER_H
#define SF_TIMER_H

#include <stdint.h>

/**
 * An intrusive timer node, embedded in the object it times (a TCB). lib/tcp embeds it
 * by type only; lib/timer owns its fields. It must stay at most 24 bytes (TCB budget).
 */
struct sf_timer {
	struct sf_timer *next, *prev; /**< links in a wheel slot; next == NULL when unarmed */
	uint32_t expires;             /**< tick at which it fires */
	uint32_t reserved;            /**< lib/timer's own use (slot index, flags) */
};

#endif /* SF_TIMER_H */

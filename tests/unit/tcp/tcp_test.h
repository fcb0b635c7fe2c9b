/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TCP_TEST_H
#define SF_TCP_TEST_H

/*
 * Test harness for lib/tcp in the smoltcp style: a fixture per state, segment templates
 * overridden per test (SEG, OUT), and helpers that send a segment, assert exactly the expected
 * reply and then silence. The fixture plays a tiny engine: it dispatches a segment to the TCB,
 * the compact TIME-WAIT entry, the listener or "no connection" like lib/engine will, keeps a
 * fake clock and fires the one timer the machine asked for.
 *
 * Sequence numbers sit near the 2^32 wrap: the peer's ISN is REMOTE_SEQ = 0xfffffff0, ours is
 * LOCAL_SEQ = 0xfffff000 (the fixture picks the start time that makes the RFC 6528 hash give
 * exactly that), so requests and responses both cross zero.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sf_tcp.h"

#define LOCAL_SEQ  0xfffff000u /* our ISS */
#define REMOTE_SEQ 0xfffffff0u /* the peer's ISN */
#define REMOTE_WND 65535       /* the peer's raw window field */
#define LOCAL_WND  65535       /* our window field without window scaling (test config) */
#define LOCAL_MSS  1460
#define MSL_MS     1000
#define RTO_MS     1000

/* short names for flags, as the RFC writes them */
#define FIN SF_TCP_FIN
#define SYN SF_TCP_SYN
#define RST SF_TCP_RST
#define PSH SF_TCP_PSH
#define ACK SF_TCP_ACK

/** An incoming segment: a template whose fields the test overrides. */
#define SEG(...) ((struct sf_tcp_seg){ .wnd = REMOTE_WND, __VA_ARGS__ })
/**
 * An outgoing segment as the tests see it: struct sf_tcp_out_seg's fields in one flat struct
 * (its header is lib/net's struct sf_tcp_wr), so expectations name them directly.
 */
struct sent_seg {
	uint32_t seq, ack;
	uint32_t data_off;
	uint16_t data_len; /**< wr.payload_len */
	uint16_t wnd;
	uint16_t mss;
	uint8_t flags;
	uint8_t opts;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
};
/** An expected outgoing segment: a template whose fields the test overrides. */
#define OUT(...) ((struct sent_seg){ .wnd = LOCAL_WND, __VA_ARGS__ })

/** Fixture: one connection seen from our side, plus the mini-engine around it. */
struct fixture {
	struct sf_tcp_ctx ctx;
	struct sf_tcb tcb;
	struct sf_flow_key key;
	uint64_t now;          /**< fake clock, microseconds */
	uint64_t t0;           /**< start time (ISS = LOCAL_SEQ at t0) */
	uint32_t ts_off;       /**< our timestamp offset for key */
	/* mini-engine */
	bool tcb_live;         /**< tcb holds a connection (in the "table") */
	bool tw_live;          /**< a compact TIME-WAIT entry holds it */
	bool listening;        /**< the port has a listener */
	bool pool_empty;       /**< the listener gets no TCB (cookies) */
	bool export_tw;        /**< convert TIME-WAIT TCBs to the compact form */
	struct sf_tw_state tw;
	/* the fake timer (of the TCB or of the compact entry) */
	bool timer_armed;
	uint64_t timer_at;
	/* what the machine sent, oldest first, not yet checked by the test */
	struct sent_seg q[256];
	unsigned int qhead, qtail;
	uint16_t events;       /**< events of all rounds since the last f_events() */
	struct sf_tcp_out out; /**< the last round */
	uint32_t delivered;    /**< in-order payload bytes reported by EV_DATA */
	uint16_t last_rx_skip, last_rx_len;
	int verdict;           /**< last listen/tw verdict */
};

/** Test configuration: MSS only, no scaling, window 65535, MSL 1 s, RTO 1 s, delack off. */
void f_config(struct sf_tcp_config *cfg);

/** A fresh fixture (no connection) with @p cfg (NULL: f_config()). */
struct fixture *f_new(const struct sf_tcp_config *cfg);
/** Re-initialise the context with a changed configuration (keeps the fixed secrets). */
void f_reconfig(struct fixture *f, const struct sf_tcp_config *cfg);

/* ---- driving ---- */

/** Dispatch @p seg like the engine: TCB, compact TIME-WAIT, listener or no connection. Input only. */
void f_input(struct fixture *f, struct sf_tcp_seg seg);
/** The output half of a round (only when the TCB is live). */
void f_output(struct fixture *f);
/** f_input + f_output: one whole round with no application in between. */
void f_send(struct fixture *f, struct sf_tcp_seg seg);
/** Active open at the current time. */
void f_connect(struct fixture *f);
/** Application: queue @p n bytes (asserts success). */
void f_app_send(struct fixture *f, uint32_t n);
/** Application: close (asserts the return value). */
void f_app_close(struct fixture *f, int expect_rc);
/** Move the clock by @p ms, firing the timer (repeatedly) when it comes due. */
void f_advance(struct fixture *f, uint64_t ms);
/** Move the clock to just before/at the armed timer's expiry. */
uint64_t f_timer_in_ms(const struct fixture *f);

/* ---- checking ---- */

/** Pop the oldest sent segment and compare every field with @p want. */
void f_expect_seg_at(struct fixture *f, struct sent_seg want, const char *file, int line);
#define expect_seg(f, want) f_expect_seg_at((f), (want), __FILE__, __LINE__)
/** Nothing (more) was sent. */
void f_expect_nothing_at(struct fixture *f, const char *file, int line);
#define expect_nothing(f) f_expect_nothing_at((f), __FILE__, __LINE__)
/** Send @p in and expect exactly @p want back, then nothing. */
#define expect_reply(f, in, want) do { f_send((f), (in)); expect_seg((f), (want)); expect_nothing(f); } while (0)
/** Send @p in and expect nothing back. */
#define expect_no_reply(f, in) do { f_send((f), (in)); expect_nothing(f); } while (0)
/** Let @p ms pass and expect nothing sent. */
#define expect_silence(f, ms) do { f_advance((f), (ms)); expect_nothing(f); } while (0)
/** Events since the last call (and clear them). */
uint16_t f_events(struct fixture *f);
/** The connection's state, whichever form holds it (CLOSED when none). */
enum sf_tcp_state f_state(const struct fixture *f);
/** Number of segments waiting to be checked. */
unsigned int f_pending(const struct fixture *f);
/** Drop every segment waiting to be checked. */
void f_flush(struct fixture *f);

/** Our TSval at the current time. */
static inline uint32_t f_tsval(const struct fixture *f)
{
	return (uint32_t)(f->now / 1000) + f->ts_off;
}

/* ---- fixtures per state (cmocka setup functions; teardown: f_teardown) ---- */

int f_setup_closed(void **state);       /**< no listener, no connection */
int f_setup_listen(void **state);       /**< a listener, no connection */
int f_setup_syn_sent(void **state);     /**< we connected; our SYN is checked */
int f_setup_syn_received(void **state); /**< the peer's SYN came; our SYN-ACK is checked */
int f_setup_established(void **state);  /**< passive open complete, no data yet */
int f_setup_fin_wait_1(void **state);   /**< established, we closed; our FIN is checked */
int f_setup_fin_wait_2(void **state);   /**< our FIN acknowledged */
int f_setup_close_wait(void **state);   /**< the peer's FIN came and was ACKed */
int f_setup_last_ack(void **state);     /**< close-wait, we closed; our FIN is checked */
int f_setup_closing(void **state);      /**< both FINs crossed; our ACK is checked */
int f_setup_time_wait(void **state);    /**< fin-wait-2 then the peer's FIN; ACK checked (TCB) */
int f_setup_time_wait_compact(void **state); /**< the same, exported to the compact form */
int f_teardown(void **state);

/** Drive a fixture through the passive handshake (SYN, SYN-ACK, ACK). @p syn may add options. */
void f_handshake_passive(struct fixture *f, struct sf_tcp_seg syn);

#endif /* SF_TCP_TEST_H */

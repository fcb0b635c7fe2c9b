/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TCP_H
#define SF_TCP_H

/**
 * @file
 * lib/tcp: the RFC 9293 connection state machine, pure.
 *
 * Inputs are a TCB, a parsed segment (lib/net's struct sf_tcp_seg), the 4-tuple and the time in
 * microseconds; outputs are a compact descriptor (struct sf_tcp_out) of the segments to send, the
 * one timer to arm or cancel, and events for the engine. No I/O, no clock reads, no allocation,
 * no EAL.
 *
 * A round, as the engine drives it:
 * @code
 *	sf_tcp_input(ctx, tcb, key, seg, now, &out);    // or listen_input, timeout, connect
 *	if (out.events & SF_TCP_EV_DATA)                 // payload + out.rx_skip, out.rx_len bytes
 *		sf_tcp_send(tcb, response_len);          // then maybe sf_tcp_close(ctx, tcb, &out)
 *	sf_tcp_output(ctx, tcb, now, &out);              // data/FIN carrying the owed ACK, or a pure ACK
 *	transmit out.seg[0 .. out.nseg); apply out.timer; act on out.events
 * @endcode
 * "Round" entry points (input, listen_input, timeout, connect, closed_input, tw_input) start by
 * clearing @c out; sf_tcp_send/close/abort and sf_tcp_output append to it.
 *
 * Sequence space of what we send: ISS is our SYN, then the application's stream (offset 0 is
 * ISS + 1), then our FIN. The TCB tracks offsets only; the engine attaches the bytes
 * [data_off, data_off + wr.payload_len) of the connection's response by reference.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sf_conn.h"
#include "sf_net.h"
#include "sf_tcp_secret.h"
#include "sf_timer.h"

/* ---- sequence arithmetic (RFC 9293 3.4: modulo 2^32) ---- */

/** a < b in sequence space. */
static inline bool sf_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
/** a <= b in sequence space. */
static inline bool sf_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
/** a > b in sequence space. */
static inline bool sf_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
/** a >= b in sequence space. */
static inline bool sf_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* ---- states ---- */

/** The eleven connection states of RFC 9293 3.3.2. */
#define SF_TCP_STATES(X)                         \
	X(CLOSED, "closed")                      \
	X(LISTEN, "listen")                      \
	X(SYN_SENT, "syn_sent")                  \
	X(SYN_RECEIVED, "syn_received")          \
	X(ESTABLISHED, "established")            \
	X(FIN_WAIT_1, "fin_wait_1")              \
	X(FIN_WAIT_2, "fin_wait_2")              \
	X(CLOSE_WAIT, "close_wait")              \
	X(CLOSING, "closing")                    \
	X(LAST_ACK, "last_ack")                  \
	X(TIME_WAIT, "time_wait")

enum sf_tcp_state {
#define SF_TCP_STATE_ENUM(name, str) SF_TCP_##name,
	SF_TCP_STATES(SF_TCP_STATE_ENUM)
#undef SF_TCP_STATE_ENUM
	SF_TCP__STATE_COUNT
};

/** Bit of a state, so "state is one of" is one AND: (SF_TCPF(a) | SF_TCPF(b)) & SF_TCPF(s). */
#define SF_TCPF(s) (1u << (s))

/** Short lowercase name of a state ("syn_received"), for stats and logs. */
const char *sf_tcp_state_name(enum sf_tcp_state s);

/* ---- the TCB ---- */

/** What the TCB's one timer is currently armed for (sf_tcb.timer_kind). */
enum sf_tcp_timer_kind {
	SF_TCP_TK_NONE = 0,
	SF_TCP_TK_RTO,        /**< retransmission of SYN, SYN-ACK, data or FIN */
	SF_TCP_TK_PERSIST,    /**< zero-window probe / sender SWS override */
	SF_TCP_TK_DELACK,     /**< delayed ACK */
	SF_TCP_TK_FIN_WAIT_2, /**< bound on an orphaned FIN-WAIT-2 */
	SF_TCP_TK_TIME_WAIT,  /**< 2MSL */
};

/** sf_tcb.flags */
#define SF_TCB_TS_OK       0x01 /**< timestamps negotiated (RFC 7323 3.2) */
#define SF_TCB_WS_OK       0x02 /**< window scaling negotiated (RFC 7323 2.2) */
#define SF_TCB_SACK_OK     0x04 /**< SACK-permitted exchanged (RFC 2018) */
#define SF_TCB_ACK_NOW     0x08 /**< an ACK is owed and must go in this round */
#define SF_TCB_ACK_DELAYED 0x10 /**< an ACK is owed and may wait for the delayed-ACK timer */
#define SF_TCB_FIN_QUEUED  0x20 /**< the application closed: FIN follows the stream at snd_end */
#define SF_TCB_RTT_TIMING  0x40 /**< rtt_seq/rtt_start time one segment (Karn, RFC 6298 3) */
#define SF_TCB_PASSIVE     0x80 /**< opened by a listener (we sent the SYN-ACK) */

/**
 * A connection's transmission control block: 128 bytes, two cache lines. The first line holds
 * everything a handshake reads and writes (SYN in, SYN-ACK out, final ACK in); the second the
 * congestion and RTT estimators, the timer node and the engine's own word. The 4-tuple lives in
 * the connection table, not here. Host order; sequence numbers are absolute.
 */
struct sf_tcb {
	/* line 0: handshake */
	uint8_t state;       /**< enum sf_tcp_state: change it only through lib/tcp */
	uint8_t flags;       /**< SF_TCB_* */
	uint8_t timer_kind;  /**< enum sf_tcp_timer_kind armed now (NONE: the timer is idle) */
	uint8_t retries;     /**< consecutive timeouts without progress */
	uint8_t snd_wscale;  /**< peer's shift: its window fields are << this (0 without WS) */
	uint8_t rcv_wscale;  /**< our shift: our window fields are >> this (0 without WS) */
	uint16_t snd_mss;    /**< payload bytes per segment we send (peer MSS less options) */
	uint32_t iss;        /**< our initial sequence number (stream offset 0 is iss + 1) */
	uint32_t snd_una;    /**< oldest unacknowledged */
	uint32_t snd_nxt;    /**< next to send (rewinds to snd_una on RTO: go-back-N) */
	uint32_t snd_max;    /**< highest sequence number sent + 1 */
	uint32_t snd_end;    /**< end of the queued stream (iss + 1 + bytes queued) */
	uint32_t rcv_nxt;    /**< next expected from the peer */
	uint32_t snd_wnd;    /**< peer's window in bytes (scaled) */
	uint32_t snd_wl1;    /**< segment sequence number of the last window update */
	uint32_t snd_wl2;    /**< segment acknowledgment number of the last window update */
	uint32_t ts_recent;  /**< peer's TSval to echo (RFC 7323 4.3) */
	uint32_t ts_offset;  /**< our TSval = now_ms + ts_offset (RFC 7323 5.4) */
	uint32_t rto_ms;     /**< current retransmission timeout, backoff included */
	uint32_t rtt_seq;    /**< sequence number whose acknowledgment ends the RTT sample */
	uint32_t rtt_start;  /**< ms when the timed segment was sent */
	/* line 1: estimators, timer, engine */
	uint32_t srtt8;      /**< smoothed RTT in ms << 3 (0: no sample yet) */
	uint32_t rttvar4;    /**< RTT variance in ms << 2 */
	uint32_t cwnd;       /**< congestion window, bytes (RFC 5681) */
	uint32_t ssthresh;   /**< slow-start threshold, bytes */
	uint32_t cwnd_acc;   /**< bytes acked towards the next congestion-avoidance increase */
	uint32_t max_snd_wnd; /**< largest window the peer offered (RFC 5961 5.2, SWS avoidance) */
	struct sf_timer timer; /**< owned by lib/timer; lib/tcp never touches it */
	uint64_t user[2];    /**< the engine's 16 bytes: lib/tcp never reads nor writes them */
};

/* ---- configuration, context, statistics ---- */

/** When a listener answers a SYN with a SYN cookie (RFC 4987 3.6) instead of a TCB. */
enum sf_tcp_cookie_mode {
	SF_TCP_COOKIE_NEVER = 0,  /**< no TCB: drop the SYN */
	SF_TCP_COOKIE_WHEN_FULL,  /**< only when the caller has no TCB to give */
	SF_TCP_COOKIE_ALWAYS,     /**< every SYN: the TCB is made from the cookie's ACK */
};

/** Per-lcore configuration; sf_tcp_config_default() gives sane values. */
struct sf_tcp_config {
	uint32_t msl_ms;          /**< maximum segment lifetime: TIME-WAIT lasts 2 * msl_ms */
	uint32_t rto_initial_ms;  /**< RFC 6298 2.1: 1000 */
	uint32_t rto_min_ms;      /**< RFC 6298 2.4: 1000 (Linux uses 200) */
	uint32_t rto_max_ms;      /**< RFC 6298 2.5: at least 60000 */
	uint32_t delack_ms;       /**< delayed-ACK delay, < 500 (RFC 9293 3.8.6.3) */
	uint32_t fin_wait_2_ms;   /**< give up a FIN-WAIT-2 the peer never ends; 0: wait forever */
	uint32_t rcv_wnd;         /**< our receive window in bytes (constant: data is consumed) */
	uint32_t challenge_ack_limit; /**< challenge ACKs per second per lcore (RFC 5961 7) */
	uint16_t mss;             /**< the MSS we advertise and the most we send */
	uint8_t rcv_wscale;       /**< our window shift when the peer does window scaling, <= 14 */
	uint8_t offer;            /**< options we offer and accept: SF_OPT_MSS|WSCALE|SACK_PERM|TS */
	uint8_t syn_retries;      /**< SYN retransmissions before giving up */
	uint8_t synack_retries;   /**< SYN-ACK retransmissions before giving up */
	uint8_t max_retries;      /**< data/FIN retransmissions (and unanswered probes) */
	uint8_t init_cwnd_segs;   /**< initial window in segments (RFC 6928: 10) */
	uint8_t delack;           /**< 1: delay ACKs of in-order data (RFC 9293 3.8.6.3) */
	uint8_t cookie_mode;      /**< enum sf_tcp_cookie_mode */
};

/** Why we sent a RST. */
#define SF_TCP_RST_TX_REASONS(X)                                                        \
	X(NO_CONN, "no_conn")       /* segment for no connection (RFC 9293 3.10.7.1) */ \
	X(LISTEN_ACK, "listen_ack") /* ACK to a listener, no valid cookie (3.10.7.2) */ \
	X(BAD_ACK, "bad_ack")       /* unacceptable ACK in SYN-SENT/SYN-RECEIVED */     \
	X(GIVE_UP, "give_up")       /* retransmissions exhausted */                      \
	X(ABORT, "abort")           /* the application aborted */

/** What happened to a RST we received. */
#define SF_TCP_RST_RX_REASONS(X)                                                              \
	X(REFUSED, "refused")             /* SYN-SENT: connection refused */                  \
	X(RESET, "reset")                 /* exact sequence number: connection reset */       \
	X(CHALLENGED, "challenged")       /* in window, not exact: challenge ACK (RFC 5961) */ \
	X(OUT_OF_WINDOW, "out_of_window") /* dropped (RFC 5961 3.2) */                        \
	X(TIME_WAIT, "time_wait")         /* ignored in TIME-WAIT (RFC 1337) */               \
	X(IGNORED, "ignored")             /* to a listener, no connection, SYN-SENT no ACK */

/** What a retransmission carried. */
#define SF_TCP_RETRANS_KINDS(X) \
	X(SYN, "syn")           \
	X(SYN_ACK, "syn_ack")   \
	X(DATA, "data")         \
	X(FIN, "fin")           \
	X(PROBE, "probe")       /* zero-window probes */

/** Why a connection was given up. */
#define SF_TCP_GIVE_UP_REASONS(X)                                              \
	X(SYN, "syn")               /* SYN never answered */                   \
	X(SYN_ACK, "syn_ack")       /* SYN-ACK never acknowledged */           \
	X(DATA, "data")             /* data never acknowledged */              \
	X(FIN, "fin")               /* FIN never acknowledged */               \
	X(PROBE, "probe")           /* window probes never answered */         \
	X(FIN_WAIT_2, "fin_wait_2") /* peer never sent its FIN */

/** Why a segment (or part of it) was dropped by the state machine. */
#define SF_TCP_DROP_REASONS(X)                                                                \
	X(OUT_OF_WINDOW, "out_of_window") /* unacceptable sequence number (RFC 9293 3.10.7.4) */ \
	X(PAWS, "paws")                   /* old timestamp (RFC 7323 5.3) */                  \
	X(ACK_UNSENT, "ack_unsent")       /* acknowledges what we never sent */               \
	X(ACK_OLD, "ack_old")             /* older than the peer's window (RFC 5961 5.2) */   \
	X(NO_ACK, "no_ack")               /* ACK bit off in a synchronized state */           \
	X(OUT_OF_ORDER, "out_of_order")   /* beyond rcv_nxt: not buffered, dup ACK */         \
	X(SYN, "syn")                     /* SYN in a synchronized state (RFC 5961 4.2) */    \
	X(LISTEN, "listen")               /* to a listener, neither SYN nor RST nor ACK */    \
	X(NO_TCB, "no_tcb")               /* SYN or cookie ACK, and no TCB to give */         \
	X(SYN_SENT, "syn_sent")           /* SYN-SENT: no SYN, or a RST without ACK */        \
	X(SYN_DATA, "syn_data")           /* payload on a SYN: ignored, not acknowledged */   \
	X(AFTER_FIN, "after_fin")         /* data after the peer's FIN */                     \
	X(TIME_WAIT, "time_wait")         /* TIME-WAIT: nothing to do */                      \
	X(TW_SYN, "tw_syn")               /* SYN that may not reopen TIME-WAIT (RFC 6191) */

enum sf_tcp_rst_tx {
#define SF_X(name, str) SF_TCP_RST_TX_##name,
	SF_TCP_RST_TX_REASONS(SF_X) SF_TCP_RST_TX__COUNT
#undef SF_X
};
enum sf_tcp_rst_rx {
#define SF_X(name, str) SF_TCP_RST_RX_##name,
	SF_TCP_RST_RX_REASONS(SF_X) SF_TCP_RST_RX__COUNT
#undef SF_X
};
enum sf_tcp_retrans {
#define SF_X(name, str) SF_TCP_RETRANS_##name,
	SF_TCP_RETRANS_KINDS(SF_X) SF_TCP_RETRANS__COUNT
#undef SF_X
};
enum sf_tcp_give_up {
#define SF_X(name, str) SF_TCP_GIVE_UP_##name,
	SF_TCP_GIVE_UP_REASONS(SF_X) SF_TCP_GIVE_UP__COUNT
#undef SF_X
};
enum sf_tcp_drop {
#define SF_X(name, str) SF_TCP_DROP_##name,
	SF_TCP_DROP_REASONS(SF_X) SF_TCP_DROP__COUNT
#undef SF_X
};

/**
 * Per-lcore counters. state[] are gauges: TCBs in each state right now (state[CLOSED] is not
 * meaningful: pooled TCBs are not counted); tw_compact is a gauge of compact TIME-WAIT entries.
 * Everything else only grows.
 */
struct sf_tcp_stats {
	uint64_t state[SF_TCP__STATE_COUNT];
	uint64_t tw_compact;
	uint64_t opened_active, opened_passive, opened_cookie;
	uint64_t established;      /**< handshakes completed */
	uint64_t closed;           /**< TCBs that reached CLOSED */
	uint64_t rst_tx[SF_TCP_RST_TX__COUNT];
	uint64_t rst_rx[SF_TCP_RST_RX__COUNT];
	uint64_t retrans[SF_TCP_RETRANS__COUNT];
	uint64_t give_up[SF_TCP_GIVE_UP__COUNT];
	uint64_t drop[SF_TCP_DROP__COUNT];
	uint64_t cookies_sent, cookies_validated, cookies_rejected;
	uint64_t challenge_acks_sent, challenge_acks_suppressed;
	uint64_t bytes_delivered;  /**< in-order payload bytes handed to the application */
	uint64_t bytes_sent;       /**< new payload bytes sent (retransmissions not counted) */
};

/** One lcore's TCP context: configuration, secrets and counters. Shared by nothing. */
struct sf_tcp_ctx {
	struct sf_tcp_config cfg;
	/* derived from cfg by sf_tcp_ctx_init(): window field and window in bytes, [ws negotiated] */
	uint16_t wnd_field[2];
	uint32_t wnd_bytes[2];
	/* RFC 5961 7: challenge ACKs sent in the current one-second window */
	uint64_t chack_window_us;
	uint32_t chack_count;
	uint64_t cookie_last_us;   /**< when we last sent a cookie (+1, 0: never) */
	struct sf_tcp_isn_key secret; /**< ISNs and timestamp offsets */
	struct sf_syncookie_keys cookies;
	struct sf_tcp_stats stats;
};

/**
 * Fill @p cfg with defaults: MSL 30 s, RTO 1 s initial / 200 ms min / 60 s max, MSS 1460,
 * window 256 KiB (shift 3), all four options offered, retries 6 (SYN), 5 (SYN-ACK), 15,
 * initial window 10, no delayed ACK, cookies when full, 1000 challenge ACKs per second.
 */
void sf_tcp_config_default(struct sf_tcp_config *cfg);

/**
 * Initialise @p ctx from @p cfg: check it, derive the window fields, draw random secrets
 * (sf_tcp_secret_init, sf_syncookie_keys_init; tests then set known ones) and clear the counters.
 * @return 0, or -1 when @p cfg is inconsistent (rto_min > rto_max, wscale > 14, mss < 64, ...).
 */
int sf_tcp_ctx_init(struct sf_tcp_ctx *ctx, const struct sf_tcp_config *cfg);

/**
 * Visit every counter of @p s with its group ("state", "rst_tx", ...) and name, in a fixed
 * order: what `show tcp stats` prints. state[CLOSED] is skipped.
 */
void sf_tcp_stats_visit(const struct sf_tcp_stats *s,
			void (*fn)(void *arg, const char *group, const char *name, uint64_t value), void *arg);

/* ---- output descriptor ---- */

/** At most this many segments per round; out.more says the window allows more. */
#define SF_TCP_OUT_SEGS 16

/**
 * One segment to send, host order. Its header is lib/net's writer input as it is (struct
 * sf_tcp_wr), so the engine hands @c wr to sf_net_tcp_reply()/sf_net_tcp_build() without a copy;
 * lib/tcp fills every field but the ones its options leave unused (zero).
 */
struct sf_tcp_out_seg {
	/** seq, ack, window field (already scaled), SF_TCP_* flags, options (SF_OPT_*) and their
	 *  values, and payload_len: the payload bytes, from the connection's stream at data_off. */
	struct sf_tcp_wr wr;
	uint32_t data_off;  /**< stream offset of the first payload byte */
};

/** What to do with the TCB's timer after this round. */
enum sf_tcp_timer_op {
	SF_TCP_TIMER_KEEP = 0, /**< leave it as it is */
	SF_TCP_TIMER_ARM,      /**< (re)arm it to fire timer_ms from now */
	SF_TCP_TIMER_CANCEL,   /**< stop it */
};

/** sf_tcp_out.events */
#define SF_TCP_EV_ESTABLISHED 0x0001 /**< handshake completed */
#define SF_TCP_EV_DATA        0x0002 /**< in-order payload: seg payload + rx_skip, rx_len bytes */
#define SF_TCP_EV_PEER_FIN    0x0004 /**< the peer closed its direction */
#define SF_TCP_EV_TIME_WAIT   0x0008 /**< entered TIME-WAIT: after sending, export it (tw_export) */
#define SF_TCP_EV_CLOSED      0x0010 /**< the TCB is CLOSED: remove it from the table and free it */
#define SF_TCP_EV_RESET       0x0020 /**< closed by the peer's RST (or refused) */
#define SF_TCP_EV_GIVE_UP     0x0040 /**< closed by a timeout */
#define SF_TCP_EV_REDISPATCH  0x0080 /**< TIME-WAIT ended by a SYN: hand the SYN to the listener */
#define SF_TCP_EV_NEW         0x0100 /**< a connection began on the TCB given (listen_input) */
#define SF_TCP_EV_ALL_ACKED   0x0200 /**< everything queued (and the FIN, if any) is acknowledged */

/** Result of a round. */
struct sf_tcp_out {
	uint8_t nseg;        /**< segments in seg[] */
	uint8_t timer;       /**< enum sf_tcp_timer_op */
	uint8_t more;        /**< seg[] was full: call sf_tcp_output() again after sending */
	uint8_t restart;     /**< lib/tcp's own: sf_tcp_input() asks the round's output to restart the RTO */
	uint16_t events;     /**< SF_TCP_EV_* */
	uint16_t rx_skip;    /**< EV_DATA: bytes at the start of the payload already received */
	uint16_t rx_len;     /**< EV_DATA: new in-order bytes */
	uint16_t pad2;
	uint32_t timer_ms;   /**< SF_TCP_TIMER_ARM: delay in milliseconds */
	struct sf_tcp_out_seg seg[SF_TCP_OUT_SEGS];
};

/** Clear @p out (only nseg, timer, more, restart and events need it). */
static inline void sf_tcp_out_init(struct sf_tcp_out *out)
{
	out->nseg = 0;
	out->timer = SF_TCP_TIMER_KEEP;
	out->more = 0;
	out->restart = 0;
	out->events = 0;
	out->rx_skip = 0;
	out->rx_len = 0;
	out->timer_ms = 0;
}

/* ---- opening ---- */

/**
 * Active open (RFC 9293 3.10.1): @p tcb (from the pool, any content) starts in SYN-SENT with an
 * RFC 6528 ISN for @p key. Starts the round, which must end with sf_tcp_output(): it sends the
 * SYN with our options and arms the RTO, like every segment a TCB sends.
 * Data queued with sf_tcp_send() before ESTABLISHED goes out with or after the final ACK.
 */
void sf_tcp_connect(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		    uint64_t now_us, struct sf_tcp_out *out);

/** Passive open of one TCB (RFC 9293 3.10.1): @p tcb waits in LISTEN; sf_tcp_input() takes a SYN. */
void sf_tcp_listen(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb);

/** What sf_tcp_listen_input() decided. */
enum sf_tcp_listen_verdict {
	SF_TCP_LISTEN_DROP = 0, /**< nothing to send */
	SF_TCP_LISTEN_REPLY,    /**< send out.seg[0] (a RST or a cookie SYN-ACK); no TCB used */
	SF_TCP_LISTEN_NEW,      /**< @p tcb holds a new connection: insert it, then sf_tcp_output() */
};

/**
 * A segment for a listening port that matches no connection (RFC 9293 3.10.7.2).
 * RST: ignored. ACK: when a cookie was sent in the last two cookie periods, a valid cookie makes
 * a connection in @p tcb (then processed as in SYN-RECEIVED, so data or FIN on that ACK count)
 * and an invalid one is dropped (it may be a later segment of a cookie connection that overtook
 * the first); with no cookie out, RST (RFC 9293 3.10.7.2).
 * SYN: a connection in SYN-RECEIVED in @p tcb (its SYN-ACK and timer come from the round's
 * sf_tcp_output(), like every segment a TCB sends), or a cookie SYN-ACK when @p tcb is
 * NULL (pool empty) or the cookie mode is ALWAYS. @p tcb may be NULL; it is used only for
 * SF_TCP_LISTEN_NEW, after which the round must end with sf_tcp_output(). Starts the round
 * (clears @p out).
 */
enum sf_tcp_listen_verdict sf_tcp_listen_input(struct sf_tcp_ctx *ctx, const struct sf_flow_key *key,
					       const struct sf_tcp_seg *seg, uint64_t now_us,
					       struct sf_tcb *tcb, struct sf_tcp_out *out);

/**
 * A segment for no connection and no listener (RFC 9293 3.10.7.1): a RST unless it is one.
 * @return true with the RST in out.seg[0], false to drop. Starts the round.
 */
bool sf_tcp_closed_input(struct sf_tcp_ctx *ctx, const struct sf_tcp_seg *seg, struct sf_tcp_out *out);

/* ---- a connection ---- */

/**
 * Process one segment for @p tcb (any state but CLOSED): RFC 9293 3.10.7 with RFC 5961, 7323
 * and 1337. Immediate replies (RSTs) are in @p out; an owed ACK is only recorded, for
 * sf_tcp_output() to piggyback, and the timer is left to it too (one reconciliation per round):
 * unless the TCB is CLOSED, the round must end with sf_tcp_output(). Starts the round.
 */
void sf_tcp_input(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		  const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out);

/**
 * Emit what the connection may send now: SYN/SYN-ACK if due, queued data up to the peer's and
 * the congestion window in MSS-sized segments, the FIN after the data, or a pure ACK when one is
 * owed and nothing else carries it; and pick the timer. Appends to @p out.
 */
void sf_tcp_output(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out);

/**
 * The TCB's timer fired: retransmit (go-back-N, exponential backoff), probe, send the delayed
 * ACK, or end TIME-WAIT / a stale FIN-WAIT-2. Giving up sends a RST and closes. Starts the round.
 */
void sf_tcp_timeout(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out);

/**
 * Queue @p len more bytes of the stream for sending (RFC 9293 3.10.2 SEND).
 * @return 0, or -1 when the state does not allow it (closed, FIN already queued).
 */
int sf_tcp_send(struct sf_tcb *tcb, uint32_t len);

/**
 * The application closes its direction (RFC 9293 3.10.4): the FIN follows the queued data
 * (ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK); SYN-SENT closes at once. Appends to @p out.
 * @return 0, or -1 when already closing.
 */
int sf_tcp_close(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out);

/**
 * Abort (RFC 9293 3.10.5): a RST when the peer may hold state, then CLOSED. Appends to @p out
 * (outside a round, sf_tcp_out_init() it first).
 */
void sf_tcp_abort(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out);

/* ---- TIME-WAIT ---- */

/** What to do with a segment that reached a connection in TIME-WAIT (either form). */
enum sf_tcp_tw_verdict {
	SF_TCP_TW_DROP = 0,    /**< nothing to send */
	SF_TCP_TW_ACK,         /**< send out.seg[0], an ACK */
	SF_TCP_TW_ACK_RESTART, /**< send the ACK and restart 2MSL (a retransmitted FIN) */
	SF_TCP_TW_REOPEN,      /**< the SYN may start a new incarnation: end TIME-WAIT, hand it to the listener */
};

/**
 * Convert a TCB in TIME-WAIT into its compact form (after sending the round's output): @p tw is
 * filled, the TCB becomes CLOSED (the caller cancels its timer and frees it) and the compact
 * gauge grows. The caller keeps @p tw for the rest of 2MSL.
 */
void sf_tcp_tw_export(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tw_state *tw);

/**
 * A segment for a compact TIME-WAIT entry: the same decision a TCB in TIME-WAIT makes
 * (RFC 9293 3.10.7.4, RFC 1337, RFC 6191, RFC 5961 4.2). @p key gives the timestamp offset.
 * On SF_TCP_TW_REOPEN the entry is gone (gauge updated): the caller removes it and passes the
 * SYN to sf_tcp_listen_input(). Starts the round; out.timer is ARM on ACK_RESTART.
 */
enum sf_tcp_tw_verdict sf_tcp_tw_input(struct sf_tcp_ctx *ctx, struct sf_tw_state *tw,
				       const struct sf_flow_key *key, const struct sf_tcp_seg *seg,
				       uint64_t now_us, struct sf_tcp_out *out);

/** A compact TIME-WAIT entry's 2MSL ended (or it was recycled): update the gauge. */
void sf_tcp_tw_expired(struct sf_tcp_ctx *ctx);

#endif /* SF_TCP_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TCP_PRIV_H
#define SF_TCP_PRIV_H

/*
 * lib/tcp internals shared by its source files: state sets, clocks, the one state setter, TCB
 * initialisation and SYN options, the RTT estimator, segment builders and the timer
 * reconciliation. Not for other modules.
 */

#include <string.h>

#include <rte_branch_prediction.h>

#include "sf_tcp.h"

/* ---- state sets (one AND each) ---- */

#define TCPF_SYNC_RECV (SF_TCPF(SF_TCP_SYN_RECEIVED) | SF_TCPF(SF_TCP_ESTABLISHED) |             \
			SF_TCPF(SF_TCP_FIN_WAIT_1) | SF_TCPF(SF_TCP_FIN_WAIT_2) |                  \
			SF_TCPF(SF_TCP_CLOSE_WAIT) | SF_TCPF(SF_TCP_CLOSING) | SF_TCPF(SF_TCP_LAST_ACK))
/** States whose queued data and FIN still go out (the stream continues after close). */
#define TCPF_SENDING   (SF_TCPF(SF_TCP_ESTABLISHED) | SF_TCPF(SF_TCP_CLOSE_WAIT) |                \
			SF_TCPF(SF_TCP_FIN_WAIT_1) | SF_TCPF(SF_TCP_CLOSING) | SF_TCPF(SF_TCP_LAST_ACK))
/** States that take the peer's data (its FIN not yet received). */
#define TCPF_RECEIVING (SF_TCPF(SF_TCP_ESTABLISHED) | SF_TCPF(SF_TCP_FIN_WAIT_1) |                \
			SF_TCPF(SF_TCP_FIN_WAIT_2))
/** States where the application may still queue data. */
#define TCPF_CAN_QUEUE (SF_TCPF(SF_TCP_SYN_SENT) | SF_TCPF(SF_TCP_SYN_RECEIVED) |                 \
			SF_TCPF(SF_TCP_ESTABLISHED) | SF_TCPF(SF_TCP_CLOSE_WAIT))
/** States where the peer may hold state that a RST should clear (RFC 9293 3.10.5). */
#define TCPF_ABORT_RST (SF_TCPF(SF_TCP_SYN_RECEIVED) | SF_TCPF(SF_TCP_ESTABLISHED) |              \
			SF_TCPF(SF_TCP_FIN_WAIT_1) | SF_TCPF(SF_TCP_FIN_WAIT_2) |                  \
			SF_TCPF(SF_TCP_CLOSE_WAIT))

/** Length of the timestamp option as it sits in a segment (with its two NOPs). */
#define TCP_TS_OPT_LEN 12
/** Smallest MSS we take from a peer: a tiny one would make every segment header-only. */
#define TCP_MSS_FLOOR 64
/** RFC 9293 3.7.1: the MSS to assume when a SYN carries none. */
#define TCP_MSS_DEFAULT_4 536
#define TCP_MSS_DEFAULT_6 1220
/** RFC 7323 2.3: larger shifts are clamped to 14. */
#define TCP_WSCALE_MAX 14
/** A congestion window never grows past this (keeps the arithmetic far from wrapping). */
#define TCP_CWND_MAX (1u << 30)

/* ---- clocks ---- */

/** Milliseconds of the caller's microsecond clock (a constant divisor: multiply and shift). */
static inline uint32_t tcp_ms(uint64_t now_us)
{
	return (uint32_t)(now_us / 1000);
}

/** Our TSval for this connection now (RFC 7323 5.4: clock plus per-connection offset). */
static inline uint32_t tcp_tsval(const struct sf_tcb *tcb, uint64_t now_us)
{
	return tcp_ms(now_us) + tcb->ts_offset;
}

/** End of everything we have to send: the stream, plus the FIN when the application closed. */
static inline uint32_t tcp_send_end(const struct sf_tcb *tcb)
{
	return tcb->snd_end + ((tcb->flags & SF_TCB_FIN_QUEUED) ? 1u : 0u);
}

static inline uint32_t tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t tcp_max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* ---- shared helpers (tcp_ctx.c, tcp_output.c, tcp_input.c) ---- */

/** The one place a TCB's state changes: keeps the per-state gauges true. */
static inline void tcp_set_state(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, enum sf_tcp_state to)
{
	/* state[CLOSED] is a sink: pooled TCBs are not counted, so it means nothing */
	ctx->stats.state[tcb->state]--;
	ctx->stats.state[to]++;
	tcb->state = (uint8_t)to;
}

/** Enter CLOSED: gauges, counter, events (SF_TCP_EV_CLOSED | @p ev), timer cancelled. */
void tcp_to_closed(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out, uint16_t ev);

/** RFC 5961 7: may a challenge ACK go now? Counts sent or suppressed. */
bool tcp_challenge_ack_allowed(struct sf_tcp_ctx *ctx, uint64_t now_us);

/** Next free segment slot of @p out, cleared, or NULL when full. */
static inline struct sf_tcp_out_seg *tcp_out_push(struct sf_tcp_out *out)
{
	struct sf_tcp_out_seg *s;

	if (unlikely(out->nseg >= SF_TCP_OUT_SEGS))
		return NULL;
	s = &out->seg[out->nseg++];
	memset(s, 0, sizeof(*s));
	return s;
}

/** Append a RST (with ACK when @p flags has it) and count why. */
void tcp_emit_rst(struct sf_tcp_ctx *ctx, struct sf_tcp_out *out, uint32_t seq, uint32_t ack,
		  uint8_t flags, enum sf_tcp_rst_tx why);

/** Initialise every field of @p tcb but the timer node and the engine's word. */
static inline void tcp_tcb_init(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint32_t iss, uint32_t ts_offset)
{
	tcb->state = SF_TCP_CLOSED;
	tcb->flags = 0;
	tcb->timer_kind = SF_TCP_TK_NONE;
	tcb->retries = 0;
	tcb->snd_wscale = 0;
	tcb->rcv_wscale = 0;
	tcb->snd_mss = (uint16_t)(TCP_MSS_DEFAULT_4);
	tcb->iss = iss;
	tcb->snd_una = iss;
	tcb->snd_nxt = iss;   /* the SYN (or SYN-ACK) is due: sf_tcp_output() sends it */
	tcb->snd_max = iss;
	tcb->snd_end = iss + 1; /* stream offset 0 follows the SYN */
	tcb->rcv_nxt = 0;
	tcb->snd_wnd = 0;
	tcb->snd_wl1 = 0;
	tcb->snd_wl2 = iss;
	tcb->ts_recent = 0;
	tcb->ts_offset = ts_offset;
	tcb->rto_ms = ctx->cfg.rto_initial_ms; /* RFC 6298 2.1 */
	tcb->rtt_seq = 0;
	tcb->rtt_start = 0;
	tcb->srtt8 = 0;
	tcb->rttvar4 = 0;
	tcb->cwnd = 0;
	tcb->ssthresh = UINT32_MAX; /* RFC 5681 3.1: arbitrarily high */
	tcb->cwnd_acc = 0;
	tcb->max_snd_wnd = 0;
}

/** Initial congestion window once the MSS is known (RFC 6928 / RFC 5681 3.1). */
static inline void tcp_cwnd_init(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb)
{
	/* RFC 6928 2: an initial window of init_cwnd_segs (10) full segments */
	tcb->cwnd = (uint32_t)ctx->cfg.init_cwnd_segs * tcb->snd_mss;
	tcb->cwnd_acc = 0;
}

/** Take the options of a SYN or SYN-ACK (RFC 9293 3.7.1, RFC 7323, RFC 2018), set MSS and cwnd. */
static inline void tcp_syn_options(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		     const struct sf_tcp_seg *seg)
{
	const struct sf_tcp_opts *o = &seg->opts;
	/* options both sides want: the SYN carried them and we offer them */
	uint8_t both = o->present & ctx->cfg.offer;
	uint8_t flags = tcb->flags & (uint8_t)~(SF_TCB_WS_OK | SF_TCB_TS_OK | SF_TCB_SACK_OK);
	uint32_t mss;

	/* RFC 9293 3.7.1: no MSS option means 536 (IPv4) or 1220 (IPv6) */
	mss = (o->present & SF_OPT_MSS) ? o->mss
	      : (key->family == SF_AF_INET6 ? TCP_MSS_DEFAULT_6 : TCP_MSS_DEFAULT_4);
	mss = tcp_max32(tcp_min32(mss, ctx->cfg.mss), TCP_MSS_FLOOR);
	/* RFC 7323 2.2: scaling is on only when both SYNs carry the option */
	if (both & SF_OPT_WSCALE) {
		flags |= SF_TCB_WS_OK;
		tcb->snd_wscale = (uint8_t)tcp_min32(o->wscale, TCP_WSCALE_MAX); /* RFC 7323 2.3 */
		tcb->rcv_wscale = ctx->cfg.rcv_wscale;
	} else {
		tcb->snd_wscale = 0;
		tcb->rcv_wscale = 0;
	}
	/* RFC 7323 3.2: timestamps only when the SYN offered them and we do */
	if (both & SF_OPT_TS) {
		flags |= SF_TCB_TS_OK;
		tcb->ts_recent = o->ts_val;
		mss -= TCP_TS_OPT_LEN; /* RFC 6691: the MSS counts no options; ours ride in it */
	}
	/* RFC 2018 2: SACK-permitted only in SYNs, only when both sent it */
	if (both & SF_OPT_SACK_PERM)
		flags |= SF_TCB_SACK_OK;
	tcb->flags = flags;
	tcb->snd_mss = (uint16_t)mss;
	tcp_cwnd_init(ctx, tcb);
}

/** Take one RTT sample in ms into the estimator and recompute the RTO (RFC 6298 2). */
static inline void tcp_rtt_update(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint32_t rtt)
{
	uint32_t err, rto;

	if (rtt == 0)
		rtt = 1; /* a 0 ms sample still counts; srtt8 == 0 means "no sample yet" */
	if (tcb->srtt8 == 0) {
		/* RFC 6298 2.2: SRTT <- R, RTTVAR <- R/2 */
		tcb->srtt8 = rtt << 3;
		tcb->rttvar4 = rtt << 1;
	} else {
		/* RFC 6298 2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT <- 7/8 SRTT + 1/8 R' */
		uint32_t srtt = tcb->srtt8 >> 3;

		err = rtt > srtt ? rtt - srtt : srtt - rtt;
		tcb->rttvar4 = tcb->rttvar4 - (tcb->rttvar4 >> 2) + err;
		tcb->srtt8 = tcb->srtt8 - srtt + rtt;
	}
	/* RFC 6298 2.3: RTO <- SRTT + max(G, 4 RTTVAR), G = 1 ms; 2.4 and 2.5: clamped */
	rto = (tcb->srtt8 >> 3) + tcp_max32(1, tcb->rttvar4);
	tcb->rto_ms = tcp_min32(tcp_max32(rto, ctx->cfg.rto_min_ms), ctx->cfg.rto_max_ms);
}


/* ---- the one timer (small, and on every round: inline) ---- */

/** What the timer should be armed for, given the state and what is in flight or owed. */
static inline enum sf_tcp_timer_kind tcp_timer_want(const struct sf_tcp_ctx *ctx, const struct sf_tcb *tcb)
{
	uint32_t st = SF_TCPF(tcb->state);

	if (st & (SF_TCPF(SF_TCP_CLOSED) | SF_TCPF(SF_TCP_LISTEN)))
		return SF_TCP_TK_NONE;
	if (st & SF_TCPF(SF_TCP_TIME_WAIT))
		return SF_TCP_TK_TIME_WAIT; /* RFC 9293 3.10.7.4: 2MSL */
	if (tcb->snd_una != tcb->snd_max)
		return SF_TCP_TK_RTO;       /* RFC 6298 5.1: running while data is outstanding */
	if ((st & TCPF_SENDING) && tcb->snd_nxt != tcp_send_end(tcb))
		return SF_TCP_TK_PERSIST;   /* RFC 9293 3.8.6.1: queued, window shut, nothing in flight */
	if ((st & SF_TCPF(SF_TCP_FIN_WAIT_2)) && ctx->cfg.fin_wait_2_ms)
		return SF_TCP_TK_FIN_WAIT_2;
	if (tcb->flags & SF_TCB_ACK_DELAYED)
		return SF_TCP_TK_DELACK;
	return SF_TCP_TK_NONE;
}

static inline uint32_t tcp_timer_delay(const struct sf_tcp_ctx *ctx, const struct sf_tcb *tcb,
				       enum sf_tcp_timer_kind k)
{
	switch (k) {
	case SF_TCP_TK_TIME_WAIT:
		return 2 * ctx->cfg.msl_ms;
	case SF_TCP_TK_FIN_WAIT_2:
		return ctx->cfg.fin_wait_2_ms;
	case SF_TCP_TK_DELACK:
		return ctx->cfg.delack_ms;
	default:
		return tcb->rto_ms; /* RTO and persist back off alike */
	}
}

/**
 * Bring the timer in line with what the TCB now needs. @p restart re-arms an unchanged RTO (RFC
 * 6298 5.1-5.3: the ACK moved SND.UNA) or 2MSL (the peer's FIN again); other kinds keep running.
 */
static inline void tcp_timer_sync(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out,
				  bool restart)
{
	enum sf_tcp_timer_kind want = tcp_timer_want(ctx, tcb);

	if (want == tcb->timer_kind && !(restart && (want == SF_TCP_TK_RTO || want == SF_TCP_TK_TIME_WAIT)))
		return;
	if (want == SF_TCP_TK_NONE) {
		if (tcb->timer_kind != SF_TCP_TK_NONE)
			out->timer = SF_TCP_TIMER_CANCEL;
		tcb->timer_kind = SF_TCP_TK_NONE;
		return;
	}
	tcb->timer_kind = (uint8_t)want;
	out->timer = SF_TCP_TIMER_ARM;
	out->timer_ms = tcp_timer_delay(ctx, tcb, want);
}

/** sf_tcp_output() with @p force: send one segment even when SWS avoidance would wait. */
void tcp_output(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out,
		bool force);

/** Fill a TIME-WAIT compact state from a TCB (one home for what TIME-WAIT keeps). */
static inline void tcp_tw_fill(const struct sf_tcp_ctx *ctx, const struct sf_tcb *tcb, struct sf_tw_state *tw)
{
	tw->snd_nxt = tcb->snd_max; /* after our FIN */
	tw->rcv_nxt = tcb->rcv_nxt; /* after the peer's FIN */
	tw->ts_recent = tcb->ts_recent;
	tw->rcv_wnd = ctx->wnd_field[(tcb->flags & SF_TCB_WS_OK) ? 1 : 0];
	tw->ts_ok = (tcb->flags & SF_TCB_TS_OK) ? 1 : 0;
	tw->flags = 0;
}

/** The TIME-WAIT decision, for both the TCB and the compact form. */
enum sf_tcp_tw_verdict tcp_tw_decide(struct sf_tcp_ctx *ctx, struct sf_tw_state *tw, uint32_t ts_offset,
				     const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out);

#endif /* SF_TCP_PRIV_H */

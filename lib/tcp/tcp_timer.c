/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp timers: the retransmission timeout (RFC 6298), what happens when the TCB's one timer
 * fires, and giving up.
 *
 * One timer per TCB serves the RTO (SYN, SYN-ACK, data, FIN), the persist timer, the delayed
 * ACK, the FIN-WAIT-2 bound and 2MSL; tcb->timer_kind says which one is armed, and
 * tcp_timer_sync() (tcp_priv.h) is the only place that decides it.
 */

#include "tcp_priv.h"

_Static_assert((int)SF_TCP_GIVE_UP_SYN == (int)SF_TCP_RETRANS_SYN &&
	       (int)SF_TCP_GIVE_UP_SYN_ACK == (int)SF_TCP_RETRANS_SYN_ACK &&
	       (int)SF_TCP_GIVE_UP_DATA == (int)SF_TCP_RETRANS_DATA &&
	       (int)SF_TCP_GIVE_UP_FIN == (int)SF_TCP_RETRANS_FIN,
	       "an RTO gives up for the kind it retransmits");

/** Retries exhausted: RST where the peer may listen, count why, close. */
static void tcp_give_up(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out,
			enum sf_tcp_give_up why)
{
	ctx->stats.give_up[why]++;
	/* RFC 9293 3.8.3 (R2): close the connection; the RST tells a peer that still holds state */
	tcp_emit_rst(ctx, out, tcb->snd_max, 0, 0, SF_TCP_RST_TX_GIVE_UP);
	tcp_to_closed(ctx, tcb, out, SF_TCP_EV_GIVE_UP);
}

/** What sits at snd_una, the oldest unacknowledged sequence number. */
static enum sf_tcp_retrans tcp_rto_kind(const struct sf_tcb *tcb)
{
	if (tcb->snd_una == tcb->iss)
		return tcb->state == SF_TCP_SYN_SENT ? SF_TCP_RETRANS_SYN : SF_TCP_RETRANS_SYN_ACK;
	if (tcb->snd_una == tcb->snd_end)
		return SF_TCP_RETRANS_FIN;
	return SF_TCP_RETRANS_DATA;
}

static void tcp_rto_fired(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out)
{
	enum sf_tcp_retrans kind = tcp_rto_kind(tcb);
	uint32_t limit;

	if (tcb->state == SF_TCP_SYN_SENT)
		limit = ctx->cfg.syn_retries;
	else if (tcb->state == SF_TCP_SYN_RECEIVED)
		limit = ctx->cfg.synack_retries;
	else
		limit = ctx->cfg.max_retries;
	if (++tcb->retries > limit) {
		/* the retransmission kinds and the give-up reasons share their first four entries */
		tcp_give_up(ctx, tcb, out, (enum sf_tcp_give_up)kind);
		return;
	}
	ctx->stats.retrans[kind]++;
	/* RFC 6298 5.5: back off; 5.6: restart with the new RTO (in tcp_timer_sync) */
	tcb->rto_ms = tcp_min32(tcb->rto_ms << 1, ctx->cfg.rto_max_ms);
	/* RFC 6298 3 (Karn): no RTT sample from what is retransmitted */
	tcb->flags &= (uint8_t)~SF_TCB_RTT_TIMING;
	if (SF_TCPF(tcb->state) & TCPF_SENDING) {
		/* RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS); cwnd = 1 SMSS */
		tcb->ssthresh = tcp_max32((tcb->snd_max - tcb->snd_una) >> 1, 2u * tcb->snd_mss);
		tcb->cwnd = tcb->snd_mss;
		tcb->cwnd_acc = 0;
	}
	/* go-back-N: everything from the oldest unacknowledged byte goes again */
	tcb->snd_nxt = tcb->snd_una;
	tcp_output(ctx, tcb, now_us, out, false);
}

static void tcp_persist_fired(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out)
{
	struct sf_tcp_out_seg *s;
	uint8_t before = out->nseg;

	/* RFC 9293 3.8.6.1: probe a zero window; give up only when probes go unanswered */
	if (++tcb->retries > ctx->cfg.max_retries) {
		tcp_give_up(ctx, tcb, out, SF_TCP_GIVE_UP_PROBE);
		return;
	}
	tcb->rto_ms = tcp_min32(tcb->rto_ms << 1, ctx->cfg.rto_max_ms);
	/* RFC 9293 3.8.6.2.1 (d): the override timeout sends what the window allows now */
	tcp_output(ctx, tcb, now_us, out, true);
	if (out->nseg != before)
		return;
	/*
	 * Still nothing fits: a probe the receiver must answer with its window. It repeats the
	 * last acknowledged sequence number (snd_una - 1), so it is out of window, carries no byte
	 * and leaves the stream untouched.
	 */
	s = tcp_out_push(out);
	if (s == NULL)
		return;
	s->wr.flags = SF_TCP_ACK;
	s->wr.seq = tcb->snd_una - 1;
	s->wr.ack = tcb->rcv_nxt;
	s->wr.wnd = ctx->wnd_field[(tcb->flags & SF_TCB_WS_OK) ? 1 : 0];
	if (tcb->flags & SF_TCB_TS_OK) {
		s->wr.opts = SF_OPT_TS;
		s->wr.ts_val = tcp_tsval(tcb, now_us);
		s->wr.ts_ecr = tcb->ts_recent;
	}
	ctx->stats.retrans[SF_TCP_RETRANS_PROBE]++;
}

void sf_tcp_timeout(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out)
{
	enum sf_tcp_timer_kind kind = (enum sf_tcp_timer_kind)tcb->timer_kind;

	sf_tcp_out_init(out);
	tcb->timer_kind = SF_TCP_TK_NONE; /* it fired: nothing is armed any more */
	switch (kind) {
	case SF_TCP_TK_RTO:
		tcp_rto_fired(ctx, tcb, now_us, out);
		return;
	case SF_TCP_TK_PERSIST:
		tcp_persist_fired(ctx, tcb, now_us, out);
		return;
	case SF_TCP_TK_DELACK:
		tcb->flags |= SF_TCB_ACK_NOW;
		break;
	case SF_TCP_TK_FIN_WAIT_2:
		tcp_give_up(ctx, tcb, out, SF_TCP_GIVE_UP_FIN_WAIT_2);
		return;
	case SF_TCP_TK_TIME_WAIT:
		/* RFC 9293 3.10.8: when the time-wait timeout expires, delete the TCB */
		tcp_to_closed(ctx, tcb, out, 0);
		return;
	default:
		break; /* a timer the engine fired late, after it was cancelled: re-evaluate */
	}
	tcp_output(ctx, tcb, now_us, out, false);
}

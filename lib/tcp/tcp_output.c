/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp output: what a connection sends (SYN, SYN-ACK, data, FIN, ACK) and which timer it
 * needs, plus the application calls (connect, send, close, abort).
 *
 * Every segment a TCB sends is built here, by sf_tcp_output(): input and timeouts only move
 * the sequence variables (a retransmission rewinds snd_nxt) or record that an ACK is owed, and
 * output turns that into segments. So a SYN-ACK re-sent for a duplicate SYN, one re-sent by the
 * RTO and the first one are the same code.
 */

#include "tcp_priv.h"
#include "tcp_siphash.h"

/** Options every non-SYN segment of the connection carries: timestamps when negotiated. */
static inline void tcp_seg_ts(const struct sf_tcb *tcb, struct sf_tcp_out_seg *s, uint64_t now_us)
{
	if (tcb->flags & SF_TCB_TS_OK) {
		/* RFC 7323 3.2: every segment carries TSopt once negotiated; TSecr echoes TS.Recent */
		s->wr.opts |= SF_OPT_TS;
		s->wr.ts_val = tcp_tsval(tcb, now_us);
		s->wr.ts_ecr = tcb->ts_recent;
	}
}

/** A segment of the connection at @p seq carrying the current ACK and window. */
static struct sf_tcp_out_seg *tcp_seg_ack(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out,
					  uint32_t seq, uint64_t now_us)
{
	struct sf_tcp_out_seg *s = tcp_out_push(out);

	if (s == NULL)
		return NULL;
	s->wr.flags = SF_TCP_ACK;
	s->wr.seq = seq;
	s->wr.ack = tcb->rcv_nxt;
	/* RFC 7323 2.3: our window field is shifted right by our scale once negotiated */
	s->wr.wnd = ctx->wnd_field[(tcb->flags & SF_TCB_WS_OK) ? 1 : 0];
	tcp_seg_ts(tcb, s, now_us);
	return s;
}

/** The SYN (SYN-SENT) or SYN-ACK (we know the peer's ISN) at ISS, with its options. */
static bool tcp_emit_syn(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out, uint64_t now_us)
{
	struct sf_tcp_out_seg *s = tcp_out_push(out);
	uint8_t offer = ctx->cfg.offer;
	uint32_t now_ms = tcp_ms(now_us);

	if (s == NULL)
		return false;
	s->wr.seq = tcb->iss;
	/* RFC 7323 2.2: the window of a SYN segment is never scaled (the unscaled field) */
	s->wr.wnd = ctx->wnd_field[0];
	s->wr.mss = ctx->cfg.mss;
	s->wr.wscale = ctx->cfg.rcv_wscale;
	if (tcb->state == SF_TCP_SYN_SENT) {
		/* RFC 9293 3.10.1: <SEQ=ISS><CTL=SYN> with every option we offer */
		s->wr.flags = SF_TCP_SYN;
		s->wr.opts = offer & (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS);
		if (s->wr.opts & SF_OPT_TS) {
			s->wr.ts_val = now_ms + tcb->ts_offset;
			s->wr.ts_ecr = 0; /* RFC 7323 3.2: TSecr is zero when ACK is off */
		}
	} else {
		/* RFC 9293 3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; options only as answers */
		s->wr.flags = SF_TCP_SYN | SF_TCP_ACK;
		s->wr.ack = tcb->rcv_nxt;
		s->wr.opts = (uint8_t)((offer & SF_OPT_MSS) |
				    /* RFC 7323 2.2: only in reply to a WS option */
				    ((tcb->flags & SF_TCB_WS_OK) ? SF_OPT_WSCALE : 0) |
				    /* RFC 2018 2: only when the SYN had it */
				    ((tcb->flags & SF_TCB_SACK_OK) ? SF_OPT_SACK_PERM : 0));
		tcp_seg_ts(tcb, s, now_us);  /* RFC 7323 3.2: only when the SYN had TSopt */
	}
	if (tcb->snd_max == tcb->iss) {
		/* first transmission: time it (RFC 6298 3, Karn: never a retransmitted one) */
		tcb->flags |= SF_TCB_RTT_TIMING;
		tcb->rtt_seq = tcb->iss + 1;
		tcb->rtt_start = now_ms;
		tcb->snd_max = tcb->iss + 1;
	}
	tcb->snd_nxt = tcb->iss + 1;
	return true;
}

/*
 * Queued data and FIN, within min(peer window, cwnd). Returns true when it stopped only because
 * out is full.
 */
static bool tcp_emit_stream(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out,
			    uint64_t now_us, bool force)
{
	uint32_t edge = tcb->snd_una + tcp_min32(tcb->snd_wnd, tcb->cwnd); /* right edge we may fill */
	struct sf_tcp_out_seg *last = NULL;
	uint32_t len, avail, seq;
	int32_t usable;

	while (sf_seq_lt(tcb->snd_nxt, tcb->snd_end)) {
		seq = tcb->snd_nxt;
		avail = tcb->snd_end - seq;
		usable = (int32_t)(edge - seq);
		if (usable <= 0)
			break;
		len = tcp_min32(tcp_min32(avail, tcb->snd_mss), (uint32_t)usable);
		/*
		 * RFC 9293 3.8.6.2.1 (sender SWS avoidance): send a full segment, the last piece of
		 * what is queued (no Nagle), or at least half the largest window the peer offered;
		 * otherwise wait for the window to open (the persist timer forces it later).
		 */
		if (len < tcb->snd_mss && len < avail && len < (tcb->max_snd_wnd >> 1) && !force)
			break;
		if (out->nseg >= SF_TCP_OUT_SEGS)
			return true;
		last = tcp_seg_ack(ctx, tcb, out, seq, now_us);
		last->data_off = seq - tcb->iss - 1;
		last->wr.payload_len = (uint16_t)len;
		if (len == avail)
			last->wr.flags |= SF_TCP_PSH;
		tcb->snd_nxt = seq + len;
		if (sf_seq_gt(tcb->snd_nxt, tcb->snd_max)) {
			ctx->stats.bytes_sent += tcb->snd_nxt - tcb->snd_max; /* new bytes only */
			if (!(tcb->flags & SF_TCB_RTT_TIMING)) {
				tcb->flags |= SF_TCB_RTT_TIMING;
				tcb->rtt_seq = tcb->snd_nxt;
				tcb->rtt_start = tcp_ms(now_us);
			}
			tcb->snd_max = tcb->snd_nxt;
		}
		force = false;
	}
	/* RFC 9293 3.10.4: the FIN follows the queued data; it takes one sequence number of window */
	if ((tcb->flags & SF_TCB_FIN_QUEUED) && tcb->snd_nxt == tcb->snd_end && (int32_t)(edge - tcb->snd_end) >= 1) {
		if (last == NULL) {
			if (out->nseg >= SF_TCP_OUT_SEGS)
				return true;
			last = tcp_seg_ack(ctx, tcb, out, tcb->snd_end, now_us);
		}
		last->wr.flags |= SF_TCP_FIN;
		tcb->snd_nxt = tcb->snd_end + 1;
		if (sf_seq_gt(tcb->snd_nxt, tcb->snd_max))
			tcb->snd_max = tcb->snd_nxt;
	}
	return false;
}

void tcp_output(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out,
		bool force)
{
	uint32_t st = SF_TCPF(tcb->state);
	uint8_t first = out->nseg;

	if (unlikely(st & (SF_TCPF(SF_TCP_CLOSED) | SF_TCPF(SF_TCP_LISTEN))))
		goto timer;
	if (unlikely(tcb->snd_nxt == tcb->iss)) {
		/* our SYN is due: first send, RTO retransmission or a duplicate SYN's answer */
		if (!tcp_emit_syn(ctx, tcb, out, now_us)) {
			out->more = 1;
			goto timer;
		}
	}
	if (st & TCPF_SENDING) {
		if (tcp_emit_stream(ctx, tcb, out, now_us, force)) {
			out->more = 1;
			goto timer;
		}
	}
	if (out->nseg == first) {
		/* nothing carries the ACK: a delayed one may wait while nothing else is pending */
		if ((tcb->flags & SF_TCB_ACK_DELAYED) &&
		    (tcb->snd_una != tcb->snd_max || tcb->snd_nxt != tcp_send_end(tcb)))
			tcb->flags |= SF_TCB_ACK_NOW;
		if ((tcb->flags & SF_TCB_ACK_NOW) && tcp_seg_ack(ctx, tcb, out, tcb->snd_nxt, now_us) == NULL)
			out->more = 1;
	}
	if (out->nseg != first)
		tcb->flags &= (uint8_t)~(SF_TCB_ACK_NOW | SF_TCB_ACK_DELAYED); /* every segment carries it */
timer:
	tcp_timer_sync(ctx, tcb, out, out->restart);
	out->restart = 0;
}

void sf_tcp_output(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out)
{
	tcp_output(ctx, tcb, now_us, out, false);
}

/* ---- the application's calls ---- */

void sf_tcp_connect(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		    uint64_t now_us, struct sf_tcp_out *out)
{
	uint32_t ts_off, iss;

	sf_tcp_out_init(out);
	/* RFC 9293 3.4.1 / RFC 6528: ISN from a keyed hash of the 4-tuple and a 4 us clock */
	iss = tcp_isn_ts(&ctx->secret, key, now_us, &ts_off);
	tcp_tcb_init(ctx, tcb, iss, (ctx->cfg.offer & SF_OPT_TS) ? ts_off : 0);
	/* the peer's MSS is unknown until its SYN-ACK: start from ours */
	tcb->snd_mss = ctx->cfg.mss;
	tcp_cwnd_init(ctx, tcb);
	tcp_set_state(ctx, tcb, SF_TCP_SYN_SENT);
	ctx->stats.opened_active++;
	/* the round's sf_tcp_output() sends the SYN (snd_nxt = ISS: it is due) and arms the RTO */
}

void sf_tcp_listen(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb)
{
	tcp_tcb_init(ctx, tcb, 0, 0);
	tcp_set_state(ctx, tcb, SF_TCP_LISTEN);
}

int sf_tcp_send(struct sf_tcb *tcb, uint32_t len)
{
	/* RFC 9293 3.10.2: SEND is valid until we close; before ESTABLISHED it is queued */
	if (!(SF_TCPF(tcb->state) & TCPF_CAN_QUEUE) || (tcb->flags & SF_TCB_FIN_QUEUED))
		return -1;
	/* keep what is unacknowledged far below 2^31, where sequence comparisons hold */
	if (tcb->snd_end - tcb->snd_una + (uint64_t)len >= (1u << 30))
		return -1;
	tcb->snd_end += len;
	return 0;
}

int sf_tcp_close(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out)
{
	switch (tcb->state) {
	case SF_TCP_LISTEN:
	case SF_TCP_SYN_SENT:
		/* RFC 9293 3.10.4: nothing was synchronized: delete the TCB */
		tcp_to_closed(ctx, tcb, out, 0);
		return 0;
	case SF_TCP_SYN_RECEIVED:
	case SF_TCP_ESTABLISHED:
		/* RFC 9293 3.10.4: FIN after the queued data, FIN-WAIT-1 */
		tcb->flags |= SF_TCB_FIN_QUEUED;
		tcp_set_state(ctx, tcb, SF_TCP_FIN_WAIT_1);
		return 0;
	case SF_TCP_CLOSE_WAIT:
		/* RFC 9293 3.10.4: the peer already closed: FIN after the queued data, LAST-ACK */
		tcb->flags |= SF_TCB_FIN_QUEUED;
		tcp_set_state(ctx, tcb, SF_TCP_LAST_ACK);
		return 0;
	default:
		return -1;
	}
}

void sf_tcp_abort(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us, struct sf_tcp_out *out)
{
	(void)now_us;
	if (tcb->state == SF_TCP_CLOSED)
		return;
	/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> where the peer may have state, then CLOSED */
	if (SF_TCPF(tcb->state) & TCPF_ABORT_RST)
		tcp_emit_rst(ctx, out, tcb->snd_max, 0, 0, SF_TCP_RST_TX_ABORT);
	tcp_to_closed(ctx, tcb, out, 0);
}

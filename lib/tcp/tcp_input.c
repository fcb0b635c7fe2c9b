/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp input: RFC 9293 3.10.7, "SEGMENT ARRIVES", one function per family of states:
 *   CLOSED        tcp_reset_for()        3.10.7.1
 *   LISTEN        tcp_listen_segment()   3.10.7.2, with SYN cookies (RFC 4987 3.6)
 *   SYN-SENT      tcp_input_syn_sent()   3.10.7.3
 *   the others    tcp_input_sync()       3.10.7.4, with RFC 5961 and RFC 7323 PAWS
 *   TIME-WAIT     tcp_tw_decide()        (tcp_tw.c, shared with the compact form)
 *
 * Input never builds a segment the connection sends in sequence: it records that an ACK is owed
 * (SF_TCB_ACK_NOW / ACK_DELAYED) or rewinds snd_nxt, and sf_tcp_output() does the sending, so
 * the ACK rides on the application's response. Only RSTs go out from here.
 */

#include "tcp_priv.h"
#include "tcp_siphash.h"

/** SEG.LEN: payload plus one for SYN and one for FIN (RFC 9293 3.4). */
static inline uint32_t tcp_seg_len(const struct sf_tcp_seg *seg)
{
	return (uint32_t)seg->payload_len + ((seg->flags & SF_TCP_SYN) ? 1u : 0u) +
	       ((seg->flags & SF_TCP_FIN) ? 1u : 0u);
}

/** RFC 9293 3.10.7.4: the four cases of segment acceptability, modulo 2^32. */
static inline bool tcp_seq_acceptable(uint32_t rcv_nxt, uint32_t wnd, uint32_t seq, uint32_t len)
{
	if (len == 0)
		return wnd == 0 ? seq == rcv_nxt : seq - rcv_nxt < wnd;
	return wnd != 0 && (seq - rcv_nxt < wnd || seq + len - 1 - rcv_nxt < wnd);
}

/** RFC 5961 3.2, 4.2, 5.2: answer with an ACK the real peer can use, rate-limited (7). */
static inline void tcp_challenge_ack(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, uint64_t now_us)
{
	if (tcp_challenge_ack_allowed(ctx, now_us))
		tcb->flags |= SF_TCB_ACK_NOW;
}

/* ---- CLOSED ---- */

/** RFC 9293 3.10.7.1: a RST for a segment that belongs to no connection (unless it is a RST). */
static bool tcp_reset_for(struct sf_tcp_ctx *ctx, const struct sf_tcp_seg *seg, struct sf_tcp_out *out)
{
	if (seg->flags & SF_TCP_RST) {
		ctx->stats.rst_rx[SF_TCP_RST_RX_IGNORED]++; /* an incoming RST is discarded */
		return false;
	}
	if (seg->flags & SF_TCP_ACK)
		tcp_emit_rst(ctx, out, seg->ack, 0, 0, SF_TCP_RST_TX_NO_CONN); /* <SEQ=SEG.ACK><CTL=RST> */
	else /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		tcp_emit_rst(ctx, out, 0, seg->seq + tcp_seg_len(seg), SF_TCP_ACK, SF_TCP_RST_TX_NO_CONN);
	return true;
}

bool sf_tcp_closed_input(struct sf_tcp_ctx *ctx, const struct sf_tcp_seg *seg, struct sf_tcp_out *out)
{
	sf_tcp_out_init(out);
	return tcp_reset_for(ctx, seg, out);
}

/* ---- shared by the handshake paths ---- */

/** The handshake is complete: ESTABLISHED, counted and reported. */
static void tcp_established(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out)
{
	tcp_set_state(ctx, tcb, SF_TCP_ESTABLISHED);
	ctx->stats.established++;
	out->events |= SF_TCP_EV_ESTABLISHED;
	/* RFC 6298 5.7: the SYN timed out and no sample came since: start data with a 3 s RTO */
	if (tcb->retries && tcb->srtt8 == 0)
		tcb->rto_ms = tcp_min32(tcp_max32(3000, ctx->cfg.rto_min_ms), ctx->cfg.rto_max_ms);
}

/** A new send window from @p seg (raw field already shifted by the caller's rule). */
static inline void tcp_window_set(struct sf_tcb *tcb, uint32_t wnd, uint32_t seq, uint32_t ack)
{
	tcb->snd_wnd = wnd;
	tcb->snd_wl1 = seq;
	tcb->snd_wl2 = ack;
	if (wnd > tcb->max_snd_wnd)
		tcb->max_snd_wnd = wnd;
}

/** An RTT sample from the ACK of @p seg: the echoed timestamp, else the one timed segment. */
static inline __attribute__((always_inline)) void
tcp_rtt_on_ack(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg, uint64_t now_us)
{
	uint32_t now_ms = tcp_ms(now_us);
	bool timed = (tcb->flags & SF_TCB_RTT_TIMING) && sf_seq_geq(seg->ack, tcb->rtt_seq);

	if ((tcb->flags & SF_TCB_TS_OK) && (seg->opts.present & SF_OPT_TS) && seg->opts.ts_ecr != 0) {
		/* RFC 7323 4.1: RTTM, our clock now minus the TSval the peer echoes */
		uint32_t rtt = now_ms + tcb->ts_offset - seg->opts.ts_ecr;

		if (rtt < (uint32_t)ctx->cfg.rto_max_ms * 4) /* a forged or stale echo is no sample */
			tcp_rtt_update(ctx, tcb, rtt);
	} else if (timed) {
		tcp_rtt_update(ctx, tcb, now_ms - tcb->rtt_start); /* RFC 6298 3 */
	}
	if (timed)
		tcb->flags &= (uint8_t)~SF_TCB_RTT_TIMING;
}

/* ---- LISTEN ---- */

/** RFC 9293 3.10.7.2 SYN: the TCB @p tcb becomes a connection in SYN-RECEIVED; SYN-ACK out. */
static void tcp_passive_open(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
			     const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out)
{
	bool ts = (seg->opts.present & SF_OPT_TS) && (ctx->cfg.offer & SF_OPT_TS);
	/* a LISTEN TCB leaves LISTEN; a pooled one (CLOSED, or stale) leaves CLOSED */
	enum sf_tcp_state from = tcb->state == SF_TCP_LISTEN ? SF_TCP_LISTEN : SF_TCP_CLOSED;

	uint32_t ts_off, iss = tcp_isn_ts(&ctx->secret, key, now_us, &ts_off);

	tcp_tcb_init(ctx, tcb, iss, ts ? ts_off : 0);
	tcb->state = (uint8_t)from; /* the gauge of the state it leaves (LISTEN or CLOSED) */
	tcb->rcv_nxt = seg->seq + 1; /* RCV.NXT <- SEG.SEQ + 1, IRS <- SEG.SEQ */
	tcp_syn_options(ctx, tcb, key, seg);
	tcp_window_set(tcb, seg->wnd, seg->seq, tcb->iss); /* RFC 7323 2.2: a SYN's window is unscaled */
	tcb->flags |= SF_TCB_PASSIVE;
	if (seg->payload_len || (seg->flags & SF_TCP_FIN))
		ctx->stats.drop[SF_TCP_DROP_SYN_DATA]++; /* not queued: the peer sends it again */
	tcp_set_state(ctx, tcb, SF_TCP_SYN_RECEIVED);
	ctx->stats.opened_passive++;
	out->events |= SF_TCP_EV_NEW;
	/* the round's sf_tcp_output() sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and arms the RTO */
}

/** The MSS a SYN announces, or the default of its family (RFC 9293 3.7.1). */
static inline uint16_t tcp_syn_mss(const struct sf_flow_key *key, const struct sf_tcp_seg *seg)
{
	if (seg->opts.present & SF_OPT_MSS)
		return seg->opts.mss;
	return key->family == SF_AF_INET6 ? TCP_MSS_DEFAULT_6 : TCP_MSS_DEFAULT_4;
}

/** RFC 4987 3.6: answer a SYN without state; the ISN remembers MSS, WS and SACK-permitted. */
static void tcp_cookie_syn_ack(struct sf_tcp_ctx *ctx, const struct sf_flow_key *key,
			       const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out)
{
	uint8_t offer = ctx->cfg.offer;
	struct sf_syncookie_opts in, enc;
	struct sf_tcp_out_seg *s;

	in.mss = tcp_syn_mss(key, seg);
	in.wscale = ((seg->opts.present & SF_OPT_WSCALE) && (offer & SF_OPT_WSCALE))
		    ? (uint8_t)tcp_min32(seg->opts.wscale, TCP_WSCALE_MAX) : SF_SYNCOOKIE_NO_WSCALE;
	in.sack_ok = (seg->opts.present & SF_OPT_SACK_PERM) && (offer & SF_OPT_SACK_PERM);
	s = tcp_out_push(out);
	s->wr.flags = SF_TCP_SYN | SF_TCP_ACK;
	s->wr.seq = sf_syncookie_make(&ctx->cookies, key, seg->seq, &in, now_us, &enc);
	s->wr.ack = seg->seq + 1;
	s->wr.wnd = (uint16_t)tcp_min32(ctx->cfg.rcv_wnd, 0xffff); /* RFC 7323 2.2: unscaled in a SYN */
	s->wr.opts = offer & SF_OPT_MSS;
	s->wr.mss = ctx->cfg.mss;
	if (enc.wscale != SF_SYNCOOKIE_NO_WSCALE) {
		s->wr.opts |= SF_OPT_WSCALE;
		s->wr.wscale = ctx->cfg.rcv_wscale;
	}
	if (enc.sack_ok)
		s->wr.opts |= SF_OPT_SACK_PERM;
	if ((seg->opts.present & SF_OPT_TS) && (offer & SF_OPT_TS)) {
		/* the ACK will carry TSopt again: that is how the TCB learns timestamps are on */
		s->wr.opts |= SF_OPT_TS;
		s->wr.ts_val = tcp_ms(now_us) + sf_tcp_ts_offset(&ctx->secret, key);
		s->wr.ts_ecr = seg->opts.ts_val;
	}
	ctx->stats.cookies_sent++;
	ctx->cookie_last_us = now_us;
}

/** A TCB in SYN-RECEIVED rebuilt from a validated cookie and the ACK that returned it. */
static void tcp_cookie_open(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
			    const struct sf_tcp_seg *seg, const struct sf_syncookie_opts *co)
{
	bool ts = (seg->opts.present & SF_OPT_TS) && (ctx->cfg.offer & SF_OPT_TS);
	uint32_t iss = seg->ack - 1;
	uint32_t mss = tcp_max32(tcp_min32(co->mss, ctx->cfg.mss), TCP_MSS_FLOOR);

	tcp_tcb_init(ctx, tcb, iss, ts ? sf_tcp_ts_offset(&ctx->secret, key) : 0);
	tcb->snd_nxt = tcb->snd_max = iss + 1; /* the SYN-ACK went out, statelessly */
	tcb->rcv_nxt = seg->seq;               /* the peer's ISN + 1 */
	tcb->snd_wl1 = seg->seq - 1;           /* the IRS, as for a SYN (see SYN-RECEIVED's ACK) */
	if (co->wscale != SF_SYNCOOKIE_NO_WSCALE) {
		tcb->flags |= SF_TCB_WS_OK;
		tcb->snd_wscale = co->wscale;
		tcb->rcv_wscale = ctx->cfg.rcv_wscale;
	}
	if (co->sack_ok)
		tcb->flags |= SF_TCB_SACK_OK;
	if (ts) {
		tcb->flags |= SF_TCB_TS_OK;
		tcb->ts_recent = seg->opts.ts_val;
		mss -= TCP_TS_OPT_LEN;
	}
	tcb->snd_mss = (uint16_t)mss;
	tcp_cwnd_init(ctx, tcb);
	tcb->flags |= SF_TCB_PASSIVE;
	tcp_set_state(ctx, tcb, SF_TCP_SYN_RECEIVED);
	ctx->stats.opened_cookie++;
}

static void tcp_input_sync(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg,
			   uint64_t now_us, struct sf_tcp_out *out);

/** RFC 9293 3.10.7.2, for a LISTEN TCB and for the table-level listener (with cookies). */
static enum sf_tcp_listen_verdict tcp_listen_segment(struct sf_tcp_ctx *ctx, const struct sf_flow_key *key,
						     const struct sf_tcp_seg *seg, uint64_t now_us,
						     struct sf_tcb *tcb, bool cookies, struct sf_tcp_out *out)
{
	uint8_t fl = seg->flags;
	struct sf_syncookie_opts co;

	/* first: an incoming RST is ignored */
	if (fl & SF_TCP_RST) {
		ctx->stats.rst_rx[SF_TCP_RST_RX_IGNORED]++;
		return SF_TCP_LISTEN_DROP;
	}
	/* second: an ACK to a listener is bad (<SEQ=SEG.ACK><CTL=RST>) unless it returns a cookie */
	if (fl & SF_TCP_ACK) {
		if (cookies && !(fl & SF_TCP_SYN) && ctx->cfg.cookie_mode != SF_TCP_COOKIE_NEVER &&
		    ctx->stats.cookies_sent && now_us - ctx->cookie_last_us < 2 * SF_SYNCOOKIE_PERIOD_US) {
			if (sf_syncookie_check(&ctx->cookies, key, seg->seq - 1, seg->ack - 1, now_us, &co)) {
				ctx->stats.cookies_validated++;
				if (tcb == NULL) {
					ctx->stats.drop[SF_TCP_DROP_NO_TCB]++; /* the peer retransmits */
					return SF_TCP_LISTEN_DROP;
				}
				tcp_cookie_open(ctx, tcb, key, seg, &co);
				out->events |= SF_TCP_EV_NEW;
				/* the ACK completes the handshake, and its data or FIN count */
				tcp_input_sync(ctx, tcb, seg, now_us, out); /* the timer: the round's output */
				return SF_TCP_LISTEN_NEW;
			}
			/*
			 * Not a valid cookie. While cookies are out, a later segment of a cookie
			 * connection can overtake the first one (whose SEG.SEQ - 1 is the ISN the
			 * MAC covers) and fail here: a RST would kill a good connection, so drop it
			 * and let the peer retransmit. RFC 9293 3.10.7.2's RST applies otherwise.
			 */
			ctx->stats.cookies_rejected++;
			return SF_TCP_LISTEN_DROP;
		}
		tcp_emit_rst(ctx, out, seg->ack, 0, 0, SF_TCP_RST_TX_LISTEN_ACK);
		return SF_TCP_LISTEN_REPLY;
	}
	/* third: a SYN opens a connection */
	if (!(fl & SF_TCP_SYN)) {
		ctx->stats.drop[SF_TCP_DROP_LISTEN]++; /* fourth: anything else is dropped */
		return SF_TCP_LISTEN_DROP;
	}
	if (tcb != NULL && !(cookies && ctx->cfg.cookie_mode == SF_TCP_COOKIE_ALWAYS)) {
		tcp_passive_open(ctx, tcb, key, seg, now_us, out);
		return SF_TCP_LISTEN_NEW;
	}
	if (!cookies || ctx->cfg.cookie_mode == SF_TCP_COOKIE_NEVER) {
		ctx->stats.drop[SF_TCP_DROP_NO_TCB]++;
		return SF_TCP_LISTEN_DROP;
	}
	tcp_cookie_syn_ack(ctx, key, seg, now_us, out);
	return SF_TCP_LISTEN_REPLY;
}

enum sf_tcp_listen_verdict sf_tcp_listen_input(struct sf_tcp_ctx *ctx, const struct sf_flow_key *key,
					       const struct sf_tcp_seg *seg, uint64_t now_us,
					       struct sf_tcb *tcb, struct sf_tcp_out *out)
{
	sf_tcp_out_init(out);
	return tcp_listen_segment(ctx, key, seg, now_us, tcb, true, out);
}

/* ---- SYN-SENT ---- */

/** RFC 9293 3.10.7.3. Our SYN acknowledged restarts the RTO (out->restart, see tcp_ack()). */
static __attribute__((noinline)) void
tcp_input_syn_sent(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		   const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out)
{
	uint8_t fl = seg->flags;

	/* RFC 9293 3.10.7.3 first: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable */
	if ((fl & SF_TCP_ACK) && (sf_seq_leq(seg->ack, tcb->iss) || sf_seq_gt(seg->ack, tcb->snd_max))) {
		if (fl & SF_TCP_RST) {
			ctx->stats.rst_rx[SF_TCP_RST_RX_IGNORED]++;
			return;
		}
		tcp_emit_rst(ctx, out, seg->ack, 0, 0, SF_TCP_RST_TX_BAD_ACK); /* <SEQ=SEG.ACK><CTL=RST> */
		return;
	}
	/* second: a RST counts only with an acceptable ACK (RFC 5961 3.2, RFC 9293 3.10.7.3) */
	if (fl & SF_TCP_RST) {
		if (fl & SF_TCP_ACK) {
			ctx->stats.rst_rx[SF_TCP_RST_RX_REFUSED]++; /* "error: connection reset" */
			tcp_to_closed(ctx, tcb, out, SF_TCP_EV_RESET);
		} else {
			ctx->stats.rst_rx[SF_TCP_RST_RX_IGNORED]++;
		}
		return;
	}
	/* fourth: without SYN there is nothing to do */
	if (!(fl & SF_TCP_SYN)) {
		ctx->stats.drop[SF_TCP_DROP_SYN_SENT]++;
		return;
	}
	tcb->rcv_nxt = seg->seq + 1; /* RCV.NXT <- SEG.SEQ + 1, IRS <- SEG.SEQ */
	tcp_syn_options(ctx, tcb, key, seg);
	tcp_window_set(tcb, seg->wnd, seg->seq, seg->ack); /* RFC 7323 2.2: unscaled in a SYN */
	if (seg->payload_len || (fl & SF_TCP_FIN))
		ctx->stats.drop[SF_TCP_DROP_SYN_DATA]++;
	if (fl & SF_TCP_ACK) {
		/* our SYN is acknowledged: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
		tcb->snd_una = seg->ack;
		tcp_rtt_on_ack(ctx, tcb, seg, now_us);
		tcp_established(ctx, tcb, out);
		tcb->retries = 0;
		tcb->flags |= SF_TCB_ACK_NOW;
		out->restart = 1; /* see tcp_ack() */
		return;
	}
	/* simultaneous open: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	tcp_set_state(ctx, tcb, SF_TCP_SYN_RECEIVED);
	tcb->snd_nxt = tcb->iss;
}

/* ---- SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT, CLOSING, LAST-ACK ---- */

/** RFC 5681 3.1: slow start below ssthresh, one SMSS per window above it (byte counting). */
static inline void tcp_cwnd_on_ack(struct sf_tcb *tcb, uint32_t acked)
{
	if (tcb->cwnd < tcb->ssthresh) {
		tcb->cwnd += tcp_min32(acked, tcb->snd_mss);
	} else {
		tcb->cwnd_acc += acked;
		if (tcb->cwnd_acc >= tcb->cwnd) {
			tcb->cwnd_acc -= tcb->cwnd;
			tcb->cwnd += tcb->snd_mss;
		}
	}
	if (tcb->cwnd > TCP_CWND_MAX)
		tcb->cwnd = TCP_CWND_MAX;
}

/**
 * Does this segment, which acknowledges our FIN, end the TCB (TIME-WAIT keeps no send window)?
 * In CLOSING and LAST-ACK it does; in FIN-WAIT-1 when it also carries the peer's FIN alone and in
 * order (FIN-WAIT-2, then TIME-WAIT at once). Otherwise FIN-WAIT-2 follows, where RFC 5961 5.2
 * still checks ACKs against MAX.SND.WND: the window is kept up to date.
 */
static inline bool tcp_fin_ack_ends(const struct sf_tcb *tcb, const struct sf_tcp_seg *seg)
{
	uint32_t st = SF_TCPF(tcb->state);

	return (st & (SF_TCPF(SF_TCP_CLOSING) | SF_TCPF(SF_TCP_LAST_ACK))) ||
	       ((st & SF_TCPF(SF_TCP_FIN_WAIT_1)) && (seg->flags & SF_TCP_FIN) && seg->payload_len == 0 &&
		seg->seq == tcb->rcv_nxt);
}

/**
 * An acceptable ACK (SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT). Sets out->restart, "restart the
 * RTO", whenever SND.UNA advances. RFC 6298 5.3 restarts it while data is outstanding; when all is
 * acknowledged, 5.2 stops it and 5.1 starts it afresh for whatever the round's output sends, so
 * a timer the output still wants runs from now either way (tcp_timer_sync, once per round).
 * Returns true when this ACK acknowledges our FIN (it can do so only once: the FIN's ACK moves
 * FIN-WAIT-1, CLOSING and LAST-ACK on at once).
 */
static bool tcp_ack(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg, uint64_t now_us,
		    struct sf_tcp_out *out)
{
	uint32_t ack = seg->ack;
	bool fin_acked = false;

	if (sf_seq_gt(ack, tcb->snd_una)) {
		/* RFC 9293 3.10.7.4: SND.UNA < SEG.ACK =< SND.NXT: SND.UNA <- SEG.ACK */
		uint32_t acked = ack - tcb->snd_una;

		tcb->snd_una = ack;
		if (sf_seq_lt(tcb->snd_nxt, ack))
			tcb->snd_nxt = ack; /* after a go-back-N rewind, skip what arrived anyway */
		tcb->retries = 0;
		out->restart = 1;
		if (ack == tcp_send_end(tcb) && tcp_send_end(tcb) != tcb->iss + 1) {
			out->events |= SF_TCP_EV_ALL_ACKED;
			fin_acked = (tcb->flags & SF_TCB_FIN_QUEUED) != 0;
		}
		/*
		 * Once our FIN is acknowledged nothing of ours will be in flight again: the RTT
		 * estimator and the congestion window (RFC 6298, RFC 5681), which only pace what we
		 * send, have no further use.
		 */
		if (!fin_acked) {
			tcp_rtt_on_ack(ctx, tcb, seg, now_us);
			tcp_cwnd_on_ack(tcb, acked);
		} else if (tcp_fin_ack_ends(tcb, seg)) {
			return true; /* no window update either */
		}
	}
	/* RFC 9293 3.10.7.4: update the window from the newest segment (WL1, WL2 order it) */
	if (sf_seq_geq(ack, tcb->snd_una) &&
	    (sf_seq_lt(tcb->snd_wl1, seg->seq) || (tcb->snd_wl1 == seg->seq && sf_seq_leq(tcb->snd_wl2, ack))))
		tcp_window_set(tcb, (uint32_t)seg->wnd << tcb->snd_wscale, seg->seq, ack); /* RFC 7323 2.3 */
	return fin_acked;
}

/** RFC 9293 3.10.7.4 seventh and eighth: segment text and FIN. */
static void tcp_text_fin(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg,
			 struct sf_tcp_out *out)
{
	uint32_t len = seg->payload_len, skip, n, wnd;
	bool fin = (seg->flags & SF_TCP_FIN) != 0;

	if (len == 0 && !fin)
		return;
	if (sf_seq_gt(seg->seq, tcb->rcv_nxt)) {
		/* beyond RCV.NXT: RFC 9293 would hold it; we keep nothing, and the duplicate ACK
		 * tells the peer where to resume (RFC 5681 4.2: at once for out-of-order data) */
		ctx->stats.drop[SF_TCP_DROP_OUT_OF_ORDER]++;
		tcb->flags |= SF_TCB_ACK_NOW;
		return;
	}
	if (!(SF_TCPF(tcb->state) & TCPF_RECEIVING)) {
		/* CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN came already; its text is ignored */
		ctx->stats.drop[SF_TCP_DROP_AFTER_FIN]++;
		tcb->flags |= SF_TCB_ACK_NOW;
		return;
	}
	skip = tcb->rcv_nxt - seg->seq; /* bytes at the front we already have */
	if (len > skip) {
		n = len - skip;
		wnd = ctx->wnd_bytes[(tcb->flags & SF_TCB_WS_OK) ? 1 : 0];
		if (n > wnd) {
			n = wnd; /* RFC 9293 3.10.7.4: trim to the window; the FIN falls outside */
			fin = false;
		}
		tcb->rcv_nxt += n;
		out->events |= SF_TCP_EV_DATA;
		out->rx_skip = (uint16_t)skip;
		out->rx_len = (uint16_t)n;
		ctx->stats.bytes_delivered += n;
		/* RFC 9293 3.8.6.3: an ACK may wait, but one goes for at least every second segment */
		if (ctx->cfg.delack && !fin && tcb->state == SF_TCP_ESTABLISHED &&
		    !(tcb->flags & SF_TCB_ACK_DELAYED))
			tcb->flags |= SF_TCB_ACK_DELAYED;
		else
			tcb->flags |= SF_TCB_ACK_NOW;
	}
	if (!fin || seg->seq + len != tcb->rcv_nxt)
		return;
	/* eighth: the FIN, in order: it takes one sequence number and is acknowledged at once */
	tcb->rcv_nxt++;
	tcb->flags |= SF_TCB_ACK_NOW;
	out->events |= SF_TCP_EV_PEER_FIN;
	switch (tcb->state) {
	case SF_TCP_ESTABLISHED:
		tcp_set_state(ctx, tcb, SF_TCP_CLOSE_WAIT);
		break;
	case SF_TCP_FIN_WAIT_1:
		/* our FIN is not acknowledged yet (else the ACK step made this FIN-WAIT-2) */
		tcp_set_state(ctx, tcb, SF_TCP_CLOSING);
		break;
	default: /* FIN-WAIT-2: TIME-WAIT, 2MSL starts (tcp_timer_sync) */
		tcp_set_state(ctx, tcb, SF_TCP_TIME_WAIT);
		out->events |= SF_TCP_EV_TIME_WAIT;
		break;
	}
}

/*
 * Simultaneous open (RFC 9293 Figure 7): in SYN-RECEIVED, the peer's SYN-ACK. Its SYN is in RCV.NXT
 * already and its ACK completes our handshake: process it as that ACK (out of line: rare, and
 * the copy would weigh on every segment's stack frame).
 */
static __attribute__((noinline)) void
tcp_input_simultaneous(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg, uint64_t now_us,
		       struct sf_tcp_out *out)
{
	struct sf_tcp_seg view = *seg;

	view.seq = seg->seq + 1;
	view.flags = (uint8_t)(seg->flags & ~SF_TCP_SYN);
	tcp_input_sync(ctx, tcb, &view, now_us, out);
}

/** RFC 9293 3.10.7.4 for every state from SYN-RECEIVED to LAST-ACK (out->restart: see tcp_ack()). */
static void tcp_input_sync(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg,
			   uint64_t now_us, struct sf_tcp_out *out)
{
	uint8_t fl = seg->flags;
	bool ts = (tcb->flags & SF_TCB_TS_OK) && (seg->opts.present & SF_OPT_TS);
	bool fin_acked;

	if (unlikely((fl & (SF_TCP_SYN | SF_TCP_RST)) == SF_TCP_SYN && tcb->state == SF_TCP_SYN_RECEIVED &&
		     seg->seq + 1 == tcb->rcv_nxt)) {
		if (!(fl & SF_TCP_ACK)) {
			/* the peer's SYN again: our SYN-ACK was lost; send the same SYN-ACK again */
			if (ts && sf_seq_geq(seg->opts.ts_val, tcb->ts_recent))
				tcb->ts_recent = seg->opts.ts_val;
			tcb->snd_nxt = tcb->iss;
			tcb->flags &= (uint8_t)~SF_TCB_RTT_TIMING; /* Karn: now ambiguous */
			ctx->stats.retrans[SF_TCP_RETRANS_SYN_ACK]++;
			return;
		}
		if (seg->ack == tcb->snd_max) {
			tcp_input_simultaneous(ctx, tcb, seg, now_us, out);
			return;
		}
	}
	/* RFC 7323 5.3 R1 (PAWS): an older timestamp makes the segment unacceptable */
	if (ts && !(fl & SF_TCP_RST) && sf_seq_lt(seg->opts.ts_val, tcb->ts_recent)) {
		ctx->stats.drop[SF_TCP_DROP_PAWS]++;
		tcb->flags |= SF_TCB_ACK_NOW;
		return;
	}
	/* first: the sequence number (RFC 9293 3.10.7.4); SEG.SEQ = RCV.NXT, the common case, is
	 * acceptable whatever the length, as our window is never zero (sf_tcp_ctx_init) */
	if (seg->seq != tcb->rcv_nxt &&
	    !tcp_seq_acceptable(tcb->rcv_nxt, ctx->wnd_bytes[(tcb->flags & SF_TCB_WS_OK) ? 1 : 0], seg->seq,
				tcp_seg_len(seg))) {
		if (fl & SF_TCP_RST) {
			ctx->stats.rst_rx[SF_TCP_RST_RX_OUT_OF_WINDOW]++; /* RFC 5961 3.2: silently */
			return;
		}
		ctx->stats.drop[SF_TCP_DROP_OUT_OF_WINDOW]++; /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
		tcb->flags |= SF_TCB_ACK_NOW;
		return;
	}
	/* second: RST (RFC 5961 3.2): exactly RCV.NXT resets, elsewhere in window challenges */
	if (fl & SF_TCP_RST) {
		if (seg->seq == tcb->rcv_nxt) {
			ctx->stats.rst_rx[SF_TCP_RST_RX_RESET]++;
			tcp_to_closed(ctx, tcb, out, SF_TCP_EV_RESET);
		} else {
			ctx->stats.rst_rx[SF_TCP_RST_RX_CHALLENGED]++;
			tcp_challenge_ack(ctx, tcb, now_us);
		}
		return;
	}
	/* fourth: SYN in a synchronized state (RFC 5961 4.2): challenge ACK, drop */
	if (fl & SF_TCP_SYN) {
		ctx->stats.drop[SF_TCP_DROP_SYN]++;
		tcp_challenge_ack(ctx, tcb, now_us);
		return;
	}
	/* fifth: the ACK bit off: drop */
	if (!(fl & SF_TCP_ACK)) {
		ctx->stats.drop[SF_TCP_DROP_NO_ACK]++;
		return;
	}
	/* RFC 7323 4.3: TS.Recent <- SEG.TSval when SEG.SEQ =< Last.ACK.sent (not older: PAWS above) */
	if (ts && sf_seq_leq(seg->seq, tcb->rcv_nxt))
		tcb->ts_recent = seg->opts.ts_val;
	if (tcb->state == SF_TCP_SYN_RECEIVED) {
		/* RFC 9293 3.10.7.4: SND.UNA < SEG.ACK =< SND.NXT completes the handshake */
		if (!(sf_seq_lt(tcb->snd_una, seg->ack) && sf_seq_leq(seg->ack, tcb->snd_max))) {
			tcp_emit_rst(ctx, out, seg->ack, 0, 0, SF_TCP_RST_TX_BAD_ACK); /* <SEQ=SEG.ACK><CTL=RST> */
			return;
		}
		/* SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK: the ACK step below does
		 * it, as SND.WL1 holds the IRS (every way into SYN-RECEIVED sets it) */
		tcp_established(ctx, tcb, out);
	}
	if (sf_seq_gt(seg->ack, tcb->snd_max)) {
		/* RFC 9293 3.10.7.4: acknowledges something not yet sent: ACK, drop (RFC 5961 5.2) */
		ctx->stats.drop[SF_TCP_DROP_ACK_UNSENT]++;
		tcp_challenge_ack(ctx, tcb, now_us);
		return;
	}
	if (sf_seq_lt(seg->ack, tcb->snd_una - tcb->max_snd_wnd)) {
		/* RFC 5961 5.2: older than SND.UNA - MAX.SND.WND: ACK, drop */
		ctx->stats.drop[SF_TCP_DROP_ACK_OLD]++;
		tcp_challenge_ack(ctx, tcb, now_us);
		return;
	}
	fin_acked = tcp_ack(ctx, tcb, seg, now_us, out);
	switch (tcb->state) {
	case SF_TCP_FIN_WAIT_1:
		/* our FIN acknowledged: FIN-WAIT-2 */
		if (fin_acked)
			tcp_set_state(ctx, tcb, SF_TCP_FIN_WAIT_2);
		break;
	case SF_TCP_CLOSING:
		/* our FIN acknowledged: TIME-WAIT (the peer's FIN came before) */
		if (fin_acked) {
			tcp_set_state(ctx, tcb, SF_TCP_TIME_WAIT);
			out->events |= SF_TCP_EV_TIME_WAIT;
		}
		return;
	case SF_TCP_LAST_ACK:
		/* our FIN acknowledged: delete the TCB */
		if (fin_acked)
			tcp_to_closed(ctx, tcb, out, 0);
		return;
	default:
		break;
	}
	tcp_text_fin(ctx, tcb, seg, out);
	return;
}

/* ---- TIME-WAIT, as a TCB ---- */

static __attribute__((noinline)) void
tcp_input_time_wait(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_tcp_seg *seg,
		    uint64_t now_us, struct sf_tcp_out *out)
{
	struct sf_tw_state tw;
	enum sf_tcp_tw_verdict v;

	/* one home: the TCB asks the very function the compact form uses */
	tcp_tw_fill(ctx, tcb, &tw);
	v = tcp_tw_decide(ctx, &tw, tcb->ts_offset, seg, now_us, out);
	tcb->ts_recent = tw.ts_recent;
	if (v == SF_TCP_TW_REOPEN) {
		tcp_to_closed(ctx, tcb, out, SF_TCP_EV_REDISPATCH);
		return;
	}
	out->restart = v == SF_TCP_TW_ACK_RESTART; /* 2MSL again */
}

void sf_tcp_input(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, const struct sf_flow_key *key,
		  const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out)
{
	/*
	 * Each branch ends in a tail call (the branches are kept out of line for it). out->restart
	 * tells the round's sf_tcp_output() whether an unchanged RTO (or 2MSL) restarts: it
	 * reconciles the timer, once per round.
	 */
	sf_tcp_out_init(out);
	switch (tcb->state) {
	case SF_TCP_CLOSED:
		tcp_reset_for(ctx, seg, out);
		return;
	case SF_TCP_LISTEN:
		tcp_listen_segment(ctx, key, seg, now_us, tcb, false, out);
		return;
	case SF_TCP_SYN_SENT:
		tcp_input_syn_sent(ctx, tcb, key, seg, now_us, out);
		return;
	case SF_TCP_TIME_WAIT:
		tcp_input_time_wait(ctx, tcb, seg, now_us, out);
		return;
	default:
		tcp_input_sync(ctx, tcb, seg, now_us, out);
		return;
	}
}

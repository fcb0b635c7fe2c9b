/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp TIME-WAIT: one decision for a connection in TIME-WAIT, whether it is still a TCB or
 * the compact struct sf_tw_state the connection table keeps once the TCB is freed (the idea of
 * Linux's tcp_timewait_state_process(): a verdict the caller acts on).
 *
 *   RST                                   dropped: RFC 1337 (no assassination)
 *   SYN, new incarnation allowed          REOPEN: RFC 6191 with timestamps, RFC 1122 4.2.2.13
 *   SYN, not allowed                      challenge ACK (RFC 5961 4.2), rate-limited
 *   older timestamp                       ACK (RFC 7323 5.3 PAWS)
 *   the peer's FIN again                  ACK, restart 2MSL (RFC 9293 3.10.7.4)
 *   a pure ACK exactly at RCV.NXT         nothing (acceptable, nothing to answer)
 *   anything else                         ACK (RFC 9293 3.10.7.4: unacceptable -> ACK)
 */

#include "tcp_priv.h"

/** The ACK TIME-WAIT sends: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
static void tcp_tw_ack(const struct sf_tw_state *tw, uint32_t ts_offset, uint64_t now_us, struct sf_tcp_out *out)
{
	struct sf_tcp_out_seg *s = tcp_out_push(out);

	if (s == NULL)
		return;
	s->wr.flags = SF_TCP_ACK;
	s->wr.seq = tw->snd_nxt;
	s->wr.ack = tw->rcv_nxt;
	s->wr.wnd = tw->rcv_wnd;
	if (tw->ts_ok) {
		s->wr.opts = SF_OPT_TS;
		s->wr.ts_val = tcp_ms(now_us) + ts_offset;
		s->wr.ts_ecr = tw->ts_recent;
	}
}

/** RFC 6191 2 (timestamps) and RFC 1122 4.2.2.13 (sequence numbers): may this SYN reopen? */
static bool tcp_tw_may_reopen(const struct sf_tcp_ctx *ctx, const struct sf_tw_state *tw,
			      const struct sf_tcp_seg *seg)
{
	bool seq_newer = sf_seq_gt(seg->seq, tw->rcv_nxt);

	/* timestamps "would be enabled for the new incarnation": the SYN has them and we offer them */
	if ((seg->opts.present & SF_OPT_TS) && (ctx->cfg.offer & SF_OPT_TS)) {
		if (!tw->ts_ok)
			return true; /* RFC 6191: the old one had none: honour the SYN */
		if (sf_seq_gt(seg->opts.ts_val, tw->ts_recent))
			return true; /* RFC 6191: a newer timestamp */
		return seg->opts.ts_val == tw->ts_recent && seq_newer; /* equal: the sequence decides */
	}
	return seq_newer; /* RFC 1122 4.2.2.13: above the old RCV.NXT */
}

enum sf_tcp_tw_verdict tcp_tw_decide(struct sf_tcp_ctx *ctx, struct sf_tw_state *tw, uint32_t ts_offset,
				     const struct sf_tcp_seg *seg, uint64_t now_us, struct sf_tcp_out *out)
{
	uint8_t fl = seg->flags;
	bool ts = tw->ts_ok && (seg->opts.present & SF_OPT_TS);

	/* RFC 1337: a RST must not end TIME-WAIT early */
	if (fl & SF_TCP_RST) {
		ctx->stats.rst_rx[SF_TCP_RST_RX_TIME_WAIT]++;
		return SF_TCP_TW_DROP;
	}
	if ((fl & (SF_TCP_SYN | SF_TCP_ACK)) == SF_TCP_SYN) {
		if (tcp_tw_may_reopen(ctx, tw, seg))
			return SF_TCP_TW_REOPEN;
		/* RFC 5961 4.2: a SYN in a synchronized state gets a (rate-limited) challenge ACK */
		ctx->stats.drop[SF_TCP_DROP_TW_SYN]++;
		if (!tcp_challenge_ack_allowed(ctx, now_us))
			return SF_TCP_TW_DROP;
		tcp_tw_ack(tw, ts_offset, now_us, out);
		return SF_TCP_TW_ACK;
	}
	/* RFC 7323 5.3 R1 (PAWS): an older timestamp is unacceptable: ACK it, drop it */
	if (ts && sf_seq_lt(seg->opts.ts_val, tw->ts_recent)) {
		ctx->stats.drop[SF_TCP_DROP_PAWS]++;
		tcp_tw_ack(tw, ts_offset, now_us, out);
		return SF_TCP_TW_ACK;
	}
	/* RFC 9293 3.10.7.4: the peer's FIN again (it ends at RCV.NXT): ACK it, restart 2MSL */
	if ((fl & SF_TCP_FIN) && seg->seq + seg->payload_len + 1 == tw->rcv_nxt) {
		if (ts)
			tw->ts_recent = seg->opts.ts_val; /* not older (PAWS above): RFC 7323 4.3 */
		tcp_tw_ack(tw, ts_offset, now_us, out);
		return SF_TCP_TW_ACK_RESTART;
	}
	ctx->stats.drop[SF_TCP_DROP_TIME_WAIT]++;
	/* acceptable and empty: nothing to answer (two TIME-WAITs would otherwise trade ACKs) */
	if (seg->seq == tw->rcv_nxt && seg->payload_len == 0 && !(fl & (SF_TCP_FIN | SF_TCP_SYN)))
		return SF_TCP_TW_DROP;
	tcp_tw_ack(tw, ts_offset, now_us, out);
	return SF_TCP_TW_ACK;
}

void sf_tcp_tw_export(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tw_state *tw)
{
	tcp_tw_fill(ctx, tcb, tw);
	/* the connection lives on in the compact form: the TCB closes without counting a close */
	tcp_set_state(ctx, tcb, SF_TCP_CLOSED);
	tcb->timer_kind = SF_TCP_TK_NONE; /* the caller cancels the timer as it frees the TCB */
	ctx->stats.tw_compact++;
}

enum sf_tcp_tw_verdict sf_tcp_tw_input(struct sf_tcp_ctx *ctx, struct sf_tw_state *tw,
				       const struct sf_flow_key *key, const struct sf_tcp_seg *seg,
				       uint64_t now_us, struct sf_tcp_out *out)
{
	enum sf_tcp_tw_verdict v;

	sf_tcp_out_init(out);
	/* the offset is a hash of the tuple, so the compact form need not store it */
	v = tcp_tw_decide(ctx, tw, tw->ts_ok ? sf_tcp_ts_offset(&ctx->secret, key) : 0, seg, now_us, out);
	if (v == SF_TCP_TW_REOPEN) {
		sf_tcp_tw_expired(ctx);
	} else if (v == SF_TCP_TW_ACK_RESTART) {
		out->timer = SF_TCP_TIMER_ARM;
		out->timer_ms = 2 * ctx->cfg.msl_ms;
	}
	return v;
}

void sf_tcp_tw_expired(struct sf_tcp_ctx *ctx)
{
	ctx->stats.tw_compact--;
	ctx->stats.closed++;
}

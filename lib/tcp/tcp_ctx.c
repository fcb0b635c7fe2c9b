/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp: configuration, the per-lcore context, counters, and the pieces every other file of
 * the state machine shares out of line (closing, RSTs, challenge-ACK limit); the per-connection
 * ones (state setter, TCB initialisation, SYN options, timer, RTT estimator) are inline in
 * tcp_priv.h.
 *
 * Reading list for the whole module:
 *   RFC 9293  Transmission Control Protocol (the state machine, 3.10 event processing)
 *   RFC 5961  Improving TCP's Robustness to Blind In-Window Attacks (RST, SYN, ACK checks)
 *   RFC 7323  TCP Extensions for High Performance (window scale, timestamps, PAWS)
 *   RFC 2018  TCP Selective Acknowledgment Options (SACK-permitted)
 *   RFC 6298  Computing TCP's Retransmission Timer
 *   RFC 5681  TCP Congestion Control; RFC 6928 Increasing TCP's Initial Window
 *   RFC 1337  TIME-WAIT Assassination Hazards; RFC 6191 Reducing TIME-WAIT with timestamps
 *   RFC 1122  4.2.2.13 (reopening from TIME-WAIT); RFC 4987 SYN cookies; RFC 6528 ISNs
 */

#include "tcp_priv.h"

_Static_assert(sizeof(struct sf_tcb) <= 128, "a TCB must fit in two cache lines");
_Static_assert(offsetof(struct sf_tcb, srtt8) == 64, "handshake fields fill exactly the first line");
_Static_assert(sizeof(struct sf_tcp_out_seg) == 32, "output segment descriptor stays 32 bytes");
_Static_assert(SF_TCP__STATE_COUNT <= 32, "state bit masks fit in 32 bits");

static const char *const state_names[] = {
#define SF_X(name, str) [SF_TCP_##name] = str,
	SF_TCP_STATES(SF_X)
#undef SF_X
};

const char *sf_tcp_state_name(enum sf_tcp_state s)
{
	if ((unsigned int)s >= SF_TCP__STATE_COUNT)
		return "?";
	return state_names[s];
}

void sf_tcp_config_default(struct sf_tcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->msl_ms = 30000;          /* Linux's TIME-WAIT is 60 s = 2 * 30 s */
	cfg->rto_initial_ms = 1000;   /* RFC 6298 2.1 */
	cfg->rto_min_ms = 200;        /* RFC 6298 2.4 says 1 s; 200 ms is what deployed stacks use */
	cfg->rto_max_ms = 60000;      /* RFC 6298 2.5: a maximum of at least 60 s */
	cfg->delack_ms = 40;
	cfg->fin_wait_2_ms = 60000;
	cfg->rcv_wnd = 256 * 1024;
	cfg->challenge_ack_limit = 1000;
	cfg->mss = 1460;
	cfg->rcv_wscale = 3;
	cfg->offer = SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM | SF_OPT_TS;
	cfg->syn_retries = 6;
	cfg->synack_retries = 5;
	cfg->max_retries = 15;
	cfg->init_cwnd_segs = 10;     /* RFC 6928 */
	cfg->delack = 0;
	cfg->cookie_mode = SF_TCP_COOKIE_WHEN_FULL;
}

int sf_tcp_ctx_init(struct sf_tcp_ctx *ctx, const struct sf_tcp_config *cfg)
{
	uint32_t ws;

	if (cfg->rcv_wscale > TCP_WSCALE_MAX || cfg->mss < TCP_MSS_FLOOR || cfg->rcv_wnd == 0 ||
	    cfg->rcv_wnd >= (1u << 30) || (cfg->rcv_wnd >> cfg->rcv_wscale) == 0 ||
	    cfg->rto_min_ms == 0 || cfg->rto_min_ms > cfg->rto_max_ms ||
	    cfg->rto_initial_ms < cfg->rto_min_ms || cfg->rto_initial_ms > cfg->rto_max_ms ||
	    cfg->msl_ms == 0 || cfg->init_cwnd_segs == 0 || cfg->cookie_mode > SF_TCP_COOKIE_ALWAYS ||
	    (cfg->delack && cfg->delack_ms == 0))
		return -1;
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
	/* RFC 7323 2.2: without window scaling the field is the window, at most 65535 */
	ctx->wnd_field[0] = (uint16_t)tcp_min32(cfg->rcv_wnd, 0xffff);
	ctx->wnd_bytes[0] = ctx->wnd_field[0];
	/* with it the field is the window >> shift; the peer sees (field << shift) bytes */
	ws = tcp_min32(cfg->rcv_wnd >> cfg->rcv_wscale, 0xffff);
	ctx->wnd_field[1] = (uint16_t)ws;
	ctx->wnd_bytes[1] = ws << cfg->rcv_wscale;
	sf_tcp_isn_key_init(&ctx->secret);
	sf_syncookie_keys_init(&ctx->cookies);
	return 0;
}

void tcp_to_closed(struct sf_tcp_ctx *ctx, struct sf_tcb *tcb, struct sf_tcp_out *out, uint16_t ev)
{
	tcp_set_state(ctx, tcb, SF_TCP_CLOSED);
	ctx->stats.closed++;
	tcb->flags &= (uint8_t)~(SF_TCB_ACK_NOW | SF_TCB_ACK_DELAYED);
	out->events |= (uint16_t)(SF_TCP_EV_CLOSED | ev);
	tcp_timer_sync(ctx, tcb, out, false);
}

bool tcp_challenge_ack_allowed(struct sf_tcp_ctx *ctx, uint64_t now_us)
{
	/* RFC 5961 7: at most challenge_ack_limit per second, per lcore (a fixed window) */
	if (now_us - ctx->chack_window_us >= 1000000) {
		ctx->chack_window_us = now_us;
		ctx->chack_count = 0;
	}
	if (ctx->chack_count >= ctx->cfg.challenge_ack_limit) {
		ctx->stats.challenge_acks_suppressed++;
		return false;
	}
	ctx->chack_count++;
	ctx->stats.challenge_acks_sent++;
	return true;
}

void tcp_emit_rst(struct sf_tcp_ctx *ctx, struct sf_tcp_out *out, uint32_t seq, uint32_t ack,
		  uint8_t flags, enum sf_tcp_rst_tx why)
{
	struct sf_tcp_out_seg *s = tcp_out_push(out);

	if (s == NULL)
		return;
	s->wr.flags = (uint8_t)(SF_TCP_RST | (flags & SF_TCP_ACK));
	s->wr.seq = seq;
	s->wr.ack = (flags & SF_TCP_ACK) ? ack : 0;
	ctx->stats.rst_tx[why]++;
}

/* ---- counters ---- */

static const char *const rst_tx_names[] = {
#define SF_X(name, str) str,
	SF_TCP_RST_TX_REASONS(SF_X)
#undef SF_X
};
static const char *const rst_rx_names[] = {
#define SF_X(name, str) str,
	SF_TCP_RST_RX_REASONS(SF_X)
#undef SF_X
};
static const char *const retrans_names[] = {
#define SF_X(name, str) str,
	SF_TCP_RETRANS_KINDS(SF_X)
#undef SF_X
};
static const char *const give_up_names[] = {
#define SF_X(name, str) str,
	SF_TCP_GIVE_UP_REASONS(SF_X)
#undef SF_X
};
static const char *const drop_names[] = {
#define SF_X(name, str) str,
	SF_TCP_DROP_REASONS(SF_X)
#undef SF_X
};

void sf_tcp_stats_visit(const struct sf_tcp_stats *s,
			void (*fn)(void *arg, const char *group, const char *name, uint64_t value), void *arg)
{
	unsigned int i;

	for (i = SF_TCP_CLOSED + 1; i < SF_TCP__STATE_COUNT; i++)
		fn(arg, "state", state_names[i], s->state[i]);
	fn(arg, "state", "time_wait_compact", s->tw_compact);
	fn(arg, "conn", "opened_active", s->opened_active);
	fn(arg, "conn", "opened_passive", s->opened_passive);
	fn(arg, "conn", "opened_cookie", s->opened_cookie);
	fn(arg, "conn", "established", s->established);
	fn(arg, "conn", "closed", s->closed);
	for (i = 0; i < SF_TCP_RST_TX__COUNT; i++)
		fn(arg, "rst_tx", rst_tx_names[i], s->rst_tx[i]);
	for (i = 0; i < SF_TCP_RST_RX__COUNT; i++)
		fn(arg, "rst_rx", rst_rx_names[i], s->rst_rx[i]);
	for (i = 0; i < SF_TCP_RETRANS__COUNT; i++)
		fn(arg, "retrans", retrans_names[i], s->retrans[i]);
	for (i = 0; i < SF_TCP_GIVE_UP__COUNT; i++)
		fn(arg, "give_up", give_up_names[i], s->give_up[i]);
	for (i = 0; i < SF_TCP_DROP__COUNT; i++)
		fn(arg, "drop", drop_names[i], s->drop[i]);
	fn(arg, "cookie", "sent", s->cookies_sent);
	fn(arg, "cookie", "validated", s->cookies_validated);
	fn(arg, "cookie", "rejected", s->cookies_rejected);
	fn(arg, "challenge_ack", "sent", s->challenge_acks_sent);
	fn(arg, "challenge_ack", "suppressed", s->challenge_acks_suppressed);
	fn(arg, "bytes", "delivered", s->bytes_delivered);
	fn(arg, "bytes", "sent", s->bytes_sent);
}

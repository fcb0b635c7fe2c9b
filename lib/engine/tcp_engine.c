/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/engine's TCP path: find the connection a segment belongs to (TCB, compact TIME_WAIT entry,
 * listener or nothing), run lib/tcp's state machine, let the server answer requests, and write
 * what lib/tcp decided to send, the first segment into the received mbuf, response bytes
 * attached by reference. Timers come back here when they fire.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "engine_priv.h"

/* Response bytes are never freed through an mbuf: the lcore holds one reference for ever. */
static void body_never_freed(void *addr, void *opaque)
{
	(void)addr, (void)opaque;
}

int sf_lcore_tcp_setup(struct sf_lcore *lc, const struct sf_conn_sizes *sizes, const struct sf_tcp_config *cfg,
		       const struct sf_listeners *listeners)
{
	if (lc->conn == NULL) {
		struct sf_conn_config cc = {
			.tcb_capacity = sizes->tcbs,
			.tcb_size = sizeof(struct sf_tcb),
			.tcb_align = RTE_CACHE_LINE_SIZE,
			.tw4_capacity = sizes->tw4,
			.tw6_capacity = sizes->tw6,
			/* On the node of the ports the worker polls, as its mbuf pool is (app/ports.c):
			 * every frame's lookup touches it. */
			.numa_node = lc->mp->socket_id,
		};
		struct sf_tcp_ctx fresh;

		lc->conn = sf_conn_create(&cc);
		if (lc->conn == NULL)
			return -errno;
		if (sf_tcp_ctx_init(&fresh, cfg) != 0)
			return -EINVAL;
		lc->tcp = fresh;
		sf_wheel_init(&lc->wheel, lc->now_tick);
		lc->body_shinfo.free_cb = body_never_freed;
		rte_mbuf_ext_refcnt_set(&lc->body_shinfo, 1);
	} else {
		/* Reconfigure: new settings, same secrets and counters. */
		struct sf_tcp_ctx fresh;

		if (sf_tcp_ctx_init(&fresh, cfg) != 0)
			return -EINVAL;
		fresh.secret = lc->tcp.secret;
		fresh.cookies = lc->tcp.cookies;
		fresh.stats = lc->tcp.stats;
		lc->tcp = fresh;
	}
	/* An eighth of the pool (at least 64 TCBs, or half a smaller pool) is kept for connections
	 * a valid cookie ACK opens, so a SYN flood holding every other TCB in SYN-RECEIVED cannot
	 * shut legitimate clients out. */
	uint32_t reserve = RTE_MAX(sizes->tcbs / 8, RTE_MIN(64u, sizes->tcbs / 2));

	/* The cookie mode folds into the limit: always cookies, no TCB for any SYN; never, no limit. */
	if (cfg->cookie_mode == SF_TCP_COOKIE_ALWAYS)
		lc->syn_tcb_limit = 0;
	else if (cfg->cookie_mode == SF_TCP_COOKIE_NEVER)
		lc->syn_tcb_limit = UINT32_MAX;
	else
		lc->syn_tcb_limit = sizes->tcbs - reserve;
	lc->conn_stats = sf_conn_stats(lc->conn);
	lc->listeners = listeners;
	return 0;
}

/* ---- writing segments ---- */

static inline const struct sf_listener *app_listener(const struct sf_lcore *lc, const struct conn_app *a)
{
	return a->role != 0 && a->role != CONN_CLIENT ? &lc->listeners->l[a->role - 1] : NULL;
}

/* What the connection's stream bytes are: the listener's response, or the client's request. */
static inline const struct sf_response *app_stream(const struct sf_lcore *lc, const struct conn_app *a)
{
	if (a->role == CONN_CLIENT)
		return sf_client_stream(lc);
	return a->role != 0 ? &lc->listeners->l[a->role - 1].response : NULL;
}


/*
 * A segment's payload: @p len bytes of the connection's stream (the listener's prebuilt response,
 * or the client's request) at @p bytes, their one's-complement sum in @p sum.
 */
struct seg_payload {
	const struct sf_response *stream;
	const uint8_t *bytes;
	uint32_t sum;
	uint16_t len;
};

/*
 * The payload of @p len bytes of stream @p r at stream offset @p off. Two responses in one segment
 * (pipelined requests) are cut at the first one's end: lib/tcp cuts segments at the MSS, not at
 * response boundaries. A segment that starts on a chunk boundary and spans the chunk uses the sum
 * computed at start.
 */
static inline void payload_at(struct seg_payload *pl, const struct sf_response *r, uint32_t off, uint16_t len)
{
	uint32_t at = off < r->len ? off : off % r->len;

	if (unlikely(at + len > r->len))
		len = (uint16_t)(r->len - at);
	pl->stream = r;
	pl->bytes = r->bytes + at;
	pl->len = len;
	/* The usual segment carries a whole response from its first byte: no division for it. */
	if (at == 0 && (len == r->chunk || len == r->len))
		pl->sum = r->chunk_sum[0];
	else if (at % r->chunk == 0 && (len == r->chunk || at + len == r->len))
		pl->sum = r->chunk_sum[at / r->chunk];
	else
		pl->sum = sf_csum_partial(pl->bytes, len, 0);
}

/* An mbuf holding payload @p pl by reference into its stream's bytes; NULL: no mbuf. */
static struct rte_mbuf *payload_attach(struct sf_lcore *lc, const struct seg_payload *pl)
{
	const struct sf_response *r = pl->stream;
	struct rte_mbuf *b = rte_pktmbuf_alloc(lc->mp);

	if (unlikely(b == NULL))
		return NULL;
	rte_mbuf_ext_refcnt_update(&lc->body_shinfo, 1);
	rte_pktmbuf_attach_extbuf(b, (void *)(uintptr_t)pl->bytes, r->iova + (uint64_t)(pl->bytes - r->bytes),
				  pl->len, &lc->body_shinfo);
	b->data_len = pl->len;
	b->pkt_len = pl->len;
	return b;
}

/*
 * Checksum work for the port: offload flags and header lengths on the mbuf, and what lib/net
 * leaves to the port. A port without checksum offloads (memif) reads none of the fields, so the
 * header length is only worked out for one that has them.
 */
static inline unsigned int tx_csum_setup(const struct sf_port *p, struct rte_mbuf *m, uint8_t family,
					 uint16_t l2_len, const struct sf_tcp_wr *w)
{
	unsigned int flags = 0;
	uint16_t l3_len = family == SF_AF_INET ? 20 : 40;

	m->ol_flags = 0;
	if (likely(!p->ol.tx_tcp_csum && !p->ol.tx_ip4_csum))
		return 0;
	if (p->ol.tx_tcp_csum) {
		flags |= SF_NET_TX_CSUM_TCP;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
			       (family == SF_AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
	}
	if (family == SF_AF_INET && p->ol.tx_ip4_csum) {
		flags |= SF_NET_TX_CSUM_IP4;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	}
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	m->l4_len = (uint16_t)sf_net_tcp_hdr_len(w);
	return flags;
}

static inline uint8_t pkt_family(const struct sf_pkt *pkt)
{
	return pkt->kind == SF_PKT_TCP4 ? SF_AF_INET : SF_AF_INET6;
}

/*
 * Header @p m of @p hdr_len bytes, then payload @p pl (NULL: none) copied behind it when small
 * and there is room, else chained after it by reference, queued on port @p pi: the one tail of
 * every segment sent, fresh or written over the frame it answers. Without an mbuf to attach the
 * payload to, the segment is not sent (counted; retransmission covers it).
 */
static inline void tx_segment(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, uint32_t hdr_len,
			      const struct seg_payload *pl)
{
	m->data_len = (uint16_t)hdr_len;
	m->pkt_len = hdr_len;
	if (pl != NULL) {
		if (likely(pl->len <= SF_PAYLOAD_COPY_MAX &&
			   hdr_len + pl->len <= (uint32_t)m->buf_len - m->data_off)) {
			rte_memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hdr_len), pl->bytes, pl->len);
			m->data_len = (uint16_t)(hdr_len + pl->len);
		} else {
			struct rte_mbuf *body = payload_attach(lc, pl);

			if (unlikely(body == NULL)) {
				lc->stats.tcp_tx_nombuf++;
				rte_pktmbuf_free(m);
				return;
			}
			m->next = body;
			m->nb_segs = 2;
		}
		m->pkt_len += pl->len;
	}
	sf_lcore_tx(lc, pi, m);
}

/*
 * The header of a client's SYN from its template: all its SYNs differ only in addresses, ports,
 * ISN and TS value. The template checks that @p w is the segment it was made for; when it is not
 * (the first SYN, other settings) it is made again from @p w, or the header is built as any other.
 */
static inline uint32_t syn_header(struct sf_lcore *lc, uint8_t *frame, uint32_t room, const struct sf_flow_key *key,
				  const struct sf_mac *src, const struct sf_mac *dst, const struct sf_tcp_wr *w,
				  unsigned int csum)
{
	struct sf_tcp_tmpl *t = &lc->client.syn_tmpl;
	uint32_t len = sf_net_tcp_tmpl_write(frame, room, t, key, dst, w, csum);

	if (likely(len != 0))
		return len;
	if (sf_net_tcp_tmpl_init(t, key->family, src, 0, w, csum) == 0 &&
	    (len = sf_net_tcp_tmpl_write(frame, room, t, key, dst, w, csum)) != 0)
		return len;
	return sf_net_tcp_build(frame, room, key, src, dst, 0, w, 0, csum);
}

/*
 * A segment of connection @p idx built from scratch in a fresh mbuf from the connection's key,
 * with payload @p pl (NULL: none); @p syn: it is a client's SYN (tx_syn).
 */
static __rte_always_inline void tx_build_as(struct sf_lcore *lc, uint16_t pi, uint32_t idx, const struct conn_app *a,
					    const struct sf_tcp_wr *w, const struct seg_payload *pl, bool syn)
{
	const struct sf_port *p = lc->ports[pi];
	/* The key is the TCB's neighbour in the table, only read to build a segment. */
	const struct sf_flow_key *key = sf_tcb_key(lc->conn, idx);
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->mp);
	uint8_t *frame;
	uint32_t hdr_len, room;
	unsigned int csum;

	if (unlikely(m == NULL)) {
		lc->stats.tcp_tx_nombuf++;
		return;
	}
	csum = tx_csum_setup(p, m, key->family, RTE_ETHER_HDR_LEN, w);
	frame = rte_pktmbuf_mtod(m, uint8_t *);
	room = rte_pktmbuf_tailroom(m);
	if (syn)
		hdr_len = syn_header(lc, frame, room, key, (const struct sf_mac *)&p->mac,
				     (const struct sf_mac *)a->peer_mac, w, csum);
	else
		hdr_len = sf_net_tcp_build(frame, room, key, (const struct sf_mac *)&p->mac,
					   (const struct sf_mac *)a->peer_mac, 0, w, pl != NULL ? pl->sum : 0, csum);
	tx_segment(lc, pi, m, hdr_len, pl);
}

static inline void tx_build(struct sf_lcore *lc, uint16_t pi, uint32_t idx, const struct conn_app *a,
			    const struct sf_tcp_wr *w, const struct seg_payload *pl)
{
	tx_build_as(lc, pi, idx, a, w, pl, false);
}

/* The SYN of a client's connect (RFC 9293 3.10.1). A SYN sent again (RTO) is built as any other
 * segment: the template is for the rate of new connections, not the rare retransmission. */
static inline void tx_syn(struct sf_lcore *lc, uint16_t pi, uint32_t idx, const struct conn_app *a,
			  const struct sf_tcp_wr *w)
{
	tx_build_as(lc, pi, idx, a, w, NULL, true);
}

/*
 * The payload of segment @p s in *@p pl: its stream bytes (payload_at() may cut it short, and the
 * header follows). False when the connection has no stream (counted): the segment is not sent.
 */
static inline bool seg_payload(struct sf_lcore *lc, const struct conn_app *a, struct sf_tcp_out_seg *s,
			       struct seg_payload *pl)
{
	const struct sf_response *stream = a != NULL ? app_stream(lc, a) : NULL;

	if (unlikely(stream == NULL || stream->len == 0)) {
		lc->stats.tcp_tx_nombuf++;
		return false;
	}
	payload_at(pl, stream, s->data_off, s->wr.payload_len);
	s->wr.payload_len = pl->len;
	return true;
}

/* Segment @p w written over the frame @p rx it answers (a single segment, classify takes no
 * other), with payload @p pl (NULL: none). */
static inline void tx_reply(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *rx, const struct sf_rx_frame *x,
			    const struct sf_tcp_wr *w, const struct seg_payload *pl)
{
	const struct sf_pkt *pkt = &x->pkt;
	unsigned int csum = tx_csum_setup(lc->ports[pi], rx, pkt_family(pkt), pkt->l3_off, w);
	uint32_t hdr_len = sf_net_tcp_reply(rte_pktmbuf_mtod(rx, uint8_t *), pkt, w, pl != NULL ? pl->sum : 0, csum);

	tx_segment(lc, pi, rx, hdr_len, pl);
}

/*
 * Send what a round decided: segment 0 in the received mbuf @p rx when there is one (it is
 * consumed either way), the others in fresh mbufs built from the key of connection @p idx.
 * @p a is the connection's engine words; NULL for an answer that belongs to no connection (RST,
 * TIME_WAIT ACK, cookie SYN-ACK), always one segment in @p rx, and @p idx unused.
 */
static __rte_noinline void tcp_transmit_all(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *rx,
					    const struct sf_rx_frame *x, uint32_t idx, const struct conn_app *a,
					    struct sf_tcp_out *out)
{
	for (unsigned int i = 0; i < out->nseg; i++) {
		struct sf_tcp_out_seg *s = &out->seg[i];
		struct seg_payload payload, *pl = NULL;

		if (s->wr.payload_len != 0) {
			if (!seg_payload(lc, a, s, &payload))
				continue;
			pl = &payload;
		}
		if (rx != NULL) {
			tx_reply(lc, pi, rx, x, &s->wr, pl);
			rx = NULL;
		} else if (likely(a != NULL)) {
			tx_build(lc, pi, idx, a, &s->wr, pl);
		} else {
			break; /* no connection (and no payload), no peer MAC to build a frame for */
		}
	}
	if (rx != NULL)
		sf_lcore_rx_done(lc, rx);
}

/* tcp_transmit_all(), with the usual answers inline: one segment over the frame it answers
 * (SYN-ACK, ACK, FIN, RST, or a request or response with its body); nothing to send, and the
 * frame is freed; or one header-only segment of a connection built from scratch (the client's
 * SYN). */
static __rte_always_inline void tcp_transmit(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *rx,
					     const struct sf_rx_frame *x, uint32_t idx, const struct conn_app *a,
					     struct sf_tcp_out *out)
{
	struct sf_tcp_out_seg *s = &out->seg[0];

	if (likely(rx != NULL && out->nseg == 1)) {
		struct seg_payload payload;

		if (likely(s->wr.payload_len == 0)) {
			tx_reply(lc, pi, rx, x, &s->wr, NULL);
			return;
		}
		if (likely(seg_payload(lc, a, s, &payload)))
			tx_reply(lc, pi, rx, x, &s->wr, &payload);
		else
			sf_lcore_rx_done(lc, rx);
		return;
	}
	if (rx != NULL && out->nseg == 0) {
		sf_lcore_rx_done(lc, rx);
		return;
	}
	if (rx == NULL && a != NULL && out->nseg == 1 && s->wr.payload_len == 0) {
		tx_build(lc, pi, idx, a, &s->wr, NULL);
		return;
	}
	tcp_transmit_all(lc, pi, rx, x, idx, a, out);
}

/* ---- the server application ---- */

/* The listener's close policy, once its requests are answered (or at once, with none to wait for). */
static void server_close(struct sf_lcore *lc, const struct sf_listener *l, struct sf_tcb *tcb, struct conn_app *a,
			 struct sf_tcp_out *out)
{
	if (l->close_policy == SF_CLOSE_SERVER) {
		sf_tcp_close(&lc->tcp, tcb, out);
	} else if (l->close_policy == SF_CLOSE_RST) {
		/* Reset once the client has the responses: a RST on their heels would make its
		 * stack drop what it has not read yet. */
		if (l->response.len == 0 || a->requests == 0)
			sf_tcp_abort(&lc->tcp, tcb, lc->now_us, out);
		else
			a->flags |= CONN_RST_WHEN_ACKED;
	}
}

/* Requests arrived: queue a response for each, then apply the close policy after the last. */
static void server_on_data(struct sf_lcore *lc, struct sf_tcb *tcb, struct conn_app *a, const uint8_t *data,
			   uint32_t len, struct sf_tcp_out *out)
{
	const struct sf_listener *l = app_listener(lc, a);
	unsigned int n;

	if (l == NULL)
		return;
	if (l->response_kind == SF_RESPONSE_HTTP)
		n = sf_http_requests_in(data, len, &a->http_state);
	else
		n = 1; /* raw and none: every arrival of data is one request */
	for (; n > 0; n--) {
		if (l->requests != 0 && a->requests >= l->requests)
			break; /* beyond the per-connection budget: acknowledged, not answered */
		a->requests++;
		if (l->response.len != 0 && sf_tcp_send(tcb, l->response.len) == 0)
			lc->stats.responses++;
		if (l->requests != 0 && a->requests == l->requests)
			server_close(lc, l, tcb, a, out);
	}
}

/*
 * Established: a listener that answers no requests (`requests 0`) and closes from its side
 * closes now, so a handshake-only benchmark can put TIME_WAIT on the server. With `close
 * client`, `requests 0` means no limit instead, and nothing happens here.
 */
static inline void server_on_established(struct sf_lcore *lc, struct sf_tcb *tcb, struct conn_app *a,
					 struct sf_tcp_out *out)
{
	const struct sf_listener *l = app_listener(lc, a);

	if (l != NULL && l->requests == 0 && l->close_policy != SF_CLOSE_CLIENT && tcb->state == SF_TCP_ESTABLISHED)
		server_close(lc, l, tcb, a, out);
}

/* The events the server acts on below (a new connection's SYN calls for nothing). */
static inline bool server_wants(uint16_t events)
{
	return events & (SF_TCP_EV_ESTABLISHED | SF_TCP_EV_DATA | SF_TCP_EV_PEER_FIN | SF_TCP_EV_ALL_ACKED);
}

/* ---- one round of a connection ---- */

static inline void timer_apply(struct sf_lcore *lc, struct sf_tcb *tcb, const struct sf_tcp_out *out)
{
	if (out->timer == SF_TCP_TIMER_ARM)
		sf_timer_arm(&lc->wheel, &tcb->timer, lc->now_tick + out->timer_ms);
	else if (out->timer == SF_TCP_TIMER_CANCEL)
		sf_timer_cancel_lazy(&lc->wheel, &tcb->timer); /* a TCB's node stays one: see sf_timer.h */
}

/* The connection is CLOSED (its TCB is freed) or in TIME-WAIT (its TCB becomes a compact entry). */
static inline void conn_end(struct sf_lcore *lc, uint32_t idx, struct sf_tcb *tcb, const struct conn_app *a,
			    uint16_t events)
{
	if (a->role == CONN_CLIENT)
		sf_client_on_end(lc, idx, tcb, events);
	sf_timer_cancel_lazy(&lc->wheel, &tcb->timer); /* parked until the TCB's next connection */
	if (events & SF_TCP_EV_CLOSED) {
		sf_tcb_free(lc->conn, idx);
		return;
	}
	const struct sf_conn_stats *cs = lc->conn_stats;
	uint64_t recycled = cs->tw_recycled;
	struct sf_tw_state tw;
	uint32_t ref;

	sf_tcp_tw_export(&lc->tcp, tcb, &tw);
	if (sf_tw_from_tcb(lc->conn, idx, &tw, lc->now_tick + 2ull * lc->tcp.cfg.msl_ms, &ref) != 0)
		sf_tcp_tw_expired(&lc->tcp); /* not stored (IPv6 TIME_WAIT off): it ends here */
	/* A full store made room by ending its oldest entry early: the gauge follows. */
	for (recycled = cs->tw_recycled - recycled; recycled > 0; recycled--)
		sf_tcp_tw_expired(&lc->tcp);
}

/* The new in-order bytes of a round's segment (EV_DATA), read only when the event says so. */
static inline const uint8_t *round_data(const struct sf_rx_frame *x, const struct sf_tcp_out *out)
{
	return x != NULL ? x->seg.payload + out->rx_skip : NULL;
}

/*
 * After lib/tcp's input, timeout or connect (@p connect) on TCB @p idx: run the application, let
 * lib/tcp emit what may go (ACK piggybacked on the response), send it, and act on the events.
 */
static __rte_always_inline void conn_round(struct sf_lcore *lc, struct rte_mbuf *rx, const struct sf_rx_frame *x,
					   uint32_t idx, struct sf_tcb *tcb, struct sf_tcp_out *out, bool connect)
{
	struct sf_tcp_out_seg *first = &out->seg[0];
	struct conn_app a;

	app_get(tcb, &a);
	if (!(out->events & SF_TCP_EV_CLOSED)) {
		if (connect) {
			/* sf_tcp_connect() reports no event: nothing for the application to do */
		} else if (a.role == CONN_CLIENT) {
			if (sf_client_wants(tcb, out->events))
				sf_client_on_input(lc, idx, tcb, round_data(x, out), out);
		} else if (server_wants(out->events)) {
			if (out->events & SF_TCP_EV_ESTABLISHED)
				server_on_established(lc, tcb, &a, out);
			if ((out->events & SF_TCP_EV_DATA) && x != NULL)
				server_on_data(lc, tcb, &a, round_data(x, out), out->rx_len, out);
			/* The client closed: our side follows once the responses are queued. */
			if ((out->events & SF_TCP_EV_PEER_FIN) && a.role && tcb->state == SF_TCP_CLOSE_WAIT)
				sf_tcp_close(&lc->tcp, tcb, out);
			if ((out->events & SF_TCP_EV_ALL_ACKED) && (a.flags & CONN_RST_WHEN_ACKED) &&
			    !(out->events & SF_TCP_EV_CLOSED))
				sf_tcp_abort(&lc->tcp, tcb, lc->now_us, out);
			app_put(tcb, &a);
		}
		if (!(out->events & SF_TCP_EV_CLOSED))
			sf_tcp_output(&lc->tcp, tcb, lc->now_us, out);
	}
	/* A connect's round sends its SYN, and nothing else, from the client's template; the
	 * constant @p connect keeps that test out of every other round. */
	if (connect && likely(out->nseg == 1 && first->wr.flags == SF_TCP_SYN && first->wr.payload_len == 0))
		tx_syn(lc, a.port_idx, idx, &a, &first->wr);
	else
		tcp_transmit(lc, a.port_idx, rx, x, idx, &a, out);
	/* A connection that closes or enters TIME-WAIT leaves its TCB below, timer and all; the
	 * others arm their timer and, with a window wider than one descriptor, keep sending. */
	if (likely(!(out->events & (SF_TCP_EV_CLOSED | SF_TCP_EV_TIME_WAIT)))) {
		timer_apply(lc, tcb, out);
		if (likely(!out->more))
			return;
		for (unsigned int rounds = 0; out->more && !(out->events & SF_TCP_EV_CLOSED) && rounds < 64; rounds++) {
			uint16_t events = out->events;

			sf_tcp_out_init(out);
			sf_tcp_output(&lc->tcp, tcb, lc->now_us, out);
			tcp_transmit(lc, a.port_idx, NULL, NULL, idx, &a, out);
			timer_apply(lc, tcb, out);
			out->events |= events;
		}
		if (!(out->events & (SF_TCP_EV_CLOSED | SF_TCP_EV_TIME_WAIT)))
			return;
	}
	conn_end(lc, idx, tcb, &a, out->events);
}

void sf_engine_conn_round(struct sf_lcore *lc, struct rte_mbuf *rx, const struct sf_rx_frame *x, uint32_t idx,
			  struct sf_tcb *tcb, struct sf_tcp_out *out)
{
	conn_round(lc, rx, x, idx, tcb, out, false);
}

void sf_engine_connect(struct sf_lcore *lc, uint32_t idx, struct sf_tcb *tcb, const struct sf_flow_key *key)
{
	struct sf_tcp_out out;

	sf_tcp_connect(&lc->tcp, tcb, key, lc->now_us, &out);
	conn_round(lc, NULL, NULL, idx, tcb, &out, true);
}

/* ---- a segment arrives ---- */

/*
 * A segment for the compact TIME-WAIT entry @p v (RFC 9293 3.10.7.4, RFC 1337, RFC 6191):
 * answered or dropped here, or true for a SYN that opens a new incarnation (the entry is gone).
 */
static __rte_noinline bool tcp_time_wait(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m,
					 const struct sf_rx_frame *x, uint32_t v, struct sf_tcp_out *out)
{
	switch (sf_tcp_tw_input(&lc->tcp, sf_tw_get(lc->conn, v), &x->key, &x->seg, lc->now_us, out)) {
	case SF_TCP_TW_DROP:
		sf_lcore_rx_done(lc, m);
		return false;
	case SF_TCP_TW_ACK_RESTART:
		sf_tw_restart(lc->conn, v, lc->now_tick + 2ull * lc->tcp.cfg.msl_ms);
		/* fall through */
	case SF_TCP_TW_ACK:
		tcp_transmit(lc, pi, m, x, 0, NULL, out);
		return false;
	case SF_TCP_TW_REOPEN:
		sf_tw_remove(lc->conn, v);
		return true; /* a new incarnation: the listener takes the SYN */
	}
	return false;
}

/* RFC 9293 3.10.7.1: no connection, no listener: RST unless it is one. */
static __rte_noinline void tcp_no_listener(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m,
					   const struct sf_rx_frame *x, struct sf_tcp_out *out)
{
	lc->stats.tcp_no_listener++;
	if (sf_tcp_closed_input(&lc->tcp, &x->seg, out))
		tcp_transmit(lc, pi, m, x, 0, NULL, out);
	else
		sf_lcore_rx_done(lc, m);
}

/*
 * A segment for no connection (@p v: a miss, or its compact TIME_WAIT entry): TIME-WAIT answers,
 * a listener opens a connection, or a RST goes back. Returns the new connection's TCB (index in
 * *@p idx) for the round, or NULL when the segment was answered or dropped here. Inline: it is
 * every connection's SYN on a server.
 */
static __rte_always_inline struct sf_tcb *tcp_no_conn(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m,
						      const struct sf_rx_frame *x, uint32_t v, uint32_t *idx,
						      struct sf_tcp_out *out)
{
	const struct sf_tcp_seg *seg = &x->seg;
	const struct sf_flow_key *key = &x->key;
	uint32_t hash = x->hash;
	struct sf_tcb *tcb;

	if (unlikely(v != SF_CONN_MISS) && !tcp_time_wait(lc, pi, m, x, v, out))
		return NULL;

	/* Port-pair mode: a port whose role leaves out the server answers no SYN for a listener. */
	const struct sf_listener *l = lc->listeners && (lc->ports[pi]->role & SF_PORT_ROLE_SERVER)
					      ? sf_listeners_find(lc->listeners, key) : NULL;
	enum sf_tcp_listen_verdict verdict;

	if (!(seg->flags & SF_TCP_SYN))
		lc->stats.tcp_no_conn++;
	if (unlikely(l == NULL)) {
		tcp_no_listener(lc, pi, m, x, out);
		return NULL;
	}
	/*
	 * RFC 4987 3.6: a SYN is answered with a cookie instead of a TCB when cookies are always on,
	 * or (cookies when full) once the SYNs' share of the pool is taken: the rest of the pool is
	 * a reserve for the ACKs that bring valid cookies back (the SYN queue and the accept queue
	 * of other stacks, kept apart).
	 */
	bool syn_cookie = (seg->flags & SF_TCP_SYN) && lc->conn_stats->tcb_used >= lc->syn_tcb_limit;

	tcb = NULL;
	if ((seg->flags & (SF_TCP_SYN | SF_TCP_ACK | SF_TCP_RST)) != SF_TCP_RST && !syn_cookie) {
		/* the key missed the lookup, or its TIME_WAIT entry was just removed for this SYN */
		int rc = sf_tcb_alloc_unmapped(lc->conn, key, hash, idx);

		if (rc == 0)
			tcb = sf_tcb_ptr(lc->conn, *idx);
		else if (rc == -ENOSPC)
			lc->stats.tcp_table_full++;
	}
	verdict = sf_tcp_listen_input(&lc->tcp, key, seg, lc->now_us, tcb, out);
	if (verdict != SF_TCP_LISTEN_NEW && tcb != NULL)
		sf_tcb_free(lc->conn, *idx);
	if (verdict == SF_TCP_LISTEN_DROP) {
		sf_lcore_rx_done(lc, m);
		return NULL;
	}
	if (verdict == SF_TCP_LISTEN_REPLY) {
		tcp_transmit(lc, pi, m, x, 0, NULL, out);
		return NULL;
	}
	/* A new connection: remember where it came from and which listener serves it. */
	struct conn_app a;

	memset(&a, 0, sizeof(a));
	memcpy(a.peer_mac, rte_pktmbuf_mtod(m, uint8_t *) + 6, 6); /* Ethernet source */
	a.port_idx = (uint8_t)pi;
	a.role = (uint8_t)(l - lc->listeners->l + 1);
	app_put(tcb, &a);
	return tcb;
}

/* A TCP segment in @p m, on an lcore that has a connection table. */
static __rte_always_inline void tcp_handle(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m,
					   const struct sf_rx_frame *x)
{
	const struct sf_flow_key *key = &x->key;
	struct sf_tcp_out out;
	uint32_t v, idx;
	struct sf_tcb *tcb;

	v = sf_conn_lookup(lc->conn, key, x->hash);
	/* A connection's key holds our address: only a segment for none needs the port's list. */
	if (v == SF_CONN_MISS && !sf_port_has_addr(lc->ports[pi], key->family, key->laddr)) {
		lc->stats.not_ours++;
		sf_lcore_rx_done(lc, m);
		return;
	}
	if (likely(v != SF_CONN_MISS && !sf_conn_is_tw(v))) {
		idx = sf_conn_index(v);
		tcb = sf_tcb_ptr(lc->conn, idx);
		sf_tcp_input(&lc->tcp, tcb, key, &x->seg, lc->now_us, &out);
	} else {
		tcb = tcp_no_conn(lc, pi, m, x, v, &idx, &out);
		if (tcb == NULL)
			return;
	}
	conn_round(lc, m, x, idx, tcb, &out, false);
}

void sf_tcp_handle(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, const struct sf_rx_frame *x)
{
	if (unlikely(lc->conn == NULL)) {
		lc->stats.not_ours++;
		sf_lcore_rx_done(lc, m);
		return;
	}
	tcp_handle(lc, pi, m, x);
}

void sf_rx_burst_dispatch(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf **pkts, const struct sf_rx_frame *x,
			  uint16_t n)
{
	/* No connection table, no TCP: sf_tcp_handle() counts such segments. */
	bool tcp = lc->conn != NULL;

	/* The TCP path inline in the loop: one call per burst, not one per segment. */
	for (uint16_t i = 0; i < n; i++) {
		if (likely(tcp && x[i].tcp))
			tcp_handle(lc, pi, pkts[i], &x[i]);
		else
			sf_rx_dispatch(lc, pi, pkts[i], &x[i]);
	}
}

/* ---- timers ---- */

#define SF_TIMER_BUDGET 64

void sf_tcp_timers(struct sf_lcore *lc)
{
	struct sf_timer *fired[SF_TIMER_BUDGET];
	unsigned int n;

	if (lc->conn == NULL)
		return;
	n = sf_wheel_expire(&lc->wheel, lc->now_tick, fired, SF_TIMER_BUDGET);
	for (unsigned int i = 0; i < n; i++) {
		struct sf_tcb *tcb;
		uint32_t idx;
		struct sf_tcp_out out;

		lc->stats.timers_fired++;
		if (lc->client.cfg != NULL && sf_client_timer_fired(lc, fired[i]))
			continue;
		tcb = container_of(fired[i], struct sf_tcb, timer);
		idx = sf_tcb_index(lc->conn, tcb);
		sf_tcp_timeout(&lc->tcp, tcb, lc->now_us, &out);
		sf_engine_conn_round(lc, NULL, NULL, idx, tcb, &out);
	}
	/* 2MSL: every compact entry lives exactly that long, so the store is its own FIFO. */
	n = sf_tw_expire(lc->conn, lc->now_tick, SF_TIMER_BUDGET);
	while (n--)
		sf_tcp_tw_expired(&lc->tcp);
}

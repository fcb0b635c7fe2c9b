/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_ENGINE_PRIV_H
#define SF_ENGINE_PRIV_H

/* lib/engine internals shared by the TCP path (tcp_engine.c) and the client (client.c). */

#include <string.h>

#include "sf_engine.h"

/*
 * The engine's words in a TCB (lib/tcp never touches `user`): 16 bytes at the end of the
 * TCB's second cache line, read and written through memcpy.
 */
struct conn_app {
	uint8_t peer_mac[6]; /**< where segments built from scratch go */
	uint8_t port_idx;    /**< lcore's port index the connection lives on */
	uint8_t role;        /**< 1 + listener index (server); CONN_CLIENT; 0: none */
	uint32_t requests;   /**< server: requests answered so far */
	uint8_t http_state;  /**< server: end-of-request matcher across segments */
	uint8_t flags;       /**< CONN_* */
	uint8_t pad[2];
};
#define CONN_RST_WHEN_ACKED 0x01 /**< server: reset once the responses are acknowledged */
_Static_assert(sizeof(struct conn_app) == sizeof(((struct sf_tcb *)0)->user), "conn_app fills the TCB's user words");

#define CONN_CLIENT 0xff

static inline void app_get(const struct sf_tcb *tcb, struct conn_app *a)
{
	memcpy(a, &tcb->user, sizeof(*a));
}

static inline void app_put(struct sf_tcb *tcb, const struct conn_app *a)
{
	memcpy(&tcb->user, a, sizeof(*a));
}

/*
 * After lib/tcp's input, timeout or connect on TCB @p idx: run the application, let lib/tcp
 * emit what may go, send it (segment 0 in @p rx, the frame @p x describes, when given), act on
 * the events.
 */
void sf_engine_conn_round(struct sf_lcore *lc, struct rte_mbuf *rx, const struct sf_rx_frame *x, uint32_t idx,
			  struct sf_tcb *tcb, struct sf_tcp_out *out);

/** Open connection @p idx (TCB @p tcb, its engine words set) to @p key: the SYN goes out. */
void sf_engine_connect(struct sf_lcore *lc, uint32_t idx, struct sf_tcb *tcb, const struct sf_flow_key *key);

/* Client hooks (client.c). */
/**
 * Does a round call for sf_client_on_input(): the handshake done, response bytes, or the
 * server's FIN ahead of ours? The client's own SYN, the ACKs of what it sent and the FIN that
 * answers ours (FIN-WAIT to TIME-WAIT) do not.
 */
static inline bool sf_client_wants(const struct sf_tcb *tcb, uint16_t events)
{
	return (events & (SF_TCP_EV_ESTABLISHED | SF_TCP_EV_DATA)) ||
	       ((events & SF_TCP_EV_PEER_FIN) && tcb->state == SF_TCP_CLOSE_WAIT);
}
/** Before output: handshake done, response bytes, the server's FIN. */
void sf_client_on_input(struct sf_lcore *lc, uint32_t idx, struct sf_tcb *tcb, const uint8_t *data,
			struct sf_tcp_out *out);
/** The connection ended (CLOSED or TIME_WAIT): count it completed or failed. */
void sf_client_on_end(struct sf_lcore *lc, uint32_t idx, const struct sf_tcb *tcb, uint16_t events);
/** A wheel timer fired: when it is a client response timeout, handle it and return true. */
bool sf_client_timer_fired(struct sf_lcore *lc, struct sf_timer *t);
/** The request stream the client sends (attached by reference like a response). */
static inline const struct sf_response *sf_client_stream(const struct sf_lcore *lc)
{
	return &lc->client.cfg->request;
}

#endif /* SF_ENGINE_PRIV_H */

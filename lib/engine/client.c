/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client mode: each worker opens connections at its share of the rate (a token bucket on the
 * TSC), from its share of the local address x port space, sends its requests by reference,
 * checks every response byte for byte, closes as configured, and times each phase into
 * histograms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "engine_priv.h"

static const char *const fail_names[] = {
#define SF_X(name, str) str,
	SF_CLIENT_FAIL_REASONS(SF_X)
#undef SF_X
};

const char *sf_client_fail_name(enum sf_client_fail f)
{
	return (unsigned int)f < SF_CLIENT_FAIL__COUNT ? fail_names[f] : "?";
}

/* The body pattern's period: the smallest p with byte(i + p) == byte(i) over the reference. */
static void body_ref_build(struct sf_client_cfg *c)
{
	uint32_t p;

	for (uint32_t i = 0; i < sizeof(c->body_ref); i++)
		c->body_ref[i] = sf_response_body_byte(i);
	for (p = 1; p < SF_CLIENT_BODY_CHUNK; p++) {
		uint32_t i = 0;

		while (i + p < sizeof(c->body_ref) && c->body_ref[i] == c->body_ref[i + p])
			i++;
		if (i + p == sizeof(c->body_ref))
			break;
	}
	/* No period short enough: compare byte by byte (body_period 0). */
	c->body_period = p < SF_CLIENT_BODY_CHUNK ? p : 0;
	c->body_chunk = p < SF_CLIENT_BODY_CHUNK ? SF_CLIENT_BODY_CHUNK / p * p : 0;
}

int sf_client_build(struct sf_client_cfg *c, uint32_t mss)
{
	struct sf_response *r = &c->request;
	char head[256];
	int hlen = 0;
	uint32_t len;

	body_ref_build(c);
	sf_response_free(r);
	if (!c->enabled || c->requests == 0)
		return 0;
	if (c->request_kind == SF_RESPONSE_HTTP) {
		hlen = snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: synfin\r\nUser-Agent: synfin\r\n\r\n",
				c->path);
		len = (uint32_t)hlen;
	} else {
		len = c->raw_bytes;
	}
	if (len == 0)
		return 0;
	r->bytes = rte_malloc("sf_request", len, RTE_CACHE_LINE_SIZE);
	r->chunk = mss;
	r->nb_chunks = (len + mss - 1) / mss;
	r->chunk_sum = rte_calloc("sf_request_sums", r->nb_chunks, sizeof(*r->chunk_sum), 0);
	if (r->bytes == NULL || r->chunk_sum == NULL)
		return -ENOMEM;
	r->len = len;
	r->iova = rte_malloc_virt2iova(r->bytes);
	if (hlen)
		memcpy(r->bytes, head, (size_t)hlen);
	else
		for (uint32_t i = 0; i < len; i++)
			r->bytes[i] = sf_response_body_byte(i);
	for (uint32_t k = 0; k < r->nb_chunks; k++) {
		uint32_t off = k * mss;

		r->chunk_sum[k] = sf_csum_partial(r->bytes + off, len - off < mss ? len - off : mss, 0);
	}
	return 0;
}

/* The first of the lcore's ports that carries clients (port-pair mode: the client port). */
static int client_port_index(const struct sf_lcore *lc)
{
	for (uint16_t i = 0; i < lc->nb_ports; i++)
		if (lc->ports[i]->role & SF_PORT_ROLE_CLIENT)
			return i;
	return -1;
}

int sf_lcore_client_setup(struct sf_lcore *lc, const struct sf_client_cfg *cfg, unsigned int worker,
			  unsigned int nb_workers, uint32_t tcb_capacity)
{
	struct sf_client_lcore *cl = &lc->client;
	struct sf_portalloc_config pc;
	struct sf_port *p;
	uint64_t hz = rte_get_tsc_hz();
	int pi;

	sf_portalloc_free(cl->alloc);
	cl->alloc = NULL;
	cl->cfg = NULL;
	cl->opening = false;
	if (cfg == NULL || !cfg->enabled)
		return 0;
	pi = client_port_index(lc);
	if (pi < 0)
		return -ENODEV; /* every port has role server */
	cl->port_idx = (uint8_t)pi;
	p = lc->ports[pi];
	/* Made again from the first SYN sent: the port, its MAC or the TCP settings may be new. */
	memset(&cl->syn_tmpl, 0, sizeof(cl->syn_tmpl));
	/* The sources are the client port's own addresses: it answers ARP and ND for them (the
	 * device under test resolves them) and takes the replies sent to them. */
	struct sf_port_addr range = {.family = cfg->family, .prefix_len = cfg->family == SF_AF_INET ? 32 : 128,
				     .count = cfg->src_count};
	memcpy(range.addr, cfg->src_first, sizeof(range.addr));
	int arc = sf_port_add_addr(p, &range);
	if (arc != 0 && arc != -EEXIST)
		return arc;
	if (cl->conns == NULL) {
		/* Beside the TCBs, on the node of the ports the lcore polls (its mbuf pool's). */
		cl->conns = rte_zmalloc_socket("sf_client_conns", sizeof(*cl->conns) * (size_t)tcb_capacity,
					       RTE_CACHE_LINE_SIZE, lc->mp->socket_id);
		if (cl->conns == NULL)
			return -ENOMEM;
		cl->nb_conns = tcb_capacity;
	}
	memset(&pc, 0, sizeof(pc));
	pc.family = cfg->family;
	memcpy(pc.src_first, cfg->src_first, sizeof(pc.src_first));
	pc.src_count = cfg->src_count;
	pc.port_lo = cfg->sport_lo;
	pc.port_hi = cfg->sport_hi;
	pc.dsts = cfg->dst;
	pc.nb_dsts = cfg->nb_dst;
	/* memif and tap have no RSS: each worker takes a disjoint slice of the source space and
	 * the reply comes back on the queue it left by. With RSS the NIC's redirection table
	 * decides: each worker only takes tuples whose reply hashes to its own queue. */
	pc.part = (uint16_t)worker;
	pc.nb_parts = (uint16_t)nb_workers;
	pc.queue = lc->queue;
	pc.rss_key = p->rss_key; /* the key the NIC hashes replies with: the driver may have refused ours */
	uint16_t reta[SF_PORT_RETA_MAX];
	unsigned int reta_size = sf_port_reta_get(p, reta, SF_PORT_RETA_MAX);

	if (reta_size > 0) {
		pc.reta = reta;
		pc.reta_size = (uint32_t)reta_size;
	}
	cl->alloc = sf_portalloc_create(&pc);
	if (cl->alloc == NULL)
		return -errno;
	/* Each worker takes its share of the rate; the bucket holds 10 ms of it, so a stall of the
	 * lcore (another process on its core) is caught up rather than lost. */
	uint64_t rate = cfg->rate / nb_workers + (worker < cfg->rate % nb_workers ? 1 : 0);
	uint32_t burst = (uint32_t)(rate / 100 > 64 ? RTE_MIN(rate / 100, (uint64_t)SF_PACER_BURST_MAX) : 64);

	if (cfg->rate != 0 && rate == 0)
		rate = 1;
	if (sf_pacer_init(&cl->pacer, rate, hz, burst) != 0)
		return -EINVAL;
	if (cfg->ramp_s)
		sf_pacer_set_ramp(&cl->pacer, rte_rdtsc(), cfg->ramp_s * hz);
	cl->max_open = cfg->concurrency ? (cfg->concurrency + nb_workers - 1) / nb_workers : UINT64_MAX;
	cl->stop_tsc = cfg->duration_s ? rte_rdtsc() + cfg->duration_s * hz : UINT64_MAX;
	/* Each destination's frames go to its next hop: itself on-link, else the port's gateway. */
	for (uint32_t d = 0; d < cfg->nb_dst; d++) {
		int n = sf_port_neigh_want(p, cfg->family, sf_port_next_hop(p, cfg->family, cfg->dst[d].addr));

		if (n < 0)
			return n;
		cl->neigh[d] = n;
	}
	cl->next_dst = worker % cfg->nb_dst;
	cl->next_resolve_tsc = 0;
	cl->cfg = cfg;
	cl->opening = true;
	return 0;
}

void sf_lcore_client_free(struct sf_lcore *lc)
{
	sf_portalloc_free(lc->client.alloc);
	rte_free(lc->client.conns);
	memset(&lc->client, 0, sizeof(lc->client));
}

/* ---- neighbours ---- */

_Static_assert(sizeof(((struct sf_client_lcore *)0)->dst_app[0]) == sizeof(struct conn_app),
	       "a destination's engine words are a conn_app");

/*
 * Ask for the MAC of every unresolved next hop, every 200 ms (queue 0 asks for all). True when
 * all are known: cl->dst_app then holds each destination's engine words for the poll's openings,
 * its MAC read once per poll rather than once per connection.
 */
static bool client_resolve(struct sf_lcore *lc, uint64_t now_tsc)
{
	struct sf_client_lcore *cl = &lc->client;
	const struct sf_client_cfg *cfg = cl->cfg;
	struct sf_port *p = lc->ports[cl->port_idx];
	bool all = true;
	uint8_t mac[6];

	for (uint32_t d = 0; d < cfg->nb_dst; d++) {
		struct conn_app a = { .port_idx = cl->port_idx, .role = CONN_CLIENT };

		if (!sf_port_neigh_mac(p, (uint32_t)cl->neigh[d], a.peer_mac))
			all = false;
		memcpy(cl->dst_app[d], &a, sizeof(a));
	}
	if (all || now_tsc < cl->next_resolve_tsc || lc->queue != 0)
		return all;
	cl->next_resolve_tsc = now_tsc + rte_get_tsc_hz() / 5;
	for (uint32_t d = 0; d < cfg->nb_dst; d++) {
		uint32_t n = (uint32_t)cl->neigh[d];
		const uint8_t *hop = p->neigh[n].addr;
		const struct sf_port_addr *on_link = sf_port_addr_for(p, cfg->family, hop);
		const uint8_t *src = on_link != NULL ? on_link->addr : cfg->src_first;
		struct rte_mbuf *m;
		uint32_t len, tip;
		bool asked = false;

		if (sf_port_neigh_mac(p, n, mac))
			continue;
		/* Destinations behind one gateway share its entry: one request for all of them. */
		for (uint32_t e = 0; e < d && !asked; e++)
			asked = (uint32_t)cl->neigh[e] == n;
		if (asked)
			continue;
		m = rte_pktmbuf_alloc(lc->mp);
		if (m == NULL)
			return false;
		if (cfg->family == SF_AF_INET) {
			uint32_t sip;

			memcpy(&sip, src, 4);
			memcpy(&tip, hop, 4);
			len = sf_net_arp_request(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m),
						 (const struct sf_mac *)&p->mac, sip, tip);
		} else {
			len = sf_net_nd_ns(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m),
					   (const struct sf_mac *)&p->mac, src, hop);
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		sf_lcore_tx(lc, cl->port_idx, m);
		cl->stats.arp_sent++;
	}
	return false;
}

/* ---- opening ---- */

/* A source tuple drawn for an opening, its table bucket being fetched meanwhile. */
struct open_tuple {
	struct sf_flow_key key;
	uint32_t hash;
	uint32_t dst;
};

/*
 * A tuple for destination @t->dst, allocated a TCB: the drawn one in @t, or if that is still live
 * or in TIME_WAIT (RFC 9293 3.4.1 quiet time: the table refuses a key it holds, so allocating is
 * also the check) the next free one. @return 0 with @t and @idx set, or a failure counted.
 */
static int client_take_tuple(struct sf_lcore *lc, struct open_tuple *t, uint32_t *idx)
{
	struct sf_client_lcore *cl = &lc->client;
	int rc = sf_tcb_alloc(lc->conn, &t->key, t->hash, idx);

	if (likely(rc == 0))
		return 0;
	for (int tries = 0; rc == -EEXIST; tries++) {
		if (tries == 0)
			sf_portalloc_note_in_use(cl->alloc); /* drawn a burst ago: not the allocator's last */
		else
			sf_portalloc_reject(cl->alloc);
		rc = sf_portalloc_next(cl->alloc, t->dst, &t->key, NULL);
		if (rc != 0 || tries == 64) {
			cl->stats.failed[SF_CLIENT_FAIL_NO_TUPLE]++;
			return -1;
		}
		t->hash = sf_conn_hash_crc(&t->key);
		rc = sf_tcb_alloc(lc->conn, &t->key, t->hash, idx);
	}
	if (rc != 0) {
		cl->stats.failed[SF_CLIENT_FAIL_NO_TCB]++;
		return -1;
	}
	return 0;
}

static void client_open(struct sf_lcore *lc, struct open_tuple *t)
{
	struct sf_client_lcore *cl = &lc->client;
	struct sf_tcb *tcb;
	uint32_t idx;

	if (client_take_tuple(lc, t, &idx) != 0)
		return;
	tcb = sf_tcb_ptr(lc->conn, idx);
	memcpy(&tcb->user, cl->dst_app[t->dst], sizeof(tcb->user)); /* app_put() of the prebuilt words */
	memset(&cl->conns[idx], 0, sizeof(cl->conns[idx])); /* its timer is unarmed: see on_end */
	cl->conns[idx].t_start_us = (uint32_t)lc->now_us;
	cl->conns[idx].resp_left = SF_CLIENT_HDR;
	cl->stats.attempted++;
	cl->stats.open++;
	sf_engine_connect(lc, idx, tcb, &t->key);
}

/*
 * Open @n connections (n <= SF_BURST) in two passes: draw every tuple and prefetch its table
 * bucket, then allocate and connect. A new tuple's bucket is a random line of a table sized for
 * the whole TIME_WAIT store: fetched one at a time, that miss was the client's largest cost.
 */
static void client_open_burst(struct sf_lcore *lc, unsigned int n)
{
	struct sf_client_lcore *cl = &lc->client;
	const struct sf_client_cfg *cfg = cl->cfg;
	struct open_tuple t[SF_BURST];
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t d = cl->next_dst;

		cl->next_dst = d + 1 == cfg->nb_dst ? 0 : d + 1;
		if (sf_portalloc_next(cl->alloc, d, &t[k].key, NULL) != 0) {
			cl->stats.failed[SF_CLIENT_FAIL_NO_TUPLE]++;
			continue;
		}
		t[k].hash = sf_conn_hash_crc(&t[k].key);
		t[k].dst = d;
		sf_conn_prefetch(lc->conn, t[k].hash);
		k++;
	}
	for (unsigned int i = 0; i < k; i++)
		client_open(lc, &t[i]);
}

void sf_client_poll(struct sf_lcore *lc)
{
	struct sf_client_lcore *cl = &lc->client;
	uint64_t now = lc->now_tsc; /* the poll's one TSC read */
	unsigned int n;

	if (!cl->opening)
		return;
	if (now >= cl->stop_tsc) {
		cl->opening = false;
		return;
	}
	if (!client_resolve(lc, now))
		return;
	/* The port could not take all we sent: new SYNs would be dropped too, and come back as
	 * retransmissions a second later, or as failures. Let the ring drain for a poll first (an
	 * open loop the link cannot carry becomes a lower CPS, not lost connections). */
	if (unlikely(lc->tx_ring_full)) {
		lc->tx_ring_full = false;
		lc->stats.open_waits++;
		return;
	}
	n = sf_pacer_take(&cl->pacer, now, SF_BURST);
	if (cl->max_open != UINT64_MAX)
		n = (unsigned int)RTE_MIN((uint64_t)n, cl->max_open > cl->stats.open ? cl->max_open - cl->stats.open : 0);
	if (n != 0)
		client_open_burst(lc, n);
}

/* ---- requests and responses ---- */

static void client_request(struct sf_lcore *lc, struct sf_client_conn *cc, struct sf_tcb *tcb)
{
	const struct sf_client_cfg *cfg = lc->client.cfg;

	cc->t_req_us = (uint32_t)lc->now_us;
	cc->resp_left = cfg->request_kind == SF_RESPONSE_HTTP ? SF_CLIENT_HDR : cfg->raw_response;
	cc->body_off = 0;
	cc->flags &= (uint8_t)~SF_CC_FIRST_BYTE;
	if (sf_tcp_send(tcb, cfg->request.len) == 0)
		lc->client.stats.requests++;
	sf_timer_arm(&lc->wheel, &cc->resp_timer, lc->now_tick + cfg->response_timeout_ms);
}

static inline void resp_timer_stop(struct sf_lcore *lc, struct sf_client_conn *cc)
{
	if (sf_timer_armed(&cc->resp_timer))
		sf_timer_cancel(&lc->wheel, &cc->resp_timer);
}

/* The last response arrived (or there were none to ask for): end as configured. */
static void client_finish(struct sf_lcore *lc, struct sf_client_conn *cc, struct sf_tcb *tcb, struct sf_tcp_out *out)
{
	cc->flags |= SF_CC_DONE;
	switch (lc->client.cfg->close_policy) {
	case SF_CLOSE_CLIENT:
		sf_tcp_close(&lc->tcp, tcb, out);
		break;
	case SF_CLOSE_RST:
		sf_tcp_abort(&lc->tcp, tcb, lc->now_us, out);
		break;
	default: /* SF_CLOSE_SERVER: the server's FIN comes, ours follows */
		break;
	}
}

static void client_fail(struct sf_lcore *lc, struct sf_client_conn *cc, enum sf_client_fail why)
{
	if (!(cc->flags & SF_CC_FAILED)) {
		cc->flags |= SF_CC_FAILED;
		lc->client.stats.failed[why]++;
	}
}

/* Does @p len bytes of body at offset @p off match the server's pattern? A chunk at a time
 * against the reference from the same phase of the pattern: a multiple of the period keeps it. */
static bool body_matches(const struct sf_client_cfg *cfg, const uint8_t *data, uint32_t len, uint32_t off)
{
	const uint8_t *ref;

	if (unlikely(cfg->body_period == 0)) {
		for (uint32_t i = 0; i < len; i++)
			if (data[i] != sf_response_body_byte(off + i))
				return false;
		return true;
	}
	ref = cfg->body_ref + off % cfg->body_period;
	while (len > cfg->body_chunk) {
		if (memcmp(data, ref, cfg->body_chunk) != 0)
			return false;
		data += cfg->body_chunk;
		len -= cfg->body_chunk;
	}
	return memcmp(data, ref, len) == 0;
}

/* Parse "HTTP/1.1 200 ...\r\n ... Content-Length: N\r\n ... \r\n\r\n" from one segment. */
static bool http_header(const uint8_t *data, uint32_t len, uint32_t *hdr_len, uint32_t *content_length)
{
	static const char cl_name[] = "\r\ncontent-length:";
	uint32_t cl = UINT32_MAX;

	if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || memcmp(data + 8, " 200", 4) != 0)
		return false;
	for (uint32_t i = 8; i + 4 <= len; i++) {
		if (data[i] == '\r' && memcmp(data + i, "\r\n\r\n", 4) == 0) {
			if (cl == UINT32_MAX)
				return false;
			*hdr_len = i + 4;
			*content_length = cl;
			return true;
		}
		if (data[i] == '\r' && i + sizeof(cl_name) - 1 < len) {
			uint32_t k = 0;

			while (k < sizeof(cl_name) - 1 && (data[i + k] | 0x20) == (cl_name[k] | 0x20))
				k++;
			if (k == sizeof(cl_name) - 1) {
				uint32_t j = i + k, v = 0;

				while (j < len && data[j] == ' ')
					j++;
				while (j < len && data[j] >= '0' && data[j] <= '9')
					v = v * 10 + (uint32_t)(data[j++] - '0');
				cl = v;
			}
		}
	}
	return false; /* the header must arrive in one segment */
}

void sf_client_on_input(struct sf_lcore *lc, uint32_t idx, struct sf_tcb *tcb, const uint8_t *data,
			struct sf_tcp_out *out)
{
	struct sf_client_lcore *cl = &lc->client;
	struct sf_client_conn *cc = &cl->conns[idx];
	const struct sf_client_cfg *cfg = cl->cfg;
	uint16_t ev = out->events;

	if (ev & SF_TCP_EV_ESTABLISHED) {
		cc->flags |= SF_CC_ESTABLISHED;
		cl->stats.established++;
		sf_hist_record(&cl->h_connect, (uint32_t)lc->now_us - cc->t_start_us);
		if (cfg->requests == 0)
			client_finish(lc, cc, tcb, out);
		else
			client_request(lc, cc, tcb);
	}
	if ((ev & SF_TCP_EV_DATA) && data != NULL && !(cc->flags & (SF_CC_DONE | SF_CC_FAILED))) {
		uint32_t len = out->rx_len;

		if (!(cc->flags & SF_CC_FIRST_BYTE)) {
			cc->flags |= SF_CC_FIRST_BYTE;
			sf_hist_record(&cl->h_response, (uint32_t)lc->now_us - cc->t_req_us);
		}
		if (cc->resp_left == SF_CLIENT_HDR) {
			uint32_t hlen, clen;

			if (!http_header(data, len, &hlen, &clen)) {
				client_fail(lc, cc, SF_CLIENT_FAIL_RESPONSE_MISMATCH);
				sf_tcp_abort(&lc->tcp, tcb, lc->now_us, out);
				return;
			}
			data += hlen;
			len -= hlen;
			cc->resp_left = clen;
		}
		if (len > cc->resp_left || (!cfg->skip_body_check && !body_matches(cfg, data, len, cc->body_off))) {
			client_fail(lc, cc, SF_CLIENT_FAIL_RESPONSE_MISMATCH);
			sf_tcp_abort(&lc->tcp, tcb, lc->now_us, out);
			return;
		}
		cc->resp_left -= len;
		cc->body_off += len;
		if (cc->resp_left == 0) {
			resp_timer_stop(lc, cc);
			cl->stats.responses++;
			cc->requests++;
			if (cc->requests < cfg->requests)
				client_request(lc, cc, tcb);
			else
				client_finish(lc, cc, tcb, out);
		}
	}
	/* The server closed: all responses in, our FIN follows; otherwise it cut us short. */
	if ((ev & SF_TCP_EV_PEER_FIN) && tcb->state == SF_TCP_CLOSE_WAIT) {
		if (!(cc->flags & SF_CC_DONE))
			client_fail(lc, cc, SF_CLIENT_FAIL_RESPONSE_MISMATCH);
		sf_tcp_close(&lc->tcp, tcb, out);
	}
}

void sf_client_on_end(struct sf_lcore *lc, uint32_t idx, const struct sf_tcb *tcb, uint16_t events)
{
	struct sf_client_lcore *cl = &lc->client;
	struct sf_client_conn *cc = &cl->conns[idx];

	(void)tcb;
	resp_timer_stop(lc, cc);
	cl->stats.open--;
	if (cc->flags & SF_CC_FAILED)
		return;
	if (events & SF_TCP_EV_RESET) {
		client_fail(lc, cc, SF_CLIENT_FAIL_RST);
	} else if (events & SF_TCP_EV_GIVE_UP) {
		client_fail(lc, cc, (cc->flags & SF_CC_ESTABLISHED) ? SF_CLIENT_FAIL_TIMEOUT : SF_CLIENT_FAIL_SYN_TIMEOUT);
	} else if (cc->flags & SF_CC_DONE) {
		cl->stats.completed++;
		sf_hist_record(&cl->h_total, (uint32_t)lc->now_us - cc->t_start_us);
	} else {
		client_fail(lc, cc, SF_CLIENT_FAIL_RESPONSE_MISMATCH);
	}
}

bool sf_client_timer_fired(struct sf_lcore *lc, struct sf_timer *t)
{
	struct sf_client_lcore *cl = &lc->client;
	struct sf_client_conn *cc;
	struct sf_tcp_out out;
	uint32_t idx;

	if (cl->conns == NULL || (uintptr_t)t < (uintptr_t)cl->conns ||
	    (uintptr_t)t >= (uintptr_t)(cl->conns + cl->nb_conns))
		return false;
	cc = container_of(t, struct sf_client_conn, resp_timer);
	idx = (uint32_t)(cc - cl->conns);
	/* The server acknowledged the request (or not) but no whole response came: give up. */
	client_fail(lc, cc, SF_CLIENT_FAIL_RESPONSE_TIMEOUT);
	sf_tcp_out_init(&out);
	sf_tcp_abort(&lc->tcp, sf_tcb_ptr(lc->conn, idx), lc->now_us, &out);
	sf_engine_conn_round(lc, NULL, NULL, idx, sf_tcb_ptr(lc->conn, idx), &out);
	return true;
}

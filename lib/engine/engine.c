/* SPDX-License-Identifier: BSD-3-Clause */
#include "sf_engine.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

struct sf_run sf_run;

void sf_lcore_init(struct sf_lcore *lc, unsigned int lcore_id, uint16_t queue, struct sf_port **ports,
		   uint16_t nb_ports, struct rte_mempool *mp)
{
	memset(lc, 0, sizeof(*lc));
	lc->lcore_id = lcore_id;
	lc->queue = queue;
	lc->nb_ports = nb_ports;
	lc->mp = mp;
	for (uint16_t i = 0; i < nb_ports; i++)
		lc->ports[i] = ports[i];
	lc->tsc_base = rte_rdtsc();
	lc->last_tsc = lc->tsc_base;
	lc->us_per_tsc = 1e6 / (double)rte_get_tsc_hz();
	lc->stall_tsc = rte_get_tsc_hz() / 1000;
}

/* Time is read once per poll: microseconds for lib/tcp, millisecond ticks for the wheels. */
static inline void clock_update(struct sf_lcore *lc, uint64_t tsc)
{
	lc->now_tsc = tsc;
	lc->now_us = (uint64_t)((double)(tsc - lc->tsc_base) * lc->us_per_tsc);
	lc->now_tick = lc->now_us / 1000;
}

void sf_lcore_tx_flush(struct sf_lcore *lc, uint16_t pi)
{
	struct sf_txbuf *tb = &lc->tx[pi];
	uint16_t sent;

	if (tb->n == 0)
		return;
	sent = rte_eth_tx_burst(lc->ports[pi]->port_id, lc->queue, tb->pkts, tb->n);
	/* Sent mbufs belong to the PMD now; count bytes from the ones still ours. */
	if (unlikely(sent < tb->n)) {
		/* A full ring: free what the port did not take, so nothing leaks (l3fwd send_burst). */
		for (uint16_t i = sent; i < tb->n; i++)
			tb->bytes -= tb->pkts[i]->pkt_len;
		lc->stats.tx_full += tb->n - sent;
		lc->tx_ring_full = true;
		rte_pktmbuf_free_bulk(&tb->pkts[sent], tb->n - sent);
	}
	lc->stats.tx_pkts += sent;
	lc->stats.tx_bytes += tb->bytes;
	tb->n = 0;
	tb->bytes = 0;
}

/* An answer written over the received frame: @p len bytes, one segment, no offloads. */
static inline void tx_in_place(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, uint32_t len)
{
	m->ol_flags = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	sf_lcore_tx(lc, pi, m);
}

/* RFC 4861 7.2.3, 7.2.5: an NS or NA may tell a neighbour's MAC a client asked for. */
static inline void nd_learn(struct sf_port *p, const uint8_t *frame, const struct sf_pkt *pkt)
{
	uint8_t ip[16];
	struct sf_mac mac;

	if (p->nb_neigh != 0 && sf_net_nd_neighbour(frame, pkt, ip, &mac))
		sf_port_neigh_learn(p, SF_AF_INET6, ip, mac.b);
}

/*
 * First pass: classify the frame, and for TCP start its table bucket's cache miss. @p hw_csum:
 * the port delivers rx checksum flags; without them every checksum is verified in software.
 */
static inline void rx_classify(struct sf_lcore *lc, struct rte_mbuf *m, bool hw_csum, struct sf_rx_frame *x)
{
	struct sf_rx_csum hw;

	if (unlikely(m->nb_segs != 1)) {
		lc->stats.multiseg++;
		x->why = SF_DROP__COUNT; /* dropped, but for no reason of the classifier's: counted above */
		x->tcp = false;
		return;
	}
	if (unlikely(hw_csum)) {
		uint64_t ol = m->ol_flags;

		hw.ip4_ok = (ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		hw.l4_ok = (ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	/* The two halves apart: the fast one keeps nothing for a fallback (sf_net.h). */
	if (likely(sf_net_classify_fast(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, hw_csum ? &hw : NULL,
					&x->pkt, &x->seg, &x->key)))
		x->why = SF_DROP_NONE;
	else
		x->why = sf_net_classify_full(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, hw_csum ? &hw : NULL,
					      &x->pkt, &x->seg, &x->key);
	x->tcp = sf_rx_frame_is_tcp(x);
	if (likely(x->tcp)) {
		x->hash = sf_conn_hash_crc(&x->key);
		if (lc->conn != NULL)
			sf_conn_prefetch(lc->conn, x->hash);
	}
}

/* Does the port say which checksums it verified? */
static inline bool port_rx_csum(const struct sf_port *p)
{
	return p->ol.rx_ip4_csum || p->ol.rx_l4_csum;
}

/* Answer the frame in place, hand TCP to the TCP path, or drop it. */
void sf_rx_dispatch(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, const struct sf_rx_frame *x)
{
	struct sf_port *p = lc->ports[pi];
	struct sf_lcore_stats *st = &lc->stats;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const struct sf_pkt *pkt = &x->pkt;
	uint32_t len;

	if (unlikely(x->why != SF_DROP_NONE)) {
		if (x->why < SF_DROP__COUNT)
			st->drops[x->why]++;
		goto drop;
	}
	switch (pkt->kind) {
	case SF_PKT_ARP: {
		uint32_t tip = sf_net_arp_target(frame, pkt);

		struct sf_mac smac;
		uint32_t sip = sf_net_arp_sender(frame, pkt, &smac);

		/* RFC 826: learn the sender (only addresses a client asked for are kept). */
		sf_port_neigh_learn(p, SF_AF_INET, (const uint8_t *)&sip, smac.b);
		if (!sf_net_arp_is_request(frame, pkt)) {
			st->arp_ignored++;
			goto drop;
		}
		if (!sf_port_has_addr(p, SF_AF_INET, (const uint8_t *)&tip)) {
			st->not_ours++;
			goto drop;
		}
		len = sf_net_arp_reply(frame, pkt, (const struct sf_mac *)&p->mac);
		st->arp_replies++;
		break;
	}
	case SF_PKT_ICMP4_ECHO: {
		uint32_t dst = sf_net_ip4_dst(frame, pkt);

		if (!sf_port_has_addr(p, SF_AF_INET, (const uint8_t *)&dst)) {
			st->not_ours++;
			goto drop;
		}
		len = sf_net_icmp4_echo_reply(frame, pkt);
		st->icmp4_replies++;
		break;
	}
	case SF_PKT_ICMP6_ECHO:
		if (!sf_port_has_addr(p, SF_AF_INET6, sf_net_ip6_dst(frame, pkt))) {
			st->not_ours++;
			goto drop;
		}
		len = sf_net_icmp6_echo_reply(frame, pkt);
		st->icmp6_replies++;
		break;
	case SF_PKT_ND_NS:
		nd_learn(p, frame, pkt);
		if (!sf_port_has_addr(p, SF_AF_INET6, sf_net_ns_target(frame, pkt))) {
			st->not_ours++;
			goto drop;
		}
		len = sf_net_nd_na_reply(frame, pkt, m->data_len + rte_pktmbuf_tailroom(m),
					 (const struct sf_mac *)&p->mac);
		if (unlikely(len == 0)) {
			st->nd_no_room++;
			goto drop;
		}
		st->nd_replies++;
		break;
	case SF_PKT_ND_NA:
		nd_learn(p, frame, pkt);
		st->na_ignored++;
		goto drop;
	default: /* SF_PKT_TCP4, SF_PKT_TCP6 */
		sf_tcp_handle(lc, pi, m, x);
		return;
	}
	tx_in_place(lc, pi, m, len);
	return;
drop:
	sf_lcore_rx_done(lc, m);
}

void sf_lcore_handle(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m)
{
	struct sf_rx_frame x;

	lc->stats.rx_pkts++;
	lc->stats.rx_bytes += m->pkt_len;
	rx_classify(lc, m, port_rx_csum(lc->ports[pi]), &x);
	sf_rx_dispatch(lc, pi, m, &x);
	sf_lcore_rx_done_flush(lc);
}

/*
 * One burst in two passes: classify every frame and start its table bucket's cache miss, then
 * handle them in order, so a lookup finds its bucket fetched while the frames before it were
 * handled. Classifying is pure, so handling the earlier frames first changes nothing.
 */
static inline void rx_burst_handle(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf **pkts, uint16_t n)
{
	struct sf_rx_frame x[SF_BURST];
	bool hw_csum = port_rx_csum(lc->ports[pi]);
	uint64_t bytes = 0;

	rte_prefetch0(rte_pktmbuf_mtod(pkts[0], void *));
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		bytes += pkts[i]->pkt_len;
		rx_classify(lc, pkts[i], hw_csum, &x[i]);
	}
	lc->stats.rx_pkts += n;
	lc->stats.rx_bytes += bytes;
	sf_rx_burst_dispatch(lc, pi, pkts, x, n);
	sf_lcore_rx_done_flush(lc);
}

unsigned int sf_lcore_poll(struct sf_lcore *lc)
{
	struct rte_mbuf *pkts[SF_BURST];
	/* One TSC read per poll: this poll starts where the last one ended. */
	uint64_t start = lc->last_tsc, end;
	unsigned int total = 0;

	clock_update(lc, start);

	for (uint16_t pi = 0; pi < lc->nb_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(lc->ports[pi]->port_id, lc->queue, pkts, SF_BURST);

		if (n == 0)
			continue;
		total += n;
		rx_burst_handle(lc, pi, pkts, n);
		sf_lcore_tx_flush(lc, pi);
	}
	/* Retransmissions, delayed ACKs, 2MSL: the wheel's bitmaps make an idle tick cheap. */
	sf_tcp_timers(lc);
	if (lc->client.cfg != NULL)
		sf_client_poll(lc);
	for (uint16_t pi = 0; pi < lc->nb_ports; pi++)
		sf_lcore_tx_flush(lc, pi);
	/* Both kinds of poll are timed, so busy / (busy + idle) cycles is the lcore's load. */
	end = rte_rdtsc();
	lc->last_tsc = end;
	if (total) {
		lc->stats.busy_polls++;
		lc->stats.busy_cycles += end - start;
	} else {
		lc->stats.idle_polls++;
		lc->stats.idle_cycles += end - start;
	}
	/* No poll does a millisecond of work (bursts and timer expiry are bounded): one that took
	 * that long was descheduled, and a benchmark reader wants to know the time went elsewhere. */
	if (unlikely(end - start > lc->stall_tsc)) {
		lc->stats.stall_polls++;
		lc->stats.stall_cycles += end - start;
	}
	return total;
}

void sf_lcore_pause(struct sf_lcore *lc)
{
	rte_pause();
	lc->last_tsc = rte_rdtsc();
}

int sf_lcore_loop(void *arg)
{
	struct sf_lcore *lc = arg;

	while (!sf_run.quit) {
		if (!sf_run.running) {
			sf_lcore_pause(lc);
			continue;
		}
		sf_lcore_poll(lc);
	}
	return 0;
}

void sf_lcore_stats_sum(struct sf_lcore *const *lcs, unsigned int n, struct sf_lcore_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n; i++) {
		const struct sf_lcore_stats *s = &lcs[i]->stats;
#define SF_COUNTER_SUM(name) out->name += s->name;
		SF_LCORE_COUNTERS(SF_COUNTER_SUM)
#undef SF_COUNTER_SUM
		for (unsigned int r = 0; r < SF_DROP__COUNT; r++)
			out->drops[r] += s->drops[r];
	}
}

void sf_lcore_stats_clear(struct sf_lcore *lc)
{
	memset(&lc->stats, 0, sizeof(lc->stats));
}

void sf_lcore_stats_print(const struct sf_lcore_stats *s, FILE *f)
{
#define SF_COUNTER_PRINT(name) fprintf(f, "  %-16s %" PRIu64 "\n", #name ":", s->name);
	SF_LCORE_COUNTERS(SF_COUNTER_PRINT)
#undef SF_COUNTER_PRINT
	for (unsigned int r = 1; r < SF_DROP__COUNT; r++)
		if (s->drops[r])
			fprintf(f, "  drop_%-11s %" PRIu64 "\n", sf_drop_reason_name(r), s->drops[r]);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* What the operator watches: a line per period (like dperf's), and the client's summary. */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sf_app.h"

/** Everything a line shows, summed over workers and ports at one instant. */
struct snapshot {
	uint64_t tsc;
	uint64_t attempted, established, completed, failed;
	uint64_t tcp_established, tcp_closed, retrans, open, time_wait;
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
};

static struct snapshot last;
static uint64_t next_tsc, started_tsc;

static void client_sum(struct sf_client_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_client_stats *c = &sf_app.workers[w]->client.stats;

		s->attempted += c->attempted;
		s->established += c->established;
		s->completed += c->completed;
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
			s->failed[f] += c->failed[f];
		s->requests += c->requests;
		s->responses += c->responses;
		s->open += c->open;
		s->arp_sent += c->arp_sent;
	}
}

static void take(struct snapshot *s)
{
	struct sf_client_stats c;

	memset(s, 0, sizeof(*s));
	s->tsc = rte_rdtsc();
	client_sum(&c);
	s->attempted = c.attempted;
	s->established = c.established;
	s->completed = c.completed;
	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		s->failed += c.failed[f];
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_tcp_stats *t = &sf_app.workers[w]->tcp.stats;

		s->tcp_established += t->established;
		s->tcp_closed += t->closed;
		for (unsigned int k = 0; k < SF_TCP_RETRANS__COUNT; k++)
			s->retrans += t->retrans[k];
		for (unsigned int st = SF_TCP_SYN_SENT; st < SF_TCP_TIME_WAIT; st++)
			s->open += t->state[st];
		s->time_wait += t->state[SF_TCP_TIME_WAIT] + t->tw_compact;
	}
	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		struct rte_eth_stats e;

		if (rte_eth_stats_get(sf_app.ports[i].port_id, &e) == 0) {
			s->rx_pkts += e.ipackets;
			s->tx_pkts += e.opackets;
			s->rx_bytes += e.ibytes;
			s->tx_bytes += e.obytes;
		}
	}
}

/* 1234 -> "1234", 123456 -> "123.5K", 12345678 -> "12.35M" */
static const char *human(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fK", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

void sf_app_stats_start(void)
{
	take(&last);
	started_tsc = last.tsc;
	next_tsc = last.tsc + rte_get_tsc_hz() * sf_app.stats_period;
	printf("%6s %9s %9s %9s %8s %9s %8s %7s %9s %9s %9s %9s\n", "sec", "conn/s", "estab/s", "done/s", "open",
	       "timewait", "retrans", "errors", "rx_pps", "tx_pps", "rx_bps", "tx_bps");
}

void sf_app_stats_tick(void)
{
	uint64_t hz = rte_get_tsc_hz();
	struct snapshot now;
	char b[12][16];
	double dt;

	if (next_tsc == 0 || rte_rdtsc() < next_tsc)
		return;
	take(&now);
	next_tsc += hz * sf_app.stats_period;
	/* A memif port reads zero once its peer has gone: never show a negative rate. */
	if (now.rx_pkts < last.rx_pkts || now.tx_pkts < last.tx_pkts) {
		now.rx_pkts = last.rx_pkts;
		now.tx_pkts = last.tx_pkts;
		now.rx_bytes = last.rx_bytes;
		now.tx_bytes = last.tx_bytes;
	}
	dt = (double)(now.tsc - last.tsc) / (double)hz;
	bool client = sf_app.client.enabled;
	printf("%6.0f %9s %9s %9s %8s %9s %8s %7s %9s %9s %9s %9s\n", (double)(now.tsc - started_tsc) / (double)hz,
	       human((double)(now.attempted - last.attempted) / dt, b[0], 16),
	       human((double)((client ? now.established : now.tcp_established) -
			      (client ? last.established : last.tcp_established)) / dt, b[1], 16),
	       human((double)((client ? now.completed : now.tcp_closed) - (client ? last.completed : last.tcp_closed)) /
			     dt, b[2], 16),
	       human((double)now.open, b[3], 16), human((double)now.time_wait, b[4], 16),
	       human((double)now.retrans, b[5], 16), human((double)now.failed, b[6], 16),
	       human((double)(now.rx_pkts - last.rx_pkts) / dt, b[7], 16),
	       human((double)(now.tx_pkts - last.tx_pkts) / dt, b[8], 16),
	       human((double)(now.rx_bytes - last.rx_bytes) * 8 / dt, b[9], 16),
	       human((double)(now.tx_bytes - last.tx_bytes) * 8 / dt, b[10], 16));
	fflush(stdout);
	last = now;
}

static void print_hist(const char *name, const struct sf_hist *h)
{
	if (sf_hist_count(h) == 0) {
		printf("  %-22s no samples\n", name);
		return;
	}
	printf("  %-22s n=%" PRIu64 " min=%" PRIu64 " p50=%" PRIu64 " p90=%" PRIu64 " p99=%" PRIu64 " p99.9=%" PRIu64
	       " max=%" PRIu64 " us\n",
	       name, sf_hist_count(h), sf_hist_min(h), sf_hist_percentile(h, 50), sf_hist_percentile(h, 90),
	       sf_hist_percentile(h, 99), sf_hist_percentile(h, 99.9), sf_hist_max(h));
}

void sf_app_print_client_summary(void)
{
	static struct sf_hist hc, hr, ht;
	struct sf_client_stats s;
	uint64_t failed = 0;

	if (!sf_app.client.enabled) {
		printf("no client configured\n");
		return;
	}
	client_sum(&s);
	sf_hist_reset(&hc);
	sf_hist_reset(&hr);
	sf_hist_reset(&ht);
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		sf_hist_merge(&hc, &sf_app.workers[w]->client.h_connect);
		sf_hist_merge(&hr, &sf_app.workers[w]->client.h_response);
		sf_hist_merge(&ht, &sf_app.workers[w]->client.h_total);
	}
	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		failed += s.failed[f];
	printf("client summary:\n");
	printf("  attempted:             %" PRIu64 "\n  established:           %" PRIu64
	       "\n  completed:             %" PRIu64 "\n  failed:                %" PRIu64 "\n",
	       s.attempted, s.established, s.completed, failed);
	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		if (s.failed[f])
			printf("    %-20s %" PRIu64 "\n", sf_client_fail_name(f), s.failed[f]);
	printf("  open:                  %" PRIu64 "\n  requests:              %" PRIu64
	       "\n  responses:             %" PRIu64 "\n",
	       s.open, s.requests, s.responses);
	print_hist("connect (SYN..SYN-ACK)", &hc);
	print_hist("response (first byte)", &hr);
	print_hist("total (SYN..close)", &ht);
	fflush(stdout);
}

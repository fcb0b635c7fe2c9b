/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the operator watches. One snapshot of every counter (sf_stats_take) feeds the live line
 * (one per period, like dperf's), the JSON records, telemetry and the reports, so the views
 * never disagree about what a figure means.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sf_app.h"

const double sf_stats_pct[SF_STATS_NB_PCT] = {50, 90, 99, 99.9};
const char *const sf_stats_pct_name[SF_STATS_NB_PCT] = {"p50", "p90", "p99", "p99.9"};

const char *sf_lat_name(enum sf_lat_kind k)
{
	static const char *const names[SF_LAT__COUNT] = {"connect", "response", "total"};

	return (unsigned int)k < SF_LAT__COUNT ? names[k] : "?";
}

const char *sf_lat_what(enum sf_lat_kind k)
{
	static const char *const what[SF_LAT__COUNT] = {"SYN..SYN-ACK", "request..first response byte",
							 "SYN..close"};

	return (unsigned int)k < SF_LAT__COUNT ? what[k] : "?";
}

/* Port-pair mode: the client opens on one port and the server answers on another, so what the
 * client attempted and the server accepted are the same connections seen across the device. */
static bool port_pair(void)
{
	bool client_port = false, server_port = false;

	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		client_port |= sf_app.ports[i].role == SF_PORT_ROLE_CLIENT;
		server_port |= sf_app.ports[i].role == SF_PORT_ROLE_SERVER;
	}
	return client_port && server_port;
}

void sf_stats_take(struct sf_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->tsc = rte_rdtsc();
	s->sides.client = sf_app.client.enabled;
	s->sides.server = sf_app.listeners != NULL && sf_app.listeners->n > 0;
	s->sides.pair = s->sides.client && s->sides.server && port_pair();
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_lcore *lc = sf_app.workers[w];
		const struct sf_client_stats *c = &lc->client.stats;
		const struct sf_tcp_stats *t = &lc->tcp.stats;
		const struct sf_lcore_stats *l = &lc->stats;

		s->attempted += c->attempted;
		s->established += c->established;
		s->completed += c->completed;
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++) {
			s->failed_by[f] += c->failed[f];
			s->failed += c->failed[f];
		}
		s->requests += c->requests;
		s->responses += c->responses;
		s->client_open += c->open;
		/* lib/tcp counts every handshake; the client's own are the client's. */
		s->accepted += t->established;
		s->served += l->responses;
		for (unsigned int k = 0; k < SF_TCP_RETRANS__COUNT; k++)
			s->retrans += t->retrans[k];
		for (unsigned int st = SF_TCP_SYN_SENT; st < SF_TCP_TIME_WAIT; st++)
			s->open += t->state[st];
		s->time_wait += t->state[SF_TCP_TIME_WAIT] + t->tw_compact;
		for (unsigned int r = 1; r < SF_DROP__COUNT; r++)
			s->errors += l->drops[r];
		s->errors += l->tx_full + l->tcp_tx_nombuf + l->tcp_table_full + l->multiseg + l->nd_no_room;
		s->busy_cycles += l->busy_cycles;
		s->idle_cycles += l->idle_cycles;
		s->busy_polls += l->busy_polls;
		s->idle_polls += l->idle_polls;
	}
	s->accepted = s->accepted > s->established ? s->accepted - s->established : 0;
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

static void tcp_add(void *arg, const char *group, const char *name, uint64_t value)
{
	struct sf_tcp_sum *s = arg;

	/* The visitor names counters with the same string constants on every lcore. */
	for (unsigned int i = 0; i < s->n; i++)
		if (s->name[i] == name && s->group[i] == group) {
			s->value[i] += value;
			return;
		}
	if (s->n < RTE_DIM(s->value)) {
		s->group[s->n] = group;
		s->name[s->n] = name;
		s->value[s->n++] = value;
	}
}

void sf_stats_tcp_sum(struct sf_tcp_sum *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int w = 0; w < sf_app.nb_workers; w++)
		sf_tcp_stats_visit(&sf_app.workers[w]->tcp.stats, tcp_add, s);
}

void sf_stats_latency(struct sf_hist *h)
{
	for (unsigned int k = 0; k < SF_LAT__COUNT; k++)
		sf_hist_reset(&h[k]);
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_client_lcore *cl = &sf_app.workers[w]->client;

		sf_hist_merge(&h[SF_LAT_CONNECT], &cl->h_connect);
		sf_hist_merge(&h[SF_LAT_RESPONSE], &cl->h_response);
		sf_hist_merge(&h[SF_LAT_TOTAL], &cl->h_total);
	}
}

void sf_stats_hist_delta(const struct sf_hist *now, const struct sf_hist *then, struct sf_hist *out)
{
	unsigned int lo = SF_HIST_BUCKETS, hi = 0;

	sf_hist_reset(out);
	for (unsigned int i = 0; i < SF_HIST_BUCKETS; i++) {
		uint64_t c = now->bucket[i] >= then->bucket[i] ? now->bucket[i] - then->bucket[i] : 0;

		out->bucket[i] = c;
		out->count += c;
		if (c != 0) {
			if (lo == SF_HIST_BUCKETS)
				lo = i;
			hi = i;
		}
	}
	if (out->count == 0)
		return;
	out->sum = now->sum >= then->sum ? now->sum - then->sum : 0;
	/* The exact extremes of the period are unknown: the edges of its outer buckets stand in,
	 * bounded by what the whole run saw. */
	out->max = RTE_MIN(sf_hist_bucket_upper(hi), now->max);
	out->min_inv = ~RTE_MAX(sf_hist_bucket_lower(lo), sf_hist_min(now));
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

/* ---- the live line ---- */

/* The line is built from columns so that its header and its values cannot drift apart. */
enum col_group { COL_ALL, COL_CLIENT, COL_SERVER, COL_PAIR };

enum col_id {
	C_ATTEMPT, C_ESTAB, C_DONE, C_FAIL, C_ACCEPT, C_SERVED, C_GAP, C_OPEN, C_TIMEWAIT, C_RETX, C_ERR,
	C_RX_PPS, C_TX_PPS, C_RX_GBPS, C_TX_GBPS, C_P50, C_P99,
};

struct col {
	const char *name;
	enum col_group group;
};

/* Indexed by enum col_id. "gap", shown in port-pair mode, is attempted - accepted so far: what
 * the device between the ports dropped, refused or still holds. */
static const struct col cols[] = {
	[C_ATTEMPT] = {"attempt/s", COL_CLIENT}, [C_ESTAB] = {"estab/s", COL_CLIENT},
	[C_DONE] = {"done/s", COL_CLIENT},       [C_FAIL] = {"fail/s", COL_CLIENT},
	[C_ACCEPT] = {"accept/s", COL_SERVER},   [C_SERVED] = {"served/s", COL_SERVER},
	[C_GAP] = {"gap", COL_PAIR},             [C_OPEN] = {"open", COL_ALL},
	[C_TIMEWAIT] = {"timewait", COL_ALL},    [C_RETX] = {"retx/s", COL_ALL},
	[C_ERR] = {"err/s", COL_ALL},            [C_RX_PPS] = {"rx_pps", COL_ALL},
	[C_TX_PPS] = {"tx_pps", COL_ALL},        [C_RX_GBPS] = {"rx_Gbps", COL_ALL},
	[C_TX_GBPS] = {"tx_Gbps", COL_ALL},      [C_P50] = {"p50_us", COL_CLIENT},
	[C_P99] = {"p99_us", COL_CLIENT},
};
#define NB_COLS RTE_DIM(cols)
#define COL_W 9
#define HEADER_EVERY 30

static struct {
	struct sf_snapshot last;
	struct sf_hist lat_last[SF_LAT__COUNT];
	struct sf_hist lat_now[SF_LAT__COUNT];
	uint64_t started_tsc, next_tsc;
	unsigned int lines;
} live;

static bool col_shown(const struct col *c, const struct sf_sides *sides)
{
	switch (c->group) {
	case COL_CLIENT: return sides->client;
	case COL_SERVER: return sides->server;
	case COL_PAIR: return sides->pair;
	default: return true;
	}
}

static void print_header(const struct sf_sides *sides)
{
	/* At the prompt the header would otherwise continue the "synfin> " line. */
	if (sf_app.interactive)
		printf("\n");
	printf("%6s", "sec");
	for (unsigned int i = 0; i < NB_COLS; i++)
		if (col_shown(&cols[i], sides))
			printf(" %*s", COL_W, cols[i].name);
	printf("\n");
}

/* The figure of column @p i between @p a and @p b, @p dt seconds apart. */
static void col_value(unsigned int i, const struct sf_snapshot *a, const struct sf_snapshot *b, double dt,
		      const struct sf_hist *connect, char *buf, size_t len)
{
#define RATE(f) human((double)(b->f - a->f) / dt, buf, len)
	switch ((enum col_id)i) {
	case C_ATTEMPT: RATE(attempted); break;
	case C_ESTAB: RATE(established); break;
	case C_DONE: RATE(completed); break;
	case C_FAIL: RATE(failed); break;
	case C_ACCEPT: RATE(accepted); break;
	case C_SERVED: RATE(served); break;
	case C_GAP: snprintf(buf, len, "%" PRId64, (int64_t)(b->attempted - b->accepted)); break;
	case C_OPEN: human((double)b->open, buf, len); break;
	case C_TIMEWAIT: human((double)b->time_wait, buf, len); break;
	case C_RETX: RATE(retrans); break;
	case C_ERR: RATE(errors); break;
	case C_RX_PPS: RATE(rx_pkts); break;
	case C_TX_PPS: RATE(tx_pkts); break;
	case C_RX_GBPS: snprintf(buf, len, "%.3f", (double)(b->rx_bytes - a->rx_bytes) * 8 / dt / 1e9); break;
	case C_TX_GBPS: snprintf(buf, len, "%.3f", (double)(b->tx_bytes - a->tx_bytes) * 8 / dt / 1e9); break;
	case C_P50:
	case C_P99:
		if (sf_hist_count(connect) == 0)
			snprintf(buf, len, "-");
		else
			human((double)sf_hist_percentile(connect, i == C_P50 ? 50 : 99), buf, len);
		break;
	}
#undef RATE
}

/* The period's figures never go backwards, even when a port's counters do (a memif port reads
 * zero once its peer has gone, docs/PLATFORM.md). */
static void keep_monotonic(struct sf_snapshot *now, const struct sf_snapshot *last)
{
	if (now->rx_pkts < last->rx_pkts || now->tx_pkts < last->tx_pkts || now->rx_bytes < last->rx_bytes ||
	    now->tx_bytes < last->tx_bytes) {
		now->rx_pkts = last->rx_pkts;
		now->tx_pkts = last->tx_pkts;
		now->rx_bytes = last->rx_bytes;
		now->tx_bytes = last->tx_bytes;
	}
}

/* Seconds between records: the line's period, or one second when only JSON is wanted. */
static unsigned int period_s(void)
{
	unsigned int p = __atomic_load_n(&sf_app.stats_period, __ATOMIC_RELAXED);

	return p ? p : (sf_app.json_path ? 1 : 0);
}

void sf_app_stats_start(void)
{
	sf_stats_take(&live.last);
	sf_stats_latency(live.lat_last);
	live.started_tsc = live.last.tsc;
	live.lines = 0;
	live.next_tsc = period_s() ? live.last.tsc + rte_get_tsc_hz() * period_s() : 0;
}

void sf_app_stats_tick(void)
{
	uint64_t hz = rte_get_tsc_hz();
	struct sf_snapshot now;
	struct sf_hist connect;
	double dt, t;

	if (live.next_tsc == 0) {
		/* `set stats period` turned the records on while running. */
		if (period_s() != 0)
			sf_app_stats_start();
		return;
	}
	if (rte_rdtsc() < live.next_tsc)
		return;
	sf_stats_take(&now);
	sf_stats_latency(live.lat_now);
	keep_monotonic(&now, &live.last);
	live.next_tsc = period_s() ? live.next_tsc + hz * period_s() : 0;
	if (live.next_tsc != 0 && live.next_tsc < now.tsc) /* a long stall: do not print a burst */
		live.next_tsc = now.tsc + hz * period_s();
	dt = (double)(now.tsc - live.last.tsc) / (double)hz;
	t = (double)(now.tsc - live.started_tsc) / (double)hz;
	sf_json_period(&live.last, &now, t, live.lat_last, live.lat_now);
	if (sf_app.stats_period != 0 && dt > 0) {
		char buf[24];

		if (live.lines++ % HEADER_EVERY == 0)
			print_header(&now.sides);
		sf_stats_hist_delta(&live.lat_now[SF_LAT_CONNECT], &live.lat_last[SF_LAT_CONNECT], &connect);
		printf("%6.0f", t);
		for (unsigned int i = 0; i < NB_COLS; i++)
			if (col_shown(&cols[i], &now.sides)) {
				col_value(i, &live.last, &now, dt, &connect, buf, sizeof(buf));
				printf(" %*s", COL_W, buf);
			}
		printf("\n");
		fflush(stdout);
	}
	live.last = now;
	memcpy(live.lat_last, live.lat_now, sizeof(live.lat_last));
}

/* ---- reports ---- */

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

/* The source tuples the workers' allocators handed out, and those found still live or in
 * TIME_WAIT (skipped): when no_tuple failures appear, these say why. */
static void print_tuple_stats(void)
{
	struct sf_portalloc_stats sum = {0};

	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_portalloc *a = sf_app.workers[w]->client.alloc;
		const struct sf_portalloc_stats *st;

		if (a == NULL)
			continue;
		st = sf_portalloc_stats(a);
		sum.handed += st->handed;
		sum.rejected += st->rejected;
		sum.busy += st->busy;
		sum.empty += st->empty;
		sum.wraps += st->wraps;
	}
	printf("  source tuples:         handed %" PRIu64 ", in use (skipped) %" PRIu64 ", all busy %" PRIu64
	       ", none ours %" PRIu64 ", wraps %" PRIu64 "\n",
	       sum.handed, sum.rejected, sum.busy, sum.empty, sum.wraps);
}

void sf_app_print_client_summary(void)
{
	static struct sf_hist h[SF_LAT__COUNT];
	static const char *const labels[SF_LAT__COUNT] = {"connect (SYN..SYN-ACK)", "response (first byte)",
							   "total (SYN..close)"};
	struct sf_snapshot s;

	if (!sf_app.client.enabled) {
		printf("no client configured\n");
		return;
	}
	sf_stats_take(&s);
	sf_stats_latency(h);
	printf("client summary:\n");
	printf("  attempted:             %" PRIu64 "\n  established:           %" PRIu64
	       "\n  completed:             %" PRIu64 "\n  failed:                %" PRIu64 "\n",
	       s.attempted, s.established, s.completed, s.failed);
	for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
		if (s.failed_by[f])
			printf("    %-20s %" PRIu64 "\n", sf_client_fail_name(f), s.failed_by[f]);
	printf("  open:                  %" PRIu64 "\n  requests:              %" PRIu64
	       "\n  responses:             %" PRIu64 "\n",
	       s.client_open, s.requests, s.responses);
	print_tuple_stats();
	for (unsigned int k = 0; k < SF_LAT__COUNT; k++)
		print_hist(labels[k], &h[k]);
	fflush(stdout);
}

void sf_app_print_server_summary(void)
{
	struct sf_snapshot s;

	sf_stats_take(&s);
	printf("server summary:\n");
	printf("  accepted:              %" PRIu64 "\n  served:                %" PRIu64 "\n", s.accepted,
	       s.served);
	fflush(stdout);
}

void sf_app_print_report(bool lcores)
{
	struct sf_snapshot s;
	double secs = sf_app.start_tsc ? (double)(rte_rdtsc() - sf_app.start_tsc) / (double)rte_get_tsc_hz() : 0;

	for (uint16_t i = 0; lcores && i < sf_app.nb_ports; i++) {
		struct rte_eth_stats e;

		if (rte_eth_stats_get(sf_app.ports[i].port_id, &e) == 0)
			printf("port %u: rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64 " pkts %" PRIu64
			       " bytes, missed %" PRIu64 ", rx errors %" PRIu64 ", tx errors %" PRIu64 "\n",
			       sf_app.ports[i].port_id, e.ipackets, e.ibytes, e.opackets, e.obytes, e.imissed, e.ierrors,
			       e.oerrors);
	}
	if (lcores) {
		struct sf_lcore_stats sum;

		sf_lcore_stats_sum(sf_app.workers, sf_app.nb_workers, &sum);
		printf("lcore stats (all workers):\n");
		sf_lcore_stats_print(&sum, stdout);
	}
	sf_stats_take(&s);
	/* One line per side, so a port pair (client and server in one process) shows the
	 * difference between what was opened and what was served. */
	printf("totals over %.1f s:\n", secs);
	if (s.sides.client)
		printf("  client: attempted %" PRIu64 ", established %" PRIu64 ", completed %" PRIu64
		       ", failed %" PRIu64 ", open %" PRIu64 "\n",
		       s.attempted, s.established, s.completed, s.failed, s.client_open);
	if (s.sides.server)
		printf("  server: accepted %" PRIu64 ", served %" PRIu64 "\n", s.accepted, s.served);
	if (s.sides.pair)
		printf("  difference: attempted - accepted %" PRId64 " (dropped, refused or held between the ports), "
		       "served - completed %" PRId64 " (responses sent that did not complete a connection)\n",
		       (int64_t)(s.attempted - s.accepted), (int64_t)(s.served - s.completed));
	printf("  tcp: open %" PRIu64 ", time_wait %" PRIu64 ", retransmits %" PRIu64 ", errors %" PRIu64 "\n",
	       s.open, s.time_wait, s.retrans, s.errors);
	if (s.sides.server)
		sf_app_print_server_summary();
	if (s.sides.client)
		sf_app_print_client_summary();
	fflush(stdout);
}

/* `show latency` rows: one per power of two of microseconds (0, 1, 2-3, 4-7, ...), so a table
 * fits a screen; the JSON summary keeps every bucket. */
#define LAT_ROWS (SF_HIST_TOP_BITS + 1)

struct lat_rows {
	uint64_t count[LAT_ROWS];
};

static int add_to_row(uint64_t lower, uint64_t upper, uint64_t count, void *arg)
{
	struct lat_rows *r = arg;
	unsigned int row = lower == 0 ? 0 : (unsigned int)(64 - __builtin_clzll(lower));

	(void)upper;
	r->count[row < LAT_ROWS ? row : LAT_ROWS - 1] += count;
	return 0;
}

void sf_app_print_latency(void)
{
	static struct sf_hist h[SF_LAT__COUNT];

	if (!sf_app.client.enabled) {
		printf("no client configured: latency is measured by the client\n");
		return;
	}
	sf_stats_latency(h);
	for (unsigned int k = 0; k < SF_LAT__COUNT; k++) {
		uint64_t total = sf_hist_count(&h[k]), cum = 0;
		struct lat_rows rows;

		printf("latency %s (%s), us: %" PRIu64 " samples", sf_lat_name(k), sf_lat_what(k), total);
		if (total == 0) {
			printf("\n");
			continue;
		}
		printf(", mean %.1f", sf_hist_mean(&h[k]));
		for (unsigned int p = 0; p < SF_STATS_NB_PCT; p++)
			printf(", %s %" PRIu64, sf_stats_pct_name[p], sf_hist_percentile(&h[k], sf_stats_pct[p]));
		printf(", max %" PRIu64 "\n", sf_hist_max(&h[k]));
		memset(&rows, 0, sizeof(rows));
		sf_hist_visit(&h[k], add_to_row, &rows);
		printf("  %10s %10s %12s %8s %8s\n", "from_us", "to_us", "count", "share", "cumul");
		for (unsigned int i = 0; i < LAT_ROWS; i++) {
			uint64_t lo = i == 0 ? 0 : UINT64_C(1) << (i - 1), hi = i == 0 ? 0 : (UINT64_C(1) << i) - 1;

			if (rows.count[i] == 0)
				continue;
			cum += rows.count[i];
			printf("  %10" PRIu64 " %10" PRIu64 " %12" PRIu64 " %7.2f%% %7.2f%%\n", lo, hi, rows.count[i],
			       100.0 * (double)rows.count[i] / (double)total, 100.0 * (double)cum / (double)total);
		}
	}
	fflush(stdout);
}

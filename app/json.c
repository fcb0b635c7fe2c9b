/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --json FILE: one JSON object per line (JSON Lines): a "period" object per stats period and a
 * "summary" object at exit, with the latency histograms. docs/JSON.md describes the fields and
 * docs/synfin-stats.schema.json checks them. Written by the main lcore only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sf_app.h"

#define SF_JSON_VERSION 1

static FILE *out;
static double t_last; /**< seconds since start of the last period written */

int sf_json_open(const char *path)
{
	out = fopen(path, "w");
	if (out == NULL)
		return -errno;
	return 0;
}

static double unix_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* JSON has no NaN nor infinity: a rate over no time is 0. */
static double per_s(uint64_t a, uint64_t b, double dt)
{
	return dt > 0 && b >= a ? (double)(b - a) / dt : 0.0;
}

static void head(const char *type, double t)
{
	fprintf(out, "{\"type\":\"%s\",\"version\":%d,\"unix\":%.3f,\"t\":%.3f", type, SF_JSON_VERSION, unix_now(), t);
}

static void percentiles(const struct sf_hist *h)
{
	fprintf(out, "\"count\":%" PRIu64, sf_hist_count(h));
	for (unsigned int p = 0; p < SF_STATS_NB_PCT; p++)
		fprintf(out, ",\"%s\":%" PRIu64, sf_stats_pct_name[p], sf_hist_percentile(h, sf_stats_pct[p]));
	fprintf(out, ",\"max\":%" PRIu64, sf_hist_max(h));
}

void sf_json_period(const struct sf_snapshot *a, const struct sf_snapshot *b, double t, const struct sf_hist *lat_a,
		    const struct sf_hist *lat_b)
{
	static struct sf_hist d;
	double dt = (double)(b->tsc - a->tsc) / (double)rte_get_tsc_hz();

	if (out == NULL)
		return;
	head("period", t);
	fprintf(out, ",\"dt\":%.3f", dt);
	if (b->sides.client)
		fprintf(out,
			",\"client\":{\"attempted\":%" PRIu64 ",\"established\":%" PRIu64 ",\"completed\":%" PRIu64
			",\"failed\":%" PRIu64 ",\"open\":%" PRIu64
			",\"attempted_per_s\":%.1f,\"established_per_s\":%.1f,\"completed_per_s\":%.1f,"
			"\"failed_per_s\":%.1f}",
			b->attempted, b->established, b->completed, b->failed, b->client_open,
			per_s(a->attempted, b->attempted, dt), per_s(a->established, b->established, dt),
			per_s(a->completed, b->completed, dt), per_s(a->failed, b->failed, dt));
	if (b->sides.server)
		fprintf(out,
			",\"server\":{\"accepted\":%" PRIu64 ",\"served\":%" PRIu64
			",\"accepted_per_s\":%.1f,\"served_per_s\":%.1f}",
			b->accepted, b->served, per_s(a->accepted, b->accepted, dt), per_s(a->served, b->served, dt));
	fprintf(out,
		",\"tcp\":{\"open\":%" PRIu64 ",\"time_wait\":%" PRIu64 ",\"retrans\":%" PRIu64 ",\"errors\":%" PRIu64
		",\"retrans_per_s\":%.1f,\"errors_per_s\":%.1f}",
		b->open, b->time_wait, b->retrans, b->errors, per_s(a->retrans, b->retrans, dt),
		per_s(a->errors, b->errors, dt));
	fprintf(out,
		",\"ports\":{\"rx_pkts\":%" PRIu64 ",\"tx_pkts\":%" PRIu64 ",\"rx_pps\":%.1f,\"tx_pps\":%.1f"
		",\"rx_bps\":%.1f,\"tx_bps\":%.1f}",
		b->rx_pkts, b->tx_pkts, per_s(a->rx_pkts, b->rx_pkts, dt), per_s(a->tx_pkts, b->tx_pkts, dt),
		8 * per_s(a->rx_bytes, b->rx_bytes, dt), 8 * per_s(a->tx_bytes, b->tx_bytes, dt));
	if (b->sides.client) {
		/* The period's own samples: the difference of the cumulative histograms. */
		fprintf(out, ",\"latency_us\":{");
		for (unsigned int k = 0; k < SF_LAT__COUNT; k++) {
			sf_stats_hist_delta(&lat_b[k], &lat_a[k], &d);
			fprintf(out, "%s\"%s\":{", k ? "," : "", sf_lat_name(k));
			percentiles(&d);
			fprintf(out, "}");
		}
		fprintf(out, "}");
	}
	fprintf(out, "}\n");
	fflush(out);
	t_last = t;
}

static int bucket(uint64_t lower, uint64_t upper, uint64_t count, void *arg)
{
	bool *first = arg;

	fprintf(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", *first ? "" : ",", lower, upper, count);
	*first = false;
	return 0;
}

void sf_json_close(void)
{
	static struct sf_hist h[SF_LAT__COUNT];
	struct sf_snapshot s;
	double secs;

	if (out == NULL)
		return;
	sf_stats_take(&s);
	secs = sf_app.start_tsc ? (double)(s.tsc - sf_app.start_tsc) / (double)rte_get_tsc_hz() : 0;
	head("summary", secs > t_last ? secs : t_last);
	if (s.sides.client) {
		fprintf(out,
			",\"client\":{\"attempted\":%" PRIu64 ",\"established\":%" PRIu64 ",\"completed\":%" PRIu64
			",\"failed\":%" PRIu64 ",\"open\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"responses\":%" PRIu64
			",\"failed_by\":{",
			s.attempted, s.established, s.completed, s.failed, s.client_open, s.requests, s.responses);
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
			fprintf(out, "%s\"%s\":%" PRIu64, f ? "," : "", sf_client_fail_name(f), s.failed_by[f]);
		fprintf(out, "}}");
	}
	if (s.sides.server)
		fprintf(out, ",\"server\":{\"accepted\":%" PRIu64 ",\"served\":%" PRIu64 "}", s.accepted, s.served);
	fprintf(out, ",\"tcp\":{\"open\":%" PRIu64 ",\"time_wait\":%" PRIu64 ",\"retrans\":%" PRIu64 ",\"errors\":%" PRIu64 "}",
		s.open, s.time_wait, s.retrans, s.errors);
	fprintf(out, ",\"ports\":[");
	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		struct rte_eth_stats e;

		memset(&e, 0, sizeof(e));
		rte_eth_stats_get(sf_app.ports[i].port_id, &e);
		fprintf(out,
			"%s{\"port\":%u,\"rx_pkts\":%" PRIu64 ",\"tx_pkts\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
			",\"tx_bytes\":%" PRIu64 ",\"rx_missed\":%" PRIu64 ",\"rx_errors\":%" PRIu64 ",\"tx_errors\":%" PRIu64 "}",
			i ? "," : "", sf_app.ports[i].port_id, e.ipackets, e.opackets, e.ibytes, e.obytes, e.imissed,
			e.ierrors, e.oerrors);
	}
	fprintf(out, "]");
	if (s.sides.client) {
		sf_stats_latency(h);
		fprintf(out, ",\"latency_us\":{");
		for (unsigned int k = 0; k < SF_LAT__COUNT; k++) {
			bool first = true;

			fprintf(out, "%s\"%s\":{", k ? "," : "", sf_lat_name(k));
			percentiles(&h[k]);
			fprintf(out, ",\"min\":%" PRIu64 ",\"mean\":%.1f,\"buckets\":[", sf_hist_min(&h[k]),
				sf_hist_mean(&h[k]));
			sf_hist_visit(&h[k], bucket, &first);
			fprintf(out, "]}");
		}
		fprintf(out, "}");
	}
	fprintf(out, "}\n");
	fclose(out);
	out = NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry: /synfin/stats, /synfin/tcp, /synfin/client and /synfin/latency, so that
 * dpdk-telemetry.py (or anything speaking the telemetry socket) reads synfin's figures while
 * it runs. The callbacks run on the telemetry thread and read the workers' counters without
 * locks, like the live line does; telemetry has no floating-point values, so rates are not
 * given (a reader differentiates totals) and means are rounded.
 */
#include <pthread.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "sf_app.h"

/* One telemetry client thread per connection: the shared scratch histograms need a lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void add_sides(struct rte_tel_data *d, const struct sf_snapshot *s)
{
	rte_tel_data_add_dict_int(d, "client_active", s->sides.client);
	rte_tel_data_add_dict_int(d, "server_active", s->sides.server);
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sf_snapshot s;

	(void)cmd, (void)params;
	sf_stats_take(&s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "running", sf_run.running);
	add_sides(d, &s);
	rte_tel_data_add_dict_u64(d, "uptime_ms",
				  sf_app.start_tsc ? (s.tsc - sf_app.start_tsc) * 1000 / rte_get_tsc_hz() : 0);
	rte_tel_data_add_dict_u64(d, "attempted", s.attempted);
	rte_tel_data_add_dict_u64(d, "established", s.established);
	rte_tel_data_add_dict_u64(d, "completed", s.completed);
	rte_tel_data_add_dict_u64(d, "failed", s.failed);
	rte_tel_data_add_dict_u64(d, "accepted", s.accepted);
	rte_tel_data_add_dict_u64(d, "served", s.served);
	rte_tel_data_add_dict_u64(d, "open", s.open);
	rte_tel_data_add_dict_u64(d, "time_wait", s.time_wait);
	rte_tel_data_add_dict_u64(d, "retrans", s.retrans);
	rte_tel_data_add_dict_u64(d, "errors", s.errors);
	rte_tel_data_add_dict_u64(d, "rx_pkts", s.rx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_pkts", s.tx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.tx_bytes);
	rte_tel_data_add_dict_u64(d, "busy_cycles", s.busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", s.idle_cycles);
	rte_tel_data_add_dict_u64(d, "busy_polls", s.busy_polls);
	rte_tel_data_add_dict_u64(d, "idle_polls", s.idle_polls);
	return 0;
}

/* Every lib/tcp counter, one dictionary per group ("state", "retrans", ...). */
static int tel_tcp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct sf_tcp_sum sum;
	struct rte_tel_data *g = NULL;
	const char *group = NULL;

	(void)cmd, (void)params;
	pthread_mutex_lock(&lock);
	sf_stats_tcp_sum(&sum);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i <= sum.n; i++) {
		if (g != NULL && (i == sum.n || sum.group[i] != group)) {
			rte_tel_data_add_dict_container(d, group, g, 0);
			g = NULL;
		}
		if (i == sum.n)
			break;
		if (g == NULL) {
			g = rte_tel_data_alloc();
			if (g == NULL)
				break;
			group = sum.group[i];
			rte_tel_data_start_dict(g);
		}
		rte_tel_data_add_dict_u64(g, sum.name[i], sum.value[i]);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static int tel_client(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sf_client_cfg *c = &sf_app.client;
	struct rte_tel_data *why;
	struct sf_snapshot s;

	(void)cmd, (void)params;
	sf_stats_take(&s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", c->enabled);
	rte_tel_data_add_dict_u64(d, "rate", c->rate);
	rte_tel_data_add_dict_u64(d, "duration_s", c->duration_s);
	rte_tel_data_add_dict_u64(d, "concurrency", c->concurrency);
	rte_tel_data_add_dict_u64(d, "attempted", s.attempted);
	rte_tel_data_add_dict_u64(d, "established", s.established);
	rte_tel_data_add_dict_u64(d, "completed", s.completed);
	rte_tel_data_add_dict_u64(d, "failed", s.failed);
	rte_tel_data_add_dict_u64(d, "open", s.client_open);
	rte_tel_data_add_dict_u64(d, "requests", s.requests);
	rte_tel_data_add_dict_u64(d, "responses", s.responses);
	why = rte_tel_data_alloc();
	if (why != NULL) {
		rte_tel_data_start_dict(why);
		for (unsigned int f = 0; f < SF_CLIENT_FAIL__COUNT; f++)
			rte_tel_data_add_dict_u64(why, sf_client_fail_name(f), s.failed_by[f]);
		rte_tel_data_add_dict_container(d, "failed_by", why, 0);
	}
	return 0;
}

/* Percentiles of each client latency since start, in microseconds. */
static int tel_latency(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct sf_hist h[SF_LAT__COUNT];

	(void)cmd, (void)params;
	pthread_mutex_lock(&lock);
	sf_stats_latency(h);
	rte_tel_data_start_dict(d);
	for (unsigned int k = 0; k < SF_LAT__COUNT; k++) {
		struct rte_tel_data *one = rte_tel_data_alloc();

		if (one == NULL)
			break;
		rte_tel_data_start_dict(one);
		rte_tel_data_add_dict_u64(one, "count", sf_hist_count(&h[k]));
		rte_tel_data_add_dict_u64(one, "min", sf_hist_min(&h[k]));
		rte_tel_data_add_dict_u64(one, "mean", (uint64_t)(sf_hist_mean(&h[k]) + 0.5));
		for (unsigned int p = 0; p < SF_STATS_NB_PCT; p++)
			rte_tel_data_add_dict_u64(one, sf_stats_pct_name[p], sf_hist_percentile(&h[k], sf_stats_pct[p]));
		rte_tel_data_add_dict_u64(one, "max", sf_hist_max(&h[k]));
		rte_tel_data_add_dict_container(d, sf_lat_name(k), one, 0);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

void sf_telemetry_register(void)
{
	rte_telemetry_register_cmd("/synfin/stats", tel_stats,
				   "synfin totals and gauges: both sides' connections, TCP, ports, lcore cycles");
	rte_telemetry_register_cmd("/synfin/tcp", tel_tcp, "synfin TCP counters by group, summed over lcores");
	rte_telemetry_register_cmd("/synfin/client", tel_client, "synfin client settings and counters");
	rte_telemetry_register_cmd("/synfin/latency", tel_latency,
				   "synfin client latency percentiles (us): connect, response, total");
}

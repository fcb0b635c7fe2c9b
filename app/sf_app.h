/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_APP_H
#define SF_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cmdline_parse.h>
#include <rte_mempool.h>

#include "sf_engine.h"
#include "sf_hist.h"
#include "sf_port.h"

/** The process: its ports, its workers and the options it was started with. */
struct sf_app {
	struct rte_mempool *mp;
	uint16_t nb_ports;
	struct sf_port ports[SF_PORT_MAX];
	unsigned int nb_workers;
	struct sf_lcore *workers[SF_MAX_LCORES];
	bool main_is_worker; /**< a single lcore: the main lcore polls too */
	/* server mode and TCP settings, applied to every worker at `start` */
	struct sf_listeners *listeners;
	struct sf_listener listen_defaults; /**< response, requests and close for the next `listen` */
	struct sf_tcp_config tcp_cfg;
	struct sf_conn_sizes conn_sizes;
	struct sf_client_cfg client;
	uint64_t start_tsc;  /**< when `start` last ran */
	/* options after "--" */
	bool interactive;
	const char *cmdline_file;
	unsigned int duration_s;
	unsigned int stats_period; /**< seconds between live lines; 0: none */
	const char *json_path;     /**< --json: one object per period and a final summary */
	uint32_t stop_grace_ms;    /**< `stop` waits this long at most for open connections */
};

extern struct sf_app sf_app;

/** Start polling on every worker (idempotent); print what happened. Start first applies the
 * configuration (listeners, TCP settings, client) to every worker. */
void sf_app_start(void);
/**
 * Stop polling on every worker and print a report. Gracefully unless @p now: clients stop
 * opening, and the open connections get up to stop_grace_ms to finish first.
 */
void sf_app_stop(bool now);
/** Create the mbuf pool, start every port with a queue pair per worker, allocate the workers,
 * wait for links and print each port's summary. Exits the process on failure. */
void sf_app_setup_ports_and_workers(void);
/** Ask the process to end (the `quit` command, SIGINT, SIGTERM, end of duration). */
void sf_app_quit(void);

/** Give a control thread synfin creates (prompt, link watcher) the main lcore's CPU. */
void sf_app_ctrl_thread_home(pthread_t tid);

/** A topic of CLI commands, for `help` and for assembling the cmdline context. */
struct sf_cli_topic {
	const char *name;
	cmdline_parse_inst_t *const *cmds; /**< NULL-terminated */
};

extern const struct sf_cli_topic sf_cli_topic_port;
extern const struct sf_cli_topic sf_cli_topic_run;
extern const struct sf_cli_topic sf_cli_topic_server;
extern const struct sf_cli_topic sf_cli_topic_tcp;
extern const struct sf_cli_topic sf_cli_topic_client;

/** Which sides of the benchmark this process runs (a port pair runs both). */
struct sf_sides {
	bool client; /**< a client is configured */
	bool server; /**< at least one listener */
	bool pair;   /**< port-pair mode: a client-only port and a server-only port, a device between */
};

/**
 * Everything the operator's views (live line, JSON, telemetry, reports) show, summed over the
 * workers and ports at one instant. Counters are totals since the process began; gauges are
 * marked. One home: every view reads these fields and nothing else.
 */
struct sf_snapshot {
	uint64_t tsc;
	struct sf_sides sides;
	/* client side */
	uint64_t attempted, established, completed, failed; /**< connections */
	uint64_t failed_by[SF_CLIENT_FAIL__COUNT];
	uint64_t requests, responses;
	uint64_t client_open; /**< gauge */
	/* server side */
	uint64_t accepted; /**< handshakes completed on listeners */
	uint64_t served;   /**< responses sent */
	/* TCP, both sides */
	uint64_t open;      /**< gauge: connections not CLOSED nor in TIME_WAIT */
	uint64_t time_wait; /**< gauge: TIME_WAIT in TCBs and in the compact store */
	uint64_t retrans;
	uint64_t errors; /**< frames dropped (malformed, unwanted, tx ring full, no mbuf), connections refused (table full) */
	/* ports */
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
	/* workers */
	uint64_t busy_cycles, idle_cycles, busy_polls, idle_polls;
};

/** The client's latency histograms, merged over the workers (us). */
enum sf_lat_kind { SF_LAT_CONNECT, SF_LAT_RESPONSE, SF_LAT_TOTAL, SF_LAT__COUNT };

/** Name of a latency kind: "connect", "response", "total". */
const char *sf_lat_name(enum sf_lat_kind k);
/** What a latency kind measures, for tables. */
const char *sf_lat_what(enum sf_lat_kind k);

/** Fill @p s from the workers' and ports' counters now. */
void sf_stats_take(struct sf_snapshot *s);
/** Merge every worker's client histograms into @p h[SF_LAT__COUNT] (emptied first). */
void sf_stats_latency(struct sf_hist *h);
/** Percentiles reported everywhere: p50, p90, p99, p99.9. */
#define SF_STATS_NB_PCT 4
extern const double sf_stats_pct[SF_STATS_NB_PCT];
extern const char *const sf_stats_pct_name[SF_STATS_NB_PCT];

/** Begin the live line (prints its header) / print a line when a period has passed. */
void sf_app_stats_start(void);
void sf_app_stats_tick(void);
/** The client's counters and latency percentiles, summed over workers. */
void sf_app_print_client_summary(void);
/** The server's counters (accepted, served), summed over workers. */
void sf_app_print_server_summary(void);
/** The report printed at exit and after `stop`: ports, lcores, then each active side. */
void sf_app_print_report(bool lcores);
/** `show latency`: one table per latency kind, bucket by bucket. */
void sf_app_print_latency(void);

/** Open @p path for JSON output (main lcore, before start). @return 0 or -errno. */
int sf_json_open(const char *path);
/** Append one period's object (figures between @p prev and @p now, latency @p lat_prev..@p lat_now). */
void sf_json_period(const struct sf_snapshot *prev, const struct sf_snapshot *now, double t,
		    const struct sf_hist *lat_prev, const struct sf_hist *lat_now);
/** Append the final summary object (totals, histograms) and close the file. */
void sf_json_close(void);

/** Register the /synfin/... telemetry commands (before any worker starts). */
void sf_telemetry_register(void);

/** Histogram of the samples recorded between @p then and @p now (cumulative ones). */
void sf_stats_hist_delta(const struct sf_hist *now, const struct sf_hist *then, struct sf_hist *out);

/** Every lib/tcp counter summed over the workers, in sf_tcp_stats_visit() order. */
struct sf_tcp_sum {
	unsigned int n;
	const char *group[256];
	const char *name[256];
	uint64_t value[256];
};

/** Fill @p s with the workers' TCP counters, summed (name and group pointers identify them). */
void sf_stats_tcp_sum(struct sf_tcp_sum *s);

/** The TCP settings that are one number (`set tcp <name> <n>`): the name of the @p i-th, or
 * NULL past the last, and its value in @p cfg. */
const char *sf_cli_tcp_knob_name(unsigned int i);
uint32_t sf_cli_tcp_knob_get(const struct sf_tcp_config *cfg, unsigned int i);

/** Write the running configuration to @p f as a command file that reproduces it. */
void sf_cli_config_write(FILE *f);

/** Print the workers' TCP and connection-table counters, summed. */
void sf_cli_print_tcp_stats(void);

/** A command that parsed but cannot be carried out: print why (one line, printf-style, no
 * newline) and fail the line, so a command file stops there. */
void sf_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** The same for a value out of range: the line ends with the command's grammar. */
void sf_cli_bad_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** True (and the line failed) when a setting must wait for `stop`. */
bool sf_cli_refuse_while_running(void);

/** Run one command line; on failure print a one-line error naming the expected grammar.
 * @return 0, or -1 when the line matched no command or the command refused it (either way
 * nothing was applied). */
int sf_cli_line(const char *line);
/** Run the commands of @p path, printing them and their output, up to the first line that
 * fails; returns 0, -errno, or -EINVAL when a line failed. */
int sf_cli_run_file(const char *path);
/** Start the interactive prompt on a control thread; it calls sf_app_quit() when it ends. */
int sf_cli_start_interactive(void);
/** Restore the terminal if the prompt is still open. */
void sf_cli_stop_interactive(void);
/** Print every command with its grammar, by topic. */
void sf_cli_help(void);

/** Parse "<port>" or "<port>-<port>" (1..65535, host order). @return 0 or -1. */
int sf_cli_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

/** Parse "<id>" or "all" against the ports; returns the port range [*first, *last) or -1. */
int sf_cli_port_range(const char *arg, uint16_t *first, uint16_t *last);

#endif /* SF_APP_H */

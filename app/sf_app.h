/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_APP_H
#define SF_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <cmdline_parse.h>
#include <rte_mempool.h>

#include "sf_engine.h"
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
};

extern struct sf_app sf_app;

/** Start or stop polling on every worker (idempotent); print what happened.
 * Start first applies the configuration (listeners, TCP settings) to every worker. */
void sf_app_start(void);
void sf_app_stop(void);
/** Create the mbuf pool, start every port with a queue pair per worker, allocate the workers,
 * wait for links and print each port's summary. Exits the process on failure. */
void sf_app_setup_ports_and_workers(void);
/** Ask the process to end (the `quit` command, SIGINT, SIGTERM, end of duration). */
void sf_app_quit(void);

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

/** Begin the per-second line (prints its header) / print a line when a second has passed. */
void sf_app_stats_start(void);
void sf_app_stats_tick(void);
/** The client's counters and latency percentiles, summed over workers. */
void sf_app_print_client_summary(void);

/** Print the workers' TCP and connection-table counters, summed. */
void sf_cli_print_tcp_stats(void);

/** True (and a message printed) when a setting must wait for `stop`. */
bool sf_cli_refuse_while_running(void);

/** Run the commands of @p path, printing their output; returns 0 or -errno. */
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI topic "run": start, stop (graceful or now), quit, help, the live line's period, the
 * configuration as a command file (show, save, load), and the run's figures (stats, latency,
 * lcores).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_cycles.h>

#include "sf_app.h"

struct cmd_word_result {
	cmdline_fixed_string_t word;
};

struct cmd_words2_result {
	cmdline_fixed_string_t a, b;
};

struct cmd_words3_result {
	cmdline_fixed_string_t a, b, c;
};

static void cmd_start_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_start();
}

static cmdline_parse_token_string_t cmd_start_tok = TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "start");
static cmdline_parse_inst_t cmd_start = {
	.f = cmd_start_parsed,
	.help_str = "start: start packet processing on every worker lcore",
	.tokens = {(void *)&cmd_start_tok, NULL},
};

static void cmd_stop_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_stop(false);
}

static cmdline_parse_token_string_t cmd_stop_tok = TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "stop");
static cmdline_parse_inst_t cmd_stop = {
	.f = cmd_stop_parsed,
	.help_str = "stop: stop opening connections, let the open ones finish (up to the stop grace), stop "
		    "processing and report (ports stay up, counters kept)",
	.tokens = {(void *)&cmd_stop_tok, NULL},
};

static void cmd_stop_now_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_stop(true);
}

static cmdline_parse_token_string_t cmd_stop_now_stop = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, a, "stop");
static cmdline_parse_token_string_t cmd_stop_now_now = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, b, "now");
static cmdline_parse_inst_t cmd_stop_now = {
	.f = cmd_stop_now_parsed,
	.help_str = "stop now: stop processing at once, open connections left as they are, and report",
	.tokens = {(void *)&cmd_stop_now_stop, (void *)&cmd_stop_now_now, NULL},
};

static void cmd_quit_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)data;
	sf_app_quit();
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_quit_tok = TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "quit");
static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.help_str = "quit: stop, print the final report and exit",
	.tokens = {(void *)&cmd_quit_tok, NULL},
};

static void cmd_help_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_cli_help();
}

static cmdline_parse_token_string_t cmd_help_tok = TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "help");
static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.help_str = "help: list every command with its grammar",
	.tokens = {(void *)&cmd_help_tok, NULL},
};

/* set stats period <s> | set stop grace <ms> */
struct cmd_set_num_result {
	cmdline_fixed_string_t set, what, which;
	uint32_t n;
};

static void cmd_stats_period_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_set_num_result *r = res;

	(void)cl, (void)data;
	if (r->n > 3600) {
		sf_cli_bad_value("a stats period of at most 3600 s");
		return;
	}
	/* The main lcore reads it at its next tick; a new period starts from then. */
	__atomic_store_n(&sf_app.stats_period, r->n, __ATOMIC_RELAXED);
	if (r->n)
		printf("a line of live counters every %u s%s\n", r->n, sf_run.running ? "" : " once started");
	else
		printf("no live line\n");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_sp_set = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, set, "set");
static cmdline_parse_token_string_t cmd_sp_stats = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, what, "stats");
static cmdline_parse_token_string_t cmd_sp_period = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, which, "period");
static cmdline_parse_token_num_t cmd_sp_n = TOKEN_NUM_INITIALIZER(struct cmd_set_num_result, n, RTE_UINT32);
static cmdline_parse_inst_t cmd_stats_period = {
	.f = cmd_stats_period_parsed,
	.help_str = "set stats period <s>: a line of live counters every <s> seconds (0: none); also the JSON period",
	.tokens = {(void *)&cmd_sp_set, (void *)&cmd_sp_stats, (void *)&cmd_sp_period, (void *)&cmd_sp_n, NULL},
};

static void cmd_stop_grace_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_set_num_result *r = res;

	(void)cl, (void)data;
	if (r->n > 600000) {
		sf_cli_bad_value("a stop grace of at most 600000 ms");
		return;
	}
	sf_app.stop_grace_ms = r->n;
	printf("stop waits up to %u ms for open connections\n", r->n);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_sg_set = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, set, "set");
static cmdline_parse_token_string_t cmd_sg_stop = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, what, "stop");
static cmdline_parse_token_string_t cmd_sg_grace = TOKEN_STRING_INITIALIZER(struct cmd_set_num_result, which, "grace");
static cmdline_parse_token_num_t cmd_sg_n = TOKEN_NUM_INITIALIZER(struct cmd_set_num_result, n, RTE_UINT32);
static cmdline_parse_inst_t cmd_stop_grace = {
	.f = cmd_stop_grace_parsed,
	.help_str = "set stop grace <ms>: how long `stop` lets open connections finish",
	.tokens = {(void *)&cmd_sg_set, (void *)&cmd_sg_stop, (void *)&cmd_sg_grace, (void *)&cmd_sg_n, NULL},
};

/* show config */
static void cmd_show_config_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_cli_config_write(stdout);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_shcfg_show = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, a, "show");
static cmdline_parse_token_string_t cmd_shcfg_config = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, b, "config");
static cmdline_parse_inst_t cmd_show_config = {
	.f = cmd_show_config_parsed,
	.help_str = "show config: the running configuration, as a command file that reproduces it",
	.tokens = {(void *)&cmd_shcfg_show, (void *)&cmd_shcfg_config, NULL},
};

/* save config <file> */
static void cmd_save_config_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_words3_result *r = res;
	FILE *f;

	(void)cl, (void)data;
	f = fopen(r->c, "w");
	if (f == NULL) {
		sf_cli_fail("cannot write %s: %s", r->c, strerror(errno));
		return;
	}
	sf_cli_config_write(f);
	if (fclose(f) != 0)
		sf_cli_fail("cannot write %s: %s", r->c, strerror(errno));
	else
		printf("configuration saved to %s\n", r->c);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_save_save = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, a, "save");
static cmdline_parse_token_string_t cmd_save_config = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, b, "config");
static cmdline_parse_token_string_t cmd_save_file = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, c, NULL);
static cmdline_parse_inst_t cmd_save = {
	.f = cmd_save_config_parsed,
	.help_str = "save config <file>: write the running configuration as a command file",
	.tokens = {(void *)&cmd_save_save, (void *)&cmd_save_config, (void *)&cmd_save_file, NULL},
};

/* load <file> */
static void cmd_load_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_words2_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_run_file(r->b) != 0)
		sf_cli_fail("load %s: failed (see above)", r->b);
}

static cmdline_parse_token_string_t cmd_load_load = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, a, "load");
static cmdline_parse_token_string_t cmd_load_file = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, b, NULL);
static cmdline_parse_inst_t cmd_load = {
	.f = cmd_load_parsed,
	.help_str = "load <file>: run the commands of a command file (see config/ and save config)",
	.tokens = {(void *)&cmd_load_load, (void *)&cmd_load_file, NULL},
};

/* show stats | show latency */
static void cmd_show_stats_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_print_report(false);
}

static cmdline_parse_token_string_t cmd_shs_show = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, a, "show");
static cmdline_parse_token_string_t cmd_shs_stats = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, b, "stats");
static cmdline_parse_inst_t cmd_show_stats = {
	.f = cmd_show_stats_parsed,
	.help_str = "show stats: totals of both sides (client opened, server accepted and served), TCP gauges",
	.tokens = {(void *)&cmd_shs_show, (void *)&cmd_shs_stats, NULL},
};

static void cmd_show_latency_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_print_latency();
}

static cmdline_parse_token_string_t cmd_shl_show = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, a, "show");
static cmdline_parse_token_string_t cmd_shl_latency = TOKEN_STRING_INITIALIZER(struct cmd_words2_result, b, "latency");
static cmdline_parse_inst_t cmd_show_latency = {
	.f = cmd_show_latency_parsed,
	.help_str = "show latency: the client's latency (connect, response, total): percentiles and a histogram by powers of two",
	.tokens = {(void *)&cmd_shl_show, (void *)&cmd_shl_latency, NULL},
};

/* show lcore stats */
static void cmd_show_lcore_parsed(void *res, struct cmdline *cl, void *data)
{
	struct sf_lcore_stats sum;

	(void)res, (void)cl, (void)data;
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_lcore *lc = sf_app.workers[w];
		const struct sf_lcore_stats *s = &lc->stats;
		uint64_t polls = s->busy_polls + s->idle_polls;
		/* A connection is each one this lcore began: opened by its client or accepted. */
		uint64_t conns = lc->tcp.stats.opened_active + lc->tcp.stats.opened_passive + lc->tcp.stats.opened_cookie;

		printf("lcore %u (queue %u): rx %" PRIu64 " tx %" PRIu64 " pkts, %.1f cycles/pkt, "
		       "%.1f%% idle polls\n",
		       lc->lcore_id, lc->queue, s->rx_pkts, s->tx_pkts,
		       s->rx_pkts ? (double)s->busy_cycles / (double)s->rx_pkts : 0.0,
		       polls ? 100.0 * (double)s->idle_polls / (double)polls : 0.0);
		uint64_t cycles = s->busy_cycles + s->idle_cycles;

		printf("  busy %.3f s (%.1f%% of the polling time), %.0f cycles/connection over %" PRIu64
		       " connections, %.1f pkts/busy poll\n",
		       (double)s->busy_cycles / (double)rte_get_tsc_hz(),
		       cycles ? 100.0 * (double)s->busy_cycles / (double)cycles : 0.0,
		       conns ? (double)s->busy_cycles / (double)conns : 0.0, conns,
		       s->busy_polls ? (double)s->rx_pkts / (double)s->busy_polls : 0.0);
		/* Time the machine gave to others shows as polls that took over a millisecond. */
		printf("  stalled %.3f s (%.1f%% of the polling time) in %" PRIu64 " polls over 1 ms\n",
		       (double)s->stall_cycles / (double)rte_get_tsc_hz(),
		       cycles ? 100.0 * (double)s->stall_cycles / (double)cycles : 0.0, s->stall_polls);
	}
	sf_lcore_stats_sum(sf_app.workers, sf_app.nb_workers, &sum);
	/* A gauge for leak checks: back to its idle value once traffic stops. */
	printf("mbufs in use: %u of %u\n", rte_mempool_in_use_count(sf_app.mp), sf_app.mp->size);
	printf("all lcores:\n");
	sf_lcore_stats_print(&sum, stdout);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_lcore_show = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, a, "show");
static cmdline_parse_token_string_t cmd_show_lcore_lcore = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, b, "lcore");
static cmdline_parse_token_string_t cmd_show_lcore_stats = TOKEN_STRING_INITIALIZER(struct cmd_words3_result, c, "stats");
static cmdline_parse_inst_t cmd_show_lcore = {
	.f = cmd_show_lcore_parsed,
	.help_str = "show lcore stats: per lcore packets, busy cycles per packet and per connection, idle polls, "
		    "drops by reason",
	.tokens = {(void *)&cmd_show_lcore_show, (void *)&cmd_show_lcore_lcore, (void *)&cmd_show_lcore_stats, NULL},
};

static cmdline_parse_inst_t *const run_cmds[] = {
	&cmd_start, &cmd_stop, &cmd_stop_now, &cmd_quit, &cmd_help, &cmd_stats_period, &cmd_stop_grace,
	&cmd_show_config, &cmd_save, &cmd_load, &cmd_show_stats, &cmd_show_latency, &cmd_show_lcore, NULL,
};

const struct sf_cli_topic sf_cli_topic_run = {.name = "Running", .cmds = run_cmds};

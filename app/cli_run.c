/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "run": start, stop, quit, help, show lcore stats. */
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>
#include <rte_cycles.h>

#include "sf_app.h"

struct cmd_word_result {
	cmdline_fixed_string_t word;
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
	sf_app_stop();
}

static cmdline_parse_token_string_t cmd_stop_tok = TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "stop");
static cmdline_parse_inst_t cmd_stop = {
	.f = cmd_stop_parsed,
	.help_str = "stop: stop packet processing (ports stay up, counters kept)",
	.tokens = {(void *)&cmd_stop_tok, NULL},
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

struct cmd_show_lcore_result {
	cmdline_fixed_string_t show, lcore, stats;
};

static void cmd_show_lcore_parsed(void *res, struct cmdline *cl, void *data)
{
	struct sf_lcore_stats sum;

	(void)res, (void)cl, (void)data;
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_lcore_stats *s = &sf_app.workers[w]->stats;
		uint64_t polls = s->busy_polls + s->idle_polls;

		printf("lcore %u (queue %u): rx %" PRIu64 " tx %" PRIu64 " pkts, %.1f cycles/pkt, "
		       "%.1f%% idle polls\n",
		       sf_app.workers[w]->lcore_id, sf_app.workers[w]->queue, s->rx_pkts, s->tx_pkts,
		       s->rx_pkts ? (double)s->busy_cycles / (double)s->rx_pkts : 0.0,
		       polls ? 100.0 * (double)s->idle_polls / (double)polls : 0.0);
	}
	sf_lcore_stats_sum(sf_app.workers, sf_app.nb_workers, &sum);
	/* A gauge for leak checks: back to its idle value once traffic stops. */
	printf("mbufs in use: %u of %u\n", rte_mempool_in_use_count(sf_app.mp), sf_app.mp->size);
	printf("all lcores:\n");
	sf_lcore_stats_print(&sum, stdout);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_lcore_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_lcore_result, show, "show");
static cmdline_parse_token_string_t cmd_show_lcore_lcore =
	TOKEN_STRING_INITIALIZER(struct cmd_show_lcore_result, lcore, "lcore");
static cmdline_parse_token_string_t cmd_show_lcore_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_show_lcore_result, stats, "stats");
static cmdline_parse_inst_t cmd_show_lcore = {
	.f = cmd_show_lcore_parsed,
	.help_str = "show lcore stats: per-lcore packets, cycles per packet, drops by reason",
	.tokens = {(void *)&cmd_show_lcore_show, (void *)&cmd_show_lcore_lcore, (void *)&cmd_show_lcore_stats,
		   NULL},
};

static cmdline_parse_inst_t *const run_cmds[] = {
	&cmd_start, &cmd_stop, &cmd_quit, &cmd_help, &cmd_show_lcore, NULL,
};

const struct sf_cli_topic sf_cli_topic_run = {.name = "Running", .cmds = run_cmds};

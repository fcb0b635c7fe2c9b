/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "tcp": TCP settings (applied at the next `start`) and TCP counters. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "sf_app.h"

/* set tcp msl <ms> */
struct cmd_msl_result {
	cmdline_fixed_string_t set, tcp, msl;
	uint32_t ms;
};

static void cmd_msl_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_msl_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (r->ms == 0 || r->ms > 600000) {
		sf_cli_bad_value("MSL in 1..600000 ms");
		return;
	}
	sf_app.tcp_cfg.msl_ms = r->ms;
	printf("MSL %u ms: TIME_WAIT lasts %u ms\n", r->ms, 2 * r->ms);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_msl_set = TOKEN_STRING_INITIALIZER(struct cmd_msl_result, set, "set");
static cmdline_parse_token_string_t cmd_msl_tcp = TOKEN_STRING_INITIALIZER(struct cmd_msl_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_msl_msl = TOKEN_STRING_INITIALIZER(struct cmd_msl_result, msl, "msl");
static cmdline_parse_token_num_t cmd_msl_ms = TOKEN_NUM_INITIALIZER(struct cmd_msl_result, ms, RTE_UINT32);
static cmdline_parse_inst_t cmd_msl = {
	.f = cmd_msl_parsed,
	.help_str = "set tcp msl <ms>: maximum segment lifetime; TIME_WAIT holds 2 MSL",
	.tokens = {(void *)&cmd_msl_set, (void *)&cmd_msl_tcp, (void *)&cmd_msl_msl, (void *)&cmd_msl_ms, NULL},
};

/* set tcp rto <init> <min> <max-retries> */
struct cmd_rto_result {
	cmdline_fixed_string_t set, tcp, rto;
	uint32_t init, min;
	uint8_t retries;
};

static void cmd_rto_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_rto_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (r->min == 0 || r->init < r->min || r->init > sf_app.tcp_cfg.rto_max_ms || r->retries == 0) {
		sf_cli_bad_value("need 0 < min <= init <= %u ms and at least one retry", sf_app.tcp_cfg.rto_max_ms);
		return;
	}
	sf_app.tcp_cfg.rto_initial_ms = r->init;
	sf_app.tcp_cfg.rto_min_ms = r->min;
	sf_app.tcp_cfg.max_retries = r->retries;
	sf_app.tcp_cfg.syn_retries = r->retries;
	sf_app.tcp_cfg.synack_retries = r->retries;
	printf("RTO initial %u ms, minimum %u ms, %u retries (SYN, SYN-ACK, data, FIN)\n", r->init, r->min,
	       r->retries);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_rto_set = TOKEN_STRING_INITIALIZER(struct cmd_rto_result, set, "set");
static cmdline_parse_token_string_t cmd_rto_tcp = TOKEN_STRING_INITIALIZER(struct cmd_rto_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_rto_rto = TOKEN_STRING_INITIALIZER(struct cmd_rto_result, rto, "rto");
static cmdline_parse_token_num_t cmd_rto_init = TOKEN_NUM_INITIALIZER(struct cmd_rto_result, init, RTE_UINT32);
static cmdline_parse_token_num_t cmd_rto_min = TOKEN_NUM_INITIALIZER(struct cmd_rto_result, min, RTE_UINT32);
static cmdline_parse_token_num_t cmd_rto_retries = TOKEN_NUM_INITIALIZER(struct cmd_rto_result, retries, RTE_UINT8);
static cmdline_parse_inst_t cmd_rto = {
	.f = cmd_rto_parsed,
	.help_str = "set tcp rto <init-ms> <min-ms> <max-retries>: retransmission timeout and retry budget",
	.tokens = {(void *)&cmd_rto_set, (void *)&cmd_rto_tcp, (void *)&cmd_rto_rto, (void *)&cmd_rto_init,
		   (void *)&cmd_rto_min, (void *)&cmd_rto_retries, NULL},
};

/* set tcp options mss|wscale|sack|ts on|off */
struct cmd_opt_result {
	cmdline_fixed_string_t set, tcp, options, which, onoff;
};

static void cmd_opt_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_opt_result *r = res;
	uint8_t bit = strcmp(r->which, "mss") == 0      ? SF_OPT_MSS
		      : strcmp(r->which, "wscale") == 0 ? SF_OPT_WSCALE
		      : strcmp(r->which, "sack") == 0   ? SF_OPT_SACK_PERM
							: SF_OPT_TS;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (strcmp(r->onoff, "on") == 0)
		sf_app.tcp_cfg.offer |= bit;
	else
		sf_app.tcp_cfg.offer &= (uint8_t)~bit;
	printf("TCP option %s %s\n", r->which, r->onoff);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_opt_set = TOKEN_STRING_INITIALIZER(struct cmd_opt_result, set, "set");
static cmdline_parse_token_string_t cmd_opt_tcp = TOKEN_STRING_INITIALIZER(struct cmd_opt_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_opt_options = TOKEN_STRING_INITIALIZER(struct cmd_opt_result, options, "options");
static cmdline_parse_token_string_t cmd_opt_which = TOKEN_STRING_INITIALIZER(struct cmd_opt_result, which, "mss#wscale#sack#ts");
static cmdline_parse_token_string_t cmd_opt_onoff = TOKEN_STRING_INITIALIZER(struct cmd_opt_result, onoff, "on#off");
static cmdline_parse_inst_t cmd_opt = {
	.f = cmd_opt_parsed,
	.help_str = "set tcp options mss|wscale|sack|ts on|off: which options synfin offers and accepts",
	.tokens = {(void *)&cmd_opt_set, (void *)&cmd_opt_tcp, (void *)&cmd_opt_options, (void *)&cmd_opt_which,
		   (void *)&cmd_opt_onoff, NULL},
};

/* set tcp cookies never|when-full|always */
struct cmd_cookies_result {
	cmdline_fixed_string_t set, tcp, cookies, mode;
};

static void cmd_cookies_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_cookies_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	sf_app.tcp_cfg.cookie_mode = strcmp(r->mode, "never") == 0    ? SF_TCP_COOKIE_NEVER
				     : strcmp(r->mode, "always") == 0 ? SF_TCP_COOKIE_ALWAYS
								      : SF_TCP_COOKIE_WHEN_FULL;
	printf("SYN cookies: %s\n", r->mode);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_cookies_set = TOKEN_STRING_INITIALIZER(struct cmd_cookies_result, set, "set");
static cmdline_parse_token_string_t cmd_cookies_tcp = TOKEN_STRING_INITIALIZER(struct cmd_cookies_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_cookies_cookies =
	TOKEN_STRING_INITIALIZER(struct cmd_cookies_result, cookies, "cookies");
static cmdline_parse_token_string_t cmd_cookies_mode =
	TOKEN_STRING_INITIALIZER(struct cmd_cookies_result, mode, "never#when-full#always");
static cmdline_parse_inst_t cmd_cookies = {
	.f = cmd_cookies_parsed,
	.help_str = "set tcp cookies never|when-full|always: when listeners answer SYNs with SYN cookies",
	.tokens = {(void *)&cmd_cookies_set, (void *)&cmd_cookies_tcp, (void *)&cmd_cookies_cookies,
		   (void *)&cmd_cookies_mode, NULL},
};

/* set conn tcbs <n> timewait <n> */
struct cmd_conn_result {
	cmdline_fixed_string_t set, conn, tcbs;
	uint32_t n_tcbs;
	cmdline_fixed_string_t timewait;
	uint32_t n_tw;
};

static void cmd_conn_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_conn_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (sf_app.workers[0]->conn != NULL) {
		/* A saved configuration loaded again names the sizes the tables have: nothing to do. */
		if (r->n_tcbs != sf_app.conn_sizes.tcbs || r->n_tw != sf_app.conn_sizes.tw4)
			sf_cli_fail("connection tables exist already (made at the first start): set their sizes before it");
		return;
	}
	if (r->n_tcbs == 0 || r->n_tcbs > SF_CONN_MAX_CAPACITY || r->n_tw == 0 || r->n_tw > SF_CONN_MAX_CAPACITY) {
		sf_cli_bad_value("sizes in 1..%u", SF_CONN_MAX_CAPACITY);
		return;
	}
	sf_app.conn_sizes.tcbs = r->n_tcbs;
	sf_app.conn_sizes.tw4 = r->n_tw;
	sf_app.conn_sizes.tw6 = r->n_tw / 4 ? r->n_tw / 4 : 1;
	printf("per lcore: %u TCBs, %u IPv4 and %u IPv6 TIME_WAIT entries\n", r->n_tcbs, r->n_tw,
	       sf_app.conn_sizes.tw6);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_conn_set = TOKEN_STRING_INITIALIZER(struct cmd_conn_result, set, "set");
static cmdline_parse_token_string_t cmd_conn_conn = TOKEN_STRING_INITIALIZER(struct cmd_conn_result, conn, "conn");
static cmdline_parse_token_string_t cmd_conn_tcbs = TOKEN_STRING_INITIALIZER(struct cmd_conn_result, tcbs, "tcbs");
static cmdline_parse_token_num_t cmd_conn_n_tcbs = TOKEN_NUM_INITIALIZER(struct cmd_conn_result, n_tcbs, RTE_UINT32);
static cmdline_parse_token_string_t cmd_conn_timewait =
	TOKEN_STRING_INITIALIZER(struct cmd_conn_result, timewait, "timewait");
static cmdline_parse_token_num_t cmd_conn_n_tw = TOKEN_NUM_INITIALIZER(struct cmd_conn_result, n_tw, RTE_UINT32);
static cmdline_parse_inst_t cmd_conn = {
	.f = cmd_conn_parsed,
	.help_str = "set conn tcbs <n> timewait <n>: per-lcore TCB pool and TIME_WAIT store sizes (before the first start)",
	.tokens = {(void *)&cmd_conn_set, (void *)&cmd_conn_conn, (void *)&cmd_conn_tcbs, (void *)&cmd_conn_n_tcbs,
		   (void *)&cmd_conn_timewait, (void *)&cmd_conn_n_tw, NULL},
};

/* set tcp mss|window|wscale|rto-max|delack|init-cwnd|fin-wait-2|challenge-acks|syn-retries|syn-ack-retries|retries <n> */
struct cmd_knob_result {
	cmdline_fixed_string_t set, tcp, knob;
	uint32_t n;
};

/** Every TCP setting that is one number: its name, what it is, where it lives. */
static const struct tcp_knob {
	const char *name;
	const char *what;
	size_t off;
	uint8_t size; /**< 1, 2 or 4 bytes */
} tcp_knobs[] = {
	{"mss", "MSS advertised and sent, bytes", offsetof(struct sf_tcp_config, mss), 2},
	{"window", "receive window, bytes", offsetof(struct sf_tcp_config, rcv_wnd), 4},
	{"wscale", "window shift offered", offsetof(struct sf_tcp_config, rcv_wscale), 1},
	{"rto-max", "largest RTO, ms", offsetof(struct sf_tcp_config, rto_max_ms), 4},
	{"delack", "delayed-ACK delay, ms (0: ACK at once)", offsetof(struct sf_tcp_config, delack_ms), 4},
	{"init-cwnd", "initial window, segments", offsetof(struct sf_tcp_config, init_cwnd_segs), 1},
	{"fin-wait-2", "FIN-WAIT-2 timeout, ms (0: none)", offsetof(struct sf_tcp_config, fin_wait_2_ms), 4},
	{"challenge-acks", "challenge ACKs per second per lcore", offsetof(struct sf_tcp_config, challenge_ack_limit), 4},
	{"syn-retries", "SYN retransmissions", offsetof(struct sf_tcp_config, syn_retries), 1},
	{"syn-ack-retries", "SYN-ACK retransmissions", offsetof(struct sf_tcp_config, synack_retries), 1},
	{"retries", "data and FIN retransmissions", offsetof(struct sf_tcp_config, max_retries), 1},
};

uint32_t sf_cli_tcp_knob_get(const struct sf_tcp_config *cfg, unsigned int i)
{
	const uint8_t *p = (const uint8_t *)cfg + tcp_knobs[i].off;
	uint32_t v32;
	uint16_t v16;

	if (tcp_knobs[i].off == offsetof(struct sf_tcp_config, delack_ms) && !cfg->delack)
		return 0; /* off, whatever delay is kept for when it is turned on */
	switch (tcp_knobs[i].size) {
	case 1: return *p;
	case 2: memcpy(&v16, p, 2); return v16;
	default: memcpy(&v32, p, 4); return v32;
	}
}

const char *sf_cli_tcp_knob_name(unsigned int i)
{
	return i < RTE_DIM(tcp_knobs) ? tcp_knobs[i].name : NULL;
}

static void cmd_knob_parsed(void *res, struct cmdline *cl, void *data)
{
	static struct sf_tcp_ctx scratch;
	struct cmd_knob_result *r = res;
	struct sf_tcp_config cfg = sf_app.tcp_cfg;
	const struct tcp_knob *k = NULL;
	uint8_t *p;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	for (unsigned int i = 0; i < RTE_DIM(tcp_knobs); i++)
		if (strcmp(tcp_knobs[i].name, r->knob) == 0)
			k = &tcp_knobs[i];
	if (k == NULL) /* the token allows no other */
		return;
	if ((k->size == 1 && r->n > UINT8_MAX) || (k->size == 2 && r->n > UINT16_MAX)) {
		sf_cli_bad_value("%s: at most %u", k->name, k->size == 1 ? UINT8_MAX : UINT16_MAX);
		return;
	}
	p = (uint8_t *)&cfg + k->off;
	if (k->size == 1) {
		*p = (uint8_t)r->n;
	} else if (k->size == 2) {
		uint16_t v = (uint16_t)r->n;

		memcpy(p, &v, 2);
	} else {
		memcpy(p, &r->n, 4);
	}
	if (k->off == offsetof(struct sf_tcp_config, delack_ms))
		cfg.delack = r->n != 0;
	/* lib/tcp is the one judge of a consistent configuration: ask it before applying. */
	if (sf_tcp_ctx_init(&scratch, &cfg) != 0) {
		sf_cli_bad_value("%s %u refused: inconsistent with the other TCP settings (see show config)", k->name, r->n);
		return;
	}
	sf_app.tcp_cfg = cfg;
	printf("TCP %s: %u\n", k->what, r->n);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_knob_set = TOKEN_STRING_INITIALIZER(struct cmd_knob_result, set, "set");
static cmdline_parse_token_string_t cmd_knob_tcp = TOKEN_STRING_INITIALIZER(struct cmd_knob_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_knob_knob = TOKEN_STRING_INITIALIZER(
	struct cmd_knob_result, knob,
	"mss#window#wscale#rto-max#delack#init-cwnd#fin-wait-2#challenge-acks#syn-retries#syn-ack-retries#retries");
static cmdline_parse_token_num_t cmd_knob_n = TOKEN_NUM_INITIALIZER(struct cmd_knob_result, n, RTE_UINT32);
static cmdline_parse_inst_t cmd_knob = {
	.f = cmd_knob_parsed,
	.help_str = "set tcp mss|window|wscale|rto-max|delack|init-cwnd|fin-wait-2|challenge-acks|syn-retries|"
		    "syn-ack-retries|retries <n>: MSS (bytes), receive window (bytes), window shift, largest RTO "
		    "(ms), delayed-ACK delay (ms, 0: off), initial window (segments), FIN-WAIT-2 timeout (ms), "
		    "challenge ACKs per second, retransmission budgets",
	.tokens = {(void *)&cmd_knob_set, (void *)&cmd_knob_tcp, (void *)&cmd_knob_knob, (void *)&cmd_knob_n, NULL},
};

/* show tcp stats */
struct cmd_show_tcp_result {
	cmdline_fixed_string_t show, tcp, stats;
};

/** Print every lcore's TCP counters summed, grouped, zeros skipped but for the state gauges. */
void sf_cli_print_tcp_stats(void)
{
	static struct sf_tcp_sum sum;
	struct sf_conn_stats cs;
	const char *group = NULL;

	sf_stats_tcp_sum(&sum);
	memset(&cs, 0, sizeof(cs));
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		const struct sf_lcore *lc = sf_app.workers[w];

		if (lc->conn) {
			const struct sf_conn_stats *c = sf_conn_stats(lc->conn);

			cs.table_full += c->table_full;
			cs.tcb_pool_empty += c->tcb_pool_empty;
			cs.tw_recycled += c->tw_recycled;
			cs.tw_expired += c->tw_expired;
			cs.table_used += c->table_used;
			cs.tcb_used += c->tcb_used;
		}
	}
	for (unsigned int i = 0; i < sum.n; i++) {
		if (sum.value[i] == 0 && strcmp(sum.group[i], "state") != 0)
			continue;
		if (group != sum.group[i]) {
			group = sum.group[i];
			printf("%s:\n", group);
		}
		printf("  %-24s %" PRIu64 "\n", sum.name[i], sum.value[i]);
	}
	printf("table:\n  %-24s %u\n  %-24s %u\n  %-24s %" PRIu64 "\n  %-24s %" PRIu64 "\n  %-24s %" PRIu64
	       "\n  %-24s %" PRIu64 "\n",
	       "keys", cs.table_used, "tcbs", cs.tcb_used, "tcb_pool_empty", cs.tcb_pool_empty, "full",
	       cs.table_full, "tw_recycled", cs.tw_recycled, "tw_expired", cs.tw_expired);
	fflush(stdout);
}

static void cmd_show_tcp_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_cli_print_tcp_stats();
}

static cmdline_parse_token_string_t cmd_show_tcp_show = TOKEN_STRING_INITIALIZER(struct cmd_show_tcp_result, show, "show");
static cmdline_parse_token_string_t cmd_show_tcp_tcp = TOKEN_STRING_INITIALIZER(struct cmd_show_tcp_result, tcp, "tcp");
static cmdline_parse_token_string_t cmd_show_tcp_stats = TOKEN_STRING_INITIALIZER(struct cmd_show_tcp_result, stats, "stats");
static cmdline_parse_inst_t cmd_show_tcp = {
	.f = cmd_show_tcp_parsed,
	.help_str = "show tcp stats: connections per state (TIME_WAIT too), opened, closed, resets, retransmits, cookies, drops",
	.tokens = {(void *)&cmd_show_tcp_show, (void *)&cmd_show_tcp_tcp, (void *)&cmd_show_tcp_stats, NULL},
};

static cmdline_parse_inst_t *const tcp_cmds[] = {
	&cmd_msl, &cmd_rto, &cmd_opt, &cmd_cookies, &cmd_knob, &cmd_conn, &cmd_show_tcp, NULL,
};

const struct sf_cli_topic sf_cli_topic_tcp = {.name = "TCP", .cmds = tcp_cmds};

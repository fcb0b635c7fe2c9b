/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "client": what the connection generator connects to, how fast, what it asks. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "sf_app.h"

/* An address as on the wire; family from its text. */
static int parse_addr(const char *s, uint8_t *family, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = SF_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = SF_AF_INET6;
		return 0;
	}
	return -1;
}


/* client <src-ip>[-<src-ip>] <dst-ip>[,<dst-ip>...] <dst-port>[-<port>] */
struct cmd_client_result {
	cmdline_fixed_string_t client, src, dst, ports;
};

static void cmd_client_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_client_result *r = res;
	struct sf_client_cfg *c = &sf_app.client;
	uint8_t fam, fam2, first[16], last[16];
	char buf[sizeof(r->src)], *dash, *tok, *save = NULL;
	uint16_t plo, phi;
	unsigned int nb_ip = 0;
	uint8_t ips[SF_CLIENT_MAX_DST][16];

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	snprintf(buf, sizeof(buf), "%s", r->src);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_addr(buf, &fam, first) != 0 || parse_addr(dash ? dash + 1 : buf, &fam2, last) != 0 ||
	    fam != fam2 || memcmp(first, last, fam == SF_AF_INET ? 0 : 12) != 0 ||
	    sf_addr_tail(fam, last) < sf_addr_tail(fam, first)) {
		sf_cli_bad_value("bad source range '%s': <ip> or <first-ip>-<last-ip> of one family", r->src);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", r->dst);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nb_ip == SF_CLIENT_MAX_DST || parse_addr(tok, &fam2, ips[nb_ip]) != 0 || fam2 != fam) {
			sf_cli_bad_value("bad destinations '%s': up to %u addresses of the sources' family, comma separated",
			       r->dst, SF_CLIENT_MAX_DST);
			return;
		}
		nb_ip++;
	}
	if (nb_ip == 0 || sf_cli_parse_port_range(r->ports, &plo, &phi) != 0 ||
	    nb_ip * (unsigned int)(phi - plo + 1) > SF_CLIENT_MAX_DST) {
		sf_cli_bad_value("bad destination ports '%s': <port> or <port>-<port>, at most %u address x port pairs",
		       r->ports, SF_CLIENT_MAX_DST);
		return;
	}
	c->family = fam;
	memcpy(c->src_first, first, 16);
	c->src_count = sf_addr_tail(fam, last) - sf_addr_tail(fam, first) + 1;
	c->nb_dst = 0;
	for (unsigned int i = 0; i < nb_ip; i++)
		for (unsigned int p = plo; p <= phi; p++) {
			memcpy(c->dst[c->nb_dst].addr, ips[i], 16);
			c->dst[c->nb_dst++].port = (uint16_t)p;
		}
	c->dport_lo = plo;
	c->dport_hi = phi;
	c->enabled = true;
	/* The sources become the client port's own addresses at `start` (sf_lcore_client_setup):
	 * only then is it known which port has the client role. */
	printf("client: %u source address(es), %u destination(s)\n", c->src_count, c->nb_dst);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_client_client = TOKEN_STRING_INITIALIZER(struct cmd_client_result, client, "client");
static cmdline_parse_token_string_t cmd_client_src = TOKEN_STRING_INITIALIZER(struct cmd_client_result, src, NULL);
static cmdline_parse_token_string_t cmd_client_dst = TOKEN_STRING_INITIALIZER(struct cmd_client_result, dst, NULL);
static cmdline_parse_token_string_t cmd_client_ports = TOKEN_STRING_INITIALIZER(struct cmd_client_result, ports, NULL);
static cmdline_parse_inst_t cmd_client = {
	.f = cmd_client_parsed,
	.help_str = "client <src-ip>[-<src-ip>] <dst-ip>[,<dst-ip>...] <dst-port>[-<port>]: open connections from "
		    "the source range to the destinations",
	.tokens = {(void *)&cmd_client_client, (void *)&cmd_client_src, (void *)&cmd_client_dst,
		   (void *)&cmd_client_ports, NULL},
};

/* set client rate|duration|concurrency|requests|ramp <n> */
struct cmd_set_client_num_result {
	cmdline_fixed_string_t set, client, what;
	uint64_t n;
};

static void cmd_set_client_num_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_set_client_num_result *r = res;
	struct sf_client_cfg *c = &sf_app.client;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (strcmp(r->what, "rate") == 0) {
		c->rate = r->n;
	} else if (r->n > UINT32_MAX) {
		sf_cli_bad_value("%s: at most %u", r->what, UINT32_MAX);
		return;
	} else if (strcmp(r->what, "duration") == 0) {
		c->duration_s = (uint32_t)r->n;
	} else if (strcmp(r->what, "concurrency") == 0) {
		c->concurrency = (uint32_t)r->n;
	} else if (strcmp(r->what, "requests") == 0) {
		c->requests = (uint32_t)r->n;
	} else if (strcmp(r->what, "timeout") == 0) {
		if (r->n == 0) {
			sf_cli_bad_value("a response timeout of at least 1 ms");
			return;
		}
		c->response_timeout_ms = (uint32_t)r->n;
	} else {
		c->ramp_s = (uint32_t)r->n;
	}
	printf("client %s %" PRIu64 "%s\n", r->what, r->n, r->n == 0 ? " (0: no limit / none)" : "");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_scn_set = TOKEN_STRING_INITIALIZER(struct cmd_set_client_num_result, set, "set");
static cmdline_parse_token_string_t cmd_scn_client = TOKEN_STRING_INITIALIZER(struct cmd_set_client_num_result, client, "client");
static cmdline_parse_token_string_t cmd_scn_what =
	TOKEN_STRING_INITIALIZER(struct cmd_set_client_num_result, what, "rate#duration#concurrency#requests#ramp#timeout");
static cmdline_parse_token_num_t cmd_scn_n = TOKEN_NUM_INITIALIZER(struct cmd_set_client_num_result, n, RTE_UINT64);
static cmdline_parse_inst_t cmd_set_client_num = {
	.f = cmd_set_client_num_parsed,
	.help_str = "set client rate|duration|concurrency|requests|ramp|timeout <n>: connections/s (0: max), "
		    "seconds of opening (0: until stop), open at most (0: no limit), requests per connection, ramp "
		    "seconds, response timeout in ms",
	.tokens = {(void *)&cmd_scn_set, (void *)&cmd_scn_client, (void *)&cmd_scn_what, (void *)&cmd_scn_n, NULL},
};

/* set client request http <path> */
struct cmd_req_http_result {
	cmdline_fixed_string_t set, client, request, http, path;
};

static void cmd_req_http_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_req_http_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (r->path[0] != '/' || strlen(r->path) >= sizeof(sf_app.client.path)) {
		sf_cli_bad_value("an HTTP path starts with / and has under %zu characters", sizeof(sf_app.client.path));
		return;
	}
	sf_app.client.request_kind = SF_RESPONSE_HTTP;
	snprintf(sf_app.client.path, sizeof(sf_app.client.path), "%s", r->path);
	printf("client requests: GET %s\n", r->path);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_rh_set = TOKEN_STRING_INITIALIZER(struct cmd_req_http_result, set, "set");
static cmdline_parse_token_string_t cmd_rh_client = TOKEN_STRING_INITIALIZER(struct cmd_req_http_result, client, "client");
static cmdline_parse_token_string_t cmd_rh_request = TOKEN_STRING_INITIALIZER(struct cmd_req_http_result, request, "request");
static cmdline_parse_token_string_t cmd_rh_http = TOKEN_STRING_INITIALIZER(struct cmd_req_http_result, http, "http");
static cmdline_parse_token_string_t cmd_rh_path = TOKEN_STRING_INITIALIZER(struct cmd_req_http_result, path, NULL);
static cmdline_parse_inst_t cmd_req_http = {
	.f = cmd_req_http_parsed,
	.help_str = "set client request http <path>: each request is an HTTP/1.1 GET of <path>; the response must be "
		    "a 200 whose body matches synfin's pattern",
	.tokens = {(void *)&cmd_rh_set, (void *)&cmd_rh_client, (void *)&cmd_rh_request, (void *)&cmd_rh_http,
		   (void *)&cmd_rh_path, NULL},
};

/* set client request raw <bytes> <response-bytes> */
struct cmd_req_raw_result {
	cmdline_fixed_string_t set, client, request, raw;
	uint32_t bytes, response;
};

static void cmd_req_raw_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_req_raw_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (r->bytes == 0 || r->bytes > (1u << 24) || r->response == 0) {
		sf_cli_bad_value("raw request of 1 byte to 16 MiB, and a response of at least 1 byte");
		return;
	}
	sf_app.client.request_kind = SF_RESPONSE_RAW;
	sf_app.client.raw_bytes = r->bytes;
	sf_app.client.raw_response = r->response;
	printf("client requests: %u raw bytes, expecting %u back\n", r->bytes, r->response);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_rr_set = TOKEN_STRING_INITIALIZER(struct cmd_req_raw_result, set, "set");
static cmdline_parse_token_string_t cmd_rr_client = TOKEN_STRING_INITIALIZER(struct cmd_req_raw_result, client, "client");
static cmdline_parse_token_string_t cmd_rr_request = TOKEN_STRING_INITIALIZER(struct cmd_req_raw_result, request, "request");
static cmdline_parse_token_string_t cmd_rr_raw = TOKEN_STRING_INITIALIZER(struct cmd_req_raw_result, raw, "raw");
static cmdline_parse_token_num_t cmd_rr_bytes = TOKEN_NUM_INITIALIZER(struct cmd_req_raw_result, bytes, RTE_UINT32);
static cmdline_parse_token_num_t cmd_rr_response = TOKEN_NUM_INITIALIZER(struct cmd_req_raw_result, response, RTE_UINT32);
static cmdline_parse_inst_t cmd_req_raw = {
	.f = cmd_req_raw_parsed,
	.help_str = "set client request raw <bytes> <response-bytes>: each request is <bytes> bytes; a response is "
		    "<response-bytes> bytes of synfin's pattern",
	.tokens = {(void *)&cmd_rr_set, (void *)&cmd_rr_client, (void *)&cmd_rr_request, (void *)&cmd_rr_raw,
		   (void *)&cmd_rr_bytes, (void *)&cmd_rr_response, NULL},
};

/* set client close client|server|rst */
struct cmd_client_close_result {
	cmdline_fixed_string_t set, client, close, who;
};

static void cmd_client_close_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_client_close_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	sf_app.client.close_policy = (uint8_t)sf_close_policy_parse(r->who); /* the token allows no other */
	printf("client connections end: %s closes\n", sf_close_policy_name(sf_app.client.close_policy));
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_cc_set = TOKEN_STRING_INITIALIZER(struct cmd_client_close_result, set, "set");
static cmdline_parse_token_string_t cmd_cc_client = TOKEN_STRING_INITIALIZER(struct cmd_client_close_result, client, "client");
static cmdline_parse_token_string_t cmd_cc_close = TOKEN_STRING_INITIALIZER(struct cmd_client_close_result, close, "close");
static cmdline_parse_token_string_t cmd_cc_who = TOKEN_STRING_INITIALIZER(struct cmd_client_close_result, who, "client#server#rst");
static cmdline_parse_inst_t cmd_client_close = {
	.f = cmd_client_close_parsed,
	.help_str = "set client close client|server|rst: after the last response send our FIN, wait for the "
		    "server's, or reset",
	.tokens = {(void *)&cmd_cc_set, (void *)&cmd_cc_client, (void *)&cmd_cc_close, (void *)&cmd_cc_who, NULL},
};

/* set client sport <port>-<port> */
struct cmd_sport_result {
	cmdline_fixed_string_t set, client, sport, range;
};

static void cmd_sport_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_sport_result *r = res;
	uint16_t lo, hi;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (sf_cli_parse_port_range(r->range, &lo, &hi) != 0) {
		sf_cli_bad_value("bad source ports '%s': <port> or <port>-<port>, 1..65535", r->range);
		return;
	}
	sf_app.client.sport_lo = lo;
	sf_app.client.sport_hi = hi;
	printf("client source ports %u-%u\n", lo, hi);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_sport_set = TOKEN_STRING_INITIALIZER(struct cmd_sport_result, set, "set");
static cmdline_parse_token_string_t cmd_sport_client = TOKEN_STRING_INITIALIZER(struct cmd_sport_result, client, "client");
static cmdline_parse_token_string_t cmd_sport_sport = TOKEN_STRING_INITIALIZER(struct cmd_sport_result, sport, "sport");
static cmdline_parse_token_string_t cmd_sport_range = TOKEN_STRING_INITIALIZER(struct cmd_sport_result, range, NULL);
static cmdline_parse_inst_t cmd_sport = {
	.f = cmd_sport_parsed,
	.help_str = "set client sport <port>[-<port>]: the local ports connections are opened from",
	.tokens = {(void *)&cmd_sport_set, (void *)&cmd_sport_client, (void *)&cmd_sport_sport, (void *)&cmd_sport_range,
		   NULL},
};

/* show client stats */
struct cmd_show_client_result {
	cmdline_fixed_string_t show, client, stats;
};

static void cmd_show_client_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	sf_app_print_client_summary();
}

static cmdline_parse_token_string_t cmd_shc_show = TOKEN_STRING_INITIALIZER(struct cmd_show_client_result, show, "show");
static cmdline_parse_token_string_t cmd_shc_client = TOKEN_STRING_INITIALIZER(struct cmd_show_client_result, client, "client");
static cmdline_parse_token_string_t cmd_shc_stats = TOKEN_STRING_INITIALIZER(struct cmd_show_client_result, stats, "stats");
static cmdline_parse_inst_t cmd_show_client = {
	.f = cmd_show_client_parsed,
	.help_str = "show client stats: attempted, established, completed, failed by reason, latency percentiles",
	.tokens = {(void *)&cmd_shc_show, (void *)&cmd_shc_client, (void *)&cmd_shc_stats, NULL},
};

static cmdline_parse_inst_t *const client_cmds[] = {
	&cmd_client, &cmd_set_client_num, &cmd_req_http, &cmd_req_raw, &cmd_client_close, &cmd_sport, &cmd_show_client, NULL,
};

const struct sf_cli_topic sf_cli_topic_client = {.name = "Client", .cmds = client_cmds};

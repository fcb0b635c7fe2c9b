/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "server": listeners and what they answer. `response`, `requests` and `close` set
 * what the listeners added after them do, so a command file reads top to bottom. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "sf_app.h"


/* listen <ip> <port>[-<port>] */
struct cmd_listen_result {
	cmdline_fixed_string_t listen;
	cmdline_ipaddr_t ip;
	cmdline_fixed_string_t ports;
};

static void cmd_listen_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_listen_result *r = res;
	struct sf_listener l = sf_app.listen_defaults;
	int rc;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (sf_cli_parse_port_range(r->ports, &l.port_lo, &l.port_hi) != 0) {
		sf_cli_bad_value("bad port range '%s': <port> or <port>-<port>, 1..65535", r->ports);
		return;
	}
	memset(l.addr, 0, sizeof(l.addr));
	if (r->ip.family == AF_INET) {
		l.family = SF_AF_INET;
		memcpy(l.addr, &r->ip.addr.ipv4, 4);
		l.any = r->ip.addr.ipv4.s_addr == 0;
	} else {
		static const uint8_t zero[16];

		l.family = SF_AF_INET6;
		memcpy(l.addr, &r->ip.addr.ipv6, 16);
		l.any = memcmp(l.addr, zero, 16) == 0;
	}
	rc = sf_listeners_add(sf_app.listeners, &l);
	if (rc == -ENOSPC)
		sf_cli_fail("at most %u listeners", SF_LISTENERS_MAX);
	else
		printf("listening on %s port %s: response %s %u, %u request(s) per connection, %s closes\n",
		       l.any ? "any address" : "the address", r->ports, sf_response_kind_name(l.response_kind),
		       l.response_bytes, l.requests, sf_close_policy_name(l.close_policy));
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_listen_listen = TOKEN_STRING_INITIALIZER(struct cmd_listen_result, listen, "listen");
static cmdline_parse_token_ipaddr_t cmd_listen_ip = TOKEN_IPADDR_INITIALIZER(struct cmd_listen_result, ip);
static cmdline_parse_token_string_t cmd_listen_ports = TOKEN_STRING_INITIALIZER(struct cmd_listen_result, ports, NULL);
static cmdline_parse_inst_t cmd_listen = {
	.f = cmd_listen_parsed,
	.help_str = "listen <ip> <port>[-<port>]: serve TCP on an address (0.0.0.0 or :: for all) and port range",
	.tokens = {(void *)&cmd_listen_listen, (void *)&cmd_listen_ip, (void *)&cmd_listen_ports, NULL},
};

/* response http|raw <bytes> */
struct cmd_response_result {
	cmdline_fixed_string_t response, kind;
	uint32_t bytes;
};

static void set_response(uint8_t kind, uint32_t bytes)
{
	sf_app.listen_defaults.response_kind = kind;
	sf_app.listen_defaults.response_bytes = bytes;
	printf("listeners added from now on answer: %s %u\n", sf_response_kind_name(kind), bytes);
	fflush(stdout);
}

static void cmd_response_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_response_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	if (r->bytes > (1u << 24)) {
		sf_cli_bad_value("response of at most 16 MiB");
		return;
	}
	set_response(strcmp(r->kind, "http") == 0 ? SF_RESPONSE_HTTP : SF_RESPONSE_RAW, r->bytes);
}

static cmdline_parse_token_string_t cmd_response_response =
	TOKEN_STRING_INITIALIZER(struct cmd_response_result, response, "response");
static cmdline_parse_token_string_t cmd_response_kind = TOKEN_STRING_INITIALIZER(struct cmd_response_result, kind, "http#raw");
static cmdline_parse_token_num_t cmd_response_bytes = TOKEN_NUM_INITIALIZER(struct cmd_response_result, bytes, RTE_UINT32);
static cmdline_parse_inst_t cmd_response = {
	.f = cmd_response_parsed,
	.help_str = "response http|raw <bytes>: each request gets an HTTP 200 with a <bytes> body, or <bytes> raw bytes",
	.tokens = {(void *)&cmd_response_response, (void *)&cmd_response_kind, (void *)&cmd_response_bytes, NULL},
};

struct cmd_response_none_result {
	cmdline_fixed_string_t response, none;
};

static void cmd_response_none_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res, (void)cl, (void)data;
	if (!sf_cli_refuse_while_running())
		set_response(SF_RESPONSE_NONE, 0);
}

static cmdline_parse_token_string_t cmd_response_none_response =
	TOKEN_STRING_INITIALIZER(struct cmd_response_none_result, response, "response");
static cmdline_parse_token_string_t cmd_response_none_none =
	TOKEN_STRING_INITIALIZER(struct cmd_response_none_result, none, "none");
static cmdline_parse_inst_t cmd_response_none = {
	.f = cmd_response_none_parsed,
	.help_str = "response none: requests are acknowledged, never answered",
	.tokens = {(void *)&cmd_response_none_response, (void *)&cmd_response_none_none, NULL},
};

/* requests <n> */
struct cmd_requests_result {
	cmdline_fixed_string_t requests;
	uint32_t n;
};

static void cmd_requests_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_requests_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	sf_app.listen_defaults.requests = r->n;
	printf("listeners added from now on answer %u request(s) per connection%s\n", r->n,
	       r->n == 0 ? " (close client: no limit; close server|rst: closed right after the handshake)" : "");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_requests_requests =
	TOKEN_STRING_INITIALIZER(struct cmd_requests_result, requests, "requests");
static cmdline_parse_token_num_t cmd_requests_n = TOKEN_NUM_INITIALIZER(struct cmd_requests_result, n, RTE_UINT32);
static cmdline_parse_inst_t cmd_requests = {
	.f = cmd_requests_parsed,
	.help_str = "requests <n>: requests answered per connection (keepalive) before the close policy; 0: no "
		    "limit with close client, none at all with close server|rst (closed right after the handshake)",
	.tokens = {(void *)&cmd_requests_requests, (void *)&cmd_requests_n, NULL},
};

/* close client|server|rst */
struct cmd_close_result {
	cmdline_fixed_string_t close, who;
};

static void cmd_close_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_close_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running())
		return;
	sf_app.listen_defaults.close_policy = (uint8_t)sf_close_policy_parse(r->who); /* the token allows no other */
	printf("listeners added from now on: %s closes\n", sf_close_policy_name(sf_app.listen_defaults.close_policy));
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_close_close = TOKEN_STRING_INITIALIZER(struct cmd_close_result, close, "close");
static cmdline_parse_token_string_t cmd_close_who = TOKEN_STRING_INITIALIZER(struct cmd_close_result, who, "client#server#rst");
static cmdline_parse_inst_t cmd_close = {
	.f = cmd_close_parsed,
	.help_str = "close client|server|rst: after the last response wait for the client's FIN, send ours, or reset",
	.tokens = {(void *)&cmd_close_close, (void *)&cmd_close_who, NULL},
};

/* show|clear listeners */
struct cmd_listeners_result {
	cmdline_fixed_string_t verb, listeners;
};

static void show_listeners(void)
{
	const struct sf_listeners *ls = sf_app.listeners;

	if (ls->n == 0)
		printf("no listeners\n");
	for (unsigned int i = 0; i < ls->n; i++) {
		const struct sf_listener *l = &ls->l[i];
		struct sf_port_addr a = {.family = l->family, .prefix_len = l->family == SF_AF_INET ? 32 : 128};
		char text[64];

		memcpy(a.addr, l->addr, sizeof(a.addr));
		sf_port_addr_format(&a, text, sizeof(text));
		printf("listener %u: %s port %u-%u, response %s %u, %u request(s), %s closes\n", i, text,
		       l->port_lo, l->port_hi, sf_response_kind_name(l->response_kind), l->response_bytes, l->requests,
		       sf_close_policy_name(l->close_policy));
	}
}

static void cmd_listeners_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_listeners_result *r = res;

	(void)cl, (void)data;
	if (strcmp(r->verb, "show") == 0) {
		show_listeners();
	} else if (!sf_cli_refuse_while_running()) {
		/* Another server scenario can then be loaded into the same process. */
		sf_listeners_clear(sf_app.listeners);
		printf("no listeners\n");
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_listeners_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_listeners_result, verb, "show#clear");
static cmdline_parse_token_string_t cmd_listeners_listeners =
	TOKEN_STRING_INITIALIZER(struct cmd_listeners_result, listeners, "listeners");
static cmdline_parse_inst_t cmd_listeners = {
	.f = cmd_listeners_parsed,
	.help_str = "show|clear listeners: every listener and what it answers / remove them all",
	.tokens = {(void *)&cmd_listeners_verb, (void *)&cmd_listeners_listeners, NULL},
};

static cmdline_parse_inst_t *const server_cmds[] = {
	&cmd_listen, &cmd_response, &cmd_response_none, &cmd_requests, &cmd_close, &cmd_listeners, NULL,
};

const struct sf_cli_topic sf_cli_topic_server = {.name = "Server", .cmds = server_cmds};

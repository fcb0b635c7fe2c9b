/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "ports": addresses, info, stats. */
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_ethdev.h>

#include "sf_app.h"

/* port <id> address <ip>/<len> */
struct cmd_port_addr_result {
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t address;
	cmdline_ipaddr_t ip;
};

static void cmd_port_addr_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_port_addr_result *r = res;
	struct sf_port_addr a;
	char text[64];
	int rc;

	(void)cl, (void)data;
	if (r->id >= sf_app.nb_ports) {
		printf("bad port %u: expected 0..%d\n", r->id, (int)sf_app.nb_ports - 1);
		return;
	}
	memset(&a, 0, sizeof(a));
	if (r->ip.family == AF_INET) {
		if (r->ip.prefixlen < 1 || r->ip.prefixlen > 32) {
			printf("bad prefix length /%u for IPv4: 1..32\n", r->ip.prefixlen);
			return;
		}
		a.family = SF_AF_INET;
		memcpy(a.addr, &r->ip.addr.ipv4, 4);
	} else {
		if (r->ip.prefixlen < 1 || r->ip.prefixlen > 128) {
			printf("bad prefix length /%u for IPv6: 1..128\n", r->ip.prefixlen);
			return;
		}
		a.family = SF_AF_INET6;
		memcpy(a.addr, &r->ip.addr.ipv6, 16);
	}
	a.prefix_len = (uint8_t)r->ip.prefixlen;
	sf_port_addr_format(&a, text, sizeof(text));
	rc = sf_port_add_addr(&sf_app.ports[r->id], &a);
	if (rc == -EEXIST)
		printf("port %u already has address %s\n", r->id, text);
	else if (rc == -ENOSPC)
		printf("port %u has its %u addresses already\n", r->id, SF_PORT_MAX_ADDRS);
	else
		printf("port %u: address %s added\n", r->id, text);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_port_addr_port =
	TOKEN_STRING_INITIALIZER(struct cmd_port_addr_result, port, "port");
static cmdline_parse_token_num_t cmd_port_addr_id = TOKEN_NUM_INITIALIZER(struct cmd_port_addr_result, id, RTE_UINT16);
static cmdline_parse_token_string_t cmd_port_addr_address =
	TOKEN_STRING_INITIALIZER(struct cmd_port_addr_result, address, "address");
static cmdline_parse_token_ipaddr_t cmd_port_addr_ip = TOKEN_IPNET_INITIALIZER(struct cmd_port_addr_result, ip);
static cmdline_parse_inst_t cmd_port_addr = {
	.f = cmd_port_addr_parsed,
	.help_str = "port <id> address <ip>/<len>: add an IPv4 or IPv6 address (several per port)",
	.tokens = {(void *)&cmd_port_addr_port, (void *)&cmd_port_addr_id, (void *)&cmd_port_addr_address,
		   (void *)&cmd_port_addr_ip, NULL},
};

/* show port info|stats <id>|all */
struct cmd_show_port_result {
	cmdline_fixed_string_t show, port, what, which;
};

static void print_port_stats(uint16_t i)
{
	const struct sf_port *p = &sf_app.ports[i];
	struct rte_eth_stats s;

	if (rte_eth_stats_get(p->port_id, &s) != 0) {
		printf("port %u: stats unavailable\n", p->port_id);
		return;
	}
	printf("######################## NIC statistics for port %-2u ########################\n", p->port_id);
	printf("  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %" PRIu64 "\n", s.ipackets,
	       s.imissed, s.ibytes);
	printf("  RX-errors:  %-10" PRIu64 " RX-nombuf: %" PRIu64 "\n", s.ierrors, s.rx_nombuf);
	printf("  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %" PRIu64 "\n", s.opackets,
	       s.oerrors, s.obytes);
}

static void cmd_show_port_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_show_port_result *r = res;
	uint16_t first, last;

	(void)cl, (void)data;
	if (sf_cli_port_range(r->which, &first, &last) != 0)
		return;
	for (uint16_t i = first; i < last; i++) {
		if (strcmp(r->what, "info") == 0)
			sf_port_print_info(&sf_app.ports[i], stdout);
		else
			print_port_stats(i);
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_port_show = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, show, "show");
static cmdline_parse_token_string_t cmd_show_port_port = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, port, "port");
static cmdline_parse_token_string_t cmd_show_port_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, what, "info#stats");
static cmdline_parse_token_string_t cmd_show_port_which = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, which, NULL);
static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.help_str = "show port info|stats <id>|all: port set-up or NIC counters",
	.tokens = {(void *)&cmd_show_port_show, (void *)&cmd_show_port_port, (void *)&cmd_show_port_what,
		   (void *)&cmd_show_port_which, NULL},
};

/* clear port stats <id>|all */
struct cmd_clear_port_result {
	cmdline_fixed_string_t clear, port, stats, which;
};

static void cmd_clear_port_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_clear_port_result *r = res;
	uint16_t first, last;

	(void)cl, (void)data;
	if (sf_cli_port_range(r->which, &first, &last) != 0)
		return;
	for (uint16_t i = first; i < last; i++) {
		rte_eth_stats_reset(sf_app.ports[i].port_id);
		printf("port %u: NIC statistics cleared\n", sf_app.ports[i].port_id);
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_clear_port_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, clear, "clear");
static cmdline_parse_token_string_t cmd_clear_port_port = TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, port, "port");
static cmdline_parse_token_string_t cmd_clear_port_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, stats, "stats");
static cmdline_parse_token_string_t cmd_clear_port_which =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, which, NULL);
static cmdline_parse_inst_t cmd_clear_port = {
	.f = cmd_clear_port_parsed,
	.help_str = "clear port stats <id>|all: zero the NIC counters",
	.tokens = {(void *)&cmd_clear_port_clear, (void *)&cmd_clear_port_port, (void *)&cmd_clear_port_stats,
		   (void *)&cmd_clear_port_which, NULL},
};

static cmdline_parse_inst_t *const port_cmds[] = {
	&cmd_port_addr, &cmd_show_port, &cmd_clear_port, NULL,
};

const struct sf_cli_topic sf_cli_topic_port = {.name = "Ports", .cmds = port_cmds};

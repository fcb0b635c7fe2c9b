/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI topic "ports": addresses, roles and gateways (port-pair mode), info, stats, xstats. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_etheraddr.h>
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

static bool port_id_ok(uint16_t id)
{
	if (id < sf_app.nb_ports)
		return true;
	sf_cli_bad_value("bad port %u: 0..%d", id, (int)sf_app.nb_ports - 1);
	return false;
}

static void cmd_port_addr_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_port_addr_result *r = res;
	struct sf_port_addr a;
	char text[64];
	int rc;

	(void)cl, (void)data;
	if (!port_id_ok(r->id))
		return;
	memset(&a, 0, sizeof(a));
	if (r->ip.family == AF_INET) {
		if (r->ip.prefixlen < 1 || r->ip.prefixlen > 32) {
			sf_cli_bad_value("bad prefix length /%u for IPv4: 1..32", r->ip.prefixlen);
			return;
		}
		a.family = SF_AF_INET;
		memcpy(a.addr, &r->ip.addr.ipv4, 4);
	} else {
		if (r->ip.prefixlen < 1 || r->ip.prefixlen > 128) {
			sf_cli_bad_value("bad prefix length /%u for IPv6: 1..128", r->ip.prefixlen);
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
		sf_cli_fail("port %u has its %u addresses already", r->id, SF_PORT_MAX_ADDRS);
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
		if (strcmp(r->what, "info") == 0) {
			sf_port_print_info(&sf_app.ports[i], stdout);
			sf_port_print_offloads(&sf_app.ports[i], stdout);
		} else if (strcmp(r->what, "xstats") == 0) {
			int rc = sf_port_print_xstats(&sf_app.ports[i], false, stdout);

			if (rc != 0)
				printf("port %u: extended statistics unavailable: %s\n", sf_app.ports[i].port_id,
				       rte_strerror(-rc));
		} else {
			print_port_stats(i);
		}
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_port_show = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, show, "show");
static cmdline_parse_token_string_t cmd_show_port_port = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, port, "port");
static cmdline_parse_token_string_t cmd_show_port_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, what, "info#stats#xstats");
static cmdline_parse_token_string_t cmd_show_port_which = TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, which, NULL);
static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.help_str = "show port info|stats|xstats <id>|all: set-up (link, role, gateway, offloads), NIC counters, "
		    "the driver's non-zero extended counters",
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

/* port <id> role client|server|both */
struct cmd_port_role_result {
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t role, which;
};


static void cmd_port_role_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_port_role_result *r = res;

	(void)cl, (void)data;
	if (sf_cli_refuse_while_running() || !port_id_ok(r->id))
		return;
	sf_app.ports[r->id].role = sf_port_role_parse(r->which); /* the token allows no other */
	printf("port %u: role %s\n", r->id, r->which);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_port_role_port = TOKEN_STRING_INITIALIZER(struct cmd_port_role_result, port, "port");
static cmdline_parse_token_num_t cmd_port_role_id = TOKEN_NUM_INITIALIZER(struct cmd_port_role_result, id, RTE_UINT16);
static cmdline_parse_token_string_t cmd_port_role_role = TOKEN_STRING_INITIALIZER(struct cmd_port_role_result, role, "role");
static cmdline_parse_token_string_t cmd_port_role_which =
	TOKEN_STRING_INITIALIZER(struct cmd_port_role_result, which, "client#server#both");
static cmdline_parse_inst_t cmd_port_role = {
	.f = cmd_port_role_parsed,
	.help_str = "port <id> role client|server|both: port-pair mode, the client opens connections on the first "
		    "client port and listeners answer on server ports (default both)",
	.tokens = {(void *)&cmd_port_role_port, (void *)&cmd_port_role_id, (void *)&cmd_port_role_role,
		   (void *)&cmd_port_role_which, NULL},
};

/* port <id> gateway <ip> [<mac>] */
struct cmd_port_gw_result {
	cmdline_fixed_string_t port;
	uint16_t id;
	cmdline_fixed_string_t gateway;
	cmdline_ipaddr_t ip;
	struct rte_ether_addr mac;
};

static void port_gateway(struct cmd_port_gw_result *r, bool with_mac)
{
	uint8_t addr[16], family;
	char text[64];
	int rc;

	if (sf_cli_refuse_while_running() || !port_id_ok(r->id))
		return;
	memset(addr, 0, sizeof(addr));
	if (r->ip.family == AF_INET) {
		family = SF_AF_INET;
		memcpy(addr, &r->ip.addr.ipv4, 4);
	} else {
		family = SF_AF_INET6;
		memcpy(addr, &r->ip.addr.ipv6, 16);
	}
	rc = sf_port_set_gateway(&sf_app.ports[r->id], family, addr, with_mac ? r->mac.addr_bytes : NULL);
	if (rc < 0) {
		sf_cli_fail("port %u: neighbour table full (%u entries)", r->id, SF_PORT_MAX_NEIGH);
		return;
	}
	inet_ntop(r->ip.family, addr, text, sizeof(text));
	if (with_mac) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &r->mac);
		printf("port %u: IPv%u gateway %s at %s (static)\n", r->id, family, text, mac);
	} else {
		printf("port %u: IPv%u gateway %s (resolved by %s at start)\n", r->id, family, text,
		       family == SF_AF_INET ? "ARP" : "ND");
	}
	fflush(stdout);
}

static void cmd_port_gw_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)cl;
	port_gateway(res, data != NULL);
}

static cmdline_parse_token_string_t cmd_port_gw_port = TOKEN_STRING_INITIALIZER(struct cmd_port_gw_result, port, "port");
static cmdline_parse_token_num_t cmd_port_gw_id = TOKEN_NUM_INITIALIZER(struct cmd_port_gw_result, id, RTE_UINT16);
static cmdline_parse_token_string_t cmd_port_gw_gateway =
	TOKEN_STRING_INITIALIZER(struct cmd_port_gw_result, gateway, "gateway");
static cmdline_parse_token_ipaddr_t cmd_port_gw_ip = TOKEN_IPADDR_INITIALIZER(struct cmd_port_gw_result, ip);
static cmdline_parse_token_etheraddr_t cmd_port_gw_mac = TOKEN_ETHERADDR_INITIALIZER(struct cmd_port_gw_result, mac);
static cmdline_parse_inst_t cmd_port_gw = {
	.f = cmd_port_gw_parsed,
	.data = NULL,
	.help_str = "port <id> gateway <ip>: reach destinations off the port's prefixes through <ip> (the device "
		    "under test), its MAC resolved by ARP or ND",
	.tokens = {(void *)&cmd_port_gw_port, (void *)&cmd_port_gw_id, (void *)&cmd_port_gw_gateway,
		   (void *)&cmd_port_gw_ip, NULL},
};
static cmdline_parse_inst_t cmd_port_gw_mac_inst = {
	.f = cmd_port_gw_parsed,
	.data = (void *)1, /* with a MAC */
	.help_str = "port <id> gateway <ip> <mac>: the same with a static MAC (no resolution)",
	.tokens = {(void *)&cmd_port_gw_port, (void *)&cmd_port_gw_id, (void *)&cmd_port_gw_gateway,
		   (void *)&cmd_port_gw_ip, (void *)&cmd_port_gw_mac, NULL},
};

static cmdline_parse_inst_t *const port_cmds[] = {
	&cmd_port_addr, &cmd_port_role, &cmd_port_gw, &cmd_port_gw_mac_inst, &cmd_show_port, &cmd_clear_port, NULL,
};

const struct sf_cli_topic sf_cli_topic_port = {.name = "Ports", .cmds = port_cmds};

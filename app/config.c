/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show config` and `save config`: the running configuration written back as the commands
 * that make it, so `load` (or --cmdline-file) of the output reproduces it. Every setting a
 * command can change appears, defaults included, so the file does not depend on them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sf_app.h"

static const char *addr_text(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (inet_ntop(family == SF_AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* @p addr plus @p n in its last four bytes (where synfin's address ranges count). */
static void addr_plus(uint8_t family, const uint8_t *addr, uint32_t n, uint8_t *out)
{
	uint32_t tail = sf_addr_tail(family, addr) + n;
	uint8_t *t;

	memcpy(out, addr, 16);
	t = family == SF_AF_INET ? out : out + 12;
	t[0] = (uint8_t)(tail >> 24);
	t[1] = (uint8_t)(tail >> 16);
	t[2] = (uint8_t)(tail >> 8);
	t[3] = (uint8_t)tail;
}

/* Is @p a the client's source range (`start` adds it to the client port by itself)? */
static bool is_client_range(const struct sf_port_addr *a)
{
	const struct sf_client_cfg *c = &sf_app.client;

	return c->enabled && a->family == c->family && a->prefix_len == (c->family == SF_AF_INET ? 32 : 128) &&
	       (a->count ? a->count : 1) == c->src_count && memcmp(a->addr, c->src_first, 16) == 0;
}

/* `port <id> gateway <ip> [<mac>]`: the MAC only when it was set (static), not when resolved. */
static void write_gateway(FILE *f, uint16_t id, const struct sf_port *p, uint8_t family, const uint8_t *addr)
{
	uint32_t n = __atomic_load_n(&p->nb_neigh, __ATOMIC_ACQUIRE);
	char text[INET6_ADDRSTRLEN];

	fprintf(f, "port %u gateway %s", id, addr_text(family, addr, text, sizeof(text)));
	for (uint32_t k = 0; k < n; k++) {
		const struct sf_port_neigh *nb = &p->neigh[k];
		uint8_t mac[6];

		if (nb->family == family && memcmp(nb->addr, addr, family == SF_AF_INET ? 4 : 16) == 0 &&
		    (__atomic_load_n(&nb->mac, __ATOMIC_ACQUIRE) & SF_NEIGH_STATIC) && sf_port_neigh_mac(p, k, mac))
			fprintf(f, " %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
	fprintf(f, "\n");
}

static void write_ports(FILE *f)
{
	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		const struct sf_port *p = &sf_app.ports[i];
		uint32_t n = __atomic_load_n(&p->nb_addrs, __ATOMIC_ACQUIRE);

		for (uint32_t k = 0; k < n; k++) {
			char text[64];

			if (is_client_range(&p->addrs[k]))
				continue;
			sf_port_addr_format(&p->addrs[k], text, sizeof(text));
			fprintf(f, "port %u address %s\n", i, text);
		}
		fprintf(f, "port %u role %s\n", i, sf_port_role_name(p->role));
		for (unsigned int g = 0; g < RTE_DIM(p->gw); g++)
			if (p->gw[g].set)
				write_gateway(f, i, p, g == 0 ? SF_AF_INET : SF_AF_INET6, p->gw[g].addr);
	}
}

static void write_tcp(FILE *f)
{
	const struct sf_tcp_config *t = &sf_app.tcp_cfg;
	static const struct {
		const char *name;
		uint8_t bit;
	} opts[] = {{"mss", SF_OPT_MSS}, {"wscale", SF_OPT_WSCALE}, {"sack", SF_OPT_SACK_PERM}, {"ts", SF_OPT_TS}};
	static const char *const cookies[] = {"never", "when-full", "always"};

	fprintf(f, "set conn tcbs %u timewait %u\n", sf_app.conn_sizes.tcbs, sf_app.conn_sizes.tw4);
	fprintf(f, "set tcp msl %u\n", t->msl_ms);
	/* `set tcp rto` sets every retry budget: the knobs after it set each one again. */
	fprintf(f, "set tcp rto %u %u %u\n", t->rto_initial_ms, t->rto_min_ms, t->max_retries);
	for (unsigned int i = 0; sf_cli_tcp_knob_name(i) != NULL; i++)
		fprintf(f, "set tcp %s %u\n", sf_cli_tcp_knob_name(i), sf_cli_tcp_knob_get(t, i));
	for (size_t i = 0; i < RTE_DIM(opts); i++)
		fprintf(f, "set tcp options %s %s\n", opts[i].name, t->offer & opts[i].bit ? "on" : "off");
	fprintf(f, "set tcp cookies %s\n", t->cookie_mode < RTE_DIM(cookies) ? cookies[t->cookie_mode] : "when-full");
}

/* What `listen` takes from the commands before it. */
static void write_listen_defaults(FILE *f, const struct sf_listener *l)
{
	if (l->response_kind == SF_RESPONSE_NONE)
		fprintf(f, "response none\n");
	else
		fprintf(f, "response %s %u\n", sf_response_kind_name(l->response_kind), l->response_bytes);
	fprintf(f, "requests %u\n", l->requests);
	fprintf(f, "close %s\n", sf_close_policy_name(l->close_policy));
}

static void write_server(FILE *f)
{
	const struct sf_listeners *ls = sf_app.listeners;

	for (unsigned int i = 0; ls != NULL && i < ls->n; i++) {
		const struct sf_listener *l = &ls->l[i];
		char text[64];

		write_listen_defaults(f, l);
		fprintf(f, "listen %s %u", addr_text(l->family, l->addr, text, sizeof(text)), l->port_lo);
		if (l->port_hi != l->port_lo)
			fprintf(f, "-%u", l->port_hi);
		fprintf(f, "\n");
	}
	write_listen_defaults(f, &sf_app.listen_defaults);
}

static void write_client(FILE *f)
{
	const struct sf_client_cfg *c = &sf_app.client;
	char a[64], b[64];
	uint8_t last[16];

	if (c->enabled) {
		addr_plus(c->family, c->src_first, c->src_count - 1, last);
		fprintf(f, "client %s", addr_text(c->family, c->src_first, a, sizeof(a)));
		if (c->src_count > 1)
			fprintf(f, "-%s", addr_text(c->family, last, b, sizeof(b)));
		/* dst[] is every address times every port: the addresses, in order, once each. */
		for (uint32_t i = 0, n = 0; i < c->nb_dst; i++) {
			bool seen = false;

			for (uint32_t j = 0; j < i; j++)
				seen |= memcmp(c->dst[j].addr, c->dst[i].addr, 16) == 0;
			if (!seen)
				fprintf(f, "%s%s", n++ ? "," : " ", addr_text(c->family, c->dst[i].addr, a, sizeof(a)));
		}
		fprintf(f, " %u", c->dport_lo);
		if (c->dport_hi != c->dport_lo)
			fprintf(f, "-%u", c->dport_hi);
		fprintf(f, "\n");
	}
	fprintf(f, "set client sport %u-%u\n", c->sport_lo, c->sport_hi);
	fprintf(f, "set client rate %" PRIu64 "\n", c->rate);
	fprintf(f, "set client duration %u\n", c->duration_s);
	fprintf(f, "set client concurrency %u\n", c->concurrency);
	fprintf(f, "set client requests %u\n", c->requests);
	fprintf(f, "set client ramp %u\n", c->ramp_s);
	fprintf(f, "set client timeout %u\n", c->response_timeout_ms);
	if (c->request_kind == SF_RESPONSE_RAW)
		fprintf(f, "set client request raw %u %u\n", c->raw_bytes, c->raw_response);
	else
		fprintf(f, "set client request http %s\n", c->path);
	fprintf(f, "set client close %s\n", sf_close_policy_name(c->close_policy));
}

void sf_cli_config_write(FILE *f)
{
	fprintf(f, "# synfin configuration (show config / save config); load it with `load <file>`\n");
	fprintf(f, "# or --cmdline-file, then `start`.\n");
	write_ports(f);
	write_tcp(f);
	write_server(f);
	write_client(f);
	fprintf(f, "set stats period %u\n", sf_app.stats_period);
	fprintf(f, "set stop grace %u\n", sf_app.stop_grace_ms);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "sf_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#define SF_RXD_DEFAULT 1024
#define SF_TXD_DEFAULT 1024

/* The driver kept its own key: read it back, so the client steers by the key the NIC uses. */
static int port_read_rss_key(struct sf_port *p)
{
	uint8_t key[128];
	struct rte_eth_rss_conf rc = {.rss_key = key, .rss_key_len = sizeof(key)};
	struct rte_eth_dev_info info;
	int ret = rte_eth_dev_info_get(p->port_id, &info);

	if (ret == 0 && (info.hash_key_size < SF_RSS_KEY_LEN || info.hash_key_size > sizeof(key)))
		ret = -ENOTSUP;
	if (ret == 0) {
		rc.rss_key_len = info.hash_key_size;
		ret = rte_eth_dev_rss_hash_conf_get(p->port_id, &rc);
	}
	if (ret != 0) {
		printf("port %u: cannot read the driver's RSS key (%s), so the client could not steer\n", p->port_id, rte_strerror(-ret));
		return ret;
	}
	memcpy(p->rss_key, key, SF_RSS_KEY_LEN);
	p->rss_key_sym = false;
	return 0;
}

int sf_port_init(struct sf_port *p, uint16_t port_id, uint16_t nb_queues, struct rte_mempool *mp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	p->nb_queues = nb_queues;
	p->role = SF_PORT_ROLE_BOTH;
	p->socket = socket;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		printf("port %u: cannot get info: %s\n", port_id, rte_strerror(-rc));
		return rc;
	}
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		printf("port %u: %u queues wanted, driver %s has at most %u rx / %u tx\n", port_id,
		       nb_queues, info.driver_name, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (rte_eth_dev_get_name_by_port(port_id, p->name) != 0)
		snprintf(p->name, sizeof(p->name), "port%u", port_id);
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);

	memset(&conf, 0, sizeof(conf));
	/* Checksum offloads where offered: rx verification flags and tx computation. */
	uint64_t rx_want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	uint64_t tx_want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	conf.rxmode.offloads = info.rx_offload_capa & rx_want;
	/* net_tap's "offload" is the PMD summing in software, and it writes 0xffff for a TCP sum of
	 * zero (UDP's rule), which analysers flag: our own software sums are as fast and exact. */
	if (strcmp(info.driver_name, "net_tap") == 0)
		tx_want = 0;
	conf.txmode.offloads = info.tx_offload_capa & tx_want;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS; /* response bodies attached by reference */
	/* MBUF_FAST_FREE is never asked for: it promises that every mbuf sent comes from one pool
	 * with a reference count of 1 and no external buffer, and our response segments are
	 * exactly that, external buffers attached by reference (zero copy). */
	p->ol.rx_ip4_csum = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	p->ol.rx_l4_csum = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	p->ol.tx_ip4_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	p->ol.tx_tcp_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

	/* RSS with a symmetric key: both directions of a flow reach the same queue, so the
	 * same lcore's table owns the connection. */
	uint64_t rss_hf = info.flow_type_rss_offloads &
			  (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_IP);
	/* A driver that hashes but keeps no redirection table does not steer by it: net_tap takes
	 * RSS settings but applies them only through rte_flow (a BPF program under the multiq
	 * qdisc); without that the kernel's own flow hash picks the queue. */
	if (nb_queues > 1 && rss_hf != 0 && info.reta_size == 0)
		p->rss_why_off = "the driver keeps no redirection table (net_tap: its RSS needs rte_flow, "
				 "which needs the multiq qdisc)";
	if (nb_queues > 1 && rss_hf != 0 && info.reta_size != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)sf_rss_sym_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = SF_RSS_KEY_LEN;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
		p->ol.rss = true;
		/* The hash the NIC computed, in the mbuf: free for whoever wants to check steering. */
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) {
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
			p->ol.rss_hash = true;
		}
	}
	memcpy(p->rss_key, sf_rss_sym_key, SF_RSS_KEY_LEN);
	p->rss_key_sym = true;
	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc != 0 && p->ol.rss) {
		/* Some drivers want their own key length: retry with the driver's default key. */
		printf("port %u: the symmetric RSS key was refused (%s): the driver's key is used, and a "
		       "connection's two directions may land on different queues\n", port_id, rte_strerror(-rc));
		conf.rx_adv_conf.rss_conf.rss_key = NULL;
		rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
		if (rc == 0)
			rc = port_read_rss_key(p);
	}
	if (rc != 0) {
		printf("port %u: configure failed: %s\n", port_id, rte_strerror(-rc));
		return rc;
	}
	p->nb_rxd = SF_RXD_DEFAULT;
	p->nb_txd = SF_TXD_DEFAULT;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &p->nb_rxd, &p->nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, p->nb_rxd, socket, NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, p->nb_txd, socket, NULL);
		if (rc != 0) {
			printf("port %u: queue %u setup failed: %s\n", port_id, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		printf("port %u: start failed: %s\n", port_id, rte_strerror(-rc));
		return rc;
	}
	rte_eth_macaddr_get(port_id, &p->mac);
	rte_eth_promiscuous_enable(port_id); /* best effort: memif and tap ignore it */
	if (p->ol.rss && sf_port_reta_spread(p, nb_queues) != 0) {
		uint16_t reta[SF_PORT_RETA_MAX];

		/* The client steers by whatever table the NIC holds, read back at `start`. */
		p->ol.reta_size = (uint16_t)sf_port_reta_get(p, reta, SF_PORT_RETA_MAX);
		printf("port %u: the redirection table keeps the driver's spread (%u entries)\n", port_id,
		       p->ol.reta_size);
	}
	return 0;
}

int sf_port_reta_spread(struct sf_port *p, uint16_t nb_queues)
{
	struct rte_eth_rss_reta_entry64 conf[SF_PORT_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;
	uint16_t reta[SF_PORT_RETA_MAX];
	int rc;

	if (!p->ol.rss || nb_queues == 0)
		return 0;
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	if (info.reta_size == 0 || info.reta_size > SF_PORT_RETA_MAX)
		return -ENOTSUP;
	memset(conf, 0, sizeof(conf));
	/* Entry i -> queue i mod n: every worker gets an equal share of the hash space. */
	for (unsigned int i = 0; i < info.reta_size; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = (uint16_t)(i % nb_queues);
	}
	rc = rte_eth_dev_rss_reta_update(p->port_id, conf, info.reta_size);
	if (rc != 0)
		return rc;
	p->ol.reta_size = (uint16_t)sf_port_reta_get(p, reta, SF_PORT_RETA_MAX);
	return 0;
}

unsigned int sf_port_reta_get(const struct sf_port *p, uint16_t *reta, unsigned int max)
{
	struct rte_eth_rss_reta_entry64 conf[SF_PORT_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;

	if (!p->ol.rss && p->peer_reta_size != 0 && p->peer_reta_size <= max) {
		memcpy(reta, p->peer_reta, sizeof(*reta) * p->peer_reta_size);
		return p->peer_reta_size;
	}
	if (!p->ol.rss || rte_eth_dev_info_get(p->port_id, &info) != 0 || info.reta_size == 0 ||
	    info.reta_size > SF_PORT_RETA_MAX || info.reta_size > max)
		return 0;
	memset(conf, 0, sizeof(conf));
	for (unsigned int g = 0; g < (info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1u) / RTE_ETH_RETA_GROUP_SIZE; g++)
		conf[g].mask = UINT64_MAX;
	if (rte_eth_dev_rss_reta_query(p->port_id, conf, info.reta_size) != 0)
		return 0;
	for (unsigned int i = 0; i < info.reta_size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return info.reta_size;
}

int sf_port_set_peer_reta(struct sf_port *p, const uint16_t *reta, unsigned int size)
{
	if (size > SF_PORT_RETA_MAX || (size & (size - 1)) != 0)
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++)
		if (reta[i] >= p->nb_queues)
			return -EINVAL;
	memcpy(p->peer_reta, reta, sizeof(*reta) * size);
	p->peer_reta_size = (uint16_t)size;
	return 0;
}

bool sf_port_wait_link(const struct sf_port *p, unsigned int timeout_ms)
{
	struct rte_eth_link link;

	for (unsigned int waited = 0;; waited += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->port_id, &link) == 0 && link.link_status)
			return true;
		if (waited >= timeout_ms)
			return false;
		rte_delay_ms(10);
	}
}

void sf_port_close(struct sf_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}

int sf_port_add_addr(struct sf_port *p, const struct sf_port_addr *a)
{
	for (uint32_t i = 0; i < p->nb_addrs; i++)
		if (p->addrs[i].family == a->family && p->addrs[i].count == a->count &&
		    memcmp(p->addrs[i].addr, a->addr, 16) == 0)
			return -EEXIST;
	if (p->nb_addrs >= SF_PORT_MAX_ADDRS)
		return -ENOSPC;
	p->addrs[p->nb_addrs] = *a;
	__atomic_store_n(&p->nb_addrs, p->nb_addrs + 1, __ATOMIC_RELEASE);
	return 0;
}

void sf_port_addr_format(const struct sf_port_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family == SF_AF_INET ? AF_INET : AF_INET6, a->addr, ip, sizeof(ip));
	if (a->count > 1)
		snprintf(buf, len, "%s/%u (+%u)", ip, a->prefix_len, a->count - 1);
	else
		snprintf(buf, len, "%s/%u", ip, a->prefix_len);
}

int sf_port_link_poll(struct sf_port *p)
{
	struct rte_eth_link link;
	bool up;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
		return 0;
	up = link.link_status == RTE_ETH_LINK_UP;
	p->link.speed_mbps = link.link_speed;
	p->link.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	if (!p->link.known) {
		p->link.known = true;
		p->link.up = up;
		return 0;
	}
	if (up == p->link.up)
		return 0;
	p->link.up = up;
	__atomic_fetch_add(&p->link.changes, 1, __ATOMIC_RELAXED);
	if (!up)
		__atomic_fetch_add(&p->link.downs, 1, __ATOMIC_RELAXED);
	return up ? 1 : -1;
}

const char *sf_port_role_name(uint8_t role)
{
	switch (role) {
	case SF_PORT_ROLE_CLIENT:
		return "client";
	case SF_PORT_ROLE_SERVER:
		return "server";
	case SF_PORT_ROLE_BOTH:
		return "both";
	default:
		return "none";
	}
}

uint8_t sf_port_role_parse(const char *s)
{
	if (strcmp(s, "client") == 0)
		return SF_PORT_ROLE_CLIENT;
	if (strcmp(s, "server") == 0)
		return SF_PORT_ROLE_SERVER;
	if (strcmp(s, "both") == 0)
		return SF_PORT_ROLE_BOTH;
	return 0;
}

static void print_ip(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	inet_ntop(family == SF_AF_INET ? AF_INET : AF_INET6, a, buf, (socklen_t)len);
}

void sf_port_print_offloads(const struct sf_port *p, FILE *f)
{
	struct rte_eth_dev_info info;
	bool tap = strcmp(p->driver, "net_tap") == 0;

	if (rte_eth_dev_info_get(p->port_id, &info) != 0) {
		fprintf(f, "port %u: offloads unknown (no device info)\n", p->port_id);
		return;
	}
#define OFFERED(capa, flag) (((capa) & (flag)) ? "" : ": not offered by the driver")
	fprintf(f, "Offloads of port %u (%s):\n", p->port_id, p->driver);
	fprintf(f, "  rx IPv4 checksum  %s%s\n", p->ol.rx_ip4_csum ? "on" : "off",
		p->ol.rx_ip4_csum ? "" : OFFERED(info.rx_offload_capa, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM));
	fprintf(f, "  rx TCP checksum   %s%s\n", p->ol.rx_l4_csum ? "on" : "off",
		p->ol.rx_l4_csum ? "" : OFFERED(info.rx_offload_capa, RTE_ETH_RX_OFFLOAD_TCP_CKSUM));
	fprintf(f, "  tx IPv4 checksum  %s%s\n", p->ol.tx_ip4_csum ? "on" : "off",
		p->ol.tx_ip4_csum ? "" : tap && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
			? ": net_tap sums in software anyway, so synfin's incremental sums are cheaper"
			: OFFERED(info.tx_offload_capa, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM));
	fprintf(f, "  tx TCP checksum   %s%s\n", p->ol.tx_tcp_csum ? "on" : "off",
		p->ol.tx_tcp_csum ? "" : tap && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
			? ": net_tap sums in software and writes 0xffff for a zero TCP sum"
			: OFFERED(info.tx_offload_capa, RTE_ETH_TX_OFFLOAD_TCP_CKSUM));
	if (p->ol.rss)
		fprintf(f, "  RSS               on: %s, %u-entry redirection table over %u queues\n",
			p->rss_key_sym ? "symmetric key" : "the driver's key (it refused the symmetric one)",
			p->ol.reta_size, p->nb_queues);
	else if (p->peer_reta_size)
		fprintf(f, "  RSS               off: the peer steers by Toeplitz over a %u-entry table\n",
			p->peer_reta_size);
	else
		fprintf(f, "  RSS               off: %s\n", p->nb_queues < 2 ? "one queue" : p->rss_why_off ? p->rss_why_off :
			info.flow_type_rss_offloads == 0 ? "the driver hashes nothing (queues are paired or "
							  "picked outside synfin)" : "no TCP/IP hash offered");
	fprintf(f, "  RSS hash in mbuf  %s%s\n", p->ol.rss_hash ? "on" : "off",
		p->ol.rss_hash ? "" : !p->ol.rss ? ": no RSS" : OFFERED(info.rx_offload_capa, RTE_ETH_RX_OFFLOAD_RSS_HASH));
	fprintf(f, "  tx fast mbuf free off: response bodies go out as external buffers attached by reference, "
		"which MBUF_FAST_FREE forbids%s\n",
		(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) ? " (the driver offers it)" : "");
	fprintf(f, "  tx multi-segment  %s\n", (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) ? "on" :
		"not offered: the driver must accept header + body chains anyway");
#undef OFFERED
}

void sf_port_print_info(const struct sf_port *p, FILE *f)
{
	struct rte_eth_link link;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], addr[INET6_ADDRSTRLEN + 4];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->port_id, &link);
	fprintf(f, "********************* Infos for port %-2u *********************\n", p->port_id);
	fprintf(f, "Name: %s\nDriver: %s\nMAC address: %s\n", p->name, p->driver, mac);
	if (p->socket < 0)
		fprintf(f, "Socket: any (virtual device)\n");
	else
		fprintf(f, "Socket: %d\n", p->socket);
	fprintf(f, "Role: %s\n", sf_port_role_name(p->role));
	if (link.link_status)
		fprintf(f, "Link: up, %u Mbps, %s duplex\n", link.link_speed, link.link_duplex ? "full" : "half");
	else
		fprintf(f, "Link: down (a tap moved to another namespace reads down but works)\n");
	fprintf(f, "Link changes: %" PRIu64 " (%" PRIu64 " down)\n", __atomic_load_n(&p->link.changes, __ATOMIC_RELAXED),
		__atomic_load_n(&p->link.downs, __ATOMIC_RELAXED));
	fprintf(f, "Queues: %u rx / %u tx, %u rx / %u tx descriptors, RSS %s\n", p->nb_queues, p->nb_queues,
		p->nb_rxd, p->nb_txd, p->ol.rss ? "on (symmetric key)" : "off");
	fprintf(f, "Checksum offloads: rx ip4 %s, rx l4 %s, tx ip4 %s, tx tcp %s\n",
		p->ol.rx_ip4_csum ? "on" : "off", p->ol.rx_l4_csum ? "on" : "off",
		p->ol.tx_ip4_csum ? "on" : "off", p->ol.tx_tcp_csum ? "on" : "off");
	for (uint32_t i = 0; i < p->nb_addrs; i++) {
		sf_port_addr_format(&p->addrs[i], addr, sizeof(addr));
		fprintf(f, "Address: %s\n", addr);
	}
	for (unsigned int g = 0; g < 2; g++) {
		if (!p->gw[g].set)
			continue;
		print_ip(g == 0 ? SF_AF_INET : SF_AF_INET6, p->gw[g].addr, addr, sizeof(addr));
		fprintf(f, "Gateway: %s\n", addr);
	}
	for (uint32_t i = 0; i < p->nb_neigh; i++) {
		uint64_t v = __atomic_load_n(&p->neigh[i].mac, __ATOMIC_ACQUIRE);
		uint8_t m[6];

		print_ip(p->neigh[i].family, p->neigh[i].addr, addr, sizeof(addr));
		if (!(v & SF_NEIGH_VALID)) {
			fprintf(f, "Neighbour: %s unresolved\n", addr);
			continue;
		}
		for (int b = 0; b < 6; b++)
			m[b] = (uint8_t)(v >> (8 * b));
		fprintf(f, "Neighbour: %s at %02x:%02x:%02x:%02x:%02x:%02x%s\n", addr, m[0], m[1], m[2], m[3], m[4],
			m[5], (v & SF_NEIGH_STATIC) ? " (static)" : "");
	}
}

int sf_port_print_xstats(const struct sf_port *p, bool all, FILE *f)
{
	int n = rte_eth_xstats_get(p->port_id, NULL, 0);
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;

	if (n < 0)
		return n;
	/* Main lcore, on demand: the only place in lib/port that allocates after start-up. */
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names == NULL || vals == NULL) {
		free(names);
		free(vals);
		return -ENOMEM;
	}
	if (rte_eth_xstats_get_names(p->port_id, names, (unsigned int)n) != n ||
	    rte_eth_xstats_get(p->port_id, vals, (unsigned int)n) != n) {
		free(names);
		free(vals);
		return -EIO;
	}
	fprintf(f, "###### NIC extended statistics for port %-2u (%s) ######\n", p->port_id, p->driver);
	for (int i = 0; i < n; i++)
		if ((all || vals[i].value != 0) && vals[i].id < (uint64_t)n)
			fprintf(f, "  %-40s %" PRIu64 "\n", names[vals[i].id].name, vals[i].value);
	free(names);
	free(vals);
	return 0;
}

int sf_port_neigh_want(struct sf_port *p, uint8_t family, const uint8_t *addr)
{
	size_t len = family == SF_AF_INET ? 4 : 16;

	for (uint32_t i = 0; i < p->nb_neigh; i++)
		if (p->neigh[i].family == family && memcmp(p->neigh[i].addr, addr, len) == 0)
			return (int)i;
	if (p->nb_neigh == SF_PORT_MAX_NEIGH)
		return -ENOSPC;
	memset(&p->neigh[p->nb_neigh], 0, sizeof(p->neigh[0]));
	memcpy(p->neigh[p->nb_neigh].addr, addr, len);
	p->neigh[p->nb_neigh].family = family;
	__atomic_store_n(&p->nb_neigh, p->nb_neigh + 1, __ATOMIC_RELEASE);
	return (int)p->nb_neigh - 1;
}

void sf_port_neigh_learn(struct sf_port *p, uint8_t family, const uint8_t *addr, const uint8_t *mac)
{
	uint32_t n = __atomic_load_n(&p->nb_neigh, __ATOMIC_ACQUIRE);
	size_t len = family == SF_AF_INET ? 4 : 16;
	uint64_t v = SF_NEIGH_VALID;

	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	for (uint32_t i = 0; i < n; i++)
		if (p->neigh[i].family == family && memcmp(p->neigh[i].addr, addr, len) == 0 &&
		    !(__atomic_load_n(&p->neigh[i].mac, __ATOMIC_RELAXED) & SF_NEIGH_STATIC))
			__atomic_store_n(&p->neigh[i].mac, v, __ATOMIC_RELEASE);
}

void sf_port_neigh_set_static(struct sf_port *p, uint32_t idx, const uint8_t *mac)
{
	uint64_t v = SF_NEIGH_VALID | SF_NEIGH_STATIC;

	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	__atomic_store_n(&p->neigh[idx].mac, v, __ATOMIC_RELEASE);
}

int sf_port_set_gateway(struct sf_port *p, uint8_t family, const uint8_t *addr, const uint8_t *mac)
{
	struct sf_port_gw *gw = &p->gw[family == SF_AF_INET ? 0 : 1];
	int idx = sf_port_neigh_want(p, family, addr);

	if (idx < 0)
		return idx;
	memset(gw->addr, 0, sizeof(gw->addr));
	memcpy(gw->addr, addr, family == SF_AF_INET ? 4 : 16);
	gw->set = true;
	if (mac != NULL)
		sf_port_neigh_set_static(p, (uint32_t)idx, mac);
	else if (__atomic_load_n(&p->neigh[idx].mac, __ATOMIC_RELAXED) & SF_NEIGH_STATIC)
		__atomic_store_n(&p->neigh[idx].mac, 0, __ATOMIC_RELEASE); /* resolve it again */
	return idx;
}

static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff00u >> rest)) == 0;
}

const struct sf_port_addr *sf_port_addr_for(const struct sf_port *p, uint8_t family, const uint8_t *addr)
{
	uint32_t n = __atomic_load_n(&p->nb_addrs, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (p->addrs[i].family == family && same_prefix(p->addrs[i].addr, addr, p->addrs[i].prefix_len))
			return &p->addrs[i];
	return NULL;
}

const uint8_t *sf_port_next_hop(const struct sf_port *p, uint8_t family, const uint8_t *dst)
{
	const struct sf_port_gw *gw = &p->gw[family == SF_AF_INET ? 0 : 1];

	if (!gw->set || sf_port_addr_for(p, family, dst) != NULL)
		return dst;
	return gw->addr;
}

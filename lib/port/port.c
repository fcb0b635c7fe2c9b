/* SPDX-License-Identifier: BSD-3-Clause */
#include "sf_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#define SF_RXD_DEFAULT 1024
#define SF_TXD_DEFAULT 1024

int sf_port_init(struct sf_port *p, uint16_t port_id, uint16_t nb_queues, struct rte_mempool *mp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	p->nb_queues = nb_queues;
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
	p->ol.rx_ip4_csum = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	p->ol.rx_l4_csum = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	p->ol.tx_ip4_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	p->ol.tx_tcp_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

	/* RSS with a symmetric key: both directions of a flow reach the same queue, so the
	 * same lcore's table owns the connection. */
	uint64_t rss_hf = info.flow_type_rss_offloads &
			  (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_IP);
	if (nb_queues > 1 && rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)sf_rss_sym_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = SF_RSS_KEY_LEN;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
		p->ol.rss = true;
	}

	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc != 0 && p->ol.rss) {
		/* Some drivers want their own key length: retry with the driver's default key. */
		conf.rx_adv_conf.rss_conf.rss_key = NULL;
		rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
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

void sf_port_print_info(const struct sf_port *p, FILE *f)
{
	struct rte_eth_link link;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], addr[INET6_ADDRSTRLEN + 4];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->port_id, &link);
	fprintf(f, "********************* Infos for port %-2u *********************\n", p->port_id);
	fprintf(f, "Name: %s\nDriver: %s\nMAC address: %s\n", p->name, p->driver, mac);
	if (link.link_status)
		fprintf(f, "Link: up, %u Mbps, %s duplex\n", link.link_speed,
			link.link_duplex ? "full" : "half");
	else
		fprintf(f, "Link: down (a tap moved to another namespace reads down but works)\n");
	fprintf(f, "Queues: %u rx / %u tx, %u rx / %u tx descriptors, RSS %s\n", p->nb_queues, p->nb_queues,
		p->nb_rxd, p->nb_txd, p->ol.rss ? "on (symmetric key)" : "off");
	fprintf(f, "Checksum offloads: rx ip4 %s, rx l4 %s, tx ip4 %s, tx tcp %s\n",
		p->ol.rx_ip4_csum ? "on" : "off", p->ol.rx_l4_csum ? "on" : "off",
		p->ol.tx_ip4_csum ? "on" : "off", p->ol.tx_tcp_csum ? "on" : "off");
	for (uint32_t i = 0; i < p->nb_addrs; i++) {
		sf_port_addr_format(&p->addrs[i], addr, sizeof(addr));
		fprintf(f, "Address: %s\n", addr);
	}
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
		if (p->neigh[i].family == family && memcmp(p->neigh[i].addr, addr, len) == 0)
			__atomic_store_n(&p->neigh[i].mac, v, __ATOMIC_RELEASE);
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

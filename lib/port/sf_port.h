/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_PORT_H
#define SF_PORT_H

/**
 * @file
 * lib/port: ethdev set-up with one rx/tx queue pair per worker lcore, RSS when there is more than
 * one queue, checksum offloads when the port offers them, and the port's own addresses.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "sf_net.h"

#define SF_PORT_MAX 8
#define SF_PORT_MAX_ADDRS 16

/** One address of a port, IPv4 (first 4 bytes of addr) or IPv6. */
struct sf_port_addr {
	uint8_t addr[16];
	uint8_t family;     /**< SF_AF_INET or SF_AF_INET6 */
	uint8_t prefix_len;
};

/** What the port offloads; the data path picks hardware or software per flag. */
struct sf_port_offloads {
	bool rx_ip4_csum, rx_l4_csum; /**< rx flags tell whether checksums were verified */
	bool tx_ip4_csum, tx_tcp_csum;
	bool rss;                     /**< RSS configured (more than one queue and supported) */
};

struct sf_port {
	uint16_t port_id;
	uint16_t nb_queues;
	uint16_t nb_rxd, nb_txd;
	struct rte_ether_addr mac;
	struct sf_port_offloads ol;
	char name[64];         /**< ethdev name, e.g. net_tap0 */
	char driver[32];
	/* Published with a release store of nb_addrs so workers may read while the CLI adds. */
	struct sf_port_addr addrs[SF_PORT_MAX_ADDRS];
	uint32_t nb_addrs;
};

/**
 * Configure and start @p port_id with @p nb_queues rx/tx queue pairs fed from @p mp.
 * Enables RSS (symmetric key) when nb_queues > 1 and checksum offloads when offered.
 * @return 0, or a negative errno with a message printed.
 */
int sf_port_init(struct sf_port *p, uint16_t port_id, uint16_t nb_queues, struct rte_mempool *mp);

/** Wait up to @p timeout_ms for link up; returns true when up (tap in another netns reads down). */
bool sf_port_wait_link(const struct sf_port *p, unsigned int timeout_ms);

/** Stop and close the port. Call only once no lcore polls it any more. */
void sf_port_close(struct sf_port *p);

/** Add an address; returns 0, -EEXIST or -ENOSPC. */
int sf_port_add_addr(struct sf_port *p, const struct sf_port_addr *a);

/** Is @p addr (4 or 16 bytes by family) one of the port's addresses? Hot path: a short scan. */
static inline bool sf_port_has_addr(const struct sf_port *p, uint8_t family, const uint8_t *addr)
{
	uint32_t n = __atomic_load_n(&p->nb_addrs, __ATOMIC_ACQUIRE);
	size_t len = family == SF_AF_INET ? 4 : 16;

	for (uint32_t i = 0; i < n; i++)
		if (p->addrs[i].family == family && __builtin_memcmp(p->addrs[i].addr, addr, len) == 0)
			return true;
	return false;
}

/** testpmd-like summary: driver, MAC, queues, descriptors, offloads, link, addresses. */
void sf_port_print_info(const struct sf_port *p, FILE *f);

/** Print an address as text into @p buf (INET6_ADDRSTRLEN + 4 bytes is enough with the prefix). */
void sf_port_addr_format(const struct sf_port_addr *a, char *buf, size_t len);

#endif /* SF_PORT_H */

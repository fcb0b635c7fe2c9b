/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and worker lcores: the mbuf pool, every probed ethdev port with one queue pair per
 * worker, each worker's state on its own socket, then the link wait and the port summaries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sf_app.h"

#define SF_MBUFS_PER_QUEUE 4096
#define SF_MBUF_CACHE 256

void sf_app_setup_ports_and_workers(void)
{
	unsigned int lcore, nb_lcores = rte_lcore_count();
	uint16_t port_id;
	struct sf_port *ports[SF_PORT_MAX];

	sf_app.main_is_worker = nb_lcores == 1;
	sf_app.nb_workers = sf_app.main_is_worker ? 1 : nb_lcores - 1;
	if (sf_app.nb_workers > SF_MAX_LCORES)
		rte_exit(EXIT_FAILURE, "at most %u worker lcores\n", SF_MAX_LCORES);
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE, "no ports: give one with --vdev (net_tap, net_memif) or a NIC\n");
	if (rte_eth_dev_count_avail() > SF_PORT_MAX)
		rte_exit(EXIT_FAILURE, "at most %u ports\n", SF_PORT_MAX);

	unsigned int nb_mbufs = SF_MBUFS_PER_QUEUE * sf_app.nb_workers * rte_eth_dev_count_avail();
	sf_app.mp = rte_pktmbuf_pool_create("sf_mbufs", nb_mbufs, SF_MBUF_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (sf_app.mp == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool (%u mbufs): %s\n", nb_mbufs,
			 rte_strerror(rte_errno));

	RTE_ETH_FOREACH_DEV(port_id) {
		struct sf_port *p = &sf_app.ports[sf_app.nb_ports];

		if (sf_port_init(p, port_id, (uint16_t)sf_app.nb_workers, sf_app.mp) != 0)
			rte_exit(EXIT_FAILURE, "port %u: set-up failed\n", port_id);
		/* memif pairs queue i with the peer's queue i; a NIC steers by symmetric RSS. Other
		 * ports (tap picks queues by the kernel's flow hash) would scatter a connection's
		 * segments over the workers, and no hand-off between workers exists yet. */
		if (sf_app.nb_workers > 1 && !p->ol.rss && strcmp(p->driver, "net_memif") != 0)
			printf("port %u (%s): no RSS: with %u workers a connection's segments may reach a "
			       "worker that does not own it (counted as tcp_no_conn); use one worker\n",
			       port_id, p->driver, sf_app.nb_workers);
		ports[sf_app.nb_ports++] = p;
	}

	unsigned int w = 0;
	RTE_LCORE_FOREACH(lcore) {
		if (!sf_app.main_is_worker && lcore == rte_get_main_lcore())
			continue;
		struct sf_lcore *lc = rte_zmalloc_socket("sf_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
							 (int)rte_lcore_to_socket_id(lcore));
		if (lc == NULL)
			rte_exit(EXIT_FAILURE, "cannot allocate lcore %u state\n", lcore);
		sf_lcore_init(lc, lcore, (uint16_t)w, ports, sf_app.nb_ports, sf_app.mp);
		sf_app.workers[w++] = lc;
	}
	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		/* A NIC takes a moment; memif waits for its peer; a tap moved away reads down. */
		if (!sf_port_wait_link(&sf_app.ports[i], 1000))
			printf("port %u: link still down after 1 s, going on\n", sf_app.ports[i].port_id);
		sf_port_print_info(&sf_app.ports[i], stdout);
	}
}

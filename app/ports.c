/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports and worker lcores: an mbuf pool per NUMA socket that has ports, every probed ethdev
 * port with one queue pair per worker, each worker's state on its ports' socket, then the link
 * wait, the port summaries and which offloads are on (and why the others are not).
 *
 * Every worker owns queue q of every port. In port-pair mode (`port 0 role client`, `port 1
 * role server`) worker q is thus a client on the client port and a server on the server port:
 * the client's source ports are chosen so that replies come back to queue q (RSS steering in
 * lib/engine/clientgen.c), and the server answers on the queue the SYN came in on, so a
 * connection never changes lcore on either side and both sides scale with the workers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sf_app.h"

#define SF_MBUFS_PER_QUEUE 4096
#define SF_MBUF_CACHE 256

/* Memory of a port goes on its socket; a virtual device has none (SOCKET_ID_ANY). */
static int port_socket(const struct sf_port *p, int fallback)
{
	int s = rte_eth_dev_socket_id(p->port_id);

	return s < 0 ? fallback : s;
}

/* One pool per socket that holds ports: rx descriptors are refilled from the port's own
 * socket. The main lcore's socket holds the first, which sf_app.mp names. */
static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];

static struct rte_mempool *pool_for_socket(int socket, unsigned int nb_mbufs)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		socket = (int)rte_socket_id();
	if (pools[socket] != NULL)
		return pools[socket];
	snprintf(name, sizeof(name), socket == (int)rte_socket_id() ? "sf_mbufs" : "sf_mbufs_s%d", socket);
	pools[socket] = rte_pktmbuf_pool_create(name, nb_mbufs, SF_MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pools[socket] == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool (%u mbufs) on socket %d: %s\n", nb_mbufs, socket,
			 rte_strerror(rte_errno));
	return pools[socket];
}

#define SF_LINK_POLL_US 100000

/* Link state, every 100 ms, off the workers: a down and up during a run are counted and told. */
static void *link_watch(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&sf_run.quit, __ATOMIC_ACQUIRE)) {
		for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
			struct sf_port *p = &sf_app.ports[i];
			int change = sf_port_link_poll(p);

			if (change > 0)
				printf("port %u: link up, %u Mbps\n", p->port_id, p->link.speed_mbps);
			else if (change < 0)
				printf("port %u: link down\n", p->port_id);
		}
		usleep(SF_LINK_POLL_US);
	}
	return NULL;
}

/*
 * EAL gives control threads the CPUs no lcore of this process uses. Two synfins on two cores
 * (the client against the server) thus ran each other's commands on each other's worker core:
 * `start` touching the connection tables on the server's core took hundreds of milliseconds
 * from its polling, and its clients opened 16 % fewer connections than asked. synfin's own
 * control threads stay home, on the main lcore's CPU, instead.
 */
void sf_app_ctrl_thread_home(pthread_t tid)
{
	rte_cpuset_t cpus = rte_lcore_cpuset(rte_get_main_lcore());

	pthread_setaffinity_np(tid, sizeof(cpus), &cpus);
}

void sf_app_setup_ports_and_workers(void)
{
	unsigned int lcore, nb_lcores = rte_lcore_count();
	int main_socket = (int)rte_socket_id();
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

	/* Size each socket's pool for every port there: one pool per socket is simplest. */
	unsigned int per_port = SF_MBUFS_PER_QUEUE * sf_app.nb_workers;
	unsigned int on_socket[RTE_MAX_NUMA_NODES] = {0};

	RTE_ETH_FOREACH_DEV(port_id) {
		int s = rte_eth_dev_socket_id(port_id);

		on_socket[s < 0 || s >= RTE_MAX_NUMA_NODES ? main_socket : s] += per_port;
	}
	sf_app.mp = pool_for_socket(main_socket, on_socket[main_socket] ? on_socket[main_socket] : per_port);

	RTE_ETH_FOREACH_DEV(port_id) {
		struct sf_port *p = &sf_app.ports[sf_app.nb_ports];
		int s = rte_eth_dev_socket_id(port_id);

		s = s < 0 || s >= RTE_MAX_NUMA_NODES ? main_socket : s;
		if (sf_port_init(p, port_id, (uint16_t)sf_app.nb_workers, pool_for_socket(s, on_socket[s])) != 0)
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
		int ls = (int)rte_lcore_to_socket_id(lcore);
		/* The lcore's state (its connection table's home) sits with the ports it polls. */
		int home = port_socket(ports[0], ls);

		for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
			int ps = rte_eth_dev_socket_id(ports[i]->port_id);

			if (ps >= 0 && ps != ls)
				printf("warning: lcore %u (socket %d) polls port %u on socket %d: every frame crosses "
				       "the interconnect; give each port lcores of its own socket (-l, --lcores)\n",
				       lcore, ls, ports[i]->port_id, ps);
		}
		struct sf_lcore *lc = rte_zmalloc_socket("sf_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, home);

		if (lc == NULL)
			rte_exit(EXIT_FAILURE, "cannot allocate lcore %u state\n", lcore);
		sf_lcore_init(lc, lcore, (uint16_t)w, ports, sf_app.nb_ports, pool_for_socket(home, per_port));
		sf_app.workers[w++] = lc;
	}
	for (uint16_t i = 0; i < sf_app.nb_ports; i++) {
		/* A NIC takes a moment; memif waits for its peer; a tap moved away reads down. */
		if (!sf_port_wait_link(&sf_app.ports[i], 1000))
			printf("port %u: link still down after 1 s, going on\n", sf_app.ports[i].port_id);
		sf_port_link_poll(&sf_app.ports[i]);
		sf_port_print_info(&sf_app.ports[i], stdout);
		sf_port_print_offloads(&sf_app.ports[i], stdout);
	}
	/* It ends by itself once sf_run.quit is set, well before the ports close (main.c waits
	 * for the workers and 200 ms more first). */
	pthread_t tid;

	if (rte_ctrl_thread_create(&tid, "sf-link", NULL, link_watch, NULL) == 0) {
		sf_app_ctrl_thread_home(tid);
		pthread_detach(tid);
	} else
		printf("no link watcher thread: link changes are not counted\n");
}

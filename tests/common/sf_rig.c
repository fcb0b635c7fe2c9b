/* SPDX-License-Identifier: BSD-3-Clause */
#include "sf_rig.h"

#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#define SF_RIG_BURST 32

int sf_rig_eal_init(const char *prog)
{
	/* rte_eal_init keeps pointers into argv: static storage. */
	static char *eal_argv[] = {NULL, "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry",
				   "--log-level=lib.eal:error", "--lcores", "0", NULL};

	eal_argv[0] = (char *)(uintptr_t)prog;
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

void sf_rig_ip4(uint8_t *a, uint32_t host)
{
	a[0] = (uint8_t)(host >> 24);
	a[1] = (uint8_t)(host >> 16);
	a[2] = (uint8_t)(host >> 8);
	a[3] = (uint8_t)host;
}

void sf_rig_client_cfg(struct sf_client_cfg *c, uint32_t src_first, uint32_t nb_src, uint32_t dst, uint16_t dport)
{
	c->enabled = true;
	c->family = SF_AF_INET;
	sf_rig_ip4(c->src_first, src_first);
	c->src_count = nb_src;
	sf_rig_ip4(c->dst[0].addr, dst);
	c->dst[0].port = dport;
	c->nb_dst = 1;
	c->dport_lo = c->dport_hi = dport;
	c->sport_lo = 1024;
	c->sport_hi = 65535;
}

int sf_rig_port_create(struct sf_rig_port *rp, const char *name, struct rte_mempool *mp, uint32_t ip4,
		       uint32_t count, unsigned int ring_size)
{
	char rname[RTE_RING_NAMESIZE];
	struct sf_port_addr a;
	int pid;

	memset(rp, 0, sizeof(*rp));
	if (ring_size == 0)
		ring_size = SF_RIG_RING_SIZE;
	snprintf(rname, sizeof(rname), "%s_rx", name);
	rp->rx = rte_ring_create(rname, ring_size, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rname, sizeof(rname), "%s_tx", name);
	rp->tx = rte_ring_create(rname, ring_size, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	rp->port = rte_zmalloc(name, sizeof(*rp->port), RTE_CACHE_LINE_SIZE);
	if (rp->rx == NULL || rp->tx == NULL || rp->port == NULL) {
		fprintf(stderr, "%s: out of memory\n", name);
		return -1;
	}
	pid = rte_eth_from_rings(name, &rp->rx, 1, &rp->tx, 1, (unsigned int)rte_socket_id());
	if (pid < 0 || sf_port_init(rp->port, (uint16_t)pid, 1, mp) != 0) {
		fprintf(stderr, "%s: ring port set-up failed\n", name);
		return -1;
	}
	rp->port_id = (uint16_t)pid;
	memset(&a, 0, sizeof(a));
	a.family = SF_AF_INET;
	a.prefix_len = 24;
	a.count = count;
	sf_rig_ip4(a.addr, ip4);
	if (sf_port_add_addr(rp->port, &a) != 0) {
		fprintf(stderr, "%s: address not added\n", name);
		return -1;
	}
	return 0;
}

unsigned int sf_rig_wire(struct rte_ring *from, struct rte_ring *to)
{
	struct rte_mbuf *m[SF_RIG_BURST];
	unsigned int n = rte_ring_dequeue_burst(from, (void **)m, SF_RIG_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		if (rte_pktmbuf_linearize(m[i]) != 0 || rte_ring_enqueue(to, m[i]) != 0)
			rte_pktmbuf_free(m[i]);
	}
	return n;
}

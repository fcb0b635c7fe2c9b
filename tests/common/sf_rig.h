/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_RIG_H
#define SF_RIG_H

/**
 * @file
 * In-process rig for drivers that run synfin lcores without a NIC, a PMD thread or a second
 * process: one EAL without hugepages or PCI, and ports backed by two rte_rings each
 * (rte_eth_from_rings). The test enqueues frames on a port's rx ring and finds what the lcore
 * sent on its tx ring. Used by the CPS harness's callgrind driver (tests/perf/cps/inproc.c) and
 * the receive-path fuzz target (tests/fuzz/fuzz_rx.c).
 */

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "sf_client.h"
#include "sf_port.h"

/**
 * Start the EAL for one thread on lcore 0: no hugepages (-m 256), no PCI, no shared config,
 * no telemetry, EAL logs at error level only. Several such processes may run at once.
 * @return 0, or -1 with a message printed.
 */
int sf_rig_eal_init(const char *prog);

/** A ring-backed port and the rings the test drives it through. */
struct sf_rig_port {
	struct rte_ring *rx; /**< what the test enqueues here, the port receives */
	struct rte_ring *tx; /**< what the port sends lands here */
	struct sf_port *port;
	uint16_t port_id;
};

/** Frames each rig ring holds unless told otherwise. */
#define SF_RIG_RING_SIZE 4096

/**
 * Create port @p name (also the prefix of its rings' names) with one queue fed from @p mp and
 * give it the IPv4 addresses @p ip4 (host order) .. @p ip4 + @p count - 1 in a /24. Its rings
 * hold @p ring_size frames (a power of two; 0: SF_RIG_RING_SIZE): a small tx ring makes the
 * lcore's tx bursts find it full.
 * @return 0, or -1 with a message printed.
 */
int sf_rig_port_create(struct sf_rig_port *rp, const char *name, struct rte_mempool *mp, uint32_t ip4,
		       uint32_t count, unsigned int ring_size);

/**
 * The wire between two rig ports: move what is queued on @p from to @p to, each frame flattened
 * into one segment as memif's copy would (synfin sends a payload longer than
 * SF_PAYLOAD_COPY_MAX by reference in a second segment, and its rx path takes single-segment
 * frames). Frames that cannot be moved
 * are freed. @return the frames moved.
 */
unsigned int sf_rig_wire(struct rte_ring *from, struct rte_ring *to);

/** Store IPv4 address @p host (host order) as its 4 bytes on the wire at @p a. */
void sf_rig_ip4(uint8_t *a, uint32_t host);

/** A client of @p nb_src IPv4 sources from @p src_first to one server @p dst:@p dport, from
 * every source port above 1023; the caller sets the rate, concurrency and requests. */
void sf_rig_client_cfg(struct sf_client_cfg *c, uint32_t src_first, uint32_t nb_src, uint32_t dst, uint16_t dport);

#endif /* SF_RIG_H */

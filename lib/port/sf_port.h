/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_PORT_H
#define SF_PORT_H

/**
 * @file
 * lib/port: ethdev set-up with one rx/tx queue pair per worker lcore, RSS (symmetric key, the
 * redirection table spread over the queues) when there is more than one queue and the driver
 * steers, offloads when the port offers them, link state; and the port's own address book: its
 * addresses, role (port-pair mode), gateways and neighbours.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "sf_net.h"

#define SF_PORT_MAX 8
#define SF_PORT_MAX_ADDRS 16
#define SF_PORT_MAX_NEIGH 64
/** Largest RSS redirection table handled (E810 has 2048 entries, most NICs 128 or 512). */
#define SF_PORT_RETA_MAX 2048

/** What a port carries: the client generator opens connections on client ports, listeners
 * answer on server ports. A port-pair run has one of each, the device under test between. */
#define SF_PORT_ROLE_CLIENT 0x1
#define SF_PORT_ROLE_SERVER 0x2
#define SF_PORT_ROLE_BOTH (SF_PORT_ROLE_CLIENT | SF_PORT_ROLE_SERVER)

/** An address of a port, IPv4 (first 4 bytes of addr) or IPv6, or a range of consecutive ones
 * (a client's sources): @c count addresses from @c addr, counting in the last four bytes. */
struct sf_port_addr {
	uint8_t addr[16];
	uint8_t family;     /**< SF_AF_INET or SF_AF_INET6 */
	uint8_t prefix_len;
	uint32_t count;     /**< addresses in the range; 0 and 1 both mean one */
};

/** The last four bytes of an address as a number (where ranges count). */
static inline uint32_t sf_addr_tail(uint8_t family, const uint8_t *a)
{
	const uint8_t *t = family == SF_AF_INET ? a : a + 12;

	return (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
}

/** What the port offloads; the data path picks hardware or software per flag. */
struct sf_port_offloads {
	bool rx_ip4_csum, rx_l4_csum; /**< rx flags tell whether checksums were verified */
	bool tx_ip4_csum, tx_tcp_csum;
	bool rss;                     /**< RSS configured (more than one queue and supported) */
	bool rss_hash;                /**< the RSS hash is delivered in mbuf->hash.rss */
	bool fast_free;               /**< MBUF_FAST_FREE on tx (never: see sf_port_init) */
	uint16_t reta_size;           /**< redirection table entries programmed; 0: none */
};

/**
 * A neighbour the port needs the MAC of (a client's server or gateway). The main lcore adds the
 * address; whichever worker receives the ARP or ND answer publishes the MAC with one 64-bit
 * store, so readers never see half an address.
 */
struct sf_port_neigh {
	uint8_t addr[16];
	uint8_t family;
	uint64_t mac; /**< 0: not resolved yet; else SF_NEIGH_VALID | the 6 bytes (sf_port_neigh_mac) */
};
#define SF_NEIGH_VALID (UINT64_C(1) << 63)
#define SF_NEIGH_STATIC (UINT64_C(1) << 62) /**< set by configuration: ARP and ND never change it */

/** A port's default gateway for one family: destinations off-link are reached through it. */
struct sf_port_gw {
	uint8_t addr[16];
	bool set;
};

/** The link as sf_port_link_poll() last read it, and the changes it saw. */
struct sf_port_link {
	bool known;       /**< read at least once */
	bool up;
	uint32_t speed_mbps;
	bool full_duplex;
	uint64_t changes; /**< up/down transitions seen since start */
	uint64_t downs;   /**< of which down */
};

struct sf_port {
	uint16_t port_id;
	uint16_t nb_queues;
	uint16_t nb_rxd, nb_txd;
	struct rte_ether_addr mac;
	struct sf_port_offloads ol;
	char name[64];         /**< ethdev name, e.g. net_tap0 */
	char driver[32];
	int socket;            /**< NUMA socket of the device; SOCKET_ID_ANY (-1) for a virtual one */
	uint8_t role;          /**< SF_PORT_ROLE_*, both by default */
	struct sf_port_gw gw[2]; /**< [0] IPv4, [1] IPv6 */
	/* Published with a release store of nb_addrs so workers may read while the CLI adds. */
	struct sf_port_addr addrs[SF_PORT_MAX_ADDRS];
	uint32_t nb_addrs;
	struct sf_port_neigh neigh[SF_PORT_MAX_NEIGH];
	uint32_t nb_neigh; /**< published like nb_addrs */
	struct sf_port_link link; /**< written by the link poller only */
	const char *rss_why_off;  /**< why RSS is off although the driver hashes, or NULL */
	/** The key the NIC hashes with (its first SF_RSS_KEY_LEN bytes): sf_rss_sym_key, unless the
	 * driver refused it and kept its own. A client steers its replies by this key. */
	uint8_t rss_key[SF_RSS_KEY_LEN];
	bool rss_key_sym;         /**< rss_key is the symmetric key: a flow's two directions hash alike */
	/** A port without RSS whose peer steers by Toeplitz (sf_rss_sym_key) over this table:
	 * frames of a flow arrive on queue peer_reta[hash % size] (a software NIC model). */
	uint16_t peer_reta[SF_PORT_RETA_MAX];
	uint16_t peer_reta_size;
};

/**
 * Configure and start @p port_id with @p nb_queues rx/tx queue pairs fed from @p mp.
 * Enables RSS (symmetric key) when nb_queues > 1 and checksum offloads when offered.
 * @return 0, or a negative errno with a message printed.
 */
int sf_port_init(struct sf_port *p, uint16_t port_id, uint16_t nb_queues, struct rte_mempool *mp);

/**
 * Spread the port's RSS redirection table round robin over its first @p nb_queues queues and
 * read it back into @p p->ol.reta_size. No-op (returns 0) on a port without RSS.
 * @return 0 or a negative errno.
 */
int sf_port_reta_spread(struct sf_port *p, uint16_t nb_queues);

/**
 * Read the redirection table into @p reta (one queue per entry, at most @p max entries): the
 * NIC's with RSS on, else the peer's (sf_port_set_peer_reta()).
 * @return its size, or 0 when the port has none (no RSS, or larger than @p max).
 */
unsigned int sf_port_reta_get(const struct sf_port *p, uint16_t *reta, unsigned int max);

/**
 * Tell a port without RSS that its peer steers frames to queues by Toeplitz over the symmetric
 * key and @p reta (@p size a power of two, entries below nb_queues), as a NIC would: the client
 * then picks source ports whose replies reach its own queue. @return 0 or -EINVAL.
 */
int sf_port_set_peer_reta(struct sf_port *p, const uint16_t *reta, unsigned int size);

/** Wait up to @p timeout_ms for link up; returns true when up (tap in another netns reads down). */
bool sf_port_wait_link(const struct sf_port *p, unsigned int timeout_ms);

/** Stop and close the port. Call only once no lcore polls it any more. */
void sf_port_close(struct sf_port *p);

/** Add an address (or range); returns 0, -EEXIST (the same one is there) or -ENOSPC. */
int sf_port_add_addr(struct sf_port *p, const struct sf_port_addr *a);

/** "client", "server" or "both" for a role (SF_PORT_ROLE_*), "none" otherwise. */
const char *sf_port_role_name(uint8_t role);
/** The role named @p s ("client", "server" or "both"), or 0 when @p s names none. */
uint8_t sf_port_role_parse(const char *s);

/**
 * Set the gateway of @p family to @p addr (main lcore, while stopped). With @p mac (6 bytes)
 * the gateway's MAC is static; without, the client resolves it by ARP or ND.
 * @return the neighbour index of the gateway, or -ENOSPC.
 */
int sf_port_set_gateway(struct sf_port *p, uint8_t family, const uint8_t *addr, const uint8_t *mac);

/**
 * The neighbour that frames to @p dst go to: @p dst itself when one of the port's prefixes
 * holds it or no gateway is set (the peer answers ARP for it, e.g. a proxy), else the gateway.
 */
const uint8_t *sf_port_next_hop(const struct sf_port *p, uint8_t family, const uint8_t *dst);

/** Is @p addr (4 or 16 bytes by family) one of the port's addresses? Hot path: a short scan. */
static inline bool sf_port_has_addr(const struct sf_port *p, uint8_t family, const uint8_t *addr)
{
	uint32_t n = __atomic_load_n(&p->nb_addrs, __ATOMIC_ACQUIRE);
	uint32_t tail = sf_addr_tail(family, addr);

	for (uint32_t i = 0; i < n; i++) {
		const struct sf_port_addr *a = &p->addrs[i];

		if (a->family == family && (family == SF_AF_INET || __builtin_memcmp(a->addr, addr, 12) == 0) &&
		    tail - sf_addr_tail(family, a->addr) < (a->count > 1 ? a->count : 1u))
			return true;
	}
	return false;
}

/**
 * Ask for the MAC of @p addr (main lcore, before `start`). @return its index, or -ENOSPC.
 * Asking again for the same address returns the same index.
 */
int sf_port_neigh_want(struct sf_port *p, uint8_t family, const uint8_t *addr);

/** Give neighbour @p idx a static MAC (6 bytes) that ARP and ND do not override. */
void sf_port_neigh_set_static(struct sf_port *p, uint32_t idx, const uint8_t *mac);

/** A worker heard @p mac for @p addr (ARP, NS, NA): publish it if the address is wanted. */
void sf_port_neigh_learn(struct sf_port *p, uint8_t family, const uint8_t *addr, const uint8_t *mac);

/** The MAC of neighbour @p idx into @p mac; false while unresolved. */
static inline bool sf_port_neigh_mac(const struct sf_port *p, uint32_t idx, uint8_t *mac)
{
	uint64_t v = __atomic_load_n(&p->neigh[idx].mac, __ATOMIC_ACQUIRE);

	if (!(v & SF_NEIGH_VALID))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (8 * i));
	return true;
}

/** Does any address of the port share @p addr's prefix (is it on-link)? Pick the source for it. */
const struct sf_port_addr *sf_port_addr_for(const struct sf_port *p, uint8_t family, const uint8_t *addr);

/** testpmd-like summary: driver, socket, role, MAC, link speed and duplex, queues, RSS,
 * offloads, addresses, gateways and neighbours. */
void sf_port_print_info(const struct sf_port *p, FILE *f);

/** Every extended statistic of the port with a non-zero value (all with @p all). @return 0 or -errno. */
int sf_port_print_xstats(const struct sf_port *p, bool all, FILE *f);

/** One line per offload: on, or off and why (start-up log and `show port info`). */
void sf_port_print_offloads(const struct sf_port *p, FILE *f);

/**
 * Read the link now (a control thread: drivers may sleep in it) and count a change from the
 * last read. Polling rather than link interrupts: every driver answers a poll, while LSC
 * interrupts are optional and a tap's reach only its own namespace. A flap shorter than the
 * polling period goes unseen. @return 1 the link came up, -1 it went down, 0 no change.
 */
int sf_port_link_poll(struct sf_port *p);

/** Print an address as text into @p buf (INET6_ADDRSTRLEN + 4 bytes is enough with the prefix). */
void sf_port_addr_format(const struct sf_port_addr *a, char *buf, size_t len);

#endif /* SF_PORT_H */

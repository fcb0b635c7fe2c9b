/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TEST_FRAMES_H
#define SF_TEST_FRAMES_H

/*
 * Frame builders for lib/net's tests. A frame is built layer by layer (fr_eth, fr_ip4/fr_ip6,
 * fr_put for the L4 bytes) and closed with fr_finish, which writes the IP lengths and every
 * checksum with a byte-by-byte reference sum that shares no code with lib/net. Tests then
 * mutate one field and call fr_fix to re-sum, so a frame differs from a valid one in exactly
 * the way the test means. Frames travel from the peer to us.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sf_net.h"

#define FRAME_ROOM 512

struct frame {
	uint8_t b[FRAME_ROOM];
	uint32_t len;    /**< frame length, padding included */
	uint32_t l3;     /**< IP/ARP header offset */
	uint32_t l4;     /**< L4 header offset */
	uint32_t l3_end; /**< end of the IP datagram */
	uint8_t ipv;     /**< 4, 6, or 0 for ARP and others */
	uint8_t proto;   /**< L4 protocol (IPv4 protocol / IPv6 next header) */
};

/* Addresses: the peer sends, we (synfin) receive. */
extern const struct sf_mac MAC_US, MAC_PEER;
extern const uint8_t IP4_US[4], IP4_PEER[4];
extern const uint8_t IP6_US[16], IP6_PEER[16], IP6_US_SNMC[16], IP6_ALL_NODES[16];
#define PORT_US   80
#define PORT_PEER 40000
#define VLAN_TCI  0x2064 /* priority 1, VLAN 100 */

/* Byte-at-a-time RFC 1071 sum in big-endian words: the independent reference. */
uint32_t ref_sum(const uint8_t *p, uint32_t n, uint32_t sum);
uint16_t ref_fold(uint32_t sum);
/* True when @n bytes at @p, their checksum included, plus @init sum to 0xffff. */
bool ref_csum_ok(const uint8_t *p, uint32_t n, uint32_t init);
/* Reference pseudo-header sums (host-order big-endian words). */
uint32_t ref_pseudo4(const uint8_t *ip, uint32_t l4_len, uint8_t proto);
uint32_t ref_pseudo6(const uint8_t *ip, uint32_t l4_len, uint8_t proto);

uint16_t get16(const uint8_t *p); /* big-endian load */
uint32_t get32(const uint8_t *p);
void put16(uint8_t *p, uint16_t v); /* big-endian store */
void put32(uint8_t *p, uint32_t v);

/* Layers. */
void fr_eth(struct frame *f, uint16_t ethertype, bool vlan);
void fr_ip4(struct frame *f, uint8_t proto);
void fr_ip6(struct frame *f, uint8_t next_header);
void fr_put(struct frame *f, const void *data, uint32_t n);
void fr_put_zero(struct frame *f, uint32_t n);
/* Write IP lengths from the bytes put so far, then all checksums. */
void fr_finish(struct frame *f);
/* Re-sum the IPv4 header and L4 checksums without touching lengths (after a mutation). */
void fr_fix(struct frame *f);
/* Append @n bytes of Ethernet padding (value @byte) after the datagram. */
void fr_pad(struct frame *f, uint32_t n, uint8_t byte);

/* Whole frames. */
struct tcp_spec {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opts; /**< option bytes, a multiple of 4 long */
	uint8_t opts_len;
	uint16_t payload_len; /**< payload bytes 0, 1, 2, ... */
};
#define TCP_SPEC(...)                                                                              \
	((struct tcp_spec){ .sport = PORT_PEER, .dport = PORT_US, .seq = 0xfffffff0u, .ack = 0,     \
			    .flags = SF_TCP_SYN, .wnd = 64240, __VA_ARGS__ })

void build_arp(struct frame *f, uint16_t op, bool vlan);
void build_icmp4_echo(struct frame *f, uint32_t data_len, bool vlan);
void build_icmp6_echo(struct frame *f, uint32_t data_len, bool vlan);
/* NS for IP6_US from IP6_PEER (or from :: to the solicited-node address when @dad). */
void build_ns(struct frame *f, bool slla, bool dad, bool vlan);
/* Unsolicited-style NA for IP6_PEER, sent to IP6_US with @flags and a TLLA option. */
void build_na(struct frame *f, uint8_t flags);
void build_tcp(struct frame *f, bool v6, bool vlan, const struct tcp_spec *s);

/* Linux's SYN options: MSS 1460, SACK-permitted, timestamps, NOP, window scale 7 (20 bytes). */
extern const uint8_t LINUX_SYN_OPTS[20];

/* One of each valid kind, for loops over "every valid frame". */
struct valid_frame {
	const char *name;
	void (*build)(struct frame *f);
};
extern const struct valid_frame VALID_FRAMES[];
extern const unsigned int VALID_FRAMES_N;

/* Deterministic xorshift64* so a failure replays; tests print their seed. */
uint64_t rng_next(uint64_t *s);

#endif /* SF_TEST_FRAMES_H */

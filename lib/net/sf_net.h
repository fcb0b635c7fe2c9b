/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_NET_H
#define SF_NET_H

/**
 * @file
 * lib/net: header layouts, validation, in-place replies, TCP segment writing and checksums.
 *
 * Everything here works on plain byte buffers (a frame and its length), keeps no
 * state and needs no EAL, so it is unit-tested and fuzzed without DPDK running.
 * Multi-byte header fields are in network order unless a name says otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Why a frame was dropped. Every reject path of sf_net_classify() has its own reason. */
#define SF_DROP_REASONS(X)                                                             \
	X(NONE, "none")                                                                \
	X(ETH_SHORT, "eth_short")         /* shorter than an Ethernet header */        \
	X(VLAN_SHORT, "vlan_short")       /* 802.1Q tag cut off */                     \
	X(VLAN_STACKED, "vlan_stacked")   /* a second tag (QinQ) */                    \
	X(ETHERTYPE, "ethertype")         /* neither ARP, IPv4 nor IPv6 */             \
	X(ARP_SHORT, "arp_short")                                                      \
	X(ARP_FORMAT, "arp_format")       /* not Ethernet/IPv4 (htype, ptype, hlen, plen) */ \
	X(ARP_OP, "arp_op")               /* neither request nor reply */              \
	X(IP4_SHORT, "ip4_short")                                                      \
	X(IP4_VERSION, "ip4_version")                                                  \
	X(IP4_IHL, "ip4_ihl")             /* IHL < 5: shorter than the fixed header */ \
	X(IP4_TOTLEN, "ip4_totlen")       /* total length past the frame or < IHL */   \
	X(IP4_CSUM, "ip4_csum")                                                        \
	X(IP4_FRAGMENT, "ip4_fragment")   /* MF set or offset != 0: no reassembly */   \
	X(IP4_OPTIONS, "ip4_options")     /* IHL > 5: options are not answered */      \
	X(IP4_PROTO, "ip4_proto")         /* neither TCP nor ICMP */                   \
	X(IP6_SHORT, "ip6_short")                                                      \
	X(IP6_VERSION, "ip6_version")                                                  \
	X(IP6_PAYLEN, "ip6_paylen")       /* payload length past the frame */          \
	X(IP6_EXTHDR, "ip6_exthdr")       /* extension header: counted, not walked */  \
	X(IP6_PROTO, "ip6_proto")         /* neither TCP nor ICMPv6 */                 \
	X(ICMP_SHORT, "icmp_short")                                                    \
	X(ICMP_CSUM, "icmp_csum")                                                      \
	X(ICMP_TYPE, "icmp_type")         /* not an echo request */                    \
	X(ICMP6_SHORT, "icmp6_short")                                                  \
	X(ICMP6_CSUM, "icmp6_csum")                                                    \
	X(ICMP6_TYPE, "icmp6_type")       /* not echo request, NS or NA */             \
	X(ND_FORMAT, "nd_format")         /* hop limit != 255, code != 0, bad option */ \
	X(TCP_SHORT, "tcp_short")                                                      \
	X(TCP_DOFF, "tcp_doff")           /* data offset < 5 or past the segment */    \
	X(TCP_CSUM, "tcp_csum")                                                        \
	X(TCP_OPT_LEN, "tcp_opt_len")     /* option length 0, 1, past the header, or wrong for its kind */ \
	X(TCP_PORT, "tcp_port")           /* port 0 */

enum sf_drop_reason {
#define SF_DROP_ENUM(name, str) SF_DROP_##name,
	SF_DROP_REASONS(SF_DROP_ENUM)
#undef SF_DROP_ENUM
	SF_DROP__COUNT
};

/** Short lowercase name of a drop reason, for stats and logs. */
const char *sf_drop_reason_name(enum sf_drop_reason r);

/** What a frame is, once classified. */
enum sf_pkt_kind {
	SF_PKT_ARP = 1,
	SF_PKT_ICMP4_ECHO,  /* echo request */
	SF_PKT_ICMP6_ECHO,  /* echo request */
	SF_PKT_ND_NS,       /* neighbour solicitation */
	SF_PKT_ND_NA,       /* neighbour advertisement */
	SF_PKT_TCP4,
	SF_PKT_TCP6,
};

/** TCP option bits in sf_tcp_opts.present. */
#define SF_OPT_MSS       0x01
#define SF_OPT_WSCALE    0x02
#define SF_OPT_SACK_PERM 0x04
#define SF_OPT_SACK      0x08
#define SF_OPT_TS        0x10

#define SF_SACK_MAX_BLOCKS 4

/** TCP options parsed from a segment (RFC 9293 3.1, RFC 7323, RFC 2018), host order. */
struct sf_tcp_opts {
	uint8_t present;     /**< SF_OPT_* bits */
	uint8_t wscale;      /**< shift count as received (clamping to 14 is the TCP layer's job) */
	uint8_t sack_blocks; /**< number of valid entries in sack[] */
	uint8_t unknown;     /**< options of unknown kind, skipped */
	uint16_t mss;
	uint32_t ts_val, ts_ecr;
	uint32_t sack[SF_SACK_MAX_BLOCKS][2]; /**< left, right edges */
};

/** TCP flag bits (the header's flags byte). */
#define SF_TCP_FIN 0x01
#define SF_TCP_SYN 0x02
#define SF_TCP_RST 0x04
#define SF_TCP_PSH 0x08
#define SF_TCP_ACK 0x10
#define SF_TCP_URG 0x20
#define SF_TCP_ECE 0x40
#define SF_TCP_CWR 0x80

/** A TCP segment as the state machine sees it: host-order fields, options parsed. */
struct sf_tcp_seg {
	uint32_t seq, ack;
	uint16_t wnd;          /**< raw window field, unscaled */
	uint8_t flags;         /**< SF_TCP_* */
	uint16_t payload_len;
	const uint8_t *payload;
	struct sf_tcp_opts opts;
};

/** Address family of a flow key. */
#define SF_AF_INET  4
#define SF_AF_INET6 6

/**
 * A connection's 4-tuple seen from synfin: local = our address and port.
 * IPv4 addresses use the first 4 bytes of laddr/raddr; the rest is zero, so keys
 * compare and hash with plain memcmp/CRC over the whole struct.
 */
struct sf_flow_key {
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport, rport; /**< network order */
	uint8_t family;        /**< SF_AF_INET or SF_AF_INET6 */
	uint8_t pad[3];
};

/** Where the layers of a classified frame start, and what it is. Offsets from the frame start. */
struct sf_pkt {
	uint8_t kind;          /**< enum sf_pkt_kind */
	uint8_t has_vlan;
	uint16_t vlan_tci;     /**< host order, valid when has_vlan */
	uint16_t l3_off;       /**< IPv4/IPv6/ARP header */
	uint16_t l4_off;       /**< TCP/ICMP/ICMPv6 header */
	uint16_t l4_len;       /**< TCP: header length with options; ICMP: whole message */
	uint16_t payload_off;  /**< TCP payload; ICMP/ICMPv6: past the 8-byte echo or 24-byte ND header */
	uint16_t l3_end;       /**< end of the IP datagram (frames may carry Ethernet padding) */
};

/** Checksum verification policy for sf_net_classify(). */
struct sf_rx_csum {
	bool ip4_ok;   /**< hardware already verified the IPv4 header checksum as good */
	bool l4_ok;    /**< hardware already verified the TCP checksum as good (ICMP is always
			    verified in software: NICs do not check it) */
};

/**
 * Validate and classify one frame: Ethernet (one optional 802.1Q tag), then ARP, IPv4 or IPv6,
 * then ICMP, ICMPv6 (echo, NS, NA) or TCP. Checksums are verified in software unless @p hw says
 * the port already did (@p hw may be NULL: verify everything). TCP frames also get their segment
 * parsed into @p seg and their key into @p key (local = destination of the frame); either may be
 * NULL, and neither is written for other kinds. Bytes after the IP datagram (Ethernet padding)
 * are ignored, as is anything past 65535 bytes. Checks run from the outer header inwards and the
 * first failure is returned, so a frame has exactly one reason.
 * @return SF_DROP_NONE and @p pkt filled, or the reason the frame must be dropped (@p pkt, and
 * @p seg and @p key if the frame claimed to be IPv4 TCP, then hold what was parsed so far and
 * must not be used).
 */
enum sf_drop_reason sf_net_classify(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
				    struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key);

/**
 * sf_net_classify() in its two halves, for a caller that wants the common case without a call
 * that must keep every argument alive for a fallback (the engine's burst loop: its fast path
 * then needs no callee-saved register). sf_net_classify_fast() recognises the usual shape
 * (untagged IPv4, no IP options, TCP with a predicted option list, checksums good) and returns
 * true having filled @p pkt, @p seg and @p key exactly as sf_net_classify() would, or false having
 * decided nothing (what it wrote is garbage): the frame may still be valid, and
 * sf_net_classify_full(), the whole parser with sf_net_classify()'s contract, tells. @p seg and
 * @p key must not be NULL for the fast half.
 */
bool sf_net_classify_fast(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
			  struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key);
enum sf_drop_reason sf_net_classify_full(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
					 struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key);

/**
 * Parse TCP options from @p opt (length @p len, the header past its 20 fixed bytes).
 * EOL ends the list, NOP is skipped, unknown kinds are skipped and counted; a length of 0 or 1,
 * one that runs past the header (or a kind byte with no room for its length), or a wrong length
 * for a known kind rejects the segment. @p out is cleared first; a repeated option overwrites
 * the earlier one.
 * @return SF_DROP_NONE or SF_DROP_TCP_OPT_LEN.
 */
enum sf_drop_reason sf_tcp_opts_parse(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out);

/* ---- header layouts: sizes, type codes and field offsets (bytes from each header's start) ---- */

#define SF_ETH_HLEN       14  /**< destination, source, EtherType */
#define SF_VLAN_HLEN      4   /**< one 802.1Q tag: TPID is the outer EtherType, then TCI and inner type */
#define SF_ARP_LEN        28  /**< Ethernet/IPv4 ARP body */
#define SF_IP4_HLEN       20  /**< IPv4 header without options */
#define SF_IP6_HLEN       40
#define SF_TCP_HLEN       20  /**< TCP header without options */
#define SF_TCP_OPT_MAX    40  /**< data offset 15 words minus the fixed header */
#define SF_ICMP_ECHO_HLEN 8   /**< type, code, checksum, identifier, sequence (ICMP and ICMPv6) */
#define SF_ND_HLEN        24  /**< NS/NA up to and including the target address */
#define SF_ND_OPT_LLA_LEN 8   /**< source/target link-layer address option for Ethernet */

#define SF_ETHERTYPE_IP4  0x0800
#define SF_ETHERTYPE_ARP  0x0806
#define SF_ETHERTYPE_VLAN 0x8100
#define SF_ETHERTYPE_IP6  0x86dd
#define SF_ETHERTYPE_QINQ 0x88a8 /**< 802.1ad service tag: always a stacked tag to us */

#define SF_IPPROTO_ICMP   1
#define SF_IPPROTO_TCP    6
#define SF_IPPROTO_ICMPV6 58

#define SF_ICMP_ECHO_REPLY    0
#define SF_ICMP_ECHO_REQUEST  8
#define SF_ICMP6_ECHO_REQUEST 128
#define SF_ICMP6_ECHO_REPLY   129
#define SF_ICMP6_ND_NS        135
#define SF_ICMP6_ND_NA        136

/** NA flags, first byte after the checksum (RFC 4861 4.4). */
#define SF_ND_NA_ROUTER    0x80
#define SF_ND_NA_SOLICITED 0x40
#define SF_ND_NA_OVERRIDE  0x20

/** ND option types (RFC 4861 4.6). */
#define SF_ND_OPT_SLLA 1
#define SF_ND_OPT_TLLA 2

#define SF_IP4_OFF_TOTLEN 2
#define SF_IP4_OFF_FRAG   6  /**< flags and fragment offset */
#define SF_IP4_OFF_TTL    8
#define SF_IP4_OFF_PROTO  9
#define SF_IP4_OFF_CSUM   10
#define SF_IP4_OFF_SRC    12
#define SF_IP4_OFF_DST    16

#define SF_IP6_OFF_PLEN   4
#define SF_IP6_OFF_NXT    6
#define SF_IP6_OFF_HLIM   7
#define SF_IP6_OFF_SRC    8
#define SF_IP6_OFF_DST    24

#define SF_TCP_OFF_SPORT  0
#define SF_TCP_OFF_DPORT  2
#define SF_TCP_OFF_SEQ    4
#define SF_TCP_OFF_ACK    8
#define SF_TCP_OFF_DOFF   12 /**< data offset in the high nibble */
#define SF_TCP_OFF_FLAGS  13
#define SF_TCP_OFF_WND    14
#define SF_TCP_OFF_CSUM   16
#define SF_TCP_OFF_URP    18

/** TCP option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define SF_TCPOPT_EOL       0
#define SF_TCPOPT_NOP       1
#define SF_TCPOPT_MSS       2
#define SF_TCPOPT_WSCALE    3
#define SF_TCPOPT_SACK_PERM 4
#define SF_TCPOPT_SACK      5
#define SF_TCPOPT_TS        8

/* ---- checksums (RFC 1071, incremental update RFC 1624) ---- */

/*
 * Byte order: all sums here add 16-bit words loaded in the machine's own order straight from
 * the frame ("memory order"). RFC 1071 2(B): the one's-complement sum is byte-order independent,
 * so a finished checksum is stored with memcpy as is, and the 16/32-bit values passed to the
 * update helpers are raw loads of the fields, never byte-swapped. Only lengths and protocol
 * numbers passed as integers are in host order.
 *
 * Swapping the source and destination addresses (or ports) never changes a sum: one's-complement
 * addition commutes. A reply that swaps them updates its checksums only for fields whose value
 * changes (TTL, type, flags, sequence numbers).
 *
 * Partial sums chain (sf_csum_partial(b, n, sf_csum_partial(a, m, 0))) when every piece but the
 * last has an even length, since each piece's words are counted from its own first byte.
 */

/** 32-bit one's-complement partial sum of @p len bytes added to @p sum (not folded). */
uint32_t sf_csum_partial(const void *buf, uint32_t len, uint32_t sum);
/** Fold a partial sum to 16 bits (not complemented). */
static inline uint16_t sf_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
/** IPv4 header checksum of @p hdr (checksum field taken as zero), ready to store. */
uint16_t sf_csum_ip4_hdr(const void *hdr, uint32_t hdr_len);
/** Partial sum of the IPv4 pseudo-header (RFC 9293 3.1) for an L4 length (host order) and protocol. */
uint32_t sf_csum_ip4_pseudo(const void *ip4_hdr, uint32_t l4_len, uint8_t proto);
/** Partial sum of the IPv6 pseudo-header (RFC 8200 8.1, 32-bit length in host order). */
uint32_t sf_csum_ip6_pseudo(const void *ip6_hdr, uint32_t l4_len, uint8_t proto);
/**
 * Full TCP checksum over the IPv4 pseudo-header and @p l4 (its checksum field taken as zero: the
 * field of TCP, UDP, ICMPv6 is located by @p proto, so callers need not clear it first).
 * The result is ready to store; a zero result is left as zero (valid for TCP, RFC 9293 3.1).
 */
uint16_t sf_csum_l4_ip4(const void *ip4_hdr, const void *l4, uint32_t l4_len, uint8_t proto);
/** The same over the IPv6 pseudo-header: TCP or ICMPv6 (RFC 4443 2.3) behind a fixed header. */
uint16_t sf_csum_l4_ip6(const void *ip6_hdr, const void *l4, uint32_t l4_len, uint8_t proto);
/** RFC 1624 eqn. 3: new checksum after a 16-bit field changed from @p old to @p new_ (raw loads). */
static inline uint16_t sf_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;
	return (uint16_t)~sf_csum_fold(s);
}
/**
 * RFC 1624 eqn. 3 for a 32-bit field (a sequence or acknowledgment number, an IPv4 address):
 * new checksum after the field changed from @p old to @p new_ (raw loads, memory order).
 */
static inline uint16_t sf_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint64_t s = (uint64_t)(uint16_t)~csum + (uint32_t)~old + new_;

	s = (s & 0xffffffffu) + (s >> 32);
	return (uint16_t)~sf_csum_fold((uint32_t)s);
}
/**
 * One's-complement sum of two partial sums, e.g. a header's with a prebuilt body's sum computed
 * once at start (the body must start at an even offset from the summed header).
 */
static inline uint32_t sf_csum_add(uint32_t a, uint32_t b)
{
	uint64_t s = (uint64_t)a + b;

	return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}
/** ICMPv4 checksum of a whole message (RFC 792: no pseudo-header; checksum field taken as zero). */
uint16_t sf_csum_icmp4(const void *icmp, uint32_t len);

/* ---- in-place replies: the received frame becomes the answer ---- */

/** Ethernet address, 6 bytes. */
struct sf_mac {
	uint8_t b[6];
};

/**
 * Turn an ARP request for one of our addresses into the reply, in place (RFC 826): opcode 2,
 * we become the sender (@p our_mac, the requested address), the requester the target, and the
 * Ethernet header goes from @p our_mac to the requester's hardware address. An 802.1Q tag
 * stays as it came. The caller has checked the target address is ours.
 * @return the new frame length (ARP body end: Ethernet padding is left to the NIC).
 */
uint32_t sf_net_arp_reply(uint8_t *frame, const struct sf_pkt *pkt, const struct sf_mac *our_mac);
/**
 * Turn an ICMPv4 echo request (SF_PKT_ICMP4_ECHO) into the echo reply, in place: MACs and
 * addresses swapped, type 0, TTL 64, IPv4 and ICMP checksums updated incrementally (RFC 1624),
 * never re-summed. The caller has checked the destination is one of our unicast addresses.
 * @return the new frame length (end of the IP datagram).
 */
uint32_t sf_net_icmp4_echo_reply(uint8_t *frame, const struct sf_pkt *pkt);
/**
 * Turn an ICMPv6 echo request (SF_PKT_ICMP6_ECHO) into the echo reply, in place: MACs and
 * addresses swapped, type 129, hop limit 64, checksum updated incrementally. The caller has
 * checked the destination is one of our unicast addresses.
 * @return the new frame length (end of the IP datagram).
 */
uint32_t sf_net_icmp6_echo_reply(uint8_t *frame, const struct sf_pkt *pkt);
/**
 * Turn a neighbour solicitation (SF_PKT_ND_NS) for one of our addresses into the advertisement,
 * in place (RFC 4861 7.2.4): source = the target, hop limit 255, O flag, a target link-layer
 * address option with @p our_mac, full checksum. Solicited (S flag) and unicast to the NS source
 * (Ethernet: to the NS's Ethernet source); for DAD (NS from ::) S is clear and the NA goes to
 * all-nodes ff02::1 (33:33:00:00:00:01). The NA is always 32 bytes, so the frame grows when the
 * NS had no option: @p room is how many bytes the buffer holds from @p frame.
 * @return the new frame length, or 0 (frame untouched) when it does not fit.
 */
uint32_t sf_net_nd_na_reply(uint8_t *frame, const struct sf_pkt *pkt, uint32_t room,
			    const struct sf_mac *our_mac);

/** Target protocol address of an ARP frame, as its 4 bytes lie in the frame (network order). */
uint32_t sf_net_arp_target(const uint8_t *frame, const struct sf_pkt *pkt);
/** True when a classified ARP frame is a request (opcode 1), the only kind that is answered. */
bool sf_net_arp_is_request(const uint8_t *frame, const struct sf_pkt *pkt);
/** Target address of a classified NS or NA: 16 bytes inside @p frame. */
const uint8_t *sf_net_ns_target(const uint8_t *frame, const struct sf_pkt *pkt);
/** Destination address of an IPv4 frame, as its 4 bytes lie in the frame (network order). */
uint32_t sf_net_ip4_dst(const uint8_t *frame, const struct sf_pkt *pkt);
/** Destination address of an IPv6 frame: 16 bytes inside @p frame. */
const uint8_t *sf_net_ip6_dst(const uint8_t *frame, const struct sf_pkt *pkt);

/* ---- TCP segments: the reply written over the segment it answers, or a header from scratch ---- */

/**
 * What to write into a TCP header: the fields lib/tcp decides, host order. lib/net's own
 * descriptor, so that lib/net depends on nothing above it.
 */
struct sf_tcp_wr {
	uint32_t seq, ack;
	uint16_t wnd;          /**< window field as sent (already scaled down) */
	uint8_t flags;         /**< SF_TCP_* */
	uint8_t opts;          /**< SF_OPT_MSS|WSCALE|SACK_PERM|TS to write; others are ignored */
	uint16_t mss;          /**< MSS option value (with SF_OPT_MSS) */
	uint8_t wscale;        /**< window scale shift (with SF_OPT_WSCALE) */
	uint32_t ts_val, ts_ecr; /**< timestamps option (with SF_OPT_TS) */
	uint16_t payload_len;  /**< bytes that follow the header, attached by the caller (another mbuf) */
};

/** csum_flags: leave the IPv4 header checksum to the port (written as 0). */
#define SF_NET_TX_CSUM_IP4 0x1
/**
 * csum_flags: leave the TCP checksum to the port. The field gets the folded, not complemented,
 * pseudo-header sum including the TCP length, as rte_ipv4_phdr_cksum()/rte_ipv6_phdr_cksum()
 * compute it for RTE_MBUF_F_TX_TCP_CKSUM.
 */
#define SF_NET_TX_CSUM_TCP 0x2

/**
 * Length of the TCP header sf_net_tcp_reply() and sf_net_tcp_build() write for @p w: 20 bytes
 * plus the options, always a multiple of 4. Option layout, the compact orders stacks use:
 * MSS(4), then SACK-permitted(2) + timestamps(10) | NOP NOP timestamps(10) | NOP NOP
 * SACK-permitted(2), then NOP window scale(3): 20 option bytes with all four. MSS, window scale
 * and SACK-permitted are written on SYN segments only (RFC 9293 3.7.1, RFC 7323 2.2, RFC 2018 2),
 * so any other segment carries at most NOP NOP timestamps. SACK blocks are never written.
 */
uint32_t sf_net_tcp_hdr_len(const struct sf_tcp_wr *w);

/**
 * Turn a received, classified TCP frame (SF_PKT_TCP4 or SF_PKT_TCP6) into the segment @p w going
 * back, in place: Ethernet addresses, IP addresses and ports swapped, an 802.1Q tag kept as it
 * came; a new TCP header (seq, ack, flags, window, urgent pointer 0, options) whose length may
 * differ from the received one (the received payload is discarded). IPv4: DSCP/ECN 0, total
 * length, ID 0, DF, TTL 64, header checksum; IPv6: traffic class and flow label 0, payload
 * length, hop limit 64. The TCP checksum covers the pseudo-header, the header and
 * @p payload_sum, the unfolded sum of the w->payload_len bytes the caller chains after the
 * header (sf_csum_partial(payload, len, 0), computed once per response body).
 * @p csum_flags (SF_NET_TX_CSUM_*) leaves either checksum to the port.
 * Writes only the bytes up to the returned length, at most pkt->l4_off + 40 (20 option bytes),
 * which may be past the received frame: its buffer must hold that much (any mbuf does).
 * Ethernet padding is the PMD's business.
 * @return the frame length up to the end of the TCP header.
 */
uint32_t sf_net_tcp_reply(uint8_t *frame, const struct sf_pkt *pkt, const struct sf_tcp_wr *w,
			  uint32_t payload_sum, unsigned int csum_flags);

/**
 * Write a whole Ethernet (+ 802.1Q) + IPv4/IPv6 + TCP header for segment @p w of the connection
 * @p key from scratch (retransmissions, a client's SYN): we are the source, key->laddr/lport,
 * and the peer the destination. IP and TCP fields and checksums as sf_net_tcp_reply() writes
 * them. @p vlan_tci is the tag's TCI, or 0 for an untagged frame. Nothing past the returned
 * length is written.
 * @return the header length, or 0 (nothing written) when it does not fit in @p room bytes or
 * key->family is neither SF_AF_INET nor SF_AF_INET6.
 */
uint32_t sf_net_tcp_build(uint8_t *frame, uint32_t room, const struct sf_flow_key *key,
			  const struct sf_mac *src, const struct sf_mac *dst, uint16_t vlan_tci,
			  const struct sf_tcp_wr *w, uint32_t payload_sum, unsigned int csum_flags);

/* ---- a header template: one segment written for many connections (a client's SYNs) ---- */

/** Room of a template: Ethernet, 802.1Q tag, IPv6 and TCP with 20 option bytes (98), rounded up
 *  to whole 16-byte words, the size sf_net_tcp_tmpl_write() copies. */
#define SF_TCP_TMPL_ROOM 112

/**
 * The header sf_net_tcp_build() writes for a segment, kept for segments that differ from it only
 * in the destination MAC, addresses, ports, sequence number and timestamp value: every SYN a
 * client sends, whose window, flags and options come from its settings. The fixed words are laid
 * out and summed once; each write copies them, patches the rest and finishes both checksums from
 * the sums (RFC 1071: the one's-complement sum is the same in any order and grouping).
 */
struct sf_tcp_tmpl {
	uint8_t hdr[SF_TCP_TMPL_ROOM]; /**< the header; dst MAC, addresses, ports, seq, TS value, checksums 0 */
	struct sf_tcp_wr w;            /**< the segment it was made for (seq and ts_val 0) */
	uint32_t ip_sum;               /**< IPv4: sum of the IP header as it lies in hdr */
	uint32_t pseudo_sum;           /**< pseudo-header without the addresses: length and protocol */
	uint32_t tcp_sum;              /**< sum of the TCP header as it lies in hdr */
	uint8_t len;                   /**< header length; 0: no template */
	uint8_t family;                /**< SF_AF_INET or SF_AF_INET6 */
	uint8_t l3_off, l4_off;
	uint8_t ts_off;                /**< offset of the TS value; 0: no timestamps option */
	uint8_t csum_flags;            /**< SF_NET_TX_CSUM_* it was made for */
};

/**
 * Make @p t the header of segment @p w (no payload) from our @p src MAC, tagged @p vlan_tci
 * (0: untagged), for connections of @p family whose port takes @p csum_flags (SF_NET_TX_CSUM_*).
 * @return 0, or -1 (@p t holds no template) for a segment with payload or an unknown family.
 */
int sf_net_tcp_tmpl_init(struct sf_tcp_tmpl *t, uint8_t family, const struct sf_mac *src, uint16_t vlan_tci,
			 const struct sf_tcp_wr *w, unsigned int csum_flags);

/**
 * Write segment @p w of connection @p key to @p dst from template @p t: the same bytes as
 * sf_net_tcp_build(frame, room, key, src, dst, vlan_tci, w, 0, csum_flags) with the template's
 * src and vlan_tci, when @p w, @p key's family and @p csum_flags are those @p t was made for
 * except for w->seq and w->ts_val. Writes SF_TCP_TMPL_ROOM bytes (those past the header are
 * scratch).
 * @return the header length, or 0 (nothing written) when @p t does not fit the segment or
 * @p room is under SF_TCP_TMPL_ROOM.
 */
uint32_t sf_net_tcp_tmpl_write(uint8_t *frame, uint32_t room, const struct sf_tcp_tmpl *t,
			       const struct sf_flow_key *key, const struct sf_mac *dst, const struct sf_tcp_wr *w,
			       unsigned int csum_flags);

/* ---- RSS: the Toeplitz hash NICs use to pick an rx queue ---- */

/** Length of an RSS key for IPv4 and IPv6 4-tuples (36 bytes of input need 36 + 4 key bytes). */
#define SF_RSS_KEY_LEN 40

/**
 * 0x6d5a repeated: a key with a 16-bit period makes the hash symmetric,
 * hash(src, dst, sport, dport) == hash(dst, src, dport, sport), so both directions of a
 * connection land on the same queue (Woo and Park, "Scalable TCP Session Monitoring with
 * Symmetric Receive-side Scaling").
 */
extern const uint8_t sf_rss_sym_key[SF_RSS_KEY_LEN];

/**
 * Toeplitz hash of @p len bytes of @p data under @p key (Microsoft RSS specification): for every
 * set input bit i, counted from the most significant bit of data[0], XOR in the 32 key bits
 * starting at key bit i. Key bits past @p key_len count as zero.
 */
uint32_t sf_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *data, uint32_t len);

/**
 * RSS hash of a TCP/IPv4 4-tuple in NIC field order: source address, destination address,
 * source port, destination port. Addresses and ports in network order; @p key has
 * SF_RSS_KEY_LEN bytes.
 */
uint32_t sf_rss_hash_tcp4(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
			  uint16_t dport);
/** RSS hash of a TCP/IPv6 4-tuple, same order; 16-byte addresses, ports in network order. */
uint32_t sf_rss_hash_tcp6(const uint8_t *key, const uint8_t *saddr, const uint8_t *daddr,
			  uint16_t sport, uint16_t dport);
/**
 * RSS hash the NIC computes for a frame arriving on flow @p k: the peer (raddr, rport) is the
 * source, we (laddr, lport) are the destination. A client picks local ports with it so that
 * the replies hash to its own queue.
 */
uint32_t sf_rss_hash_flow(const uint8_t *key, const struct sf_flow_key *k);

/* ---- address resolution (sf_neigh.c) ---- */

/**
 * Write a broadcast ARP request from scratch: who has @p target_ip, tell @p src_ip (RFC 826).
 * Addresses in network order. @return the frame length (42), or 0 when @p room is too small.
 */
uint32_t sf_net_arp_request(uint8_t *frame, uint32_t room, const struct sf_mac *src_mac, uint32_t src_ip,
			    uint32_t target_ip);

/**
 * Write a neighbour solicitation for @p target from our @p src_ip, to the target's
 * solicited-node group, with our link-layer address (RFC 4861 4.3, 7.2.2).
 * @return the frame length (86), or 0 when @p room is too small.
 */
uint32_t sf_net_nd_ns(uint8_t *frame, uint32_t room, const struct sf_mac *src_mac, const uint8_t *src_ip,
		      const uint8_t *target);

/** Sender protocol address (network order) and hardware address of a classified ARP frame. */
uint32_t sf_net_arp_sender(const uint8_t *frame, const struct sf_pkt *pkt, struct sf_mac *mac);

/**
 * What a classified NS or NA tells about a neighbour: the NS sender's address with its source
 * link-layer option, or the NA target with its target link-layer option (RFC 4861 7.2.3, 7.2.5).
 * @return true with @p ip (16 bytes) and @p mac filled; false when the frame carries no such
 * option or comes from the unspecified address.
 */
bool sf_net_nd_neighbour(const uint8_t *frame, const struct sf_pkt *pkt, uint8_t *ip, struct sf_mac *mac);

#endif /* SF_NET_H */

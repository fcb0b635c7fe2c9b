/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_NET_H
#define SF_NET_H

/**
 * @file
 * lib/net: header layouts, validation, in-place reply rewriting and checksums.
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
	X(IP4_IHL, "ip4_ihl")             /* IHL < 5 or past the total length */       \
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
	uint16_t payload_off;  /**< TCP payload */
	uint16_t l3_end;       /**< end of the IP datagram (frames may carry Ethernet padding) */
};

/** Checksum verification policy for sf_net_classify(). */
struct sf_rx_csum {
	bool ip4_ok;   /**< hardware already verified the IPv4 header checksum as good */
	bool l4_ok;    /**< hardware already verified the TCP/ICMP checksum as good */
};

/**
 * Validate and classify one frame: Ethernet (one optional 802.1Q tag), then ARP, IPv4 or IPv6,
 * then ICMP, ICMPv6 (echo, NS, NA) or TCP. Checksums are verified in software unless @p hw says
 * the port already did. TCP frames also get their segment parsed into @p seg (may be NULL for
 * other kinds) and their key into @p key (local = destination of the frame).
 * @return SF_DROP_NONE and @p pkt filled, or the reason the frame must be dropped.
 */
enum sf_drop_reason sf_net_classify(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
				    struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key);

/**
 * Parse TCP options from @p opt (length @p len, the header past its 20 fixed bytes).
 * EOL ends the list, NOP is skipped, unknown kinds are skipped and counted; a length of 0 or 1,
 * one that runs past the header, or a wrong length for a known kind rejects the segment.
 */
enum sf_drop_reason sf_tcp_opts_parse(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out);

/* ---- checksums (RFC 1071, incremental update RFC 1624) ---- */

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
/** Partial sum of the IPv4/IPv6 pseudo-header for an L4 length (host order) and protocol. */
uint32_t sf_csum_ip4_pseudo(const void *ip4_hdr, uint32_t l4_len, uint8_t proto);
uint32_t sf_csum_ip6_pseudo(const void *ip6_hdr, uint32_t l4_len, uint8_t proto);
/** Full TCP/ICMPv6 checksum over pseudo-header and @p l4 (its checksum field taken as zero). */
uint16_t sf_csum_l4_ip4(const void *ip4_hdr, const void *l4, uint32_t l4_len, uint8_t proto);
uint16_t sf_csum_l4_ip6(const void *ip6_hdr, const void *l4, uint32_t l4_len, uint8_t proto);
/** RFC 1624 eqn. 3: new checksum after a 16-bit field changed from @p old to @p new. */
static inline uint16_t sf_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;
	return (uint16_t)~sf_csum_fold(s);
}

/* ---- in-place replies: the received frame becomes the answer ---- */

/** Ethernet address, 6 bytes. */
struct sf_mac {
	uint8_t b[6];
};

/**
 * Turn an ARP request for one of our addresses into the reply, in place.
 * The caller has checked the target address is ours. Returns the new frame length.
 */
uint32_t sf_net_arp_reply(uint8_t *frame, const struct sf_pkt *pkt, const struct sf_mac *our_mac);
/** Turn an ICMPv4 echo request into the echo reply, in place (incremental checksums). */
uint32_t sf_net_icmp4_echo_reply(uint8_t *frame, const struct sf_pkt *pkt);
/** Turn an ICMPv6 echo request into the echo reply, in place. */
uint32_t sf_net_icmp6_echo_reply(uint8_t *frame, const struct sf_pkt *pkt);
/**
 * Turn a neighbour solicitation for one of our addresses into a solicited advertisement
 * (S and O flags, target link-layer address option), in place. The frame grows when the NS
 * had no source link-layer option: @p room is how many bytes the buffer holds from @p frame.
 * Returns the new frame length, or 0 when it does not fit.
 */
uint32_t sf_net_nd_na_reply(uint8_t *frame, const struct sf_pkt *pkt, uint32_t room,
			    const struct sf_mac *our_mac);

/** Target protocol address of an ARP frame (network order) and the NS target address. */
uint32_t sf_net_arp_target(const uint8_t *frame, const struct sf_pkt *pkt);
const uint8_t *sf_net_ns_target(const uint8_t *frame, const struct sf_pkt *pkt);
/** Destination IP address of an IPv4 / IPv6 frame. */
uint32_t sf_net_ip4_dst(const uint8_t *frame, const struct sf_pkt *pkt);
const uint8_t *sf_net_ip6_dst(const uint8_t *frame, const struct sf_pkt *pkt);

#endif /* SF_NET_H */

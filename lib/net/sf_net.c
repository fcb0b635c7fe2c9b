/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame classification and in-place replies for ARP, ICMP, ICMPv6 echo and neighbour discovery.
 *
 * Reading list: RFC 826 (ARP), RFC 791 (IPv4), RFC 792 (ICMP), RFC 8200 (IPv6),
 * RFC 4443 (ICMPv6), RFC 4861 (neighbour discovery), RFC 9293 (TCP), RFC 7323 (window scale,
 * timestamps), RFC 2018 (SACK), IEEE 802.1Q (VLAN tags).
 *
 * The classifier runs once per received frame, so it is straight-line code: each layer checks
 * its lengths with one comparison before any load, every reject path is marked unlikely, and
 * checksums are summed 8 bytes at a time (sf_net_priv.h). Untagged IPv4 TCP, nearly all traffic,
 * skips the layer walk (classify_fast).
 */
#include "sf_net_priv.h"

/* ---- drop reason names ---- */

static const char *const drop_names[SF_DROP__COUNT] = {
#define SF_DROP_NAME(name, str) [SF_DROP_##name] = str,
	SF_DROP_REASONS(SF_DROP_NAME)
#undef SF_DROP_NAME
};

const char *sf_drop_reason_name(enum sf_drop_reason r)
{
	if ((unsigned int)r >= SF_DROP__COUNT)
		return "invalid";
	return drop_names[r];
}

/* ---- TCP options ---- */

/*
 * The option lists nearly every segment carries, recognised whole (header prediction, as Linux's
 * tcp_parse_aligned_timestamp does): RFC 7323 Appendix A's NOP NOP timestamps, on all but the
 * SYNs of a timestamped connection, Linux's SYN layout, which synfin's SYN and SYN-ACK share:
 * MSS, SACK-permitted, timestamps, NOP, window scale (20 bytes), and no options at all. The
 * compares cover every kind and length byte, with the values the loop below accepts for them, so
 * a list that matches is one the loop parses to the same result; anything else goes to the loop
 * (test_tcp_opts checks both agree on these layouts and every mutation of them). The classifier's
 * fast path knows these lists only.
 */
static inline bool tcp_opts_predicted(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out)
{
	uint8_t present, wscale = 0;
	uint16_t mss = 0;
	const uint8_t *ts; /* the timestamps option's values */

	if (len == 12 && ld32(opt) == cpu_to_be32(0x0101080a)) {
		present = SF_OPT_TS;
		ts = opt + 4;
	} else if (len == 20 && (ld32(opt) & cpu_to_be32(0xffff0000)) == cpu_to_be32(0x02040000) &&
		   ld32(opt + 4) == cpu_to_be32(0x0402080a) &&
		   (ld32(opt + 16) & cpu_to_be32(0xffffff00)) == cpu_to_be32(0x01030300)) {
		present = SF_OPT_MSS | SF_OPT_SACK_PERM | SF_OPT_TS | SF_OPT_WSCALE;
		wscale = opt[19];
		mss = ld_be16(opt + 2);
		ts = opt + 8;
	} else if (len == 0) {
		*out = (struct sf_tcp_opts){ 0 };
		return true;
	} else {
		return false;
	}
	/* One store sequence for both layouts (a second one, in the rarer branch, became a rep stos). */
	*out = (struct sf_tcp_opts){
		.present = present,
		.wscale = wscale,
		.mss = mss,
		.ts_val = ld_be32(ts),
		.ts_ecr = ld_be32(ts + 4),
	};
	return true;
}

/* Any option list, one option at a time. */
static inline enum sf_drop_reason tcp_opts_walk(const uint8_t *opt, uint32_t len,
						struct sf_tcp_opts *out)
{
	uint32_t i = 0;

	*out = (struct sf_tcp_opts){ 0 };
	while (i < len) {
		uint8_t kind = opt[i];
		uint32_t olen;

		/* RFC 9293 3.2: EOL ends the option list, whatever padding follows. */
		if (kind == SF_TCPOPT_EOL)
			break;
		/* RFC 9293 3.2: NOP is a single byte, used to align the next option. */
		if (kind == SF_TCPOPT_NOP) {
			i++;
			continue;
		}
		/* RFC 9293 3.2: every other kind has a length byte counting kind and length. */
		if (unlikely(len - i < 2))
			return SF_DROP_TCP_OPT_LEN;
		olen = opt[i + 1];
		/* RFC 9293 3.1: a length that cannot cover itself or overruns the header is malformed
		 * (RFC 9293 3.2 asks to be prepared for it; we drop rather than loop or read past). */
		if (unlikely(olen < 2 || olen > len - i))
			return SF_DROP_TCP_OPT_LEN;
		switch (kind) {
		case SF_TCPOPT_MSS:
			/* RFC 9293 3.2: MSS is kind 2, length 4. */
			if (unlikely(olen != 4))
				return SF_DROP_TCP_OPT_LEN;
			out->present |= SF_OPT_MSS;
			out->mss = ld_be16(opt + i + 2);
			break;
		case SF_TCPOPT_WSCALE:
			/* RFC 7323 2.2: window scale is kind 3, length 3. */
			if (unlikely(olen != 3))
				return SF_DROP_TCP_OPT_LEN;
			out->present |= SF_OPT_WSCALE;
			out->wscale = opt[i + 2];
			break;
		case SF_TCPOPT_SACK_PERM:
			/* RFC 2018 2: SACK-permitted is kind 4, length 2. */
			if (unlikely(olen != 2))
				return SF_DROP_TCP_OPT_LEN;
			out->present |= SF_OPT_SACK_PERM;
			break;
		case SF_TCPOPT_SACK: {
			/* RFC 2018 3: SACK is kind 5, length 2 + 8n; 40 option bytes hold at most 4 blocks. */
			uint32_t n = (olen - 2) / 8;

			if (unlikely(olen < 10 || (olen - 2) % 8 != 0 || n > SF_SACK_MAX_BLOCKS))
				return SF_DROP_TCP_OPT_LEN;
			out->present |= SF_OPT_SACK;
			out->sack_blocks = (uint8_t)n;
			for (uint32_t b = 0; b < n; b++) {
				out->sack[b][0] = ld_be32(opt + i + 2 + 8 * b);
				out->sack[b][1] = ld_be32(opt + i + 6 + 8 * b);
			}
			break;
		}
		case SF_TCPOPT_TS:
			/* RFC 7323 3.2: timestamps are kind 8, length 10. */
			if (unlikely(olen != 10))
				return SF_DROP_TCP_OPT_LEN;
			out->present |= SF_OPT_TS;
			out->ts_val = ld_be32(opt + i + 2);
			out->ts_ecr = ld_be32(opt + i + 6);
			break;
		default:
			/* RFC 9293 3.2: an option we do not implement is skipped by its length. */
			if (out->unknown != UINT8_MAX)
				out->unknown++;
			break;
		}
		i += olen;
	}
	return SF_DROP_NONE;
}

static inline enum sf_drop_reason tcp_opts_parse(const uint8_t *opt, uint32_t len,
						 struct sf_tcp_opts *out)
{
	if (likely(tcp_opts_predicted(opt, len, out)))
		return SF_DROP_NONE;
	return tcp_opts_walk(opt, len, out);
}

enum sf_drop_reason sf_tcp_opts_parse(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out)
{
	return tcp_opts_parse(opt, len, out);
}

enum sf_drop_reason sf_tcp_opts_walk(const uint8_t *opt, uint32_t len, struct sf_tcp_opts *out)
{
	return tcp_opts_walk(opt, len, out);
}

/* ---- classification, layer by layer ---- */

/* The checks every layer function shares: the frame, its length and where the result goes. */
struct rx {
	const uint8_t *frame;
	const struct sf_rx_csum *hw;
	struct sf_pkt *pkt;
	struct sf_tcp_seg *seg;
	struct sf_flow_key *key;
};

static inline bool is_zero16(const uint8_t *a)
{
	return (ld64(a) | ld64(a + 8)) == 0;
}

/* RFC 9293 3.1: the data offset counts 32-bit words and covers at least the fixed header. */
static __rte_always_inline uint32_t tcp_doff(const uint8_t *t)
{
	return (uint32_t)(t[SF_TCP_OFF_DOFF] >> 4) * 4;
}

/* RFC 9293 3.1: the checksum covers pseudo-header, header and data (@seglen bytes at @t). */
static __rte_always_inline bool tcp_csum_ok(const uint8_t *ip, const uint8_t *t, uint32_t seglen, bool v6)
{
	uint64_t sum = v6 ? csum_ip6_pseudo64(ip, seglen, SF_IPPROTO_TCP)
			  : csum_ip4_pseudo64(ip, seglen, SF_IPPROTO_TCP);

	return csum_ok64_nonzero(csum_partial64(t, seglen, sum));
}

/* Port 0 is reserved in the IANA registry (RFC 6335): no connection can use it. */
static __rte_always_inline bool tcp_ports_ok(const uint8_t *t)
{
	return ld16(t + SF_TCP_OFF_SPORT) != 0 && ld16(t + SF_TCP_OFF_DPORT) != 0;
}

/* The segment's fixed fields in host order, and its payload (the options are parsed apart). */
static __rte_always_inline void tcp_seg_fill(struct sf_tcp_seg *s, const uint8_t *t, uint32_t seglen,
					     uint32_t doff)
{
	/* Sequence and acknowledgment number, adjacent on the wire and in @s: one load, one byte
	 * swap (which also swaps the two), one rotation back, one store. */
	uint64_t ack_seq = __builtin_bswap64(ld64(t + SF_TCP_OFF_SEQ));
	uint64_t seq_ack = ack_seq << 32 | ack_seq >> 32;

	_Static_assert(offsetof(struct sf_tcp_seg, ack) == offsetof(struct sf_tcp_seg, seq) + 4, "ack follows seq");
	memcpy(&s->seq, &seq_ack, sizeof(seq_ack)); /* a little-endian host, as the swap assumes */
	s->wnd = ld_be16(t + SF_TCP_OFF_WND);
	s->flags = t[SF_TCP_OFF_FLAGS];
	s->payload_len = (uint16_t)(seglen - doff);
	s->payload = t + doff;
}

/* The connection's key seen from us: local = the frame's destination. */
static __rte_always_inline void tcp_key_fill(struct sf_flow_key *k, const uint8_t *ip, const uint8_t *t,
					     bool v6)
{
	/* Zeroed whole so that keys compare and hash as plain bytes. */
	*k = (struct sf_flow_key){ 0 };
	if (v6) {
		memcpy(k->laddr, ip + SF_IP6_OFF_DST, 16);
		memcpy(k->raddr, ip + SF_IP6_OFF_SRC, 16);
		k->family = SF_AF_INET6;
	} else {
		memcpy(k->laddr, ip + SF_IP4_OFF_DST, 4);
		memcpy(k->raddr, ip + SF_IP4_OFF_SRC, 4);
		k->family = SF_AF_INET;
	}
	k->lport = ld16(t + SF_TCP_OFF_DPORT);
	k->rport = ld16(t + SF_TCP_OFF_SPORT);
}

/*
 * TCP over either IP version; @ip is the IP header, the segment is [l4_off, l3_end).
 * The per-packet layers are forced inline: the call overhead was a tenth of classifying an ACK.
 */
static __rte_always_inline enum sf_drop_reason classify_tcp(const struct rx *rx, const uint8_t *ip, bool v6)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *t = rx->frame + pkt->l4_off;
	uint32_t seglen = (uint32_t)pkt->l3_end - pkt->l4_off;
	uint32_t doff;
	struct sf_tcp_opts scratch;
	enum sf_drop_reason why;

	if (unlikely(seglen < SF_TCP_HLEN))
		return SF_DROP_TCP_SHORT;
	doff = tcp_doff(t);
	if (unlikely(doff < SF_TCP_HLEN || doff > seglen))
		return SF_DROP_TCP_DOFF;
	if (!rx->hw->l4_ok && unlikely(!tcp_csum_ok(ip, t, seglen, v6)))
		return SF_DROP_TCP_CSUM;
	if (unlikely(!tcp_ports_ok(t)))
		return SF_DROP_TCP_PORT;
	why = tcp_opts_parse(t + SF_TCP_HLEN, doff - SF_TCP_HLEN,
			     rx->seg != NULL ? &rx->seg->opts : &scratch);
	if (unlikely(why != SF_DROP_NONE))
		return why;

	pkt->kind = v6 ? SF_PKT_TCP6 : SF_PKT_TCP4;
	pkt->l4_len = (uint16_t)doff;
	pkt->payload_off = (uint16_t)(pkt->l4_off + doff);
	if (rx->seg != NULL)
		tcp_seg_fill(rx->seg, t, seglen, doff);
	if (rx->key != NULL)
		tcp_key_fill(rx->key, ip, t, v6);
	return SF_DROP_NONE;
}

static enum sf_drop_reason classify_icmp4(const struct rx *rx)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *m = rx->frame + pkt->l4_off;
	uint32_t mlen = (uint32_t)pkt->l3_end - pkt->l4_off;

	if (unlikely(mlen < SF_ICMP_ECHO_HLEN))
		return SF_DROP_ICMP_SHORT;
	/* RFC 792: the checksum covers the whole ICMP message. NICs do not check it. */
	if (unlikely(!csum_ok64(csum_partial64(m, mlen, 0))))
		return SF_DROP_ICMP_CSUM;
	/* RFC 1122 3.2.2.6: echo requests are answered; other types are not ours to act on. */
	if (unlikely(m[0] != SF_ICMP_ECHO_REQUEST))
		return SF_DROP_ICMP_TYPE;
	pkt->kind = SF_PKT_ICMP4_ECHO;
	pkt->l4_len = (uint16_t)mlen;
	pkt->payload_off = (uint16_t)(pkt->l4_off + SF_ICMP_ECHO_HLEN);
	return SF_DROP_NONE;
}

/* IPv6 solicited-node multicast address ff02::1:ffXX:XXXX (RFC 4291 2.7.1). */
static inline bool is_solicited_node(const uint8_t *a)
{
	static const uint8_t prefix[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* RFC 4861 7.1.1 and 7.1.2: validity of a received NS or NA; @m is the message, @ip its header. */
static enum sf_drop_reason nd_validate(const uint8_t *ip, const uint8_t *m, uint32_t mlen)
{
	const uint8_t *o = m + SF_ND_HLEN;
	const uint8_t *end = m + mlen;
	bool slla = false;

	/* RFC 4861 7.1.1: hop limit 255 proves the sender is on our link (no router forwarded it). */
	if (unlikely(ip[SF_IP6_OFF_HLIM] != 255))
		return SF_DROP_ND_FORMAT;
	/* RFC 4861 7.1.1: ICMP code is 0. */
	if (unlikely(m[1] != 0))
		return SF_DROP_ND_FORMAT;
	/* RFC 4861 7.1.1: ICMP length (from the IP length) is 24 or more octets. */
	if (unlikely(mlen < SF_ND_HLEN))
		return SF_DROP_ND_FORMAT;
	/* RFC 4861 7.1.1, 7.1.2: the target address is not a multicast address. */
	if (unlikely(m[8] == 0xff))
		return SF_DROP_ND_FORMAT;
	/* RFC 4861 7.1.1: all included options have a length greater than zero (in units of 8
	 * octets) and, RFC 4861 4.6, lie within the message. */
	while (o < end) {
		uint32_t olen;

		if (unlikely(end - o < 2))
			return SF_DROP_ND_FORMAT;
		olen = (uint32_t)o[1] * 8;
		if (unlikely(olen == 0 || olen > (uint32_t)(end - o)))
			return SF_DROP_ND_FORMAT;
		slla |= o[0] == SF_ND_OPT_SLLA;
		o += olen;
	}
	if (m[0] == SF_ICMP6_ND_NS) {
		/* RFC 4861 7.1.1: from the unspecified address (DAD), the destination is a
		 * solicited-node multicast address and there is no source link-layer option. */
		if (is_zero16(ip + SF_IP6_OFF_SRC) &&
		    unlikely(!is_solicited_node(ip + SF_IP6_OFF_DST) || slla))
			return SF_DROP_ND_FORMAT;
	} else {
		/* RFC 4861 7.1.2: an NA to a multicast address has the Solicited flag clear. */
		if (unlikely(ip[SF_IP6_OFF_DST] == 0xff && (m[4] & SF_ND_NA_SOLICITED)))
			return SF_DROP_ND_FORMAT;
	}
	return SF_DROP_NONE;
}

static enum sf_drop_reason classify_icmp6(const struct rx *rx, const uint8_t *ip)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *m = rx->frame + pkt->l4_off;
	uint32_t mlen = (uint32_t)pkt->l3_end - pkt->l4_off;
	uint64_t sum;
	enum sf_drop_reason why;

	if (unlikely(mlen < SF_ICMP_ECHO_HLEN))
		return SF_DROP_ICMP6_SHORT;
	/* RFC 4443 2.3: the checksum covers the message and the IPv6 pseudo-header. */
	sum = csum_partial64(m, mlen, csum_ip6_pseudo64(ip, mlen, SF_IPPROTO_ICMPV6));
	if (unlikely(!csum_ok64_nonzero(sum)))
		return SF_DROP_ICMP6_CSUM;
	pkt->l4_len = (uint16_t)mlen;
	switch (m[0]) {
	case SF_ICMP6_ECHO_REQUEST:
		pkt->kind = SF_PKT_ICMP6_ECHO;
		pkt->payload_off = (uint16_t)(pkt->l4_off + SF_ICMP_ECHO_HLEN);
		return SF_DROP_NONE;
	case SF_ICMP6_ND_NS:
	case SF_ICMP6_ND_NA:
		why = nd_validate(ip, m, mlen);
		if (unlikely(why != SF_DROP_NONE))
			return why;
		pkt->kind = m[0] == SF_ICMP6_ND_NS ? SF_PKT_ND_NS : SF_PKT_ND_NA;
		pkt->payload_off = (uint16_t)(pkt->l4_off + SF_ND_HLEN);
		return SF_DROP_NONE;
	default:
		return SF_DROP_ICMP6_TYPE;
	}
}

/* RFC 791 3.1: the header checksum covers the header only, without options 20 bytes (both
 * callers have ruled options out, so the sum is fully unrolled, and checked the version, so the
 * first byte makes the sum nonzero). */
static __rte_always_inline bool ip4_csum_ok(const struct rx *rx, const uint8_t *ip)
{
	return rx->hw->ip4_ok || csum_ok64_nonzero(csum_partial64(ip, SF_IP4_HLEN, 0));
}

static __rte_always_inline enum sf_drop_reason classify_ip4(const struct rx *rx, uint32_t len)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *ip = rx->frame + pkt->l3_off;
	uint32_t avail = len - pkt->l3_off;
	uint32_t ihl, totlen;

	if (unlikely(avail < SF_IP4_HLEN))
		return SF_DROP_IP4_SHORT;
	/* RFC 791 3.1: version 4. */
	if (unlikely((ip[0] >> 4) != 4))
		return SF_DROP_IP4_VERSION;
	/* RFC 791 3.1: IHL counts 32-bit words; 5 is the minimum for a correct header. */
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (unlikely(ihl < SF_IP4_HLEN))
		return SF_DROP_IP4_IHL;
	/* RFC 791 3.1: total length covers header and data; RFC 1122 3.3.1: anything after it
	 * in the frame is link padding. */
	totlen = ld_be16(ip + SF_IP4_OFF_TOTLEN);
	if (unlikely(totlen > avail || totlen < ihl))
		return SF_DROP_IP4_TOTLEN;
	/* RFC 791 3.1: options (IHL > 5) are legal, but nothing we answer needs them
	 * (RFC 7126 recommends dropping most), and replies are built without them. Checked
	 * before the checksum so that the sum runs over a constant 20 bytes, fully unrolled. */
	if (unlikely(ihl != SF_IP4_HLEN))
		return SF_DROP_IP4_OPTIONS;
	if (unlikely(!ip4_csum_ok(rx, ip)))
		return SF_DROP_IP4_CSUM;
	/* RFC 791 3.2: MF or a fragment offset means a fragment; we do not reassemble. */
	if (unlikely(ld16(ip + SF_IP4_OFF_FRAG) & rte_cpu_to_be_16(0x3fff)))
		return SF_DROP_IP4_FRAGMENT;
	pkt->l4_off = (uint16_t)(pkt->l3_off + SF_IP4_HLEN);
	pkt->l3_end = (uint16_t)(pkt->l3_off + totlen);
	switch (ip[SF_IP4_OFF_PROTO]) {
	case SF_IPPROTO_TCP:
		return classify_tcp(rx, ip, false);
	case SF_IPPROTO_ICMP:
		return classify_icmp4(rx);
	default:
		return SF_DROP_IP4_PROTO;
	}
}

/* RFC 8200 4 and the IANA "IPv6 Extension Header Types" registry (RFC 7045 2). */
static inline bool ip6_is_exthdr(uint8_t nh)
{
	switch (nh) {
	case 0:   /* hop-by-hop options */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
	case 253: /* experimental, RFC 3692 */
	case 254:
		return true;
	default:
		return false;
	}
}

static __rte_always_inline enum sf_drop_reason classify_ip6(const struct rx *rx, uint32_t len)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *ip = rx->frame + pkt->l3_off;
	uint32_t avail = len - pkt->l3_off;
	uint32_t plen;
	uint8_t nh;

	if (unlikely(avail < SF_IP6_HLEN))
		return SF_DROP_IP6_SHORT;
	/* RFC 8200 3: version 6. */
	if (unlikely((ip[0] >> 4) != 6))
		return SF_DROP_IP6_VERSION;
	/* RFC 8200 3: payload length counts what follows the fixed header; the rest is padding.
	 * A jumbogram (payload length 0) needs a hop-by-hop header and is dropped there. */
	plen = ld_be16(ip + SF_IP6_OFF_PLEN);
	if (unlikely(plen > avail - SF_IP6_HLEN))
		return SF_DROP_IP6_PAYLEN;
	pkt->l4_off = (uint16_t)(pkt->l3_off + SF_IP6_HLEN);
	pkt->l3_end = (uint16_t)(pkt->l4_off + plen);
	nh = ip[SF_IP6_OFF_NXT];
	if (likely(nh == SF_IPPROTO_TCP))
		return classify_tcp(rx, ip, true);
	if (nh == SF_IPPROTO_ICMPV6)
		return classify_icmp6(rx, ip);
	/* RFC 8200 4: extension headers are not walked; they are counted apart from unknown
	 * upper layers because a hop-by-hop or fragment header may be legitimate traffic. */
	if (ip6_is_exthdr(nh))
		return SF_DROP_IP6_EXTHDR;
	return SF_DROP_IP6_PROTO;
}

static enum sf_drop_reason classify_arp(const struct rx *rx, uint32_t len)
{
	struct sf_pkt *pkt = rx->pkt;
	const uint8_t *a = rx->frame + pkt->l3_off;
	/* RFC 826: hardware type 1 (Ethernet), protocol 0x0800, address lengths 6 and 4. */
	static const uint8_t eth_ip4[6] = { 0x00, 0x01, 0x08, 0x00, 6, 4 };
	uint16_t op;

	if (unlikely(len - pkt->l3_off < SF_ARP_LEN))
		return SF_DROP_ARP_SHORT;
	if (unlikely(memcmp(a, eth_ip4, sizeof(eth_ip4)) != 0))
		return SF_DROP_ARP_FORMAT;
	/* RFC 826: opcode 1 is a request, 2 a reply; RARP and InARP codes are not ours. */
	op = ld_be16(a + 6);
	if (unlikely(op != 1 && op != 2))
		return SF_DROP_ARP_OP;
	pkt->kind = SF_PKT_ARP;
	pkt->l3_end = (uint16_t)(pkt->l3_off + SF_ARP_LEN);
	pkt->l4_off = pkt->l3_end;
	pkt->payload_off = pkt->l3_end;
	return SF_DROP_NONE;
}

static const struct sf_rx_csum verify_all = { .ip4_ok = false, .l4_ok = false };

/* One classification's context; no checksum policy given means software verifies both. */
static __rte_always_inline struct rx rx_of(const uint8_t *frame, const struct sf_rx_csum *hw, struct sf_pkt *pkt,
					   struct sf_tcp_seg *seg, struct sf_flow_key *key)
{
	return (struct rx){ .frame = frame, .hw = hw != NULL ? hw : &verify_all, .pkt = pkt, .seg = seg, .key = key };
}

/* The full parser: every layer, every kind, every drop reason. Out of line, so that the fast
 * path does not pay for its registers and stack frame. */
__rte_noinline enum sf_drop_reason sf_net_classify_full(const uint8_t *frame, uint32_t len,
							const struct sf_rx_csum *hw, struct sf_pkt *pkt,
							struct sf_tcp_seg *seg, struct sf_flow_key *key)
{
	const struct rx rx = rx_of(frame, hw, pkt, seg, key);
	uint16_t etype;

	*pkt = (struct sf_pkt){ 0 };
	/* Offsets are 16 bits: bytes past 64 KiB cannot belong to an IP datagram anyway. */
	if (unlikely(len > UINT16_MAX))
		len = UINT16_MAX;
	if (unlikely(len < SF_ETH_HLEN))
		return SF_DROP_ETH_SHORT;
	etype = ld_be16(frame + 12);
	pkt->l3_off = SF_ETH_HLEN;
	if (etype == SF_ETHERTYPE_VLAN) {
		/* IEEE 802.1Q 9.3: TPID 0x8100, then the TCI and the real EtherType. */
		if (unlikely(len < SF_ETH_HLEN + SF_VLAN_HLEN))
			return SF_DROP_VLAN_SHORT;
		pkt->has_vlan = 1;
		pkt->vlan_tci = ld_be16(frame + SF_ETH_HLEN);
		etype = ld_be16(frame + SF_ETH_HLEN + 2);
		pkt->l3_off = SF_ETH_HLEN + SF_VLAN_HLEN;
	}
	switch (etype) {
	case SF_ETHERTYPE_IP4:
		return classify_ip4(&rx, len);
	case SF_ETHERTYPE_IP6:
		return classify_ip6(&rx, len);
	case SF_ETHERTYPE_ARP:
		return classify_arp(&rx, len);
	case SF_ETHERTYPE_VLAN: /* only reached as the inner type: the outer tag was taken above */
	case SF_ETHERTYPE_QINQ: /* 802.1ad service tag, outer or inner, carries another tag */
	case 0x9100:            /* pre-standard QinQ tag */
		return SF_DROP_VLAN_STACKED;
	default:
		return SF_DROP_ETHERTYPE;
	}
}

/*
 * Fast path, header prediction as Linux's tcp_rcv_established and tcp_parse_aligned_timestamp do
 * it: nearly every frame is untagged Ethernet, IPv4 with IHL 5 and no fragment bits, and TCP with
 * one of the predicted option lists; recognise that shape with a few masked compares instead of
 * walking the layers. The fast path accepts or declines, never drops: a frame it declines,
 * malformed or merely unusual (a tag, IP options, IPv6, other options), goes to the full parser
 * from its first byte, which alone picks drop reasons. Every condition here is one the full
 * parser also requires of such a frame, through the same helpers (tests/unit/net/test_fast.c
 * proves they agree on every frame set, truncation and mutation). The order is the fast path's
 * own: what it wrote is garbage when it declines, so it fills the outputs first and sums the
 * checksums last, when nothing but the frame is still needed (fewer registers live, none saved).
 * @seg and @key must not be NULL.
 */
static __rte_always_inline bool classify_fast(const struct rx *rx, uint32_t len)
{
	const uint8_t *ip = rx->frame + SF_ETH_HLEN;
	const uint8_t *t = ip + SF_IP4_HLEN;
	uint32_t totlen, seglen, doff;

	/* The full parser clips frames to 64 KiB; these are not worth a fast path. */
	if (unlikely(len < SF_ETH_HLEN + SF_IP4_HLEN || len > UINT16_MAX))
		return false;
	/* EtherType IPv4 without a tag, then RFC 791 3.1 version 4 and IHL 5 (no options). */
	if ((ld32(rx->frame + 12) & cpu_to_be32(0xffffff00)) != cpu_to_be32(0x08004500))
		return false;
	/* RFC 791 3.2: neither MF nor a fragment offset; protocol TCP. Bytes 4-11: identification,
	 * flags and offset, TTL, protocol, checksum. */
	if ((ld64(ip + 4) & cpu_to_be64(0x00003fff00ff0000)) != cpu_to_be64(0x0000000000060000))
		return false;
	/* RFC 791 3.1: the total length covers the header and lies within the frame; the segment
	 * behind the header holds at least a TCP header. */
	totlen = ld_be16(ip + SF_IP4_OFF_TOTLEN);
	if (unlikely(totlen > len - SF_ETH_HLEN || totlen < SF_IP4_HLEN + SF_TCP_HLEN))
		return false;
	seglen = totlen - SF_IP4_HLEN;
	doff = tcp_doff(t);
	if (unlikely(doff < SF_TCP_HLEN || doff > seglen))
		return false;
	if (unlikely(!tcp_ports_ok(t)))
		return false;
	tcp_seg_fill(rx->seg, t, seglen, doff);
	tcp_key_fill(rx->key, ip, t, false);
	*rx->pkt = (struct sf_pkt){
		.kind = SF_PKT_TCP4,
		.l3_off = SF_ETH_HLEN,
		.l4_off = SF_ETH_HLEN + SF_IP4_HLEN,
		.l4_len = (uint16_t)doff,
		.payload_off = (uint16_t)(SF_ETH_HLEN + SF_IP4_HLEN + doff),
		.l3_end = (uint16_t)(SF_ETH_HLEN + totlen),
	};
	if (unlikely(!tcp_opts_predicted(t + SF_TCP_HLEN, doff - SF_TCP_HLEN, &rx->seg->opts)))
		return false;
	if (unlikely(!ip4_csum_ok(rx, ip)))
		return false;
	return rx->hw->l4_ok || likely(tcp_csum_ok(ip, t, seglen, false));
}

bool sf_net_classify_fast(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
			  struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key)
{
	const struct rx rx = rx_of(frame, hw, pkt, seg, key);

	return classify_fast(&rx, len);
}

enum sf_drop_reason sf_net_classify(const uint8_t *frame, uint32_t len, const struct sf_rx_csum *hw,
				    struct sf_pkt *pkt, struct sf_tcp_seg *seg, struct sf_flow_key *key)
{
	const struct rx rx = rx_of(frame, hw, pkt, seg, key);

	/* The engine asks for the segment and the key; the fast path needs both (and the inlined
	 * copy then tests for neither). */
	if (likely(seg != NULL && key != NULL) && likely(classify_fast(&rx, len)))
		return SF_DROP_NONE;
	return sf_net_classify_full(frame, len, hw, pkt, seg, key);
}

/* ---- accessors ---- */

uint32_t sf_net_arp_target(const uint8_t *frame, const struct sf_pkt *pkt)
{
	return ld32(frame + pkt->l3_off + 24);
}

bool sf_net_arp_is_request(const uint8_t *frame, const struct sf_pkt *pkt)
{
	/* RFC 826: opcode 1 asks, opcode 2 answers. */
	return ld_be16(frame + pkt->l3_off + 6) == 1;
}

const uint8_t *sf_net_ns_target(const uint8_t *frame, const struct sf_pkt *pkt)
{
	return frame + pkt->l4_off + 8;
}

uint32_t sf_net_ip4_dst(const uint8_t *frame, const struct sf_pkt *pkt)
{
	return ld32(frame + pkt->l3_off + SF_IP4_OFF_DST);
}

const uint8_t *sf_net_ip6_dst(const uint8_t *frame, const struct sf_pkt *pkt)
{
	return frame + pkt->l3_off + SF_IP6_OFF_DST;
}

/* ---- in-place replies ---- */

/* Set byte @p[0] to @v and fix the checksum at @csum for the 16-bit word @p starts. */
static inline void set_byte_hi(uint8_t *p, uint8_t v, uint8_t *csum)
{
	uint16_t old = ld16(p);

	p[0] = v;
	st16(csum, sf_csum_update16(ld16(csum), old, ld16(p)));
}

uint32_t sf_net_arp_reply(uint8_t *frame, const struct sf_pkt *pkt, const struct sf_mac *our_mac)
{
	uint8_t *a = frame + pkt->l3_off;
	uint8_t *sha = a + 8, *spa = a + 14, *tha = a + 18, *tpa = a + 24;

	/* RFC 826 "Packet Reception": swap sender and target, put in our hardware address,
	 * set the opcode to reply and send it to the (new) target hardware address. */
	memcpy(tha, sha, 6);
	swap_bytes(spa, tpa, 4);
	memcpy(sha, our_mac->b, 6);
	st_be16(a + 6, 2);
	memcpy(frame, tha, 6);
	memcpy(frame + 6, our_mac->b, 6);
	return pkt->l3_end;
}

uint32_t sf_net_icmp4_echo_reply(uint8_t *frame, const struct sf_pkt *pkt)
{
	uint8_t *ip = frame + pkt->l3_off;
	uint8_t *m = frame + pkt->l4_off;

	eth_swap(frame);
	/* RFC 792 "Echo": the reply reverses the addresses; the header sum does not change. */
	swap_bytes(ip + SF_IP4_OFF_SRC, ip + SF_IP4_OFF_DST, 4);
	/* RFC 1122 3.2.1.7: a fresh datagram starts with the default TTL, not the request's. */
	set_byte_hi(ip + SF_IP4_OFF_TTL, 64, ip + SF_IP4_OFF_CSUM);
	/* RFC 792 "Echo": type 0 and the data returned unchanged; RFC 1624 3 updates the sum. */
	set_byte_hi(m, SF_ICMP_ECHO_REPLY, m + 2);
	return pkt->l3_end;
}

uint32_t sf_net_icmp6_echo_reply(uint8_t *frame, const struct sf_pkt *pkt)
{
	uint8_t *ip = frame + pkt->l3_off;
	uint8_t *m = frame + pkt->l4_off;

	eth_swap(frame);
	/* RFC 4443 4.2: the reply's destination is the request's source; the pseudo-header sum
	 * is the same for swapped addresses. The hop limit is not covered by any checksum. */
	swap_bytes(ip + SF_IP6_OFF_SRC, ip + SF_IP6_OFF_DST, 16);
	ip[SF_IP6_OFF_HLIM] = 64;
	/* RFC 4443 4.2: type 129, identifier, sequence and data copied from the request. */
	set_byte_hi(m, SF_ICMP6_ECHO_REPLY, m + 2);
	return pkt->l3_end;
}

uint32_t sf_net_nd_na_reply(uint8_t *frame, const struct sf_pkt *pkt, uint32_t room,
			    const struct sf_mac *our_mac)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };
	const uint32_t na_len = SF_ND_HLEN + SF_ND_OPT_LLA_LEN;
	uint32_t new_len = (uint32_t)pkt->l4_off + na_len;
	uint8_t *ip = frame + pkt->l3_off;
	uint8_t *m = frame + pkt->l4_off;
	bool dad;

	if (unlikely(new_len > room))
		return 0;
	dad = is_zero16(ip + SF_IP6_OFF_SRC);
	/* RFC 4861 7.2.4: a DAD probe (from ::) is answered to all-nodes, otherwise unicast to the
	 * solicitation's source; at the link layer, to the MAC the NS came from. */
	if (dad) {
		memcpy(frame, all_nodes_mac, 6);
		memcpy(ip + SF_IP6_OFF_DST, all_nodes, 16);
	} else {
		memcpy(frame, frame + 6, 6);
		memcpy(ip + SF_IP6_OFF_DST, ip + SF_IP6_OFF_SRC, 16);
	}
	memcpy(frame + 6, our_mac->b, 6);
	/* RFC 4861 7.2.4: the source address is the target (an address of ours on this link). */
	memcpy(ip + SF_IP6_OFF_SRC, m + 8, 16);
	/* RFC 8200 3: a new packet of ours: version 6, no traffic class, no flow label. */
	st16(ip, rte_cpu_to_be_16(0x6000));
	st16(ip + 2, 0);
	st_be16(ip + SF_IP6_OFF_PLEN, (uint16_t)na_len);
	/* RFC 4861 7.1.2: receivers drop an NA whose hop limit is not 255. */
	ip[SF_IP6_OFF_HLIM] = 255;
	/* RFC 4861 4.4: type 136, code 0; target address (m + 8) stays as solicited. */
	m[0] = SF_ICMP6_ND_NA;
	m[1] = 0;
	/* RFC 4861 7.2.4: S set unless DAD; O set since the target is our own unicast address,
	 * not an anycast or proxied one; R clear, we are not a router. */
	m[4] = (uint8_t)(SF_ND_NA_OVERRIDE | (dad ? 0 : SF_ND_NA_SOLICITED));
	m[5] = m[6] = m[7] = 0;
	/* RFC 4861 7.2.4: the target link-layer address option carries our MAC (4.6.1). */
	m[SF_ND_HLEN] = SF_ND_OPT_TLLA;
	m[SF_ND_HLEN + 1] = 1;
	memcpy(m + SF_ND_HLEN + 2, our_mac->b, 6);
	/* Most of the message changed: one full sum is cheaper than a chain of updates. */
	st16(m + 2, sf_csum_l4_ip6(ip, m, na_len, SF_IPPROTO_ICMPV6));
	return new_len;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segment writing: the reply written over the segment it answers (sf_net_tcp_reply) and a
 * header from scratch for a known connection (sf_net_tcp_build). Both put the addresses and
 * ports in place and then share one writer for everything else: TCP header and options, IP
 * header, checksums.
 *
 * Reading list: RFC 9293 (TCP: header, checksum, MSS), RFC 7323 (window scale, timestamps,
 * Appendix A option layout), RFC 2018 (SACK-permitted), RFC 791 and RFC 6864 (IPv4 header,
 * identification), RFC 8200 (IPv6 header), RFC 3168 (ECN codepoints), RFC 1071 (checksums).
 *
 * This runs for every segment sent, millions per second: no tables, no loops but the header
 * sum, and the option branches depend on the option set only, which a connection repeats.
 */
#include <stddef.h>

#include "sf_net_priv.h"

/* RFC 9293 3.7.1 (MSS), RFC 7323 2.2 (window scale), RFC 2018 2 (SACK-permitted): these
 * options appear on SYN segments only. */
#define SYN_ONLY_OPTS (SF_OPT_MSS | SF_OPT_WSCALE | SF_OPT_SACK_PERM)

/* The option bits this segment carries: w->opts without SACK blocks (not written) and without
 * the SYN-only options on other segments. */
static inline unsigned int opts_to_write(const struct sf_tcp_wr *w)
{
	unsigned int allowed = SF_OPT_TS | ((w->flags & SF_TCP_SYN) ? SYN_ONLY_OPTS : 0);

	return w->opts & allowed;
}

/*
 * Option bytes for @opts: each option sits in its own 32-bit word, so the length is a multiple
 * of 4 with no trailing padding. The timestamps word (with its two leading NOPs or
 * SACK-permitted) is 12 bytes; SACK-permitted alone takes a word with two NOPs.
 */
static inline uint32_t opts_len(unsigned int opts)
{
	uint32_t mss = (opts & SF_OPT_MSS) ? 4 : 0;
	uint32_t mid = (opts & SF_OPT_TS) ? 12 : (opts & SF_OPT_SACK_PERM) ? 4 : 0;
	uint32_t ws = (opts & SF_OPT_WSCALE) ? 4 : 0;

	return mss + mid + ws;
}

/*
 * Store @v at @p in network order and return the word as the checksum sees it (memory order,
 * sf_net.h). Summing what is stored, rather than re-reading the header, spares the wide loads
 * over fresh narrow stores that the CPU cannot forward (a stall per load).
 */
static inline uint32_t st_be32_sum(uint8_t *p, uint32_t v)
{
	uint32_t m = cpu_to_be32(v);

	st32(p, m);
	return m;
}

/*
 * Write the options for @opts at @o and add what it wrote to @sum; returns the end of the
 * options (opts_len(@opts) bytes on). Timestamps are tested first: all but SYN segments of a
 * timestamped connection carry them alone.
 */
static inline uint8_t *opts_write(uint8_t *o, const struct sf_tcp_wr *w, unsigned int opts,
				  uint64_t *sum)
{
	uint64_t s = 0;

	/* RFC 9293 3.2: MSS, kind 2 length 4; first, as in every stack's SYN. */
	if (unlikely(opts & SF_OPT_MSS)) {
		s += st_be32_sum(o, 0x02040000u | w->mss);
		o += 4;
	}
	if (likely(opts & SF_OPT_TS)) {
		/* RFC 7323 Appendix A: timestamps (kind 8, length 10) aligned by two leading bytes,
		 * NOP NOP, or SACK-permitted (RFC 2018 2: kind 4, length 2) when it goes too. */
		uint32_t lead = (opts & SF_OPT_SACK_PERM) ? cpu_to_be32(0x0402080au)
							  : cpu_to_be32(0x0101080au);

		st32(o, lead);
		s += lead;
		s += st_be32_sum(o + 4, w->ts_val);
		s += st_be32_sum(o + 8, w->ts_ecr);
		o += 12;
	} else if (opts & SF_OPT_SACK_PERM) {
		/* RFC 2018 2: SACK-permitted, kind 4 length 2, word aligned by two NOPs. */
		s += st_be32_sum(o, 0x01010402u);
		o += 4;
	}
	/* RFC 7323 2.2: window scale, kind 3 length 3, after one NOP. */
	if (unlikely(opts & SF_OPT_WSCALE)) {
		s += st_be32_sum(o, 0x01030300u | w->wscale);
		o += 4;
	}
	*sum += s;
	return o;
}

static inline uint32_t tcp_hdr_len(const struct sf_tcp_wr *w)
{
	return SF_TCP_HLEN + opts_len(opts_to_write(w));
}

uint32_t sf_net_tcp_hdr_len(const struct sf_tcp_wr *w)
{
	return tcp_hdr_len(w);
}

/*
 * Fold a 64-bit one's-complement sum to the 16-bit checksum to store, complemented (RFC 1071).
 * Adding a value to itself rotated by half its width leaves the end-around-carry sum of its
 * halves in the upper half: two such steps instead of four mask-shift-add folds.
 */
static inline uint16_t csum_finish(uint64_t sum)
{
	uint32_t s = (uint32_t)((sum + (sum >> 32 | sum << 32)) >> 32);

	return (uint16_t)~((s + (s >> 16 | s << 16)) >> 16);
}

/* RFC 791 3.1: the IPv4 header checksum from the sum @h of its words, or 0 when the port
 * computes it. */
static inline uint16_t ip4_csum(uint64_t h, unsigned int csum_flags)
{
	return (csum_flags & SF_NET_TX_CSUM_IP4) ? 0 : csum_finish(h);
}

/*
 * The TCP checksum field from the pseudo-header sum @pseudo and the sum @rest of header and
 * payload. A port that computes it sums header and payload onto the pseudo-header sum it finds
 * in the field and stores the complement (DPDK's RTE_MBUF_F_TX_TCP_CKSUM contract).
 */
static inline uint16_t tcp_csum(uint64_t pseudo, uint64_t rest, unsigned int csum_flags)
{
	return (csum_flags & SF_NET_TX_CSUM_TCP) ? (uint16_t)~csum_finish(pseudo) : csum_finish(pseudo + rest);
}

/*
 * Everything but addresses and ports, which the caller has put in place: the TCP header from
 * its sequence number on, the IP header, and both checksums. @ip is the IPv4 or IPv6 header,
 * @t the TCP header right behind it, @ports the partial sum of the two ports, @opts
 * opts_to_write(@w). Returns the TCP header length.
 *
 * Both checksums come from the words as they are stored, never from re-reading the header, and
 * each is folded once. The TCP sum adds 32-bit words (ports, header, options, IPv4 addresses,
 * lengths) and @payload_sum, a few dozen values of at most 32 bits: the 64-bit accumulator
 * cannot carry out, so plain additions do.
 */
static __rte_always_inline uint32_t tcp_ip_write(uint8_t *ip, uint8_t *t, bool v6, uint32_t ports,
						 const struct sf_tcp_wr *w, unsigned int opts,
						 uint32_t payload_sum, unsigned int csum_flags)
{
	uint64_t hsum = ports;
	uint64_t pseudo;
	uint32_t hlen, l4_len;

	/* Options first: their length then comes from writing them, not from a second pass. */
	hlen = (uint32_t)(opts_write(t + SF_TCP_HLEN, w, opts, &hsum) - t);
	l4_len = hlen + w->payload_len;
	hsum += st_be32_sum(t + SF_TCP_OFF_SEQ, w->seq);
	hsum += st_be32_sum(t + SF_TCP_OFF_ACK, w->ack);
	/* RFC 9293 3.1: data offset in 32-bit words in the high nibble, reserved bits zero; then
	 * the flags and the window. */
	hsum += st_be32_sum(t + SF_TCP_OFF_DOFF, (hlen << 10 | w->flags) << 16 | w->wnd);
	/* RFC 9293 3.1: the urgent pointer is only read with URG, which we never send: 0. The
	 * checksum, 0 until it is known, adds nothing to the sum. */
	st32(t + SF_TCP_OFF_CSUM, 0);

	if (v6) {
		/* RFC 8200 3: version 6; traffic class 0 (RFC 3168 6.1.1: no ECT without ECN
		 * negotiated, and never on a SYN or SYN-ACK); flow label 0, a fresh packet of ours
		 * rather than the peer's flow. */
		st_be32(ip, 0x60000000u);
		st_be16(ip + SF_IP6_OFF_PLEN, (uint16_t)l4_len);
		ip[SF_IP6_OFF_NXT] = SF_IPPROTO_TCP;
		/* Linux's default hop limit, as for the echo replies. */
		ip[SF_IP6_OFF_HLIM] = 64;
		pseudo = fold64(csum_ip6_pseudo64(ip, l4_len, SF_IPPROTO_TCP));
	} else {
		uint32_t totlen = SF_IP4_HLEN + l4_len;
		uint64_t addrs = (uint64_t)ld32(ip + SF_IP4_OFF_SRC) + ld32(ip + SF_IP4_OFF_DST);
		uint64_t h = addrs;

		/* RFC 791 3.1: version 4, IHL 5; TOS 0 (RFC 3168 6.1.1: not-ECT, as above). */
		h += st_be32_sum(ip, 0x45000000u | totlen);
		/* RFC 6864 4.1: an atomic datagram (DF, never fragmented) may carry any ID: 0.
		 * RFC 791 3.1: DF set, fragment offset 0. */
		h += st_be32_sum(ip + 4, 0x00004000u);
		/* RFC 1122 3.2.1.7: a datagram of ours starts with the default TTL. Checksum 0 for
		 * now: the header sum below comes from the words stored, not from memory. */
		h += st_be32_sum(ip + SF_IP4_OFF_TTL, 64u << 24 | SF_IPPROTO_TCP << 16);
		st16(ip + SF_IP4_OFF_CSUM, ip4_csum(h, csum_flags));
		/* RFC 9293 3.1: pseudo-header = source, destination, zero, protocol, TCP length. */
		pseudo = addrs + cpu_to_be16(SF_IPPROTO_TCP) + cpu_to_be16((uint16_t)l4_len);
	}

	/* RFC 9293 3.1: pseudo-header, header, payload. The header length is a multiple of 4, so
	 * the payload's own sum chains after it (sf_net.h, partial sums). */
	st16(t + SF_TCP_OFF_CSUM, tcp_csum(pseudo, hsum + payload_sum, csum_flags));
	return hlen;
}

/* Exchange two adjacent 4-byte fields (IPv4 source and destination) with one rotation. */
static inline void swap_adjacent32(uint8_t *p)
{
	uint64_t v = ld64(p);

	v = v >> 32 | v << 32;
	memcpy(p, &v, sizeof(v));
}

/* Exchange two adjacent 2-byte fields (source and destination port). */
static inline void swap_adjacent16(uint8_t *p)
{
	uint32_t v = ld32(p);

	st32(p, v >> 16 | v << 16);
}

/*
 * The option sets nearly every segment carries: timestamps alone (all but the SYNs of a
 * timestamped connection) and all four (synfin's SYN and SYN-ACK, and Linux's). The writers are
 * inlined once for each with the set a constant, which turns the option code into plain stores
 * and the header length into a constant.
 */
#define OPTS_TS  SF_OPT_TS
#define OPTS_SYN (SF_OPT_MSS | SF_OPT_SACK_PERM | SF_OPT_TS | SF_OPT_WSCALE)

static __rte_always_inline uint32_t tcp_reply(uint8_t *frame, const struct sf_pkt *pkt, bool v6,
					      const struct sf_tcp_wr *w, unsigned int opts,
					      uint32_t payload_sum, unsigned int csum_flags)
{
	uint8_t *ip = frame + pkt->l3_off;
	uint8_t *t = frame + pkt->l4_off;
	uint32_t ports;

	/* The answer goes back the way the segment came: our address and port become the
	 * source, the peer's the destination. */
	eth_swap(frame);
	if (v6)
		swap_bytes(ip + SF_IP6_OFF_SRC, ip + SF_IP6_OFF_DST, 16);
	else
		swap_adjacent32(ip + SF_IP4_OFF_SRC);
	/* Swapping the ports leaves their sum as it was. */
	ports = ld32(t + SF_TCP_OFF_SPORT);
	swap_adjacent16(t + SF_TCP_OFF_SPORT);
	return pkt->l4_off + tcp_ip_write(ip, t, v6, ports, w, opts, payload_sum, csum_flags);
}

/* IPv6 out of line: the IPv4 path, nearly all traffic, then needs fewer registers. */
static __rte_noinline uint32_t tcp_reply6(uint8_t *frame, const struct sf_pkt *pkt,
					  const struct sf_tcp_wr *w, uint32_t payload_sum,
					  unsigned int csum_flags)
{
	return tcp_reply(frame, pkt, true, w, opts_to_write(w), payload_sum, csum_flags);
}

/* @w's options are one of the constant sets, as opts_to_write() would pick them: w->opts alone
 * tells for timestamps (always written), the SYN flag too for the SYN options. */
static inline bool opts_are_ts(const struct sf_tcp_wr *w)
{
	return w->opts == OPTS_TS;
}

static inline bool opts_are_syn(const struct sf_tcp_wr *w)
{
	return w->opts == OPTS_SYN && (w->flags & SF_TCP_SYN);
}

uint32_t sf_net_tcp_reply(uint8_t *frame, const struct sf_pkt *pkt, const struct sf_tcp_wr *w,
			  uint32_t payload_sum, unsigned int csum_flags)
{
	if (pkt->kind == SF_PKT_TCP6)
		return tcp_reply6(frame, pkt, w, payload_sum, csum_flags);
	if (likely(opts_are_ts(w)))
		return tcp_reply(frame, pkt, false, w, OPTS_TS, payload_sum, csum_flags);
	if (opts_are_syn(w))
		return tcp_reply(frame, pkt, false, w, OPTS_SYN, payload_sum, csum_flags);
	return tcp_reply(frame, pkt, false, w, opts_to_write(w), payload_sum, csum_flags);
}

static __rte_always_inline uint32_t tcp_build(uint8_t *frame, uint32_t room, bool v6,
					      const struct sf_flow_key *key, const struct sf_mac *src,
					      const struct sf_mac *dst, uint16_t vlan_tci,
					      const struct sf_tcp_wr *w, unsigned int opts,
					      uint32_t payload_sum, unsigned int csum_flags)
{
	uint32_t l3_off = SF_ETH_HLEN + (vlan_tci != 0 ? SF_VLAN_HLEN : 0);
	uint32_t l4_off = l3_off + (v6 ? SF_IP6_HLEN : SF_IP4_HLEN);
	uint32_t len = l4_off + SF_TCP_HLEN + opts_len(opts);
	uint8_t *ip = frame + l3_off;
	uint8_t *t = frame + l4_off;

	if (unlikely(len > room))
		return 0;
	memcpy(frame, dst->b, 6);
	memcpy(frame + 6, src->b, 6);
	if (vlan_tci != 0) {
		/* IEEE 802.1Q 9.3: TPID 0x8100, then the TCI; the real EtherType follows. */
		st_be16(frame + 12, SF_ETHERTYPE_VLAN);
		st_be16(frame + 14, vlan_tci);
	}
	st_be16(ip - 2, v6 ? SF_ETHERTYPE_IP6 : SF_ETHERTYPE_IP4);
	if (v6) {
		memcpy(ip + SF_IP6_OFF_SRC, key->laddr, 16);
		memcpy(ip + SF_IP6_OFF_DST, key->raddr, 16);
	} else {
		memcpy(ip + SF_IP4_OFF_SRC, key->laddr, 4);
		memcpy(ip + SF_IP4_OFF_DST, key->raddr, 4);
	}
	st16(t + SF_TCP_OFF_SPORT, key->lport);
	st16(t + SF_TCP_OFF_DPORT, key->rport);
	tcp_ip_write(ip, t, v6, (uint32_t)key->lport + key->rport, w, opts, payload_sum, csum_flags);
	return len;
}

/* IPv6 out of line, as for replies. */
static __rte_noinline uint32_t tcp_build6(uint8_t *frame, uint32_t room, const struct sf_flow_key *key,
					  const struct sf_mac *src, const struct sf_mac *dst,
					  uint16_t vlan_tci, const struct sf_tcp_wr *w,
					  uint32_t payload_sum, unsigned int csum_flags)
{
	return tcp_build(frame, room, true, key, src, dst, vlan_tci, w, opts_to_write(w), payload_sum,
			 csum_flags);
}

uint32_t sf_net_tcp_build(uint8_t *frame, uint32_t room, const struct sf_flow_key *key,
			  const struct sf_mac *src, const struct sf_mac *dst, uint16_t vlan_tci,
			  const struct sf_tcp_wr *w, uint32_t payload_sum, unsigned int csum_flags)
{
	if (key->family == SF_AF_INET6)
		return tcp_build6(frame, room, key, src, dst, vlan_tci, w, payload_sum, csum_flags);
	if (unlikely(key->family != SF_AF_INET))
		return 0;
	/* A client's SYN and retransmissions: the same constant option sets as replies. */
	if (opts_are_syn(w))
		return tcp_build(frame, room, false, key, src, dst, vlan_tci, w, OPTS_SYN, payload_sum,
				 csum_flags);
	if (opts_are_ts(w))
		return tcp_build(frame, room, false, key, src, dst, vlan_tci, w, OPTS_TS, payload_sum,
				 csum_flags);
	return tcp_build(frame, room, false, key, src, dst, vlan_tci, w, opts_to_write(w), payload_sum,
			 csum_flags);
}

/* ---- the header template ---- */

/* Offset of the timestamps option's TS value in a TCP header carrying @opts (opts_write's
 * layout: MSS first, then the timestamps word's two leading bytes and kind/length), or 0. */
static inline uint32_t opts_ts_val_off(unsigned int opts)
{
	if (!(opts & SF_OPT_TS))
		return 0;
	return SF_TCP_HLEN + ((opts & SF_OPT_MSS) ? 4 : 0) + 4;
}

int sf_net_tcp_tmpl_init(struct sf_tcp_tmpl *t, uint8_t family, const struct sf_mac *src, uint16_t vlan_tci,
			 const struct sf_tcp_wr *w, unsigned int csum_flags)
{
	const struct sf_flow_key nobody = { .family = family };
	const struct sf_mac nomac = { { 0 } };
	bool v6 = family == SF_AF_INET6;
	uint32_t l4_len, ts_off;
	uint64_t pseudo;
	uint8_t *ip, *tcp;

	memset(t, 0, sizeof(*t));
	if (w->payload_len != 0)
		return -1;
	t->w = *w;
	t->w.seq = 0;
	t->w.ts_val = 0;
	/* The generic writer lays the header out, so the two cannot differ: the template is its
	 * output for the zero address, ports, sequence number and TS value, checksums then
	 * cleared, and what varies is added to its sums. */
	t->len = (uint8_t)sf_net_tcp_build(t->hdr, sizeof(t->hdr), &nobody, src, &nomac, vlan_tci, &t->w, 0, 0);
	if (t->len == 0)
		return -1;
	t->family = family;
	t->csum_flags = (uint8_t)csum_flags;
	t->l3_off = (uint8_t)(SF_ETH_HLEN + (vlan_tci != 0 ? SF_VLAN_HLEN : 0));
	t->l4_off = (uint8_t)(t->l3_off + (v6 ? SF_IP6_HLEN : SF_IP4_HLEN));
	ts_off = opts_ts_val_off(opts_to_write(w));
	t->ts_off = (uint8_t)(ts_off != 0 ? t->l4_off + ts_off : 0);
	ip = t->hdr + t->l3_off;
	tcp = t->hdr + t->l4_off;
	l4_len = t->len - t->l4_off;
	st16(tcp + SF_TCP_OFF_CSUM, 0);
	if (v6) {
		pseudo = csum_ip6_pseudo64(ip, l4_len, SF_IPPROTO_TCP);
	} else {
		st16(ip + SF_IP4_OFF_CSUM, 0);
		t->ip_sum = csum_partial_inline(ip, SF_IP4_HLEN, 0);
		pseudo = csum_ip4_pseudo64(ip, l4_len, SF_IPPROTO_TCP);
	}
	t->pseudo_sum = fold64(pseudo);
	t->tcp_sum = csum_partial_inline(tcp, l4_len, 0);
	return 0;
}

/*
 * Does template @t hold the header of @w for @key's family and these @csum_flags? Every field
 * of @w but the sequence number and the TS value must be the template's: ack, wnd, flags and opts
 * compared as one 8-byte run, then mss and wscale, never the padding byte behind wscale (a
 * compound literal or a copy need not zero it).
 */
#define WR_RUN_OFF offsetof(struct sf_tcp_wr, ack)
_Static_assert(offsetof(struct sf_tcp_wr, wnd) == WR_RUN_OFF + 4 && offsetof(struct sf_tcp_wr, flags) == WR_RUN_OFF + 6 &&
	       offsetof(struct sf_tcp_wr, opts) == WR_RUN_OFF + 7,
	       "sf_tcp_wr: ack, wnd, flags and opts fill 8 bytes without padding");
_Static_assert(offsetof(struct sf_flow_key, rport) == offsetof(struct sf_flow_key, lport) + 2,
	       "sf_flow_key: the ports lie as the TCP header has them");

static inline bool tmpl_fits(const struct sf_tcp_tmpl *t, const struct sf_flow_key *key, const struct sf_tcp_wr *w,
			     unsigned int csum_flags)
{
	return key->family == t->family && csum_flags == t->csum_flags &&
	       ld64((const uint8_t *)w + WR_RUN_OFF) == ld64((const uint8_t *)&t->w + WR_RUN_OFF) &&
	       w->mss == t->w.mss && w->wscale == t->w.wscale && w->ts_ecr == t->w.ts_ecr && w->payload_len == 0;
}

/*
 * The template's header for @key, @dst, @w->seq and @w->ts_val: its fixed bytes copied whole,
 * then what differs stored and added to the template's sums. @v6 is t->family's.
 */
static __rte_always_inline uint32_t tmpl_write(uint8_t *frame, const struct sf_tcp_tmpl *t, bool v6,
					       const struct sf_flow_key *key, const struct sf_mac *dst,
					       const struct sf_tcp_wr *w, unsigned int csum_flags)
{
	uint8_t *ip = frame + t->l3_off;
	uint8_t *tcp = frame + t->l4_off;
	/* Read before the frame is written: the compiler cannot tell the two apart. */
	uint32_t ports = ld32((const uint8_t *)&key->lport);
	uint32_t seq = w->seq, ts_val = w->ts_val;
	uint64_t addrs, pseudo, hsum;

	/* IPv4 headers end by byte 78 (VLAN tag included): 80 bytes copy them in five moves. */
	memcpy(frame, t->hdr, v6 ? SF_TCP_TMPL_ROOM : 80);
	memcpy(frame, dst->b, 6);
	if (v6) {
		addrs = add_eac(add_eac(ld64(key->laddr), ld64(key->laddr + 8)),
				add_eac(ld64(key->raddr), ld64(key->raddr + 8)));
		memcpy(ip + SF_IP6_OFF_SRC, key->laddr, 16);
		memcpy(ip + SF_IP6_OFF_DST, key->raddr, 16);
	} else {
		uint32_t src = ld32(key->laddr), dst4 = ld32(key->raddr);

		st32(ip + SF_IP4_OFF_SRC, src);
		st32(ip + SF_IP4_OFF_DST, dst4);
		addrs = (uint64_t)src + dst4;
		st16(ip + SF_IP4_OFF_CSUM, ip4_csum(t->ip_sum + addrs, csum_flags));
	}
	/* lport then rport, as the header has them. */
	st32(tcp + SF_TCP_OFF_SPORT, ports);
	/* A few values of at most 32 bits each (IPv6's address sum folded first): no carry out. */
	pseudo = t->pseudo_sum + (v6 ? fold64(addrs) : addrs);
	hsum = (uint64_t)t->tcp_sum + ports;
	hsum += st_be32_sum(tcp + SF_TCP_OFF_SEQ, seq);
	if (t->ts_off != 0)
		hsum += st_be32_sum(frame + t->ts_off, ts_val);
	st16(tcp + SF_TCP_OFF_CSUM, tcp_csum(pseudo, hsum, csum_flags));
	return t->len;
}

/* IPv6 out of line, as for the other writers. */
static __rte_noinline uint32_t tmpl_write6(uint8_t *frame, const struct sf_tcp_tmpl *t, const struct sf_flow_key *key,
					   const struct sf_mac *dst, const struct sf_tcp_wr *w, unsigned int csum_flags)
{
	return tmpl_write(frame, t, true, key, dst, w, csum_flags);
}

uint32_t sf_net_tcp_tmpl_write(uint8_t *frame, uint32_t room, const struct sf_tcp_tmpl *t,
			       const struct sf_flow_key *key, const struct sf_mac *dst, const struct sf_tcp_wr *w,
			       unsigned int csum_flags)
{
	if (unlikely(!tmpl_fits(t, key, w, csum_flags) || room < SF_TCP_TMPL_ROOM))
		return 0;
	if (key->family == SF_AF_INET6)
		return tmpl_write6(frame, t, key, dst, w, csum_flags);
	return tmpl_write(frame, t, false, key, dst, w, csum_flags);
}

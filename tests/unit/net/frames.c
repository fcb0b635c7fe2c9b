/* SPDX-License-Identifier: BSD-3-Clause */
#include "frames.h"

#include <string.h>

const struct sf_mac MAC_US = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
const struct sf_mac MAC_PEER = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
const uint8_t IP4_US[4] = { 198, 18, 0, 1 };
const uint8_t IP4_PEER[4] = { 198, 18, 0, 2 };
const uint8_t IP6_US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
const uint8_t IP6_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
/* ff02::1:ff00:1, the solicited-node group of IP6_US */
const uint8_t IP6_US_SNMC[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01 };
const uint8_t IP6_ALL_NODES[16] = { 0xff, 0x02, [15] = 0x01 };

const uint8_t LINUX_SYN_OPTS[20] = {
	2, 4, 0x05, 0xb4,                  /* MSS 1460 */
	4, 2,                              /* SACK permitted */
	8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, /* TSval 0x1234, TSecr 0 */
	1,                                 /* NOP */
	3, 3, 7,                           /* window scale 7 */
};

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint32_t ref_sum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	for (uint32_t i = 0; i < n; i++) {
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

bool ref_csum_ok(const uint8_t *p, uint32_t n, uint32_t init)
{
	return ref_fold(ref_sum(p, n, init)) == 0xffff;
}

uint32_t ref_pseudo4(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	return ref_sum(ip + 12, 8, 0) + proto + l4_len;
}

uint32_t ref_pseudo6(const uint8_t *ip, uint32_t l4_len, uint8_t proto)
{
	return ref_sum(ip + 8, 32, 0) + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

void fr_eth(struct frame *f, uint16_t ethertype, bool vlan)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, MAC_US.b, 6);
	memcpy(f->b + 6, MAC_PEER.b, 6);
	f->len = 12;
	if (vlan) {
		put16(f->b + 12, SF_ETHERTYPE_VLAN);
		put16(f->b + 14, VLAN_TCI);
		f->len = 16;
	}
	put16(f->b + f->len, ethertype);
	f->len += 2;
	f->l3 = f->l4 = f->l3_end = f->len;
}

void fr_ip4(struct frame *f, uint8_t proto)
{
	uint8_t *ip = f->b + f->l3;

	ip[0] = 0x45;
	put16(ip + 4, 0x1c46); /* identification */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 63;            /* the peer's TTL, one hop away */
	ip[9] = proto;
	memcpy(ip + 12, IP4_PEER, 4);
	memcpy(ip + 16, IP4_US, 4);
	f->ipv = 4;
	f->proto = proto;
	f->len = f->l4 = f->l3_end = f->l3 + 20;
}

void fr_ip6(struct frame *f, uint8_t next_header)
{
	uint8_t *ip = f->b + f->l3;

	put32(ip, 0x60012345); /* a flow label, as Linux sets */
	ip[6] = next_header;
	ip[7] = 64;
	memcpy(ip + 8, IP6_PEER, 16);
	memcpy(ip + 24, IP6_US, 16);
	f->ipv = 6;
	f->proto = next_header;
	f->len = f->l4 = f->l3_end = f->l3 + 40;
}

void fr_put(struct frame *f, const void *data, uint32_t n)
{
	memcpy(f->b + f->len, data, n);
	f->len += n;
	f->l3_end = f->len;
}

void fr_put_zero(struct frame *f, uint32_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
	f->l3_end = f->len;
}

static int l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case SF_IPPROTO_TCP:
		return 16;
	case SF_IPPROTO_ICMP:
	case SF_IPPROTO_ICMPV6:
		return 2;
	default:
		return -1;
	}
}

void fr_fix(struct frame *f)
{
	uint8_t *ip = f->b + f->l3;
	uint8_t *l4 = f->b + f->l4;
	uint32_t l4_len = f->l3_end - f->l4;
	int off = l4_csum_off(f->proto);
	uint32_t sum = 0;

	if (f->ipv == 4) {
		uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;

		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, ihl, 0)));
		if (f->proto == SF_IPPROTO_TCP)
			sum = ref_pseudo4(ip, l4_len, f->proto);
	} else if (f->ipv == 6) {
		sum = ref_pseudo6(ip, l4_len, f->proto);
	} else {
		return;
	}
	if (off < 0 || (uint32_t)off + 2 > l4_len)
		return;
	put16(l4 + off, 0);
	put16(l4 + off, (uint16_t)~ref_fold(ref_sum(l4, l4_len, sum)));
}

void fr_finish(struct frame *f)
{
	uint8_t *ip = f->b + f->l3;

	f->l3_end = f->len;
	if (f->ipv == 4)
		put16(ip + 2, (uint16_t)(f->l3_end - f->l3));
	else if (f->ipv == 6)
		put16(ip + 4, (uint16_t)(f->l3_end - f->l4));
	fr_fix(f);
}

void fr_pad(struct frame *f, uint32_t n, uint8_t byte)
{
	memset(f->b + f->len, byte, n);
	f->len += n;
}

void build_arp(struct frame *f, uint16_t op, bool vlan)
{
	uint8_t a[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4 };

	fr_eth(f, SF_ETHERTYPE_ARP, vlan);
	if (op == 1)
		memset(f->b, 0xff, 6); /* requests are broadcast */
	put16(a + 6, op);
	memcpy(a + 8, MAC_PEER.b, 6);
	memcpy(a + 14, IP4_PEER, 4);
	if (op == 2)
		memcpy(a + 18, MAC_US.b, 6);
	memcpy(a + 24, IP4_US, 4);
	fr_put(f, a, sizeof(a));
	f->l3_end = f->len;
	fr_pad(f, 60 - 42 - (vlan ? 4 : 0), 0); /* minimum frame, as on the wire */
}

static void put_echo(struct frame *f, uint8_t type, uint32_t data_len)
{
	uint8_t h[8] = { type, 0, 0, 0, 0x12, 0x34, 0x00, 0x07 }; /* id 0x1234, seq 7 */

	fr_put(f, h, sizeof(h));
	for (uint32_t i = 0; i < data_len; i++)
		f->b[f->len + i] = (uint8_t)(0x10 + i);
	f->len += data_len;
	f->l3_end = f->len;
}

void build_icmp4_echo(struct frame *f, uint32_t data_len, bool vlan)
{
	fr_eth(f, SF_ETHERTYPE_IP4, vlan);
	fr_ip4(f, SF_IPPROTO_ICMP);
	put_echo(f, SF_ICMP_ECHO_REQUEST, data_len);
	fr_finish(f);
}

void build_icmp6_echo(struct frame *f, uint32_t data_len, bool vlan)
{
	fr_eth(f, SF_ETHERTYPE_IP6, vlan);
	fr_ip6(f, SF_IPPROTO_ICMPV6);
	put_echo(f, SF_ICMP6_ECHO_REQUEST, data_len);
	fr_finish(f);
}

void build_ns(struct frame *f, bool slla, bool dad, bool vlan)
{
	uint8_t m[24] = { SF_ICMP6_ND_NS, 0 };
	uint8_t opt[8] = { SF_ND_OPT_SLLA, 1 };

	fr_eth(f, SF_ETHERTYPE_IP6, vlan);
	/* ND goes to the solicited-node group, 33:33:ff:00:00:01 */
	memcpy(f->b, (const uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 }, 6);
	fr_ip6(f, SF_IPPROTO_ICMPV6);
	f->b[f->l3 + 7] = 255;
	memcpy(f->b + f->l3 + 24, IP6_US_SNMC, 16);
	if (dad)
		memset(f->b + f->l3 + 8, 0, 16);
	memcpy(m + 8, IP6_US, 16);
	fr_put(f, m, sizeof(m));
	if (slla) {
		memcpy(opt + 2, MAC_PEER.b, 6);
		fr_put(f, opt, sizeof(opt));
	}
	fr_finish(f);
}

void build_na(struct frame *f, uint8_t flags)
{
	uint8_t m[32] = { SF_ICMP6_ND_NA, 0 };

	fr_eth(f, SF_ETHERTYPE_IP6, false);
	fr_ip6(f, SF_IPPROTO_ICMPV6);
	f->b[f->l3 + 7] = 255;
	m[4] = flags;
	memcpy(m + 8, IP6_PEER, 16);
	m[24] = SF_ND_OPT_TLLA;
	m[25] = 1;
	memcpy(m + 26, MAC_PEER.b, 6);
	fr_put(f, m, sizeof(m));
	fr_finish(f);
}

void build_tcp(struct frame *f, bool v6, bool vlan, const struct tcp_spec *s)
{
	uint8_t h[20] = { 0 };

	fr_eth(f, v6 ? SF_ETHERTYPE_IP6 : SF_ETHERTYPE_IP4, vlan);
	if (v6)
		fr_ip6(f, SF_IPPROTO_TCP);
	else
		fr_ip4(f, SF_IPPROTO_TCP);
	put16(h, s->sport);
	put16(h + 2, s->dport);
	put32(h + 4, s->seq);
	put32(h + 8, s->ack);
	h[12] = (uint8_t)(((20 + s->opts_len) / 4) << 4);
	h[13] = s->flags;
	put16(h + 14, s->wnd);
	fr_put(f, h, sizeof(h));
	if (s->opts_len)
		fr_put(f, s->opts, s->opts_len);
	for (uint32_t i = 0; i < s->payload_len; i++)
		f->b[f->len + i] = (uint8_t)i;
	f->len += s->payload_len;
	fr_finish(f);
}

static void v_arp_request(struct frame *f)
{
	build_arp(f, 1, false);
}

static void v_arp_reply_vlan(struct frame *f)
{
	build_arp(f, 2, true);
}

static void v_icmp4_echo(struct frame *f)
{
	build_icmp4_echo(f, 56, false);
}

static void v_icmp4_echo_vlan_odd(struct frame *f)
{
	build_icmp4_echo(f, 13, true);
}

static void v_icmp6_echo(struct frame *f)
{
	build_icmp6_echo(f, 56, false);
}

static void v_ns_slla(struct frame *f)
{
	build_ns(f, true, false, false);
}

static void v_ns_no_slla_vlan(struct frame *f)
{
	build_ns(f, false, false, true);
}

static void v_ns_dad(struct frame *f)
{
	build_ns(f, false, true, false);
}

static void v_na(struct frame *f)
{
	build_na(f, SF_ND_NA_SOLICITED | SF_ND_NA_OVERRIDE);
}

static void v_tcp4_syn(struct frame *f)
{
	build_tcp(f, false, false,
		  &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = sizeof(LINUX_SYN_OPTS)));
}

static void v_tcp4_data_vlan_padded(struct frame *f)
{
	/* 59 bytes with the tag; padded to 64, the minimum a tagged frame has on the wire */
	build_tcp(f, false, true, &TCP_SPEC(.flags = SF_TCP_ACK | SF_TCP_PSH, .ack = 77,
					    .payload_len = 1));
	fr_pad(f, 64 - f->len, 0xa5);
}

static void v_tcp6_syn(struct frame *f)
{
	build_tcp(f, true, false,
		  &TCP_SPEC(.opts = LINUX_SYN_OPTS, .opts_len = sizeof(LINUX_SYN_OPTS)));
}

static void v_tcp6_data_vlan(struct frame *f)
{
	build_tcp(f, true, true, &TCP_SPEC(.flags = SF_TCP_ACK, .ack = 1, .payload_len = 101));
}

const struct valid_frame VALID_FRAMES[] = {
	{ "arp_request", v_arp_request },
	{ "arp_reply_vlan", v_arp_reply_vlan },
	{ "icmp4_echo", v_icmp4_echo },
	{ "icmp4_echo_vlan_odd", v_icmp4_echo_vlan_odd },
	{ "icmp6_echo", v_icmp6_echo },
	{ "ns_slla", v_ns_slla },
	{ "ns_no_slla_vlan", v_ns_no_slla_vlan },
	{ "ns_dad", v_ns_dad },
	{ "na", v_na },
	{ "tcp4_syn", v_tcp4_syn },
	{ "tcp4_data_vlan_padded", v_tcp4_data_vlan_padded },
	{ "tcp6_syn", v_tcp6_syn },
	{ "tcp6_data_vlan", v_tcp6_data_vlan },
};
const unsigned int VALID_FRAMES_N = sizeof(VALID_FRAMES) / sizeof(VALID_FRAMES[0]);

uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address resolution from our side: ARP requests and neighbour solicitations built from
 * scratch (a client must find its server's or gateway's MAC), and what ARP and ND frames tell
 * about their sender, so the engine can learn neighbours from the frames it receives.
 */
#include <string.h>

#include "sf_net.h"
#include "sf_net_priv.h"

uint32_t sf_net_arp_request(uint8_t *frame, uint32_t room, const struct sf_mac *src_mac, uint32_t src_ip,
			    uint32_t target_ip)
{
	const uint32_t len = SF_ETH_HLEN + SF_ARP_LEN;
	uint8_t *arp = frame + SF_ETH_HLEN;

	if (room < len)
		return 0;
	memset(frame, 0xff, 6); /* broadcast */
	memcpy(frame + 6, src_mac->b, 6);
	st_be16(frame + 12, SF_ETHERTYPE_ARP);
	/* RFC 826: hardware Ethernet (1), protocol IPv4, lengths 6 and 4, op request (1). */
	st_be16(arp, 1);
	st_be16(arp + 2, SF_ETHERTYPE_IP4);
	arp[4] = 6;
	arp[5] = 4;
	st_be16(arp + 6, 1);
	memcpy(arp + 8, src_mac->b, 6);
	memcpy(arp + 14, &src_ip, 4);
	memset(arp + 18, 0, 6); /* target hardware address: what we ask for */
	memcpy(arp + 24, &target_ip, 4);
	return len;
}

uint32_t sf_net_nd_ns(uint8_t *frame, uint32_t room, const struct sf_mac *src_mac, const uint8_t *src_ip,
		      const uint8_t *target)
{
	const uint32_t ns_len = SF_ND_HLEN + SF_ND_OPT_LLA_LEN;
	const uint32_t len = SF_ETH_HLEN + SF_IP6_HLEN + ns_len;
	uint8_t *ip = frame + SF_ETH_HLEN;
	uint8_t *m = ip + SF_IP6_HLEN;

	if (room < len)
		return 0;
	/* RFC 4291 2.7.1: the solicited-node group of the target, ff02::1:ffXX:XXXX;
	 * RFC 2464 7: its MAC is 33:33 and the group's last four bytes. */
	static const uint8_t snmc_prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	frame[0] = 0x33;
	frame[1] = 0x33;
	frame[2] = 0xff;
	memcpy(frame + 3, target + 13, 3);
	memcpy(frame + 6, src_mac->b, 6);
	st_be16(frame + 12, SF_ETHERTYPE_IP6);
	st16(ip, cpu_to_be16(0x6000)); /* version 6, no traffic class */
	st16(ip + 2, 0);
	st_be16(ip + SF_IP6_OFF_PLEN, (uint16_t)ns_len);
	ip[SF_IP6_OFF_NXT] = SF_IPPROTO_ICMPV6;
	ip[SF_IP6_OFF_HLIM] = 255; /* RFC 4861 7.1.1: receivers drop ND with any other hop limit */
	memcpy(ip + SF_IP6_OFF_SRC, src_ip, 16);
	memcpy(ip + SF_IP6_OFF_DST, snmc_prefix, 13);
	memcpy(ip + SF_IP6_OFF_DST + 13, target + 13, 3);
	/* RFC 4861 4.3: type 135, code 0, reserved, target, then our source link-layer address. */
	m[0] = SF_ICMP6_ND_NS;
	m[1] = 0;
	st16(m + 2, 0);
	memset(m + 4, 0, 4);
	memcpy(m + 8, target, 16);
	m[SF_ND_HLEN] = SF_ND_OPT_SLLA;
	m[SF_ND_HLEN + 1] = 1;
	memcpy(m + SF_ND_HLEN + 2, src_mac->b, 6);
	st16(m + 2, sf_csum_l4_ip6(ip, m, ns_len, SF_IPPROTO_ICMPV6));
	return len;
}

uint32_t sf_net_arp_sender(const uint8_t *frame, const struct sf_pkt *pkt, struct sf_mac *mac)
{
	const uint8_t *arp = frame + pkt->l3_off;
	uint32_t ip;

	memcpy(mac->b, arp + 8, 6);
	memcpy(&ip, arp + 14, 4);
	return ip;
}

bool sf_net_nd_neighbour(const uint8_t *frame, const struct sf_pkt *pkt, uint8_t *ip, struct sf_mac *mac)
{
	const uint8_t *ip6 = frame + pkt->l3_off;
	const uint8_t *m = frame + pkt->l4_off;
	/* RFC 4861 7.2.3: an NS tells its sender's address (source link-layer option);
	 * 7.2.5: an NA tells its target's (target link-layer option). */
	uint8_t want = m[0] == SF_ICMP6_ND_NS ? SF_ND_OPT_SLLA : SF_ND_OPT_TLLA;
	const uint8_t *addr = m[0] == SF_ICMP6_ND_NS ? ip6 + SF_IP6_OFF_SRC : m + 8;

	/* classify validated the options: each has a nonzero length within the message */
	for (uint32_t off = SF_ND_HLEN; off + 2 <= pkt->l4_len && m[off + 1] != 0; off += 8u * m[off + 1]) {
		if (m[off] == want && m[off + 1] == 1) {
			memcpy(ip, addr, 16);
			memcpy(mac->b, m + off + 2, 6);
			/* an NS from :: (duplicate address detection) teaches nothing */
			for (unsigned int i = 0; i < 16; i++)
				if (ip[i] != 0)
					return true;
			return false;
		}
	}
	return false;
}

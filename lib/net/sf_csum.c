/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums: RFC 1071 (computing), RFC 1624 (incremental update, in sf_net.h),
 * RFC 9293 3.1 (TCP pseudo-header), RFC 8200 8.1 (IPv6 pseudo-header).
 * Byte order convention: see the checksum section of sf_net.h.
 */
#include "sf_net_priv.h"

uint32_t sf_csum_partial(const void *buf, uint32_t len, uint32_t sum)
{
	return csum_partial_inline(buf, len, sum);
}

/* Where the checksum field sits in an L4 header, or -1 when @proto has none we know of. */
static inline int l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case SF_IPPROTO_TCP:
		return SF_TCP_OFF_CSUM;
	case 17: /* UDP */
		return 6;
	case SF_IPPROTO_ICMP:
	case SF_IPPROTO_ICMPV6:
		return 2;
	default:
		return -1;
	}
}

/*
 * Sum @len bytes at @p, skipping the 2-byte checksum field at even offset @skip (if it lies
 * within). Summing around the field, rather than subtracting it afterwards, keeps the one case
 * where +0 and -0 differ right: a message that is all zero must get checksum 0xffff.
 */
static inline uint32_t csum_skip_field(const uint8_t *p, uint32_t len, int skip, uint32_t sum)
{
	if (skip < 0 || (uint32_t)skip + 2 > len)
		return csum_partial_inline(p, len, sum);
	sum = csum_partial_inline(p, (uint32_t)skip, sum);
	return csum_partial_inline(p + skip + 2, len - (uint32_t)skip - 2, sum);
}

uint16_t sf_csum_ip4_hdr(const void *hdr, uint32_t hdr_len)
{
	return (uint16_t)~sf_csum_fold(csum_skip_field(hdr, hdr_len, SF_IP4_OFF_CSUM, 0));
}

uint16_t sf_csum_icmp4(const void *icmp, uint32_t len)
{
	/* RFC 792: the ICMP checksum covers the message alone, no pseudo-header. */
	return (uint16_t)~sf_csum_fold(csum_skip_field(icmp, len, l4_csum_off(SF_IPPROTO_ICMP), 0));
}

uint32_t sf_csum_ip4_pseudo(const void *ip4_hdr, uint32_t l4_len, uint8_t proto)
{
	return csum_ip4_pseudo_inline(ip4_hdr, l4_len, proto);
}

uint32_t sf_csum_ip6_pseudo(const void *ip6_hdr, uint32_t l4_len, uint8_t proto)
{
	return csum_ip6_pseudo_inline(ip6_hdr, l4_len, proto);
}

uint16_t sf_csum_l4_ip4(const void *ip4_hdr, const void *l4, uint32_t l4_len, uint8_t proto)
{
	uint32_t sum = sf_csum_ip4_pseudo(ip4_hdr, l4_len, proto);

	return (uint16_t)~sf_csum_fold(csum_skip_field(l4, l4_len, l4_csum_off(proto), sum));
}

uint16_t sf_csum_l4_ip6(const void *ip6_hdr, const void *l4, uint32_t l4_len, uint8_t proto)
{
	uint32_t sum = sf_csum_ip6_pseudo(ip6_hdr, l4_len, proto);

	return (uint16_t)~sf_csum_fold(csum_skip_field(l4, l4_len, l4_csum_off(proto), sum));
}

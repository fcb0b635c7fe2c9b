/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Toeplitz hash of Microsoft's Receive Side Scaling specification, as NICs compute it over
 * a TCP 4-tuple to pick an rx queue. Not per packet: the port configures the key once, and a
 * client generator hashes a candidate 4-tuple when it picks a local port.
 */
#include "sf_net_priv.h"

/* 0x6d5a repeated 20 times: the 16-bit period makes the hash symmetric (see sf_net.h). */
const uint8_t sf_rss_sym_key[SF_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static inline uint64_t key_byte(const uint8_t *key, uint32_t key_len, uint32_t i)
{
	return i < key_len ? key[i] : 0;
}

uint32_t sf_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *data, uint32_t len)
{
	uint32_t hash = 0;

	for (uint32_t i = 0; i < len; i++) {
		/* Key bits 8i .. 8i+39: the 32-bit window for each of data[i]'s 8 bits. */
		uint64_t win = key_byte(key, key_len, i) << 32 | key_byte(key, key_len, i + 1) << 24 |
			       key_byte(key, key_len, i + 2) << 16 | key_byte(key, key_len, i + 3) << 8 |
			       key_byte(key, key_len, i + 4);
		uint8_t d = data[i];

		for (unsigned int b = 0; b < 8; b++) {
			/* Bit b counts from the most significant: its window starts b bits in. */
			if (d & (0x80u >> b))
				hash ^= (uint32_t)(win >> (8 - b));
		}
	}
	return hash;
}

uint32_t sf_rss_hash_tcp4(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
			  uint16_t dport)
{
	uint8_t in[12];

	/* RSS specification: source address, destination address, source port, destination port. */
	memcpy(in, &saddr, 4);
	memcpy(in + 4, &daddr, 4);
	memcpy(in + 8, &sport, 2);
	memcpy(in + 10, &dport, 2);
	return sf_toeplitz(key, SF_RSS_KEY_LEN, in, sizeof(in));
}

uint32_t sf_rss_hash_tcp6(const uint8_t *key, const uint8_t *saddr, const uint8_t *daddr,
			  uint16_t sport, uint16_t dport)
{
	uint8_t in[36];

	memcpy(in, saddr, 16);
	memcpy(in + 16, daddr, 16);
	memcpy(in + 32, &sport, 2);
	memcpy(in + 34, &dport, 2);
	return sf_toeplitz(key, SF_RSS_KEY_LEN, in, sizeof(in));
}

uint32_t sf_rss_hash_flow(const uint8_t *key, const struct sf_flow_key *k)
{
	/* A received frame comes from the peer: it is the source. */
	if (k->family == SF_AF_INET6)
		return sf_rss_hash_tcp6(key, k->raddr, k->laddr, k->rport, k->lport);
	return sf_rss_hash_tcp4(key, ld32(k->raddr), ld32(k->laddr), k->rport, k->lport);
}

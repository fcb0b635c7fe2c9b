/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CONN_TEST_H
#define CONN_TEST_H

/* Key builders shared by lib/conn's tests. */

#include <stdint.h>
#include <string.h>

#include "sf_conn.h"

#define TCB_SIZE 128

/* IPv4 flow number @i: 198.18.x.y:80 <- 10.a.b.c:port, distinct for every i < 2^32. */
static inline struct sf_flow_key key4(uint32_t i)
{
	struct sf_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = SF_AF_INET;
	k.laddr[0] = 198;
	k.laddr[1] = 18;
	k.raddr[0] = 10;
	k.raddr[1] = (uint8_t)(i >> 24);
	k.raddr[2] = (uint8_t)(i >> 16);
	k.raddr[3] = (uint8_t)(i >> 8);
	k.lport = 80 << 8;
	k.rport = (uint16_t)(1024 + (i & 0xff));
	return k;
}

/* IPv6 flow number @i: 2001:db8::1 port 80 <- 2001:db8:1::i. */
static inline struct sf_flow_key key6(uint32_t i)
{
	struct sf_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = SF_AF_INET6;
	k.laddr[0] = 0x20;
	k.laddr[1] = 0x01;
	k.laddr[2] = 0x0d;
	k.laddr[3] = 0xb8;
	k.laddr[15] = 1;
	memcpy(k.raddr, k.laddr, 16);
	k.raddr[5] = 1;
	k.raddr[12] = (uint8_t)(i >> 24);
	k.raddr[13] = (uint8_t)(i >> 16);
	k.raddr[14] = (uint8_t)(i >> 8);
	k.raddr[15] = (uint8_t)i;
	k.lport = 80 << 8;
	k.rport = 443;
	return k;
}

static inline struct sf_conn *conn_new(uint32_t tcbs, uint32_t tw4, uint32_t tw6, sf_conn_hash_fn fn)
{
	struct sf_conn_config cfg = {
		.tcb_capacity = tcbs,
		.tcb_size = TCB_SIZE,
		.tw4_capacity = tw4,
		.tw6_capacity = tw6,
		.hash_fn = fn,
	};

	return sf_conn_create(&cfg);
}

/* TCBs for key4(0 .. n-1), their indexes in @p idx, UINT32_MAX for each the table refused. */
static inline void alloc_key4s(struct sf_conn *c, uint32_t n, uint32_t *idx)
{
	for (uint32_t i = 0; i < n; i++) {
		struct sf_flow_key k = key4(i);

		if (sf_tcb_alloc(c, &k, sf_conn_hash(c, &k), &idx[i]) != 0)
			idx[i] = UINT32_MAX;
	}
}

#endif /* CONN_TEST_H */

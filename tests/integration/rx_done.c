/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rx_done: received frames that need no answer go back to their pool, whatever they are. A
 * burst of plain mbufs of the lcore's pool returns with one raw put; a burst holding a frame
 * someone else still references, or one from another pool, goes through rte_pktmbuf_free_bulk()
 * instead, which drops that reference or returns it to its own pool. One server lcore over a
 * ring port of tests/common's rig; the frames are IPv4 of a protocol it does not serve, for an
 * address it does not have (dropped and counted). One rule per case; exits 0 when all held, 1
 * otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sf_engine.h"
#include "sf_rig.h"

#define OUR_IP4 RTE_IPV4(198u, 18, 0, 1)
#define OTHER_IP4 RTE_IPV4(198u, 18, 0, 77)

static int failures;

static void rule(int ok, const char *what, unsigned int a, unsigned int b)
{
	printf("%s: %s (%u, %u)\n", ok ? "ok" : "FAIL", what, a, b);
	if (!ok)
		failures++;
}

/* A minimal IPv4 frame (protocol 253, experimental) for an address of no port here. */
static struct rte_mbuf *foreign_frame(struct rte_mempool *mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t f[14 + 20] = {0};
	char *room;

	if (m == NULL || (room = rte_pktmbuf_append(m, sizeof(f))) == NULL)
		return NULL;
	memset(f, 0xff, 6);           /* broadcast destination */
	f[6] = 0x02;                  /* a locally administered source */
	f[12] = 0x08;                 /* IPv4 */
	f[14] = 0x45;
	f[17] = 20;                   /* total length */
	f[22] = 64;                   /* TTL */
	f[23] = 253;
	sf_rig_ip4(f + 26, RTE_IPV4(198u, 18, 0, 9));
	sf_rig_ip4(f + 30, OTHER_IP4);
	memcpy(room, f, sizeof(f));
	return m;
}

/* Frames the lcore dropped, for any reason. */
static uint64_t dropped(const struct sf_lcore *lc)
{
	uint64_t n = lc->stats.not_ours;

	for (unsigned int i = 0; i < SF_DROP__COUNT; i++)
		n += lc->stats.drops[i];
	return n;
}

/* Hand @p n frames to the lcore in one burst and let it poll them. */
static void deliver(struct sf_lcore *lc, struct sf_rig_port *rp, struct rte_mbuf **m, unsigned int n)
{
	if (rte_ring_enqueue_bulk(rp->rx, (void **)m, n, NULL) != n)
		failures++;
	sf_lcore_poll(lc);
}

int main(int argc, char **argv)
{
	struct rte_mempool *mp, *other;
	struct sf_rig_port rp;
	struct sf_lcore *lc;
	struct rte_mbuf *m[4];
	uint64_t before;

	(void)argc;
	if (sf_rig_eal_init(argv[0]) != 0)
		return 1;
	/* No per-lcore caches: the in-use counts are exact. */
	mp = rte_pktmbuf_pool_create("rxd", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	other = rte_pktmbuf_pool_create("rxd_other", 16, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	lc = rte_zmalloc("lc", sizeof(*lc), RTE_CACHE_LINE_SIZE);
	if (mp == NULL || other == NULL || lc == NULL || sf_rig_port_create(&rp, "rxd", mp, OUR_IP4, 1, 0) != 0)
		return 1;
	sf_lcore_init(lc, rte_lcore_id(), 0, &rp.port, 1, mp);
	sf_run.running = true;

	for (unsigned int i = 0; i < 3; i++)
		m[i] = foreign_frame(mp);
	deliver(lc, &rp, m, 3);
	rule(dropped(lc) == 3 && rte_mempool_in_use_count(mp) == 0,
	     "plain frames of the lcore's pool all go back to it", (unsigned int)dropped(lc),
	     rte_mempool_in_use_count(mp));

	/* One frame of the burst is still referenced here: its reference is dropped, not the mbuf. */
	for (unsigned int i = 0; i < 3; i++)
		m[i] = foreign_frame(mp);
	rte_mbuf_refcnt_update(m[1], 1);
	before = dropped(lc);
	deliver(lc, &rp, m, 3);
	rule(dropped(lc) - before == 3 && rte_mempool_in_use_count(mp) == 1 &&
		     rte_mbuf_refcnt_read(m[1]) == 1,
	     "a frame referenced elsewhere stays allocated until its last reference goes",
	     rte_mempool_in_use_count(mp), rte_mbuf_refcnt_read(m[1]));
	rte_pktmbuf_free(m[1]);
	rule(rte_mempool_in_use_count(mp) == 0, "then it goes back", rte_mempool_in_use_count(mp), 0);

	/* A frame of another pool in the burst goes back to its own pool. */
	m[0] = foreign_frame(mp);
	m[1] = foreign_frame(other);
	m[2] = foreign_frame(mp);
	deliver(lc, &rp, m, 3);
	rule(rte_mempool_in_use_count(mp) == 0 && rte_mempool_in_use_count(other) == 0,
	     "a frame of another pool goes back to that pool", rte_mempool_in_use_count(mp),
	     rte_mempool_in_use_count(other));
	rule(rte_mempool_avail_count(mp) == 64 - rte_mempool_in_use_count(mp) &&
		     rte_mempool_avail_count(other) == 16,
	     "no pool holds more mbufs than it owns", rte_mempool_avail_count(mp), rte_mempool_avail_count(other));

	/* The next plain burst takes the one-put path again (the flag does not stick). */
	for (unsigned int i = 0; i < 4; i++)
		m[i] = foreign_frame(mp);
	deliver(lc, &rp, m, 4);
	rule(rte_mempool_in_use_count(mp) == 0 && !lc->done_unusual && lc->nb_done == 0,
	     "a plain burst after an unusual one returns whole", rte_mempool_in_use_count(mp), lc->nb_done);

	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

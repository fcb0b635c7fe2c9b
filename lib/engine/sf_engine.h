/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_ENGINE_H
#define SF_ENGINE_H

/**
 * @file
 * lib/engine: the per-lcore run-to-completion loop. Each worker lcore polls queue q of every
 * port, classifies each frame, answers it in place in the received mbuf and sends it back.
 * Everything a worker touches on the hot path lives in its own struct sf_lcore.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "sf_client.h"
#include "sf_conn.h"
#include "sf_listen.h"
#include "sf_net.h"
#include "sf_port.h"
#include "sf_tcp.h"
#include "sf_timer.h"

/* Frames per rx burst, per tx flush and per client opening round. 64 rather than 32 halves the
 * per-poll costs (the PMD's ring indexes, the clock, the timers) per frame: +8-9 % CPS over
 * memif; 128 adds no more (docs/PERFORMANCE.md). */
#define SF_BURST 64
#define SF_MAX_LCORES 64

/*
 * Payloads up to this many bytes are copied behind the header into the segment's own mbuf;
 * longer ones are attached by reference (an extbuf mbuf chained after the header). For a small
 * payload the copy is the cheaper: attaching takes a second mbuf, two atomic updates of the
 * shared info's refcount (its free in the PMD too), and gives the PMD a second segment to walk
 * (memif copies it anyway). A NIC that DMAs is spared copying a full MSS.
 */
#define SF_PAYLOAD_COPY_MAX 512

/** Per-lcore counters, written only by their lcore, read by the main lcore without locks. */
#define SF_LCORE_COUNTERS(X)                                                                   \
	X(rx_pkts)                                                                             \
	X(rx_bytes)                                                                            \
	X(tx_pkts)                                                                             \
	X(tx_bytes)                                                                            \
	X(tx_full)       /* frames freed because the tx ring had no room */                    \
	X(open_waits)    /* client polls that opened nothing: a transmit found the ring full */  \
	X(arp_replies)                                                                         \
	X(icmp4_replies)                                                                       \
	X(icmp6_replies)                                                                       \
	X(nd_replies)                                                                          \
	X(not_ours)      /* valid ARP, ND, ICMP or TCP for an address that is not ours */      \
	X(arp_ignored)   /* ARP replies and gratuitous ARP: nothing to answer */               \
	X(na_ignored)    /* neighbour advertisements: nothing to answer */                     \
	X(multiseg)      /* chained mbufs on rx: not parsed */                                 \
	X(tcp_no_listener) /* TCP for no connection and no listener: RST or drop */          \
	X(tcp_no_conn)   /* a segment without SYN for no connection (on another lcore?) */     \
	X(tcp_tx_nombuf) /* a segment not sent: no mbuf for it (retransmission covers it) */   \
	X(tcp_table_full) /* a new connection refused: connection table full */               \
	X(timers_fired)                                                                        \
	X(responses)     /* responses queued */                                                \
	X(nd_no_room)    /* NA did not fit in the mbuf */                                      \
	X(busy_cycles)   /* TSC cycles spent in polls that received frames */                  \
	X(idle_cycles)   /* TSC cycles spent in polls that received nothing */                 \
	X(idle_polls)    /* polls that received nothing */                                     \
	X(busy_polls)                                                                          \
	X(stall_polls)   /* polls that took over 1 ms: the lcore lost its core meanwhile */    \
	X(stall_cycles)  /* TSC cycles of those polls (the machine's, not synfin's, time) */

struct sf_lcore_stats {
#define SF_COUNTER_FIELD(name) uint64_t name;
	SF_LCORE_COUNTERS(SF_COUNTER_FIELD)
#undef SF_COUNTER_FIELD
	uint64_t drops[SF_DROP__COUNT]; /**< malformed or unwanted frames, by reason */
} __rte_cache_aligned;

/** Pending transmissions for one port, flushed after every rx burst. */
struct sf_txbuf {
	uint16_t n;
	uint32_t bytes; /**< sum of pkt_len of the pending frames */
	struct rte_mbuf *pkts[SF_BURST];
};

/** Sizes of one lcore's connection state. */
struct sf_conn_sizes {
	uint32_t tcbs;      /**< TCB pool */
	uint32_t tw4, tw6;  /**< compact TIME_WAIT entries */
};

/** All of one worker's state, cache aligned, indexed by worker number. */
struct sf_lcore {
	unsigned int lcore_id;
	uint16_t queue;        /**< the rx/tx queue this lcore owns on every port */
	uint16_t nb_ports;
	struct sf_port *ports[SF_PORT_MAX];
	struct rte_mempool *mp; /**< for segments that have no received mbuf to reuse */
	/* time, read once per poll */
	uint64_t now_tsc;       /**< the TSC at the start of this poll */
	uint64_t now_us;
	uint64_t now_tick;      /**< lib/timer ticks: milliseconds */
	uint64_t tsc_base;
	uint64_t last_tsc;      /**< when the last poll ended: the next one's start and clock */
	double us_per_tsc;
	uint64_t stall_tsc;     /**< a poll longer than this (1 ms) counts as a stall */
	/* TCP */
	struct sf_conn *conn;
	bool tx_ring_full;      /**< a transmit since the client last opened found a full ring */
	const struct sf_conn_stats *conn_stats; /**< sf_conn_stats(conn), read on the SYN and TIME-WAIT paths */
	uint32_t syn_tcb_limit; /**< a SYN takes a TCB only while fewer are in use (cookies beyond); 0: always
				     cookies, UINT32_MAX: never */
	const struct sf_listeners *listeners;
	struct rte_mbuf_ext_shared_info body_shinfo; /**< response bodies attached by reference */
	struct sf_tcp_ctx tcp;
	struct sf_wheel wheel;
	struct sf_client_lcore client;
	struct sf_txbuf tx[SF_PORT_MAX];
	/** Received frames done with (answered by no frame), returned to their pool together after the burst. */
	uint16_t nb_done;
	bool done_unusual;      /**< a frame in done[] is not a plain mbuf of mp (see sf_lcore_rx_done()) */
	struct rte_mbuf *done[SF_BURST];
	struct sf_lcore_stats stats;
} __rte_cache_aligned;

/** Shared run control: written by the main lcore, polled by workers. */
struct sf_run {
	volatile bool running; /**< poll the ports (start/stop) */
	volatile bool quit;    /**< leave the loop for good */
};

extern struct sf_run sf_run;

/** Prepare worker @p w of the lcore: queue number @p queue on each of the @p nb_ports ports. */
void sf_lcore_init(struct sf_lcore *lc, unsigned int lcore_id, uint16_t queue, struct sf_port **ports,
		   uint16_t nb_ports, struct rte_mempool *mp);

/**
 * Give the lcore its TCP state before `start`: the connection table (created once, with
 * @p sizes), the TCP configuration (applied anew, counters and secrets kept) and the listeners.
 * Call while the lcore does not poll. @return 0 or -errno.
 */
int sf_lcore_tcp_setup(struct sf_lcore *lc, const struct sf_conn_sizes *sizes, const struct sf_tcp_config *cfg,
		       const struct sf_listeners *listeners);

/**
 * Give the lcore its client generator before `start` (after sf_lcore_tcp_setup): worker
 * @p worker of @p nb_workers takes its share of the rate, concurrency and source space.
 * @p cfg NULL turns the client off. @return 0 or -errno.
 */
int sf_lcore_client_setup(struct sf_lcore *lc, const struct sf_client_cfg *cfg, unsigned int worker,
			  unsigned int nb_workers, uint32_t tcb_capacity);

/** Release the lcore's client generator (at exit). */
void sf_lcore_client_free(struct sf_lcore *lc);

/** Open the connections the pacer allows now (called once per poll). */
void sf_client_poll(struct sf_lcore *lc);

/** One received frame as the classifier left it, between the two passes over a burst. */
struct sf_rx_frame {
	struct sf_pkt pkt;
	struct sf_tcp_seg seg;
	struct sf_flow_key key;
	uint32_t hash;       /**< TCP: sf_conn_hash_crc(&key) */
	enum sf_drop_reason why;
	bool tcp;            /**< sf_rx_frame_is_tcp(), worked out once by the first pass */
};

/** Is the classified frame a TCP segment, for the TCP path? */
static inline bool sf_rx_frame_is_tcp(const struct sf_rx_frame *x)
{
	return x->why == SF_DROP_NONE && (x->pkt.kind == SF_PKT_TCP4 || x->pkt.kind == SF_PKT_TCP6);
}

/** Handle one classified TCP segment in @p m (lib/engine's TCP path). */
void sf_tcp_handle(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, const struct sf_rx_frame *x);

/** Answer, drop or count a classified frame that is not a TCP segment (or any frame, to sf_tcp_handle() when TCP). */
void sf_rx_dispatch(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m, const struct sf_rx_frame *x);

/** The second pass over a classified burst: each frame in order, TCP on the TCP path, the rest to sf_rx_dispatch(). */
void sf_rx_burst_dispatch(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf **pkts, const struct sf_rx_frame *x,
			  uint16_t n);

/** Run the lcore's expired timers: retransmissions, delayed ACKs, 2MSL. */
void sf_tcp_timers(struct sf_lcore *lc);

/** Send the frames queued for port index @p pi; what the ring refuses is freed and counted. */
void sf_lcore_tx_flush(struct sf_lcore *lc, uint16_t pi);

/** Queue a frame for transmission on port index @p pi (flushed after the burst). */
static inline void sf_lcore_tx(struct sf_lcore *lc, uint16_t pi, struct rte_mbuf *m)
{
	struct sf_txbuf *tb = &lc->tx[pi];

	tb->bytes += m->pkt_len;
	tb->pkts[tb->n++] = m;
	if (unlikely(tb->n == SF_BURST))
		sf_lcore_tx_flush(lc, pi);
}

/** Return the frames sf_lcore_rx_done() collected to their pool. */
static inline void sf_lcore_rx_done_flush(struct sf_lcore *lc)
{
	if (lc->nb_done == 0)
		return;
	if (likely(!lc->done_unusual))
		rte_mempool_put_bulk(lc->mp, (void **)lc->done, lc->nb_done);
	else
		rte_pktmbuf_free_bulk(lc->done, lc->nb_done);
	lc->nb_done = 0;
	lc->done_unusual = false;
}

/**
 * A received frame is done with: freed with the others of its burst (one pool operation). A
 * plain mbuf of the lcore's pool (one segment, one reference, its own data) is already in the
 * state the pool keeps them in (rte_mbuf_raw_free()'s contract), so the burst goes back with
 * one put, skipping rte_pktmbuf_free_bulk()'s per-mbuf work; anything else sends the whole
 * burst through it.
 */
static inline void sf_lcore_rx_done(struct sf_lcore *lc, struct rte_mbuf *m)
{
	lc->done_unusual |= (m->pool != lc->mp) | (rte_mbuf_refcnt_read(m) != 1) | (m->nb_segs != 1) |
			    !RTE_MBUF_DIRECT(m);
	lc->done[lc->nb_done++] = m;
	if (unlikely(lc->nb_done == SF_BURST))
		sf_lcore_rx_done_flush(lc);
}

/** The worker loop; @p arg is a struct sf_lcore. Returns when sf_run.quit is set. */
int sf_lcore_loop(void *arg);

/**
 * Run one poll of every port: rx burst, handle, tx. Exposed so the main lcore can poll
 * when it is the only lcore, and so tests can drive the loop. Returns frames received.
 */
unsigned int sf_lcore_poll(struct sf_lcore *lc);

/**
 * Wait a moment while packet processing is stopped, and keep the poll clock current, so the
 * first poll after `start` neither counts the stopped time as its own nor as a stall.
 */
void sf_lcore_pause(struct sf_lcore *lc);

/** Handle one received frame from @p port (classify, answer in place or drop). */
void sf_lcore_handle(struct sf_lcore *lc, uint16_t port_idx, struct rte_mbuf *m);

/** Sum @p n lcores' counters into @p out (main lcore, no locks: counters are monotonic). */
void sf_lcore_stats_sum(struct sf_lcore *const *lcs, unsigned int n, struct sf_lcore_stats *out);

/** Zero the counters of one lcore (racy by design: used by `clear` while stopped or running). */
void sf_lcore_stats_clear(struct sf_lcore *lc);

/** Print counters, drops by reason included, skipping zero drop reasons. */
void sf_lcore_stats_print(const struct sf_lcore_stats *s, FILE *f);

#endif /* SF_ENGINE_H */

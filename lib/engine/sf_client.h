/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_CLIENT_H
#define SF_CLIENT_H

/**
 * @file
 * Client mode: what to connect to, how fast and what to ask (configured from the CLI while
 * stopped, read-only for the workers), and each worker's generator state, counters and
 * latency histograms.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sf_clientgen.h"
#include "sf_hist.h"
#include "sf_listen.h"
#include "sf_timer.h"

#define SF_CLIENT_MAX_DST 16
/** Bytes of the expected body compared per memcmp (a multiple of any pattern period up to 64 would
 * do; the pattern's own period is found at build). */
#define SF_CLIENT_BODY_CHUNK 2048

/** Why a client connection failed. */
#define SF_CLIENT_FAIL_REASONS(X)                                                    \
	X(SYN_TIMEOUT, "syn_timeout")             /* no SYN-ACK within the retries */ \
	X(RST, "rst")                             /* the server reset it */           \
	X(TIMEOUT, "timeout")                     /* data or FIN never acknowledged */ \
	X(RESPONSE_TIMEOUT, "response_timeout")   /* no whole response in time */     \
	X(RESPONSE_MISMATCH, "response_mismatch") /* bad status, length or bytes */    \
	X(NO_TUPLE, "no_tuple")                   /* no free local port for it */      \
	X(NO_TCB, "no_tcb")                       /* TCB pool or table full */

enum sf_client_fail {
#define SF_X(name, str) SF_CLIENT_FAIL_##name,
	SF_CLIENT_FAIL_REASONS(SF_X) SF_CLIENT_FAIL__COUNT
#undef SF_X
};

/** Name of a failure reason, for stats. */
const char *sf_client_fail_name(enum sf_client_fail f);

/** The client's configuration, shared read-only by the workers once started. */
struct sf_client_cfg {
	bool enabled;
	uint8_t family;
	uint8_t src_first[16];
	uint32_t src_count;
	struct sf_portalloc_dst dst[SF_CLIENT_MAX_DST];
	uint32_t nb_dst;
	uint16_t dport_lo, dport_hi; /**< destination ports, host order */
	uint16_t sport_lo, sport_hi; /**< local ports, host order */
	uint64_t rate;               /**< connections per second, all lcores; 0: as fast as possible */
	uint32_t duration_s;         /**< stop opening after this; 0: until `stop` */
	uint32_t concurrency;        /**< open connections at most, all lcores; 0: no limit */
	uint32_t requests;           /**< per connection; 0: handshake and close only */
	uint8_t request_kind;        /**< SF_RESPONSE_HTTP (GET) or SF_RESPONSE_RAW */
	char path[128];              /**< HTTP path */
	uint32_t raw_bytes;          /**< raw request size */
	uint32_t raw_response;       /**< raw: bytes that make one response */
	uint8_t close_policy;        /**< enum sf_close_policy: who ends the connection */
	uint32_t ramp_s;             /**< reach the rate linearly over this */
	uint32_t response_timeout_ms; /**< a request unanswered this long fails the connection */
	bool skip_body_check;        /**< trust response bodies unread (measures the check's cost; off by default) */
	struct sf_response request;  /**< the request bytes, built at start, sent by reference */
	/** The response body pattern from offset 0, long enough that a chunk at any phase fits:
	 * checking a segment is a memcmp, not a division per byte. Built by sf_client_build(). */
	uint32_t body_period;
	uint32_t body_chunk;         /**< the largest multiple of body_period <= SF_CLIENT_BODY_CHUNK */
	uint8_t body_ref[2 * SF_CLIENT_BODY_CHUNK];
};

/** Build the request bytes (and sums) for @p mss. @return 0 or -ENOMEM. */
int sf_client_build(struct sf_client_cfg *c, uint32_t mss);

/** Per-lcore client counters; written by their lcore only. */
struct sf_client_stats {
	uint64_t attempted;   /**< SYNs of new connections */
	uint64_t established; /**< handshakes completed */
	uint64_t completed;   /**< connections that did all they should and closed */
	uint64_t failed[SF_CLIENT_FAIL__COUNT];
	uint64_t requests;    /**< requests sent */
	uint64_t responses;   /**< responses received whole and correct */
	uint64_t open;        /**< gauge: connections of the client on this lcore */
	uint64_t arp_sent;    /**< ARP requests / neighbour solicitations for destinations */
};

/** One client connection's progress, beside its TCB (indexed like the TCB pool). */
struct sf_client_conn {
	uint32_t t_start_us;  /**< SYN sent (low 32 bits of the lcore's microsecond clock) */
	uint32_t t_req_us;    /**< current request sent */
	uint32_t resp_left;   /**< bytes of the current response still due; SF_CLIENT_HDR: header */
	uint32_t body_off;    /**< bytes of the current response body seen */
	uint16_t requests;    /**< responses completed */
	uint8_t flags;        /**< SF_CC_* */
	uint8_t hdr_state;    /**< end-of-header matcher */
	uint32_t pad;
	struct sf_timer resp_timer; /**< response timeout, on the lcore's wheel */
};
#define SF_CLIENT_HDR UINT32_MAX
#define SF_CC_FIRST_BYTE 0x01 /**< a byte of the current response arrived */
#define SF_CC_FAILED     0x02 /**< counted as failed already */
#define SF_CC_DONE       0x04 /**< every response arrived */
#define SF_CC_ESTABLISHED 0x08 /**< the handshake completed */

/** One worker's generator. */
struct sf_client_lcore {
	const struct sf_client_cfg *cfg; /**< NULL: no client on this lcore */
	struct sf_pacer pacer;
	struct sf_portalloc *alloc;
	struct sf_client_conn *conns;    /**< tcb capacity entries */
	uint32_t nb_conns;
	uint64_t max_open;               /**< this lcore's share of the concurrency */
	uint64_t stop_tsc;               /**< stop opening at this TSC; UINT64_MAX: never */
	uint64_t next_resolve_tsc;       /**< next ARP/ND for unresolved destinations */
	uint32_t next_dst;
	int32_t neigh[SF_CLIENT_MAX_DST]; /**< neighbour index of each destination's next hop */
	/** The engine's words (engine_priv.h, struct conn_app) a new connection's TCB gets for each
	 *  destination: its next hop's MAC as this poll's check for it read it, port, client role. */
	uint8_t dst_app[SF_CLIENT_MAX_DST][16];
	uint8_t port_idx;                /**< lcore's port index the client opens on (role client) */
	bool opening;                    /**< still opening new connections */
	struct sf_client_stats stats;
	struct sf_hist h_connect;        /**< SYN to SYN-ACK, us */
	struct sf_hist h_response;       /**< request to first response byte, us */
	struct sf_hist h_total;          /**< SYN to close, us */
	struct sf_tcp_tmpl syn_tmpl;     /**< the SYN's header (family 0: none yet), made from the first */
};

#endif /* SF_CLIENT_H */

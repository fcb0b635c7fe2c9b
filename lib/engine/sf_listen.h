/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_LISTEN_H
#define SF_LISTEN_H

/**
 * @file
 * Server mode's configuration: listeners (address, port range) and what each answers (response
 * kind and size, requests per connection, close policy). Configured from the CLI while stopped;
 * read-only for the workers once started.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sf_net.h"

#define SF_LISTENERS_MAX 16

/** What a listener answers to each request. */
enum sf_response_kind {
	SF_RESPONSE_NONE = 0, /**< nothing: the client's data is only acknowledged */
	SF_RESPONSE_HTTP,     /**< an HTTP/1.1 200 OK with a Content-Length body per request */
	SF_RESPONSE_RAW,      /**< N bytes per request */
};

/** Who ends the connection once its requests are answered. */
enum sf_close_policy {
	SF_CLOSE_CLIENT = 0, /**< wait for the client's FIN (TIME_WAIT lands on the client) */
	SF_CLOSE_SERVER,     /**< FIN right after the last response (TIME_WAIT lands on synfin) */
	SF_CLOSE_RST,        /**< RST right after the last response */
};

/**
 * The bytes of every response, built once at `start`: the response is sent by reference from
 * here, never copied per connection. chunk_sum[i] is the one's-complement partial sum of the
 * i-th MSS-sized chunk, so a segment that starts on a chunk boundary needs no summing.
 */
struct sf_response {
	uint8_t *bytes;       /**< header (HTTP) + body, len bytes */
	uint64_t iova;        /**< IO address of bytes (for NICs that DMA the body) */
	uint32_t len;
	uint32_t chunk;       /**< chunk size the sums were computed for (the MSS) */
	uint32_t nb_chunks;
	uint32_t *chunk_sum;
};

/** "client", "server", "rst" for a close policy; "none", "http", "raw" for a response kind. */
const char *sf_close_policy_name(enum sf_close_policy c);
const char *sf_response_kind_name(enum sf_response_kind k);
/** The close policy named @p s ("client", "server" or "rst"), or -1. */
int sf_close_policy_parse(const char *s);

/** Release a response's bytes and sums (built by sf_listeners_build or sf_client_build). */
void sf_response_free(struct sf_response *r);

/** One listener. */
struct sf_listener {
	uint8_t family;      /**< SF_AF_INET or SF_AF_INET6 */
	uint8_t any;         /**< listen on every address of the family */
	uint8_t addr[16];
	uint16_t port_lo, port_hi; /**< host order, inclusive */
	uint8_t response_kind;     /**< enum sf_response_kind */
	uint8_t close_policy;      /**< enum sf_close_policy */
	uint32_t response_bytes;   /**< body bytes (HTTP) or bytes (raw) */
	uint32_t requests;         /**< requests per connection before the close policy; 0: no limit */
	struct sf_response response; /**< built by sf_listeners_build() */
};

/** Every listener of the process; a port-number index finds one in O(1). */
struct sf_listeners {
	unsigned int n;
	struct sf_listener l[SF_LISTENERS_MAX];
	/** by_port[p] = 1 + index of the first listener whose range holds port p, 0: none. */
	uint8_t by_port[65536];
};

/** The response body's byte at offset @p i: a fixed pattern the tests check byte for byte. */
static inline uint8_t sf_response_body_byte(uint32_t i)
{
	static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	return (uint8_t)pattern[i % (sizeof(pattern) - 1)];
}

/**
 * Add a listener; where ranges overlap on one address, the first added wins.
 * @return 0, -ENOSPC when full, -EINVAL for an empty range.
 */
int sf_listeners_add(struct sf_listeners *ls, const struct sf_listener *l);

/** Remove every listener (and free their responses). */
void sf_listeners_clear(struct sf_listeners *ls);

/** Build every listener's response bytes and chunk sums for @p mss. @return 0 or -ENOMEM. */
int sf_listeners_build(struct sf_listeners *ls, uint32_t mss);

/** Does listener @p l take a segment to @p key's local address and port @p port (host order)? */
static inline bool sf_listener_takes(const struct sf_listener *l, const struct sf_flow_key *key, uint16_t port)
{
	if (l->family != key->family || port < l->port_lo || port > l->port_hi)
		return false;
	if (l->any)
		return true;
	return key->family == SF_AF_INET ? __builtin_memcmp(l->addr, key->laddr, 4) == 0
					  : __builtin_memcmp(l->addr, key->laddr, 16) == 0;
}

/** The listener for a segment to local address/port (network-order port), or NULL. */
static inline const struct sf_listener *sf_listeners_find(const struct sf_listeners *ls,
							   const struct sf_flow_key *key)
{
	uint16_t port = (uint16_t)((key->lport >> 8) | (key->lport << 8)); /* to host order */
	unsigned int i = ls->by_port[port];

	if (i == 0)
		return 0;
	/* by_port holds the first candidate, which nearly always takes it; several listeners may
	 * share a port on other addresses. */
	for (i = i - 1; i < ls->n; i++)
		if (sf_listener_takes(&ls->l[i], key, port))
			return &ls->l[i];
	return 0;
}

/**
 * HTTP requests end with an empty line. Scan @p len bytes of request data for CR LF CR LF,
 * carrying the match state across segments in @p state (0..3). @return requests completed.
 */
unsigned int sf_http_requests_in(const uint8_t *data, uint32_t len, uint8_t *state);

#endif /* SF_LISTEN_H */

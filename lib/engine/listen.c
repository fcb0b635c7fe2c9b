/* SPDX-License-Identifier: BSD-3-Clause */
#include "sf_listen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

static const char *const close_names[] = {"client", "server", "rst"};
static const char *const response_names[] = {"none", "http", "raw"};

const char *sf_close_policy_name(enum sf_close_policy c)
{
	return (unsigned int)c < RTE_DIM(close_names) ? close_names[c] : "?";
}

const char *sf_response_kind_name(enum sf_response_kind k)
{
	return (unsigned int)k < RTE_DIM(response_names) ? response_names[k] : "?";
}

int sf_close_policy_parse(const char *s)
{
	for (unsigned int i = 0; i < RTE_DIM(close_names); i++)
		if (strcmp(s, close_names[i]) == 0)
			return (int)i;
	return -1;
}

int sf_listeners_add(struct sf_listeners *ls, const struct sf_listener *l)
{
	if (l->port_lo == 0 || l->port_lo > l->port_hi)
		return -EINVAL;
	if (ls->n == SF_LISTENERS_MAX)
		return -ENOSPC;
	ls->l[ls->n] = *l;
	memset(&ls->l[ls->n].response, 0, sizeof(ls->l[ls->n].response));
	ls->n++;
	for (uint32_t p = l->port_lo; p <= l->port_hi; p++)
		if (ls->by_port[p] == 0)
			ls->by_port[p] = (uint8_t)ls->n;
	return 0;
}

void sf_response_free(struct sf_response *r)
{
	rte_free(r->bytes);
	rte_free(r->chunk_sum);
	memset(r, 0, sizeof(*r));
}

void sf_listeners_clear(struct sf_listeners *ls)
{
	for (unsigned int i = 0; i < ls->n; i++)
		sf_response_free(&ls->l[i].response);
	memset(ls, 0, sizeof(*ls));
}

static int response_build(struct sf_response *r, const struct sf_listener *l, uint32_t mss)
{
	char head[128];
	int hlen = 0;
	uint32_t body = l->response_bytes;

	sf_response_free(r);
	if (l->response_kind == SF_RESPONSE_NONE)
		return 0;
	if (l->response_kind == SF_RESPONSE_HTTP)
		hlen = snprintf(head, sizeof(head),
				"HTTP/1.1 200 OK\r\nContent-Length: %u\r\nContent-Type: text/plain\r\n\r\n", body);
	r->len = (uint32_t)hlen + body;
	if (r->len == 0)
		return 0;
	/* EAL memory: it has an IOVA, so NICs can DMA the body straight from it. */
	r->bytes = rte_malloc("sf_response", r->len, RTE_CACHE_LINE_SIZE);
	r->chunk = mss;
	r->nb_chunks = (r->len + mss - 1) / mss;
	r->chunk_sum = rte_calloc("sf_response_sums", r->nb_chunks, sizeof(*r->chunk_sum), 0);
	if (r->bytes == NULL || r->chunk_sum == NULL) {
		sf_response_free(r);
		return -ENOMEM;
	}
	r->iova = rte_malloc_virt2iova(r->bytes);
	memcpy(r->bytes, head, (size_t)hlen);
	for (uint32_t i = 0; i < body; i++)
		r->bytes[hlen + i] = sf_response_body_byte(i);
	for (uint32_t c = 0; c < r->nb_chunks; c++) {
		uint32_t off = c * mss, len = r->len - off < mss ? r->len - off : mss;

		r->chunk_sum[c] = sf_csum_partial(r->bytes + off, len, 0);
	}
	return 0;
}

int sf_listeners_build(struct sf_listeners *ls, uint32_t mss)
{
	for (unsigned int i = 0; i < ls->n; i++) {
		int rc = response_build(&ls->l[i].response, &ls->l[i], mss);

		if (rc != 0)
			return rc;
	}
	return 0;
}

unsigned int sf_http_requests_in(const uint8_t *data, uint32_t len, uint8_t *state)
{
	/* state = how much of "\r\n\r\n" the bytes so far end with. */
	static const uint8_t want[4] = {'\r', '\n', '\r', '\n'};
	unsigned int done = 0;
	uint8_t s = *state;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		if (c == want[s])
			s++;
		else
			s = c == '\r' ? 1 : 0;
		if (s == 4) {
			done++;
			s = 0;
		}
	}
	*state = s;
	return done;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_conn_timer: lib/conn and lib/timer against DPDK's rte_hash and rte_timer (issue 4).
 *
 * Run (one command, from the repository root, after `ninja -C build`):
 *
 *     build/tests/perf/bench_conn_timer
 *
 * Options: --sizes 1000000,10000000 (entries per lcore), --runs 5, --only table|timer|tw
 * (one part; the other rows are left out, their targets read 0). It starts its own EAL
 * (--no-huge -m 6144 --no-pci --no-shconf --file-prefix bench-conn, one lcore) for rte_hash
 * and rte_timer; lib/conn and lib/timer need none. Peak resident memory 3.2 GB; the default
 * (5 runs at 1M and 10M) takes about 10 minutes on the project's 2-vCPU VM.
 *
 * Every figure is the median of the runs, in ns per operation, measured with the thread's CPU
 * clock (time descheduled on a shared machine does not count) around loops of at least a
 * million operations (idle ticks: 10^5 and 10^7). Keys are generated from an
 * index in registers (the engine has the key in the packet, hot), visited in a random order
 * so every table access misses the cache as it would with millions of flows; hashes are
 * computed inside the timed loop (CRC32-C) for both tables. Ratios are rte / synfin: above 1
 * means synfin is faster.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_timer.h>

#include "sf_conn.h"
#include "sf_timer.h"

#define MAX_RUNS 9
#define MAX_ROWS 48
#define BURST 32
#define PF_DIST 16           /* prefetch distance of the single-key pipelines */
#define TIMER_RANGE 600000u  /* deadlines over 10 minutes of 1 ms ticks */
#define EXPIRE_SPREAD 50u    /* deadlines of the expiry rows, ticks (ms) */
#define MSL2 60000u          /* 2MSL in ticks */
#define TCB_SIZE 128
#define SAMPLE_MAX 4000000u  /* lookups per measurement */
#define RTE_TIMER_MAX 1000000u /* rte_timer population cap: a 10M skiplist takes minutes a pass */

struct row {
	char name[64];
	double sf[MAX_RUNS], ref[MAX_RUNS];
	int has_ref;
	int n;
};

static struct row rows[MAX_ROWS];
static unsigned int nrows;
static unsigned int runs = 5;
static const char *only = "";  /* --only table|timer|tw: one part of the benchmark */
static volatile uint64_t sink;

/* CPU time of this thread: the machine is shared, and time spent descheduled is not ours. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct row *row_get(const char *name)
{
	for (unsigned int i = 0; i < nrows; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	snprintf(rows[nrows].name, sizeof(rows[nrows].name), "%s", name);
	return &rows[nrows++];
}

static void record(const char *name, int run, double sf_ns, double ref_ns)
{
	struct row *r = row_get(name);

	r->sf[run] = sf_ns;
	r->ref[run] = ref_ns;
	r->has_ref = ref_ns >= 0;
	if (run + 1 > r->n)
		r->n = run + 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double row_median(const char *name, int ref)
{
	struct row *r = row_get(name);

	return r->n == 0 ? 0 : median(ref ? r->ref : r->sf, r->n);
}

/* ---- keys and random order ---- */

/* IPv4 flow @i: distinct for every i, built in registers and stored as whole 8-byte words.
 * (Byte-wise stores followed at once by the hash's 8-byte loads defeat store forwarding and
 * cost about 10 ns a key on this machine: an artifact to keep out of every row.) */
static inline void make_key(uint32_t i, struct sf_flow_key *k)
{
	uint64_t w[5];

	w[0] = 198u | 18u << 8 | 1u << 24;                  /* laddr 198.18.0.1 */
	w[1] = 0;
	w[2] = (uint64_t)(i ^ 10u);                          /* raddr */
	w[3] = 0;
	w[4] = 0x5000u | (uint64_t)(1024 + ((i >> 7) & 0x3fff)) << 16 | (uint64_t)SF_AF_INET << 32;
	memcpy(k, w, sizeof(w));
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void shuffle(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		a[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd() % (i + 1));
		uint32_t t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

/* Timer nodes live in TCBs, in lib/conn's hugepage-hinted pool: give both wheels' nodes the
 * same kind of memory, faulted in before timing. */
static void *big_zalloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(1);
	}
	(void)madvise(p, n, MADV_HUGEPAGE);
	memset(p, 0, n);
	return p;
}

/* ---- connection table ---- */

static struct sf_conn *table_new(uint32_t n)
{
	struct sf_conn_config cfg = {.tcb_capacity = n, .tcb_size = TCB_SIZE};
	struct sf_conn *c = sf_conn_create(&cfg);

	if (c == NULL) {
		fprintf(stderr, "sf_conn_create(%u): %s\n", n, strerror(errno));
		exit(1);
	}
	return c;
}

static double sf_insert(struct sf_conn *c, uint32_t n, uint32_t *idx, int prefetch)
{
	uint32_t hashes[PF_DIST];
	struct sf_flow_key k;
	double t0 = now_ns();

	if (!prefetch) {
		for (uint32_t i = 0; i < n; i++) {
			make_key(i, &k);
			if (sf_tcb_alloc(c, &k, sf_conn_hash_crc(&k), &idx[i]) != 0)
				exit(2);
		}
		return (now_ns() - t0) / n;
	}
	for (uint32_t i = 0; i < PF_DIST && i < n; i++) {
		make_key(i, &k);
		hashes[i] = sf_conn_hash_crc(&k);
		sf_conn_prefetch_insert(c, hashes[i]);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = hashes[i % PF_DIST];

		if (i + PF_DIST < n) {
			struct sf_flow_key ahead;

			make_key(i + PF_DIST, &ahead);
			hashes[i % PF_DIST] = sf_conn_hash_crc(&ahead);
			sf_conn_prefetch_insert(c, hashes[i % PF_DIST]);
		}
		make_key(i, &k);
		if (sf_tcb_alloc(c, &k, h, &idx[i]) != 0)
			exit(2);
	}
	return (now_ns() - t0) / n;
}

/* Look up @m keys in the order of @perm, offset by @offset (n: all miss). mode 0: one at a
 * time; 1: bursts of 32; 2: bursts of 32 with the next burst's buckets prefetched while this
 * one is looked up, as the engine does with its rx bursts. Returns ns per lookup. */
static double sf_lookup(struct sf_conn *c, const uint32_t *perm, uint32_t m, uint32_t offset, int mode)
{
	struct sf_flow_key keys[2][BURST];
	const struct sf_flow_key *kp[BURST];
	uint32_t hashes[2][BURST], vals[BURST];
	uint64_t found = 0;
	double t0 = now_ns();

	if (mode == 0) {
		for (uint32_t j = 0; j < m; j++) {
			make_key(perm[j] + offset, &keys[0][0]);
			found += sf_conn_lookup(c, &keys[0][0], sf_conn_hash_crc(&keys[0][0])) != SF_CONN_MISS;
		}
		sink += found;
		return (now_ns() - t0) / m;
	}
	for (unsigned int b = 0; b < BURST; b++) {
		make_key(perm[b] + offset, &keys[0][b]);
		hashes[0][b] = sf_conn_hash_crc(&keys[0][b]);
	}
	for (uint32_t j = 0, cur = 0; j + BURST <= m; j += BURST, cur ^= 1) {
		if (mode == 2 && j + 2 * BURST <= m) {
			for (unsigned int b = 0; b < BURST; b++) {
				make_key(perm[j + BURST + b] + offset, &keys[cur ^ 1][b]);
				hashes[cur ^ 1][b] = sf_conn_hash_crc(&keys[cur ^ 1][b]);
				sf_conn_prefetch(c, hashes[cur ^ 1][b]);
			}
		}
		for (unsigned int b = 0; b < BURST; b++)
			kp[b] = &keys[cur][b];
		sf_conn_lookup_burst(c, kp, hashes[cur], BURST, vals);
		for (unsigned int b = 0; b < BURST; b++)
			found += vals[b] != SF_CONN_MISS;
		if (mode == 1 && j + 2 * BURST <= m) {
			for (unsigned int b = 0; b < BURST; b++) {
				make_key(perm[j + BURST + b] + offset, &keys[cur ^ 1][b]);
				hashes[cur ^ 1][b] = sf_conn_hash_crc(&keys[cur ^ 1][b]);
			}
		}
	}
	sink += found;
	return (now_ns() - t0) / m;
}

static double sf_delete(struct sf_conn *c, const uint32_t *order, uint32_t n, int prefetch)
{
	double t0 = now_ns();

	for (uint32_t j = 0; j < n; j++) {
		if (prefetch) {
			/* the engine deletes a TCB it has just used: its key line and bucket are warm */
			if (j + 2 * PF_DIST < n)
				__builtin_prefetch(sf_tcb_key(c, order[j + 2 * PF_DIST]));
			if (j + PF_DIST < n)
				sf_conn_prefetch(c, sf_tcb_hash(c, order[j + PF_DIST]));
		}
		sf_tcb_free(c, order[j]);
	}
	return (now_ns() - t0) / n;
}

static void delete_order(const uint32_t *perm, const uint32_t *idx, uint32_t n, uint32_t *order)
{
	for (uint32_t j = 0; j < n; j++)
		order[j] = idx[perm[j]];
}

static struct rte_hash *rte_table_new(uint32_t n)
{
	static unsigned int serial;
	char name[32];
	struct rte_hash_parameters p = {
		.name = name,
		.entries = n,
		.key_len = sizeof(struct sf_flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "bench%u", serial++);
	h = rte_hash_create(&p);
	if (h == NULL) {
		fprintf(stderr, "rte_hash_create(%u) failed: %s\n", n, rte_strerror(rte_errno));
		exit(1);
	}
	return h;
}

static double rte_insert(struct rte_hash *h, uint32_t n)
{
	struct sf_flow_key k;
	uint32_t failed = 0;
	double t0 = now_ns();

	for (uint32_t i = 0; i < n; i++) {
		make_key(i, &k);
		failed += rte_hash_add_key_data(h, &k, (void *)(uintptr_t)i) != 0;
	}
	t0 = (now_ns() - t0) / n;
	if (failed != 0)
		printf("  (rte_hash refused %u of %u inserts)\n", failed, n);
	return t0;
}

static double rte_lookup(struct rte_hash *h, const uint32_t *perm, uint32_t m, uint32_t offset, int burst)
{
	struct sf_flow_key keys[BURST];
	const void *kp[BURST];
	void *data[BURST];
	uint64_t found = 0;
	double t0 = now_ns();

	if (!burst) {
		for (uint32_t j = 0; j < m; j++) {
			make_key(perm[j] + offset, &keys[0]);
			found += rte_hash_lookup_data(h, &keys[0], &data[0]) >= 0;
		}
	} else {
		for (uint32_t j = 0; j + BURST <= m; j += BURST) {
			uint64_t hit = 0;

			for (unsigned int b = 0; b < BURST; b++) {
				make_key(perm[j + b] + offset, &keys[b]);
				kp[b] = &keys[b];
			}
			rte_hash_lookup_bulk_data(h, kp, BURST, &hit, data);
			found += (uint64_t)__builtin_popcountll(hit);
		}
	}
	sink += found;
	return (now_ns() - t0) / m;
}

static double rte_delete(struct rte_hash *h, const uint32_t *perm, uint32_t n)
{
	struct sf_flow_key k;
	double t0 = now_ns();

	for (uint32_t j = 0; j < n; j++) {
		make_key(perm[j], &k);
		sink += (uint64_t)rte_hash_del_key(h, &k);
	}
	return (now_ns() - t0) / n;
}

static void bench_table(uint32_t n, int run, const uint32_t *perm, uint32_t *idx, uint32_t *order)
{
	uint32_t m = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	struct sf_conn *c = table_new(n);
	struct rte_hash *h = rte_table_new(n);
	double a, b;

	a = sf_insert(c, n, idx, 0);
	b = rte_insert(h, n);
	record("insert", run, a, b);
	a = sf_lookup(c, perm, m, 0, 0);
	b = rte_lookup(h, perm, m, 0, 0);
	record("lookup hit", run, a, b);
	a = sf_lookup(c, perm, m, 0, 1);
	b = rte_lookup(h, perm, m, 0, 1);
	record("lookup hit, prefetch (burst 32)", run, a, b);
	a = sf_lookup(c, perm, m, 0, 2);
	record("lookup hit, burst 32 + next burst prefetched", run, a, b);
	a = sf_lookup(c, perm, m, n, 0);
	b = rte_lookup(h, perm, m, n, 0);
	record("lookup miss", run, a, b);
	a = sf_lookup(c, perm, m, n, 1);
	b = rte_lookup(h, perm, m, n, 1);
	record("lookup miss, prefetch (burst 32)", run, a, b);
	a = sf_lookup(c, perm, m, n, 2);
	record("lookup miss, burst 32 + next burst prefetched", run, a, b);
	delete_order(perm, idx, n, order);
	a = sf_delete(c, order, n, 0);
	b = rte_delete(h, perm, n);
	record("delete", run, a, b);
	/* rte_hash has no per-key prefetch for add and delete: its plain figures stand in.
	 * A fresh table, so both insert rows start from the same state. */
	sf_conn_free(c);
	c = table_new(n);
	a = sf_insert(c, n, idx, 1);
	record("insert, prefetch (16 ahead)", run, a, row_get("insert")->ref[run]);
	delete_order(perm, idx, n, order);
	a = sf_delete(c, order, n, 1);
	record("delete, prefetch (16 ahead)", run, a, row_get("delete")->ref[run]);
	/* Worst case for the free stack: every TCB freed in random order, so the records the
	 * next inserts write are scattered (the engine's stack top is the TCBs freed last, warm). */
	a = sf_insert(c, n, idx, 1);
	record("insert, prefetch, pool shuffled by random frees", run, a, row_get("insert")->ref[run]);
	delete_order(perm, idx, n, order);
	sf_delete(c, order, n, 1);
	if (sf_conn_stats(c)->table_used != 0)
		exit(3);
	rte_hash_free(h);
	sf_conn_free(c);
}

/* ---- timers ---- */

static uint64_t timer_fired;

static void rte_cb(struct rte_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	timer_fired++;
}

static double wheel_expire_all(struct sf_wheel *w, uint64_t from, uint64_t to, uint64_t expect)
{
	struct sf_timer *out[256];
	uint64_t got = 0;
	double t0 = now_ns();

	for (uint64_t now = from; now <= to; now++) {
		unsigned int k;

		do {
			k = sf_wheel_expire(w, now, out, 256);
			for (unsigned int i = 0; i < k; i++)
				got += out[i]->expires != 0; /* the caller touches what it gets */
		} while (k == 256);
	}
	t0 = now_ns() - t0;
	if (got + 1 < expect)
		printf("  (wheel returned %" PRIu64 " of %" PRIu64 ")\n", got, expect);
	return t0 / (double)expect;
}

static void bench_timers(uint32_t n, int run, const uint32_t *perm, const uint32_t *deadline)
{
	struct sf_wheel *w = aligned_alloc(64, (sizeof(struct sf_wheel) + 63) & ~(size_t)63);
	/* rte_timer gets the first rn deadlines; perm restricted to them keeps the same order */
	uint32_t rn = n < RTE_TIMER_MAX ? n : RTE_TIMER_MAX;
	uint32_t *rperm = xmalloc(sizeof(uint32_t) * rn);
	struct sf_timer *t = big_zalloc(sizeof(*t) * n);
	struct rte_timer *rt = big_zalloc(sizeof(*rt) * rn);
	uint64_t hz_ms = rte_get_timer_hz() / 1000;
	unsigned int lcore = rte_lcore_id();
	struct sf_timer *out[256];
	double a, b, t0;

	for (uint32_t j = 0, k = 0; j < n && k < rn; j++)
		if (perm[j] < rn)
			rperm[k++] = perm[j];
	/* arm: deadlines over 10 minutes */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_init(&t[i]);
	for (uint32_t i = 0; i < rn; i++)
		rte_timer_init(&rt[i]);
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], deadline[i]);
	a = (now_ns() - t0) / n;
	t0 = now_ns();
	for (uint32_t i = 0; i < rn; i++)
		rte_timer_reset(&rt[i], deadline[i] * hz_ms, SINGLE, lcore, rte_cb, NULL);
	b = (now_ns() - t0) / rn;
	record("timer arm (10 min spread)", run, a, b);

	/* re-arm an armed timer to a new deadline, random order */
	t0 = now_ns();
	for (uint32_t j = 0; j < n; j++)
		sf_timer_arm(w, &t[perm[j]], deadline[j]);
	a = (now_ns() - t0) / n;
	t0 = now_ns();
	for (uint32_t j = 0; j < rn; j++)
		rte_timer_reset(&rt[rperm[j]], deadline[j] * hz_ms, SINGLE, lcore, rte_cb, NULL);
	b = (now_ns() - t0) / rn;
	record("timer re-arm (random order)", run, a, b);

	/* cancel, random order */
	t0 = now_ns();
	for (uint32_t j = 0; j < n; j++)
		sf_timer_cancel(w, &t[perm[j]]);
	a = (now_ns() - t0) / n;
	t0 = now_ns();
	for (uint32_t j = 0; j < rn; j++)
		rte_timer_stop(&rt[rperm[j]]);
	b = (now_ns() - t0) / rn;
	record("timer cancel (random order)", run, a, b);

	/* cancel in arming order, the neighbours in the slot lists are still in the cache */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], deadline[i]);
	for (uint32_t i = 0; i < rn; i++)
		rte_timer_reset(&rt[i], deadline[i] * hz_ms, SINGLE, lcore, rte_cb, NULL);
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		sf_timer_cancel(w, &t[i]);
	a = (now_ns() - t0) / n;
	t0 = now_ns();
	for (uint32_t i = 0; i < rn; i++)
		rte_timer_stop(&rt[i]);
	b = (now_ns() - t0) / rn;
	record("timer cancel (arming order)", run, a, b);

	/* ticks with every timer armed in the top level (4.4 min and more ahead): none due, no
	 * cascade within the 100000 ticks timed */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], (UINT64_C(1) << 18) + deadline[i]);
	t0 = now_ns();
	for (uint64_t now = 1; now <= 100000; now++)
		sink += sf_wheel_expire(w, now, out, 256);
	record("tick, timers armed, none due", run, (now_ns() - t0) / 100000, -1);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_cancel(w, &t[i]);

	/* idle tick on an empty wheel */
	t0 = now_ns();
	for (uint64_t now = 1; now <= 10000000; now++)
		sink += sf_wheel_expire(w, now, out, 256);
	record("tick, empty wheel", run, (now_ns() - t0) / 10000000, -1);

	/* expire: deadlines within 50 ms; rte_timer needs real time to pass first */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], 1 + deadline[i] % EXPIRE_SPREAD);
	a = wheel_expire_all(w, 1, EXPIRE_SPREAD, n);
	for (uint32_t i = 0; i < rn; i++)
		rte_timer_reset(&rt[i], (1 + deadline[i] % EXPIRE_SPREAD) * hz_ms, SINGLE, lcore, rte_cb, NULL);
	rte_delay_ms(EXPIRE_SPREAD + 5);
	timer_fired = 0;
	t0 = now_ns();
	rte_timer_manage();
	b = (now_ns() - t0) / rn;
	if (timer_fired != rn)
		printf("  (rte_timer fired %" PRIu64 " of %u)\n", timer_fired, rn);
	record("timer expire (50 ms spread)", run, a, b);

	/* expire over 10 minutes of 1 ms ticks: includes cascades between levels */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], deadline[i]);
	a = wheel_expire_all(w, 1, TIMER_RANGE, n);
	record("timer expire (10 min spread, every tick)", run, a, -1);

	munmap(rt, sizeof(*rt) * rn);
	munmap(t, sizeof(*t) * n);
	free(rperm);
	free(w);
}

/* ---- TIME_WAIT: FIFO expiry against a wheel, at one 2MSL of arrivals ---- */

static void bench_time_wait(uint32_t n, int run)
{
	struct sf_conn_config cfg = {.tw4_capacity = n};
	struct sf_conn *c = sf_conn_create(&cfg);
	struct sf_wheel *w = aligned_alloc(64, (sizeof(struct sf_wheel) + 63) & ~(size_t)63);
	struct sf_timer *t = big_zalloc(sizeof(*t) * n);
	struct sf_tw_state st = {.snd_nxt = 1, .rcv_nxt = 2};
	uint32_t per_tick = n / MSL2 + 1, ref;
	struct sf_flow_key k;
	double t0, ins, exp_fifo, arm;
	uint64_t tick = 0;

	if (c == NULL)
		exit(1);
	/* n connections close evenly over one 2MSL: the store is full when the first expire */
	/* bucket prefetched 16 ahead: the engine's lookup of the closing segment warmed it */
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		struct sf_flow_key ahead;

		if (i + PF_DIST < n) {
			make_key(i + PF_DIST, &ahead);
			sf_conn_prefetch_insert(c, sf_conn_hash_crc(&ahead));
		}
		tick = i / per_tick;
		make_key(i, &k);
		if (sf_tw_insert(c, &k, sf_conn_hash_crc(&k), &st, tick + MSL2, &ref) != 0)
			exit(4);
	}
	ins = (now_ns() - t0) / n;
	t0 = now_ns();
	for (uint64_t now = MSL2; now <= tick + MSL2; now++)
		while (sf_tw_expire(c, now, 256) == 256)
			;
	exp_fifo = (now_ns() - t0) / n;
	if (sf_conn_stats(c)->table_used != 0)
		exit(5);
	record("time_wait insert (table + ring, prefetch)", run, ins, -1);
	record("time_wait expire, FIFO (incl. unmapping)", run, exp_fifo, -1);

	/* What a wheel would add on top of the same table work: one node and an arm per entry. */
	sf_wheel_init(w, 0);
	for (uint32_t i = 0; i < n; i++)
		sf_timer_init(&t[i]);
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		sf_timer_arm(w, &t[i], i / per_tick + MSL2);
	arm = (now_ns() - t0) / n;
	record("time_wait by wheel: arm", run, arm, -1);
	record("time_wait by wheel: expire", run, wheel_expire_all(w, 1, tick + MSL2, n), -1);
	munmap(t, sizeof(*t) * n);
	free(w);
	sf_conn_free(c);
}

/* ---- report ---- */

static void print_row(const char *name, const char *ref_name)
{
	struct row *r = row_get(name);
	double s;

	if (r->n == 0)
		return; /* not measured in this run (--only) */
	s = median(r->sf, r->n);

	if (r->has_ref) {
		double f = median(r->ref, r->n);

		printf("  %-44s %9.1f %9.1f %7.2fx  (%s)\n", name, s, f, f / s, ref_name);
	} else {
		printf("  %-44s %9.1f %9s %8s\n", name, s, "-", "-");
	}
}

static void target(const char *what, double value, double limit, const char *unit)
{
	if (value <= limit)
		printf("  met    %-52s %8.1f %s (target <= %.0f)\n", what, value, unit, limit);
	else
		printf("  MISSED %-52s %8.1f %s (target <= %.0f, %.0f%% over)\n", what, value, unit, limit,
		       (value / limit - 1) * 100);
}

static void parse_sizes(const char *s, uint32_t *sizes, unsigned int *count)
{
	*count = 0;
	while (*s != '\0' && *count < 4) {
		char *end;

		sizes[(*count)++] = (uint32_t)strtoul(s, &end, 10);
		s = *end == ',' ? end + 1 : end;
		if (end == s && *end != ',')
			break;
	}
}

int main(int argc, char **argv)
{
	char *eal_argv[] = {argv[0], "--no-huge", "-m", "6144", "--no-pci", "--no-shconf", "--no-telemetry",
			    "--file-prefix", "bench-conn", "-l", "0", "--log-level", "lib.eal:error", NULL};
	uint32_t sizes[4] = {1000000, 10000000};
	unsigned int nsizes = 2;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--sizes") == 0)
			parse_sizes(argv[i + 1], sizes, &nsizes);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
	}
	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rte_timer_subsystem_init();
	printf("bench_conn_timer: median of %u runs, ns per operation; ratio = rte / synfin (>1: synfin faster)\n",
	       runs);
	printf("rte_timer rows use the first %u timers at larger sizes (same deadlines, same order)\n",
	       RTE_TIMER_MAX);
	printf("sizeof: struct sf_timer %zu, struct rte_timer %zu, struct sf_wheel %zu\n", sizeof(struct sf_timer),
	       sizeof(struct rte_timer), sizeof(struct sf_wheel));

	for (unsigned int s = 0; s < nsizes; s++) {
		uint32_t n = sizes[s];
		uint32_t *perm = xmalloc(sizeof(uint32_t) * n);
		uint32_t *idx = xmalloc(sizeof(uint32_t) * n);
		uint32_t *order = xmalloc(sizeof(uint32_t) * n);
		uint32_t *deadline = xmalloc(sizeof(uint32_t) * n);
		struct sf_conn *c;
		struct sf_conn_memory m;
		double est, tw;

		shuffle(perm, n);
		for (uint32_t i = 0; i < n; i++)
			deadline[i] = 1000 + (uint32_t)(rnd() % (TIMER_RANGE - 1000));
		nrows = 0;
		memset(rows, 0, sizeof(rows));
		for (unsigned int r = 0; r < runs; r++) {
			if (only[0] == '\0' || strcmp(only, "table") == 0)
				bench_table(n, (int)r, perm, idx, order);
			if (only[0] == '\0' || strcmp(only, "timer") == 0)
				bench_timers(n, (int)r, perm, deadline);
			if (only[0] == '\0' || strcmp(only, "tw") == 0)
				bench_time_wait(n, (int)r);
		}
		printf("\n== %u entries per lcore ==\n", n);
		printf("  %-44s %9s %9s %8s\n", "row", "synfin", "rte", "ratio");
		print_row("lookup hit", "rte_hash_lookup_data");
		print_row("lookup hit, prefetch (burst 32)", "rte_hash_lookup_bulk_data");
		print_row("lookup hit, burst 32 + next burst prefetched", "rte_hash_lookup_bulk_data");
		print_row("lookup miss", "rte_hash_lookup_data");
		print_row("lookup miss, prefetch (burst 32)", "rte_hash_lookup_bulk_data");
		print_row("lookup miss, burst 32 + next burst prefetched", "rte_hash_lookup_bulk_data");
		print_row("insert", "rte_hash_add_key_data");
		print_row("insert, prefetch (16 ahead)", "rte_hash_add_key_data, no prefetch API");
		print_row("insert, prefetch, pool shuffled by random frees", "rte_hash_add_key_data");
		print_row("delete", "rte_hash_del_key");
		print_row("delete, prefetch (16 ahead)", "rte_hash_del_key, no prefetch API");
		print_row("timer arm (10 min spread)", "rte_timer_reset");
		print_row("timer re-arm (random order)", "rte_timer_reset");
		print_row("timer cancel (random order)", "rte_timer_stop");
		print_row("timer cancel (arming order)", "rte_timer_stop");
		print_row("timer expire (50 ms spread)", "rte_timer_manage");
		print_row("timer expire (10 min spread, every tick)", "");
		print_row("tick, empty wheel", "");
		print_row("tick, timers armed, none due", "");
		print_row("time_wait insert (table + ring, prefetch)", "");
		print_row("time_wait expire, FIFO (incl. unmapping)", "");
		print_row("time_wait by wheel: arm", "");
		print_row("time_wait by wheel: expire", "");

		/* memory, from the real allocations of a table this size */
		{
			struct sf_conn_config cfg = {.tcb_capacity = n, .tcb_size = TCB_SIZE};

			c = sf_conn_create(&cfg);
			sf_conn_memory(c, &m);
			printf("  bytes per established connection: %.1f (TCB %zu + key record %zu + table %.1f)\n",
			       (double)(m.tcb_bytes + m.tcb_key_bytes + m.table_bytes) / n, m.tcb_bytes / n,
			       m.tcb_key_bytes / n, (double)m.table_bytes / n);
			sf_conn_free(c);
		}
		{
			struct sf_conn_config cfg = {.tw4_capacity = n / 2, .tw6_capacity = n / 2};

			c = sf_conn_create(&cfg);
			sf_conn_memory(c, &m);
			tw = (double)m.tw4_bytes / (n / 2) + (double)m.table_bytes / m.table_slots;
			printf("  bytes per TIME_WAIT entry: IPv4 %.1f, IPv6 %.1f (entry 32 / 64 + position 4 + table %.1f)\n", tw,
			       (double)m.tw6_bytes / (n / 2) + (double)m.table_bytes / m.table_slots,
			       (double)m.table_bytes / m.table_slots);
			sf_conn_free(c);
		}
		est = row_median("lookup hit, burst 32 + next burst prefetched", 0);
		if (row_median("lookup hit, prefetch (burst 32)", 0) < est)
			est = row_median("lookup hit, prefetch (burst 32)", 0);
		printf("\n  targets at %u entries:\n", n);
		target("lookup hit with prefetch", est, 25, "ns");
		target("insert (with prefetch)", row_median("insert, prefetch (16 ahead)", 0), 40, "ns");
		target("delete (with prefetch)", row_median("delete, prefetch (16 ahead)", 0), 40, "ns");
		target("timer arm", row_median("timer arm (10 min spread)", 0), 15, "ns");
		target("timer cancel (random order)", row_median("timer cancel (random order)", 0), 15, "ns");
		target("timer cancel (arming order)", row_median("timer cancel (arming order)", 0), 15, "ns");
		target("timer expire (10 min spread)", row_median("timer expire (10 min spread, every tick)", 0), 20,
		       "ns");
		target("TIME_WAIT bytes per IPv4 entry, all included", tw, 64, "B");
		for (unsigned int i = 0; i < nrows; i++) {
			if (rows[i].has_ref && median(rows[i].ref, rows[i].n) < median(rows[i].sf, rows[i].n))
				printf("  MISSED slower than DPDK on: %s\n", rows[i].name);
		}
		free(deadline);
		free(order);
		free(idx);
		free(perm);
	}

	/* 60 s of TIME_WAIT at 1M connections/s: 60M IPv4 entries, really allocated. */
	{
		struct sf_conn_config cfg = {.tw4_capacity = 60000000};
		struct sf_conn *c = sf_conn_create(&cfg);
		struct sf_conn_memory m;
		double gib;

		if (c == NULL) {
			printf("\n60M TIME_WAIT store: allocation failed: %s\n", strerror(errno));
		} else {
			sf_conn_memory(c, &m);
			gib = (double)(m.tw4_bytes + m.table_bytes) / (1u << 30);
			printf("\n60 s of TIME_WAIT at 1M conn/s (60M IPv4 entries): ring %.2f GiB + table %.2f GiB = "
			       "%.2f GiB (%.1f B per entry)\n",
			       (double)m.tw4_bytes / (1u << 30), (double)m.table_bytes / (1u << 30), gib,
			       (double)(m.tw4_bytes + m.table_bytes) / 60e6);
			target("60M TIME_WAIT entries", gib, 4, "GiB");
			printf("  same for IPv6 entries: %.2f GiB\n",
			       (60e6 * 64 + (double)m.table_bytes) / (1u << 30));
			sf_conn_free(c);
		}
	}
	rte_eal_cleanup();
	return 0;
}

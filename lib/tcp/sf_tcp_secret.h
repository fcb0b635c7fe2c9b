/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_TCP_SECRET_H
#define SF_TCP_SECRET_H

/**
 * @file
 * lib/tcp's keyed functions: SipHash-2-4 and 1-3, initial sequence numbers (RFC 6528),
 * per-connection timestamp offsets (RFC 7323) and SYN cookies (RFC 4987). The ISN and offset come
 * from AES-128 of the tuple where the CPU has AES instructions, SipHash-1-3 elsewhere.
 *
 * Everything here is a pure function of a secret, a 4-tuple and a time passed in by the caller:
 * no clock reads, no allocation, no EAL. Only the *_init() functions make a system call
 * (getrandom), once at start-up.
 *
 * Each input is hashed with a one-byte domain tag in front (ISN, TS offset, cookie MAC, cookie
 * key derivation), so one secret can serve several purposes without one output revealing
 * another.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sf_net.h"

/** A 128-bit SipHash key; one per process, set at start from getrandom(). */
struct sf_tcp_secret {
	uint64_t k0, k1;
};

/**
 * Fill @p s with 128 random bits from getrandom(). Should the kernel refuse (no getrandom,
 * a seccomp filter), fall back to mixing the TSC, the clocks, the pid and a stack address:
 * much weaker, but better than a constant key.
 * Call once at start-up, never on the data path (it may block until the kernel's pool is ready).
 */
void sf_tcp_secret_init(struct sf_tcp_secret *s);

/** Set a known key: for tests and for several processes that must agree on their ISNs. */
void sf_tcp_secret_set(struct sf_tcp_secret *s, uint64_t k0, uint64_t k1);

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of @p len bytes at @p data, any alignment.
 * The key bytes are k0 then k1, each little-endian: the reference key 00 01 .. 0f is
 * k0 = 0x0706050403020100, k1 = 0x0f0e0d0c0b0a0908.
 */
uint64_t sf_siphash24(const struct sf_tcp_secret *s, const void *data, size_t len);

/** SipHash-1-3 (one compression round per word, three finalization rounds), same key and input. */
uint64_t sf_siphash13(const struct sf_tcp_secret *s, const void *data, size_t len);

/* ---- ISN and timestamp offset ---- */

/** AES-128's expanded key: the initial whitening key and the round keys of its 10 rounds. */
#define SF_AES128_ROUND_KEYS 11
struct sf_aes128_key {
	uint8_t rk[SF_AES128_ROUND_KEYS][16] __attribute__((aligned(16)));
};

/**
 * The ISN / timestamp-offset secret: F (below) is AES-128 of the tuple under a key derived from
 * @c sip when the CPU has AES instructions (@c aes = 1: ~25 instructions, a full-strength block
 * cipher), SipHash-1-3 of the tuple under @c sip otherwise (@c aes = 0: ~110). Both are keyed
 * PRFs as RFC 6528 3 asks; which one a process uses is fixed when the key is set, so processes on
 * one machine that set the same key agree. A zeroed or statically initialised struct is a valid
 * SipHash-1-3 key with @c sip as its key.
 */
struct sf_tcp_isn_key {
	struct sf_aes128_key aes_key; /**< when @c aes */
	struct sf_tcp_secret sip;
	uint8_t aes;
};

/** Draw a random key (sf_tcp_secret_init()) and pick the PRF. Once, at start-up. */
void sf_tcp_isn_key_init(struct sf_tcp_isn_key *k);

/** Set a known key: for tests and for processes that must agree on their ISNs. */
void sf_tcp_isn_key_set(struct sf_tcp_isn_key *k, uint64_t k0, uint64_t k1);

/** True when this CPU runs AES-128 in instructions (x86 AES-NI), the PRF sf_tcp_isn_key_set() picks. */
bool sf_tcp_cpu_has_aes(void);

/**
 * AES-128 (FIPS 197) of one 16-byte block under @p k, an expanded key (sf_aes128_expand()).
 * Only when sf_tcp_cpu_has_aes(): for tests of the ISN's F against the standard's vectors.
 */
void sf_aes128_encrypt(const struct sf_aes128_key *k, const uint8_t in[16], uint8_t out[16]);

/** AES-128's key expansion of the 16-byte @p key into @p k. Only when sf_tcp_cpu_has_aes(). */
void sf_aes128_expand(const uint8_t key[16], struct sf_aes128_key *k);

/**
 * Initial sequence number for a connection we open or accept.
 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4-microsecond
 * timer; F is the low 32 bits of the PRF of the tuple under @p k (struct sf_tcp_isn_key), M is
 * @p now_us / 4 (wrapping every 4.77 hours).
 * Consecutive connections on one 4-tuple thus get ISNs that climb with time (RFC 9293 3.4.1),
 * while an off-path attacker cannot guess the ISN of any tuple.
 * IPv4 keys hash only the first 4 bytes of each address, so the rest of the key is ignored.
 */
uint32_t sf_tcp_isn(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key, uint64_t now_us);

/**
 * sf_tcp_isn() and sf_tcp_ts_offset() of one new connection from a single PRF of the tuple (the
 * two are its low and high 32 bits): the ISN is returned, the offset stored in @p ts_off.
 */
uint32_t sf_tcp_isn_ts(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key, uint64_t now_us,
		       uint32_t *ts_off);

/**
 * Per-connection timestamp offset: TSval = now_ms + offset.
 * RFC 7323 5.4 and 7.1: a random offset per connection hides the host's clock (uptime) and keeps
 * timestamps of different connections unrelated. Being a keyed PRF of the 4-tuple (bits 32-63 of
 * the one whose low bits make the ISN), the offset is recomputed when needed and is never stored
 * in a TIME_WAIT entry; the same tuple always gets the same offset, so timestamps of a
 * reincarnation keep increasing (RFC 6191).
 */
uint32_t sf_tcp_ts_offset(const struct sf_tcp_isn_key *k, const struct sf_flow_key *key);

/* ---- SYN cookies (RFC 4987 3.6) ---- */

/** What a SYN cookie remembers of the SYN (host order). Timestamps are not among them. */
struct sf_syncookie_opts {
	uint16_t mss;    /**< peer's MSS: the caller passes the default (RFC 9293 3.7.1) if absent */
	uint8_t wscale;  /**< peer's shift count, 0..14; SF_SYNCOOKIE_NO_WSCALE = no window scaling */
	uint8_t sack_ok; /**< 1 when the SYN carried SACK-permitted (RFC 2018) */
};

/** sf_syncookie_opts.wscale when the SYN carried no window scale option. */
#define SF_SYNCOOKIE_NO_WSCALE 0xff

/** Length of one cookie period; a cookie is accepted in its period and the next: 64 to 128 s. */
#define SF_SYNCOOKIE_PERIOD_US (64ull * 1000 * 1000)

/** Number of entries in the MSS table (a power of two: the index fills its bit field). */
#define SF_SYNCOOKIE_MSS_COUNT 8

/**
 * The MSS values a cookie can carry, smallest first; a peer's MSS is rounded down to one of them.
 * Index 0 is also the floor: a smaller MSS (a pathological peer) is encoded as entry 0.
 */
extern const uint16_t sf_syncookie_mss_table[SF_SYNCOOKIE_MSS_COUNT];

/**
 * Cookie secrets. Each cookie period p has its own MAC key, derived from @c master (a PRF of p),
 * and the keys of the newest period seen by make() and the one before are cached in key[p & 1].
 * Rotation: when make() first sees period p + 1, it overwrites the slot of period p - 1 (the older
 * key) with the key of p + 1. Because keys are derived rather than drawn at each rotation, copies
 * of this struct on different lcores agree on every period's key without sharing any state, and
 * a stale copy (no SYN for minutes) still checks correctly: check() derives a key it has not
 * cached. A period key that leaks is worthless once its two periods are over.
 * Give each lcore its own copy (init once, then copy the struct): make() writes to it.
 */
struct sf_syncookie_keys {
	struct sf_tcp_secret key[2]; /**< key[p & 1] = key of period p, for p = epoch and epoch - 1 */
	uint32_t epoch;              /**< newest period whose key is cached (rotation bookkeeping) */
	struct sf_tcp_secret master; /**< secret the period keys are derived from */
};

/** Draw a random master secret (sf_tcp_secret_init) and cache the keys of periods 0 and -1. */
void sf_syncookie_keys_init(struct sf_syncookie_keys *k);

/** Like sf_syncookie_keys_init() with a known master secret: deterministic, for tests. */
void sf_syncookie_keys_set(struct sf_syncookie_keys *k, uint64_t k0, uint64_t k1);

/**
 * Our ISN for a SYN we answer without keeping state.
 * RFC 4987 3.6: the ISN encodes what the SYN said (MSS, window scale, SACK-permitted) under a MAC
 * of the 4-tuple, the peer's ISN (@p peer_isn = SEG.SEQ of the SYN) and the time period of
 * @p now_us. @p opts are rounded down to what the encoding holds: MSS to the table (below its
 * first entry: the first entry), wscale above 14 to 14 (RFC 7323 2.3), SACK one bit.
 * @p encoded (may be NULL) receives what sf_syncookie_check() will decode, so the SYN-ACK can
 * advertise exactly that (e.g. no window scaling when the peer offered none).
 * May rotate the period keys in @p k; no allocation, no system call.
 */
uint32_t sf_syncookie_make(struct sf_syncookie_keys *k, const struct sf_flow_key *key, uint32_t peer_isn,
			   const struct sf_syncookie_opts *opts, uint64_t now_us, struct sf_syncookie_opts *encoded);

/**
 * Validate the third ACK of a handshake answered with a cookie: @p cookie = SEG.ACK - 1,
 * @p peer_isn = SEG.SEQ - 1. True, with @p opts filled, when the MAC matches and the cookie was
 * made in the period of @p now_us or the one before; false otherwise (@p opts untouched).
 * Does not modify @p k, so any lcore's copy of the keys can check.
 */
bool sf_syncookie_check(const struct sf_syncookie_keys *k, const struct sf_flow_key *key, uint32_t peer_isn,
			uint32_t cookie, uint64_t now_us, struct sf_syncookie_opts *opts);

#endif /* SF_TCP_SECRET_H */

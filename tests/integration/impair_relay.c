/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * impair_relay: a user-space stand-in for netem, which this kernel lacks (docs/PLATFORM.md,
 * "Impairment"). It bridges two interfaces with AF_PACKET sockets, forwarding every frame from
 * A to B and from B to A, and on the way applies per direction, from a seeded PRNG so that a run
 * is reproducible for a given sequence of frames:
 *
 *   loss      drop the frame
 *   corrupt   flip one random bit of the IP packet (after the Ethernet header), so that a
 *             checksum catches it (in IPv6, whose header has no checksum, a flip in the traffic
 *             class, flow label or hop limit goes unnoticed, as it would on a real link)
 *   dup       send the frame twice
 *   reorder   hold the frame back until N later frames have gone ahead of it, or until a short
 *             time has passed, so that it arrives late
 *   delay     a fixed delay plus a uniform jitter in [0, jitter], through a timed FIFO
 *
 * in that order. The jitter never reorders (a frame is never due before the one ahead of it):
 * reordering has its own knob, so a test asks for exactly what it measures.
 *
 * Memory is bounded and allocated once at start: a delay FIFO of --queue frames and a reorder
 * area of HOLD_SLOTS frames per direction. A frame that finds the FIFO full is dropped and
 * counted (a full queue drops, as netem's limit does); one that finds the reorder area full
 * goes on in order and is counted.
 *
 * It stops by itself after --duration seconds, on SIGTERM, SIGINT or SIGHUP, or when one of its
 * interfaces disappears (synfin deletes its tap at exit). On stopping it prints its counters as
 * one JSON line on stdout; SIGUSR1 prints the same line without stopping. The first stdout line
 * ("ready") says both sockets are bound: frames sent after it are relayed.
 *
 * Usage: impair_relay [options] IFACE_A IFACE_B    (see usage() or --help)
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VNET_LEN sizeof(struct virtio_net_hdr)
/* A queued frame: virtio header plus an Ethernet frame of up to a 1500-byte MTU with room for
 * VLAN tags. Larger frames (GSO, jumbo) are forwarded at once, unimpaired, and counted. */
#define SLOT_BYTES 2048u
#define HOLD_SLOTS 64u		/* reorder area per direction */
#define RX_BYTES (VNET_LEN + 65536u)
#define BATCH 32		/* frames per recvmmsg() and per sendmmsg() */
#define RX_ROUNDS 4		/* recvmmsg() calls on one socket before looking at the other */
#define NS_PER_US 1000ull
#define NS_PER_S 1000000000ull

/* --- options --------------------------------------------------------------------------- */

/* Knobs that exist per direction: "--loss 5" sets both, "--loss-ab 5" only A to B. */
enum knob {
	K_LOSS, K_DUP, K_REORDER, K_CORRUPT,	/* percentages */
	K_REORDER_GAP,				/* frames */
	K_REORDER_US, K_DELAY_US, K_JITTER_US,	/* microseconds */
	K_COUNT
};

static const struct {
	const char *name;
	double max;
	double dflt;
} knob_info[K_COUNT] = {
	[K_LOSS] = {"loss", 100, 0},
	[K_DUP] = {"dup", 100, 0},
	[K_REORDER] = {"reorder", 100, 0},
	[K_CORRUPT] = {"corrupt", 100, 0},
	[K_REORDER_GAP] = {"reorder-gap", 1e6, 3},
	[K_REORDER_US] = {"reorder-us", 10e6, 10000},
	[K_DELAY_US] = {"delay-us", 10e6, 0},
	[K_JITTER_US] = {"jitter-us", 10e6, 0},
};

/* --- counters: one list, used for the struct and for the JSON line ---------------------- */

#define COUNTERS(X) \
	X(rx)			/* frames read from the source interface */ \
	X(rx_bytes) \
	X(tx)			/* frames sent to the destination interface */ \
	X(tx_bytes) \
	X(lost)			/* dropped by --loss */ \
	X(corrupted)		/* one bit flipped by --corrupt */ \
	X(duplicated)		/* extra copies made by --dup */ \
	X(reordered)		/* held back by --reorder */ \
	X(delayed)		/* went through the delay FIFO */ \
	X(queue_full)		/* dropped: delay FIFO full */ \
	X(hold_full)		/* --reorder chose it but the reorder area was full: sent in order */ \
	X(spared)		/* not IP, left alone by --ip-only */ \
	X(bypassed)		/* GSO or larger than a slot: forwarded at once, unimpaired */ \
	X(csum_completed)	/* checksum left to offload by the sender, finished here */ \
	X(truncated)		/* larger than the receive buffer or shorter than Ethernet: dropped */ \
	X(tx_errors)		/* send() refused it (queue full, link down) */ \
	X(rx_errors) \
	X(sock_drops)		/* dropped by the kernel before we read them (PACKET_STATISTICS) */ \
	X(in_flight)		/* queued or held at the time of printing (never sent, at the end) */

struct counters {
#define X(name) uint64_t name;
	COUNTERS(X)
#undef X
};

/* --- PRNG: xoshiro256** seeded through splitmix64 (Vigna's published algorithms) --------- */

struct prng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t prng_next(struct prng *p)
{
	uint64_t *s = p->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static void prng_seed(struct prng *p, uint64_t seed, uint64_t stream)
{
	/* Each direction draws from its own stream, so the fate of A-to-B frames does not depend
	 * on how they interleave with B-to-A frames. */
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);

	for (int i = 0; i < 4; i++)
		p->s[i] = splitmix64(&x);
}

/* Uniform in [0, n). The modulo bias is below 2^-32 for the ranges used here. */
static uint64_t prng_below(struct prng *p, uint64_t n)
{
	return n ? prng_next(p) % n : 0;
}

/* --- queues ----------------------------------------------------------------------------- */

struct slot {
	uint64_t due_ns;	/* FIFO: send time; reorder area: latest release time */
	uint64_t after;		/* reorder area: release once this many frames went ahead */
	uint32_t len;		/* virtio header included */
	uint8_t buf[SLOT_BYTES];
};

/* A FIFO ring of slots. Both queues are FIFOs: the delay FIFO because due times never go
 * backwards, the reorder area because every held frame waits the same gap and time. */
struct ring {
	struct slot *slots;
	uint32_t cap, head, count;
};

static struct slot *ring_front(const struct ring *r)
{
	return r->count ? &r->slots[r->head] : NULL;
}

static struct slot *ring_push(struct ring *r)
{
	if (r->count == r->cap)
		return NULL;
	return &r->slots[(r->head + r->count++) % r->cap];
}

static void ring_pop(struct ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->count--;
}

static int ring_alloc(struct ring *r, uint32_t cap)
{
	r->slots = calloc(cap, sizeof(*r->slots));
	r->cap = cap;
	r->head = r->count = 0;
	return r->slots ? 0 : -1;
}

/* --- the relay -------------------------------------------------------------------------- */

/* Frames on their way out, sent together by flush(). */
struct tx_batch {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	uint8_t buf[BATCH][SLOT_BYTES];
	unsigned int count;
};

struct direction {
	const char *name;		/* "a_to_b" */
	int rx_fd, tx_fd;
	double knob[K_COUNT];		/* as given, echoed in the ready line */
	uint64_t loss, dup, reorder, corrupt;	/* thresholds on a 32-bit draw */
	uint64_t gap, reorder_ns, delay_ns, jitter_ns;
	struct prng rng;
	struct ring fifo, hold;
	uint64_t last_due;		/* due time of the FIFO's tail: jitter never reorders */
	uint64_t passed;		/* frames that went on in order: the reorder gap's clock */
	struct tx_batch txb;
	struct counters c;
};

struct relay {
	const char *ifname[2];
	unsigned int ifindex[2];
	int fd[2];
	struct direction dir[2];	/* [0]: A to B, [1]: B to A */
	uint64_t seed;
	double duration_s;
	uint32_t queue;
	bool ip_only;
	uint64_t start_ns;
};

static volatile sig_atomic_t stop_signal, snapshot_requested;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_snapshot(int sig)
{
	(void)sig;
	snapshot_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* p percent as a threshold on a 32-bit draw: 100 % is 2^32, above every draw. */
static uint64_t pct_threshold(double pct)
{
	return (uint64_t)(pct / 100.0 * 4294967296.0 + 0.5);
}

static uint64_t us_to_ns(double us)
{
	return (uint64_t)(us * (double)NS_PER_US + 0.5);
}

/* A zero knob draws nothing, so enabling one impairment does not change another's choices. */
static bool chance(struct direction *d, uint64_t threshold)
{
	return threshold && (prng_next(&d->rng) >> 32) < threshold;
}

/* Send what the batch holds with one sendmmsg(); a refused frame is counted and skipped. */
static void flush(struct direction *d)
{
	struct tx_batch *b = &d->txb;
	unsigned int done = 0;

	while (done < b->count) {
		int n = sendmmsg(d->tx_fd, &b->msg[done], b->count - done, MSG_DONTWAIT);

		if (n <= 0) {
			d->c.tx_errors++;
			done++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			d->c.tx++;
			d->c.tx_bytes += b->msg[done + (unsigned int)i].msg_len - VNET_LEN;
		}
		done += (unsigned int)n;
	}
	b->count = 0;
}

/* Queue a frame for sending at the next flush, in order. The batch keeps its own copy, so the
 * slot it came from can be reused at once. */
static void transmit(struct direction *d, const uint8_t *pkt, uint32_t len)
{
	struct tx_batch *b = &d->txb;

	if (len > SLOT_BYTES) {
		flush(d);
		if (send(d->tx_fd, pkt, len, MSG_DONTWAIT) == (ssize_t)len) {
			d->c.tx++;
			d->c.tx_bytes += len - VNET_LEN;
		} else {
			d->c.tx_errors++;
		}
		return;
	}
	if (b->count == BATCH)
		flush(d);
	memcpy(b->buf[b->count], pkt, len);
	b->iov[b->count].iov_len = len;
	b->count++;
}

/* Send now, or through the delay FIFO when a delay is configured. */
static void emit(struct direction *d, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	struct slot *s;
	uint64_t due;

	if (!d->delay_ns && !d->jitter_ns) {
		transmit(d, pkt, len);
		return;
	}
	due = now + d->delay_ns + prng_below(&d->rng, d->jitter_ns + 1);
	if (due < d->last_due)
		due = d->last_due;
	s = ring_push(&d->fifo);
	if (!s) {
		d->c.queue_full++;
		return;
	}
	d->last_due = due;
	s->due_ns = due;
	s->len = len;
	memcpy(s->buf, pkt, len);
	d->c.delayed++;
}

/* Release held frames whose gap has gone ahead of them or whose time is up. */
static void release_held(struct direction *d, uint64_t now)
{
	struct slot *s;

	while ((s = ring_front(&d->hold)) && (d->passed >= s->after || now >= s->due_ns)) {
		ring_pop(&d->hold);
		/* emit() copies before anything is pushed into the hold ring again */
		emit(d, s->buf, s->len, now);
	}
}

/* One copy of a frame after loss, corruption and duplication: hold it back, or let it go on. */
static void reorder_or_emit(struct direction *d, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	struct slot *s;

	if (chance(d, d->reorder)) {
		s = ring_push(&d->hold);
		if (s) {
			s->after = d->passed + d->gap;
			s->due_ns = now + d->reorder_ns;
			s->len = len;
			memcpy(s->buf, pkt, len);
			d->c.reordered++;
			return;
		}
		d->c.hold_full++;
	}
	emit(d, pkt, len, now);
	d->passed++;
	release_held(d, now);
}

static uint16_t ethertype(const uint8_t *frame, size_t len)
{
	return len >= ETH_HLEN ? (uint16_t)(frame[12] << 8 | frame[13]) : 0;
}

/* Bytes after the Ethernet header that a checksum covers at least in part: the IP packet
 * (without trailing Ethernet padding), or everything after the header when it is not IP. */
static size_t corruptible_len(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETH_HLEN;
	size_t room = len - ETH_HLEN, ip_len = room;
	uint16_t type = ethertype(frame, len);

	if (type == ETHERTYPE_IP && room >= 20)
		ip_len = (size_t)(ip[2] << 8 | ip[3]);
	else if (type == ETHERTYPE_IPV6 && room >= 40)
		ip_len = 40 + (size_t)(ip[4] << 8 | ip[5]);
	return ip_len && ip_len < room ? ip_len : room;
}

/* RFC 1071: one's complement sum of 16-bit big-endian words, an odd last byte padded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/*
 * A sender with checksum offload (veth, loopback) leaves the L4 checksum to be finished: the
 * field holds the pseudo-header sum and the header says where the sum starts. Finish it as the
 * kernel would before a device without offload, so a bit flipped later is caught.
 */
static bool csum_complete(uint8_t *frame, size_t len, const struct virtio_net_hdr *vh)
{
	size_t start = le16toh(vh->csum_start), at = start + le16toh(vh->csum_offset);
	uint32_t sum;

	if (start >= len || at + 2 > len)
		return false;
	sum = csum_add(0, frame + start, len - start);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	frame[at] = (uint8_t)(sum >> 8);
	frame[at + 1] = (uint8_t)sum;
	return true;
}

static void on_frame(struct relay *r, struct direction *d, uint8_t *pkt, uint32_t len, uint64_t now)
{
	uint8_t *frame = pkt + VNET_LEN;
	size_t flen = len - VNET_LEN;
	struct virtio_net_hdr vh;

	memcpy(&vh, pkt, sizeof(vh));
	d->c.rx++;
	d->c.rx_bytes += flen;
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE || len > SLOT_BYTES) {
		/* The kernel segments (and checksums) a GSO frame on the way out: pass it whole. */
		d->c.bypassed++;
		transmit(d, pkt, len);
		return;
	}
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (csum_complete(frame, flen, &vh))
			d->c.csum_completed++;
	}
	/* from here on the frame is complete: it goes out with an empty header */
	memset(pkt, 0, VNET_LEN);
	if (r->ip_only && ethertype(frame, flen) != ETHERTYPE_IP && ethertype(frame, flen) != ETHERTYPE_IPV6) {
		d->c.spared++;
		transmit(d, pkt, len);
		return;
	}
	if (chance(d, d->loss)) {
		d->c.lost++;
		return;
	}
	if (flen > ETH_HLEN && chance(d, d->corrupt)) {
		uint64_t bit = prng_below(&d->rng, (uint64_t)corruptible_len(frame, flen) * 8);

		frame[ETH_HLEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		d->c.corrupted++;
	}
	if (chance(d, d->dup)) {
		d->c.duplicated++;
		reorder_or_emit(d, pkt, len, now);
	}
	reorder_or_emit(d, pkt, len, now);
}

/* Timed work: held frames whose time is up, then FIFO frames that are due. */
static void service(struct direction *d, uint64_t now)
{
	struct slot *s;

	release_held(d, now);
	while ((s = ring_front(&d->fifo)) && s->due_ns <= now) {
		transmit(d, s->buf, s->len);
		ring_pop(&d->fifo);
	}
}

static uint64_t next_event(const struct direction *d, uint64_t deadline)
{
	const struct slot *s;

	if ((s = ring_front(&d->fifo)) && s->due_ns < deadline)
		deadline = s->due_ns;
	if ((s = ring_front(&d->hold)) && s->due_ns < deadline)
		deadline = s->due_ns;
	return deadline;
}

/* Receive buffers: any frame up to 64 KiB (a GSO frame), with its virtio header. */
static struct {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll from[BATCH];
	uint8_t buf[BATCH][RX_BYTES];
} rxb;

/* Read what is waiting on one socket; returns false when its interface has gone. */
static bool drain(struct relay *r, int side, uint64_t now)
{
	struct direction *d = &r->dir[side];

	for (int round = 0; round < RX_ROUNDS; round++) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			rxb.msg[i].msg_hdr.msg_namelen = sizeof(rxb.from[i]);
			rxb.msg[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(r->fd[side], rxb.msg, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			if (errno == ENETDOWN && if_nametoindex(r->ifname[side]) != r->ifindex[side])
				return false;
			d->c.rx_errors++;
			return true;
		}
		for (int i = 0; i < n; i++) {
			uint32_t len = rxb.msg[i].msg_len;

			/* PACKET_IGNORE_OUTGOING already hides our own sends; this is the belt to it. */
			if (rxb.from[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			if (len > RX_BYTES || len < VNET_LEN + ETH_HLEN) {
				d->c.rx++;
				d->c.truncated++;
				continue;
			}
			on_frame(r, d, rxb.buf[i], len, now);
		}
		if (n < BATCH)
			return true;
	}
	return true;
}

static int open_socket(const char *ifname, unsigned int *ifindex)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct packet_mreq mr = {.mr_type = PACKET_MR_PROMISC};
	int one = 1, rcvbuf = 8 << 20;
	int fd;

	*ifindex = if_nametoindex(ifname);
	if (!*ifindex) {
		fprintf(stderr, "impair_relay: no interface %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0 receives nothing until bind(), so no other interface's frame slips in. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("impair_relay: socket(AF_PACKET)");
		return -1;
	}
	sll.sll_ifindex = (int)*ifindex;
	mr.mr_ifindex = (int)*ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "impair_relay: setting up %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* Room for bursts while a delay timer is being served; not fatal where refused. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static void collect_sock_drops(struct relay *r)
{
	for (int side = 0; side < 2; side++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		/* the kernel resets these on every read: accumulate */
		if (getsockopt(r->fd[side], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			r->dir[side].c.sock_drops += st.tp_drops;
	}
}

static void print_knobs(const struct direction *d)
{
	printf("\"%s\":{", d->name);
	for (int k = 0; k < K_COUNT; k++)
		printf("%s\"%s\":%g", k ? "," : "", knob_info[k].name, d->knob[k]);
	printf("}");
}

static void print_counters(const struct direction *d)
{
	const char *sep = "";

	printf("\"%s\":{", d->name);
#define X(name) printf("%s\"" #name "\":%" PRIu64, sep, d->c.name); sep = ",";
	COUNTERS(X)
#undef X
	printf("}");
}

static void print_ready(const struct relay *r)
{
	printf("{\"impair_relay\":\"ready\",\"a\":\"%s\",\"b\":\"%s\",\"seed\":%" PRIu64
	       ",\"duration_s\":%g,\"queue\":%" PRIu32 ",\"ip_only\":%s,",
	       r->ifname[0], r->ifname[1], r->seed, r->duration_s, r->queue,
	       r->ip_only ? "true" : "false");
	print_knobs(&r->dir[0]);
	printf(",");
	print_knobs(&r->dir[1]);
	printf("}\n");
	fflush(stdout);
}

/* CPU time used so far: frames per CPU second is the relay's capacity on a busy machine. */
static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void print_counts(struct relay *r, const char *event, const char *stop)
{
	collect_sock_drops(r);
	for (int side = 0; side < 2; side++)
		r->dir[side].c.in_flight = r->dir[side].fifo.count + r->dir[side].hold.count;
	printf("{\"impair_relay\":\"%s\",", event);
	if (stop)
		printf("\"stop\":\"%s\",", stop);
	printf("\"elapsed_s\":%.6f,\"cpu_s\":%.6f,", (double)(now_ns() - r->start_ns) / 1e9, cpu_seconds());
	print_counters(&r->dir[0]);
	printf(",");
	print_counters(&r->dir[1]);
	printf("}\n");
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: impair_relay [options] IFACE_A IFACE_B\n"
		"Forward every frame between two interfaces, impaired per direction.\n"
		"Per-direction knobs (KNOB sets both directions, KNOB-ab A to B, KNOB-ba B to A):\n"
		"  --loss P          drop P %% of frames\n"
		"  --dup P           send P %% of frames twice\n"
		"  --reorder P       hold P %% of frames back so that they arrive late\n"
		"  --reorder-gap N   ... until N later frames went ahead (default 3)\n"
		"  --reorder-us T    ... or at most T microseconds (default 10000)\n"
		"  --delay-us T      delay every frame by T microseconds\n"
		"  --jitter-us J     plus a uniform extra delay in [0, J] (never reorders)\n"
		"  --corrupt P       flip one random bit of the IP packet in P %% of frames\n"
		"Other options:\n"
		"  --seed S          PRNG seed (default 1): same seed, same frames, same fate\n"
		"  --duration S      stop after S seconds (default 600)\n"
		"  --queue N         delay FIFO length in frames per direction (default 4096)\n"
		"  --ip-only         impair IPv4 and IPv6 frames only; forward ARP and others as they are\n"
		"Counters: one JSON line on stdout at the end; SIGUSR1 prints one without stopping.\n");
}

enum { OPT_SEED = 1, OPT_DURATION, OPT_QUEUE, OPT_IP_ONLY, OPT_HELP, OPT_KNOB = 0x100 };

static bool parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static int parse_args(struct relay *r, int argc, char **argv)
{
	static char names[K_COUNT][3][32];
	struct option opts[K_COUNT * 3 + 6];
	int n = 0, c;
	double v;

	for (int k = 0; k < K_COUNT; k++) {
		static const char *const suffix[3] = {"", "-ab", "-ba"};

		for (int which = 0; which < 3; which++) {
			snprintf(names[k][which], sizeof(names[k][which]), "%s%s", knob_info[k].name,
				 suffix[which]);
			opts[n++] = (struct option){names[k][which], required_argument, NULL,
						    OPT_KNOB + k * 3 + which};
		}
		r->dir[0].knob[k] = r->dir[1].knob[k] = knob_info[k].dflt;
	}
	opts[n++] = (struct option){"seed", required_argument, NULL, OPT_SEED};
	opts[n++] = (struct option){"duration", required_argument, NULL, OPT_DURATION};
	opts[n++] = (struct option){"queue", required_argument, NULL, OPT_QUEUE};
	opts[n++] = (struct option){"ip-only", no_argument, NULL, OPT_IP_ONLY};
	opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[n] = (struct option){NULL, 0, NULL, 0};

	r->seed = 1;
	r->duration_s = 600;
	r->queue = 4096;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c >= OPT_KNOB && c < OPT_KNOB + K_COUNT * 3) {
			int k = (c - OPT_KNOB) / 3, which = (c - OPT_KNOB) % 3;
			double lo = k == K_REORDER_GAP ? 1 : 0;

			if (!parse_number(optarg, lo, knob_info[k].max, &v)) {
				fprintf(stderr, "impair_relay: --%s wants a number in [%g, %g]\n",
					names[k][which], lo, knob_info[k].max);
				return -1;
			}
			if (which != 2)
				r->dir[0].knob[k] = v;
			if (which != 1)
				r->dir[1].knob[k] = v;
			continue;
		}
		switch (c) {
		case OPT_SEED:
		{
			char *end;

			errno = 0;
			r->seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "impair_relay: --seed wants a whole number\n");
				return -1;
			}
			break;
		}
		case OPT_DURATION:
			if (!parse_number(optarg, 0.001, 86400, &r->duration_s)) {
				fprintf(stderr, "impair_relay: --duration wants seconds in (0, 86400]\n");
				return -1;
			}
			break;
		case OPT_QUEUE:
			if (!parse_number(optarg, 1, 1 << 20, &v)) {
				fprintf(stderr, "impair_relay: --queue wants 1 to 1048576 frames\n");
				return -1;
			}
			r->queue = (uint32_t)v;
			break;
		case OPT_IP_ONLY:
			r->ip_only = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -1;
	}
	r->ifname[0] = argv[optind];
	r->ifname[1] = argv[optind + 1];
	return 0;
}

static int setup_direction(struct relay *r, int side)
{
	struct direction *d = &r->dir[side];

	d->name = side ? "b_to_a" : "a_to_b";
	d->rx_fd = r->fd[side];
	d->tx_fd = r->fd[!side];
	d->loss = pct_threshold(d->knob[K_LOSS]);
	d->dup = pct_threshold(d->knob[K_DUP]);
	d->reorder = pct_threshold(d->knob[K_REORDER]);
	d->corrupt = pct_threshold(d->knob[K_CORRUPT]);
	d->gap = (uint64_t)d->knob[K_REORDER_GAP];
	d->reorder_ns = us_to_ns(d->knob[K_REORDER_US]);
	d->delay_ns = us_to_ns(d->knob[K_DELAY_US]);
	d->jitter_ns = us_to_ns(d->knob[K_JITTER_US]);
	prng_seed(&d->rng, r->seed, (uint64_t)side + 1);
	for (int i = 0; i < BATCH; i++) {
		d->txb.iov[i].iov_base = d->txb.buf[i];
		d->txb.msg[i].msg_hdr.msg_iov = &d->txb.iov[i];
		d->txb.msg[i].msg_hdr.msg_iovlen = 1;
	}
	if (ring_alloc(&d->fifo, r->queue) < 0 || ring_alloc(&d->hold, HOLD_SLOTS) < 0) {
		fprintf(stderr, "impair_relay: cannot allocate queues\n");
		return -1;
	}
	return 0;
}

static void install_signals(sigset_t *run_mask)
{
	struct sigaction stop = {.sa_handler = on_stop}, snap = {.sa_handler = on_snapshot};
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	/* Blocked except inside ppoll(): a signal never falls between a check and the wait. */
	sigprocmask(SIG_BLOCK, &block, run_mask);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGHUP, &stop, NULL);
	sigaction(SIGUSR1, &snap, NULL);
}

int main(int argc, char **argv)
{
	static struct relay relay;
	struct relay *r = &relay;
	const char *stop = "duration";
	sigset_t run_mask;
	uint64_t end;

	if (parse_args(r, argc, argv) < 0)
		return 2;
	install_signals(&run_mask);
	/* The test harness is our parent: if it dies, so do we. Microsecond delays need a small
	 * timer slack (the default is 50 us). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_TIMERSLACK, 1UL);

	for (int side = 0; side < 2; side++) {
		r->fd[side] = open_socket(r->ifname[side], &r->ifindex[side]);
		if (r->fd[side] < 0)
			return 1;
	}
	for (int side = 0; side < 2; side++)
		if (setup_direction(r, side) < 0)
			return 1;
	for (int i = 0; i < BATCH; i++) {
		rxb.iov[i] = (struct iovec){rxb.buf[i], RX_BYTES};
		rxb.msg[i].msg_hdr.msg_iov = &rxb.iov[i];
		rxb.msg[i].msg_hdr.msg_iovlen = 1;
		rxb.msg[i].msg_hdr.msg_name = &rxb.from[i];
	}

	r->start_ns = now_ns();
	end = r->start_ns + (uint64_t)(r->duration_s * (double)NS_PER_S + 0.5);
	print_ready(r);

	for (;;) {
		struct pollfd pfd[2] = {{.fd = r->fd[0], .events = POLLIN}, {.fd = r->fd[1], .events = POLLIN}};
		uint64_t now = now_ns(), wake;
		struct timespec ts;

		if (stop_signal) {
			stop = "signal";
			break;
		}
		if (now >= end)
			break;
		if (snapshot_requested) {
			snapshot_requested = 0;
			print_counts(r, "snapshot", NULL);
		}
		service(&r->dir[0], now);
		service(&r->dir[1], now);
		flush(&r->dir[0]);
		flush(&r->dir[1]);
		wake = next_event(&r->dir[1], next_event(&r->dir[0], end));
		wake = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(wake / NS_PER_S);
		ts.tv_nsec = (long)(wake % NS_PER_S);
		if (ppoll(pfd, 2, &ts, &run_mask) < 0) {
			if (errno == EINTR)
				continue;
			perror("impair_relay: ppoll");
			stop = "error";
			break;
		}
		now = now_ns();
		for (int side = 0; side < 2; side++) {
			if (!pfd[side].revents)
				continue;
			if (!drain(r, side, now) ||
			    ((pfd[side].revents & (POLLERR | POLLNVAL)) &&
			     if_nametoindex(r->ifname[side]) != r->ifindex[side])) {
				stop = "interface gone";
				goto out;
			}
			if (pfd[side].revents & POLLERR) {
				int err;
				socklen_t len = sizeof(err);

				/* link went down (ENETDOWN): clear the error and keep going */
				getsockopt(r->fd[side], SOL_SOCKET, SO_ERROR, &err, &len);
			}
		}
		flush(&r->dir[0]);
		flush(&r->dir[1]);
	}
out:
	flush(&r->dir[0]);
	flush(&r->dir[1]);
	print_counts(r, "final", stop);
	return 0;
}

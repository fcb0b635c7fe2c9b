/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kcps_client: the Linux kernel's side of the CPS baseline (issue 7, step 2). One thread, one
 * epoll set, pinned to one CPU, at most --concurrency connections open: connect, send --req bytes,
 * read --resp bytes, close() normally (TIME_WAIT lands here), open the next. Source addresses
 * rotate over 127.0.<net>.1-254 and the port is picked at connect() time
 * (IP_BIND_ADDRESS_NO_PORT) so the kernel can use the whole 4-tuple space: no SO_LINGER, no RST,
 * no reliance on tcp_tw_reuse.
 *
 *   kcps_client --dst 127.0.0.1 --port 8080 --cpu 0 --seconds 15 --warmup 1 --concurrency 1000
 *
 * Prints "completed N seconds S cps X failed F" for the window after the warm-up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kcps_common.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_EVENTS 256
#define MAX_FD (1 << 20)
#define NB_SRC 254

static uint32_t *got; /* response bytes read per descriptor; UINT32_MAX: connecting */
static struct sockaddr_in dst;
static uint32_t src_net; /* host order 127.0.<net>.0 */
static unsigned int src_next;
static uint32_t req = 64, resp = 128;
static int ep;
static char out[65536];
static uint64_t failed, completed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open one connection from the next source address; 0 or -1 (counted). */
static int open_one(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct epoll_event ev;
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || fd >= MAX_FD) {
		if (fd >= 0)
			close(fd);
		failed++;
		return -1;
	}
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(src_net + 1 + src_next);
	src_next = (src_next + 1) % NB_SRC;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		failed++;
		return -1;
	}
	got[fd] = UINT32_MAX;
	ev.events = EPOLLOUT;
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dst_addr = "127.0.0.1";
	int port = 8080, cpu = -1, net = 1;
	unsigned int concurrency = 1000, open = 0;
	double seconds = 15, warmup = 1, t_start, t0 = 0, t_end;
	uint64_t c0 = 0, f0 = 0;
	struct epoll_event evs[MAX_EVENTS];
	static char buf[65536];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--dst") == 0)
			dst_addr = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--warmup") == 0)
			warmup = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--concurrency") == 0)
			concurrency = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--src-net") == 0)
			net = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--req") == 0)
			req = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--resp") == 0)
			resp = (uint32_t)atoi(argv[i + 1]);
	}
	if (req > sizeof(out) || net < 1 || net > 255) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	if (cpu >= 0)
		pin(cpu);
	memset(out, 'r', sizeof(out));
	got = calloc(MAX_FD, sizeof(*got));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)port);
	src_net = (127u << 24) | ((uint32_t)net << 8);
	ep = epoll_create1(0);
	if (got == NULL || ep < 0 || inet_pton(AF_INET, dst_addr, &dst.sin_addr) != 1) {
		perror("setup");
		return 1;
	}
	t_start = now_s();
	t_end = t_start + warmup + seconds;
	for (;;) {
		double t = now_s();
		int n;

		if (t0 == 0 && t >= t_start + warmup) {
			t0 = t;
			c0 = completed;
			f0 = failed;
		}
		if (t >= t_end)
			break;
		while (open < concurrency && open_one() == 0)
			open++;
		n = epoll_wait(ep, evs, MAX_EVENTS, 10);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (evs[i].events & (EPOLLERR | EPOLLHUP) && got[fd] == UINT32_MAX) {
				close(fd);
				open--;
				failed++;
				continue;
			}
			if (got[fd] == UINT32_MAX) {
				struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

				/* connected: the request, then wait for the response */
				got[fd] = 0;
				if (write(fd, out, req) != (ssize_t)req) {
					close(fd);
					open--;
					failed++;
					continue;
				}
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0) {
					got[fd] += (uint32_t)r;
					if (got[fd] < resp)
						continue;
					close(fd); /* a normal close: FIN, TIME_WAIT on this side */
					open--;
					completed++;
					break;
				}
				if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					break;
				close(fd); /* closed or reset before the whole response */
				open--;
				failed++;
				break;
			}
		}
	}
	t_end = now_s() - t0;
	printf("completed %llu seconds %.3f cps %.0f failed %llu\n", (unsigned long long)(completed - c0), t_end,
	       (double)(completed - c0) / t_end, (unsigned long long)(failed - f0));
	return 0;
}

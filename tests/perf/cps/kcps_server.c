/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kcps_server: the Linux kernel's side of the CPS baseline (issue 7, step 2). One thread, one
 * epoll set, pinned to one CPU: accept, read a request of --req bytes, answer --resp bytes, then
 * either wait for the client's FIN and close (--close client: TIME_WAIT lands on the client) or
 * close at once (--close server). Closes are ordinary close(): no SO_LINGER, no RST.
 *
 *   kcps_server --addr 127.0.0.1 --port 8080 --cpu 1 --req 64 --resp 128 --close client
 *
 * Runs until SIGINT/SIGTERM, then prints "accepted N closed N errors N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kcps_common.h"

#define MAX_EVENTS 256
#define MAX_FD (1 << 20)

static volatile sig_atomic_t stop;

/* Bytes of request seen per descriptor: the only state a connection has. */
static uint32_t *got;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	int port = 8080, cpu = -1, close_server = 0;
	uint32_t req = 64, resp = 128;
	uint64_t accepted = 0, closed = 0, errors = 0;
	struct epoll_event ev, evs[MAX_EVENTS];
	struct sockaddr_in sa;
	static char buf[65536], out[65536];
	int lfd, ep, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--addr") == 0)
			addr = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--req") == 0)
			req = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--resp") == 0)
			resp = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--close") == 0)
			close_server = strcmp(argv[i + 1], "server") == 0;
	}
	if (resp > sizeof(out) || req == 0) {
		fprintf(stderr, "bad sizes\n");
		return 2;
	}
	if (cpu >= 0)
		pin(cpu);
	memset(out, 'x', sizeof(out));
	got = calloc(MAX_FD, sizeof(*got));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (got == NULL || lfd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 65535) != 0) {
		perror("listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("listening on %s:%d\n", addr, port);
	fflush(stdout);

	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 100);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= MAX_FD) {
						close(c);
						errors++;
						continue;
					}
					accepted++;
					got[c] = 0;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0) {
					bool answer = got[fd] < req && got[fd] + (uint32_t)r >= req;

					got[fd] += (uint32_t)r;
					if (answer && write(fd, out, resp) != (ssize_t)resp)
						errors++;
					if (answer && close_server) {
						close(fd); /* also leaves the epoll set */
						closed++;
						break;
					}
					continue;
				}
				if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					break;
				if (r < 0)
					errors++;
				close(fd); /* the client's FIN (or an error): our FIN follows */
				closed++;
				break;
			}
		}
	}
	printf("accepted %llu closed %llu errors %llu\n", (unsigned long long)accepted, (unsigned long long)closed,
	       (unsigned long long)errors);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synfin: a kernel-bypass TCP endpoint for connection-rate benchmarks.
 *
 *   synfin [EAL options] -- [-i] [--cmdline-file FILE] [--duration S] [--stats-period S] [--json FILE]
 *
 * Every probed ethdev port gets one rx/tx queue pair per worker lcore. The main lcore runs the
 * prompt (or waits for the duration) while the workers poll; with a single lcore, the main
 * lcore polls itself.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_pdump.h>

#include "sf_app.h"

struct sf_app sf_app;

static void usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
	       "  -i, --interactive      open the synfin> prompt\n"
	       "  --cmdline-file FILE    run the commands of FILE first (see config/)\n"
	       "  --duration S           run S seconds without a prompt, then print a final report\n"
	       "  --stats-period S       print a line of live counters every S seconds (default 1, at the prompt 0: off)\n"
	       "  --json FILE            write a JSON object per period (1 s when no line) and a final summary\n"
	       "  -h, --help             this text\n",
	       prog);
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"cmdline-file", required_argument, NULL, 'f'},
		{"duration", required_argument, NULL, 'd'},
		{"stats-period", required_argument, NULL, 's'},
		{"json", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ih", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			sf_app.interactive = true;
			break;
		case 'f':
			sf_app.cmdline_file = optarg;
			break;
		case 'd':
			errno = 0;
			sf_app.duration_s = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || sf_app.duration_s == 0) {
				printf("--duration: a whole number of seconds > 0, not '%s'\n", optarg);
				return -1;
			}
			break;
		case 's':
			errno = 0;
			sf_app.stats_period = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end) {
				printf("--stats-period: whole seconds (0: off), not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'j':
			sf_app.json_path = optarg;
			break;
		case 'h':
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		printf("unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

void sf_app_start(void)
{
	if (sf_run.running) {
		printf("Packet processing already started\n");
		return;
	}
	if (sf_listeners_build(sf_app.listeners, sf_app.tcp_cfg.mss) != 0) {
		sf_cli_fail("cannot build the responses: out of memory");
		return;
	}
	if (sf_client_build(&sf_app.client, sf_app.tcp_cfg.mss) != 0) {
		sf_cli_fail("cannot build the client's request: out of memory");
		return;
	}
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		int rc = sf_lcore_tcp_setup(sf_app.workers[w], &sf_app.conn_sizes, &sf_app.tcp_cfg, sf_app.listeners);

		if (rc == 0)
			rc = sf_lcore_client_setup(sf_app.workers[w], &sf_app.client, w, sf_app.nb_workers,
						   sf_app.conn_sizes.tcbs);
		if (rc != 0) {
			if (rc == -ENODEV)
				sf_cli_fail("no port has role client: set one with port <id> role client");
			else
				sf_cli_fail("lcore %u: TCP set-up failed: %s", sf_app.workers[w]->lcore_id,
				       rc == -EINVAL ? "inconsistent TCP settings" : strerror(-rc));
			return;
		}
	}
	sf_app.start_tsc = rte_rdtsc();
	__atomic_store_n(&sf_run.running, true, __ATOMIC_RELEASE);
	printf("Packet processing started on %u worker lcore(s), %u port(s)\n", sf_app.nb_workers,
	       sf_app.nb_ports);
	sf_app_stats_start(); /* the line and JSON records, when a period is set */
}

/* Connections still opening, open or closing (TIME_WAIT is done: it needs no peer). */
static uint64_t open_connections(void)
{
	struct sf_snapshot s;

	sf_stats_take(&s);
	return s.open;
}

void sf_app_stop(bool now)
{
	uint64_t hz = rte_get_tsc_hz(), left = 0;
	bool poll_here = sf_app.main_is_worker && rte_lcore_id() == rte_get_main_lcore();

	if (!sf_run.running) {
		printf("Packet processing not started\n");
		return;
	}
	if (!now) {
		uint64_t t0 = rte_rdtsc(), deadline = t0 + (uint64_t)sf_app.stop_grace_ms * hz / 1000;

		/* Stop opening: a plain store each client reads once per poll. */
		for (unsigned int w = 0; w < sf_app.nb_workers; w++)
			sf_app.workers[w]->client.stop_tsc = t0;
		printf("Stopping: no new connections, waiting up to %u ms for the open ones\n", sf_app.stop_grace_ms);
		fflush(stdout);
		while ((left = open_connections()) != 0 && rte_rdtsc() < deadline) {
			/* A command file on a single lcore: nobody else polls while we wait. */
			if (poll_here)
				sf_lcore_poll(sf_app.workers[0]);
			else
				rte_delay_us_sleep(10000);
		}
	}
	__atomic_store_n(&sf_run.running, false, __ATOMIC_RELEASE);
	printf("Packet processing stopped after %.1f s\n",
	       (double)(rte_rdtsc() - sf_app.start_tsc) / (double)rte_get_tsc_hz());
	if (now)
		left = open_connections();
	if (left)
		printf("%" PRIu64 " connection(s) still open%s\n", left, now ? "" : " at the end of the grace time");
	sf_app_print_report(false);
}

void sf_app_quit(void)
{
	__atomic_store_n(&sf_run.running, false, __ATOMIC_RELEASE);
	__atomic_store_n(&sf_run.quit, true, __ATOMIC_RELEASE);
}

static void on_signal(int sig)
{
	(void)sig;
	sf_app_quit();
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked prompt read returns and ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Defaults before any command: a server answering one small HTTP request, client closes first. */
static void config_defaults(void)
{
	sf_app.listeners = rte_zmalloc("sf_listeners", sizeof(*sf_app.listeners), RTE_CACHE_LINE_SIZE);
	if (sf_app.listeners == NULL)
		rte_exit(EXIT_FAILURE, "cannot allocate the listener table\n");
	sf_app.listen_defaults.response_kind = SF_RESPONSE_HTTP;
	sf_app.listen_defaults.response_bytes = 128;
	sf_app.listen_defaults.requests = 1;
	sf_app.listen_defaults.close_policy = SF_CLOSE_CLIENT;
	sf_tcp_config_default(&sf_app.tcp_cfg);
	sf_app.conn_sizes.tcbs = 1u << 18;
	sf_app.conn_sizes.tw4 = 1u << 20;
	sf_app.conn_sizes.tw6 = 1u << 18;
	sf_app.client.sport_lo = 1024;
	sf_app.client.sport_hi = 65535;
	sf_app.client.requests = 1;
	sf_app.client.request_kind = SF_RESPONSE_HTTP;
	snprintf(sf_app.client.path, sizeof(sf_app.client.path), "/");
	sf_app.client.close_policy = SF_CLOSE_CLIENT;
	sf_app.client.response_timeout_ms = 10000;
	sf_app.stop_grace_ms = 3000;
}

/* The main lcore's loop: poll when it is the only lcore, watch the clock and the quit flag. */
static void main_loop(void)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t deadline = sf_app.duration_s ? rte_rdtsc() + sf_app.duration_s * hz : UINT64_MAX;
	uint64_t next_check = 0;

	while (!sf_run.quit) {
		uint64_t now;

		if (sf_app.main_is_worker) {
			if (sf_run.running)
				sf_lcore_poll(sf_app.workers[0]);
			else
				sf_lcore_pause(sf_app.workers[0]);
			now = sf_app.workers[0]->last_tsc; /* one TSC read per poll: the poll's own */
		} else {
			usleep(1000);
			now = rte_rdtsc();
		}
		if (now < next_check)
			continue;
		next_check = now + hz / 1000;
		if (now >= deadline)
			sf_app_quit();
		if (sf_run.running)
			sf_app_stats_tick();
	}
}

int main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv), status = 0;

	if (n < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed\n");
	sf_app.stats_period = UINT32_MAX; /* not given: a line a second, but none at the prompt */
	if (parse_args(argc - n, argv + n) != 0)
		rte_exit(EXIT_FAILURE, "bad options\n");
	if (sf_app.stats_period == UINT32_MAX)
		sf_app.stats_period = sf_app.interactive ? 0 : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sf_app.json_path && sf_json_open(sf_app.json_path) != 0)
		rte_exit(EXIT_FAILURE, "--json: cannot write %s: %s\n", sf_app.json_path, strerror(errno));
	install_signals();
	config_defaults();
	sf_app_setup_ports_and_workers();
	/* dpdk-dumpcap (a secondary process) asks the primary to mirror its ports' bursts; it
	 * needs shared memory, so --no-huge, --in-memory and --no-shconf runs cannot serve it. */
	if (rte_pdump_init() != 0)
		printf("packet capture (dpdk-dumpcap) unavailable: %s\n", rte_strerror(rte_errno));
	sf_telemetry_register();

	if (!sf_app.main_is_worker) {
		for (unsigned int w = 0; w < sf_app.nb_workers; w++)
			rte_eal_remote_launch(sf_lcore_loop, sf_app.workers[w], sf_app.workers[w]->lcore_id);
	}
	if (sf_app.cmdline_file && sf_cli_run_file(sf_app.cmdline_file) != 0) {
		status = EXIT_FAILURE;
		sf_app_quit();
	}
	if (!sf_run.quit) {
		if (sf_app.interactive) {
			if (sf_cli_start_interactive() != 0)
				sf_app_quit();
		} else if (!sf_run.running) {
			sf_app_start();
			if (!sf_run.running) { /* it said why */
				status = EXIT_FAILURE;
				sf_app_quit();
			}
		}
	}
	main_loop();

	sf_cli_stop_interactive();
	rte_eal_mp_wait_lcore();
	/* Both ends of a memif must stop polling before either disconnects (docs/PLATFORM.md). */
	rte_delay_ms(200);
	sf_app_print_report(true);
	sf_json_close();
	rte_pdump_uninit();
	for (uint16_t i = 0; i < sf_app.nb_ports; i++)
		sf_port_close(&sf_app.ports[i]);
	for (unsigned int w = 0; w < sf_app.nb_workers; w++) {
		sf_lcore_client_free(sf_app.workers[w]);
		sf_conn_free(sf_app.workers[w]->conn);
		rte_free(sf_app.workers[w]);
	}
	sf_response_free(&sf_app.client.request);
	sf_listeners_clear(sf_app.listeners);
	rte_free(sf_app.listeners);
	rte_eal_cleanup();
	return status;
}

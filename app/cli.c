/* SPDX-License-Identifier: BSD-3-Clause */
/* The CLI shell: assembles the topics' commands into one cmdline context, runs command files
 * and the interactive prompt. Commands themselves live one file per topic (cli_*.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_socket.h>
#include <rte_lcore.h>

#include "sf_app.h"

#define SF_CLI_MAX_CMDS 128

static const struct sf_cli_topic *const topics[] = {
	&sf_cli_topic_run,
	&sf_cli_topic_port,
	&sf_cli_topic_server,
	&sf_cli_topic_tcp,
	&sf_cli_topic_client,
};

static cmdline_parse_ctx_t ctx[SF_CLI_MAX_CMDS + 1];
static struct cmdline *prompt_cl;
static pthread_t prompt_tid;

static cmdline_parse_ctx_t *cli_ctx(void)
{
	unsigned int n = 0;

	if (ctx[0] != NULL)
		return ctx;
	for (size_t t = 0; t < RTE_DIM(topics); t++)
		for (cmdline_parse_inst_t *const *c = topics[t]->cmds; *c != NULL; c++) {
			if (n == SF_CLI_MAX_CMDS)
				rte_exit(EXIT_FAILURE, "more than %u CLI commands\n", SF_CLI_MAX_CMDS);
			ctx[n++] = *c;
		}
	ctx[n] = NULL;
	return ctx;
}

void sf_cli_help(void)
{
	for (size_t t = 0; t < RTE_DIM(topics); t++) {
		printf("%s:\n", topics[t]->name);
		for (cmdline_parse_inst_t *const *c = topics[t]->cmds; *c != NULL; c++)
			printf("  %s\n", (*c)->help_str);
	}
	fflush(stdout);
}

bool sf_cli_refuse_while_running(void)
{
	if (!sf_run.running)
		return false;
	printf("stop first: settings apply at the next start\n");
	fflush(stdout);
	return true;
}

int sf_cli_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-')
		b = strtoul(end + 1, &end, 10);
	if (errno || *end || end == s || a == 0 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int sf_cli_port_range(const char *arg, uint16_t *first, uint16_t *last)
{
	char *end;
	unsigned long id;

	if (strcmp(arg, "all") == 0) {
		*first = 0;
		*last = sf_app.nb_ports;
		return 0;
	}
	errno = 0;
	id = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || id >= sf_app.nb_ports) {
		printf("bad port '%s': expected 0..%d or all\n", arg, (int)sf_app.nb_ports - 1);
		return -1;
	}
	*first = (uint16_t)id;
	*last = (uint16_t)(id + 1);
	return 0;
}

int sf_cli_run_file(const char *path)
{
	/* cmdline_file_new() discards command output (PLATFORM.md); give it stdout instead. */
	int fd = open(path, O_RDONLY);
	struct cmdline *cl;

	if (fd < 0) {
		printf("cannot open command file %s: %s\n", path, strerror(errno));
		return -errno;
	}
	cl = cmdline_new(cli_ctx(), "", fd, STDOUT_FILENO);
	if (cl == NULL) {
		close(fd);
		return -ENOMEM;
	}
	printf("Running commands of %s\n", path);
	fflush(stdout);
	cmdline_interact(cl);
	cmdline_free(cl);
	close(fd);
	printf("Done with %s\n", path);
	return 0;
}

static void *prompt_thread(void *arg)
{
	(void)arg;
	cmdline_interact(prompt_cl);
	/* End of input or `quit`: the process ends with the prompt. */
	sf_app_quit();
	return NULL;
}

int sf_cli_start_interactive(void)
{
	int rc;

	prompt_cl = cmdline_stdin_new(cli_ctx(), "synfin> ");
	if (prompt_cl == NULL)
		return -ENOMEM;
	rc = rte_ctrl_thread_create(&prompt_tid, "sf-prompt", NULL, prompt_thread, NULL);
	if (rc != 0) {
		cmdline_stdin_exit(prompt_cl);
		prompt_cl = NULL;
		return rc;
	}
	return 0;
}

void sf_cli_stop_interactive(void)
{
	if (prompt_cl == NULL)
		return;
	/* A signal or the duration may end the process while the prompt waits in read():
	 * cancel it there (read is a cancellation point), then restore the terminal. */
	pthread_cancel(prompt_tid);
	pthread_join(prompt_tid, NULL);
	cmdline_stdin_exit(prompt_cl);
	prompt_cl = NULL;
	printf("\n");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI shell: assembles the topics' commands into one cmdline context, runs command files
 * and the interactive prompt. Commands themselves live one file per topic (cli_*.c).
 *
 * Lines go through cmdline_parse() here rather than through cmdline's own input loop, so that
 * a line that fails gets a one-line error naming the grammar it was meant to follow (cmdline
 * itself only says "Bad arguments"). The prompt is DPDK's rdline (editing, history, TAB
 * completion and `?` help from the same context) with our validate callback.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_rdline.h>
#include <rte_lcore.h>

#include "sf_app.h"

#define SF_CLI_MAX_CMDS 128

#define SF_CLI_MAX_DEPTH 8 /* `load` inside loaded files */
#define PROMPT "synfin> "

static const struct sf_cli_topic *const topics[] = {
	&sf_cli_topic_run,
	&sf_cli_topic_port,
	&sf_cli_topic_server,
	&sf_cli_topic_tcp,
	&sf_cli_topic_client,
};

static cmdline_parse_ctx_t ctx[SF_CLI_MAX_CMDS + 1];
static struct cmdline *parser; /**< holds the context for cmdline_parse() and completion */
static struct rdline *prompt_rdl;
static pthread_t prompt_tid;
static bool prompt_running;
static struct termios saved_tty;
static bool tty_saved;
static unsigned int depth;
static const char *line_now;  /**< the line being run, for sf_cli_bad_value()'s grammar */
static bool line_failed;      /**< set by a command that parsed but refused its values */

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
	sf_cli_fail("stop first: settings apply at the next start");
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
		sf_cli_bad_value("bad port '%s': 0..%d or all", arg, (int)sf_app.nb_ports - 1);
		return -1;
	}
	*first = (uint16_t)id;
	*last = (uint16_t)(id + 1);
	return 0;
}

/* The grammar of an instruction: its help text up to the first ": ". */
static size_t grammar_len(const char *help)
{
	const char *colon = strstr(help, ": ");

	return colon ? (size_t)(colon - help) : strlen(help);
}

/* How many leading words of @p line the literal words of @p grammar accept ("a|b" is either,
 * "<x>" ends the literal prefix). */
static unsigned int words_matched(const char *grammar, size_t glen, char words[][64], unsigned int nw)
{
	unsigned int n = 0;
	const char *g = grammar, *end = grammar + glen;

	while (g < end && n < nw) {
		const char *sp = memchr(g, ' ', (size_t)(end - g));
		size_t len = sp ? (size_t)(sp - g) : (size_t)(end - g);
		bool ok = false;

		if (*g == '<' || *g == '[')
			break;
		for (const char *alt = g; alt < g + len;) {
			const char *bar = memchr(alt, '|', (size_t)(g + len - alt));
			size_t alen = bar ? (size_t)(bar - alt) : (size_t)(g + len - alt);

			if (alen == strlen(words[n]) && strncmp(alt, words[n], alen) == 0)
				ok = true;
			alt += alen + 1;
		}
		if (!ok)
			break;
		n++;
		g += len + 1;
	}
	return n;
}

/* The words of @p line, up to RTE_DIM(words); returns how many. */
static unsigned int split_words(const char *line, char words[8][64])
{
	unsigned int nw = 0;

	while (nw < 8) {
		size_t len;

		line += strspn(line, " \t");
		len = strcspn(line, " \t\r\n");
		if (len == 0)
			break;
		snprintf(words[nw++], 64, "%.*s", (int)len, line);
		line += len;
	}
	return nw;
}

/* The most literal words of @p line that any command's grammar accepts. */
static unsigned int best_match(char words[8][64], unsigned int nw)
{
	unsigned int best = 0;

	for (cmdline_parse_ctx_t *c = cli_ctx(); *c != NULL; c++) {
		unsigned int m = words_matched((*c)->help_str, grammar_len((*c)->help_str), words, nw);

		best = m > best ? m : best;
	}
	return best;
}

/* The grammars of the commands that accept @p best words of the line, " | " between them. */
static void print_grammars(char words[8][64], unsigned int nw, unsigned int best)
{
	unsigned int shown = 0;

	for (cmdline_parse_ctx_t *c = cli_ctx(); *c != NULL; c++) {
		size_t glen = grammar_len((*c)->help_str);

		if (words_matched((*c)->help_str, glen, words, nw) == best)
			printf("%s%.*s", shown++ ? " | " : "", (int)glen, (*c)->help_str);
	}
}

/* One line of error for a line that failed to parse: the grammars of the commands it resembles most. */
static void explain(int rc, const char *line)
{
	char words[8][64];
	unsigned int nw = split_words(line, words), best = best_match(words, nw);

	if (rc == CMDLINE_PARSE_NOMATCH || best == 0) {
		printf("Command not found: '%s' (help lists every command with its grammar)\n", nw ? words[0] : "");
		fflush(stdout);
		return;
	}
	printf("%s, expected: ", rc == CMDLINE_PARSE_AMBIGUOUS ? "Ambiguous command" : "Bad arguments");
	print_grammars(words, nw, best);
	printf("\n");
	fflush(stdout);
}

void sf_cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	line_failed = true;
}

void sf_cli_bad_value(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (line_now != NULL) {
		char words[8][64];
		unsigned int nw = split_words(line_now, words);

		printf("; expected: ");
		print_grammars(words, nw, best_match(words, nw));
	}
	printf("\n");
	fflush(stdout);
	line_failed = true;
}

static struct cmdline *cli_parser(void)
{
	if (parser == NULL) {
		/* Only a holder of the context: input never comes through it. */
		parser = cmdline_new(cli_ctx(), "", -1, STDOUT_FILENO);
		if (parser == NULL)
			rte_exit(EXIT_FAILURE, "cannot create the command parser\n");
	}
	return parser;
}

int sf_cli_line(const char *line)
{
	char buf[CMDLINE_PARSE_RESULT_BUFSIZE < 4096 ? CMDLINE_PARSE_RESULT_BUFSIZE : 4096];
	int rc;

	/* cmdline_parse() wants the line's end marked. */
	const char *outer = line_now;
	bool failed;

	snprintf(buf, sizeof(buf), "%.*s\n", (int)strcspn(line, "\r\n"), line);
	/* A `load` runs lines inside this one: each line has its own verdict, and a failed inner
	 * line fails the `load`, which reports it through sf_cli_fail(). */
	line_now = buf;
	line_failed = false;
	rc = cmdline_parse(cli_parser(), buf);
	failed = line_failed;
	line_now = outer;
	line_failed = false;
	if (rc < 0) {
		explain(rc, buf);
		return -1;
	}
	return failed ? -1 : 0;
}

int sf_cli_run_file(const char *path)
{
	char line[1024];
	unsigned int lineno = 0, errors = 0;
	FILE *f;

	if (depth >= SF_CLI_MAX_DEPTH) {
		printf("cannot load %s: command files nested more than %u deep\n", path, SF_CLI_MAX_DEPTH);
		return -ELOOP;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		int err = errno;

		printf("cannot open command file %s: %s\n", path, strerror(err));
		return -err;
	}
	printf("Running commands of %s\n", path);
	fflush(stdout);
	depth++;
	while (!sf_run.quit && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		printf("%s%s", line, strchr(line, '\n') ? "" : "\n"); /* echo, as the prompt does */
		fflush(stdout);
		if (sf_cli_line(line) != 0) {
			/* What follows may rely on it (a `start` above all): go no further. */
			printf("%s:%u: the command above failed; the rest of the file is not run\n", path, lineno);
			errors++;
			break;
		}
	}
	depth--;
	fclose(f);
	printf("Done with %s%s\n", path, errors ? " (with errors)" : "");
	fflush(stdout);
	return errors ? -EINVAL : 0;
}

/* ---- the prompt ---- */

static int prompt_write(struct rdline *rdl, char c)
{
	(void)rdl;
	return write(STDOUT_FILENO, &c, 1) == 1 ? 0 : -1;
}

static void prompt_validate(struct rdline *rdl, const char *buf, unsigned int size)
{
	(void)rdl, (void)size;
	fflush(stdout);
	sf_cli_line(buf);
}

static int prompt_complete(struct rdline *rdl, const char *buf, char *dst, unsigned int size, int *state)
{
	(void)rdl;
	return cmdline_complete(cli_parser(), buf, state, dst, size);
}

static void *prompt_thread(void *arg)
{
	(void)arg;
	rdline_newline(prompt_rdl, PROMPT);
	while (!sf_run.quit) {
		char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* end of input */
		rc = rdline_char_in(prompt_rdl, c);
		if (rc == RDLINE_RES_VALIDATED) {
			const char *line = rdline_get_buffer(prompt_rdl);

			if (line != NULL && strspn(line, " \t\r\n") < strlen(line))
				rdline_add_history(prompt_rdl, line);
			if (sf_run.quit)
				break;
			rdline_newline(prompt_rdl, PROMPT);
		} else if (rc == RDLINE_RES_EOF || rc == RDLINE_RES_EXITED) {
			break;
		}
	}
	/* End of input or `quit`: the process ends with the prompt. */
	sf_app_quit();
	return NULL;
}

int sf_cli_start_interactive(void)
{
	int rc;

	cli_parser();
	prompt_rdl = rdline_new(prompt_write, prompt_validate, prompt_complete, NULL);
	if (prompt_rdl == NULL)
		return -ENOMEM;
	/* Keys one at a time, echoed by rdline. ISIG stays on: Ctrl-C ends synfin like SIGINT. */
	if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios t = saved_tty;

		tty_saved = true;
		t.c_lflag &= (tcflag_t) ~(ICANON | ECHO | IEXTEN);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	rc = rte_ctrl_thread_create(&prompt_tid, "sf-prompt", NULL, prompt_thread, NULL);
	if (rc != 0) {
		sf_cli_stop_interactive();
		return rc;
	}
	sf_app_ctrl_thread_home(prompt_tid);
	prompt_running = true;
	return 0;
}

void sf_cli_stop_interactive(void)
{
	if (prompt_running) {
		/* A signal or the duration may end the process while the prompt waits in read():
		 * cancel it there (read is a cancellation point). */
		pthread_cancel(prompt_tid);
		pthread_join(prompt_tid, NULL);
		prompt_running = false;
		printf("\n");
	}
	if (tty_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		tty_saved = false;
	}
	if (prompt_rdl != NULL) {
		rdline_free(prompt_rdl);
		prompt_rdl = NULL;
	}
	if (parser != NULL) {
		cmdline_free(parser);
		parser = NULL;
	}
}

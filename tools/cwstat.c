// SPDX-License-Identifier: GPL-2.0
/*
 * cwstat: read the cwstat module's counts of TCP sockets in CLOSE_WAIT (or
 * count them over sock_diag without it), print them for people and for
 * monitoring, and check them against thresholds. See cwstat(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "check.h"
#include "cwstat.h"
#include "cwstat_format.h"
#include "diag.h"
#include "duration.h"
#include "output.h"
#include "parse.h"
#include "reap.h"
#include "rows.h"
#include "sockets.h"

#ifndef CWSTAT_VERSION
#define CWSTAT_VERSION "unknown"
#endif

/* Larger inputs are refused rather than exhausting memory. */
#define CW_INPUT_MAX	(1UL << 30)

enum cw_source_choice {
	SRC_AUTO,	/* the module, else sock_diag with a note */
	SRC_MODULE,
	SRC_DIAG,
};

struct cw_source_opts {
	const char *input;		/* --input FILE, "-" for stdin */
	enum cw_source_choice source;
	bool all_netns;
	bool no_names;
};

/* Options shared by every subcommand that reads counts. */
enum {
	OPT_INPUT = 0x100,
	OPT_SOURCE,
	OPT_ALL_NETNS,
	OPT_NO_NAMES,
	OPT_BY,
	OPT_WATCH,
	OPT_WARN,
	OPT_CRIT,
	OPT_MAX_AGE,
	OPT_MAX_AGE_CRIT,
};

#define SOURCE_LONGOPTS \
	{ "input", required_argument, NULL, OPT_INPUT }, \
	{ "source", required_argument, NULL, OPT_SOURCE }, \
	{ "all-netns", no_argument, NULL, OPT_ALL_NETNS }, \
	{ "no-names", no_argument, NULL, OPT_NO_NAMES }, \
	{ "by", required_argument, NULL, OPT_BY }, \
	{ "help", no_argument, NULL, 'h' }

static const char *const show_usage =
"usage: cwstat [show] [-o table|json|prom] [--by total|netns|cgroup|container]\n"
"                     [--watch SECONDS] [SOURCE]\n"
"       cwstat prom [SOURCE]                same as show -o prom\n"
"       cwstat check --warn RANGE --crit RANGE [--by ...] [--max-age DURATION]\n"
"                    [--max-age-crit DURATION] [SOURCE]\n"
"       cwstat sockets [-o table|json] [--port N] [--cgroup PATH]\n"
"                      [--older-than DURATION] [--netns NAME] [-n]\n"
"       cwstat reap --older-than DURATION [--port N] [--cgroup PATH]\n"
"                   [--netns NAME|INUM] [--max N] [--yes]\n"
"       cwstat help [COMMAND] | cwstat --version\n"
"\n"
"Count TCP sockets in CLOSE_WAIT per network namespace and cgroup.\n"
"\n"
"SOURCE options:\n"
"  --input FILE         read a saved copy of " CWSTAT_PROC_PATH " ('-' = stdin)\n"
"  --source auto|module|diag\n"
"                       module: " CWSTAT_PROC_PATH "; diag: count over sock_diag\n"
"                       auto (default): the module, else diag with a note\n"
"  --all-netns          with diag: every netns this process can enter\n"
"  --no-names           do not look up netns names and owning processes\n"
"\n"
"show options:\n"
"  -o, --output FMT     table (default), json, or prom (Prometheus text)\n"
"  --by VIEW            tree (default), total, netns, cgroup, or container\n"
"  --watch SECONDS      redraw every SECONDS with the change per row\n"
"\n"
"Exit status: 0 ok, 1 a source could not be read, 2 usage error,\n"
"3 malformed input. check exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"See cwstat(8).\n";

static const char *const check_usage =
"usage: cwstat check [--warn RANGE] [--crit RANGE] [--by total|netns|cgroup|container]\n"
"                    [--max-age DURATION] [--max-age-crit DURATION] [SOURCE]\n"
"\n"
"Monitoring-plugin check of the CLOSE_WAIT count. Prints one status line\n"
"with perfdata and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"\n"
"  --warn RANGE, --crit RANGE\n"
"                       thresholds on the count: N (above N), N: (below N),\n"
"                       ~:N, M:N (outside M..N), @M:N (inside M..N)\n"
"  --by VIEW            total (default) checks the sum; netns, cgroup or\n"
"                       container check each row and name the worst\n"
"  --max-age DURATION   WARNING when a row's oldest socket is older\n"
"  --max-age-crit DURATION\n"
"                       CRITICAL when a row's oldest socket is older\n"
"                       (age: time in CLOSE_WAIT where the module knows it,\n"
"                       else time since the last segment from the peer)\n"
"\n"
"SOURCE options as for show: --input FILE, --source auto|module|diag,\n"
"--all-netns, --no-names. See cwstat(8).\n";

/* Read all of @fd; NULL with errno on failure. */
static char *read_all(int fd, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *nb;

			if (cap >= CW_INPUT_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
}

/*
 * Fill @s from the chosen source. Returns CW_EXIT_OK, CW_EXIT_ERROR (could
 * not read; @err says why) or CW_EXIT_INPUT (not format v1).
 */
static int load_snapshot(const struct cw_source_opts *so,
			 struct cw_snapshot *s, struct cw_error *err)
{
	const char *path = so->input ? so->input : CWSTAT_PROC_PATH;
	const char *name = path;
	enum cw_source src = so->input ? CW_SOURCE_FILE : CW_SOURCE_MODULE;
	bool all_netns = so->all_netns;
	size_t len;
	char *buf;
	int fd, ret;

	if (!so->input && so->source == SRC_DIAG)
		goto diag;
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
		name = "<stdin>";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (!so->input && so->source == SRC_AUTO && errno == ENOENT) {
			/*
			 * The module shows root on the host every netns; the
			 * fallback does the same where it can.
			 */
			all_netns = all_netns || geteuid() == 0;
			cw_warn("%s not found (module not loaded); counting with sock_diag in %s",
				path, all_netns ? "every netns" : "this netns");
			goto diag;
		}
		cw_error_set(err, "cannot open %s: %s%s", path, strerror(errno),
			     errno == ENOENT && !so->input ?
			     " (is the cwstat module loaded? --source diag works without it)" : "");
		return CW_EXIT_ERROR;
	}
	buf = read_all(fd, &len);
	if (!buf) {
		cw_error_set(err, "cannot read %s: %s", name, strerror(errno));
		if (fd != STDIN_FILENO)
			close(fd);
		return CW_EXIT_ERROR;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	ret = cw_parse(buf, len, name, s, err);
	free(buf);
	if (ret)
		return CW_EXIT_INPUT;
	s->source = src;
	return CW_EXIT_OK;

diag:
	if (cw_diag_snapshot(s, all_netns, err))
		return CW_EXIT_ERROR;
	s->source = CW_SOURCE_DIAG;
	return CW_EXIT_OK;
}

static int load_names(struct cw_names *names, const struct cw_snapshot *s,
		      const struct cw_source_opts *so)
{
	uint64_t *ns;
	size_t i;
	int ret;

	memset(names, 0, sizeof(*names));
	/* Names from this host mean nothing for a copy saved elsewhere. */
	if (so->no_names || so->input || !s->nnetns)
		return 0;
	ns = calloc(s->nnetns, sizeof(*ns));
	if (!ns)
		return -1;
	for (i = 0; i < s->nnetns; i++)
		ns[i] = s->netns[i].ns;
	ret = cw_names_load(names, ns, s->nnetns, "/run/netns", "/proc");
	free(ns);
	return ret;
}

/* One parsed option shared by the reading subcommands; false if not one. */
static bool source_opt(int opt, const char *arg, struct cw_source_opts *so,
		       const char *cmd, int *ret)
{
	*ret = 0;
	switch (opt) {
	case OPT_INPUT:
		so->input = arg;
		return true;
	case OPT_SOURCE:
		if (!strcmp(arg, "auto"))
			so->source = SRC_AUTO;
		else if (!strcmp(arg, "module"))
			so->source = SRC_MODULE;
		else if (!strcmp(arg, "diag"))
			so->source = SRC_DIAG;
		else
			*ret = cw_usage_error(cmd, "unknown source '%s' (auto, module or diag)",
					   arg);
		return true;
	case OPT_ALL_NETNS:
		so->all_netns = true;
		return true;
	case OPT_NO_NAMES:
		so->no_names = true;
		return true;
	}
	return false;
}

static int check_source_opts(const struct cw_source_opts *so, const char *cmd)
{
	if (so->input && so->source != SRC_AUTO)
		return cw_usage_error(cmd, "--input and --source exclude each other");
	if (so->all_netns && (so->input || so->source == SRC_MODULE))
		return cw_usage_error(cmd, "--all-netns needs --source diag (the module shows every netns it may)");
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Sleep @seconds unless a signal asks to stop first. */
static void watch_sleep(uint64_t seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int show_once(const struct cw_source_opts *so,
		     struct cw_output_opts *oo, struct cw_rows *prev,
		     bool keep_rows)
{
	struct cw_snapshot s = {0};
	struct cw_names names;
	struct cw_error err;
	struct cw_rows rows = {0};
	int ret;

	ret = load_snapshot(so, &s, &err);
	if (ret) {
		cw_warn("%s", err.msg);
		return ret;
	}
	if (load_names(&names, &s, so)) {
		cw_warn("out of memory");
		cw_snapshot_free(&s);
		return CW_EXIT_ERROR;
	}
	oo->names = &names;
	ret = cw_output(stdout, &s, oo);
	if (!ret && fflush(stdout))
		ret = -1;
	if (ret) {
		cw_warn("cannot write output: %s", strerror(errno));
		ret = CW_EXIT_ERROR;
	} else if (keep_rows) {
		if (cw_rows_build(&rows, &s, oo->by, &names)) {
			cw_warn("out of memory");
			ret = CW_EXIT_ERROR;
		} else {
			cw_rows_free(prev);
			*prev = rows;
		}
	}
	oo->names = NULL;
	cw_names_free(&names);
	cw_snapshot_free(&s);
	return ret;
}

static int watch(const struct cw_source_opts *so, struct cw_output_opts *oo,
		 uint64_t interval, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct cw_rows prev = {0};
	bool have_prev = false;
	int ret = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		char when[64];
		time_t now = time(NULL);
		int i;

		strftime(when, sizeof(when), "%F %T", localtime(&now));
		/* Home and clear, as watch(1) and top(1) do. */
		fputs("\033[H\033[2J", stdout);
		printf("Every %llus:", (unsigned long long)interval);
		for (i = 0; i < argc; i++)
			printf(" %s", argv[i]);
		printf("    %s\n\n", when);
		/* From the second sample on, even when the first had no rows. */
		oo->prev = have_prev ? &prev : NULL;
		ret = show_once(so, oo, &prev, true);
		if (ret)
			break;
		have_prev = true;
		watch_sleep(interval);
	}
	cw_rows_free(&prev);
	return ret;
}

static int cmd_show(int argc, char **argv, enum cw_format fmt)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "watch", required_argument, NULL, OPT_WATCH },
		SOURCE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct cw_output_opts oo = { .format = fmt, .by = CW_BY_TREE };
	struct cw_source_opts so = { .source = SRC_AUTO };
	uint64_t interval = 0;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		if (source_opt(opt, optarg, &so, "", &ret)) {
			if (ret)
				return ret;
			continue;
		}
		switch (opt) {
		case 'o':
			if (!cw_format_parse(optarg, &oo.format))
				return cw_usage_error("", "unknown output format '%s' (table, json or prom)",
						   optarg);
			break;
		case OPT_BY:
			if (!cw_by_parse(optarg, &oo.by))
				return cw_usage_error("", "unknown view '%s' (tree, total, netns, cgroup or container)",
						   optarg);
			break;
		case OPT_WATCH:
			if (cw_duration_parse(optarg, &interval) || !interval ||
			    interval > 86400)
				return cw_usage_error("", "--watch wants a duration from 1s to 1d, not '%s'",
						   optarg);
			break;
		case 'h':
			fputs(show_usage, stdout);
			return CW_EXIT_OK;
		default:
			return cw_usage_error("", "bad usage");
		}
	}
	if (optind < argc)
		return cw_usage_error("", "unexpected argument '%s'", argv[optind]);
	ret = check_source_opts(&so, "");
	if (ret)
		return ret;
	if (interval && so.input)
		return cw_usage_error("", "--watch reads a live source, not --input");
	/* A pipe gets one sample: redrawing only makes sense on a screen. */
	if (interval && isatty(STDOUT_FILENO))
		return watch(&so, &oo, interval, argc, argv);
	return show_once(&so, &oo, NULL, false);
}

static int check_unknown(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The plugin's UNKNOWN: one status line on stdout, exit 3. */
static int check_unknown(const char *fmt, ...)
{
	va_list ap;

	fputs("CWSTAT UNKNOWN - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return CW_STATUS_UNKNOWN;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "warn", required_argument, NULL, OPT_WARN },
		{ "crit", required_argument, NULL, OPT_CRIT },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-age-crit", required_argument, NULL, OPT_MAX_AGE_CRIT },
		SOURCE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct cw_source_opts so = { .source = SRC_AUTO };
	struct cw_check ck = {0};
	struct cw_check_result res;
	struct cw_snapshot s = {0};
	struct cw_rows rows = {0};
	struct cw_names names;
	enum cw_by by = CW_BY_TOTAL;
	struct cw_error err;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+w:c:h", longopts, NULL)) != -1) {
		if (source_opt(opt, optarg, &so, "check ", &ret)) {
			if (ret)
				return CW_STATUS_UNKNOWN;
			continue;
		}
		switch (opt) {
		case 'w':
		case OPT_WARN:
			if (cw_range_parse(optarg, &ck.warn))
				goto bad_range;
			ck.has_warn = true;
			break;
		case 'c':
		case OPT_CRIT:
			if (cw_range_parse(optarg, &ck.crit))
				goto bad_range;
			ck.has_crit = true;
			break;
		case OPT_MAX_AGE:
		case OPT_MAX_AGE_CRIT:
			if (cw_duration_parse(optarg, opt == OPT_MAX_AGE ?
					      &ck.max_age : &ck.max_age_crit) ||
			    !(opt == OPT_MAX_AGE ? ck.max_age : ck.max_age_crit)) {
				cw_usage_error("check ", "%s wants a duration above 0 such as 90s, 10m, 1h30m, not '%s'",
					    opt == OPT_MAX_AGE ? "--max-age" : "--max-age-crit",
					    optarg);
				return CW_STATUS_UNKNOWN;
			}
			break;
		case OPT_BY:
			if (!cw_by_parse(optarg, &by) || by == CW_BY_TREE) {
				cw_usage_error("check ", "unknown view '%s' (total, netns, cgroup or container)",
					    optarg);
				return CW_STATUS_UNKNOWN;
			}
			break;
		case 'h':
			fputs(check_usage, stdout);
			return CW_STATUS_OK;
		default:
			cw_usage_error("check ", "bad usage");
			return CW_STATUS_UNKNOWN;
		}
	}
	if (optind < argc) {
		cw_usage_error("check ", "unexpected argument '%s'", argv[optind]);
		return CW_STATUS_UNKNOWN;
	}
	if (check_source_opts(&so, "check "))
		return CW_STATUS_UNKNOWN;
	if (!ck.has_warn && !ck.has_crit && !ck.max_age && !ck.max_age_crit) {
		cw_usage_error("check ", "give at least one of --warn, --crit, --max-age, --max-age-crit");
		return CW_STATUS_UNKNOWN;
	}
	if (ck.has_warn && ck.has_crit &&
	    !cw_ranges_consistent(&ck.warn, &ck.crit)) {
		cw_usage_error("check ", "--warn %s must alert wherever --crit %s does (is warn above crit?)",
			    ck.warn.text, ck.crit.text);
		return CW_STATUS_UNKNOWN;
	}
	if (ck.max_age && ck.max_age_crit && ck.max_age > ck.max_age_crit) {
		cw_usage_error("check ", "--max-age is above --max-age-crit");
		return CW_STATUS_UNKNOWN;
	}

	ret = load_snapshot(&so, &s, &err);
	if (ret)
		return check_unknown("%s", err.msg);
	if (load_names(&names, &s, &so) || cw_rows_build(&rows, &s, by, &names)) {
		cw_snapshot_free(&s);
		return check_unknown("out of memory");
	}
	cw_check_eval(&ck, &rows, &res);
	cw_check_print(stdout, &ck, &rows, &s.total, by, &res);
	ret = res.status;
	cw_rows_free(&rows);
	cw_names_free(&names);
	cw_snapshot_free(&s);
	if (fflush(stdout))
		return CW_STATUS_UNKNOWN;
	return ret;

bad_range:
	cw_usage_error("check ", "bad threshold '%s': use N, N:, ~:N, M:N or @M:N with counts (0 or more)",
		    optarg);
	return CW_STATUS_UNKNOWN;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "check"))
		fputs(check_usage, stdout);
	else if (argc > 1 && !strcmp(argv[1], "sockets"))
		return cw_cmd_sockets(2, (char *[]){ "sockets", "--help", NULL });
	else if (argc > 1 && !strcmp(argv[1], "reap"))
		return cw_cmd_reap(2, (char *[]){ "reap", "--help", NULL });
	else
		fputs(show_usage, stdout);
	return CW_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "show";

	if (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
			printf("cwstat %s (format v%d)\n", CWSTAT_VERSION,
			       CWSTAT_FORMAT_VERSION);
			return CW_EXIT_OK;
		}
		/* Options without a command belong to show. */
		return cmd_show(argc, argv, CW_FMT_TABLE);
	}
	if (!strcmp(cmd, "show") || !strcmp(cmd, "prom")) {
		cw_progname = !strcmp(cmd, "show") ? "cwstat show" : "cwstat prom";
		return cmd_show(argc - 1, argv + 1, !strcmp(cmd, "prom") ?
				CW_FMT_PROM : CW_FMT_TABLE);
	}
	if (!strcmp(cmd, "check")) {
		cw_progname = "cwstat check";
		return cmd_check(argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "sockets")) {
		cw_progname = "cwstat sockets";
		return cw_cmd_sockets(argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "reap")) {
		cw_progname = "cwstat reap";
		return cw_cmd_reap(argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "version"))
		return main(2, (char *[]){ argv[0], "--version", NULL });
	return cw_usage_error("", "unknown command '%s' (show, prom, check, sockets, reap, help)",
			   cmd);
}

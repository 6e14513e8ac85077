// SPDX-License-Identifier: GPL-2.0
/*
 * cwstat: read the cwstat module's counts of TCP sockets in CLOSE_WAIT (or
 * count them over sock_diag without it), print them for people and for
 * monitoring, and check them against thresholds. See cwstat(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "health.h"
#include "output.h"
#include "meta.h"
#include "parse.h"
#include "reap.h"
#include "rows.h"
#include "serve.h"
#include "sockets.h"
#include "source.h"

#ifndef CWSTAT_VERSION
#define CWSTAT_VERSION "unknown"
#endif

static const char *const show_usage =
"usage: cwstat [show] [-o table|json|prom|openmetrics]\n"
"                     [--by total|netns|cgroup|container]\n"
"                     [--watch SECONDS] [SOURCE]\n"
"       cwstat prom [-o prom|openmetrics] [SOURCE]   show -o prom\n"
"       cwstat check --warn RANGE --crit RANGE [--by ...] [--max-age DURATION]\n"
"                    [--max-age-crit DURATION] [SOURCE]\n"
"       cwstat sockets [-o table|json] [--port N] [--remote-port N]\n"
"                      [--cgroup PATH] [--older-than DURATION]\n"
"                      [--netns NAME|INUM | --all-netns] [-n] [-H]\n"
"       cwstat reap --older-than DURATION [--port N] [--cgroup PATH]\n"
"                   [--netns NAME|INUM] [--max N] [--yes]\n"
"       cwstat serve [--listen [ADDRESS]:PORT] [--by VIEW] [SOURCE]\n"
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
"  --no-names           do not look up netns names, owning processes, and\n"
"                       pod and container names\n"
"  --runtime-root DIR   read containerd, CRI-O and Docker files under DIR\n"
"                       (default /; also with --input)\n"
"  --sysfs DIR          read the module's health (are the counts complete?)\n"
"                       from DIR instead of " CW_SYSFS_DIR "\n"
"                       (root only), e.g. a copy saved with an --input file\n"
"\n"
"show options:\n"
"  -o, --output FMT     table (default), json, prom (Prometheus text 0.0.4)\n"
"                       or openmetrics (OpenMetrics 1.0.0 text)\n"
"  --by VIEW            tree (default), total, netns, cgroup, or container\n"
"                       (table and prom; json is always the tree)\n"
"  --watch SECONDS      redraw every SECONDS with the change per row (into\n"
"                       a pipe: a sample per interval, until interrupted)\n"
"\n"
"Exit status: 0 ok, 1 a source could not be read, 2 usage error,\n"
"3 malformed input. check exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"See cwstat(8).\n";

static const char *const check_usage =
"usage: cwstat check [-w RANGE] [-c RANGE] [--by total|netns|cgroup|container]\n"
"                    [--max-age DURATION] [--max-age-crit DURATION]\n"
"                    [--scope host|netns] [-t SECONDS] [-v] [-V] [SOURCE]\n"
"\n"
"Monitoring-plugin check of the CLOSE_WAIT count. Prints one status line\n"
"with perfdata and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage\n"
"errors too, as a CWSTAT UNKNOWN line on stdout).\n"
"\n"
"  -w, --warn RANGE, -c, --crit RANGE\n"
"                       thresholds on the count, Monitoring Plugins syntax:\n"
"                       N (outside 0..N), N: (below N), ~:N (above N),\n"
"                       M:N (outside M..N), @M:N (inside M..N); crit is\n"
"                       tested first, so warn may be looser than crit\n"
"  --by VIEW            total (default) checks the sum; netns, cgroup or\n"
"                       container check each row and name the worst\n"
"  --max-age DURATION   WARNING when a row's oldest socket is older\n"
"  --max-age-crit DURATION\n"
"                       CRITICAL when a row's oldest socket is older\n"
"                       (age: time in CLOSE_WAIT where the module knows it,\n"
"                       else time since the last segment from the peer)\n"
"  --scope host|netns   host (default): every netns, as root on the host\n"
"                       sees them; a view that misses some (not root, a\n"
"                       netns it cannot enter) is never OK: UNKNOWN, or\n"
"                       WARNING/CRITICAL on what it saw, and says so.\n"
"                       netns: this process's netns only\n"
"  -t, --timeout SECONDS\n"
"                       UNKNOWN after SECONDS (default 10; 0: none)\n"
"  -v, --verbose        also list the rows that alert and the tool's notes\n"
"                       (-vv: every row, -vvv: and the source); without\n"
"                       it nothing goes to stderr\n"
"  -V, --version        print the version\n"
"\n"
"SOURCE options as for show: --input FILE, --source auto|module|diag,\n"
"--all-netns, --no-names, --runtime-root DIR, --sysfs DIR. Counts the\n"
"module says are a lower bound (its table full, sockets it could not\n"
"examine) make the status at least WARNING. See cwstat(8).\n";

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

/*
 * Under the table, counts that are a lower bound, why and what to do.
 * json and prom carry the health in the document itself.
 */
static void health_notes(const struct cw_health *h)
{
	char notes[CW_HEALTH_NOTES][CW_HEALTH_NOTE_MAX];
	size_t i, n = cw_health_notes(h, notes);

	for (i = 0; i < n; i++)
		cw_note_warn("%s", notes[i]);
}

static int show_once(const struct cw_source_opts *so,
		     struct cw_output_opts *oo, struct cw_rows *prev,
		     bool keep_rows)
{
	struct cw_snapshot s = {0};
	struct cw_names names;
	struct cw_meta meta;
	struct cw_error err;
	struct cw_rows rows = {0};
	int ret;

	ret = cw_source_load(so, &s, &err);
	if (ret) {
		cw_warn("%s", err.msg);
		return ret;
	}
	if (cw_source_names(&names, &s, so)) {
		cw_warn("out of memory");
		cw_snapshot_free(&s);
		return CW_EXIT_ERROR;
	}
	oo->names = &names;
	oo->meta = cw_source_meta(&meta, so);
	oo->version = CWSTAT_VERSION;
	ret = cw_output(stdout, &s, oo);
	if (!ret && fflush(stdout))
		ret = -1;
	if (!ret && oo->format == CW_FMT_TABLE)
		health_notes(&s.health);
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
	if (oo->meta)
		cw_meta_free(oo->meta);
	oo->meta = NULL;
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

	/*
	 * On a terminal, redraw in place as watch(1) does; into a pipe or a
	 * file, append a sample per interval as vmstat 5 does: a table under
	 * a time line, json and prom one document after the other.
	 */
	bool tty = isatty(STDOUT_FILENO);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		char when[64];
		time_t now = time(NULL);
		int i;

		strftime(when, sizeof(when), "%F %T", localtime(&now));
		if (tty || oo->format == CW_FMT_TABLE) {
			/* Home and clear, as watch(1) and top(1) do. */
			if (tty)
				fputs("\033[H\033[2J", stdout);
			else if (have_prev)
				putchar('\n');
			printf("Every %llus:", (unsigned long long)interval);
			for (i = 0; i < argc; i++)
				printf(" %s", argv[i]);
			printf("    %s\n\n", when);
		}
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

/* show, and prom (@fmt CW_FMT_PROM), which prints only Prometheus formats. */
static int cmd_show(int argc, char **argv, enum cw_format fmt)
{
	const char *cmd = fmt == CW_FMT_PROM ? "prom " : "";
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "watch", required_argument, NULL, OPT_WATCH },
		SOURCE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct cw_output_opts oo = { .format = fmt, .by = CW_BY_TREE };
	struct cw_source_opts so = { .source = SRC_AUTO };
	uint64_t interval = 0;
	const char *why;
	int opt;

	/* One message per usage error, ours: getopt's own would be a second. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		if (cw_source_opt(opt, optarg, &so, &why)) {
			if (why)
				return cw_usage_error(cmd, "%s", why);
			continue;
		}
		switch (opt) {
		case 'o':
			if (!cw_format_parse(optarg, &oo.format))
				return cw_usage_error(cmd, "unknown output format '%s' (%s)",
						      optarg, fmt == CW_FMT_PROM ?
						      "prom or openmetrics" :
						      "table, json, prom or openmetrics");
			if (fmt == CW_FMT_PROM && oo.format != CW_FMT_PROM &&
			    oo.format != CW_FMT_OPENMETRICS)
				return cw_usage_error(cmd, "-o %s: prom prints Prometheus metrics (-o prom or openmetrics); use 'cwstat show -o %s'",
						      optarg, optarg);
			break;
		case OPT_BY:
			if (!cw_by_parse(optarg, &oo.by))
				return cw_usage_error(cmd, "unknown view '%s' (tree, total, netns, cgroup or container)",
						   optarg);
			break;
		case OPT_WATCH:
			if (cw_duration_parse(optarg, &interval) || !interval ||
			    interval > 86400)
				return cw_usage_error(cmd, "--watch wants a duration from 1s to 1d, not '%s'",
						   optarg);
			break;
		case 'h':
			fputs(show_usage, stdout);
			return CW_EXIT_OK;
		default:
			return cw_getopt_error(cmd, argv, opt);
		}
	}
	if (optind < argc)
		return cw_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	why = cw_source_check(&so);
	if (why)
		return cw_usage_error(cmd, "%s", why);
	if (interval && so.input)
		return cw_usage_error(cmd, "--watch reads a live source, not --input");
	if (interval)
		return watch(&so, &oo, interval, argc, argv);
	return show_once(&so, &oo, NULL, false);
}

static int check_unknown(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * The plugin's UNKNOWN: one status line on stdout, exit 3. Usage errors
 * too, as the Monitoring Plugins guidelines ask: a monitoring system shows
 * the plugin's stdout and its exit code, never its stderr.
 */
static int check_unknown(const char *fmt, ...)
{
	va_list ap;

	fputs("CWSTAT UNKNOWN - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return CW_STATUS_UNKNOWN;
}

/* Plugins' default, as check_tcp and friends have it. */
#define CHECK_DEFAULT_TIMEOUT	10

static char timeout_msg[96];
static size_t timeout_len;

/* Only async-signal-safe calls: the status line was formatted before. */
static void on_check_timeout(int sig)
{
	ssize_t w;

	(void)sig;
	w = write(STDOUT_FILENO, timeout_msg, timeout_len);
	(void)w;
	_exit(CW_STATUS_UNKNOWN);
}

static void check_arm_timeout(uint64_t seconds)
{
	struct sigaction sa = { .sa_handler = on_check_timeout };

	if (!seconds)
		return;
	snprintf(timeout_msg, sizeof(timeout_msg),
		 "CWSTAT UNKNOWN - timed out after %llus (-t)\n",
		 (unsigned long long)seconds);
	timeout_len = strlen(timeout_msg);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned int)seconds);
}

static const char *const source_labels[] = {
	[CW_SOURCE_MODULE] = "the module (" CWSTAT_PROC_PATH ")",
	[CW_SOURCE_FILE] = "a saved copy (--input)",
	[CW_SOURCE_DIAG] = "sock_diag (no module)",
};

/*
 * -v, -vv, -vvv: lines after the status line (the guidelines' long
 * output; perfdata stays on the first line). -v: the rows that alert;
 * -vv: every row; -vvv: also where the counts came from.
 */
static void check_details(const struct cw_check *ck,
			  const struct cw_rows *rows,
			  const struct cw_snapshot *s, int verbose)
{
	size_t i;

	if (verbose >= 3)
		printf("source: %s\n", (size_t)s->source <
		       sizeof(source_labels) / sizeof(source_labels[0]) ?
		       source_labels[s->source] : "?");
	if (verbose >= 3 && s->health.read)
		printf("health: mode %s, capped %d, unresolved %" PRIu64
		       ", untracked %" PRIu64 " since load\n", s->health.mode,
		       s->health.capped ? 1 : 0, s->health.unresolved,
		       s->health.untracked_total);
	for (i = 0; i < rows->n; i++) {
		const struct cw_row *r = &rows->v[i];
		enum cw_status st = cw_check_row(ck, r, NULL);

		if (st == CW_STATUS_OK && verbose < 2)
			continue;
		cw_check_print_row(stdout, st, r);
	}
}

/* The notes captured since @nf was opened: after the status line with -v. */
static void check_notes(FILE *nf, char **notes, int verbose)
{
	char *line, *save = NULL;

	cw_notes_capture(NULL);
	if (!nf)
		return;
	fclose(nf);
	for (line = *notes ? strtok_r(*notes, "\n", &save) : NULL;
	     verbose && line; line = strtok_r(NULL, "\n", &save))
		printf("note: %s\n", line);
	free(*notes);
	*notes = NULL;
}

/*
 * @argv[0] is check_cwstat, the Monitoring Plugins' name (a link to cwstat
 * in their directory), and sudo ran it as root for a monitoring user (the
 * shipped sudoers example): then no option may make it read a file that
 * user names, whose contents its messages or labels could show.
 */
static bool plugin_under_sudo(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	return !strcmp(base, "check_cwstat") && getenv("SUDO_UID") &&
	       geteuid() == 0;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "warn", required_argument, NULL, OPT_WARN },
		{ "crit", required_argument, NULL, OPT_CRIT },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-age-crit", required_argument, NULL, OPT_MAX_AGE_CRIT },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "scope", required_argument, NULL, OPT_SCOPE },
		SOURCE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct cw_source_opts so = { .source = SRC_AUTO };
	struct cw_check ck = {0};
	char *notes = NULL;
	size_t notes_len = 0;
	FILE *nf;
	struct cw_check_result res;
	struct cw_snapshot s = {0};
	struct cw_rows rows = {0};
	struct cw_names names;
	enum cw_by by = CW_BY_TOTAL;
	uint64_t timeout = CHECK_DEFAULT_TIMEOUT;
	struct cw_error err;
	const char *why;
	int opt, ret, verbose = 0;

	/* getopt's own messages go to stderr, which nobody reads here. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:w:c:t:vVh", longopts, NULL)) != -1) {
		if (cw_source_opt(opt, optarg, &so, &why)) {
			if (why)
				return check_unknown("%s", why);
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
			    !(opt == OPT_MAX_AGE ? ck.max_age : ck.max_age_crit))
				return check_unknown("%s wants a duration above 0 such as 90s, 10m, 1h30m, not '%s'",
						     opt == OPT_MAX_AGE ? "--max-age" : "--max-age-crit",
						     optarg);
			break;
		case 't':
			/* Seconds as plugins take them, or a duration; 0: none. */
			if (cw_duration_parse(optarg, &timeout) || timeout > 86400)
				return check_unknown("-t wants seconds from 0 (no timeout) to 86400, not '%s'",
						     optarg);
			break;
		case 'v':
			verbose++;
			break;
		case OPT_SCOPE:
			if (!strcmp(optarg, "host") || !strcmp(optarg, "netns"))
				so.netns_only = !strcmp(optarg, "netns");
			else
				return check_unknown("unknown scope '%s' (host or netns)",
						     optarg);
			break;
		case 'V':
			printf("cwstat check %s (format v%d)\n", CWSTAT_VERSION,
			       CWSTAT_FORMAT_VERSION);
			return CW_STATUS_OK;
		case OPT_BY:
			if (!cw_by_parse(optarg, &by) || by == CW_BY_TREE)
				return check_unknown("unknown view '%s' (total, netns, cgroup or container)",
						     optarg);
			break;
		case 'h':
			fputs(check_usage, stdout);
			return CW_STATUS_OK;
		case ':':
			return check_unknown("option '%s' needs an argument (cwstat check --help)",
					     argv[optind - 1]);
		default:
			if (!strncmp(argv[optind - 1], "--", 2))
				return check_unknown("unrecognized option '%s' (cwstat check --help)",
						     argv[optind - 1]);
			return check_unknown("unknown option '-%c' (cwstat check --help)",
					     optopt);
		}
	}
	if (optind < argc)
		return check_unknown("unexpected argument '%s' (cwstat check --help)",
				     argv[optind]);
	why = cw_source_check(&so);
	if (why)
		return check_unknown("%s", why);
	if (!ck.has_warn && !ck.has_crit && !ck.max_age && !ck.max_age_crit)
		return check_unknown("give at least one of --warn, --crit, --max-age, --max-age-crit");
	/*
	 * No check that warn is tighter than crit: as in the standard
	 * plugins, crit is evaluated first and warn after, whatever their
	 * shapes (-w 100 -c 50: warns above 100, is critical below 50).
	 */
	if (ck.max_age && ck.max_age_crit && ck.max_age > ck.max_age_crit)
		return check_unknown("--max-age is above --max-age-crit");
	if (so.netns_only && (so.input || so.all_netns))
		return check_unknown("--scope netns reads this netns, not --input or --all-netns");
	if ((so.input || so.sysfs || so.runtime_root) &&
	    plugin_under_sudo(argv[0]))
		return check_unknown("check_cwstat through sudo reads the live counts only: not --input, --sysfs or --runtime-root");

	/*
	 * Monitoring front-ends (Icinga 2) mix stderr into the output: the
	 * tool's notes wait for -v, after the status line.
	 */
	nf = open_memstream(&notes, &notes_len);
	cw_notes_capture(nf);
	check_arm_timeout(timeout);
	ret = cw_source_load(&so, &s, &err);
	if (ret) {
		ret = check_unknown("%s", err.msg);
		check_notes(nf, &notes, verbose);
		return ret;
	}
	if (cw_source_names(&names, &s, &so) || cw_rows_build(&rows, &s, by, &names)) {
		cw_snapshot_free(&s);
		return check_unknown("out of memory");
	}
	/* A container by its id and names, not a 200-character path. */
	if (by == CW_BY_CGROUP || by == CW_BY_CONTAINER) {
		struct cw_meta meta, *m = cw_source_meta(&meta, &so);
		size_t i;

		for (i = 0; i < rows.n; i++) {
			char *name = rows.v[i].path ?
				cw_output_short_name(rows.v[i].path, m) : NULL;

			if (name) {
				free(rows.v[i].label);
				rows.v[i].label = name;
			}
		}
		if (m)
			cw_meta_free(m);
	}
	cw_check_eval(&ck, &rows, &res);
	cw_check_health(&res, &s.health);
	cw_check_scope(&res, s.partial);
	cw_check_print(stdout, &ck, &rows, &s.total, by, &res);
	if (verbose)
		check_details(&ck, &rows, &s, verbose);
	check_notes(nf, &notes, verbose);
	ret = res.status;
	cw_rows_free(&rows);
	cw_names_free(&names);
	cw_snapshot_free(&s);
	if (fflush(stdout))
		return CW_STATUS_UNKNOWN;
	return ret;

bad_range:
	return check_unknown("bad threshold '%s': use [@][START:][END] as the Monitoring Plugins guidelines define it (N, N:, ~:N, M:N, @M:N)",
			     optarg);
}

/*
 * cwstat serve is cwstat-serve, which links the shared libmicrohttpd and
 * so cannot be part of this static program: the one beside this program
 * (a build tree), else where make install and the package put it.
 */
static int cmd_serve(char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *slash;

	argv[0] = (char *)CWSTAT_SERVE_HELPER;
	if (n > 0) {
		dir[n] = '\0';
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", dir,
				 CWSTAT_SERVE_HELPER);
			execv(path, argv);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", CWSTAT_HELPER_DIR,
		 CWSTAT_SERVE_HELPER);
	execv(path, argv);
	cw_warn("cannot run %s: %s (cwstat serve is that program, built with libmicrohttpd)",
		path, strerror(errno));
	return CW_EXIT_ERROR;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "check"))
		fputs(check_usage, stdout);
	else if (argc > 1 && !strcmp(argv[1], "sockets"))
		return cw_cmd_sockets(2, (char *[]){ "sockets", "--help", NULL });
	else if (argc > 1 && !strcmp(argv[1], "reap"))
		return cw_cmd_reap(2, (char *[]){ "reap", "--help", NULL });
	else if (argc > 1 && !strcmp(argv[1], "serve"))
		return cmd_serve((char *[]){ "serve", "--help", NULL });
	else if (argc > 1 && strcmp(argv[1], "show") && strcmp(argv[1], "prom"))
		return cw_usage_error("", "no help for '%s' (show, prom, check, sockets, reap, serve)",
				      argv[1]);
	else if (argc > 2)
		return cw_usage_error("", "unexpected argument '%s'", argv[2]);
	else
		fputs(show_usage, stdout);
	return CW_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "show";
	const char *base = strrchr(argv[0], '/');

	/* /usr/lib/nagios/plugins/check_cwstat, a link to cwstat: the check. */
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "check_cwstat")) {
		cw_progname = "check_cwstat";
		return cmd_check(argc, argv);
	}

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
	if (!strcmp(cmd, "serve"))
		return cmd_serve(argv + 1);
	if (!strcmp(cmd, "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "version"))
		return main(2, (char *[]){ argv[0], "--version", NULL });
	return cw_usage_error("", "unknown command '%s' (show, prom, check, sockets, reap, serve, help)",
			   cmd);
}

// SPDX-License-Identifier: GPL-2.0
/* Errors and warnings, the same way from every subcommand. */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cwstat.h"

const char *cw_progname = "cwstat";

/* cw_notes_capture()'s stream, NULL for stderr. */
static FILE *note_capture;

void cw_notes_capture(FILE *f)
{
	note_capture = f;
}

void cw_error_set(struct cw_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/*
 * Whether stderr is the journal: systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it gave the service (systemd.exec(5)).
 */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st))
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/*
 * "<N>" makes the journal file the line at priority N
 * (SyslogLevelPrefix=); elsewhere the line is as cw_warn() writes it.
 */
static void vnote(const char *prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vnote(const char *prio, const char *fmt, va_list ap)
{
	if (note_capture) {
		vfprintf(note_capture, fmt, ap);
		fputc('\n', note_capture);
		return;
	}
	fprintf(stderr, "%s%s: ", stderr_is_journal() ? prio : "",
		cw_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cw_warn(const char *fmt, ...)
{
	va_list ap;

	/*
	 * Error priority: the units filter the journal at LogLevelMax=notice
	 * (no line per timer run), which must not drop why a run failed.
	 */
	va_start(ap, fmt);
	vnote("<3>", fmt, ap);
	va_end(ap);
}

void cw_note(const char *fmt, ...)
{
	va_list ap;

	/*
	 * Debug priority, so a timer's every run does not log it at the
	 * default level; LogLevelMax=info drops it altogether.
	 */
	va_start(ap, fmt);
	vnote("<7>", fmt, ap);
	va_end(ap);
}

void cw_note_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("<4>", fmt, ap);
	va_end(ap);
}

int cw_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cw_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'cwstat %s--help'.\n", cmd);
	return CW_EXIT_USAGE;
}

int cw_getopt_error(const char *cmd, char **argv, int opt)
{
	if (opt == ':')
		return cw_usage_error(cmd, "option '%s' needs an argument",
				      argv[optind - 1]);
	if (!strncmp(argv[optind - 1], "--", 2))
		return cw_usage_error(cmd, "unrecognized option '%s'",
				      argv[optind - 1]);
	return cw_usage_error(cmd, "unknown option '-%c'", optopt);
}

bool cw_format_parse(const char *arg, enum cw_format *fmt)
{
	static const char *const names[] = {
		[CW_FMT_TABLE] = "table",
		[CW_FMT_JSON] = "json",
		[CW_FMT_PROM] = "prom",
		[CW_FMT_OPENMETRICS] = "openmetrics",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(arg, names[i])) {
			*fmt = (enum cw_format)i;
			return true;
		}
	}
	return false;
}

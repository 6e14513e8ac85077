/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every subcommand of the cwstat tool shares: exit codes, error
 * reporting, and the options that choose a source and an output format.
 */
#ifndef CWSTAT_TOOL_CWSTAT_H
#define CWSTAT_TOOL_CWSTAT_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

/*
 * Exit codes of every subcommand but check, which follows the monitoring
 * plugin convention instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 * Documented in cwstat.8; tests depend on them.
 */
enum {
	CW_EXIT_OK	= 0,
	CW_EXIT_ERROR	= 1,	/* a source could not be read */
	CW_EXIT_USAGE	= 2,	/* bad flag or argument */
	CW_EXIT_INPUT	= 3,	/* input is not valid format v1 */
};

struct cw_error {
	char msg[512];
};

void cw_error_set(struct cw_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum cw_format {
	CW_FMT_TABLE,
	CW_FMT_JSON,
	CW_FMT_PROM,		/* Prometheus text format 0.0.4 */
	CW_FMT_OPENMETRICS,	/* OpenMetrics 1.0.0 text */
};

/* Parse the argument of -o/--output; false on an unknown name. */
bool cw_format_parse(const char *arg, enum cw_format *fmt);

extern const char *cw_progname;

/*
 * "cwstat SUBCMD: message" on stderr, at error priority when stderr is the
 * journal.
 */
void cw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The same for what is expected on every run of a service (the sock_diag
 * fallback, netns that cannot be entered): at debug priority when stderr
 * is the journal, as is on a terminal.
 */
void cw_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The same for what the operator should act on (counts that are only a
 * lower bound): at warning priority when stderr is the journal.
 */
void cw_note_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Send what cw_warn(), cw_note() and cw_note_warn() say to @f, a line
 * each without the program's name, instead of stderr; NULL: stderr again.
 * For check, whose stderr monitoring front-ends mix into its output.
 */
void cw_notes_capture(FILE *f);

/*
 * A usage error: the message and "Try 'cwstat CMD--help'." on stderr
 * (@cmd is "" or a subcommand and a space). Returns CW_EXIT_USAGE.
 */
int cw_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The usage error for what getopt_long() returned as @opt (':' or '?') in
 * subcommand @cmd ("reap "): the option that lacks its argument, or the
 * unknown one. Returns CW_EXIT_USAGE.
 */
int cw_getopt_error(const char *cmd, char **argv, int opt);

#endif

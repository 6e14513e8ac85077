/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the counts come from, for every subcommand that reads them (show,
 * prom, check, serve): the SOURCE options, and the snapshot, netns names
 * and container names they lead to.
 */
#ifndef CWSTAT_TOOL_SOURCE_H
#define CWSTAT_TOOL_SOURCE_H

#include <getopt.h>
#include <stdbool.h>

#include "attrib.h"
#include "cwstat.h"
#include "meta.h"
#include "snapshot.h"

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
	const char *runtime_root;	/* --runtime-root, NULL: "/" */
	const char *sysfs;		/* --sysfs, NULL: CW_SYSFS_DIR */
	/*
	 * The reader's own netns only, asked for (check --scope netns): the
	 * module's /proc/net/cwstat, or sock_diag here alone; never partial.
	 */
	bool netns_only;
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
	OPT_RUNTIME_ROOT,
	OPT_SYSFS,
	OPT_SCOPE,
	OPT_SOURCE_NEXT,	/* the first free for a subcommand's own */
};

#define SOURCE_LONGOPTS \
	{ "input", required_argument, NULL, OPT_INPUT }, \
	{ "source", required_argument, NULL, OPT_SOURCE }, \
	{ "all-netns", no_argument, NULL, OPT_ALL_NETNS }, \
	{ "no-names", no_argument, NULL, OPT_NO_NAMES }, \
	{ "runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT }, \
	{ "sysfs", required_argument, NULL, OPT_SYSFS }, \
	{ "by", required_argument, NULL, OPT_BY }, \
	{ "help", no_argument, NULL, 'h' }


/*
 * One parsed option of SOURCE_LONGOPTS but --by and --help; false if not
 * one. A bad value sets *@why (a static message) for the caller to report
 * in its own way: a usage error for show, an UNKNOWN status line for check.
 */
bool cw_source_opt(int opt, const char *arg, struct cw_source_opts *so,
		   const char **why);

/* NULL, or why the source options do not go together. */
const char *cw_source_check(const struct cw_source_opts *so);

/*
 * Fill @s from the chosen source, and the module's health where it can be
 * read. A reader that is not root in the host's namespaces sees its own
 * netns only, from the module and from sock_diag alike: @s->partial then
 * says so and why (sock_diag covers every netns it can, and says which
 * it missed). Returns CW_EXIT_OK, CW_EXIT_ERROR (could not read; @err
 * says why) or CW_EXIT_INPUT (not format v1).
 */
int cw_source_load(const struct cw_source_opts *so, struct cw_snapshot *s,
		   struct cw_error *err);

/* The names of @s's netns, none for a saved copy; 0, or -1 on ENOMEM. */
int cw_source_names(struct cw_names *names, const struct cw_snapshot *s,
		    const struct cw_source_opts *so);

/*
 * Pod and container names from the runtimes' files: on the live host, or
 * under --runtime-root (also for a saved copy, whose host it names).
 * Returns @meta initialised, or NULL for none.
 */
struct cw_meta *cw_source_meta(struct cw_meta *meta,
			       const struct cw_source_opts *so);

#endif

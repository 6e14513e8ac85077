/* SPDX-License-Identifier: GPL-2.0 */
/* Snapshot formatters: table for people, json and prom for machines. */
#ifndef CWSTAT_TOOL_OUTPUT_H
#define CWSTAT_TOOL_OUTPUT_H

#include <stdio.h>

#include "attrib.h"
#include "meta.h"
#include "cwstat.h"
#include "rows.h"
#include "snapshot.h"

struct cw_output_opts {
	enum cw_format format;
	enum cw_by by;			/* table and prom; json: tree */
	const struct cw_names *names;	/* may be NULL */
	/* Container names from the runtimes' files; NULL: none looked up. */
	struct cw_meta *meta;
	const char *version;		/* cwstat_info's; NULL "unknown" */
	/* --watch: the previous sample's rows; adds a change column. */
	const struct cw_rows *prev;
};

/*
 * The name people see for a container's cgroup: "containerd:0123456789ab
 * prod/shop-7d9f/app", "docker:fedcba987654 web", "pod:<uid>"; malloc'd,
 * or NULL when @path is no container's (it keeps its path). @meta may be
 * NULL (no names).
 */
char *cw_output_short_name(const char *path, struct cw_meta *meta);

/*
 * The metrics format an HTTP Accept header asks for (NULL: none):
 * CW_FMT_OPENMETRICS when it rates application/openmetrics-text (version
 * 1.0.0, or none given) above text 0.0.4 (text/plain with version 0.0.4
 * or none, or the text and any-type wildcards), else CW_FMT_PROM: the
 * text format is what every scraper reads, so it is also the answer to an
 * Accept that allows neither. Ties go to text.
 */
enum cw_format cw_output_negotiate(const char *accept);

/* The HTTP Content-Type of @fmt's metrics (CW_FMT_PROM, _OPENMETRICS). */
const char *cw_output_content_type(enum cw_format fmt);

/* Returns 0, or -1 with errno set (ENOMEM, or a write error on @f). */
int cw_output(FILE *f, const struct cw_snapshot *s,
	      const struct cw_output_opts *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `cwstat check`: thresholds with the monitoring-plugin conventions
 * (Nagios/Icinga/Sensu): one status line with perfdata, exit 0/1/2/3.
 */
#ifndef CWSTAT_TOOL_CHECK_H
#define CWSTAT_TOOL_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rows.h"

enum cw_status {
	CW_STATUS_OK		= 0,
	CW_STATUS_WARNING	= 1,
	CW_STATUS_CRITICAL	= 2,
	CW_STATUS_UNKNOWN	= 3,
};

const char *cw_status_name(enum cw_status st);

/*
 * A threshold range in the plugin syntax: "N" (alert above N), "N:"
 * (alert below N), "~:N" (above N), "M:N" (outside M..N), and any of those
 * with a leading "@" (alert inside instead). Counts are never negative,
 * so neither are bounds.
 */
struct cw_range {
	uint64_t start, end;
	bool no_start;		/* "~": no lower bound */
	bool no_end;		/* "M:": no upper bound */
	bool inside;		/* "@" */
	char text[32];		/* as given, for perfdata */
};

int cw_range_parse(const char *s, struct cw_range *r);
bool cw_range_alerts(const struct cw_range *r, uint64_t v);
/* False when warn would not fire wherever crit does, e.g. warn 100 crit 50. */
bool cw_ranges_consistent(const struct cw_range *warn,
			  const struct cw_range *crit);

struct cw_check {
	struct cw_range warn, crit;
	bool has_warn, has_crit;
	uint64_t max_age, max_age_crit;	/* seconds; 0 = not set */
};

struct cw_check_result {
	enum cw_status status;
	const struct cw_row *worst;	/* the row that set the status */
	bool by_age;			/* ... through its age, not its count */
};

/* Evaluate each row; the result names the worst one. */
void cw_check_eval(const struct cw_check *ck, const struct cw_rows *rows,
		   struct cw_check_result *res);

/* "CWSTAT OK - ... | perfdata" and a newline. @total is the total row. */
void cw_check_print(FILE *f, const struct cw_check *ck,
		    const struct cw_rows *rows, const struct cw_counts *total,
		    enum cw_by by, const struct cw_check_result *res);

#endif

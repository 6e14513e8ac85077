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
 * A threshold range in the Monitoring Plugins syntax: "N" (alert outside
 * 0..N), "N:" (alert below N), "~:N" (above N), "M:N" (outside M..N), and
 * any of those with a leading "@" (alert inside instead). Bounds may be
 * negative or decimal, as the guidelines allow; counts are compared as is.
 */
struct cw_range {
	double start, end;
	bool no_start;		/* "~": no lower bound */
	bool no_end;		/* "M:": no upper bound */
	bool inside;		/* "@" */
	char text[32];		/* as given, for perfdata */
};

int cw_range_parse(const char *s, struct cw_range *r);
bool cw_range_alerts(const struct cw_range *r, uint64_t v);

struct cw_check {
	struct cw_range warn, crit;
	bool has_warn, has_crit;
	uint64_t max_age, max_age_crit;	/* seconds; 0 = not set */
};

struct cw_check_result {
	enum cw_status status;		/* the plugin's: rows and health */
	enum cw_status rows_status;	/* the rows' alone */
	const struct cw_row *worst;	/* the row that set rows_status */
	bool by_age;			/* ... through its age, not its count */
	/* The module's health (cw_check_health()); NULL: none read. */
	const struct cw_health *health;
	/* What the counts leave out (cw_check_scope()); NULL: nothing. */
	const char *partial;
};

/* One row's status; *@by_age (may be NULL): set through its age. */
enum cw_status cw_check_row(const struct cw_check *ck,
			    const struct cw_row *row, bool *by_age);

/* Evaluate each row; the result names the worst one. */
void cw_check_eval(const struct cw_check *ck, const struct cw_rows *rows,
		   struct cw_check_result *res);

/*
 * The module's health, @h (NULL or unread: none): counts that are a lower
 * bound (capped, unresolved) make the status at least WARNING, CRITICAL
 * staying CRITICAL; cw_check_print() then says why, and adds the health
 * to the perfdata whenever it was read.
 */
void cw_check_health(struct cw_check_result *res, const struct cw_health *h);

/*
 * Counts that leave part of the host out (@partial, the snapshot's; ""
 * none): never OK, which would vouch for what the check did not see, but
 * UNKNOWN; a WARNING or CRITICAL stands, as for a lower bound. The status
 * line then says what is missing.
 */
void cw_check_scope(struct cw_check_result *res, const char *partial);

/* "CWSTAT OK - ... | perfdata" and a newline. @total is the total row. */
void cw_check_print(FILE *f, const struct cw_check *ck,
		    const struct cw_rows *rows, const struct cw_counts *total,
		    enum cw_by by, const struct cw_check_result *res);

/* "WARNING <label>: N in CLOSE_WAIT, idle 5m" and a newline (-v). */
void cw_check_print_row(FILE *f, enum cw_status st, const struct cw_row *r);

#endif

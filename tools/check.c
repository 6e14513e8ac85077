// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "duration.h"
#include "escape.h"
#include "health.h"

const char *cw_status_name(enum cw_status st)
{
	switch (st) {
	case CW_STATUS_OK:
		return "OK";
	case CW_STATUS_WARNING:
		return "WARNING";
	case CW_STATUS_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

/*
 * All of [@s, @end) a number as the plugin guidelines allow in a range: an
 * optional '-', digits, and optional decimals ("10", "-5", "2.5"). No
 * exponent, no "inf", no spaces: a threshold is written by a person.
 */
static int parse_num(const char *s, const char *end, double *v)
{
	const char *p = s;
	char buf[32];
	size_t digits = 0;

	if (p < end && *p == '-')
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		digits++;
	if (p < end && *p == '.') {
		size_t frac = 0;

		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			frac++;
		if (!frac)
			return -1;
	}
	if (p != end || !digits || (size_t)(end - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	*v = strtod(buf, NULL);
	return 0;
}

/*
 * The guidelines' syntax: [@][start:][end], start "~" for minus infinity,
 * an empty end for plus infinity, start 0 when left out; alert outside
 * start..end (inclusive), or inside with '@'.
 */
int cw_range_parse(const char *s, struct cw_range *r)
{
	const char *colon, *end = s + strlen(s);

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(r->text))
		return -1;
	strcpy(r->text, s);
	if (*s == '@') {
		r->inside = true;
		s++;
	}
	colon = strchr(s, ':');
	/* "N" is 0:N, so a negative N is an empty range, refused. */
	if (!colon)
		return parse_num(s, end, &r->end) || r->end < 0 ? -1 : 0;
	if (colon == s + 1 && *s == '~')
		r->no_start = true;
	else if (colon > s && parse_num(s, colon, &r->start))
		return -1;
	/* An empty start is 0, as in the plugin guidelines. */
	if (colon + 1 == end)
		r->no_end = true;
	else if (parse_num(colon + 1, end, &r->end))
		return -1;
	if (!r->no_start && !r->no_end && r->start > r->end)
		return -1;
	if (r->no_start && r->no_end)
		return -1;
	return 0;
}

bool cw_range_alerts(const struct cw_range *r, uint64_t v)
{
	double d = (double)v;
	bool in = (r->no_start || d >= r->start) && (r->no_end || d <= r->end);

	return r->inside ? in : !in;
}

enum cw_status cw_check_row(const struct cw_check *ck,
			    const struct cw_row *row, bool *by_age_out)
{
	uint64_t age = cw_counts_age(&row->c);
	enum cw_status st = CW_STATUS_OK;
	bool dummy, *by_age = by_age_out ? by_age_out : &dummy;

	*by_age = false;
	if (ck->has_crit && cw_range_alerts(&ck->crit, row->c.close_wait))
		return CW_STATUS_CRITICAL;
	if (ck->max_age_crit && row->c.close_wait && age > ck->max_age_crit) {
		*by_age = true;
		return CW_STATUS_CRITICAL;
	}
	if (ck->has_warn && cw_range_alerts(&ck->warn, row->c.close_wait))
		return CW_STATUS_WARNING;
	if (ck->max_age && row->c.close_wait && age > ck->max_age) {
		*by_age = true;
		st = CW_STATUS_WARNING;
	}
	return st;
}

void cw_check_eval(const struct cw_check *ck, const struct cw_rows *rows,
		   struct cw_check_result *res)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < rows->n; i++) {
		const struct cw_row *row = &rows->v[i];
		bool by_age;
		enum cw_status st = cw_check_row(ck, row, &by_age);

		/* The worst status wins; among equals, the biggest count. */
		if (!res->worst || st > res->status ||
		    (st == res->status &&
		     row->c.close_wait > res->worst->c.close_wait)) {
			res->status = st;
			res->worst = row;
			res->by_age = by_age;
		}
	}
	res->rows_status = res->status;
}

void cw_check_health(struct cw_check_result *res, const struct cw_health *h)
{
	res->health = h && h->read ? h : NULL;
	if (res->health && cw_health_lower_bound(h) &&
	    res->status < CW_STATUS_WARNING)
		res->status = CW_STATUS_WARNING;
}

void cw_check_scope(struct cw_check_result *res, const char *partial)
{
	res->partial = partial && *partial ? partial : NULL;
	if (res->partial && res->status == CW_STATUS_OK)
		res->status = CW_STATUS_UNKNOWN;
}

/*
 * A row label in the status line: escaped as for a terminal, so a name
 * with a newline cannot split the line, and '|' too, which would start
 * the perfdata early.
 */
static void print_label(FILE *f, const char *label)
{
	char *esc = cw_escape_terminal(label, false, NULL);
	const char *p;

	for (p = esc ? esc : "?"; *p; p++) {
		if (*p == '|')
			fputs("\\174", f);
		else
			fputc(*p, f);
	}
	free(esc);
}

static void print_perf_range(FILE *f, bool has, const struct cw_range *r)
{
	if (has)
		fputs(r->text, f);
}

void cw_check_print(FILE *f, const struct cw_check *ck,
		    const struct cw_rows *rows, const struct cw_counts *total,
		    enum cw_by by, const struct cw_check_result *res)
{
	const struct cw_row *w = res->worst;
	char age[CW_DURATION_MAX_LEN];
	uint64_t total_age = cw_counts_age(total);

	cw_duration_format(total_age, age, sizeof(age));
	fprintf(f, "CWSTAT %s - ", cw_status_name(res->status));
	if (by == CW_BY_TOTAL || !w) {
		fprintf(f, "%" PRIu64 " sockets in CLOSE_WAIT", total->close_wait);
	} else {
		char wage[CW_DURATION_MAX_LEN];

		cw_duration_format(cw_counts_age(&w->c), wage, sizeof(wage));
		fprintf(f, "%s ", res->rows_status ? "worst" : "largest");
		print_label(f, w->label);
		fprintf(f, ": %" PRIu64 " in CLOSE_WAIT, %s %s; %" PRIu64
			" in total over %zu %s rows", w->c.close_wait,
			w->c.has & CW_HAS_OLDEST ? "oldest" : "idle", wage,
			total->close_wait, rows->n, cw_by_name(by));
	}
	if (total->close_wait)
		fprintf(f, ", %s %s", total->has & CW_HAS_OLDEST ?
			"oldest" : "longest idle", age);
	if (res->rows_status && res->by_age)
		fputs(" (age above threshold)", f);
	if (res->health && cw_health_lower_bound(res->health)) {
		char why[256];

		cw_health_why(res->health, why, sizeof(why));
		fprintf(f, "; counts are a lower bound: %s", why);
	}
	if (res->partial) {
		fputs("; partial view, ", f);
		print_label(f, res->partial);
	}
	fprintf(f, " | close_wait=%" PRIu64 ";", total->close_wait);
	if (by == CW_BY_TOTAL) {
		print_perf_range(f, ck->has_warn, &ck->warn);
		fputc(';', f);
		print_perf_range(f, ck->has_crit, &ck->crit);
	} else {
		fputc(';', f);
	}
	fputs(";0", f);
	if (by != CW_BY_TOTAL) {
		fprintf(f, " worst_row_close_wait=%" PRIu64 ";",
			w ? w->c.close_wait : 0);
		print_perf_range(f, ck->has_warn, &ck->warn);
		fputc(';', f);
		print_perf_range(f, ck->has_crit, &ck->crit);
		fprintf(f, ";0 rows=%zu;;;0", rows->n);
	}
	fprintf(f, " oldest=%" PRIu64 "s;", total_age);
	if (ck->max_age)
		fprintf(f, "%" PRIu64, ck->max_age);
	fputc(';', f);
	if (ck->max_age_crit)
		fprintf(f, "%" PRIu64, ck->max_age_crit);
	fprintf(f, ";0 recvq=%" PRIu64 "B;;;0 rmem=%" PRIu64 "B;;;0",
		total->recvq_bytes, total->rmem_bytes);
	/* untracked counts since load: UOM "c", a continuous counter. */
	if (res->health)
		fprintf(f, " capped=%d;;;0;1 unresolved=%" PRIu64
			";;;0 untracked=%" PRIu64 "c;;;0",
			res->health->capped ? 1 : 0, res->health->unresolved,
			res->health->untracked_total);
	fputc('\n', f);
}

void cw_check_print_row(FILE *f, enum cw_status st, const struct cw_row *r)
{
	char age[CW_DURATION_MAX_LEN];

	cw_duration_format(cw_counts_age(&r->c), age, sizeof(age));
	fprintf(f, "%s ", cw_status_name(st));
	print_label(f, r->label);
	fprintf(f, ": %" PRIu64 " in CLOSE_WAIT, %s %s\n", r->c.close_wait,
		r->c.has & CW_HAS_OLDEST ? "oldest" : "idle", age);
}

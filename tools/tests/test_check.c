// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "unit.h"

static void test_ranges(void)
{
	static const struct {
		const char *range;
		uint64_t v;
		int alerts;	/* -1: the range must not parse */
	} cases[] = {
		{ "10", 0, 0 }, { "10", 10, 0 }, { "10", 11, 1 },
		{ "10:", 9, 1 }, { "10:", 10, 0 }, { "10:", 1000, 0 },
		{ "~:10", 0, 0 }, { "~:10", 11, 1 },
		{ "10:20", 9, 1 }, { "10:20", 10, 0 }, { "10:20", 20, 0 },
		{ "10:20", 21, 1 },
		{ "@10:20", 9, 0 }, { "@10:20", 10, 1 }, { "@10:20", 20, 1 },
		{ "@10:20", 21, 0 }, { "@5", 3, 1 }, { "@5", 6, 0 },
		{ ":5", 6, 1 }, { ":5", 0, 0 },
		{ "0", 0, 0 }, { "0", 1, 1 },
		/* The guidelines allow negative and decimal bounds. */
		{ "-5:", 0, 0 }, { "-10:-5", 0, 1 }, { "@-10:10", 0, 1 },
		{ "2.5", 2, 0 }, { "2.5", 3, 1 }, { "0.5:", 0, 1 },
		{ "0.5:", 1, 0 }, { "~:-1", 0, 1 },
		{ "", 0, -1 }, { "-1", 0, -1 }, { "abc", 0, -1 }, { "20:10", 0, -1 },
		{ "1e3", 0, -1 }, { "1.", 0, -1 }, { ".5", 0, -1 }, { "-", 0, -1 },
		{ "--1:", 0, -1 }, { "inf", 0, -1 }, { "nan:", 0, -1 }, { "~:", 0, -1 }, { "10:x", 0, -1 },
		{ "@", 0, -1 },
		{ "~", 0, -1 }, { " 5", 0, -1 }, { "5 ", 0, -1 },
		{ "123456789012345678901234567890123", 0, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_range r;
		int ret = cw_range_parse(cases[i].range, &r);

		if (cases[i].alerts < 0) {
			CHECK(ret == -1, "range '%s' must be refused",
			      cases[i].range);
			continue;
		}
		CHECK(!ret && cw_range_alerts(&r, cases[i].v) == cases[i].alerts,
		      "range '%s' value %llu: ret %d, want alert=%d",
		      cases[i].range, (unsigned long long)cases[i].v, ret,
		      cases[i].alerts);
	}
}

static struct cw_row mkrow(const char *label, uint64_t cw, uint64_t idle)
{
	struct cw_row r = { .kind = CW_ROW_NETNS };

	r.label = (char *)label;
	r.key = (char *)label;
	r.c.close_wait = cw;
	r.c.oldest_idle_s = idle;
	return r;
}

/* The status line of @ck over @rows, in a malloc'd string. */
static char *run(const struct cw_check *ck, struct cw_rows *rows,
		 const struct cw_counts *total, enum cw_by by,
		 struct cw_check_result *res)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cw_check_eval(ck, rows, res);
	cw_check_print(f, ck, rows, total, by, res);
	fclose(f);
	return out;
}

static void test_eval(void)
{
	struct cw_row v[] = {
		mkrow("netns 1 shop", 30, 100),
		mkrow("netns 2 billing", 60, 5),
		mkrow("netns 3 idle", 0, 0),
	};
	struct cw_rows rows = { v, 3 };
	struct cw_counts total = { .close_wait = 90, .oldest_idle_s = 100,
				   .recvq_bytes = 7, .rmem_bytes = 9 };
	struct cw_row trow = mkrow("total", 90, 100);
	struct cw_rows trows = { &trow, 1 };
	struct cw_check ck = {0};
	struct cw_check_result res;
	char *line;

	cw_range_parse("50", &ck.warn);
	cw_range_parse("100", &ck.crit);
	ck.has_warn = ck.has_crit = true;

	line = run(&ck, &trows, &total, CW_BY_TOTAL, &res);
	CHECK(res.status == CW_STATUS_WARNING, "total 90 > warn 50: %d",
	      res.status);
	CHECK(!strcmp(line, "CWSTAT WARNING - 90 sockets in CLOSE_WAIT, longest idle 1m40s | close_wait=90;50;100;0 oldest=100s;;;0 recvq=7B;;;0 rmem=9B;;;0\n"),
	      "status line: %s", line);
	free(line);

	line = run(&ck, &rows, &total, CW_BY_NETNS, &res);
	CHECK(res.status == CW_STATUS_WARNING && res.worst == &v[1],
	      "per netns: worst is billing at 60 (status %d)", res.status);
	CHECK(strstr(line, "CWSTAT WARNING - worst netns 2 billing: 60 in CLOSE_WAIT") == line,
	      "names the worst row: %s", line);
	CHECK(strstr(line, " worst_row_close_wait=60;50;100;0 rows=3;;;0 ") != NULL,
	      "per-row perfdata: %s", line);
	free(line);

	v[0].c.close_wait = 101;
	line = run(&ck, &rows, &total, CW_BY_NETNS, &res);
	CHECK(res.status == CW_STATUS_CRITICAL && res.worst == &v[0],
	      "crit row wins over a bigger warning row: %d", res.status);
	free(line);
	v[0].c.close_wait = 30;

	ck.has_warn = ck.has_crit = false;
	ck.max_age = 60;
	line = run(&ck, &rows, &total, CW_BY_NETNS, &res);
	CHECK(res.status == CW_STATUS_WARNING && res.worst == &v[0] && res.by_age,
	      "age 100 s > --max-age 60 s warns on shop: %d", res.status);
	CHECK(strstr(line, "(age above threshold)") != NULL, "says why: %s",
	      line);
	free(line);
	ck.max_age_crit = 90;
	line = run(&ck, &rows, &total, CW_BY_NETNS, &res);
	CHECK(res.status == CW_STATUS_CRITICAL, "age 100 s > 90 s is critical: %d",
	      res.status);
	free(line);
	ck.max_age = ck.max_age_crit = 0;

	/* An empty row (no socket) never alerts on age. */
	v[2].c.oldest_idle_s = 1000000;
	ck.max_age = 1;
	v[0].c.oldest_idle_s = v[1].c.oldest_idle_s = 0;
	line = run(&ck, &rows, &total, CW_BY_NETNS, &res);
	CHECK(res.status == CW_STATUS_OK, "a row without sockets has no age: %d",
	      res.status);
	free(line);

	/* A name cannot split the line or start the perfdata early. */
	{
		struct cw_row evil = mkrow("/a|b\nc", 60, 0);
		struct cw_rows one = { &evil, 1 };

		ck.has_warn = true;
		cw_range_parse("50", &ck.warn);
		line = run(&ck, &one, &total, CW_BY_CGROUP, &res);
		CHECK(strstr(line, "worst /a\\174b\\012c: 60 ") &&
		      strchr(line, '|') == strrchr(line, '|') &&
		      strchr(line, '\n') == line + strlen(line) - 1,
		      "label escaped: %s", line);
		free(line);
		ck.has_warn = false;
	}

	/* Nothing to check at all is OK, not a crash. */
	{
		struct cw_rows none = { NULL, 0 };
		struct cw_counts zero = {0};

		cw_range_parse("5", &ck.warn);
		ck.has_warn = true;
		line = run(&ck, &none, &zero, CW_BY_CGROUP, &res);
		CHECK(res.status == CW_STATUS_OK && !res.worst,
		      "no rows: OK (%d)", res.status);
		CHECK(!strncmp(line, "CWSTAT OK - 0 sockets in CLOSE_WAIT |", 37),
		      "no rows line: %s", line);
		free(line);
	}

	/* Lower bounds: too few is the alarm. */
	{
		struct cw_check low = {0};

		cw_range_parse("100:", &low.crit);
		low.has_crit = true;
		line = run(&low, &trows, &total, CW_BY_TOTAL, &res);
		CHECK(res.status == CW_STATUS_CRITICAL, "90 < 100: critical (%d)",
		      res.status);
		free(line);
	}
}

/* A partial view is never OK; what it already shows stands. */
static void test_scope(void)
{
	static const enum cw_status in[] = {
		CW_STATUS_OK, CW_STATUS_WARNING, CW_STATUS_CRITICAL,
		CW_STATUS_UNKNOWN,
	};
	static const enum cw_status partial[] = {
		CW_STATUS_UNKNOWN, CW_STATUS_WARNING, CW_STATUS_CRITICAL,
		CW_STATUS_UNKNOWN,
	};
	struct cw_check_result res;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		memset(&res, 0, sizeof(res));
		res.status = in[i];
		cw_check_scope(&res, "only this netns: not root");
		CHECK(res.status == partial[i] && res.partial,
		      "partial %s -> %s", cw_status_name(in[i]),
		      cw_status_name(partial[i]));
		memset(&res, 0, sizeof(res));
		res.status = in[i];
		cw_check_scope(&res, "");
		CHECK(res.status == in[i] && !res.partial, "whole view %s stays",
		      cw_status_name(in[i]));
		cw_check_scope(&res, NULL);
		CHECK(res.status == in[i] && !res.partial, "NULL: whole view");
	}
}

void test_check(void)
{
	test_ranges();
	test_eval();
	test_scope();
}

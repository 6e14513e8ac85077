// SPDX-License-Identifier: GPL-2.0
/*
 * The module's health (health.c): the values of its files, reading a
 * directory of them, what is said of counts that are a lower bound, and
 * how json, prom and check carry it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "../health.h"
#include "../output.h"
#include "unit.h"

static void test_values(void)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t v;
	} nums[] = {
		{ "0\n", 0, 0 }, { "1\n", 0, 1 }, { "76\n", 0, 76 },
		{ "76", 0, 76 }, { "007\n", 0, 7 },
		{ "18446744073709551615\n", 0, UINT64_MAX },
		{ "18446744073709551616\n", -1, 0 },
		{ "99999999999999999999\n", -1, 0 },
		{ "", -1, 0 }, { "\n", -1, 0 }, { "1\n\n", -1, 0 },
		{ " 1\n", -1, 0 }, { "1 \n", -1, 0 }, { "-1\n", -1, 0 },
		{ "+1\n", -1, 0 }, { "1x\n", -1, 0 }, { "0x10\n", -1, 0 },
		{ "yes\n", -1, 0 },
	};
	static const struct {
		const char *in;
		int ret;
		const char *word;
	} words[] = {
		{ "live\n", 0, "live" }, { "scan\n", 0, "scan" },
		{ "scan", 0, "scan" }, { "abcdefg\n", 0, "abcdefg" },
		{ "abcdefgh\n", -1, NULL }, { "LIVE\n", -1, NULL },
		{ "", -1, NULL }, { "\n", -1, NULL }, { "live \n", -1, NULL },
		{ "li\nve\n", -1, NULL }, { "l1ve\n", -1, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t v = 12345;
		int ret = cw_health_parse_u64(nums[i].in, strlen(nums[i].in), &v);

		CHECK(ret == nums[i].ret && (ret || v == nums[i].v),
		      "number '%s': ret %d v %llu, want ret %d v %llu",
		      nums[i].in, ret, (unsigned long long)v, nums[i].ret,
		      (unsigned long long)nums[i].v);
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char w[8] = "x";
		int ret = cw_health_parse_word(words[i].in, strlen(words[i].in),
					       w, sizeof(w));

		CHECK(ret == words[i].ret && (ret || !strcmp(w, words[i].word)),
		      "word '%s': ret %d '%s'", words[i].in, ret, w);
	}
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

static void test_read(void)
{
	char dir[] = "/tmp/cwstat-health.XXXXXX", path[4096];
	struct cw_health h;
	struct cw_error err;
	int ret;

	if (!mkdtemp(dir))
		abort();
	put(dir, "mode", "live\n");
	put(dir, "capped", "1\n");
	put(dir, "unresolved", "3\n");
	put(dir, "tracked_overflow", "76\n");
	/* Files the tool does not read are no concern of it. */
	put(dir, "drift", "junk\n");
	ret = cw_health_read(&h, dir, &err);
	CHECK(!ret && h.read && !strcmp(h.mode, "live") && h.capped &&
	      h.unresolved == 3 && h.untracked_total == 76,
	      "read: ret %d read %d mode %s capped %d unresolved %llu untracked %llu",
	      ret, h.read, h.mode, h.capped, (unsigned long long)h.unresolved,
	      (unsigned long long)h.untracked_total);

	/* capped is a flag: anything but 0 is set, as the module means it. */
	put(dir, "capped", "2\n");
	CHECK(!cw_health_read(&h, dir, &err) && h.capped, "capped 2 is set");
	put(dir, "capped", "0\n");
	CHECK(!cw_health_read(&h, dir, &err) && !h.capped, "capped 0");

	/* All or nothing: one bad file and nothing is read. */
	put(dir, "unresolved", "many\n");
	ret = cw_health_read(&h, dir, &err);
	snprintf(path, sizeof(path), "%s/unresolved: not a number", dir);
	CHECK(ret == -1 && !h.read && !h.capped && !h.untracked_total &&
	      !strcmp(err.msg, path), "malformed: ret %d read %d: %s", ret,
	      h.read, err.msg);
	put(dir, "unresolved", "3\n");
	put(dir, "mode", "Live\n");
	ret = cw_health_read(&h, dir, &err);
	CHECK(ret == -1 && !h.read && strstr(err.msg, "/mode: not a mode"),
	      "bad mode: %s", err.msg);
	put(dir, "mode", "scan\n");
	put(dir, "tracked_overflow", "123456789012345678901234567890123456789012345678901234567890123456789\n");
	ret = cw_health_read(&h, dir, &err);
	CHECK(ret == -1 && !h.read && strstr(err.msg, "tracked_overflow: longer than"),
	      "too long: %s", err.msg);

	/* A module without the file (an older one): nothing read. */
	snprintf(path, sizeof(path), "%s/tracked_overflow", dir);
	unlink(path);
	ret = cw_health_read(&h, dir, &err);
	CHECK(ret == -1 && !h.read && strstr(err.msg, path) &&
	      strstr(err.msg, strerror(ENOENT)), "missing file: %s", err.msg);
	put(dir, "tracked_overflow", "0");
	CHECK(!cw_health_read(&h, dir, &err) && h.read &&
	      !strcmp(h.mode, "scan"), "scan mode, no newline: read");
	CHECK(cw_health_read(&h, "/nonexistent/cwstat", &err) == -1 && !h.read,
	      "no such directory");

	unlink(path);
	snprintf(path, sizeof(path), "%s/mode", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/capped", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/unresolved", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/drift", dir);
	unlink(path);
	rmdir(dir);
}

static struct cw_health health(bool capped, uint64_t unresolved,
			       uint64_t untracked)
{
	struct cw_health h = {
		.read = true, .mode = "live", .capped = capped,
		.unresolved = unresolved, .untracked_total = untracked,
	};

	return h;
}

static void test_words(void)
{
	char why[256], notes[CW_HEALTH_NOTES][CW_HEALTH_NOTE_MAX];
	struct cw_health h = health(true, 0, 76), unread = { .capped = true };

	CHECK(cw_health_lower_bound(&h), "capped: a lower bound");
	CHECK(!cw_health_lower_bound(&unread), "unread says nothing");
	h = health(false, 0, 76);
	CHECK(!cw_health_lower_bound(&h),
	      "misses in the past alone are no lower bound now");
	cw_health_why(&h, why, sizeof(why));
	CHECK(!strcmp(why, ""), "complete: no why: '%s'", why);
	CHECK(cw_health_notes(&h, notes) == 0, "complete: no note");
	CHECK(cw_health_notes(&unread, notes) == 0, "unread: no note");

	h = health(true, 0, 76);
	cw_health_why(&h, why, sizeof(why));
	CHECK(!strcmp(why, "the module's table is full (max_tracked)"),
	      "capped why: '%s'", why);
	CHECK(cw_health_notes(&h, notes) == 1 &&
	      !strcmp(notes[0], "counts are a lower bound: the module's table is full (max_tracked), so sockets entering CLOSE_WAIT are not counted (76 missed since load); load the module with a larger max_tracked"),
	      "capped note: '%s'", notes[0]);

	h = health(false, 1, 0);
	cw_health_why(&h, why, sizeof(why));
	CHECK(!strcmp(why, "1 socket in CLOSE_WAIT not examined (a process held its lock)"),
	      "one unresolved why: '%s'", why);
	CHECK(cw_health_notes(&h, notes) == 1 &&
	      !strcmp(notes[0], "counts are a lower bound: 1 socket in CLOSE_WAIT is not counted, a process held its lock whenever the newest reconciliation looked; the module looks again later, or ask it now: echo 1 > /sys/kernel/cwstat/reconcile"),
	      "one unresolved note: '%s'", notes[0]);

	h = health(true, 256, 18446744073709551615ULL);
	cw_health_why(&h, why, sizeof(why));
	CHECK(!strcmp(why, "the module's table is full (max_tracked) and 256 sockets in CLOSE_WAIT not examined (a process held their lock)"),
	      "both why: '%s'", why);
	CHECK(cw_health_notes(&h, notes) == 2 &&
	      strstr(notes[0], "(18446744073709551615 missed since load); load the module with a larger max_tracked") &&
	      strstr(notes[1], ": 256 sockets in CLOSE_WAIT are not counted, a process held their lock ") &&
	      strstr(notes[1], "echo 1 > /sys/kernel/cwstat/reconcile"),
	      "both notes: '%s' '%s'", notes[0], notes[1]);
	/* Cut, never overrun. */
	cw_health_why(&h, why, 10);
	CHECK(!strcmp(why, "the modul"), "short buffer: '%s'", why);
}

static char *render(const struct cw_snapshot *s, enum cw_format fmt)
{
	struct cw_output_opts o = { .format = fmt, .by = CW_BY_TREE,
				    .version = "0.1.0~test" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	CHECK(cw_output(f, s, &o) == 0, "cw_output");
	if (fclose(f))
		abort();
	return buf;
}

static void expect_file(const char *name, const char *got)
{
	char path[256];
	char *want;

	snprintf(path, sizeof(path), "expected/%s", name);
	want = unit_read(path, NULL);
	if (!CHECK(!strcmp(want, got), "%s: differs, see /tmp/%s.actual",
		   name, name)) {
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/%s.actual", name);
		f = fopen(path, "w");
		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	free(want);
}

static void test_outputs(void)
{
	struct cw_snapshot s = { .version = 1, .source = CW_SOURCE_MODULE };
	char *plain, *with;

	s.total.close_wait = 1024;
	s.total.rmem_bytes = 1310720;
	s.health = health(true, 0, 76);
	with = render(&s, CW_FMT_PROM);
	expect_file("prom-health.prom", with);
	free(with);
	/* OpenMetrics: the counter's family without _total, its sample with. */
	with = render(&s, CW_FMT_OPENMETRICS);
	CHECK(strstr(with, "\n# TYPE cwstat_untracked counter\ncwstat_untracked_total 76\n") &&
	      strstr(with, "\n# EOF\n"), "openmetrics health: %s", with);
	free(with);
	with = render(&s, CW_FMT_JSON);
	expect_file("json-health.json", with);
	free(with);
	s.health = health(false, 2, 0);
	with = render(&s, CW_FMT_JSON);
	CHECK(strstr(with, ",\"health\":{\"mode\":\"live\",\"capped\":false,\"unresolved\":2,\"untracked_total\":0,\"lower_bound\":true}}\n"),
	      "json, unresolved: %s", with);
	free(with);

	/* The table is the same: the notes go to stderr (cwstat.c). */
	with = render(&s, CW_FMT_TABLE);
	memset(&s.health, 0, sizeof(s.health));
	plain = render(&s, CW_FMT_TABLE);
	CHECK(!strcmp(plain, with), "the table does not change: %s", with);
	free(with);
	/* Unread: no health families, json null. */
	with = render(&s, CW_FMT_PROM);
	CHECK(!strstr(with, "cwstat_capped") && !strstr(with, "unresolved") &&
	      !strstr(with, "untracked"), "prom without health: %s", with);
	free(with);
	with = render(&s, CW_FMT_JSON);
	CHECK(strstr(with, "],\"health\":null}\n") != NULL, "json null: %s",
	      with);
	free(with);
	free(plain);
}

static char *check_line(const struct cw_check *ck, const struct cw_rows *rows,
			const struct cw_counts *total, enum cw_by by,
			const struct cw_health *h, struct cw_check_result *res)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cw_check_eval(ck, rows, res);
	cw_check_health(res, h);
	cw_check_print(f, ck, rows, total, by, res);
	fclose(f);
	return out;
}

static void test_check_health(void)
{
	struct cw_counts total = { .close_wait = 1024, .oldest_idle_s = 300 };
	struct cw_row row = { .kind = CW_ROW_TOTAL, .key = (char *)"total",
			      .label = (char *)"total", .c = total };
	struct cw_row nrows[] = {
		{ .kind = CW_ROW_NETNS, .key = (char *)"a",
		  .label = (char *)"netns 1 a", .c = { .close_wait = 1000 } },
		{ .kind = CW_ROW_NETNS, .key = (char *)"b",
		  .label = (char *)"netns 2 b", .c = { .close_wait = 24 } },
	};
	struct cw_rows rows = { &row, 1 }, per = { nrows, 2 };
	struct cw_check ck = {0};
	struct cw_check_result res;
	struct cw_health h = health(true, 0, 76), ok = health(false, 0, 5),
			 unread = { .capped = true, .unresolved = 9 };
	char *line;

	cw_range_parse("2000", &ck.warn);
	cw_range_parse("5000", &ck.crit);
	ck.has_warn = ck.has_crit = true;

	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, &h, &res);
	CHECK(res.status == CW_STATUS_WARNING && res.rows_status == CW_STATUS_OK,
	      "capped under the thresholds: WARNING (%d, rows %d)", res.status,
	      res.rows_status);
	CHECK(!strcmp(line, "CWSTAT WARNING - 1024 sockets in CLOSE_WAIT, longest idle 5m0s; counts are a lower bound: the module's table is full (max_tracked) | close_wait=1024;2000;5000;0 oldest=300s;;;0 recvq=0B;;;0 rmem=0B;;;0 capped=1;;;0;1 unresolved=0;;;0 untracked=76c;;;0\n"),
	      "capped line: %s", line);
	free(line);

	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, &ok, &res);
	CHECK(res.status == CW_STATUS_OK, "complete: OK (%d)", res.status);
	CHECK(!strcmp(line, "CWSTAT OK - 1024 sockets in CLOSE_WAIT, longest idle 5m0s | close_wait=1024;2000;5000;0 oldest=300s;;;0 recvq=0B;;;0 rmem=0B;;;0 capped=0;;;0;1 unresolved=0;;;0 untracked=5c;;;0\n"),
	      "complete line: %s", line);
	free(line);

	/* Unread, or none at all: the line as before the health. */
	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, &unread, &res);
	CHECK(res.status == CW_STATUS_OK && !res.health &&
	      !strcmp(line, "CWSTAT OK - 1024 sockets in CLOSE_WAIT, longest idle 5m0s | close_wait=1024;2000;5000;0 oldest=300s;;;0 recvq=0B;;;0 rmem=0B;;;0\n"),
	      "unread health: %s", line);
	free(line);
	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, NULL, &res);
	CHECK(res.status == CW_STATUS_OK && !strstr(line, "capped"),
	      "no health: %s", line);
	free(line);

	/* CRITICAL stays CRITICAL, WARNING stays WARNING; both say why. */
	cw_range_parse("1000", &ck.crit);
	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, &h, &res);
	CHECK(res.status == CW_STATUS_CRITICAL &&
	      strstr(line, "CWSTAT CRITICAL - 1024 sockets in CLOSE_WAIT, longest idle 5m0s; counts are a lower bound: ") == line,
	      "above crit: %s", line);
	free(line);
	cw_range_parse("5000", &ck.crit);
	cw_range_parse("1000", &ck.warn);
	h = health(false, 3, 0);
	line = check_line(&ck, &rows, &total, CW_BY_TOTAL, &h, &res);
	CHECK(res.status == CW_STATUS_WARNING &&
	      strstr(line, "; counts are a lower bound: 3 sockets in CLOSE_WAIT not examined (a process held their lock) | ") &&
	      strstr(line, " capped=0;;;0;1 unresolved=3;;;0 untracked=0c;;;0\n"),
	      "above warn, unresolved: %s", line);
	free(line);

	/* Per row: the rows are fine, so the largest is named, not "worst". */
	cw_range_parse("2000", &ck.warn);
	h = health(true, 1, 76);
	line = check_line(&ck, &per, &total, CW_BY_NETNS, &h, &res);
	CHECK(res.status == CW_STATUS_WARNING &&
	      strstr(line, "CWSTAT WARNING - largest netns 1 a: 1000 in CLOSE_WAIT, idle 0s; 1024 in total over 2 netns rows, longest idle 5m0s; counts are a lower bound: the module's table is full (max_tracked) and 1 socket in CLOSE_WAIT not examined (a process held its lock) | ") == line &&
	      strchr(line, '|') == strrchr(line, '|'),
	      "per netns: %s", line);
	free(line);
}

void test_health(void)
{
	test_values();
	test_read();
	test_words();
	test_outputs();
	test_check_health();
}

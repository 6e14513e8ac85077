// SPDX-License-Identifier: GPL-2.0
/*
 * The format v1 reader: the fixtures parse to exactly what they say, and
 * every malformed input is refused with a message that names the line and
 * says what was wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwstat_format.h"
#include "parse.h"
#include "unit.h"

#define U64_MAX_STR	"18446744073709551615"

/* A literal with its length, so that inputs may hold NUL bytes. */
#define IN(s)		s, sizeof(s) - 1

#define V	"version=1\n"
#define T0	"total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
#define T3	"total close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
#define T6	"total close_wait=6 recvq_bytes=60 rmem_bytes=600 oldest_idle_s=5\n"
#define N3	"netns ns=7 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
#define N6	"netns ns=7 close_wait=6 recvq_bytes=60 rmem_bytes=600 oldest_idle_s=5\n"
#define CG(path) "cgroup ns=7 id=9 path=" path \
		 " close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
#define C3	CG("/a")
#define Z(ns)	"netns ns=" ns " close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
#define OK3	V T3 N3 C3

static bool is_empty(const struct cw_snapshot *s)
{
	return !s->version && s->source == CW_SOURCE_MODULE &&
	       !s->netns && !s->nnetns && !s->total.close_wait &&
	       !s->total.recvq_bytes && !s->total.rmem_bytes &&
	       !s->total.oldest_idle_s && !s->total.has;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Parse into @out, which starts as garbage: cw_parse must not read it. */
static int parse(const char *in, size_t len, const char *name,
		 struct cw_snapshot *out, struct cw_error *err)
{
	memset(out, 0xa5, sizeof(*out));
	memset(err, 0, sizeof(*err));
	return cw_parse(in, len, name, out, err);
}

/* @in must be refused at @prefix ("t:LINE:") with @word in the message. */
static void expect_error(const char *what, const char *in, size_t len,
			 const char *prefix, const char *word)
{
	struct cw_snapshot s;
	struct cw_error err;
	int rc = parse(in, len, "t", &s, &err);

	CHECK(rc == -1, "%s: refused (rc %d)", what, rc);
	CHECK(is_empty(&s), "%s: snapshot left empty", what);
	CHECK(!strncmp(err.msg, prefix, strlen(prefix)),
	      "%s: message starts with %s: %s", what, prefix, err.msg);
	CHECK(strstr(err.msg, word), "%s: message says \"%s\": %s", what,
	      word, err.msg);
	CHECK(printable(err.msg), "%s: message is printable ASCII: %s", what,
	      err.msg);
	if (!rc)
		cw_snapshot_free(&s);
}

/* @in must parse; the caller checks and frees @s. */
static bool expect_ok(const char *what, const char *in, size_t len,
		      struct cw_snapshot *s)
{
	struct cw_error err;
	int rc = parse(in, len, "t", s, &err);

	if (!CHECK(rc == 0, "%s: parses: %s", what, err.msg)) {
		memset(s, 0, sizeof(*s));
		return false;
	}
	return true;
}

static bool counts_are(const struct cw_counts *c, uint64_t cw, uint64_t rq,
		       uint64_t rm, uint64_t idle)
{
	return c->close_wait == cw && c->recvq_bytes == rq &&
	       c->rmem_bytes == rm && c->oldest_idle_s == idle;
}

static void test_demo(void)
{
	struct cw_snapshot s;
	const struct cw_netns *n;
	const struct cw_cgroup *c;
	size_t len;
	char *buf = unit_read("fixtures/demo.txt", &len);

	if (!expect_ok("demo.txt", buf, len, &s))
		goto out;
	CHECK(s.version == 1, "demo: version %u", s.version);
	CHECK(s.source == CW_SOURCE_FILE, "demo: source %d", s.source);
	CHECK(counts_are(&s.total, 47, 846, 61006, 2), "demo: total counts");
	CHECK(s.total.has == CW_HAS_SOCKETS && s.total.sockets == 94,
	      "demo: total sockets (has %#x, %llu)", s.total.has,
	      (unsigned long long)s.total.sockets);
	CHECK(s.total.oldest_s == 0, "demo: total has no oldest_s");
	if (!CHECK(s.nnetns == 2, "demo: two netns, got %zu", s.nnetns))
		goto free;

	n = &s.netns[0];
	CHECK(n->ns == 4026532116ULL, "demo: netns 0 ns");
	CHECK(counts_are(&n->c, 40, 720, 51920, 2), "demo: netns 0 counts");
	CHECK(n->c.has == CW_HAS_SOCKETS && n->c.sockets == 80,
	      "demo: netns 0 sockets");
	if (CHECK(n->ncgroups == 1, "demo: netns 0 has one cgroup")) {
		c = &n->cgroups[0];
		CHECK(c->id == 40, "demo: cgroup 0 id");
		CHECK(!strcmp(c->path, "/demo/shop"), "demo: cgroup 0 path %s",
		      c->path);
		CHECK(counts_are(&c->c, 40, 720, 51920, 2),
		      "demo: cgroup 0 counts");
		CHECK(c->c.has == 0 && c->c.sockets == 0 && c->c.oldest_s == 0,
		      "demo: cgroup 0 has no optional counters");
	}

	n = &s.netns[1];
	CHECK(n->ns == 4026532169ULL, "demo: netns 1 ns");
	CHECK(counts_are(&n->c, 7, 126, 9086, 2), "demo: netns 1 counts");
	CHECK(n->c.has == CW_HAS_SOCKETS && n->c.sockets == 14,
	      "demo: netns 1 sockets");
	if (CHECK(n->ncgroups == 1, "demo: netns 1 has one cgroup")) {
		c = &n->cgroups[0];
		CHECK(c->id == 57, "demo: cgroup 1 id");
		CHECK(!strcmp(c->path, "/demo/billing"),
		      "demo: cgroup 1 path %s", c->path);
		CHECK(counts_are(&c->c, 7, 126, 9086, 2),
		      "demo: cgroup 1 counts");
		CHECK(c->c.has == 0, "demo: cgroup 1 has no optional counters");
	}
free:
	cw_snapshot_free(&s);
out:
	free(buf);
}

static void test_empty(void)
{
	struct cw_snapshot s;
	size_t len;
	char *buf = unit_read("fixtures/empty.txt", &len);

	if (expect_ok("empty.txt", buf, len, &s)) {
		CHECK(s.version == 1 && s.nnetns == 0 && !s.netns,
		      "empty: no netns");
		CHECK(counts_are(&s.total, 0, 0, 0, 0) &&
		      s.total.has == CW_HAS_SOCKETS && s.total.sockets == 0,
		      "empty: zero total with sockets=0");
		cw_snapshot_free(&s);
	}
	free(buf);
}

static void test_escapes(void)
{
	static const struct {
		uint64_t id;
		const char *path;
	} want[] = {
		{ 101, "/my app/web server" },
		{ 102, "/evil\nname" },
		{ 103, "/back\\slash" },
		{ 104, "/key=value" },
		{ 105, "/tab\tsep/\"quoted\"" },
		{ 106, "/caf\xc3\xa9/\xc3\xbc" },
		{ 107, "/esc\033[31m\177\r" },
		{ 108, "?" },
	};
	const struct cw_netns *n;
	struct cw_snapshot s;
	size_t i, len;
	char *buf = unit_read("fixtures/escapes.txt", &len);

	if (!expect_ok("escapes.txt", buf, len, &s))
		goto out;
	if (!CHECK(s.nnetns == 1, "escapes: one netns"))
		goto free;
	n = &s.netns[0];
	if (!CHECK(n->ncgroups == sizeof(want) / sizeof(want[0]),
		   "escapes: %zu cgroups", n->ncgroups))
		goto free;
	for (i = 0; i < n->ncgroups; i++) {
		CHECK(n->cgroups[i].id == want[i].id, "escapes: row %zu id", i);
		CHECK(!strcmp(n->cgroups[i].path, want[i].path),
		      "escapes: row %zu path decodes to the exact bytes", i);
	}
free:
	cw_snapshot_free(&s);
out:
	free(buf);
}

static void test_future(void)
{
	const struct cw_netns *n;
	struct cw_snapshot s;
	size_t len;
	char *buf = unit_read("fixtures/future.txt", &len);

	if (!expect_ok("future.txt", buf, len, &s))
		goto out;
	CHECK(counts_are(&s.total, 5, 50, 7000, 40), "future: total counts");
	CHECK(s.total.has == (CW_HAS_SOCKETS | CW_HAS_OLDEST) &&
	      s.total.sockets == 12 && s.total.oldest_s == 3600,
	      "future: total sockets and oldest_s");
	/* The unknown row types between the rows add nothing. */
	if (!CHECK(s.nnetns == 1, "future: one netns, got %zu", s.nnetns))
		goto free;
	n = &s.netns[0];
	CHECK(n->ns == 4026531840ULL && counts_are(&n->c, 5, 50, 7000, 40),
	      "future: netns counts");
	CHECK(n->c.has == (CW_HAS_SOCKETS | CW_HAS_OLDEST) &&
	      n->c.oldest_s == 3600, "future: netns oldest_s");
	if (!CHECK(n->ncgroups == 2, "future: two cgroups, got %zu",
		   n->ncgroups))
		goto free;
	CHECK(n->cgroups[0].id == 12 && !strcmp(n->cgroups[0].path, "/web") &&
	      counts_are(&n->cgroups[0].c, 3, 50, 4000, 40),
	      "future: cgroup 0");
	CHECK(n->cgroups[0].c.has == CW_HAS_OLDEST &&
	      n->cgroups[0].c.oldest_s == 3600, "future: cgroup 0 oldest_s");
	CHECK(n->cgroups[1].id == 13 && !strcmp(n->cgroups[1].path, "/db") &&
	      counts_are(&n->cgroups[1].c, 2, 0, 3000, 9),
	      "future: cgroup 1");
	CHECK(n->cgroups[1].c.has == (CW_HAS_OLDEST | CW_HAS_SOCKETS) &&
	      n->cgroups[1].c.oldest_s == 120 && n->cgroups[1].c.sockets == 9,
	      "future: cgroup 1 oldest_s and sockets");
free:
	cw_snapshot_free(&s);
out:
	free(buf);
}

/* Live mode's age buckets, and keys a later module adds to line 1. */
static void test_ages_and_version_keys(void)
{
	static const char in[] = "version=1 mode=live build=x_1\n"
		"total close_wait=3 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=5 oldest_s=70 "
		"age_le_1s=1 age_le_10s=0 age_le_60s=0 age_le_600s=2 age_le_3600s=0 age_gt_3600s=0\n"
		"netns ns=7 close_wait=3 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=5 "
		"age_gt_3600s=0 age_le_600s=2 age_le_1s=1\n"
		"cgroup ns=7 id=9 path=/a close_wait=3 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=5\n";
	struct cw_snapshot s;

	if (!expect_ok("ages", in, sizeof(in) - 1, &s))
		return;
	CHECK(s.total.has & CW_HAS_AGES && s.total.ages[0] == 1 &&
	      s.total.ages[3] == 2 && s.total.ages[5] == 0,
	      "ages: total buckets");
	CHECK(s.nnetns == 1 && s.netns[0].c.has & CW_HAS_AGES &&
	      s.netns[0].c.ages[0] == 1 && s.netns[0].c.ages[3] == 2,
	      "ages: netns buckets, any order, some left out");
	cw_snapshot_free(&s);
	expect_error("age twice", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 "
				   "oldest_idle_s=0 age_le_1s=0 age_le_1s=0\n"),
		     "t:2:", "duplicate key");
	expect_error("version=1 then a bare word", IN("version=1 a=1 junk\n" T0),
		     "t:1:", "unexpected \"junk\"");
	expect_error("version=1 then =x", IN("version=1 =x\n" T0), "t:1:",
		     "unexpected");
}

static void test_many(void)
{
	static const uint64_t ns[] = {
		4026532212ULL, 4026532053ULL, 4026532106ULL, 4026532159ULL,
		4026532000ULL,
	};
	static const size_t ncg[] = { 3, 3, 5, 4, 4 };
	struct cw_snapshot s;
	size_t i, len;
	char *buf = unit_read("fixtures/many.txt", &len);

	if (!expect_ok("many.txt", buf, len, &s))
		goto out;
	CHECK(counts_are(&s.total, 482, 11570, 528195, 83743) &&
	      s.total.sockets == 1409, "many: total");
	if (!CHECK(s.nnetns == 5, "many: five netns, got %zu", s.nnetns))
		goto free;
	for (i = 0; i < s.nnetns; i++) {
		CHECK(s.netns[i].ns == ns[i], "many: netns %zu in input order",
		      i);
		CHECK(s.netns[i].ncgroups == ncg[i], "many: netns %zu has %zu",
		      i, ncg[i]);
	}
	/* Spot checks at both ends, and the input's order within a netns. */
	CHECK(s.netns[0].cgroups[0].id == 1414 &&
	      !strcmp(s.netns[0].cgroups[0].path, "/kubepods/pod4/ctr2") &&
	      counts_are(&s.netns[0].cgroups[0].c, 57, 1197, 66063, 37740),
	      "many: first cgroup");
	CHECK(s.netns[4].cgroups[3].id == 1021 &&
	      counts_are(&s.netns[4].cgroups[3].c, 3, 15, 3432, 54810),
	      "many: last cgroup");
	CHECK(s.netns[2].cgroups[1].id == 1221 &&
	      s.netns[2].cgroups[2].id == 1214, "many: cgroup order kept");
free:
	cw_snapshot_free(&s);
out:
	free(buf);
}

/* Inputs that are odd but valid. */
static void test_valid_edges(void)
{
	struct cw_snapshot s;

	if (expect_ok("max u64",
		      IN(V "total close_wait=" U64_MAX_STR " recvq_bytes=0 rmem_bytes=0 oldest_idle_s=" U64_MAX_STR "\n"
			 "netns ns=" U64_MAX_STR " close_wait=" U64_MAX_STR " recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
			 "cgroup ns=" U64_MAX_STR " id=" U64_MAX_STR " path=/ close_wait=" U64_MAX_STR " recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
		      &s)) {
		CHECK(s.total.close_wait == UINT64_MAX &&
		      s.total.oldest_idle_s == UINT64_MAX,
		      "max u64: total values");
		CHECK(s.nnetns == 1 && s.netns[0].ns == UINT64_MAX &&
		      s.netns[0].ncgroups == 1 &&
		      s.netns[0].cgroups[0].id == UINT64_MAX,
		      "max u64: ns and id");
		cw_snapshot_free(&s);
	}

	/* path_cut=1 marks its row; 0 or absent leaves a row whole. */
	if (expect_ok("path_cut",
		      IN(V T6
			 "netns ns=7 close_wait=6 recvq_bytes=60 rmem_bytes=600 oldest_idle_s=5 path_cut=7\n"
			 CG("/a path_cut=1")
			 "cgroup ns=7 id=10 path=/b path_cut=0 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
			 "cgroup ns=7 id=11 path=/c close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
		      &s)) {
		CHECK(s.nnetns == 1 && s.netns[0].ncgroups == 3 &&
		      s.netns[0].cgroups[0].path_cut &&
		      !strcmp(s.netns[0].cgroups[0].path, "/a") &&
		      !s.netns[0].cgroups[1].path_cut &&
		      !s.netns[0].cgroups[2].path_cut,
		      "path_cut: the flag of each cgroup row (a netns row's is unknown there)");
		cw_snapshot_free(&s);
	}

	/*
	 * Keys known in other rows are unknown here, whatever their value;
	 * a netns without CLOSE_WAIT needs no cgroup rows; needless escapes
	 * decode; unknown rows come anywhere after the total.
	 */
	if (expect_ok("odd but valid",
		      IN(V T3
			 "netns ns=5 close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 id=x path=\\9 v=\n"
			 "future\n"
			 "netns ns=7 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5 a=1 b=2 a2=\n"
			 CG("/\\101\\142c\\057")
			 "zz_9 close_wait=1 close_wait=2 x Y\n"),
		      &s)) {
		CHECK(s.nnetns == 2 && s.netns[0].ns == 5 &&
		      s.netns[0].ncgroups == 0 && s.netns[1].ncgroups == 1,
		      "odd: rows");
		if (s.nnetns == 2 && s.netns[1].ncgroups == 1)
			CHECK(!strcmp(s.netns[1].cgroups[0].path, "/Abc/"),
			      "odd: needless escapes decode, got %s",
			      s.netns[1].cgroups[0].path);
		cw_snapshot_free(&s);
	}
}

static const struct {
	const char *what;
	const char *in;
	size_t len;
	const char *prefix;
	const char *word;
} bad[] = {
	/* Whole-document and line shape. */
	{ "empty input", IN(""), "t:1:", "empty input, expected version=1" },
	{ "truncated last line",
	  IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0"),
	  "t:2:", "truncated" },
	{ "truncated mid-token", IN(V T3 N3 "cgroup ns=7 id=9 pa"), "t:4:",
	  "truncated" },
	{ "truncated after a space", IN(V "total "), "t:2:", "truncated" },
	{ "NUL byte", IN(V "total close_wait=0\0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "NUL byte at column 19" },
	{ "NUL byte in path", IN(V T3 N3 CG("/a\0b")), "t:4:", "NUL" },
	{ "empty line", IN(V T0 "\n"), "t:3:", "empty line" },
	{ "first line empty", IN("\n" T0), "t:1:", "empty line" },
	{ "double space", IN(V "total close_wait=0  recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "double space" },
	{ "leading space", IN(V " total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "leading space" },
	{ "trailing space", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 \n"),
	  "t:2:", "trailing space" },
	{ "tab", IN(V "total\tclose_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "tab" },
	{ "CRLF on line 1", IN("version=1\r\n" T0), "t:1:", "carriage return" },
	{ "CRLF on line 2", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\r\n"),
	  "t:2:", "carriage return" },

	/* The version line. */
	{ "missing version", IN(T0), "t:1:", "expected version=1" },
	{ "version=2", IN("version=2\n" T0), "t:1:",
	  "unsupported format version 2 (this cwstat reads 1)" },
	{ "version=2 with more", IN("version=2 x=1\n"), "t:1:",
	  "unsupported format version 2" },
	{ "version=1 extra", IN("version=1 extra\n" T0), "t:1:",
	  "unexpected \"extra\"" },
	{ "version=x", IN("version=x\n" T0), "t:1:", "bad version \"x\"" },
	{ "version=", IN("version=\n" T0), "t:1:", "bad version" },
	{ "version=-1", IN("version=-1\n" T0), "t:1:", "bad version" },
	{ "version huge", IN("version=99999999999999999999\n" T0), "t:1:",
	  "bad version" },
	{ "version without =", IN("version\n" T0), "t:1:",
	  "expected version=1" },
	{ "version row later", IN(V T0 "version\n"), "t:3:", "line 1 only" },
	{ "version= later", IN(V T0 "version=1\n"), "t:3:", "bad row type" },

	/* Row order. */
	{ "only version", IN(V), "t:2:", "end of input, expected the total" },
	{ "netns first", IN(V N3 T3), "t:2:", "netns row found" },
	{ "cgroup first", IN(V C3), "t:2:", "cgroup row found" },
	{ "unknown row first", IN(V "future x=1\n" T0), "t:2:",
	  "expected the total row" },
	{ "second total", IN(V T0 T0), "t:3:", "second total" },
	{ "cgroup before netns", IN(V T3 C3 N3), "t:3:",
	  "before any netns row" },
	{ "cgroup ns mismatch",
	  IN(V T3 N3 "cgroup ns=8 id=9 path=/a close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:4:", "ns=8 after the netns row of ns=7 (line 3), expected ns=7" },
	{ "bad row type", IN(V T0 "Netns ns=1\n"), "t:3:", "bad row type" },
	{ "numeric row type", IN(V T0 "9 ns=1\n"), "t:3:", "bad row type" },
	{ "key as row type", IN(V T0 "close_wait=1\n"), "t:3:",
	  "bad row type" },

	/* Tokens. */
	{ "token without =", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 junk\n"),
	  "t:2:", "token \"junk\" has no '='" },
	{ "empty key", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 =5\n"),
	  "t:2:", "empty key" },
	{ "bad key", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 Close_wait=5\n"),
	  "t:2:", "bad key \"Close_wait\"" },
	{ "key with a dash", IN(V "total close-wait=0 close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "bad key" },
	{ "duplicate key", IN(V "total close_wait=0 recvq_bytes=0 close_wait=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "duplicate key \"close_wait\"" },
	{ "duplicate unknown key", IN(V "total foo=1 close_wait=0 recvq_bytes=0 foo=2 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "duplicate key \"foo\"" },
	{ "two duplicate unknown keys: the first in the row is named",
	  IN(V "total b=1 c=1 a=1 close_wait=0 recvq_bytes=0 b=2 c=2 a=2 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "duplicate key \"b\"" },
	{ "duplicate path", IN(V T3 N3 "cgroup ns=7 id=9 path=/a path=/a close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:4:", "duplicate key \"path\"" },
	{ "duplicate in unknown row is fine, in netns not",
	  IN(V T3 "x a=1 a=1\n" "netns ns=7 ns=7 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:4:", "duplicate key \"ns\"" },

	/* path_cut: a flag of cgroup rows. */
	{ "path_cut=2", IN(V T3 N3 CG("/a path_cut=2")), "t:4:",
	  "path_cut=\"2\", expected 0 or 1" },
	{ "path_cut=", IN(V T3 N3 CG("/a path_cut=")), "t:4:",
	  "empty value of path_cut" },
	{ "duplicate path_cut", IN(V T3 N3 CG("/a path_cut=1 path_cut=1")),
	  "t:4:", "duplicate key \"path_cut\"" },

	/* Numbers. */
	{ "overflow", IN(V "total close_wait=18446744073709551616 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "too large" },
	{ "long overflow", IN(V T3 N3 "cgroup ns=7 id=999999999999999999999999999 path=/a close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:4:", "id=\"999999999999999999999999999\" is too large" },
	{ "negative", IN(V "total close_wait=-5 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "bad number \"-5\" for close_wait" },
	{ "plus sign", IN(V "total close_wait=+5 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "bad number \"+5\"" },
	{ "hex", IN(V "total close_wait=0x10 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "bad number" },
	{ "empty number", IN(V "total close_wait= recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "empty value of close_wait" },
	{ "bad optional number", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 sockets=1.5\n"),
	  "t:2:", "bad number \"1.5\" for sockets" },
	{ "bad oldest_s", IN(V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0 oldest_s=x\n"),
	  "t:2:", "for oldest_s" },
	{ "bad ns", IN(V T3 "netns ns=abc close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:3:", "bad number \"abc\" for ns" },

	/* Paths. */
	{ "escape \\9", IN(V T3 N3 CG("/a\\9")), "t:4:", "bad escape \"\\9\"" },
	{ "escape \\000", IN(V T3 N3 CG("/a\\000")), "t:4:",
	  "escape \"\\000\" in path is not a byte" },
	{ "escape \\400", IN(V T3 N3 CG("/a\\400")), "t:4:",
	  "escape \"\\400\" in path is not a byte" },
	{ "escape \\777", IN(V T3 N3 CG("\\777")), "t:4:", "not a byte" },
	{ "escape \\12 then end of value", IN(V T3 N3 CG("/a\\12")), "t:4:",
	  "bad escape \"\\12\"" },
	{ "escape \\12 then end of line",
	  IN(V T3 N3 "cgroup ns=7 id=9 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5 path=/a\\12\n"),
	  "t:4:", "bad escape \"\\12\"" },
	{ "escape \\1x2", IN(V T3 N3 CG("/\\1x2")), "t:4:",
	  "bad escape \"\\1x\"" },
	{ "escape \\8", IN(V T3 N3 CG("/\\018")), "t:4:", "bad escape" },
	{ "lone trailing backslash", IN(V T3 N3 CG("/a\\")), "t:4:",
	  "bad escape \"\\\"" },
	{ "lone backslash at end of line",
	  IN(V T3 N3 "cgroup ns=7 id=9 close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5 path=\\\n"),
	  "t:4:", "bad escape" },
	{ "raw control byte", IN(V T3 N3 CG("/a\001b")), "t:4:",
	  "raw control byte 0x01" },
	{ "raw escape byte", IN(V T3 N3 CG("/a\033[2J")), "t:4:",
	  "raw control byte 0x1b" },
	{ "raw DEL", IN(V T3 N3 CG("/a\177")), "t:4:", "raw control byte 0x7f" },
	{ "raw =", IN(V T3 N3 CG("/a=b")), "t:4:", "raw '='" },
	{ "empty path", IN(V T3 N3 CG("")), "t:4:", "empty path" },

	/* Sums. */
	{ "netns close_wait sum", IN(V T3 N3 "cgroup ns=7 id=9 path=/a close_wait=2 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:3:", "netns ns=7 has close_wait=3, but its cgroup rows sum to 2" },
	{ "netns recvq sum", IN(V T3 N3 "cgroup ns=7 id=9 path=/a close_wait=3 recvq_bytes=31 rmem_bytes=300 oldest_idle_s=5\n"),
	  "t:3:", "recvq_bytes=30, but its cgroup rows sum to 31" },
	{ "netns rmem sum", IN(V T3 N3 "cgroup ns=7 id=9 path=/a close_wait=3 recvq_bytes=30 rmem_bytes=1 oldest_idle_s=5\n"),
	  "t:3:", "rmem_bytes=300, but its cgroup rows sum to 1" },
	{ "netns without cgroup rows", IN(V T3 N3), "t:3:",
	  "its cgroup rows sum to 0" },
	{ "total close_wait sum", IN(V T6 N3 C3), "t:2:",
	  "total has close_wait=6, but the netns rows sum to 3" },
	{ "total recvq sum", IN(V "total close_wait=3 recvq_bytes=0 rmem_bytes=300 oldest_idle_s=5\n" N3 C3),
	  "t:2:", "recvq_bytes=0, but the netns rows sum to 30" },
	{ "total rmem sum", IN(V "total close_wait=3 recvq_bytes=30 rmem_bytes=3000 oldest_idle_s=5\n" N3 C3),
	  "t:2:", "rmem_bytes=3000, but the netns rows sum to 300" },
	{ "total without netns", IN(V T3), "t:2:", "netns rows sum to 0" },
	{ "total wrong and netns wrong: the netns is named",
	  IN(V T3 N6 C3 "netns ns=8 close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:3:", "netns ns=7" },
	{ "cgroup sum overflow",
	  IN(V "total close_wait=1 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
	     "netns ns=1 close_wait=1 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
	     "cgroup ns=1 id=1 path=/a close_wait=" U64_MAX_STR " recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
	     "cgroup ns=1 id=2 path=/b close_wait=2 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:3:", "sum to more than " U64_MAX_STR },
	{ "netns sum overflow",
	  IN(V "total close_wait=0 recvq_bytes=" U64_MAX_STR " rmem_bytes=0 oldest_idle_s=0\n"
	     "netns ns=1 close_wait=0 recvq_bytes=" U64_MAX_STR " rmem_bytes=0 oldest_idle_s=0\n"
	     "cgroup ns=1 id=1 path=/a close_wait=0 recvq_bytes=" U64_MAX_STR " rmem_bytes=0 oldest_idle_s=0\n"
	     "netns ns=2 close_wait=0 recvq_bytes=1 rmem_bytes=0 oldest_idle_s=0\n"
	     "cgroup ns=2 id=1 path=/a close_wait=0 recvq_bytes=1 rmem_bytes=0 oldest_idle_s=0\n"),
	  "t:2:", "the netns rows sum to more than" },

	/* Duplicates. */
	{ "duplicate netns", IN(V T6 N3 C3 N3 CG("/b")), "t:5:",
	  "duplicate netns ns=7 (first at line 3)" },
	{ "duplicate cgroup", IN(V T6 N6 C3 CG("/b")), "t:5:",
	  "duplicate cgroup ns=7 id=9 (first at line 4)" },
	{ "duplicate netns with distinct cgroups",
	  IN(V "total close_wait=9 recvq_bytes=90 rmem_bytes=900 oldest_idle_s=5\n"
	     N6 C3 "cgroup ns=7 id=2 path=/b close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
	     N3 "cgroup ns=7 id=2 path=/b close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
	     C3),
	  "t:6:", "duplicate netns ns=7 (first at line 3)" },
	{ "duplicate cgroup before a duplicate netns",
	  IN(V "total close_wait=9 recvq_bytes=90 rmem_bytes=900 oldest_idle_s=5\n"
	     N6 C3 C3 N3 C3),
	  "t:5:", "duplicate cgroup ns=7 id=9 (first at line 4)" },

	{ "duplicate netns before a duplicate cgroup",
	  IN(V "total close_wait=9 recvq_bytes=90 rmem_bytes=900 oldest_idle_s=5\n"
	     N6 C3 "cgroup ns=7 id=2 path=/b close_wait=3 recvq_bytes=30 rmem_bytes=300 oldest_idle_s=5\n"
	     N3 C3 C3),
	  "t:6:", "duplicate netns ns=7 (first at line 3)" },
	{ "two repeated keys: the earliest line is named",
	  IN(V T0 Z("5") Z("1") Z("9") Z("2") Z("5") Z("3") Z("9")),
	  "t:7:", "duplicate netns ns=5 (first at line 3)" },
	{ "three of a kind", IN(V T0 Z("5") Z("5") Z("5")), "t:4:",
	  "duplicate netns ns=5 (first at line 3)" },

	/* Checks in order: a bad line beats the sums, a bad line after. */
	{ "syntax before sums", IN(V T6 N3 C3 "netns ns=x\n"), "t:5:",
	  "bad number" },
};

static char *strip_token(const char *doc, size_t line, const char *key)
{
	char *out = strdup(doc), *p = out, *tok, *end;
	char pat[64];
	size_t i;

	if (!out)
		abort();
	for (i = 1; i < line; i++)
		p = strchr(p, '\n') + 1;
	end = strchr(p, '\n');
	snprintf(pat, sizeof(pat), " %s=", key);
	tok = strstr(p, pat);
	if (!tok || tok > end)
		abort();
	end = tok + 1 + strcspn(tok + 1, " \n");
	memmove(tok, end, strlen(end) + 1);
	return out;
}

static void test_missing_keys(void)
{
	static const struct {
		size_t line;
		const char *row;
		const char *keys[7];
	} req[] = {
		{ 2, CWSTAT_ROW_TOTAL, {
			CWSTAT_KEY_CLOSE_WAIT, CWSTAT_KEY_RECVQ_BYTES,
			CWSTAT_KEY_RMEM_BYTES, CWSTAT_KEY_OLDEST_IDLE_S } },
		{ 3, CWSTAT_ROW_NETNS, {
			CWSTAT_KEY_NS, CWSTAT_KEY_CLOSE_WAIT,
			CWSTAT_KEY_RECVQ_BYTES, CWSTAT_KEY_RMEM_BYTES,
			CWSTAT_KEY_OLDEST_IDLE_S } },
		{ 4, CWSTAT_ROW_CGROUP, {
			CWSTAT_KEY_NS, CWSTAT_KEY_CGROUP_ID,
			CWSTAT_KEY_CGROUP_PATH, CWSTAT_KEY_CLOSE_WAIT,
			CWSTAT_KEY_RECVQ_BYTES, CWSTAT_KEY_RMEM_BYTES,
			CWSTAT_KEY_OLDEST_IDLE_S } },
	};
	size_t i, j;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		for (j = 0; j < 7 && req[i].keys[j]; j++) {
			const char *key = req[i].keys[j];
			char *doc = strip_token(OK3, req[i].line, key);
			char what[64], prefix[16], word[64];

			snprintf(what, sizeof(what), "%s without %s",
				 req[i].row, key);
			snprintf(prefix, sizeof(prefix), "t:%zu:", req[i].line);
			snprintf(word, sizeof(word),
				 "missing key \"%s\" in %s row", key,
				 req[i].row);
			expect_error(what, doc, strlen(doc), prefix, word);
			free(doc);
		}
	}
}

/* A document whose line 3 is an unknown row of exactly @n bytes. */
static char *long_line_doc(size_t n, size_t *len)
{
	static const char head[] = V T0 "pad x=";
	size_t hlen = sizeof(V T0) - 1, plen = sizeof(head) - 1;
	char *doc = malloc(hlen + n + 2);

	if (!doc)
		abort();
	memcpy(doc, head, plen);
	memset(doc + plen, 'y', hlen + n - plen);
	doc[hlen + n] = '\n';
	doc[hlen + n + 1] = '\0';
	*len = hlen + n + 1;
	return doc;
}

static void test_long_lines(void)
{
	struct cw_snapshot s;
	size_t len;
	char *doc;

	doc = long_line_doc(65536, &len);
	if (expect_ok("line of 65536 bytes", doc, len, &s))
		cw_snapshot_free(&s);
	free(doc);

	doc = long_line_doc(65537, &len);
	expect_error("line of 65537 bytes", doc, len, "t:3:",
		     "line of 65537 bytes, expected at most 65536");
	free(doc);

	doc = long_line_doc(70000, &len);
	expect_error("line of 70000 bytes", doc, len, "t:3:",
		     "line of 70000 bytes");
	/* Cut off: still too long first, then truncated. */
	expect_error("long truncated line", doc, len - 1, "t:3:", "70000");
	free(doc);
}

/* Exact messages, as a user sees them. */
static void test_messages(void)
{
	static const struct {
		const char *in, *name, *msg;
	} cases[] = {
		{ "", "x", "x:1: empty input, expected version=1" },
		{ V "total close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n"
		  "netns ns=1 close_wait=0 close_wait=0\n", "cwstat.txt",
		  "cwstat.txt:3: duplicate key \"close_wait\"" },
		{ "version=2\n", "/proc/cwstat",
		  "/proc/cwstat:1: unsupported format version 2 (this cwstat reads 1)" },
		{ V T3 N3 CG("/a\\9"), "f",
		  "f:4: bad escape \"\\9\" in path, expected a backslash and three octal digits" },
		{ V T3 N3 "cgroup ns=7 id=9 path=/a close_wait=3 recvq_bytes=30 rmem_bytes=300\n",
		  "f", "f:4: missing key \"oldest_idle_s\" in cgroup row" },
		/* Bytes of the input are quoted, never passed to a terminal. */
		{ V T0 "\033[2J\xc3\xa9 x=1\n", "f",
		  "f:3: bad row type \"\\033[2J\\303\\251\", expected total, netns or cgroup" },
		{ V T0 "x" "0123456789012345678901234567890123456789" "=1\n",
		  "f", "f:3: bad row type \"x012345678901234567890123456789012345678...\", expected total, netns or cgroup" },
	};
	struct cw_snapshot s;
	struct cw_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].in, strlen(cases[i].in), cases[i].name,
			       &s, &err);

		CHECK(rc == -1 && !strcmp(err.msg, cases[i].msg),
		      "message %zu: got \"%s\", want \"%s\"", i, err.msg,
		      cases[i].msg);
		if (!rc)
			cw_snapshot_free(&s);
	}
}

/*
 * 100k cgroup rows in one netns: parses (linear time keeps this quick
 * even under the sanitizers), and a duplicate at the far end is found.
 */
static void test_big(void)
{
	enum { NCG = 100000 };
	size_t cap = (size_t)NCG * 100 + 1024, len = 0, i;
	char *doc = malloc(cap), *last;
	struct cw_snapshot s;
	char line[32];

	if (!doc)
		abort();
	len += sprintf(doc + len, V
		       "total close_wait=%d recvq_bytes=0 rmem_bytes=%d oldest_idle_s=0\n"
		       "netns ns=3 close_wait=%d recvq_bytes=0 rmem_bytes=%d oldest_idle_s=0\n",
		       NCG, 2 * NCG, NCG, 2 * NCG);
	for (i = 0; i < NCG; i++)
		len += sprintf(doc + len,
			       "cgroup ns=3 id=%zu path=/c%zu close_wait=1 recvq_bytes=0 rmem_bytes=2 oldest_idle_s=0\n",
			       (i * 7919) % NCG, i);
	if (expect_ok("100k cgroups", doc, len, &s)) {
		CHECK(s.nnetns == 1 && s.netns[0].ncgroups == NCG &&
		      s.netns[0].cgroups[NCG - 1].id ==
		      ((NCG - 1) * 7919) % NCG,
		      "100k cgroups: all there, in order");
		cw_snapshot_free(&s);
	}

	/* Make the last row repeat the first row's id (0). */
	last = doc + len - 1;
	while (last[-1] != '\n')
		last--;
	len = (size_t)(last - doc);
	len += sprintf(doc + len,
		       "cgroup ns=3 id=0 path=/dup close_wait=1 recvq_bytes=0 rmem_bytes=2 oldest_idle_s=0\n");
	snprintf(line, sizeof(line), "t:%d:", NCG + 3);
	expect_error("100k cgroups with a duplicate at the end", doc, len, line,
		     "duplicate cgroup ns=3 id=0 (first at line 4)");
	free(doc);
}

static void test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i].what, bad[i].in, bad[i].len, bad[i].prefix,
			     bad[i].word);
}

void test_parse(void)
{
	test_demo();
	test_empty();
	test_escapes();
	test_future();
	test_ages_and_version_keys();
	test_many();
	test_valid_edges();
	test_bad();
	test_missing_keys();
	test_long_lines();
	test_messages();
	test_big();
}

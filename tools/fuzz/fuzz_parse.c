// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cw_parse(). Beyond the sanitizers' memory checks, a
 * successful parse must describe a document that obeys the v1 contract,
 * checked here independently of parse.c: the sums add up, rows are unique,
 * paths are exactly the input's bytes unescaped. And the snapshot, written
 * back out the way the module writes it, must parse to itself. A refused
 * input must leave the snapshot empty and say where, printably.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwstat_format.h"
#include "parse.h"
#include "fuzz/fuzz.h"

#define NAME	"fuzz"
#define PATH_EQ	CWSTAT_KEY_CGROUP_PATH "="

static bool snapshot_is_empty(const struct cw_snapshot *s)
{
	static const struct cw_counts zero;

	return !s->version && s->source == CW_SOURCE_MODULE && !s->netns &&
	       !s->nnetns && !memcmp(&s->total, &zero, sizeof(zero));
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void check_error(const char *buf, size_t len,
			const struct cw_error *err)
{
	const char *p = err->msg + strlen(NAME ":");
	size_t line = 0;

	ASSERT(!strncmp(err->msg, NAME ":", strlen(NAME ":")));
	ASSERT(*p >= '1' && *p <= '9');
	for (; *p >= '0' && *p <= '9'; p++)
		line = line * 10 + (size_t)(*p - '0');
	ASSERT(line <= count_lines(buf, len) + 1);
	ASSERT(p[0] == ':' && p[1] == ' ' && p[2]);
	/* Input bytes must not reach a terminal unescaped. */
	for (; *p; p++)
		ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static uint64_t add(uint64_t a, uint64_t b)
{
	ASSERT(a <= UINT64_MAX - b);
	return a + b;
}

static void check_counts(const struct cw_counts *c)
{
	size_t i;

	ASSERT(!(c->has & ~(unsigned int)(CW_HAS_SOCKETS | CW_HAS_OLDEST |
					  CW_HAS_AGES)));
	if (!(c->has & CW_HAS_SOCKETS))
		ASSERT(!c->sockets);
	if (!(c->has & CW_HAS_OLDEST))
		ASSERT(!c->oldest_s);
	if (!(c->has & CW_HAS_AGES))
		for (i = 0; i < CW_NR_AGES; i++)
			ASSERT(!c->ages[i]);
}

static void check_sums(const struct cw_snapshot *s)
{
	uint64_t cw = 0, rq = 0, rm = 0;
	size_t i, j;

	check_counts(&s->total);
	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns *n = &s->netns[i];
		uint64_t ncw = 0, nrq = 0, nrm = 0;

		check_counts(&n->c);
		for (j = 0; j < n->ncgroups; j++) {
			check_counts(&n->cgroups[j].c);
			ncw = add(ncw, n->cgroups[j].c.close_wait);
			nrq = add(nrq, n->cgroups[j].c.recvq_bytes);
			nrm = add(nrm, n->cgroups[j].c.rmem_bytes);
		}
		ASSERT(ncw == n->c.close_wait);
		ASSERT(nrq == n->c.recvq_bytes);
		ASSERT(nrm == n->c.rmem_bytes);
		cw = add(cw, n->c.close_wait);
		rq = add(rq, n->c.recvq_bytes);
		rm = add(rm, n->c.rmem_bytes);
	}
	ASSERT(cw == s->total.close_wait);
	ASSERT(rq == s->total.recvq_bytes);
	ASSERT(rm == s->total.rmem_bytes);
}

/* Quadratic, but an input of at most -max_len bytes holds few rows. */
static void check_unique(const struct cw_snapshot *s)
{
	size_t i, j, k;

	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns *n = &s->netns[i];

		for (j = 0; j < i; j++)
			ASSERT(s->netns[j].ns != n->ns);
		for (j = 0; j < n->ncgroups; j++)
			for (k = 0; k < j; k++)
				ASSERT(n->cgroups[k].id != n->cgroups[j].id);
	}
}

static int octal(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* @path must be exactly the value @v[0..@n) unescaped. */
static void check_path(const char *path, const char *v, size_t n)
{
	size_t i, o = 0;

	ASSERT(n > 0);
	for (i = 0; i < n; i++, o++) {
		unsigned char c = v[i];
		int b = c;

		ASSERT(c >= 0x20 && c != 0x7f && c != '=' && c != ' ');
		if (c == '\\') {
			ASSERT(i + 3 < n);
			ASSERT(octal(v[i + 1]) >= 0 && octal(v[i + 2]) >= 0 &&
			       octal(v[i + 3]) >= 0);
			b = octal(v[i + 1]) * 64 + octal(v[i + 2]) * 8 +
			    octal(v[i + 3]);
			ASSERT(b >= 1 && b <= 0377);
			i += 3;
		}
		/* Reaching the NUL early means a decoded NUL cut the path. */
		ASSERT((unsigned char)path[o] == b);
	}
	ASSERT(path[o] == '\0');
}

static bool first_token_is(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n >= w && !memcmp(s, word, w) && (n == w || s[w] == ' ');
}

/*
 * Walk the input's lines again: rows of each known type appear in the
 * snapshot in the input's order, and each cgroup's path is its path=.
 */
static void check_rows(const struct cw_snapshot *s, const char *buf,
		       size_t len)
{
	size_t pos = 0, nnetns = 0, ncg = 0, ntotal = 0, line = 0;
	const struct cw_netns *n = NULL;

	ASSERT(len && buf[len - 1] == '\n');
	ASSERT(!memchr(buf, '\0', len));
	ASSERT(!memchr(buf, '\r', len));
	ASSERT(!memchr(buf, '\t', len));
	while (pos < len) {
		const char *l = buf + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ln = (size_t)(nl - l);
		const char *t, *te, *end = l + ln;

		ASSERT(ln > 0 && ln <= 65536);
		ASSERT(l[0] != ' ' && l[ln - 1] != ' ');
		pos += ln + 1;
		if (++line == 1) {
			/*
			 * version=N, then perhaps keys this reader ignores,
			 * as on every other row.
			 */
			const char *sp = memchr(l, ' ', ln);
			size_t tok = sp ? (size_t)(sp - l) : ln;

			ASSERT(tok > strlen(CWSTAT_ROW_VERSION "=") &&
			       !memcmp(l, CWSTAT_ROW_VERSION "=",
				       strlen(CWSTAT_ROW_VERSION "=")));
			continue;
		}
		if (first_token_is(l, ln, CWSTAT_ROW_TOTAL)) {
			ASSERT(line == 2);
			ntotal++;
			continue;
		}
		if (first_token_is(l, ln, CWSTAT_ROW_NETNS)) {
			ASSERT(nnetns < s->nnetns);
			n = &s->netns[nnetns++];
			ncg = 0;
			continue;
		}
		if (!first_token_is(l, ln, CWSTAT_ROW_CGROUP))
			continue;
		ASSERT(n && ncg < n->ncgroups);
		for (t = l; t < end; t = te + 1) {
			te = memchr(t, ' ', (size_t)(end - t));
			if (!te)
				te = end;
			ASSERT(te > t);
			if ((size_t)(te - t) > strlen(PATH_EQ) &&
			    !memcmp(t, PATH_EQ, strlen(PATH_EQ))) {
				check_path(n->cgroups[ncg].path,
					   t + strlen(PATH_EQ),
					   (size_t)(te - t) - strlen(PATH_EQ));
				break;
			}
		}
		ASSERT(t < end);
		ncg++;
		if (ncg == n->ncgroups)
			n = NULL;	/* no more cgroup rows for this one */
	}
	ASSERT(ntotal == 1);
	ASSERT(nnetns == s->nnetns);
}

/* As the module writes a path (cwstat_show_escaped). */
static void put_path(FILE *f, const char *p)
{
	for (; *p; p++) {
		unsigned char c = *p;

		if (c < 0x20 || c == 0x7f || strchr(CWSTAT_PATH_ESCAPE, c))
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
}

static void put_counts(FILE *f, const struct cw_counts *c)
{
	fprintf(f, " " CWSTAT_KEY_CLOSE_WAIT "=%llu " CWSTAT_KEY_RECVQ_BYTES
		"=%llu " CWSTAT_KEY_RMEM_BYTES "=%llu "
		CWSTAT_KEY_OLDEST_IDLE_S "=%llu",
		(unsigned long long)c->close_wait,
		(unsigned long long)c->recvq_bytes,
		(unsigned long long)c->rmem_bytes,
		(unsigned long long)c->oldest_idle_s);
	if (c->has & CW_HAS_SOCKETS)
		fprintf(f, " " CWSTAT_KEY_SOCKETS "=%llu",
			(unsigned long long)c->sockets);
	if (c->has & CW_HAS_OLDEST)
		fprintf(f, " " CWSTAT_KEY_OLDEST_S "=%llu",
			(unsigned long long)c->oldest_s);
	if (c->has & CW_HAS_AGES) {
		static const char *const keys[CW_NR_AGES] = CWSTAT_AGE_KEYS;
		size_t i;

		for (i = 0; i < CW_NR_AGES; i++)
			fprintf(f, " %s=%llu", keys[i],
				(unsigned long long)c->ages[i]);
	}
	fputc('\n', f);
}

static char *write_snapshot(const struct cw_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	size_t i, j;

	ASSERT(f);
	fprintf(f, CWSTAT_ROW_VERSION "=%u\n" CWSTAT_ROW_TOTAL, s->version);
	put_counts(f, &s->total);
	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns *n = &s->netns[i];

		fprintf(f, CWSTAT_ROW_NETNS " " CWSTAT_KEY_NS "=%llu",
			(unsigned long long)n->ns);
		put_counts(f, &n->c);
		for (j = 0; j < n->ncgroups; j++) {
			fprintf(f, CWSTAT_ROW_CGROUP " " CWSTAT_KEY_NS "=%llu "
				CWSTAT_KEY_CGROUP_ID "=%llu "
				CWSTAT_KEY_CGROUP_PATH "=",
				(unsigned long long)n->ns,
				(unsigned long long)n->cgroups[j].id);
			put_path(f, n->cgroups[j].path);
			put_counts(f, &n->cgroups[j].c);
		}
	}
	ASSERT(!fclose(f));
	return buf;
}

static void check_same(const struct cw_snapshot *a, const struct cw_snapshot *b)
{
	size_t i, j;

	ASSERT(a->version == b->version && a->source == b->source);
	ASSERT(!memcmp(&a->total, &b->total, sizeof(a->total)));
	ASSERT(a->nnetns == b->nnetns);
	for (i = 0; i < a->nnetns; i++) {
		const struct cw_netns *x = &a->netns[i], *y = &b->netns[i];

		ASSERT(x->ns == y->ns);
		ASSERT(!memcmp(&x->c, &y->c, sizeof(x->c)));
		ASSERT(x->ncgroups == y->ncgroups);
		for (j = 0; j < x->ncgroups; j++) {
			ASSERT(x->cgroups[j].id == y->cgroups[j].id);
			ASSERT(!strcmp(x->cgroups[j].path, y->cgroups[j].path));
			ASSERT(!memcmp(&x->cgroups[j].c, &y->cgroups[j].c,
				       sizeof(x->cgroups[j].c)));
		}
	}
}

/* What the module would write for @s must read back as @s, and stay so. */
static void check_round_trip(const struct cw_snapshot *s)
{
	struct cw_snapshot again, third;
	struct cw_error err;
	size_t len, len2;
	char *buf = write_snapshot(s, &len), *buf2;

	if (cw_parse(buf, len, NAME, &again, &err)) {
		fprintf(stderr, "re-parse failed: %s\n", err.msg);
		abort();
	}
	check_same(s, &again);
	buf2 = write_snapshot(&again, &len2);
	ASSERT(len == len2 && !memcmp(buf, buf2, len));
	ASSERT(!cw_parse(buf2, len2, NAME, &third, &err));
	check_same(&again, &third);
	cw_snapshot_free(&third);
	cw_snapshot_free(&again);
	free(buf2);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct cw_snapshot s;
	struct cw_error err;

	memset(&s, 0x5a, sizeof(s));
	memset(&err, 0, sizeof(err));
	if (cw_parse(buf, size, NAME, &s, &err)) {
		ASSERT(snapshot_is_empty(&s));
		check_error(buf, size, &err);
		return 0;
	}
	ASSERT(s.version == CWSTAT_FORMAT_VERSION);
	ASSERT(s.source == CW_SOURCE_FILE);
	check_sums(&s);
	check_unique(&s);
	check_rows(&s, buf, size);
	check_round_trip(&s);
	cw_snapshot_free(&s);
	return 0;
}

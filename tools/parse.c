// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/cwstat format v1 reader. Strict about structure, so that a torn
 * or corrupted read is reported instead of shown as numbers, and tolerant
 * of keys and row types it does not know, so that the module can grow the
 * format without a version bump (see include/cwstat_format.h).
 *
 * One pass over the lines checks syntax and row order and fills the
 * snapshot; the checks that need the whole document (duplicates, sums)
 * come after it. So a read cut off mid-line is reported as truncated, not
 * as the sum mismatch that the missing rows also cause.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwstat_format.h"
#include "parse.h"

/* Longer lines are not what the module writes; refuse rather than guess. */
#define CW_MAX_LINE			65536

#define STR_(x)			#x
#define STR(x)			STR_(x)
#define VERSION_LINE		CWSTAT_ROW_VERSION "=" STR(CWSTAT_FORMAT_VERSION)

/* Input bytes quoted in a message at most; the rest shows as "...". */
#define QUOTE_MAX			40

enum row_type {
	ROW_TOTAL,
	ROW_NETNS,
	ROW_CGROUP,
	NR_ROWS,
	ROW_VERSION = NR_ROWS,	/* "version" anywhere but on line 1 */
	ROW_UNKNOWN,		/* an identifier of a later format */
	ROW_BAD,		/* not an identifier */
};

/* In the order that "missing key" messages name them. */
enum key_id {
	K_NS,
	K_ID,
	K_PATH,
	K_PATH_CUT,
	K_CLOSE_WAIT,
	K_RECVQ_BYTES,
	K_RMEM_BYTES,
	K_OLDEST_IDLE_S,
	K_SOCKETS,
	K_OLDEST_S,
	K_AGE0,			/* the CW_NR_AGES age buckets, in order */
	K_AGE_LAST = K_AGE0 + CW_NR_AGES - 1,
	NR_KEYS,
};

#define BIT(n)		(1u << (n))
#define COUNTERS	(BIT(K_CLOSE_WAIT) | BIT(K_RECVQ_BYTES) | \
			 BIT(K_RMEM_BYTES) | BIT(K_OLDEST_IDLE_S))
#define ALL_ROWS	(BIT(ROW_TOTAL) | BIT(ROW_NETNS) | BIT(ROW_CGROUP))

/*
 * A key outside its rows is unknown there and ignored like any other, so
 * that a later format may give, say, netns rows a path.
 */
static const struct {
	const char *name;
	unsigned int rows;
} keys[NR_KEYS] = {
	[K_NS]		= { CWSTAT_KEY_NS, BIT(ROW_NETNS) | BIT(ROW_CGROUP) },
	[K_ID]		= { CWSTAT_KEY_CGROUP_ID, BIT(ROW_CGROUP) },
	[K_PATH]	= { CWSTAT_KEY_CGROUP_PATH, BIT(ROW_CGROUP) },
	[K_PATH_CUT]	= { CWSTAT_KEY_CGROUP_PATH_CUT, BIT(ROW_CGROUP) },
	[K_CLOSE_WAIT]	= { CWSTAT_KEY_CLOSE_WAIT, ALL_ROWS },
	[K_RECVQ_BYTES]	= { CWSTAT_KEY_RECVQ_BYTES, ALL_ROWS },
	[K_RMEM_BYTES]	= { CWSTAT_KEY_RMEM_BYTES, ALL_ROWS },
	[K_OLDEST_IDLE_S] = { CWSTAT_KEY_OLDEST_IDLE_S, ALL_ROWS },
	[K_SOCKETS]	= { CWSTAT_KEY_SOCKETS, ALL_ROWS },
	[K_OLDEST_S]	= { CWSTAT_KEY_OLDEST_S, ALL_ROWS },
	[K_AGE0]	= { CWSTAT_KEY_AGE_LE_1S, ALL_ROWS },
	[K_AGE0 + 1]	= { CWSTAT_KEY_AGE_LE_10S, ALL_ROWS },
	[K_AGE0 + 2]	= { CWSTAT_KEY_AGE_LE_60S, ALL_ROWS },
	[K_AGE0 + 3]	= { CWSTAT_KEY_AGE_LE_600S, ALL_ROWS },
	[K_AGE0 + 4]	= { CWSTAT_KEY_AGE_LE_3600S, ALL_ROWS },
	[K_AGE0 + 5]	= { CWSTAT_KEY_AGE_GT_3600S, ALL_ROWS },
};

static const struct {
	const char *name;
	unsigned int required;
} rows[NR_ROWS] = {
	[ROW_TOTAL]	= { CWSTAT_ROW_TOTAL, COUNTERS },
	[ROW_NETNS]	= { CWSTAT_ROW_NETNS, BIT(K_NS) | COUNTERS },
	[ROW_CGROUP]	= { CWSTAT_ROW_CGROUP,
			    BIT(K_NS) | BIT(K_ID) | BIT(K_PATH) | COUNTERS },
};

/* The counters that must add up from cgroup to netns to total. */
static const struct {
	const char *name;
	size_t off;
} summed[] = {
	{ CWSTAT_KEY_CLOSE_WAIT, offsetof(struct cw_counts, close_wait) },
	{ CWSTAT_KEY_RECVQ_BYTES, offsetof(struct cw_counts, recvq_bytes) },
	{ CWSTAT_KEY_RMEM_BYTES, offsetof(struct cw_counts, rmem_bytes) },
};

#define NR_SUMMED	(sizeof(summed) / sizeof(summed[0]))

struct key_ref {
	const char *s;
	size_t len;
	size_t pos;		/* order in the row, to name the later one */
};

struct row {
	enum row_type type;
	unsigned int seen;	/* BIT(key_id) */
	uint64_t ns, id;
	uint64_t path_cut;	/* 0 or 1 */
	struct cw_counts c;	/* path goes to parser.path */
};

/* A netns or cgroup row's identity and line, for the duplicate check. */
struct seen_row {
	uint64_t key;
	size_t line;
};

struct parser {
	const char *name;
	struct cw_error *err;
	struct cw_snapshot *out;
	size_t line;
	bool have_total;

	/* Lines of the rows in @out, for messages after the last line. */
	size_t *netns_line, netns_line_cap;
	size_t *cgroup_line, cgroup_line_cap, ncgroups;

	/* Scratch reused from line to line. */
	struct key_ref *unknown;	/* a row's unknown keys */
	size_t nunknown, unknown_cap;
	char *path;			/* a cgroup row's decoded path */
	size_t path_cap;
};

static int fail(struct parser *p, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t line, const char *fmt, ...)
{
	char what[sizeof(p->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cw_error_set(p->err, "%s:%zu: %s", p->name, line, what);
	return -1;
}

static int oom(struct parser *p)
{
	return fail(p, p->line, "out of memory");
}

/* @ptr with room for @need elements of @size, or NULL (@ptr intact). */
static void *reserve(void *ptr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return ptr;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	ptr = realloc(ptr, n * size);
	if (ptr)
		*cap = n;
	return ptr;
}

struct quoted {
	char s[QUOTE_MAX * 4 + 8];
};

/*
 * Input bytes for a message, in quotes. Anything but printable ASCII goes
 * out as \ooo: the input may come from a file anyone wrote, and its bytes
 * must not reach the terminal that shows the message.
 */
static const char *quote(struct quoted *q, const char *s, size_t n)
{
	char *o = q->s;
	size_t i;

	*o++ = '"';
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f || c == '"')
			o += sprintf(o, "\\%03o", c);
		else
			*o++ = c;
	}
	if (n > QUOTE_MAX)
		o = stpcpy(o, "...");
	*o++ = '"';
	*o = '\0';
	return q->s;
}

static bool is_ident(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

/* Decimal digits only: the module prints %llu, never a sign or space. */
int cw_parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	bool range = false;
	size_t i;

	if (!n)
		return CW_U64_BAD;
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return CW_U64_BAD;
		/* Keep looking for a non-digit, the more basic error. */
		if (x > (UINT64_MAX - d) / 10)
			range = true;
		x = x * 10 + d;
	}
	if (range)
		return CW_U64_RANGE;
	*v = x;
	return CW_U64_OK;
}

static int read_number(struct parser *p, const char *key, const char *s,
		       size_t n, uint64_t *v)
{
	struct quoted q;

	switch (cw_parse_u64(s, n, v)) {
	case CW_U64_OK:
		return 0;
	case CW_U64_RANGE:
		return fail(p, p->line,
			    "%s=%s is too large, expected at most %" PRIu64,
			    key, quote(&q, s, n), UINT64_MAX);
	}
	if (!n)
		return fail(p, p->line,
			    "empty value of %s, expected a decimal number",
			    key);
	return fail(p, p->line, "bad number %s for %s, expected decimal digits",
		    quote(&q, s, n), key);
}

/*
 * Undo the module's escaping (cwstat_show_escaped) into p->path. It
 * escapes every control byte and '=', so a raw one means corruption, not
 * a name; bytes from 0x80 up are a name's UTF-8 and pass as they are.
 */
static int decode_path(struct parser *p, const char *s, size_t n)
{
	struct quoted q;
	char *o;
	size_t i;

	if (!n)
		return fail(p, p->line,
			    "empty path, expected a cgroup path or \"?\"");
	o = reserve(p->path, &p->path_cap, n + 1, 1);
	if (!o)
		return oom(p);
	p->path = o;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];
		unsigned int v;

		if (c == '\\') {
			size_t k;

			for (v = 0, k = 1; k <= 3 && i + k < n; k++) {
				if (s[i + k] < '0' || s[i + k] > '7')
					break;
				v = v * 8 + (unsigned int)(s[i + k] - '0');
			}
			/* Show what stopped it, unless the value ended. */
			if (k <= 3)
				return fail(p, p->line,
					    "bad escape %s in path, expected a backslash and three octal digits",
					    quote(&q, s + i, k + 1 < n - i ?
						  k + 1 : n - i));
			if (!v || v > 0377)
				return fail(p, p->line,
					    "escape %s in path is not a byte from \\001 to \\377",
					    quote(&q, s + i, 4));
			*o++ = (char)v;
			i += 3;
		} else if (c < 0x20 || c == 0x7f) {
			return fail(p, p->line,
				    "raw control byte 0x%02x in path, expected it escaped as \\%03o",
				    c, c);
		} else if (c == '=') {
			return fail(p, p->line,
				    "raw '=' in path, expected it escaped as \\075");
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return 0;
}

/*
 * Tokens are separated by exactly one space; a tab, a carriage return or
 * an empty token means the file was edited or mangled, so say where.
 */
static int check_line(struct parser *p, const char *s, size_t n,
		      const char *expected)
{
	size_t i;

	if (!n)
		return fail(p, p->line, "empty line, expected %s", expected);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\0':
			return fail(p, p->line,
				    "NUL byte at column %zu, expected text",
				    i + 1);
		case '\t':
			return fail(p, p->line,
				    "tab at column %zu, expected one space between tokens",
				    i + 1);
		case '\r':
			return fail(p, p->line,
				    "carriage return at column %zu, expected a bare \\n line ending",
				    i + 1);
		case ' ':
			if (!i)
				return fail(p, p->line,
					    "leading space, expected %s",
					    expected);
			if (i == n - 1)
				return fail(p, p->line,
					    "trailing space at column %zu, expected the end of the line",
					    i + 1);
			if (s[i - 1] == ' ')
				return fail(p, p->line,
					    "double space at column %zu, expected one space between tokens",
					    i + 1);
			break;
		}
	}
	return 0;
}

static int parse_version(struct parser *p, const char *s, size_t n)
{
	static const char prefix[] = CWSTAT_ROW_VERSION "=";
	const size_t plen = sizeof(prefix) - 1;
	const char *sp = memchr(s, ' ', n);
	size_t len = sp ? (size_t)(sp - s) : n;
	struct quoted q;
	uint64_t v;

	if (len < plen || memcmp(s, prefix, plen))
		return fail(p, p->line, "%s found, expected " VERSION_LINE,
			    quote(&q, s, len));
	if (cw_parse_u64(s + plen, len - plen, &v) != CW_U64_OK)
		return fail(p, p->line, "bad version %s, expected " VERSION_LINE,
			    quote(&q, s + plen, len - plen));
	/* Before the rest of the line: a later version may add to it. */
	if (v != CWSTAT_FORMAT_VERSION)
		return fail(p, p->line,
			    "unsupported format version %" PRIu64 " (this cwstat reads %d)",
			    v, CWSTAT_FORMAT_VERSION);
	/*
	 * Then key=value tokens, ignored as on every other row: readers
	 * ignore keys they do not know (include/cwstat_format.h), so a later
	 * module may say more here without a version bump.
	 */
	while (sp) {
		const char *t = sp + 1, *end = s + n, *eq;
		size_t tn;

		sp = memchr(t, ' ', (size_t)(end - t));
		tn = sp ? (size_t)(sp - t) : (size_t)(end - t);
		eq = memchr(t, '=', tn);
		if (!eq || eq == t || !is_ident(t, (size_t)(eq - t)))
			return fail(p, p->line,
				    "unexpected %s after " VERSION_LINE
				    ", expected key=value or the end of the line",
				    quote(&q, t, tn));
	}
	return 0;
}

static enum row_type row_type(const char *s, size_t n)
{
	enum row_type t;

	for (t = 0; t < NR_ROWS; t++)
		if (token_is(s, n, rows[t].name))
			return t;
	if (token_is(s, n, CWSTAT_ROW_VERSION))
		return ROW_VERSION;
	return is_ident(s, n) ? ROW_UNKNOWN : ROW_BAD;
}

static int cmp_key_ref(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->s, y->s, x->len);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Unknown keys must be unique too, or a later reader that knows them could
 * not tell which one counts. Sorting keeps a row of thousands of them
 * O(n log n); the duplicate named is the one that comes first in the row.
 */
static int check_unknown_dups(struct parser *p)
{
	const struct key_ref *dup = NULL;
	struct quoted q;
	size_t i;

	if (p->nunknown < 2)
		return 0;
	qsort(p->unknown, p->nunknown, sizeof(*p->unknown), cmp_key_ref);
	for (i = 1; i < p->nunknown; i++) {
		const struct key_ref *a = &p->unknown[i - 1];
		const struct key_ref *b = &p->unknown[i];

		if (a->len == b->len && !memcmp(a->s, b->s, a->len) &&
		    (!dup || b->pos < dup->pos))
			dup = b;
	}
	if (dup)
		return fail(p, p->line, "duplicate key %s",
			    quote(&q, dup->s, dup->len));
	return 0;
}

static uint64_t *counter(struct row *r, enum key_id k)
{
	switch (k) {
	case K_NS:
		return &r->ns;
	case K_ID:
		return &r->id;
	case K_PATH_CUT:
		return &r->path_cut;
	case K_CLOSE_WAIT:
		return &r->c.close_wait;
	case K_RECVQ_BYTES:
		return &r->c.recvq_bytes;
	case K_RMEM_BYTES:
		return &r->c.rmem_bytes;
	case K_OLDEST_IDLE_S:
		return &r->c.oldest_idle_s;
	case K_SOCKETS:
		r->c.has |= CW_HAS_SOCKETS;
		return &r->c.sockets;
	case K_OLDEST_S:
		r->c.has |= CW_HAS_OLDEST;
		return &r->c.oldest_s;
	default:
		if (k >= K_AGE0 && k <= K_AGE_LAST) {
			r->c.has |= CW_HAS_AGES;
			return &r->c.ages[k - K_AGE0];
		}
		return NULL;
	}
}

/* One key=value token of a known row. */
static int parse_pair(struct parser *p, struct row *r, const char *s,
		      size_t n, size_t pos)
{
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	struct key_ref *u;
	struct quoted q;
	enum key_id k;

	if (!eq)
		return fail(p, p->line,
			    "token %s has no '=', expected key=value",
			    quote(&q, s, n));
	if (!klen)
		return fail(p, p->line,
			    "token %s has an empty key, expected key=value",
			    quote(&q, s, n));
	if (!is_ident(s, klen))
		return fail(p, p->line,
			    "bad key %s, expected [a-z][a-z0-9_]*",
			    quote(&q, s, klen));
	for (k = 0; k < NR_KEYS; k++)
		if (keys[k].rows & BIT(r->type) &&
		    token_is(s, klen, keys[k].name))
			break;
	if (k == NR_KEYS) {
		/* Whatever its value: a later format defines it. */
		u = reserve(p->unknown, &p->unknown_cap, p->nunknown + 1,
			    sizeof(*u));
		if (!u)
			return oom(p);
		p->unknown = u;
		p->unknown[p->nunknown++] = (struct key_ref){ s, klen, pos };
		return 0;
	}
	if (r->seen & BIT(k))
		return fail(p, p->line, "duplicate key \"%s\"", keys[k].name);
	r->seen |= BIT(k);
	if (k == K_PATH)
		return decode_path(p, eq + 1, n - klen - 1);
	if (read_number(p, keys[k].name, eq + 1, n - klen - 1,
			counter(r, k)))
		return -1;
	if (k == K_PATH_CUT && r->path_cut > 1)
		return fail(p, p->line, "%s=%s, expected 0 or 1", keys[k].name,
			    quote(&q, eq + 1, n - klen - 1));
	return 0;
}

static int add_row(struct parser *p, const struct row *r)
{
	struct cw_snapshot *out = p->out;
	struct cw_netns *n;
	struct cw_cgroup *cg;
	size_t *lines;

	switch (r->type) {
	case ROW_TOTAL:
		out->total = r->c;
		p->have_total = true;
		return 0;
	case ROW_NETNS:
		lines = reserve(p->netns_line, &p->netns_line_cap,
				out->nnetns + 1, sizeof(*lines));
		if (!lines)
			return oom(p);
		p->netns_line = lines;
		n = cw_snapshot_add_netns(out, r->ns);
		if (!n)
			return oom(p);
		n->c = r->c;
		p->netns_line[out->nnetns - 1] = p->line;
		return 0;
	case ROW_CGROUP:
		n = &out->netns[out->nnetns - 1];
		if (r->ns != n->ns)
			return fail(p, p->line,
				    "cgroup row with ns=%" PRIu64
				    " after the netns row of ns=%" PRIu64
				    " (line %zu), expected ns=%" PRIu64,
				    r->ns, n->ns,
				    p->netns_line[out->nnetns - 1], n->ns);
		lines = reserve(p->cgroup_line, &p->cgroup_line_cap,
				p->ncgroups + 1, sizeof(*lines));
		if (!lines)
			return oom(p);
		p->cgroup_line = lines;
		cg = cw_netns_add_cgroup(n, r->id, p->path);
		if (!cg)
			return oom(p);
		cg->c = r->c;
		cg->path_cut = r->path_cut;
		p->cgroup_line[p->ncgroups++] = p->line;
		return 0;
	default:
		return 0;
	}
}

static int parse_row(struct parser *p, const char *s, size_t n)
{
	const char *end = s + n, *t, *te;
	struct row r = { 0 };
	struct quoted q;
	size_t len, pos;
	enum key_id k;

	te = memchr(s, ' ', n);
	if (!te)
		te = end;
	len = (size_t)(te - s);
	r.type = row_type(s, len);
	if (p->line == 2 && r.type != ROW_TOTAL) {
		if (r.type < NR_ROWS)
			return fail(p, p->line,
				    "%s row found, expected the "
				    CWSTAT_ROW_TOTAL " row", rows[r.type].name);
		return fail(p, p->line, "%s found, expected the "
			    CWSTAT_ROW_TOTAL " row", quote(&q, s, len));
	}
	switch (r.type) {
	case ROW_UNKNOWN:
		/*
		 * A row type of a later format: skipped whole, so that rows
		 * can be added without a version bump, as keys can.
		 */
		return 0;
	case ROW_BAD:
		return fail(p, p->line,
			    "bad row type %s, expected total, netns or cgroup",
			    quote(&q, s, len));
	case ROW_VERSION:
		return fail(p, p->line,
			    CWSTAT_ROW_VERSION " row found, expected it on line 1 only");
	case ROW_TOTAL:
		if (p->have_total)
			return fail(p, p->line,
				    "second total row (first at line 2), expected one");
		break;
	case ROW_CGROUP:
		if (!p->out->nnetns)
			return fail(p, p->line,
				    "cgroup row before any netns row, expected a netns row first");
		break;
	default:
		break;
	}

	p->nunknown = 0;
	for (t = te, pos = 0; t < end; t = te, pos++) {
		t++;
		te = memchr(t, ' ', (size_t)(end - t));
		if (!te)
			te = end;
		if (parse_pair(p, &r, t, (size_t)(te - t), pos))
			return -1;
	}
	if (check_unknown_dups(p))
		return -1;
	for (k = 0; k < NR_KEYS; k++)
		if (rows[r.type].required & BIT(k) & ~r.seen)
			return fail(p, p->line, "missing key \"%s\" in %s row",
				    keys[k].name, rows[r.type].name);
	return add_row(p, &r);
}

static int parse_line(struct parser *p, const char *s, size_t n,
		      bool truncated)
{
	const char *expected = p->line == 1 ? VERSION_LINE :
			       p->line == 2 ? "the total row" : "a row";

	if (n > CW_MAX_LINE)
		return fail(p, p->line,
			    "line of %zu bytes, expected at most %d",
			    n, CW_MAX_LINE);
	/*
	 * Before the token checks: a read cut off mid-token looks like a bad
	 * token, but the cut is what happened.
	 */
	if (truncated)
		return fail(p, p->line,
			    "truncated last line (no newline at the end), expected a complete line");
	if (check_line(p, s, n, expected))
		return -1;
	if (p->line == 1)
		return parse_version(p, s, n);
	return parse_row(p, s, n);
}

static int cmp_seen_row(const void *a, const void *b)
{
	const struct seen_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * In @v[0..@n), sorted by key then line, the earliest row that repeats a
 * key: its index (its first row is just before it), or @n if none.
 */
static size_t first_dup(const struct seen_row *v, size_t n)
{
	size_t i, best = n;

	for (i = 1; i < n; i++)
		if (v[i].key == v[i - 1].key &&
		    (best == n || v[i].line < v[best].line))
			best = i;
	return best;
}

/*
 * Sort-based, so that 100k cgroup rows cost O(n log n) whatever their ids.
 * Cgroup rows only follow a netns row of their own ns, so with netns rows
 * unique, (ns, id) is unique when id is unique within each netns.
 */
static int check_dups(struct parser *p)
{
	const struct cw_snapshot *out = p->out;
	size_t i, j, base, d, most = out->nnetns;
	size_t bad_line = 0, first_line = 0;
	uint64_t bad_ns = 0, bad_id = 0;
	bool bad_netns = false;
	struct seen_row *v;

	for (i = 0; i < out->nnetns; i++)
		if (out->netns[i].ncgroups > most)
			most = out->netns[i].ncgroups;
	if (!most)
		return 0;
	v = malloc(most * sizeof(*v));
	if (!v)
		return oom(p);

	for (i = 0; i < out->nnetns; i++)
		v[i] = (struct seen_row){ out->netns[i].ns, p->netns_line[i] };
	qsort(v, out->nnetns, sizeof(*v), cmp_seen_row);
	d = first_dup(v, out->nnetns);
	if (d < out->nnetns) {
		bad_netns = true;
		bad_ns = v[d].key;
		bad_line = v[d].line;
		first_line = v[d - 1].line;
	}

	for (i = 0, base = 0; i < out->nnetns; i++) {
		const struct cw_netns *n = &out->netns[i];

		for (j = 0; j < n->ncgroups; j++)
			v[j] = (struct seen_row){ n->cgroups[j].id,
						  p->cgroup_line[base + j] };
		qsort(v, n->ncgroups, sizeof(*v), cmp_seen_row);
		d = first_dup(v, n->ncgroups);
		if (d < n->ncgroups && (!bad_line || v[d].line < bad_line)) {
			bad_netns = false;
			bad_ns = n->ns;
			bad_id = v[d].key;
			bad_line = v[d].line;
			first_line = v[d - 1].line;
		}
		base += n->ncgroups;
	}
	free(v);

	if (bad_line && bad_netns)
		return fail(p, bad_line,
			    "duplicate netns ns=%" PRIu64 " (first at line %zu)",
			    bad_ns, first_line);
	if (bad_line)
		return fail(p, bad_line,
			    "duplicate cgroup ns=%" PRIu64 " id=%" PRIu64 " (first at line %zu)",
			    bad_ns, bad_id, first_line);
	return 0;
}

static uint64_t field(const struct cw_counts *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + summed[i].off, sizeof(v));
	return v;
}

struct sums {
	uint64_t v[NR_SUMMED];
	bool overflow[NR_SUMMED];
};

static void sum_add(struct sums *s, const struct cw_counts *c)
{
	size_t i;

	for (i = 0; i < NR_SUMMED; i++) {
		uint64_t x = field(c, i);

		if (s->v[i] > UINT64_MAX - x)
			s->overflow[i] = true;
		s->v[i] += x;
	}
}

/* -1 and a message at @line if @s is not what @parent says. */
static int sum_check(struct parser *p, size_t line, const char *parent,
		     const struct cw_counts *c, const struct sums *s,
		     const char *children)
{
	size_t i;

	for (i = 0; i < NR_SUMMED; i++) {
		if (s->overflow[i])
			return fail(p, line,
				    "%s has %s=%" PRIu64 ", but %s sum to more than %" PRIu64,
				    parent, summed[i].name, field(c, i),
				    children, UINT64_MAX);
		if (s->v[i] != field(c, i))
			return fail(p, line,
				    "%s has %s=%" PRIu64 ", but %s sum to %" PRIu64,
				    parent, summed[i].name, field(c, i),
				    children, s->v[i]);
	}
	return 0;
}

/* The checks that need the whole document. */
static int finish(struct parser *p)
{
	const struct cw_snapshot *out = p->out;
	struct sums total = { .v = { 0 } };
	char parent[64];
	size_t i, j;

	if (!p->have_total)
		return fail(p, 2, "end of input, expected the total row");
	if (check_dups(p))
		return -1;
	/* Each netns first: a wrong netns row upsets the total too. */
	for (i = 0; i < out->nnetns; i++) {
		const struct cw_netns *n = &out->netns[i];
		struct sums s = { .v = { 0 } };

		for (j = 0; j < n->ncgroups; j++)
			sum_add(&s, &n->cgroups[j].c);
		snprintf(parent, sizeof(parent), "netns ns=%" PRIu64, n->ns);
		if (sum_check(p, p->netns_line[i], parent, &n->c, &s,
			      "its cgroup rows"))
			return -1;
		sum_add(&total, &n->c);
	}
	return sum_check(p, 2, CWSTAT_ROW_TOTAL, &out->total, &total,
			 "the netns rows");
}

int cw_parse(const char *buf, size_t len, const char *name,
	     struct cw_snapshot *out, struct cw_error *err)
{
	struct parser p = {
		.name = name ? name : "-",
		.err = err,
		.out = out,
	};
	size_t pos = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!len)
		ret = fail(&p, 1, "empty input, expected " VERSION_LINE);
	while (!ret && pos < len) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		p.line++;
		ret = parse_line(&p, s, n, !nl);
		pos += n + 1;
	}
	if (!ret)
		ret = finish(&p);

	free(p.netns_line);
	free(p.cgroup_line);
	free(p.unknown);
	free(p.path);
	if (ret) {
		cw_snapshot_free(out);
		return -1;
	}
	out->version = CWSTAT_FORMAT_VERSION;
	out->source = CW_SOURCE_FILE;
	return 0;
}

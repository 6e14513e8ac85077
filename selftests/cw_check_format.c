// SPDX-License-Identifier: GPL-2.0
/*
 * cw_check_format - validate /proc/cwstat (format v1) snapshots.
 *
 * usage: cw_check_format [-t SEC] [-b BYTES] [-k] [-1] [-N INUM] [-m MODE] FILE
 *
 * Reads FILE once (or again and again for SEC seconds) and checks every
 * snapshot against the v1 contract: syntax, required keys, u64 numbers,
 * order of rows, and that the totals add up.  The keys that depend on the
 * module's mode must be all there or all absent: "sockets" (scan mode),
 * and "oldest_s" with the age histogram (live mode), whose buckets must
 * sum to close_wait and agree with oldest_s.  The arithmetic checks are
 * what make this useful under concurrency: a module that builds a snapshot
 * from several walks, or from a cache updated while being printed, yields
 * rows that do not sum to their parents.
 *
 *   -b BYTES  size of each read() (default 65536); a small size makes
 *             seq_file return the snapshot in pieces, which must still
 *             form one consistent snapshot
 *   -k        keep FILE open and lseek() back to 0 between reads
 *   -1        per-netns view (/proc/net/cwstat): at most one netns row
 *   -N INUM   every netns row must be for netns INUM
 *   -E        tolerate open() and read() errors, as when the module is
 *             unloaded under the reader; only complete reads are checked
 *   -o FILE   keep FILE holding the latest valid snapshot (replaced
 *             atomically when it changes), so a test can watch what a
 *             long-running reader sees
 *   -m MODE   the module's mode: "live" (oldest_s and age_* on every row,
 *             no sockets) or "scan" (sockets, no oldest_s or age_*)
 *
 * SIGTERM or SIGINT ends the loop early as if the time were up, so a test
 * can run readers for as long as something else takes.
 *
 * Prints "reads=N errors=M" and exits 0 if every snapshot was valid
 * (M counts the tolerated I/O errors); otherwise
 * prints the first error and that snapshot (lines prefixed "| ") and exits
 * 1.  Exit status 2 is a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOKENS	64
#define AGE_BUCKETS	6

enum { T_VERSION, T_TOTAL, T_NETNS, T_CGROUP };

/* Which optional groups of keys a row has. */
enum { HAS_SOCKETS = 1, HAS_AGE = 2 };

struct row {
	int type;
	unsigned int has;
	uint64_t ns, id, close_wait, recvq, rmem, oldest, sockets;
	uint64_t oldest_s, age[AGE_BUCKETS];
};

/* Upper bounds of the age buckets but the last, in seconds. */
static const uint64_t age_bounds[AGE_BUCKETS - 1] = { 1, 10, 60, 600, 3600 };

/* ids seen in one scope, to catch duplicates the order check misses */
struct idset {
	uint64_t *v;
	size_t n, cap;
};

struct ctx {
	char err[512];
	struct idset nss, cgids;
	unsigned int lineno;
	int one_netns;
	int want_ns_set;
	uint64_t want_ns;
	int want_has_set;
	unsigned int want_has;	/* with -m: HAS_* the rows must have */
	unsigned int has;	/* of this snapshot's total row */
};

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = c->lineno ? snprintf(c->err, sizeof(c->err), "line %u: ",
				 c->lineno) : 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal u64: no sign, no leading zeros, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int valid_key(const char *k, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = k[i];

		if (!((ch >= 'a' && ch <= 'z') || ch == '_' ||
		      (i && ch >= '0' && ch <= '9')))
			return 0;
	}
	return 1;
}

/*
 * A value may hold any byte but '=' and the ASCII control characters
 * (below 0x20, and 0x7f), which the contract escapes as \ooo along with
 * space and backslash; nothing else is escaped: bytes from 0x80 up (UTF-8)
 * appear as they are.
 */
static int must_escape(unsigned int ch)
{
	return ch < 0x20 || ch == 0x7f || ch == ' ' || ch == '\\' ||
	       ch == '=';
}

static int check_value(struct ctx *c, const char *key, const char *v)
{
	if (!*v)
		return fail(c, "empty value for '%s'", key);
	for (; *v; v++) {
		unsigned char ch = *v;

		if (ch != '\\' && must_escape(ch))
			return fail(c, "raw 0x%02x in value of '%s'", ch, key);
		if (ch == '\\') {
			int o;

			if (v[1] < '0' || v[1] > '3' || v[2] < '0' ||
			    v[2] > '7' || v[3] < '0' || v[3] > '7')
				return fail(c, "bad escape in '%s'", key);
			o = (v[1] - '0') * 64 + (v[2] - '0') * 8 + (v[3] - '0');
			if (!must_escape(o))
				return fail(c, "needless escape \\%c%c%c in '%s'",
					    v[1], v[2], v[3], key);
			v += 3;
		}
	}
	return 0;
}

struct keyspec {
	const char *name;
	size_t off;	/* into struct row; (size_t)-1 for path */
	unsigned int group;	/* HAS_*: optional, all of a group or none */
};

#define K(n, f) { n, offsetof(struct row, f), 0 }
#define KO(n, f, g) { n, offsetof(struct row, f), g }
#define KPATH { "path", (size_t)-1, 0 }
#define KAGE \
	KO("oldest_s", oldest_s, HAS_AGE), \
	KO("age_le_1s", age[0], HAS_AGE), KO("age_le_10s", age[1], HAS_AGE), \
	KO("age_le_60s", age[2], HAS_AGE), KO("age_le_600s", age[3], HAS_AGE), \
	KO("age_le_3600s", age[4], HAS_AGE), KO("age_gt_3600s", age[5], HAS_AGE)

static const struct keyspec total_keys[] = {
	K("close_wait", close_wait), K("recvq_bytes", recvq),
	K("rmem_bytes", rmem), K("oldest_idle_s", oldest),
	KO("sockets", sockets, HAS_SOCKETS), KAGE, { NULL, 0, 0 }
};
static const struct keyspec netns_keys[] = {
	K("ns", ns), K("close_wait", close_wait), K("recvq_bytes", recvq),
	K("rmem_bytes", rmem), K("oldest_idle_s", oldest),
	KO("sockets", sockets, HAS_SOCKETS), KAGE, { NULL, 0, 0 }
};
static const struct keyspec cgroup_keys[] = {
	K("ns", ns), K("id", id), KPATH, K("close_wait", close_wait),
	K("recvq_bytes", recvq), K("rmem_bytes", rmem),
	K("oldest_idle_s", oldest), KAGE, { NULL, 0, 0 }
};

/*
 * The age keys of one row: the buckets sum to close_wait, and the highest
 * non-empty bucket holds oldest_s (whole seconds of the oldest age, which
 * a bucket bounds from above inclusively: 10.5 s is in age_le_60s and its
 * oldest_s is 10).
 */
static int check_ages(struct ctx *c, const struct row *r)
{
	uint64_t sum = 0, lo, hi;
	int i, top = -1;

	if (!(r->has & HAS_AGE))
		return 0;
	for (i = 0; i < AGE_BUCKETS; i++) {
		sum += r->age[i];
		if (r->age[i])
			top = i;
	}
	if (sum != r->close_wait)
		return fail(c, "age buckets sum to %llu, close_wait=%llu",
			    (unsigned long long)sum,
			    (unsigned long long)r->close_wait);
	if (top < 0) {
		if (r->oldest_s)
			return fail(c, "oldest_s=%llu without sockets",
				    (unsigned long long)r->oldest_s);
		return 0;
	}
	lo = top ? age_bounds[top - 1] : 0;
	hi = top < AGE_BUCKETS - 1 ? age_bounds[top] : UINT64_MAX;
	if (r->oldest_s < lo || r->oldest_s > hi)
		return fail(c, "oldest_s=%llu but the oldest bucket holding sockets is %d",
			    (unsigned long long)r->oldest_s, top);
	return 0;
}

/* Split one line (NUL-terminated, no newline) and fill *r. */
static int parse_line(struct ctx *c, char *line, struct row *r)
{
	char *tok[MAX_TOKENS];
	const struct keyspec *ks;
	const char *path = NULL;
	bool path_cut = false;
	unsigned int seen = 0;
	int ntok = 0, i, j;
	char *p = line;

	memset(r, 0, sizeof(*r));
	if (!*line)
		return fail(c, "empty line");
	for (;;) {
		char *sp = strchr(p, ' ');

		if (ntok == MAX_TOKENS)
			return fail(c, "more than %d tokens", MAX_TOKENS);
		tok[ntok++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
		if (!*p || *p == ' ')
			return fail(c, "empty token (stray space)");
	}

	if (c->lineno == 1) {
		if (strcmp(tok[0], "version=1"))
			return fail(c, "first token is '%s', not version=1",
				    tok[0]);
		r->type = T_VERSION;
		i = 1;
		ks = NULL;
	} else {
		if (!strcmp(tok[0], "total"))
			r->type = T_TOTAL, ks = total_keys;
		else if (!strcmp(tok[0], "netns"))
			r->type = T_NETNS, ks = netns_keys;
		else if (!strcmp(tok[0], "cgroup"))
			r->type = T_CGROUP, ks = cgroup_keys;
		else
			return fail(c, "unknown row type '%s'", tok[0]);
		i = 1;
	}

	for (; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');

		if (!eq || !valid_key(tok[i], eq - tok[i]))
			return fail(c, "token '%s' is not key=value", tok[i]);
		*eq = '\0';
		for (j = 1; j < i; j++) {
			if (!strcmp(tok[j], tok[i]))
				return fail(c, "duplicate key '%s'", tok[i]);
		}
		if (check_value(c, tok[i], eq + 1))
			return -1;
		if (r->type == T_CGROUP && !strcmp(tok[i], "path_cut")) {
			if (strcmp(eq + 1, "1"))
				return fail(c, "path_cut='%s', not 1", eq + 1);
			path_cut = true;
		}
		for (j = 0; ks && ks[j].name; j++) {
			if (strcmp(ks[j].name, tok[i]))
				continue;
			seen |= 1u << j;
			if (ks[j].off == (size_t)-1) {
				path = eq + 1;
			} else if (parse_u64(eq + 1, (uint64_t *)
					     ((char *)r + ks[j].off))) {
				return fail(c, "%s='%s' is not a decimal u64",
					    tok[i], eq + 1);
			}
		}
	}
	/*
	 * A path is absolute, without "//" or a trailing "/", unless it is
	 * cut (path_cut=1: its first 4095 bytes, ending anywhere).
	 */
	if (path) {
		size_t len = strlen(path);

		if (path[0] != '/' || strstr(path, "//") ||
		    (!path_cut && len > 1 && path[len - 1] == '/'))
			return fail(c, "bad path '%s'", path);
		/* Escapes (\ooo) only make it longer. */
		if (path_cut && len < 4095)
			return fail(c, "path_cut=1 on a path of %zu bytes, under 4095",
				    len);
	}
	/* A group counts as there if any of its keys is; then all must be. */
	for (j = 0; ks && ks[j].name; j++) {
		if (ks[j].group && (seen & (1u << j)))
			r->has |= ks[j].group;
	}
	for (j = 0; ks && ks[j].name; j++) {
		if (seen & (1u << j))
			continue;
		if (!ks[j].group || (r->has & ks[j].group))
			return fail(c, "%s row lacks '%s'", tok[0], ks[j].name);
	}
	return ks ? check_ages(c, r) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int idset_add(struct ctx *c, struct idset *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return fail(c, "out of memory");
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* Empties the set; fails if a value was in it twice. */
static int idset_check(struct ctx *c, struct idset *s, const char *what)
{
	size_t i, n = s->n;

	s->n = 0;
	qsort(s->v, n, sizeof(*s->v), cmp_u64);
	for (i = 1; i < n; i++) {
		if (s->v[i] == s->v[i - 1])
			return fail(c, "%s %llu appears twice", what,
				    (unsigned long long)s->v[i]);
	}
	return 0;
}

static int add(struct ctx *c, uint64_t *sum, uint64_t v, const char *what)
{
	if (*sum > UINT64_MAX - v)
		return fail(c, "sum of %s overflows u64", what);
	*sum += v;
	return 0;
}

/* The sums of a group of child rows, compared with the parent at the end. */
struct agg {
	uint64_t close_wait, recvq, rmem, oldest, sockets;
	uint64_t oldest_s, age[AGE_BUCKETS];
	unsigned int rows;
};

static int agg_add(struct ctx *c, struct agg *a, const struct row *r)
{
	int i;

	if (add(c, &a->close_wait, r->close_wait, "close_wait") ||
	    add(c, &a->recvq, r->recvq, "recvq_bytes") ||
	    add(c, &a->rmem, r->rmem, "rmem_bytes") ||
	    add(c, &a->sockets, r->sockets, "sockets"))
		return -1;
	if (r->oldest > a->oldest)
		a->oldest = r->oldest;
	if (r->oldest_s > a->oldest_s)
		a->oldest_s = r->oldest_s;
	for (i = 0; i < AGE_BUCKETS; i++)
		if (add(c, &a->age[i], r->age[i], "age buckets"))
			return -1;
	a->rows++;
	return 0;
}

static int agg_check(struct ctx *c, const struct row *p, const struct agg *a,
		     const char *parent, const char *child)
{
	int i;

	if (p->close_wait != a->close_wait)
		return fail(c, "%s close_wait=%llu but its %s rows sum to %llu",
			    parent, (unsigned long long)p->close_wait, child,
			    (unsigned long long)a->close_wait);
	if (p->recvq != a->recvq)
		return fail(c, "%s recvq_bytes=%llu but its %s rows sum to %llu",
			    parent, (unsigned long long)p->recvq, child,
			    (unsigned long long)a->recvq);
	if (p->rmem != a->rmem)
		return fail(c, "%s rmem_bytes=%llu but its %s rows sum to %llu",
			    parent, (unsigned long long)p->rmem, child,
			    (unsigned long long)a->rmem);
	if (p->oldest != a->oldest)
		return fail(c, "%s oldest_idle_s=%llu but the max of its %s rows is %llu",
			    parent, (unsigned long long)p->oldest, child,
			    (unsigned long long)a->oldest);
	if (p->oldest_s != a->oldest_s)
		return fail(c, "%s oldest_s=%llu but the max of its %s rows is %llu",
			    parent, (unsigned long long)p->oldest_s, child,
			    (unsigned long long)a->oldest_s);
	for (i = 0; i < AGE_BUCKETS; i++)
		if (p->age[i] != a->age[i])
			return fail(c, "%s age bucket %d=%llu but its %s rows sum to %llu",
				    parent, i, (unsigned long long)p->age[i],
				    child, (unsigned long long)a->age[i]);
	return 0;
}

static int check_snapshot(struct ctx *c, char *buf, size_t len)
{
	struct row total, ns_row, prev_ns, prev_cg, r;
	struct agg all = { 0 }, in_ns = { 0 };
	int have_ns = 0, have_prev_cg = 0;
	char *line, *nl;

	c->lineno = 0;
	c->nss.n = 0;
	c->cgids.n = 0;
	if (!len)
		return fail(c, "empty file");
	if (buf[len - 1] != '\n')
		return fail(c, "no newline at the end");
	if (memchr(buf, '\0', len))
		return fail(c, "NUL byte in file");
	buf[len - 1] = '\0';

	memset(&total, 0, sizeof(total));
	memset(&ns_row, 0, sizeof(ns_row));
	memset(&prev_ns, 0, sizeof(prev_ns));
	memset(&prev_cg, 0, sizeof(prev_cg));
	for (line = buf; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		c->lineno++;
		if (parse_line(c, line, &r))
			return -1;
		if (c->lineno == 1)
			continue;
		if (c->lineno == 2) {
			if (r.type != T_TOTAL)
				return fail(c, "second line is not 'total'");
			total = r;
			c->has = r.has;
			if (c->want_has_set && c->has != c->want_has)
				return fail(c, "total row has %s%s%s, this mode wants %s%s%s",
					    c->has & HAS_SOCKETS ? "sockets " : "",
					    c->has & HAS_AGE ? "ages " : "",
					    c->has ? "" : "neither sockets nor ages",
					    c->want_has & HAS_SOCKETS ? "sockets " : "",
					    c->want_has & HAS_AGE ? "ages " : "",
					    c->want_has ? "" : "neither");
			if ((c->has & HAS_SOCKETS) &&
			    total.sockets < total.close_wait)
				return fail(c, "total sockets < close_wait");
			continue;
		}
		/* cgroup rows never have sockets */
		if ((r.has & HAS_AGE) != (c->has & HAS_AGE) ||
		    (r.type == T_NETNS &&
		     (r.has & HAS_SOCKETS) != (c->has & HAS_SOCKETS)))
			return fail(c, "row and total row differ in optional keys");
		if (r.type == T_TOTAL)
			return fail(c, "second 'total' row");
		if (r.type == T_NETNS) {
			if (have_ns) {
				if (!in_ns.rows)
					return fail(c, "netns %llu has no cgroup rows",
						    (unsigned long long)ns_row.ns);
				if (agg_check(c, &ns_row, &in_ns, "netns",
					      "cgroup") ||
				    idset_check(c, &c->cgids, "cgroup id"))
					return -1;
				if (c->one_netns)
					return fail(c, "more than one netns row in a per-netns view");
				/* close_wait desc, then ns asc; ns unique */
				if (r.close_wait > prev_ns.close_wait ||
				    (r.close_wait == prev_ns.close_wait &&
				     r.ns <= prev_ns.ns))
					return fail(c, "netns rows out of order (or duplicate ns)");
			}
			if (!r.close_wait)
				return fail(c, "netns row with close_wait=0");
			if ((r.has & HAS_SOCKETS) && r.sockets < r.close_wait)
				return fail(c, "netns sockets < close_wait");
			if (c->want_ns_set && r.ns != c->want_ns)
				return fail(c, "netns %llu visible, only %llu expected",
					    (unsigned long long)r.ns,
					    (unsigned long long)c->want_ns);
			if (agg_add(c, &all, &r) ||
			    idset_add(c, &c->nss, r.ns))
				return -1;
			prev_ns = ns_row = r;
			have_ns = 1;
			have_prev_cg = 0;
			memset(&in_ns, 0, sizeof(in_ns));
			continue;
		}
		if (r.type != T_CGROUP)
			return fail(c, "misplaced 'version' row");
		if (!have_ns)
			return fail(c, "cgroup row before any netns row");
		if (r.ns != ns_row.ns)
			return fail(c, "cgroup row ns=%llu under netns %llu",
				    (unsigned long long)r.ns,
				    (unsigned long long)ns_row.ns);
		if (!r.close_wait)
			return fail(c, "cgroup row with close_wait=0");
		if (!r.id)
			return fail(c, "cgroup id 0");
		if (have_prev_cg &&
		    (r.close_wait > prev_cg.close_wait ||
		     (r.close_wait == prev_cg.close_wait &&
		      r.id <= prev_cg.id)))
			return fail(c, "cgroup rows out of order (or duplicate id)");
		/* sockets is not a cgroup key: leave it out of the sums */
		r.sockets = 0;
		if (agg_add(c, &in_ns, &r) || idset_add(c, &c->cgids, r.id))
			return -1;
		prev_cg = r;
		have_prev_cg = 1;
	}
	if (c->lineno < 2)
		return fail(c, "no 'total' row");
	c->lineno++;
	if (have_ns) {
		if (!in_ns.rows)
			return fail(c, "netns %llu has no cgroup rows",
				    (unsigned long long)ns_row.ns);
		if (agg_check(c, &ns_row, &in_ns, "netns", "cgroup") ||
		    idset_check(c, &c->cgids, "cgroup id"))
			return -1;
	}
	if (idset_check(c, &c->nss, "netns"))
		return -1;
	if (agg_check(c, &total, &all, "total", "netns"))
		return -1;
	if (total.sockets < all.sockets)
		return fail(c, "total sockets=%llu < sum of netns rows %llu",
			    (unsigned long long)total.sockets,
			    (unsigned long long)all.sockets);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read the whole file in chunks of chunk bytes; returns length or -1. */
static ssize_t slurp(int fd, char **buf, size_t *cap, size_t chunk,
		     char *err, size_t errlen)
{
	size_t len = 0;

	for (;;) {
		ssize_t r;

		if (*cap - len < chunk + 1) {
			size_t ncap = (*cap + chunk + 1) * 2;
			char *nb = realloc(*buf, ncap);

			if (!nb) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			*buf = nb;
			*cap = ncap;
		}
		r = read(fd, *buf + len, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (!r)
			break;
		len += r;
		if (len > (64u << 20)) {
			snprintf(err, errlen, "file larger than 64 MiB");
			return -1;
		}
	}
	return len;
}

static void dump(const char *buf, size_t len)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < len; i++) {
		if (bol)
			fputs("| ", stdout);
		putchar(buf[i] ? buf[i] : '@');
		bol = buf[i] == '\n';
	}
	if (!bol)
		putchar('\n');
}

/* Replace out with the snapshot if it differs from the last one written. */
static void publish(const char *out, const char *snap, size_t len)
{
	static char *last;
	static size_t last_len;
	char tmp[4096];
	FILE *f;

	if (last && last_len == len && !memcmp(last, snap, len))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "w");
	if (!f || fwrite(snap, 1, len, f) != len || fclose(f) ||
	    rename(tmp, out)) {
		printf("error: writing %s: %s\n", out, strerror(errno));
		exit(1);
	}
	free(last);
	last = malloc(len);
	if (!last) {
		printf("error: out of memory\n");
		exit(1);
	}
	memcpy(last, snap, len);
	last_len = len;
}

static void usage(void)
{
	fputs("usage: cw_check_format [-t SEC] [-b BYTES] [-k] [-1] [-N INUM] [-E] [-o OUT] [-m live|scan] FILE\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct ctx c = { .one_netns = 0 };
	double secs = 0, end;
	size_t chunk = 65536, cap = 0;
	char *buf = NULL, *copy = NULL;
	const char *out = NULL;
	unsigned long reads = 0, ioerrs = 0;
	int keep = 0, tolerate = 0, fd = -1, opt;

	while ((opt = getopt(argc, argv, "t:b:k1N:Eo:m:")) != -1) {
		char *e;

		switch (opt) {
		case 't':
			secs = strtod(optarg, &e);
			if (*e || secs < 0)
				usage();
			break;
		case 'b':
			chunk = strtoul(optarg, &e, 10);
			if (*e || !chunk || chunk > (1u << 24))
				usage();
			break;
		case 'k':
			keep = 1;
			break;
		case '1':
			c.one_netns = 1;
			break;
		case 'N':
			if (parse_u64(optarg, &c.want_ns))
				usage();
			c.want_ns_set = 1;
			break;
		case 'E':
			tolerate = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "live"))
				c.want_has = HAS_AGE;
			else if (!strcmp(optarg, "scan"))
				c.want_has = HAS_SOCKETS;
			else
				usage();
			c.want_has_set = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();

	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}

	end = now_s() + secs;
	do {
		char ioerr[256];
		ssize_t len;

		if (fd < 0) {
			fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				if (tolerate) {
					ioerrs++;
					usleep(1000);
					continue;
				}
				printf("error: read #%lu: open %s: %s\n",
				       reads + 1, argv[optind], strerror(errno));
				return 1;
			}
		} else if (lseek(fd, 0, SEEK_SET) != 0) {
			snprintf(ioerr, sizeof(ioerr), "lseek: %s",
				 strerror(errno));
			len = -1;
			goto io_error;
		}
		len = slurp(fd, &buf, &cap, chunk, ioerr, sizeof(ioerr));
io_error:
		if (len < 0) {
			if (tolerate) {
				ioerrs++;
				close(fd);
				fd = -1;
				usleep(1000);
				continue;
			}
			printf("error: read #%lu: %s\n", reads + 1, ioerr);
			return 1;
		}
		if (!keep) {
			close(fd);
			fd = -1;
		}
		reads++;
		free(copy);
		copy = malloc(len + 1);
		if (!copy) {
			printf("error: out of memory\n");
			return 1;
		}
		memcpy(copy, buf, len);
		if (check_snapshot(&c, buf, len)) {
			printf("error: read #%lu %s\n", reads, c.err);
			dump(copy, len);
			return 1;
		}
		if (out)
			publish(out, copy, len);
	} while (!stop && now_s() < end);

	printf("reads=%lu errors=%lu\n", reads, ioerrs);
	return 0;
}

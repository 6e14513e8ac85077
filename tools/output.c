// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "escape.h"
#include "output.h"

/* Room for "containerd:" and 12 hex digits, or "pod:" and a uid. */
#define CONTAINER_MAX 64

/* @f and the first error writing to it, so callers check once at the end. */
struct out {
	FILE *f;
	int err;
};

static void out_write(struct out *o, const void *p, size_t n)
{
	if (o->err || !n)
		return;
	errno = 0;
	if (fwrite(p, 1, n, o->f) != n)
		o->err = errno ? errno : EIO;
}

static void out_puts(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	errno = 0;
	va_start(ap, fmt);
	n = vfprintf(o->f, fmt, ap);
	va_end(ap);
	if (n < 0)
		o->err = errno ? errno : EIO;
}

/* Only ever after a write failed: the FILE's error, once, at the end. */
static void put_escaped(struct out *o, const char *str, enum cw_esc mode)
{
	if (!o->err)
		cw_put_escaped(o->f, str, mode);
}

/* IEC units for people: 846, 59.6K, 1.2M, 3.0G, rounded to the nearest. */
static void human_bytes(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	uint64_t div = 1024;
	size_t u;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	for (u = 0;; u++, div *= 1024) {
		/* In tenths, without overflow: v % div < 2^60. */
		uint64_t t = v / div * 10 + (v % div * 10 + div / 2) / div;

		/* 1023.96K rounds to 1024.0K: that is 1.0M. */
		if (t < 10240 || u == sizeof(units) - 2) {
			snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c",
				 t / 10, t % 10, units[u]);
			return;
		}
	}
}

enum {
	COL_NAME,
	COL_CLOSE_WAIT,
	COL_RECVQ,
	COL_RMEM,
	COL_IDLE,
	COL_AGE,
	COL_CHANGE,
	NCOLS,
};

static const struct {
	const char *head;
	bool right;		/* numbers; names and durations read left */
} cols[NCOLS] = {
	[COL_NAME] = { "NAME", false },
	[COL_CLOSE_WAIT] = { "CLOSE_WAIT", true },
	[COL_RECVQ] = { "RECVQ", true },
	[COL_RMEM] = { "RMEM", true },
	[COL_IDLE] = { "IDLE", false },
	[COL_AGE] = { "AGE", false },
	[COL_CHANGE] = { "CHANGE", true },
};

struct line {
	char *name;			/* escaped, indented */
	size_t width[NCOLS];		/* in columns */
	char cell[NCOLS][32];		/* every column but the name */
};

static int cmp_key(const void *a, const void *b)
{
	const struct cw_row *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* The previous sample's rows, sorted by key, to match rows in O(log n). */
struct prev_index {
	const struct cw_row **v;
	size_t n;
	uint64_t total;		/* its total's close_wait, without a total row */
};

static int prev_index_build(struct prev_index *pi, const struct cw_rows *prev)
{
	size_t i;

	pi->n = prev->n;
	pi->total = 0;
	pi->v = malloc((prev->n ? prev->n : 1) * sizeof(*pi->v));
	if (!pi->v)
		return -1;
	for (i = 0; i < prev->n; i++) {
		pi->v[i] = &prev->v[i];
		/*
		 * Only --by total has a total row, but the top level of the
		 * others partitions it: each socket is in one netns and one
		 * cgroup.
		 */
		if (!prev->v[i].depth && prev->v[i].kind != CW_ROW_TOTAL)
			pi->total += prev->v[i].c.close_wait;
	}
	qsort(pi->v, pi->n, sizeof(*pi->v), cmp_key);
	return 0;
}

/* "+3", "-1", "0", or "new" for a row the previous sample did not have. */
static void change_cell(const struct prev_index *pi, const struct cw_row *r,
			char *buf, size_t len)
{
	struct cw_row key_row = { .key = r->key };
	const struct cw_row *key = &key_row, *const *found;
	uint64_t was, now = r->c.close_wait;

	found = bsearch(&key, pi->v, pi->n, sizeof(*pi->v), cmp_key);
	if (found) {
		was = (*found)->c.close_wait;
	} else if (r->kind == CW_ROW_TOTAL) {
		was = pi->total;
	} else {
		snprintf(buf, len, "new");
		return;
	}
	if (now > was)
		snprintf(buf, len, "+%" PRIu64, now - was);
	else if (now < was)
		snprintf(buf, len, "-%" PRIu64, was - now);
	else
		snprintf(buf, len, "0");
}

static int fill_line(struct line *l, const struct cw_row *r,
		     const struct prev_index *pi)
{
	size_t w, indent = 2 * r->depth;
	char *esc = cw_escape_terminal(r->label, false, &w);

	if (!esc)
		return -1;
	l->name = malloc(indent + strlen(esc) + 1);
	if (!l->name) {
		free(esc);
		return -1;
	}
	memset(l->name, ' ', indent);
	strcpy(l->name + indent, esc);
	free(esc);
	l->width[COL_NAME] = indent + w;
	snprintf(l->cell[COL_CLOSE_WAIT], sizeof(l->cell[0]), "%" PRIu64,
		 r->c.close_wait);
	snprintf(l->cell[COL_RECVQ], sizeof(l->cell[0]), "%" PRIu64,
		 r->c.recvq_bytes);
	human_bytes(r->c.rmem_bytes, l->cell[COL_RMEM], sizeof(l->cell[0]));
	cw_duration_format(r->c.oldest_idle_s, l->cell[COL_IDLE],
			   sizeof(l->cell[0]));
	if (r->c.has & CW_HAS_OLDEST)
		cw_duration_format(r->c.oldest_s, l->cell[COL_AGE],
				   sizeof(l->cell[0]));
	else
		snprintf(l->cell[COL_AGE], sizeof(l->cell[0]), "-");
	if (pi)
		change_cell(pi, r, l->cell[COL_CHANGE], sizeof(l->cell[0]));
	for (w = COL_NAME + 1; w < NCOLS; w++)
		l->width[w] = strlen(l->cell[w]);
	return 0;
}

static void put_spaces(struct out *o, size_t n)
{
	static const char spaces[] = "                                ";

	for (; n > sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		out_write(o, spaces, sizeof(spaces) - 1);
	out_write(o, spaces, n);
}

/*
 * One line; columns two spaces apart, widths from the content, and no
 * trailing blanks, so the table stays friendly to diff and awk.
 */
static void put_line(struct out *o, const char *const text[NCOLS],
		     const size_t width[NCOLS], const size_t colw[NCOLS],
		     const bool shown[NCOLS], size_t last)
{
	size_t i;

	for (i = 0; i < NCOLS; i++) {
		if (!shown[i])
			continue;
		if (i)
			out_puts(o, "  ");
		if (cols[i].right)
			put_spaces(o, colw[i] - width[i]);
		out_puts(o, text[i]);
		if (!cols[i].right && i != last)
			put_spaces(o, colw[i] - width[i]);
	}
	out_puts(o, "\n");
}

static int put_table(struct out *o, const struct cw_snapshot *s,
		     const struct cw_output_opts *opts)
{
	char total_key[] = "total";
	struct cw_row total = {
		.kind = CW_ROW_TOTAL, .key = total_key, .label = total_key,
		.c = s->total,
	};
	struct prev_index pi = { 0 }, *pip = NULL;
	struct cw_rows rows;
	struct line *lines = NULL;
	const char *text[NCOLS];
	size_t colw[NCOLS], nlines, i, c, last = COL_NAME;
	bool shown[NCOLS], has_age = false;
	int ret = -1;

	if (cw_rows_build(&rows, s, opts->by, opts->names))
		return -1;
	if (opts->prev) {
		if (prev_index_build(&pi, opts->prev))
			goto out;
		pip = &pi;
	}
	/* The total heads every view; --by total is nothing else. */
	nlines = opts->by == CW_BY_TOTAL ? rows.n : rows.n + 1;
	lines = calloc(nlines, sizeof(*lines));
	if (!lines)
		goto out;
	for (i = 0; i < nlines; i++) {
		const struct cw_row *r = opts->by == CW_BY_TOTAL ?
			&rows.v[i] : i ? &rows.v[i - 1] : &total;

		if (fill_line(&lines[i], r, pip))
			goto out;
		if (r->c.has & CW_HAS_OLDEST)
			has_age = true;
	}
	for (c = 0; c < NCOLS; c++) {
		shown[c] = c < COL_AGE || (c == COL_AGE && has_age) ||
			   (c == COL_CHANGE && pip);
		if (shown[c])
			last = c;
		colw[c] = strlen(cols[c].head);
		text[c] = cols[c].head;
		for (i = 0; i < nlines; i++)
			if (lines[i].width[c] > colw[c])
				colw[c] = lines[i].width[c];
	}
	{
		size_t head_w[NCOLS];

		for (c = 0; c < NCOLS; c++)
			head_w[c] = strlen(cols[c].head);
		put_line(o, text, head_w, colw, shown, last);
	}
	for (i = 0; i < nlines; i++) {
		text[COL_NAME] = lines[i].name;
		for (c = COL_NAME + 1; c < NCOLS; c++)
			text[c] = lines[i].cell[c];
		put_line(o, text, lines[i].width, colw, shown, last);
	}
	ret = 0;
out:
	for (i = 0; lines && i < nlines; i++)
		free(lines[i].name);
	free(lines);
	free(pi.v);
	cw_rows_free(&rows);
	return ret;
}

static const char *const source_names[] = {
	[CW_SOURCE_MODULE] = "module",
	[CW_SOURCE_FILE] = "file",
	[CW_SOURCE_DIAG] = "diag",
};

static void json_string(struct out *o, const char *s)
{
	if (!s) {
		out_puts(o, "null");
		return;
	}
	out_puts(o, "\"");
	put_escaped(o, s, CW_ESC_JSON);
	out_puts(o, "\"");
}

/* Every key always, null when unknown, so consumers need no key checks. */
static void json_counts(struct out *o, const struct cw_counts *c)
{
	out_printf(o, "\"close_wait\":%" PRIu64 ",\"recvq_bytes\":%" PRIu64
		   ",\"rmem_bytes\":%" PRIu64 ",\"oldest_idle_s\":%" PRIu64,
		   c->close_wait, c->recvq_bytes, c->rmem_bytes,
		   c->oldest_idle_s);
	if (c->has & CW_HAS_OLDEST)
		out_printf(o, ",\"oldest_s\":%" PRIu64, c->oldest_s);
	else
		out_puts(o, ",\"oldest_s\":null");
	if (c->has & CW_HAS_SOCKETS)
		out_printf(o, ",\"sockets\":%" PRIu64, c->sockets);
	else
		out_puts(o, ",\"sockets\":null");
}

/*
 * The whole tree on one line. "version" is this document's layout, which
 * changes only as format v1 does: keys are added, never removed.
 */
static int put_json(struct out *o, const struct cw_snapshot *s,
		    const struct cw_output_opts *opts)
{
	size_t i, j;

	out_printf(o, "{\"version\":1,\"source\":\"%s\",\"total\":{",
		   (size_t)s->source < sizeof(source_names) /
		   sizeof(source_names[0]) ? source_names[s->source] : "?");
	json_counts(o, &s->total);
	out_puts(o, "},\"netns\":[");
	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns *n = &s->netns[i];
		const struct cw_netns_name *nm = cw_names_find(opts->names,
							       n->ns);

		out_printf(o, "%s{\"ns\":%" PRIu64 ",\"name\":", i ? "," : "",
			   n->ns);
		json_string(o, nm ? nm->name : NULL);
		if (nm && nm->pid)
			out_printf(o, ",\"pid\":%d", nm->pid);
		else
			out_puts(o, ",\"pid\":null");
		out_puts(o, ",\"comm\":");
		json_string(o, nm && nm->pid && nm->comm[0] ? nm->comm : NULL);
		out_puts(o, ",");
		json_counts(o, &n->c);
		out_puts(o, ",\"cgroups\":[");
		for (j = 0; j < n->ncgroups; j++) {
			const struct cw_cgroup *cg = &n->cgroups[j];
			char ct[CONTAINER_MAX];

			out_printf(o, "%s{\"id\":%" PRIu64 ",\"path\":",
				   j ? "," : "", cg->id);
			json_string(o, cg->path);
			out_puts(o, ",\"container\":");
			json_string(o, cw_container_of(cg->path, ct,
						       sizeof(ct)) ? ct : NULL);
			out_puts(o, ",");
			json_counts(o, &cg->c);
			out_puts(o, "}");
		}
		out_puts(o, "]}");
	}
	out_puts(o, "]}\n");
	return 0;
}

/* One sample of the cgroup families: a cgroup path within a netns. */
struct prom_row {
	const struct cw_netns *n;
	const char *netns_name;		/* "" when unknown */
	const char *path;
	char container[CONTAINER_MAX];	/* "" when none */
	struct cw_counts c;
	size_t pos;			/* first in the snapshot */
};

static int cmp_prom_path(const void *a, const void *b)
{
	const struct prom_row *x = a, *y = b;
	int d;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	d = strcmp(x->path, y->path);
	if (d)
		return d;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_prom_pos(const void *a, const void *b)
{
	const struct prom_row *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * The cgroup rows of the tree, with those of one netns that share a path
 * merged. Labels carry the path, not the id, so that series survive a
 * container's restart under the same name; but then two cgroups can show
 * the same labels (a removed cgroup that its sockets keep alive and its
 * successor, or several "?" unresolvable paths), and a duplicate series
 * makes node_exporter reject the file. Merged, they sum like the module's
 * own rows do.
 */
static struct prom_row *prom_rows(const struct cw_snapshot *s,
				  const struct cw_names *names, size_t *np)
{
	struct prom_row *v;
	size_t n = 0, i, j, k;

	for (i = 0; i < s->nnetns; i++)
		n += s->netns[i].ncgroups;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return NULL;
	n = 0;
	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns_name *nm = cw_names_find(names,
							       s->netns[i].ns);

		for (j = 0; j < s->netns[i].ncgroups; j++, n++) {
			v[n].n = &s->netns[i];
			v[n].netns_name = nm && nm->name ? nm->name : "";
			v[n].path = s->netns[i].cgroups[j].path;
			v[n].c = s->netns[i].cgroups[j].c;
			v[n].pos = n;
		}
	}
	qsort(v, n, sizeof(*v), cmp_prom_path);
	for (i = 0, k = 0; i < n; i = j, k++) {
		v[k] = v[i];
		for (j = i + 1; j < n && v[j].n == v[i].n &&
		     !strcmp(v[j].path, v[i].path); j++)
			cw_counts_add(&v[k].c, &v[j].c);
		if (!cw_container_of(v[k].path, v[k].container,
				     sizeof(v[k].container)))
			v[k].container[0] = '\0';
	}
	qsort(v, k, sizeof(*v), cmp_prom_pos);
	*np = k;
	return v;
}

static void prom_netns_labels(struct out *o, uint64_t ns, const char *name)
{
	out_printf(o, "netns=\"%" PRIu64 "\",netns_name=\"", ns);
	put_escaped(o, name, CW_ESC_PROM_LABEL);
	out_puts(o, "\"");
}

static void prom_family(struct out *o, const char *name, const char *help)
{
	out_printf(o, "# HELP %s ", name);
	put_escaped(o, help, CW_ESC_PROM_HELP);
	out_printf(o, "\n# TYPE %s gauge\n", name);
}

enum prom_value {
	PV_CLOSE_WAIT,
	PV_RECVQ,
	PV_RMEM,
	PV_IDLE,
	PV_OLDEST,
};

static const struct {
	const char *name, *help;
} prom_cgroup_families[] = {
	[PV_CLOSE_WAIT] = { "cwstat_close_wait_sockets",
		"TCP sockets in CLOSE_WAIT: the peer closed, the application has not." },
	[PV_RECVQ] = { "cwstat_close_wait_recvq_bytes",
		"Payload bytes in CLOSE_WAIT sockets that the application has not read." },
	[PV_RMEM] = { "cwstat_close_wait_rmem_bytes",
		"Receive memory charged to CLOSE_WAIT sockets (sk_rmem_alloc)." },
	[PV_IDLE] = { "cwstat_close_wait_oldest_idle_seconds",
		"Seconds since the longest idle CLOSE_WAIT socket last received a segment." },
	[PV_OLDEST] = { "cwstat_close_wait_oldest_seconds",
		"Age in seconds of the oldest CLOSE_WAIT socket." },
};

static uint64_t prom_value(const struct cw_counts *c, enum prom_value pv)
{
	switch (pv) {
	case PV_CLOSE_WAIT:
		return c->close_wait;
	case PV_RECVQ:
		return c->recvq_bytes;
	case PV_RMEM:
		return c->rmem_bytes;
	case PV_IDLE:
		return c->oldest_idle_s;
	case PV_OLDEST:
		return c->oldest_s;
	}
	return 0;
}

/*
 * Prometheus text format 0.0.4, for node_exporter's textfile collector:
 * no timestamps (the collector refuses them), each family's samples
 * together, and families with no rows still declared so that dashboards
 * find them on an idle host. cwstat_close_wait_sockets_all carries the
 * total, 0 on an idle host, which a sum() over no series cannot give.
 */
static int put_prom(struct out *o, const struct cw_snapshot *s,
		    const struct cw_output_opts *opts)
{
	struct prom_row *v;
	size_t n, i, f;
	bool has_oldest = false, has_sockets = false;

	v = prom_rows(s, opts->names, &n);
	if (!v)
		return -1;
	for (i = 0; i < n; i++)
		if (v[i].c.has & CW_HAS_OLDEST)
			has_oldest = true;
	for (i = 0; i < s->nnetns; i++)
		if (s->netns[i].c.has & CW_HAS_SOCKETS)
			has_sockets = true;

	prom_family(o, "cwstat_close_wait_sockets_all",
		    "TCP sockets in CLOSE_WAIT in every network namespace cwstat can see.");
	out_printf(o, "cwstat_close_wait_sockets_all %" PRIu64 "\n",
		   s->total.close_wait);
	for (f = 0; f < sizeof(prom_cgroup_families) /
	     sizeof(prom_cgroup_families[0]); f++) {
		if (f == PV_OLDEST && !has_oldest)
			continue;
		prom_family(o, prom_cgroup_families[f].name,
			    prom_cgroup_families[f].help);
		for (i = 0; i < n; i++) {
			if (f == PV_OLDEST && !(v[i].c.has & CW_HAS_OLDEST))
				continue;
			out_printf(o, "%s{", prom_cgroup_families[f].name);
			prom_netns_labels(o, v[i].n->ns, v[i].netns_name);
			out_puts(o, ",cgroup=\"");
			put_escaped(o, v[i].path, CW_ESC_PROM_LABEL);
			out_puts(o, "\",container=\"");
			put_escaped(o, v[i].container, CW_ESC_PROM_LABEL);
			out_printf(o, "\"} %" PRIu64 "\n",
				   prom_value(&v[i].c, (enum prom_value)f));
		}
	}
	if (has_sockets) {
		prom_family(o, "cwstat_tcp_ehash_sockets",
			    "TCP sockets of any state in the established hash (no listeners), per network namespace.");
		for (i = 0; i < s->nnetns; i++) {
			const struct cw_netns *ns = &s->netns[i];
			const struct cw_netns_name *nm;

			if (!(ns->c.has & CW_HAS_SOCKETS))
				continue;
			nm = cw_names_find(opts->names, ns->ns);
			out_puts(o, "cwstat_tcp_ehash_sockets{");
			prom_netns_labels(o, ns->ns,
					  nm && nm->name ? nm->name : "");
			out_printf(o, "} %" PRIu64 "\n", ns->c.sockets);
		}
	}
	free(v);
	return 0;
}

int cw_output(FILE *f, const struct cw_snapshot *s,
	      const struct cw_output_opts *opts)
{
	struct out o = { .f = f };
	int ret;

	switch (opts->format) {
	case CW_FMT_TABLE:
		ret = put_table(&o, s, opts);
		break;
	case CW_FMT_JSON:
		ret = put_json(&o, s, opts);
		break;
	case CW_FMT_PROM:
		ret = put_prom(&o, s, opts);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (ret) {
		errno = ENOMEM;
		return -1;
	}
	/* Watch prints a sample at a time: let it reach the reader now. */
	errno = 0;
	if (!o.err && (fflush(f) || ferror(f)))
		o.err = errno ? errno : EIO;
	if (o.err) {
		errno = o.err;
		return -1;
	}
	return 0;
}

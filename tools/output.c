// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "escape.h"
#include "health.h"
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

/*
 * What a cgroup path says of its container: container_id as Kubernetes
 * writes it ("containerd://<64 hex>", the join key of kube-state-metrics'
 * kube_pod_container_info), the pod uid, and the names the runtime keeps.
 * Names are "" when the cgroup is no container's or pod's, and "unknown"
 * when it is one but the runtime's files cannot be read.
 */
struct ct_names {
	struct cw_attrib a;
	bool any;
	char id[128];
	const char *pod, *pod_namespace, *container;
};

static void ct_names(struct ct_names *n, const char *path,
		     struct cw_meta *meta)
{
	const struct cw_meta_entry *e = NULL;

	n->any = cw_meta_attrib_of(meta, path, &n->a);
	n->id[0] = '\0';
	if (n->a.id[0]) {
		snprintf(n->id, sizeof(n->id), "%s://%s",
			 cw_runtime_scheme(n->a.runtime), n->a.id);
		e = cw_meta_lookup(meta, &n->a);
	}
#define NAME(v) (e && e->v ? e->v : CW_META_UNKNOWN)
	n->pod = n->a.pod_uid[0] || (e && e->pod) ? NAME(pod) : "";
	n->pod_namespace = n->a.pod_uid[0] || (e && e->pod_namespace) ?
			   NAME(pod_namespace) : "";
	n->container = n->a.id[0] ? NAME(container) : "";
#undef NAME
}

/* As cw_container_of, from names that may have come from the runtime. */
static bool ct_short(const struct ct_names *n, char *buf, size_t len)
{
	int w;

	if (!n->any)
		return false;
	if (n->a.id[0])
		w = snprintf(buf, len, "%s:%.12s", n->a.runtime, n->a.id);
	else
		w = snprintf(buf, len, "pod:%s", n->a.pod_uid);
	return w >= 0 && (size_t)w < len;
}

/*
 * A table name for a container's cgroup: "containerd:0123456789ab
 * prod/shop-7d9f/app", "docker:fedcba987654 billing-worker", "pod:<uid>",
 * rather than a 200-column path (the full path is in -o json). NULL for
 * any other cgroup, which keeps its path.
 */
char *cw_output_short_name(const char *path, struct cw_meta *meta)
{
	struct ct_names n;
	char ct[80], *out = NULL;
	int r;

	ct_names(&n, path, meta);
	if (!ct_short(&n, ct, sizeof(ct)))
		return NULL;
	if (n.a.pod_uid[0] && n.a.id[0] &&
	    strcmp(n.pod, CW_META_UNKNOWN))
		r = asprintf(&out, "%s %s/%s/%s", ct, n.pod_namespace, n.pod,
			     n.container);
	else if (n.a.id[0] && strcmp(n.container, CW_META_UNKNOWN))
		r = asprintf(&out, "%s %s", ct, n.container);
	else
		r = asprintf(&out, "%s", ct);
	return r < 0 ? NULL : out;
}

static int fill_line(struct line *l, const struct cw_row *r,
		     const struct prev_index *pi, struct cw_meta *meta)
{
	size_t w, indent = 2 * r->depth;
	char *shortn = r->path ? cw_output_short_name(r->path, meta) : NULL;
	char *esc = cw_escape_terminal(shortn ? shortn : r->label, false, &w);

	free(shortn);

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
	/* Both byte columns in the same units (-o json has exact bytes). */
	human_bytes(r->c.recvq_bytes, l->cell[COL_RECVQ], sizeof(l->cell[0]));
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

		if (fill_line(&lines[i], r, pip, opts->meta))
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
 * The module's health (health.h), null where it was not read: not root,
 * the sock_diag fallback, a saved copy without --sysfs.
 */
static void json_health(struct out *o, const struct cw_health *h)
{
	out_puts(o, ",\"health\":");
	if (!h->read) {
		out_puts(o, "null");
		return;
	}
	out_puts(o, "{\"mode\":");
	json_string(o, h->mode);
	out_printf(o, ",\"capped\":%s,\"unresolved\":%" PRIu64
		   ",\"untracked_total\":%" PRIu64 ",\"lower_bound\":%s}",
		   h->capped ? "true" : "false", h->unresolved,
		   h->untracked_total,
		   cw_health_lower_bound(h) ? "true" : "false");
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
			struct ct_names nm2;

			out_printf(o, "%s{\"id\":%" PRIu64 ",\"path\":",
				   j ? "," : "", cg->id);
			json_string(o, cg->path);
			out_printf(o, ",\"path_cut\":%s",
				   cg->path_cut ? "true" : "false");
			ct_names(&nm2, cg->path, opts->meta);
			out_puts(o, ",\"container\":");
			json_string(o, ct_short(&nm2, ct, sizeof(ct)) ? ct : NULL);
			out_puts(o, ",\"container_id\":");
			json_string(o, nm2.id[0] ? nm2.id : NULL);
			out_puts(o, ",\"pod_uid\":");
			json_string(o, nm2.a.pod_uid[0] ? nm2.a.pod_uid : NULL);
			out_puts(o, ",\"pod\":");
			json_string(o, *nm2.pod ? nm2.pod : NULL);
			out_puts(o, ",\"namespace\":");
			json_string(o, *nm2.pod_namespace ? nm2.pod_namespace : NULL);
			out_puts(o, ",\"container_name\":");
			json_string(o, *nm2.container ? nm2.container : NULL);
			out_puts(o, ",");
			json_counts(o, &cg->c);
			out_puts(o, "}");
		}
		out_puts(o, "]}");
	}
	out_puts(o, "]");
	json_health(o, &s->health);
	out_puts(o, "}\n");
	return 0;
}

/*
 * One series of the per-row families: its labels, rendered and escaped
 * ("" for none), and the counts of every row that renders the same.
 */
struct prom_series {
	char *labels;
	struct cw_counts c;
	size_t pos;			/* first in the snapshot */
};

static int cmp_series_labels(const void *a, const void *b)
{
	const struct prom_series *x = a, *y = b;
	int d = strcmp(x->labels, y->labels);

	if (d)
		return d;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_series_pos(const void *a, const void *b)
{
	const struct prom_series *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void label(FILE *f, bool *first, const char *name, const char *value)
{
	fprintf(f, "%s%s=\"", *first ? "" : ",", name);
	cw_put_escaped(f, value, CW_ESC_PROM_LABEL);
	fputc('"', f);
	*first = false;
}

/*
 * The labels kube-state-metrics and cAdvisor give the same things, so that
 * a join needs no label_replace(): namespace, pod and uid as in
 * kube_pod_info, container and container_id as in kube_pod_container_info
 * (and cAdvisor's container_* series for container). Empty where the
 * cgroup is no pod's or container's; Prometheus stores an empty label as
 * no label, so a host service's series carries none of them.
 */
static void container_labels(FILE *f, bool *first, const char *path,
			     const struct cw_output_opts *opts)
{
	struct ct_names n;

	ct_names(&n, path, opts->meta);
	label(f, first, "namespace", n.pod_namespace);
	label(f, first, "pod", n.pod);
	label(f, first, "uid", n.a.pod_uid);
	label(f, first, "container", n.container);
	label(f, first, "container_id", n.id);
}

static void netns_labels(FILE *f, bool *first, uint64_t ns, const char *name)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, ns);
	label(f, first, "netns", buf);
	label(f, first, "netns_name", name);
}

/*
 * The series of the view: --by tree (the default) one per cgroup path in
 * each netns, cgroup one per path over all netns, container one per
 * container (and one for all that is in none), netns one per netns, total
 * one without labels. Labels carry the path, not the cgroup id, so that
 * series survive a restart under the same name; then two cgroups can
 * render the same labels (a removed cgroup that its sockets keep alive and
 * its successor, several "?" paths), and a duplicate series makes
 * node_exporter reject the file: those are summed, as the module's rows are.
 */
static struct prom_series *prom_series(const struct cw_snapshot *s,
				       const struct cw_output_opts *opts,
				       size_t *np)
{
	struct prom_series *v;
	size_t n = 0, i, j, k;

	for (i = 0; i < s->nnetns; i++)
		n += s->netns[i].ncgroups;
	n += s->nnetns + 1;
	v = calloc(n, sizeof(*v));
	if (!v)
		return NULL;
	n = 0;
	for (i = 0; i < s->nnetns; i++) {
		const struct cw_netns *ns = &s->netns[i];
		const struct cw_netns_name *nm = cw_names_find(opts->names,
							       ns->ns);
		const char *nsname = nm && nm->name ? nm->name : "";

		if (opts->by == CW_BY_TOTAL)
			break;
		for (j = 0; j < ns->ncgroups ||
		     (opts->by == CW_BY_NETNS && !j); j++) {
			size_t len = 0;
			bool first = true;
			FILE *f = open_memstream(&v[n].labels, &len);

			if (!f)
				goto fail;
			if (opts->by == CW_BY_NETNS) {
				netns_labels(f, &first, ns->ns, nsname);
				v[n].c = ns->c;
			} else {
				const char *path = ns->cgroups[j].path;

				if (opts->by == CW_BY_TREE)
					netns_labels(f, &first, ns->ns, nsname);
				if (opts->by != CW_BY_CONTAINER)
					label(f, &first, "cgroup", path);
				container_labels(f, &first, path, opts);
				v[n].c = ns->cgroups[j].c;
			}
			v[n].pos = n;
			if (fclose(f) || !v[n].labels)
				goto fail;
			n++;
			if (opts->by == CW_BY_NETNS)
				break;
		}
	}
	if (opts->by == CW_BY_TOTAL) {
		v[0].labels = strdup("");
		if (!v[0].labels)
			goto fail;
		v[0].c = s->total;
		n = 1;
	}
	qsort(v, n, sizeof(*v), cmp_series_labels);
	for (i = 0, k = 0; i < n; i = j, k++) {
		struct prom_series first = v[i];

		for (j = i + 1; j < n && !strcmp(v[j].labels, first.labels);
		     j++) {
			cw_counts_add(&first.c, &v[j].c);
			free(v[j].labels);
		}
		v[k] = first;
	}
	qsort(v, k, sizeof(*v), cmp_series_pos);
	*np = k;
	return v;
fail:
	for (i = 0; i <= n; i++)
		free(v[i].labels);
	free(v);
	return NULL;
}

/*
 * A family's HELP and TYPE. OpenMetrics escapes a quote in HELP as in a
 * label value; text 0.0.4 knows only backslash and newline there.
 */
static void prom_family(struct out *o, bool om, const char *name,
			const char *help, const char *type)
{
	out_printf(o, "# HELP %s ", name);
	put_escaped(o, help, om ? CW_ESC_PROM_LABEL : CW_ESC_PROM_HELP);
	out_printf(o, "\n# TYPE %s %s\n", name, type);
}

/* name{labels[,extra]} or name{extra} or name alone. */
static void prom_sample(struct out *o, const char *name, const char *labels,
			const char *extra, uint64_t v)
{
	bool any = *labels || (extra && *extra);

	out_printf(o, "%s%s%s%s%s%s %" PRIu64 "\n", name, any ? "{" : "",
		   labels, *labels && extra && *extra ? "," : "",
		   extra ? extra : "", any ? "}" : "", v);
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

/* The module's mode, as its keys show it: live has ages, scan "sockets". */
static const char *prom_mode(const struct cw_snapshot *s)
{
	if (s->source == CW_SOURCE_DIAG)
		return "";
	if (s->total.has & (CW_HAS_OLDEST | CW_HAS_AGES))
		return "live";
	if (s->total.has & CW_HAS_SOCKETS)
		return "scan";
	return "";
}

static const char *const prom_sources[] = {
	[CW_SOURCE_MODULE] = "module",
	[CW_SOURCE_FILE] = "file",
	[CW_SOURCE_DIAG] = "sock_diag",
};

/*
 * The age buckets: how long the sockets in CLOSE_WAIT now have been in it.
 * They describe the present and fall as sockets leave, so they are a
 * gauge histogram (OpenMetrics), not a histogram, whose buckets only grow
 * and whose every fall rate() would read as a counter reset. Text 0.0.4
 * has no such type: there each bucket is a gauge of the same name and
 * labels, cwstat_close_wait_age_seconds_bucket{le=...}, so that the
 * stored series are the same whichever format a scrape negotiates, and
 * histogram_quantile() reads either. le is written as OpenMetrics'
 * canonical numbers in both. No _gsum, and so no _gcount (OpenMetrics
 * writes both or neither): the module keeps no sum of ages, and the +Inf
 * bucket is the row's count.
 */
static void prom_ages(struct out *o, bool om, const struct prom_series *v,
		      size_t n)
{
	static const char *const le[CW_NR_AGES] = {
		"1.0", "10.0", "60.0", "600.0", "3600.0", "+Inf",
	};
	static const char bucket[] = "cwstat_close_wait_age_seconds_bucket";
	size_t i, b;

	if (om)
		prom_family(o, om, "cwstat_close_wait_age_seconds",
			    "Time in CLOSE_WAIT of the sockets now in it (live mode), in cumulative buckets: a gauge histogram, without a sum.",
			    "gaugehistogram");
	else
		prom_family(o, om, bucket,
			    "Sockets now in CLOSE_WAIT that have been in it for at most le seconds (live mode): the buckets of a gauge histogram, each a gauge (text format 0.0.4 has no gauge histogram).",
			    "gauge");
	for (i = 0; i < n; i++) {
		uint64_t cum = 0;

		if (!(v[i].c.has & CW_HAS_AGES))
			continue;
		for (b = 0; b < CW_NR_AGES; b++) {
			char extra[24];

			cum += v[i].c.ages[b];
			snprintf(extra, sizeof(extra), "le=\"%s\"", le[b]);
			prom_sample(o, bucket, v[i].labels, extra, cum);
		}
	}
}

/*
 * The module's health where it could be read (root on the host): whether
 * the counts are complete. Left out elsewhere, rather than 0s that would
 * claim they are.
 */
static void prom_health(struct out *o, bool om, const struct cw_health *h)
{
	prom_family(o, om, "cwstat_capped",
		    "1 while the module's live table is full (max_tracked) and sockets entering CLOSE_WAIT are not counted: every count is then a lower bound.",
		    "gauge");
	out_printf(o, "cwstat_capped %d\n", h->capped ? 1 : 0);
	prom_family(o, om, "cwstat_unresolved_sockets",
		    "Sockets in CLOSE_WAIT not counted because a process held their lock whenever the module's newest reconciliation looked: above 0, every count is a lower bound.",
		    "gauge");
	out_printf(o, "cwstat_unresolved_sockets %" PRIu64 "\n",
		   h->unresolved);
	/* An OpenMetrics counter's family name has no _total; its sample has. */
	prom_family(o, om, om ? "cwstat_untracked" : "cwstat_untracked_total",
		    "Entries into CLOSE_WAIT that the module's live table could not track, since the module was loaded (tracked_overflow).",
		    "counter");
	out_printf(o, "cwstat_untracked_total %" PRIu64 "\n",
		   h->untracked_total);
}

/*
 * Prometheus text format 0.0.4, for node_exporter's textfile collector:
 * no timestamps (the collector refuses them), each family's samples
 * together, and families with no rows still declared so that dashboards
 * find them on an idle host. cwstat_close_wait_sockets_all carries the
 * total, 0 on an idle host, which a sum() over no series cannot give.
 * OpenMetrics 1.0.0 (cwstat serve, when the scraper asks for it) differs
 * only where its rules do: the age buckets' type, a counter's family name
 * without _total, and the closing "# EOF".
 */
static int put_prom(struct out *o, const struct cw_snapshot *s,
		    const struct cw_output_opts *opts)
{
	bool om = opts->format == CW_FMT_OPENMETRICS;
	struct prom_series *v;
	size_t n, i, f;
	bool has_oldest = false, has_sockets = false, has_ages = false;

	v = prom_series(s, opts, &n);
	if (!v)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i].c.has & CW_HAS_OLDEST)
			has_oldest = true;
		if (v[i].c.has & CW_HAS_AGES)
			has_ages = true;
	}
	for (i = 0; i < s->nnetns; i++)
		if (s->netns[i].c.has & CW_HAS_SOCKETS)
			has_sockets = true;

	prom_family(o, om, "cwstat_info",
		    "Where the counts come from: version of the tool, mode of the module (live, scan; empty when unknown), source (module, sock_diag without it, file for --input).",
		    "gauge");
	out_puts(o, "cwstat_info{version=\"");
	put_escaped(o, opts->version ? opts->version : "unknown",
		    CW_ESC_PROM_LABEL);
	out_printf(o, "\",mode=\"%s\",source=\"%s\"} 1\n", prom_mode(s),
		   (size_t)s->source < sizeof(prom_sources) /
		   sizeof(prom_sources[0]) ? prom_sources[s->source] : "");
	prom_family(o, om, "cwstat_close_wait_sockets_all",
		    "TCP sockets in CLOSE_WAIT in every network namespace cwstat can see.",
		    "gauge");
	out_printf(o, "cwstat_close_wait_sockets_all %" PRIu64 "\n",
		   s->total.close_wait);
	if (s->health.read)
		prom_health(o, om, &s->health);
	for (f = 0; f < sizeof(prom_cgroup_families) /
	     sizeof(prom_cgroup_families[0]); f++) {
		if (f == PV_OLDEST && !has_oldest)
			continue;
		prom_family(o, om, prom_cgroup_families[f].name,
			    prom_cgroup_families[f].help, "gauge");
		for (i = 0; i < n; i++) {
			if (f == PV_OLDEST && !(v[i].c.has & CW_HAS_OLDEST))
				continue;
			prom_sample(o, prom_cgroup_families[f].name,
				    v[i].labels, NULL,
				    prom_value(&v[i].c, (enum prom_value)f));
		}
	}
	if (has_ages)
		prom_ages(o, om, v, n);
	if (has_sockets) {
		prom_family(o, om, "cwstat_tcp_ehash_sockets",
			    "TCP sockets of any state in the established hash (no listeners), per network namespace.",
			    "gauge");
		for (i = 0; i < s->nnetns; i++) {
			const struct cw_netns *ns = &s->netns[i];
			const struct cw_netns_name *nm;

			if (!(ns->c.has & CW_HAS_SOCKETS))
				continue;
			nm = cw_names_find(opts->names, ns->ns);
			out_printf(o, "cwstat_tcp_ehash_sockets{netns=\"%" PRIu64
				   "\",netns_name=\"", ns->ns);
			put_escaped(o, nm && nm->name ? nm->name : "",
				    CW_ESC_PROM_LABEL);
			out_printf(o, "\"} %" PRIu64 "\n", ns->c.sockets);
		}
	}
	if (om)
		out_puts(o, "# EOF\n");
	for (i = 0; i < n; i++)
		free(v[i].labels);
	free(v);
	return 0;
}

/* @s[0..@n) equals @word, ignoring case (HTTP tokens). */
static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

/* @s[0..@n) without the spaces and tabs around it. */
static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}


/*
 * An HTTP qvalue (RFC 9110, 12.4.2): "0" or "1", then at most three
 * decimals, none of them above 1.000. In thousandths, or -1. No strtod():
 * it takes "nan", "inf", hex and exponents.
 */
static int qvalue(const char *v, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (!n || (v[0] != '0' && v[0] != '1'))
		return -1;
	q = (v[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (v[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		q += (v[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * One media range of an Accept header, @r[0..@n): which format it names
 * (-1: neither) and its quality, in thousandths (RFC 9110: q=0 to 1, three
 * decimals at most; 1000 when absent, -1 when malformed).
 */
static int media_range(const char *r, size_t n, int *q)
{
	const char *semi = memchr(r, ';', n), *p;
	size_t tn = semi ? (size_t)(semi - r) : n, pn;
	const char *t = r, *version = NULL;
	size_t vn = 0;
	int fmt;

	*q = 1000;
	trim(&t, &tn);
	while (semi) {
		const char *eq;
		size_t kn;

		p = semi + 1;
		pn = n - (size_t)(p - r);
		semi = memchr(p, ';', pn);
		if (semi)
			pn = (size_t)(semi - p);
		eq = memchr(p, '=', pn);
		if (!eq)
			continue;
		kn = (size_t)(eq - p);
		pn -= kn + 1;
		eq++;
		trim(&p, &kn);
		trim(&eq, &pn);
		if (pn >= 2 && *eq == '"' && eq[pn - 1] == '"') {
			eq++;
			pn -= 2;
		}
		if (token_is(p, kn, "q")) {
			*q = qvalue(eq, pn);
			if (*q < 0)
				return -1;
		} else if (token_is(p, kn, "version")) {
			version = eq;
			vn = pn;
		}
	}
	if (token_is(t, tn, "application/openmetrics-text"))
		fmt = !version || token_is(version, vn, "1.0.0") ?
		      CW_FMT_OPENMETRICS : -1;
	else if (token_is(t, tn, "text/plain"))
		fmt = !version || token_is(version, vn, "0.0.4") ?
		      CW_FMT_PROM : -1;
	else if (token_is(t, tn, "text/*") || token_is(t, tn, "*/*"))
		fmt = CW_FMT_PROM;
	else
		fmt = -1;
	return fmt;
}

enum cw_format cw_output_negotiate(const char *accept)
{
	int best_om = 0, best_text = 0;
	const char *p = accept;

	if (!accept)
		return CW_FMT_PROM;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int q, fmt = media_range(p, n, &q);

		if (fmt == CW_FMT_OPENMETRICS && q > best_om)
			best_om = q;
		else if (fmt == CW_FMT_PROM && q > best_text)
			best_text = q;
		p += n;
		if (*p)
			p++;
	}
	return best_om > best_text ? CW_FMT_OPENMETRICS : CW_FMT_PROM;
}

const char *cw_output_content_type(enum cw_format fmt)
{
	return fmt == CW_FMT_OPENMETRICS ?
	       "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	       "text/plain; version=0.0.4; charset=utf-8";
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
	case CW_FMT_OPENMETRICS:
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

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

/* Room for "containerd:" and 12 hex digits, or "pod:" and a uid. */
#define CONTAINER_MAX 64

static const char *const by_names[] = {
	[CW_BY_TREE] = "tree",
	[CW_BY_TOTAL] = "total",
	[CW_BY_NETNS] = "netns",
	[CW_BY_CGROUP] = "cgroup",
	[CW_BY_CONTAINER] = "container",
};

#define NBY (sizeof(by_names) / sizeof(by_names[0]))

bool cw_by_parse(const char *arg, enum cw_by *by)
{
	size_t i;

	for (i = 0; i < NBY; i++) {
		if (!strcmp(arg, by_names[i])) {
			*by = (enum cw_by)i;
			return true;
		}
	}
	return false;
}

const char *cw_by_name(enum cw_by by)
{
	return (size_t)by < NBY ? by_names[by] : "?";
}

/* The next row, zeroed; NULL on ENOMEM. */
static struct cw_row *add_row(struct cw_rows *rows, size_t *cap)
{
	struct cw_row *r;

	if (rows->n == *cap) {
		size_t n = *cap ? 2 * *cap : 16;

		if (n > SIZE_MAX / sizeof(*r)) {
			errno = ENOMEM;
			return NULL;
		}
		r = realloc(rows->v, n * sizeof(*r));
		if (!r)
			return NULL;
		rows->v = r;
		*cap = n;
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Sets the row's key and label from printf-like pieces; -1 on ENOMEM. */
static int set_strings(struct cw_row *r, char *key, char *label)
{
	if (!key || !label) {
		free(key);
		free(label);
		errno = ENOMEM;
		return -1;
	}
	r->key = key;
	r->label = label;
	return 0;
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/*
 * "netns <inode>", then the /run/netns name when there is one (what
 * `ip netns exec` takes), else a process living there (what ps shows).
 */
static char *netns_label(uint64_t ns, const struct cw_names *names)
{
	const struct cw_netns_name *nm = cw_names_find(names, ns);

	if (nm && nm->name)
		return xasprintf("netns %" PRIu64 " %s", ns, nm->name);
	if (nm && nm->pid && nm->comm[0])
		return xasprintf("netns %" PRIu64 " pid %d %s", ns, nm->pid,
				 nm->comm);
	if (nm && nm->pid)
		return xasprintf("netns %" PRIu64 " pid %d", ns, nm->pid);
	return xasprintf("netns %" PRIu64, ns);
}

static int add_netns(struct cw_rows *rows, size_t *cap,
		     const struct cw_netns *n, const struct cw_names *names)
{
	struct cw_row *r = add_row(rows, cap);

	if (!r)
		return -1;
	r->kind = CW_ROW_NETNS;
	r->ns = n->ns;
	r->c = n->c;
	if (set_strings(r, xasprintf("ns:%" PRIu64, n->ns),
			netns_label(n->ns, names))) {
		rows->n--;
		return -1;
	}
	return 0;
}

/*
 * What people see of a cgroup: its path, and for a path that the module
 * cut at PATH_MAX, its id too: two cut paths may read the same.
 */
static char *cgroup_label(const struct cw_cgroup *cg)
{
	if (cg->path_cut)
		return xasprintf("%s [cut, id %" PRIu64 "]", cg->path, cg->id);
	return strdup(cg->path);
}

/* One cgroup of the snapshot, with what it is grouped by. */
struct cg_ref {
	const struct cw_cgroup *cg;
	char *group;		/* CW_BY_CONTAINER: the row key */
	size_t pos;		/* in the snapshot, to keep sorting stable */
};

static int cmp_ref_id(const void *a, const void *b)
{
	const struct cg_ref *x = a, *y = b;

	if (x->cg->id != y->cg->id)
		return x->cg->id < y->cg->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_ref_group(const void *a, const void *b)
{
	const struct cg_ref *x = a, *y = b;
	int d = strcmp(x->group, y->group);

	if (d)
		return d;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * CW_BY_CGROUP and CW_BY_CONTAINER: every cgroup of every netns, grouped
 * (by id, or by container) and summed. A group's label comes from its
 * first cgroup in snapshot order.
 */
static int add_grouped(struct cw_rows *rows, size_t *cap,
		       const struct cw_snapshot *s, enum cw_by by)
{
	struct cg_ref *refs;
	size_t nrefs = 0, i, j;
	int ret = -1;

	for (i = 0; i < s->nnetns; i++)
		nrefs += s->netns[i].ncgroups;
	refs = calloc(nrefs ? nrefs : 1, sizeof(*refs));
	if (!refs)
		return -1;
	nrefs = 0;
	for (i = 0; i < s->nnetns; i++) {
		for (j = 0; j < s->netns[i].ncgroups; j++) {
			const struct cw_cgroup *cg = &s->netns[i].cgroups[j];
			struct cg_ref *ref = &refs[nrefs];
			char ct[CONTAINER_MAX];

			ref->cg = cg;
			ref->pos = nrefs++;
			if (by != CW_BY_CONTAINER)
				continue;
			/* Cgroups of no container are their own group. */
			if (cw_container_of(cg->path, ct, sizeof(ct))) {
				ref->group = xasprintf("ct:%s", ct);
			} else {
				char *label = cgroup_label(cg);

				ref->group = label ?
					     xasprintf("ct:%s", label) : NULL;
				free(label);
			}
			if (!ref->group)
				goto out;
		}
	}
	qsort(refs, nrefs, sizeof(*refs),
	      by == CW_BY_CONTAINER ? cmp_ref_group : cmp_ref_id);
	for (i = 0; i < nrefs; i = j) {
		const struct cw_cgroup *first = refs[i].cg;
		struct cw_row *r;
		size_t k;
		int err;

		/* The group's label is that of its first cgroup. */
		for (j = i + 1; j < nrefs &&
		     (by == CW_BY_CONTAINER ?
		      !strcmp(refs[j].group, refs[i].group) :
		      refs[j].cg->id == refs[i].cg->id); j++)
			;
		r = add_row(rows, cap);
		if (!r)
			goto out;
		for (k = i; k < j; k++)
			cw_counts_add(&r->c, &refs[k].cg->c);
		r->path = strdup(first->path);
		if (!r->path) {
			rows->n--;
			goto out;
		}
		if (by == CW_BY_CONTAINER) {
			r->kind = CW_ROW_CONTAINER;
			/* "ct:" + what the label shows. */
			err = set_strings(r, strdup(refs[i].group),
					  strdup(refs[i].group + 3));
		} else {
			r->kind = CW_ROW_CGROUP;
			r->cgroup_id = first->id;
			err = set_strings(r, xasprintf("cg:%" PRIu64,
						       first->id),
					  cgroup_label(first));
		}
		if (err) {
			free(r->path);
			rows->n--;
			goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; i < nrefs; i++)
		free(refs[i].group);
	free(refs);
	return ret;
}

/*
 * Close_wait descending, then the numeric identity ascending (ns, cgroup
 * id: the module's own tie-break, where comparing keys as strings would
 * put id 100 before id 99), then the key.
 */
static int cmp_row(const void *a, const void *b)
{
	const struct cw_row *x = a, *y = b;

	if (x->c.close_wait != y->c.close_wait)
		return x->c.close_wait < y->c.close_wait ? 1 : -1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return strcmp(x->key, y->key);
}

/*
 * No total row except for CW_BY_TOTAL: every other row set partitions the
 * total (each socket is in one netns and one cgroup), and cw_check_eval()
 * and watch treat every row alike. The table prints the total itself.
 */
int cw_rows_build(struct cw_rows *rows, const struct cw_snapshot *s,
		  enum cw_by by, const struct cw_names *names)
{
	size_t cap = 0, i, j;
	struct cw_row *r;

	memset(rows, 0, sizeof(*rows));
	switch (by) {
	case CW_BY_TOTAL:
		r = add_row(rows, &cap);
		if (!r)
			goto fail;
		r->kind = CW_ROW_TOTAL;
		r->c = s->total;
		if (set_strings(r, strdup("total"), strdup("total"))) {
			rows->n--;
			goto fail;
		}
		return 0;
	case CW_BY_NETNS:
		for (i = 0; i < s->nnetns; i++)
			if (add_netns(rows, &cap, &s->netns[i], names))
				goto fail;
		break;
	case CW_BY_TREE:
		for (i = 0; i < s->nnetns; i++) {
			const struct cw_netns *n = &s->netns[i];

			if (add_netns(rows, &cap, n, names))
				goto fail;
			for (j = 0; j < n->ncgroups; j++) {
				const struct cw_cgroup *cg = &n->cgroups[j];

				r = add_row(rows, &cap);
				if (!r)
					goto fail;
				r->kind = CW_ROW_CGROUP;
				r->ns = n->ns;
				r->cgroup_id = cg->id;
				r->depth = 1;
				r->c = cg->c;
				r->path = strdup(cg->path);
				if (!r->path) {
					rows->n--;
					goto fail;
				}
				if (set_strings(r,
						xasprintf("cg:%" PRIu64 ":%"
							  PRIu64, n->ns,
							  cg->id),
						cgroup_label(cg))) {
					free(r->path);
					rows->n--;
					goto fail;
				}
			}
		}
		/* The snapshot's order: each netns keeps its cgroups. */
		return 0;
	case CW_BY_CGROUP:
	case CW_BY_CONTAINER:
		if (add_grouped(rows, &cap, s, by))
			goto fail;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (rows->n > 1)
		qsort(rows->v, rows->n, sizeof(*rows->v), cmp_row);
	return 0;
fail:
	cw_rows_free(rows);
	errno = ENOMEM;
	return -1;
}

const struct cw_row *cw_rows_find(const struct cw_rows *rows, const char *key)
{
	size_t i;

	/*
	 * Linear, as the rows are kept in display order; cw_output() indexes
	 * a whole previous sample itself rather than calling this per row.
	 */
	for (i = 0; rows && i < rows->n; i++)
		if (!strcmp(rows->v[i].key, key))
			return &rows->v[i];
	return NULL;
}

void cw_rows_free(struct cw_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++) {
		free(rows->v[i].key);
		free(rows->v[i].label);
		free(rows->v[i].path);
	}
	free(rows->v);
	rows->v = NULL;
	rows->n = 0;
}

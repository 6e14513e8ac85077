// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static void *grow(void *array, size_t n, size_t size)
{
	/* Double at powers of two, so appends stay amortised O(1). */
	if (n && (n & (n - 1)))
		return array;
	if (n > SIZE_MAX / 2 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(array, (n ? 2 * n : 1) * size);
}

struct cw_netns *cw_snapshot_add_netns(struct cw_snapshot *s, uint64_t ns)
{
	struct cw_netns *a = grow(s->netns, s->nnetns, sizeof(*a));

	if (!a)
		return NULL;
	s->netns = a;
	a = &s->netns[s->nnetns++];
	memset(a, 0, sizeof(*a));
	a->ns = ns;
	return a;
}

struct cw_cgroup *cw_netns_add_cgroup(struct cw_netns *n, uint64_t id,
				      const char *path)
{
	struct cw_cgroup *a = grow(n->cgroups, n->ncgroups, sizeof(*a));
	char *p = strdup(path ? path : "?");

	if (!a || !p) {
		free(p);
		return NULL;
	}
	n->cgroups = a;
	a = &n->cgroups[n->ncgroups++];
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->path = p;
	return a;
}

void cw_counts_add(struct cw_counts *dst, const struct cw_counts *src)
{
	dst->close_wait += src->close_wait;
	dst->recvq_bytes += src->recvq_bytes;
	dst->rmem_bytes += src->rmem_bytes;
	if (src->oldest_idle_s > dst->oldest_idle_s)
		dst->oldest_idle_s = src->oldest_idle_s;
	if (src->has & CW_HAS_OLDEST && src->oldest_s > dst->oldest_s)
		dst->oldest_s = src->oldest_s;
	if (src->has & CW_HAS_SOCKETS)
		dst->sockets += src->sockets;
	if (src->has & CW_HAS_AGES) {
		size_t i;

		for (i = 0; i < CW_NR_AGES; i++)
			dst->ages[i] += src->ages[i];
	}
	dst->has |= src->has;
}

uint64_t cw_counts_age(const struct cw_counts *c)
{
	return c->has & CW_HAS_OLDEST ? c->oldest_s : c->oldest_idle_s;
}

static int cmp_u64_desc_then_asc(uint64_t a_cw, uint64_t b_cw,
				 uint64_t a_key, uint64_t b_key)
{
	if (a_cw != b_cw)
		return a_cw < b_cw ? 1 : -1;
	if (a_key != b_key)
		return a_key < b_key ? -1 : 1;
	return 0;
}

static int cmp_netns(const void *a, const void *b)
{
	const struct cw_netns *x = a, *y = b;

	return cmp_u64_desc_then_asc(x->c.close_wait, y->c.close_wait,
				     x->ns, y->ns);
}

static int cmp_cgroup(const void *a, const void *b)
{
	const struct cw_cgroup *x = a, *y = b;

	return cmp_u64_desc_then_asc(x->c.close_wait, y->c.close_wait,
				     x->id, y->id);
}

void cw_snapshot_sort(struct cw_snapshot *s)
{
	size_t i;

	if (s->nnetns > 1)
		qsort(s->netns, s->nnetns, sizeof(*s->netns), cmp_netns);
	for (i = 0; i < s->nnetns; i++)
		if (s->netns[i].ncgroups > 1)
			qsort(s->netns[i].cgroups, s->netns[i].ncgroups,
			      sizeof(*s->netns[i].cgroups), cmp_cgroup);
}

void cw_snapshot_free(struct cw_snapshot *s)
{
	size_t i, j;

	for (i = 0; i < s->nnetns; i++) {
		for (j = 0; j < s->netns[i].ncgroups; j++)
			free(s->netns[i].cgroups[j].path);
		free(s->netns[i].cgroups);
	}
	free(s->netns);
	memset(s, 0, sizeof(*s));
}

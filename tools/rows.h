/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot seen one way (--by): the flat rows that the table, the check
 * and the watch deltas work on.
 */
#ifndef CWSTAT_TOOL_ROWS_H
#define CWSTAT_TOOL_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "snapshot.h"

enum cw_by {
	CW_BY_TREE,		/* netns rows, each followed by its cgroups */
	CW_BY_TOTAL,
	CW_BY_NETNS,
	CW_BY_CGROUP,		/* summed over netns, by cgroup id */
	CW_BY_CONTAINER,	/* summed by container; others by cgroup path */
};

bool cw_by_parse(const char *arg, enum cw_by *by);
const char *cw_by_name(enum cw_by by);

enum cw_row_kind {
	CW_ROW_TOTAL,
	CW_ROW_NETNS,
	CW_ROW_CGROUP,
	CW_ROW_CONTAINER,
};

struct cw_row {
	enum cw_row_kind kind;
	/*
	 * Stable identity, equal across two samples for the same row (watch
	 * deltas match on it): "total", "ns:<inode>", "cg:<ns>:<id>" in the
	 * tree, "cg:<id>" by cgroup, "ct:<container or path>" by container.
	 */
	char *key;
	char *label;		/* for people: a path, a name, a container */
	char *path;		/* cgroup and container rows: a cgroup path */
	uint64_t ns;		/* netns rows and tree cgroup rows, else 0 */
	uint64_t cgroup_id;	/* cgroup rows, else 0 */
	unsigned int depth;	/* 1 for a cgroup under its netns in the tree */
	struct cw_counts c;
};

struct cw_rows {
	struct cw_row *v;
	size_t n;
};

/*
 * Build @rows from @s: CW_BY_TOTAL gives one row; the others give rows in
 * the snapshot's order (tree) or sorted by close_wait descending then key.
 * @names (may be NULL) supplies netns labels. Returns 0, or -1 on ENOMEM.
 */
int cw_rows_build(struct cw_rows *rows, const struct cw_snapshot *s,
		  enum cw_by by, const struct cw_names *names);
const struct cw_row *cw_rows_find(const struct cw_rows *rows, const char *key);
void cw_rows_free(struct cw_rows *rows);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One reading of CLOSE_WAIT counts, whatever its source: the module's
 * /proc/cwstat (parse.c), a saved copy of it, or sock_diag (diag.c).
 * Every formatter and check works on this and nothing else, so the sources
 * cannot disagree about what a row means.
 */
#ifndef CWSTAT_TOOL_SNAPSHOT_H
#define CWSTAT_TOOL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which of the optional counters a row carries (cw_counts.has). */
enum {
	CW_HAS_SOCKETS	= 1u << 0,	/* "sockets": module walk only */
	CW_HAS_OLDEST	= 1u << 1,	/* "oldest_s": exact age, live mode */
	CW_HAS_AGES	= 1u << 2,	/* "age_*" buckets: live mode */
};

/* The module's age buckets (CWSTAT_AGE_KEYS), the last one unbounded. */
#define CW_NR_AGES	6

struct cw_counts {
	uint64_t close_wait;
	uint64_t recvq_bytes;
	uint64_t rmem_bytes;
	uint64_t oldest_idle_s;
	uint64_t oldest_s;	/* valid with CW_HAS_OLDEST */
	uint64_t sockets;	/* valid with CW_HAS_SOCKETS */
	/*
	 * Valid with CW_HAS_AGES: sockets per age bucket, not cumulative,
	 * as the format has them (bounds CWSTAT_AGE_BOUNDS_S, then above).
	 */
	uint64_t ages[CW_NR_AGES];
	unsigned int has;
};

struct cw_cgroup {
	uint64_t id;
	char *path;		/* decoded bytes, NUL-terminated; "?" unknown */
	bool path_cut;		/* path is the first 4095 bytes of a longer one */
	struct cw_counts c;
};

struct cw_netns {
	uint64_t ns;		/* netns inode */
	struct cw_counts c;
	struct cw_cgroup *cgroups;
	size_t ncgroups;
};

enum cw_source {
	CW_SOURCE_MODULE,	/* /proc/cwstat */
	CW_SOURCE_FILE,		/* --input */
	CW_SOURCE_DIAG,		/* sock_diag */
};

/*
 * The module's word on its counts, from /sys/kernel/cwstat (health.h):
 * read only for the module's counts (or with --sysfs), and only where the
 * files can be read. Unread, it says nothing either way.
 */
struct cw_health {
	bool read;
	char mode[8];			/* "live" or "scan" */
	bool capped;			/* table at max_tracked, misses */
	uint64_t unresolved;		/* CLOSE_WAIT, lock held, uncounted */
	uint64_t untracked_total;	/* tracked_overflow since load */
};

/* Longest reason a snapshot gives for seeing less than the host (scope). */
#define CW_SCOPE_MAX	200

struct cw_snapshot {
	unsigned int version;	/* format version of the input */
	enum cw_source source;
	struct cw_counts total;
	struct cw_netns *netns;
	size_t nnetns;
	struct cw_health health;
	/*
	 * Empty when the counts cover every netns of the host (or a saved
	 * copy, as saved), else what they leave out and why: a reader that
	 * is not root in the host's namespaces sees its own netns only, and
	 * sock_diag misses the netns it cannot enter (source.c, diag.c).
	 */
	char partial[CW_SCOPE_MAX];
	unsigned int netns_missed;	/* sock_diag: netns not counted */
};

/* Append rows; they return NULL (errno ENOMEM) on allocation failure. */
struct cw_netns *cw_snapshot_add_netns(struct cw_snapshot *s, uint64_t ns);
struct cw_cgroup *cw_netns_add_cgroup(struct cw_netns *n, uint64_t id,
				      const char *path);

/* Fold @src into @dst: sums, and the maximum of the ages. */
void cw_counts_add(struct cw_counts *dst, const struct cw_counts *src);

/*
 * The module's order: netns by close_wait descending then ns ascending,
 * cgroups within each by close_wait descending then id ascending.
 */
void cw_snapshot_sort(struct cw_snapshot *s);

/* Oldest age of a row in seconds: exact when known, else idle time. */
uint64_t cw_counts_age(const struct cw_counts *c);

void cw_snapshot_free(struct cw_snapshot *s);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cwstat: count TCP sockets in CLOSE_WAIT per network namespace and cgroup.
 * Declarations shared between the module's files.
 */
#ifndef CWSTAT_H
#define CWSTAT_H

#include <linux/kref.h>
#include <linux/types.h>

struct cgroup;
struct net;
struct seq_file;

/* CLOSE_WAIT sums of one row. */
struct cwstat_counts {
	u64 close_wait;
	u64 recvq_bytes;	/* unread payload, the peer's FIN excluded */
	u64 rmem_bytes;		/* sk_rmem_alloc: memory the sockets pin */
	u32 oldest_idle;	/* jiffies since the last segment, at most */
};

/*
 * One row of a walk's result: a network namespace (cgroup_id == 0, cgrp ==
 * NULL) or a cgroup within one. ns == 0 marks a free slot of the aggregation
 * table: no live netns has inode number 0.
 */
struct cwstat_row {
	unsigned int ns;
	u64 cgroup_id;
	struct cgroup *cgrp;	/* holds a reference; NULL on a netns row */
	struct cwstat_counts cw;
	u64 sockets;		/* netns rows: sockets of any state walked */
	u64 netns_close_wait;	/* the enclosing netns's count, for sorting */
};

/*
 * Open-addressing hash of rows, keyed by (ns, cgroup_id). It is filled under
 * ehash bucket locks, where nothing may be allocated, so the walk makes room
 * before it takes a bucket lock (cwstat_agg_reserve()).
 */
struct cwstat_agg {
	struct cwstat_row *slots;
	unsigned int size;	/* a power of two, or 0 before the first grow */
	unsigned int used;
};

int cwstat_agg_reserve(struct cwstat_agg *agg, unsigned int more);
struct cwstat_row *cwstat_agg_find(struct cwstat_agg *agg, unsigned int ns,
				   u64 cgroup_id);
struct cwstat_row *cwstat_agg_find_or_add(struct cwstat_agg *agg,
					  unsigned int ns, u64 cgroup_id,
					  struct cgroup *cgrp);
void cwstat_agg_destroy(struct cwstat_agg *agg);

struct cwstat_walk_stats {
	u64 sockets;		/* entries of any state in the walked chains */
	u64 buckets;		/* buckets of all the tables walked */
	unsigned int tables;	/* distinct ehash tables walked */
	u64 duration_ns;
};

int cwstat_walk(struct cwstat_agg *agg, struct cwstat_walk_stats *stats);

/* Unread payload of a CLOSE_WAIT socket, given rcv_nxt and copied_seq. */
static inline u32 cwstat_close_wait_payload(u32 rcv_nxt, u32 copied_seq)
{
	u32 queued = rcv_nxt - copied_seq;

	/*
	 * The peer's FIN takes one sequence number, and copied_seq passes it
	 * only when the application reads EOF. Until then the FIN is in the
	 * difference and is not a byte; after it, nothing is left to read.
	 */
	return queued ? queued - 1 : 0;
}

/*
 * The result of one walk, immutable once published. Readers hold a reference
 * while they render it, so a new walk can replace the cached one under them.
 */
struct cwstat_snapshot {
	struct kref ref;
	u64 started_ns;		/* ktime_get_ns() when the walk began */
	struct cwstat_walk_stats stats;
	unsigned int nr_rows;
	struct cwstat_row *rows;	/* in output order, see cwstat_row_cmp() */
};

/* An hour: a cache older than that would make the numbers meaningless. */
#define CWSTAT_MAX_AGE_MS_LIMIT	3600000U

extern unsigned int cwstat_max_age_ms;

struct cwstat_snapshot *cwstat_snapshot_get(void);
void cwstat_snapshot_put(struct cwstat_snapshot *snap);
void cwstat_snapshot_exit(void);
size_t cwstat_snapshot_size_hint(void);
int cwstat_row_cmp(const void *a, const void *b);
int cwstat_snapshot_build(struct cwstat_agg *agg,
			  struct cwstat_snapshot *snap);

/*
 * Which rows a reader may see: every netns, or only @net. The reader holds a
 * reference on @net, so its inode number cannot pass to another netns.
 */
struct cwstat_scope {
	bool all;
	struct net *net;
};

void cwstat_render(struct seq_file *m, const struct cwstat_snapshot *snap,
		   const struct cwstat_scope *scope);
int cwstat_proc_init(void);
void cwstat_proc_exit(void);
int cwstat_proc_net_init(void);
void cwstat_proc_net_exit(void);

int cwstat_sysfs_init(void);
void cwstat_sysfs_exit(void);
/* Caller holds the walk mutex (cwstat_snapshot.c): one walker at a time. */
void cwstat_health_note_walk(const struct cwstat_walk_stats *stats,
			     u64 close_wait);
void cwstat_alarm_update(u64 total);

#ifdef DEBUG
int cwstat_selftest(void);
#else
static inline int cwstat_selftest(void)
{
	return 0;
}
#endif

#endif /* CWSTAT_H */

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
struct inet_hashinfo;
struct net;
struct seq_file;
struct sock;

/*
 * Where the counts come from (the load-time "mode" parameter): the live
 * table fed by the state-change tracepoint, or a walk of the hash tables
 * on every (uncached) read.
 */
enum cwstat_mode {
	CWSTAT_MODE_LIVE,
	CWSTAT_MODE_SCAN,
};

extern int cwstat_mode;
const char *cwstat_mode_name(void);

/* Age histogram buckets, as in cwstat_format.h: up to 1 s, 10 s, ... */
#define CWSTAT_AGE_BUCKETS	6

/* CLOSE_WAIT sums of one row. */
struct cwstat_counts {
	u64 close_wait;
	u64 recvq_bytes;	/* unread payload, the peer's FIN excluded */
	u64 rmem_bytes;		/* sk_rmem_alloc: memory the sockets pin */
	u32 oldest_idle;	/* jiffies since the last segment, at most */
	/* Live mode only: time in CLOSE_WAIT. */
	u64 oldest_age_ns;	/* of the row's oldest socket */
	u64 age_hist[CWSTAT_AGE_BUCKETS];	/* sockets per age bucket */
};

/*
 * One row of a walk's result: a network namespace (cgroup_id == 0, cgrp ==
 * NULL) or a cgroup within one. Rows are keyed and scoped by the netns's
 * cookie, which no other netns ever gets (cwstat_net_cookie()); ns, the
 * inode number, is only printed: a netns made after the walk may have it
 * already, and its readers must not see these rows. ns == 0 marks a free
 * slot of the aggregation table: no netns has inode number 0.
 */
struct cwstat_row {
	unsigned int ns;
	u64 net_cookie;
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
unsigned int cwstat_agg_room(const struct cwstat_agg *agg);
struct cwstat_row *cwstat_agg_find(struct cwstat_agg *agg, u64 net_cookie,
				   u64 cgroup_id);
struct cwstat_row *cwstat_agg_find_or_add(struct cwstat_agg *agg,
					  unsigned int ns, u64 net_cookie,
					  u64 cgroup_id, struct cgroup *cgrp);
void cwstat_agg_destroy(struct cwstat_agg *agg);

struct cwstat_walk_stats {
	u64 sockets;		/* entries of any state in the walked chains */
	u64 buckets;		/* buckets of all the tables walked */
	unsigned int tables;	/* distinct ehash tables walked */
	u64 duration_ns;
};

int cwstat_walk(struct cwstat_agg *agg, struct cwstat_walk_stats *stats);
void cwstat_count_close_wait(struct cwstat_counts *cw, const struct sock *sk,
			     u32 now);
void cwstat_counts_add(struct cwstat_counts *sum,
		       const struct cwstat_counts *cw);

int cwstat_visit_tables(int (*fn)(struct inet_hashinfo *hinfo, void *arg),
			void *arg);

/* Sockets taken from one ehash chain, each with a reference. */
struct cwstat_batch {
	struct sock **socks;
	unsigned int nr;
	unsigned int size;
};

int cwstat_walk_candidates(int (*fn)(struct cwstat_batch *batch, void *arg),
			   void *arg, bool wide);

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
	bool live;		/* from the live table: ages, but no "sockets" */
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
 * Which rows a reader may see: every netns, or only @net's, by its cookie:
 * a cached snapshot may hold the rows of a dead netns whose inode number
 * @net now has.
 */
struct cwstat_scope {
	bool all;
	struct net *net;
};

int cwstat_render(struct seq_file *m, const struct cwstat_snapshot *snap,
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

/*
 * Live mode (cwstat_live.c). Load: cwstat_live_init() (the table and a
 * first pool), cwstat_live_start() (the tracepoint probe), cwstat_live_seed()
 * (the sockets already in CLOSE_WAIT). Unload: cwstat_live_stop(), then
 * cwstat_live_exit().
 */
extern unsigned int cwstat_max_tracked;
extern unsigned int cwstat_reconcile_period_s;

int cwstat_live_init(void);
int cwstat_live_start(void);
int cwstat_live_seed(void);
void cwstat_live_stop(void);
void cwstat_live_exit(void);
int cwstat_live_reconcile(void);
int cwstat_live_collect(struct cwstat_agg *agg, struct cwstat_walk_stats *stats);

/*
 * A reap request (cwstat_reap.c), parsed and allowed: abort the tracked
 * sockets in CLOSE_WAIT for at least older_than_s seconds, of netns ns (of
 * every netns with all_ns), of cgroup cgroup_id and local port lport (0:
 * any), at most max of them; with dry_run only count them.
 */
struct cwstat_reap_req {
	u32 older_than_s;
	bool all_ns;
	unsigned int ns;
	u64 cgroup_id;
	u16 lport;
	u32 max;
	bool dry_run;
	u32 test_delay_ms;	/* test builds: sleep after each abort */
};

struct cwstat_reap_result {
	u64 matched;		/* matched the request, max or not */
	u64 aborted;		/* moved out of CLOSE_WAIT by our tcp_abort() */
	u64 skipped_state;	/* left CLOSE_WAIT before we aborted it */
	u64 skipped_max;	/* matched beyond max: left alone */
};

int cwstat_live_reap(const struct cwstat_reap_req *req,
		     struct cwstat_reap_result *res);
/* cwstat_netkey.c: each netns's key where the kernel has no cookie. */
int cwstat_netkey_init(void);
void cwstat_netkey_exit(void);

int cwstat_reap_init(void);
void cwstat_reap_exit(void);

/* Counters of the live table, for cwstat_live_stat(). */
enum cwstat_live_stat {
	CWSTAT_STAT_TRACKED,		/* sockets in the table now */
	CWSTAT_STAT_TRACKED_OVERFLOW,	/* entries into CLOSE_WAIT not tracked */
	CWSTAT_STAT_PROBE_HITS,		/* CLOSE_WAIT entries and exits seen */
	CWSTAT_STAT_DRIFT,		/* corrections made by reconciliation */
	CWSTAT_STAT_RECONCILES,		/* reconciliations run, seeding included */
	CWSTAT_STAT_SEEDED,		/* sockets found in CLOSE_WAIT at load */
	CWSTAT_STAT_POOL_ENTRIES,	/* entries allocated, tracked or free */
	CWSTAT_STAT_POOL_BYTES,		/* memory of the table and the pool */
	CWSTAT_STAT_REAPED,		/* sockets aborted by the reaper */
	CWSTAT_STAT_UNRESOLVED,		/* last reconciliation: owned, not seen */
	CWSTAT_STAT_CAPPED,		/* 1: at max_tracked, sockets untracked */
	CWSTAT_STAT_NR
};

u64 cwstat_live_stat(enum cwstat_live_stat which);

#ifdef DEBUG
int cwstat_selftest(void);
#else
static inline int cwstat_selftest(void)
{
	return 0;
}
#endif

#endif /* CWSTAT_H */

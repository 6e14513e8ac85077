/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cwstat: count TCP sockets in CLOSE_WAIT per network namespace and cgroup.
 * Declarations shared between the module's files, by layer, lowest first.
 * A file calls only into the layers below its own (scripts/check-layers
 * checks the objects' symbols):
 *
 *   cwstat_main.c        parameters, wiring, the init/exit ladder
 *   cwstat_selftest.c    DEBUG builds: self-tests of rows and their order
 *   cwstat_proc.c, cwstat_sysfs.c, cwstat_reap.c      front-ends
 *   cwstat_snapshot.c    a source's result, sorted and cached
 *   cwstat_alarm.c       thresholds on a source's count, the level, uevents
 *   cwstat_live.c, cwstat_scan.c                       sources
 *   cwstat_reconcile.c, cwstat_live_reap.c   live: reconciliation, reaper
 *   cwstat_examine.c, cwstat_sweep.c   live: one socket's look, the sweep
 *   cwstat_table_read.c  live: the table's read
 *   cwstat_table.c       live: the table, its probe
 *   cwstat_tracked.c     live: the tracked count, slow-path pacing
 *   cwstat_pool.c        live: free entries
 *   cwstat_walk.c, cwstat_netkey.c    the ehash walk, rows, netns keys
 *   cwstat_window.c      DEBUG builds: race windows held open on demand
 *
 * Load builds the layers bottom-up; unload takes them down in reverse.
 */
#ifndef CWSTAT_H
#define CWSTAT_H

#include <linux/kref.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct cgroup;
struct inet_hashinfo;
struct kobject;
struct net;
struct seq_file;
struct sock;

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

/* Sockets taken from one ehash chain, each with a reference. */
struct cwstat_batch {
	struct sock **socks;
	unsigned int nr;	/* never above size: no store past the array */
	unsigned int size;
};

int cwstat_walk_candidates(int (*fn)(struct cwstat_batch *batch, void *arg),
			   void *arg, bool wide);

#ifdef DEBUG
/* The test knobs' bool setter: root on the host only (cwstat_walk.c). */
extern const struct kernel_param_ops cwstat_knob_bool_ops;
#endif

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

/* cwstat_netkey.c: each netns's key where the kernel has no cookie. */
int cwstat_netkey_init(void);
void cwstat_netkey_exit(void);

/*
 * ---- Sources: where the counts come from ------------------------------------
 *
 * One source is chosen at load (the "mode" parameter) and handed by
 * cwstat_main.c to each layer above, which calls it only through this
 * interface: cwstat_live.c (a table kept by the state-change tracepoint)
 * or cwstat_scan.c (a walk of the established hash tables on each read).
 */

/* A source's counters, for sysfs: one value each, read without a lock. */
enum cwstat_stat {
	CWSTAT_STAT_SCANS,		/* walks of the ehash tables */
	CWSTAT_STAT_LAST_SCAN_NS,	/* scan: the newest walk's duration */
	CWSTAT_STAT_LAST_SCAN_SOCKETS,	/* scan: sockets it met, any state */
	CWSTAT_STAT_LAST_SCAN_BUCKETS,	/* scan: buckets it walked */
	CWSTAT_STAT_TABLES,		/* scan: distinct ehash tables walked */
	CWSTAT_STAT_TRACKED,		/* live: sockets in the table now */
	CWSTAT_STAT_TRACKED_OVERFLOW,	/* live: entries into CLOSE_WAIT not tracked */
	CWSTAT_STAT_PROBE_HITS,		/* live: CLOSE_WAIT entries and exits seen */
	CWSTAT_STAT_DRIFT,		/* live: corrections made by reconciliation */
	CWSTAT_STAT_RECONCILES,		/* live: reconciliations, seeding included */
	CWSTAT_STAT_SEEDED,		/* live: sockets found in CLOSE_WAIT at load */
	CWSTAT_STAT_POOL_ENTRIES,	/* live: entries allocated, tracked or free */
	CWSTAT_STAT_POOL_BYTES,		/* live: memory of the table and the pool */
	CWSTAT_STAT_REAPED,		/* live: sockets aborted by the reaper */
	CWSTAT_STAT_UNRESOLVED,		/* live: last reconciliation: owned, not seen */
	CWSTAT_STAT_CAPPED,		/* live: 1: at max_tracked, sockets untracked */
	CWSTAT_STAT_NR
};

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
	u64 aborted;		/* moved out of CLOSE_WAIT by the reaper */
	u64 skipped_state;	/* left CLOSE_WAIT before we aborted it */
	u64 skipped_max;	/* matched beyond max: left alone */
	u64 skipped_busy;	/* a process owned it: left alone */
};

/*
 * The alarm's watch on a source's host-wide count. The alarm (the layer
 * above) publishes the band of counts in which its level holds and the
 * work that re-evaluates it; a source whose count leaves the band queues
 * the work. A source never calls up: it compares numbers and queues a work
 * item, in any context. While no threshold is set the watch is not armed,
 * and a source's whole cost is one load of this read-mostly structure.
 *
 * Why no change is lost. The evaluation writes the band, issues a full
 * barrier and reads the count again; a source that changes its count and
 * finds the watch armed issues a full barrier (cwstat_watch_armed()) and
 * then reads the band. So either the source sees the new band, or the
 * evaluation sees the new count (and re-queues itself if it is out of the
 * band). A source that found the watch not armed issued no barrier: so the
 * evaluation that arms it waits for a grace period before it reads the
 * count (cwstat_alarm_eval()), and a source updates its count and looks at
 * the watch inside one RCU read-side section. Either that section ended
 * before the grace period did, and its update is visible to the count's
 * read, or it began after the grace period began, and it sees the watch
 * armed.
 */
struct cwstat_watch {
	bool armed;		/* a threshold is set: the band means something */
	s64 low;		/* the level holds while low <= count < high */
	s64 high;		/* S64_MAX: no upper bound */
	struct work_struct *eval;
};

/*
 * The watch in @slot if it is armed, for a source that has just changed
 * its count, inside the same RCU read-side section as the change; else
 * NULL, which is nearly always when no threshold is set.
 */
static inline const struct cwstat_watch *
cwstat_watch_armed(struct cwstat_watch __rcu **slot)
{
	const struct cwstat_watch *w = rcu_dereference(*slot);

	if (likely(!w || !READ_ONCE(w->armed)))
		return NULL;
	/* The count's update, then the band: see struct cwstat_watch. */
	smp_mb();
	return w;
}

/*
 * Set the watch in @slot (a source's watch op). Clearing it waits until no
 * source can still use the old one. Process context.
 */
static inline void cwstat_watch_set(struct cwstat_watch __rcu **slot,
				    struct cwstat_watch *w)
{
	rcu_assign_pointer(*slot, w);
	if (!w)
		synchronize_rcu();
}

struct cwstat_source {
	const char *name;	/* the mode parameter's value */
	bool ages;		/* rows carry time in CLOSE_WAIT, not "sockets" */
	/*
	 * Load, in this order; unload: quiesce, stop, then exit. Process
	 * context.
	 */
	int (*init)(void);	/* memory: the table, a first pool */
	int (*start)(void);	/* attach to the kernel: the probe */
	int (*seed)(void);	/* what was already there at load */
	/*
	 * Unload has begun: end early what a front-end may be waiting for
	 * (a reconciliation), and start nothing new. Idempotent.
	 */
	void (*quiesce)(void);
	void (*stop)(void);	/* after this, nothing runs or is queued */
	void (*exit)(void);	/* free what init made */
	/*
	 * Sum every socket in CLOSE_WAIT into @agg. Sleeps. Callers serialise
	 * collections (the snapshot's walk mutex): a source may keep the
	 * health of its walks in plain variables.
	 */
	int (*collect)(struct cwstat_agg *agg, struct cwstat_walk_stats *stats);
	/* The host-wide count the alarm watches: authoritative, cheap. */
	u64 (*count)(void);
	/*
	 * Watch the count with @w; NULL stops it. After watch(NULL)
	 * returns, the source neither reads the old watch nor queues its
	 * work any more.
	 */
	void (*watch)(struct cwstat_watch *w);
	u64 (*stat)(enum cwstat_stat which);
	/* A reconciliation now; -ENODEV where there is none to run. */
	int (*reconcile)(void);
	/* -EOPNOTSUPP where there is no time in CLOSE_WAIT to reap by. */
	int (*reap)(const struct cwstat_reap_req *req,
		    struct cwstat_reap_result *res);
};

extern const struct cwstat_source cwstat_live_source;
extern const struct cwstat_source cwstat_scan_source;

/*
 * Live mode's parameters (cwstat_main.c sets them before init); max_tracked
 * bounds the tracked sockets, and so live mode's memory.
 */
#define CWSTAT_MAX_TRACKED_MIN	1024U
#define CWSTAT_MAX_TRACKED_MAX	(16U << 20)
extern unsigned int cwstat_max_tracked;
extern unsigned int cwstat_reconcile_period_s;

/*
 * ---- The alarm: thresholds on a source's count -------------------------------
 * (cwstat_alarm.c). It owns the warn and crit thresholds, the level and its
 * notification: poll() on /sys/kernel/cwstat/alarm, and a uevent.
 */
enum cwstat_alarm_level {
	CWSTAT_ALARM_OK,
	CWSTAT_ALARM_WARN,
	CWSTAT_ALARM_CRIT,
};

enum cwstat_threshold {
	CWSTAT_WARN,
	CWSTAT_CRIT,
};

int cwstat_alarm_init(const struct cwstat_source *src);
void cwstat_alarm_exit(void);
/* Where poll() on "alarm" is woken: the sysfs front-end's kobject, or NULL. */
void cwstat_alarm_attach(struct kobject *kobj);
enum cwstat_alarm_level cwstat_alarm_level(void);
const char *cwstat_alarm_level_name(enum cwstat_alarm_level level);
u64 cwstat_alarm_threshold(enum cwstat_threshold which);
int cwstat_alarm_set_threshold(enum cwstat_threshold which, u64 val);

/*
 * ---- Snapshots: a source's result, sorted and cached --------------------------
 * (cwstat_snapshot.c).
 *
 * The result of one collection, immutable once published. Readers hold a
 * reference while they render it, so a new one can replace the cached one
 * under them.
 */
struct cwstat_snapshot {
	struct kref ref;
	u64 started_ns;		/* ktime_get_ns() when the walk began */
	bool ages;		/* from the live table: ages, but no "sockets" */
	struct cwstat_walk_stats stats;
	unsigned int nr_rows;
	struct cwstat_row *rows;	/* in output order, see cwstat_row_cmp() */
};

/* An hour: a cache older than that would make the numbers meaningless. */
#define CWSTAT_MAX_AGE_MS_LIMIT	3600000U

/* How long a snapshot is served: a parameter, and a sysfs tunable. */
extern unsigned int cwstat_max_age_ms;

int cwstat_snapshot_init(const struct cwstat_source *src);
struct cwstat_snapshot *cwstat_snapshot_get(void);
void cwstat_snapshot_put(struct cwstat_snapshot *snap);
void cwstat_snapshot_exit(void);
size_t cwstat_snapshot_size_hint(void);
int cwstat_row_cmp(const void *a, const void *b);

/*
 * ---- Front-ends: /proc, /sys, the reaper --------------------------------------
 *
 * Which rows a reader may see: every netns, or only @net's, by its cookie:
 * a cached snapshot may hold the rows of a dead netns whose inode number
 * @net now has.
 */
struct cwstat_scope {
	bool all;
	struct net *net;
};

int cwstat_proc_init(void);
void cwstat_proc_exit(void);
int cwstat_proc_net_init(void);
void cwstat_proc_net_exit(void);

int cwstat_sysfs_init(const struct cwstat_source *src);
void cwstat_sysfs_exit(void);

int cwstat_reap_init(const struct cwstat_source *src);
void cwstat_reap_exit(void);

#ifdef DEBUG
int cwstat_selftest(void);
#else
static inline int cwstat_selftest(void)
{
	return 0;
}
#endif

#endif /* CWSTAT_H */

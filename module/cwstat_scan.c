// SPDX-License-Identifier: GPL-2.0
/*
 * Scan mode: the counts come from a walk of every established hash table
 * on each collection (cwstat_walk()); nothing runs between reads. The walk
 * also gives the host-wide count that the alarm watches, and the walk's
 * health for sysfs.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>

#include "cwstat.h"

/*
 * The newest walk: its host-wide count and its health. Written by
 * cwstat_scan_collect(), whose caller serialises collections (the
 * snapshot's walk mutex); read locklessly, one value at a time, so a
 * reader never needs two of them to agree.
 */
static u64 cwstat_scans;
static u64 cwstat_last_scan_ns;
static u64 cwstat_last_scan_sockets;
static u64 cwstat_last_scan_buckets;
static unsigned int cwstat_last_scan_tables;
static u64 cwstat_scan_close_wait;

/* The alarm's watch on cwstat_scan_close_wait; see struct cwstat_watch. */
static struct cwstat_watch __rcu *cwstat_scan_watch;

static int cwstat_scan_nothing(void)
{
	return 0;
}

static void cwstat_scan_none(void)
{
}

/* Every netns walked, whoever reads: the host-wide count. */
static u64 cwstat_agg_close_wait(const struct cwstat_agg *agg)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < agg->size; i++)
		if (agg->slots[i].ns && !agg->slots[i].cgroup_id)
			sum += agg->slots[i].cw.close_wait;
	return sum;
}

/* The new host-wide count; the alarm is told if it left the band. */
static void cwstat_scan_count_set(u64 close_wait)
{
	const struct cwstat_watch *w;
	s64 count = min_t(u64, close_wait, S64_MAX);

	rcu_read_lock();
	WRITE_ONCE(cwstat_scan_close_wait, close_wait);
	w = cwstat_watch_armed(&cwstat_scan_watch);
	if (w && (count < READ_ONCE(w->low) || count >= READ_ONCE(w->high)))
		queue_work(system_wq, w->eval);
	rcu_read_unlock();
}

static int cwstat_scan_collect(struct cwstat_agg *agg,
			       struct cwstat_walk_stats *stats)
{
	u64 close_wait;
	int err;

	err = cwstat_walk(agg, stats);
	if (err)
		return err;
	close_wait = cwstat_agg_close_wait(agg);
	WRITE_ONCE(cwstat_scans, cwstat_scans + 1);
	WRITE_ONCE(cwstat_last_scan_ns, stats->duration_ns);
	WRITE_ONCE(cwstat_last_scan_sockets, stats->sockets);
	WRITE_ONCE(cwstat_last_scan_buckets, stats->buckets);
	WRITE_ONCE(cwstat_last_scan_tables, stats->tables);
	cwstat_scan_count_set(close_wait);
	return 0;
}

static u64 cwstat_scan_count(void)
{
	return READ_ONCE(cwstat_scan_close_wait);
}

static void cwstat_scan_set_watch(struct cwstat_watch *w)
{
	cwstat_watch_set(&cwstat_scan_watch, w);
}

static u64 cwstat_scan_stat(enum cwstat_stat which)
{
	switch (which) {
	case CWSTAT_STAT_SCANS:
		return READ_ONCE(cwstat_scans);
	case CWSTAT_STAT_LAST_SCAN_NS:
		return READ_ONCE(cwstat_last_scan_ns);
	case CWSTAT_STAT_LAST_SCAN_SOCKETS:
		return READ_ONCE(cwstat_last_scan_sockets);
	case CWSTAT_STAT_LAST_SCAN_BUCKETS:
		return READ_ONCE(cwstat_last_scan_buckets);
	case CWSTAT_STAT_TABLES:
		return READ_ONCE(cwstat_last_scan_tables);
	default:
		return 0;
	}
}

/* Nothing is kept between walks, so there is nothing to reconcile. */
static int cwstat_scan_reconcile(void)
{
	return -ENODEV;
}

/* A walk does not know how long a socket has been in CLOSE_WAIT. */
static int cwstat_scan_reap(const struct cwstat_reap_req *req,
			    struct cwstat_reap_result *res)
{
	return -EOPNOTSUPP;
}

const struct cwstat_source cwstat_scan_source = {
	.name		= "scan",
	.ages		= false,
	.init		= cwstat_scan_nothing,
	.start		= cwstat_scan_nothing,
	.seed		= cwstat_scan_nothing,
	.quiesce	= cwstat_scan_none,
	.stop		= cwstat_scan_none,
	.exit		= cwstat_scan_none,
	.collect	= cwstat_scan_collect,
	.count		= cwstat_scan_count,
	.watch		= cwstat_scan_set_watch,
	.stat		= cwstat_scan_stat,
	.reconcile	= cwstat_scan_reconcile,
	.reap		= cwstat_scan_reap,
};

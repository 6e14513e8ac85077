// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: the sorted result of one collection by the source, a walk
 * (scan mode) or one pass over the live table (live mode), cached for
 * max_age_ms and shared by every reader that arrives meanwhile, so that
 * many monitoring agents reading at once cost one walk, not one each.
 */
#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "cwstat.h"

/* How long a snapshot is served (main's parameter, sysfs's tunable). */
unsigned int cwstat_max_age_ms = 1000;

/* The source chosen at load, set before any reader can come. */
static const struct cwstat_source *cwstat_snapshot_src;

/*
 * cwstat_walk_mutex serialises walks and guards cwstat_cached, the newest
 * snapshot (or NULL), which holds one reference of its own. Its rows hold
 * references on cgroups, so it is not kept past max_age_ms, when no reader
 * could be served it any more: cwstat_expire_work drops it then, even if
 * no reader comes, so that removed cgroups are not pinned by it.
 */
static DEFINE_MUTEX(cwstat_walk_mutex);
static struct cwstat_snapshot *cwstat_cached;
static void cwstat_expire_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(cwstat_expire_work, cwstat_expire_fn);
/*
 * Rows of the previous walk, to size the next one's table (under the walk
 * mutex) and readers' buffers (read locklessly: a hint).
 */
static unsigned int cwstat_last_rows;

/*
 * Output order: netns by CLOSE_WAIT count, descending, then inode; each netns
 * row followed by its cgroup rows, by count descending, then cgroup id.
 */
int cwstat_row_cmp(const void *a, const void *b)
{
	const struct cwstat_row *x = a, *y = b;

	if (x->netns_close_wait != y->netns_close_wait)
		return x->netns_close_wait > y->netns_close_wait ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	/* Two netns with one number, in one walk: kept apart all the same. */
	if (x->net_cookie != y->net_cookie)
		return x->net_cookie < y->net_cookie ? -1 : 1;
	/* The netns row itself, cgroup_id 0, comes first. */
	if (!x->cgroup_id || !y->cgroup_id)
		return x->cgroup_id ? 1 : (y->cgroup_id ? -1 : 0);
	if (x->cw.close_wait != y->cw.close_wait)
		return x->cw.close_wait > y->cw.close_wait ? -1 : 1;
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return 0;
}

/*
 * Move @agg's rows into @snap, sorted; @agg is left empty. The cgroup
 * references move with the rows.
 */
static int cwstat_snapshot_build(struct cwstat_agg *agg,
				 struct cwstat_snapshot *snap)
{
	struct cwstat_row *rows;
	unsigned int i, n = 0;

	rows = kvmalloc_array(max(agg->used, 1U), sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;

	for (i = 0; i < agg->size; i++) {
		struct cwstat_row *row = &agg->slots[i];
		const struct cwstat_row *netns_row = row;

		if (!row->ns)
			continue;
		/* The walk adds a socket's netns row before its cgroup row. */
		if (row->cgroup_id)
			netns_row = cwstat_agg_find(agg, row->net_cookie, 0);
		row->netns_close_wait = netns_row->cw.close_wait;
		rows[n++] = *row;
	}
	sort(rows, n, sizeof(*rows), cwstat_row_cmp, NULL);

	kvfree(agg->slots);
	*agg = (struct cwstat_agg){};
	snap->rows = rows;
	snap->nr_rows = n;
	return 0;
}

static void cwstat_snapshot_release(struct kref *ref)
{
	struct cwstat_snapshot *snap =
		container_of(ref, struct cwstat_snapshot, ref);
	unsigned int i;

	for (i = 0; i < snap->nr_rows; i++)
		if (snap->rows[i].cgrp)
			cgroup_put(snap->rows[i].cgrp);
	kvfree(snap->rows);
	kfree(snap);
}

void cwstat_snapshot_put(struct cwstat_snapshot *snap)
{
	kref_put(&snap->ref, cwstat_snapshot_release);
}

static struct cwstat_snapshot *cwstat_snapshot_take(void)
{
	struct cwstat_agg agg = {};
	struct cwstat_snapshot *snap;
	int err;

	lockdep_assert_held(&cwstat_walk_mutex);

	snap = kzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	kref_init(&snap->ref);
	snap->started_ns = ktime_get_ns();

	/* Room for as many rows as last time, which fit then. */
	snap->ages = cwstat_snapshot_src->ages;
	err = cwstat_agg_reserve(&agg, cwstat_last_rows) ?:
	      cwstat_snapshot_src->collect(&agg, &snap->stats);
	if (!err)
		err = cwstat_snapshot_build(&agg, snap);
	if (err) {
		cwstat_agg_destroy(&agg);
		kfree(snap);
		return ERR_PTR(err);
	}
	WRITE_ONCE(cwstat_last_rows, snap->nr_rows);
	return snap;
}

/*
 * A seq_file buffer size for a reader of every netns: the last walk's rows,
 * at a typical 160 bytes each, up to a bound past which seq_file's own
 * retry with a doubled buffer is cheap next to the walk.
 */
size_t cwstat_snapshot_size_hint(void)
{
	size_t rows = READ_ONCE(cwstat_last_rows);

	return min_t(size_t, PAGE_SIZE + rows * 160, SZ_1M);
}

/* Time left, in jiffies, before the cached snapshot is too old to serve. */
static unsigned long cwstat_cache_left(const struct cwstat_snapshot *snap)
{
	u64 max_age = (u64)READ_ONCE(cwstat_max_age_ms) * NSEC_PER_MSEC;
	u64 now = ktime_get_ns();

	if (snap->started_ns + max_age <= now)
		return 0;
	/* Rounded up: never drop it while a reader could still take it. */
	return nsecs_to_jiffies(snap->started_ns + max_age - now) + 1;
}

/* Drop the cached snapshot once it is too old to serve anyone. */
static void cwstat_expire_fn(struct work_struct *work)
{
	struct cwstat_snapshot *old = NULL;
	unsigned long left;

	mutex_lock(&cwstat_walk_mutex);
	if (cwstat_cached) {
		/* max_age_ms may have been raised since it was armed. */
		left = cwstat_cache_left(cwstat_cached);
		if (left) {
			mod_delayed_work(system_wq, &cwstat_expire_work, left);
		} else {
			old = cwstat_cached;
			cwstat_cached = NULL;
		}
	}
	mutex_unlock(&cwstat_walk_mutex);
	if (old)
		cwstat_snapshot_put(old);
}

/*
 * A snapshot no older than max_age_ms at the time of the call: the cached
 * one, or a new walk's. A caller that waited for the mutex while another
 * walk ran takes that walk's result if it began after the call did, so with
 * max_age_ms = 0 a read still reflects every change made before it started.
 */
struct cwstat_snapshot *cwstat_snapshot_get(void)
{
	u64 max_age = (u64)READ_ONCE(cwstat_max_age_ms) * NSEC_PER_MSEC;
	u64 arrived = ktime_get_ns();
	struct cwstat_snapshot *snap;

	if (mutex_lock_killable(&cwstat_walk_mutex))
		return ERR_PTR(-EINTR);

	snap = cwstat_cached;
	if (!snap || snap->started_ns + max_age < arrived) {
		snap = cwstat_snapshot_take();
		if (IS_ERR(snap))
			goto out;
		if (cwstat_cached)
			cwstat_snapshot_put(cwstat_cached);
		cwstat_cached = snap;
		mod_delayed_work(system_wq, &cwstat_expire_work,
				 cwstat_cache_left(snap));
	}
	kref_get(&snap->ref);
out:
	mutex_unlock(&cwstat_walk_mutex);
	return snap;
}

int cwstat_snapshot_init(const struct cwstat_source *src)
{
	cwstat_snapshot_src = src;
	return 0;
}

/*
 * Drop the cache at unload, once no reader can ask for it again: nothing
 * can arm the expiry any more, so cancelling it is final.
 */
void cwstat_snapshot_exit(void)
{
	cancel_delayed_work_sync(&cwstat_expire_work);
	mutex_lock(&cwstat_walk_mutex);
	if (cwstat_cached)
		cwstat_snapshot_put(cwstat_cached);
	cwstat_cached = NULL;
	mutex_unlock(&cwstat_walk_mutex);
}

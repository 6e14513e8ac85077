// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode: a table of every TCP socket in CLOSE_WAIT, kept up to date by a
 * probe on the sock:inet_sock_set_state tracepoint, as one source. Its
 * parts, each over the ones before it:
 *
 *   cwstat_pool.c        free entries and their per-CPU caches
 *   cwstat_tracked.c     the tracked count, the pacing of slow paths
 *   cwstat_table.c       the table, the probe
 *   cwstat_table_read.c  the read
 *   cwstat_examine.c     a reconciliation's look at one socket
 *   cwstat_sweep.c       the sweep that ends a reconciliation
 *   cwstat_reconcile.c   the seeding, its follow-up, repairs
 *   cwstat_live_reap.c   the reaper
 *
 * This file wires them into struct cwstat_source, in the order load and
 * unload need.
 */
#include <linux/kernel.h>
#include <linux/types.h>

#include "cwstat.h"
#include "cwstat_live_reap.h"
#include "cwstat_pool.h"
#include "cwstat_reconcile.h"
#include "cwstat_table.h"
#include "cwstat_table_read.h"
#include "cwstat_tracked.h"

static void cwstat_live_exit(void)
{
	cwstat_table_exit();
	cwstat_pool_destroy();
}

/* The pool, the count and the table, empty. */
static int cwstat_live_init(void)
{
	int err;

	err = cwstat_pool_init();
	if (err)
		return err;
	err = cwstat_table_init();
	if (err)
		goto err_pool;
	cwstat_reconcile_init();
	return 0;

err_pool:
	cwstat_pool_destroy();
	return err;
}

/*
 * Detach the probe and stop every work. After this, nothing touches the
 * table until cwstat_live_exit() frees it.
 */
static void cwstat_live_stop(void)
{
	cwstat_reconcile_stop();
	cwstat_probe_stop();
	cwstat_reconcile_cancel();
	/* Last: the works above may have queued it. */
	cwstat_pool_stop();
}

static u64 cwstat_live_stat(enum cwstat_stat which)
{
	switch (which) {
	/* A live source walks the ehash only to reconcile. */
	case CWSTAT_STAT_SCANS:
	case CWSTAT_STAT_RECONCILES:
		return cwstat_reconcile_count();
	case CWSTAT_STAT_TRACKED:
		return cwstat_tracked_sum();
	case CWSTAT_STAT_TRACKED_OVERFLOW:
		return atomic64_read(&cwstat_overflows);
	case CWSTAT_STAT_PROBE_HITS:
		return cwstat_probe_hits_sum();
	case CWSTAT_STAT_DRIFT:
		return atomic64_read(&cwstat_drift);
	case CWSTAT_STAT_SEEDED:
		return cwstat_reconcile_seeded();
	case CWSTAT_STAT_REAPED:
		return cwstat_live_reaped();
	case CWSTAT_STAT_UNRESOLVED:
		return cwstat_reconcile_unresolved();
	case CWSTAT_STAT_CAPPED:
		return READ_ONCE(cwstat_capped);
	case CWSTAT_STAT_POOL_ENTRIES:
		return cwstat_pool_entries();
	case CWSTAT_STAT_POOL_BYTES:
		return cwstat_pool_bytes() + cwstat_table_bytes();
	default:
		return 0;
	}
}

const struct cwstat_source cwstat_live_source = {
	.name		= "live",
	.ages		= true,
	.init		= cwstat_live_init,
	.start		= cwstat_probe_start,
	.seed		= cwstat_reconcile_seed,
	.quiesce	= cwstat_reconcile_quiesce,
	.stop		= cwstat_live_stop,
	.exit		= cwstat_live_exit,
	.collect	= cwstat_table_collect,
	.count		= cwstat_tracked_sum,
	.watch		= cwstat_table_set_watch,
	.stat		= cwstat_live_stat,
	.reconcile	= cwstat_reconcile_asked,
	.reap		= cwstat_live_reap,
};

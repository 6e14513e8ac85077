// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's read: the tracked sockets summed into rows, as the walk of
 * the established hash tables would make them. A read costs the sockets
 * in CLOSE_WAIT, not a walk of every TCP socket, and the time each
 * entered CLOSE_WAIT is known (cwstat_table.c).
 */
#include <linux/cgroup.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "cwstat_format.h"
#include "cwstat.h"
#include "cwstat_table.h"
#include "cwstat_table_read.h"

#ifdef DEBUG
/*
 * Test builds only: the longest chain the newest read of the table met, for
 * selftests/table.sh to see how full the chains get (about one entry each
 * at max_tracked; see struct cwstat_group).
 */
static unsigned int longest_chain;
module_param(longest_chain, uint, 0400);
MODULE_PARM_DESC(longest_chain,
		 "Test builds only: the longest chain of the live table the newest read met");

static void cwstat_note_longest_chain(unsigned int len)
{
	WRITE_ONCE(longest_chain, len);
}
#else
static inline void cwstat_note_longest_chain(unsigned int len)
{
}
#endif

static unsigned int cwstat_age_bucket(u64 age_ns)
{
	static const u32 bounds_s[] = CWSTAT_AGE_BOUNDS_S;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(bounds_s) + 1 != CWSTAT_AGE_BUCKETS);
	for (i = 0; i < ARRAY_SIZE(bounds_s); i++)
		if (age_ns <= (u64)bounds_s[i] * NSEC_PER_SEC)
			break;
	return i;
}

/* The counts of one tracked socket, as cwstat_count_close_wait() has them. */
static void cwstat_count_track(struct cwstat_counts *cw,
			       const struct cwstat_track *t, u64 now_ns,
			       u32 now_j)
{
	/* An entry made after @now_ns was sampled is no time. */
	u64 age = now_ns > t->entered_ns ? now_ns - t->entered_ns : 0;

	cwstat_count_close_wait(cw, t->sk, now_j);
	cw->oldest_age_ns = age;
	cw->age_hist[cwstat_age_bucket(age)] = 1;
}

static unsigned int cwstat_chain_len(const struct cwstat_slot *s)
{
	struct cwstat_track *t;
	unsigned int n = 0;

	lockdep_assert_held(&s->g->lock);
	hlist_for_each_entry(t, s->chain, node)
		n++;
	return n;
}

/*
 * Sum the tracked sockets into @agg: a netns row and a cgroup row for each,
 * as the walk makes them. The cost is the tracked sockets plus a lockless
 * load of each group's bitmap (see struct cwstat_group), whatever the
 * number of TCP sockets. Room for two rows per entry is made before a
 * group lock is taken (the agg grows with GFP_KERNEL), as in the walk.
 */
int cwstat_table_collect(struct cwstat_agg *agg,
			 struct cwstat_walk_stats *stats)
{
	u64 start = ktime_get_ns(), now_ns = ktime_get_coarse_boottime_ns();
	u32 now_j = tcp_jiffies32;
	struct cwstat_table_pos pos;
	unsigned int longest = 0;
	struct cwstat_slot s;
	int err;

	err = cwstat_agg_reserve(agg, 0);
	if (err)
		return err;

	cwstat_table_pos_init(&pos);
	while (cwstat_next_chain(&pos, &s)) {
		struct cwstat_track *t;
		unsigned long flags;
		unsigned int len;

retry:
		raw_spin_lock_irqsave(&s.g->lock, flags);
		len = cwstat_chain_len(&s);
		if (unlikely(2 * len > cwstat_agg_room(agg))) {
			raw_spin_unlock_irqrestore(&s.g->lock, flags);
			err = cwstat_agg_reserve(agg, 2 * len);
			if (err)
				return err;
			goto retry;
		}
		hlist_for_each_entry(t, s.chain, node) {
			/*
			 * The entry's socket is alive, and its netns with it
			 * (a kernel socket's owner closes it before its netns
			 * goes).
			 */
			u64 cookie = cwstat_net_cookie(sock_net(t->sk));
			struct cwstat_row *netns_row, *cg_row;
			struct cwstat_counts one;

			netns_row = cwstat_agg_find_or_add(agg, t->ns, cookie,
							   0, NULL);
			cg_row = cwstat_agg_find_or_add(agg, t->ns, cookie,
							cgroup_id(t->cgrp),
							t->cgrp);
			if (!netns_row || !cg_row) {
				err = -ENOMEM;
				break;
			}
			cwstat_count_track(&one, t, now_ns, now_j);
			cwstat_counts_add(&netns_row->cw, &one);
			cwstat_counts_add(&cg_row->cw, &one);
		}
		raw_spin_unlock_irqrestore(&s.g->lock, flags);
		if (err)
			return err;
		stats->sockets += len;
		longest = max(longest, len);
	}
	cwstat_note_longest_chain(longest);
	stats->buckets = cwstat_table_chains();
	stats->duration_ns = ktime_get_ns() - start;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reconciliation's look at one socket (cwstat_examine.c), over the table
 * (cwstat_table.h).
 */
#ifndef CWSTAT_EXAMINE_H
#define CWSTAT_EXAMINE_H

#include <linux/types.h>

struct cwstat_track;
struct sock;

/*
 * A reconciliation in progress, on its task's stack, under
 * cwstat_reconcile_mutex (cwstat_reconcile.c).
 */
struct cwstat_reconcile {
	unsigned int gen;
	bool seeding;
	/* Before the follow-up: ESTABLISHED and SYN_RECV are candidates too. */
	bool wide;
	/*
	 * An entry taken from the pool, or grown, with no socket lock held,
	 * when a socket in CLOSE_WAIT without an entry needed one; used by
	 * the next insertion: nothing is allocated under a socket lock.
	 */
	struct cwstat_track *spare;
	bool no_grow;		/* a growth failed: try none until the end */
	/* Owned sockets to look at again, each with a reference. */
	struct sock **retry;
	unsigned int nr_retry;
	unsigned int retry_size;
	u64 inserted;		/* in CLOSE_WAIT, had no entry: now has one */
	u64 untracked;		/* in CLOSE_WAIT, had none, and none to give */
	u64 unresolved;		/* in CLOSE_WAIT, no entry, owned at every look */
	unsigned int grow_attempts;	/* cwstat_pool_grow() calls */
};

bool cwstat_examine(struct sock *sk, struct cwstat_reconcile *rc);
void cwstat_give_up(const struct sock *sk, struct cwstat_reconcile *rc);

#endif /* CWSTAT_EXAMINE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live table's tracked count and the alarm's watch on it, and the
 * pacing of the slow paths that sum over the CPUs (cwstat_tracked.c). The
 * table (cwstat_table.h) and the reconciliation change the count.
 */
#ifndef CWSTAT_TRACKED_H
#define CWSTAT_TRACKED_H

#include <linux/types.h>

struct cwstat_watch;
struct delayed_work;

#ifdef DEBUG
/*
 * Test builds only: how often each slow path bounded for large hosts ran,
 * and the shortest spacing between two runs, in ms (UINT_MAX until the
 * second run), for selftests/slowpath.sh: the exact sums of the tracked
 * count for the alarm (cwstat_recheck_fn()) and the sums of the free
 * entries at the cap (cwstat_room_fn()), each from its own work item, so
 * never two at once.
 */
struct cwstat_slow_note {
	unsigned long runs;
	unsigned long last;	/* jiffies of the newest run */
	unsigned int gap_ms;
};

void cwstat_note_slow(struct cwstat_slow_note *note);
#else
struct cwstat_slow_note {
};

static inline void cwstat_note_slow(struct cwstat_slow_note *note)
{
}
#endif

bool cwstat_slow_due(struct delayed_work *dw, unsigned long *last,
		     unsigned long gap);

int cwstat_tracked_init(void);
void cwstat_tracked_exit(void);
void cwstat_tracked_cancel(void);

void cwstat_tracked_add(s64 delta);
u64 cwstat_tracked_sum(void);
void cwstat_table_set_watch(struct cwstat_watch *w);

#endif /* CWSTAT_TRACKED_H */

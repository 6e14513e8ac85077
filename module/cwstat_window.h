/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Race windows that the test build can hold open on demand.
 *
 * Where a comment argues that an interleaving is harmless, the code marks
 * the gap with cwstat_window() and a test opens it (Documentation/testing.md,
 * "Windows"): the writable parameter "windows" takes NAME=USEC[/EVERY], and
 * the marked place then waits USEC microseconds, in one pass out of EVERY
 * picked at random (1 or absent: every pass). Reading the parameter lists
 * each window with its delay, its EVERY and how often it has opened, so that
 * a test can tell that it acted while the window was open.
 *
 * Release builds compile every mark to nothing.
 */
#ifndef CWSTAT_WINDOW_H
#define CWSTAT_WINDOW_H

/* Each window, named as the parameter names it; keep cwstat_windows[] in step. */
enum cwstat_window_id {
	CWSTAT_WIN_WALK_PASSES,		/* candidate walk: count pass .. pick pass */
	CWSTAT_WIN_WALK_BUCKET,		/* candidate walk: one bucket .. the next */
	CWSTAT_WIN_PROBE_STORE,		/* probe: entry linked .. state stored */
	CWSTAT_WIN_SEED_FOLLOWUP,	/* seeding .. its follow-up reconciliation */
	CWSTAT_WIN_REAP_LOOK,		/* reaper: look at a socket .. abort it */
	CWSTAT_WIN_PICK_EXAMINE,	/* reconciliation: walk's pick .. examine */
	CWSTAT_WIN_EXAMINE_SPARE,	/* examine: spare taken .. look again */
	CWSTAT_WIN_CONFIRM_LINK,	/* confirm: no entry found .. link one */
	CWSTAT_WIN_CAPPED_WRITE,	/* reconciliation: misses read .. capped written */
	CWSTAT_WIN_REAP_ERROR,		/* reaper: connection ended .. its error set */
	CWSTAT_WIN_ALARM_EVAL,		/* alarm: evaluation queued .. it runs */
	CWSTAT_WIN_LEAVE_STORE,		/* probe: entry unlinked .. state stored */
	CWSTAT_WIN_RECHECK_SUM,		/* recheck: pending bit cleared .. the sum */
	CWSTAT_WIN_ROOM_SUM,		/* room: pending bit cleared .. the sum */
	CWSTAT_WIN_ALARM_REREAD,	/* alarm: band written .. count read again */
	CWSTAT_WIN_GEN_PENDING,		/* reconciliation: gen bumped .. misses taken */
	CWSTAT_NR_WINDOWS
};

#ifdef DEBUG
void cwstat_window(enum cwstat_window_id id);
#else
static inline void cwstat_window(enum cwstat_window_id id)
{
}
#endif

#endif /* CWSTAT_WINDOW_H */

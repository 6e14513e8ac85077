// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's tracked count, the number of entries in the table, and the
 * alarm's watch on it; and the pacing of the live source's slow paths,
 * the ones that sum over every CPU: a probe near a threshold or at the
 * cap never sums, it queues a work that does, at most so often.
 *
 * cwstat_tracked_add() runs in the probe: with a socket lock held,
 * preemptible from 7.x (see cwstat_table.c); it takes no lock but the
 * counter's own raw one, and its own RCU read-side section.
 */
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "cwstat.h"
#include "cwstat_tracked.h"
#include "cwstat_window.h"

/*
 * The tracked count is a percpu_counter: a change touches its CPU's
 * counter, and the shared total (under its own raw lock) once every
 * CWSTAT_COUNT_BATCH changes on that CPU; an exact value is a sum over
 * the CPUs, which only readers and the alarm near a threshold pay for.
 */
#define CWSTAT_COUNT_BATCH	64
static struct percpu_counter cwstat_tracked;

/* The alarm's watch on cwstat_tracked; see struct cwstat_watch. */
static struct cwstat_watch __rcu *cwstat_live_watch;

/* The count's lock class, named for lockdep's statistics (lockstat.sh). */
static struct lock_class_key cwstat_tracked_key;

/*
 * Near a threshold the shared total cannot tell whether the tracked count
 * left the alarm's band, and the exact count is a sum over the CPUs. The
 * probe never sums: it has cwstat_recheck_work do it (see
 * cwstat_tracked_outside()), at least CWSTAT_RECHECK_GAP jiffies after
 * the previous sum: 4 ms or more, whatever HZ.
 */
#define CWSTAT_RECHECK_GAP	(msecs_to_jiffies(4) + 1)
static void cwstat_recheck_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(cwstat_recheck_work, cwstat_recheck_fn);
static unsigned long cwstat_recheck_last;	/* its work's own */

/*
 * A slow path's work, whose pass last ran at *@last, may run it now if
 * @gap jiffies have passed since (a gap of n + 1 jiffies spans n whole
 * ones, whatever the phase of the ticks); else the work is queued again
 * for then, and stays pending, so that nothing asked of it meanwhile is
 * lost. Called by that work alone, so *@last needs no lock.
 */
bool cwstat_slow_due(struct delayed_work *dw, unsigned long *last,
		     unsigned long gap)
{
	unsigned long now = jiffies;

	if (time_before(now, *last + gap)) {
		queue_delayed_work(system_unbound_wq, dw, *last + gap - now);
		return false;
	}
	*last = now;
	return true;
}

#ifdef DEBUG
/* Test builds only: the recheck's sums; see struct cwstat_slow_note. */
static struct cwstat_slow_note cwstat_watch_note = { .gap_ms = UINT_MAX };
module_param_named(watch_sums, cwstat_watch_note.runs, ulong, 0444);
MODULE_PARM_DESC(watch_sums,
		 "Test builds only: exact sums of the tracked count made for the alarm");
module_param_named(watch_gap_ms, cwstat_watch_note.gap_ms, uint, 0444);
MODULE_PARM_DESC(watch_gap_ms,
		 "Test builds only: the shortest time between two of those sums");

void cwstat_note_slow(struct cwstat_slow_note *note)
{
	unsigned long now = jiffies;

	if (note->runs)
		WRITE_ONCE(note->gap_ms,
			   min(note->gap_ms, jiffies_to_msecs(now - note->last)));
	note->last = now;
	WRITE_ONCE(note->runs, note->runs + 1);
}
#else
static struct cwstat_slow_note cwstat_watch_note;
#endif

/* @count lies outside @w's band. */
static bool cwstat_band_outside(const struct cwstat_watch *w, s64 count)
{
	s64 high = READ_ONCE(w->high);

	return count < READ_ONCE(w->low) || (high != S64_MAX && count >= high);
}

/*
 * The approximate count, from percpu_counter_read(), is surely inside
 * [@low, @high): it is off from the sum by less than @slack. The true
 * count is never below 0, so a band from 0 has no lower end.
 */
static bool cwstat_surely_within(s64 count, s64 slack, s64 low, s64 high)
{
	return (low <= 0 || count - slack >= low) &&
	       (high == S64_MAX || count + slack < high);
}

/*
 * @w's band no longer holds the tracked count, as far as the shared total
 * tells: each CPU holds back less than CWSTAT_COUNT_BATCH, so the exact
 * count is within @slack of it, as __percpu_counter_compare() reckons.
 * Within @slack of a bound the probe does not sum the CPUs itself, which
 * would take the counter's lock with interrupts off and read a line of
 * every online CPU on every change (about 256 cache misses, tens of
 * microseconds, at 256 CPUs): it queues cwstat_recheck_work, unless that
 * is pending already. So near a bound a change costs the probe a test of
 * the work's pending bit, and the sum runs in process context, at once,
 * but 4 ms or more after the previous one (cwstat_slow_due()): at most
 * 250 a second, and under churn the level follows within about 8 ms.
 *
 * No change is missed: the change updated the count and issued a full
 * barrier (cwstat_watch_armed()) before it reads the pending bit, and the
 * work clears that bit and issues one before it sums (process_one_work()):
 * either the change queues the work again, or the sum sees the change.
 */
static bool cwstat_tracked_outside(const struct cwstat_watch *w)
{
	s64 count = percpu_counter_read(&cwstat_tracked);
	s64 slack = (s64)CWSTAT_COUNT_BATCH * num_online_cpus();
	s64 low = READ_ONCE(w->low), high = READ_ONCE(w->high);

	if (count + slack < low || (high != S64_MAX && count - slack >= high))
		return true;
	if (cwstat_surely_within(count, slack, low, high))
		return false;
	if (!delayed_work_pending(&cwstat_recheck_work))
		queue_delayed_work(system_unbound_wq, &cwstat_recheck_work, 0);
	return false;
}

/* The exact test that cwstat_tracked_outside() put off. */
static void cwstat_recheck_fn(struct work_struct *work)
{
	const struct cwstat_watch *w;
	s64 count;

	if (!cwstat_slow_due(&cwstat_recheck_work, &cwstat_recheck_last,
			     CWSTAT_RECHECK_GAP))
		return;
	cwstat_note_slow(&cwstat_watch_note);
	cwstat_window(CWSTAT_WIN_RECHECK_SUM);
	count = percpu_counter_sum(&cwstat_tracked);
	rcu_read_lock();
	/* Its barrier: the sum, then the band (struct cwstat_watch). */
	w = cwstat_watch_armed(&cwstat_live_watch);
	if (w && cwstat_band_outside(w, count))
		schedule_work(w->eval);
	rcu_read_unlock();
}

/*
 * Add @delta to the tracked count, and tell the alarm if it left its band.
 * One RCU read-side section around both, as struct cwstat_watch requires;
 * it is also what synchronize_rcu() in watch(NULL) waits for. (The
 * tracepoint's own protection is no substitute: up to 6.12 it disables
 * preemption, but from 7.x the probe runs as an SRCU-fast reader.)
 */
void cwstat_tracked_add(s64 delta)
{
	const struct cwstat_watch *w;

	rcu_read_lock();
	percpu_counter_add_batch(&cwstat_tracked, delta, CWSTAT_COUNT_BATCH);
	w = cwstat_watch_armed(&cwstat_live_watch);
	if (unlikely(w) && cwstat_tracked_outside(w))
		schedule_work(w->eval);
	rcu_read_unlock();
}

/* Read the tracked count's band; see struct cwstat_watch. */
void cwstat_table_set_watch(struct cwstat_watch *w)
{
	cwstat_watch_set(&cwstat_live_watch, w);
}

u64 cwstat_tracked_sum(void)
{
	return percpu_counter_sum_positive(&cwstat_tracked);
}

/*
 * The count is surely inside @w's band: the counter's approximate value
 * is off by less than the batch on each CPU. Takes no lock, so a reader
 * of the alarm far from every threshold never takes the counter's raw
 * lock that the probe folds its batches under.
 */
bool cwstat_tracked_within(const struct cwstat_watch *w)
{
	s64 slack = (s64)CWSTAT_COUNT_BATCH * num_online_cpus();

	return cwstat_surely_within(percpu_counter_read(&cwstat_tracked), slack,
				    READ_ONCE(w->low), READ_ONCE(w->high));
}

/* ---- load and unload ------------------------------------------------------ */

/* The count, zero. */
int cwstat_tracked_init(void)
{
	int err;

	/*
	 * The counter is on the hotplug list once initialised, and a CPU
	 * going down takes its lock: none may go while the lock's class is
	 * changed. (A UP kernel's counter has no lock.)
	 */
	cpus_read_lock();
	err = percpu_counter_init(&cwstat_tracked, 0, GFP_KERNEL);
#ifdef CONFIG_SMP
	if (!err)
		lockdep_set_class_and_name(&cwstat_tracked.lock,
					   &cwstat_tracked_key,
					   "cwstat_tracked_lock");
#endif
	cpus_read_unlock();
	if (err)
		return err;
	/* No slow pass yet: the first may run at once. */
	cwstat_recheck_last = jiffies - CWSTAT_RECHECK_GAP;
	return 0;
}

/* Nothing changes the count any more: the probe is gone. */
void cwstat_tracked_exit(void)
{
	percpu_counter_destroy(&cwstat_tracked);
}

/* Once no probe runs: no recheck is queued again. */
void cwstat_tracked_cancel(void)
{
	cancel_delayed_work_sync(&cwstat_recheck_work);
}

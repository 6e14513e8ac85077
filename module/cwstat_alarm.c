// SPDX-License-Identifier: GPL-2.0
/*
 * The alarm: the warn and crit thresholds on a source's host-wide
 * CLOSE_WAIT count, the level they give (ok, warn, crit), and the
 * notification of each change, so that a monitoring agent can sleep in
 * poll() on /sys/kernel/cwstat/alarm, or a udev rule can act, instead of
 * reading the counts in a loop.
 *
 * The source never calls in here: it holds a struct cwstat_watch, which
 * says in what band of counts the level holds, and queues the evaluation
 * when its count leaves the band (cwstat_watch_armed()). While no
 * threshold is set the band is every count, and the source's hot path
 * writes nothing of ours.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "cwstat.h"
#include "cwstat_window.h"

static const struct cwstat_source *cwstat_alarm_src;

/*
 * cwstat_alarm_mutex guards the thresholds (so that warn <= crit holds
 * whenever both are set), the watch's band and the writes of the level:
 * every evaluation runs under it, in process context (the work item, a
 * threshold store, a read of the level). The thresholds and the level are
 * also read locklessly, one value at a time.
 */
static DEFINE_MUTEX(cwstat_alarm_mutex);
static u64 cwstat_thresholds[2];	/* [CWSTAT_WARN], [CWSTAT_CRIT]; 0 = off */
static enum cwstat_alarm_level cwstat_level = CWSTAT_ALARM_OK;

static void cwstat_alarm_eval_fn(struct work_struct *work);
static DECLARE_WORK(cwstat_alarm_eval_work, cwstat_alarm_eval_fn);

/* Not armed until a threshold is set: a source then only loads .armed. */
static struct cwstat_watch cwstat_alarm_watch = {
	.armed = false,
	.low = 0,
	.high = S64_MAX,
	.eval = &cwstat_alarm_eval_work,
};

#ifdef DEBUG
/* Test builds only: reads of the level that summed the count exactly. */
static unsigned long alarm_read_sums;
module_param(alarm_read_sums, ulong, 0444);
MODULE_PARM_DESC(alarm_read_sums,
		 "Test builds only: reads of the alarm level that summed the count over the CPUs");
#endif

/*
 * Notifying sleeps, and is rate-limited to one per CWSTAT_ALARM_INTERVAL:
 * cwstat_alarm_notify_work alone touches cwstat_notified and
 * cwstat_notified_at (the latter also read racily, for a delay only).
 * cwstat_alarm_kobj, whose "alarm" file poll() waits on, is set and
 * cleared by the sysfs front-end under cwstat_kobj_mutex, which the
 * notification holds while it uses it.
 */
#define CWSTAT_ALARM_INTERVAL	HZ
static enum cwstat_alarm_level cwstat_notified = CWSTAT_ALARM_OK;
static unsigned long cwstat_notified_at;
static DEFINE_MUTEX(cwstat_kobj_mutex);
static struct kobject *cwstat_alarm_kobj;

static const char *const cwstat_alarm_names[] = {
	[CWSTAT_ALARM_OK] = "ok",
	[CWSTAT_ALARM_WARN] = "warn",
	[CWSTAT_ALARM_CRIT] = "crit",
};

const char *cwstat_alarm_level_name(enum cwstat_alarm_level level)
{
	return cwstat_alarm_names[level];
}

/*
 * Only the level goes out in the uevent. The module's kobject carries no
 * netns tag, so the kernel broadcasts its uevents into every netns owned by
 * the initial user namespace, most containers included; the host-wide
 * count would undo the 0400 of the sysfs files that hold it.
 */
static void cwstat_alarm_notify(struct work_struct *work)
{
	enum cwstat_alarm_level level = READ_ONCE(cwstat_level);
	char level_env[24];
	char *envp[2];

	/* It went back before anyone was told: nothing to say. */
	if (level == cwstat_notified)
		return;
	envp[0] = level_env;
	envp[1] = NULL;
	snprintf(level_env, sizeof(level_env), "CWSTAT_ALARM=%s",
		 cwstat_alarm_names[level]);
	mutex_lock(&cwstat_kobj_mutex);
	if (cwstat_alarm_kobj)
		sysfs_notify(cwstat_alarm_kobj, NULL, "alarm");
	mutex_unlock(&cwstat_kobj_mutex);
	/*
	 * A uevent needs a kset above its kobject, and /sys/kernel has none:
	 * the module's own kobject (/sys/module/cwstat, in module_kset) sends
	 * it, which is also what a udev rule matches on: SUBSYSTEM=="module",
	 * KERNEL=="cwstat".
	 */
	kobject_uevent_env(&THIS_MODULE->mkobj.kobj, KOBJ_CHANGE, envp);
	cwstat_notified = level;
	WRITE_ONCE(cwstat_notified_at, jiffies);
}

static DECLARE_DELAYED_WORK(cwstat_alarm_notify_work, cwstat_alarm_notify);

static enum cwstat_alarm_level cwstat_alarm_level_of(u64 count)
{
	u64 warn = cwstat_thresholds[CWSTAT_WARN];
	u64 crit = cwstat_thresholds[CWSTAT_CRIT];

	lockdep_assert_held(&cwstat_alarm_mutex);
	if (crit && count >= crit)
		return CWSTAT_ALARM_CRIT;
	if (warn && count >= warn)
		return CWSTAT_ALARM_WARN;
	return CWSTAT_ALARM_OK;
}

/* A threshold as a bound of the band: 0 (off) and beyond s64 are none. */
static s64 cwstat_alarm_bound(u64 threshold)
{
	return threshold && threshold < S64_MAX ? threshold : S64_MAX;
}

/*
 * The counts in which @level holds, into the watch, armed if a threshold
 * is set. True if this arms a watch that was not armed: the caller must
 * then wait for a grace period before it reads the count (struct
 * cwstat_watch).
 */
static bool cwstat_alarm_set_band(enum cwstat_alarm_level level)
{
	u64 warn = cwstat_thresholds[CWSTAT_WARN];
	u64 crit = cwstat_thresholds[CWSTAT_CRIT];
	bool armed = warn || crit, was = cwstat_alarm_watch.armed;
	s64 low = 0, high = S64_MAX;

	switch (level) {
	case CWSTAT_ALARM_OK:
		high = min(cwstat_alarm_bound(warn), cwstat_alarm_bound(crit));
		break;
	case CWSTAT_ALARM_WARN:
		low = cwstat_alarm_bound(warn);
		high = cwstat_alarm_bound(crit);
		break;
	case CWSTAT_ALARM_CRIT:
		low = cwstat_alarm_bound(crit);
		break;
	}
	WRITE_ONCE(cwstat_alarm_watch.low, low);
	WRITE_ONCE(cwstat_alarm_watch.high, high);
	WRITE_ONCE(cwstat_alarm_watch.armed, armed);
	return armed && !was;
}

/*
 * Set the level, and its band, from the source's count; notify a change.
 * The band is written, then a full barrier, then the count is read again:
 * a source that changed the count meanwhile either saw the new band or
 * left a count this second read sees (struct cwstat_watch).
 */
static void cwstat_alarm_eval(void)
{
	enum cwstat_alarm_level level, old = cwstat_level;
	unsigned long next;
	bool arming;

	lockdep_assert_held(&cwstat_alarm_mutex);
	level = cwstat_alarm_level_of(cwstat_alarm_src->count());
	arming = cwstat_alarm_set_band(level);
	/* The band, then the count: pairs with the source's ordered update. */
	smp_mb();
	/* Sources that saw it unarmed issued no barrier: wait them out. */
	if (arming)
		synchronize_rcu();
	if (level != old) {
		WRITE_ONCE(cwstat_level, level);
		/* A racy read of the last time is fine: it only sets a delay. */
		next = READ_ONCE(cwstat_notified_at) + CWSTAT_ALARM_INTERVAL;
		schedule_delayed_work(&cwstat_alarm_notify_work,
				      time_after(next, jiffies) ?
				      next - jiffies : 0);
	}
	cwstat_window(CWSTAT_WIN_ALARM_REREAD);
	if (cwstat_alarm_level_of(cwstat_alarm_src->count()) != level)
		schedule_work(&cwstat_alarm_eval_work);
}

static void cwstat_alarm_eval_fn(struct work_struct *work)
{
	cwstat_window(CWSTAT_WIN_ALARM_EVAL);
	mutex_lock(&cwstat_alarm_mutex);
	cwstat_alarm_eval();
	mutex_unlock(&cwstat_alarm_mutex);
}

/*
 * The level of the count at this read, exact: a read after a crossing
 * never gives the level the count left while the evaluation the crossing
 * queued waits to run (it is no longer pending once it runs, and may wait
 * for the mutex). Anyone may read the level, so the mutex is taken
 * killably (a reader killed while it waits gets the level as last set),
 * and a read evaluates from an exact sum over the CPUs only when the
 * count may be outside the band of the level: far from every threshold
 * a reader costs the probe nothing (cwstat_source.within), and a read
 * loop cannot keep the counter's lock busy.
 */
enum cwstat_alarm_level cwstat_alarm_level(void)
{
	const struct cwstat_watch *w = &cwstat_alarm_watch;
	enum cwstat_alarm_level level;

	if (mutex_lock_killable(&cwstat_alarm_mutex))
		return READ_ONCE(cwstat_level);
	/* Unarmed, no threshold is set: the level is OK whatever the count. */
	if (w->armed && !(cwstat_alarm_src->within &&
			  cwstat_alarm_src->within(w))) {
		cwstat_alarm_eval();
#ifdef DEBUG
		WRITE_ONCE(alarm_read_sums, alarm_read_sums + 1);
#endif
	}
	level = cwstat_level;
	mutex_unlock(&cwstat_alarm_mutex);
	return level;
}

u64 cwstat_alarm_threshold(enum cwstat_threshold which)
{
	return READ_ONCE(cwstat_thresholds[which]);
}

/*
 * Set a threshold (0 = off), keeping warn <= crit when both are set:
 * -EINVAL otherwise, changing nothing. The level follows at once.
 */
int cwstat_alarm_set_threshold(enum cwstat_threshold which, u64 val)
{
	u64 warn, crit;
	int err = 0;

	mutex_lock(&cwstat_alarm_mutex);
	warn = which == CWSTAT_WARN ? val : cwstat_thresholds[CWSTAT_WARN];
	crit = which == CWSTAT_CRIT ? val : cwstat_thresholds[CWSTAT_CRIT];
	if (warn && crit && warn > crit) {
		err = -EINVAL;
	} else {
		WRITE_ONCE(cwstat_thresholds[which], val);
		cwstat_alarm_eval();
	}
	mutex_unlock(&cwstat_alarm_mutex);
	return err;
}

void cwstat_alarm_attach(struct kobject *kobj)
{
	mutex_lock(&cwstat_kobj_mutex);
	cwstat_alarm_kobj = kobj;
	mutex_unlock(&cwstat_kobj_mutex);
}

/* Watch @src's count; it is running (seeded) already. */
int cwstat_alarm_init(const struct cwstat_source *src)
{
	cwstat_alarm_src = src;
	src->watch(&cwstat_alarm_watch);
	/* Changes made before the watch was set are seen here. */
	mutex_lock(&cwstat_alarm_mutex);
	cwstat_alarm_eval();
	mutex_unlock(&cwstat_alarm_mutex);
	return 0;
}

/*
 * After the front-ends are gone, so that no threshold store or read of the
 * level can run. Once the source no longer uses the watch, nothing can
 * queue the evaluation; the evaluation queues the notification, so it is
 * cancelled first.
 */
void cwstat_alarm_exit(void)
{
	cwstat_alarm_src->watch(NULL);
	cancel_work_sync(&cwstat_alarm_eval_work);
	cancel_delayed_work_sync(&cwstat_alarm_notify_work);
	cwstat_alarm_src = NULL;
}

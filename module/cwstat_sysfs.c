// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cwstat: the module's health, its tunables, and the alarm that
 * wakes a monitoring agent when the host-wide CLOSE_WAIT count crosses a
 * threshold. The counts themselves are in /proc/cwstat, which applies the
 * per-netns visibility rules; sysfs has no such rules, so everything that
 * tells about the host's sockets is readable by root only (0400), and only
 * the version and the alarm level are public.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "cwstat_format.h"
#include "cwstat.h"

static struct kobject *cwstat_kobj;

/*
 * Health of the walks. Written by the walker under cwstat_walk_mutex (see
 * cwstat_snapshot.c) and read locklessly: each attribute is one value, so
 * a reader never needs two of them to agree.
 */
static u64 cwstat_scans;
static u64 cwstat_last_scan_ns;
static u64 cwstat_last_scan_sockets;
static u64 cwstat_last_scan_buckets;
static unsigned int cwstat_last_scan_tables;

/*
 * Thresholds on the host-wide CLOSE_WAIT count, 0 = off. Writers hold
 * cwstat_threshold_mutex, so that warn <= crit holds whenever both are
 * set. The alarm reads them with READ_ONCE: a reader racing with a write
 * may use one old value, and the write re-evaluates the alarm right after.
 */
static DEFINE_MUTEX(cwstat_threshold_mutex);
static u64 cwstat_warn;
static u64 cwstat_crit;

enum cwstat_alarm_level {
	CWSTAT_ALARM_OK,
	CWSTAT_ALARM_WARN,
	CWSTAT_ALARM_CRIT,
};

static const char *const cwstat_alarm_names[] = {
	[CWSTAT_ALARM_OK] = "ok",
	[CWSTAT_ALARM_WARN] = "warn",
	[CWSTAT_ALARM_CRIT] = "crit",
};

/*
 * The alarm. Its level is always computed from the authoritative host-wide
 * count, cwstat_alarm_total(): the live table's counter in live mode, the
 * last walk's count in scan mode. A caller of cwstat_alarm_update() (any
 * context: a walk, or in live mode the state-change tracepoint with
 * preemption off) only compares the count it just produced against the
 * level and, if they disagree, queues cwstat_alarm_eval_work, which reads
 * the count again and sets the level. Two CPUs racing an increment and a
 * decrement therefore cannot leave the level of the count one of them saw.
 *
 * Why no change is lost: an updater changes the count with a fully ordered
 * atomic (or a write and smp_mb()) and then reads the level; the evaluator
 * stores the level with a fully ordered atomic_xchg() and then reads the
 * count. One of the two sees the other's write: either the updater sees the
 * new level and queues another evaluation if it disagrees, or the evaluator
 * sees the new count and re-queues itself.
 *
 * cwstat_alarm_level is written only by cwstat_alarm_eval() (the work item,
 * a threshold store and a read of alarm, all in process context), read by
 * anyone.
 * Notifying sleeps, and is rate-limited: cwstat_alarm_notify_work alone
 * touches cwstat_alarm_notified and cwstat_alarm_notified_at (the latter
 * also read racily, for a delay only).
 */
static atomic_t cwstat_alarm_level = ATOMIC_INIT(CWSTAT_ALARM_OK);
static int cwstat_alarm_notified = CWSTAT_ALARM_OK;
static unsigned long cwstat_alarm_notified_at;
/*
 * The last scan-mode walk's host-wide count: written by the walker under
 * cwstat_walk_mutex, read locklessly (one value).
 */
static u64 cwstat_scan_close_wait;

#define CWSTAT_ALARM_INTERVAL	HZ

/*
 * Only the level goes out in the uevent. The module's kobject carries no
 * netns tag, so the kernel broadcasts its uevents into every netns owned by
 * the initial user namespace, most containers included; the host-wide
 * count would undo the 0400 of the sysfs files that hold it.
 */
static void cwstat_alarm_notify(struct work_struct *work)
{
	int level = atomic_read(&cwstat_alarm_level);
	char level_env[24];
	char *envp[2];

	/* It went back before anyone was told: nothing to say. */
	if (level == cwstat_alarm_notified)
		return;
	envp[0] = level_env;
	envp[1] = NULL;
	snprintf(level_env, sizeof(level_env), "CWSTAT_ALARM=%s",
		 cwstat_alarm_names[level]);
	sysfs_notify(cwstat_kobj, NULL, "alarm");
	/*
	 * A uevent needs a kset above its kobject, and /sys/kernel has none:
	 * the module's own kobject (/sys/module/cwstat, in module_kset) sends
	 * it, which is also what a udev rule matches on: SUBSYSTEM=="module",
	 * KERNEL=="cwstat".
	 */
	kobject_uevent_env(&THIS_MODULE->mkobj.kobj, KOBJ_CHANGE, envp);
	cwstat_alarm_notified = level;
	cwstat_alarm_notified_at = jiffies;
}

static DECLARE_DELAYED_WORK(cwstat_alarm_notify_work, cwstat_alarm_notify);

static int cwstat_alarm_level_of(u64 total)
{
	u64 warn = READ_ONCE(cwstat_warn), crit = READ_ONCE(cwstat_crit);

	if (crit && total >= crit)
		return CWSTAT_ALARM_CRIT;
	if (warn && total >= warn)
		return CWSTAT_ALARM_WARN;
	return CWSTAT_ALARM_OK;
}

static u64 cwstat_alarm_total(void)
{
	if (cwstat_mode == CWSTAT_MODE_LIVE)
		return cwstat_live_stat(CWSTAT_STAT_TRACKED);
	return READ_ONCE(cwstat_scan_close_wait);
}

static void cwstat_alarm_eval_fn(struct work_struct *work);
static DECLARE_WORK(cwstat_alarm_eval_work, cwstat_alarm_eval_fn);

/* Process context: set the level from the count, and notify a change. */
static void cwstat_alarm_eval(void)
{
	int level = cwstat_alarm_level_of(cwstat_alarm_total());
	unsigned long next;

	if (atomic_xchg(&cwstat_alarm_level, level) != level) {
		/* A racy read of the last time is fine: it only sets a delay. */
		next = READ_ONCE(cwstat_alarm_notified_at) +
		       CWSTAT_ALARM_INTERVAL;
		queue_delayed_work(system_wq, &cwstat_alarm_notify_work,
				   time_after(next, jiffies) ?
				   next - jiffies : 0);
	}
	/* The count moved meanwhile: its updater may have seen the old level. */
	if (cwstat_alarm_level_of(cwstat_alarm_total()) != level)
		queue_work(system_wq, &cwstat_alarm_eval_work);
}

static void cwstat_alarm_eval_fn(struct work_struct *work)
{
	cwstat_alarm_eval();
}

/*
 * The host-wide count just changed to @total (after a fully ordered update
 * of the authoritative count). Any context; cheap and writes nothing shared
 * when the level does not change, which is nearly always.
 */
void cwstat_alarm_update(u64 total)
{
	if (atomic_read(&cwstat_alarm_level) != cwstat_alarm_level_of(total))
		queue_work(system_wq, &cwstat_alarm_eval_work);
}

void cwstat_health_note_walk(const struct cwstat_walk_stats *stats,
			     u64 close_wait)
{
	WRITE_ONCE(cwstat_scans, cwstat_scans + 1);
	WRITE_ONCE(cwstat_last_scan_ns, stats->duration_ns);
	WRITE_ONCE(cwstat_last_scan_sockets, stats->sockets);
	WRITE_ONCE(cwstat_last_scan_buckets, stats->buckets);
	WRITE_ONCE(cwstat_last_scan_tables, stats->tables);
	WRITE_ONCE(cwstat_scan_close_wait, close_wait);
	/* The count, then the level: see cwstat_alarm_level. */
	smp_mb();
	cwstat_alarm_update(close_wait);
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", CWSTAT_VERSION);
}

/* Evaluated on every read, so a reader never waits for the work item. */
static ssize_t alarm_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	cwstat_alarm_eval();
	return sysfs_emit(buf, "%s\n",
			  cwstat_alarm_names[atomic_read(&cwstat_alarm_level)]);
}

/* Walks of the ehash: a scan-mode read's, or a live-mode reconciliation's. */
static ssize_t scans_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(cwstat_scans) +
			  cwstat_live_stat(CWSTAT_STAT_RECONCILES));
}

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", cwstat_mode_name());
}

static ssize_t last_scan_us_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  div_u64(READ_ONCE(cwstat_last_scan_ns), NSEC_PER_USEC));
}

static ssize_t last_scan_sockets_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(cwstat_last_scan_sockets));
}

static ssize_t last_scan_buckets_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(cwstat_last_scan_buckets));
}

static ssize_t tables_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cwstat_last_scan_tables));
}

/* The live table's counters, 0 in scan mode: one attribute each. */
struct cwstat_stat_attribute {
	struct kobj_attribute kattr;
	enum cwstat_live_stat which;
};

static ssize_t cwstat_stat_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const struct cwstat_stat_attribute *sa =
		container_of(attr, struct cwstat_stat_attribute, kattr);

	return sysfs_emit(buf, "%llu\n", cwstat_live_stat(sa->which));
}

#define CWSTAT_STAT_ATTR(_name, _which)					\
	static struct cwstat_stat_attribute cwstat_attr_##_name = {	\
		.kattr = __ATTR(_name, 0400, cwstat_stat_show, NULL),	\
		.which = (_which),					\
	}

CWSTAT_STAT_ATTR(tracked, CWSTAT_STAT_TRACKED);
CWSTAT_STAT_ATTR(tracked_overflow, CWSTAT_STAT_TRACKED_OVERFLOW);
CWSTAT_STAT_ATTR(probe_hits, CWSTAT_STAT_PROBE_HITS);
CWSTAT_STAT_ATTR(drift, CWSTAT_STAT_DRIFT);
CWSTAT_STAT_ATTR(reconciles, CWSTAT_STAT_RECONCILES);
CWSTAT_STAT_ATTR(seeded, CWSTAT_STAT_SEEDED);
CWSTAT_STAT_ATTR(pool_entries, CWSTAT_STAT_POOL_ENTRIES);
CWSTAT_STAT_ATTR(pool_bytes, CWSTAT_STAT_POOL_BYTES);
CWSTAT_STAT_ATTR(reaped, CWSTAT_STAT_REAPED);
CWSTAT_STAT_ATTR(unresolved, CWSTAT_STAT_UNRESOLVED);
CWSTAT_STAT_ATTR(capped, CWSTAT_STAT_CAPPED);

/* Only root on the host may tune; 0644 alone lets any uid 0 through. */
static int cwstat_may_tune(void)
{
	return capable(CAP_NET_ADMIN) ? 0 : -EPERM;
}

static ssize_t max_age_ms_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cwstat_max_age_ms));
}

static ssize_t max_age_ms_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	unsigned int val;
	int err;

	err = cwstat_may_tune() ?: kstrtouint(buf, 10, &val);
	if (err)
		return err;
	if (val > CWSTAT_MAX_AGE_MS_LIMIT)
		return -ERANGE;
	WRITE_ONCE(cwstat_max_age_ms, val);
	return count;
}

/*
 * Store @buf into *@which, the warn or crit threshold, keeping warn <= crit
 * when both are set, and re-evaluate the alarm at once from the count.
 */
static ssize_t cwstat_threshold_store(u64 *which, const char *buf,
				      size_t count)
{
	u64 val, warn, crit;
	int err;

	err = cwstat_may_tune() ?: kstrtou64(buf, 10, &val);
	if (err)
		return err;

	mutex_lock(&cwstat_threshold_mutex);
	warn = which == &cwstat_warn ? val : cwstat_warn;
	crit = which == &cwstat_crit ? val : cwstat_crit;
	if (warn && crit && warn > crit) {
		mutex_unlock(&cwstat_threshold_mutex);
		return -EINVAL;
	}
	WRITE_ONCE(*which, val);
	mutex_unlock(&cwstat_threshold_mutex);

	cwstat_alarm_eval();
	return count;
}

static ssize_t warn_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(cwstat_warn));
}

static ssize_t warn_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return cwstat_threshold_store(&cwstat_warn, buf, count);
}

static ssize_t crit_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(cwstat_crit));
}

static ssize_t crit_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return cwstat_threshold_store(&cwstat_crit, buf, count);
}

/* "1" runs a reconciliation walk now, in live mode; -ENODEV in scan mode. */
static ssize_t reconcile_store(struct kobject *kobj,
			       struct kobj_attribute *attr, const char *buf,
			       size_t count)
{
	unsigned int run;
	int err;

	err = cwstat_may_tune() ?: kstrtouint(buf, 10, &run);
	if (err)
		return err;
	if (run != 1)
		return -EINVAL;
	err = cwstat_live_reconcile();
	return err ?: count;
}

static struct kobj_attribute cwstat_attr_version = __ATTR_RO(version);
static struct kobj_attribute cwstat_attr_mode = __ATTR_RO_MODE(mode, 0400);
static struct kobj_attribute cwstat_attr_reconcile = __ATTR_WO(reconcile);
static struct kobj_attribute cwstat_attr_alarm = __ATTR_RO(alarm);
static struct kobj_attribute cwstat_attr_scans = __ATTR_RO_MODE(scans, 0400);
static struct kobj_attribute cwstat_attr_last_scan_us =
	__ATTR_RO_MODE(last_scan_us, 0400);
static struct kobj_attribute cwstat_attr_last_scan_sockets =
	__ATTR_RO_MODE(last_scan_sockets, 0400);
static struct kobj_attribute cwstat_attr_last_scan_buckets =
	__ATTR_RO_MODE(last_scan_buckets, 0400);
static struct kobj_attribute cwstat_attr_tables = __ATTR_RO_MODE(tables, 0400);
static struct kobj_attribute cwstat_attr_max_age_ms = __ATTR_RW(max_age_ms);
static struct kobj_attribute cwstat_attr_warn = __ATTR_RW(warn);
static struct kobj_attribute cwstat_attr_crit = __ATTR_RW(crit);

static struct attribute *cwstat_attrs[] = {
	&cwstat_attr_version.attr,
	&cwstat_attr_alarm.attr,
	&cwstat_attr_scans.attr,
	&cwstat_attr_last_scan_us.attr,
	&cwstat_attr_last_scan_sockets.attr,
	&cwstat_attr_last_scan_buckets.attr,
	&cwstat_attr_tables.attr,
	&cwstat_attr_mode.attr,
	&cwstat_attr_tracked.kattr.attr,
	&cwstat_attr_tracked_overflow.kattr.attr,
	&cwstat_attr_probe_hits.kattr.attr,
	&cwstat_attr_drift.kattr.attr,
	&cwstat_attr_reconciles.kattr.attr,
	&cwstat_attr_seeded.kattr.attr,
	&cwstat_attr_pool_entries.kattr.attr,
	&cwstat_attr_pool_bytes.kattr.attr,
	&cwstat_attr_reaped.kattr.attr,
	&cwstat_attr_unresolved.kattr.attr,
	&cwstat_attr_capped.kattr.attr,
	&cwstat_attr_max_age_ms.attr,
	&cwstat_attr_warn.attr,
	&cwstat_attr_crit.attr,
	&cwstat_attr_reconcile.attr,
	NULL,
};

static const struct attribute_group cwstat_attr_group = {
	.attrs = cwstat_attrs,
};

int cwstat_sysfs_init(void)
{
	int err;

	cwstat_kobj = kobject_create_and_add(CWSTAT_PROC_NAME, kernel_kobj);
	if (!cwstat_kobj)
		return -ENOMEM;
	err = sysfs_create_group(cwstat_kobj, &cwstat_attr_group);
	if (err) {
		kobject_put(cwstat_kobj);
		cwstat_kobj = NULL;
	}
	return err;
}

/*
 * After everything else that can update the alarm (walks, the probe) is
 * gone. The files go first: removing them waits for a warn or crit store in
 * progress, which queues the alarm's work items; only then can cancelling
 * them be final. The evaluation queues the notification, so it is
 * cancelled first.
 */
void cwstat_sysfs_exit(void)
{
	sysfs_remove_group(cwstat_kobj, &cwstat_attr_group);
	cancel_work_sync(&cwstat_alarm_eval_work);
	cancel_delayed_work_sync(&cwstat_alarm_notify_work);
	kobject_put(cwstat_kobj);
	cwstat_kobj = NULL;
}

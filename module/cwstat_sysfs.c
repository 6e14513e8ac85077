// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cwstat: the module's health (the source's counters), its
 * tunables, and the alarm's thresholds and level (cwstat_alarm.c), which
 * a monitoring agent can poll(). The counts themselves are in /proc/cwstat,
 * which applies the per-netns visibility rules; sysfs has no such rules, so
 * everything that tells about the host's sockets is readable by root only
 * (0400, or 0600 for the thresholds), and only the version, the alarm
 * level and the max_age_ms tunable are public.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "cwstat_format.h"
#include "cwstat.h"

static struct kobject *cwstat_kobj;
/* The source chosen at load, set before the files exist. */
static const struct cwstat_source *cwstat_sysfs_src;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", CWSTAT_VERSION);
}

static ssize_t alarm_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  cwstat_alarm_level_name(cwstat_alarm_level()));
}

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", cwstat_sysfs_src->name);
}

static ssize_t last_scan_us_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	u64 ns = cwstat_sysfs_src->stat(CWSTAT_STAT_LAST_SCAN_NS);

	return sysfs_emit(buf, "%llu\n", div_u64(ns, NSEC_PER_USEC));
}

/*
 * The source's counters, one attribute each; a counter the source does not
 * keep reads 0. "scans" counts the walks of the ehash: a scan-mode read's,
 * or a live-mode reconciliation's.
 */
struct cwstat_stat_attribute {
	struct kobj_attribute kattr;
	enum cwstat_stat which;
};

static ssize_t cwstat_stat_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const struct cwstat_stat_attribute *sa =
		container_of(attr, struct cwstat_stat_attribute, kattr);

	return sysfs_emit(buf, "%llu\n", cwstat_sysfs_src->stat(sa->which));
}

#define CWSTAT_STAT_ATTR(_name, _which)					\
	static struct cwstat_stat_attribute cwstat_attr_##_name = {	\
		.kattr = __ATTR(_name, 0400, cwstat_stat_show, NULL),	\
		.which = (_which),					\
	}

CWSTAT_STAT_ATTR(scans, CWSTAT_STAT_SCANS);
CWSTAT_STAT_ATTR(last_scan_sockets, CWSTAT_STAT_LAST_SCAN_SOCKETS);
CWSTAT_STAT_ATTR(last_scan_buckets, CWSTAT_STAT_LAST_SCAN_BUCKETS);
CWSTAT_STAT_ATTR(tables, CWSTAT_STAT_TABLES);
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

/* Store @buf into the warn or crit threshold; the alarm checks the pair. */
static ssize_t cwstat_threshold_store(enum cwstat_threshold which,
				      const char *buf, size_t count)
{
	u64 val;
	int err;

	err = cwstat_may_tune() ?: kstrtou64(buf, 10, &val);
	if (err)
		return err;
	err = cwstat_alarm_set_threshold(which, val);
	return err ?: count;
}

static ssize_t warn_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", cwstat_alarm_threshold(CWSTAT_WARN));
}

static ssize_t warn_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return cwstat_threshold_store(CWSTAT_WARN, buf, count);
}

static ssize_t crit_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", cwstat_alarm_threshold(CWSTAT_CRIT));
}

static ssize_t crit_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	return cwstat_threshold_store(CWSTAT_CRIT, buf, count);
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
	err = cwstat_sysfs_src->reconcile();
	return err ?: count;
}

static struct kobj_attribute cwstat_attr_version = __ATTR_RO(version);
static struct kobj_attribute cwstat_attr_mode = __ATTR_RO_MODE(mode, 0400);
static struct kobj_attribute cwstat_attr_reconcile = __ATTR_WO(reconcile);
static struct kobj_attribute cwstat_attr_alarm = __ATTR_RO(alarm);
static struct kobj_attribute cwstat_attr_last_scan_us =
	__ATTR_RO_MODE(last_scan_us, 0400);
static struct kobj_attribute cwstat_attr_max_age_ms = __ATTR_RW(max_age_ms);
/*
 * Root only, like the counts: with the public level, a threshold bounds
 * the host-wide count (alarm=warn and warn=100: at least 100 sockets).
 */
static struct kobj_attribute cwstat_attr_warn = __ATTR_RW_MODE(warn, 0600);
static struct kobj_attribute cwstat_attr_crit = __ATTR_RW_MODE(crit, 0600);

static struct attribute *cwstat_attrs[] = {
	&cwstat_attr_version.attr,
	&cwstat_attr_alarm.attr,
	&cwstat_attr_scans.kattr.attr,
	&cwstat_attr_last_scan_us.attr,
	&cwstat_attr_last_scan_sockets.kattr.attr,
	&cwstat_attr_last_scan_buckets.kattr.attr,
	&cwstat_attr_tables.kattr.attr,
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

int cwstat_sysfs_init(const struct cwstat_source *src)
{
	int err;

	cwstat_sysfs_src = src;
	cwstat_kobj = kobject_create_and_add(CWSTAT_PROC_NAME, kernel_kobj);
	if (!cwstat_kobj)
		return -ENOMEM;
	err = sysfs_create_group(cwstat_kobj, &cwstat_attr_group);
	if (err) {
		kobject_put(cwstat_kobj);
		cwstat_kobj = NULL;
		return err;
	}
	cwstat_alarm_attach(cwstat_kobj);
	return 0;
}

/*
 * The files go first: removing them waits for a store or read in
 * progress. Then the alarm stops waking poll() on the kobject, which can go.
 */
void cwstat_sysfs_exit(void)
{
	sysfs_remove_group(cwstat_kobj, &cwstat_attr_group);
	cwstat_alarm_attach(NULL);
	kobject_put(cwstat_kobj);
	cwstat_kobj = NULL;
}

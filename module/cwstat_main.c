// SPDX-License-Identifier: GPL-2.0
/*
 * cwstat: count TCP sockets stuck in CLOSE_WAIT, per network namespace and
 * per cgroup, and show them in /proc/cwstat and /proc/net/cwstat.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "compat.h"
#include "cwstat_format.h"
#include "cwstat.h"

/*
 * The parameters. Each is stored by the layer that reads it (cwstat.h
 * declares it there); this file only declares and checks them.
 */

static int cwstat_max_age_ms_set(const char *val, const struct kernel_param *kp)
{
	/*
	 * As /sys/kernel/cwstat/max_age_ms: root on the host only. The file's
	 * 0644 lets any uid 0 through, a capability-less one or root of a
	 * child user namespace included. At load, the loader passes this.
	 */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	return param_set_uint_minmax(val, kp, 0, CWSTAT_MAX_AGE_MS_LIMIT);
}

static const struct kernel_param_ops cwstat_max_age_ms_ops = {
	.set = cwstat_max_age_ms_set,
	.get = param_get_uint,
};

module_param_cb(max_age_ms, &cwstat_max_age_ms_ops, &cwstat_max_age_ms, 0644);
MODULE_PARM_DESC(max_age_ms,
		 "Serve a table walk's result for this long, 0-3600000 ms (default 1000; 0 = walk on every read)");

/*
 * mode: where counts come from, fixed at load. "live" (the default): a
 * table kept by the state-change tracepoint; reads cost the CLOSE_WAIT
 * sockets and report their age. "scan": a walk of every TCP socket.
 */
static const struct cwstat_source *const cwstat_sources[] = {
	&cwstat_live_source,
	&cwstat_scan_source,
};

static const struct cwstat_source *cwstat_source = &cwstat_live_source;

static int cwstat_mode_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cwstat_sources); i++) {
		if (sysfs_streq(val, cwstat_sources[i]->name)) {
			cwstat_source = cwstat_sources[i];
			return 0;
		}
	}
	pr_err("mode=%s: must be live or scan\n", val);
	return -EINVAL;
}

static int cwstat_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", cwstat_source->name);
}

static const struct kernel_param_ops cwstat_mode_ops = {
	.set = cwstat_mode_set,
	.get = cwstat_mode_get,
};

module_param_cb(mode, &cwstat_mode_ops, NULL, 0444);
MODULE_PARM_DESC(mode,
		 "live (default: a table kept by the inet_sock_set_state tracepoint) or scan (walk every TCP socket on read); load time only");

static int cwstat_max_tracked_set(const char *val,
				  const struct kernel_param *kp)
{
	int err = param_set_uint_minmax(val, kp, CWSTAT_MAX_TRACKED_MIN,
					CWSTAT_MAX_TRACKED_MAX);

	if (err)
		pr_err("max_tracked=%s: must be %u-%u\n", val,
		       CWSTAT_MAX_TRACKED_MIN, CWSTAT_MAX_TRACKED_MAX);
	return err;
}

static const struct kernel_param_ops cwstat_max_tracked_ops = {
	.set = cwstat_max_tracked_set,
	.get = param_get_uint,
};

module_param_cb(max_tracked, &cwstat_max_tracked_ops, &cwstat_max_tracked,
		0444);
MODULE_PARM_DESC(max_tracked,
		 "Live mode: most sockets tracked at once, 1024-16777216 (default 262144); load time only");

/* A day: a longer period is as good as none. */
#define CWSTAT_RECONCILE_PERIOD_MAX	86400U

static int cwstat_period_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, CWSTAT_RECONCILE_PERIOD_MAX);
}

static const struct kernel_param_ops cwstat_period_ops = {
	.set = cwstat_period_set,
	.get = param_get_uint,
};

module_param_cb(reconcile_period_s, &cwstat_period_ops,
		&cwstat_reconcile_period_s, 0444);
MODULE_PARM_DESC(reconcile_period_s,
		 "Live mode: reconcile the table with a walk every this many seconds, 0-86400 (default 0 = never); load time only");

#ifdef DEBUG
static unsigned int inject_init_fault;
module_param(inject_init_fault, uint, 0444);
MODULE_PARM_DESC(inject_init_fault,
		 "Test builds only: fail init step N with -ENOMEM (default 0 = none)");

static int cwstat_init_fault(unsigned int step)
{
	return step == inject_init_fault ? -ENOMEM : 0;
}
#else
static int cwstat_init_fault(unsigned int step)
{
	return 0;
}
#endif

/*
 * Load: the layers of cwstat.h bottom-up, the source first, then what
 * reads it, then the files. Each step that fails undoes the ones before
 * it, in reverse, exactly as unload does.
 */
static int __init cwstat_init(void)
{
	const struct cwstat_source *src = cwstat_source;
	const char *what;
	unsigned int step;
	int err;

	step = 1;
	what = "self-test";
	err = cwstat_init_fault(step) ?: cwstat_selftest();
	if (err)
		goto err_out;

	/* Before anything that keys rows by netns, or reads them. */
	step = 2;
	what = "netns keys";
	err = cwstat_init_fault(step) ?: cwstat_netkey_init();
	if (err)
		goto err_out;

	/* Steps 3-5 do nothing in scan mode. */
	step = 3;
	what = "source init (the live table)";
	err = cwstat_init_fault(step) ?: src->init();
	if (err)
		goto err_netkey;

	step = 4;
	what = "source start (the probe)";
	err = cwstat_init_fault(step) ?: src->start();
	if (err)
		goto err_src_exit;

	step = 5;
	what = "source seeding";
	err = cwstat_init_fault(step) ?: src->seed();
	if (err)
		goto err_src_stop;

	step = 6;
	what = "alarm";
	err = cwstat_init_fault(step) ?: cwstat_alarm_init(src);
	if (err)
		goto err_src_stop;

	step = 7;
	what = "snapshots";
	err = cwstat_init_fault(step) ?: cwstat_snapshot_init(src);
	if (err)
		goto err_alarm;

	step = 8;
	what = "/sys/kernel/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_sysfs_init(src);
	if (err)
		goto err_snapshot;

	step = 9;
	what = "/proc/net/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_proc_net_init();
	if (err)
		goto err_sysfs;

	step = 10;
	what = CWSTAT_REAP_PATH;
	err = cwstat_init_fault(step) ?: cwstat_reap_init(src);
	if (err)
		goto err_proc_net;

	step = 11;
	what = "/proc/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_proc_init();
	if (err)
		goto err_reap;

	pr_info("version %s loaded, mode=%s\n", CWSTAT_VERSION, src->name);
	return 0;

err_reap:
	/* Waits for reapers: they need the live table, stopped below. */
	cwstat_reap_exit();
err_proc_net:
	cwstat_proc_net_exit();
err_sysfs:
	/* Removing "reconcile" waits for its writers: let them go first. */
	src->quiesce();
	cwstat_sysfs_exit();
err_snapshot:
	/* A reader of /proc/net/cwstat may have filled the cache already. */
	cwstat_snapshot_exit();
err_alarm:
	cwstat_alarm_exit();
err_src_stop:
	src->stop();
err_src_exit:
	src->exit();
err_netkey:
	cwstat_netkey_exit();
err_out:
	pr_err("init failed at step %u (%s, mode=%s): error %d\n", step, what,
	       src->name, err);
	return err;
}

/* Unload: cwstat_init()'s ladder, from the top. */
static void __exit cwstat_exit(void)
{
	const struct cwstat_source *src = cwstat_source;

	cwstat_proc_exit();
	/* Waits for reapers: they need the live table, stopped below. */
	cwstat_reap_exit();
	cwstat_proc_net_exit();
	/* Removing "reconcile" waits for its writers: let them go first. */
	src->quiesce();
	cwstat_sysfs_exit();
	/* The readers that could still hold the cache are gone. */
	cwstat_snapshot_exit();
	/* No threshold store or read of the level is left. */
	cwstat_alarm_exit();
	/* Readers are gone too, so the table can go once the probe has. */
	src->stop();
	src->exit();
	/* Last: no row or reader is left to key. */
	cwstat_netkey_exit();
	pr_info("unloaded\n");
}

module_init(cwstat_init);
module_exit(cwstat_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cwstat developers");
MODULE_DESCRIPTION("Count TCP sockets in CLOSE_WAIT per network namespace and cgroup");
MODULE_VERSION(CWSTAT_VERSION);
/* The kernels make check builds and tests, as KERNELS lists them. */
MODULE_INFO(tested_kernels, CWSTAT_TESTED);

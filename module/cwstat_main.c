// SPDX-License-Identifier: GPL-2.0
/*
 * cwstat: count TCP sockets stuck in CLOSE_WAIT, per network namespace and
 * per cgroup, and show them in /proc/cwstat and /proc/net/cwstat.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "compat.h"
#include "cwstat_format.h"
#include "cwstat.h"

unsigned int cwstat_max_age_ms = 1000;

static int cwstat_max_age_ms_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, CWSTAT_MAX_AGE_MS_LIMIT);
}

static const struct kernel_param_ops cwstat_max_age_ms_ops = {
	.set = cwstat_max_age_ms_set,
	.get = param_get_uint,
};

module_param_cb(max_age_ms, &cwstat_max_age_ms_ops, &cwstat_max_age_ms, 0644);
MODULE_PARM_DESC(max_age_ms,
		 "Serve a table walk's result for this long, 0-3600000 ms (default 1000; 0 = walk on every read)");

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

static int __init cwstat_init(void)
{
	const char *what;
	unsigned int step;
	int err;

	step = 1;
	what = "self-test";
	err = cwstat_init_fault(step) ?: cwstat_selftest();
	if (err)
		goto err_out;

	step = 2;
	what = "/sys/kernel/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_sysfs_init();
	if (err)
		goto err_out;

	step = 3;
	what = "/proc/net/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_proc_net_init();
	if (err)
		goto err_sysfs;

	step = 4;
	what = "/proc/" CWSTAT_PROC_NAME;
	err = cwstat_init_fault(step) ?: cwstat_proc_init();
	if (err)
		goto err_proc_net;

	pr_info("version %s loaded\n", CWSTAT_VERSION);
	return 0;

err_proc_net:
	cwstat_proc_net_exit();
	/* A reader of /proc/net/cwstat may have filled the cache already. */
	cwstat_snapshot_exit();
err_sysfs:
	cwstat_sysfs_exit();
err_out:
	pr_err("init failed at step %u (%s): error %d\n", step, what, err);
	return err;
}

static void __exit cwstat_exit(void)
{
	cwstat_proc_exit();
	cwstat_proc_net_exit();
	/* The readers that could still hold the cache are gone. */
	cwstat_snapshot_exit();
	/* Last: walks, which update the alarm, are over. */
	cwstat_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(cwstat_init);
module_exit(cwstat_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cwstat developers");
MODULE_DESCRIPTION("Count TCP sockets in CLOSE_WAIT per network namespace and cgroup");
MODULE_VERSION(CWSTAT_VERSION);

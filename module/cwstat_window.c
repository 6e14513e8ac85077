// SPDX-License-Identifier: GPL-2.0
/*
 * Test builds only: the race windows of cwstat_window.h, held open on
 * demand through the "windows" parameter.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "cwstat.h"
#include "cwstat_window.h"

/*
 * A window in atomic context busy-waits, with a bucket lock or a socket's
 * spinlock held: 100 ms keeps every watchdog quiet. One that may sleep
 * waits up to 30 s, as reconcile_delay_ms does.
 */
#define CWSTAT_WINDOW_ATOMIC_MAX_US	100000
#define CWSTAT_WINDOW_SLEEP_MAX_US	30000000

struct cwstat_window_def {
	const char *name;
	bool may_sleep;
};

static const struct cwstat_window_def cwstat_windows[CWSTAT_NR_WINDOWS] = {
	[CWSTAT_WIN_WALK_PASSES]	= { "walk_passes", false },
	[CWSTAT_WIN_WALK_BUCKET]	= { "walk_bucket", true },
	[CWSTAT_WIN_PROBE_STORE]	= { "probe_store", false },
	[CWSTAT_WIN_SEED_FOLLOWUP]	= { "seed_followup", true },
	[CWSTAT_WIN_REAP_LOOK]		= { "reap_look", false },
	[CWSTAT_WIN_PICK_EXAMINE]	= { "pick_examine", true },
	[CWSTAT_WIN_EXAMINE_SPARE]	= { "examine_spare", true },
	[CWSTAT_WIN_CONFIRM_LINK]	= { "confirm_link", false },
	[CWSTAT_WIN_CAPPED_WRITE]	= { "capped_write", true },
	[CWSTAT_WIN_REAP_ERROR]		= { "reap_error", false },
	[CWSTAT_WIN_ALARM_EVAL]		= { "alarm_eval", true },
	[CWSTAT_WIN_LEAVE_STORE]	= { "leave_store", false },
	[CWSTAT_WIN_RECHECK_SUM]	= { "recheck_sum", true },
	[CWSTAT_WIN_ROOM_SUM]		= { "room_sum", true },
	[CWSTAT_WIN_ALARM_REREAD]	= { "alarm_reread", true },
	[CWSTAT_WIN_GEN_PENDING]	= { "gen_pending", true },
};

/*
 * The settings are written under param_lock (the parameter's store) and
 * read locklessly by the marks: a pass may see one field old and one new,
 * which only changes that one pass's wait.
 */
static unsigned int cwstat_window_us[CWSTAT_NR_WINDOWS];
static unsigned int cwstat_window_every[CWSTAT_NR_WINDOWS];
static atomic64_t cwstat_window_opened[CWSTAT_NR_WINDOWS];

/*
 * One pass in @every, at random, from the clock: get_random_u32() takes a
 * local_lock, which sleeps on PREEMPT_RT, where a mark in the probe runs
 * with preemption off ("scheduling while atomic" in tcp_fin() on 6.12-rt).
 */
static bool cwstat_window_pick(unsigned int every)
{
	return every <= 1 || !(hash_64(local_clock(), 32) % every);
}

/*
 * Busy-wait @us by the clock. mdelay() counts loops calibrated at boot,
 * which under qemu's TCG run many times faster later: 100 ms lasted from
 * 0.3 to 15 ms in a 6.1 guest.
 */
static void cwstat_window_spin(unsigned int us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	while (ktime_get_ns() < end)
		cpu_relax();
}

void cwstat_window(enum cwstat_window_id id)
{
	unsigned int us = READ_ONCE(cwstat_window_us[id]);
	unsigned int every = READ_ONCE(cwstat_window_every[id]);

	if (likely(!us))
		return;
	if (!cwstat_window_pick(every))
		return;
	atomic64_inc(&cwstat_window_opened[id]);
	if (cwstat_windows[id].may_sleep) {
		fsleep(us);
		return;
	}
	cwstat_window_spin(us);
}

static int cwstat_window_find(const char *name)
{
	int i;

	for (i = 0; i < CWSTAT_NR_WINDOWS; i++)
		if (!strcmp(name, cwstat_windows[i].name))
			return i;
	return -EINVAL;
}

/* One "NAME=USEC[/EVERY]" into us[] and every[]; 0 or -EINVAL. */
static int cwstat_window_parse(char *item, unsigned int *us,
			       unsigned int *every)
{
	char *val = strchr(item, '=');
	char *slash;
	unsigned int max;
	int id;

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	id = cwstat_window_find(item);
	if (id < 0)
		return id;
	slash = strchr(val, '/');
	if (slash) {
		*slash++ = '\0';
		if (kstrtouint(slash, 10, &every[id]))
			return -EINVAL;
	} else {
		every[id] = 1;
	}
	if (kstrtouint(val, 10, &us[id]))
		return -EINVAL;
	max = cwstat_windows[id].may_sleep ? CWSTAT_WINDOW_SLEEP_MAX_US :
					     CWSTAT_WINDOW_ATOMIC_MAX_US;
	if (us[id] > max)
		return -EINVAL;
	return 0;
}

/*
 * "NAME=USEC[/EVERY]", several separated by commas or blanks, or "off".
 * All or nothing: a bad item refuses the write and changes no window.
 */
static int cwstat_windows_set(const char *val, const struct kernel_param *kp)
{
	unsigned int us[CWSTAT_NR_WINDOWS], every[CWSTAT_NR_WINDOWS];
	char *buf, *cur, *item;
	int err = 0;
	int i;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	memcpy(us, cwstat_window_us, sizeof(us));
	memcpy(every, cwstat_window_every, sizeof(every));
	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = strim(buf);
	if (!strcmp(cur, "off")) {
		memset(us, 0, sizeof(us));
		memset(every, 0, sizeof(every));
		cur = "";
	}
	while ((item = strsep(&cur, ", \t\n")) && !err) {
		if (*item)
			err = cwstat_window_parse(item, us, every);
	}
	kfree(buf);
	if (err)
		return err;
	for (i = 0; i < CWSTAT_NR_WINDOWS; i++) {
		WRITE_ONCE(cwstat_window_every[i], every[i]);
		WRITE_ONCE(cwstat_window_us[i], us[i]);
	}
	return 0;
}

/* "NAME USEC EVERY OPENED", one window per line. */
static int cwstat_windows_get(char *buffer, const struct kernel_param *kp)
{
	int len = 0;
	int i;

	for (i = 0; i < CWSTAT_NR_WINDOWS; i++)
		len += scnprintf(buffer + len, PAGE_SIZE - len, "%s %u %u %lld\n",
				 cwstat_windows[i].name,
				 READ_ONCE(cwstat_window_us[i]),
				 max(READ_ONCE(cwstat_window_every[i]), 1U),
				 atomic64_read(&cwstat_window_opened[i]));
	return len;
}

static const struct kernel_param_ops cwstat_windows_ops = {
	.set = cwstat_windows_set,
	.get = cwstat_windows_get,
};

module_param_cb(windows, &cwstat_windows_ops, NULL, 0644);
MODULE_PARM_DESC(windows,
		 "Test builds only: hold race windows open, NAME=USEC[/EVERY],... or off (see cwstat_window.h)");

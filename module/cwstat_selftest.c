// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the pieces that need no sockets, run at load in DEBUG
 * builds: a failure here fails the load, before anything is registered.
 */
#include <linux/sort.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "cwstat.h"

static bool cwstat_expect(bool ok, const char *what, int line)
{
	if (!ok)
		pr_err("self-test failed: %s (%s:%d)\n", what, __FILE__, line);
	return ok;
}

#define CWSTAT_EXPECT(cond)	cwstat_expect(cond, #cond, __LINE__)

static int cwstat_selftest_payload(void)
{
	/* Unread EOF only: the FIN's sequence number is no payload. */
	if (!CWSTAT_EXPECT(cwstat_close_wait_payload(1001, 1000) == 0))
		return -EINVAL;
	/* EOF already read. */
	if (!CWSTAT_EXPECT(cwstat_close_wait_payload(1000, 1000) == 0))
		return -EINVAL;
	if (!CWSTAT_EXPECT(cwstat_close_wait_payload(1101, 1000) == 100))
		return -EINVAL;
	/* Sequence numbers wrap. */
	if (!CWSTAT_EXPECT(cwstat_close_wait_payload(10, 0xfffffff0U) == 25))
		return -EINVAL;
	return 0;
}

/*
 * oldest_idle from rcv_tstamp: 32-bit jiffies, so any age up to 2^32 ticks
 * (198 days at HZ=250) must come out whole. A socket that is only a zeroed
 * tcp_sock is enough: cwstat_count_close_wait() reads its sequence numbers,
 * rmem and rcv_tstamp, nothing else.
 */
static int cwstat_selftest_idle(void)
{
	static const u32 ages[] = { 0, 3, 1U << 31, (1U << 31) + 5,
				    0xc0000000U, 0xffffffffU - 2 * HZ };
	const u32 now = 0x12345678U;
	struct cwstat_counts cw;
	struct tcp_sock *tp;
	unsigned int i;
	int err = 0;

	tp = kzalloc(sizeof(*tp), GFP_KERNEL);
	if (!tp)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(ages) && !err; i++) {
		tp->rcv_tstamp = now - ages[i];
		cwstat_count_close_wait(&cw, (struct sock *)tp, now);
		if (!CWSTAT_EXPECT(cw.oldest_idle == ages[i]))
			err = -EINVAL;
	}
	/* A segment that came in after @now was read: no idle time. */
	tp->rcv_tstamp = now + 2;
	cwstat_count_close_wait(&cw, (struct sock *)tp, now);
	if (!err && !CWSTAT_EXPECT(cw.oldest_idle == 0))
		err = -EINVAL;
	kfree(tp);
	return err;
}

static int cwstat_selftest_agg(void)
{
	struct cwstat_agg agg = {};
	struct cwstat_row *row;
	unsigned int i;
	int err = 0;

	/* Enough keys to grow the table several times. */
	for (i = 1; i <= 1000 && !err; i++) {
		err = cwstat_agg_reserve(&agg, 1);
		if (err)
			break;
		row = cwstat_agg_find_or_add(&agg, 1 + i % 7, 1 + i % 7, i,
					     NULL);
		if (!row || row->cw.close_wait) {
			err = -EINVAL;
			break;
		}
		row->cw.close_wait = i;
	}
	for (i = 1; i <= 1000 && !err; i++) {
		row = cwstat_agg_find(&agg, 1 + i % 7, i);
		if (!row || row->cw.close_wait != i)
			err = -EINVAL;
	}
	if (!err && (agg.used != 1000 || cwstat_agg_find(&agg, 1, 1)))
		err = -EINVAL;
	/* One inode number, two netns (one dead): two rows, never one. */
	if (!err)
		err = cwstat_agg_reserve(&agg, 2);
	if (!err) {
		struct cwstat_row *a, *b;

		a = cwstat_agg_find_or_add(&agg, 4242, 100, 0, NULL);
		b = cwstat_agg_find_or_add(&agg, 4242, 101, 0, NULL);
		if (!a || !b || a == b || agg.used != 1002)
			err = -EINVAL;
	}
	cwstat_agg_destroy(&agg);
	if (!CWSTAT_EXPECT(!err))
		return -EINVAL;
	return 0;
}

static int cwstat_selftest_order(void)
{
	/* ns, cgroup_id, close_wait, netns_close_wait; given out of order. */
	struct cwstat_row rows[] = {
		{ .ns = 9, .cgroup_id = 5, .cw.close_wait = 1,
		  .netns_close_wait = 3 },
		{ .ns = 8, .cgroup_id = 0, .cw.close_wait = 3,
		  .netns_close_wait = 3 },
		{ .ns = 9, .cgroup_id = 0, .cw.close_wait = 3,
		  .netns_close_wait = 3 },
		{ .ns = 9, .cgroup_id = 4, .cw.close_wait = 1,
		  .netns_close_wait = 3 },
		{ .ns = 7, .cgroup_id = 0, .cw.close_wait = 1,
		  .netns_close_wait = 1 },
		{ .ns = 9, .cgroup_id = 6, .cw.close_wait = 2,
		  .netns_close_wait = 3 },
	};
	static const struct { unsigned int ns; u64 id; } want[] = {
		{ 8, 0 }, { 9, 0 }, { 9, 6 }, { 9, 4 }, { 9, 5 }, { 7, 0 },
	};
	unsigned int i;

	sort(rows, ARRAY_SIZE(rows), sizeof(rows[0]), cwstat_row_cmp, NULL);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!CWSTAT_EXPECT(rows[i].ns == want[i].ns &&
				   rows[i].cgroup_id == want[i].id))
			return -EINVAL;
	return 0;
}

int cwstat_selftest(void)
{
	int err;

	err = cwstat_selftest_payload();
	if (!err)
		err = cwstat_selftest_idle();
	if (!err)
		err = cwstat_selftest_agg();
	if (!err)
		err = cwstat_selftest_order();
	if (!err)
		pr_debug("self-tests passed\n");
	return err;
}

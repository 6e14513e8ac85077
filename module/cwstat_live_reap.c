// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's reaper: abort the tracked sockets in CLOSE_WAIT that a reap
 * request matches (Documentation/reaper.md). It picks from the table under
 * its group locks, then looks at each socket under its spinlock; it never
 * waits for a socket's owner.
 */
#include <linux/atomic.h>
#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cwstat.h"
#include "cwstat_live_reap.h"
#include "cwstat_table.h"
#include "cwstat_window.h"

static atomic64_t cwstat_reaped = ATOMIC64_INIT(0);

/* @t, in a locked group, matches @req at boottime @now_ns. */
static bool cwstat_reap_match(const struct cwstat_track *t,
			      const struct cwstat_reap_req *req, u64 now_ns)
{
	u64 min_age = (u64)req->older_than_s * NSEC_PER_SEC;

	if (!req->all_ns && t->ns != req->ns)
		return false;
	/*
	 * A kernel socket (an NFS or SMB client's, an MPTCP subflow) has no
	 * application to abandon it, and its owner may not survive an abort.
	 */
	if (t->sk->sk_kern_sock)
		return false;
	if (req->cgroup_id && cgroup_id(t->cgrp) != req->cgroup_id)
		return false;
	/* The entry names a live socket (see struct cwstat_group). */
	if (req->lport && inet_sk(t->sk)->inet_num != req->lport)
		return false;
	return now_ns > t->entered_ns && now_ns - t->entered_ns >= min_age;
}

/* Make room for @more sockets in @batch, up to @max in all. */
static int cwstat_reap_reserve(struct cwstat_batch *batch, unsigned int more,
			       unsigned int max)
{
	unsigned int size = max_t(unsigned int, 64, 2 * batch->size);
	struct sock **socks;

	size = min(max, max(size, batch->nr + more));
	socks = kvmalloc_array(size, sizeof(*socks), GFP_KERNEL);
	if (!socks)
		return -ENOMEM;
	if (batch->nr)
		memcpy(socks, batch->socks, batch->nr * sizeof(*socks));
	kvfree(batch->socks);
	batch->socks = socks;
	batch->size = size;
	return 0;
}

/*
 * Take a reference on each tracked socket matching @req, up to req->max of
 * them, into @batch; count the matches in @res. Room is made with the
 * group unlocked, as in cwstat_table_collect().
 */
static int cwstat_reap_pick(const struct cwstat_reap_req *req,
			    struct cwstat_batch *batch,
			    struct cwstat_reap_result *res)
{
	u64 now_ns = ktime_get_coarse_boottime_ns();
	struct cwstat_table_pos pos;
	struct cwstat_slot s;
	int err;

	cwstat_table_pos_init(&pos);
	while (cwstat_next_chain(&pos, &s)) {
		struct cwstat_track *t;
		unsigned long flags;
		unsigned int want;

retry:
		raw_spin_lock_irqsave(&s.g->lock, flags);
		want = 0;
		hlist_for_each_entry(t, s.chain, node)
			want += cwstat_reap_match(t, req, now_ns);
		want = min(want, req->max - batch->nr);
		if (unlikely(batch->nr + want > batch->size)) {
			raw_spin_unlock_irqrestore(&s.g->lock, flags);
			err = cwstat_reap_reserve(batch, want, req->max);
			if (err)
				return err;
			goto retry;
		}
		hlist_for_each_entry(t, s.chain, node) {
			/* Not a const socket: the reaper may abort it. */
			struct sock *sk = (struct sock *)t->sk;

			if (!cwstat_reap_match(t, req, now_ns))
				continue;
			res->matched++;
			if (batch->nr == req->max) {
				res->skipped_max++;
				continue;
			}
			/* Safe: an entry under its group lock is alive. */
			sock_hold(sk);
			batch->socks[batch->nr++] = sk;
		}
		raw_spin_unlock_irqrestore(&s.g->lock, flags);
	}
	return 0;
}

/* What became of one picked socket. */
enum cwstat_pick_outcome {
	CWSTAT_PICK_ABORTED,	/* our tcp_abort() took it out of CLOSE_WAIT */
	CWSTAT_PICK_GONE,	/* it left CLOSE_WAIT on its own first */
	CWSTAT_PICK_BUSY,	/* a process owned it: not waited for */
};

/*
 * What a look at @sk under its spinlock says, as the kernel's softirq paths
 * look: gone from CLOSE_WAIT, owned by a process, or free to abort.
 */
static enum cwstat_pick_outcome cwstat_reap_look(struct sock *sk)
{
	enum cwstat_pick_outcome seen = CWSTAT_PICK_ABORTED;

	local_bh_disable();
	bh_lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE_WAIT)
		seen = CWSTAT_PICK_GONE;
	else if (sock_owned_by_user(sk))
		seen = CWSTAT_PICK_BUSY;
	bh_unlock_sock(sk);
	local_bh_enable();
	return seen;
}

/*
 * Abort @sk, picked in CLOSE_WAIT, with tcp_abort(), as the destroy path of
 * inet_diag does (sock_diag_destroy() -> tcp_diag_destroy() -> tcp_abort()):
 * it takes the socket lock itself, sends a RST, purges the queues and
 * moves the socket to CLOSE; the application's fd stays open and its next
 * call fails with ECONNABORTED.
 *
 * tcp_abort() takes the lock with lock_sock(), which sleeps, uninterruptibly,
 * for as long as a process owns the socket: forever, for a send() stalled
 * on a page whose fault never resolves (a hung NFS or FUSE mount,
 * userfaultfd), and the request, and rmmod behind it, would wait with it.
 * So a socket a process owns is skipped, not waited for: the operator sees
 * skipped_busy and can ask again. The check cannot close the window in
 * which an owner takes the lock between it and tcp_abort()'s lock_sock();
 * it makes waiting for an owner that holds on for good need that owner to
 * arrive within a few instructions of our look, instead of at any time.
 *
 * The socket may leave CLOSE_WAIT on its own between the pick and
 * tcp_abort()'s lock_sock(): the application closes it, or the peer resets
 * it. We cannot hold the socket lock across tcp_abort(), which takes it,
 * so the state test below cannot close that window (inet_diag's
 * SOCK_DESTROY has the same one). What it costs, on 6.1.192 and 6.12:
 * tcp_abort() returns -ENOENT and touches nothing on a socket already in
 * CLOSE (reset by the peer, or closed by the application with unread data,
 * which sent the RST itself), and finishes with tcp_done(), without a RST,
 * an orphan the application's close() moved to LAST_ACK. What it cannot
 * cost is the count: the entry is marked before the call, and the probe
 * credits us only with the exit from CLOSE_WAIT made by this task inside
 * the call, never with one made by the application or by a softirq.
 */
static enum cwstat_pick_outcome cwstat_reap_one(struct sock *sk)
{
	struct cwstat_reaper me = { .task = current };
	struct cwstat_slot s = cwstat_slot_of(sk);
	struct cwstat_track *t;
	enum cwstat_pick_outcome seen;
	unsigned long flags;

	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	/* No entry: it left CLOSE_WAIT since the pick. */
	if (t && READ_ONCE(sk->sk_state) == TCP_CLOSE_WAIT)
		t->reaper = &me;
	else
		t = NULL;
	raw_spin_unlock_irqrestore(&s.g->lock, flags);
	if (!t)
		return CWSTAT_PICK_GONE;

	seen = cwstat_reap_look(sk);
	if (seen == CWSTAT_PICK_ABORTED)
		tcp_abort(sk, ECONNABORTED);

	/* Still linked: the abort did not take it out; unmark it. */
	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	if (t && t->reaper == &me)
		t->reaper = NULL;
	raw_spin_unlock_irqrestore(&s.g->lock, flags);
	if (me.hits)
		return CWSTAT_PICK_ABORTED;
	return seen == CWSTAT_PICK_BUSY ? CWSTAT_PICK_BUSY : CWSTAT_PICK_GONE;
}

/*
 * Carry out @req. Process context; the caller serialises requests, so no
 * two reapers mark the same entry. The table lives while we run: the reap
 * file is removed, which waits for its writers, before cwstat_live_stop().
 */
int cwstat_live_reap(const struct cwstat_reap_req *req,
		     struct cwstat_reap_result *res)
{
	struct cwstat_batch batch = {};
	unsigned int i;
	int err;

	memset(res, 0, sizeof(*res));

	err = cwstat_reap_pick(req, &batch, res);
	for (i = 0; i < batch.nr; i++) {
		struct sock *sk = batch.socks[i];

		if (!err && !req->dry_run) {
			switch (cwstat_reap_one(sk)) {
			case CWSTAT_PICK_ABORTED:
				res->aborted++;
				break;
			case CWSTAT_PICK_GONE:
				res->skipped_state++;
				break;
			case CWSTAT_PICK_BUSY:
				res->skipped_busy++;
				break;
			}
			if (req->test_delay_ms)
				msleep(req->test_delay_ms);
		}
		sock_put(sk);
		cond_resched();
	}
	kvfree(batch.socks);
	atomic64_add(res->aborted, &cwstat_reaped);
	return err;
}

u64 cwstat_live_reaped(void)
{
	return atomic64_read(&cwstat_reaped);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's reaper: abort the tracked sockets in CLOSE_WAIT that a reap
 * request matches (Documentation/reaper.md). It picks from the table under
 * its group locks, then looks at each socket and ends it under the
 * socket's spinlock; it never owns a socket nor waits for its owner.
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
#include <net/transp_v6.h>

#include "compat.h"
#include "cwstat.h"
#include "cwstat_live_reap.h"
#include "cwstat_table.h"
#include "cwstat_window.h"

static atomic64_t cwstat_reaped = ATOMIC64_INIT(0);

/*
 * @sk is plain TCP over IPv4 or IPv6, with no layer stacked on it: no
 * ULP (kTLS, MPTCP) and no protocol of a sockmap's BPF hooks. Such a
 * layer keeps state of its own about the connection and may not survive
 * a disconnect it did not ask for (kTLS refuses one). Both kinds are set
 * up only in ESTABLISHED (tls_init(), sock_map_sk_state_allowed()), so a
 * socket in CLOSE_WAIT can lose its layer, never gain one.
 */
static bool cwstat_reap_plain(const struct sock *sk)
{
	const struct proto *prot = READ_ONCE(sk->sk_prot);

	if (READ_ONCE(inet_csk(sk)->icsk_ulp_ops))
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (prot == &tcpv6_prot)
		return true;
#endif
	return prot == &tcp_prot;
}

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
	if (t->sk->sk_kern_sock || !cwstat_reap_plain(t->sk))
		return false;
	if (req->cgroup_id && cgroup_id(t->cgrp) != req->cgroup_id)
		return false;
	/* The entry names a live socket (see struct cwstat_group). */
	if (req->lport && READ_ONCE(inet_sk(t->sk)->inet_num) != req->lport)
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
			/*
			 * Matched now, not when the batch was sized: a field
			 * cwstat_reap_match() reads changed under us without
			 * this lock (sk_prot as a sockmap lets go, inet_num).
			 * Never store past the array; the socket changed
			 * under us, so report it as one.
			 */
			if (unlikely(batch->nr == batch->size)) {
				res->skipped_state++;
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
	CWSTAT_PICK_ABORTED,	/* we ended its connection */
	CWSTAT_PICK_GONE,	/* it left CLOSE_WAIT on its own first */
	CWSTAT_PICK_BUSY,	/* a process owned it, or a thread waited in it */
};

/*
 * A look at @sk, under its spinlock: gone from CLOSE_WAIT, owned by a
 * process (not waited for: see cwstat_reap_one()), or ours to end.
 */
static enum cwstat_pick_outcome cwstat_reap_look(const struct sock *sk)
{
	if (sk->sk_state != TCP_CLOSE_WAIT)
		return CWSTAT_PICK_GONE;
	if (sock_owned_by_user(sk))
		return CWSTAT_PICK_BUSY;
	return CWSTAT_PICK_ABORTED;
}

/*
 * End @sk's connection, under its spinlock, unowned, in CLOSE_WAIT: the
 * protocol's disconnect() (tcp_disconnect()) sends a RST, moves it to
 * CLOSE and purges its queues, and wakes its waiters. That is RFC 793's
 * ABORT, what connect(AF_UNSPEC) does to a socket and what
 * inet_csk_listen_stop() does under bh_lock_sock() alone to every child
 * still in its accept queue. The error left for the application is the
 * one inet_diag's SOCK_DESTROY (tcp_abort()) leaves, so that a reaped
 * connection can be told from one the peer reset. False if it was left
 * alone: a thread sleeps in it on a kernel that cannot tell it
 * (cwstat_sk_note_disconnect()).
 */
static bool cwstat_reap_end(struct sock *sk)
{
	if (!cwstat_sk_note_disconnect(sk) ||
	    sk->sk_prot->disconnect(sk, O_NONBLOCK))
		return false;
	WRITE_ONCE(sk->sk_err, ECONNABORTED);
	return true;
}

/*
 * Abort @sk, picked in CLOSE_WAIT, the way TCP's softirq input and timers
 * end a connection: with its spinlock held (bh_lock_sock()), and only if
 * no process owns it. The look and the abort are one critical section,
 * so nothing can change @sk's state or take its ownership in between;
 * cwstat_window(CWSTAT_WIN_REAP_LOOK) holds it open in the test build.
 *
 * Never lock_sock(), which tcp_abort() takes: it waits, uninterruptibly,
 * for as long as the owner holds the socket, forever for a send() stalled
 * on a page whose fault never resolves (a hung NFS or FUSE mount,
 * userfaultfd), which the root of a container can arrange on its own
 * sockets; the request, the others behind the reap lock, and rmmod would
 * wait with it. An owned socket is left alone (skipped_busy; ask again).
 *
 * Never own a socket that has no sk_socket yet, either: a child still in
 * a listener's accept queue. inet_csk_listen_stop() takes each child with
 * bh_lock_sock() alone and WARNs if a process owns it, then destroys it,
 * which a tcp_abort() that owned it would do a second time. Under the
 * spinlock we are to the listener's close what a softirq is: it waits for
 * us, and finds the child we ended in CLOSE, as it finds one its client
 * reset. The child keeps its place in the accept queue until the server
 * accepts it (accept() returns it, reset) or closes the listener.
 */
static enum cwstat_pick_outcome cwstat_reap_one(struct sock *sk)
{
	enum cwstat_pick_outcome seen;

	local_bh_disable();
	bh_lock_sock(sk);
	seen = cwstat_reap_look(sk);
	if (seen == CWSTAT_PICK_ABORTED) {
		cwstat_window(CWSTAT_WIN_REAP_LOOK);
		if (!cwstat_reap_end(sk))
			seen = CWSTAT_PICK_BUSY;
	}
	bh_unlock_sock(sk);
	local_bh_enable();
	return seen;
}

/*
 * Carry out @req. Process context; two requests may pick the same socket,
 * and the second to take its spinlock finds it gone. The table lives while
 * we run: the reap file is removed, which waits for its writers, before
 * cwstat_live_stop().
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

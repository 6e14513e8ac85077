// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's reconciliation, one socket at a time: a candidate the walk
 * picked is examined under its spinlock, its entry marked seen or linked
 * (cwstat_reconcile.c runs the walk, the retries and the sweep).
 *
 * Why a reconciliation must never sleep on a socket's lock: lock_sock()
 * waits uninterruptibly for as long as the owner holds the socket, which a
 * send() from a page whose fault never resolves (a hung NFS or FUSE page,
 * userfaultfd) makes forever, and it would wait with
 * cwstat_reconcile_mutex held, so that insmod, rmmod and every write to
 * "reconcile" hang in D state behind it. And owning a child still in a
 * listener's accept queue is not ours to do: inet_csk_listen_stop()
 * handles each child under bh_lock_sock() alone and WARNs if a process
 * owns it, then disconnects it under us.
 *
 * So a reconciliation takes only the socket's spinlock, as a softirq does
 * (bh_lock_sock()), and looks at sock_owned_by_user(): see cwstat_examine().
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cwstat.h"
#include "cwstat_examine.h"
#include "cwstat_table.h"
#include "cwstat_window.h"

/*
 * The entry time of a socket found in CLOSE_WAIT without an entry: when it
 * last received a segment (rcv_tstamp), which is when the peer's FIN
 * arrived unless the peer went on acknowledging our data. Never the time of
 * the walk: a week-old leak would look new after every load of the module.
 * rcv_tstamp is 32-bit jiffies, so this is exact to a tick and wraps after
 * 2^32 ticks (198 days at HZ=250), as oldest_idle_s does.
 */
static u64 cwstat_seed_time(const struct sock *sk)
{
	u32 idle = tcp_jiffies32 - READ_ONCE(tcp_sk(sk)->rcv_tstamp);
	u64 idle_ns = jiffies64_to_nsecs(idle);
	u64 now = ktime_get_coarse_boottime_ns();

	return idle_ns < now ? now - idle_ns : 0;
}

/* Mark @sk's entry, if it has one, seen by @gen. True if it has one. */
static bool cwstat_mark(const struct sock *sk, unsigned int gen)
{
	struct cwstat_slot s = cwstat_slot_of(sk);
	struct cwstat_track *t;
	unsigned long flags;

	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	if (t)
		t->gen = gen;
	raw_spin_unlock_irqrestore(&s.g->lock, flags);
	return t;
}

/*
 * Have rc->spare filled, from the pool or by growing it, with no socket
 * lock held: cwstat_pool_grow() allocates with GFP_KERNEL and must not run
 * while we hold a socket, which may belong to a storage transport. Called
 * only for a socket found in CLOSE_WAIT without an entry. Once a growth
 * failed, none is tried again in this reconciliation: each would take the
 * grow mutex and reclaim, once per untracked socket. At max_tracked the
 * lockless hint spares the grow mutex. False if there is no entry to have.
 */
static bool cwstat_spare(struct cwstat_reconcile *rc)
{
	if (rc->spare)
		return true;
	rc->spare = cwstat_pool_get();
	if (rc->spare || rc->no_grow ||
	    cwstat_pool_full())
		return rc->spare;
	rc->grow_attempts++;
	if (cwstat_pool_grow(1))
		rc->no_grow = true;
	else
		rc->spare = cwstat_pool_get();
	return rc->spare;
}

/*
 * @sk is in CLOSE_WAIT, and we hold its spinlock while no process owns it,
 * so it cannot change state (see Documentation/modes.md): mark its entry
 * seen, or link rc->spare for it. No entry can appear for it between our
 * lookup and our link: only the probe adds one, on a state change. False
 * if it has no entry and there is no spare: the caller unlocks, gets one
 * (cwstat_spare()) and examines @sk again.
 */
static bool cwstat_confirm(struct sock *sk, struct cwstat_reconcile *rc)
{
	struct cwstat_slot s = cwstat_slot_of(sk);
	struct cwstat_track *t, *spare = rc->spare;
	unsigned long flags;

	if (cwstat_mark(sk, rc->gen))
		return true;
	if (!spare)
		return false;

	/* Filled outside the group lock; only linked under it. */
	cwstat_fill(spare, sk, cwstat_seed_time(sk), rc->gen);
	cwstat_window(CWSTAT_WIN_CONFIRM_LINK);
	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	if (!t)
		cwstat_chain_add(&s, spare);
	raw_spin_unlock_irqrestore(&s.g->lock, flags);
	/* Cannot happen (see above); if it did, keep the one entry. */
	if (WARN_ON_ONCE(t))
		return true;

	rc->spare = NULL;
	rc->inserted++;
	cwstat_tracked_add(1);
	return true;
}

/*
 * A process owns @sk (we hold its spinlock, but it may change state under
 * us): decide what can be decided without waiting. True when done, false
 * when @sk must be looked at again once its owner lets go.
 *
 * An owned socket that reads CLOSE_WAIT and has an entry is marked seen:
 * if it is leaving, the probe removes the entry as usual. One without an
 * entry may be a miss, or a socket the probe never saw enter: look again.
 * One in another state needs nothing (any change into CLOSE_WAIT that
 * began after the probe's registration calls the probe), except in the
 * seeding and the follow-up (rc->wide), where its owner may be storing a
 * change into CLOSE_WAIT that began before (case 1 of the
 * argument in Documentation/modes.md): look again. An owner that makes the change
 * itself may be preempted between the tracepoint and the store; one kept
 * off the CPU through the seeding, the follow-up and all their looks is
 * the one case no walk meets: reconcile_period_s is the backstop.
 */
static bool cwstat_owned(const struct sock *sk, struct cwstat_reconcile *rc)
{
	if (READ_ONCE(sk->sk_state) == TCP_CLOSE_WAIT)
		return cwstat_mark(sk, rc->gen);
	return !rc->wide;
}

/*
 * Examine @sk, which we hold a reference on, the way the kernel's own
 * softirq paths do: bh_lock_sock() (a spinlock, never a sleep), then
 * sock_owned_by_user(). Not owned: no state change of @sk can run until we
 * unlock (the argument in Documentation/modes.md), so its state
 * is checked and its entry confirmed or linked. In CLOSE_WAIT without an
 * entry and with no spare one, we unlock, get one (cwstat_spare()) and
 * examine @sk again from the start: it may have changed meanwhile. With
 * none to get, @sk is untracked. Owned: see cwstat_owned(). True when
 * done; false to look again later.
 */
bool cwstat_examine(struct sock *sk, struct cwstat_reconcile *rc)
{
	bool done, confirmed;

	for (;;) {
		done = true;
		confirmed = true;
		local_bh_disable();
		bh_lock_sock(sk);
		if (!sock_owned_by_user(sk)) {
			if (sk->sk_state == TCP_CLOSE_WAIT)
				confirmed = cwstat_confirm(sk, rc);
		} else {
			done = cwstat_owned(sk, rc);
		}
		bh_unlock_sock(sk);
		local_bh_enable();
		/* With a spare in hand, the next pass always confirms. */
		if (confirmed)
			return done;
		if (!cwstat_spare(rc)) {
			rc->untracked++;
			return true;
		}
		cwstat_window(CWSTAT_WIN_EXAMINE_SPARE);
	}
}

/*
 * @sk, owned at every look, is given up: counted unresolved if it was in
 * CLOSE_WAIT at the last (owned, without an entry). In another state it
 * was kept only by a wide walk (the seeding or the follow-up); one given up
 * by the follow-up itself is the case reconcile_period_s is the backstop
 * for (Documentation/modes.md).
 */
void cwstat_give_up(const struct sock *sk, struct cwstat_reconcile *rc)
{
	if (READ_ONCE(sk->sk_state) == TCP_CLOSE_WAIT)
		rc->unresolved++;
}

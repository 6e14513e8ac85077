// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's sweep: the end of a reconciliation, which removes the
 * entries its walk did not see and whose socket is no longer in, or
 * entering, CLOSE_WAIT (cwstat_reconcile.c). Called under
 * cwstat_reconcile_mutex.
 */
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "cwstat.h"
#include "cwstat_sweep.h"
#include "cwstat_table.h"

#ifdef DEBUG
/*
 * Test builds only: entries the sweeps kept since load though their walk
 * did not see them (cwstat_entry_valid()), for selftests/sweep.sh to know
 * that a walk met a socket between the probe and the store. Written under
 * cwstat_reconcile_mutex.
 */
static unsigned long sweep_kept;
module_param(sweep_kept, ulong, 0400);
MODULE_PARM_DESC(sweep_kept,
		 "Test builds only: unseen entries the sweeps kept, their socket in or entering CLOSE_WAIT");

static void cwstat_note_sweep_kept(unsigned long n)
{
	WRITE_ONCE(sweep_kept, sweep_kept + n);
}
#else
static inline void cwstat_note_sweep_kept(unsigned long n)
{
}
#endif

/*
 * May @t, which the walk did not mark, stay? Under its group lock it names
 * a live socket (cwstat_table.h), whose state we may read: the probe of a
 * change into or out of CLOSE_WAIT links or unlinks the entry under this
 * lock before its caller stores the new state. So the state reads:
 *  - CLOSE_WAIT: the walk did not meet the socket (tcp_set_state(TCP_CLOSE)
 *    unhashes it before the tracepoint of its exit), or met it before the
 *    store of its entry; if it is leaving, the probe unlinks the entry;
 *  - ESTABLISHED or SYN_RECV, the states CLOSE_WAIT is entered from: the
 *    probe has linked the entry and its caller has not stored CLOSE_WAIT
 *    yet, a gap as long as preemption holds it (the walk read the old
 *    state there, so the socket was no candidate);
 *  - anything else: the entry is stale.
 */
static bool cwstat_entry_valid(const struct cwstat_track *t)
{
	switch (READ_ONCE(t->sk->sk_state)) {
	case TCP_CLOSE_WAIT:
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		return true;
	default:
		return false;
	}
}

/*
 * Unlink and free the entries that the reconciliation of generation @gen
 * did not see and that are not valid (cwstat_entry_valid()); how many.
 */
u64 cwstat_sweep(unsigned int gen)
{
	struct cwstat_table_pos pos;
	struct cwstat_slot s;
	unsigned long kept = 0;
	u64 n = 0;

	cwstat_table_pos_init(&pos);
	while (cwstat_next_chain(&pos, &s)) {
		struct cwstat_track *t;
		struct hlist_node *tmp;
		HLIST_HEAD(dead);
		unsigned long flags;

		raw_spin_lock_irqsave(&s.g->lock, flags);
		hlist_for_each_entry_safe(t, tmp, s.chain, node) {
			if (t->gen == gen)
				continue;
			if (cwstat_entry_valid(t)) {
				kept++;
				continue;
			}
			n++;
			cwstat_chain_del(&s, t);
			hlist_add_head(&t->node, &dead);
		}
		raw_spin_unlock_irqrestore(&s.g->lock, flags);
		hlist_for_each_entry_safe(t, tmp, &dead, node) {
			hlist_del(&t->node);
			cwstat_tracked_add(-1);
			cwstat_pool_put(t);
		}
	}
	cwstat_note_sweep_kept(kept);
	return n;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live source's table of sockets in CLOSE_WAIT and its probe
 * (cwstat_table.c), over the tracked count (cwstat_tracked.h) and the free
 * entries (cwstat_pool.h). The read, the reconciliation and the reaper
 * work on the table through these.
 */
#ifndef CWSTAT_TABLE_H
#define CWSTAT_TABLE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "cwstat_pool.h"
#include "cwstat_tracked.h"

/*
 * The table: tracked sockets hashed by address into chains, one chain per
 * entry at max_tracked (up to 1M chains), so that a chain walked with
 * interrupts off (on PREEMPT_RT too) holds about one entry even when the
 * table is full. The chains come in groups of CWSTAT_GROUP_SIZE (at least
 * 1 << CWSTAT_GROUPS_MIN_SHIFT groups, so that a small max_tracked still
 * spreads the CPUs over many locks); each group has a raw spinlock, which
 * guards its chains and its bitmap of occupied chains, taken with
 * interrupts disabled by everyone (probe, readers, reconciliation). The
 * bitmap, read locklessly, lets a walk of the table (a read, a reap, a
 * sweep) go straight to the occupied chains: one load per group plus the
 * tracked entries, not a look at every chain head. A group is 528 bytes,
 * so two groups' locks never share a cache line.
 *
 * Raw, because the probe may run with preemption disabled (up to 6.12),
 * where a spinlock_t would sleep on PREEMPT_RT; interrupts off, because
 * the probe runs in softirq context and could otherwise interrupt a
 * process-context holder of the same lock on the same CPU. No group lock is
 * ever held while another lock is taken, except cgroup_get() (per-cpu) by
 * the reader. A group lock may be taken inside a socket's spinlock (the
 * probe; the reconciliation under bh_lock_sock()), never the reverse.
 * An entry is linked by the probe, or by a reconciliation holding its
 * socket's spinlock unowned, and unlinked by the probe or the sweep of a
 * reconciliation; unload frees them with the pool, unlinked or not.
 * Walks hold a group's lock for one chain at a time. An entry found
 * under its group lock names a live socket: see Documentation/modes.md,
 * "An entry names a live socket".
 */
#define CWSTAT_GROUP_SHIFT	6
#define CWSTAT_GROUP_SIZE	BIT(CWSTAT_GROUP_SHIFT)

struct cwstat_group {
	raw_spinlock_t lock;
	/*
	 * Bit i set while chain[i] is not empty: guarded by lock, and read
	 * locklessly (READ_ONCE()) by walks, as a hint.
	 */
	u64 occupied;
	/* Guarded by lock; walks find them through occupied. */
	struct hlist_head chain[CWSTAT_GROUP_SIZE];
};

/* Where one socket's entry lives: its chain, and the group that guards it. */
struct cwstat_slot {
	struct cwstat_group *g;
	struct hlist_head *chain;
};

/*
 * A walk of the table's occupied chains: cwstat_table_pos_init(), then
 * cwstat_next_chain() until it returns false. Each chain it gives looked
 * occupied, without the lock: the caller locks s->g and reads the chain
 * again. Sleeps (cond_resched()) between groups.
 */
struct cwstat_table_pos {
	unsigned int group;	/* the group of @left */
	u64 left;		/* its occupied chains not given yet */
};

/*
 * What the probe reads and the reconciliation (cwstat_reconcile.c) writes,
 * under cwstat_reconcile_mutex unless said otherwise.
 *
 * cwstat_gen: the newest reconciliation's generation; the probe stamps new
 * entries with it (READ_ONCE()).
 *
 * cwstat_repair_delay: how long a repair (a reconciliation asked for by
 * misses or unresolved sockets, cwstat_repair_kick()) waits once asked for;
 * read with READ_ONCE() by whoever asks, the probe among them.
 *
 * cwstat_capped: the table is at max_tracked and sockets in CLOSE_WAIT are
 * not in it. Also set (WRITE_ONCE()) by the probe on a miss at the cap;
 * read with READ_ONCE().
 *
 * cwstat_overflow_pending: sockets that may be in CLOSE_WAIT without an
 * entry: the probe's misses since the newest reconciliation began, plus
 * what that one left untracked or unresolved. A reconciliation takes it
 * (atomic64_xchg()) and may explain that many insertions without calling
 * them drift. An upper bound: a missed socket may have left CLOSE_WAIT.
 *
 * cwstat_repair_work: the repair, queued by cwstat_repair_kick(); its
 * function is the reconciliation's, set by cwstat_reconcile_init() before
 * the probe is attached.
 */
#define CWSTAT_REPAIR_MIN	HZ
#define CWSTAT_REPAIR_MAX	(64 * HZ)
extern unsigned int cwstat_gen;
extern unsigned long cwstat_repair_delay;
extern bool cwstat_capped;
extern atomic64_t cwstat_overflow_pending;
extern struct delayed_work cwstat_repair_work;

/* Counters of the table and the probe; see enum cwstat_stat. */
extern atomic64_t cwstat_overflows;
extern atomic64_t cwstat_drift;

int cwstat_table_init(void);
void cwstat_table_exit(void);
int cwstat_probe_start(void);
void cwstat_probe_stop(void);

struct cwstat_slot cwstat_slot_of(const struct sock *sk);
struct cwstat_track *cwstat_find(const struct cwstat_slot *s,
				 const struct sock *sk);
void cwstat_chain_add(const struct cwstat_slot *s, struct cwstat_track *t);
void cwstat_chain_del(const struct cwstat_slot *s, struct cwstat_track *t);
void cwstat_table_pos_init(struct cwstat_table_pos *pos);
bool cwstat_next_chain(struct cwstat_table_pos *pos, struct cwstat_slot *s);
void cwstat_fill(struct cwstat_track *t, const struct sock *sk,
		 u64 entered_ns, unsigned int gen);

unsigned int cwstat_table_chains(void);
u64 cwstat_probe_hits_sum(void);
u64 cwstat_table_bytes(void);

void cwstat_repair_kick(void);
void cwstat_room_kick(void);

#endif /* CWSTAT_TABLE_H */

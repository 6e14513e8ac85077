// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's table of every TCP socket in CLOSE_WAIT, kept up to date by a
 * probe on the sock:inet_sock_set_state tracepoint. A read of it
 * (cwstat_table_read.c) costs the sockets in CLOSE_WAIT, not a walk of
 * every TCP socket, and the time each socket entered CLOSE_WAIT is known.
 *
 * The tracepoint fires from inet_sk_state_store() and inet_sk_set_state()
 * (net/ipv4/af_inet.c), which tcp_set_state() ends with: before the new
 * state is stored, with the socket lock held (owned by a process, or its
 * spinlock held by bh_lock_sock() while no process owns it: softirq input
 * and timers, and in process context inet_csk_listen_stop() on children it
 * never accepted), in process or softirq context. Up to 6.12 the
 * tracepoint machinery disables preemption around the probe; from 7.x the
 * probe runs as an SRCU-fast reader, preemptible in process context. The
 * probe is written for both: it takes only raw spinlocks with interrupts
 * off, per-cpu data under them or with this_cpu ops, and its own RCU
 * read-side section where it needs one (cwstat_tracked_add()).
 *
 * Lock order, outermost first: a socket's spinlock (sk_lock.slock), then
 * a group lock or a free-entry lock (cwstat_pool.c), never both.
 */
#include <linux/bits.h>
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <trace/events/sock.h>

#include "cwstat.h"
#include "cwstat_table.h"
#include "cwstat_window.h"

#define CWSTAT_GROUPS_MIN_SHIFT	8
/*
 * At most 1M chains (8.25 MiB): the table is allocated whole at load, with
 * nothing in CLOSE_WAIT yet, so a max_tracked in the millions gets up to 16
 * entries a chain when full rather than 138 MB of chain heads up front.
 */
#define CWSTAT_TABLE_MAX_SHIFT	20

static struct cwstat_group *cwstat_table;
static unsigned int cwstat_table_bits;	/* log2 of the number of chains */

/* See cwstat_table.h: written by the reconciliation. */
unsigned int cwstat_gen;
unsigned long cwstat_repair_delay = CWSTAT_REPAIR_MIN;
bool cwstat_capped;
atomic64_t cwstat_overflow_pending = ATOMIC64_INIT(0);
struct delayed_work cwstat_repair_work;

/* The tracepoint, found by name: it is not exported to modules. */
static struct tracepoint *cwstat_tp;

/*
 * Counters; see enum cwstat_stat. Per-cpu for the ones the probe changes
 * on every hit, atomic for the rest; each is one value, read without a
 * lock. The tracked count is cwstat_tracked.c's.
 */
static DEFINE_PER_CPU(u64, cwstat_probe_hits);
atomic64_t cwstat_overflows = ATOMIC64_INIT(0);
atomic64_t cwstat_drift = ATOMIC64_INIT(0);

/* The table's lock class: apart from every other "&g->lock". */
static struct lock_class_key cwstat_group_key;

#ifdef DEBUG
/* Test builds only: the room work's sums, for selftests/slowpath.sh. */
static struct cwstat_slow_note cwstat_room_note = { .gap_ms = UINT_MAX };
module_param_named(room_sums, cwstat_room_note.runs, ulong, 0444);
MODULE_PARM_DESC(room_sums,
		 "Test builds only: sums of the free entries over the CPUs' caches made at the cap");
module_param_named(room_gap_ms, cwstat_room_note.gap_ms, uint, 0444);
MODULE_PARM_DESC(room_gap_ms,
		 "Test builds only: the shortest time between two of those sums");
#else
static struct cwstat_slow_note cwstat_room_note;
#endif

/*
 * At the cap, an exit from CLOSE_WAIT asks for a repair only once this
 * many entries (or as many as are pending, if fewer) are free: one freed
 * entry would buy one socket for a whole walk.
 */
#define CWSTAT_REPAIR_ROOM	CWSTAT_CHUNK

#ifdef DEBUG
/* Test knobs are root on the host's only: see cwstat_knob_bool_ops. */
/*
 * Test builds only: a known cost planted in the probe, for the benchmark to
 * prove it measures one (scripts/bench/run --icount): each CLOSE_WAIT
 * entry and exit spins this many iterations of an empty loop.
 */
#define CWSTAT_PROBE_SPIN_MAX	100000

static int cwstat_probe_spin_set(const char *val,
				 const struct kernel_param *kp)
{
	/* Up to 6.12 it spins with preemption off: keep it short. */
	return param_set_uint_minmax(val, kp, 0, CWSTAT_PROBE_SPIN_MAX);
}

static const struct kernel_param_ops cwstat_probe_spin_ops = {
	.set = cwstat_probe_spin_set,
	.get = param_get_uint,
};

static unsigned int probe_spin;
module_param_cb(probe_spin, &cwstat_probe_spin_ops, &probe_spin, 0444);
MODULE_PARM_DESC(probe_spin,
		 "Test builds only: spin this many loop iterations in the probe on each CLOSE_WAIT entry and exit, 0-100000 (default 0)");
#else
static const unsigned int probe_spin;
#endif

struct cwstat_slot cwstat_slot_of(const struct sock *sk)
{
	u32 h = hash_ptr(sk, cwstat_table_bits);
	struct cwstat_group *g = &cwstat_table[h >> CWSTAT_GROUP_SHIFT];

	return (struct cwstat_slot){
		.g = g,
		.chain = &g->chain[h & (CWSTAT_GROUP_SIZE - 1)],
	};
}

struct cwstat_track *cwstat_find(const struct cwstat_slot *s,
				 const struct sock *sk)
{
	struct cwstat_track *t;

	lockdep_assert_held(&s->g->lock);
	hlist_for_each_entry(t, s->chain, node)
		if (t->sk == sk)
			return t;
	return NULL;
}

static u64 cwstat_chain_bit(const struct cwstat_slot *s)
{
	return 1ULL << (s->chain - s->g->chain);
}

/* Link @t into @s, locked. */
void cwstat_chain_add(const struct cwstat_slot *s, struct cwstat_track *t)
{
	lockdep_assert_held(&s->g->lock);
	if (hlist_empty(s->chain))
		WRITE_ONCE(s->g->occupied, s->g->occupied | cwstat_chain_bit(s));
	hlist_add_head(&t->node, s->chain);
}

/* Unlink @t from @s, locked. */
void cwstat_chain_del(const struct cwstat_slot *s, struct cwstat_track *t)
{
	lockdep_assert_held(&s->g->lock);
	hlist_del(&t->node);
	if (hlist_empty(s->chain))
		WRITE_ONCE(s->g->occupied, s->g->occupied & ~cwstat_chain_bit(s));
}

bool cwstat_next_chain(struct cwstat_table_pos *pos, struct cwstat_slot *s)
{
	unsigned int nr = 1U << (cwstat_table_bits - CWSTAT_GROUP_SHIFT);

	while (!pos->left) {
		if (pos->group + 1 >= nr)
			return false;
		pos->group++;
		if (!(pos->group % 16))
			cond_resched();
		pos->left = READ_ONCE(cwstat_table[pos->group].occupied);
	}
	s->g = &cwstat_table[pos->group];
	s->chain = &s->g->chain[__ffs64(pos->left)];
	pos->left &= pos->left - 1;
	return true;
}

void cwstat_table_pos_init(struct cwstat_table_pos *pos)
{
	pos->group = 0;
	pos->left = READ_ONCE(cwstat_table[0].occupied);
}

void cwstat_fill(struct cwstat_track *t, const struct sock *sk,
		 u64 entered_ns, unsigned int gen)
{
	t->sk = sk;
	/* sock_cgroup_ptr() takes no const; it only reads. */
	t->cgrp = sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data);
	t->entered_ns = entered_ns;
	t->ns = sock_net(sk)->ns.inum;
	t->gen = gen;
}

/*
 * Link @t, filled in, into its chain. An entry already there for the same
 * socket can only be stale (the socket entered CLOSE_WAIT again without
 * the probe having seen it leave): it is replaced, counted as drift and
 * returned for the caller to free.
 */
static struct cwstat_track *cwstat_link(struct cwstat_track *t)
{
	struct cwstat_slot s = cwstat_slot_of(t->sk);
	struct cwstat_track *old;
	unsigned long flags;

	raw_spin_lock_irqsave(&s.g->lock, flags);
	old = cwstat_find(&s, t->sk);
	/*
	 * The new entry first: the chain never looks empty in between, so
	 * its occupied bit stays set for a walk reading it locklessly.
	 */
	cwstat_chain_add(&s, t);
	if (old)
		cwstat_chain_del(&s, old);
	raw_spin_unlock_irqrestore(&s.g->lock, flags);

	if (old)
		atomic64_inc(&cwstat_drift);
	else
		cwstat_tracked_add(1);
	return old;
}

/* Unlink @sk's entry, if it has one, and return it. */
static struct cwstat_track *cwstat_unlink(const struct sock *sk)
{
	struct cwstat_slot s = cwstat_slot_of(sk);
	struct cwstat_track *t;
	unsigned long flags;

	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	if (t)
		cwstat_chain_del(&s, t);
	raw_spin_unlock_irqrestore(&s.g->lock, flags);

	if (t)
		cwstat_tracked_add(-1);
	return t;
}

/*
 * Ask for a repair, after the current back-off. A no-op while one is
 * queued, so a burst of misses costs one walk. queue_delayed_work() takes
 * only raw locks: fine with preemption off.
 */
void cwstat_repair_kick(void)
{
	queue_delayed_work(system_unbound_wq, &cwstat_repair_work,
			   READ_ONCE(cwstat_repair_delay));
}

static void cwstat_overflow(void)
{
	atomic64_inc(&cwstat_overflows);
	atomic64_inc(&cwstat_overflow_pending);
	/*
	 * At max_tracked a repair cannot help until entries are freed, which
	 * cwstat_leave() watches for: do not re-arm on every miss. But free
	 * entries may sit in caches this CPU's steal did not reach
	 * (cwstat_pool.c): the room work sums them all and asks for the
	 * repair if they are there. Otherwise the pool is only waiting for
	 * its refill.
	 */
	if (cwstat_pool_full()) {
		/*
		 * Pairs with the smp_mb() after the reconciliation's write
		 * of capped: it sees this miss, or we see its write.
		 */
		smp_mb__after_atomic();
		if (!READ_ONCE(cwstat_capped))
			WRITE_ONCE(cwstat_capped, true);
		cwstat_room_kick();
		return;
	}
	cwstat_repair_kick();
}

static void cwstat_enter(const struct sock *sk)
{
	struct cwstat_track *t = cwstat_pool_get();

	if (unlikely(!t)) {
		cwstat_overflow();
		return;
	}
	cwstat_fill(t, sk, ktime_get_coarse_boottime_ns(),
		    READ_ONCE(cwstat_gen));
	t = cwstat_link(t);
	if (unlikely(t))
		cwstat_pool_put(t);
	/* Linked; the caller stores CLOSE_WAIT only after we return. */
	cwstat_window(CWSTAT_WIN_PROBE_STORE);
}

/*
 * Repair what was missed for the lack of free entries, once there is room
 * for it (or for a good part of it). Nothing was missed except at the
 * cap, and only then is there a test: whether the free entries cover the
 * misses is a sum over every possible CPU's cache (at 256 CPUs, 256
 * remote lines), which cwstat_room_work makes, in process context, 100 ms
 * or more after its previous one (CWSTAT_ROOM_GAP): on every exit from
 * CLOSE_WAIT at the cap it would cost the probe that sum each time. The
 * repair it asks for waits CWSTAT_REPAIR_MIN or more anyway. Here, at the
 * cap, an exit costs a full barrier and a test of the work's pending bit:
 * the entry just freed, then the bit, against the work's clearing of the
 * bit, then its sum (see cwstat_tracked_outside()), so no freed entry
 * goes unseen.
 */
#define CWSTAT_ROOM_GAP		(msecs_to_jiffies(100) + 1)
static void cwstat_room_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(cwstat_room_work, cwstat_room_fn);
static unsigned long cwstat_room_last;	/* its work's own */

static void cwstat_room_fn(struct work_struct *work)
{
	u64 pending = atomic64_read(&cwstat_overflow_pending);

	if (!pending ||
	    !cwstat_slow_due(&cwstat_room_work, &cwstat_room_last,
			     CWSTAT_ROOM_GAP))
		return;
	cwstat_note_slow(&cwstat_room_note);
	cwstat_window(CWSTAT_WIN_ROOM_SUM);
	if (cwstat_pool_free_count() >= min_t(u64, pending, CWSTAT_REPAIR_ROOM))
		cwstat_repair_kick();
}

void cwstat_room_kick(void)
{
	if (likely(!atomic64_read(&cwstat_overflow_pending)))
		return;
	/* The entry freed, then the bit; pairs with process_one_work(). */
	smp_mb();
	if (!delayed_work_pending(&cwstat_room_work))
		queue_delayed_work(system_unbound_wq, &cwstat_room_work, 0);
}

static void cwstat_leave(const struct sock *sk)
{
	struct cwstat_track *t = cwstat_unlink(sk);

	cwstat_window(CWSTAT_WIN_LEAVE_STORE);
	/* No entry: the socket entered CLOSE_WAIT before the probe, or missed. */
	if (!t)
		return;
	cwstat_pool_put(t);
	cwstat_room_kick();
}

/*
 * The probe, on every socket state change of the host, with the socket
 * lock held (preemptible from 7.x: see the top of this file); never
 * allocates, never sleeps, takes only raw spinlocks. The test of the two
 * states comes first and needs no memory access.
 */
static void cwstat_probe(void *data, const struct sock *sk,
			 const int oldstate, const int newstate)
{
	if (likely(oldstate != TCP_CLOSE_WAIT && newstate != TCP_CLOSE_WAIT))
		return;
	if (oldstate == newstate || sk->sk_protocol != IPPROTO_TCP)
		return;

	this_cpu_inc(cwstat_probe_hits);
	if (unlikely(probe_spin)) {
		unsigned int i;

		/* The barrier keeps the compiler from folding the loop. */
		for (i = 0; i < probe_spin; i++)
			barrier();
	}
	if (oldstate == TCP_CLOSE_WAIT)
		cwstat_leave(sk);
	else
		cwstat_enter(sk);
}

u64 cwstat_probe_hits_sum(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&cwstat_probe_hits, cpu));
	return sum;
}

/* The number of chains, for a read's stats. */
unsigned int cwstat_table_chains(void)
{
	return 1U << cwstat_table_bits;
}

/* The chain heads' memory, for pool_bytes. */
u64 cwstat_table_bytes(void)
{
	if (!cwstat_table)
		return 0;
	return sizeof(*cwstat_table) <<
	       (cwstat_table_bits - CWSTAT_GROUP_SHIFT);
}

/* ---- load and unload ------------------------------------------------------ */

/* The count and the table, empty. */
int cwstat_table_init(void)
{
	unsigned int i, nr;
	int err;

	err = cwstat_tracked_init();
	if (err)
		return err;
	/* No slow pass yet: the first may run at once. */
	cwstat_room_last = jiffies - CWSTAT_ROOM_GAP;

	/*
	 * A chain per entry at max_tracked, rounded down to a power of two
	 * (one or two entries a chain when full), at least 256 groups and
	 * at most CWSTAT_TABLE_MAX_SHIFT (see struct cwstat_group). Zeroed:
	 * empty chains, no bits set.
	 */
	BUILD_BUG_ON(sizeof_field(struct cwstat_group, occupied) * BITS_PER_BYTE <
		     CWSTAT_GROUP_SIZE);
	cwstat_table_bits = clamp_t(unsigned int, ilog2(cwstat_max_tracked),
				    CWSTAT_GROUP_SHIFT + CWSTAT_GROUPS_MIN_SHIFT,
				    CWSTAT_TABLE_MAX_SHIFT);
	nr = 1U << (cwstat_table_bits - CWSTAT_GROUP_SHIFT);
	cwstat_table = kvcalloc(nr, sizeof(*cwstat_table), GFP_KERNEL);
	if (!cwstat_table) {
		err = -ENOMEM;
		goto err_counter;
	}
	for (i = 0; i < nr; i++) {
		raw_spin_lock_init(&cwstat_table[i].lock);
		lockdep_set_class_and_name(&cwstat_table[i].lock,
					   &cwstat_group_key,
					   "cwstat_group_lock");
		if (!(i % 1024))
			cond_resched();
	}

	return 0;

err_counter:
	cwstat_tracked_exit();
	return err;
}

/* The probe is gone: nothing links or unlinks any more. */
void cwstat_table_exit(void)
{
	kvfree(cwstat_table);
	cwstat_table = NULL;
	cwstat_tracked_exit();
}

static void cwstat_find_tp(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "inet_sock_set_state"))
		*found = tp;
}

/*
 * Find the tracepoint and attach the probe. On return no tracepoint call
 * from before the registration is still running.
 */
int cwstat_probe_start(void)
{
	int err;

	/* Fails the build if the kernel's prototype differs from ours. */
	check_trace_callback_type_inet_sock_set_state(cwstat_probe);

	cwstat_tp = NULL;
	for_each_kernel_tracepoint(cwstat_find_tp, &cwstat_tp);
	if (!cwstat_tp) {
		pr_err("mode=live needs the sock:inet_sock_set_state tracepoint, which this kernel lacks; load with mode=scan\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(cwstat_tp, (void *)cwstat_probe, NULL);
	if (err) {
		pr_err("cannot attach to sock:inet_sock_set_state: error %d\n",
		       err);
		return err;
	}
	tracepoint_synchronize_unregister();
	return 0;
}

/*
 * Detach the probe, once no reconciliation runs. On return no probe runs,
 * so none can queue work or take an entry any more, and the works the
 * probe queues are done; they may have queued a repair and the alarm's
 * evaluation.
 */
void cwstat_probe_stop(void)
{
	int err;

	err = tracepoint_probe_unregister(cwstat_tp, (void *)cwstat_probe,
					  NULL);
	WARN_ON_ONCE(err);
	tracepoint_synchronize_unregister();
	cwstat_tracked_cancel();
	cancel_delayed_work_sync(&cwstat_room_work);
}

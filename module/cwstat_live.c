// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode: a table of every TCP socket in CLOSE_WAIT, kept up to date by a
 * probe on the sock:inet_sock_set_state tracepoint. A read then costs the
 * sockets in CLOSE_WAIT (cwstat_live_collect()), not a walk of every TCP
 * socket, and the time each socket entered CLOSE_WAIT is known.
 *
 * The tracepoint fires from inet_sk_state_store() and inet_sk_set_state()
 * (net/ipv4/af_inet.c, the same on 6.1 and 6.12), which tcp_set_state() ends
 * with: before the new state is stored, with the socket lock held (owned by a
 * process, or its spinlock held by bh_lock_sock() while no process owns it:
 * softirq input and timers, and in process context inet_csk_listen_stop()
 * on children it never accepted), in process or softirq context. Up to
 * 6.12 the tracepoint machinery disables preemption around the probe; from
 * 7.x the probe runs as an SRCU-fast reader, preemptible in process
 * context. The probe is written for both: it takes only raw spinlocks with
 * interrupts off, per-cpu data under them or with this_cpu ops, and its
 * own RCU read-side section where it needs one (cwstat_count_add()).
 *
 * Lock order, outermost first: a socket's spinlock (sk_lock.slock), then
 * a group lock (the table's) or a free-entry lock, never both. The probe
 * runs inside the first; the reconciliation takes it with bh_lock_sock()
 * and never waits for a socket's owner (cwstat_examine()).
 * cwstat_reconcile_mutex and cwstat_grow_mutex are taken with no socket
 * lock held.
 */
#include <linux/bits.h>
#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <trace/events/sock.h>

#include "compat.h"
#include "cwstat_format.h"
#include "cwstat.h"

/*
 * A reaper inside tcp_abort() on one socket (cwstat_reap_one()): the probe
 * counts in hits the exits from CLOSE_WAIT that task makes itself.
 */
struct cwstat_reaper {
	const struct task_struct *task;
	unsigned int hits;
};

/*
 * One socket in CLOSE_WAIT. Every field but gen and reaper is written
 * before the entry is linked into a chain and not changed while it is
 * linked; gen and reaper change under the chain's group lock.
 */
struct cwstat_track {
	struct hlist_node node;		/* in its chain, or in the free pool */
	const struct sock *sk;
	struct cgroup *cgrp;		/* the socket's; the socket pins it */
	u64 entered_ns;			/* boottime at which it entered CLOSE_WAIT */
	unsigned int ns;		/* inode number of its netns */
	unsigned int gen;		/* the newest reconciliation that saw it */
	struct cwstat_reaper *reaper;	/* set while a reaper aborts it */
};

/*
 * The table: tracked sockets hashed by address into chains, one chain per
 * entry at max_tracked (up to 1M chains), so that a chain walked with
 * interrupts off (on PREEMPT_RT too) holds about one entry even when the
 * table is full. The
 * chains come in groups of CWSTAT_GROUP_SIZE (at least 1 << CWSTAT_GROUPS_MIN_SHIFT
 * groups, so that a small max_tracked still spreads the CPUs over many
 * locks); each group has a raw spinlock, which guards its chains and its
 * bitmap of occupied chains, taken with interrupts disabled by everyone
 * (probe, readers, reconciliation). The bitmap, read locklessly, lets a
 * walk of the table (a read, a reap, a sweep) go straight to the occupied
 * chains: it costs one load per group (max_tracked / 64 of them) plus the
 * tracked entries, not a look at every chain head. A group is 528 bytes,
 * so two groups' locks never share a cache line; the last chain heads of
 * one group may share the next group's first line (false sharing between
 * two CPUs only when each hits one of those few chains at once).
 *
 * Raw, because the probe may run with preemption disabled (up to 6.12),
 * where a spinlock_t would sleep on PREEMPT_RT; interrupts off, because
 * the probe runs in softirq context and could otherwise interrupt a
 * process-context holder of the same lock on the same CPU. No group lock is
 * ever held while another lock is taken, except cgroup_get() (per-cpu) by
 * the reader. A group lock may be taken inside a socket's spinlock (the
 * probe; the reconciliation under bh_lock_sock()), never the reverse.
 * An entry is linked by the probe, or by a reconciliation holding its
 * socket's spinlock unowned, and unlinked by the probe, the sweep of a
 * reconciliation or unload. Walks hold a group's lock for one chain at a
 * time.
 *
 * Why a reader holding a group lock may read the fields of the sockets in
 * it (rcv_nxt, copied_seq, sk_rmem_alloc, rcv_tstamp, the cgroup):
 *
 * A TCP socket is freed only after it reached TCP_CLOSE: the destruction
 * path, inet_csk_destroy_sock(), WARNs otherwise, and the one path that
 * skips it, inet_csk_prepare_forced_close() on a failed accept, is for a
 * child that never got past SYN_RECV. A full TCP socket changes state only
 * through inet_sk_state_store() or inet_sk_set_state(), which both fire the
 * tracepoint (checked in the 6.1 and 6.12 sources: the only other stores to
 * sk_state are sock_init_data() on a new socket and the SCTP/DCCP/MPTCP
 * callers, whose sockets are not IPPROTO_TCP). Every way out of CLOSE_WAIT
 * is such a change: tcp_close() (to LAST_ACK, or to CLOSE when data was
 * left unread), tcp_done() (reset, timeout, tcp_abort() and SOCK_DESTROY,
 * BPF's bpf_sock_destroy()), tcp_disconnect() (connect(AF_UNSPEC), and a
 * listener that closes with children it never accepted:
 * inet_csk_listen_stop() -> inet_child_forget() -> tcp_disconnect() ->
 * tcp_set_state(TCP_CLOSE), before inet_csk_destroy_sock()). A netns that
 * goes away purges only TIME_WAIT and request minisocks itself; a user
 * socket holds its netns, and a kernel socket is closed by its owner with
 * the calls above. So no hook on sk_destruct is needed: the probe sees every
 * exit from CLOSE_WAIT and unlinks the entry under its group lock, while
 * the socket is still alive (the caller of tcp_set_state() is using it). An
 * entry found under a group lock therefore names a live socket.
 */
#define CWSTAT_GROUP_SHIFT	6
#define CWSTAT_GROUP_SIZE	BIT(CWSTAT_GROUP_SHIFT)
#define CWSTAT_GROUPS_MIN_SHIFT	8
/*
 * At most 1M chains (8.25 MiB): the table is allocated whole at load, with
 * nothing in CLOSE_WAIT yet, so a max_tracked in the millions gets up to 16
 * entries a chain when full rather than 138 MiB of chain heads up front.
 */
#define CWSTAT_TABLE_MAX_SHIFT	20

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

static struct cwstat_group *cwstat_table;
static unsigned int cwstat_table_bits;	/* log2 of the number of chains */

/*
 * The pool of free entries. The probe never allocates (on PREEMPT_RT not
 * even GFP_ATOMIC is allowed with preemption disabled), so entries come from
 * chunks allocated with GFP_KERNEL in process context: at load, by
 * cwstat_refill_work when fewer than CWSTAT_POOL_LOW are free, and by the
 * reconciliation, up to max_tracked entries in all.
 */
#define CWSTAT_CHUNK_BYTES	(2 * PAGE_SIZE)
#define CWSTAT_CHUNK		((CWSTAT_CHUNK_BYTES - sizeof(struct list_head)) / \
				 sizeof(struct cwstat_track))
#define CWSTAT_POOL_LOW		(2 * CWSTAT_CHUNK)
#define CWSTAT_POOL_HIGH	(6 * CWSTAT_CHUNK)

struct cwstat_chunk {
	struct list_head list;		/* in cwstat_chunks */
	struct cwstat_track entries[CWSTAT_CHUNK];
};

/*
 * Free entries: a cache per CPU, which the probe uses, refilled from and
 * spilled to the shared list in batches of CWSTAT_PCPU_BATCH, so that the
 * probe takes the shared lock once per batch of changes on its CPU rather
 * than on every change. Each cache has a raw lock of its own, taken with
 * interrupts off (as every lock here): by its CPU, uncontended, and by
 * another CPU only to steal from it when both its own cache and the
 * shared list are empty (near max_tracked, where entries would otherwise
 * sit idle in other CPUs' caches). Lock order: a CPU's cache lock, then
 * cwstat_pool_lock; never two cache locks at once.
 */
#define CWSTAT_PCPU_BATCH	32
#define CWSTAT_PCPU_HIGH	(2 * CWSTAT_PCPU_BATCH)

struct cwstat_pcpu_pool {
	raw_spinlock_t lock;
	struct hlist_head free;		/* guarded by lock */
	unsigned int nr;		/* guarded by lock; read racily as a hint */
};

static DEFINE_PER_CPU(struct cwstat_pcpu_pool, cwstat_pcpu_pool);

/*
 * cwstat_pool_lock guards the shared free list and its count (also read
 * racily, as a hint).
 */
static DEFINE_RAW_SPINLOCK(cwstat_pool_lock);
static HLIST_HEAD(cwstat_pool_free);
static unsigned int cwstat_pool_nr_free;

/*
 * cwstat_grow_mutex guards the chunk list and the entry count, which is
 * also read locklessly as a hint (whether growing is still possible). It
 * is never taken with a socket lock held: growing allocates with
 * GFP_KERNEL (see cwstat_spare()).
 */
static DEFINE_MUTEX(cwstat_grow_mutex);
static LIST_HEAD(cwstat_chunks);
static unsigned int cwstat_nr_chunks;
static unsigned int cwstat_pool_nr;

/*
 * Reconciliation state. cwstat_reconcile_mutex serialises reconciliations
 * (the seeding walk is the first); each field below says how it is guarded.
 * No holder of the mutex ever waits for a socket lock (see
 * cwstat_examine()): it holds the mutex for one walk, the retry pauses
 * (CWSTAT_RETRY_TOTAL_MS, rounded up to jiffies) and CWSTAT_SETTLE_MS, so
 * a task that takes it (a write to "reconcile") waits a bounded time, and
 * unload, which ends every pause at once (cwstat_pause()), one walk.
 */
static DEFINE_MUTEX(cwstat_reconcile_mutex);
/*
 * True from the end of the seeding until unload begins: only then may a
 * reconciliation run. Under cwstat_reconcile_mutex.
 */
static bool cwstat_running;
/*
 * The generation of the newest reconciliation: written under
 * cwstat_reconcile_mutex, read by the probe with READ_ONCE() to stamp new
 * entries.
 */
static unsigned int cwstat_gen;
/*
 * Set by cwstat_live_quiesce(), as unload begins, before anything waits
 * for cwstat_reconcile_mutex; read with READ_ONCE() by the reconciliation
 * holding it, which then cuts its walk and retries short (unload does not
 * wait out a whole walk), and by cwstat_reconcile(), which then starts
 * none. Setting
 * it wakes cwstat_stop_wq, which ends any pause of cwstat_pause() at once.
 */
static bool cwstat_stopping;
static DECLARE_WAIT_QUEUE_HEAD(cwstat_stop_wq);
/*
 * How long a repair (a reconciliation asked for by misses or unresolved
 * sockets in CLOSE_WAIT, cwstat_repair_kick()) waits once asked for. It doubles, up to
 * CWSTAT_REPAIR_MAX, after each repair that left sockets untracked or
 * unresolved (its cause is still there: a held lock, no memory), and is
 * back to CWSTAT_REPAIR_MIN after any reconciliation that left none.
 * Written under cwstat_reconcile_mutex, read with READ_ONCE() by whoever
 * queues a repair (the probe among them).
 */
#define CWSTAT_REPAIR_MIN	HZ
#define CWSTAT_REPAIR_MAX	(64 * HZ)
static unsigned long cwstat_repair_delay = CWSTAT_REPAIR_MIN;
/*
 * Health of the newest reconciliation, for sysfs: the sockets in CLOSE_WAIT
 * without an entry that it could not examine because a process owned them
 * at every look (cwstat_retry_all()). Written under cwstat_reconcile_mutex,
 * read with READ_ONCE().
 */
static unsigned long cwstat_unresolved;
/*
 * The table is at max_tracked and sockets in CLOSE_WAIT are not in it.
 * Set (WRITE_ONCE()) by the probe on a miss at the cap, and set or cleared
 * by each reconciliation, under cwstat_reconcile_mutex, from what it found
 * and from the misses made while it ran (a miss count read at its start):
 * a miss it could not see keeps it set. Read with READ_ONCE().
 */
static bool cwstat_capped;
/*
 * False until the follow-up, a reconciliation at least
 * CWSTAT_FOLLOWUP_DELAY after the seeding, has walked every table: until
 * then a walk also takes sockets that may be entering CLOSE_WAIT with a
 * change begun before the probe was registered (case 1 of
 * cwstat_reconcile_locked()); from then on it takes only sockets in
 * CLOSE_WAIT. Under cwstat_reconcile_mutex.
 */
static bool cwstat_followed;
/*
 * The follow-up waits this long after the seeding: more than a second,
 * when a change into CLOSE_WAIT that began before the probe's registration
 * has long made its store (the tracepoint and the store are one critical
 * section in which nothing sleeps).
 */
#define CWSTAT_FOLLOWUP_DELAY	(HZ + 1)

/*
 * The parameters (cwstat_main.c): set at load, before cwstat_live_init(),
 * and constant from then on.
 */
unsigned int cwstat_max_tracked = 262144;
unsigned int cwstat_reconcile_period_s;

/* The tracepoint, found by name: it is not exported to modules. */
static struct tracepoint *cwstat_tp;

/*
 * Counters; see enum cwstat_stat. Per-cpu for the ones the probe changes
 * on every hit, atomic for the rest; each is one value, read without a
 * lock. cwstat_tracked is a percpu_counter: a change touches its CPU's
 * counter, and the shared total (under its own raw lock) once every
 * CWSTAT_COUNT_BATCH changes on that CPU; an exact value is a sum over
 * the CPUs, which only readers and the alarm near a threshold pay for.
 */
#define CWSTAT_COUNT_BATCH	64
static DEFINE_PER_CPU(u64, cwstat_probe_hits);
static struct percpu_counter cwstat_tracked;
static atomic64_t cwstat_overflows = ATOMIC64_INIT(0);
static atomic64_t cwstat_drift = ATOMIC64_INIT(0);
static atomic64_t cwstat_reconciles = ATOMIC64_INIT(0);
static atomic64_t cwstat_seeded = ATOMIC64_INIT(0);
static atomic64_t cwstat_reaped = ATOMIC64_INIT(0);
/*
 * Sockets that may be in CLOSE_WAIT without an entry: the probe's misses
 * since the newest reconciliation began, plus what that reconciliation left
 * untracked or unresolved. A reconciliation takes it (atomic64_xchg()) and
 * may explain that many insertions without calling them drift. An upper
 * bound: a missed socket may have left CLOSE_WAIT since.
 */
static atomic64_t cwstat_overflow_pending = ATOMIC64_INIT(0);

/* The alarm's watch on cwstat_tracked; see struct cwstat_watch. */
static struct cwstat_watch __rcu *cwstat_live_watch;

/*
 * @w's band no longer holds the tracked count. Exact near a bound only:
 * __percpu_counter_compare() sums the CPUs when the shared total is within
 * their possible drift of the bound.
 */
static bool cwstat_tracked_outside(const struct cwstat_watch *w)
{
	s64 high = READ_ONCE(w->high);

	if (__percpu_counter_compare(&cwstat_tracked, READ_ONCE(w->low),
				     CWSTAT_COUNT_BATCH) < 0)
		return true;
	return high != S64_MAX &&
	       __percpu_counter_compare(&cwstat_tracked, high,
					CWSTAT_COUNT_BATCH) >= 0;
}

/*
 * Add @delta to the tracked count, and tell the alarm if it left its band.
 * One RCU read-side section around both, as struct cwstat_watch requires;
 * it is also what synchronize_rcu() in watch(NULL) waits for. (The
 * tracepoint's own protection is no substitute: up to 6.12 it disables
 * preemption, but from 7.x the probe runs as an SRCU-fast reader.)
 */
static void cwstat_count_add(s64 delta)
{
	const struct cwstat_watch *w;

	rcu_read_lock();
	percpu_counter_add_batch(&cwstat_tracked, delta, CWSTAT_COUNT_BATCH);
	w = cwstat_watch_armed(&cwstat_live_watch);
	if (unlikely(w) && cwstat_tracked_outside(w))
		schedule_work(w->eval);
	rcu_read_unlock();
}

/* A stale entry is removed only if it is still there after this long. */
#define CWSTAT_SETTLE_MS	1000
/*
 * At the cap, an exit from CLOSE_WAIT asks for a repair only once this
 * many entries (or as many as are pending, if fewer) are free: one freed
 * entry would buy one socket for a whole walk.
 */
#define CWSTAT_REPAIR_ROOM	CWSTAT_CHUNK

#ifdef DEBUG
/* Test knobs are root on the host's only: see cwstat_knob_bool_ops. */
/*
 * At most 30 s: a reconciliation holds its mutex through the pause, and a
 * writer of "reconcile" waiting that long already nears the hung-task
 * detector's 120 s (sysfs_fuzz.sh's random values met it).
 */
#define CWSTAT_RECONCILE_DELAY_MS_MAX	30000

static int cwstat_delay_ms_set(const char *val, const struct kernel_param *kp)
{
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	return param_set_uint_minmax(val, kp, 0, CWSTAT_RECONCILE_DELAY_MS_MAX);
}

static const struct kernel_param_ops cwstat_delay_ms_ops = {
	.set = cwstat_delay_ms_set,
	.get = param_get_uint,
};

/* Test builds only: every pool growth fails, as kvmalloc() may. */
static bool inject_grow_fault;
module_param_cb(inject_grow_fault, &cwstat_knob_bool_ops, &inject_grow_fault, 0644);
MODULE_PARM_DESC(inject_grow_fault,
		 "Test builds only: make every growth of the pool fail with -ENOMEM (default N)");

/* Test builds only: the pool growths the newest reconciliation tried. */
static unsigned int grow_attempts;
module_param(grow_attempts, uint, 0444);
MODULE_PARM_DESC(grow_attempts,
		 "Test builds only: growths of the pool the newest reconciliation tried");

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

/*
 * Test builds only: the longest chain the newest read of the table met, for
 * selftests/table.sh to see how full the chains get (about one entry each
 * at max_tracked; see struct cwstat_group).
 */
static unsigned int longest_chain;
module_param(longest_chain, uint, 0400);
MODULE_PARM_DESC(longest_chain,
		 "Test builds only: the longest chain of the live table the newest read met");

static void cwstat_note_longest_chain(unsigned int len)
{
	WRITE_ONCE(longest_chain, len);
}

/* Test builds only: a window after the walk for a test to act in. */
static unsigned int reconcile_delay_ms;
module_param_cb(reconcile_delay_ms, &cwstat_delay_ms_ops, &reconcile_delay_ms, 0644);
MODULE_PARM_DESC(reconcile_delay_ms,
		 "Test builds only: a reconciliation pauses this long after its walk, 0-30000 ms (default 0)");
#else
static const bool inject_grow_fault;
static const unsigned int reconcile_delay_ms;
static const unsigned int probe_spin;

static inline void cwstat_note_longest_chain(unsigned int len)
{
}
#endif

static void cwstat_refill_fn(struct work_struct *work);
static void cwstat_period_fn(struct work_struct *work);
static void cwstat_overflow_fn(struct work_struct *work);
static void cwstat_followup_fn(struct work_struct *work);
static DECLARE_WORK(cwstat_refill_work, cwstat_refill_fn);
static DECLARE_DELAYED_WORK(cwstat_followup_work, cwstat_followup_fn);
static DECLARE_DELAYED_WORK(cwstat_period_work, cwstat_period_fn);
static DECLARE_DELAYED_WORK(cwstat_overflow_work, cwstat_overflow_fn);

/* ---- pool ---------------------------------------------------------------- */

/* Free entries, shared and cached: a hint, read without the locks. */
static unsigned int cwstat_pool_free_count(void)
{
	unsigned int n = READ_ONCE(cwstat_pool_nr_free);
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(&cwstat_pcpu_pool, cpu)->nr);
	return n;
}

/*
 * Allocate chunks until @want entries are free or max_tracked entries
 * exist. Process context only: it sleeps. -ENOSPC at max_tracked.
 */
static int cwstat_pool_grow(unsigned int want)
{
	int err = 0;

	if (READ_ONCE(inject_grow_fault))
		return -ENOMEM;
	mutex_lock(&cwstat_grow_mutex);
	while (cwstat_pool_free_count() < want) {
		unsigned int i, n;
		struct cwstat_chunk *c;
		unsigned long flags;

		if (cwstat_pool_nr >= cwstat_max_tracked) {
			err = -ENOSPC;
			break;
		}
		n = min_t(unsigned int, CWSTAT_CHUNK,
			  cwstat_max_tracked - cwstat_pool_nr);
		c = kvmalloc(sizeof(*c), GFP_KERNEL);
		if (!c) {
			err = -ENOMEM;
			break;
		}
		list_add(&c->list, &cwstat_chunks);
		cwstat_nr_chunks++;
		raw_spin_lock_irqsave(&cwstat_pool_lock, flags);
		for (i = 0; i < n; i++)
			hlist_add_head(&c->entries[i].node, &cwstat_pool_free);
		WRITE_ONCE(cwstat_pool_nr_free, cwstat_pool_nr_free + n);
		raw_spin_unlock_irqrestore(&cwstat_pool_lock, flags);
		WRITE_ONCE(cwstat_pool_nr, cwstat_pool_nr + n);
	}
	mutex_unlock(&cwstat_grow_mutex);
	return err;
}

static void cwstat_pool_destroy(void)
{
	struct cwstat_chunk *c, *next;
	int cpu;

	mutex_lock(&cwstat_grow_mutex);
	list_for_each_entry_safe(c, next, &cwstat_chunks, list)
		kvfree(c);
	INIT_LIST_HEAD(&cwstat_chunks);
	cwstat_nr_chunks = 0;
	WRITE_ONCE(cwstat_pool_nr, 0);
	INIT_HLIST_HEAD(&cwstat_pool_free);
	cwstat_pool_nr_free = 0;
	for_each_possible_cpu(cpu) {
		struct cwstat_pcpu_pool *pp = per_cpu_ptr(&cwstat_pcpu_pool, cpu);

		INIT_HLIST_HEAD(&pp->free);
		pp->nr = 0;
	}
	mutex_unlock(&cwstat_grow_mutex);
}

static void cwstat_refill_fn(struct work_struct *work)
{
	/* Failure is not fatal: the probe counts what it cannot track. */
	cwstat_pool_grow(CWSTAT_POOL_HIGH);
}

/* Move up to @n entries from @from (count *@from_nr) to @to; how many. */
static unsigned int cwstat_pool_move(struct hlist_head *from,
				     unsigned int *from_nr,
				     struct hlist_head *to, unsigned int n)
{
	unsigned int moved = 0;

	while (moved < n && !hlist_empty(from)) {
		struct hlist_node *node = from->first;

		hlist_del(node);
		hlist_add_head(node, to);
		moved++;
	}
	WRITE_ONCE(*from_nr, *from_nr - moved);
	return moved;
}

/*
 * Steal a batch for @pp (this CPU's cache, locked, interrupts off) from
 * other CPUs' caches, one at a time with @pp unlocked: never two cache
 * locks at once. Only when the shared list is empty: rare, near
 * max_tracked.
 */
static void cwstat_pool_steal(struct cwstat_pcpu_pool *pp)
	__must_hold(&pp->lock)
{
	HLIST_HEAD(got);
	unsigned int n = 0;
	int cpu;

	raw_spin_unlock(&pp->lock);
	for_each_possible_cpu(cpu) {
		struct cwstat_pcpu_pool *v = per_cpu_ptr(&cwstat_pcpu_pool, cpu);

		if (v == pp || !READ_ONCE(v->nr))
			continue;
		raw_spin_lock(&v->lock);
		n += cwstat_pool_move(&v->free, &v->nr, &got,
				      CWSTAT_PCPU_BATCH - n);
		raw_spin_unlock(&v->lock);
		if (n == CWSTAT_PCPU_BATCH)
			break;
	}
	raw_spin_lock(&pp->lock);
	WRITE_ONCE(pp->nr, pp->nr + cwstat_pool_move(&got, &n, &pp->free, n));
}

/*
 * A free entry, or NULL. Any context; never allocates. From this CPU's
 * cache, which takes a batch from the shared list when it is empty (and
 * asks for a refill when that runs low).
 */
static struct cwstat_track *cwstat_pool_get(void)
{
	struct cwstat_track *t = NULL;
	struct cwstat_pcpu_pool *pp;
	unsigned long flags;
	bool refill = false;

	local_irq_save(flags);
	pp = this_cpu_ptr(&cwstat_pcpu_pool);
	raw_spin_lock(&pp->lock);
	if (unlikely(hlist_empty(&pp->free))) {
		unsigned int n;

		raw_spin_lock(&cwstat_pool_lock);
		n = cwstat_pool_move(&cwstat_pool_free, &cwstat_pool_nr_free,
				     &pp->free, CWSTAT_PCPU_BATCH);
		refill = cwstat_pool_nr_free < CWSTAT_POOL_LOW;
		raw_spin_unlock(&cwstat_pool_lock);
		WRITE_ONCE(pp->nr, pp->nr + n);
		if (!n)
			cwstat_pool_steal(pp);
	}
	if (!hlist_empty(&pp->free)) {
		t = hlist_entry(pp->free.first, struct cwstat_track, node);
		hlist_del(&t->node);
		WRITE_ONCE(pp->nr, pp->nr - 1);
	}
	raw_spin_unlock(&pp->lock);
	local_irq_restore(flags);

	/* queue_work() takes only raw locks: fine with preemption off. */
	if (refill && READ_ONCE(cwstat_pool_nr) < cwstat_max_tracked)
		queue_work(system_unbound_wq, &cwstat_refill_work);
	return t;
}

/*
 * Give @t back to this CPU's cache, which spills a batch to the shared
 * list when it holds CWSTAT_PCPU_HIGH.
 */
static void cwstat_pool_put(struct cwstat_track *t)
{
	struct cwstat_pcpu_pool *pp;
	unsigned long flags;

	local_irq_save(flags);
	pp = this_cpu_ptr(&cwstat_pcpu_pool);
	raw_spin_lock(&pp->lock);
	hlist_add_head(&t->node, &pp->free);
	WRITE_ONCE(pp->nr, pp->nr + 1);
	if (unlikely(pp->nr >= CWSTAT_PCPU_HIGH)) {
		unsigned int n;

		raw_spin_lock(&cwstat_pool_lock);
		n = cwstat_pool_move(&pp->free, &pp->nr, &cwstat_pool_free,
				     CWSTAT_PCPU_BATCH);
		WRITE_ONCE(cwstat_pool_nr_free, cwstat_pool_nr_free + n);
		raw_spin_unlock(&cwstat_pool_lock);
	}
	raw_spin_unlock(&pp->lock);
	local_irq_restore(flags);
}

/* ---- table --------------------------------------------------------------- */

static struct cwstat_slot cwstat_slot_of(const struct sock *sk)
{
	u32 h = hash_ptr(sk, cwstat_table_bits);
	struct cwstat_group *g = &cwstat_table[h >> CWSTAT_GROUP_SHIFT];

	return (struct cwstat_slot){
		.g = g,
		.chain = &g->chain[h & (CWSTAT_GROUP_SIZE - 1)],
	};
}

static struct cwstat_track *cwstat_find(const struct cwstat_slot *s,
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
static void cwstat_chain_add(const struct cwstat_slot *s,
			     struct cwstat_track *t)
{
	lockdep_assert_held(&s->g->lock);
	if (hlist_empty(s->chain))
		WRITE_ONCE(s->g->occupied, s->g->occupied | cwstat_chain_bit(s));
	hlist_add_head(&t->node, s->chain);
}

/* Unlink @t from @s, locked. */
static void cwstat_chain_del(const struct cwstat_slot *s,
			     struct cwstat_track *t)
{
	lockdep_assert_held(&s->g->lock);
	hlist_del(&t->node);
	if (hlist_empty(s->chain))
		WRITE_ONCE(s->g->occupied, s->g->occupied & ~cwstat_chain_bit(s));
}

/*
 * A walk of the table's occupied chains: start with pos = 0, then call
 * cwstat_next_chain() until it returns false. Each chain it gives (in
 * @s) looked occupied, without the lock: the caller locks s->g and reads
 * the chain again. Sleeps (cond_resched()) between groups.
 */
struct cwstat_table_pos {
	unsigned int group;	/* the group of @left */
	u64 left;		/* its occupied chains not given yet */
};

static bool cwstat_next_chain(struct cwstat_table_pos *pos,
			      struct cwstat_slot *s)
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

/* Before the first cwstat_next_chain(). */
static void cwstat_table_pos_init(struct cwstat_table_pos *pos)
{
	pos->group = 0;
	pos->left = READ_ONCE(cwstat_table[0].occupied);
}

static void cwstat_fill(struct cwstat_track *t, const struct sock *sk,
			u64 entered_ns, unsigned int gen)
{
	t->sk = sk;
	/* sock_cgroup_ptr() takes no const; it only reads. */
	t->cgrp = sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data);
	t->entered_ns = entered_ns;
	t->ns = sock_net(sk)->ns.inum;
	t->gen = gen;
	t->reaper = NULL;
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
		cwstat_count_add(1);
	return old;
}

/*
 * Unlink @sk's entry, if it has one, and return it. If a reaper marked the
 * entry and this exit is its own tcp_abort() at work (the same task, not
 * an interrupt or softirq that happened to interrupt it), count it for
 * the reaper. The reaper clears its mark under this lock before its
 * struct cwstat_reaper goes, so a mark seen here points to a live one.
 */
static struct cwstat_track *cwstat_unlink(const struct sock *sk)
{
	struct cwstat_slot s = cwstat_slot_of(sk);
	struct cwstat_track *t;
	unsigned long flags;

	raw_spin_lock_irqsave(&s.g->lock, flags);
	t = cwstat_find(&s, sk);
	if (t) {
		cwstat_chain_del(&s, t);
		if (unlikely(t->reaper) && t->reaper->task == current &&
		    in_task())
			t->reaper->hits++;
	}
	raw_spin_unlock_irqrestore(&s.g->lock, flags);

	if (t)
		cwstat_count_add(-1);
	return t;
}

/* ---- probe --------------------------------------------------------------- */

/*
 * Ask for a repair, after the current back-off. A no-op while one is
 * queued, so a burst of misses costs one walk. queue_delayed_work() takes
 * only raw locks: fine with preemption off.
 */
static void cwstat_repair_kick(void)
{
	queue_delayed_work(system_unbound_wq, &cwstat_overflow_work,
			   READ_ONCE(cwstat_repair_delay));
}

static void cwstat_overflow(void)
{
	atomic64_inc(&cwstat_overflows);
	atomic64_inc(&cwstat_overflow_pending);
	/*
	 * At max_tracked a repair cannot help until entries are freed, which
	 * cwstat_leave() watches for: do not re-arm on every miss.
	 * Otherwise the pool is only waiting for its refill.
	 */
	if (READ_ONCE(cwstat_pool_nr) >= cwstat_max_tracked) {
		if (!READ_ONCE(cwstat_capped))
			WRITE_ONCE(cwstat_capped, true);
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
}

/*
 * Repair what was missed for the lack of free entries, once there is room
 * for it (or for a good part of it). Nothing was missed except at the
 * cap: only then is the sum over the CPUs' caches paid for.
 */
static void cwstat_room_kick(void)
{
	u64 pending = atomic64_read(&cwstat_overflow_pending);

	if (unlikely(pending) &&
	    cwstat_pool_free_count() >= min_t(u64, pending, CWSTAT_REPAIR_ROOM))
		cwstat_repair_kick();
}

static void cwstat_leave(const struct sock *sk)
{
	struct cwstat_track *t = cwstat_unlink(sk);

	/* No entry: the socket entered CLOSE_WAIT before the probe, or missed. */
	if (!t)
		return;
	cwstat_pool_put(t);
	cwstat_room_kick();
}

/*
 * The probe, on every socket state change of the host. With preemption
 * disabled and the socket lock held; never allocates, never sleeps, takes
 * only raw spinlocks. The test of the two states comes first and needs no
 * memory access.
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

/* ---- reading ------------------------------------------------------------- */

static unsigned int cwstat_age_bucket(u64 age_ns)
{
	static const u32 bounds_s[] = CWSTAT_AGE_BOUNDS_S;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(bounds_s) + 1 != CWSTAT_AGE_BUCKETS);
	for (i = 0; i < ARRAY_SIZE(bounds_s); i++)
		if (age_ns <= (u64)bounds_s[i] * NSEC_PER_SEC)
			break;
	return i;
}

/* The counts of one tracked socket, as cwstat_count_close_wait() has them. */
static void cwstat_count_track(struct cwstat_counts *cw,
			       const struct cwstat_track *t, u64 now_ns,
			       u32 now_j)
{
	/* An entry made after @now_ns was sampled is no time. */
	u64 age = now_ns > t->entered_ns ? now_ns - t->entered_ns : 0;

	cwstat_count_close_wait(cw, t->sk, now_j);
	cw->oldest_age_ns = age;
	cw->age_hist[cwstat_age_bucket(age)] = 1;
}

static unsigned int cwstat_chain_len(const struct cwstat_slot *s)
{
	struct cwstat_track *t;
	unsigned int n = 0;

	lockdep_assert_held(&s->g->lock);
	hlist_for_each_entry(t, s->chain, node)
		n++;
	return n;
}

/*
 * Sum the tracked sockets into @agg: a netns row and a cgroup row for each,
 * as the walk makes them. The cost is the tracked sockets plus a lockless
 * load of each group's bitmap (see struct cwstat_group), whatever the
 * number of TCP sockets. Room for two rows per entry is made before a group lock is
 * taken (the agg grows with GFP_KERNEL), as in the walk.
 */
static int cwstat_live_collect(struct cwstat_agg *agg,
			       struct cwstat_walk_stats *stats)
{
	u64 start = ktime_get_ns(), now_ns = ktime_get_coarse_boottime_ns();
	u32 now_j = tcp_jiffies32;
	struct cwstat_table_pos pos;
	unsigned int longest = 0;
	struct cwstat_slot s;
	int err;

	err = cwstat_agg_reserve(agg, 0);
	if (err)
		return err;

	cwstat_table_pos_init(&pos);
	while (cwstat_next_chain(&pos, &s)) {
		struct cwstat_track *t;
		unsigned long flags;
		unsigned int len;

retry:
		raw_spin_lock_irqsave(&s.g->lock, flags);
		len = cwstat_chain_len(&s);
		if (unlikely(2 * len > cwstat_agg_room(agg))) {
			raw_spin_unlock_irqrestore(&s.g->lock, flags);
			err = cwstat_agg_reserve(agg, 2 * len);
			if (err)
				return err;
			goto retry;
		}
		hlist_for_each_entry(t, s.chain, node) {
			/* The entry's socket is alive, and holds its netns. */
			u64 cookie = cwstat_net_cookie(sock_net(t->sk));
			struct cwstat_row *netns_row, *cg_row;
			struct cwstat_counts one;

			netns_row = cwstat_agg_find_or_add(agg, t->ns, cookie,
							   0, NULL);
			cg_row = cwstat_agg_find_or_add(agg, t->ns, cookie,
							cgroup_id(t->cgrp),
							t->cgrp);
			if (!netns_row || !cg_row) {
				err = -ENOMEM;
				break;
			}
			cwstat_count_track(&one, t, now_ns, now_j);
			cwstat_counts_add(&netns_row->cw, &one);
			cwstat_counts_add(&cg_row->cw, &one);
		}
		raw_spin_unlock_irqrestore(&s.g->lock, flags);
		if (err)
			return err;
		stats->sockets += len;
		longest = max(longest, len);
	}
	cwstat_note_longest_chain(longest);
	stats->buckets = 1U << cwstat_table_bits;
	stats->duration_ns = ktime_get_ns() - start;
	return 0;
}

/* ---- reaping ------------------------------------------------------------- */

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
 * group unlocked, as in cwstat_live_collect().
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
static int cwstat_live_reap(const struct cwstat_reap_req *req,
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

/* ---- seeding and reconciliation ------------------------------------------ */

/*
 * A socket a process owns is looked at again after each of these pauses, as
 * long as it stays on the retry list (at most CWSTAT_RETRY_MAX sockets); one
 * in CLOSE_WAIT still owned at the last look (CWSTAT_LOOKS in all) is
 * unresolved. The pauses add up to CWSTAT_RETRY_TOTAL_MS, each rounded up
 * to whole jiffies, and the task may be scheduled later still.
 */
#define CWSTAT_RETRY_MAX	256
static const unsigned int cwstat_retry_ms[] = { 10, 50, 200, 500 };
#define CWSTAT_RETRY_TOTAL_MS	760
#define CWSTAT_LOOKS		(1 + ARRAY_SIZE(cwstat_retry_ms))

/*
 * Sleep about @ms (rounded up to jiffies), or less if unload begins: false
 * if it did. Process context.
 */
static bool cwstat_pause(unsigned int ms)
{
	wait_event_timeout(cwstat_stop_wq, READ_ONCE(cwstat_stopping),
			   msecs_to_jiffies(ms));
	return !READ_ONCE(cwstat_stopping);
}

/*
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

/* A reconciliation in progress, on its task's stack, under the mutex. */
struct cwstat_reconcile {
	unsigned int gen;
	bool seeding;
	/* Before the follow-up: ESTABLISHED and SYN_RECV are candidates too. */
	bool wide;
	/*
	 * An entry taken from the pool, or grown, with no socket lock held,
	 * when a socket in CLOSE_WAIT without an entry needed one; used by
	 * the next insertion: nothing is allocated under a socket lock.
	 */
	struct cwstat_track *spare;
	bool no_grow;		/* a growth failed: try none until the end */
	/* Owned sockets to look at again, each with a reference. */
	struct sock **retry;
	unsigned int nr_retry;
	unsigned int retry_size;
	u64 inserted;		/* in CLOSE_WAIT, had no entry: now has one */
	u64 untracked;		/* in CLOSE_WAIT, had none, and none to give */
	u64 unresolved;		/* in CLOSE_WAIT, no entry, owned at every look */
	unsigned int grow_attempts;	/* cwstat_pool_grow() calls */
};

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
	    READ_ONCE(cwstat_pool_nr) >= cwstat_max_tracked)
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
 * so it cannot change state (see cwstat_reconcile_locked()): mark its entry
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
	cwstat_count_add(1);
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
 * change into CLOSE_WAIT that began before (case 1 of
 * cwstat_reconcile_locked()): look again. An owner that makes the change
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
 * unlock (the protocol argued in cwstat_reconcile_locked()), so its state
 * is checked and its entry confirmed or linked. In CLOSE_WAIT without an
 * entry and with no spare one, we unlock, get one (cwstat_spare()) and
 * examine @sk again from the start: it may have changed meanwhile. With
 * none to get, @sk is untracked. Owned: see cwstat_owned(). True when
 * done; false to look again later.
 */
static bool cwstat_examine(struct sock *sk, struct cwstat_reconcile *rc)
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
	}
}

/*
 * @sk, owned at every look, is given up: counted unresolved if it was in
 * CLOSE_WAIT at the last (owned, without an entry). In another state it
 * was kept only by the seeding, and the follow-up meets it again.
 */
static void cwstat_give_up(const struct sock *sk, struct cwstat_reconcile *rc)
{
	if (READ_ONCE(sk->sk_state) == TCP_CLOSE_WAIT)
		rc->unresolved++;
}

static int cwstat_reconcile_batch(struct cwstat_batch *batch, void *arg)
{
	struct cwstat_reconcile *rc = arg;
	unsigned int i;
	int err = 0;

	for (i = 0; i < batch->nr; i++) {
		struct sock *sk = batch->socks[i];

		/* Unload is waiting: drop the rest of the batch. */
		if (!err && READ_ONCE(cwstat_stopping))
			err = -ESHUTDOWN;
		if (!err && !cwstat_examine(sk, rc)) {
			if (rc->nr_retry < rc->retry_size) {
				/* The list keeps our reference. */
				rc->retry[rc->nr_retry++] = sk;
				continue;
			}
			cwstat_give_up(sk, rc);
		}
		sock_put(sk);
		cond_resched();
	}
	return err;
}

/*
 * Look at the retry list again after each pause of cwstat_retry_ms, until
 * it is empty; give up on what is left (cwstat_give_up()), and drop every
 * reference. Unload ends the pauses.
 */
static void cwstat_retry_all(struct cwstat_reconcile *rc)
{
	unsigned int pass, i, n;

	for (pass = 0; pass < ARRAY_SIZE(cwstat_retry_ms) && rc->nr_retry;
	     pass++) {
		if (!cwstat_pause(cwstat_retry_ms[pass]))
			break;
		for (i = 0, n = 0; i < rc->nr_retry; i++) {
			struct sock *sk = rc->retry[i];

			if (cwstat_examine(sk, rc))
				sock_put(sk);
			else
				rc->retry[n++] = sk;
		}
		rc->nr_retry = n;
	}
	for (i = 0; i < rc->nr_retry; i++) {
		cwstat_give_up(rc->retry[i], rc);
		sock_put(rc->retry[i]);
	}
	rc->nr_retry = 0;
}

/*
 * Entries that the reconciliation of generation @gen did not see: @remove
 * unlinks and frees them. Their sockets may be gone: only the entry is
 * touched.
 */
static u64 cwstat_sweep(unsigned int gen, bool remove)
{
	struct cwstat_table_pos pos;
	struct cwstat_slot s;
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
			n++;
			if (remove) {
				cwstat_chain_del(&s, t);
				hlist_add_head(&t->node, &dead);
			}
		}
		raw_spin_unlock_irqrestore(&s.g->lock, flags);
		hlist_for_each_entry_safe(t, tmp, &dead, node) {
			hlist_del(&t->node);
			cwstat_count_add(-1);
			cwstat_pool_put(t);
		}
	}
	return n;
}

/* Why a reconciliation runs; repairs back off (cwstat_repair_delay). */
enum cwstat_rc_why {
	CWSTAT_RC_SEED,		/* the first, at load */
	CWSTAT_RC_FOLLOWUP,	/* once, CWSTAT_FOLLOWUP_DELAY after the seed */
	CWSTAT_RC_ASKED,	/* a write to "reconcile", or the period */
	CWSTAT_RC_REPAIR,	/* misses or unresolved sockets to repair */
};

/*
 * After a reconciliation of kind @why that @left_some sockets untracked or
 * unresolved: a repair that left some makes the next one wait twice as
 * long; any reconciliation that left none resets the wait.
 */
static void cwstat_repair_backoff(enum cwstat_rc_why why, bool left_some)
{
	unsigned long delay = cwstat_repair_delay;

	lockdep_assert_held(&cwstat_reconcile_mutex);
	if (!left_some)
		delay = CWSTAT_REPAIR_MIN;
	else if (why == CWSTAT_RC_REPAIR)
		delay = min_t(unsigned long, 2 * delay, CWSTAT_REPAIR_MAX);
	WRITE_ONCE(cwstat_repair_delay, delay);
}

/*
 * One reconciliation: walk every established hash table, examine each
 * candidate socket under its spinlock (cwstat_examine()), add an entry for
 * each in CLOSE_WAIT without one, look again at the owned ones a bounded
 * number of times, then remove the entries no socket confirmed. The
 * candidates are the full sockets in CLOSE_WAIT, and until the follow-up
 * has run (cwstat_followed) those in ESTABLISHED or SYN_RECV too.
 *
 * Why nothing is lost or counted twice, for a socket S (the seeding case;
 * a later reconciliation is the same with the probe long registered). Let R
 * be the probe's registration, Y the end of tracepoint_synchronize_unregister()
 * that follows it, W the moment the walk reads S's ehash chain, and E the
 * moment we hold S's spinlock (sk_lock.slock) and find S not owned by a
 * process (sock_owned_by_user() false); R < Y < W < E.
 *
 *  (a) Every state change of a full TCP socket is made, the tracepoint and
 *      then the store as one call, either by the process that owns it
 *      (lock_sock(): owned set, spinlock dropped) or by a holder of its
 *      spinlock that found it not owned: softirq input and timers
 *      (bh_lock_sock(), deferring to the backlog or a flag while a process
 *      owns it), a new child made locked by sk_clone_lock(), and, in
 *      process context without owning, inet_csk_listen_stop() on children
 *      in its accept queue (bh_lock_sock(), WARN if owned) and
 *      lock_sock_fast() while it keeps the spinlock. Ownership is taken
 *      and given back under the spinlock. So at E nothing can change S's
 *      state until we unlock: no owner exists or can appear, and no other
 *      holder of the spinlock runs; and every change made before E is
 *      complete, its store included. Between a change's tracepoint call and
 *      its store (inet_sk_state_store()) nothing sleeps, so a change is
 *      complete a moment after its call, owned or not.
 *      (The former protocol claimed S's lock_sock() excluded every change;
 *      inet_csk_listen_stop() proves that false, and owning an unaccepted
 *      child made it WARN and disconnect the child under us.)
 *  (b) A tracepoint call that begins after R calls the probe. After Y, no
 *      call that began before R is still inside the tracepoint; but its
 *      store may still be pending, inside the same critical section of
 *      (a).
 *  (c) S sits in one ehash chain from being hashed (SYN_SENT or SYN_RECV)
 *      until tcp_set_state(TCP_CLOSE) unhashes it, and enters CLOSE_WAIT
 *      only from ESTABLISHED or SYN_RECV. The seeding and the follow-up
 *      take every full socket in those two states or in CLOSE_WAIT: a
 *      state read at W whose change the probe missed may still be pending
 *      there. The follow-up begins more than CWSTAT_FOLLOWUP_DELAY after Y,
 *      when every change that began before R has made its store (a);
 *      from then on a walk takes only full sockets in CLOSE_WAIT.
 *
 *  1. S entered CLOSE_WAIT unseen (before R, or between R and Y without
 *     the probe) and is still in it at E: S was hashed at W in one of the
 *     candidate states (in the seeding or the follow-up, any of the three;
 *     in a later walk the store was long done, so CLOSE_WAIT, or the
 *     probe saw S leave and, finding no entry, did nothing); at E the
 *     store is done (a) and S has no entry, so we link one, timed from
 *     rcv_tstamp, before we unlock. A socket the probe missed for want of
 *     an entry (a counted miss, which asks for a repair) is the same case
 *     in a later walk. S leaves
 *     CLOSE_WAIT after our unlock, after Y: the probe sees it (b) and
 *     removes the entry. An exit cannot slip between our state check and
 *     our link (a): the entry we link always names a socket that is in
 *     CLOSE_WAIT, so the probe will unlink it before S is freed.
 *  2. S entered CLOSE_WAIT unseen and left it before E: at E it is not in
 *     CLOSE_WAIT and gets no entry; if the probe saw it leave, it found no
 *     entry and did nothing.
 *  3. The probe saw S enter: it added the entry, with the exact time; at E
 *     we find it and only mark it seen.
 *  4. S leaves CLOSE_WAIT while we examine it: that needs a state change,
 *     so it happens before E (case 2) or after our unlock, when the probe
 *     removes the entry we may just have linked. A leave cannot interleave
 *     with our insertion.
 *  5. S hashed after W: all its state changes come after R, and the probe
 *     sees them.
 *  6. One entry per socket: we link only when our lookup under the group
 *     lock finds none, and the probe cannot add one for S while we hold
 *     S's spinlock unowned (a).
 *  7. A process owns S at our look (there is no E yet). We never wait for
 *     it: cwstat_owned() marks an entry it finds for S in CLOSE_WAIT (an
 *     exit is the probe's to see); S in another state needs nothing after
 *     the seeding (a change from before R, if any, made its store before
 *     the follow-up's walk, which takes S in any of the three states, and
 *     every later entry into CLOSE_WAIT calls the probe). Otherwise (S in
 *     CLOSE_WAIT without an entry, or in the seeding in another state)
 *     S goes on the retry list and is examined again; each retry is the
 *     same argument with a later E. If the owner keeps S past the last
 *     look: in CLOSE_WAIT it is unresolved, not counted (we count less,
 *     never twice), and "unresolved" and cwstat_overflow_pending say so
 *     until a repair finds it free; in another state (the seeding only)
 *     the follow-up examines it, as in 1. Its entry, if any, was marked,
 *     so the sweep keeps it.
 *
 * S cannot be freed or reused between W and our sock_put(): we hold a
 * reference taken under the ehash bucket lock, also while S waits on the
 * retry list.
 *
 * Entries not seen (gen older than this walk's) were added before the walk
 * began (the probe stamps new entries with the current generation) and
 * their socket was in no chain in CLOSE_WAIT: either stale, or
 * unhashed by tcp_set_state(TCP_CLOSE), which unhashes before it fires the
 * tracepoint, with the probe about to remove the entry. So they are removed
 * only if still there CWSTAT_SETTLE_MS later.
 *
 * Misses of the probe and sockets in CLOSE_WAIT left untracked or
 * unresolved before (cwstat_overflow_pending) explain as many added
 * entries; anything else added or removed outside the seeding and the
 * follow-up is drift, which must stay 0.
 */
static int cwstat_reconcile_locked(enum cwstat_rc_why why)
{
	struct cwstat_reconcile rc = {};
	u64 pending, stale, repaired, drift, misses;
	bool capped;
	int err;

	lockdep_assert_held(&cwstat_reconcile_mutex);

	rc.gen = cwstat_gen + 1;
	rc.seeding = why == CWSTAT_RC_SEED;
	rc.wide = !cwstat_followed;
	WRITE_ONCE(cwstat_gen, rc.gen);
	pending = atomic64_xchg(&cwstat_overflow_pending, 0);
	/* Misses from here on are ones the walk may not see. */
	misses = atomic64_read(&cwstat_overflows);

	/*
	 * Room for some insertions, so most need not allocate one by one,
	 * and for the retry list; without one, owned sockets are unresolved
	 * at once.
	 */
	if (READ_ONCE(cwstat_pool_nr) < cwstat_max_tracked) {
		rc.grow_attempts++;
		rc.no_grow = cwstat_pool_grow(CWSTAT_POOL_HIGH) == -ENOMEM;
	}
	rc.retry = kvmalloc_array(CWSTAT_RETRY_MAX, sizeof(*rc.retry),
				  GFP_KERNEL);
	if (rc.retry)
		rc.retry_size = CWSTAT_RETRY_MAX;
	err = cwstat_walk_candidates(cwstat_reconcile_batch, &rc, rc.wide);
	cwstat_retry_all(&rc);
	if (READ_ONCE(reconcile_delay_ms) && !err)
		cwstat_pause(READ_ONCE(reconcile_delay_ms));
#ifdef DEBUG
	WRITE_ONCE(grow_attempts, rc.grow_attempts);
#endif
	kvfree(rc.retry);
	if (rc.spare)
		cwstat_pool_put(rc.spare);
	if (err) {
		/* Unseen entries prove nothing after a partial walk. */
		atomic64_add(pending + rc.untracked + rc.unresolved,
			     &cwstat_overflow_pending);
		return err;
	}

	stale = cwstat_sweep(rc.gen, false);
	if (stale && cwstat_pause(CWSTAT_SETTLE_MS))
		stale = cwstat_sweep(rc.gen, true);
	else
		stale = 0;

	/* Still missed: a later repair will meet them again. */
	atomic64_add(rc.untracked + rc.unresolved, &cwstat_overflow_pending);
	WRITE_ONCE(cwstat_unresolved, rc.unresolved);
	if (why == CWSTAT_RC_FOLLOWUP)
		cwstat_followed = true;
	/*
	 * A miss at the cap while we ran (in the walk behind us, in a pause)
	 * set capped; it names a socket we may not have seen: keep it set.
	 */
	misses = atomic64_read(&cwstat_overflows) - misses;
	capped = (rc.untracked || misses) &&
		 READ_ONCE(cwstat_pool_nr) >= cwstat_max_tracked;
	WRITE_ONCE(cwstat_capped, capped);

	if (rc.seeding) {
		atomic64_add(rc.inserted, &cwstat_seeded);
		repaired = rc.inserted;
	} else if (why == CWSTAT_RC_FOLLOWUP) {
		/* What misses do not explain entered CLOSE_WAIT before R. */
		atomic64_add(rc.inserted - min(rc.inserted, pending),
			     &cwstat_seeded);
		repaired = rc.inserted;
	} else {
		repaired = min(rc.inserted, pending);
	}
	drift = rc.inserted - repaired + stale;
	atomic64_inc(&cwstat_reconciles);
	if (drift) {
		atomic64_add(drift, &cwstat_drift);
		pr_warn_ratelimited("reconciliation corrected a drift of %llu: %llu sockets in CLOSE_WAIT were not tracked, %llu entries were stale\n",
				    drift, rc.inserted - repaired, stale);
	}
	if (capped)
		pr_warn_ratelimited("sockets in CLOSE_WAIT are not tracked (%llu found, %llu missed during the reconciliation): max_tracked=%u is reached\n",
				    rc.untracked, misses, cwstat_max_tracked);
	if (rc.unresolved)
		pr_warn_ratelimited("%llu sockets in CLOSE_WAIT could not be examined: a process owned them at all %zu looks; they are not counted, and a repair looks again\n",
				    rc.unresolved, CWSTAT_LOOKS);
	/*
	 * Look again later, backing off, for what a lock held us from, and
	 * for what memory (not max_tracked) held us from tracking. At the
	 * cap, cwstat_leave() asks for the repair once there is room; but
	 * the exits made while we ran saw cwstat_overflow_pending without
	 * what we took at our start and add back only now: if the room is
	 * already there, ask now, or no exit may ever ask.
	 */
	cwstat_repair_backoff(why, rc.untracked || rc.unresolved);
	if (rc.unresolved || (rc.untracked && !capped))
		cwstat_repair_kick();
	else if (capped)
		cwstat_room_kick();
	return 0;
}

/*
 * Run a reconciliation now, in process context. -ENODEV before the
 * seeding is done, or after unload began; -EINTR if the
 * caller is killed while waiting for another one (bounded, see
 * cwstat_reconcile_mutex).
 */
static int cwstat_reconcile(enum cwstat_rc_why why)
{
	int err = -ENODEV;

	if (mutex_lock_killable(&cwstat_reconcile_mutex))
		return -EINTR;
	if (cwstat_running && !READ_ONCE(cwstat_stopping))
		err = cwstat_reconcile_locked(why);
	mutex_unlock(&cwstat_reconcile_mutex);
	return err;
}

/* For the "reconcile" attribute. */
static int cwstat_live_reconcile(void)
{
	return cwstat_reconcile(CWSTAT_RC_ASKED);
}

static void cwstat_period_fn(struct work_struct *work)
{
	if (cwstat_reconcile(CWSTAT_RC_ASKED) == -ENODEV)
		return;
	queue_delayed_work(system_unbound_wq, &cwstat_period_work,
			   cwstat_reconcile_period_s * HZ);
}

static void cwstat_overflow_fn(struct work_struct *work)
{
	cwstat_reconcile(CWSTAT_RC_REPAIR);
}

/* The follow-up; until one has walked every table, try again. */
static void cwstat_followup_fn(struct work_struct *work)
{
	int err = cwstat_reconcile(CWSTAT_RC_FOLLOWUP);

	if (err && err != -ENODEV && !READ_ONCE(cwstat_stopping))
		queue_delayed_work(system_unbound_wq, &cwstat_followup_work,
				   CWSTAT_FOLLOWUP_DELAY);
}

/* ---- load and unload ------------------------------------------------------ */

static void cwstat_live_exit(void)
{
	/* The probe is gone: nothing links or unlinks any more. */
	cwstat_pool_destroy();
	kvfree(cwstat_table);
	cwstat_table = NULL;
	percpu_counter_destroy(&cwstat_tracked);
}

/*
 * Lock classes of their own, named, so that lockdep's statistics
 * (/proc/lock_stat, CONFIG_LOCK_STAT) show the table's, the caches' and
 * the count's locks apart from every other "&g->lock" or percpu_counter
 * (selftests/lockstat.sh reads them).
 */
static struct lock_class_key cwstat_group_key;
static struct lock_class_key cwstat_pcpu_pool_key;
static struct lock_class_key cwstat_tracked_key;

/* The table and a first pool. */
static int cwstat_live_init(void)
{
	unsigned int i, nr;
	int cpu, err;

	/*
	 * The counter is on the hotplug list once initialised, and a CPU
	 * going down takes its lock: none may go while the lock's class is
	 * changed. (A UP kernel's counter has no lock.)
	 */
	cpus_read_lock();
	err = percpu_counter_init(&cwstat_tracked, 0, GFP_KERNEL);
#ifdef CONFIG_SMP
	if (!err)
		lockdep_set_class_and_name(&cwstat_tracked.lock,
					   &cwstat_tracked_key,
					   "cwstat_tracked_lock");
#endif
	cpus_read_unlock();
	if (err)
		return err;
	for_each_possible_cpu(cpu) {
		struct cwstat_pcpu_pool *pp = per_cpu_ptr(&cwstat_pcpu_pool, cpu);

		raw_spin_lock_init(&pp->lock);
		lockdep_set_class_and_name(&pp->lock, &cwstat_pcpu_pool_key,
					   "cwstat_pcpu_pool_lock");
		INIT_HLIST_HEAD(&pp->free);
		pp->nr = 0;
	}

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
		percpu_counter_destroy(&cwstat_tracked);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		raw_spin_lock_init(&cwstat_table[i].lock);
		lockdep_set_class_and_name(&cwstat_table[i].lock,
					   &cwstat_group_key,
					   "cwstat_group_lock");
		if (!(i % 1024))
			cond_resched();
	}

	err = cwstat_pool_grow(CWSTAT_POOL_HIGH);
	if (err && err != -ENOSPC) {
		cwstat_live_exit();
		return err;
	}
	return 0;
}

static void cwstat_find_tp(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "inet_sock_set_state"))
		*found = tp;
}

/* Find the tracepoint and attach the probe. */
static int cwstat_live_start(void)
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
	/* No tracepoint call from before the registration is still running. */
	tracepoint_synchronize_unregister();
	return 0;
}

/* Track the sockets already in CLOSE_WAIT; see cwstat_reconcile_locked(). */
static int cwstat_live_seed(void)
{
	int err;

	mutex_lock(&cwstat_reconcile_mutex);
	err = cwstat_reconcile_locked(CWSTAT_RC_SEED);
	if (!err) {
		cwstat_running = true;
		queue_delayed_work(system_unbound_wq, &cwstat_followup_work,
				   CWSTAT_FOLLOWUP_DELAY);
		if (cwstat_reconcile_period_s)
			queue_delayed_work(system_unbound_wq,
					   &cwstat_period_work,
					   cwstat_reconcile_period_s * HZ);
	}
	mutex_unlock(&cwstat_reconcile_mutex);
	if (!err)
		pr_info("live: %llu sockets already in CLOSE_WAIT tracked, up to %u (%zu bytes each)\n",
			(u64)atomic64_read(&cwstat_seeded), cwstat_max_tracked,
			sizeof(struct cwstat_track));
	return err;
}

/*
 * Unload begins: a reconciliation in progress cuts its walk and its pauses
 * short, so that a writer of "reconcile" waiting for it returns at once
 * and the sysfs files can go; none runs any more. The probe goes on.
 */
static void cwstat_live_quiesce(void)
{
	WRITE_ONCE(cwstat_stopping, true);
	wake_up_all(&cwstat_stop_wq);
}

/*
 * Detach the probe and stop every work. After this, nothing touches the
 * table until cwstat_live_exit() frees it.
 */
static void cwstat_live_stop(void)
{
	int err;

	/*
	 * A running reconciliation cuts its walk short; one asked for from
	 * now on does nothing. The wait for the mutex is bounded: its holder
	 * never waits for a socket lock.
	 */
	cwstat_live_quiesce();
	mutex_lock(&cwstat_reconcile_mutex);
	cwstat_running = false;
	mutex_unlock(&cwstat_reconcile_mutex);

	err = tracepoint_probe_unregister(cwstat_tp, (void *)cwstat_probe,
					  NULL);
	WARN_ON_ONCE(err);
	/* No probe is running, so none can queue work any more. */
	tracepoint_synchronize_unregister();
	cancel_delayed_work_sync(&cwstat_followup_work);
	cancel_delayed_work_sync(&cwstat_period_work);
	cancel_delayed_work_sync(&cwstat_overflow_work);
	/* Last: the works above may have queued it. */
	cancel_work_sync(&cwstat_refill_work);
}

static u64 cwstat_live_stat(enum cwstat_stat which)
{
	u64 sum = 0;
	int cpu;

	switch (which) {
	/* A live source walks the ehash only to reconcile. */
	case CWSTAT_STAT_SCANS:
	case CWSTAT_STAT_RECONCILES:
		return atomic64_read(&cwstat_reconciles);
	case CWSTAT_STAT_TRACKED:
		return percpu_counter_sum_positive(&cwstat_tracked);
	case CWSTAT_STAT_TRACKED_OVERFLOW:
		return atomic64_read(&cwstat_overflows);
	case CWSTAT_STAT_PROBE_HITS:
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(*per_cpu_ptr(&cwstat_probe_hits, cpu));
		return sum;
	case CWSTAT_STAT_DRIFT:
		return atomic64_read(&cwstat_drift);
	case CWSTAT_STAT_SEEDED:
		return atomic64_read(&cwstat_seeded);
	case CWSTAT_STAT_REAPED:
		return atomic64_read(&cwstat_reaped);
	case CWSTAT_STAT_UNRESOLVED:
		return READ_ONCE(cwstat_unresolved);
	case CWSTAT_STAT_CAPPED:
		return READ_ONCE(cwstat_capped);
	case CWSTAT_STAT_POOL_ENTRIES:
		return READ_ONCE(cwstat_pool_nr);
	case CWSTAT_STAT_POOL_BYTES:
		if (!cwstat_table)
			return 0;
		return (u64)READ_ONCE(cwstat_nr_chunks) *
		       sizeof(struct cwstat_chunk) +
		       (sizeof(*cwstat_table) <<
			(cwstat_table_bits - CWSTAT_GROUP_SHIFT));
	default:
		return 0;
	}
}

static u64 cwstat_live_count(void)
{
	return percpu_counter_sum_positive(&cwstat_tracked);
}

static void cwstat_live_set_watch(struct cwstat_watch *w)
{
	cwstat_watch_set(&cwstat_live_watch, w);
}

const struct cwstat_source cwstat_live_source = {
	.name		= "live",
	.ages		= true,
	.init		= cwstat_live_init,
	.start		= cwstat_live_start,
	.seed		= cwstat_live_seed,
	.quiesce	= cwstat_live_quiesce,
	.stop		= cwstat_live_stop,
	.exit		= cwstat_live_exit,
	.collect	= cwstat_live_collect,
	.count		= cwstat_live_count,
	.watch		= cwstat_live_set_watch,
	.stat		= cwstat_live_stat,
	.reconcile	= cwstat_live_reconcile,
	.reap		= cwstat_live_reap,
};

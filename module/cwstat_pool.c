// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's free entries. The probe never allocates (on PREEMPT_RT not
 * even GFP_ATOMIC is allowed with preemption disabled), so entries come
 * from chunks allocated with GFP_KERNEL in process context: at load, by
 * cwstat_refill_work when fewer than CWSTAT_POOL_LOW are free, and by the
 * reconciliation, up to max_tracked entries in all.
 *
 * Lock order: a CPU's cache lock, then cwstat_pool_lock; never two cache
 * locks at once; both taken with interrupts off, inside a socket's
 * spinlock (the probe) or with none. cwstat_grow_mutex is never taken with
 * a socket lock held.
 */
#include <linux/cpu.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "cwstat.h"
#include "cwstat_pool.h"

/* Set at load, before cwstat_pool_init(), and constant from then on. */
unsigned int cwstat_max_tracked = 262144;

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

#ifdef DEBUG
/* Test builds only: every pool growth fails, as kvmalloc() may. */
static bool inject_grow_fault;
module_param_cb(inject_grow_fault, &cwstat_knob_bool_ops, &inject_grow_fault, 0644);
MODULE_PARM_DESC(inject_grow_fault,
		 "Test builds only: make every growth of the pool fail with -ENOMEM (default N)");

/*
 * Test builds only: the most other CPUs' caches one steal of free entries
 * looked at (selftests/slowpath.sh). Written racily by any CPU.
 */
static unsigned int steal_scan_max;
module_param(steal_scan_max, uint, 0444);
MODULE_PARM_DESC(steal_scan_max,
		 "Test builds only: the most other CPUs' caches one steal of free entries looked at");

static void cwstat_note_steal_scan(unsigned int looked)
{
	if (looked > READ_ONCE(steal_scan_max))
		WRITE_ONCE(steal_scan_max, looked);
}
#else
static const bool inject_grow_fault;

static inline void cwstat_note_steal_scan(unsigned int looked)
{
}
#endif

static void cwstat_refill_fn(struct work_struct *work);
static DECLARE_WORK(cwstat_refill_work, cwstat_refill_fn);

/*
 * Lock classes of their own, named, so that lockdep's statistics
 * (/proc/lock_stat, CONFIG_LOCK_STAT) show the caches' locks apart from
 * every other raw spinlock (selftests/lockstat.sh reads them).
 */
static struct lock_class_key cwstat_pcpu_pool_key;

/* Free entries, shared and cached: a hint, read without the locks. */
unsigned int cwstat_pool_free_count(void)
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
int cwstat_pool_grow(unsigned int want)
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

void cwstat_pool_destroy(void)
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
 * A steal looks at no more than CWSTAT_STEAL_SCAN other caches, each a
 * read of its count and, if it has entries, a round of its lock, with
 * interrupts off: at 256 CPUs at most 8 remote lines and 8 lock rounds,
 * where a scan of them all took up to 255 and 32. Each CPU's next steal
 * starts after the cache its previous one stopped at, so that successive
 * steals go round every CPU. What a steal does not reach it misses: the
 * socket is a counted miss (tracked_overflow), and the miss asks the room
 * work (cwstat_room_kick()) to sum every cache and queue a repair if the
 * entries are there; they are in other caches, at most
 * CWSTAT_PCPU_HIGH - 1 in each.
 */
#define CWSTAT_STEAL_SCAN	8
/* The cache this CPU's previous steal stopped at; its own CPU's only. */
static DEFINE_PER_CPU(int, cwstat_steal_next);

/*
 * Steal a batch for @pp (this CPU's cache, locked, interrupts off) from
 * other CPUs' caches, one at a time with @pp unlocked: never two cache
 * locks at once. Only when the shared list is empty: rare, near
 * max_tracked.
 */
static void cwstat_pool_steal(struct cwstat_pcpu_pool *pp)
	__must_hold(&pp->lock)
{
	int start = __this_cpu_read(cwstat_steal_next), cpu = start;
	unsigned int n = 0, looked = 0;
	HLIST_HEAD(got);

	raw_spin_unlock(&pp->lock);
	do {
		struct cwstat_pcpu_pool *v;

		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
		v = per_cpu_ptr(&cwstat_pcpu_pool, cpu);
		if (v == pp)
			continue;
		looked++;
		if (!READ_ONCE(v->nr))
			continue;
		raw_spin_lock(&v->lock);
		n += cwstat_pool_move(&v->free, &v->nr, &got,
				      CWSTAT_PCPU_BATCH - n);
		raw_spin_unlock(&v->lock);
	} while (n < CWSTAT_PCPU_BATCH && looked < CWSTAT_STEAL_SCAN &&
		 cpu != start);
	__this_cpu_write(cwstat_steal_next, cpu);
	cwstat_note_steal_scan(looked);
	raw_spin_lock(&pp->lock);
	WRITE_ONCE(pp->nr, pp->nr + cwstat_pool_move(&got, &n, &pp->free, n));
}

/*
 * A free entry, or NULL. Any context; never allocates. From this CPU's
 * cache, which takes a batch from the shared list when it is empty (and
 * asks for a refill when that runs low).
 */
struct cwstat_track *cwstat_pool_get(void)
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
void cwstat_pool_put(struct cwstat_track *t)
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

unsigned int cwstat_pool_entries(void)
{
	return READ_ONCE(cwstat_pool_nr);
}

/* The chunks' memory, for pool_bytes. */
u64 cwstat_pool_bytes(void)
{
	return (u64)READ_ONCE(cwstat_nr_chunks) * sizeof(struct cwstat_chunk);
}

/* Empty caches, and a first chunk or more of free entries. */
int cwstat_pool_init(void)
{
	int cpu, err;

	for_each_possible_cpu(cpu) {
		struct cwstat_pcpu_pool *pp = per_cpu_ptr(&cwstat_pcpu_pool, cpu);

		raw_spin_lock_init(&pp->lock);
		lockdep_set_class_and_name(&pp->lock, &cwstat_pcpu_pool_key,
					   "cwstat_pcpu_pool_lock");
		INIT_HLIST_HEAD(&pp->free);
		pp->nr = 0;
	}
	err = cwstat_pool_grow(CWSTAT_POOL_HIGH);
	if (err && err != -ENOSPC) {
		cwstat_pool_destroy();
		return err;
	}
	return 0;
}

/* After the last cwstat_pool_get(): no refill runs or is queued. */
void cwstat_pool_stop(void)
{
	cancel_work_sync(&cwstat_refill_work);
}

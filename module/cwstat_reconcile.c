// SPDX-License-Identifier: GPL-2.0
/*
 * Live mode's reconciliation: a walk of every established hash table that
 * makes the table agree with the sockets in CLOSE_WAIT. The seeding at
 * load is the first; a follow-up, repairs (for the probe's misses and the
 * sockets a held lock kept from us) and, if set, reconcile_period_s run
 * more. Documentation/modes.md, "The reconciliation loses nothing and
 * counts nothing twice", argues why.
 *
 * A reconciliation takes a socket only with bh_lock_sock(), as a softirq
 * does, and never waits for its owner (cwstat_examine()).
 * cwstat_reconcile_mutex is taken with no socket lock held.
 */
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cwstat.h"
#include "cwstat_examine.h"
#include "cwstat_reconcile.h"
#include "cwstat_sweep.h"
#include "cwstat_table.h"
#include "cwstat_window.h"

/* Set at load, before cwstat_reconcile_seed(), and constant from then on. */
unsigned int cwstat_reconcile_period_s;

/*
 * cwstat_reconcile_mutex serialises reconciliations (the seeding walk is
 * the first); each field below says how it is guarded. Its holder never
 * waits for a socket lock: it holds the mutex for one walk and the retry
 * pauses (CWSTAT_RETRY_TOTAL_MS, rounded up to jiffies), so a task that
 * takes it (a write to "reconcile") waits a bounded time, and unload,
 * which ends every pause at once (cwstat_pause()) and the walk before its
 * next bucket (cwstat_walk_stop()), one bucket's batch. The table's
 * cwstat_gen, cwstat_repair_delay and cwstat_capped are written under it
 * too.
 */
static DEFINE_MUTEX(cwstat_reconcile_mutex);
/*
 * True from the end of the seeding until unload begins: only then may a
 * reconciliation run. Under cwstat_reconcile_mutex.
 */
static bool cwstat_running;
/*
 * Set by cwstat_reconcile_quiesce(), as unload begins, before anything
 * waits for cwstat_reconcile_mutex; read with READ_ONCE() by the
 * reconciliation holding it, which then cuts its walk and retries short,
 * and by cwstat_reconcile(), which then starts none. Setting it wakes
 * cwstat_stop_wq, which ends any pause of cwstat_pause() at once.
 */
static bool cwstat_stopping;
static DECLARE_WAIT_QUEUE_HEAD(cwstat_stop_wq);
/*
 * Health of the newest reconciliation, for sysfs: the sockets in CLOSE_WAIT
 * without an entry that it could not examine because a process owned them
 * at every look (cwstat_retry_all()). Written under cwstat_reconcile_mutex,
 * read with READ_ONCE().
 */
static unsigned long cwstat_unresolved;
/*
 * False until the follow-up, a reconciliation at least
 * CWSTAT_FOLLOWUP_DELAY after the seeding, has walked every table: until
 * then a walk also takes sockets that may be entering CLOSE_WAIT with a
 * change begun before the probe was registered (case 1 of the
 * argument in Documentation/modes.md); from then on it takes only sockets in
 * CLOSE_WAIT. Under cwstat_reconcile_mutex.
 */
static bool cwstat_followed;
/*
 * The follow-up waits this long after the seeding: more than a second, by
 * when a change into CLOSE_WAIT that began before the probe's registration
 * has made its store, unless preemption held its task off the CPU that
 * long (case 7 of the argument in Documentation/modes.md).
 */
#define CWSTAT_FOLLOWUP_DELAY	(HZ + 1)

static atomic64_t cwstat_reconciles = ATOMIC64_INIT(0);
static atomic64_t cwstat_seeded = ATOMIC64_INIT(0);

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

/* Test builds only: the pool growths the newest reconciliation tried. */
static unsigned int grow_attempts;
module_param(grow_attempts, uint, 0444);
MODULE_PARM_DESC(grow_attempts,
		 "Test builds only: growths of the pool the newest reconciliation tried");

/* Test builds only: a window after the walk for a test to act in. */
static unsigned int reconcile_delay_ms;
module_param_cb(reconcile_delay_ms, &cwstat_delay_ms_ops, &reconcile_delay_ms, 0644);
MODULE_PARM_DESC(reconcile_delay_ms,
		 "Test builds only: a reconciliation pauses this long after its walk, 0-30000 ms (default 0)");
#else
static const unsigned int reconcile_delay_ms;
#endif

static void cwstat_period_fn(struct work_struct *work);
static void cwstat_followup_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(cwstat_followup_work, cwstat_followup_fn);
static DECLARE_DELAYED_WORK(cwstat_period_work, cwstat_period_fn);

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

static int cwstat_reconcile_batch(struct cwstat_batch *batch, void *arg)
{
	struct cwstat_reconcile *rc = arg;
	unsigned int i;
	int err = 0;

	cwstat_window(CWSTAT_WIN_PICK_EXAMINE);
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

/* The candidate walk's stop test: unload has begun. */
static bool cwstat_walk_stop(void)
{
	return READ_ONCE(cwstat_stopping);
}

/*
 * One reconciliation: walk every established hash table, examine each
 * candidate socket under its spinlock (cwstat_examine()), add an entry for
 * each in CLOSE_WAIT without one, look again at the owned ones a bounded
 * number of times, then remove the stale entries (cwstat_sweep()). The
 * candidates are the full sockets in CLOSE_WAIT, and until the follow-up
 * has run (cwstat_followed) those in ESTABLISHED or SYN_RECV too. Why
 * nothing is lost or counted twice: Documentation/modes.md.
 */
static int cwstat_reconcile_locked(enum cwstat_rc_why why)
{
	struct cwstat_reconcile rc = {};
	u64 pending, stale, repaired, drift, misses, end;
	bool capped;
	int err;

	lockdep_assert_held(&cwstat_reconcile_mutex);

	rc.gen = cwstat_gen + 1;
	rc.seeding = why == CWSTAT_RC_SEED;
	rc.wide = !cwstat_followed;
	WRITE_ONCE(cwstat_gen, rc.gen);
	cwstat_window(CWSTAT_WIN_GEN_PENDING);
	pending = atomic64_xchg(&cwstat_overflow_pending, 0);
	/* Misses from here on are ones the walk may not see. */
	misses = atomic64_read(&cwstat_overflows);

	/*
	 * Room for some insertions, so most need not allocate one by one,
	 * and for the retry list; without one, owned sockets are unresolved
	 * at once.
	 */
	if (!cwstat_pool_full()) {
		rc.grow_attempts++;
		rc.no_grow = cwstat_pool_grow(CWSTAT_POOL_HIGH) == -ENOMEM;
	}
	rc.retry = kvmalloc_array(CWSTAT_RETRY_MAX, sizeof(*rc.retry),
				  GFP_KERNEL);
	if (rc.retry)
		rc.retry_size = CWSTAT_RETRY_MAX;
	err = cwstat_walk_candidates(cwstat_reconcile_batch, &rc, rc.wide,
				     cwstat_walk_stop);
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

	stale = cwstat_sweep(rc.gen);

	/* Still missed: a later repair will meet them again. */
	atomic64_add(rc.untracked + rc.unresolved, &cwstat_overflow_pending);
	WRITE_ONCE(cwstat_unresolved, rc.unresolved);
	if (why == CWSTAT_RC_FOLLOWUP)
		cwstat_followed = true;
	/*
	 * A miss at the cap while we ran (in the walk behind us, in a pause)
	 * set capped; it names a socket we may not have seen: keep it set.
	 */
	end = atomic64_read(&cwstat_overflows);
	misses = end - misses;
	capped = (rc.untracked || misses) && cwstat_pool_full();
	cwstat_window(CWSTAT_WIN_CAPPED_WRITE);
	WRITE_ONCE(cwstat_capped, capped);
	/*
	 * A miss after our read may have found capped still set and left it:
	 * look again once our write is visible (pairs with cwstat_overflow()).
	 */
	smp_mb();
	if (!capped && atomic64_read(&cwstat_overflows) != end &&
	    cwstat_pool_full())
		WRITE_ONCE(cwstat_capped, true);

	/*
	 * A miss made while we ran may be a socket the walk then found and
	 * tracked, an entry having been freed meanwhile: no drift either.
	 */
	pending += misses;
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
int cwstat_reconcile_asked(void)
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

static void cwstat_repair_fn(struct work_struct *work)
{
	cwstat_reconcile(CWSTAT_RC_REPAIR);
}

/* The follow-up; until one has walked every table, try again. */
static void cwstat_followup_fn(struct work_struct *work)
{
	int err;

	cwstat_window(CWSTAT_WIN_SEED_FOLLOWUP);
	err = cwstat_reconcile(CWSTAT_RC_FOLLOWUP);

	if (err && err != -ENODEV && !READ_ONCE(cwstat_stopping))
		queue_delayed_work(system_unbound_wq, &cwstat_followup_work,
				   CWSTAT_FOLLOWUP_DELAY);
}

/* Before the probe is attached: the repairs it asks for run here. */
void cwstat_reconcile_init(void)
{
	INIT_DELAYED_WORK(&cwstat_repair_work, cwstat_repair_fn);
}

/* Track the sockets already in CLOSE_WAIT; see cwstat_reconcile_locked(). */
int cwstat_reconcile_seed(void)
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
void cwstat_reconcile_quiesce(void)
{
	WRITE_ONCE(cwstat_stopping, true);
	wake_up_all(&cwstat_stop_wq);
}

/*
 * No reconciliation runs from now on. The wait for the mutex is bounded:
 * its holder never waits for a socket lock.
 */
void cwstat_reconcile_stop(void)
{
	cwstat_reconcile_quiesce();
	mutex_lock(&cwstat_reconcile_mutex);
	cwstat_running = false;
	mutex_unlock(&cwstat_reconcile_mutex);
}

/* Once the probe is detached, so that nothing queues a repair any more. */
void cwstat_reconcile_cancel(void)
{
	cancel_delayed_work_sync(&cwstat_followup_work);
	cancel_delayed_work_sync(&cwstat_period_work);
	cancel_delayed_work_sync(&cwstat_repair_work);
}

u64 cwstat_reconcile_count(void)
{
	return atomic64_read(&cwstat_reconciles);
}

u64 cwstat_reconcile_seeded(void)
{
	return atomic64_read(&cwstat_seeded);
}

unsigned long cwstat_reconcile_unresolved(void)
{
	return READ_ONCE(cwstat_unresolved);
}

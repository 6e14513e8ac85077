// SPDX-License-Identifier: GPL-2.0
/*
 * The walk: every TCP established hash table, once, summed into rows by
 * (netns, cgroup).
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/prefetch.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/timekeeping.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "cwstat.h"
#include "cwstat_window.h"

/*
 * A bound on distinct (netns, cgroup) rows, so that a host with an absurd
 * number of cgroups makes a read fail instead of exhausting memory.
 */
#define CWSTAT_AGG_MAX_SIZE	SZ_1M
#define CWSTAT_AGG_MIN_SIZE	64U

/* Slots filled beyond this share of the table make probing slow. */
static unsigned int cwstat_agg_capacity(unsigned int size)
{
	return size / 4 * 3;
}

/* Rows that can still be added without cwstat_agg_reserve(). */
unsigned int cwstat_agg_room(const struct cwstat_agg *agg)
{
	return agg->size ? cwstat_agg_capacity(agg->size) - agg->used : 0;
}

static unsigned int cwstat_agg_hash(u64 net_cookie, u64 cgroup_id,
				    unsigned int size)
{
	return hash_64((net_cookie << 32) ^ (net_cookie >> 32) ^ cgroup_id,
		       ilog2(size));
}

static struct cwstat_row *cwstat_agg_slot(struct cwstat_agg *agg,
					  u64 net_cookie, u64 cgroup_id)
{
	unsigned int mask = agg->size - 1;
	unsigned int i = cwstat_agg_hash(net_cookie, cgroup_id, agg->size);

	for (;; i = (i + 1) & mask) {
		struct cwstat_row *row = &agg->slots[i];

		if (!row->ns || (row->net_cookie == net_cookie &&
				 row->cgroup_id == cgroup_id))
			return row;
	}
}

/*
 * Make sure @more rows can be added without allocating. Called outside any
 * spinlock: it may sleep.
 */
int cwstat_agg_reserve(struct cwstat_agg *agg, unsigned int more)
{
	struct cwstat_agg bigger = {};
	unsigned int i, want;

	if (agg->size &&
	    more <= cwstat_agg_capacity(agg->size) - agg->used)
		return 0;

	want = max(CWSTAT_AGG_MIN_SIZE, agg->size);
	while (cwstat_agg_capacity(want) - agg->used < more) {
		if (want >= CWSTAT_AGG_MAX_SIZE) {
			pr_warn_ratelimited("more than %u (netns, cgroup) rows: read refused\n",
					    cwstat_agg_capacity(want));
			return -ENOMEM;
		}
		want *= 2;
	}

	bigger.slots = kvcalloc(want, sizeof(*bigger.slots), GFP_KERNEL);
	if (!bigger.slots)
		return -ENOMEM;
	bigger.size = want;
	bigger.used = agg->used;

	for (i = 0; i < agg->size; i++) {
		struct cwstat_row *row = &agg->slots[i];

		if (row->ns)
			*cwstat_agg_slot(&bigger, row->net_cookie,
					 row->cgroup_id) = *row;
	}
	kvfree(agg->slots);
	*agg = bigger;
	return 0;
}

/* The row for (@net_cookie, @cgroup_id), or NULL. */
struct cwstat_row *cwstat_agg_find(struct cwstat_agg *agg, u64 net_cookie,
				   u64 cgroup_id)
{
	struct cwstat_row *row = cwstat_agg_slot(agg, net_cookie, cgroup_id);

	return row->ns ? row : NULL;
}

/*
 * Find the row for (@net_cookie, @cgroup_id), adding it, with the inode
 * number @ns to print, if it is new. Adding takes a reference on @cgrp, so
 * the row can name the cgroup after the socket that pinned it is gone. The
 * caller has reserved room, so this never fails and never allocates: it
 * runs under an ehash bucket lock.
 */
struct cwstat_row *cwstat_agg_find_or_add(struct cwstat_agg *agg,
					  unsigned int ns, u64 net_cookie,
					  u64 cgroup_id, struct cgroup *cgrp)
{
	struct cwstat_row *row = cwstat_agg_slot(agg, net_cookie, cgroup_id);

	if (!row->ns) {
		if (WARN_ON_ONCE(agg->used >= cwstat_agg_capacity(agg->size)))
			return NULL;
		row->ns = ns;
		row->net_cookie = net_cookie;
		row->cgroup_id = cgroup_id;
		if (cgrp) {
			cgroup_get(cgrp);
			row->cgrp = cgrp;
		}
		agg->used++;
	}
	return row;
}

void cwstat_agg_destroy(struct cwstat_agg *agg)
{
	unsigned int i;

	for (i = 0; i < agg->size; i++)
		if (agg->slots[i].cgrp)
			cgroup_put(agg->slots[i].cgrp);
	kvfree(agg->slots);
	*agg = (struct cwstat_agg){};
}

/*
 * The counts of one CLOSE_WAIT socket, read once, so that the netns row and
 * the cgroup row it is added to agree even while its queue changes. The
 * caller makes sure the socket cannot be freed meanwhile: an ehash bucket
 * lock (the walk), or the live table's group lock (cwstat_table_read.c).
 */
void cwstat_count_close_wait(struct cwstat_counts *cw, const struct sock *sk,
			     u32 now)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	/*
	 * rcv_tstamp is 32-bit jiffies: an age up to 2^32 ticks (198 days at
	 * HZ=250) is exact, and then it wraps. Not s32, which would lose the
	 * oldest leaks, past 2^31 ticks (99 days), to 0.
	 */
	u32 idle = now - READ_ONCE(tp->rcv_tstamp);

	*cw = (struct cwstat_counts){ .close_wait = 1 };
	/* Read without the socket lock, as tcp_diag_get_info() does. */
	cw->recvq_bytes = cwstat_close_wait_payload(READ_ONCE(tp->rcv_nxt),
						    READ_ONCE(tp->copied_seq));
	cw->rmem_bytes = sk_rmem_alloc_get(sk);
	/*
	 * A segment that arrived after @now was read is no idle time: such a
	 * stamp is a few ticks ahead, which reads as an age within a second
	 * of 2^32 ticks, where the count wraps anyway.
	 */
	if (idle < U32_MAX - HZ)
		cw->oldest_idle = idle;
}

/* Add @cw to @sum: counts add up, the oldest is the oldest of both. */
void cwstat_counts_add(struct cwstat_counts *sum,
		       const struct cwstat_counts *cw)
{
	unsigned int i;

	sum->close_wait += cw->close_wait;
	sum->recvq_bytes += cw->recvq_bytes;
	sum->rmem_bytes += cw->rmem_bytes;
	sum->oldest_idle = max(sum->oldest_idle, cw->oldest_idle);
	sum->oldest_age_ns = max(sum->oldest_age_ns, cw->oldest_age_ns);
	for (i = 0; i < CWSTAT_AGE_BUCKETS; i++)
		sum->age_hist[i] += cw->age_hist[i];
}

#ifdef DEBUG
/*
 * Test knobs are root on the host's only, as every other writable
 * parameter: their 0644 alone would let any uid 0 through, a
 * capability-less one or root of a child user namespace included
 * (selftests/privilege.sh tries each). Here, in the lowest layer, for
 * every file's knobs.
 */
static int cwstat_knob_set_bool(const char *val, const struct kernel_param *kp)
{
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	return param_set_bool(val, kp);
}

const struct kernel_param_ops cwstat_knob_bool_ops = {
	.set = cwstat_knob_set_bool,
	.get = param_get_bool,
};

/*
 * Test builds only: walk_prefetch=0 leaves the walk's prefetch out, so that
 * the benchmark can compare the two in one boot (scripts/bench/run
 * --walk-ab). Read once per chain; a change takes effect at the next one.
 */
static bool walk_prefetch = true;
module_param_cb(walk_prefetch, &cwstat_knob_bool_ops, &walk_prefetch, 0644);
MODULE_PARM_DESC(walk_prefetch,
		 "Test builds only: prefetch each chain entry's first cache line in the walk (default Y)");

static bool cwstat_walk_prefetch(void)
{
	return READ_ONCE(walk_prefetch);
}
#else
/* A constant, so that the release build has no test per chain. */
static inline bool cwstat_walk_prefetch(void)
{
	return true;
}
#endif

/*
 * How many entries of a locked bucket's chain @pick says yes to, or all
 * with NULL.
 *
 * With @prefetch_entries, each entry's first cache line, which holds the
 * state and the netns that cwstat_bucket_sum() reads next, is prefetched
 * as soon as the entry's address is known: the chain's link
 * (skc_nulls_node) is in the second line of struct sock_common, so this
 * loop chases misses on that line, and the first lines' can start beside
 * it. Whether that pays is not shown: it costs one instruction a socket
 * (icount), TCG makes a prefetch a no-op, and the kernel dropped the
 * prefetch from its list iterators (e66eed651fd1) as more often a loss,
 * with chains of about one entry. Documentation/benchmark.md has the
 * measurements; walk_prefetch=0 (test builds) leaves it out. The body runs
 * for real entries only, never for the end marker. The candidates' walk
 * passes false: its @pick reads that line at once.
 */
static unsigned int cwstat_bucket_entries(spinlock_t *lock,
					  struct inet_ehash_bucket *head,
					  bool (*pick)(const struct sock *sk),
					  bool prefetch_entries)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	unsigned int n = 0;

	lockdep_assert_held(lock);
	sk_nulls_for_each(sk, node, &head->chain) {
		if (prefetch_entries)
			prefetch(sk);
		n += !pick || pick(sk);
	}
	return n;
}

/*
 * Sum one locked bucket's chain into @agg. The chain holds full sockets,
 * TIME_WAIT and NEW_SYN_RECV minisocks alike, and the two minisocks share
 * only struct sock_common with a full socket: read nothing else until the
 * state says the entry is a full socket in CLOSE_WAIT. Each entry can add
 * two rows (its netns and its cgroup), which the caller reserved.
 */
static void cwstat_bucket_sum(struct cwstat_agg *agg, spinlock_t *lock,
			      struct inet_ehash_bucket *head)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	u32 now = tcp_jiffies32;

	lockdep_assert_held(lock);

	sk_nulls_for_each(sk, node, &head->chain) {
		const struct net *net = sock_net(sk);
		u64 cookie = cwstat_net_cookie(net);
		unsigned int ns = net->ns.inum;
		struct cwstat_row *netns_row, *cg_row;
		struct cwstat_counts one;
		struct cgroup *cgrp;

		netns_row = cwstat_agg_find_or_add(agg, ns, cookie, 0, NULL);
		if (!netns_row)
			return;
		netns_row->sockets++;

		if (READ_ONCE(sk->sk_state) != TCP_CLOSE_WAIT ||
		    !sk_fullsock(sk))
			continue;

		cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
		cg_row = cwstat_agg_find_or_add(agg, ns, cookie,
						cgroup_id(cgrp), cgrp);
		if (!cg_row)
			return;
		cwstat_count_close_wait(&one, sk, now);
		cwstat_counts_add(&netns_row->cw, &one);
		cwstat_counts_add(&cg_row->cw, &one);
	}
}

/*
 * Locking: as the kernel's own dumpers (established_get_first(),
 * inet_diag_dump_icsk()), each bucket is read under its spin_lock_bh(). TCP
 * sockets are SLAB_TYPESAFE_BY_RCU, so a lockless RCU walk could meet an
 * object freed and reused mid-walk and would need the nulls-restart dance,
 * which can count a socket twice across a restart; under the bucket lock
 * the chain cannot change. The lock is held for one chain at a time, with
 * cond_resched() between buckets.
 *
 * Nothing is allocated under the lock. Under it, the chain is measured
 * first; if the table lacks room for two new rows per entry, the lock is
 * dropped, room is made, and the bucket is read again from its start.
 * Nothing of it was counted yet, so the retry cannot count twice.
 *
 * An empty bucket is skipped without the lock, as established_get_first()
 * does: a socket hashed into it just after the check is one a slightly
 * earlier walk would have missed.
 */
static int cwstat_walk_table(struct cwstat_agg *agg,
			     struct inet_hashinfo *hinfo,
			     struct cwstat_walk_stats *stats)
{
	unsigned int bucket;
	int err;

	for (bucket = 0; bucket <= hinfo->ehash_mask; bucket++) {
		struct inet_ehash_bucket *head = &hinfo->ehash[bucket];
		spinlock_t *lock = inet_ehash_lockp(hinfo, bucket);
		unsigned int len;

		/* Cheap when nothing waits; big tables are mostly empty. */
		cond_resched();
		if (hlist_nulls_empty(&head->chain))
			continue;
retry:
		spin_lock_bh(lock);
		len = cwstat_bucket_entries(lock, head, NULL,
					    cwstat_walk_prefetch());
		if (unlikely(2 * len > cwstat_agg_room(agg))) {
			spin_unlock_bh(lock);
			err = cwstat_agg_reserve(agg, 2 * len);
			if (err)
				return err;
			goto retry;
		}
		cwstat_bucket_sum(agg, lock, head);
		stats->sockets += len;
		spin_unlock_bh(lock);
	}
	stats->buckets += hinfo->ehash_mask + 1;
	stats->tables++;
	return 0;
}

/*
 * The private tables of all netns, each with a reference on its netns: a
 * table is freed only when its netns is dismantled, which the reference
 * holds off. A netns already on its way out (maybe_get_net() fails) is
 * skipped; its sockets are being destroyed. net_rwsem keeps the list still
 * while it is read, and is dropped before the walk, so that a long walk
 * never holds up netns creation or teardown.
 */
static int cwstat_private_tables(struct inet_hashinfo *shared,
				 struct net ***nets, unsigned int *nr)
{
	unsigned int n = 0, size = 0;
	struct net **list = NULL;
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net)
		if (cwstat_net_ehash(net) != shared)
			size++;
	if (size) {
		list = kvmalloc_array(size, sizeof(*list), GFP_KERNEL);
		if (!list) {
			up_read(&net_rwsem);
			return -ENOMEM;
		}
	}
	for_each_net(net)
		if (cwstat_net_ehash(net) != shared && maybe_get_net(net))
			list[n++] = net;
	up_read(&net_rwsem);

	*nets = list;
	*nr = n;
	return 0;
}

/*
 * Call @fn on every established hash table once: init_net's, which every
 * netns without a private table shares, then each private one. Stops at the
 * first error.
 */
typedef int (*cwstat_table_fn)(struct inet_hashinfo *hinfo, void *arg);

static int cwstat_visit_tables(cwstat_table_fn fn, void *arg)
{
	struct inet_hashinfo *shared = cwstat_net_ehash(&init_net);
	unsigned int i, nr;
	struct net **nets;
	int err;

	err = cwstat_private_tables(shared, &nets, &nr);
	if (err)
		return err;

	err = fn(shared, arg);
	for (i = 0; i < nr; i++) {
		if (!err)
			err = fn(cwstat_net_ehash(nets[i]), arg);
		put_net(nets[i]);
	}
	kvfree(nets);
	return err;
}

struct cwstat_walk_arg {
	struct cwstat_agg *agg;
	struct cwstat_walk_stats *stats;
};

static int cwstat_walk_one(struct inet_hashinfo *hinfo, void *arg)
{
	struct cwstat_walk_arg *wa = arg;

	return cwstat_walk_table(wa->agg, hinfo, wa->stats);
}

/* Count every established hash table into @agg. */
int cwstat_walk(struct cwstat_agg *agg, struct cwstat_walk_stats *stats)
{
	struct cwstat_walk_arg wa = { .agg = agg, .stats = stats };
	u64 start = ktime_get_ns();
	int err;

	err = cwstat_agg_reserve(agg, 0);
	if (!err)
		err = cwstat_visit_tables(cwstat_walk_one, &wa);
	stats->duration_ns = ktime_get_ns() - start;
	return err;
}

/*
 * A full socket that is in CLOSE_WAIT or may be about to enter it: an entry
 * that a reconciliation (cwstat_examine()) must look at under the socket
 * lock, until its follow-up. The two states a socket enters CLOSE_WAIT
 * from are included because the state read here, under the bucket lock but
 * not the socket lock, may be one whose change began before the probe was
 * registered (see cwstat_reconcile_locked()).
 */
static bool cwstat_candidate_wide(const struct sock *sk)
{
	switch (READ_ONCE(sk->sk_state)) {
	case TCP_CLOSE_WAIT:
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		return sk_fullsock(sk);
	default:
		return false;
	}
}

/* A full socket in CLOSE_WAIT: a candidate after the follow-up. */
static bool cwstat_candidate(const struct sock *sk)
{
	return READ_ONCE(sk->sk_state) == TCP_CLOSE_WAIT && sk_fullsock(sk);
}

static int cwstat_batch_grow(struct cwstat_batch *batch, unsigned int want)
{
	struct sock **socks;

	want = roundup_pow_of_two(max(want, 16U));
	socks = kvmalloc_array(want, sizeof(*socks), GFP_KERNEL);
	if (!socks)
		return -ENOMEM;
	kvfree(batch->socks);
	batch->socks = socks;
	batch->size = want;
	return 0;
}

/*
 * Test builds only: buckets whose second pass met more candidates than the
 * batch held, and were taken again (selftests/walkrace.sh). Written under
 * cwstat_reconcile_mutex (the only caller's), read racily.
 */
#ifdef DEBUG
static unsigned int walk_overruns;
module_param(walk_overruns, uint, 0444);
MODULE_PARM_DESC(walk_overruns,
		 "Test builds only: buckets the candidate walk took again because candidates arrived between its passes");

static void cwstat_note_overrun(void)
{
	WRITE_ONCE(walk_overruns, walk_overruns + 1);
}
#else
static inline void cwstat_note_overrun(void)
{
}
#endif

struct cwstat_candidates_arg {
	/*
	 * batch.nr <= batch.size, always: the pick pass stores no more
	 * (cwstat_chain_take()). A socket can become a candidate after the
	 * count pass sized the batch, since its state changes under its own
	 * lock, not the bucket's: tcp_fin() moving it to CLOSE_WAIT on
	 * another CPU, a handshake completing into ESTABLISHED in a wide
	 * walk. Such a late arrival changed state after the walk began,
	 * which the probe saw; but a bound alone cannot tell it from a
	 * candidate of the count pass, which may be a socket the walk exists
	 * to find (in CLOSE_WAIT without an entry). So a bucket with
	 * candidates left over is taken again, sized for its whole chain.
	 */
	struct cwstat_batch batch;
	int (*fn)(struct cwstat_batch *batch, void *arg);
	void *arg;
	bool (*pick)(const struct sock *sk);
};

/*
 * Take the entries of a locked chain for which @pick says yes into @batch,
 * each with a reference (the chain holds one, so it cannot be zero, but
 * refcount_inc_not_zero() costs nothing more), never more than its size.
 * The number of candidates left out: 0 unless some arrived after the batch
 * was sized.
 */
static unsigned int cwstat_chain_take(struct cwstat_batch *batch,
				      spinlock_t *lock,
				      struct inet_ehash_bucket *head,
				      bool (*pick)(const struct sock *sk))
{
	struct hlist_nulls_node *node;
	unsigned int over = 0;
	struct sock *sk;

	lockdep_assert_held(lock);
	batch->nr = 0;
	sk_nulls_for_each(sk, node, &head->chain) {
		if (!pick(sk))
			continue;
		if (unlikely(batch->nr == batch->size))
			over++;
		else if (refcount_inc_not_zero(&sk->sk_refcnt))
			batch->socks[batch->nr++] = sk;
	}
	return over;
}

/* Drop the references of a batch taken in part. Process context. */
static void cwstat_batch_put(struct cwstat_batch *batch)
{
	unsigned int i;

	for (i = 0; i < batch->nr; i++)
		sock_put(batch->socks[i]);
	batch->nr = 0;
}

/*
 * One table's candidates, a bucket at a time: taken under the bucket lock,
 * and handed to the callback once the lock is dropped, where it may sleep
 * and take socket locks. The batch array is sized before the lock is
 * taken, as the walk sizes its rows: by the candidates a first pass
 * counts, or, for a bucket whose second pass found more than that (see
 * struct cwstat_candidates_arg), by the entries of its chain, which
 * cannot change while the lock is held: so a bucket is taken at most
 * twice, and nothing of it was handed on before the second time.
 */
static int cwstat_candidates_table(struct inet_hashinfo *hinfo, void *arg)
{
	struct cwstat_candidates_arg *ca = arg;
	struct cwstat_batch *batch = &ca->batch;
	unsigned int bucket;
	int err;

	for (bucket = 0; bucket <= hinfo->ehash_mask; bucket++) {
		struct inet_ehash_bucket *head = &hinfo->ehash[bucket];
		spinlock_t *lock = inet_ehash_lockp(hinfo, bucket);
		bool whole = false;
		unsigned int n;

		cond_resched();
		if (hlist_nulls_empty(&head->chain))
			continue;
retry:
		spin_lock_bh(lock);
		n = cwstat_bucket_entries(lock, head, whole ? NULL : ca->pick,
					  false);
		if (unlikely(n > batch->size)) {
			spin_unlock_bh(lock);
			err = cwstat_batch_grow(batch, n);
			if (err)
				return err;
			goto retry;
		}
		cwstat_window(CWSTAT_WIN_WALK_PASSES);
		n = cwstat_chain_take(batch, lock, head, ca->pick);
		spin_unlock_bh(lock);
		if (unlikely(n) && !WARN_ON_ONCE(whole)) {
			cwstat_batch_put(batch);
			cwstat_note_overrun();
			whole = true;
			goto retry;
		}

		if (batch->nr) {
			err = ca->fn(batch, ca->arg);
			batch->nr = 0;
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Hand every full socket of every established hash table that is in
 * CLOSE_WAIT, or with @wide also in ESTABLISHED or SYN_RECV, to @fn, a
 * bucket's worth at a time, each with a reference that @fn must drop
 * (sock_put()), error or not.
 */
int cwstat_walk_candidates(int (*fn)(struct cwstat_batch *batch, void *arg),
			   void *arg, bool wide)
{
	struct cwstat_candidates_arg ca = {
		.fn = fn, .arg = arg,
		.pick = wide ? cwstat_candidate_wide : cwstat_candidate,
	};
	int err;

	err = cwstat_visit_tables(cwstat_candidates_table, &ca);
	kvfree(ca.batch.socks);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The walk: every TCP established hash table, once, summed into rows by
 * (netns, cgroup).
 */
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
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

static unsigned int cwstat_agg_hash(unsigned int ns, u64 cgroup_id,
				    unsigned int size)
{
	return hash_64(((u64)ns << 32) ^ cgroup_id, ilog2(size));
}

static struct cwstat_row *cwstat_agg_slot(struct cwstat_agg *agg,
					  unsigned int ns, u64 cgroup_id)
{
	unsigned int mask = agg->size - 1;
	unsigned int i = cwstat_agg_hash(ns, cgroup_id, agg->size);

	for (;; i = (i + 1) & mask) {
		struct cwstat_row *row = &agg->slots[i];

		if (!row->ns || (row->ns == ns && row->cgroup_id == cgroup_id))
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
			*cwstat_agg_slot(&bigger, row->ns, row->cgroup_id) = *row;
	}
	kvfree(agg->slots);
	*agg = bigger;
	return 0;
}

/* The row for (@ns, @cgroup_id), or NULL. */
struct cwstat_row *cwstat_agg_find(struct cwstat_agg *agg, unsigned int ns,
				   u64 cgroup_id)
{
	struct cwstat_row *row = cwstat_agg_slot(agg, ns, cgroup_id);

	return row->ns ? row : NULL;
}

/*
 * Find the row for (@ns, @cgroup_id), adding it if it is new. Adding takes a
 * reference on @cgrp, so the row can name the cgroup after the socket that
 * pinned it is gone. The caller has reserved room, so this never fails and
 * never allocates: it runs under an ehash bucket lock.
 */
struct cwstat_row *cwstat_agg_find_or_add(struct cwstat_agg *agg,
					  unsigned int ns, u64 cgroup_id,
					  struct cgroup *cgrp)
{
	struct cwstat_row *row = cwstat_agg_slot(agg, ns, cgroup_id);

	if (!row->ns) {
		if (WARN_ON_ONCE(agg->used >= cwstat_agg_capacity(agg->size)))
			return NULL;
		row->ns = ns;
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

static void cwstat_count_close_wait(struct cwstat_counts *cw,
				    const struct sock *sk, u32 now)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	s32 idle = now - READ_ONCE(tp->rcv_tstamp);

	cw->close_wait++;
	/* Read without the socket lock, as tcp_diag_get_info() does. */
	cw->recvq_bytes += cwstat_close_wait_payload(READ_ONCE(tp->rcv_nxt),
						     READ_ONCE(tp->copied_seq));
	cw->rmem_bytes += sk_rmem_alloc_get(sk);
	/* A segment that arrived after @now was read is no idle time. */
	if (idle > 0)
		cw->oldest_idle = max_t(u32, cw->oldest_idle, idle);
}

static unsigned int cwstat_chain_length(spinlock_t *lock,
					struct inet_ehash_bucket *head)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	unsigned int n = 0;

	lockdep_assert_held(lock);
	sk_nulls_for_each(sk, node, &head->chain)
		n++;
	return n;
}

/*
 * Sum one bucket's chain. The chain holds full sockets, TIME_WAIT and
 * NEW_SYN_RECV minisocks alike, and the two minisocks share only struct
 * sock_common with a full socket: read nothing else until the state says
 * the entry is a full socket in CLOSE_WAIT. Each entry can add two rows
 * (its netns and its cgroup), which the caller reserved.
 */
static void cwstat_count_chain(struct cwstat_agg *agg, spinlock_t *lock,
			       struct inet_ehash_bucket *head)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	u32 now = tcp_jiffies32;

	lockdep_assert_held(lock);

	sk_nulls_for_each(sk, node, &head->chain) {
		unsigned int ns = sock_net(sk)->ns.inum;
		struct cwstat_row *netns_row, *cg_row;
		struct cgroup *cgrp;

		netns_row = cwstat_agg_find_or_add(agg, ns, 0, NULL);
		if (!netns_row)
			return;
		netns_row->sockets++;

		if (READ_ONCE(sk->sk_state) != TCP_CLOSE_WAIT ||
		    !sk_fullsock(sk))
			continue;

		cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
		cg_row = cwstat_agg_find_or_add(agg, ns, cgroup_id(cgrp), cgrp);
		if (!cg_row)
			return;
		cwstat_count_close_wait(&netns_row->cw, sk, now);
		cwstat_count_close_wait(&cg_row->cw, sk, now);
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
		len = cwstat_chain_length(lock, head);
		if (unlikely(2 * len > cwstat_agg_capacity(agg->size) -
				       agg->used)) {
			spin_unlock_bh(lock);
			err = cwstat_agg_reserve(agg, 2 * len);
			if (err)
				return err;
			goto retry;
		}
		cwstat_count_chain(agg, lock, head);
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
 * Walk every established hash table once: init_net's, which every netns
 * without a private table shares, then each private one.
 */
int cwstat_walk(struct cwstat_agg *agg, struct cwstat_walk_stats *stats)
{
	struct inet_hashinfo *shared = cwstat_net_ehash(&init_net);
	u64 start = ktime_get_ns();
	unsigned int i, nr;
	struct net **nets;
	int err;

	err = cwstat_agg_reserve(agg, 0);
	if (err)
		return err;
	err = cwstat_private_tables(shared, &nets, &nr);
	if (err)
		return err;

	err = cwstat_walk_table(agg, shared, stats);
	for (i = 0; i < nr; i++) {
		if (!err)
			err = cwstat_walk_table(agg, cwstat_net_ehash(nets[i]),
						stats);
		put_net(nets[i]);
	}
	kvfree(nets);

	stats->duration_ns = ktime_get_ns() - start;
	return err;
}

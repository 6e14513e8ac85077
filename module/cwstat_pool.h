/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live source's free entries (cwstat_pool.c), the lowest of its parts:
 * the table, the reconciliation and the reaper take entries from here.
 */
#ifndef CWSTAT_POOL_H
#define CWSTAT_POOL_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/types.h>

struct cgroup;
struct sock;

/*
 * One socket in CLOSE_WAIT. Every field but gen is written before the
 * entry is linked into a chain and not changed while it is linked; gen
 * changes under the chain's group lock.
 */
struct cwstat_track {
	struct hlist_node node;		/* in its chain, or in the free pool */
	const struct sock *sk;
	struct cgroup *cgrp;		/* the socket's; the socket pins it */
	u64 entered_ns;			/* boottime at which it entered CLOSE_WAIT */
	unsigned int ns;		/* inode number of its netns */
	unsigned int gen;		/* the newest reconciliation that saw it */
};

/*
 * Entries come in chunks of two pages; CWSTAT_POOL_HIGH of them are kept
 * free ahead of the probe (cwstat_pool.c).
 */
#define CWSTAT_CHUNK_BYTES	(2 * PAGE_SIZE)
#define CWSTAT_CHUNK		((CWSTAT_CHUNK_BYTES - sizeof(struct list_head)) / \
				 sizeof(struct cwstat_track))
#define CWSTAT_POOL_LOW		(2 * CWSTAT_CHUNK)
#define CWSTAT_POOL_HIGH	(6 * CWSTAT_CHUNK)

int cwstat_pool_init(void);
void cwstat_pool_stop(void);
void cwstat_pool_destroy(void);
int cwstat_pool_grow(unsigned int want);
struct cwstat_track *cwstat_pool_get(void);
void cwstat_pool_put(struct cwstat_track *t);
unsigned int cwstat_pool_free_count(void);
unsigned int cwstat_pool_entries(void);
u64 cwstat_pool_bytes(void);

/* max_tracked entries exist: growing cannot help. A lockless hint. */
static inline bool cwstat_pool_full(void)
{
	return cwstat_pool_entries() >= cwstat_max_tracked;
}

#endif /* CWSTAT_POOL_H */

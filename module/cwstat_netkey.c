// SPDX-License-Identifier: GPL-2.0
/*
 * A key for each netns that no other netns ever has, for kernels without
 * net->net_cookie set at netns setup (before 5.12, commit 3d368ab87cf6
 * "net: initialize net->net_cookie at netns setup"). compat.h's
 * cwstat_net_cookie() reads it there.
 *
 * Rows are told apart, and readers scoped, by this key rather than by the
 * netns's inode number, which proc_alloc_inum() hands to the next netns
 * made once the old one is gone: a container must never be served a dead
 * netns's cached rows under its own number.
 *
 * The key is a number from this module's own sequence, given to each
 * netns by the netns core through pernet_operations: to every netns that
 * exists when the module registers, and to each new one before it is
 * visible. It is never written again, and the sequence never goes back
 * while the module is loaded, which outlives every row and cache it keys.
 * Taking a number is a netns creation's cost, not a socket's.
 */
#include <linux/atomic.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "cwstat.h"

#ifndef HAVE_NET_COOKIE
unsigned int cwstat_netkey_id;

/* The last number given; only netns creation takes from it. */
static atomic64_t cwstat_netkey_seq = ATOMIC64_INIT(0);

static int __net_init cwstat_netkey_net_init(struct net *net)
{
	struct cwstat_netkey *key = net_generic(net, cwstat_netkey_id);

	key->seq = atomic64_inc_return(&cwstat_netkey_seq);
	return 0;
}

/* .size: the netns core allocates and frees each struct cwstat_netkey. */
static struct pernet_operations cwstat_netkey_ops = {
	.init = cwstat_netkey_net_init,
	.id = &cwstat_netkey_id,
	.size = sizeof(struct cwstat_netkey),
};

int cwstat_netkey_init(void)
{
	return register_pernet_subsys(&cwstat_netkey_ops);
}

void cwstat_netkey_exit(void)
{
	unregister_pernet_subsys(&cwstat_netkey_ops);
}
#else
/* net->net_cookie is the key: nothing to keep. */
int cwstat_netkey_init(void)
{
	return 0;
}

void cwstat_netkey_exit(void)
{
}
#endif

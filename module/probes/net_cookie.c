// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 5.12, commit 3d368ab87cf6 ("net: initialize net->net_cookie at
 * netns setup"): every netns has a 64-bit cookie, set once when it is made
 * and never reused, in a plain u64. Before it, net_cookie was an atomic64_t
 * filled in lazily by __net_gen_cookie(), 0 until someone asked.
 */
#include <net/net_namespace.h>

u64 cwstat_probe(const struct net *net);
u64 cwstat_probe(const struct net *net)
{
	return net->net_cookie;
}

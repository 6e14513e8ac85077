// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 6.1, commit d1e5e6408b30 ("tcp: Introduce optional per-netns
 * ehash."): each netns reaches its established hash through
 * net->ipv4.tcp_death_row.hashinfo, which may be private to the netns.
 * Linux 6.2 also stopped exporting tcp_hashinfo, so this is the only way in.
 */
#include <net/net_namespace.h>
#include <net/inet_hashtables.h>

struct inet_hashinfo *cwstat_probe(struct net *net);
struct inet_hashinfo *cwstat_probe(struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

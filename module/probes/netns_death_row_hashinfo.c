// SPDX-License-Identifier: GPL-2.0
/*
 * net->ipv4.tcp_death_row is a struct embedded in struct netns_ipv4, and
 * its hashinfo names the established hash of the netns's TCP sockets.
 *
 * This is not "the netns may have a private table". The member was there
 * long before, always pointing at the global tcp_hashinfo (Linux 5.10
 * passes, with one table for every netns). Linux 5.17, commit
 * fbb8295248e1 ("tcp: allocate tcp_death_row outside of struct
 * netns_ipv4"), made it a pointer (the probe fails on 5.17 to 5.19); Linux
 * 6.0, commit e9bd0cca09d1 ("tcp: Don't allocate tcp_death_row outside of
 * struct netns_ipv4."), embedded it again, to prepare Linux 6.1's commit
 * d1e5e6408b30 ("tcp: Introduce optional per-netns ehash."), after which
 * hashinfo may be private to the netns. Linux 6.2 also stopped exporting
 * tcp_hashinfo, so from there this is the only way in. Either way, where
 * this compiles it is the right table to walk.
 */
#include <net/net_namespace.h>
#include <net/inet_hashtables.h>

struct inet_hashinfo *cwstat_probe(struct net *net);
struct inet_hashinfo *cwstat_probe(struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

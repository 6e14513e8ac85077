/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels cwstat builds against is bridged
 * here, keyed on the HAVE_* results of module/probes/ (scripts/gen-compat),
 * never on version numbers.
 */
#ifndef CWSTAT_COMPAT_H
#define CWSTAT_COMPAT_H

#include <linux/moduleparam.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

/*
 * dkms.conf's BUILD_EXCLUSIVE_CONFIG, for whoever builds without a dkms
 * that honours it (dkms before 3.0.3, Debian 11's 2.8.4 among them).
 */
#ifndef CONFIG_SOCK_CGROUP_DATA
#error "cwstat needs CONFIG_SOCK_CGROUP_DATA to attribute sockets to cgroups"
#endif
#ifndef CONFIG_TRACEPOINTS
#error "cwstat needs CONFIG_TRACEPOINTS: live mode tracks CLOSE_WAIT from sock:inet_sock_set_state"
#endif

/*
 * The established hash a netns's TCP sockets live in: the global table on
 * every kernel before 6.1, and also after it unless the netns was created
 * with a private one (see module/probes/netns_death_row_hashinfo.c for
 * which kernels have the member, and why it says nothing about private
 * tables).
 */
static inline struct inet_hashinfo *cwstat_net_ehash(struct net *net)
{
#ifdef HAVE_NETNS_DEATH_ROW_HASHINFO
	return net->ipv4.tcp_death_row.hashinfo;
#else
	/* 5.17 to 5.19: the death row is a pointer; one exported table. */
	return &tcp_hashinfo;
#endif
}

/*
 * A key for @net that no other netns ever has, not even after @net is gone:
 * its inode number (the format's ns=) is handed to the next netns made.
 * Written once, before the netns is visible to anyone.
 */
#ifdef HAVE_NET_COOKIE
static inline u64 cwstat_net_cookie(const struct net *net)
{
	return net->net_cookie;
}
#else
#include <net/netns/generic.h>

/*
 * Before 5.12 the cookie is made on first use, by a function modules
 * cannot rely on: cwstat numbers each netns itself (cwstat_netkey.c).
 */
struct cwstat_netkey {
	u64 seq;
};

extern unsigned int cwstat_netkey_id;

static inline u64 cwstat_net_cookie(const struct net *net)
{
	const struct cwstat_netkey *key = net_generic(net, cwstat_netkey_id);

	return key->seq;
}
#endif

#ifndef HAVE_PARAM_SET_UINT_MINMAX
static inline int param_set_uint_minmax(const char *val,
					const struct kernel_param *kp,
					unsigned int min, unsigned int max)
{
	unsigned int num;
	int ret;

	ret = kstrtouint(val, 0, &num);
	if (ret)
		return ret;
	if (num < min || num > max)
		return -EINVAL;
	*((unsigned int *)kp->arg) = num;
	return 0;
}
#endif

/*
 * Before @sk's connection is ended under its spinlock (the reaper's
 * disconnect(), cwstat_reap_end()), whatever tells a thread asleep in
 * sk_wait_event() with the lock released that this happened, as
 * connect(AF_UNSPEC) does: with sk_disconnects the sleeper then returns
 * -EPIPE; with sk_wait_pending, tcp_disconnect() refuses (-EBUSY) while
 * anyone sleeps. A kernel with neither cannot tell: false, do not end it.
 * Called with the spinlock held and no owner.
 */
static inline bool cwstat_sk_note_disconnect(struct sock *sk)
{
#if defined(HAVE_SOCK_DISCONNECTS)
	sk->sk_disconnects++;
	return true;
#elif defined(HAVE_SOCK_WAIT_PENDING)
	return true;
#else
	return false;
#endif
}

#endif /* CWSTAT_COMPAT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting without the module: NETLINK_SOCK_DIAG dumps of CLOSE_WAIT
 * sockets, in the current netns or in every netns this process can enter.
 */
#ifndef CWSTAT_TOOL_DIAG_H
#define CWSTAT_TOOL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cwstat.h"
#include "snapshot.h"

/* One CLOSE_WAIT socket, as sock_diag reports it. */
struct cw_sock {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t local[16], remote[16];	/* network order */
	uint16_t lport, rport;		/* host order */
	uint64_t payload;		/* unread bytes, the FIN not counted */
	uint64_t rmem;			/* sk_rmem_alloc */
	uint64_t idle_ms;		/* since the last segment received */
	uint32_t uid;
	uint64_t inode;
	uint64_t cgroup_id;		/* 0 when the kernel gave none */
};

struct cw_socks {
	struct cw_sock *v;
	size_t n;
};

/* Every CLOSE_WAIT socket of the current netns. Returns 0 or -1 + @err. */
int cw_diag_sockets(struct cw_socks *out, struct cw_error *err);
void cw_socks_free(struct cw_socks *s);

/*
 * A snapshot in the module's shape (sorted, cgroup paths resolved through
 * the cgroup2 mount, "?" when unknown; no "sockets" counts): the current
 * netns, or with @all_netns every netns found under /run/netns and
 * /proc/PID/ns/net, deduplicated by inode and entered with setns().
 * Namespaces it cannot enter are skipped with one warning naming how many.
 * Returns 0 or -1 + @err.
 */
int cw_diag_snapshot(struct cw_snapshot *out, bool all_netns,
		     struct cw_error *err);

#endif

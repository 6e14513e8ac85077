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
#include <stdio.h>
#include <sys/stat.h>

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
	uint64_t netns;			/* inode of its netns (sockets only) */
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
 * Returns 0 or -1 + @err. Failing to return to the caller's netns after
 * entering another one exits the process (CW_EXIT_ERROR): nothing it did
 * afterwards would be about the namespace it believes it is in.
 */
int cw_diag_snapshot(struct cw_snapshot *out, bool all_netns,
		     struct cw_error *err);

/*
 * The parts below are shared by diag.c and sockets.c, and exposed so that
 * the unit tests can run them on crafted input. Every function that reads
 * the file system takes its root directory as a parameter for that reason.
 */

/* What one netlink message of a sock_diag dump is (cw_diag_parse()). */
enum cw_diag_msg {
	CW_DIAG_SOCK,		/* a CLOSE_WAIT socket, now in *@out */
	CW_DIAG_SKIP,		/* nothing for us: another type or state */
	CW_DIAG_DONE,		/* NLMSG_DONE: the dump is complete */
	CW_DIAG_ERROR,		/* NLMSG_ERROR: *@error holds the errno */
	CW_DIAG_BAD,		/* malformed: truncated header or attribute */
};

/*
 * Decode the one netlink message at @buf, of which @len bytes were
 * received (at least its nlmsg_len, or it is CW_DIAG_BAD). Pure: no
 * system calls, so it can be tested on crafted buffers.
 */
enum cw_diag_msg cw_diag_parse(const void *buf, size_t len,
			       struct cw_sock *out, int *error);

/*
 * Unread payload from inet_diag's idiag_rqueue (rcv_nxt - copied_seq):
 * the peer's FIN is one sequence number but not a byte, as in the module's
 * cwstat_close_wait_payload().
 */
uint64_t cw_diag_payload(uint32_t rqueue);

/*
 * Append the sockets of netns @ns to @s as a netns row and one cgroup row
 * per cgroup id (path "?" until cw_snapshot_set_paths()); nothing when
 * @socks is empty. Counts are summed, oldest_idle_s is the largest
 * idle_ms / 1000. Neither the total nor the order is touched. Returns 0,
 * or -1 on ENOMEM.
 */
int cw_snapshot_add_socks(struct cw_snapshot *s, uint64_t ns,
			  const struct cw_socks *socks);

/* cgroup id (the inode of its directory) to path, sorted by id. */
struct cw_cgmap {
	struct cw_cgmap_entry {
		uint64_t id;
		char *path;
	} *v;
	size_t n;
};

/*
 * The cgroup2 mount in @mountinfo (normally /proc/self/mountinfo), the
 * first one listed: its mount point into @dir and its root (the path of
 * the mounted directory in the reader's cgroup namespace, "/" for a whole
 * mount) into @root, both unescaped. Returns 0, or -1 with errno (ENOENT:
 * no cgroup2 mount; ENAMETOOLONG).
 */
int cw_cgroup2_mount(const char *mountinfo, char *dir, size_t dirlen,
		     char *root, size_t rootlen);

/*
 * Every directory under the cgroup2 mount @dir, by inode: @dir itself is
 * @root, a directory below it @root + its relative path. The walk stays in
 * that mount and follows no symlink. Returns 0, or -1 with errno.
 */
int cw_cgmap_load(struct cw_cgmap *m, const char *dir, const char *root);
/* The same for the cgroup2 mount found in @mountinfo. */
int cw_cgmap_load_mounted(struct cw_cgmap *m, const char *mountinfo);
const char *cw_cgmap_find(const struct cw_cgmap *m, uint64_t id);
void cw_cgmap_free(struct cw_cgmap *m);

/*
 * Give every cgroup row of @s its path from the cgroup2 mount found in
 * @mountinfo. The mount is walked only when @s has a cgroup row; rows it
 * does not know stay "?", as they do when there is no cgroup2 mount.
 * Returns 0, or -1 on ENOMEM.
 */
int cw_snapshot_set_paths(struct cw_snapshot *s, const char *mountinfo);

/*
 * Call @fn once per distinct netns (by st_dev and st_ino) among
 * @run_netns/NAME and @proc/PID/ns/net, with an open descriptor of it that
 * stays the caller's only for the call. A file that is not there any more
 * (a process that exited) is ignored; any other failure to open or stat
 * one is counted in *@unreadable. A nonzero return of @fn stops the walk
 * and is returned.
 */
int cw_netns_each(const char *run_netns, const char *proc,
		  int (*fn)(int fd, const struct stat *st, void *arg),
		  void *arg, unsigned int *unreadable);
/*
 * An fd of the netns that --netns names: /run/netns/NAME, a netns file's
 * path (with a '/'), or an inode number, found among /run/netns and the
 * processes. Returns the fd, or -1 with @err.
 */
int cw_netns_open(const char *arg, struct cw_error *err);

/*
 * The first file the last cw_netns_each() counted in *unreadable, and why
 * (errno in *@err); "" when none was.
 */
const char *cw_netns_unreadable(int *err);

/* A process holding a socket, from /proc/PID/fd. */
struct cw_owner {
	uint64_t inode;
	int pid;
	int fd;
	char comm[64];		/* /proc/PID/comm without the newline */
};

struct cw_owners {
	struct cw_owner *v;	/* sorted by inode, pid, fd */
	size_t n;
	/* Processes whose fd directory could not be read (EACCES...). */
	unsigned int unreadable;
	int unreadable_errno;
};

/*
 * Find every (pid, fd) under @proc (normally "/proc") whose fd is one of
 * the sockets @inodes[0..@n) (any order, duplicates allowed; inode 0, a
 * socket not yet accepted, has no holder). Returns 0, or -1 on ENOMEM
 * or when @proc cannot be read at all.
 */
int cw_owners_scan(struct cw_owners *o, const uint64_t *inodes, size_t n,
		   const char *proc);

/* The holders of @inode: a pointer into @o and their count in *@count. */
const struct cw_owner *cw_owners_find(const struct cw_owners *o,
				      uint64_t inode, size_t *count);
void cw_owners_free(struct cw_owners *o);

/* "addr:port", "[addr6]:port" (as ss writes them). */
#define CW_ADDR_LEN 56
void cw_sock_addr(char *buf, size_t len, uint8_t family,
		  const uint8_t addr[16], uint16_t port);

/* `cwstat sockets` filters; an unset field matches everything. */
struct cw_sock_filter {
	bool port_set;
	uint16_t port;		/* local, as reap's and ss's sport */
	bool rport_set;
	uint16_t rport;		/* remote, as ss's dport */
	const char *cgroup;	/* the socket's cgroup or one below it */
	uint64_t cgroup_id;	/* that cgroup exactly (0: any) */
	bool older_set;
	uint64_t older_s;	/* idle for at least this long */
};

/* @cgroup_path: the socket's resolved path ("?" when unknown). */
bool cw_sock_match(const struct cw_sock *s, const char *cgroup_path,
		   const struct cw_sock_filter *f);

#endif

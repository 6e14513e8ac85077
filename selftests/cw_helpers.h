/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest's socket-making programs share (selftests/cw_factory.c,
 * cw_churn.c, bench/cw_bench_factory.c, cw_bench_churn.c): a fatal error,
 * the clock, a socket's TCP state, the fd limit, entering a netns or a
 * cgroup, and the ready file that a test polls for.
 * Every failure here is fatal: these programs set up a test's fixture,
 * which is either made exactly as asked or not at all.
 */
#ifndef CW_HELPERS_H
#define CW_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cw_cgroup.h"

/* TCP states as in include/net/tcp_states.h (not exported to userspace) */
enum {
	CW_ST_ESTABLISHED = 1,
	CW_ST_FIN_WAIT2 = 5,
	CW_ST_CLOSE_WAIT = 8,
};

/* "PROGRAM: message" on stderr, exit status 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
cw_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A decimal number, all of @s; @what names it in the error. */
static inline unsigned long cw_parse_ul(const char *s, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		cw_die("bad %s: '%s'", what, s);
	return v;
}

static inline double cw_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int cw_tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		cw_die("TCP_INFO: %s", strerror(errno));
	return ti.tcpi_state;
}

/* Room for @need open files, up to fs.nr_open. */
static inline void cw_raise_nofile(unsigned long need)
{
	unsigned long nr_open = 1048576;
	struct rlimit rl;
	FILE *f;

	f = fopen("/proc/sys/fs/nr_open", "r");
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 1048576;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl))
		cw_die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (need > nr_open)
		cw_die("need %lu fds but fs.nr_open is %lu", need, nr_open);
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		cw_die("setrlimit NOFILE %lu: %s", need, strerror(errno));
}

/* Enter the netns of @file, e.g. /run/netns/NAME. */
static inline void cw_enter_netns(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		cw_die("open %s: %s", file, strerror(errno));
	if (setns(fd, CLONE_NEWNET))
		cw_die("setns %s: %s", file, strerror(errno));
	close(fd);
}

static inline void cw_enter_cgroup(const char *dir)
{
	if (cw_join_cgroup(dir))
		cw_die("join cgroup %s: %s", dir, strerror(errno));
}

/*
 * Write @line to @file through a rename, so that a test polling for @file
 * never reads half a line.
 */
static inline void cw_write_ready(const char *file, const char *line)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fputs(line, f) < 0 || fclose(f) || rename(tmp, file))
		cw_die("write %s: %s", file, strerror(errno));
}

#endif /* CW_HELPERS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest's socket-making programs share (selftests/cw_factory.c,
 * cw_churn.c, bench/cw_bench_factory.c, cw_bench_churn.c): a fatal error,
 * the clock, a socket's TCP state, the fd limit, entering a netns or a
 * cgroup, a loopback connection, the signals that end a holder, and the
 * ready file that a test polls for, and the wait for a race window of the
 * test build to open.
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
#include <signal.h>
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
	CW_ST_CLOSE = 7,
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
 * A TCP listener on 127.0.0.1, on a port the kernel picks, with @backlog;
 * its address into *@la and *@alen.
 */
static inline int cw_listen_loopback(int backlog, struct sockaddr_in *la,
				     socklen_t *alen)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0)
		cw_die("socket: %s", strerror(errno));
	memset(la, 0, sizeof(*la));
	la->sin_family = AF_INET;
	la->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*alen = sizeof(*la);
	if (bind(lfd, (struct sockaddr *)la, sizeof(*la)) || listen(lfd, backlog) ||
	    getsockname(lfd, (struct sockaddr *)la, alen))
		cw_die("listen: %s", strerror(errno));
	return lfd;
}

/*
 * Connect to the listener @lfd at @la and accept: *@cli and its peer *@srv.
 * Connections are made and accepted one at a time, so the accept queue
 * holds only the one just made. @busy_retry: wait out EADDRNOTAVAIL (no
 * free ephemeral port for the moment, as when a churn's closed connections
 * still hold theirs) instead of failing on it.
 */
static inline void cw_connect_accept(const struct sockaddr *la, socklen_t alen,
				     int lfd, int busy_retry, int *cli, int *srv)
{
	int c, s;

	c = socket(la->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		cw_die("socket: %s", strerror(errno));
	while (connect(c, la, alen)) {
		if (errno == EISCONN)
			break;
		if (busy_retry && (errno == EALREADY || errno == EADDRNOTAVAIL))
			usleep(100);
		else if (errno != EINTR)
			cw_die("connect: %s", strerror(errno));
	}
	do {
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	} while (s < 0 && errno == EINTR);
	if (s < 0)
		cw_die("accept: %s", strerror(errno));
	*cli = c;
	*srv = s;
}

/*
 * Route SIGTERM, SIGINT and SIGHUP to @fn but block them, and set @empty to
 * the mask that lets them in: a holder then waits in sigsuspend() or
 * ppoll() with @empty and loses none that came before it waited.
 */
static inline void cw_catch_term(void (*fn)(int), sigset_t *empty)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(empty);
}

/*
 * Write @line to @file through a rename, so that a test polling for @file
 * never reads half a line.
 */
static inline void cw_write_ready(const char *file, const char *line)
{
	char tmp[PATH_MAX];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file,
			     (int)getpid()) >= sizeof(tmp))
		cw_die("%s: path too long", file);
	f = fopen(tmp, "w");
	if (!f || fputs(line, f) < 0 || fclose(f) || rename(tmp, file))
		cw_die("write %s: %s", file, strerror(errno));
}

/* The test build's race windows (module/cwstat_window.h). */
#define CW_WINDOWS "/sys/module/cwstat/parameters/windows"

/* How often window @name has opened ("NAME USEC EVERY OPENED" lines). */
static inline long long cw_window_opened(int fd, const char *name)
{
	char buf[4096], *line, *save = NULL;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		cw_die("read %s: %s", CW_WINDOWS, strerror(errno));
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char w[64];
		unsigned int us, every;
		long long opened;

		if (sscanf(line, "%63s %u %u %lld", w, &us, &every,
			   &opened) == 4 && !strcmp(w, name))
			return opened;
	}
	cw_die("no window %s in %s", name, CW_WINDOWS);
}

/*
 * Return as soon as window @name opens after the call began (polled every
 * 200 us), so that what the caller does next happens while the module
 * holds it open.
 */
static inline void cw_window_wait(const char *name)
{
	int fd = open(CW_WINDOWS, O_RDONLY | O_CLOEXEC);
	long long base;

	if (fd < 0)
		cw_die("open %s: %s", CW_WINDOWS, strerror(errno));
	base = cw_window_opened(fd, name);
	while (cw_window_opened(fd, name) == base)
		usleep(200);
	close(fd);
}

#endif /* CW_HELPERS_H */

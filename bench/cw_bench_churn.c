// SPDX-License-Identifier: GPL-2.0
/*
 * cw_bench_churn - loopback TCP connection churn through CLOSE_WAIT, as fast
 * as it goes, for the data-path cost of cwstat's live mode.
 *
 *   cw_bench_churn [-P PROCS] [-d SECONDS | -n CONNS] [-l LISTENERS]
 *                  [-N NETNS_FILE]
 *
 * Each of PROCS processes has LISTENERS listeners of its own and loops:
 * connect, accept, client shutdown(SHUT_WR), server reads EOF (the accepted
 * socket is now in CLOSE_WAIT), server close (LAST_ACK), client close. So
 * every connection passes through CLOSE_WAIT, which is the case live mode
 * tracks: the worst case for its probe. After SECONDS, prints one line
 *   churn conns=C seconds=S rate=R
 * with R the connections per second of all processes together.
 *
 * With -n, each process makes exactly CONNS connections instead, and S is
 * the time from the first process's first connection to the last one's
 * end (forks, listeners and exits left out), with no clock read in
 * between; the line is
 *   churn conns=C seconds=S ns_per_conn=X rate=R
 * For scripts/bench/run --icount, where the guest's clock counts its
 * instructions: a fixed amount of work and its exact duration, instead
 * of a count quantised by the 16 connections between two clock reads.
 * Adapted from the live branch's selftests/cw_churn.c (its -k 0 mode).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cw_helpers.h"

#define MAX_PROCS	64
#define MAX_LISTENERS	64

/* One connection through CLOSE_WAIT, on the listener @lfd at @a. */
static void one_conn(const struct sockaddr_in *a, int lfd, unsigned long *conns)
{
	int c, s;
	ssize_t r;
	char b;

	cw_connect_accept((const struct sockaddr *)a, sizeof(*a), lfd, 0, &c, &s);
	if (shutdown(c, SHUT_WR))
		cw_die("shutdown: %s", strerror(errno));
	do {
		r = read(s, &b, 1);
	} while (r < 0 && errno == EINTR);
	if (r != 0)
		cw_die("read: want EOF, got %zd (%s)", r, strerror(errno));
	close(s);
	close(c);
	(*conns)++;
}

/* Each process's window of connections, for -n. */
struct window {
	double start, end;
};

/*
 * Connections until @secs have passed, or, with @count, exactly @count of
 * them, *@w then holding when they started and ended.
 */
static unsigned long churn(unsigned int nl, double secs, unsigned long count,
			   struct window *w)
{
	struct sockaddr_in a[MAX_LISTENERS];
	int lfd[MAX_LISTENERS];
	unsigned long conns = 0;
	unsigned int i;
	double end;

	for (i = 0; i < nl; i++) {
		socklen_t len = sizeof(a[i]);

		memset(&a[i], 0, sizeof(a[i]));
		a[i].sin_family = AF_INET;
		a[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd[i] < 0 || bind(lfd[i], (struct sockaddr *)&a[i], sizeof(a[i])) ||
		    listen(lfd[i], 128) ||
		    getsockname(lfd[i], (struct sockaddr *)&a[i], &len))
			cw_die("listener: %s", strerror(errno));
	}
	if (count) {
		w->start = cw_now_s();
		while (conns < count)
			one_conn(&a[conns % nl], lfd[conns % nl], &conns);
		w->end = cw_now_s();
		return conns;
	}
	end = cw_now_s() + secs;
	while (cw_now_s() < end) {
		/* check the clock every 16 connections */
		for (i = 0; i < 16; i++)
			one_conn(&a[conns % nl], lfd[conns % nl], &conns);
	}
	return conns;
}

int main(int argc, char **argv)
{
	unsigned int procs = 2, nl = 8, i;
	const char *netns = NULL;
	unsigned long *counts, total = 0, count = 0;
	struct window *w;
	double secs = 2, t0, t1;
	int c;

	while ((c = getopt(argc, argv, "P:d:n:l:N:")) != -1) {
		switch (c) {
		case 'P': procs = strtoul(optarg, NULL, 10); break;
		case 'd': secs = strtod(optarg, NULL); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'l': nl = strtoul(optarg, NULL, 10); break;
		case 'N': netns = optarg; break;
		default:
			fputs("usage: cw_bench_churn [-P PROCS] [-d SECONDS | -n CONNS] [-l LISTENERS] [-N NETNS_FILE]\n",
			      stderr);
			return 2;
		}
	}
	if (!procs || procs > MAX_PROCS || !nl || nl > MAX_LISTENERS || secs <= 0)
		cw_die("bad arguments");
	if (netns) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			cw_die("netns %s: %s", netns, strerror(errno));
		close(fd);
	}
	counts = mmap(NULL, MAX_PROCS * (sizeof(*counts) + sizeof(*w)),
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		cw_die("mmap: %s", strerror(errno));
	w = (struct window *)(counts + MAX_PROCS);
	t0 = cw_now_s();
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			cw_die("fork: %s", strerror(errno));
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			counts[i] = churn(nl, secs, count, &w[i]);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++) {
		int status;

		if (wait(&status) < 0)
			cw_die("wait: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			cw_die("a churn process failed");
	}
	t1 = cw_now_s();
	for (i = 0; i < procs; i++)
		total += counts[i];
	if (count) {
		t0 = w[0].start;
		t1 = w[0].end;
		for (i = 1; i < procs; i++) {
			t0 = w[i].start < t0 ? w[i].start : t0;
			t1 = w[i].end > t1 ? w[i].end : t1;
		}
		printf("churn conns=%lu seconds=%.9f ns_per_conn=%.1f rate=%.1f\n",
		       total, t1 - t0, (t1 - t0) * 1e9 / total, total / (t1 - t0));
		return 0;
	}
	printf("churn conns=%lu seconds=%.3f rate=%.1f\n", total, t1 - t0,
	       total / (t1 - t0));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cw_bench_churn - loopback TCP connection churn through CLOSE_WAIT, as fast
 * as it goes, for the data-path cost of cwstat's live mode.
 *
 *   cw_bench_churn [-P PROCS] [-d SECONDS] [-l LISTENERS] [-N NETNS_FILE]
 *
 * Each of PROCS processes has LISTENERS listeners of its own and loops:
 * connect, accept, client shutdown(SHUT_WR), server reads EOF (the accepted
 * socket is now in CLOSE_WAIT), server close (LAST_ACK), client close. So
 * every connection passes through CLOSE_WAIT, which is the case live mode
 * tracks: the worst case for its probe. After SECONDS, prints one line
 *   churn conns=C seconds=S rate=R
 * with R the connections per second of all processes together.
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

static unsigned long churn(unsigned int nl, double secs)
{
	struct sockaddr_in a[MAX_LISTENERS];
	int lfd[MAX_LISTENERS];
	unsigned long conns = 0;
	unsigned int i;
	double end;
	char b;

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
	end = cw_now_s() + secs;
	while (cw_now_s() < end) {
		/* check the clock every 16 connections */
		for (i = 0; i < 16; i++) {
			unsigned int li = conns % nl;
			int c, s;
			ssize_t r;

			cw_connect_accept((struct sockaddr *)&a[li], sizeof(a[li]),
					  lfd[li], 0, &c, &s);
			if (shutdown(c, SHUT_WR))
				cw_die("shutdown: %s", strerror(errno));
			do {
				r = read(s, &b, 1);
			} while (r < 0 && errno == EINTR);
			if (r != 0)
				cw_die("read: want EOF, got %zd (%s)", r, strerror(errno));
			close(s);
			close(c);
			conns++;
		}
	}
	return conns;
}

int main(int argc, char **argv)
{
	unsigned int procs = 2, nl = 8, i;
	const char *netns = NULL;
	unsigned long *counts, total = 0;
	double secs = 2, t0, t1;
	int c;

	while ((c = getopt(argc, argv, "P:d:l:N:")) != -1) {
		switch (c) {
		case 'P': procs = strtoul(optarg, NULL, 10); break;
		case 'd': secs = strtod(optarg, NULL); break;
		case 'l': nl = strtoul(optarg, NULL, 10); break;
		case 'N': netns = optarg; break;
		default:
			fputs("usage: cw_bench_churn [-P PROCS] [-d SECONDS] [-l LISTENERS] [-N NETNS_FILE]\n",
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
	counts = mmap(NULL, MAX_PROCS * sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		cw_die("mmap: %s", strerror(errno));
	t0 = cw_now_s();
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			cw_die("fork: %s", strerror(errno));
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			counts[i] = churn(nl, secs);
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
	printf("churn conns=%lu seconds=%.3f rate=%.1f\n", total, t1 - t0,
	       total / (t1 - t0));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cw_bench_factory - make and hold a mix of TCP sockets for the benchmark:
 * N in CLOSE_WAIT (each with its FIN_WAIT2 client) and E ESTABLISHED pairs,
 * in one netns and cgroup. Adapted from selftests/cw_factory.c, which holds
 * the reasoning: the client of a CLOSE_WAIT socket is kept with
 * shutdown(SHUT_WR) rather than close(), so it stays an owned FIN_WAIT2
 * socket that tcp_max_orphans and tcp_fin_timeout never reset; connections
 * are spread over one listener per 2000, since one (src, dst, dport) has
 * only the ephemeral range's ports.
 *
 *   cw_bench_factory -n N -E E [-N NETNS_FILE] [-c CGROUP_DIR] [-o FILE]
 *                    [-t SEC]
 *
 * Once every socket is verified with TCP_INFO, writes
 *   ready close_wait=N established=E sockets=2(N+E) pid=P
 * to stdout and atomically to -o FILE, then holds the sockets until
 * SIGTERM/SIGINT/SIGHUP. It gets SIGTERM when its parent dies.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cw_helpers.h"

#define CONNS_PER_LISTENER	2000

static volatile sig_atomic_t got_signal;

static struct sockaddr_in *laddr;
static int *lfd;
static unsigned long nl, next_l;

static void make_listeners(unsigned long n)
{
	unsigned long i;

	nl = n;
	laddr = calloc(nl, sizeof(*laddr));
	lfd = calloc(nl, sizeof(*lfd));
	if (!laddr || !lfd)
		cw_die("out of memory");
	for (i = 0; i < nl; i++) {
		socklen_t len = sizeof(laddr[i]);
		int one = 1, fd;

		laddr[i].sin_family = AF_INET;
		laddr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			cw_die("socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&laddr[i], sizeof(laddr[i])) ||
		    listen(fd, 4096) ||
		    getsockname(fd, (struct sockaddr *)&laddr[i], &len))
			cw_die("listener: %s", strerror(errno));
		lfd[i] = fd;
	}
}

/* One loopback connection, made and accepted; s is c's peer. */
static void make_pair(int *cli, int *srv)
{
	unsigned long li = next_l++ % nl;

	cw_connect_accept((struct sockaddr *)&laddr[li], sizeof(laddr[li]),
			  lfd[li], 0, cli, srv);
}

/* Wait until fd[i] is in state want for every i (softirq work may lag). */
static void verify(const int *fd, unsigned long n, int want, double deadline,
		   const char *what)
{
	unsigned long i = 0;
	int got;

	while (i < n) {
		got = cw_tcp_state(fd[i]);
		if (got == want) {
			i++;
			continue;
		}
		if (cw_now_s() > deadline)
			cw_die("%s %lu/%lu: state %d, want %d", what, i, n, got,
			    want);
		usleep(10000);
	}
}

static void on_signal(int sig)
{
	got_signal = sig;
}

int main(int argc, char **argv)
{
	unsigned long n_cw = 0, n_est = 0, i, timeout_s = 60;
	const char *netns = NULL, *cgroup = NULL, *outfile = NULL;
	int *cw_cli, *cw_srv, *est_cli, *est_srv;
	sigset_t empty;
	double deadline;
	char line[256];
	int c;

	while ((c = getopt(argc, argv, "n:E:N:c:o:t:")) != -1) {
		switch (c) {
		case 'n': n_cw = cw_parse_ul(optarg, "-n"); break;
		case 'E': n_est = cw_parse_ul(optarg, "-E"); break;
		case 'N': netns = optarg; break;
		case 'c': cgroup = optarg; break;
		case 'o': outfile = optarg; break;
		case 't': timeout_s = cw_parse_ul(optarg, "-t"); break;
		default:
			fputs("usage: cw_bench_factory -n N -E E [-N NETNS_FILE] [-c CGROUP_DIR] [-o FILE] [-t SEC]\n",
			      stderr);
			return 2;
		}
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		cw_die("PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() == 1)
		cw_die("parent already gone");
	cw_raise_nofile(2 * (n_cw + n_est) + (n_cw + n_est) / CONNS_PER_LISTENER + 64);
	if (netns)
		cw_enter_netns(netns);
	if (cgroup)
		cw_enter_cgroup(cgroup);
	make_listeners((n_cw + n_est + CONNS_PER_LISTENER - 1) / CONNS_PER_LISTENER ?: 1);

	cw_cli = calloc(n_cw + 1, sizeof(int));
	cw_srv = calloc(n_cw + 1, sizeof(int));
	est_cli = calloc(n_est + 1, sizeof(int));
	est_srv = calloc(n_est + 1, sizeof(int));
	if (!cw_cli || !cw_srv || !est_cli || !est_srv)
		cw_die("out of memory");
	for (i = 0; i < n_cw; i++) {
		make_pair(&cw_cli[i], &cw_srv[i]);
		if (shutdown(cw_cli[i], SHUT_WR))
			cw_die("shutdown: %s", strerror(errno));
	}
	for (i = 0; i < n_est; i++)
		make_pair(&est_cli[i], &est_srv[i]);

	deadline = cw_now_s() + timeout_s;
	verify(cw_srv, n_cw, CW_ST_CLOSE_WAIT, deadline, "close_wait server");
	verify(cw_cli, n_cw, CW_ST_FIN_WAIT2, deadline, "close_wait client");
	verify(est_srv, n_est, CW_ST_ESTABLISHED, deadline, "established server");
	verify(est_cli, n_est, CW_ST_ESTABLISHED, deadline, "established client");

	cw_catch_term(on_signal, &empty);

	snprintf(line, sizeof(line),
		 "ready close_wait=%lu established=%lu sockets=%lu pid=%d\n",
		 n_cw, n_est, 2 * (n_cw + n_est), (int)getpid());
	if (outfile)
		cw_write_ready(outfile, line);
	fputs(line, stdout);
	fflush(stdout);
	while (!got_signal)
		sigsuspend(&empty);
	return 0;
}

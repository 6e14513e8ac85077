// SPDX-License-Identifier: GPL-2.0
/*
 * cw_fin - hold loopback connections ESTABLISHED, then send the clients'
 * FINs, so that their accepted ends enter CLOSE_WAIT one after the other.
 *
 *   cw_fin -n PAIRS -o FILE [-N NETNS_FILE] [-c CPU] [-p PAUSE_US]
 *
 * In netns NETNS_FILE (default: this one), pinned to CPU (default: any),
 * it makes PAIRS connections to a listener of its own, each accepted, and
 * writes "ready pairs=PAIRS" to FILE. On SIGUSR1 it shuts down the write
 * side of every client, one after the other, PAUSE_US microseconds apart
 * (spun, default 0: as fast as it can), so that the CLOSE_WAIT sockets arrive
 * steadily through whatever a test holds open meanwhile: each
 * FIN is delivered in softirq on this CPU, and tcp_fin() moves its peer
 * into CLOSE_WAIT under the socket lock alone, without the established
 * hash's bucket lock. It then waits until every accepted socket reads
 * CLOSE_WAIT (TCP_INFO) and writes "done close_wait=PAIRS ms=T" to
 * FILE.done, T the time the FINs took. Both files appear atomically. The
 * sockets are held (the clients stay owned in FIN_WAIT2, so nothing resets
 * their peers) until SIGTERM, SIGINT or SIGHUP, or the parent's death.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cw_helpers.h"

static void usage(void)
{
	fputs("usage: cw_fin -n PAIRS -o FILE [-N NETNS_FILE] [-c CPU] [-p PAUSE_US]\n",
	      stderr);
	exit(2);
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	unsigned long pairs = 0, pause_us = 0, i, cw;
	const char *netns = NULL, *out = NULL;
	struct sockaddr_in la;
	socklen_t alen = sizeof(la);
	struct sigaction sa;
	sigset_t usr1, empty;
	char line[128], done[PATH_MAX];
	int cpu = -1, opt, lfd, *cli, *srv;
	double t0;

	while ((opt = getopt(argc, argv, "n:o:N:c:p:")) != -1) {
		switch (opt) {
		case 'n':
			pairs = cw_parse_ul(optarg, "-n");
			break;
		case 'o':
			out = optarg;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'c':
			cpu = (int)cw_parse_ul(optarg, "-c");
			break;
		case 'p':
			pause_us = cw_parse_ul(optarg, "-p");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !out || !pairs || pairs > 20000)
		usage();
	if ((size_t)snprintf(done, sizeof(done), "%s.done", out) >= sizeof(done))
		cw_die("%s: path too long", out);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* Blocked until we wait for it, so that none is lost before. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &empty);
	sigdelset(&empty, SIGUSR1);

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			cw_die("pin to CPU %d: %s", cpu, strerror(errno));
	}
	if (netns)
		cw_enter_netns(netns);
	cw_raise_nofile(2 * pairs + 64);
	cli = calloc(pairs, sizeof(*cli));
	srv = calloc(pairs, sizeof(*srv));
	if (!cli || !srv)
		cw_die("calloc: %s", strerror(errno));

	memset(&la, 0, sizeof(la));
	la.sin_family = AF_INET;
	la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof(la)) ||
	    listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&la, &alen))
		cw_die("listener: %s", strerror(errno));
	for (i = 0; i < pairs; i++)
		cw_connect_accept((struct sockaddr *)&la, sizeof(la), lfd, 0,
				  &cli[i], &srv[i]);
	/* The listener is not needed any more: fewer sockets in the chain. */
	close(lfd);
	for (i = 0; i < pairs; i++)
		if (cw_tcp_state(srv[i]) != CW_ST_ESTABLISHED)
			cw_die("pair %lu not ESTABLISHED", i);
	snprintf(line, sizeof(line), "ready pairs=%lu\n", pairs);
	cw_write_ready(out, line);

	sigsuspend(&empty);
	t0 = cw_now_s();
	for (i = 0; i < pairs; i++) {
		if (shutdown(cli[i], SHUT_WR))
			cw_die("shutdown: %s", strerror(errno));
		/*
		 * Spin, not sleep: a sleep's timer may expire on another
		 * CPU's softirq, which a test may be holding off.
		 */
		if (pause_us) {
			double until = cw_now_s() + pause_us / 1e6;

			while (cw_now_s() < until)
				;
		}
	}
	for (i = 0, cw = 0; i < pairs; i++) {
		int st;

		/* Loopback delivers the FIN at once; allow for a slow vCPU. */
		while ((st = cw_tcp_state(srv[i])) == CW_ST_ESTABLISHED)
			usleep(1000);
		if (st != CW_ST_CLOSE_WAIT)
			cw_die("pair %lu: state %d, not CLOSE_WAIT", i, st);
		cw++;
	}
	snprintf(line, sizeof(line), "done close_wait=%lu ms=%.0f\n", cw,
		 (cw_now_s() - t0) * 1000);
	cw_write_ready(done, line);

	for (;;)
		pause();
}

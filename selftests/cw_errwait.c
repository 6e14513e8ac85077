// SPDX-License-Identifier: GPL-2.0
/*
 * cw_errwait -o FILE [-N NETNS] [-t SEC] [-g GO]: an application waiting in
 * poll() on its socket in CLOSE_WAIT, and the error it is given once the
 * connection ends; with -g, one that does not wait and looks only once
 * the file GO exists (it polls for it every millisecond).
 *
 * It makes a client socket in CLOSE_WAIT (its accepted peer closed),
 * writes "armed port=P" to FILE.armed, then waits in poll() with no event
 * asked for, so that only POLLERR or POLLHUP ends the wait (a socket in
 * CLOSE_WAIT is readable at once: EOF). As soon as poll() returns, it
 * reads the pending error with getsockopt(SO_ERROR), as an event loop
 * does on POLLERR, then tries recv(): "woke revents=0xN so_error=E
 * recv=R errno=E2" to FILE (E, E2: errno names, 0 for none). Exits 3 if
 * poll() has not returned (or GO has not appeared) within SEC seconds
 * (default 60).
 */
#define _GNU_SOURCE
#include "cw_helpers.h"

#include <arpa/inet.h>
#include <poll.h>

int main(int argc, char **argv)
{
	const char *netns = NULL, *out = NULL, *go = NULL;
	unsigned long wait_s = 60;
	struct sockaddr_in la;
	socklen_t alen, elen;
	char file[PATH_MAX], line[256];
	int lfd, cli, srv, opt, so_err, recv_errno, n;
	struct pollfd pfd;
	double end;
	ssize_t got;
	char c;

	while ((opt = getopt(argc, argv, "N:o:t:g:h")) != -1) {
		switch (opt) {
		case 'N':
			netns = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			wait_s = cw_parse_ul(optarg, "-t");
			break;
		case 'g':
			go = optarg;
			break;
		default:
			fprintf(stderr, "usage: cw_errwait -o FILE [-N NETNS] [-t SEC] [-g GO]\n");
			exit(2);
		}
	}
	if (optind != argc || !out)
		cw_die("-o FILE is needed");
	if (netns)
		cw_enter_netns(netns);

	lfd = cw_listen_loopback(4, &la, &alen);
	cw_connect_accept((struct sockaddr *)&la, alen, lfd, 0, &cli, &srv);
	close(srv);
	end = cw_now_s() + 10;
	while (cw_tcp_state(cli) != CW_ST_CLOSE_WAIT) {
		if (cw_now_s() > end)
			cw_die("not in CLOSE_WAIT after 10 s");
		usleep(1000);
	}
	alen = sizeof(la);
	if (getsockname(cli, (struct sockaddr *)&la, &alen))
		cw_die("getsockname: %s", strerror(errno));
	snprintf(file, sizeof(file), "%s.armed", out);
	snprintf(line, sizeof(line), "armed port=%u pid=%d\n",
		 ntohs(la.sin_port), (int)getpid());
	cw_write_ready(file, line);

	pfd.fd = cli;
	pfd.events = 0;
	pfd.revents = 0;
	if (go) {
		end = cw_now_s() + (double)wait_s;
		while (access(go, F_OK)) {
			if (cw_now_s() > end)
				exit(3);
			usleep(1000);
		}
	} else {
		do {
			n = poll(&pfd, 1, (int)(wait_s * 1000));
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			cw_die("poll: %s", strerror(errno));
		if (n == 0)
			exit(3);
	}
	elen = sizeof(so_err);
	if (getsockopt(cli, SOL_SOCKET, SO_ERROR, &so_err, &elen))
		cw_die("SO_ERROR: %s", strerror(errno));
	got = recv(cli, &c, 1, MSG_DONTWAIT);
	recv_errno = got < 0 ? errno : 0;
	snprintf(line, sizeof(line),
		 "woke revents=0x%x so_error=%s recv=%zd errno=%s\n",
		 pfd.revents, so_err ? strerrorname_np(so_err) : "0", got,
		 recv_errno ? strerrorname_np(recv_errno) : "0");
	cw_write_ready(out, line);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cw_recycle -o FILE [-N NETNS] [-t SEC]: two sockets in CLOSE_WAIT, one of
 * which comes back to CLOSE_WAIT as a new connection as soon as the other
 * is reaped, on the same struct sock.
 *
 * It makes two client sockets in CLOSE_WAIT (their accepted peers closed),
 * writes "armed ports=P0 P1" to FILE.armed, then polls both. Once one of
 * them has left CLOSE_WAIT (a reap ended it), the other is disconnected
 * with connect(AF_UNSPEC), connected again to the same listener, and its
 * new peer closed at once: a young connection in CLOSE_WAIT on the socket
 * a reap request may have picked while it was old. Then it writes
 * "recycled ended=P port=Q" to FILE.recycled (Q: the socket's new local
 * port), or "recycled none" if neither was left in CLOSE_WAIT, and holds
 * the sockets for SEC seconds (default 120) or until SIGTERM.
 */
#define _GNU_SOURCE
#include "cw_helpers.h"

#include <arpa/inet.h>
#include <sys/select.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &alen))
		cw_die("getsockname: %s", strerror(errno));
	return ntohs(a.sin_port);
}

static void wait_close_wait(int fd)
{
	double end = cw_now_s() + 10;

	while (cw_tcp_state(fd) != CW_ST_CLOSE_WAIT) {
		if (cw_now_s() > end)
			cw_die("not in CLOSE_WAIT after 10 s");
		usleep(1000);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: cw_recycle -o FILE [-N NETNS] [-t SEC]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *out = NULL;
	unsigned long hold_s = 120;
	struct sockaddr_in la;
	struct sockaddr unspec;
	socklen_t alen;
	char file[PATH_MAX], line[256];
	int lfd, cli[2], srv[2], i, opt, ended = -1;
	sigset_t empty;
	double end;

	while ((opt = getopt(argc, argv, "N:o:t:h")) != -1) {
		switch (opt) {
		case 'N':
			netns = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			hold_s = cw_parse_ul(optarg, "-t");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !out)
		usage();
	cw_catch_term(on_term, &empty);
	if (netns)
		cw_enter_netns(netns);

	lfd = cw_listen_loopback(4, &la, &alen);
	for (i = 0; i < 2; i++) {
		cw_connect_accept((struct sockaddr *)&la, alen, lfd, 0,
				  &cli[i], &srv[i]);
		close(srv[i]);
		wait_close_wait(cli[i]);
	}
	snprintf(file, sizeof(file), "%s.armed", out);
	snprintf(line, sizeof(line), "armed ports=%u %u pid=%d\n",
		 local_port(cli[0]), local_port(cli[1]), (int)getpid());
	cw_write_ready(file, line);

	/* Poll every 200 us: the reaper holds the next socket for its delay. */
	end = cw_now_s() + hold_s;
	while (!stop && ended < 0 && cw_now_s() < end) {
		for (i = 0; i < 2 && ended < 0; i++)
			if (cw_tcp_state(cli[i]) != CW_ST_CLOSE_WAIT)
				ended = i;
		if (ended < 0)
			usleep(200);
	}
	snprintf(file, sizeof(file), "%s.recycled", out);
	if (ended < 0)
		cw_die("no socket left CLOSE_WAIT");
	i = !ended;
	if (cw_tcp_state(cli[i]) != CW_ST_CLOSE_WAIT) {
		cw_write_ready(file, "recycled none\n");
	} else {
		unsigned int was = local_port(cli[ended]);

		memset(&unspec, 0, sizeof(unspec));
		unspec.sa_family = AF_UNSPEC;
		if (connect(cli[i], &unspec, sizeof(unspec)))
			cw_die("connect AF_UNSPEC: %s", strerror(errno));
		if (connect(cli[i], (struct sockaddr *)&la, alen))
			cw_die("connect again: %s", strerror(errno));
		srv[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (srv[i] < 0)
			cw_die("accept: %s", strerror(errno));
		close(srv[i]);
		wait_close_wait(cli[i]);
		snprintf(line, sizeof(line), "recycled ended=%u port=%u\n",
			 was, local_port(cli[i]));
		cw_write_ready(file, line);
	}
	while (!stop && cw_now_s() < end) {
		struct timespec ts = { .tv_sec = 1 };

		pselect(0, NULL, NULL, NULL, &ts, &empty);
	}
	return 0;
}

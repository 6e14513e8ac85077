// SPDX-License-Identifier: GPL-2.0
/*
 * cw_qchurn - close listeners with CLOSE_WAIT children they never accepted,
 * round after round, as fast as it can.
 *
 * Each round makes -L listeners (default 4) on 127.0.0.1, connects -Q
 * clients (default 40) to each and shuts their sending side down, so that
 * every child still in a listener's accept queue is in CLOSE_WAIT (checked:
 * each client reaches FIN_WAIT2, which the child's ACK of the FIN does),
 * then closes the listeners: inet_csk_listen_stop() disconnects each child
 * under bh_lock_sock() alone. Then the clients are closed.
 *
 * Runs for -d SEC (default 10), then prints
 *   done rounds=R children=C
 * to stdout and to -o FILE (atomically).
 *
 * -W NAME (needs -o) makes one round, for a race window of the test build
 * (module/cwstat_window.h): once every child is in CLOSE_WAIT it writes
 *   armed children=C
 * to FILE.armed, waits for the window NAME to open, and only then closes
 * the listeners, so that their children are disconnected while the module
 * holds that window open. Each client should then see the RST of its
 * child: the done line adds reset=N, the clients whose recv() failed
 * ECONNRESET, and other=M, the rest (waited for up to 10 s to reach
 * CLOSE).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cw_helpers.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: cw_qchurn [-L LISTENERS] [-Q CHILDREN] [-d SEC] [-N NETNS_FILE] [-o FILE]\n"
		"                 [-W WINDOW]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long nl = 4, nq = 40, secs = 10, rounds = 0, children = 0;
	unsigned long reset = 0, other = 0;
	const char *netns = NULL, *out = NULL, *window = NULL;
	int *lfd, *cfd, opt;
	double end;
	char line[160];

	while ((opt = getopt(argc, argv, "L:Q:d:N:o:W:h")) != -1) {
		switch (opt) {
		case 'L':
			nl = cw_parse_ul(optarg, "-L");
			break;
		case 'Q':
			nq = cw_parse_ul(optarg, "-Q");
			break;
		case 'd':
			secs = cw_parse_ul(optarg, "-d");
			break;
		case 'N':
			netns = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'W':
			window = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !nl || !nq || nl > 1000 || nq > 1000 ||
	    (window && !out))
		usage();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (netns)
		cw_enter_netns(netns);
	cw_raise_nofile(nl * (nq + 1) + 64);
	lfd = calloc(nl, sizeof(*lfd));
	cfd = calloc(nl * nq, sizeof(*cfd));
	if (!lfd || !cfd)
		cw_die("calloc: %s", strerror(errno));

	end = cw_now_s() + secs;
	while (cw_now_s() < end || (window && !rounds)) {
		unsigned long l, i;

		for (l = 0; l < nl; l++) {
			struct sockaddr_in la;
			socklen_t alen = sizeof(la);

			lfd[l] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			memset(&la, 0, sizeof(la));
			la.sin_family = AF_INET;
			la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			if (lfd[l] < 0 ||
			    bind(lfd[l], (struct sockaddr *)&la, sizeof(la)) ||
			    listen(lfd[l], nq + 8) ||
			    getsockname(lfd[l], (struct sockaddr *)&la, &alen))
				cw_die("listener: %s", strerror(errno));
			for (i = 0; i < nq; i++) {
				int c = socket(AF_INET,
					       SOCK_STREAM | SOCK_CLOEXEC, 0);

				if (c < 0 ||
				    connect(c, (struct sockaddr *)&la, alen) ||
				    shutdown(c, SHUT_WR))
					cw_die("client: %s", strerror(errno));
				cfd[l * nq + i] = c;
			}
		}
		for (i = 0; i < nl * nq; i++) {
			double t = cw_now_s() + 10;

			while (cw_tcp_state(cfd[i]) != CW_ST_FIN_WAIT2) {
				if (cw_now_s() > t)
					cw_die("a client not in FIN_WAIT2 after 10 s");
				usleep(100);
			}
		}
		if (window) {
			char armed[PATH_MAX];

			snprintf(armed, sizeof(armed), "%s.armed", out);
			snprintf(line, sizeof(line), "armed children=%lu\n",
				 nl * nq);
			cw_write_ready(armed, line);
			cw_window_wait(window);
		}
		for (l = 0; l < nl; l++)
			close(lfd[l]);
		if (window) {
			for (i = 0; i < nl * nq; i++) {
				double t = cw_now_s() + 10;
				char c;

				while (cw_tcp_state(cfd[i]) != CW_ST_CLOSE &&
				       cw_now_s() < t)
					usleep(1000);
				if (recv(cfd[i], &c, 1, MSG_DONTWAIT) < 0 &&
				    errno == ECONNRESET)
					reset++;
				else
					other++;
			}
		}
		for (i = 0; i < nl * nq; i++)
			close(cfd[i]);
		rounds++;
		children += nl * nq;
		if (window)
			break;
	}
	if (window)
		snprintf(line, sizeof(line),
			 "done rounds=%lu children=%lu reset=%lu other=%lu\n",
			 rounds, children, reset, other);
	else
		snprintf(line, sizeof(line), "done rounds=%lu children=%lu\n",
			 rounds, children);
	fputs(line, stdout);
	fflush(stdout);
	if (out)
		cw_write_ready(out, line);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * leaky-server PORT: the demo's misbehaving application. It accepts TCP
 * connections and never reads or closes them, so every connection whose
 * client hangs up stays in CLOSE_WAIT, the way a service with an fd leak
 * fills up. SIGUSR1 makes it close everything it holds (the "fix"),
 * SIGTERM ends it.
 *
 * leaky-server --clients PORT N: its well-behaved clients: N connections
 * to localhost:PORT, each sends a request and hangs up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HELD 65536

static volatile sig_atomic_t close_all;

static void on_usr1(int sig)
{
	(void)sig;
	close_all = 1;
}

static int run_clients(int port, int count)
{
	static const char request[] = "GET / HTTP/1.0\r\n\r\n";
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int i;

	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < count; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 ||
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		    write(fd, request, sizeof(request) - 1) < 0) {
			perror("client");
			return 1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static int held[MAX_HELD];
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6 };
	struct sigaction sa = { .sa_handler = on_usr1 };
	int lfd, one = 1, n = 0;

	if (argc == 4 && !strcmp(argv[1], "--clients"))
		return run_clients(atoi(argv[2]), atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: %s PORT | --clients PORT N\n", argv[0]);
		return 2;
	}
	/* No SA_RESTART: the signal must interrupt accept(). */
	sigaction(SIGUSR1, &sa, NULL);

	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	addr.sin6_port = htons(atoi(argv[1]));
	addr.sin6_addr = in6addr_any;
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 4096)) {
		perror("leaky-server");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0 && n < MAX_HELD)
			held[n++] = fd;
		else if (fd >= 0)
			close(fd);
		else if (errno != EINTR)
			perror("accept");
		if (close_all) {
			while (n > 0)
				close(held[--n]);
			close_all = 0;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A leaky server for the container runtimes' test: on 127.0.0.1:PORT in
 * its own netns it accepts N connections from itself, the clients close,
 * and the server never does, so N sockets sit in CLOSE_WAIT for as long
 * as it lives. It says "leak ready N" on stdout once each accepted
 * socket has read the peer's FIN (read returns 0: the socket is in
 * CLOSE_WAIT), then sleeps until killed.
 *
 * usage: leak N PORT   (static, the only program of the test's image
 *                       beside busybox)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int n, port, l, i, one = 1;
	char c;

	if (argc != 3 || (n = atoi(argv[1])) <= 0 || n > 1000 ||
	    (port = atoi(argv[2])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: leak N PORT\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, n))
		die("bind/listen");
	for (i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0), t;

		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
		t = accept(l, NULL, NULL);
		if (t < 0)
			die("accept");
		close(s);
		/* The FIN has arrived: t is in CLOSE_WAIT, and stays. */
		if (read(t, &c, 1) != 0)
			die("read: expected EOF");
	}
	close(l);
	printf("leak ready %d\n", n);
	fflush(stdout);
	for (;;)
		pause();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cw_churn - loopback TCP connection churn through CLOSE_WAIT, as fast as it
 * goes, in several processes.
 *
 * Each process has its own listeners and loops: connect, accept, client
 * shutdown(SHUT_WR) (the accepted socket enters CLOSE_WAIT), and keeps the
 * pair in a ring of -k entries. Once the ring is full, the oldest pair is
 * closed, each time by the next of four ways out of CLOSE_WAIT:
 *   0  the server closes (CLOSE_WAIT -> LAST_ACK), then the client
 *   1  the client resets (SO_LINGER 0): the server goes to CLOSE by RST
 *   2  the server closes with unread data (CLOSE_WAIT -> CLOSE, RST sent)
 *   3  the server shuts down (CLOSE_WAIT -> LAST_ACK), then both close
 * With -k 0 every pair is closed at once by way 0: plain connect, accept,
 * close churn, whose rate -d measures. -i USEC sleeps that long after each
 * connection, for a churn slower than the CPUs allow.
 *
 * The churn stops after -d seconds, or on SIGUSR1. Each process then checks
 * that the accepted sockets still in its ring are in CLOSE_WAIT (TCP_INFO)
 * and the parent writes one line to stdout (and to -o FILE, atomically):
 *   ready close_wait=N conns=C ms=T
 * where N is the CLOSE_WAIT sockets held, C the connections made by all
 * processes and T the churn's duration. The sockets are then held until
 * SIGTERM (or SIGINT, SIGHUP), and the process exits 0; with -x it exits
 * at once (to measure a churn rate). The processes get
 * SIGTERM when their parent dies.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cw_helpers.h"

#define MAX_PROCS	64

struct pair {
	int cli, srv, way;
};

struct opts {
	unsigned int procs;
	unsigned int keep;
	unsigned int listeners;
	double secs;
	unsigned int interval_us;
	const char *addr;
	const char *netns;
	const char *outfile;
	int exit_when_ready;
};

static volatile sig_atomic_t stop_churn, got_term;
/* In the parent, the children's pids, to pass signals on to. */
static pid_t kids[MAX_PROCS];
static unsigned int nr_kids;

static void usage(void)
{
	fputs(
"usage: cw_churn [-P PROCS] [-k KEEP] [-l LISTENERS] [-d SEC] [-i USEC]\n"
"                [-a ADDR] [-N NETNS_FILE] [-o FILE] [-x]\n", stderr);
	exit(2);
}

static void forward(int sig)
{
	unsigned int i;
	int saved = errno;

	for (i = 0; i < nr_kids; i++)
		kill(kids[i], sig);
	errno = saved;
}

static void on_usr1(int sig)
{
	stop_churn = 1;
	forward(sig);
}

static void on_term(int sig)
{
	got_term = 1;
	stop_churn = 1;
	forward(sig);
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		cw_die("sigaction: %s", strerror(errno));
}

static void close_pair(struct pair *p)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	switch (p->way) {
	case 0:
		close(p->srv);
		close(p->cli);
		break;
	case 1:
		setsockopt(p->cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(p->cli);
		close(p->srv);
		break;
	case 2:
		/* the byte sent before the FIN is still unread */
		close(p->srv);
		close(p->cli);
		break;
	default:
		shutdown(p->srv, SHUT_RDWR);
		close(p->srv);
		close(p->cli);
		break;
	}
}

/*
 * Never abandons a connection half made: a connect() interrupted by a signal
 * goes on in the kernel, and closing it then could leave a child behind in
 * the accept queue, uncounted.
 */
static void make_pair(struct sockaddr_in *la, int lfd, struct pair *p, int way)
{
	int c, s;

	cw_connect_accept((struct sockaddr *)la, sizeof(*la), lfd, 1, &c, &s);
	if (way == 2 && send(c, "x", 1, MSG_NOSIGNAL) != 1)
		cw_die("send: %s", strerror(errno));
	if (shutdown(c, SHUT_WR))
		cw_die("shutdown: %s", strerror(errno));
	p->cli = c;
	p->srv = s;
	p->way = way;
}

/* One churning process; writes "HELD CONNS\n" to @out when it stops. */
static void child(const struct opts *o, int out)
{
	struct sockaddr_in *la;
	struct pair *ring;
	unsigned long conns = 0, head = 0, n = 0, i;
	double deadline = o->secs > 0 ? cw_now_s() + o->secs : 0;
	char line[64];
	int *lfd, len;

	la = calloc(o->listeners, sizeof(*la));
	lfd = calloc(o->listeners, sizeof(*lfd));
	ring = calloc(o->keep + 1, sizeof(*ring));
	if (!la || !lfd || !ring)
		cw_die("out of memory");
	for (i = 0; i < o->listeners; i++) {
		socklen_t alen = sizeof(la[i]);
		int one = 1;

		la[i].sin_family = AF_INET;
		if (inet_pton(AF_INET, o->addr, &la[i].sin_addr) != 1)
			cw_die("bad address %s", o->addr);
		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd[i] < 0)
			cw_die("socket: %s", strerror(errno));
		setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd[i], (struct sockaddr *)&la[i], sizeof(la[i])) ||
		    listen(lfd[i], 4096) ||
		    getsockname(lfd[i], (struct sockaddr *)&la[i], &alen))
			cw_die("listener: %s", strerror(errno));
	}

	while (!stop_churn) {
		unsigned long li = conns % o->listeners;
		struct pair p;
		int way = o->keep ? conns % 4 : 0;

		if (deadline && (conns & 15) == 0 && cw_now_s() >= deadline)
			break;
		make_pair(&la[li], lfd[li], &p, way);
		conns++;
		if (o->interval_us)
			usleep(o->interval_us);
		if (!o->keep) {
			close_pair(&p);
			continue;
		}
		if (n < o->keep) {
			ring[n++] = p;
			continue;
		}
		/* full: replace the oldest, at head */
		close_pair(&ring[head]);
		ring[head] = p;
		head = (head + 1) % o->keep;
	}

	/* Loopback delivers in softirq: give the last FINs time to land. */
	for (i = 0; i < n; i++) {
		struct pair *p = &ring[(head + i) % o->keep];
		double until = cw_now_s() + 30;

		while (cw_tcp_state(p->srv) != CW_ST_CLOSE_WAIT) {
			if (cw_now_s() > until)
				cw_die("held socket %lu: state %d, not CLOSE_WAIT",
				    i, cw_tcp_state(p->srv));
			usleep(1000);
		}
	}
	len = snprintf(line, sizeof(line), "%lu %lu\n", n, conns);
	if (write(out, line, len) != len)
		cw_die("write: %s", strerror(errno));
	while (!got_term)
		pause();
	exit(0);
}

int main(int argc, char **argv)
{
	struct opts o = { .procs = 1, .keep = 0, .listeners = 4,
			  .addr = "127.0.0.1" };
	pid_t pids[MAX_PROCS];
	unsigned long held = 0, conns = 0;
	unsigned int i;
	double t0;
	char line[256];
	struct rlimit rl;
	int fds[2], c;
	FILE *in;

	while ((c = getopt(argc, argv, "P:k:l:d:i:a:N:o:xh")) != -1) {
		switch (c) {
		case 'P':
			o.procs = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o.keep = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o.listeners = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o.secs = strtod(optarg, NULL);
			break;
		case 'i':
			o.interval_us = strtoul(optarg, NULL, 10);
			break;
		case 'a':
			o.addr = optarg;
			break;
		case 'N':
			o.netns = optarg;
			break;
		case 'o':
			o.outfile = optarg;
			break;
		case 'x':
			o.exit_when_ready = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o.procs || o.procs > MAX_PROCS ||
	    !o.listeners)
		usage();

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() == 1)
		cw_die("parent gone");
	if (o.netns) {
		int fd = open(o.netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			cw_die("netns %s: %s", o.netns, strerror(errno));
		close(fd);
	}
	rl.rlim_cur = rl.rlim_max = 2 * o.keep + o.listeners + 256;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		cw_die("setrlimit: %s", strerror(errno));

	handle(SIGUSR1, on_usr1);
	handle(SIGTERM, on_term);
	handle(SIGINT, on_term);
	handle(SIGHUP, on_term);
	if (pipe(fds))
		cw_die("pipe: %s", strerror(errno));
	t0 = cw_now_s();
	for (i = 0; i < o.procs; i++) {
		sigset_t all, old;

		/* no signal is forwarded with a half-made list */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		pids[i] = fork();
		if (pids[i] < 0)
			cw_die("fork: %s", strerror(errno));
		if (!pids[i]) {
			nr_kids = 0;
			sigprocmask(SIG_SETMASK, &old, NULL);
			close(fds[0]);
			if (prctl(PR_SET_PDEATHSIG, SIGTERM))
				cw_die("prctl: %s", strerror(errno));
			child(&o, fds[1]);
		}
		kids[nr_kids++] = pids[i];
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* a stop that came before this child was forked */
		if (stop_churn)
			kill(pids[i], got_term ? SIGTERM : SIGUSR1);
	}
	close(fds[1]);

	in = fdopen(fds[0], "r");
	if (!in)
		cw_die("fdopen: %s", strerror(errno));
	for (i = 0; i < o.procs; i++) {
		unsigned long h, n;

		while (!fgets(line, sizeof(line), in)) {
			if (got_term)
				goto out;
			if (!(ferror(in) && errno == EINTR))
				cw_die("a churning process died");
			clearerr(in);
		}
		if (sscanf(line, "%lu %lu", &h, &n) != 2)
			cw_die("bad line from a child: %s", line);
		held += h;
		conns += n;
	}
	snprintf(line, sizeof(line), "ready close_wait=%lu conns=%lu ms=%lu\n",
		 held, conns, (unsigned long)((cw_now_s() - t0) * 1000));
	if (o.outfile)
		cw_write_ready(o.outfile, line);
	fputs(line, stdout);
	fflush(stdout);
	while (!got_term && !o.exit_when_ready)
		pause();
out:
	for (i = 0; i < o.procs; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < o.procs; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}

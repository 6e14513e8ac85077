// SPDX-License-Identifier: GPL-2.0
/*
 * cw_factory - make a known number of TCP sockets in CLOSE_WAIT and hold them.
 *
 * Every CLOSE_WAIT socket is the accepted (server) end of a loopback
 * connection whose client did shutdown(SHUT_WR).  The client is kept open:
 * an owned FIN_WAIT2 socket has no timer and is never reset, whereas an
 * orphaned one is subject to tcp_max_orphans and tcp_fin_timeout, which
 * would kill its CLOSE_WAIT peer behind the test's back.
 *
 * Connections are spread over several listeners because the ephemeral port
 * range (about 28k ports) limits connections per (src, dst, dport); a port
 * is reusable towards another dport, so capacity grows with the listeners.
 *
 * Queued sockets (-Q) are CLOSE_WAIT children that are never accepted: a
 * listener of their own keeps them in its accept queue, and closing it (at
 * exit) destroys them through inet_csk_listen_stop(), a path of its own.
 *
 * SYN_RECV noise (-S) comes from a listener with a long TCP_DEFER_ACCEPT:
 * it drops the handshake's bare final ACK, so the request socket stays in
 * the established hash as a SYN_RECV minisock while the client is
 * ESTABLISHED.
 *
 * Once every socket is verified with TCP_INFO, one line goes to stdout (and
 * to -o FILE, which appears atomically so a poller never sees half a line):
 *   ready close_wait=N recvq_bytes=B established=E timewait=T synrecv=S
 *         finwait2=N listen=L sockets=X ns=INUM pid=P queued=Q
 * where close_wait and finwait2 include the Q queued ones, and sockets is
 * the number of established-hash entries this process made
 * (2N + 2E + T + 2S).  The sockets are then held until SIGTERM, SIGINT or
 * SIGHUP (or EOF on stdin with -i; not the default because sh gives
 * background jobs /dev/null as stdin), and the process exits 0.
 *
 * With -R FILE, for the reaper's tests, SIGUSR1 probes every CLOSE_WAIT
 * pair once and writes to FILE (atomically, like -o) what the application
 * and the peer see:
 *   probe srv_cw=N srv_aborted=A srv_closed=C srv_other=O srv_rmem=M
 *         cli_reset=R cli_eof=E cli_open=P cli_other=Q
 * srv_*: the server socket is still in CLOSE_WAIT; or it is in CLOSE and
 * send() fails ECONNABORTED (the reaper's error); or SIGUSR2 closed it; or
 * none of these. srv_rmem sums the receive memory (SO_MEMINFO) the aborted
 * ones still hold. cli_*: the client's recv() fails ECONNRESET (the peer was
 * reset), returns 0 (the peer closed with a FIN), would block (the peer is
 * still in CLOSE_WAIT), or something else. Reading an error clears it:
 * probe once. SIGUSR2 closes every server socket of a CLOSE_WAIT pair, as
 * a racing application would, then writes "closed" to FILE.closed.  It also gets SIGTERM when
 * its parent dies, so a killed test script does not leak sockets into the
 * next test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>

#include "cw_helpers.h"

#define CONNS_PER_LISTENER	2000
#define MAX_UNREAD		(256 * 1024)

struct opts {
	unsigned long n_cw;
	unsigned long n_est;
	unsigned long n_tw;
	unsigned long n_syn;
	unsigned long n_eof;
	unsigned long n_queued;
	unsigned long unread;
	unsigned long listeners;
	unsigned int port;
	unsigned int timeout_s;
	int family;
	const char *addr;
	const char *netns;
	const char *cgroup;
	const char *lcgroup;
	const char *mvcgroup;
	const char *outfile;
	const char *probefile;
	int stdin_eof;
};

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_usr1, got_usr2;

static void usage(void)
{
	fputs(
"usage: cw_factory [options]\n"
"  -n N     CLOSE_WAIT sockets to make (default 1)\n"
"  -u B     unread payload bytes left in each CLOSE_WAIT socket (default 0)\n"
"  -e K     read up to EOF on K of them (their Recv-Q becomes 0)\n"
"  -E N     ESTABLISHED pairs to make as noise\n"
"  -T N     TIME_WAIT sockets to make as noise\n"
"  -S N     SYN_RECV request sockets to make as noise\n"
"  -Q N     CLOSE_WAIT sockets left unaccepted in a listener's queue\n"
"  -6       IPv6 (default address ::1)\n"
"  -a ADDR  loopback address to listen on (default 127.0.0.1)\n"
"  -l N     listeners to spread connections over (default 1 per 2000)\n"
"  -p PORT  first listener port (default: the kernel picks)\n"
"  -N FILE  enter this netns first (e.g. /run/netns/NAME)\n"
"  -c DIR   join this cgroup v2 directory before making sockets\n"
"  -L DIR   make the listeners in this cgroup (accepted sockets inherit it)\n"
"  -m DIR   move to this cgroup once ready (sockets keep their cgroup)\n"
"  -o FILE  also write the ready line to FILE\n"
"  -i       also exit on EOF on stdin\n"
"  -t SEC   give up verifying socket states after SEC s (default 30)\n"
"  -R FILE  SIGUSR1: probe the pairs into FILE; SIGUSR2: close the servers\n",
	      stderr);
	exit(2);
}

static int unread_bytes(int fd)
{
	int v;

	/* SIOCINQ leaves out the FIN's sequence number, unlike ss's Recv-Q */
	if (ioctl(fd, SIOCINQ, &v))
		cw_die("SIOCINQ: %s", strerror(errno));
	return v;
}

static void wait_state(int fd, int want, unsigned int timeout_s)
{
	double deadline = cw_now_s() + timeout_s;
	int got;

	while ((got = cw_tcp_state(fd)) != want) {
		if (cw_now_s() > deadline)
			cw_die("state %d, want %d after %u s", got, want,
			    timeout_s);
		usleep(1000);
	}
}

struct net {
	int family;
	socklen_t alen;
	struct sockaddr_storage *laddr;	/* one per listener */
	int *lfd;
	unsigned long nl;
	unsigned long next;		/* round robin over listeners */
};

static void make_listeners(struct net *nt, const struct opts *o)
{
	struct sockaddr_storage base;
	unsigned long i;

	memset(&base, 0, sizeof(base));
	if (o->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&base;

		s6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, o->addr, &s6->sin6_addr) != 1)
			cw_die("bad IPv6 address '%s'", o->addr);
		nt->alen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&base;

		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, o->addr, &s4->sin_addr) != 1)
			cw_die("bad IPv4 address '%s'", o->addr);
		nt->alen = sizeof(*s4);
	}
	nt->family = o->family;
	nt->nl = o->listeners;
	nt->laddr = calloc(nt->nl, sizeof(*nt->laddr));
	nt->lfd = calloc(nt->nl, sizeof(*nt->lfd));
	if (!nt->laddr || !nt->lfd)
		cw_die("out of memory");

	for (i = 0; i < nt->nl; i++) {
		struct sockaddr_storage *a = &nt->laddr[i];
		socklen_t len = nt->alen;
		int one = 1, fd;
		uint16_t port = o->port ? htons(o->port + i) : 0;

		*a = base;
		if (o->family == AF_INET6)
			((struct sockaddr_in6 *)a)->sin6_port = port;
		else
			((struct sockaddr_in *)a)->sin_port = port;

		fd = socket(o->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			cw_die("socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)a, nt->alen))
			cw_die("bind %s port %u: %s", o->addr, ntohs(port),
			    strerror(errno));
		if (listen(fd, 4096))
			cw_die("listen: %s", strerror(errno));
		/* learn the port the kernel picked */
		if (getsockname(fd, (struct sockaddr *)a, &len))
			cw_die("getsockname: %s", strerror(errno));
		nt->lfd[i] = fd;
	}
}

/* One loopback connection; both ends are ESTABLISHED on return. */
static void make_pair(struct net *nt, int *cli, int *srv)
{
	unsigned long li = nt->next++ % nt->nl;

	cw_connect_accept((struct sockaddr *)&nt->laddr[li], nt->alen,
			  nt->lfd[li], 0, cli, srv);
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			cw_die("send: %s", strerror(errno));
		}
		buf += w;
		len -= w;
	}
}

static void drain_to_eof(int fd)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0)
			return;
		if (r < 0 && errno != EINTR)
			cw_die("recv: %s", strerror(errno));
	}
}

/*
 * Loopback delivery is normally done by the time the sending syscall
 * returns, but softirq work can be deferred to ksoftirqd under load (and
 * TCG is slow), so wait for the states rather than assume them.
 */
static void verify(const struct opts *o, int *cw_cli, int *cw_srv,
		   int *est_cli, int *est_srv)
{
	double deadline = cw_now_s() + o->timeout_s;
	unsigned long i = 0, j = 0;
	const char *what = "";
	long got = 0, want = 0;

	while (i < o->n_cw || j < o->n_est) {
		int progress = 0;

		for (; i < o->n_cw; i++, progress = 1) {
			got = cw_tcp_state(cw_srv[i]);
			want = CW_ST_CLOSE_WAIT;
			what = "server state";
			if (got != want)
				break;
			got = cw_tcp_state(cw_cli[i]);
			want = CW_ST_FIN_WAIT2;
			what = "client state";
			if (got != want)
				break;
			got = unread_bytes(cw_srv[i]);
			want = o->unread;
			what = "unread bytes";
			if (got != want)
				break;
		}
		for (; i >= o->n_cw && j < o->n_est; j++, progress = 1) {
			got = cw_tcp_state(est_srv[j]);
			want = CW_ST_ESTABLISHED;
			what = "established server state";
			if (got != want)
				break;
			got = cw_tcp_state(est_cli[j]);
			what = "established client state";
			if (got != want)
				break;
		}
		if (i >= o->n_cw && j >= o->n_est)
			break;
		if (cw_now_s() > deadline)
			cw_die("socket %lu/%lu: %s is %ld, want %ld after %u s",
			    i < o->n_cw ? i : j,
			    i < o->n_cw ? o->n_cw : o->n_est,
			    what, got, want, o->timeout_s);
		if (!progress)
			usleep(10000);
	}
}

/*
 * Clients of a listener of their own that never completes their handshake:
 * the server side stays a SYN_RECV minisock for as long as the defer
 * period, far longer than any test.
 */
static void make_syn_recv(struct net *nt, const struct opts *o)
{
	struct sockaddr_storage a = nt->laddr[0];
	socklen_t len = nt->alen;
	int defer = 3600, lfd, i;

	lfd = socket(nt->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		cw_die("socket: %s", strerror(errno));
	if (nt->family == AF_INET6)
		((struct sockaddr_in6 *)&a)->sin6_port = 0;
	else
		((struct sockaddr_in *)&a)->sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&a, nt->alen) ||
	    setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
		       sizeof(defer)) ||
	    listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len))
		cw_die("SYN_RECV listener: %s", strerror(errno));
	for (i = 0; i < (int)o->n_syn; i++) {
		int c = socket(nt->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (c < 0)
			cw_die("socket: %s", strerror(errno));
		while (connect(c, (struct sockaddr *)&a, nt->alen)) {
			if (errno != EINTR)
				cw_die("connect (SYN_RECV): %s", strerror(errno));
		}
		/* the client end is ESTABLISHED once connect() returns */
		wait_state(c, CW_ST_ESTABLISHED, o->timeout_s);
	}
}

/*
 * Clients of a listener of their own that never accepts: each client
 * shuts down its sending side, and once it is in FIN_WAIT2 its FIN was
 * acknowledged, so the child in the accept queue is in CLOSE_WAIT.
 */
static void make_queued(struct net *nt, const struct opts *o)
{
	struct sockaddr_storage a = nt->laddr[0];
	socklen_t len = nt->alen;
	unsigned long i;
	int lfd, *cli;

	cli = calloc(o->n_queued, sizeof(*cli));
	lfd = socket(nt->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!cli || lfd < 0)
		cw_die("queued: %s", strerror(errno));
	if (nt->family == AF_INET6)
		((struct sockaddr_in6 *)&a)->sin6_port = 0;
	else
		((struct sockaddr_in *)&a)->sin_port = 0;
	if (bind(lfd, (struct sockaddr *)&a, nt->alen) ||
	    listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len))
		cw_die("queued listener: %s", strerror(errno));
	for (i = 0; i < o->n_queued; i++) {
		cli[i] = socket(nt->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cli[i] < 0)
			cw_die("socket: %s", strerror(errno));
		while (connect(cli[i], (struct sockaddr *)&a, nt->alen)) {
			if (errno != EINTR)
				cw_die("connect (queued): %s", strerror(errno));
		}
		if (shutdown(cli[i], SHUT_WR))
			cw_die("shutdown: %s", strerror(errno));
	}
	for (i = 0; i < o->n_queued; i++)
		wait_state(cli[i], CW_ST_FIN_WAIT2, o->timeout_s);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_signal = sig;
}

/* The CLOSE_WAIT pairs, for -R. */
static int *g_cli, *g_srv;
static unsigned long g_n;

static void probe(const char *file)
{
	unsigned long srv_cw = 0, srv_ab = 0, srv_closed = 0, srv_other = 0;
	unsigned long srv_rmem = 0;
	unsigned long cli_reset = 0, cli_eof = 0, cli_open = 0, cli_other = 0;
	char line[512], c;
	unsigned long i;
	ssize_t r;

	for (i = 0; i < g_n; i++) {
		if (g_srv[i] < 0) {
			srv_closed++;
		} else if (cw_tcp_state(g_srv[i]) == CW_ST_CLOSE_WAIT) {
			srv_cw++;
		} else if (cw_tcp_state(g_srv[i]) == CW_ST_CLOSE &&
			   send(g_srv[i], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
			   errno == ECONNABORTED) {
			uint32_t mem[SK_MEMINFO_VARS];
			socklen_t len = sizeof(mem);

			srv_ab++;
			if (!getsockopt(g_srv[i], SOL_SOCKET, SO_MEMINFO, mem,
					&len))
				srv_rmem += mem[SK_MEMINFO_RMEM_ALLOC];
		} else {
			srv_other++;
		}
		r = recv(g_cli[i], &c, 1, MSG_DONTWAIT | MSG_PEEK);
		if (r < 0 && errno == ECONNRESET)
			cli_reset++;
		else if (!r)
			cli_eof++;
		else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			cli_open++;
		else
			cli_other++;
	}
	snprintf(line, sizeof(line),
		 "probe srv_cw=%lu srv_aborted=%lu srv_closed=%lu srv_other=%lu "
		 "srv_rmem=%lu cli_reset=%lu cli_eof=%lu cli_open=%lu "
		 "cli_other=%lu\n",
		 srv_cw, srv_ab, srv_closed, srv_other, srv_rmem, cli_reset,
		 cli_eof, cli_open, cli_other);
	cw_write_ready(file, line);
}

static void close_servers(const char *file)
{
	char done[PATH_MAX];
	unsigned long i;

	for (i = 0; i < g_n; i++) {
		if (g_srv[i] >= 0)
			close(g_srv[i]);
		g_srv[i] = -1;
	}
	snprintf(done, sizeof(done), "%s.closed", file);
	cw_write_ready(done, "closed\n");
}

static void hold(const struct opts *o)
{
	sigset_t empty, usr;
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	cw_catch_term(on_signal, &empty);
	/* -R: SIGUSR1 and SIGUSR2 too, let in only where the others are */
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr, NULL);
	if (o->probefile) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
	}

	/* signals are only let in inside ppoll, so none is lost */
	while (!got_signal) {
		int r;

		if (got_usr2) {
			got_usr2 = 0;
			close_servers(o->probefile);
		}
		if (got_usr1) {
			got_usr1 = 0;
			probe(o->probefile);
		}
		r = ppoll(o->stdin_eof ? &pfd : NULL, o->stdin_eof,
			  NULL, &empty);

		if (r > 0) {
			char buf[512];

			if (read(0, buf, sizeof(buf)) <= 0)
				return;
		} else if (r < 0 && errno != EINTR) {
			cw_die("ppoll: %s", strerror(errno));
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o = {
		.n_cw = 1,
		.timeout_s = 30,
		.family = AF_INET,
	};
	struct net nt;
	int *cw_cli, *cw_srv, *est_cli = NULL, *est_srv = NULL;
	char *payload = NULL;
	char line[512];
	struct stat st;
	unsigned long i, total;
	int c;

	while ((c = getopt(argc, argv, "n:u:e:E:T:S:Q:6a:l:p:N:c:L:m:o:it:R:h")) != -1) {
		switch (c) {
		case 'n':
			o.n_cw = cw_parse_ul(optarg, "-n");
			break;
		case 'u':
			o.unread = cw_parse_ul(optarg, "-u");
			break;
		case 'e':
			o.n_eof = cw_parse_ul(optarg, "-e");
			break;
		case 'E':
			o.n_est = cw_parse_ul(optarg, "-E");
			break;
		case 'T':
			o.n_tw = cw_parse_ul(optarg, "-T");
			break;
		case 'S':
			o.n_syn = cw_parse_ul(optarg, "-S");
			break;
		case 'Q':
			o.n_queued = cw_parse_ul(optarg, "-Q");
			break;
		case '6':
			o.family = AF_INET6;
			break;
		case 'a':
			o.addr = optarg;
			break;
		case 'l':
			o.listeners = cw_parse_ul(optarg, "-l");
			break;
		case 'p':
			o.port = cw_parse_ul(optarg, "-p");
			break;
		case 'N':
			o.netns = optarg;
			break;
		case 'c':
			o.cgroup = optarg;
			break;
		case 'L':
			o.lcgroup = optarg;
			break;
		case 'm':
			o.mvcgroup = optarg;
			break;
		case 'o':
			o.outfile = optarg;
			break;
		case 'i':
			o.stdin_eof = 1;
			break;
		case 't':
			o.timeout_s = cw_parse_ul(optarg, "-t");
			break;
		case 'R':
			o.probefile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!o.addr)
		o.addr = o.family == AF_INET6 ? "::1" : "127.0.0.1";
	if (o.n_eof > o.n_cw)
		cw_die("-e %lu is more than -n %lu", o.n_eof, o.n_cw);
	if (o.unread > MAX_UNREAD)
		cw_die("-u %lu: at most %d, so that it fits the receive buffer",
		    o.unread, MAX_UNREAD);
	total = o.n_cw + o.n_est + o.n_tw;
	if (!o.listeners)
		o.listeners = (total + CONNS_PER_LISTENER - 1) /
			      CONNS_PER_LISTENER;
	if (!o.listeners)
		o.listeners = 1;
	if (o.port && o.port + o.listeners - 1 > 65535)
		cw_die("-p %u with %lu listeners runs past port 65535",
		    o.port, o.listeners);

	if (prctl(PR_SET_PDEATHSIG, SIGTERM))
		cw_die("PR_SET_PDEATHSIG: %s", strerror(errno));
	/* the parent may have died before prctl() */
	if (getppid() == 1)
		cw_die("parent already gone");

	cw_raise_nofile(2 * (o.n_cw + o.n_est) + o.n_syn + o.n_queued +
		     o.listeners + 64);

	if (o.netns)
		cw_enter_netns(o.netns);
	if (o.lcgroup)
		cw_enter_cgroup(o.lcgroup);
	else if (o.cgroup)
		cw_enter_cgroup(o.cgroup);
	make_listeners(&nt, &o);
	if (o.lcgroup && o.cgroup)
		cw_enter_cgroup(o.cgroup);

	cw_cli = calloc(o.n_cw + 1, sizeof(int));
	cw_srv = calloc(o.n_cw + 1, sizeof(int));
	if (o.n_est) {
		est_cli = calloc(o.n_est, sizeof(int));
		est_srv = calloc(o.n_est, sizeof(int));
	}
	if (o.unread)
		payload = malloc(o.unread);
	if (!cw_cli || !cw_srv || (o.n_est && (!est_cli || !est_srv)) ||
	    (o.unread && !payload))
		cw_die("out of memory");
	if (payload)
		memset(payload, 'x', o.unread);

	for (i = 0; i < o.n_cw; i++) {
		make_pair(&nt, &cw_cli[i], &cw_srv[i]);
		if (o.unread)
			send_all(cw_cli[i], payload, o.unread);
		if (shutdown(cw_cli[i], SHUT_WR))
			cw_die("shutdown: %s", strerror(errno));
	}
	for (i = 0; i < o.n_est; i++)
		make_pair(&nt, &est_cli[i], &est_srv[i]);
	for (i = 0; i < o.n_tw; i++) {
		int cl, sv;

		/*
		 * The side that closes first ends in TIME_WAIT.  Closing the
		 * server before the client's FIN lands would be a
		 * simultaneous close (CLOSING, two TIME_WAITs).
		 */
		make_pair(&nt, &cl, &sv);
		close(cl);
		wait_state(sv, CW_ST_CLOSE_WAIT, o.timeout_s);
		close(sv);
	}

	if (o.n_syn)
		make_syn_recv(&nt, &o);
	if (o.n_queued)
		make_queued(&nt, &o);

	verify(&o, cw_cli, cw_srv, est_cli, est_srv);
	for (i = 0; i < o.n_eof; i++) {
		drain_to_eof(cw_srv[i]);
		if (unread_bytes(cw_srv[i]) != 0 ||
		    cw_tcp_state(cw_srv[i]) != CW_ST_CLOSE_WAIT)
			cw_die("socket %lu not empty CLOSE_WAIT after EOF", i);
	}

	if (o.mvcgroup)
		cw_enter_cgroup(o.mvcgroup);
			g_cli = cw_cli;
	g_srv = cw_srv;
	g_n = o.n_cw;

	if (stat("/proc/self/ns/net", &st))
		cw_die("stat /proc/self/ns/net: %s", strerror(errno));
	snprintf(line, sizeof(line),
		 "ready close_wait=%lu recvq_bytes=%lu established=%lu "
		 "timewait=%lu synrecv=%lu finwait2=%lu listen=%lu sockets=%lu "
		 "ns=%lu pid=%d queued=%lu\n",
		 o.n_cw + o.n_queued, (o.n_cw - o.n_eof) * o.unread, o.n_est,
		 o.n_tw, o.n_syn, o.n_cw + o.n_queued,
		 nt.nl + !!o.n_syn + !!o.n_queued,
		 2 * (o.n_cw + o.n_est + o.n_syn + o.n_queued) + o.n_tw,
		 (unsigned long)st.st_ino, (int)getpid(), o.n_queued);
	if (o.outfile)
		cw_write_ready(o.outfile, line);
	fputs(line, stdout);
	fflush(stdout);

	hold(&o);
	return 0;
}

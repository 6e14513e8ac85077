// SPDX-License-Identifier: GPL-2.0
/*
 * cw_lockhold - hold one TCP socket's lock (lock_sock(), "owned by user")
 * for as long as the test wants, as a hung NFS or FUSE page would.
 *
 * A loopback connection is made; with the default -s cw its client does
 * shutdown(SHUT_WR), so the accepted socket is in CLOSE_WAIT (-s est keeps
 * it ESTABLISHED). A thread then send()s on the accepted socket from a
 * page registered with userfaultfd for missing pages: tcp_sendmsg() takes
 * the socket lock, faults while copying the page, and sleeps in the fault
 * with the socket owned. The main thread reads the fault from the
 * userfaultfd, which proves the send is inside it, writes
 *   ready state=cw port=P pid=PID
 * to stdout and to -o FILE (atomically), and leaves the fault unresolved.
 *
 * SIGUSR1 resolves the fault (UFFDIO_ZEROPAGE): the send completes, the
 * lock is released, the socket stays open, and "released" is written to
 * FILE.released. SIGTERM, SIGINT, SIGHUP (or the death of the parent)
 * resolve it too and exit 0. -t SEC (default 300) resolves it on its own
 * after SEC seconds, so that a broken test cannot leave a socket locked
 * for good.
 *
 * -W NAME, for a race window of the test build (cwstat_window.h): with the
 * connection made and the page registered, write
 *   armed state=cw port=P pid=PID
 * to FILE.armed, then send only once the window NAME opens (its OPENED
 * count in /sys/module/cwstat/parameters/windows rises), so that the lock
 * is taken while the module holds that window open. If the send returns
 * without a fault (the socket was closed or reset first, so it never got
 * to the page), write
 *   sent ret=R errno=NAME
 * to FILE.sent instead of the ready line, and hold the socket until
 * SIGTERM.
 *
 * userfaultfd: the fault is taken in kernel mode (copy_from_user inside
 * tcp_sendmsg), so UFFD_USER_MODE_ONLY must NOT be set (it would make the
 * copy fail with EFAULT instead), and then the syscall needs
 * CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1. The tests run as root,
 * which has CAP_SYS_PTRACE; -U sets the sysctl instead, for other users.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cw_helpers.h"

static int srv_fd = -1;
static void *page;
static long page_size;
static ssize_t send_ret;
static int send_errno;

static int done_pipe[2] = { -1, -1 };

static void *sender(void *arg)
{
	(void)arg;
	send_ret = send(srv_fd, page, page_size, MSG_NOSIGNAL);
	send_errno = errno;
	if (write(done_pipe[1], "x", 1) != 1)
		cw_die("write pipe: %s", strerror(errno));
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cw_lockhold [-s cw|est] [-N NETNS_FILE] [-o FILE] [-t SEC] [-U]\n"
		"                   [-W WINDOW]\n");
	exit(2);
}

static void resolve(int uffd)
{
	struct uffdio_zeropage zp;

	memset(&zp, 0, sizeof(zp));
	zp.range.start = (uintptr_t)page;
	zp.range.len = page_size;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp) && errno != EEXIST)
		cw_die("UFFDIO_ZEROPAGE: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *out = NULL, *state = "cw", *window = NULL;
	unsigned long hold_s = 300;
	struct sockaddr_in la;
	socklen_t alen;
	struct uffdio_register reg;
	struct uffdio_api api;
	struct uffd_msg msg;
	struct pollfd pfd[2];
	struct timespec ts;
	pthread_t thr;
	sigset_t sigs;
	siginfo_t si;
	int lfd, cli, uffd, opt, released = 0;
	char line[256];

	while ((opt = getopt(argc, argv, "s:N:o:t:UW:h")) != -1) {
		switch (opt) {
		case 's':
			state = optarg;
			if (strcmp(state, "cw") && strcmp(state, "est"))
				usage();
			break;
		case 'N':
			netns = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			hold_s = cw_parse_ul(optarg, "-t");
			break;
		case 'W':
			window = optarg;
			break;
		case 'U': {
			FILE *f = fopen("/proc/sys/vm/unprivileged_userfaultfd",
					"w");

			if (!f || fputs("1\n", f) < 0 || fclose(f))
				cw_die("vm.unprivileged_userfaultfd: %s",
				       strerror(errno));
			break;
		}
		default:
			usage();
		}
	}
	if (optind != argc || (window && !out))
		usage();

	/* The signals are taken by sigtimedwait() only, in this thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (netns)
		cw_enter_netns(netns);

	lfd = cw_listen_loopback(4, &la, &alen);
	cw_connect_accept((struct sockaddr *)&la, alen, lfd, 0, &cli, &srv_fd);
	if (!strcmp(state, "cw")) {
		double end = cw_now_s() + 10;

		if (shutdown(cli, SHUT_WR))
			cw_die("shutdown: %s", strerror(errno));
		while (cw_tcp_state(srv_fd) != CW_ST_CLOSE_WAIT) {
			if (cw_now_s() > end)
				cw_die("not in CLOSE_WAIT after 10 s");
			usleep(1000);
		}
	}

	page_size = sysconf(_SC_PAGESIZE);
	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		cw_die("mmap: %s", strerror(errno));
	/*
	 * Not UFFD_USER_MODE_ONLY: the fault we want is a kernel one. Non-
	 * blocking, since poll() on a blocking userfaultfd says only POLLERR.
	 */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	/* Exit status 4: a kernel without CONFIG_USERFAULTFD, for a skip. */
	if (uffd < 0 && errno == ENOSYS) {
		fprintf(stderr, "cw_lockhold: userfaultfd: not in this kernel (CONFIG_USERFAULTFD)\n");
		exit(4);
	}
	if (uffd < 0)
		cw_die("userfaultfd: %s (as root? vm.unprivileged_userfaultfd?)",
		       strerror(errno));
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(uffd, UFFDIO_API, &api))
		cw_die("UFFDIO_API: %s", strerror(errno));
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)page;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		cw_die("UFFDIO_REGISTER: %s", strerror(errno));

	if (pipe2(done_pipe, O_CLOEXEC))
		cw_die("pipe: %s", strerror(errno));
	if (window) {
		char armed[PATH_MAX];

		snprintf(armed, sizeof(armed), "%s.armed", out);
		snprintf(line, sizeof(line), "armed state=%s port=%u pid=%d\n",
			 state, ntohs(la.sin_port), (int)getpid());
		cw_write_ready(armed, line);
		cw_window_wait(window);
	}
	errno = pthread_create(&thr, NULL, sender, NULL);
	if (errno)
		cw_die("pthread_create: %s", strerror(errno));

	/*
	 * The fault arrives once the sender is in tcp_sendmsg(), locked; a
	 * send that returns first never reached the page.
	 */
	pfd[0].fd = uffd;
	pfd[0].events = POLLIN;
	pfd[1].fd = done_pipe[0];
	pfd[1].events = POLLIN;
	if (poll(pfd, 2, 10000) < 1)
		cw_die("no userfault within 10 s");
	if (!(pfd[0].revents & POLLIN)) {
		pthread_join(thr, NULL);
		snprintf(line, sizeof(line), "sent ret=%zd errno=%s\n",
			 send_ret,
			 send_ret < 0 ? strerrorname_np(send_errno) : "0");
		fputs(line, stdout);
		fflush(stdout);
		if (out) {
			char sent[PATH_MAX];

			snprintf(sent, sizeof(sent), "%s.sent", out);
			cw_write_ready(sent, line);
		}
		for (;;) {
			int sig = sigtimedwait(&sigs, &si, NULL);

			if (sig >= 0 && sig != SIGUSR1)
				break;
		}
		close(srv_fd);
		close(cli);
		close(lfd);
		return 0;
	}
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		cw_die("read userfaultfd: %s", strerror(errno));

	snprintf(line, sizeof(line), "ready state=%s port=%u pid=%d\n", state,
		 ntohs(la.sin_port), (int)getpid());
	fputs(line, stdout);
	fflush(stdout);
	if (out)
		cw_write_ready(out, line);

	ts.tv_sec = hold_s;
	ts.tv_nsec = 0;
	for (;;) {
		int sig = sigtimedwait(&sigs, &si, released ? NULL : &ts);

		if (sig < 0 && errno == EINTR)
			continue;
		if (!released) {
			resolve(uffd);
			pthread_join(thr, NULL);
			if (send_ret != page_size)
				cw_die("send: %zd (%s)", send_ret,
				       strerror(send_errno));
			released = 1;
			if (out) {
				char rel[PATH_MAX];

				snprintf(rel, sizeof(rel), "%s.released", out);
				cw_write_ready(rel, "released\n");
			}
		}
		if (sig != SIGUSR1 && sig >= 0)
			break;
	}
	close(srv_fd);
	close(cli);
	close(lfd);
	return 0;
}

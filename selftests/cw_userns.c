// SPDX-License-Identifier: GPL-2.0
/*
 * cw_userns [-c CGDIR [-G SUB]] [-m BASE | -r] [-n] [-u UID] CMD [ARGS...]
 *
 * Runs CMD in a new user namespace, the way a container runtime would
 * (busybox's unshare has no cgroup namespace and maps only one id):
 *
 *   -c DIR  first join the cgroup2 directory DIR and unshare the cgroup
 *           namespace there, so DIR is the container's "/"
 *   -G SUB  then join DIR/SUB (the container's /SUB)
 *   -r      map root inside to the caller's uid and gid outside (as
 *           "unshare -U -r"): run as root, that is, this is host root in a
 *           child user namespace
 *   -m BASE map 0..65535 inside to BASE..BASE+65535 outside (a container
 *           with its own id range; the caller must be root)
 *   -n      unshare the network namespace too (owned by the new user
 *           namespace) and bring its lo up
 *   -u UID  then become UID:UID inside (needs -m), which drops every
 *           capability: an unprivileged process in the container
 *
 * The uid and gid maps are written by a parent process, as newuidmap
 * would; it exits with CMD's status. 126: setup failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cw_cgroup.h"

static void die(const char *what)
{
	fprintf(stderr, "cw_userns: %s: %s\n", what, strerror(errno));
	exit(126);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die(path);
	close(fd);
}

static void lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	close(s);
}

int main(int argc, char **argv)
{
	const char *cg = NULL, *sub = NULL;
	long base = -1, uid = -1;
	int root_map = 0, net = 0, opt, p2c[2], c2p[2], st;
	char path[4096], map[64], c;
	uid_t ouid = geteuid();
	gid_t ogid = getegid();
	pid_t pid;

	while ((opt = getopt(argc, argv, "+c:G:m:rnu:")) != -1) {
		switch (opt) {
		case 'c': cg = optarg; break;
		case 'G': sub = optarg; break;
		case 'm': base = atol(optarg); break;
		case 'r': root_map = 1; break;
		case 'n': net = 1; break;
		case 'u': uid = atol(optarg); break;
		default: goto usage;
		}
	}
	if (optind >= argc || (base >= 0) == root_map || (uid >= 0 && base < 0) ||
	    (sub && !cg)) {
usage:
		fputs("usage: cw_userns [-c CGDIR [-G SUB]] [-m BASE | -r] [-n] [-u UID] CMD...\n",
		      stderr);
		return 2;
	}

	if (cg) {
		if (cw_join_cgroup(cg))
			die(cg);
		if (unshare(CLONE_NEWCGROUP))
			die("unshare(CLONE_NEWCGROUP)");
		if (sub) {
			snprintf(path, sizeof(path), "%s/%s", cg, sub);
			if (cw_join_cgroup(path))
				die(path);
		}
	}
	if (pipe2(p2c, O_CLOEXEC) || pipe2(c2p, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid) {
		/* parent: write the child's maps, then wait for it */
		close(p2c[0]);
		close(c2p[1]);
		if (read(c2p[0], &c, 1) != 1)
			die("child setup");
		if (root_map)
			snprintf(map, sizeof(map), "0 %u 1\n", ouid);
		else
			snprintf(map, sizeof(map), "0 %ld 65536\n", base);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		write_file(path, map);
		if (root_map) {
			snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
			write_file(path, "deny\n");
			snprintf(map, sizeof(map), "0 %u 1\n", ogid);
		}
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		write_file(path, map);
		if (write(p2c[1], "g", 1) != 1)
			die("release child");
		close(p2c[1]);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (WIFSIGNALED(st))
			return 128 + WTERMSIG(st);
		return WEXITSTATUS(st);
	}

	close(p2c[1]);
	close(c2p[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWUSER))
		die("unshare(CLONE_NEWUSER)");
	if (write(c2p[1], "u", 1) != 1 || read(p2c[0], &c, 1) != 1)
		die("parent setup");
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		die("become root in the user namespace");
	if (net) {
		if (unshare(CLONE_NEWNET))
			die("unshare(CLONE_NEWNET)");
		lo_up();
	}
	if (uid >= 0) {
		if (setgroups(0, NULL))
			die("setgroups");
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			die("setresuid");
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "cw_userns: exec %s: %s\n", argv[optind], strerror(errno));
	return 127;
}

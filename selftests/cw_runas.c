// SPDX-License-Identifier: GPL-2.0
/*
 * cw_runas [-g CGROUP_DIR] [-C] UID GID CMD [ARGS...]
 *
 * Runs CMD as UID:GID with no capabilities. The visibility rules of
 * /proc/cwstat hinge on CAP_NET_ADMIN, so the reader must hold no
 * capability at all, not just a non-zero uid: the bounding and ambient
 * sets are emptied too, and no_new_privs keeps a setuid or file-capability
 * binary from handing any back. UID and GID "-" keep the credentials and
 * capabilities as they are.
 *
 *   -g DIR  first move into this cgroup v2 directory
 *   -C      then unshare the cgroup namespace, rooting it at that cgroup
 *           (busybox's unshare has no -C), to see cgroup paths as a
 *           container would
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cw_cgroup.h"

static void die(const char *what)
{
	fprintf(stderr, "cw_runas: %s: %s\n", what, strerror(errno));
	exit(126);
}

static unsigned long parse_id(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > 0xfffffffeUL) {
		fprintf(stderr, "cw_runas: bad id '%s'\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fputs("usage: cw_runas [-g CGROUP_DIR] [-C] UID|- GID|- CMD [ARGS...]\n",
	      stderr);
	exit(2);
}

static void join_cgroup(const char *dir)
{
	if (cw_join_cgroup(dir))
		die(dir);
}

static void drop_privileges(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap;

	/* dropping from the bounding set needs CAP_SETPCAP: do it first */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			die("PR_CAPBSET_DROP");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		die("PR_CAP_AMBIENT_CLEAR_ALL");
	if (setgroups(0, NULL))
		die("setgroups");
	if (setgid(gid))
		die("setgid");
	if (setuid(uid))
		die("setuid");

	/* setuid() already cleared them unless uid is 0: make sure anyway */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		die("capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("PR_SET_NO_NEW_PRIVS");
}

int main(int argc, char **argv)
{
	const char *cgroup = NULL;
	int newns = 0, opt;

	while ((opt = getopt(argc, argv, "+g:C")) != -1) {
		switch (opt) {
		case 'g':
			cgroup = optarg;
			break;
		case 'C':
			newns = 1;
			break;
		default:
			usage();
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 3)
		usage();

	if (cgroup)
		join_cgroup(cgroup);
	if (newns && unshare(CLONE_NEWCGROUP))
		die("unshare(CLONE_NEWCGROUP)");
	if (strcmp(argv[0], "-") || strcmp(argv[1], "-"))
		drop_privileges(parse_id(argv[0]), parse_id(argv[1]));

	execvp(argv[2], argv + 2);
	fprintf(stderr, "cw_runas: exec %s: %s\n", argv[2], strerror(errno));
	return 127;
}

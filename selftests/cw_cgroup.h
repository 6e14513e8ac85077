/* SPDX-License-Identifier: GPL-2.0 */
/* Cgroup helpers shared by the selftests' C programs. */
#ifndef CW_CGROUP_H
#define CW_CGROUP_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/*
 * Move the calling process into the cgroup2 directory @dir. Returns 0, or -1
 * with errno set. "0" written to cgroup.procs means the writer itself.
 */
static inline int cw_join_cgroup(const char *dir)
{
	char path[PATH_MAX];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0\n", 2) == 2;
	close(fd);
	return ok ? 0 : -1;
}

#endif /* CW_CGROUP_H */

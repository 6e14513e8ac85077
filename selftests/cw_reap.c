// SPDX-License-Identifier: GPL-2.0
/*
 * cw_reap [-f FD] FILE REQUEST
 *
 * One reap request: opens FILE (/proc/net/cwstat_reap or another netns's
 * /proc/PID/net/cwstat_reap) read-write, or uses the inherited FD with -f
 * (a file opened by someone else), writes REQUEST in one write(2) and
 * prints "ok" or the errno's name of the open or the write (EINVAL, EPERM,
 * EACCES, ...). After "ok" it reads the result back through the same open
 * file and prints it, one "key value" line each, so that a test sees the
 * result of its own request. Exits 0 either way (2 on bad usage).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOMEM: return "ENOMEM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case ENXIO: return "ENXIO";
	default: return "EOTHER";
	}
}

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd = -1, opt;

	while ((opt = getopt(argc, argv, "f:")) != -1) {
		if (opt != 'f')
			goto usage;
		fd = atoi(optarg);
	}
	if (argc - optind != 2)
		goto usage;
	if (fd < 0)
		fd = open(argv[optind], O_RDWR);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 0;
	}
	if (write(fd, argv[optind + 1], strlen(argv[optind + 1])) < 0) {
		printf("%s\n", errno_name(errno));
		return 0;
	}
	printf("ok\n");
	if (lseek(fd, 0, SEEK_SET) < 0) {
		printf("lseek %s\n", errno_name(errno));
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	if (n < 0)
		printf("read %s\n", errno_name(errno));
	return 0;
usage:
	fputs("usage: cw_reap [-f FD] FILE REQUEST\n", stderr);
	return 2;
}

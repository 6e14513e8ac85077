// SPDX-License-Identifier: GPL-2.0
/*
 * cw_toggle FILE VALUE...
 *
 * Writes the VALUEs to FILE in turn, through one open file, as fast as it
 * can, until a write fails with ENODEV or ENOENT (the attribute was
 * removed: the module is unloading) or 60 s have passed. Any other failed
 * write is counted, not fatal. For racing attribute stores against rmmod.
 * Prints "writes=N failed=M end=ERRNO" and exits 0; 1 if FILE could not
 * be opened, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long writes = 0, failed = 0;
	time_t end = time(NULL) + 60;
	int fd, i = 0, last = 0;

	if (argc < 3) {
		fputs("usage: cw_toggle FILE VALUE...\n", stderr);
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "cw_toggle: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		const char *v = argv[2 + i];
		ssize_t n = pwrite(fd, v, strlen(v), 0);

		writes++;
		i = (i + 1) % (argc - 2);
		if (n < 0) {
			last = errno;
			if (last == ENODEV || last == ENOENT)
				break;
			failed++;
		}
		if (!(writes % 1024) && time(NULL) >= end)
			break;
	}
	printf("writes=%lu failed=%lu end=%s\n", writes, failed,
	       last ? strerror(last) : "timeout");
	return 0;
}

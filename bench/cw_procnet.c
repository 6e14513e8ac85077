// SPDX-License-Identifier: GPL-2.0
/*
 * cw_procnet - count CLOSE_WAIT sockets the way cAdvisor and collectd's
 * older tcpconns do: read /proc/net/tcp and /proc/net/tcp6 and count the
 * lines whose "st" field is 08, in each given netns.
 *
 *   cw_procnet NETNS_FILE...
 *
 * Prints "<netns file> <count>" for each, then "total <sum>". A tight C
 * parse, so that the time measured is the kernel's formatting, not awk's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

static unsigned long count_file(const char *path)
{
	unsigned long n = 0;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), first = 1;

	if (fd < 0) {
		fprintf(stderr, "cw_procnet: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		char *p = buf, *end, *nl;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cw_procnet: read %s: %s\n", path, strerror(errno));
			exit(1);
		}
		end = buf + have + r;
		while ((nl = memchr(p, '\n', end - p))) {
			if (first) {
				first = 0;	/* the header */
			} else {
				/* "sl: local rem st ...": the 4th field */
				char *q = p;
				int f;

				for (f = 0; f < 3; f++) {
					while (q < nl && *q == ' ')
						q++;
					while (q < nl && *q != ' ')
						q++;
				}
				while (q < nl && *q == ' ')
					q++;
				if (nl - q >= 2 && q[0] == '0' && q[1] == '8')
					n++;
			}
			p = nl + 1;
		}
		have = end - p;
		memmove(buf, p, have);
		if (r == 0)
			break;
	}
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long total = 0;
	int i;

	for (i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		unsigned long n;

		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			fprintf(stderr, "cw_procnet: netns %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		close(fd);
		/* /proc/self/net follows the task's netns at lookup time */
		n = count_file("/proc/self/net/tcp") + count_file("/proc/self/net/tcp6");
		printf("%s %lu\n", argv[i], n);
		total += n;
	}
	printf("total %lu\n", total);
	return 0;
}

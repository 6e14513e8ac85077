// SPDX-License-Identifier: GPL-2.0
/*
 * cw_alarm_wait [-t SECONDS] [-r READY_FILE] ALARM_FILE
 *
 * What an agent waiting on /sys/kernel/cwstat/alarm sees: reads the file,
 * then waits in poll(2) for sysfs_notify() and, at the same time, listens
 * for the module's KOBJ_CHANGE uevent on NETLINK_KOBJECT_UEVENT. Prints
 *   poll LEVEL                      when poll() wakes (LEVEL re-read)
 *   uevent CWSTAT_ALARM=.. CWSTAT_CLOSE_WAIT=..   for the module's uevents
 *                                   (sent by /sys/module/cwstat; "-" for a
 *                                   variable the uevent does not carry)
 * and exits 0 once it has seen both, 1 on timeout (default 10 s). The
 * READY_FILE is created once both are armed, so a test knows when to act.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "cw_alarm_wait: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void read_level(int fd, char *buf, size_t len)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		die("lseek");
	n = read(fd, buf, len - 1);
	if (n < 0)
		die("read alarm");
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Prints the uevent if it is cwstat's; returns whether it was. */
static int handle_uevent(const char *msg, size_t len)
{
	const char *p, *alarm = NULL, *total = NULL;
	int ours = 0;

	for (p = msg; p < msg + len; p += strlen(p) + 1) {
		if (!strcmp(p, "DEVPATH=/module/cwstat"))
			ours = 1;
		else if (!strncmp(p, "CWSTAT_ALARM=", 13))
			alarm = p;
		else if (!strncmp(p, "CWSTAT_CLOSE_WAIT=", 18))
			total = p;
	}
	if (!ours)
		return 0;
	printf("uevent %s %s\n", alarm ? alarm : "-", total ? total : "-");
	fflush(stdout);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	const char *ready = NULL;
	int timeout = 10, opt, afd, nfd, polled = 0, evented = 0;
	char level[64];
	time_t end;

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		if (opt == 't')
			timeout = atoi(optarg);
		else if (opt == 'r')
			ready = optarg;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fputs("usage: cw_alarm_wait [-t SECONDS] [-r READY_FILE] ALARM_FILE\n",
		      stderr);
		return 2;
	}
	nfd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		     NETLINK_KOBJECT_UEVENT);
	if (nfd < 0)
		die("socket");
	if (bind(nfd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	afd = open(argv[optind], O_RDONLY);
	if (afd < 0)
		die(argv[optind]);
	/* sysfs poll() wakes only readers that have read the file. */
	read_level(afd, level, sizeof(level));
	printf("start %s\n", level);
	fflush(stdout);
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			die(ready);
		close(fd);
	}
	end = time(NULL) + timeout;
	while (!(polled && evented)) {
		struct pollfd pfd[2] = {
			{ .fd = afd, .events = POLLPRI | POLLERR },
			{ .fd = nfd, .events = POLLIN },
		};
		int left = (int)(end - time(NULL));

		if (left <= 0)
			return 1;
		if (poll(pfd, 2, left * 1000) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[0].revents & (POLLPRI | POLLERR)) {
			read_level(afd, level, sizeof(level));
			printf("poll %s\n", level);
			fflush(stdout);
			polled = 1;
		}
		if (pfd[1].revents & POLLIN) {
			char msg[8192];
			ssize_t n = recv(nfd, msg, sizeof(msg) - 1, 0);

			if (n < 0)
				die("recv");
			msg[n] = '\0';
			evented |= handle_uevent(msg, (size_t)n);
		}
	}
	return 0;
}

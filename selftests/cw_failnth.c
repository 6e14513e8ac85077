// SPDX-License-Identifier: GPL-2.0
/*
 * cw_failnth N read FILE OUT
 * cw_failnth N write FILE VALUE
 * cw_failnth N load KO [PARAMS]
 *
 * Systematic fault injection (Documentation/fault-injection, fail-nth): the
 * Nth allocation that may fail (failslab, fail_page_alloc, as their debugfs
 * filters allow) made by this thread during one operation fails:
 *   read   open FILE, read it to the end into OUT, close
 *   write  open FILE, write VALUE in one write(2), close
 *   load   finit_module(KO, PARAMS)
 * Prints one line, "injected RESULT" or "missed RESULT", RESULT being "ok"
 * or the errno's name; "missed" means the operation made fewer than N such
 * allocations, so a caller counting N up from 1 is done. Exit 0 either way,
 * 2 on bad usage or when fail-nth is not there (no CONFIG_FAULT_INJECTION).
 *
 * fail-nth is opened before N is set and read through the same fd, so
 * that its own handling allocates nothing counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	static char other[16];

	switch (e) {
	case 0: return "ok";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case ENODEV: return "ENODEV";
	case ENOSPC: return "ENOSPC";
	default:
		snprintf(other, sizeof(other), "errno%d", e);
		return other;
	}
}

/* The file's bytes, read while armed; written to OUT once disarmed. */
static char content[8 << 20];
static size_t content_len;

static int op_read(const char *path)
{
	int fd, err = 0;
	ssize_t n = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	while (content_len < sizeof(content) &&
	       (n = read(fd, content + content_len,
			 sizeof(content) - content_len)) > 0)
		content_len += n;
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

static int op_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, value, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	return err;
}

static int op_load(int kofd, const char *params)
{
	return syscall(SYS_finit_module, kofd, params, 0) ? errno : 0;
}

int main(int argc, char **argv)
{
	char nbuf[32], left[32];
	unsigned long nth;
	const char *op;
	int fnfd, fd = -1, err;
	ssize_t n;

	if (argc < 4 || argc > 5) {
		fputs("usage: cw_failnth N read FILE OUT | N write FILE VALUE | N load KO [PARAMS]\n",
		      stderr);
		return 2;
	}
	nth = strtoul(argv[1], NULL, 10);
	op = argv[2];
	fnfd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth == 0 || fnfd < 0) {
		perror(nth ? "/proc/thread-self/fail-nth" : "N");
		return 2;
	}
	if (!(argc == 5 && (!strcmp(op, "read") || !strcmp(op, "write"))) &&
	    strcmp(op, "load")) {
		fputs("cw_failnth: bad operation\n", stderr);
		return 2;
	}
	/*
	 * What the operation needs but is not under test comes before arming,
	 * the buffer's page tables included.
	 */
	memset(content, 0, sizeof(content));
	if (!strcmp(op, "read"))
		fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	else if (!strcmp(op, "load"))
		fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0 && strcmp(op, "write")) {
		perror(argv[!strcmp(op, "read") ? 4 : 3]);
		return 2;
	}
	snprintf(nbuf, sizeof(nbuf), "%lu", nth);
	if (pwrite(fnfd, nbuf, strlen(nbuf), 0) < 0) {
		perror("fail-nth");
		return 2;
	}

	if (!strcmp(op, "read"))
		err = op_read(argv[3]);
	else if (!strcmp(op, "write"))
		err = op_write(argv[3], argv[4]);
	else
		err = op_load(fd, argc == 5 ? argv[4] : "");

	n = pread(fnfd, left, sizeof(left) - 1, 0);
	/* Disarm before anything else allocates. */
	if (pwrite(fnfd, "0", 1, 0) < 0 || n <= 0) {
		perror("fail-nth");
		return 2;
	}
	left[n] = '\0';
	if (!strcmp(op, "read") &&
	    write(fd, content, content_len) != (ssize_t)content_len) {
		perror(argv[4]);
		return 2;
	}
	/* 0: the Nth call came and failed; N still pending: it never came. */
	printf("%s %s\n", atoi(left) == 0 ? "injected" : "missed",
	       errno_name(err));
	return 0;
}

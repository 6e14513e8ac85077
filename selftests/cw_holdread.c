// SPDX-License-Identifier: GPL-2.0
/*
 * cw_holdread [-r READY] [-g GO] [-t SEC] FILE OUT
 *
 * Reads FILE one byte per read(2) to EOF and writes what it got to OUT
 * (for cw_check_format), then seeks back and forth (SEEK_SET to 0, to the
 * middle, to 3, SEEK_CUR, SEEK_END) and checks each seek and one-byte read
 * behaves: a seek returns the offset asked for or fails with an errno, a
 * one-byte read returns 0, 1 or -1 with an errno, and a read at 0 gives
 * the first byte again. It then reads one byte at 0 (leaving the rest of a
 * record buffered), creates READY and waits (up to -t SEC, default 120)
 * for GO to exist: meanwhile the test unloads (and perhaps reloads) the
 * module. Then it reads on, one byte at a time, to EOF or an error, seeks
 * to 0 and reads again the same way, and closes.
 *
 * Prints "before=N seeks=ok after=N:ERR again=N:ERR" (ERR is "eof" or the
 * errno's name) and exits 0, or prints what misbehaved and exits 1. A read
 * after the unload may fail or complete; either is clean. What is not
 * clean (a crash, a use-after-free) shows in the kernel log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BYTES	(8 << 20)

static int bad;

static void complain(const char *fmt, const char *what, long a, long b)
{
	fprintf(stdout, fmt, what, a, b);
	fputc('\n', stdout);
	bad = 1;
}

/* Read to EOF or error, one byte a time; returns bytes, sets *err. */
static long drain(int fd, char *buf, long max, int *err)
{
	long n = 0;
	ssize_t r;
	char c;

	*err = 0;
	for (;;) {
		r = read(fd, &c, 1);
		if (r == 0)
			return n;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			return n;
		}
		if (r != 1) {
			complain("%s: read(1) returned %ld (at %ld)", "read", r, n);
			return n;
		}
		if (buf && n < max)
			buf[n] = c;
		n++;
		if (n > MAX_BYTES) {
			complain("%s: more than %ld bytes (%ld)", "read", MAX_BYTES, n);
			return n;
		}
	}
}

static const char *ename(int e)
{
	static char b[32];

	if (!e)
		return "eof";
	switch (e) {
	case EIO: return "EIO";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ESPIPE: return "ESPIPE";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	}
	snprintf(b, sizeof(b), "errno%d", e);
	return b;
}

static void check_seek(int fd, off_t off, int whence, const char *what)
{
	off_t r = lseek(fd, off, whence);

	if (r < 0)
		return;		/* an error is a clean answer */
	if (whence == SEEK_SET && r != off)
		complain("%s: lseek returned %ld, want %ld", what, (long)r, (long)off);
}

static int one_byte(int fd, char *c)
{
	ssize_t r;

	do
		r = read(fd, c, 1);
	while (r < 0 && errno == EINTR);
	if (r > 1)
		complain("%s: read(1) returned %ld%ld", "seek read", r, 0);
	return (int)r;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *go = NULL;
	long before, after, again, secs = 120;
	int fd, out, opt, err, err2;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char *buf, c;
	time_t end;

	while ((opt = getopt(argc, argv, "r:g:t:")) != -1) {
		switch (opt) {
		case 'r': ready = optarg; break;
		case 'g': go = optarg; break;
		case 't': secs = atol(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2) {
usage:
		fputs("usage: cw_holdread [-r READY] [-g GO] [-t SEC] FILE OUT\n", stderr);
		return 2;
	}
	buf = malloc(MAX_BYTES);
	if (!buf)
		return 2;
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	before = drain(fd, buf, MAX_BYTES, &err);
	if (err)
		complain("%s: first read failed after %ld bytes (errno %ld)",
			 "read", before, err);
	out = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || write(out, buf, before) != before) {
		printf("write %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	close(out);

	/* back and forth */
	check_seek(fd, 0, SEEK_SET, "seek 0");
	if (one_byte(fd, &c) == 1 && before > 0 && c != buf[0])
		complain("%s: byte at 0 is %ld, was %ld", "seek 0", c, buf[0]);
	check_seek(fd, before / 2, SEEK_SET, "seek middle");
	one_byte(fd, &c);
	check_seek(fd, 3, SEEK_SET, "seek 3");
	one_byte(fd, &c);
	check_seek(fd, 1, SEEK_CUR, "seek cur");
	one_byte(fd, &c);
	check_seek(fd, before + 100, SEEK_SET, "seek past end");
	if (one_byte(fd, &c) > 0 && before > 0)
		complain("%s: a byte past the end (size %ld)%ld", "seek past end", before, 0);
	check_seek(fd, 0, SEEK_END, "seek end");
	check_seek(fd, -1, SEEK_SET, "seek -1");
	check_seek(fd, 0, SEEK_SET, "seek 0 again");
	if (one_byte(fd, &c) == 1 && before > 0 && c != buf[0])
		complain("%s: byte at 0 is %ld, was %ld", "seek 0 again", c, buf[0]);

	if (ready) {
		int r = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (r >= 0)
			close(r);
	}
	if (go) {
		end = time(NULL) + secs;
		while (access(go, F_OK)) {
			if (time(NULL) > end) {
				printf("no %s after %ld s\n", go, secs);
				return 1;
			}
			nanosleep(&ts, NULL);
		}
	}
	after = drain(fd, NULL, 0, &err);
	check_seek(fd, 0, SEEK_SET, "seek 0 after");
	again = drain(fd, NULL, 0, &err2);
	close(fd);
	printf("before=%ld seeks=%s after=%ld:%s", before, bad ? "bad" : "ok",
	       after, ename(err));
	printf(" again=%ld:%s\n", again, ename(err2));
	return bad;
}

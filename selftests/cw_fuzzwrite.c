// SPDX-License-Identifier: GPL-2.0
/*
 * cw_fuzzwrite [-t SEC] [-s SEED] [-x] FILE...
 *
 * Random writes to sysfs attributes for SEC seconds (default 10): each
 * round opens a random FILE and writes a random buffer: random bytes of a
 * random length (0 to 4200, mostly short), digit strings of every length
 * (around the u32 and u64 limits too), signs, spaces, newlines, NULs, hex
 * and octal prefixes, and now and then a plain valid number, so that some
 * writes succeed and change the value. Sometimes two writes go to one open
 * file. -x: writes that succeed are fine but rare ones only (skip the
 * valid numbers: for attributes with side effects, like reconcile).
 *
 * Prints "writes=N ok=M errors=K last=..." and exits 0; 1 if a write
 * returned something other than its length (or 4096, sysfs's limit, for a
 * longer one) or -1, or a file could not be opened at all. Whether the values stay valid is for the caller to read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long rng;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)(rng % n) : 0;
}

static const char *const words[] = {
	"0", "1", "-1", "+1", " 1", "1 ", "1\n", "\n", "", " ", "0x10", "010",
	"4294967295", "4294967296", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999999", "3600000",
	"3600001", "y", "n", "Y", "on", "off", "true", "1\n\n", "1\0002",
	"-0", "00000000000000000000000000000000000001", "1e3", "0b1", "\t1",
	"\xff\xfe", "%s%s%n",
};

static size_t fill(char *b, int valid_ok)
{
	size_t n = 0, len, i;
	unsigned int k = rnd(8);

	if (k == 0 && valid_ok) {
		return (size_t)sprintf(b, "%u%s", rnd(4) ? rnd(2000) : rnd(4000000),
				       rnd(2) ? "\n" : "");
	}
	if (k <= 2) {
		const char *w = words[rnd(sizeof(words) / sizeof(words[0]))];

		len = strlen(w);
		memcpy(b, w, len + 1);
		/* an empty word: a zero-length write, or a lone NUL */
		return len ? len : (size_t)rnd(2);
	}
	if (k <= 4) {
		len = 1 + rnd(40);
		for (i = 0; i < len; i++)
			b[n++] = (char)('0' + rnd(10));
		if (rnd(3) == 0)
			b[n++] = "\n \t\0x-+"[rnd(7)];
		return n;
	}
	len = rnd(8) ? rnd(24) : rnd(4200);
	for (i = 0; i < len; i++)
		b[n++] = (char)rnd(256);
	return n;
}

int main(int argc, char **argv)
{
	long secs = 10, writes = 0, oks = 0, errs = 0;
	int opt, bad = 0, valid_ok = 1, fd, rep;
	static char buf[8192];
	char last[64] = "";
	time_t end;
	size_t len;
	ssize_t r;

	rng = (unsigned long long)time(NULL) * 2654435761ULL ^ (unsigned long long)getpid();
	while ((opt = getopt(argc, argv, "t:s:x")) != -1) {
		switch (opt) {
		case 't': secs = atol(optarg); break;
		case 's': rng = strtoull(optarg, NULL, 0); break;
		case 'x': valid_ok = 0; break;
		default: goto usage;
		}
	}
	if (optind >= argc) {
usage:
		fputs("usage: cw_fuzzwrite [-t SEC] [-s SEED] [-x] FILE...\n", stderr);
		return 2;
	}
	if (!rng)
		rng = 1;
	printf("seed=%llu\n", rng);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		const char *f = argv[optind + rnd(argc - optind)];

		fd = open(f, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("open %s: %s\n", f, strerror(errno));
			bad = 1;
			break;
		}
		for (rep = rnd(4) ? 1 : 2; rep > 0; rep--) {
			len = fill(buf, valid_ok);
			r = write(fd, buf, len);
			writes++;
			if (r < 0) {
				errs++;
				continue;
			}
			/* sysfs takes at most a page per write */
			if ((size_t)r != len && !(len > 4096 && r == 4096)) {
				printf("write %s: %zu bytes returned %zd\n", f, len, r);
				bad = 1;
			}
			oks++;
			snprintf(last, sizeof(last), "%s<-%.*s", strrchr(f, '/') + 1,
				 (int)(len < 20 ? len : 20), buf);
			for (char *p = last; *p; p++)
				if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
					*p = '?';
		}
		close(fd);
	}
	printf("writes=%ld ok=%ld errors=%ld last=%s\n", writes, oks, errs, last);
	return bad;
}

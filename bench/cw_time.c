// SPDX-License-Identifier: GPL-2.0
/*
 * cw_time - time a command, or an in-process read of a file, many times,
 * with CLOCK_MONOTONIC. The guest's busybox has no high-resolution time.
 *
 *   cw_time [-n RUNS] [-w WARMUP] [-b BUDGET_S] [-m MIN_RUNS] [-o FILE]
 *           [-s STATFILE...] [-l BYTES] (-r FILE | -- CMD [ARG...])
 *
 * -r FILE: open(FILE), read to EOF, close, in this process (what any agent
 * reading a /proc file pays, without a process start). With -l, read only
 * the first BYTES bytes (or to EOF if that comes first): a big file's
 * prefix of the size of another file, to compare like with like.
 * Otherwise fork and exec CMD with stdout to a file and stdin from
 * /dev/null, and wait.
 *
 * Prints one line per timed run: "<run> <microseconds>" with 0.1 us
 * resolution; with -s, each STATFILE's first line (a number) is appended
 * after the run, e.g. /sys/kernel/cwstat/last_scan_us. WARMUP runs come
 * first and are not printed. With -b, runs stop once BUDGET_S seconds of
 * timed runs have passed and at least MIN_RUNS (default 3) were done, and
 * warm-up stops after one run once it has taken a quarter of BUDGET_S.
 * The output of the last run goes to -o FILE (default /dev/null).
 * Exits non-zero if a run fails (read error, or CMD's status not 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STATS 8

static char buf[1 << 20];

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("cw_time: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* At most this many bytes per -r run (-l); 0: to EOF. */
static unsigned long limit;

/*
 * Open, read to EOF (or -l's limit), close; the last run's bytes are
 * copied to out.
 */
static void read_file(const char *file, int out)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	unsigned long left = limit;
	ssize_t r;

	if (fd < 0)
		die("open %s: %s", file, strerror(errno));
	while ((r = read(fd, buf, limit && left < sizeof(buf) ?
					left : sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read %s: %s", file, strerror(errno));
		}
		if (out >= 0 && write(out, buf, r) != r)
			die("write output: %s", strerror(errno));
		if (limit && !(left -= r))
			break;
	}
	close(fd);
}

static void run_cmd(char **argv, int out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0)
			dup2(null, 0);
		dup2(out >= 0 ? out : null, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "cw_time: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s failed (status 0x%x)", argv[0], status);
}

static void print_stat(const char *file)
{
	char line[64];
	FILE *f = fopen(file, "r");

	if (!f || !fgets(line, sizeof(line), f))
		die("read %s: %s", file, strerror(errno));
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	printf(" %s", line);
}

int main(int argc, char **argv)
{
	unsigned long runs = 20, warm = 2, min_runs = 3, i;
	const char *file = NULL, *outfile = "/dev/null";
	const char *stats[MAX_STATS];
	double budget_us = 0, spent = 0, warm_spent = 0;
	int nstats = 0, c;

	while ((c = getopt(argc, argv, "+n:w:b:m:o:s:r:l:")) != -1) {
		switch (c) {
		case 'n':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			warm = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			budget_us = strtod(optarg, NULL) * 1e6;
			break;
		case 'm':
			min_runs = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			outfile = optarg;
			break;
		case 's':
			if (nstats == MAX_STATS)
				die("at most %d -s", MAX_STATS);
			stats[nstats++] = optarg;
			break;
		case 'r':
			file = optarg;
			break;
		case 'l':
			limit = strtoul(optarg, NULL, 10);
			break;
		default:
			fputs("usage: cw_time [-n RUNS] [-w WARMUP] [-b BUDGET_S] [-m MIN_RUNS] [-o FILE] [-s STATFILE] [-l BYTES] (-r FILE | -- CMD...)\n",
			      stderr);
			return 2;
		}
	}
	if (!file && optind >= argc)
		die("nothing to time");
	if (!runs)
		die("-n 0");

	for (i = 0; i < warm + runs; i++) {
		int last = i == warm + runs - 1;
		int out = -1;
		double t0, t1;

		if (budget_us && i >= warm + min_runs && spent >= budget_us)
			last = 1;
		/* a warm-up run that already ate a quarter of the budget is enough */
		if (budget_us && i > 0 && i < warm && warm_spent >= budget_us / 4) {
			warm = i;
			last = i == warm + runs - 1;
		}
		/* The output is kept from the last run only. */
		if (last) {
			out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC |
				   O_CLOEXEC, 0644);
			if (out < 0)
				die("open %s: %s", outfile, strerror(errno));
		} else if (!file) {
			out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		}
		t0 = now_us();
		if (file)
			read_file(file, out);
		else
			run_cmd(argv + optind, out);
		t1 = now_us();
		if (out >= 0)
			close(out);
		if (i < warm)
			warm_spent += t1 - t0;
		if (i >= warm) {
			int k;

			spent += t1 - t0;
			printf("%lu %.1f", i - warm + 1, t1 - t0);
			for (k = 0; k < nstats; k++)
				print_stat(stats[k]);
			putchar('\n');
			fflush(stdout);
		}
		if (last)
			break;
	}
	return 0;
}

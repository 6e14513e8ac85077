// SPDX-License-Identifier: GPL-2.0
/*
 * cw_memlat - the machine's memory-bound floor for a hash-table walk:
 * the latency of one dependent cache miss (a pointer chase over a random
 * cycle much larger than any cache), and the time to stream 8 bytes
 * sequentially (a bucket head).
 *
 *   cw_memlat [-m MIB] [-s STEPS]
 *
 * Prints "memlat miss_ns=X seq8_ns=Y mib=M steps=S".
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	unsigned long mib = 128, steps = 2000000, n, i, line = 8;
	size_t *a, *order, p;
	volatile size_t sink;
	uint64_t sum = 0;
	double t0, miss, seq;
	int c;

	while ((c = getopt(argc, argv, "m:s:")) != -1) {
		if (c == 'm')
			mib = strtoul(optarg, NULL, 10);
		else if (c == 's')
			steps = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	n = mib * 1024 * 1024 / sizeof(size_t);
	a = malloc(n * sizeof(size_t));
	/* one node per 64-byte line: a random cycle over the lines */
	order = malloc(n / line * sizeof(size_t));
	if (!a || !order)
		return 1;
	for (i = 0; i < n / line; i++)
		order[i] = i * line;
	for (i = n / line - 1; i > 0; i--) {
		size_t j = xorshift() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n / line; i++)
		a[order[i]] = order[(i + 1) % (n / line)];
	free(order);

	p = 0;
	for (i = 0; i < steps / 10; i++)	/* warm-up */
		p = a[p];
	t0 = now_ns();
	for (i = 0; i < steps; i++)
		p = a[p];
	miss = (now_ns() - t0) / steps;
	sink = p;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		sum += a[i];
	seq = (now_ns() - t0) / n;
	sink = sum;
	(void)sink;
	printf("memlat miss_ns=%.1f seq8_ns=%.2f mib=%lu steps=%lu\n", miss, seq,
	       mib, steps);
	return 0;
}

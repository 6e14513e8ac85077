// SPDX-License-Identifier: GPL-2.0
/* usage: run_unit TESTS_DIR   (the directory holding fixtures/ and expected/) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

const char *unit_dir = ".";
static unsigned int passed, failed;

bool unit_check(bool ok, const char *file, int line, const char *what,
		const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return true;
	}
	failed++;
	printf("FAIL %s:%d: %s: ", file, line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return false;
}

char *unit_read(const char *name, size_t *len)
{
	char path[4096];
	char *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", unit_dir, name);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (!got)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} suites[] = {
		{ "duration", test_duration },
		{ "parse", test_parse },
		{ "output", test_output },
		{ "check", test_check },
		{ "diag", test_diag },
		{ "reap", test_reap },
		{ "health", test_health },
	};
	size_t i;

	if (argc > 1)
		unit_dir = argv[1];
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		unsigned int f0 = failed, p0 = passed;

		suites[i].fn();
		printf("%s %s: %u passed, %u failed\n",
		       failed == f0 ? "ok" : "not ok", suites[i].name,
		       passed - p0, failed - f0);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

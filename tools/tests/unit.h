/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host unit tests' whole framework: CHECK counts and reports, and
 * run_unit.c prints "N passed, N failed" at the end.
 */
#ifndef CWSTAT_TOOL_UNIT_H
#define CWSTAT_TOOL_UNIT_H

#include <stdbool.h>
#include <stddef.h>

bool unit_check(bool ok, const char *file, int line, const char *what,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* CHECK(cond, "fmt", ...): one test; the message says what was tested. */
#define CHECK(cond, ...) unit_check(!!(cond), __FILE__, __LINE__, #cond, \
				    __VA_ARGS__)

/* Directory holding fixtures/ and expected/ (from argv[1]). */
extern const char *unit_dir;

/* Reads @name under unit_dir into a malloc'd NUL-terminated buffer. */
char *unit_read(const char *name, size_t *len);

/* One per test file. */
void test_duration(void);
void test_parse(void);
void test_output(void);
void test_check(void);
void test_diag(void);
void test_reap(void);
void test_health(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Durations as people type and read them: 90, 90s, 10m, 1h30m, 2d. */
#ifndef CWSTAT_TOOL_DURATION_H
#define CWSTAT_TOOL_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * A sequence of NUMBER[UNIT] with units d, h, m, s (a bare number is
 * seconds), each unit at most once and in that order. Returns 0, or -1 for
 * empty, malformed or overflowing input.
 */
int cw_duration_parse(const char *s, uint64_t *seconds);

/* The two most significant units: "0s", "45s", "8m50s", "3h7m", "12d5h". */
void cw_duration_format(uint64_t seconds, char *buf, size_t len);

#define CW_DURATION_MAX_LEN 24

#endif

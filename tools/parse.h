/* SPDX-License-Identifier: GPL-2.0 */
/* The /proc/cwstat format v1 (include/cwstat_format.h) into a snapshot. */
#ifndef CWSTAT_TOOL_PARSE_H
#define CWSTAT_TOOL_PARSE_H

#include <stddef.h>

#include "cwstat.h"
#include "snapshot.h"

/*
 * A decimal number of @n bytes at @s, digits only (no sign, space or
 * newline), into *@v: CW_U64_OK, else CW_U64_BAD (empty, or not a digit)
 * or CW_U64_RANGE (above UINT64_MAX); *@v is set only on CW_U64_OK.
 */
enum { CW_U64_OK, CW_U64_BAD, CW_U64_RANGE };
int cw_parse_u64(const char *s, size_t n, uint64_t *v);

/*
 * Parse the whole document @buf[0..@len) (not NUL-terminated; a NUL byte
 * in it is an error). @name names the input in messages. Returns 0 and
 * fills @out (output only: it is overwritten, not freed first; release it
 * with cw_snapshot_free), or -1 with @err holding
 * "NAME:LINE: what was expected" and @out left empty.
 */
int cw_parse(const char *buf, size_t len, const char *name,
	     struct cw_snapshot *out, struct cw_error *err);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the tool's argument parsers: durations
 * (--older-than, --max-age), Nagios threshold ranges (-w, -c), --output and
 * --by. The first byte picks the parser, the rest is the argument. Beyond
 * the sanitizers' checks:
 *  - a duration that parses formats to text that parses back to no more
 *    than it, and a run of digits is that many seconds;
 *  - a range that parses alerts exactly as the plugin guidelines define
 *    it, at and around both bounds;
 *  - whatever is refused leaves no half-filled result behind that the
 *    caller could use (the parsers return an error);
 *  - a health file's value (health.c) that parses is digits, or a word of
 *    a-z, and a trailing newline, and the number is strtoull's;
 *  - an HTTP Accept header (cwstat serve's, from the network) picks text
 *    or OpenMetrics, and OpenMetrics only when it names it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "cwstat.h"
#include "duration.h"
#include "health.h"
#include "meta.h"
#include "output.h"
#include "rows.h"
#include "fuzz/fuzz.h"

static void duration(const char *s)
{
	char text[CW_DURATION_MAX_LEN];
	uint64_t secs, back;
	const char *p;

	if (cw_duration_parse(s, &secs))
		return;
	cw_duration_format(secs, text, sizeof(text));
	ASSERT(cw_duration_parse(text, &back) == 0);
	ASSERT(back <= secs);
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p && strlen(s) < 19)
		ASSERT(secs == strtoull(s, NULL, 10));
}

/* The plugin guidelines' definition, written apart from check.c. */
static bool alerts(const struct cw_range *r, uint64_t v)
{
	bool outside = (!r->no_start && (double)v < r->start) ||
		       (!r->no_end && (double)v > r->end);

	return r->inside ? !outside : outside;
}

/* A count near bound @b (bounds may be negative, decimal or huge). */
static uint64_t probe(double b)
{
	if (!(b > 0))
		return 0;
	if (b >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)b;
}

static void range(const char *s)
{
	uint64_t probes[8];
	struct cw_range r;
	unsigned int i;

	if (cw_range_parse(s, &r))
		return;
	probes[0] = probe(r.start);
	probes[1] = probe(r.start) - 1;
	probes[2] = probe(r.start) + 1;
	probes[3] = probe(r.end);
	probes[4] = probe(r.end) - 1;
	probes[5] = probe(r.end) + 1;
	probes[6] = 0;
	probes[7] = UINT64_MAX;
	for (i = 0; i < 8; i++)
		ASSERT(cw_range_alerts(&r, probes[i]) == alerts(&r, probes[i]));
}

/* @len bytes of @s, NULs included, as read(2) gives a health file. */
static void health_value(const char *s, size_t len)
{
	char word[8], digits[32];
	uint64_t v;
	size_t i, n = len && s[len - 1] == '\n' ? len - 1 : len;

	if (!cw_health_parse_u64(s, len, &v)) {
		ASSERT(n >= 1 && n <= 20);
		for (i = 0; i < n; i++)
			ASSERT(s[i] >= '0' && s[i] <= '9');
		memcpy(digits, s, n);
		digits[n] = '\0';
		ASSERT(v == strtoull(digits, NULL, 10));
	}
	if (!cw_health_parse_word(s, len, word, sizeof(word))) {
		ASSERT(n >= 1 && n < sizeof(word) && strlen(word) == n);
		for (i = 0; i < n; i++)
			ASSERT(word[i] >= 'a' && word[i] <= 'z');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum cw_format fmt;
	enum cw_by by;
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 7) {
	case 6:
		fmt = cw_output_negotiate(s);
		ASSERT(fmt == CW_FMT_PROM || fmt == CW_FMT_OPENMETRICS);
		if (fmt == CW_FMT_OPENMETRICS)
			ASSERT(strcasestr(s, "application/openmetrics-text"));
		break;
	case 5:
		health_value(s, size - 1);
		break;
	case 4: {
		/* The runtime files' JSON reader (meta.c), on anything. */
		static const char *const path[] = { "annotations", "x" };
		char *v = cw_json_get(s, size - 1, path, 2);

		ASSERT(!v || strlen(v) <= size);
		free(v);
		v = cw_json_get(s, size - 1, path, 1);
		free(v);
		break;
	}
	case 0:
		duration(s);
		break;
	case 1:
		range(s);
		break;
	case 2:
		cw_format_parse(s, &fmt);
		break;
	default:
		cw_by_parse(s, &by);
		break;
	}
	free(s);
	return 0;
}

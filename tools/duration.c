// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "duration.h"

static const struct {
	char unit;
	uint64_t seconds;
} units[] = {
	{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

#define NUNITS (sizeof(units) / sizeof(units[0]))

int cw_duration_parse(const char *s, uint64_t *seconds)
{
	uint64_t total = 0;
	size_t next = 0;	/* first unit still allowed */

	if (!*s)
		return -1;
	while (*s) {
		uint64_t n = 0, part;
		size_t u;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return -1;
			n = n * 10 + (uint64_t)(*s - '0');
		}
		if (!*s) {
			/* A bare trailing number is seconds, and only alone. */
			if (total || next)
				return -1;
			*seconds = n;
			return 0;
		}
		for (u = next; u < NUNITS && units[u].unit != *s; u++)
			;
		if (u == NUNITS)
			return -1;
		if (n > UINT64_MAX / units[u].seconds)
			return -1;
		part = n * units[u].seconds;
		if (total > UINT64_MAX - part)
			return -1;
		total += part;
		next = u + 1;
		s++;
	}
	*seconds = total;
	return 0;
}

void cw_duration_format(uint64_t seconds, char *buf, size_t len)
{
	size_t u;

	for (u = 0; u < NUNITS - 1 && seconds < units[u].seconds; u++)
		;
	if (u == NUNITS - 1) {
		snprintf(buf, len, "%llus", (unsigned long long)seconds);
		return;
	}
	{
		uint64_t hi = seconds / units[u].seconds;
		uint64_t lo = seconds % units[u].seconds / units[u + 1].seconds;

		snprintf(buf, len, "%llu%c%llu%c", (unsigned long long)hi,
			 units[u].unit, (unsigned long long)lo,
			 units[u + 1].unit);
	}
}

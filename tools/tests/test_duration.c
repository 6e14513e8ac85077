// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "../duration.h"
#include "unit.h"

void test_duration(void)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t secs;
	} parse[] = {
		{ "0", 0, 0 }, { "90", 0, 90 }, { "90s", 0, 90 },
		{ "10m", 0, 600 }, { "1h30m", 0, 5400 }, { "2d", 0, 172800 },
		{ "1d2h3m4s", 0, 93784 }, { "18446744073709551615", 0, UINT64_MAX },
		{ "", -1, 0 }, { "s", -1, 0 }, { "1x", -1, 0 }, { "-1", -1, 0 },
		{ "1m1h", -1, 0 }, { "1h1h", -1, 0 }, { "1h30", -1, 0 },
		{ " 1", -1, 0 }, { "1 ", -1, 0 }, { "18446744073709551616", -1, 0 },
		{ "213503982334602d", -1, 0 }, { "213503982334601d", 0, 18446744073709526400ULL }, { "1.5h", -1, 0 },
	};
	static const struct {
		uint64_t secs;
		const char *out;
	} fmt[] = {
		{ 0, "0s" }, { 45, "45s" }, { 59, "59s" }, { 60, "1m0s" },
		{ 530, "8m50s" }, { 3600, "1h0m" }, { 11220, "3h7m" },
		{ 86399, "23h59m" }, { 1054800, "12d5h" },
	};
	size_t i;

	for (i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		uint64_t v = 12345;
		int ret = cw_duration_parse(parse[i].in, &v);

		CHECK(ret == parse[i].ret && (ret || v == parse[i].secs),
		      "parse '%s': ret %d value %llu", parse[i].in, ret,
		      (unsigned long long)v);
	}
	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		char buf[CW_DURATION_MAX_LEN];

		cw_duration_format(fmt[i].secs, buf, sizeof(buf));
		CHECK(!strcmp(buf, fmt[i].out), "format %llu: '%s', want '%s'",
		      (unsigned long long)fmt[i].secs, buf, fmt[i].out);
	}
	{
		char buf[CW_DURATION_MAX_LEN];

		cw_duration_format(UINT64_MAX, buf, sizeof(buf));
		CHECK(strlen(buf) < sizeof(buf) - 1, "UINT64_MAX fits: '%s'", buf);
	}
}

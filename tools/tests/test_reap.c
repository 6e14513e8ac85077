// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "../diag.h"
#include "../reap.h"
#include "cwstat_format.h"
#include "unit.h"

static void test_format(void)
{
	struct cw_reap_req r = { .older_s = 3600, .max = 1000 };
	char buf[CWSTAT_REAP_MAX_REQUEST + 1];
	int n;

	n = cw_reap_format(buf, sizeof(buf), &r);
	CHECK(n > 0 && !strcmp(buf, "older_than=3600 max=1000\n"),
	      "minimal request: '%s'", buf);

	r = (struct cw_reap_req){ .older_s = 60, .ns = 4026531840ULL,
				  .cgroup_id = 1234, .lport = 8080, .max = 5,
				  .dry_run = true };
	n = cw_reap_format(buf, sizeof(buf), &r);
	CHECK(n == (int)strlen(buf) &&
	      !strcmp(buf, "older_than=60 ns=4026531840 cgroup=1234 lport=8080 max=5 dry_run=1\n"),
	      "every key: '%s'", buf);

	/* The longest request the tool can make fits the module's limit. */
	r = (struct cw_reap_req){ .older_s = UINT32_MAX, .ns = UINT32_MAX,
				  .cgroup_id = UINT64_MAX, .lport = 65535,
				  .max = CWSTAT_REAP_MAX_MAX, .dry_run = true };
	n = cw_reap_format(buf, sizeof(buf), &r);
	CHECK(n > 0 && n <= CWSTAT_REAP_MAX_REQUEST, "longest request: %d bytes", n);

	CHECK(cw_reap_format(buf, 10, &r) == -1, "too small a buffer is -1");
	CHECK(cw_reap_format(buf, 0, &r) == -1, "no buffer is -1");
}

static void test_result(void)
{
	static const char full[] =
		"matched 5\naborted 3\nskipped_state 1\nskipped_max 1\n"
		"dry_run 0\nolder_than 60\nns 4026531840\ncgroup 0\nlport 0\n"
		"max 4\n";
	struct cw_reap_res r = { 0 };
	int ret = cw_reap_parse_result(full, &r);

	CHECK(!ret && r.matched == 5 &&
	      r.aborted == 3 && r.skipped_state == 1 && r.skipped_max == 1,
	      "a full result: %llu %llu %llu %llu",
	      (unsigned long long)r.matched, (unsigned long long)r.aborted,
	      (unsigned long long)r.skipped_state,
	      (unsigned long long)r.skipped_max);
	CHECK(!cw_reap_parse_result("skipped_max 0\nmatched 18446744073709551615\n"
				    "aborted 0\nskipped_state 0", &r) &&
	      r.matched == UINT64_MAX, "any order, no final newline, u64 max");
	CHECK(!cw_reap_parse_result("matched 1\naborted 1\nskipped_state 0\n"
				    "skipped_max 0\nfuture_key 7\n", &r),
	      "unknown keys are ignored");
	CHECK(!cw_reap_parse_result("matched 2\naborted 1\nskipped_state 0\n"
				    "skipped_max 0\nskipped_busy 1\n", &r) &&
	      r.skipped_busy == 1, "skipped_busy is read");
	CHECK(!cw_reap_parse_result("matched 1\naborted 1\nskipped_state 0\n"
				    "skipped_max 0\n", &r) && r.skipped_busy == 0,
	      "an older module without skipped_busy: 0");
	CHECK(cw_reap_parse_result("matched 1\naborted 1\nskipped_state 0\n"
				   "skipped_max 0\nskipped_busy 1\nskipped_busy 1\n",
				   &r) == -1, "skipped_busy twice");
	CHECK(cw_reap_parse_result("", &r) == -1, "empty: no request yet");
	CHECK(cw_reap_parse_result("matched 1\naborted 1\nskipped_state 0\n",
				   &r) == -1, "a missing count");
	CHECK(cw_reap_parse_result("matched 1\naborted x\nskipped_state 0\n"
				   "skipped_max 0\n", &r) == -1, "a bad number");
	CHECK(cw_reap_parse_result("matched 18446744073709551616\naborted 0\n"
				   "skipped_state 0\nskipped_max 0\n", &r) == -1,
	      "an overflow");
	CHECK(cw_reap_parse_result("matched 1\nmatched 1\naborted 0\n"
				   "skipped_state 0\nskipped_max 0\n", &r) == -1,
	      "a key twice");
	CHECK(cw_reap_parse_result("matched  1\naborted 0\nskipped_state 0\n"
				   "skipped_max 0\n", &r) == -1, "two spaces");
	CHECK(cw_reap_parse_result("matchedx 1\naborted 0\nskipped_state 0\n"
				   "skipped_max 0\n", &r) == -1,
	      "a key that only starts like one");
}

/* The dry run's listing: the local port only, the cgroup exactly. */
static void test_filter(void)
{
	struct cw_sock s = { .lport = 8080, .rport = 443, .idle_ms = 120000,
			     .cgroup_id = 77 };
	struct cw_sock_filter f = { .port_set = true,
				    .port = 443 };

	CHECK(!cw_sock_match(&s, "/a", &f), "a remote port is not a local one");
	f.port = 8080;
	CHECK(cw_sock_match(&s, "/a", &f), "the local port");
	f.cgroup_id = 78;
	CHECK(!cw_sock_match(&s, "/a", &f), "another cgroup id");
	f.cgroup_id = 77;
	f.older_set = true;
	f.older_s = 120;
	CHECK(cw_sock_match(&s, "/a", &f), "the cgroup id, idle just long enough");
	f.older_s = 121;
	CHECK(!cw_sock_match(&s, "/a", &f), "idle not long enough");
	/* sockets' --port means what reap's does; --remote-port the other end. */
	f = (struct cw_sock_filter){ .port_set = true, .port = 443 };
	CHECK(!cw_sock_match(&s, "/a", &f), "sockets' --port is the local port too");
	f = (struct cw_sock_filter){ .rport_set = true, .rport = 443 };
	CHECK(cw_sock_match(&s, "/a", &f), "sockets' --remote-port 443");
}

void test_reap(void)
{
	test_format();
	test_result();
	test_filter();
}

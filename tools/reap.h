/* SPDX-License-Identifier: GPL-2.0 */
/* `cwstat reap`: abort old CLOSE_WAIT sockets through the module. */
#ifndef CWSTAT_TOOL_REAP_H
#define CWSTAT_TOOL_REAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request to /proc/net/cwstat_reap; 0 in a field leaves it out. */
struct cw_reap_req {
	uint64_t older_s;
	uint64_t ns;		/* another netns, by inode */
	uint64_t cgroup_id;
	uint16_t lport;
	uint32_t max;
	bool dry_run;
};

/*
 * The request line for @r into @buf, newline-terminated. Returns its
 * length, or -1 if it does not fit.
 */
int cw_reap_format(char *buf, size_t len, const struct cw_reap_req *r);

struct cw_reap_res {
	uint64_t matched, aborted, skipped_state, skipped_max;
	uint64_t skipped_busy;	/* 0 from an older module, which lacks it */
};

/*
 * The counts of a result read back from the file ("key value" lines).
 * Returns 0, or -1 when one of the four counts is missing or malformed
 * (an empty text: no request was made through that file).
 */
int cw_reap_parse_result(const char *text, struct cw_reap_res *r);

/* The subcommand, from its own argv (argv[0] = "reap"); an exit code. */
int cw_cmd_reap(int argc, char **argv);

#endif

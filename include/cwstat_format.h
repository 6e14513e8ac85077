/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The /proc/cwstat text format, shared by the module (which writes it) and
 * user-space parsers, so that the two cannot drift apart.
 * Plain macros only: this header is included from kernel and user space.
 *
 * Format v1: lines of space-separated tokens. The first token is the row
 * type (or "version=1" on the first line); the others are key=value pairs.
 * Readers ignore keys they do not know, so keys can be added without a
 * version bump; removing or redefining one needs CWSTAT_FORMAT_VERSION + 1.
 */
#ifndef CWSTAT_FORMAT_H
#define CWSTAT_FORMAT_H

#define CWSTAT_FORMAT_VERSION		1

#define CWSTAT_PROC_NAME		"cwstat"
#define CWSTAT_PROC_PATH		"/proc/" CWSTAT_PROC_NAME
#define CWSTAT_PROC_NET_PATH		"/proc/net/" CWSTAT_PROC_NAME

/* Row types, in the order they appear. */
#define CWSTAT_ROW_VERSION		"version"
#define CWSTAT_ROW_TOTAL		"total"
#define CWSTAT_ROW_NETNS		"netns"
#define CWSTAT_ROW_CGROUP		"cgroup"

/* Keys identifying a row. */
#define CWSTAT_KEY_NS			"ns"		/* netns inode */
#define CWSTAT_KEY_CGROUP_ID		"id"		/* cgroup_id() */
#define CWSTAT_KEY_CGROUP_PATH		"path"		/* escaped */
/* "1" on a row whose path is cut to PATH_MAX - 1 bytes; absent otherwise. */
#define CWSTAT_KEY_CGROUP_PATH_CUT	"path_cut"

/* Counters. */
#define CWSTAT_KEY_CLOSE_WAIT		"close_wait"
#define CWSTAT_KEY_RECVQ_BYTES		"recvq_bytes"
#define CWSTAT_KEY_RMEM_BYTES		"rmem_bytes"
#define CWSTAT_KEY_OLDEST_IDLE_S	"oldest_idle_s"
/* Scan mode only (mode=scan): a live table does not know it. */
#define CWSTAT_KEY_SOCKETS		"sockets"	/* total, netns */

/*
 * Live mode only (mode=live, the default): time in CLOSE_WAIT. oldest_s is
 * the whole seconds of the row's oldest socket. The age_* keys count the
 * row's sockets per age bucket: each socket is in exactly one bucket, so
 * they sum to close_wait (they are not cumulative). A bucket "le_Ns" holds
 * ages above the previous bound up to and including N seconds.
 */
#define CWSTAT_KEY_OLDEST_S		"oldest_s"
#define CWSTAT_KEY_AGE_LE_1S		"age_le_1s"
#define CWSTAT_KEY_AGE_LE_10S		"age_le_10s"
#define CWSTAT_KEY_AGE_LE_60S		"age_le_60s"
#define CWSTAT_KEY_AGE_LE_600S		"age_le_600s"
#define CWSTAT_KEY_AGE_LE_3600S		"age_le_3600s"
#define CWSTAT_KEY_AGE_GT_3600S		"age_gt_3600s"
/* The buckets in output order, and the upper bounds of all but the last. */
#define CWSTAT_AGE_KEYS		{ CWSTAT_KEY_AGE_LE_1S, CWSTAT_KEY_AGE_LE_10S, \
				  CWSTAT_KEY_AGE_LE_60S, CWSTAT_KEY_AGE_LE_600S, \
				  CWSTAT_KEY_AGE_LE_3600S, CWSTAT_KEY_AGE_GT_3600S }
#define CWSTAT_AGE_BOUNDS_S	{ 1, 10, 60, 600, 3600 }

/*
 * Bytes of a cgroup path written as a backslash and three octal digits,
 * as /proc/mounts does, so that a path never splits a token or a key=value.
 * Every other ASCII control character (below 0x20, and 0x7f) is escaped
 * the same way; bytes from 0x80 up are not.
 */
#define CWSTAT_PATH_ESCAPE		" \t\n\\="

/*
 * The reaper: /proc/net/cwstat_reap, one per netns (mode 0600). A write is
 * one request, a line of space-separated key=value pairs; a read gives the
 * result of the last request written through the same open file, one
 * "key value" pair per line (nothing before the first request).
 */
#define CWSTAT_REAP_NAME		"cwstat_reap"
#define CWSTAT_REAP_PATH		"/proc/net/" CWSTAT_REAP_NAME
/* Longest request accepted, in bytes. */
#define CWSTAT_REAP_MAX_REQUEST		256
/* The smallest older_than, in seconds. */
#define CWSTAT_REAP_MIN_AGE_S		60
#define CWSTAT_REAP_DEFAULT_MAX		1000
#define CWSTAT_REAP_MAX_MAX		1000000

/* Request keys; older_than is required. ns takes an inode or "all". */
#define CWSTAT_REAP_OLDER_THAN		"older_than"
#define CWSTAT_REAP_NS			"ns"
#define CWSTAT_REAP_NS_ALL		"all"
#define CWSTAT_REAP_CGROUP		"cgroup"
#define CWSTAT_REAP_LPORT		"lport"
#define CWSTAT_REAP_MAX			"max"
#define CWSTAT_REAP_DRY_RUN		"dry_run"

/*
 * Result keys, besides the request's own (older_than, ns, cgroup, lport,
 * max, dry_run; cgroup and lport 0 when not filtered on).
 */
#define CWSTAT_REAP_MATCHED		"matched"
#define CWSTAT_REAP_ABORTED		"aborted"	/* 0 in a dry run */
#define CWSTAT_REAP_SKIPPED_STATE	"skipped_state"	/* left CLOSE_WAIT first */
#define CWSTAT_REAP_SKIPPED_MAX		"skipped_max"	/* matched beyond max */
/* A process held its lock: not waited for. Older modules lack it. */
#define CWSTAT_REAP_SKIPPED_BUSY	"skipped_busy"

#endif /* CWSTAT_FORMAT_H */

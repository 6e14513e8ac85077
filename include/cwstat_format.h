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

#endif /* CWSTAT_FORMAT_H */

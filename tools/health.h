/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's health (/sys/kernel/cwstat, root only): whether its counts
 * are complete. In live mode every count is a lower bound while the table
 * is at max_tracked ("capped") or while sockets in CLOSE_WAIT whose lock a
 * process held could not be examined ("unresolved"); see
 * Documentation/sysfs.md. The tool reports it, never guesses it: without
 * the files (not root, an older module, a container without /sys) it says
 * nothing.
 */
#ifndef CWSTAT_TOOL_HEALTH_H
#define CWSTAT_TOOL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cwstat.h"
#include "cwstat_format.h"
#include "snapshot.h"

#define CW_SYSFS_DIR		"/sys/kernel/" CWSTAT_PROC_NAME
/* What an operator writes to ask the module for a reconciliation. */
#define CW_SYSFS_RECONCILE	CW_SYSFS_DIR "/reconcile"

/*
 * One value of a health file as the module writes it ("%llu\n", or a
 * word and "\n" for @word): digits only (or [a-z] only), at most one
 * trailing newline. 0, or -1 on anything else.
 */
int cw_health_parse_u64(const char *buf, size_t len, uint64_t *v);
int cw_health_parse_word(const char *buf, size_t len, char *word,
			 size_t size);

/*
 * Read mode, capped, unresolved and tracked_overflow under @dir into @h:
 * all of them, or none (h->read false, -1, and @err names the file and
 * why).
 */
int cw_health_read(struct cw_health *h, const char *dir,
		   struct cw_error *err);

/* Read, and capped or unresolved: every count is a lower bound. */
bool cw_health_lower_bound(const struct cw_health *h);

/*
 * Why the counts are a lower bound, for a status line: "the module's
 * table is full (max_tracked) and 3 sockets in CLOSE_WAIT not examined (a
 * process held their lock)". "" when they are not.
 */
void cw_health_why(const struct cw_health *h, char *buf, size_t len);

#define CW_HEALTH_NOTES		2
#define CW_HEALTH_NOTE_MAX	320

/*
 * The notes for people (show's table): one line per cause, with what to
 * do. Returns how many (0 when the counts are complete).
 */
size_t cw_health_notes(const struct cw_health *h,
		       char notes[CW_HEALTH_NOTES][CW_HEALTH_NOTE_MAX]);

#endif

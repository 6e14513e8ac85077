/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live source's reaper (cwstat_live_reap.c), over its table
 * (cwstat_table.h).
 */
#ifndef CWSTAT_LIVE_REAP_H
#define CWSTAT_LIVE_REAP_H

#include <linux/types.h>

struct cwstat_reap_req;
struct cwstat_reap_result;

int cwstat_live_reap(const struct cwstat_reap_req *req,
		     struct cwstat_reap_result *res);
u64 cwstat_live_reaped(void);

#endif /* CWSTAT_LIVE_REAP_H */

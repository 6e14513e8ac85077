/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live source's read of its table (cwstat_table_read.c), over the
 * table (cwstat_table.h).
 */
#ifndef CWSTAT_TABLE_READ_H
#define CWSTAT_TABLE_READ_H

struct cwstat_agg;
struct cwstat_walk_stats;

int cwstat_table_collect(struct cwstat_agg *agg,
			 struct cwstat_walk_stats *stats);

#endif /* CWSTAT_TABLE_READ_H */

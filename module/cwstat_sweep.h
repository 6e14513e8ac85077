/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sweep that ends a reconciliation (cwstat_sweep.c), over the table
 * (cwstat_table.h).
 */
#ifndef CWSTAT_SWEEP_H
#define CWSTAT_SWEEP_H

#include <linux/types.h>

u64 cwstat_sweep(unsigned int gen);

#endif /* CWSTAT_SWEEP_H */

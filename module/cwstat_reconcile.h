/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live source's reconciliation (cwstat_reconcile.c): the seeding at
 * load, its follow-up, repairs and the period, over the table
 * (cwstat_table.h).
 */
#ifndef CWSTAT_RECONCILE_H
#define CWSTAT_RECONCILE_H

#include <linux/types.h>

void cwstat_reconcile_init(void);
int cwstat_reconcile_seed(void);
void cwstat_reconcile_quiesce(void);
void cwstat_reconcile_stop(void);
void cwstat_reconcile_cancel(void);
int cwstat_reconcile_asked(void);

u64 cwstat_reconcile_count(void);
u64 cwstat_reconcile_seeded(void);
unsigned long cwstat_reconcile_unresolved(void);

#endif /* CWSTAT_RECONCILE_H */

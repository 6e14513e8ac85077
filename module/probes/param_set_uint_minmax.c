// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 5.15, commit 2a14c9ae15a3 ("params: lift param_set_uint_minmax to
 * common code"): a bounded unsigned module parameter needs no private parser.
 */
#include <linux/moduleparam.h>

int cwstat_probe(const char *val, const struct kernel_param *kp);
int cwstat_probe(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1);
}

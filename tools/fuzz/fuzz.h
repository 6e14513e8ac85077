/* SPDX-License-Identifier: GPL-2.0 */
/* What the libFuzzer targets share: the entry point and a checked invariant. */
#ifndef CWSTAT_TOOL_FUZZ_H
#define CWSTAT_TOOL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the sanitizers cannot see: abort, so libFuzzer keeps the input. */
#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif

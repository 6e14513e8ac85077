// SPDX-License-Identifier: GPL-2.0
/*
 * cw_memhog MIB READY_FILE
 *
 * Takes MIB MiB of anonymous memory, touches every page (the guest has no
 * swap, so nothing can reclaim it), writes "ready" to READY_FILE and holds
 * the memory until a signal ends it: memory pressure for stress.sh.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cw_helpers.h"

int main(int argc, char **argv)
{
	unsigned long mib;
	size_t len;
	char *p;

	if (argc != 3) {
		fputs("usage: cw_memhog MIB READY_FILE\n", stderr);
		return 2;
	}
	mib = cw_parse_ul(argv[1], "MIB");
	len = mib << 20;
	p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		cw_die("mmap %lu MiB: %s", mib, strerror(errno));
	/* MAP_POPULATE may stop short; a write per page makes sure. */
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	cw_write_ready(argv[2], "ready\n");
	for (;;)
		pause();
}

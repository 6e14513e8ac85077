/* SPDX-License-Identifier: GPL-2.0 */
/* `cwstat sockets`: each CLOSE_WAIT socket and the process holding it. */
#ifndef CWSTAT_TOOL_SOCKETS_H
#define CWSTAT_TOOL_SOCKETS_H

#include <stdbool.h>

#include "cwstat.h"
#include "diag.h"

/* The subcommand, from its own argv (argv[0] = "sockets"); an exit code. */
int cw_cmd_sockets(int argc, char **argv);

/*
 * Print the sockets of @socks that @filter lets through, oldest idle
 * first, as `cwstat sockets` does, with their processes when @scan. An
 * exit code.
 */
int cw_sockets_show(const struct cw_socks *socks,
		    const struct cw_sock_filter *filter, enum cw_format fmt,
		    bool scan);

/* --by: one line per local port, peer address or holding process. */
enum cw_sockets_by {
	CW_SOCKS_EACH,		/* a line per socket (no --by) */
	CW_SOCKS_BY_LPORT,
	CW_SOCKS_BY_PEER,
	CW_SOCKS_BY_PROCESS,
};

/* How the table looks: a NETNS column first (--all-netns), a header. */
struct cw_sockets_look {
	bool netns;
	bool no_header;
	enum cw_sockets_by by;
};

int cw_sockets_show_look(const struct cw_socks *socks,
			 const struct cw_sock_filter *filter,
			 enum cw_format fmt, bool scan,
			 const struct cw_sockets_look *look);

#endif

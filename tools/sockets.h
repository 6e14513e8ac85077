/* SPDX-License-Identifier: GPL-2.0 */
/* `cwstat sockets`: each CLOSE_WAIT socket and the process holding it. */
#ifndef CWSTAT_TOOL_SOCKETS_H
#define CWSTAT_TOOL_SOCKETS_H

/* The subcommand, from its own argv (argv[0] = "sockets"); an exit code. */
int cw_cmd_sockets(int argc, char **argv);

#endif

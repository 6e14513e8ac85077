/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `cwstat serve`: the counts as a Prometheus /metrics endpoint (serve.c),
 * in its own program, cwstat-serve, which links libmicrohttpd; the static
 * cwstat execs it (cw_serve_exec).
 */
#ifndef CWSTAT_TOOL_SERVE_H
#define CWSTAT_TOOL_SERVE_H

/* Where `make install` puts cwstat-serve, unless the build says otherwise. */
#ifndef CWSTAT_HELPER_DIR
#define CWSTAT_HELPER_DIR "/usr/local/lib/cwstat"
#endif

#define CWSTAT_SERVE_HELPER "cwstat-serve"

/* The subcommand, argv[0] being "serve". Returns an exit status. */
int cw_cmd_serve(int argc, char **argv);

#endif

// SPDX-License-Identifier: GPL-2.0
/* cwstat-serve: `cwstat serve` in a program of its own (see serve.h). */
#include "cwstat.h"
#include "serve.h"

int main(int argc, char **argv)
{
	cw_progname = "cwstat serve";
	return cw_cmd_serve(argc, argv);
}

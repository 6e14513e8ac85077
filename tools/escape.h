/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names are bytes: a cgroup, netns or command name may hold any byte but
 * '/' and NUL, not necessarily UTF-8. These are the only ways the tool
 * writes them, so the table, json, prom and sockets outputs agree.
 */
#ifndef CWSTAT_TOOL_ESCAPE_H
#define CWSTAT_TOOL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Length of the valid UTF-8 sequence at @s (RFC 3629: shortest form only,
 * no surrogates, nothing above U+10FFFF), or 0 when @s[0] starts none.
 * Stops at a NUL, which is never a continuation byte.
 */
size_t cw_utf8_len(const unsigned char *s);

enum cw_esc {
	CW_ESC_JSON,		/* a JSON string's contents */
	CW_ESC_PROM_LABEL,	/* a label value: backslash, quote, newline */
	CW_ESC_PROM_HELP,	/* a HELP docstring: backslash, newline */
};

/* @str escaped for @mode, without surrounding quotes. */
void cw_put_escaped(FILE *f, const char *str, enum cw_esc mode);

/*
 * @str for a terminal, malloc'd, with its width in columns in @width (may
 * be NULL). With @one_token, spaces are escaped too, so that the text
 * stays one whitespace-separated field. NULL on ENOMEM.
 */
char *cw_escape_terminal(const char *str, bool one_token, size_t *width);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

size_t cw_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;	/* continuation, overlong 0xc0 0xc1, 0xf5 up */
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The escape for ASCII byte @c, or NULL when it stands for itself. */
static const char *escape_ascii(unsigned char c, enum cw_esc mode, char *buf)
{
	if (c == '\\')
		return "\\\\";
	if (c == '\n')
		return "\\n";
	if (c == '"' && mode != CW_ESC_PROM_HELP)
		return "\\\"";
	if (mode != CW_ESC_JSON)
		return NULL;	/* the text format allows any other byte */
	switch (c) {
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(buf, 8, "\\u%04x", c);
		return buf;
	}
	return NULL;
}

/*
 * JSON and the Prometheus text format must be valid UTF-8. Valid UTF-8
 * passes through unchanged, and every byte that is not part of a valid
 * sequence becomes the four characters \xNN (NN two lower-case hex
 * digits), written escaped as the format needs it (JSON "\\xff", a label
 * value "\\xff"), so the output is always valid and a reader sees "\xff".
 * That is lossy in one corner: a name holding the literal text "\xff"
 * reads the same; the cgroup id tells them apart. JSON's only lossless
 * alternative, a lone surrogate such as \udcff, is rejected by many
 * parsers.
 */
void cw_put_escaped(FILE *f, const char *str, enum cw_esc mode)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;
	char buf[8];

	while (*s) {
		size_t n = cw_utf8_len(s);
		const char *e;

		/* C1 controls too, as JSON can name them without loss. */
		if (n == 2 && mode == CW_ESC_JSON && s[0] == 0xc2 &&
		    s[1] < 0xa0) {
			fwrite(run, 1, (size_t)(s - run), f);
			fprintf(f, "\\u%04x", s[1]);
			run = s += 2;
			continue;
		}
		if (n > 1) {
			s += n;
			continue;
		}
		e = n ? escape_ascii(*s, mode, buf) : NULL;
		if (n && !e) {
			s++;
			continue;
		}
		fwrite(run, 1, (size_t)(s - run), f);
		if (n)
			fputs(e, f);
		else
			fprintf(f, "\\\\x%02x", *s);
		run = ++s;
	}
	fwrite(run, 1, (size_t)(s - run), f);
}

/*
 * Backslash and control characters as \ooo, as the module writes paths,
 * so a name can never break a line or reach the terminal as an escape
 * sequence. That includes C1 controls (U+0080 to U+009F) and bytes that
 * are not valid UTF-8, where a lone 0x9b is CSI to a terminal taking 8-bit
 * controls. Other UTF-8 passes, so "café" reads as such. The width is one
 * column per code point: wide characters are rare in names, and wcwidth()
 * needs a locale a static binary does not load.
 */
char *cw_escape_terminal(const char *str, bool one_token, size_t *width)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t w = 0;
	char *buf, *p;

	/* At most four bytes out for each byte in. */
	if (strlen(str) > (SIZE_MAX - 1) / 4)
		return NULL;
	buf = malloc(4 * strlen(str) + 1);
	if (!buf)
		return NULL;
	p = buf;
	while (*s) {
		size_t n = cw_utf8_len(s), i;
		bool c1 = n == 2 && s[0] == 0xc2 && s[1] < 0xa0;

		if (n == 1 && *s >= 0x20 && *s != 0x7f && *s != '\\' &&
		    !(one_token && *s == ' ')) {
			*p++ = (char)*s++;
			w++;
		} else if (n > 1 && !c1) {
			memcpy(p, s, n);
			p += n;
			s += n;
			w++;
		} else {
			for (i = 0; i < (n ? n : 1); i++, s++) {
				p += sprintf(p, "\\%03o", *s);
				w += 4;
			}
		}
	}
	*p = '\0';
	if (width)
		*width = w;
	return buf;
}

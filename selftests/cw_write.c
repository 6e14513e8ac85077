// SPDX-License-Identifier: GPL-2.0
/*
 * cw_write FILE VALUE
 *
 * Writes VALUE to FILE in one write(2), as `echo` would but with the error
 * told exactly: prints "ok", or the errno's name (EINVAL, ERANGE, EPERM,
 * EACCES, ...) of the open or the write, and exits 0 either way (2 on bad
 * usage). VALUE takes the escapes \n, \t, \\ and \xHH, so that a test can
 * write a bare newline, which a shell argument cannot end with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case EROFS: return "EROFS";
	case ENODEV: return "ENODEV";
	default: return "EOTHER";
	}
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (*in != '\\') {
			out[n++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'n':
			out[n++] = '\n';
			in++;
			break;
		case 't':
			out[n++] = '\t';
			in++;
			break;
		case 'x': {
			char hex[3] = { in[1], in[1] ? in[2] : 0, 0 };

			out[n++] = (char)strtoul(hex, NULL, 16);
			in += 1 + strlen(hex);
			break;
		}
		case '\0':
			out[n++] = '\\';
			break;
		default:
			out[n++] = *in++;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	char *buf;
	size_t len;
	int fd;

	if (argc != 3) {
		fputs("usage: cw_write FILE VALUE\n", stderr);
		return 2;
	}
	buf = malloc(strlen(argv[2]) + 1);
	if (!buf)
		return 2;
	len = unescape(argv[2], buf);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 0;
	}
	if (write(fd, buf, len) < 0)
		printf("%s\n", errno_name(errno));
	else
		printf("ok\n");
	close(fd);
	return 0;
}

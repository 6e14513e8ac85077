// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "parse.h"

/* Longer than anything the module writes: "%llu\n" is 21 bytes at most. */
#define HEALTH_FILE_MAX	64

/* @len without one trailing newline; SIZE_MAX if there is nothing else. */
static size_t strip_newline(const char *buf, size_t len)
{
	if (len && buf[len - 1] == '\n')
		len--;
	return len ? len : SIZE_MAX;
}

int cw_health_parse_u64(const char *buf, size_t len, uint64_t *v)
{
	len = strip_newline(buf, len);
	if (len == SIZE_MAX || len > 20)
		return -1;
	return cw_parse_u64(buf, len, v) == CW_U64_OK ? 0 : -1;
}

int cw_health_parse_word(const char *buf, size_t len, char *word,
			 size_t size)
{
	size_t i;

	len = strip_newline(buf, len);
	if (len == SIZE_MAX || len >= size)
		return -1;
	for (i = 0; i < len; i++)
		if (buf[i] < 'a' || buf[i] > 'z')
			return -1;
	memcpy(word, buf, len);
	word[len] = '\0';
	return 0;
}

/* The whole of @dir/@name, NUL-terminated, in @buf; its length or -1. */
static ssize_t read_file(const char *dir, const char *name, char *buf,
			 size_t size, struct cw_error *err)
{
	char path[4096];
	size_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cw_error_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, size - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cw_error_set(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (!got)
			break;
		n += (size_t)got;
		if (n == size - 1) {
			cw_error_set(err, "%s: longer than %zu bytes", path,
				     size - 2);
			close(fd);
			return -1;
		}
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

int cw_health_read(struct cw_health *h, const char *dir,
		   struct cw_error *err)
{
	static const char *const names[] = {
		"capped", "unresolved", "tracked_overflow",
	};
	struct cw_health got = { .read = true };
	uint64_t capped = 0;
	uint64_t *const vals[] = {
		&capped, &got.unresolved, &got.untracked_total,
	};
	char buf[HEALTH_FILE_MAX];
	ssize_t n;
	size_t i;

	memset(h, 0, sizeof(*h));
	n = read_file(dir, "mode", buf, sizeof(buf), err);
	if (n < 0)
		return -1;
	if (cw_health_parse_word(buf, (size_t)n, got.mode, sizeof(got.mode))) {
		cw_error_set(err, "%s/mode: not a mode name", dir);
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = read_file(dir, names[i], buf, sizeof(buf), err);
		if (n < 0)
			return -1;
		if (cw_health_parse_u64(buf, (size_t)n, vals[i])) {
			cw_error_set(err, "%s/%s: not a number", dir, names[i]);
			return -1;
		}
	}
	got.capped = capped != 0;
	*h = got;
	return 0;
}

bool cw_health_lower_bound(const struct cw_health *h)
{
	return h->read && (h->capped || h->unresolved);
}

void cw_health_why(const struct cw_health *h, char *buf, size_t len)
{
	bool one = h->unresolved == 1;

	if (!len)
		return;
	buf[0] = '\0';
	if (!cw_health_lower_bound(h))
		return;
	snprintf(buf, len, "%s%s", h->capped ?
		 "the module's table is full (max_tracked)" : "",
		 h->capped && h->unresolved ? " and " : "");
	if (h->unresolved) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%" PRIu64
			 " socket%s in CLOSE_WAIT not examined (a process held %s lock)",
			 h->unresolved, one ? "" : "s", one ? "its" : "their");
	}
}

size_t cw_health_notes(const struct cw_health *h,
		       char notes[CW_HEALTH_NOTES][CW_HEALTH_NOTE_MAX])
{
	size_t n = 0;

	if (!cw_health_lower_bound(h))
		return 0;
	if (h->capped)
		snprintf(notes[n++], CW_HEALTH_NOTE_MAX,
			 "counts are a lower bound: the module's table is full (max_tracked), so sockets entering CLOSE_WAIT are not counted (%" PRIu64
			 " missed since load); load the module with a larger max_tracked",
			 h->untracked_total);
	if (h->unresolved) {
		bool one = h->unresolved == 1;

		snprintf(notes[n++], CW_HEALTH_NOTE_MAX,
			 "counts are a lower bound: %" PRIu64
			 " socket%s in CLOSE_WAIT %s not counted, a process held %s lock whenever the newest reconciliation looked; the module looks again later, or ask it now: echo 1 > "
			 CW_SYSFS_RECONCILE,
			 h->unresolved, one ? "" : "s", one ? "is" : "are",
			 one ? "its" : "their");
	}
	return n;
}

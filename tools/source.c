// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwstat_format.h"
#include "diag.h"
#include "health.h"
#include "parse.h"
#include "source.h"

/* Larger inputs are refused rather than exhausting memory. */
#define CW_INPUT_MAX	(1UL << 30)

/* The module's view of one netns, the reader's. */
#define CW_PROC_NET_PATH	"/proc/net/" CWSTAT_PROC_NAME

/*
 * Inode numbers the kernel gives the initial namespaces, unchanged since
 * Linux 3.8 (PROC_USER_INIT_INO, PROC_PID_INIT_INO in linux/proc_ns.h);
 * the initial network namespace has none of its own.
 */
#define CW_INIT_USER_INO	0xEFFFFFFDUL
#define CW_INIT_PID_INO		0xEFFFFFFCUL

/* Capability numbers (linux/capability.h). */
#define CW_CAP_NET_ADMIN	12
#define CW_CAP_SYS_ADMIN	21

/* The effective capabilities (CapEff in /proc/self/status); 0: unknown. */
static uint64_t cap_effective(void)
{
	char line[128];
	uint64_t caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &caps) == 1)
			break;
	fclose(f);
	return caps;
}

/*
 * Whether this process reads as root on the host does, as the module
 * decides it: in the initial user namespace, in the host's network
 * namespace (that of the host's PID 1, which only a reader in the initial
 * PID namespace can name), with capability @cap. Else @why says what it
 * lacks.
 */
static bool host_reader(int cap, const char *cap_name, char *why, size_t len)
{
	struct stat ns, init;

	if (!(cap_effective() & (1ULL << cap))) {
		snprintf(why, len, "not root (no %s)", cap_name);
		return false;
	}
	if (stat("/proc/self/ns/user", &ns) || ns.st_ino != CW_INIT_USER_INO) {
		snprintf(why, len, "in a user namespace of its own");
		return false;
	}
	if (stat("/proc/self/ns/pid", &ns) || ns.st_ino != CW_INIT_PID_INO) {
		snprintf(why, len, "outside the host's PID namespace, so it cannot tell the host's netns");
		return false;
	}
	if (stat("/proc/self/ns/net", &ns) || stat("/proc/1/ns/net", &init) ||
	    ns.st_ino != init.st_ino || ns.st_dev != init.st_dev) {
		snprintf(why, len, "in a network namespace other than the host's");
		return false;
	}
	return true;
}

/* Read all of @fd; NULL with errno on failure. */
static char *read_all(int fd, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *nb;

			if (cap >= CW_INPUT_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
}

/*
 * The module's health, just after its counts: from /sys/kernel/cwstat for
 * the module's counts, from --sysfs for those or a saved copy. The files
 * are root's: where they cannot be read, nothing is said of them, unless
 * --sysfs asked for them.
 */
static void load_health(const struct cw_source_opts *so, struct cw_snapshot *s)
{
	struct cw_error err;

	if (s->source != CW_SOURCE_MODULE && !so->sysfs)
		return;
	if (cw_health_read(&s->health, so->sysfs ? so->sysfs : CW_SYSFS_DIR,
			   &err) && so->sysfs)
		cw_warn("cannot read the module's health: %s", err.msg);
}

/*
 * Fill @s from the chosen source. Returns CW_EXIT_OK, CW_EXIT_ERROR (could
 * not read; @err says why) or CW_EXIT_INPUT (not format v1).
 */
int cw_source_load(const struct cw_source_opts *so, struct cw_snapshot *s,
		   struct cw_error *err)
{
	const char *path = so->input ? so->input : so->netns_only ?
			   CW_PROC_NET_PATH : CWSTAT_PROC_PATH;
	const char *name = path;
	enum cw_source src = so->input ? CW_SOURCE_FILE : CW_SOURCE_MODULE;
	bool all_netns = so->all_netns, fallback = false;
	char why[CW_SCOPE_MAX - 40];
	size_t len;
	char *buf;
	int fd, ret;

	if (!so->input && so->source == SRC_DIAG)
		goto diag;
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
		name = "<stdin>";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		if (!so->input && so->source == SRC_AUTO && errno == ENOENT) {
			fallback = true;
			goto diag;
		}
		cw_error_set(err, "cannot open %s: %s%s", path, strerror(errno),
			     errno == ENOENT && !so->input ?
			     " (is the cwstat module loaded? --source diag works without it)" : "");
		return CW_EXIT_ERROR;
	}
	buf = read_all(fd, &len);
	if (!buf) {
		cw_error_set(err, "cannot read %s: %s", name, strerror(errno));
		if (fd != STDIN_FILENO)
			close(fd);
		return CW_EXIT_ERROR;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	ret = cw_parse(buf, len, name, s, err);
	free(buf);
	if (ret)
		return CW_EXIT_INPUT;
	s->source = src;
	if (src == CW_SOURCE_MODULE && !so->netns_only &&
	    !host_reader(CW_CAP_NET_ADMIN, "CAP_NET_ADMIN", why, sizeof(why)))
		snprintf(s->partial, sizeof(s->partial), "only this netns: %s",
			 why);
	load_health(so, s);
	return CW_EXIT_OK;

diag:
	/*
	 * The module shows root on the host every netns; sock_diag does the
	 * same where it can: entering each netns takes CAP_SYS_ADMIN in the
	 * host's namespaces. --all-netns tries whatever the reader is.
	 */
	if (!so->netns_only && !all_netns)
		all_netns = host_reader(CW_CAP_SYS_ADMIN, "CAP_SYS_ADMIN", why,
					sizeof(why));
	if (fallback)
		cw_note("%s not found (module not loaded); counting with sock_diag in %s%s%s",
			path, all_netns ? "every netns" : "this netns",
			all_netns || so->netns_only ? "" : " only: ",
			all_netns || so->netns_only ? "" : why);
	else if (!all_netns && !so->netns_only)
		cw_note("counting with sock_diag in this netns only: %s", why);
	if (cw_diag_snapshot(s, all_netns, err))
		return CW_EXIT_ERROR;
	s->source = CW_SOURCE_DIAG;
	if (!all_netns && !so->netns_only)
		snprintf(s->partial, sizeof(s->partial), "only this netns: %s",
			 why);
	else if (s->netns_missed)
		snprintf(s->partial, sizeof(s->partial),
			 "%u netns not counted (could not enter or open them)",
			 s->netns_missed);
	return CW_EXIT_OK;
}

int cw_source_names(struct cw_names *names, const struct cw_snapshot *s,
		    const struct cw_source_opts *so)
{
	uint64_t *ns;
	size_t i;
	int ret;

	memset(names, 0, sizeof(*names));
	/* Names from this host mean nothing for a copy saved elsewhere. */
	if (so->no_names || so->input || !s->nnetns)
		return 0;
	ns = calloc(s->nnetns, sizeof(*ns));
	if (!ns)
		return -1;
	for (i = 0; i < s->nnetns; i++)
		ns[i] = s->netns[i].ns;
	ret = cw_names_load(names, ns, s->nnetns, "/run/netns", "/proc");
	free(ns);
	return ret;
}

/*
 * Pod and container names from the runtimes' files: on the live host, or
 * under --runtime-root (also for a saved copy, whose host it names).
 * Returns the cache to use, or NULL for none.
 */
struct cw_meta *cw_source_meta(struct cw_meta *meta,
			       const struct cw_source_opts *so)
{
	if (so->no_names || (so->input && !so->runtime_root))
		return NULL;
	if (cw_meta_init(meta, so->runtime_root))
		return NULL;
	return meta;
}

/*
 * One parsed option shared by the reading subcommands; false if not one.
 * A bad value sets *@why (a static message) for the caller to report in
 * its own way: a usage error for show, an UNKNOWN status line for check.
 */
bool cw_source_opt(int opt, const char *arg, struct cw_source_opts *so,
		   const char **why)
{
	static char msg[160];

	*why = NULL;
	switch (opt) {
	case OPT_INPUT:
		so->input = arg;
		return true;
	case OPT_SOURCE:
		if (!strcmp(arg, "auto")) {
			so->source = SRC_AUTO;
		} else if (!strcmp(arg, "module")) {
			so->source = SRC_MODULE;
		} else if (!strcmp(arg, "diag")) {
			so->source = SRC_DIAG;
		} else {
			snprintf(msg, sizeof(msg),
				 "unknown source '%.80s' (auto, module or diag)", arg);
			*why = msg;
		}
		return true;
	case OPT_ALL_NETNS:
		so->all_netns = true;
		return true;
	case OPT_NO_NAMES:
		so->no_names = true;
		return true;
	case OPT_RUNTIME_ROOT:
		so->runtime_root = arg;
		return true;
	case OPT_SYSFS:
		so->sysfs = arg;
		return true;
	}
	return false;
}

/* NULL, or why the source options do not go together. */
const char *cw_source_check(const struct cw_source_opts *so)
{
	if (so->input && so->source != SRC_AUTO)
		return "--input and --source exclude each other";
	if (so->all_netns && (so->input || so->source == SRC_MODULE))
		return "--all-netns needs --source diag (the module shows every netns it may)";
	if (so->sysfs && !so->input && so->source == SRC_DIAG)
		return "--sysfs is the module's health, not sock_diag's (--source diag)";
	return NULL;
}

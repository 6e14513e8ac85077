// SPDX-License-Identifier: GPL-2.0
/*
 * `cwstat reap`: abort the sockets an application left in CLOSE_WAIT for
 * longer than a given time, through the module's /proc/net/cwstat_reap.
 * A dry run by default: it asks the module how many match and lists the
 * candidates with the processes holding them; --yes aborts them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwstat.h"
#include "cwstat_format.h"
#include "diag.h"
#include "duration.h"
#include "parse.h"
#include "reap.h"
#include "sockets.h"

static const char usage[] =
"usage: cwstat reap --older-than DURATION [--port N] [--cgroup PATH]\n"
"                   [--netns NAME|INUM] [--max N] [--yes]\n"
"\n"
"Abort the TCP sockets that have been in CLOSE_WAIT for at least DURATION\n"
"(60s or more), as the cwstat module counts that time: each gets a RST,\n"
"its peer sees the connection reset, and its application's next send()\n"
"fails with ECONNABORTED. The application's fd stays open until the\n"
"application closes it: only it can. Needs the module in live mode and\n"
"CAP_NET_ADMIN over the netns.\n"
"\n"
"Without --yes, a dry run: the module's count of matching sockets, and a\n"
"list of them with the processes holding them (from sock_diag: the list\n"
"goes by the time since the last segment, which can be shorter than the\n"
"time in CLOSE_WAIT, so it may show fewer than the count).\n"
"\n"
"  --older-than DURATION  time in CLOSE_WAIT, at least 60s (90s, 10m, 1h30m)\n"
"  --port N               only sockets whose local port is N\n"
"  --cgroup PATH          only sockets of exactly cgroup PATH, as\n"
"                         /proc/PID/cgroup shows it\n"
"  --netns NAME|INUM      the netns /run/netns/NAME (or a netns file's path,\n"
"                         or a netns inode number) instead of this process's\n"
"  --max N                abort at most N sockets (1 to 1000000, default 1000)\n"
"  --yes                  abort them; print the module's result\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 ok, 1 the module refused or could not be reached,\n"
"2 usage error.\n";

int cw_reap_format(char *buf, size_t len, const struct cw_reap_req *r)
{
	size_t n = 0;
	int w;

#define CW_APPEND(...) do {						\
		w = snprintf(buf + n, len - n, __VA_ARGS__);		\
		if (w < 0 || (size_t)w >= len - n)			\
			return -1;					\
		n += (size_t)w;						\
	} while (0)

	if (!len)
		return -1;
	CW_APPEND(CWSTAT_REAP_OLDER_THAN "=%" PRIu64, r->older_s);
	if (r->ns)
		CW_APPEND(" " CWSTAT_REAP_NS "=%" PRIu64, r->ns);
	if (r->cgroup_id)
		CW_APPEND(" " CWSTAT_REAP_CGROUP "=%" PRIu64, r->cgroup_id);
	if (r->lport)
		CW_APPEND(" " CWSTAT_REAP_LPORT "=%u", (unsigned int)r->lport);
	if (r->max)
		CW_APPEND(" " CWSTAT_REAP_MAX "=%" PRIu32, r->max);
	if (r->dry_run)
		CW_APPEND(" " CWSTAT_REAP_DRY_RUN "=1");
	CW_APPEND("\n");
#undef CW_APPEND
	return (int)n;
}

int cw_reap_parse_result(const char *text, struct cw_reap_res *r)
{
	/* The first four are required; older modules lack skipped_busy. */
	static const char *const keys[] = {
		CWSTAT_REAP_MATCHED, CWSTAT_REAP_ABORTED,
		CWSTAT_REAP_SKIPPED_STATE, CWSTAT_REAP_SKIPPED_MAX,
		CWSTAT_REAP_SKIPPED_BUSY,
	};
	const unsigned int required = (1U << 4) - 1;
	uint64_t *vals[] = {
		&r->matched, &r->aborted, &r->skipped_state, &r->skipped_max,
		&r->skipped_busy,
	};
	unsigned int seen = 0;
	const char *line = text;
	size_t k;

	memset(r, 0, sizeof(*r));
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t kl = strlen(keys[k]);

			if (len <= kl + 1 || strncmp(line, keys[k], kl) ||
			    line[kl] != ' ')
				continue;
			if (seen & (1U << k))
				return -1;
			if (cw_parse_u64(line + kl + 1, len - kl - 1,
					 vals[k]) != CW_U64_OK)
				return -1;
			seen |= 1U << k;
		}
		line += len;
		if (*line)
			line++;
	}
	return (seen & required) == required ? 0 : -1;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * In netns @nsfd (or this one when -1): open its reap file into *@reap_fd
 * and, for a dry run, dump its sockets into @socks. Comes back to this
 * netns, or exits. Returns 0 or -1 with @err.
 */
static int in_netns(int nsfd, int *reap_fd, struct cw_socks *socks,
		    struct cw_error *err)
{
	int home = -1, ret = -1;

	if (nsfd >= 0) {
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0) {
			cw_error_set(err, "/proc/self/ns/net: %s",
				     strerror(errno));
			return -1;
		}
		if (setns(nsfd, CLONE_NEWNET)) {
			cw_error_set(err, "cannot enter the netns: %s",
				     strerror(errno));
			close(home);
			return -1;
		}
	}
	/* thread-self: /proc/net follows the netns of the thread, now. */
	*reap_fd = open("/proc/thread-self/net/" CWSTAT_REAP_NAME,
			O_RDWR | O_CLOEXEC);
	if (*reap_fd < 0 && errno == ENOENT)
		cw_error_set(err, "cannot open " CWSTAT_REAP_PATH
			     ": the cwstat module is not loaded. reap needs it, in "
			     "live mode (modprobe cwstat), for a dry run too: only "
			     "the module knows how long a socket has been in "
			     "CLOSE_WAIT, and it is what aborts them. Without it, "
			     "'cwstat sockets --older-than DURATION' lists the "
			     "candidates by idle time");
	else if (*reap_fd < 0)
		cw_error_set(err, "cannot open " CWSTAT_REAP_PATH ": %s%s",
			     strerror(errno), errno == EACCES ?
			     " (root only)" : "");
	else if (!socks || !cw_diag_sockets(socks, err))
		ret = 0;
	if (home >= 0) {
		if (setns(home, CLONE_NEWNET)) {
			cw_warn("cannot return to the original network namespace: %s",
				strerror(errno));
			exit(CW_EXIT_ERROR);
		}
		close(home);
	}
	return ret;
}

static const char *write_error_hint(int e)
{
	switch (e) {
	case EPERM:
		return " (needs CAP_NET_ADMIN over the netns; another netns by inode needs root on the host)";
	case EOPNOTSUPP:
		return " (the module runs in scan mode, which does not know how long a socket has been in CLOSE_WAIT; load it with mode=live)";
	case EINVAL:
		return " (the module refused the request: is it older than this tool?)";
	default:
		return "";
	}
}

/* Send @r through @fd and read the result into @res. An exit code. */
static int request(int fd, const struct cw_reap_req *r, struct cw_reap_res *res)
{
	char line[CWSTAT_REAP_MAX_REQUEST + 1], out[4096];
	size_t n = 0;
	ssize_t got;
	int len;

	len = cw_reap_format(line, sizeof(line), r);
	if (len < 0 || write(fd, line, (size_t)len) != len) {
		int e = len < 0 ? EINVAL : errno;

		cw_warn("reap request '%.*s' failed: %s%s",
			len > 0 ? len - 1 : 0, line, strerror(e),
			write_error_hint(e));
		return CW_EXIT_ERROR;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		cw_warn("cannot read the result: %s", strerror(errno));
		return CW_EXIT_ERROR;
	}
	while (n < sizeof(out) - 1 &&
	       (got = read(fd, out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	if (cw_reap_parse_result(out, res)) {
		cw_warn("cannot make sense of the module's result: '%s'", out);
		return CW_EXIT_ERROR;
	}
	return CW_EXIT_OK;
}

/* The id of cgroup @path (as /proc/PID/cgroup shows it), 0 with @err. */
static uint64_t cgroup_id_of(const char *path, struct cw_error *err)
{
	struct cw_cgmap m = { 0 };
	size_t len = strlen(path), i;
	uint64_t id = 0;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (cw_cgmap_load_mounted(&m, "/proc/self/mountinfo")) {
		cw_error_set(err, "--cgroup %s: cannot read the cgroup2 mount: %s",
			     path, strerror(errno));
		return 0;
	}
	for (i = 0; i < m.n && !id; i++)
		if (strlen(m.v[i].path) == len &&
		    !strncmp(m.v[i].path, path, len))
			id = m.v[i].id;
	cw_cgmap_free(&m);
	if (!id)
		cw_error_set(err, "--cgroup %s: no such cgroup under the cgroup2 mount",
			     path);
	return id;
}

static bool parse_uint(const char *arg, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t n = 0;
	const char *p;

	if (!*arg || strlen(arg) > 10)
		return false;
	for (p = arg; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n < lo || n > hi)
		return false;
	*v = n;
	return true;
}

enum {
	OPT_OLDER = 256,
	OPT_PORT,
	OPT_CGROUP,
	OPT_NETNS,
	OPT_MAX,
	OPT_YES,
};

int cw_cmd_reap(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "older-than", required_argument, NULL, OPT_OLDER },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "max", required_argument, NULL, OPT_MAX },
		{ "yes", no_argument, NULL, OPT_YES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cw_reap_req r = { .max = CWSTAT_REAP_DEFAULT_MAX };
	struct cw_sock_filter filter = { 0 };
	const char *netns = NULL, *cgroup = NULL;
	struct cw_socks socks = { 0 };
	struct cw_reap_res res;
	bool yes = false, older_set = false;
	struct cw_error err;
	char dur[CW_DURATION_MAX_LEN];
	int opt, ret, nsfd = -1, fd = -1;
	uint64_t v;

	optind = 0;	/* a fresh getopt: main may have run one */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_OLDER:
			if (cw_duration_parse(optarg, &r.older_s) ||
			    r.older_s > UINT32_MAX)
				return cw_usage_error("reap ", "bad duration '%s' (e.g. 90s, 10m, 1h30m, 2d)",
						   optarg);
			if (r.older_s < CWSTAT_REAP_MIN_AGE_S)
				return cw_usage_error("reap ", "--older-than %s: at least %ds; a younger CLOSE_WAIT is often an application about to close",
						   optarg, CWSTAT_REAP_MIN_AGE_S);
			older_set = true;
			break;
		case OPT_PORT:
			if (!parse_uint(optarg, 1, 65535, &v))
				return cw_usage_error("reap ", "bad port '%s' (1 to 65535)",
						   optarg);
			r.lport = (uint16_t)v;
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/')
				return cw_usage_error("reap ", "bad cgroup '%s': a path from the root, as /proc/PID/cgroup shows it (e.g. /system.slice/app.service)",
						   optarg);
			cgroup = optarg;
			break;
		case OPT_NETNS:
			if (!optarg[0] || !strcmp(optarg, ".") ||
			    !strcmp(optarg, "..") ||
			    (all_digits(optarg) && !parse_uint(optarg, 1, UINT32_MAX, &v)))
				return cw_usage_error("reap ", "bad netns '%s'",
						   optarg);
			netns = optarg;
			break;
		case OPT_MAX:
			if (!parse_uint(optarg, 1, CWSTAT_REAP_MAX_MAX, &v))
				return cw_usage_error("reap ", "bad --max '%s' (1 to %d)",
						   optarg, CWSTAT_REAP_MAX_MAX);
			r.max = (uint32_t)v;
			break;
		case OPT_YES:
			yes = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) ? CW_EXIT_ERROR : CW_EXIT_OK;
		default:
			return cw_getopt_error("reap ", argv, opt);
		}
	}
	if (optind < argc)
		return cw_usage_error("reap ", "unexpected argument '%s'", argv[optind]);
	if (!older_set)
		return cw_usage_error("reap ", "--older-than is required");
	r.dry_run = !yes;

	if (cgroup) {
		r.cgroup_id = cgroup_id_of(cgroup, &err);
		if (!r.cgroup_id)
			goto fail;
	}
	if (netns) {
		nsfd = cw_netns_open(netns, &err);
		if (nsfd < 0)
			goto fail;
	}
	if (in_netns(nsfd, &fd, yes ? NULL : &socks, &err))
		goto fail;
	if (nsfd >= 0)
		close(nsfd);

	ret = request(fd, &r, &res);
	close(fd);
	if (ret)
		goto out;

	cw_duration_format(r.older_s, dur, sizeof(dur));
	if (yes) {
		printf("aborted %" PRIu64 " of %" PRIu64 " sockets in CLOSE_WAIT for %s or more",
		       res.aborted, res.matched, dur);
		if (res.skipped_state || res.skipped_max)
			printf(" (%" PRIu64 " left CLOSE_WAIT first, %" PRIu64 " beyond --max %" PRIu32 ")",
			       res.skipped_state, res.skipped_max, r.max);
		printf("\n");
		if (res.skipped_busy)
			printf("%" PRIu64 " were left alone: a process held their lock (a send or receive in progress, or stuck); run the request again.\n",
			       res.skipped_busy);
		if (res.aborted)
			printf("Their applications' fds stay open until they close them; a send() on one fails with ECONNABORTED.\n");
		ret = fflush(stdout) ? CW_EXIT_ERROR : CW_EXIT_OK;
		goto out;
	}
	filter.older_set = true;
	filter.older_s = r.older_s;
	filter.port_set = r.lport != 0;
	filter.port = r.lport;
	filter.cgroup_id = r.cgroup_id;
	ret = cw_sockets_show(&socks, &filter, CW_FMT_TABLE, true);
	if (ret)
		goto out;
	printf("dry run: %" PRIu64 " sockets in CLOSE_WAIT for %s or more match; %" PRIu64 " would be aborted (--max %" PRIu32 "). Add --yes to abort them.\n",
	       res.matched, dur, res.matched - res.skipped_max, r.max);
	ret = fflush(stdout) ? CW_EXIT_ERROR : CW_EXIT_OK;
	goto out;
fail:
	cw_warn("%s", err.msg);
	ret = CW_EXIT_ERROR;
	if (nsfd >= 0)
		close(nsfd);
out:
	cw_socks_free(&socks);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `cwstat sockets`: every CLOSE_WAIT socket of one netns, oldest idle
 * first, with its cgroup and the processes holding it. The counts of
 * `cwstat show` say where the leak is; this says which program leaks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwstat.h"
#include "diag.h"
#include "duration.h"
#include "escape.h"
#include "sockets.h"

static const char usage[] =
"usage: cwstat sockets [-o table|json] [--port N] [--remote-port N]\n"
"                      [--cgroup PATH] [--older-than DURATION]\n"
"                      [--netns NAME|INUM | --all-netns] [-n] [-H]\n"
"                      [--by lport|peer|process]\n"
"\n"
"List the TCP sockets in CLOSE_WAIT of one network namespace (or of all),\n"
"the oldest idle first, with the processes holding them. Reads sock_diag;\n"
"works without the cwstat module.\n"
"\n"
"  -o, --output FMT       table (default) or json (one line)\n"
"  --by lport|peer|process\n"
"                         one line per local port (the service), peer\n"
"                         address (the client, or the upstream) or holding\n"
"                         process, with its count, the most first; over\n"
"                         every netns it can enter unless --netns is given\n"
"  --port N               only sockets whose local port is N (as in reap,\n"
"                         and ss's sport)\n"
"  --remote-port N        only sockets whose peer's port is N (ss's dport)\n"
"  --cgroup PATH          only sockets of cgroup PATH or of one below it,\n"
"                         PATH as /proc/PID/cgroup shows it\n"
"  --older-than DURATION  only sockets idle for at least DURATION\n"
"                         (90, 90s, 10m, 1h30m, 2d)\n"
"  --netns NAME|INUM      the netns /run/netns/NAME (or a netns file's path,\n"
"                         or a netns inode number) instead of this process's\n"
"  --all-netns            every netns this process can enter (those of\n"
"                         /run/netns and of every process), with a NETNS\n"
"                         column; entering them needs CAP_SYS_ADMIN\n"
"  -n, --no-process       do not look up the processes holding the sockets\n"
"  -H, --no-header        no header line (as ss -H)\n"
"  -h, --help             show this help\n"
"\n"
"RECVQ is the payload nobody read (ss's Recv-Q without the peer's FIN),\n"
"RMEM the receive memory it pins (the r of ss -m), IDLE the time since the\n"
"last segment from the peer. Finding the processes reads every\n"
"/proc/PID/fd: as root, it finds them all.\n"
"\n"
"Exit status: 0 ok, 1 sock_diag failed, 2 usage error.\n";

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	cw_put_escaped(f, s, CW_ESC_JSON);
	fputc('"', f);
}

/* A cgroup path or comm for the table: one token, one line. */
static char *table_text(const char *s)
{
	return cw_escape_terminal(s, true, NULL);
}

struct sock_row {
	const struct cw_sock *s;
	const char *cgroup;		/* resolved path, or "?" */
	const struct cw_owner *owners;	/* NULL when none were found */
	size_t nowners;
};

static int cmp_row(const void *a, const void *b)
{
	const struct cw_sock *x = ((const struct sock_row *)a)->s;
	const struct cw_sock *y = ((const struct sock_row *)b)->s;

	if (x->idle_ms != y->idle_ms)
		return x->idle_ms > y->idle_ms ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->lport > y->lport) - (x->lport < y->lport);
}

enum {
	COL_NETNS, COL_LOCAL, COL_REMOTE, COL_RECVQ, COL_RMEM, COL_IDLE, COL_UID,
	COL_INODE, COL_CGROUP, COL_PROCESS, NCOLS
};

static const struct {
	const char *name;
	bool right;		/* numbers line up on their last digit */
} cols[NCOLS] = {
	[COL_NETNS] = { "NETNS", true },
	[COL_LOCAL] = { "LOCAL", false },
	[COL_REMOTE] = { "REMOTE", false },
	[COL_RECVQ] = { "RECVQ", true },
	[COL_RMEM] = { "RMEM", true },
	[COL_IDLE] = { "IDLE", true },
	[COL_UID] = { "UID", true },
	[COL_INODE] = { "INODE", true },
	[COL_CGROUP] = { "CGROUP", false },
	[COL_PROCESS] = { "PROCESS", false },
};

static char *process_cell(const struct sock_row *r, bool scanned)
{
	char *comm, *cell;
	int ret;

	if (!scanned || !r->nowners)
		return strdup("-");
	comm = table_text(r->owners[0].comm);
	if (!comm)
		return NULL;
	if (r->nowners > 1)
		ret = asprintf(&cell, "%s[%d] fd %d,+%zu more", comm,
			       r->owners[0].pid, r->owners[0].fd,
			       r->nowners - 1);
	else
		ret = asprintf(&cell, "%s[%d] fd %d", comm, r->owners[0].pid,
			       r->owners[0].fd);
	free(comm);
	return ret < 0 ? NULL : cell;
}

static int row_cells(const struct sock_row *r, bool scanned,
		     char *cell[NCOLS])
{
	const struct cw_sock *s = r->s;
	char buf[CW_ADDR_LEN];
	int i;

	memset(cell, 0, NCOLS * sizeof(*cell));
	if (asprintf(&cell[COL_NETNS], "%" PRIu64, s->netns) < 0)
		cell[COL_NETNS] = NULL;
	cw_sock_addr(buf, sizeof(buf), s->family, s->local, s->lport);
	cell[COL_LOCAL] = strdup(buf);
	cw_sock_addr(buf, sizeof(buf), s->family, s->remote, s->rport);
	cell[COL_REMOTE] = strdup(buf);
	if (asprintf(&cell[COL_RECVQ], "%" PRIu64, s->payload) < 0)
		cell[COL_RECVQ] = NULL;
	if (asprintf(&cell[COL_RMEM], "%" PRIu64, s->rmem) < 0)
		cell[COL_RMEM] = NULL;
	cw_duration_format(s->idle_ms / 1000, buf, sizeof(buf));
	cell[COL_IDLE] = strdup(buf);
	if (asprintf(&cell[COL_UID], "%" PRIu32, s->uid) < 0)
		cell[COL_UID] = NULL;
	if (asprintf(&cell[COL_INODE], "%" PRIu64, s->inode) < 0)
		cell[COL_INODE] = NULL;
	cell[COL_CGROUP] = table_text(r->cgroup);
	cell[COL_PROCESS] = process_cell(r, scanned);
	for (i = 0; i < NCOLS; i++)
		if (!cell[i])
			return -1;
	return 0;
}

static void print_cell(FILE *f, int c, size_t width, const char *text,
		       bool netns)
{
	if (c == COL_NETNS && !netns)
		return;
	/* The last column is not padded: no trailing blanks. */
	if (c == NCOLS - 1)
		fprintf(f, "%s\n", text);
	else
		fprintf(f, cols[c].right ? "%*s  " : "%-*s  ", (int)width,
			text);
}

static int print_table(FILE *f, const struct sock_row *rows, size_t n,
		       bool scanned, const struct cw_sockets_look *look)
{
	size_t width[NCOLS], i;
	char *(*cells)[NCOLS];
	int c, ret = 0;

	cells = calloc(n ? n : 1, sizeof(*cells));
	if (!cells)
		return -1;
	for (c = 0; c < NCOLS; c++)
		width[c] = strlen(cols[c].name);
	for (i = 0; i < n && !ret; i++) {
		ret = row_cells(&rows[i], scanned, cells[i]);
		for (c = 0; c < NCOLS && !ret; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	}
	if (!ret) {
		for (c = 0; c < NCOLS && !look->no_header; c++)
			print_cell(f, c, width[c], cols[c].name, look->netns);
		for (i = 0; i < n; i++)
			for (c = 0; c < NCOLS; c++)
				print_cell(f, c, width[c], cells[i][c],
					   look->netns);
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < NCOLS; c++)
			free(cells[i][c]);
	free(cells);
	return ret;
}

static void json_addr(FILE *f, const char *key, const struct cw_sock *s,
		      const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(s->family == AF_INET6 ? AF_INET6 : AF_INET, addr, a,
		       sizeof(a)))
		strcpy(a, "?");
	fprintf(f, "\"%s_addr\":\"%s\",\"%s_port\":%u,", key, a, key,
		(unsigned int)port);
}

static void print_json(FILE *f, const struct sock_row *rows, size_t n,
		       bool scanned)
{
	size_t i, j;

	fputs("{\"version\":1,\"sockets\":[", f);
	for (i = 0; i < n; i++) {
		const struct cw_sock *s = rows[i].s;

		fprintf(f, "%s{\"netns\":%" PRIu64 ",\"family\":\"%s\",",
			i ? "," : "", s->netns,
			s->family == AF_INET6 ? "ipv6" : "ipv4");
		json_addr(f, "local", s, s->local, s->lport);
		json_addr(f, "remote", s, s->remote, s->rport);
		fprintf(f, "\"recvq_bytes\":%" PRIu64 ",\"rmem_bytes\":%" PRIu64
			",\"idle_ms\":%" PRIu64 ",\"uid\":%" PRIu32
			",\"inode\":%" PRIu64 ",\"cgroup_id\":%" PRIu64
			",\"cgroup\":", s->payload, s->rmem, s->idle_ms,
			s->uid, s->inode, s->cgroup_id);
		json_str(f, rows[i].cgroup);
		/* null: not looked up (-n); []: looked up, none found. */
		fputs(",\"processes\":", f);
		if (!scanned) {
			fputs("null}", f);
			continue;
		}
		fputc('[', f);
		for (j = 0; j < rows[i].nowners; j++) {
			const struct cw_owner *o = &rows[i].owners[j];

			fprintf(f, "%s{\"pid\":%d,\"comm\":", j ? "," : "",
				o->pid);
			json_str(f, o->comm);
			fprintf(f, ",\"fd\":%d}", o->fd);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}

static const char *const by_names[] = {
	[CW_SOCKS_BY_LPORT] = "lport",
	[CW_SOCKS_BY_PEER] = "peer",
	[CW_SOCKS_BY_PROCESS] = "process",
};

/* One line of --by: the sockets that share a key, over every netns. */
struct sock_group {
	const char *key;
	uint64_t close_wait, recvq, rmem, idle_ms;
	size_t nnetns;
};

/* The --by key of a row, malloc'd: a port, an address, comm[pid] or "-". */
static char *group_key(const struct sock_row *r, enum cw_sockets_by by)
{
	const struct cw_sock *s = r->s;
	char a[INET6_ADDRSTRLEN], *key = NULL, *comm;

	switch (by) {
	case CW_SOCKS_BY_LPORT:
		if (asprintf(&key, "%u", (unsigned int)s->lport) < 0)
			key = NULL;
		break;
	case CW_SOCKS_BY_PEER:
		if (!inet_ntop(s->family == AF_INET6 ? AF_INET6 : AF_INET,
			       s->remote, a, sizeof(a)))
			strcpy(a, "?");
		key = strdup(a);
		break;
	default:
		/* The lowest pid holding it; "-" when none was found. */
		if (!r->nowners)
			return strdup("-");
		comm = table_text(r->owners[0].comm);
		if (comm && asprintf(&key, "%s[%d]", comm,
				     r->owners[0].pid) < 0)
			key = NULL;
		free(comm);
		break;
	}
	return key;
}

struct keyed {
	char *key;
	const struct sock_row *r;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	if (d)
		return d;
	return (x->r->s->netns > y->r->s->netns) -
	       (x->r->s->netns < y->r->s->netns);
}

/* The most sockets first; ports in their numeric order on a tie. */
static int cmp_group(const void *a, const void *b)
{
	const struct sock_group *x = a, *y = b;
	size_t lx = strlen(x->key), ly = strlen(y->key);

	if (x->close_wait != y->close_wait)
		return x->close_wait > y->close_wait ? -1 : 1;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* --by: one line per key, over the rows the filters kept. */
static int print_groups(FILE *f, const struct sock_row *rows, size_t n,
			const struct cw_sockets_look *look, enum cw_format fmt)
{
	static const char *const heads[] = {
		"CLOSE_WAIT", "RECVQ", "RMEM", "IDLE", "NETNS",
	};
	static const char *const key_heads[] = {
		[CW_SOCKS_BY_LPORT] = "LPORT",
		[CW_SOCKS_BY_PEER] = "PEER",
		[CW_SOCKS_BY_PROCESS] = "PROCESS",
	};
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	struct sock_group *g = calloc(n ? n : 1, sizeof(*g));
	char cell[5][32];
	size_t i, ng = 0, c, width[5];
	int ret = -1;

	if (!k || !g)
		goto out;
	for (i = 0; i < n; i++) {
		k[i].r = &rows[i];
		k[i].key = group_key(&rows[i], look->by);
		if (!k[i].key)
			goto out;
	}
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (i = 0; i < n; i++) {
		const struct cw_sock *s = k[i].r->s;

		if (!i || strcmp(k[i].key, k[i - 1].key)) {
			g[ng++].key = k[i].key;
			g[ng - 1].nnetns = 1;
		} else if (s->netns != k[i - 1].r->s->netns) {
			g[ng - 1].nnetns++;
		}
		g[ng - 1].close_wait++;
		g[ng - 1].recvq += s->payload;
		g[ng - 1].rmem += s->rmem;
		if (s->idle_ms > g[ng - 1].idle_ms)
			g[ng - 1].idle_ms = s->idle_ms;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	if (fmt == CW_FMT_JSON) {
		fprintf(f, "{\"version\":1,\"by\":\"%s\",\"groups\":[",
			by_names[look->by]);
		for (i = 0; i < ng; i++) {
			fprintf(f, "%s{\"key\":", i ? "," : "");
			json_str(f, g[i].key);
			fprintf(f, ",\"close_wait\":%" PRIu64 ",\"recvq_bytes\":%"
				PRIu64 ",\"rmem_bytes\":%" PRIu64
				",\"oldest_idle_ms\":%" PRIu64 ",\"netns\":%zu}",
				g[i].close_wait, g[i].recvq, g[i].rmem,
				g[i].idle_ms, g[i].nnetns);
		}
		fputs("]}\n", f);
		ret = 0;
		goto out;
	}
	for (c = 0; c < 5; c++)
		width[c] = strlen(heads[c]);
	for (i = 0; i < ng; i++) {
		snprintf(cell[0], sizeof(cell[0]), "%" PRIu64, g[i].close_wait);
		snprintf(cell[1], sizeof(cell[1]), "%" PRIu64, g[i].recvq);
		snprintf(cell[2], sizeof(cell[2]), "%" PRIu64, g[i].rmem);
		cw_duration_format(g[i].idle_ms / 1000, cell[3], sizeof(cell[3]));
		snprintf(cell[4], sizeof(cell[4]), "%zu", g[i].nnetns);
		for (c = 0; c < 5; c++)
			if (strlen(cell[c]) > width[c])
				width[c] = strlen(cell[c]);
	}
	if (!look->no_header) {
		for (c = 0; c < 5; c++)
			fprintf(f, "%*s  ", (int)width[c], heads[c]);
		fprintf(f, "%s\n", key_heads[look->by]);
	}
	for (i = 0; i < ng; i++) {
		snprintf(cell[0], sizeof(cell[0]), "%" PRIu64, g[i].close_wait);
		snprintf(cell[1], sizeof(cell[1]), "%" PRIu64, g[i].recvq);
		snprintf(cell[2], sizeof(cell[2]), "%" PRIu64, g[i].rmem);
		cw_duration_format(g[i].idle_ms / 1000, cell[3], sizeof(cell[3]));
		snprintf(cell[4], sizeof(cell[4]), "%zu", g[i].nnetns);
		for (c = 0; c < 5; c++)
			fprintf(f, "%*s  ", (int)width[c], cell[c]);
		fprintf(f, "%s\n", g[i].key);
	}
	ret = 0;
out:
	for (i = 0; k && i < n; i++)
		free(k[i].key);
	free(k);
	free(g);
	return ret;
}

/* Append @add to @to, each socket tagged with netns @ns; -1 on ENOMEM. */
static int append_socks(struct cw_socks *to, struct cw_socks *add,
			uint64_t ns)
{
	struct cw_sock *v;
	size_t i;

	if (!add->n)
		return 0;
	v = realloc(to->v, (to->n + add->n) * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < add->n; i++) {
		v[to->n + i] = add->v[i];
		v[to->n + i].netns = ns;
	}
	to->v = v;
	to->n += add->n;
	return 0;
}

/* The sockets of the netns this thread is in now, tagged @ns. */
static int dump_here(struct cw_socks *socks, uint64_t ns,
		     struct cw_error *err)
{
	struct cw_socks here = { 0 };
	int ret = cw_diag_sockets(&here, err);

	if (!ret && append_socks(socks, &here, ns)) {
		cw_error_set(err, "%s", strerror(ENOMEM));
		ret = -1;
	}
	cw_socks_free(&here);
	return ret;
}

static void go_home(int home)
{
	if (setns(home, CLONE_NEWNET)) {
		cw_warn("cannot return to the original network namespace: %s",
			strerror(errno));
		exit(CW_EXIT_ERROR);
	}
}

/*
 * Dump the sockets of the netns @nsfd (-1: this one), then come back: the
 * cgroup and /proc lookups do not depend on the netns, and the caller may
 * go on after this command.
 */
static int dump_in(int nsfd, struct cw_socks *socks, struct cw_error *err)
{
	struct stat st;
	int home, ret;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || fstat(nsfd >= 0 ? nsfd : home, &st)) {
		cw_error_set(err, "/proc/self/ns/net: %s", strerror(errno));
		if (home >= 0)
			close(home);
		return -1;
	}
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET)) {
		cw_error_set(err, "cannot enter the netns: %s%s",
			     strerror(errno), errno == EPERM ?
			     " (needs CAP_SYS_ADMIN)" : "");
		close(home);
		return -1;
	}
	ret = dump_here(socks, st.st_ino, err);
	if (nsfd >= 0)
		go_home(home);
	close(home);
	return ret;
}

struct all_walk {
	struct cw_socks *socks;
	struct cw_error *err;
	int home;
	struct stat home_st;
	unsigned int skipped;
	int skipped_errno;
};

static int dump_each(int fd, const struct stat *st, void *arg)
{
	struct all_walk *w = arg;
	int ret;

	/* This process's own: no setns, which would need privileges. */
	if (st->st_dev == w->home_st.st_dev && st->st_ino == w->home_st.st_ino)
		return dump_here(w->socks, st->st_ino, w->err) ? -1 : 0;
	if (setns(fd, CLONE_NEWNET)) {
		w->skipped++;
		w->skipped_errno = errno;
		return 0;
	}
	ret = dump_here(w->socks, st->st_ino, w->err);
	go_home(w->home);
	return ret ? -1 : 0;
}

/* Every netns of /run/netns and of every process, each once. */
static int dump_all(struct cw_socks *socks, struct cw_error *err)
{
	struct all_walk w = { .socks = socks, .err = err };
	unsigned int unreadable = 0;
	int ret;

	err->msg[0] = '\0';
	w.home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w.home < 0 || fstat(w.home, &w.home_st)) {
		cw_error_set(err, "/proc/self/ns/net: %s", strerror(errno));
		if (w.home >= 0)
			close(w.home);
		return -1;
	}
	ret = cw_netns_each("/run/netns", "/proc", dump_each, &w, &unreadable);
	close(w.home);
	if (ret) {
		if (!err->msg[0])
			cw_error_set(err, "/proc: %s", strerror(errno));
		return -1;
	}
	if (w.skipped || unreadable) {
		int e;
		const char *path = cw_netns_unreadable(&e);

		char entered[96] = "", opened[PATH_MAX + 96] = "";

		if (w.skipped)
			snprintf(entered, sizeof(entered),
				 "could not enter %u (%s)", w.skipped,
				 strerror(w.skipped_errno));
		if (unreadable)
			snprintf(opened, sizeof(opened),
				 "%scould not open %u (%s%s: %s)",
				 w.skipped ? ", " : "", unreadable,
				 unreadable == 1 ? "" : "the first: ", path,
				 strerror(e));
		cw_note("network namespaces not listed: %s%s%s", entered,
			opened, geteuid() ? "; run as root" : "");
	}
	return 0;
}

static bool parse_port(const char *arg, uint16_t *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*arg || strlen(arg) > 5)
		return false;
	for (p = arg; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!v || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

enum {
	OPT_PORT = 256,
	OPT_RPORT,
	OPT_CGROUP,
	OPT_OLDER,
	OPT_NETNS,
	OPT_ALL_NETNS,
	OPT_BY,
};


int cw_cmd_sockets(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "remote-port", required_argument, NULL, OPT_RPORT },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "older-than", required_argument, NULL, OPT_OLDER },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
		{ "by", required_argument, NULL, OPT_BY },
		{ "no-process", no_argument, NULL, 'n' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cw_sock_filter filter = { 0 };
	struct cw_sockets_look look = { 0 };
	enum cw_format fmt = CW_FMT_TABLE;
	const char *netns = NULL;
	struct cw_socks socks = { 0 };
	bool scan = true;
	struct cw_error err;
	int opt, ret, nsfd = -1;

	optind = 0;	/* a fresh getopt: main may have run one */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:nHh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!cw_format_parse(optarg, &fmt))
				return cw_usage_error("sockets ", "unknown output format '%s' (table or json)",
						   optarg);
			if (fmt == CW_FMT_PROM || fmt == CW_FMT_OPENMETRICS)
				return cw_usage_error("sockets ", "-o %s: there is no per-socket Prometheus output (it would be one series per socket); use table or json, or 'cwstat prom' for the counts",
						      optarg);
			break;
		case OPT_PORT:
		case OPT_RPORT:
			if (!parse_port(optarg, opt == OPT_PORT ? &filter.port :
					&filter.rport))
				return cw_usage_error("sockets ", "bad port '%s' (1 to 65535)",
						   optarg);
			if (opt == OPT_PORT)
				filter.port_set = true;
			else
				filter.rport_set = true;
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/')
				return cw_usage_error("sockets ", "bad cgroup '%s': a path from the root, as /proc/PID/cgroup shows it (e.g. /system.slice)",
						   optarg);
			filter.cgroup = optarg;
			break;
		case OPT_OLDER:
			if (cw_duration_parse(optarg, &filter.older_s))
				return cw_usage_error("sockets ", "bad duration '%s' (e.g. 90, 90s, 10m, 1h30m, 2d)",
						   optarg);
			filter.older_set = true;
			break;
		case OPT_NETNS:
			if (!optarg[0] || !strcmp(optarg, ".") ||
			    !strcmp(optarg, "..") ||
			    (optarg[strspn(optarg, "0123456789")] == '\0' &&
			     (strlen(optarg) > 10 ||
			      strtoull(optarg, NULL, 10) - 1 >= UINT32_MAX)))
				return cw_usage_error("sockets ", "bad netns '%s' (a name, a path, or an inode number)",
						   optarg);
			netns = optarg;
			break;
		case OPT_ALL_NETNS:
			look.netns = true;
			break;
		case 'n':
			scan = false;
			break;
		case 'H':
			look.no_header = true;
			break;
		case OPT_BY: {
			size_t i;

			look.by = CW_SOCKS_EACH;
			for (i = 1; i < sizeof(by_names) / sizeof(by_names[0]); i++)
				if (!strcmp(optarg, by_names[i]))
					look.by = (enum cw_sockets_by)i;
			if (look.by == CW_SOCKS_EACH)
				return cw_usage_error("sockets ", "unknown --by '%s' (lport, peer or process)",
						      optarg);
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) ? CW_EXIT_ERROR : CW_EXIT_OK;
		default:
			return cw_getopt_error("sockets ", argv, opt);
		}
	}
	if (optind < argc)
		return cw_usage_error("sockets ", "unexpected argument '%s'", argv[optind]);
	if (netns && look.netns)
		return cw_usage_error("sockets ", "--netns and --all-netns exclude each other");
	if (look.by == CW_SOCKS_BY_PROCESS && !scan)
		return cw_usage_error("sockets ", "--by process looks the processes up: not with -n");

	/* Grouped counts are about the host: every netns, unless one is named. */
	if (look.netns || (look.by && !netns)) {
		ret = dump_all(&socks, &err);
	} else {
		if (netns) {
			nsfd = cw_netns_open(netns, &err);
			if (nsfd < 0) {
				cw_warn("%s", err.msg);
				return CW_EXIT_ERROR;
			}
		}
		ret = dump_in(nsfd, &socks, &err);
		if (nsfd >= 0)
			close(nsfd);
	}
	if (ret) {
		if (netns && !strstr(err.msg, netns)) {
			char msg[sizeof(err.msg)];

			snprintf(msg, sizeof(msg), "%s", err.msg);
			cw_error_set(&err, "--netns %s: %s", netns, msg);
		}
		cw_warn("%s", err.msg);
		cw_socks_free(&socks);
		return CW_EXIT_ERROR;
	}

	ret = cw_sockets_show_look(&socks, &filter, fmt, scan, &look);
	cw_socks_free(&socks);
	return ret;
}

int cw_sockets_show(const struct cw_socks *socks,
		    const struct cw_sock_filter *filter, enum cw_format fmt,
		    bool scan)
{
	static const struct cw_sockets_look look = { 0 };

	return cw_sockets_show_look(socks, filter, fmt, scan, &look);
}

int cw_sockets_show_look(const struct cw_socks *socks,
			 const struct cw_sock_filter *filter,
			 enum cw_format fmt, bool scan,
			 const struct cw_sockets_look *look)
{
	struct cw_owners owners = { 0 };
	struct cw_cgmap cgmap = { 0 };
	struct sock_row *rows = NULL;
	size_t n = 0, i;
	int ret = CW_EXIT_ERROR;

	/* Without a cgroup2 mount every path is "?", as in the counts. */
	if (socks->n && cw_cgmap_load_mounted(&cgmap, "/proc/self/mountinfo") &&
	    errno == ENOMEM)
		goto nomem;
	rows = calloc(socks->n ? socks->n : 1, sizeof(*rows));
	if (!rows)
		goto nomem;
	for (i = 0; i < socks->n; i++) {
		const char *path = cw_cgmap_find(&cgmap, socks->v[i].cgroup_id);

		if (!path)
			path = "?";
		if (!cw_sock_match(&socks->v[i], path, filter))
			continue;
		rows[n].s = &socks->v[i];
		rows[n].cgroup = path;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_row);

	if (scan && n) {
		uint64_t *inodes = calloc(n, sizeof(*inodes));

		if (!inodes)
			goto nomem;
		for (i = 0; i < n; i++)
			inodes[i] = rows[i].s->inode;
		if (cw_owners_scan(&owners, inodes, n, "/proc")) {
			cw_warn("cannot scan /proc for the processes: %s",
				strerror(errno));
			scan = false;
		}
		free(inodes);
		if (owners.unreadable)
			cw_warn("could not read the fds of %u process%s (%s): holders may be missing%s",
				owners.unreadable,
				owners.unreadable == 1 ? "" : "es",
				strerror(owners.unreadable_errno),
				geteuid() ? "; run as root to see them all" :
					    "");
		for (i = 0; i < n; i++)
			rows[i].owners = cw_owners_find(&owners,
							rows[i].s->inode,
							&rows[i].nowners);
	}

	if (look->by) {
		if (print_groups(stdout, rows, n, look, fmt))
			goto nomem;
	} else if (fmt == CW_FMT_JSON) {
		print_json(stdout, rows, n, scan);
	} else if (print_table(stdout, rows, n, scan, look)) {
		goto nomem;
	}
	if (fflush(stdout) || ferror(stdout)) {
		cw_warn("write error: %s", strerror(errno));
		goto out;
	}
	ret = CW_EXIT_OK;
	goto out;
nomem:
	cw_warn("%s", strerror(ENOMEM));
out:
	free(rows);
	cw_owners_free(&owners);
	cw_cgmap_free(&cgmap);
	return ret;
}

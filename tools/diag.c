// SPDX-License-Identifier: GPL-2.0
/*
 * CLOSE_WAIT sockets over NETLINK_SOCK_DIAG, for hosts without the module
 * and for `cwstat sockets`, plus the lookups that give them names: cgroup
 * paths from the cgroup2 mount, owning processes from /proc/PID/fd.
 *
 * Every number means what it means in /proc/cwstat (Documentation/format.md, format v1):
 * payload leaves out the FIN, rmem is sk_rmem_alloc, idle is the time since
 * the last segment from the peer (tcp_sock.rcv_tstamp).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "diag.h"

/*
 * The socket states are in the kernel's include/net/tcp_states.h, not in
 * the UAPI, and netinet/tcp.h clashes with linux/tcp.h (struct tcp_info).
 */
#define CW_TCP_CLOSE_WAIT	8

/*
 * A dump's messages come in datagrams of at most 32 KiB (netlink_dump()
 * caps its skb there); more room costs nothing and MSG_TRUNC still guards.
 */
#define CW_DIAG_BUF		(64 * 1024)

uint64_t cw_diag_payload(uint32_t rqueue)
{
	return rqueue ? rqueue - 1 : 0;
}

/*
 * Attributes of an inet_diag_msg. Each must hold the payload it claims:
 * a short one means a broken message, not a zero, so the whole message is
 * refused rather than silently counted as empty. tcp_info alone may be
 * shorter than ours (an older kernel) as long as tcpi_last_ack_recv fits.
 */
static enum cw_diag_msg parse_attrs(const unsigned char *p, size_t len,
				    struct cw_sock *out)
{
	while (len >= NLA_HDRLEN) {
		const unsigned char *data = p + NLA_HDRLEN;
		struct nlattr nla;
		size_t plen, step;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return CW_DIAG_BAD;
		plen = nla.nla_len - NLA_HDRLEN;

		switch (nla.nla_type & NLA_TYPE_MASK) {
		case INET_DIAG_MEMINFO: {
			struct inet_diag_meminfo mi;

			if (plen < sizeof(mi))
				return CW_DIAG_BAD;
			memcpy(&mi, data, sizeof(mi));
			out->rmem = mi.idiag_rmem;
			break;
		}
		case INET_DIAG_INFO: {
			size_t off = offsetof(struct tcp_info,
					      tcpi_last_ack_recv);
			uint32_t ms;

			if (plen < off + sizeof(ms))
				return CW_DIAG_BAD;
			memcpy(&ms, data + off, sizeof(ms));
			out->idle_ms = ms;
			break;
		}
		case INET_DIAG_CGROUP_ID: {
			uint64_t id;

			if (plen < sizeof(id))
				return CW_DIAG_BAD;
			memcpy(&id, data, sizeof(id));
			out->cgroup_id = id;
			break;
		}
		}
		step = NLA_ALIGN(nla.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return CW_DIAG_SOCK;
}

enum cw_diag_msg cw_diag_parse(const void *buf, size_t len,
			       struct cw_sock *out, int *error)
{
	const unsigned char *p = buf;
	struct inet_diag_msg m;
	struct nlmsghdr nlh;
	size_t plen;

	if (len < sizeof(nlh))
		return CW_DIAG_BAD;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > len)
		return CW_DIAG_BAD;
	plen = nlh.nlmsg_len - NLMSG_HDRLEN;
	p += NLMSG_HDRLEN;

	switch (nlh.nlmsg_type) {
	case NLMSG_DONE: {
		int e = 0;

		/* A dump that failed midway says so in its DONE. */
		if (plen >= sizeof(e))
			memcpy(&e, p, sizeof(e));
		if (e < 0) {
			*error = -e;
			return CW_DIAG_ERROR;
		}
		return CW_DIAG_DONE;
	}
	case NLMSG_ERROR: {
		struct nlmsgerr e;

		if (plen < sizeof(e.error))
			return CW_DIAG_BAD;
		memcpy(&e.error, p, sizeof(e.error));
		if (!e.error)
			return CW_DIAG_SKIP;	/* an ACK */
		*error = e.error < 0 ? -e.error : e.error;
		return CW_DIAG_ERROR;
	}
	case SOCK_DIAG_BY_FAMILY:
		break;
	default:
		return CW_DIAG_SKIP;
	}

	if (plen < sizeof(m))
		return CW_DIAG_BAD;
	memcpy(&m, p, sizeof(m));
	if (m.idiag_state != CW_TCP_CLOSE_WAIT ||
	    (m.idiag_family != AF_INET && m.idiag_family != AF_INET6))
		return CW_DIAG_SKIP;

	memset(out, 0, sizeof(*out));
	out->family = m.idiag_family;
	memcpy(out->local, m.id.idiag_src,
	       m.idiag_family == AF_INET ? 4 : 16);
	memcpy(out->remote, m.id.idiag_dst,
	       m.idiag_family == AF_INET ? 4 : 16);
	out->lport = ntohs(m.id.idiag_sport);
	out->rport = ntohs(m.id.idiag_dport);
	out->payload = cw_diag_payload(m.idiag_rqueue);
	out->uid = m.idiag_uid;
	out->inode = m.idiag_inode;

	if (plen <= NLMSG_ALIGN(sizeof(m)))
		return CW_DIAG_SOCK;
	return parse_attrs(p + NLMSG_ALIGN(sizeof(m)),
			   plen - NLMSG_ALIGN(sizeof(m)), out);
}

static int socks_push(struct cw_socks *s, const struct cw_sock *k,
		      size_t *cap)
{
	if (s->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct cw_sock *v;

		if (ncap > SIZE_MAX / sizeof(*v)) {
			errno = ENOMEM;
			return -1;
		}
		v = realloc(s->v, ncap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		*cap = ncap;
	}
	s->v[s->n++] = *k;
	return 0;
}

static void diag_fail(struct cw_error *err, const char *what, int e)
{
	/* These are what a kernel without inet_diag or tcp_diag answers. */
	bool hint = e == ENOENT || e == EPROTONOSUPPORT || e == EOPNOTSUPP;

	cw_error_set(err, "sock_diag: %s%s%s", what, strerror(e),
		     hint ? " (is inet_diag/tcp_diag loaded?)" : "");
}

/* One family's dump on @fd, appended to @out. */
static int diag_dump(int fd, uint8_t family, uint32_t seq, void *buf,
		     struct cw_socks *out, size_t *cap, struct cw_error *err)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = 1u << CW_TCP_CLOSE_WAIT;
	req.r.idiag_ext = 1u << (INET_DIAG_MEMINFO - 1) |
			  1u << (INET_DIAG_INFO - 1);

	while (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0) {
		if (errno != EINTR) {
			diag_fail(err, "send: ", errno);
			return -1;
		}
	}

	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = CW_DIAG_BUF };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		size_t off = 0, n;
		ssize_t got;

		got = recvmsg(fd, &mh, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			diag_fail(err, "receive: ", errno);
			return -1;
		}
		if (!got) {
			cw_error_set(err, "sock_diag: the dump ended without NLMSG_DONE");
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			cw_error_set(err, "sock_diag: a message larger than %d bytes",
				     CW_DIAG_BUF);
			return -1;
		}
		if (from.nl_pid)
			continue;	/* not from the kernel */
		n = (size_t)got;

		/* The last message's padding may be missing: off can pass n. */
		while (off < n && n - off >= NLMSG_HDRLEN) {
			const unsigned char *p = (unsigned char *)buf + off;
			struct nlmsghdr nlh;
			struct cw_sock k;
			int e = 0;

			memcpy(&nlh, p, sizeof(nlh));
			if (nlh.nlmsg_len < NLMSG_HDRLEN ||
			    nlh.nlmsg_len > n - off) {
				cw_error_set(err, "sock_diag: malformed reply");
				return -1;
			}
			off += NLMSG_ALIGN(nlh.nlmsg_len);
			if (nlh.nlmsg_seq != seq)
				continue;	/* a stale answer */
			switch (cw_diag_parse(p, nlh.nlmsg_len, &k, &e)) {
			case CW_DIAG_SOCK:
				if (socks_push(out, &k, cap)) {
					cw_error_set(err, "sock_diag: %s",
						     strerror(errno));
					return -1;
				}
				break;
			case CW_DIAG_SKIP:
				break;
			case CW_DIAG_DONE:
				return 0;
			case CW_DIAG_ERROR:
				diag_fail(err, "", e);
				return -1;
			case CW_DIAG_BAD:
				cw_error_set(err, "sock_diag: malformed reply");
				return -1;
			}
		}
	}
}

int cw_diag_sockets(struct cw_socks *out, struct cw_error *err)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	size_t cap = 0, i;
	void *buf;
	int fd, ret = 0;

	memset(out, 0, sizeof(*out));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		diag_fail(err, "", errno);
		return -1;
	}
	buf = malloc(CW_DIAG_BUF);
	if (!buf) {
		cw_error_set(err, "sock_diag: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (i = 0; i < sizeof(families) && !ret; i++)
		ret = diag_dump(fd, families[i], (uint32_t)i + 1, buf, out,
				&cap, err);
	free(buf);
	close(fd);
	if (ret)
		cw_socks_free(out);
	return ret;
}

void cw_socks_free(struct cw_socks *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int cmp_sock_cgroup(const void *a, const void *b)
{
	const struct cw_sock *x = *(const struct cw_sock *const *)a;
	const struct cw_sock *y = *(const struct cw_sock *const *)b;

	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

int cw_snapshot_add_socks(struct cw_snapshot *s, uint64_t ns,
			  const struct cw_socks *socks)
{
	const struct cw_sock **by_cg;
	struct cw_cgroup *cg = NULL;
	struct cw_netns *row;
	size_t i;

	if (!socks->n)
		return 0;
	by_cg = calloc(socks->n, sizeof(*by_cg));
	if (!by_cg)
		return -1;
	for (i = 0; i < socks->n; i++)
		by_cg[i] = &socks->v[i];
	qsort(by_cg, socks->n, sizeof(*by_cg), cmp_sock_cgroup);

	row = cw_snapshot_add_netns(s, ns);
	if (!row)
		goto nomem;
	for (i = 0; i < socks->n; i++) {
		const struct cw_sock *k = by_cg[i];
		struct cw_counts c = {
			.close_wait = 1,
			.recvq_bytes = k->payload,
			.rmem_bytes = k->rmem,
			.oldest_idle_s = k->idle_ms / 1000,
		};

		if (!cg || cg->id != k->cgroup_id) {
			cg = cw_netns_add_cgroup(row, k->cgroup_id, NULL);
			if (!cg)
				goto nomem;
		}
		cw_counts_add(&cg->c, &c);
		cw_counts_add(&row->c, &c);
	}
	free(by_cg);
	return 0;
nomem:
	free(by_cg);
	return -1;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static int unescape_field(const char *src, size_t srclen, char *dst,
			  size_t dstlen)
{
	size_t i, j = 0;

	for (i = 0; i < srclen; i++) {
		char c = src[i];

		if (c == '\\' && i + 3 < srclen &&
		    src[i + 1] >= '0' && src[i + 1] <= '3' &&
		    src[i + 2] >= '0' && src[i + 2] <= '7' &&
		    src[i + 3] >= '0' && src[i + 3] <= '7') {
			c = (char)((src[i + 1] - '0') << 6 |
				   (src[i + 2] - '0') << 3 |
				   (src[i + 3] - '0'));
			i += 3;
		}
		if (j + 1 >= dstlen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		dst[j++] = c;
	}
	dst[j] = '\0';
	return 0;
}

/*
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
 * SUPEROPTS": ROOT and MOUNTPOINT of the first line whose FSTYPE is
 * cgroup2.
 */
int cw_cgroup2_mount(const char *mountinfo, char *dir, size_t dirlen,
		     char *root, size_t rootlen)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -1, found = 0;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -1;
	while (!found && getline(&line, &cap, f) > 0) {
		char *field[6], *sep, *save = NULL, *tok, *fstype;
		size_t nf = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " \n", &save);
		if (!fstype || strcmp(fstype, "cgroup2"))
			continue;
		save = NULL;
		for (tok = strtok_r(line, " ", &save); tok && nf < 6;
		     tok = strtok_r(NULL, " ", &save))
			field[nf++] = tok;
		if (nf < 5)
			continue;
		found = 1;
		if (unescape_field(field[3], strlen(field[3]), root, rootlen) ||
		    unescape_field(field[4], strlen(field[4]), dir, dirlen))
			break;
		ret = 0;
	}
	if (!found)
		errno = ENOENT;
	free(line);
	fclose(f);
	return ret;
}

/* nftw() passes no argument to its callback: the walk's state is here. */
static struct {
	struct cw_cgmap *map;
	size_t cap;
	size_t dirlen;		/* the relative path starts after it */
	const char *root;
} cgwalk;

static int cgwalk_visit(const char *fpath, const struct stat *st, int type,
			struct FTW *ftw)
{
	struct cw_cgmap *m = cgwalk.map;
	const char *rel = fpath + cgwalk.dirlen;
	size_t rootlen = strlen(cgwalk.root);
	char *path;

	(void)ftw;
	/* FTW_DNR: a directory we may not list is still a cgroup. */
	if (type != FTW_D && type != FTW_DNR)
		return 0;
	while (*rel == '/')
		rel++;
	if (rootlen && cgwalk.root[rootlen - 1] == '/')
		rootlen--;	/* "/" + "a" is "/a", not "//a" */

	if (!*rel) {
		path = strdup(cgwalk.root);
	} else if (asprintf(&path, "%.*s/%s", (int)rootlen, cgwalk.root,
			    rel) < 0) {
		path = NULL;
	}
	if (!path)
		return -1;

	if (m->n == cgwalk.cap) {
		size_t ncap = cgwalk.cap ? 2 * cgwalk.cap : 64;
		struct cw_cgmap_entry *v = realloc(m->v, ncap * sizeof(*v));

		if (!v) {
			free(path);
			return -1;
		}
		m->v = v;
		cgwalk.cap = ncap;
	}
	m->v[m->n].id = st->st_ino;
	m->v[m->n].path = path;
	m->n++;
	return 0;
}

static int cmp_cgmap(const void *a, const void *b)
{
	const struct cw_cgmap_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int cw_cgmap_load(struct cw_cgmap *m, const char *dir, const char *root)
{
	int ret, saved;

	memset(m, 0, sizeof(*m));
	cgwalk.map = m;
	cgwalk.cap = 0;
	cgwalk.dirlen = strlen(dir);
	cgwalk.root = root;
	ret = nftw(dir, cgwalk_visit, 16, FTW_PHYS | FTW_MOUNT);
	saved = errno;
	cgwalk.map = NULL;
	if (ret) {
		cw_cgmap_free(m);
		errno = ret < 0 ? saved : ENOMEM;
		return -1;
	}
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), cmp_cgmap);
	return 0;
}

int cw_cgmap_load_mounted(struct cw_cgmap *m, const char *mountinfo)
{
	char dir[PATH_MAX], root[PATH_MAX];

	memset(m, 0, sizeof(*m));
	if (cw_cgroup2_mount(mountinfo, dir, sizeof(dir), root, sizeof(root)))
		return -1;
	return cw_cgmap_load(m, dir, root);
}

const char *cw_cgmap_find(const struct cw_cgmap *m, uint64_t id)
{
	struct cw_cgmap_entry key = { .id = id };
	const struct cw_cgmap_entry *e;

	if (!m->n)
		return NULL;
	e = bsearch(&key, m->v, m->n, sizeof(*m->v), cmp_cgmap);
	return e ? e->path : NULL;
}

void cw_cgmap_free(struct cw_cgmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

int cw_snapshot_set_paths(struct cw_snapshot *s, const char *mountinfo)
{
	struct cw_cgmap map;
	bool any = false;
	size_t i, j;

	for (i = 0; i < s->nnetns; i++)
		any |= s->netns[i].ncgroups > 0;
	if (!any)
		return 0;
	/* Without a cgroup2 mount every path stays "?", as documented. */
	if (cw_cgmap_load_mounted(&map, mountinfo))
		return errno == ENOMEM ? -1 : 0;

	for (i = 0; i < s->nnetns; i++) {
		for (j = 0; j < s->netns[i].ncgroups; j++) {
			struct cw_cgroup *cg = &s->netns[i].cgroups[j];
			const char *path = cw_cgmap_find(&map, cg->id);
			char *copy;

			if (!path)
				continue;
			copy = strdup(path);
			if (!copy) {
				cw_cgmap_free(&map);
				return -1;
			}
			free(cg->path);
			cg->path = copy;
		}
	}
	cw_cgmap_free(&map);
	return 0;
}

struct ns_seen {
	struct {
		dev_t dev;
		ino_t ino;
	} *v;
	size_t n, cap;
};

/* 1 when (@st_dev, @st_ino) was seen before, 0 when new, -1 on ENOMEM. */
static int ns_seen_add(struct ns_seen *seen, const struct stat *st)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (seen->v[i].dev == st->st_dev &&
		    seen->v[i].ino == st->st_ino)
			return 1;
	if (seen->n == seen->cap) {
		size_t ncap = seen->cap ? 2 * seen->cap : 16;
		void *v = realloc(seen->v, ncap * sizeof(*seen->v));

		if (!v)
			return -1;
		seen->v = v;
		seen->cap = ncap;
	}
	seen->v[seen->n].dev = st->st_dev;
	seen->v[seen->n].ino = st->st_ino;
	seen->n++;
	return 0;
}

struct ns_find {
	uint64_t ino;
	int fd;
};

static int ns_find_fn(int fd, const struct stat *st, void *arg)
{
	struct ns_find *f = arg;

	if ((uint64_t)st->st_ino != f->ino)
		return 0;
	f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return 1;
}

static bool all_digits(const char *s);

int cw_netns_open(const char *arg, struct cw_error *err)
{
	char path[4096];
	int fd;

	if (all_digits(arg)) {
		struct ns_find f = { .fd = -1 };
		unsigned int unreadable = 0;

		f.ino = strtoull(arg, NULL, 10);
		cw_netns_each("/run/netns", "/proc", ns_find_fn, &f,
			      &unreadable);
		if (f.fd < 0)
			cw_error_set(err, "--netns %s: no netns with that inode among /run/netns and the processes%s",
				     arg, unreadable ? " this user can see" : "");
		return f.fd;
	}
	if (strchr(arg, '/'))
		snprintf(path, sizeof(path), "%s", arg);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", arg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		cw_error_set(err, "--netns %s: %s: %s", arg, path,
			     strerror(errno));
	return fd;
}

/* The first netns file the last walk could not open, for the warning. */
static char first_unreadable[PATH_MAX];
static int first_unreadable_errno;

static void note_unreadable(const char *path, unsigned int *unreadable)
{
	if (!*unreadable) {
		snprintf(first_unreadable, sizeof(first_unreadable), "%s",
			 path);
		first_unreadable_errno = errno;
	}
	(*unreadable)++;
}

const char *cw_netns_unreadable(int *err)
{
	*err = first_unreadable_errno;
	return first_unreadable;
}

static int ns_visit(const char *path, struct ns_seen *seen,
		    int (*fn)(int fd, const struct stat *st, void *arg),
		    void *arg, unsigned int *unreadable)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Gone since the directory was read: nothing to count. */
		if (errno != ENOENT && errno != ESRCH)
			note_unreadable(path, unreadable);
		return 0;
	}
	if (fstat(fd, &st)) {
		note_unreadable(path, unreadable);
		close(fd);
		return 0;
	}
	ret = ns_seen_add(seen, &st);
	if (!ret)
		ret = fn(fd, &st, arg);
	else if (ret > 0)
		ret = 0;
	close(fd);
	return ret;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int cw_netns_each(const char *run_netns, const char *proc,
		  int (*fn)(int fd, const struct stat *st, void *arg),
		  void *arg, unsigned int *unreadable)
{
	struct ns_seen seen = { 0 };
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	/* Named namespaces first: a process-less netns is only there. */
	d = opendir(run_netns);
	if (d) {
		while (!ret && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", run_netns,
				 de->d_name);
			ret = ns_visit(path, &seen, fn, arg, unreadable);
		}
		closedir(d);
	}

	d = opendir(proc);
	if (!d) {
		free(seen.v);
		return ret ? ret : -1;
	}
	while (!ret && (de = readdir(d))) {
		if (!all_digits(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", proc, de->d_name);
		ret = ns_visit(path, &seen, fn, arg, unreadable);
	}
	closedir(d);
	free(seen.v);
	return ret;
}

/* The sockets of the netns this thread is in now, as netns row @ns. */
static int count_here(struct cw_snapshot *s, uint64_t ns,
		      struct cw_error *err)
{
	struct cw_socks socks;
	int ret;

	if (cw_diag_sockets(&socks, err))
		return -1;
	ret = cw_snapshot_add_socks(s, ns, &socks);
	if (ret)
		cw_error_set(err, "sock_diag: %s", strerror(errno));
	cw_socks_free(&socks);
	return ret;
}

struct netns_walk {
	struct cw_snapshot *s;
	struct cw_error *err;
	int home_fd;
	struct stat home;
	unsigned int skipped;
	int skipped_errno;
};

static int count_in(int fd, const struct stat *st, void *arg)
{
	struct netns_walk *w = arg;
	int ret;

	/* Already counted, and entering it might need privileges. */
	if (st->st_dev == w->home.st_dev && st->st_ino == w->home.st_ino)
		return 0;
	if (setns(fd, CLONE_NEWNET)) {
		w->skipped++;
		w->skipped_errno = errno;
		return 0;
	}
	ret = count_here(w->s, st->st_ino, w->err);
	if (setns(w->home_fd, CLONE_NEWNET)) {
		cw_warn("cannot return to the original network namespace: %s",
			strerror(errno));
		exit(CW_EXIT_ERROR);
	}
	return ret;
}

/* One line for everything the walk could not count, so it is read. */
static void warn_skipped(const struct netns_walk *w, unsigned int unreadable)
{
	char entered[160] = "", opened[PATH_MAX + 160] = "";

	if (w->skipped)
		snprintf(entered, sizeof(entered),
			 "could not enter %u network namespace%s (%s)",
			 w->skipped, w->skipped == 1 ? "" : "s",
			 strerror(w->skipped_errno));
	if (unreadable) {
		int e;
		const char *path = cw_netns_unreadable(&e);

		snprintf(opened, sizeof(opened),
			 "%scould not open %u netns file%s (%s%s: %s)",
			 w->skipped ? ", " : "", unreadable,
			 unreadable == 1 ? "" : "s",
			 unreadable == 1 ? "" : "the first: ", path,
			 strerror(e));
	}
	cw_note("%s%s; their sockets are not counted%s", entered, opened,
		geteuid() ? " (run as root)" : "");
}

/* Entry of cw_diag_snapshot() with the roots as parameters. */
static int diag_snapshot_at(struct cw_snapshot *out, bool all_netns,
			    const char *proc, const char *run_netns,
			    const char *mountinfo, struct cw_error *err)
{
	struct netns_walk w = { .s = out, .err = err };
	unsigned int unreadable = 0;
	char path[PATH_MAX];
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	out->version = 1;
	out->source = CW_SOURCE_DIAG;

	snprintf(path, sizeof(path), "%s/self/ns/net", proc);
	w.home_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (w.home_fd < 0 || fstat(w.home_fd, &w.home)) {
		cw_error_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (count_here(out, w.home.st_ino, err))
		goto out;

	if (all_netns) {
		int r = cw_netns_each(run_netns, proc, count_in, &w,
				      &unreadable);

		if (r) {
			if (!err->msg[0])
				cw_error_set(err, "%s: %s", proc,
					     strerror(errno));
			goto out;
		}
		if (w.skipped || unreadable)
			warn_skipped(&w, unreadable);
		out->netns_missed = w.skipped + unreadable;
	}

	if (cw_snapshot_set_paths(out, mountinfo)) {
		cw_error_set(err, "cgroup paths: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < out->nnetns; i++)
		cw_counts_add(&out->total, &out->netns[i].c);
	cw_snapshot_sort(out);
	ret = 0;
out:
	if (w.home_fd >= 0)
		close(w.home_fd);
	if (ret)
		cw_snapshot_free(out);
	return ret;
}

int cw_diag_snapshot(struct cw_snapshot *out, bool all_netns,
		     struct cw_error *err)
{
	return diag_snapshot_at(out, all_netns, "/proc", "/run/netns",
				"/proc/self/mountinfo", err);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct cw_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

static void read_comm(const char *proc, const char *pid, char *comm,
		      size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/comm", proc, pid);
	strcpy(comm, "?");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		n = read(fd, comm, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0) {
		strcpy(comm, "?");
		return;
	}
	if (comm[n - 1] == '\n')
		n--;
	comm[n] = '\0';
}

/* "socket:[N]" into N; false for any other link. */
static bool socket_inode(const char *link, uint64_t *inode)
{
	char *end;

	if (strncmp(link, "socket:[", 8) || !isdigit((unsigned char)link[8]))
		return false;
	errno = 0;
	*inode = strtoull(link + 8, &end, 10);
	return !errno && end[0] == ']' && !end[1];
}

/* Holders of the sockets in @want (sorted) among one process's fds. */
static int scan_pid(struct cw_owners *o, size_t *cap, const uint64_t *want,
		    size_t nwant, const char *proc, const char *pid)
{
	char path[PATH_MAX], link[64], comm[sizeof(o->v->comm)] = "";
	struct dirent *de;
	int dfd;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno != ENOENT && errno != ESRCH) {
			o->unreadable++;
			o->unreadable_errno = errno;
		}
		return 0;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		ssize_t n;
		uint64_t ino;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!socket_inode(link, &ino) ||
		    !bsearch(&ino, want, nwant, sizeof(*want), cmp_u64))
			continue;
		if (o->n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 16;
			struct cw_owner *v = realloc(o->v, ncap * sizeof(*v));

			if (!v) {
				closedir(d);
				return -1;
			}
			o->v = v;
			*cap = ncap;
		}
		if (!comm[0])
			read_comm(proc, pid, comm, sizeof(comm));
		o->v[o->n].inode = ino;
		o->v[o->n].pid = atoi(pid);
		o->v[o->n].fd = atoi(de->d_name);
		memcpy(o->v[o->n].comm, comm, sizeof(comm));
		o->n++;
	}
	closedir(d);
	return 0;
}

int cw_owners_scan(struct cw_owners *o, const uint64_t *inodes, size_t n,
		   const char *proc)
{
	uint64_t *want;
	size_t nwant = 0, cap = 0, i;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	memset(o, 0, sizeof(*o));
	want = malloc((n ? n : 1) * sizeof(*want));
	if (!want)
		return -1;
	for (i = 0; i < n; i++)
		if (inodes[i])
			want[nwant++] = inodes[i];
	qsort(want, nwant, sizeof(*want), cmp_u64);
	if (!nwant) {
		free(want);
		return 0;
	}

	d = opendir(proc);
	if (!d) {
		free(want);
		return -1;
	}
	while (!ret && (de = readdir(d)))
		if (all_digits(de->d_name))
			ret = scan_pid(o, &cap, want, nwant, proc, de->d_name);
	closedir(d);
	free(want);
	if (ret) {
		cw_owners_free(o);
		return -1;
	}
	if (o->n)
		qsort(o->v, o->n, sizeof(*o->v), cmp_owner);
	return 0;
}

const struct cw_owner *cw_owners_find(const struct cw_owners *o,
				      uint64_t inode, size_t *count)
{
	size_t lo = 0, hi = o->n, end;

	/* The first holder of @inode, then the run of them. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->v[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < o->n && o->v[end].inode == inode; end++)
		;
	*count = end - lo;
	return end > lo ? &o->v[lo] : NULL;
}

void cw_owners_free(struct cw_owners *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

void cw_sock_addr(char *buf, size_t len, uint8_t family,
		  const uint8_t addr[16], uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a,
		       sizeof(a)))
		strcpy(a, "?");
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 (unsigned int)port);
}

bool cw_sock_match(const struct cw_sock *s, const char *cgroup_path,
		   const struct cw_sock_filter *f)
{
	if (f->port_set && s->lport != f->port)
		return false;
	if (f->rport_set && s->rport != f->rport)
		return false;
	if (f->cgroup_id && s->cgroup_id != f->cgroup_id)
		return false;
	if (f->older_set &&
	    (f->older_s > UINT64_MAX / 1000 || s->idle_ms < f->older_s * 1000))
		return false;
	if (f->cgroup) {
		size_t len = strlen(f->cgroup);

		/* "/a/" is "/a"; "/" leaves "", which every path is under. */
		while (len && f->cgroup[len - 1] == '/')
			len--;
		if (!cgroup_path || cgroup_path[0] != '/' ||
		    strncmp(cgroup_path, f->cgroup, len) ||
		    (cgroup_path[len] && cgroup_path[len] != '/'))
			return false;
	}
	return true;
}

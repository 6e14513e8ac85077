// SPDX-License-Identifier: GPL-2.0
/*
 * diag.c and the pure parts of sockets.c: netlink messages built by hand,
 * the aggregation into the module's shape, and the cgroup, netns and
 * owner lookups against trees made under mkdtemp() instead of the real
 * /proc, /run/netns and cgroup mount.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "../diag.h"
#include "../escape.h"
#include "unit.h"

#define TCP_CLOSE_WAIT_STATE	8
#define TCP_ESTABLISHED_STATE	1

/* One netlink message under construction. */
struct msgbuf {
	unsigned char b[4096] __attribute__((aligned(8)));
	size_t len;
	uint16_t type;
};

static void mb_start(struct msgbuf *mb, uint16_t type)
{
	memset(mb, 0, sizeof(*mb));
	mb->len = NLMSG_HDRLEN;
	mb->type = type;
}

static void mb_put(struct msgbuf *mb, const void *p, size_t n)
{
	memcpy(mb->b + mb->len, p, n);
	mb->len += NLMSG_ALIGN(n);
}

static void mb_attr(struct msgbuf *mb, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + n, .nla_type = type };

	memcpy(mb->b + mb->len, &a, sizeof(a));
	memcpy(mb->b + mb->len + NLA_HDRLEN, p, n);
	mb->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static size_t mb_end(struct msgbuf *mb)
{
	struct nlmsghdr h = {
		.nlmsg_len = mb->len,
		.nlmsg_type = mb->type,
		.nlmsg_flags = NLM_F_MULTI,
		.nlmsg_seq = 1,
	};

	memcpy(mb->b, &h, sizeof(h));
	return mb->len;
}

/* 10.0.0.1:8080 <- 10.0.0.2:51234, rqueue 11, uid 1000, inode 4242. */
static struct inet_diag_msg v4_msg(void)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = AF_INET;
	m.idiag_state = TCP_CLOSE_WAIT_STATE;
	m.id.idiag_sport = htons(8080);
	m.id.idiag_dport = htons(51234);
	m.id.idiag_src[0] = htonl(0x0a000001);
	m.id.idiag_dst[0] = htonl(0x0a000002);
	/* Only the first word is an IPv4 address: the rest must not leak. */
	m.id.idiag_src[3] = 0xffffffff;
	m.id.idiag_dst[1] = 0xffffffff;
	m.idiag_rqueue = 11;
	m.idiag_wqueue = 5;
	m.idiag_uid = 1000;
	m.idiag_inode = 4242;
	return m;
}

static void put_attrs(struct msgbuf *mb, bool cgroup, size_t info_len)
{
	struct inet_diag_meminfo mi = { .idiag_rmem = 2304, .idiag_wmem = 1 };
	struct tcp_info ti;
	uint64_t id = 77;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_last_ack_recv = 125000;
	ti.tcpi_last_data_recv = 1;	/* not the idle time: must not leak */
	mb_attr(mb, INET_DIAG_MEMINFO, &mi, sizeof(mi));
	mb_attr(mb, INET_DIAG_INFO, &ti, info_len);
	if (cgroup)
		mb_attr(mb, INET_DIAG_CGROUP_ID, &id, sizeof(id));
}

static void test_parse_msgs(void)
{
	struct inet_diag_msg m = v4_msg();
	struct msgbuf mb;
	struct cw_sock s;
	size_t len;
	int e = 0;
	enum cw_diag_msg r;
	static const uint8_t local4[16] = { 10, 0, 0, 1 };
	static const uint8_t remote4[16] = { 10, 0, 0, 2 };

	/* A full message: every field and attribute lands where it should. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	put_attrs(&mb, true, sizeof(struct tcp_info));
	len = mb_end(&mb);
	memset(&s, 0xa5, sizeof(s));
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_SOCK, "full message parses as a socket (got %d)", r);
	CHECK(s.family == AF_INET, "family %u", s.family);
	CHECK(!memcmp(s.local, local4, 16),
	      "local address 10.0.0.1, rest zero");
	CHECK(!memcmp(s.remote, remote4, 16), "remote address 10.0.0.2");
	CHECK(s.lport == 8080 && s.rport == 51234,
	      "ports in host order: %u %u", s.lport, s.rport);
	CHECK(s.payload == 10, "rqueue 11 is 10 payload bytes, got %llu",
	      (unsigned long long)s.payload);
	CHECK(s.rmem == 2304, "rmem from meminfo idiag_rmem: %llu",
	      (unsigned long long)s.rmem);
	CHECK(s.idle_ms == 125000, "idle from tcpi_last_ack_recv: %llu",
	      (unsigned long long)s.idle_ms);
	CHECK(s.uid == 1000 && s.inode == 4242, "uid %u inode %llu", s.uid,
	      (unsigned long long)s.inode);
	CHECK(s.cgroup_id == 77, "cgroup id attribute: %llu",
	      (unsigned long long)s.cgroup_id);

	/* No INET_DIAG_CGROUP_ID (old kernel): id 0, the rest intact. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	put_attrs(&mb, false, sizeof(struct tcp_info));
	len = mb_end(&mb);
	memset(&s, 0xa5, sizeof(s));
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_SOCK && s.cgroup_id == 0 && s.rmem == 2304 &&
	      s.idle_ms == 125000,
	      "without a cgroup id: r %d id %llu rmem %llu", r,
	      (unsigned long long)s.cgroup_id, (unsigned long long)s.rmem);

	/* An older kernel's shorter tcp_info still holds last_ack_recv. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	put_attrs(&mb, true, offsetof(struct tcp_info, tcpi_last_ack_recv) + 4);
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_SOCK && s.idle_ms == 125000,
	      "short tcp_info: r %d idle %llu", r,
	      (unsigned long long)s.idle_ms);

	/* A tcp_info too short for last_ack_recv is broken, not idle 0. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	put_attrs(&mb, true, offsetof(struct tcp_info, tcpi_last_ack_recv));
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_BAD, "tcp_info without last_ack_recv: r %d", r);

	/* The last attribute claims more than the message holds. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	put_attrs(&mb, true, sizeof(struct tcp_info));
	len = mb_end(&mb);
	{
		struct nlmsghdr h;

		/* Cut 4 bytes off the cgroup id: 12-byte attr in 8 bytes. */
		memcpy(&h, mb.b, sizeof(h));
		h.nlmsg_len -= 4;
		memcpy(mb.b, &h, sizeof(h));
		r = cw_diag_parse(mb.b, len - 4, &s, &e);
		CHECK(r == CW_DIAG_BAD, "truncated attribute: r %d", r);
	}

	/* A cgroup id attribute with a 4-byte payload. */
	{
		uint32_t small = 7;

		mb_start(&mb, SOCK_DIAG_BY_FAMILY);
		mb_put(&mb, &m, sizeof(m));
		mb_attr(&mb, INET_DIAG_CGROUP_ID, &small, sizeof(small));
		len = mb_end(&mb);
		r = cw_diag_parse(mb.b, len, &s, &e);
		CHECK(r == CW_DIAG_BAD, "4-byte cgroup id: r %d", r);
	}

	/* nlmsg_len beyond what was received. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len - 1, &s, &e);
	CHECK(r == CW_DIAG_BAD, "message longer than the datagram: r %d", r);
	r = cw_diag_parse(mb.b, 8, &s, &e);
	CHECK(r == CW_DIAG_BAD, "8 bytes are no netlink header: r %d", r);

	/* A header with only half an inet_diag_msg. */
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m) / 2);
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_BAD, "half an inet_diag_msg: r %d", r);

	/* Another state is not ours, even if the kernel sent it. */
	m.idiag_state = TCP_ESTABLISHED_STATE;
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_SKIP, "ESTABLISHED is skipped: r %d", r);

	/* IPv6: all 16 bytes of each address. */
	m = v4_msg();
	m.idiag_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", m.id.idiag_src);
	inet_pton(AF_INET6, "::ffff:10.0.0.2", m.id.idiag_dst);
	mb_start(&mb, SOCK_DIAG_BY_FAMILY);
	mb_put(&mb, &m, sizeof(m));
	len = mb_end(&mb);
	r = cw_diag_parse(mb.b, len, &s, &e);
	CHECK(r == CW_DIAG_SOCK && s.family == AF_INET6 &&
	      !memcmp(s.local, m.id.idiag_src, 16) &&
	      !memcmp(s.remote, m.id.idiag_dst, 16) && s.rmem == 0 &&
	      s.idle_ms == 0,
	      "IPv6 without attributes: r %d family %u", r, s.family);

	/* NLMSG_ERROR carries a negative errno. */
	{
		struct nlmsgerr ne = { .error = -EPROTONOSUPPORT };

		mb_start(&mb, NLMSG_ERROR);
		mb_put(&mb, &ne, sizeof(ne));
		len = mb_end(&mb);
		e = 0;
		r = cw_diag_parse(mb.b, len, &s, &e);
		CHECK(r == CW_DIAG_ERROR && e == EPROTONOSUPPORT,
		      "NLMSG_ERROR: r %d errno %d", r, e);

		ne.error = 0;
		mb_start(&mb, NLMSG_ERROR);
		mb_put(&mb, &ne, sizeof(ne));
		len = mb_end(&mb);
		r = cw_diag_parse(mb.b, len, &s, &e);
		CHECK(r == CW_DIAG_SKIP, "an ACK is no error: r %d", r);
	}

	/* NLMSG_DONE, plain and carrying a dump's failure. */
	{
		int done = 0;

		mb_start(&mb, NLMSG_DONE);
		mb_put(&mb, &done, sizeof(done));
		len = mb_end(&mb);
		r = cw_diag_parse(mb.b, len, &s, &e);
		CHECK(r == CW_DIAG_DONE, "NLMSG_DONE: r %d", r);

		done = -ENOBUFS;
		mb_start(&mb, NLMSG_DONE);
		mb_put(&mb, &done, sizeof(done));
		len = mb_end(&mb);
		e = 0;
		r = cw_diag_parse(mb.b, len, &s, &e);
		CHECK(r == CW_DIAG_ERROR && e == ENOBUFS,
		      "NLMSG_DONE with -ENOBUFS: r %d errno %d", r, e);
	}
}

static void test_payload(void)
{
	CHECK(cw_diag_payload(0) == 0, "rqueue 0: EOF read, nothing left");
	CHECK(cw_diag_payload(1) == 0, "rqueue 1: only the FIN");
	CHECK(cw_diag_payload(11) == 10, "rqueue 11: 10 bytes and the FIN");
	CHECK(cw_diag_payload(UINT32_MAX) == UINT32_MAX - 1ULL,
	      "rqueue UINT32_MAX");
}

static struct cw_sock mksock(uint64_t cg, uint64_t payload, uint64_t rmem,
			     uint64_t idle_ms)
{
	struct cw_sock s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.cgroup_id = cg;
	s.payload = payload;
	s.rmem = rmem;
	s.idle_ms = idle_ms;
	return s;
}

static void test_aggregate(void)
{
	struct cw_sock a[] = {
		mksock(30, 1, 100, 999),	/* 0 s: not rounded up */
		mksock(10, 2, 200, 5000),
		mksock(20, 4, 400, 1000),
		mksock(10, 8, 800, 61999),	/* 61 s */
		mksock(20, 16, 1600, 2000),
		mksock(10, 32, 3200, 3000),
	};
	struct cw_sock b[] = { mksock(10, 64, 6400, 7000) };
	struct cw_socks sa = { a, 6 }, sb = { b, 1 }, none = { NULL, 0 };
	struct cw_snapshot s;
	struct cw_netns *n;

	memset(&s, 0, sizeof(s));
	CHECK(cw_snapshot_add_socks(&s, 5, &none) == 0 && s.nnetns == 0,
	      "no sockets, no netns row (%zu)", s.nnetns);
	/* The smaller netns first, so the sort has something to do. */
	CHECK(cw_snapshot_add_socks(&s, 4, &sb) == 0, "add netns 4");
	CHECK(cw_snapshot_add_socks(&s, 9, &sa) == 0, "add netns 9");
	cw_snapshot_sort(&s);
	if (!CHECK(s.nnetns == 2, "two netns rows, got %zu", s.nnetns))
		goto out;
	n = &s.netns[0];
	CHECK(n->ns == 9, "netns with 6 sockets sorts first, got %llu",
	      (unsigned long long)n->ns);
	CHECK(n->c.close_wait == 6 && n->c.recvq_bytes == 63 &&
	      n->c.rmem_bytes == 6300 && n->c.oldest_idle_s == 61,
	      "netns sums: cw %llu recvq %llu rmem %llu idle %llu",
	      (unsigned long long)n->c.close_wait,
	      (unsigned long long)n->c.recvq_bytes,
	      (unsigned long long)n->c.rmem_bytes,
	      (unsigned long long)n->c.oldest_idle_s);
	CHECK(!(n->c.has & CW_HAS_SOCKETS), "diag knows no 'sockets' count");
	if (CHECK(n->ncgroups == 3, "three cgroups, got %zu", n->ncgroups)) {
		struct cw_cgroup *c = n->cgroups;

		CHECK(c[0].id == 10 && c[0].c.close_wait == 3 &&
		      c[0].c.recvq_bytes == 42 && c[0].c.rmem_bytes == 4200 &&
		      c[0].c.oldest_idle_s == 61,
		      "cgroup 10 first with 3: id %llu cw %llu recvq %llu idle %llu",
		      (unsigned long long)c[0].id,
		      (unsigned long long)c[0].c.close_wait,
		      (unsigned long long)c[0].c.recvq_bytes,
		      (unsigned long long)c[0].c.oldest_idle_s);
		CHECK(c[1].id == 20 && c[1].c.close_wait == 2 &&
		      c[1].c.oldest_idle_s == 2,
		      "cgroup 20 second: id %llu idle %llu",
		      (unsigned long long)c[1].id,
		      (unsigned long long)c[1].c.oldest_idle_s);
		CHECK(c[2].id == 30 && c[2].c.oldest_idle_s == 0 &&
		      !strcmp(c[2].path, "?"),
		      "cgroup 30 last, 999 ms is 0 s, path '?': %llu '%s'",
		      (unsigned long long)c[2].id, c[2].path);
	}
	n = &s.netns[1];
	CHECK(n->ns == 4 && n->c.close_wait == 1 && n->ncgroups == 1 &&
	      n->cgroups[0].id == 10 && n->cgroups[0].c.recvq_bytes == 64,
	      "netns 4 keeps its own row for cgroup 10");
out:
	cw_snapshot_free(&s);
}

static int rm_visit(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_visit, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_cgroups(void)
{
	char tmp[] = "/tmp/cwstat-test-cg.XXXXXX", p[512], mi[600];
	struct cw_cgmap m;
	struct cw_snapshot s;
	uint64_t ia, iab, ic, iroot, ifile;
	char dir[256], root[256];
	const char *r;

	if (!CHECK(mkdtemp(tmp), "mkdtemp: %s", strerror(errno)))
		return;
	snprintf(p, sizeof(p), "%s/a", tmp);
	mkdir(p, 0755);
	ia = ino_of(p);
	snprintf(p, sizeof(p), "%s/a/b c", tmp);
	mkdir(p, 0755);
	iab = ino_of(p);
	snprintf(p, sizeof(p), "%s/c", tmp);
	mkdir(p, 0755);
	ic = ino_of(p);
	snprintf(p, sizeof(p), "%s/a/cgroup.procs", tmp);
	write_file(p, "1\n");
	ifile = ino_of(p);
	snprintf(p, sizeof(p), "%s/link", tmp);
	if (symlink("a", p))
		CHECK(0, "symlink: %s", strerror(errno));
	iroot = ino_of(tmp);

	CHECK(cw_cgmap_load(&m, tmp, "/") == 0, "walk the fake cgroup tree");
	CHECK(m.n == 4, "4 directories, no files or symlinks: %zu", m.n);
	r = cw_cgmap_find(&m, ia);
	CHECK(r && !strcmp(r, "/a"), "dir a is /a: %s", r ? r : "NULL");
	r = cw_cgmap_find(&m, iab);
	CHECK(r && !strcmp(r, "/a/b c"), "dir a/b c: %s", r ? r : "NULL");
	r = cw_cgmap_find(&m, ic);
	CHECK(r && !strcmp(r, "/c"), "dir c: %s", r ? r : "NULL");
	r = cw_cgmap_find(&m, iroot);
	CHECK(r && !strcmp(r, "/"), "the mount itself is /: %s",
	      r ? r : "NULL");
	CHECK(!cw_cgmap_find(&m, ifile), "a cgroup's file is no cgroup");
	cw_cgmap_free(&m);

	/* A mount of a subtree: its root prefixes every path. */
	snprintf(p, sizeof(p), "%s/", tmp);
	CHECK(cw_cgmap_load(&m, p, "/kube/") == 0, "walk with root /kube/");
	r = cw_cgmap_find(&m, iab);
	CHECK(r && !strcmp(r, "/kube/a/b c"), "root + path: %s",
	      r ? r : "NULL");
	r = cw_cgmap_find(&m, iroot);
	CHECK(r && !strcmp(r, "/kube/"), "mount dir is its root: %s",
	      r ? r : "NULL");
	cw_cgmap_free(&m);

	/* mountinfo: cgroup v1 lines and optional fields come first. */
	snprintf(mi, sizeof(mi), "%s/a/mountinfo", tmp);
	write_file(mi,
		   "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
		   "40 30 0:37 /x\\040y /sys/fs/cgroup/un\\040ified rw,relatime shared:10 master:2 - cgroup2 cgroup2 rw\n"
		   "41 30 0:38 / /other rw - cgroup2 cgroup2 rw\n");
	CHECK(cw_cgroup2_mount(mi, dir, sizeof(dir), root, sizeof(root)) == 0,
	      "mountinfo with a cgroup2 line");
	CHECK(!strcmp(dir, "/sys/fs/cgroup/un ified"),
	      "first cgroup2 mount point, unescaped: '%s'", dir);
	CHECK(!strcmp(root, "/x y"), "its root, unescaped: '%s'", root);
	write_file(mi, "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
	errno = 0;
	CHECK(cw_cgroup2_mount(mi, dir, sizeof(dir), root,
			       sizeof(root)) == -1 && errno == ENOENT,
	      "no cgroup2 mount: ENOENT (%d)", errno);

	/* Snapshot paths through a mountinfo naming the fake tree. */
	{
		FILE *f = fopen(mi, "w");

		if (f) {
			fprintf(f, "40 30 0:37 / %s rw - cgroup2 cgroup2 rw\n",
				tmp);
			fclose(f);
		}
	}
	memset(&s, 0, sizeof(s));
	{
		struct cw_netns *n = cw_snapshot_add_netns(&s, 1);

		if (n) {
			cw_netns_add_cgroup(n, ia, NULL);
			cw_netns_add_cgroup(n, 123456789012ULL, NULL);
		}
	}
	CHECK(cw_snapshot_set_paths(&s, mi) == 0, "set paths");
	if (CHECK(s.nnetns == 1 && s.netns[0].ncgroups == 2, "rows made")) {
		CHECK(!strcmp(s.netns[0].cgroups[0].path, "/a"),
		      "known id gets its path: %s", s.netns[0].cgroups[0].path);
		CHECK(!strcmp(s.netns[0].cgroups[1].path, "?"),
		      "unknown id stays ?: %s", s.netns[0].cgroups[1].path);
	}
	cw_snapshot_free(&s);
	rm_tree(tmp);
}

static void mkfd(const char *proc, int pid, int fd, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d", proc, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%d/fd", proc, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%d/fd/%d", proc, pid, fd);
	if (symlink(target, p))
		CHECK(0, "symlink %s: %s", p, strerror(errno));
}

static void mkcomm(const char *proc, int pid, const char *comm)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d/comm", proc, pid);
	write_file(p, comm);
}

static void test_owners(void)
{
	char tmp[] = "/tmp/cwstat-test-proc.XXXXXX", p[512];
	const uint64_t want[] = { 123, 456, 0, 123, 789 };
	const struct cw_owner *o;
	struct cw_owners own;
	size_t n = 0;

	if (!CHECK(mkdtemp(tmp), "mkdtemp: %s", strerror(errno)))
		return;
	mkfd(tmp, 100, 3, "socket:[123]");
	mkfd(tmp, 100, 4, "socket:[999]");	/* not in CLOSE_WAIT */
	mkfd(tmp, 100, 5, "/dev/null");
	mkfd(tmp, 100, 6, "socket:[4567]");	/* 456 is only a prefix */
	mkcomm(tmp, 100, "srv\n");
	mkfd(tmp, 200, 7, "socket:[123]");	/* shared after fork */
	mkcomm(tmp, 200, "worker 1\n");
	mkfd(tmp, 300, 10, "socket:[456]");	/* no comm file: "?" */
	mkfd(tmp, 300, 2, "socket:[456]");
	snprintf(p, sizeof(p), "%s/self", tmp);	/* not a pid */
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/400", tmp);	/* exited: no fd dir */
	mkdir(p, 0755);
	/* An fd "directory" that cannot be opened: counted, not fatal. */
	snprintf(p, sizeof(p), "%s/500", tmp);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/500/fd", tmp);
	write_file(p, "");

	if (!CHECK(cw_owners_scan(&own, want, 5, tmp) == 0, "scan fake proc"))
		goto out;
	CHECK(own.n == 4, "four holders found, got %zu", own.n);
	CHECK(own.unreadable == 1 && own.unreadable_errno == ENOTDIR,
	      "one unreadable fd dir: %u (errno %d)", own.unreadable,
	      own.unreadable_errno);
	o = cw_owners_find(&own, 123, &n);
	if (CHECK(o && n == 2, "socket 123 has two holders: %zu", n)) {
		CHECK(o[0].pid == 100 && o[0].fd == 3 &&
		      !strcmp(o[0].comm, "srv"),
		      "first holder srv[100] fd 3: %s[%d] fd %d", o[0].comm,
		      o[0].pid, o[0].fd);
		CHECK(o[1].pid == 200 && o[1].fd == 7 &&
		      !strcmp(o[1].comm, "worker 1"),
		      "second holder 'worker 1'[200] fd 7: %s[%d] fd %d",
		      o[1].comm, o[1].pid, o[1].fd);
	}
	o = cw_owners_find(&own, 456, &n);
	CHECK(o && n == 2 && o[0].fd == 2 && o[1].fd == 10 &&
	      !strcmp(o[0].comm, "?"),
	      "socket 456: two fds of pid 300, in fd order, comm ?: %zu", n);
	o = cw_owners_find(&own, 789, &n);
	CHECK(!o && n == 0, "socket 789 has no holder: %zu", n);
	o = cw_owners_find(&own, 999, &n);
	CHECK(!o && n == 0, "socket 999 was not asked for: %zu", n);
	cw_owners_free(&own);

	CHECK(cw_owners_scan(&own, want, 0, tmp) == 0 && own.n == 0,
	      "nothing wanted, nothing found: %zu", own.n);
	cw_owners_free(&own);
out:
	rm_tree(tmp);
}

struct ns_seen_test {
	unsigned int calls;
	ino_t ino[8];
	int stop_after;
};

static int ns_cb(int fd, const struct stat *st, void *arg)
{
	struct ns_seen_test *t = arg;
	struct stat fst;

	if (fstat(fd, &fst) || fst.st_ino != st->st_ino)
		return -2;	/* the fd must be the file described */
	if (t->calls < 8)
		t->ino[t->calls] = st->st_ino;
	t->calls++;
	return t->stop_after && (int)t->calls == t->stop_after ? 7 : 0;
}

static void test_netns_each(void)
{
	char tmp[] = "/tmp/cwstat-test-ns.XXXXXX", p[512], q[512];
	char run[64], proc[64];
	struct ns_seen_test t = { 0 };
	unsigned int unreadable = 0, i, j;
	int ret;
	bool distinct = true;

	if (!CHECK(mkdtemp(tmp), "mkdtemp: %s", strerror(errno)))
		return;
	snprintf(run, sizeof(run), "%s/run", tmp);
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	mkdir(run, 0755);
	mkdir(proc, 0755);
	snprintf(p, sizeof(p), "%s/a", run);
	write_file(p, "");
	snprintf(p, sizeof(p), "%s/b", run);
	write_file(p, "");
	/* pid 1 lives in netns "a", pids 2 and 3 share an unnamed one. */
	for (i = 1; i <= 4; i++) {
		snprintf(p, sizeof(p), "%s/%u", proc, i);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/%u/ns", proc, i);
		if (i != 4)	/* 4 exited between readdir and open */
			mkdir(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/a", run);
	snprintf(q, sizeof(q), "%s/1/ns/net", proc);
	CHECK(!link(p, q), "hard link %s: %s", q, strerror(errno));
	snprintf(p, sizeof(p), "%s/2/ns/net", proc);
	write_file(p, "");
	snprintf(q, sizeof(q), "%s/3/ns/net", proc);
	CHECK(!link(p, q), "hard link %s: %s", q, strerror(errno));
	snprintf(p, sizeof(p), "%s/sys", proc);
	mkdir(p, 0755);

	ret = cw_netns_each(run, proc, ns_cb, &t, &unreadable);
	CHECK(ret == 0, "walk returns 0: %d", ret);
	CHECK(t.calls == 3, "a, b and the unnamed netns, once each: %u",
	      t.calls);
	for (i = 0; i < t.calls && i < 8; i++)
		for (j = i + 1; j < t.calls && j < 8; j++)
			distinct &= t.ino[i] != t.ino[j];
	CHECK(distinct, "every netns reported is distinct");
	CHECK(unreadable == 0, "a vanished process is not unreadable: %u",
	      unreadable);

	/* A file that cannot be opened is counted and named. */
	snprintf(p, sizeof(p), "%s/5", proc);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/5/ns", proc);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/5/ns/net", proc);
	CHECK(!symlink("net", p), "symlink loop %s: %s", p, strerror(errno));
	memset(&t, 0, sizeof(t));
	unreadable = 0;
	ret = cw_netns_each(run, proc, ns_cb, &t, &unreadable);
	{
		int e;
		const char *bad = cw_netns_unreadable(&e);

		CHECK(ret == 0 && unreadable == 1 && !strcmp(bad, p) &&
		      e == ELOOP, "the unreadable file is named: %u %s (%s)",
		      unreadable, bad, strerror(e));
	}

	memset(&t, 0, sizeof(t));
	t.stop_after = 2;
	ret = cw_netns_each(run, proc, ns_cb, &t, &unreadable);
	CHECK(ret == 7 && t.calls == 2,
	      "a callback's error stops the walk: ret %d calls %u", ret,
	      t.calls);
	rm_tree(tmp);
}

static void test_filters(void)
{
	struct cw_sock s = mksock(1, 0, 0, 10000);
	struct cw_sock_filter f;

	s.lport = 8080;
	s.rport = 51234;

	memset(&f, 0, sizeof(f));
	CHECK(cw_sock_match(&s, "?", &f), "no filter matches all");

	f.port_set = true;
	f.port = 8080;
	CHECK(cw_sock_match(&s, "/a", &f), "--port matches the local port");
	/* As in reap (the module filters on lport) and ss's sport. */
	f.port = 51234;
	CHECK(!cw_sock_match(&s, "/a", &f),
	      "--port does not match the remote port");
	f.port = 80;
	CHECK(!cw_sock_match(&s, "/a", &f), "--port 80 matches neither");
	f.port_set = false;
	f.rport_set = true;
	f.rport = 51234;
	CHECK(cw_sock_match(&s, "/a", &f), "--remote-port matches the remote port");
	f.rport = 8080;
	CHECK(!cw_sock_match(&s, "/a", &f),
	      "--remote-port does not match the local port");
	f.port_set = true;
	f.port = 8080;
	f.rport = 51234;
	CHECK(cw_sock_match(&s, "/a", &f), "--port and --remote-port together");
	f.rport_set = false;

	memset(&f, 0, sizeof(f));
	f.cgroup = "/system.slice";
	CHECK(cw_sock_match(&s, "/system.slice", &f), "--cgroup: equal");
	CHECK(cw_sock_match(&s, "/system.slice/x.service", &f),
	      "--cgroup: below");
	CHECK(!cw_sock_match(&s, "/system.slicex", &f),
	      "--cgroup: a longer name is no child");
	CHECK(!cw_sock_match(&s, "/system", &f), "--cgroup: a parent");
	CHECK(!cw_sock_match(&s, "?", &f), "--cgroup: unknown path");
	f.cgroup = "/system.slice/";
	CHECK(cw_sock_match(&s, "/system.slice", &f),
	      "--cgroup: trailing slash is the same cgroup");
	f.cgroup = "/";
	CHECK(cw_sock_match(&s, "/user.slice", &f) &&
	      cw_sock_match(&s, "/", &f) && !cw_sock_match(&s, "?", &f),
	      "--cgroup /: every known path");

	memset(&f, 0, sizeof(f));
	f.older_set = true;
	f.older_s = 10;
	CHECK(cw_sock_match(&s, "/", &f), "--older-than 10s, idle 10.000 s");
	f.older_s = 11;
	CHECK(!cw_sock_match(&s, "/", &f), "--older-than 11s, idle 10 s");
	f.older_s = UINT64_MAX / 100;
	CHECK(!cw_sock_match(&s, "/", &f), "a huge --older-than, no overflow");
	s.idle_ms = 9999;
	f.older_s = 10;
	CHECK(!cw_sock_match(&s, "/", &f), "--older-than 10s, idle 9.999 s");

	/* Filters combine: all must match. */
	s.idle_ms = 20000;
	f.port_set = true;
	f.port = 8080;
	f.cgroup = "/a";
	CHECK(cw_sock_match(&s, "/a/b", &f), "all three match");
	CHECK(!cw_sock_match(&s, "/b", &f), "one of three fails");
}

static void test_addr(void)
{
	uint8_t a[16] = { 0 };
	char buf[CW_ADDR_LEN];

	inet_pton(AF_INET, "192.0.2.7", a);
	cw_sock_addr(buf, sizeof(buf), AF_INET, a, 8080);
	CHECK(!strcmp(buf, "192.0.2.7:8080"), "v4: %s", buf);
	inet_pton(AF_INET6, "2001:db8::1", a);
	cw_sock_addr(buf, sizeof(buf), AF_INET6, a, 443);
	CHECK(!strcmp(buf, "[2001:db8::1]:443"), "v6: %s", buf);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	cw_sock_addr(buf, sizeof(buf), AF_INET6, a, 65535);
	CHECK(!strcmp(buf, "[::ffff:10.1.2.3]:65535"), "v4-mapped: %s", buf);
	inet_pton(AF_INET6, "fe80:1:2:3:4:5:6:7", a);
	cw_sock_addr(buf, sizeof(buf), AF_INET6, a, 1);
	CHECK(!strcmp(buf, "[fe80:1:2:3:4:5:6:7]:1"), "long v6: %s", buf);
}

static void test_json(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} t[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "t\tn\n\x01\x7f", 6, "\"t\\tn\\n\\u0001\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", 14,
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\"" },
		{ "\xff", 1, "\"\\\\xff\"" },
		/* overlong, surrogate */
		{ "\xc0\x80", 2, "\"\\\\xc0\\\\x80\"" },
		{ "\xed\xa0\x80", 3, "\"\\\\xed\\\\xa0\\\\x80\"" },
		{ "\xf4\x90\x80\x80", 4,
		  "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"" },		/* > U+10FFFF */
		/* a sequence cut short */
		{ "a\xe2\x82", 3, "\"a\\\\xe2\\\\x82\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!CHECK(f, "open_memstream"))
			return;
		fputc('"', f);
		cw_put_escaped(f, t[i].in, CW_ESC_JSON);
		fputc('"', f);
		fclose(f);
		CHECK(!strcmp(buf, t[i].out), "json string %zu: %s, want %s",
		      i, buf, t[i].out);
		free(buf);
	}
}

void test_diag(void)
{
	test_parse_msgs();
	test_payload();
	test_aggregate();
	test_cgroups();
	test_owners();
	test_netns_each();
	test_filters();
	test_addr();
	test_json();
}

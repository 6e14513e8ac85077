// SPDX-License-Identifier: GPL-2.0
/*
 * Formatters, rows and attribution. Snapshots are built in code, so these
 * tests do not depend on the parser; each rendering is compared byte for
 * byte with a file under expected/. On a mismatch the actual output is
 * left in /tmp/NAME.actual for diff.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../attrib.h"
#include "../output.h"
#include "../rows.h"
#include "unit.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID_ "1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"

#define HEX_C "aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999"
#define UID_C "11111111_2222_3333_4444_555555555555"

#define SESSION "/user.slice/user-1000.slice/session-3.scope"

#define NS_SHOP		4026532116ULL
#define NS_BILLING	4026532169ULL
#define NS_POD		4026532300ULL
#define NS_HOST		4026531840ULL

static void expect(const char *name, const struct cw_snapshot *s,
		   enum cw_format fmt, enum cw_by by,
		   const struct cw_names *names, const struct cw_rows *prev);
static void expect_opts(const char *name, const struct cw_snapshot *s,
			const struct cw_output_opts *o);

static struct cw_counts counts(uint64_t cw, uint64_t recvq, uint64_t rmem,
			       uint64_t idle)
{
	struct cw_counts c = {
		.close_wait = cw, .recvq_bytes = recvq, .rmem_bytes = rmem,
		.oldest_idle_s = idle,
	};

	return c;
}

static struct cw_counts with_sockets(struct cw_counts c, uint64_t sockets)
{
	c.sockets = sockets;
	c.has |= CW_HAS_SOCKETS;
	return c;
}

static struct cw_counts with_oldest(struct cw_counts c, uint64_t oldest)
{
	c.oldest_s = oldest;
	c.has |= CW_HAS_OLDEST;
	return c;
}

static struct cw_netns *netns(struct cw_snapshot *s, uint64_t ns,
			      struct cw_counts c)
{
	struct cw_netns *n = cw_snapshot_add_netns(s, ns);

	if (!n)
		abort();
	n->c = c;
	return n;
}

static void cgroup(struct cw_netns *n, uint64_t id, const char *path,
		   struct cw_counts c)
{
	struct cw_cgroup *g = cw_netns_add_cgroup(n, id, path);

	if (!g)
		abort();
	g->c = c;
}

/* Documentation/format.md's format v1 example, from make demo. */
static void demo_snapshot(struct cw_snapshot *s)
{
	struct cw_netns *n;

	memset(s, 0, sizeof(*s));
	s->version = 1;
	s->source = CW_SOURCE_MODULE;
	s->total = with_sockets(counts(47, 846, 61006, 2), 94);
	n = netns(s, NS_SHOP, with_sockets(counts(40, 720, 51920, 2), 80));
	cgroup(n, 40, "/demo/shop", counts(40, 720, 51920, 2));
	n = netns(s, NS_BILLING, with_sockets(counts(7, 126, 9086, 2), 14));
	cgroup(n, 57, "/demo/billing", counts(7, 126, 9086, 2));
}

/* Names as cw_names_load() would find them: one bound, one by process. */
static struct cw_netns_name demo_name_v[] = {
	{ .ns = NS_SHOP, .name = (char[]){ "shop" } },
	{ .ns = NS_BILLING, .pid = 812, .comm = "nginx" },
};

static const struct cw_names demo_names = { demo_name_v, 2 };

/*
 * sock_diag in live mode on a Kubernetes node: exact ages on some rows
 * only, no "sockets", a cgroup seen from two netns (a process that called
 * setns()), and two unresolvable paths in one netns.
 */
static void k8s_snapshot(struct cw_snapshot *s)
{
	struct cw_netns *n;

	memset(s, 0, sizeof(*s));
	s->version = 1;
	s->source = CW_SOURCE_DIAG;
	s->total = with_oldest(counts(22, 5000, 3221225472ULL, 86400),
			       3725);
	n = netns(s, NS_HOST,
		  with_oldest(counts(11, 1000, 1288490188ULL, 86400), 45));
	cgroup(n, 2003, SESSION, counts(4, 400, 1024, 86400));
	cgroup(n, 2001, "/system.slice/docker-" HEX_B ".scope",
	       with_oldest(counts(3, 300, 1048575, 45), 45));
	cgroup(n, 999, "?", counts(2, 200, 1048576, 30));
	cgroup(n, 1001, "/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice/cri-containerd-"
	       HEX_A ".scope", counts(1, 100, 1288490188ULL - 2098175, 5));
	cgroup(n, 2005, "?", counts(1, 0, 0, 7));
	n = netns(s, NS_POD, with_oldest(counts(11, 4000, 1932735284ULL, 600),
					 3725));
	cgroup(n, 1001, "/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice/cri-containerd-"
	       HEX_A ".scope",
	       with_oldest(counts(9, 4000, 1932735284ULL - 2048, 600), 3725));
	cgroup(n, 1002, "/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice",
	       with_oldest(counts(2, 0, 2048, 59), 59));
}

static struct cw_counts with_ages(struct cw_counts c, uint64_t b0,
				  uint64_t b1, uint64_t b2, uint64_t b3,
				  uint64_t b4, uint64_t b5)
{
	uint64_t *a = c.ages;

	a[0] = b0, a[1] = b1, a[2] = b2, a[3] = b3, a[4] = b4, a[5] = b5;
	c.has |= CW_HAS_AGES;
	return with_oldest(c, b5 ? 7200 : b4 ? 3000 : b3 ? 500 : 30);
}

/*
 * The module in live mode on a node with containerd, CRI-O and Docker
 * (tests/fixtures/runtime holds their files): age buckets on every row,
 * a container seen in two netns, a pod's own cgroup, a plain service.
 */
static void live_snapshot(struct cw_snapshot *s)
{
	static const char ctrd[] = "/kubepods.slice/kubepods-burstable.slice/"
		"kubepods-burstable-pod" UID_ ".slice/cri-containerd-" HEX_A
		".scope";
	struct cw_netns *n;

	memset(s, 0, sizeof(*s));
	s->version = 1;
	s->source = CW_SOURCE_MODULE;
	s->total = with_ages(counts(20, 0, 20480, 7300), 2, 3, 4, 5, 4, 2);
	n = netns(s, NS_HOST, with_ages(counts(9, 0, 9216, 7300),
					1, 1, 2, 2, 2, 1));
	cgroup(n, 3001, "/system.slice/docker-" HEX_B ".scope",
	       with_ages(counts(5, 0, 5120, 7300), 0, 1, 1, 1, 1, 1));
	cgroup(n, 3002, "/system.slice/shop.service",
	       with_ages(counts(3, 0, 3072, 3100), 1, 0, 1, 0, 1, 0));
	cgroup(n, 3003, ctrd, with_ages(counts(1, 0, 1024, 400), 0, 0, 0, 1,
					0, 0));
	n = netns(s, NS_POD, with_ages(counts(11, 0, 11264, 3200),
				       1, 2, 2, 3, 2, 1));
	cgroup(n, 3003, ctrd, with_ages(counts(6, 0, 6144, 7200), 1, 1, 1, 1,
					1, 1));
	cgroup(n, 3004, "/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod" UID_C ".slice/crio-" HEX_C ".scope",
	       with_ages(counts(4, 0, 4096, 3000), 0, 1, 1, 1, 1, 0));
	cgroup(n, 3005, "/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice",
	       with_ages(counts(1, 0, 1024, 50), 0, 0, 0, 1, 0, 0));
}

static void test_live(void)
{
	struct cw_output_opts o = { .format = CW_FMT_PROM, .by = CW_BY_TREE };
	struct cw_snapshot s;
	struct cw_meta meta;
	char root[4200];

	live_snapshot(&s);
	/* Without runtime files: the containers' names are "unknown". */
	expect("prom-live-nometa.prom", &s, CW_FMT_PROM, CW_BY_TREE, NULL,
	       NULL);
	snprintf(root, sizeof(root), "%s/fixtures/runtime", unit_dir);
	if (cw_meta_init(&meta, root))
		abort();
	o.meta = &meta;
	o.version = "0.1.0~test";
	expect_opts("prom-live.prom", &s, &o);
	o.by = CW_BY_CGROUP;
	expect_opts("prom-live-cgroup.prom", &s, &o);
	o.by = CW_BY_CONTAINER;
	expect_opts("prom-live-container.prom", &s, &o);
	/* The same series in OpenMetrics: the ages a gauge histogram. */
	o.format = CW_FMT_OPENMETRICS;
	expect_opts("om-live-container.om", &s, &o);
	o.by = CW_BY_TREE;
	expect_opts("om-live.om", &s, &o);
	o.by = CW_BY_CONTAINER;
	o.format = CW_FMT_TABLE;
	expect_opts("table-live-container.txt", &s, &o);
	o.by = CW_BY_TREE;
	expect_opts("table-live-tree.txt", &s, &o);
	o.format = CW_FMT_JSON;
	expect_opts("json-live.json", &s, &o);
	/* Each container's files were read once, whatever the views. */
	CHECK(meta.n == 3, "three containers cached, got %zu", meta.n);
	cw_meta_free(&meta);
	cw_snapshot_free(&s);
}

static void meta_is(struct cw_meta *m, const char *runtime, const char *id,
		    const char *pod, const char *ns, const char *ctr)
{
	struct cw_attrib a = { .pod_uid = "" };
	const struct cw_meta_entry *e;

	snprintf(a.runtime, sizeof(a.runtime), "%s", runtime);
	snprintf(a.id, sizeof(a.id), "%s", id);
	e = cw_meta_lookup(m, &a);
#define SAME(x, y) ((!(x) && !(y)) || ((x) && (y) && !strcmp((x), (y))))
	CHECK(e && SAME(e->pod, pod) && SAME(e->pod_namespace, ns) &&
	      SAME(e->container, ctr), "%s %.12s: pod %s ns %s name %s, got %s %s %s",
	      runtime, id, pod, ns, ctr, e && e->pod ? e->pod : "(null)",
	      e && e->pod_namespace ? e->pod_namespace : "(null)",
	      e && e->container ? e->container : "(null)");
#undef SAME
}

static void test_meta(void)
{
	static const struct {
		const char *json, *want;
	} js[] = {
		{ "{\"a\":{\"b\":\"x\"}}", "x" },
		{ " { \"a\" : { \"c\": [1, {\"b\": \"no\"}], \"b\" : \"y\\n\\u00e9\\\"\" } } ", "y\n\xc3\xa9\"" },
		{ "{\"b\":\"top\",\"a\":{}}", NULL },
		{ "{\"a\":{\"b\":1}}", NULL },
		{ "{\"a\":{\"b\":\"x\"}", NULL },		/* unclosed */
		{ "{\"a\":{\"b\":\"x", NULL },
		{ "{\"a\":{\"b\":\"\\ud800\\u0000\"}}", "??" },
		{ "[\"a\"]", NULL },
		{ "", NULL },
		{ "{\"a\":{\"b\":\"\\x\"}}", NULL },
	};
	static const char *const path[] = { "a", "b" };
	struct cw_meta m;
	char root[4200];
	size_t i;

	for (i = 0; i < sizeof(js) / sizeof(js[0]); i++) {
		char *got = cw_json_get(js[i].json, strlen(js[i].json), path, 2);

		CHECK(js[i].want ? got && !strcmp(got, js[i].want) : !got,
		      "json %s: want %s, got %s", js[i].json,
		      js[i].want ? js[i].want : "(null)", got ? got : "(null)");
		free(got);
	}

	snprintf(root, sizeof(root), "%s/fixtures/runtime", unit_dir);
	if (cw_meta_init(&m, root))
		abort();
	meta_is(&m, "containerd", HEX_A, "shop-7d9f\xc3\xa9", "prod", "app");
	meta_is(&m, "crio", HEX_C, "front-5c6b", "edge", "web");
	/* The top-level Name, not a mount point's. */
	meta_is(&m, "docker", HEX_B, NULL, NULL, "billing-worker");
	/* Not there, or a runtime without files: unknown, not a failure. */
	meta_is(&m, "containerd", HEX_B, NULL, NULL, NULL);
	meta_is(&m, "podman", HEX_A, NULL, NULL, NULL);
	CHECK(m.n == 5, "five lookups cached, got %zu", m.n);
	/* A second lookup is the cached entry. */
	meta_is(&m, "crio", HEX_C, "front-5c6b", "edge", "web");
	CHECK(m.n == 5, "the cache answers again, got %zu", m.n);
	cw_meta_free(&m);

	/* A root that does not exist: every name unknown. */
	if (cw_meta_init(&m, "/nonexistent/cwstat"))
		abort();
	meta_is(&m, "docker", HEX_B, NULL, NULL, NULL);
	cw_meta_free(&m);
}

/* Every byte a name may hold that could break a format. */
static const char *const nasty_paths[] = {
	"/q\"uote", "/back\\slash", "/new\nline", "/tab\there",
	"/caf\xc3\xa9", "/whale\xf0\x9f\x90\xb3", "/bad\xff",
	"/trunc\xc3/x", "/over\xc0\xaf",
	"/over3\xe0\x80\xaf\xf0\x80\x80\xaf", "/big\xf4\x90\x80\x80",
	"/surrogate\xed\xa0\x80",
	"/c1\xc2\x85nel", "/esc\x1b[31mred\x7f", "/cr\rbs\bff\f",
};

static void nasty_snapshot(struct cw_snapshot *s)
{
	struct cw_netns *n;
	size_t i, np = sizeof(nasty_paths) / sizeof(nasty_paths[0]);

	memset(s, 0, sizeof(*s));
	s->version = 1;
	s->source = CW_SOURCE_FILE;
	s->total = counts(np, 0, 0, 1);
	n = netns(s, 4026532400ULL, counts(np, 0, 0, 1));
	for (i = 0; i < np; i++)
		cgroup(n, 10 + i, nasty_paths[i], counts(1, 0, 0, 1));
}

static struct cw_netns_name nasty_name_v[] = {
	{ .ns = 4026532400ULL, .name = (char[]){ "ns\n\"x\"\xff" } },
};

static const struct cw_names nasty_names = { nasty_name_v, 1 };

static char *render(const struct cw_snapshot *s,
		    const struct cw_output_opts *o, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	*ret = cw_output(f, s, o);
	if (fclose(f))
		abort();
	return buf;
}

static void expect_opts(const char *name, const struct cw_snapshot *s,
			const struct cw_output_opts *o);

/* Renders and compares with expected/@name. */
static void expect(const char *name, const struct cw_snapshot *s,
		   enum cw_format fmt, enum cw_by by,
		   const struct cw_names *names, const struct cw_rows *prev)
{
	struct cw_output_opts o = {
		.format = fmt, .by = by, .names = names, .prev = prev,
	};

	expect_opts(name, s, &o);
}

static void expect_opts(const char *name, const struct cw_snapshot *s,
			const struct cw_output_opts *op)
{
	const struct cw_output_opts o = *op;
	char path[256], *want, *got;
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "expected/%s", name);
	want = unit_read(path, NULL);
	got = render(s, &o, &ret);
	CHECK(ret == 0, "%s: cw_output returns 0, got %d", name, ret);
	for (i = 0; want[i] && want[i] == got[i]; i++)
		;
	if (!CHECK(!strcmp(want, got),
		   "%s: differs at byte %zu, see /tmp/%s.actual", name, i,
		   name)) {
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/%s.actual", name);
		f = fopen(path, "w");
		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	free(want);
	free(got);
}

static void test_formats(void)
{
	struct cw_snapshot s;
	struct cw_output_opts o = { .format = CW_FMT_JSON, .by = CW_BY_NETNS };
	char *a, *b;
	int ret;

	demo_snapshot(&s);
	expect("table-demo-tree.txt", &s, CW_FMT_TABLE, CW_BY_TREE,
	       &demo_names, NULL);
	expect("table-demo-tree-nonames.txt", &s, CW_FMT_TABLE, CW_BY_TREE,
	       NULL, NULL);
	expect("table-demo-total.txt", &s, CW_FMT_TABLE, CW_BY_TOTAL,
	       &demo_names, NULL);
	expect("table-demo-netns.txt", &s, CW_FMT_TABLE, CW_BY_NETNS,
	       &demo_names, NULL);
	expect("table-demo-cgroup.txt", &s, CW_FMT_TABLE, CW_BY_CGROUP,
	       &demo_names, NULL);
	expect("json-demo.json", &s, CW_FMT_JSON, CW_BY_TREE, &demo_names,
	       NULL);
	expect("prom-demo.prom", &s, CW_FMT_PROM, CW_BY_TREE, &demo_names,
	       NULL);

	/* json and prom are always the whole tree, whatever --by says. */
	o.names = &demo_names;
	a = render(&s, &o, &ret);
	o.by = CW_BY_TREE;
	b = render(&s, &o, &ret);
	CHECK(!strcmp(a, b), "json ignores --by: %s", a);
	free(a);
	free(b);
	/* prom follows --by (it ignored it before issue 18). */
	expect("prom-demo-total.prom", &s, CW_FMT_PROM, CW_BY_TOTAL,
	       &demo_names, NULL);
	expect("prom-demo-netns.prom", &s, CW_FMT_PROM, CW_BY_NETNS,
	       &demo_names, NULL);
	cw_snapshot_free(&s);

	memset(&s, 0, sizeof(s));
	s.version = 1;
	s.source = CW_SOURCE_FILE;
	expect("table-empty-tree.txt", &s, CW_FMT_TABLE, CW_BY_TREE, NULL,
	       NULL);
	expect("table-empty-container.txt", &s, CW_FMT_TABLE,
	       CW_BY_CONTAINER, NULL, NULL);
	expect("json-empty.json", &s, CW_FMT_JSON, CW_BY_TREE, NULL, NULL);
	expect("prom-empty.prom", &s, CW_FMT_PROM, CW_BY_TREE, NULL, NULL);

	k8s_snapshot(&s);
	expect("table-k8s-tree.txt", &s, CW_FMT_TABLE, CW_BY_TREE, NULL,
	       NULL);
	expect("table-k8s-cgroup.txt", &s, CW_FMT_TABLE, CW_BY_CGROUP, NULL,
	       NULL);
	expect("table-k8s-container.txt", &s, CW_FMT_TABLE, CW_BY_CONTAINER,
	       NULL, NULL);
	expect("json-k8s.json", &s, CW_FMT_JSON, CW_BY_TREE, NULL, NULL);
	expect("prom-k8s.prom", &s, CW_FMT_PROM, CW_BY_TREE, NULL, NULL);
	cw_snapshot_free(&s);

	nasty_snapshot(&s);
	expect("table-nasty-tree.txt", &s, CW_FMT_TABLE, CW_BY_TREE,
	       &nasty_names, NULL);
	expect("json-nasty.json", &s, CW_FMT_JSON, CW_BY_TREE, &nasty_names,
	       NULL);
	expect("prom-nasty.prom", &s, CW_FMT_PROM, CW_BY_TREE, &nasty_names,
	       NULL);
	cw_snapshot_free(&s);
}

/* Watch: the previous sample's rows add a CHANGE column. */
static void test_change(void)
{
	struct cw_snapshot prev, cur;
	struct cw_rows prev_rows;
	struct cw_netns *n;
	enum cw_by by[] = { CW_BY_NETNS, CW_BY_TREE, CW_BY_TOTAL };
	static const char *const file[] = {
		"table-change-netns.txt", "table-change-tree.txt",
		"table-change-total.txt",
	};
	size_t i;

	/*
	 * Before: shop 37, billing 8, same 2. After: shop 40 (+3), billing 7
	 * (-1), same 2 (0), and a new one; the total goes from 47 to 50.
	 */
	memset(&prev, 0, sizeof(prev));
	prev.total = counts(47, 0, 0, 1);
	n = netns(&prev, NS_SHOP, counts(37, 0, 0, 1));
	cgroup(n, 40, "/demo/shop", counts(37, 0, 0, 1));
	n = netns(&prev, NS_BILLING, counts(8, 0, 0, 1));
	cgroup(n, 57, "/demo/billing", counts(8, 0, 0, 1));
	n = netns(&prev, 4026532250ULL, counts(2, 0, 0, 1));
	cgroup(n, 95, "/demo/same", counts(2, 0, 0, 1));

	demo_snapshot(&cur);
	cur.total.close_wait += 3;
	cur.total.oldest_idle_s = 9;
	n = netns(&cur, 4026532250ULL, counts(2, 0, 0, 9));
	cgroup(n, 95, "/demo/same", counts(2, 0, 0, 9));
	n = netns(&cur, 4026532200ULL, counts(1, 0, 0, 0));
	cgroup(n, 90, "/demo/new", counts(1, 0, 0, 0));
	for (i = 0; i < sizeof(by) / sizeof(by[0]); i++) {
		if (cw_rows_build(&prev_rows, &prev, by[i], NULL))
			abort();
		expect(file[i], &cur, CW_FMT_TABLE, by[i], NULL, &prev_rows);
		cw_rows_free(&prev_rows);
	}
	cw_snapshot_free(&prev);
	cw_snapshot_free(&cur);
}

static void test_write_error(void)
{
	struct cw_output_opts o = { .format = CW_FMT_TABLE };
	struct cw_snapshot s;
	FILE *f = fopen("/dev/full", "w");
	int ret;

	if (!f)
		return;
	demo_snapshot(&s);
	errno = 0;
	ret = cw_output(f, &s, &o);
	CHECK(ret == -1 && errno == ENOSPC,
	      "a full disk is an error: ret %d errno %d", ret, errno);
	fclose(f);

	/* Unbuffered, the first write fails rather than the flush. */
	f = fopen("/dev/full", "w");
	if (!f)
		abort();
	setvbuf(f, NULL, _IONBF, 0);
	o.format = CW_FMT_JSON;
	errno = 0;
	ret = cw_output(f, &s, &o);
	CHECK(ret == -1 && errno == ENOSPC,
	      "a failed write is an error: ret %d errno %d", ret, errno);
	fclose(f);
	cw_snapshot_free(&s);
}

static void container_is(const char *path, const char *want)
{
	char buf[64] = "unchanged";
	bool ok = cw_container_of(path, buf, sizeof(buf));

	if (want)
		CHECK(ok && !strcmp(buf, want), "%s -> %s, got %s (%d)", path,
		      want, buf, ok);
	else
		CHECK(!ok, "%s is no container, got %s", path, buf);
}

static void test_container_of(void)
{
	char small[16];

	/* systemd cgroup driver */
	container_is("/system.slice/docker-" HEX_A ".scope",
		     "docker:0123456789ab");
	container_is("/kubepods.slice/kubepods-besteffort.slice/"
		     "kubepods-besteffort-pod" UID_ ".slice/cri-containerd-"
		     HEX_B ".scope", "containerd:fedcba987654");
	container_is("/kubepods.slice/kubepods-burstable.slice/"
		     "kubepods-burstable-pod" UID_ ".slice/crio-" HEX_A
		     ".scope", "crio:0123456789ab");
	/* cgroupfs driver */
	container_is("/docker/" HEX_B, "docker:fedcba987654");
	container_is("/kubepods/burstable/pod" UID "/" HEX_A,
		     "containerd:0123456789ab");
	container_is("/kubepods/pod" UID "/" HEX_B,
		     "containerd:fedcba987654");
	container_is("/kubepods/besteffort/pod" UID "/crio-" HEX_A,
		     "crio:0123456789ab");
	/* podman, rootful and rootless with its nested cgroup */
	container_is("/machine.slice/libpod-" HEX_A ".scope",
		     "podman:0123456789ab");
	container_is("/user.slice/user-1000.slice/user@1000.service/"
		     "user.slice/libpod-" HEX_B ".scope/container",
		     "podman:fedcba987654");
	/* docker in docker: the innermost */
	container_is("/docker/" HEX_A "/docker/" HEX_B,
		     "docker:fedcba987654");
	/* a pod without a container component */
	container_is("/kubepods.slice/kubepods-besteffort.slice/"
		     "kubepods-besteffort-pod" UID_ ".slice", "pod:" UID);
	container_is("/kubepods.slice/kubepods-pod" UID_ ".slice",
		     "pod:" UID);
	container_is("/kubepods/burstable/pod" UID, "pod:" UID);
	container_is("/kubepods.slice/kubepods-burstable.slice/"
		     "kubepods-burstable-pod0123456789abcdef0123456789abcdef"
		     ".slice", "pod:0123456789abcdef0123456789abcdef");
	/* a near miss after the pod must not spoil its uid */
	container_is("/kubepods/burstable/pod" UID "/pod1b2c3d4e-5f60-x",
		     "pod:" UID);

	container_is("/user.slice/user-1000.slice/session-3.scope", NULL);
	container_is("/system.slice/docker-" HEX_A "0.scope", NULL);
	container_is("/system.slice/docker-"
		     "0123456789abcdef0123456789abcdef0123456789abcdef"
		     "0123456789abcde.scope", NULL);	/* 63 hex */
	container_is("/docker/"
		     "0123456789abcdef0123456789abcdef0123456789abcdef"
		     "0123456789abcde", NULL);
	container_is("/system.slice/docker-"
		     "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
		     "0123456789ABCDEF.scope", NULL);
	container_is("/system.slice/docker-" HEX_A ".scopex", NULL);
	container_is("/system.slice/" HEX_A, NULL);
	container_is("/system.slice/crio-conmon-" HEX_A ".scope", NULL);
	container_is("/kubepods/burstable/podnot-a-uid", NULL);
	container_is("/kubepods.slice/kubepods-besteffort.slice/"
		     "kubepods-besteffort-pod1b2c3d4e_5f60_4a7b_8c9d.slice",
		     NULL);
	/* pod<uid> counts only under kubepods */
	container_is("/other/pod" UID, NULL);
	container_is("/", NULL);
	container_is("?", NULL);
	container_is("", NULL);
	CHECK(!cw_container_of("/docker/" HEX_A, small, sizeof(small)),
	      "a buffer too small for %s fails", "docker:<12>");
}

static void test_rows(void)
{
	struct cw_snapshot s;
	struct cw_rows r;
	const struct cw_row *row;
	enum cw_by by;
	static const char *const bys[] = {
		"tree", "total", "netns", "cgroup", "container",
	};
	size_t i;

	for (i = 0; i < sizeof(bys) / sizeof(bys[0]); i++)
		CHECK(cw_by_parse(bys[i], &by) &&
		      !strcmp(cw_by_name(by), bys[i]),
		      "--by %s round-trips", bys[i]);
	CHECK(!cw_by_parse("pod", &by), "--by pod is refused");
	CHECK(!cw_by_parse("", &by), "--by '' is refused");

	k8s_snapshot(&s);

	CHECK(!cw_rows_build(&r, &s, CW_BY_TOTAL, NULL), "by total builds");
	CHECK(r.n == 1 && r.v[0].kind == CW_ROW_TOTAL &&
	      !strcmp(r.v[0].key, "total") &&
	      !strcmp(r.v[0].label, "total") && r.v[0].c.close_wait == 22,
	      "by total: one row of 22, got %zu", r.n);
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_NETNS, &demo_names),
	      "by netns builds");
	/* Ties on close_wait go to the lower inode, as in the module. */
	CHECK(r.n == 2 && r.v[0].ns == NS_HOST && r.v[1].ns == NS_POD &&
	      !strcmp(r.v[0].key, "ns:4026531840") &&
	      !strcmp(r.v[0].label, "netns 4026531840") &&
	      r.v[0].kind == CW_ROW_NETNS && r.v[0].depth == 0,
	      "by netns: host then pod, got %zu rows, %s", r.n,
	      r.n ? r.v[0].key : "");
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_TREE, NULL), "tree builds");
	CHECK(r.n == 9, "tree: 2 netns + 7 cgroups, got %zu", r.n);
	CHECK(r.n == 9 && r.v[0].kind == CW_ROW_NETNS &&
	      r.v[1].kind == CW_ROW_CGROUP && r.v[1].depth == 1 &&
	      r.v[1].ns == NS_HOST && r.v[1].cgroup_id == 2003 &&
	      !strcmp(r.v[1].key, "cg:4026531840:2003") &&
	      r.v[6].kind == CW_ROW_NETNS && r.v[6].ns == NS_POD &&
	      !strcmp(r.v[8].key, "cg:4026532300:1002"),
	      "tree: the snapshot's order, cgroups under their netns");
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_CGROUP, NULL), "by cgroup builds");
	row = cw_rows_find(&r, "cg:1001");
	CHECK(row && row->c.close_wait == 10 && row->c.recvq_bytes == 4100 &&
	      row->c.oldest_idle_s == 600 && row->kind == CW_ROW_CGROUP &&
	      row->cgroup_id == 1001 && row->ns == 0,
	      "cgroup 1001 summed over both netns: %" PRIu64,
	      row ? row->c.close_wait : 0);
	/* 999 before 1002: ids compare as numbers, not as key strings. */
	CHECK(r.n == 6 && r.v[0].cgroup_id == 1001 &&
	      r.v[1].cgroup_id == 2003 && r.v[2].cgroup_id == 2001 &&
	      r.v[3].cgroup_id == 999 && r.v[4].cgroup_id == 1002,
	      "by cgroup: close_wait descending, then id, got %zu", r.n);
	CHECK(!cw_rows_find(&r, "cg:4026532300:1001"),
	      "tree keys are not by-cgroup keys");
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_CONTAINER, NULL),
	      "by container builds");
	row = cw_rows_find(&r, "ct:containerd:0123456789ab");
	CHECK(row && row->c.close_wait == 10 && row->kind == CW_ROW_CONTAINER &&
	      !strcmp(row->label, "containerd:0123456789ab"),
	      "a container summed over netns: %" PRIu64,
	      row ? row->c.close_wait : 0);
	row = cw_rows_find(&r, "ct:?");
	CHECK(row && row->c.close_wait == 3 && !strcmp(row->label, "?"),
	      "unresolved paths share a row: %" PRIu64,
	      row ? row->c.close_wait : 0);
	row = cw_rows_find(&r, "ct:" SESSION);
	CHECK(row && row->c.close_wait == 4 && !strcmp(row->label, SESSION),
	      "no container: the path is key and label");
	CHECK(r.n == 5 && r.v[0].c.close_wait == 10 &&
	      r.v[4].c.close_wait == 2 && !strcmp(r.v[4].key, "ct:pod:" UID),
	      "by container: 5 rows, descending, got %zu", r.n);
	CHECK(!cw_rows_find(&r, "ct:nope") && !cw_rows_find(NULL, "total"),
	      "cw_rows_find misses cleanly");
	cw_rows_free(&r);
	CHECK(r.n == 0 && !r.v, "cw_rows_free empties");
	cw_snapshot_free(&s);
}

/*
 * Paths the module cut at PATH_MAX: two cgroups whose first 4095 bytes are
 * the same stay two rows by container, and every view says which is cut.
 */
static void test_path_cut(void)
{
	struct cw_output_opts o = { .format = CW_FMT_JSON, .by = CW_BY_TREE };
	struct cw_snapshot s = { .version = 1, .source = CW_SOURCE_MODULE };
	struct cw_netns *n;
	struct cw_rows r;
	const struct cw_row *row;
	char *cut, *got;
	int ret;

	cut = malloc(4096);
	if (!cut)
		abort();
	memset(cut, 'a', 4095);
	cut[0] = '/';
	cut[4095] = '\0';
	s.total = counts(6, 0, 0, 1);
	n = netns(&s, NS_HOST, counts(6, 0, 0, 1));
	cgroup(n, 71, cut, counts(2, 0, 0, 1));
	cgroup(n, 72, cut, counts(3, 0, 0, 1));
	cgroup(n, 73, "/short", counts(1, 0, 0, 1));
	n->cgroups[0].path_cut = true;
	n->cgroups[1].path_cut = true;

	CHECK(!cw_rows_build(&r, &s, CW_BY_CONTAINER, NULL),
	      "cut: by container builds");
	CHECK(r.n == 3, "cut: two cut paths alike stay two rows, got %zu",
	      r.n);
	row = r.n ? &r.v[0] : NULL;
	CHECK(row && row->c.close_wait == 3 &&
	      strlen(row->label) == 4095 + strlen(" [cut, id 72]") &&
	      !strcmp(row->label + 4095, " [cut, id 72]"),
	      "cut: the label names the cut and the id");
	row = cw_rows_find(&r, "ct:/short");
	CHECK(row && !strcmp(row->label, "/short"),
	      "cut: a whole path keeps its plain label");
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_TREE, NULL), "cut: tree builds");
	CHECK(r.n == 4 && !strcmp(r.v[1].label + 4095, " [cut, id 71]") &&
	      !strcmp(r.v[3].label, "/short") && !strcmp(r.v[1].path, cut),
	      "cut: tree labels say cut, the path stays the module's");
	cw_rows_free(&r);

	CHECK(!cw_rows_build(&r, &s, CW_BY_CGROUP, NULL),
	      "cut: by cgroup builds");
	row = cw_rows_find(&r, "cg:72");
	CHECK(row && !strcmp(row->label + 4095, " [cut, id 72]"),
	      "cut: by cgroup labels say cut");
	cw_rows_free(&r);

	got = render(&s, &o, &ret);
	CHECK(ret == 0 && strstr(got, "\"id\":71,\"path\":\"/aaa") &&
	      strstr(got, "\"path_cut\":true,\"container\":null") &&
	      strstr(got, "\"id\":73,\"path\":\"/short\",\"path_cut\":false,"),
	      "cut: json has path_cut per cgroup");
	free(got);
	free(cut);
	cw_snapshot_free(&s);
}

static char tmpdir[] = "/tmp/cwstat-unit-XXXXXX";

/* A file holding @content under the temp dir, or with NULL a directory. */
static void mk(const char *name, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (!content) {
		if (mkdir(path, 0755) && errno != EEXIST)
			abort();
		return;
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

static void ln(const char *target, const char *link)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, link);
	if (symlink(target, path))
		abort();
}

/* Of @name under the temp dir, or of an absolute @name. */
static uint64_t inode_of(const char *name)
{
	char buf[512];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s%s%s", *name == '/' ? "" : tmpdir,
		 *name == '/' ? "" : "/", name);
	if (stat(buf, &st))
		abort();
	return st.st_ino;
}

/* A fake process: <tmp>/proc/PID/ns/net -> a stand-in netns file. */
static void fake_pid(const char *pid, const char *netns, const char *comm)
{
	char path[64];

	snprintf(path, sizeof(path), "proc/%s", pid);
	mk(path, NULL);
	snprintf(path, sizeof(path), "proc/%s/ns", pid);
	mk(path, NULL);
	snprintf(path, sizeof(path), "proc/%s/ns/net", pid);
	ln(netns, path);
	if (comm) {
		snprintf(path, sizeof(path), "proc/%s/comm", pid);
		mk(path, comm);
	}
}

static void rm_rf(const char *path)
{
	char sub[512];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/*
 * A fake /run/netns and /proc. Symlinks cannot fake a netns inode, but
 * stat() follows them: regular files stand in for the nsfs files and their
 * real inode numbers are what gets asked for.
 */
static void test_names_fake(void)
{
	char run[512], proc[512];
	uint64_t a, b, c, dir, ver, ask[7];
	const struct cw_netns_name *e;
	struct cw_names names;
	char pid[16];
	int i;

	if (!mkdtemp(tmpdir))
		abort();
	mk("ns", NULL);
	mk("ns/a", "");
	mk("ns/b", "");
	mk("ns/c", "");
	mk("ns/d", "");
	mk("run", NULL);
	/*
	 * Several names and pids per netns, so that whatever order readdir
	 * gives, keeping the first or the last found would show.
	 */
	ln("../ns/a", "run/zshop");
	ln("../ns/a", "run/tshop");
	ln("../ns/a", "run/shop");
	ln("../ns/a", "run/vshop");
	ln("../ns/a", "run/ushop");
	mk("run/dir", NULL);
	/* A regular file, but on procfs, not on the nsfs of <proc>/self. */
	ln("/proc/version", "run/version");
	mk("proc", NULL);
	fake_pid("self", "../../../ns/a", NULL);
	fake_pid("42", "../../../ns/b", "worker\n");
	for (i = 0; i < 30; i++) {
		snprintf(pid, sizeof(pid), "%d", 43 + 997 * i);
		fake_pid(pid, "../../../ns/b", "nginx\n");
	}
	fake_pid("7", "../../../ns/a", "init\n");
	fake_pid("12", "../../../ns/c", NULL);
	fake_pid("99", "../../../ns/d", "other\n");
	fake_pid("0x10", "../../../ns/c", "hex\n");
	mk("proc/5", NULL);

	a = inode_of("ns/a");
	b = inode_of("ns/b");
	c = inode_of("ns/c");
	dir = inode_of("run/dir");
	ver = inode_of("/proc/version");
	ask[0] = b;
	ask[1] = a;
	ask[2] = c;
	ask[3] = dir;
	ask[4] = ver;
	ask[5] = a;
	ask[6] = 12345;
	snprintf(run, sizeof(run), "%s/run", tmpdir);
	snprintf(proc, sizeof(proc), "%s/proc", tmpdir);

	CHECK(!cw_names_load(&names, ask, 7, run, proc), "names load");
	CHECK(names.n == 6, "duplicates asked once: %zu", names.n);
	e = cw_names_find(&names, a);
	CHECK(e && e->name && !strcmp(e->name, "shop"),
	      "two names: the smallest, got %s", e && e->name ? e->name : "-");
	CHECK(e && e->pid == 7 && !strcmp(e->comm, "init"),
	      "netns a: pid 7 init, got %d %s", e ? e->pid : -1,
	      e ? e->comm : "");
	e = cw_names_find(&names, b);
	CHECK(e && !e->name && e->pid == 42 && !strcmp(e->comm, "worker"),
	      "netns b: the lowest pid, 42 worker, got %d %s",
	      e ? e->pid : -1, e ? e->comm : "");
	e = cw_names_find(&names, c);
	CHECK(e && e->pid == 12 && !e->comm[0],
	      "netns c: pid 12 (not 0x10), no comm, got %d '%s'",
	      e ? e->pid : -1, e ? e->comm : "");
	e = cw_names_find(&names, dir);
	CHECK(e && !e->name && !e->pid, "a directory is no netns");
	e = cw_names_find(&names, ver);
	CHECK(e && !e->name, "a file off the nsfs device is no netns");
	e = cw_names_find(&names, 12345);
	CHECK(e && !e->name && !e->pid, "an inode nobody has: nothing known");
	CHECK(!cw_names_find(&names, inode_of("ns/d")),
	      "an inode not asked for is not looked up");
	cw_names_free(&names);
	CHECK(!names.n && !names.v, "cw_names_free empties");

	/*
	 * Everything asked for has a pid early; outside procfs the scan
	 * must still go on, as readdir order says nothing about pids.
	 */
	CHECK(!cw_names_load(&names, &b, 1, run, proc), "names load: b");
	e = cw_names_find(&names, b);
	CHECK(e && e->pid == 42, "netns b alone: still pid 42, got %d",
	      e ? e->pid : -1);
	cw_names_free(&names);

	CHECK(!cw_names_load(&names, NULL, 0, run, proc) && !names.n,
	      "nothing asked, nothing loaded");
	CHECK(!cw_names_find(NULL, a), "no names: no name");
	rm_rf(tmpdir);
}

/* The real /proc, where the scan stops early: still the lowest pid. */
static void test_names_proc(void)
{
	struct cw_names names;
	const struct cw_netns_name *e;
	struct dirent *de;
	struct stat st;
	long lowest = 0;
	uint64_t self;
	DIR *d;

	if (stat("/proc/self/ns/net", &st))
		return;
	self = st.st_ino;
	CHECK(!cw_names_load(&names, &self, 1, "/nonexistent", "/proc"),
	      "names load from /proc");
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		char path[300];
		long pid = atol(de->d_name);

		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (pid > 0 && !stat(path, &st) && st.st_ino == self &&
		    (!lowest || pid < lowest))
			lowest = pid;
	}
	if (d)
		closedir(d);
	e = cw_names_find(&names, self);
	CHECK(e && e->pid == lowest && e->pid <= getpid() && e->comm[0] &&
	      !strchr(e->comm, '\n'),
	      "own netns: lowest pid %ld, got %d '%s'", lowest,
	      e ? e->pid : -1, e ? e->comm : "");
	cw_names_free(&names);
}

/* What cwstat serve answers to each scraper's Accept header. */
static void test_negotiate(void)
{
	static const struct {
		const char *accept;
		enum cw_format want;
	} cases[] = {
		/* Prometheus 2.42's, and since 2.49 with a text fallback */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  CW_FMT_OPENMETRICS },
		{ "application/openmetrics-text; version=1.0.0; charset=utf-8", CW_FMT_OPENMETRICS },
		{ "application/openmetrics-text", CW_FMT_OPENMETRICS },
		{ "Application/OpenMetrics-Text;Version=\"1.0.0\"", CW_FMT_OPENMETRICS },
		/* Prometheus with scrape_protocols text first, curl, browsers */
		{ "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5", CW_FMT_PROM },
		{ "*/*", CW_FMT_PROM },
		{ "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", CW_FMT_PROM },
		{ "", CW_FMT_PROM },
		{ NULL, CW_FMT_PROM },
		/* a tie goes to text; q=0 refuses; an OpenMetrics we do not write */
		{ "text/plain, application/openmetrics-text", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0, text/plain;q=0.1", CW_FMT_PROM },
		{ "application/openmetrics-text;version=2.0.0", CW_FMT_PROM },
		{ "application/openmetrics-text;version=0.0.1", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0.9,text/plain;version=0.0.5", CW_FMT_OPENMETRICS },
		/* malformed qualities count for nothing */
		{ "application/openmetrics-text;q=2,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0.9x", CW_FMT_PROM },
		{ ";;,,;q=1", CW_FMT_PROM },
		/* strtod() would have taken these (nan was UB in the cast) */
		{ "application/openmetrics-text;q=nan,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=1e-1,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0x1,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=1.001,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0.5001,text/plain;q=0.5", CW_FMT_PROM },
		{ "application/openmetrics-text;q=0.501,text/plain;q=0.5", CW_FMT_OPENMETRICS },
		{ "application/openmetrics-text;q=1.,text/plain;q=0.5", CW_FMT_OPENMETRICS },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(cw_output_negotiate(cases[i].accept) == cases[i].want,
		      "Accept: %s -> %s", cases[i].accept ? cases[i].accept : "(none)",
		      cases[i].want == CW_FMT_OPENMETRICS ? "openmetrics" : "text");
	CHECK(!strcmp(cw_output_content_type(CW_FMT_OPENMETRICS),
		      "application/openmetrics-text; version=1.0.0; charset=utf-8") &&
	      !strcmp(cw_output_content_type(CW_FMT_PROM),
		      "text/plain; version=0.0.4; charset=utf-8"), "content types");
}

void test_output(void)
{
	test_negotiate();
	test_formats();
	test_live();
	test_meta();
	test_change();
	test_write_error();
	test_container_of();
	test_rows();
	test_path_cut();
	test_names_fake();
	test_names_proc();
}

// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meta.h"

/* Runtime files are a few KB; a bigger one is not what we look for. */
#define META_FILE_MAX	(4u << 20)
/* Containers remembered per run; a node runs a few hundred at most. */
#define META_CACHE_MAX	4096
/* Nesting deeper than this is not an OCI or Docker config. */
#define JSON_DEPTH_MAX	64

struct json {
	const char *p, *end;
	int depth;
};

static void ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A string at j->p (at its '"'); decoded into @out (NULL: skipped).
 * Surrogates and NUL become '?': a name is for labels, not round trips.
 */
static bool string(struct json *j, char **out)
{
	char *buf = NULL;
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	if (out) {
		/* Decoded is never longer than raw (\uffff: 6 bytes -> 3). */
		buf = malloc((size_t)(j->end - j->p) + 1);
		if (!buf)
			return false;
	}
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		unsigned int u;
		int k, h;

		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			if (buf)
				buf[n++] = (char)c;
			continue;
		}
		if (j->p >= j->end)
			goto bad;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (j->end - j->p < 4)
				goto bad;
			for (u = 0, k = 0; k < 4; k++) {
				h = hexval(j->p[k]);
				if (h < 0)
					goto bad;
				u = u * 16 + (unsigned int)h;
			}
			j->p += 4;
			if (!buf)
				continue;
			if (!u || (u >= 0xd800 && u <= 0xdfff)) {
				buf[n++] = '?';
			} else if (u < 0x80) {
				buf[n++] = (char)u;
			} else if (u < 0x800) {
				buf[n++] = (char)(0xc0 | u >> 6);
				buf[n++] = (char)(0x80 | (u & 0x3f));
			} else {
				buf[n++] = (char)(0xe0 | u >> 12);
				buf[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
				buf[n++] = (char)(0x80 | (u & 0x3f));
			}
			continue;
		default:
			goto bad;
		}
		if (buf)
			buf[n++] = (char)c;
	}
	if (j->p >= j->end)
		goto bad;
	j->p++;
	if (buf) {
		buf[n] = '\0';
		*out = buf;
	}
	return true;
bad:
	free(buf);
	return false;
}

static bool value(struct json *j, const char *const *path, size_t depth,
		  char **out);

/* An object at j->p; the member path[0] is followed down, or returned. */
static bool object(struct json *j, const char *const *path, size_t depth,
		   char **out)
{
	bool first = true;

	j->p++;
	for (;;) {
		char *key = NULL;
		bool want;

		ws(j);
		if (j->p < j->end && *j->p == '}' && first) {
			j->p++;
			return true;
		}
		if (!string(j, &key))
			return false;
		want = depth && !*out && !strcmp(key, path[0]);
		free(key);
		ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return false;
		ws(j);
		if (want && depth == 1) {
			if (j->p < j->end && *j->p == '"') {
				if (!string(j, out))
					return false;
			} else if (!value(j, NULL, 0, out)) {
				return false;
			}
		} else if (!value(j, want ? path + 1 : NULL,
				  want ? depth - 1 : 0, out)) {
			return false;
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			first = false;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return true;
		}
		return false;
	}
}

static bool array(struct json *j, char **out)
{
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		ws(j);
		if (!value(j, NULL, 0, out))
			return false;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		return false;
	}
}

static bool literal(struct json *j)
{
	const char *s = j->p;

	/* Numbers, true, false, null: their syntax matters not here. */
	while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p) &&
	       *j->p)
		j->p++;
	return j->p > s;
}

static bool value(struct json *j, const char *const *path, size_t depth,
		  char **out)
{
	bool ok;

	ws(j);
	if (j->p >= j->end)
		return false;
	if (*j->p == '"')
		return string(j, NULL);
	if (*j->p != '{' && *j->p != '[')
		return literal(j);
	if (++j->depth > JSON_DEPTH_MAX)
		return false;
	ok = *j->p == '{' ? object(j, path, depth, out) : array(j, out);
	j->depth--;
	return ok;
}

char *cw_json_get(const char *buf, size_t len, const char *const *path,
		  size_t depth)
{
	struct json j = { buf, buf + len, 0 };
	char *out = NULL;

	ws(&j);
	if (!depth || j.p >= j.end || *j.p != '{' ||
	    !value(&j, path, depth, &out)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The whole of @path, or NULL (missing, unreadable, too big). */
static char *read_file(const char *path, size_t *len)
{
	size_t n = 0, cap = 16384;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		ssize_t got;

		if (n == cap) {
			char *nb = cap < META_FILE_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	*len = n;
	return buf;
}

/* The first of @keys found at @prefix..., key: annotations or labels. */
static char *first_of(const char *buf, size_t len, const char *prefix,
		      const char *prefix2, const char *const *keys)
{
	const char *path[3] = { prefix, prefix2, NULL };
	size_t depth = prefix2 ? 3 : 2;
	char *v = NULL;

	for (; *keys && !v; keys++) {
		path[depth - 1] = *keys;
		v = cw_json_get(buf, len, path, depth);
		if (v && !*v) {
			free(v);
			v = NULL;
		}
	}
	return v;
}

static const char *const pod_keys[] = {
	"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name", NULL,
};
static const char *const ns_keys[] = {
	"io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace",
	NULL,
};
static const char *const ctr_keys[] = {
	"io.kubernetes.container.name", "io.kubernetes.cri.container-name",
	NULL,
};

/* An OCI bundle's config.json: the CRI annotations. */
static bool from_oci(struct cw_meta_entry *e, const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);

	if (!buf)
		return false;
	e->pod = first_of(buf, len, "annotations", NULL, pod_keys);
	e->pod_namespace = first_of(buf, len, "annotations", NULL, ns_keys);
	e->container = first_of(buf, len, "annotations", NULL, ctr_keys);
	free(buf);
	return true;
}

static void from_containerd(struct cw_meta *m, struct cw_meta_entry *e)
{
	char dir[4096], path[8192];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/run/containerd/io.containerd.runtime.v2.task",
		 m->root);
	d = opendir(dir);
	if (!d)
		return;
	/* The containerd namespace ("k8s.io", "moby", ...) is not in the path. */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir,
			 de->d_name, e->id);
		if (from_oci(e, path))
			break;
	}
	closedir(d);
}

static void from_crio(struct cw_meta *m, struct cw_meta_entry *e)
{
	static const char *const stores[] = {
		"/run/containers/storage", "/var/lib/containers/storage",
	};
	char path[4400];
	size_t i;

	for (i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
		snprintf(path, sizeof(path),
			 "%s%s/overlay-containers/%s/userdata/config.json",
			 m->root, stores[i], e->id);
		if (from_oci(e, path))
			return;
	}
}

/* In the object at j->p, move j->p to the value of member @key. */
static bool seek_member(struct json *j, const char *key)
{
	ws(j);
	if (j->p >= j->end || *j->p != '{')
		return false;
	j->p++;
	for (;;) {
		char *k = NULL;
		bool hit;

		ws(j);
		if (!string(j, &k))
			return false;
		hit = !strcmp(k, key);
		free(k);
		ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return false;
		ws(j);
		if (hit)
			return true;
		if (!value(j, NULL, 0, NULL))
			return false;
		ws(j);
		if (j->p >= j->end || *j->p++ != ',')
			return false;
	}
}

/*
 * containers/storage's containers.json, an array of {"id": ..., "names":
 * [...], ...}: the first name of container @id, the one podman ps and
 * podman inspect print.
 */
static char *storage_name(const char *buf, size_t len, const char *id)
{
	struct json j = { buf, buf + len, 0 };

	ws(&j);
	if (j.p >= j.end || *j.p != '[')
		return NULL;
	j.p++;
	for (;;) {
		const char *start;
		struct json e;
		char *v = NULL, *name = NULL;
		bool hit;

		ws(&j);
		start = j.p;
		if (!value(&j, NULL, 0, NULL))
			return NULL;
		e = (struct json){ start, j.p, 0 };
		hit = seek_member(&e, "id") && string(&e, &v) && !strcmp(v, id);
		free(v);
		if (hit) {
			e = (struct json){ start, j.p, 0 };
			if (seek_member(&e, "names") && e.p < e.end &&
			    *e.p == '[') {
				e.p++;
				ws(&e);
				if (!string(&e, &name))
					name = NULL;
			}
			if (name && !*name) {
				free(name);
				name = NULL;
			}
			return name;
		}
		ws(&j);
		if (j.p >= j.end || *j.p++ != ',')
			return NULL;
	}
}

/*
 * Podman keeps a container's name in its own database (libpod's
 * bolt_state.db), and in the names containers/storage keeps for the
 * container's layer, a JSON file per storage driver.
 */
static void from_podman(struct cw_meta *m, struct cw_meta_entry *e)
{
	static const char *const drivers[] = { "overlay", "vfs", "btrfs" };
	char path[4400], *buf;
	size_t i, len;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(path, sizeof(path),
			 "%s/var/lib/containers/storage/%s-containers/containers.json",
			 m->root, drivers[i]);
		buf = read_file(path, &len);
		if (!buf)
			continue;
		e->container = storage_name(buf, len, e->id);
		free(buf);
		if (e->container)
			return;
	}
}

static void from_docker(struct cw_meta *m, struct cw_meta_entry *e)
{
	static const char *const name[] = { "Name" };
	char path[4400], *buf, *v;
	size_t len;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json",
		 m->root, e->id);
	buf = read_file(path, &len);
	if (!buf)
		return;
	/* Under cri-dockerd, kubelet's labels; else the container's name. */
	e->pod = first_of(buf, len, "Config", "Labels", pod_keys);
	e->pod_namespace = first_of(buf, len, "Config", "Labels", ns_keys);
	e->container = first_of(buf, len, "Config", "Labels", ctr_keys);
	if (!e->container) {
		v = cw_json_get(buf, len, name, 1);
		/* Docker keeps the name as "/web". */
		if (v && v[0] == '/' && v[1])
			memmove(v, v + 1, strlen(v));
		if (v && (!*v || !strcmp(v, "/"))) {
			free(v);
			v = NULL;
		}
		e->container = v;
	}
	free(buf);
}

/* A containerd identifier: [A-Za-z0-9]+ joined by single '.', '_', '-'. */
static bool containerd_ident(const char *s, size_t n)
{
	size_t i;

	if (!n || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (i = 1; i < n; i++) {
		bool sep = s[i] == '.' || s[i] == '_' || s[i] == '-';

		if (!sep && !isalnum((unsigned char)s[i]))
			return false;
		if (sep && !isalnum((unsigned char)s[i - 1]))
			return false;
	}
	return true;
}

/*
 * As cw_attrib_of, and also containerd's own layout: a container made
 * through containerd's API without a cgroup of its own choosing (ctr run,
 * no kubelet, no Docker) sits in /NAMESPACE/ID, which no path rule can
 * tell from any other cgroup two levels down. It is that container's
 * when containerd's task of that namespace and ID says so: its bundle's
 * config.json has that linux.cgroupsPath. Its ID is the user's name for
 * it, what ctr containers ls lists.
 */
bool cw_meta_attrib_of(struct cw_meta *m, const char *cgroup_path,
		       struct cw_attrib *a)
{
	static const char *const cg_key[] = { "linux", "cgroupsPath" };
	const char *ns, *id, *slash;
	char path[4400], *buf, *v;
	size_t len, ns_n, id_n;
	bool hit;

	if (cw_attrib_of(cgroup_path, a) || !m || cgroup_path[0] != '/')
		return a->id[0] || a->pod_uid[0];
	ns = cgroup_path + 1;
	slash = strchr(ns, '/');
	if (!slash)
		return false;
	ns_n = (size_t)(slash - ns);
	id = slash + 1;
	id_n = strlen(id);
	if (id_n >= sizeof(a->id) || !containerd_ident(ns, ns_n) ||
	    !containerd_ident(id, id_n))
		return false;
	snprintf(path, sizeof(path),
		 "%s/run/containerd/io.containerd.runtime.v2.task/%.*s/%s/config.json",
		 m->root, (int)ns_n, ns, id);
	buf = read_file(path, &len);
	if (!buf)
		return false;
	v = cw_json_get(buf, len, cg_key, 2);
	hit = v && !strcmp(v, cgroup_path);
	free(v);
	free(buf);
	if (!hit)
		return false;
	snprintf(a->runtime, sizeof(a->runtime), "containerd");
	memcpy(a->id, id, id_n + 1);
	return true;
}

int cw_meta_init(struct cw_meta *m, const char *root)
{
	memset(m, 0, sizeof(*m));
	/* "/" and "" are the host's own paths. */
	m->root = strdup(root && strcmp(root, "/") ? root : "");
	return m->root ? 0 : -1;
}

const struct cw_meta_entry *cw_meta_lookup(struct cw_meta *m,
					   const struct cw_attrib *a)
{
	struct cw_meta_entry *e;
	size_t i;

	if (!m || !a->id[0])
		return NULL;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].id, a->id) &&
		    !strcmp(m->v[i].runtime, a->runtime))
			return &m->v[i];
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;

		if (m->n >= META_CACHE_MAX)
			return NULL;
		e = realloc(m->v, cap * sizeof(*e));
		if (!e)
			return NULL;
		m->v = e;
		m->cap = cap;
	}
	e = &m->v[m->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->runtime, sizeof(e->runtime), "%s", a->runtime);
	snprintf(e->id, sizeof(e->id), "%s", a->id);
	if (!strcmp(a->runtime, "containerd")) {
		from_containerd(m, e);
		/*
		 * Without kubelet's annotations, a container is known by its
		 * ID (ctr containers ls); kubelet's IDs are 64 hex digits.
		 */
		if (!e->container && strlen(e->id) != 64)
			e->container = strdup(e->id);
	}
	else if (!strcmp(a->runtime, "crio"))
		from_crio(m, e);
	else if (!strcmp(a->runtime, "docker"))
		from_docker(m, e);
	else if (!strcmp(a->runtime, "podman"))
		from_podman(m, e);
	return e;
}

void cw_meta_free(struct cw_meta *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].pod);
		free(m->v[i].pod_namespace);
		free(m->v[i].container);
	}
	free(m->v);
	free(m->root);
	memset(m, 0, sizeof(*m));
}

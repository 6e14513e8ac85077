// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "attrib.h"

#define ID_HEX		64	/* a full container id */
#define ID_SHORT	12	/* as docker ps and crictl ps print it */
#define UID_LEN		36	/* a pod uid: 8-4-4-4-12 */
#define UID_HASH_LEN	32	/* a static pod's uid: its manifest's hash */

/* procfs lists pids in ascending order (proc_pid_readdir). */
#define CW_PROC_SUPER_MAGIC 0x9fa0

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	/* Runtimes print ids in lower case; anything else is not an id. */
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* @c[0..@n) is exactly "<prefix><64 hex><suffix>". */
static bool match_id(const char *c, size_t n, const char *prefix,
		     const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);

	return n == p + ID_HEX + s && !memcmp(c, prefix, p) &&
	       is_hex(c + p, ID_HEX) && !memcmp(c + p + ID_HEX, suffix, s);
}

/*
 * A pod uid in @c[0..@n), with '-' or (systemd escapes it) '_' between the
 * groups, or the 32 hex digits kubelet gives static pods. Written to @uid
 * with '-' restored.
 */
static bool parse_uid(const char *c, size_t n, char *uid)
{
	size_t i;

	if (n == UID_HASH_LEN && is_hex(c, n)) {
		memcpy(uid, c, n);
		uid[n] = '\0';
		return true;
	}
	if (n != UID_LEN)
		return false;
	for (i = 0; i < n; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;

		if (sep ? c[i] != '-' && c[i] != '_' : !is_hex(c + i, 1))
			return false;
	}
	/* Only now: a near miss must not leave half a uid behind. */
	for (i = 0; i < n; i++)
		uid[i] = c[i] == '_' ? '-' : c[i];
	uid[n] = '\0';
	return true;
}

/*
 * The pod component: "kubepods[-burstable|-besteffort]-pod<uid>.slice"
 * (systemd driver) or, below a "kubepods" component, "pod<uid>" (cgroupfs).
 */
static bool match_pod(const char *c, size_t n, bool in_kubepods, char *uid)
{
	static const char *const slices[] = {
		"kubepods-pod", "kubepods-burstable-pod",
		"kubepods-besteffort-pod",
	};
	size_t i;

	for (i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		size_t p = strlen(slices[i]);

		if (n > p + 6 && !memcmp(c, slices[i], p) &&
		    !memcmp(c + n - 6, ".slice", 6))
			return parse_uid(c + p, n - p - 6, uid);
	}
	return in_kubepods && n > 3 && !memcmp(c, "pod", 3) &&
	       parse_uid(c + 3, n - 3, uid);
}

/*
 * Components are matched one at a time, so a layout may sit below any
 * prefix (kubelet's --cgroup-root, a user's systemd instance for rootless
 * podman) and a runtime may nest cgroups below the container's own
 * (podman's "libpod-<id>.scope/container").
 *
 * When a pod and a container both appear, the container wins: sockets are
 * charged to the cgroup of the process that made them, so a container
 * component names exactly who leaked them, while the pod only narrows it to
 * a group; the pod's uid stays in the path. A socket charged to the pod's
 * own cgroup (no container below it) is reported as the pod. When
 * containers nest (docker in docker), the innermost one, the last in the
 * path, wins for the same reason.
 *
 * A bare 64-hex component under "kubepods" (cgroupfs driver) does not say
 * which runtime made it: CRI-O prefixes its own ("crio-<id>", in ids[]
 * below) and dockershim left kubelet in 1.24, so it is called containerd,
 * which is what runs it in practice.
 */
bool cw_attrib_of(const char *cgroup_path, struct cw_attrib *a)
{
	static const struct {
		const char *prefix, *suffix, *runtime;
	} ids[] = {
		{ "docker-", ".scope", "docker" },
		{ "cri-containerd-", ".scope", "containerd" },
		{ "crio-", ".scope", "crio" },
		{ "crio-", "", "crio" },		/* cgroupfs driver */
		{ "libpod-", ".scope", "podman" },
		{ "libpod-", "", "podman" },		/* cgroupfs driver */
	};
	const char *c = cgroup_path, *runtime = NULL, *id = NULL;
	const char *prev = NULL;	/* the previous component */
	size_t prev_n = 0;
	bool in_kubepods = false;
	char uid[UID_LEN + 1] = "";

	while (*c) {
		size_t n = strcspn(c, "/"), i;

		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			if (match_id(c, n, ids[i].prefix, ids[i].suffix)) {
				runtime = ids[i].runtime;
				id = c + strlen(ids[i].prefix);
				break;
			}
		}
		if (i == sizeof(ids) / sizeof(ids[0]) && n == ID_HEX &&
		    is_hex(c, n)) {
			if (prev_n == 6 && !memcmp(prev, "docker", 6)) {
				runtime = "docker";
				id = c;
			} else if (in_kubepods) {
				runtime = "containerd";
				id = c;
			}
		}
		match_pod(c, n, in_kubepods, uid);
		if (n == 8 && !memcmp(c, "kubepods", 8))
			in_kubepods = true;
		prev = c;
		prev_n = n;
		c += n;
		if (*c == '/')
			c++;
	}
	memset(a, 0, sizeof(*a));
	if (id) {
		snprintf(a->runtime, sizeof(a->runtime), "%s", runtime);
		memcpy(a->id, id, ID_HEX);
		a->id[ID_HEX] = '\0';
	}
	memcpy(a->pod_uid, uid, sizeof(a->pod_uid));
	return id || *uid;
}

bool cw_container_of(const char *cgroup_path, char *buf, size_t len)
{
	struct cw_attrib a;
	int w;

	if (!cw_attrib_of(cgroup_path, &a))
		return false;
	if (a.id[0])
		w = snprintf(buf, len, "%s:%.*s", a.runtime, ID_SHORT, a.id);
	else
		w = snprintf(buf, len, "pod:%s", a.pod_uid);
	return w >= 0 && (size_t)w < len;
}

const char *cw_runtime_scheme(const char *runtime)
{
	/* As Kubernetes writes containerStatuses[].containerID. */
	return !strcmp(runtime, "crio") ? "cri-o" : runtime;
}

/* Sorted by ns, so lookups can bisect. */
static int cmp_name(const void *a, const void *b)
{
	const struct cw_netns_name *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static struct cw_netns_name *find(const struct cw_names *names, uint64_t ns)
{
	struct cw_netns_name key = { .ns = ns };

	if (!names->n)
		return NULL;
	return bsearch(&key, names->v, names->n, sizeof(key), cmp_name);
}

const struct cw_netns_name *cw_names_find(const struct cw_names *names,
					  uint64_t ns)
{
	return names ? find(names, ns) : NULL;
}

/*
 * Whether @st is a netns file: nsfs inodes are regular files. When the
 * nsfs device is known (from <proc>/self/ns/net) it must match too, so a
 * placeholder in /run/netns whose bind mount is gone cannot pass its own
 * tmpfs inode number off as a netns.
 */
static bool is_netns(const struct stat *st, bool dev_known, dev_t nsfs)
{
	return S_ISREG(st->st_mode) && (!dev_known || st->st_dev == nsfs);
}

/* Name the inodes asked for from the files in @dir, e.g. /run/netns. */
static int load_run_netns(struct cw_names *names, const char *dir,
			  bool dev_known, dev_t nsfs)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct cw_netns_name *e;
		struct stat st;
		char *name;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !is_netns(&st, dev_known, nsfs))
			continue;
		e = find(names, st.st_ino);
		/* Several names: the smallest, so output does not vary. */
		if (!e || (e->name && strcmp(e->name, de->d_name) <= 0))
			continue;
		name = strdup(de->d_name);
		if (!name) {
			ret = -1;
			break;
		}
		free(e->name);
		e->name = name;
	}
	closedir(d);
	return ret;
}

static void read_comm(int procfd, int pid, char *comm, size_t len)
{
	char path[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%d/comm", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, len - 1);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* The lowest pid in each netns asked for, and its comm. */
static void load_proc(struct cw_names *names, const char *proc,
		      bool dev_known, dev_t nsfs)
{
	struct statfs sfs;
	struct dirent *de;
	size_t missing = names->n, i;
	bool ascending;
	DIR *d = opendir(proc);

	if (!d)
		return;
	/*
	 * procfs lists pids in ascending order, so the first pid found in a
	 * netns is its lowest, and the scan can stop once every netns has
	 * one, usually long before the end of a busy host's 10k processes.
	 * A netns that no process lives in (only a /run/netns mount keeps
	 * it) costs the whole scan: one stat() per process. Anything that
	 * is not procfs (test fixtures) is read whole, in any order.
	 */
	ascending = !fstatfs(dirfd(d), &sfs) &&
		    sfs.f_type == CW_PROC_SUPER_MAGIC;
	while (missing && (de = readdir(d))) {
		struct cw_netns_name *e;
		char path[300];
		struct stat st;
		char *end;
		long pid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		errno = 0;
		pid = strtol(de->d_name, &end, 10);
		if (*end || errno || pid <= 0 || pid > INT32_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/ns/net", de->d_name);
		/* Gone, or hidden by hidepid: skip it. */
		if (fstatat(dirfd(d), path, &st, 0) ||
		    !is_netns(&st, dev_known, nsfs))
			continue;
		e = find(names, st.st_ino);
		if (!e || (e->pid && e->pid <= pid))
			continue;
		if (!e->pid && ascending)
			missing--;
		e->pid = (int)pid;
	}
	for (i = 0; i < names->n; i++)
		if (names->v[i].pid)
			read_comm(dirfd(d), names->v[i].pid, names->v[i].comm,
				  sizeof(names->v[i].comm));
	closedir(d);
}

int cw_names_load(struct cw_names *names, const uint64_t *ns, size_t n,
		  const char *run_netns, const char *proc)
{
	char self[4096];
	struct stat st;
	bool dev_known;
	dev_t nsfs;
	size_t i, j;

	memset(names, 0, sizeof(*names));
	if (!n)
		return 0;
	names->v = calloc(n, sizeof(*names->v));
	if (!names->v)
		return -1;
	for (i = 0; i < n; i++)
		names->v[i].ns = ns[i];
	qsort(names->v, n, sizeof(*names->v), cmp_name);
	for (i = j = 0; i < n; i++)
		if (!j || names->v[j - 1].ns != names->v[i].ns)
			names->v[j++] = names->v[i];
	names->n = j;

	snprintf(self, sizeof(self), "%s/self/ns/net", proc);
	dev_known = !stat(self, &st);
	nsfs = dev_known ? st.st_dev : 0;
	if (load_run_netns(names, run_netns, dev_known, nsfs)) {
		cw_names_free(names);
		errno = ENOMEM;
		return -1;
	}
	load_proc(names, proc, dev_known, nsfs);
	return 0;
}

void cw_names_free(struct cw_names *names)
{
	size_t i;

	for (i = 0; i < names->n; i++)
		free(names->v[i].name);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for what the kernel numbers: containers from cgroup paths, and
 * netns inodes to /run/netns names and to one process living in them.
 */
#ifndef CWSTAT_TOOL_ATTRIB_H
#define CWSTAT_TOOL_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The container a cgroup path belongs to, as "docker:<id>",
 * "containerd:<id>", "crio:<id>", "pod:<uid>" (id shortened to 12 hex
 * digits as docker ps does; pod uid in full), written to @buf. False when
 * the path matches no known layout.
 */
bool cw_container_of(const char *cgroup_path, char *buf, size_t len);

/* What a cgroup path says about a container and its pod. */
struct cw_attrib {
	char runtime[16];	/* "docker", "containerd", "crio", "podman"; "" none */
	char id[65];		/* the full container id; "" none */
	char pod_uid[37];	/* kubelet's pod uid, '-' separated; "" none */
};

/* Fill @a from @cgroup_path; false (and @a empty) when it says nothing. */
bool cw_attrib_of(const char *cgroup_path, struct cw_attrib *a);

/* "cri-o" for "crio", else @runtime: the scheme of a Kubernetes containerID. */
const char *cw_runtime_scheme(const char *runtime);

struct cw_netns_name {
	uint64_t ns;
	char *name;		/* /run/netns/<name>, or NULL */
	int pid;		/* lowest pid living in it, or 0 */
	char comm[17];
};

struct cw_names {
	struct cw_netns_name *v;
	size_t n;
};

/*
 * Look up names for the netns inodes in @ns[0..@n): @run_netns is normally
 * "/run/netns" and @proc "/proc" (parameters so tests can use fixtures).
 * Unreadable entries are skipped silently. Returns 0, or -1 on ENOMEM.
 */
int cw_names_load(struct cw_names *names, const uint64_t *ns, size_t n,
		  const char *run_netns, const char *proc);
const struct cw_netns_name *cw_names_find(const struct cw_names *names,
					  uint64_t ns);
void cw_names_free(struct cw_names *names);

#endif

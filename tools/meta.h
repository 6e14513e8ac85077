/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for containers, from what their runtime keeps on disk: the pod,
 * its namespace and the container's name. Read when readable, cached per
 * container, and "unknown" otherwise: a name never makes the tool fail.
 *
 *   containerd  <root>/run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/config.json
 *   CRI-O       <root>/run/containers/storage/overlay-containers/<id>/userdata/config.json
 *               (or the same under <root>/var/lib/containers/storage)
 *   Docker      <root>/var/lib/docker/containers/<id>/config.v2.json
 *
 * The OCI bundles carry the pod in annotations (io.kubernetes.pod.name,
 * io.kubernetes.pod.namespace, io.kubernetes.container.name, or
 * containerd's io.kubernetes.cri.sandbox-name, -namespace and
 * container-name); Docker has "Name", and the same as labels under
 * cri-dockerd.
 */
#ifndef CWSTAT_TOOL_META_H
#define CWSTAT_TOOL_META_H

#include <stdbool.h>
#include <stddef.h>

#include "attrib.h"

#define CW_META_UNKNOWN "unknown"

struct cw_meta_entry {
	char runtime[16];
	char id[65];
	char *pod, *pod_namespace, *container;	/* NULL: unknown */
};

struct cw_meta {
	char *root;			/* "" for the real paths */
	struct cw_meta_entry *v;
	size_t n, cap;
};

/* @root: prefix of the runtime paths, "" or NULL for "/" (tests: a tree). */
int cw_meta_init(struct cw_meta *m, const char *root);

/*
 * The names of the container @a names, looked up once per container. NULL
 * when @a names no container (a pod's own cgroup has no id) or on ENOMEM.
 */
bool cw_meta_attrib_of(struct cw_meta *m, const char *cgroup_path,
		       struct cw_attrib *a);

const struct cw_meta_entry *cw_meta_lookup(struct cw_meta *m,
					   const struct cw_attrib *a);
void cw_meta_free(struct cw_meta *m);

/*
 * A JSON string value at @path (keys of nested objects) in @buf[0..@len),
 * decoded into a malloc'd string; NULL when absent, not a string, or the
 * document is malformed. For tests and the fuzzer too.
 */
char *cw_json_get(const char *buf, size_t len, const char *const *path,
		  size_t depth);

#endif

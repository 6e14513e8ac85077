#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The containers test, chrooted in the runtimes' root (init.sh), cwstat.ko
# loaded. Starts containerd, dockerd and Podman as a host without systemd
# runs them, imports the image /ct/rootfs.tar into each (nothing can be
# pulled), runs one leaky container per runtime with its own count N, and
# checks, against the runtime's own word (inspect, ctr) and ss inside the
# container's netns:
#   - /proc/cwstat's line for the container's cgroup (/proc/PID/cgroup)
#     in its netns counts N;
#   - cwstat prom --by cgroup, from the module and from sock_diag
#     (--source diag --all-netns), counts N for that cgroup and names the
#     container and its ID as the runtime does;
#   - cwstat --by container's table row says the same.
# TAP output; exits 1 if anything failed.
#
# The configuration, and why (the guest has no systemd and no network):
#   - cgroup driver cgroupfs for all (systemd's needs systemd);
#   - --network none (lo only) and dockerd --iptables=false --bridge=none:
#     a container's own loopback is all the leak needs, and no NAT or
#     bridge modules are loaded;
#   - overlay storage (overlay2, overlay, containerd's overlayfs);
#   - Podman with --events-backend=file and the k8s-file log driver
#     (journald is not running).
set -u
n_test=0
n_fail=0
ok() {
	n_test=$((n_test + 1))
	echo "ok $n_test - $1"
}
not_ok() {
	n_test=$((n_test + 1))
	n_fail=$((n_fail + 1))
	echo "not ok $n_test - $1"
	shift
	for l; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
# is WHAT GOT WANT
is() {
	if [[ $2 == "$3" ]]; then
		ok "$1 ($2)"
	else
		not_ok "$1" "got '$2', want '$3'"
	fi
}
note() {
	printf '# %s\n' "$*"
}
# until_ok TRIES CMD...: run CMD every 0.5 s until it succeeds (a daemon's
# start, a container's "leak ready"); a bound on tries, never a verdict on
# speed: the check that follows is what passes or fails.
until_ok() {
	local i tries=$1
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
# logged LINE CMD...: CMD's output (a container's log) has LINE.
logged() {
	local line=$1
	shift
	"$@" 2>&1 | grep -qxF "$line"
}
dump() {
	note "--- $1"
	tail -n 40 "$1" 2>/dev/null | sed 's/^/#   /'
}

echo "TAP version 13"
mkdir -p /var/log
note "kernel $(uname -r); $(dpkg-query -W -f '${Package} ${Version}, ' docker.io podman containerd runc crun 2>/dev/null)"

# check RUNTIME SCHEME NAME ID PID N: cwstat against the runtime's word.
check() {
	local rt=$1 scheme=$2 name=$3 id=$4 pid=$5 n=$6 cg ns got line src
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	ns=$(stat -L -c %i "/proc/$pid/ns/net")
	note "$rt: name $name, id $id, pid $pid, cgroup $cg, netns $ns"
	got=$(nsenter -t "$pid" -n ss -Htan state close-wait | wc -l)
	is "$rt: ss in the container's netns counts N" "$got" "$n"
	got=$(awk -v ns="ns=$ns" -v cg="path=$cg" '
		$1 == "cgroup" && $2 == ns {
			p = c = ""
			for (i = 3; i <= NF; i++) {
				if ($i ~ /^path=/) p = $i
				if ($i ~ /^close_wait=/) c = substr($i, 12)
			}
			if (p == cg) print c
		}' /proc/cwstat)
	is "$rt: /proc/cwstat counts N in the container's cgroup and netns" "$got" "$n"
	for src in "module" "diag --all-netns"; do
		# shellcheck disable=SC2086 # src is two words
		line=$(cwstat prom --by cgroup --source $src 2>&1 |
			grep -F "cwstat_close_wait_sockets{cgroup=\"$cg\",")
		is "$rt: cwstat --source ${src%% *} counts N in cgroup $cg" "${line##* }" "$n"
		is "$rt: cwstat --source ${src%% *} names the container as $rt does" \
			"$(sed -n 's/.*[{,]container="\([^"]*\)".*/\1/p' <<<"$line")" "$name"
		is "$rt: cwstat --source ${src%% *} gives the container's ID" \
			"$(sed -n 's/.*container_id="\([^"]*\)".*/\1/p' <<<"$line")" "$scheme://$id"
	done
	got=$(cwstat show --by container --source module |
		awk -v k="${scheme/containerd/containerd}:${id:0:12}" '$1 == k { print $2, $3 }')
	is "$rt: cwstat show --by container's row" "$got" "$name $n"
}

# containerd, which dockerd uses too (its namespace "moby").
containerd >/var/log/containerd.log 2>&1 &
if until_ok 600 ctr version; then
	ok "containerd: started"
else
	not_ok "containerd: started"
	dump /var/log/containerd.log
fi

# Docker.
docker_test() {
	local n=3 id name pid
	dockerd --containerd=/run/containerd/containerd.sock --iptables=false \
		--ip6tables=false --bridge=none --storage-driver=overlay2 \
		--exec-opt native.cgroupdriver=cgroupfs >/var/log/dockerd.log 2>&1 &
	until_ok 600 docker version || { not_ok "docker: dockerd started"; dump /var/log/dockerd.log; return; }
	ok "docker: dockerd started"
	docker import /ct/rootfs.tar cwstat-leak:1 >/var/log/docker-import.log 2>&1 ||
		{ not_ok "docker: import the image"; dump /var/log/dockerd.log; return; }
	if ! docker run -d --network none --name leak-docker cwstat-leak:1 /leak "$n" 8080 >/dev/null; then
		not_ok "docker: run the container"
		dump /var/log/dockerd.log
		return
	fi
	if ! until_ok 600 logged "leak ready $n" docker logs leak-docker; then
		not_ok "docker: the leak is ready" "$(docker logs leak-docker 2>&1)"
		return
	fi
	id=$(docker inspect -f '{{.Id}}' leak-docker)
	name=$(docker inspect -f '{{.Name}}' leak-docker)
	pid=$(docker inspect -f '{{.State.Pid}}' leak-docker)
	# docker inspect keeps the name as "/leak-docker"; docker ps prints it bare.
	check docker docker "${name#/}" "$id" "$pid" "$n"
}
docker_test

# Podman, rootful.
podman_test() {
	local n=5 id name pid
	local podman=(podman --cgroup-manager=cgroupfs --events-backend=file --storage-driver=overlay)
	"${podman[@]}" import -q /ct/rootfs.tar localhost/cwstat-leak:1 >/var/log/podman.log 2>&1 ||
		{ not_ok "podman: import the image"; dump /var/log/podman.log; return; }
	if ! "${podman[@]}" run -d --network none --log-driver k8s-file --name leak-podman \
		localhost/cwstat-leak:1 /leak "$n" 8081 >>/var/log/podman.log 2>&1; then
		not_ok "podman: run the container"
		dump /var/log/podman.log
		return
	fi
	if ! until_ok 600 logged "leak ready $n" "${podman[@]}" logs leak-podman; then
		not_ok "podman: the leak is ready" "$("${podman[@]}" logs leak-podman 2>&1)"
		return
	fi
	id=$("${podman[@]}" inspect -f '{{.Id}}' leak-podman)
	name=$("${podman[@]}" inspect -f '{{.Name}}' leak-podman)
	pid=$("${podman[@]}" inspect -f '{{.State.Pid}}' leak-podman)
	check podman podman "$name" "$id" "$pid" "$n"
}
podman_test

# containerd alone, through ctr (namespace "default"), with the image
# Docker saves: ctr has no import of a bare root file system.
ctr_test() {
	local n=7 id=leak-ctr pid
	local ctr=(ctr -n default)
	if ! docker save -o /tmp/leak-image.tar cwstat-leak:1 >/var/log/ctr.log 2>&1 ||
		! "${ctr[@]}" image import /tmp/leak-image.tar >>/var/log/ctr.log 2>&1; then
		not_ok "ctr: import the image"
		dump /var/log/ctr.log
		return
	fi
	# ctr gives the container a netns of its own with lo down and no
	# capability to raise it: the leak waits until the test has.
	if ! "${ctr[@]}" run -d --log-uri file:///var/log/leak-ctr.log docker.io/library/cwstat-leak:1 "$id" \
		sh -c "until ip link show lo | grep -q ',UP'; do sleep 0.1; done; exec /leak $n 8082" \
		>>/var/log/ctr.log 2>&1; then
		not_ok "ctr: run the container"
		dump /var/log/ctr.log
		return
	fi
	pid=$("${ctr[@]}" tasks ls | awk -v id="$id" '$1 == id { print $2 }')
	[[ -n $pid ]] || { not_ok "ctr: the task's pid" "$("${ctr[@]}" tasks ls)"; return; }
	nsenter -t "$pid" -n ip link set lo up
	if ! until_ok 600 grep -qx "leak ready $n" /var/log/leak-ctr.log; then
		not_ok "ctr: the leak is ready" "$(cat /var/log/leak-ctr.log)"
		return
	fi
	# What containerd says: the container's ID and the cgroup it asked for.
	is "ctr: containers ls lists the container" "$("${ctr[@]}" containers ls -q)" "$id"
	is "ctr: containers info's cgroupsPath is the task's cgroup" \
		"$("${ctr[@]}" containers info "$id" | sed -n 's/^ *"cgroupsPath": "\(.*\)",*$/\1/p')" \
		"$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
	check containerd containerd "$id" "$id" "$pid" "$n"
}
ctr_test

note "cwstat show --by container:"
cwstat show --by container 2>&1 | sed 's/^/#   /'
echo "1..$n_test"
((n_fail == 0))

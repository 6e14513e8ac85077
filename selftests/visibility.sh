#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
#
# visibility: only root in the init netns (CAP_NET_ADMIN over the init
# user namespace) sees every netns in /proc/cwstat. Root inside a child
# netns, an unprivileged uid, and uid 0 without capabilities see their own
# netns only, with a total of just that netns; /proc/net/cwstat shows the
# reader's own netns to anyone. The oracle for "their own" is the netns
# block of the privileged view, and ss in that netns for the totals.
# Cgroup paths are relative to the reader's cgroup namespace.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0

ns_add v1 || bail "ip netns add v1"
ns_add v2 private || bail "ip netns add v2"
cg_add v/sub || bail "mkdir cgroups"
factory_start i -c "$(cg_dir v)" -n 3 -u 1
factory_start j -c "$(cg_dir v/sub)" -n 2
factory_start a -N "$(ns_file v1)" -c "$(cg_dir v)" -n 4 -u 2
# 4 like v1: a tie, ordered by netns inode
factory_start b -N "$(ns_file v2)" -c "$(cg_dir v)" -n 4 -E 2 -T 1
ino_init=$(ns_ino init)
ino_v1=$(ns_ino v1)
ino_v2=$(ns_ino v2)
runas=$CW_BIN/cw_runas

snap "$CW_T/all"
format_ok "root in init netns: well-formed" "$CW_T/all"
assert_eq "root in init netns: sees all 3 netns" \
	"$(cw_val "$CW_T/all" netns "ns=$ino_init" close_wait)/$(cw_val "$CW_T/all" netns "ns=$ino_v1" close_wait)/$(cw_val "$CW_T/all" netns "ns=$ino_v2" close_wait)" \
	"5/4/4"
assert_eq "root in init netns: total close_wait" \
	"$(cw_val "$CW_T/all" total "" close_wait)" 13

# own_view DESC FILE NS: FILE shows netns NS alone, as the privileged view
# shows it, with totals of NS alone.
own_view() {
	local desc=$1 f=$2 ns=$3 ino cw
	ino=$(ns_ino "$ns")
	format_ok "$desc: well-formed, only its own netns" "$f" -1 -N "$ino"
	cw=$(cw_val "$CW_T/all" netns "ns=$ino" close_wait)
	assert_eq "$desc: total close_wait is its netns'" \
		"$(cw_val "$f" total "" close_wait)" "$cw"
	assert_eq "$desc: total recvq_bytes is its netns'" \
		"$(cw_val "$f" total "" recvq_bytes)" \
		"$(cw_val "$CW_T/all" netns "ns=$ino" recvq_bytes)"
	assert_eq "$desc: cgroup rows as in the privileged view" \
		"$(awk '$1 == "cgroup" { print $2, $3, $4, $5 }' "$f")" \
		"$(awk -v n="ns=$ino" '$1 == "cgroup" && $2 == n { print $2, $3, $4, $5 }' "$CW_T/all")"
	if [ "$ns" != init ]; then
		# no TIME_WAIT of earlier tests can expire in a fresh netns
		assert_eq "$desc: total sockets (ss)" \
			"$(cw_val "$f" total "" sockets)" "$(ss_sockets "$ns")"
	fi
}

for ns in v1 v2; do
	in_ns "$ns" cat /proc/cwstat >"$CW_T/r.$ns" ||
		fail "root in netns $ns: read /proc/cwstat"
	own_view "root in netns $ns: /proc/cwstat" "$CW_T/r.$ns" "$ns"
	in_ns "$ns" cat /proc/net/cwstat >"$CW_T/n.$ns" ||
		fail "root in netns $ns: read /proc/net/cwstat"
	own_view "root in netns $ns: /proc/net/cwstat" "$CW_T/n.$ns" "$ns"
	in_ns "$ns" "$runas" 65534 65534 cat /proc/cwstat >"$CW_T/u.$ns" ||
		fail "uid 65534 in netns $ns: read /proc/cwstat"
	own_view "uid 65534 in netns $ns: /proc/cwstat" "$CW_T/u.$ns" "$ns"
done

cat /proc/net/cwstat >"$CW_T/n.init"
own_view "root in init netns: /proc/net/cwstat" "$CW_T/n.init" init

"$runas" 65534 65534 cat /proc/cwstat >"$CW_T/u.init" ||
	fail "uid 65534: read /proc/cwstat"
own_view "uid 65534 in init netns: /proc/cwstat" "$CW_T/u.init" init
"$runas" 65534 65534 cat /proc/net/cwstat >"$CW_T/un.init" ||
	fail "uid 65534: read /proc/net/cwstat"
own_view "uid 65534 in init netns: /proc/net/cwstat" "$CW_T/un.init" init

# uid 0 is not enough: the capability is what counts.
"$runas" 0 0 cat /proc/cwstat >"$CW_T/z.init" ||
	fail "uid 0 without capabilities: read /proc/cwstat"
own_view "uid 0 without capabilities: /proc/cwstat" "$CW_T/z.init" init

# A reader in a cgroup namespace rooted at cwtest/v: v is "/" to it.
idv=$(cg_id v)
idsub=$(cg_id v/sub)
"$runas" -g "$(cg_dir v)" -C - - cat /proc/cwstat >"$CW_T/cgns" ||
	fail "reader in a cgroup namespace: read /proc/cwstat"
format_ok "reader in a cgroup namespace: well-formed" "$CW_T/cgns"
assert_eq "reader in a cgroup namespace: paths of its root cgroup" \
	"$(awk -v id="id=$idv" '$1 == "cgroup" && $3 == id { print $4 }' "$CW_T/cgns" | sort -u)" \
	"path=/"
assert_eq "reader in a cgroup namespace: path of a cgroup below its root" \
	"$(awk -v id="id=$idsub" '$1 == "cgroup" && $3 == id { print $4 }' "$CW_T/cgns" | sort -u)" \
	"path=/sub"
assert_eq "reader in a cgroup namespace: same rows otherwise" \
	"$(awk '{ print $1, $2, $3 }' "$CW_T/cgns")" \
	"$(awk '{ print $1, $2, $3 }' "$CW_T/all")"

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: core
# cw-order: 350
#
# cgpath: the cgroup path of each row is the cgroup's path at the time of
# the read, relative to the reader's cgroup namespace, however the reads
# interleave. The reader in the initial cgroup namespace takes another
# way to the path than a reader in a child namespace (kernfs_path(), not
# cgroup_path_ns() and cgroup_mutex), so they read in turns here: a path
# kept from one of them must never reach the other. Then a cgroup and its
# parent are renamed (cgroup2 refuses: checked, and the path must follow
# where a kernel allows it), a cgroup is removed and one of the same name
# made again, and a cgroup is removed while its socket still holds it. A
# cgroup outside a namespace reader's root reads "/..", never named; a path
# over PATH_MAX is cut and marked path_cut=1. The oracle is the test's own
# bookkeeping: the directories it made, and their inode numbers (the
# cgroup ids).

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0

{ cg_add p/a && cg_add p/b && cg_add o; } || bail "mkdir cgroups"
factory_start a -c "$(cg_dir p/a)" -n 1
factory_start b -c "$(cg_dir p/b)" -n 2
factory_start o -c "$(cg_dir o)" -n 3
ida=$(cg_id p/a)
idb=$(cg_id p/b)
ido=$(cg_id o)
runas=$CW_BIN/cw_runas

# path FILE ID: the path value of cgroup ID's row(s), once; "" if none.
path() {
	awk -v id="id=$2" '$1 == "cgroup" && $3 == id { print $4 }' "$1" | sort -u
}

# root_read FILE / ns_read FILE ROOT: /proc/cwstat as root in the initial
# cgroup namespace, or in a cgroup namespace rooted at cgroup ROOT.
root_read() {
	snap "$1"
}
ns_read() {
	"$runas" -g "$(cg_dir "$2")" -C - - cat /proc/cwstat >"$1" ||
		fail "reader in cgroup namespace $2: read /proc/cwstat"
}

# ---- alternating readers --------------------------------------------------

i=1
while [ $i -le 3 ]; do
	root_read "$CW_T/r$i"
	ns_read "$CW_T/n$i" p
	format_ok "round $i: root's read well-formed" "$CW_T/r$i"
	format_ok "round $i: namespace reader's read well-formed" "$CW_T/n$i"
	assert_eq "round $i: root sees a's full path" \
		"$(path "$CW_T/r$i" "$ida")" "path=$(cg_path p/a)"
	assert_eq "round $i: root sees b's full path" \
		"$(path "$CW_T/r$i" "$idb")" "path=$(cg_path p/b)"
	assert_eq "round $i: root sees o's full path" \
		"$(path "$CW_T/r$i" "$ido")" "path=$(cg_path o)"
	assert_eq "round $i: namespace reader sees a below its root" \
		"$(path "$CW_T/n$i" "$ida")" "path=/a"
	assert_eq "round $i: namespace reader sees b below its root" \
		"$(path "$CW_T/n$i" "$idb")" "path=/b"
	assert_eq "round $i: namespace reader sees o outside its root as /.., unnamed" \
		"$(path "$CW_T/n$i" "$ido")" "path=/.."
	assert_eq "round $i: no row names a cgroup outside the namespace reader's root" \
		"$(grep -c 'path=/\.\./' "$CW_T/n$i")" 0
	assert_eq "round $i: no path is marked cut" \
		"$(cat "$CW_T/r$i" "$CW_T/n$i" | grep -c 'path_cut=')" 0
	i=$((i + 1))
done
# the namespace reader first this time, right after root
ns_read "$CW_T/n4" p
assert_eq "namespace reader right after root: a below its root" \
	"$(path "$CW_T/n4" "$ida")" "path=/a"

# ---- rename -----------------------------------------------------------------

# cgroup2 has no rename: only cgroup1's kernfs operations have one, so
# rename(2) of a cgroup2 directory fails with EPERM and a live cgroup's
# path never changes. Should a kernel allow it, the path must follow.
# try_rename DESC FROM TO ID BEFORE AFTER NSROOT NSPATH: rename cgroup
# FROM to TO; cgroup ID, at BEFORE until then, is at AFTER if it worked:
# root must see that path, and a reader in the namespace rooted at NSROOT
# (named after the rename) NSPATH.
try_rename() {
	if mv "$(cg_dir "$2")" "$(cg_dir "$3")" 2>"$CW_T/mv.err"; then
		diag "$1: this kernel renames cgroup2 directories"
		root_read "$CW_T/ren.r"
		ns_read "$CW_T/ren.n" "$7"
		assert_eq "$1: the cgroup keeps its id" "$(cg_id "$6")" "$4"
		assert_eq "$1: root sees the new path" \
			"$(path "$CW_T/ren.r" "$4")" "path=$(cg_path "$6")"
		assert_eq "$1: namespace reader sees the new path" \
			"$(path "$CW_T/ren.n" "$4")" "path=$8"
		renamed=1
	else
		check "$1: refused with EPERM (cgroup2)" \
			grep -q 'Operation not permitted' "$CW_T/mv.err"
		root_read "$CW_T/ren.r"
		assert_eq "$1: the path is unchanged" \
			"$(path "$CW_T/ren.r" "$4")" "path=$(cg_path "$5")"
		renamed=0
	fi
}
try_rename "rename of p/a to p/a2" p/a p/a2 "$ida" p/a p/a2 p /a2
[ "$renamed" = 0 ] || mv "$(cg_dir p/a2)" "$(cg_dir p/a)" ||
	bail "rename p/a2 back to p/a"
try_rename "rename of p, parent of a, to q" p q "$ida" p/a q/a q /a
[ "$renamed" = 0 ] || mv "$(cg_dir q)" "$(cg_dir p)" ||
	bail "rename q back to p"

# ---- removal, and a cgroup of the same name -----------------------------------

factory_stop b
rmdir "$(cg_dir p/b)" || bail "rmdir cgroup p/b"
cg_add p/b || bail "mkdir cgroup p/b again"
idb2=$(cg_id p/b)
check "the new p/b has a new id ($idb -> $idb2)" [ "$idb2" != "$idb" ]
factory_start b2 -c "$(cg_dir p/b)" -n 1
root_read "$CW_T/rm.r"
ns_read "$CW_T/rm.n" p
assert_eq "after removal: no row of the removed cgroup" \
	"$(path "$CW_T/rm.r" "$idb")" ""
assert_eq "after removal: the new cgroup's row, its path" \
	"$(path "$CW_T/rm.r" "$idb2")" "path=$(cg_path p/b)"
assert_eq "after removal: the new cgroup's row, namespace reader" \
	"$(path "$CW_T/rm.n" "$idb2")" "path=/b"

# A cgroup removed while its socket lives on (the socket pins it): the row
# stays, with the path the cgroup had, and a new cgroup of the same name
# has a row of its own.
cg_add p/d || bail "mkdir cgroup p/d"
factory_start d -c "$(cg_dir p/d)" -n 1
idd=$(cg_id p/d)
cat "$CW_T/f.d.pid" >"$(cg_dir p)/cgroup.procs" ||
	bail "move factory d out of p/d"
rmdir "$(cg_dir p/d)" || bail "rmdir cgroup p/d, its socket still open"
cg_add p/d || bail "mkdir cgroup p/d again"
idd2=$(cg_id p/d)
factory_start d2 -c "$(cg_dir p/d)" -n 2
root_read "$CW_T/dy.r"
ns_read "$CW_T/dy.n" p
assert_eq "removed cgroup with a socket: its row keeps its path" \
	"$(path "$CW_T/dy.r" "$idd")" "path=$(cg_path p/d)"
assert_eq "removed cgroup with a socket: its count" \
	"$(cw_val "$CW_T/dy.r" cgroup "id=$idd" close_wait)" 1
assert_eq "the new p/d: its own row" \
	"$(cw_val "$CW_T/dy.r" cgroup "id=$idd2" close_wait)/$(path "$CW_T/dy.r" "$idd2")" \
	"2/path=$(cg_path p/d)"
assert_eq "removed cgroup with a socket: namespace reader" \
	"$(path "$CW_T/dy.n" "$idd")" "path=/d"

# A path longer than PATH_MAX (4096): 17 nested names of 250 bytes, as a
# delegated user may make. The host's read must not fail for it (on 5.10
# it did, with ENAMETOOLONG; Debian's 6.1 printed it cut): every kernel prints
# it cut to 4095 bytes, the start of the real path, and the row's cgroup
# id names the cgroup. The directory's path is too long for open(): the
# shell gets there with relative cd's, moves itself in, starts the factory
# there (a socket takes the cgroup it is made in) and moves back.
name=$(printf '%0250d' 0)
long=p
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
	long=$long/$name
done
# cd -P: a logical cd would chdir() to the whole path.
deep_cd() {	# MKDIR: make each level first
	cd -P "$(cg_dir p)" || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
		[ -z "$1" ] || [ -d "$name" ] || mkdir "$name" || return 1
		cd -P "$name" || return 1
	done
}
# As deep as it goes, then each level back up (the harness's cleanup
# cannot name them).
deep_rm() {
	cd -P "$(cg_dir p)" || return 1
	n=0
	while [ -d "$name" ] && cd -P "$name"; do
		n=$((n + 1))
	done
	while [ "$n" -gt 0 ]; do
		cd -P .. && rmdir "$name" || return 1
		n=$((n - 1))
	done
}
home_cg=$(awk -F: '$1 == "0" { print $3 }' /proc/$$/cgroup)
if (deep_cd mkdir) && (deep_cd && echo $$ >cgroup.procs); then
	factory_start deep -n 1
	echo $$ >"$CW_CGROOT$home_cg/cgroup.procs" ||
		bail "move the test shell back to $home_cg"
	iddeep=$(deep_cd && stat -c %i .)
	if snap "$CW_T/deep.r"; then
		ok "a cgroup path over PATH_MAX: the read succeeds"
	else
		fail "a cgroup path over PATH_MAX: the read succeeds"
	fi
	got=$(path "$CW_T/deep.r" "$iddeep")
	want=$(printf '%s' "$(cg_path "$long")" | cut -c1-4095)
	assert_eq "its row's path: the real one, cut to PATH_MAX - 1 bytes" \
		"$got" "path=$want"
	assert_eq "its row says the path is cut: path_cut=1" \
		"$(cw_val "$CW_T/deep.r" cgroup "id=$iddeep" path_cut)" 1
	format_ok "the read with a cut path is well-formed" "$CW_T/deep.r"
	assert_eq "only that row is marked cut" \
		"$(grep -c 'path_cut=' "$CW_T/deep.r")" 1
	assert_eq "its row's count" \
		"$(cw_val "$CW_T/deep.r" cgroup "id=$iddeep" close_wait)" 1
	# The tool passes the mark on: json's path_cut, the table's label.
	assert_eq "cwstat -o json: that cgroup alone has path_cut true" \
		"$("$CW_TOOL" show -o json --no-names --input "$CW_T/deep.r" |
			grep -o '"id":[0-9]*,"path":"[^"]*","path_cut":true' |
			sed 's/,.*//')" "\"id\":$iddeep"
	assert_eq "cwstat show --by cgroup: its label ends [cut, id $iddeep]" \
		"$("$CW_TOOL" show --by cgroup --no-names --input "$CW_T/deep.r" |
			grep -c "\\[cut, id $iddeep\\]")" 1
	factory_stop deep
	(deep_rm) || fail "remove the nested cgroups"
else
	echo $$ >"$CW_CGROOT$home_cg/cgroup.procs"
	(deep_rm)
	skip "a cgroup path over PATH_MAX" "17 nested 250-byte cgroups could not be made or entered"
fi

cw_exit

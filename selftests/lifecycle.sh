#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live scan
# cw-tier: core full@scan
# cw-order: 50 250@scan
#
# lifecycle: counts follow sockets as they close. With max_age_ms=0 every
# read is a new walk, so after a factory is reaped (its sockets closed) the
# next read must show the lower counts; rows go at zero; a netns removed
# with "ip netns del" stays visible while its sockets live, then goes. A
# reader runs through repeated netns create/destroy cycles, which is when a
# walk can meet a dying netns.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0

ns_add l || bail "ip netns add l"
cg_add x && cg_add y || bail "mkdir cgroups"
ino=$(ns_ino l)
idx=$(cg_id x)
idy=$(cg_id y)

factory_start f1 -N "$(ns_file l)" -c "$(cg_dir x)" -n 5 -u 9
factory_start f2 -N "$(ns_file l)" -c "$(cg_dir y)" -n 3 -u 4
factory_start f3 -N "$(ns_file l)" -c "$(cg_dir y)" -6 -n 2

# rows NETNS_CW X_CW Y_CW: the snapshot's counts, "-" for a missing row
rows() {
	snap "$CW_T/s"
	echo "$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" \
	     "$(cw_val "$CW_T/s" cgroup "ns=$ino id=$idx" close_wait)" \
	     "$(cw_val "$CW_T/s" cgroup "ns=$ino id=$idy" close_wait)" |
		awk '{ for (i = 1; i <= 3; i++) if ($i == "") $i = "-"; print $1, $2, $3 }'
}

# step DESC WANT: the rows right after a change; no waiting allowed.
step() {
	got=$(rows)
	assert_eq "$1: netns, cgroup x, cgroup y close_wait" "$got" "$2"
	format_ok "$1: well-formed" "$CW_T/s"
}

step "3 factories" "10 5 5"
assert_eq "cgroup y recvq_bytes sums two factories" \
	"$(cw_val "$CW_T/s" cgroup "ns=$ino id=$idy" recvq_bytes)" 12
factory_stop f2
step "f2 closed" "7 5 2"
assert_eq "cgroup y recvq_bytes after f2 closed" \
	"$(cw_val "$CW_T/s" cgroup "ns=$ino id=$idy" recvq_bytes)" 0
factory_stop f3
step "f3 closed: cgroup y row gone" "5 5 -"
assert_eq "cgroup rows of netns l" "$(cw_rows "$CW_T/s" cgroup "ns=$ino")" 1
factory_stop f1
step "f1 closed: netns row gone" "- - -"
assert_eq "total close_wait back to 0" \
	"$(cw_val "$CW_T/s" total "" close_wait)" 0

# A cgroup removed while it still owns sockets: the sockets pin it, and
# they stay counted under its id.
cg_add z || bail "mkdir cgroup z"
idz=$(cg_id z)
factory_start z1 -N "$(ns_file l)" -c "$(cg_dir z)" -m "$(cg_dir y)" -n 3
if rmdir "$(cg_dir z)"; then
	ok "cgroup z removed while its sockets live"
else
	fail "cgroup z removed while its sockets live"
fi
snap "$CW_T/s"
format_ok "removed cgroup: well-formed" "$CW_T/s"
assert_eq "removed cgroup: its sockets still counted under its id" \
	"$(cw_val "$CW_T/s" cgroup "ns=$ino id=$idz" close_wait)" 3
diag "removed cgroup shown as $(cw_val "$CW_T/s" cgroup "ns=$ino id=$idz" path)"
factory_stop z1
snap "$CW_T/s"
assert_eq "removed cgroup: row gone with its sockets" \
	"$(cw_rows "$CW_T/s" cgroup "ns=$ino id=$idz")" 0

# A netns deleted while its sockets are alive.
ns_add d || bail "ip netns add d"
dino=$(ns_ino d)
factory_start d1 -N "$(ns_file d)" -c "$(cg_dir x)" -n 4
ns_del d
snap "$CW_T/s"
assert_eq "netns d still counted after ip netns del while sockets live" \
	"$(cw_val "$CW_T/s" netns "ns=$dino" close_wait)" 4
factory_stop d1
snap "$CW_T/s"
assert_eq "netns d gone once its sockets closed" \
	"$(cw_rows "$CW_T/s" netns "ns=$dino")" 0
assert_eq "no cgroup row of netns d either" \
	"$(cw_rows "$CW_T/s" cgroup "ns=$dino")" 0

# CLOSE_WAIT children never accepted: closing their listener destroys them
# through inet_csk_listen_stop(), not through a close of their own.
factory_start q1 -N "$(ns_file l)" -c "$(cg_dir x)" -n 0 -Q 6
step "6 unaccepted CLOSE_WAIT children" "6 6 -"
factory_stop q1
step "their listener closed" "- - -"
if is_live; then
	assert_eq "live: no socket left in the table" "$(mod_param tracked)" 0
	assert_eq "live: no drift" "$(mod_param drift)" 0
fi

# The sockets of a destroyed netns (TIME_WAIT left by the closes) leave
# the total once the kernel has cleaned the netns up, asynchronously.
# total.sockets must then match ss over the netns that still exist (scan
# mode: the live table has no "sockets").
sockets_match() {
	local s=0 ns
	snap "$CW_T/s"
	for ns in init l; do
		s=$((s + $(ss_sockets "$ns")))
	done
	echo "cwstat $(cw_val "$CW_T/s" total "" sockets), ss $s" >"$CW_T/sm"
	[ "$(cw_val "$CW_T/s" total "" sockets)" = "$s" ]
}
if is_live; then
	:
elif wait_until 20 sockets_match; then
	ok "total sockets match ss once netns d is destroyed"
else
	fail "total sockets match ss once netns d is destroyed" "$(cat "$CW_T/sm")"
fi

# Churn of netns with sockets, under a reader.
"$CW_BIN/cw_check_format" -t 300 /proc/cwstat >"$CW_T/reader" 2>&1 &
reader=$!
bg_register $reader
bad=
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then
		ns_add "c$i" private || { bad="ip netns add c$i"; break; }
	else
		ns_add "c$i" || { bad="ip netns add c$i"; break; }
	fi
	cino=$(ns_ino "c$i")
	factory_spawn "c$i" -N "$(ns_file "c$i")" -c "$(cg_dir y)" -n 3 -E 1 -T 1
	factory_wait "c$i" || { bad="factory c$i"; break; }
	ns_del "c$i"
	snap "$CW_T/s"
	[ "$(cw_val "$CW_T/s" netns "ns=$cino" close_wait)" = 3 ] ||
		{ bad="cycle $i: deleted netns with live sockets not counted"; break; }
	factory_stop "c$i"
	snap "$CW_T/s"
	[ "$(cw_rows "$CW_T/s" netns "ns=$cino")" = 0 ] ||
		{ bad="cycle $i: row of closed netns still there"; break; }
done
if [ -z "$bad" ]; then
	ok "8 cycles of netns create, count, delete, close"
else
	fail "8 cycles of netns create, count, delete, close" "$bad"
	diag_file "$CW_T/s"
fi
if is_live; then
	assert_eq "live: the table is empty after the churn" \
		"$(mod_param tracked)" 0
	check "live: a reconciliation runs" reconcile
	assert_eq "live: it found no drift" "$(mod_param drift)" 0
fi
kill -TERM $reader
if wait $reader; then
	ok "reader saw only well-formed snapshots during the churn"
	diag_file "$CW_T/reader"
else
	fail "reader saw only well-formed snapshots during the churn"
	diag_file "$CW_T/reader"
fi

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live scan
# cw-tier: core full@scan
# cw-order: 70 270@scan
#
# nsreuse: a netns's rows never reach a later netns that got its inode
# number. Netns inode numbers are handed out lowest-free, so the next netns
# made after one dies usually takes the dead one's number; the cache
# (max_age_ms) still holds the rows the dead netns had. An unprivileged
# reader of the new netns must see none of them: rows are scoped by the
# netns's cookie, never reused, and only printed with the inode number.
#
# Netns x holds 5 CLOSE_WAIT; root reads (filling the cache, max_age_ms
# 3600000, so that a slow netns cleanup cannot outlast it); x dies; new
# netns are made until one has x's number; its uid 65534 reader of
# /proc/net/cwstat, and of /proc/cwstat, must see a total of 0 and no rows,
# while root's cached view still shows x's 5 (which proves the read came
# from the cache taken while x lived).

. "$(dirname "$0")/lib.sh"

# x must take the lowest free number, so that x's number is the lowest free
# one once x is gone. Numbers freed below it late (the netns of an earlier
# test, freed by a workqueue) would be taken first: let those cleanups end,
# and fill what they left with two netns that stay.
sleep 3
ns_add fill1 || bail "ip netns add fill1"
ns_add fill2 || bail "ip netns add fill2"

# doomed NAME: the netns NAME, already made, gets 5 CLOSE_WAIT that root's
# read caches for an hour (the module loaded anew: its first walk); then it
# goes, and this waits until the netns core has begun to free it (its nsid
# gone), so that its number is free, or nearly (the pass frees numbers at
# its end), before the next netns is made.
doomed() {
	x=$1
	ino_x=$(ns_ino "$x")
	nsid_x=$(ns_nsid "$x") || bail "ip netns set $x auto"
	factory_start "$x" -N "$(ns_file "$x")" -n 5
	need_mod max_age_ms=3600000
	snap "$CW_T/before"
	assert_eq "root sees netns $x ($ino_x) with its 5 CLOSE_WAIT" \
		"$(cw_val "$CW_T/before" netns "ns=$ino_x" close_wait)" 5
	factory_stop "$x"
	ns_del "$x" || bail "ip netns del $x"
	wait_until 60 nsid_gone "$nsid_x" ||
		skip_all "netns cleanup did not free $x within 60 s"
}
ns_add x || bail "ip netns add x"
doomed x

# Then the next new netns takes x's number, unless a lower one is free: an
# earlier test's netns freed late (by the same work item). That netns's
# /proc/net entries (about 50, from the same allocator) may then take x's
# number for good (7.2 lost it that way after visibility, every time, while
# this test waited for the number instead of for the cleanup). So a netns
# that did not get x's number becomes the doomed one, up to 5 times.
: >"$CW_T/yn"
y=
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	ns_add "y$i" || bail "ip netns add y$i"
	ino=$(ns_ino "y$i")
	echo "y$i $ino" >>"$CW_T/yn"
	if [ "$ino" = "$ino_x" ]; then
		y=y$i
		break
	fi
	[ $i -lt 5 ] && doomed "y$i"
done
diag "the last doomed netns had $ino_x; new:" "$(tr '\n' ' ' <"$CW_T/yn")"
[ -n "$y" ] || skip_all "no new netns got the number of the one before in 5 rounds"
ok "new netns $y got x's inode number $ino_x"

snap "$CW_T/root"
assert_eq "root's read is still the cached one: x's row, 5 CLOSE_WAIT" \
	"$(cw_val "$CW_T/root" netns "ns=$ino_x" close_wait)" 5

runas=$CW_BIN/cw_runas
nsrun "$y" "$runas" 65534 65534 cat /proc/net/cwstat >"$CW_T/ynet" 2>"$CW_T/ynet.err"
assert_eq "uid 65534 in $y reads /proc/net/cwstat" "$?" 0
diag_file "$CW_T/ynet.err"
format_ok "$y's /proc/net/cwstat: well-formed" "$CW_T/ynet"
assert_eq "$y's /proc/net/cwstat: total close_wait 0, none of x's" \
	"$(cw_val "$CW_T/ynet" total "" close_wait)" 0
assert_eq "$y's /proc/net/cwstat: no netns or cgroup rows" \
	"$(cw_rows "$CW_T/ynet" netns) $(cw_rows "$CW_T/ynet" cgroup)" "0 0"

nsrun "$y" "$runas" 65534 65534 cat /proc/cwstat >"$CW_T/yall" 2>"$CW_T/yall.err"
assert_eq "uid 65534 in $y reads /proc/cwstat" "$?" 0
diag_file "$CW_T/yall.err"
assert_eq "$y's /proc/cwstat: total close_wait 0, no rows" \
	"$(cw_val "$CW_T/yall" total "" close_wait) $(cw_rows "$CW_T/yall" netns) $(cw_rows "$CW_T/yall" cgroup)" \
	"0 0 0"

# And its own sockets are its own, once the cache is refreshed.
echo 0 >/sys/kernel/cwstat/max_age_ms
factory_start y -N "$(ns_file "$y")" -n 2
nsrun "$y" "$runas" 65534 65534 cat /proc/net/cwstat >"$CW_T/ynet2"
assert_eq "$y's own 2 CLOSE_WAIT, under the number x had" \
	"$(cw_val "$CW_T/ynet2" total "" close_wait) $(cw_val "$CW_T/ynet2" netns "ns=$ino_x" close_wait)" \
	"2 2"
factory_stop y

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: full
# cw-order: 174
#
# drydrift (live mode): a socket the probe missed while a reconciliation
# walked (the pool dry at max_tracked), and which that walk then found and
# tracked, is a repair, not drift. drift counts what the probe should have
# tracked and did not; the reconciliation explains its insertions by the
# misses pending when it began plus the misses made while it ran.
#
# max_tracked=1024, all of it held by netns f (a private established hash
# of one bucket: one batch of the walk). A reconciliation is held by the
# test build's window pick_examine (5 s) at f's batch; meanwhile netns x
# (a private hash, walked after f's) gets a socket in CLOSE_WAIT, missed
# (tracked_overflow 1), and one of f's closes, freeing an entry. The walk
# then reaches x's table and tracks x's socket. Checks: drift 0, tracked
# 1024, x counted, tracked_overflow 1, and no "corrected a drift" in dmesg.

. "$(dirname "$0")/lib.sh"

WIN=/sys/module/cwstat/parameters/windows

have_private_ehash || skip_all "needs per-netns established hash tables"
need_mod max_age_ms=0 max_tracked=1024
is_live || skip_all "live mode only"
[ -w $WIN ] || skip_all "needs the test build's race windows"

# f and x: private established hashes of one bucket each.
ns_add f private 1 || bail "netns f"
ns_add x private 1 || bail "netns x"
ix=$(ns_ino x)

wait_until 30 seeded_and_followed || bail "seeding and follow-up"
factory_start f1 -N "$(ns_file f)" -n 1023
factory_start f2 -N "$(ns_file f)" -n 1
assert_eq "tracked: max_tracked, all f's" "$(mod_param tracked)" 1024
assert_eq "no miss yet" "$(mod_param tracked_overflow)" 0
d0=$(mod_param drift)
dmesg -c >/dev/null 2>&1

o0=$(win_opened pick_examine)
echo "pick_examine=5000000" >$WIN || bail "open the window pick_examine"
reconcile &
rp=$!
moved() {
	[ "$(win_opened pick_examine)" != "$o0" ]
}
wait_until 20 moved || bail "the reconciliation reached f's batch"
factory_start x1 -N "$(ns_file x)" -n 1
assert_eq "x's socket missed: the pool is dry" "$(mod_param tracked_overflow)" 1
factory_stop f2
wait $rp
echo off >$WIN
# f's batch, x's, and a repair's, which the miss asked for, may open it.
assert_ge "the window opened (f's batch first)" "$(($(win_opened pick_examine) - o0))" 1

snap "$CW_T/s"
assert_eq "x's socket tracked by the walk" \
	"$(cw_val "$CW_T/s" netns "ns=$ix" close_wait)" 1
assert_eq "tracked: f's 1023 and x's 1" "$(mod_param tracked)" 1024
assert_eq "drift: 0 (a miss made during the walk is no drift)" \
	"$(($(mod_param drift) - d0))" 0
assert_eq "no 'corrected a drift' in dmesg" \
	"$(dmesg | grep -c 'corrected a drift')" 0
assert_eq "tracked_overflow: the 1 miss" "$(mod_param tracked_overflow)" 1

factory_stop x1
factory_stop f1
cw_exit

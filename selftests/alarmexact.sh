#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: core
# cw-order: 378
#
# alarmexact (live mode): every read of /sys/kernel/cwstat/alarm gives the
# level of the exact count at that read, across threshold crossings, even
# while the evaluation that the crossing queued has not run yet. The
# reader must not be told a level the count left: a monitoring agent
# reads the level right after its poll() wakes, or on its own schedule.
#
# The test build's window alarm_eval (may sleep) holds each queued
# evaluation for 3 s before it runs. With warn 4 and crit 8, factories add
# and remove sockets in CLOSE_WAIT, and after each step (the factory
# ready, or gone) the level read at once must be the level of the test's
# own count: 5 (warn), 9 (crit), 5 (warn), 0 (ok); tracked agrees. Then
# what reads cost: no sum over the CPUs far from the thresholds, one per
# read near them.
# Before each step the evaluations queued so far are let run out (settle:
# 7 s), so that the step's crossing queues one that the window holds
# while the level is read, not one already pending, which a read would
# run itself.

. "$(dirname "$0")/lib.sh"

S=/sys/kernel/cwstat
WIN=/sys/module/cwstat/parameters/windows

mod_unload
mod_load max_age_ms=0 || bail "insmod"
is_live || skip_all "live mode only"
[ -w $WIN ] || skip_all "needs the test build's race windows"
grep -q '^alarm_eval ' $WIN || bail "no window alarm_eval in $WIN"

count=0
# level_of N: the level of count N with warn 4 and crit 8.
level_of() {
	if [ "$1" -ge 8 ]; then
		echo crit
	elif [ "$1" -ge 4 ]; then
		echo warn
	else
		echo ok
	fi
}

# step DESC: the level read at once, and tracked, against the count.
step() {
	local got tr
	got=$(cat $S/alarm)
	tr=$(mod_param tracked)
	assert_eq "$1: alarm $(level_of $count) at $count, tracked $count" \
		"$got $tr" "$(level_of $count) $count"
}

echo 4 >$S/warn && echo 8 >$S/crit || bail "set the thresholds"
step "no sockets"
echo "alarm_eval=3000000" >$WIN || bail "open the window alarm_eval"

# settle: let the evaluations queued so far (3 s each) run out.
settle() {
	sleep 7
}

settle
factory_start a -n 5
count=5
step "a: 5 sockets"
settle
factory_start b -n 4
count=9
step "a, b: 9 sockets"
settle
factory_stop b
count=5
step "b gone"
settle
factory_stop a
count=0
step "a gone"
diag "alarm_eval opened $(awk '$1 == "alarm_eval" { print $4 }' $WIN) times"

echo off >$WIN

# What a read costs the probe: far from every threshold (the counter's
# approximate value, give or take its batch on every CPU, inside the
# level's band), no sum over the CPUs, whoever reads in a loop; near one,
# a sum per read, for the exact level (test builds count them).
factory_start c -n 5
count=5
echo 20000 >$S/crit && echo 10000 >$S/warn || bail "set far thresholds"
reads() {
	s0=$(mod_param alarm_read_sums)
	i=0
	while [ $i -lt 100 ]; do
		cat $S/alarm >/dev/null
		i=$((i + 1))
	done
	echo "$(cat $S/alarm) $(($(mod_param alarm_read_sums) - s0))"
}
assert_eq "101 reads at 5 sockets, warn 10000: ok, and no sum" "$(reads)" "ok 0"
echo 6 >$S/warn || bail "set warn 6"
assert_eq "101 reads at 5 sockets, warn 6: ok, and a sum each" "$(reads)" "ok 101"
factory_stop c
echo 0 >$S/crit
echo 0 >$S/warn
cw_exit

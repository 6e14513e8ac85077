#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live
# cw-tier: core
# cw-order: 230
#
# storm (live mode): more sockets in CLOSE_WAIT than max_tracked must not
# start a reconciliation per CLOSE_WAIT change (issue 16). 1300 CLOSE_WAIT
# with max_tracked=1024, and connections passing through CLOSE_WAIT a few
# times a second for 10 s: at most 2 full reconciliations (there were 10),
# and "capped" reports the state. Once sockets close and the table has room,
# a repair tracks the missed ones without drift and capped clears.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0 max_tracked=1024
is_live || skip_all "live mode only"
ns_add s || bail "ip netns add s"
ino=$(ns_ino s)

factory_start big -N "$(ns_file s)" -n 1000
factory_start small -N "$(ns_file s)" -n 300
assert_eq "tracked is max_tracked" "$(mod_param tracked)" 1024
assert_eq "ss sees 1300" "$(nsrun s ss -Htan state close-wait | wc -l)" 1300
assert_eq "capped says the table is full" "$(mod_param capped 2>&1)" 1
# Let the repair that the first misses asked for run and settle.
sleep 3
r0=$(mod_param reconciles)
t0=$(now_cs)
conns=0
while [ "$(now_cs)" -lt $((t0 + 1000)) ]; do
	factory_start c -N "$(ns_file s)" -n 1
	factory_stop c
	conns=$((conns + 1))
	sleep 0.1
done
sleep 1
r1=$(mod_param reconciles)
diag "$conns connections through CLOSE_WAIT in $((($(now_cs) - t0) / 100)) s: $((r1 - r0)) reconciliations"
# A floor on throughput: the debug kernels lower it (CW_CHURN_FLOOR_PCT).
assert_ge "at least $(churn_floor 10) connections passed through CLOSE_WAIT" \
	"$conns" "$(churn_floor 10)"
assert_range "at most 2 reconciliations in those 10 s" "$((r1 - r0))" 0 2
assert_eq "still capped" "$(mod_param capped 2>&1)" 1
assert_eq "tracked stays max_tracked" "$(mod_param tracked)" 1024

factory_stop big
assert_close_wait_within 20 "$ino" 300 \
	"after 1000 closed, the misses are repaired: close_wait=300"
assert_eq "capped is cleared" "$(mod_param capped 2>&1)" 0
assert_eq "no drift" "$(mod_param drift)" 0
factory_stop small
assert_eq "tracked back to 0" "$(mod_param tracked)" 0

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
#
# overflow (live mode): max_tracked=1024 and 1100 sockets in CLOSE_WAIT.
# The table holds 1024, tracked_overflow counts the 76 misses, and
# /proc/cwstat shows 1024 (documented: an undercount, flagged by the
# counter). Once 1000 of them close, the misses are repaired without help
# (a freed entry schedules a reconciliation), with no drift: all 100 left
# are counted, as ss counts them.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0 max_tracked=1024
is_live || skip_all "live mode only"
ns_add o || bail "ip netns add o"
ino=$(ns_ino o)

factory_start o1 -N "$(ns_file o)" -n 1000
factory_start o2 -N "$(ns_file o)" -n 100
assert_eq "the pool stops at max_tracked" "$(mod_param pool_entries)" 1024
assert_eq "tracked is max_tracked" "$(mod_param tracked)" 1024
assert_eq "tracked_overflow counts the 76 misses" \
	"$(mod_param tracked_overflow)" 76
snap "$CW_T/s"
format_ok "well-formed" "$CW_T/s"
assert_eq "close_wait shows the tracked ones" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" 1024
assert_eq "ss sees all 1100" "$(nsrun o ss -Htan state close-wait | wc -l)" 1100

r1=$(mod_param reconciles)
factory_stop o1
repaired() {
	snap "$CW_T/s"
	[ "$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" = 100 ]
}
if wait_until 15 repaired; then
	ok "after 1000 closed, the misses are repaired: close_wait=100"
else
	fail "after 1000 closed, the misses are repaired: close_wait=100" \
		"close_wait=$(cw_val "$CW_T/s" netns "ns=$ino" close_wait), tracked=$(mod_param tracked)"
fi
assert_eq "tracked" "$(mod_param tracked)" 100
assert_eq "no drift: misses are not drift" "$(mod_param drift)" 0
assert_ge "a reconciliation repaired them" "$(mod_param reconciles)" $((r1 + 1))
factory_stop o2
assert_eq "tracked back to 0" "$(mod_param tracked)" 0

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: full
# cw-order: 172
#
# sharedcap (live mode): max_tracked is one table for the whole host, not a
# share per netns or container (Documentation/modes.md, "One table for the
# host"). With max_tracked=1024, netns a fills it (1030 sockets in
# CLOSE_WAIT: 1024 tracked, 6 missed); then netns b's 5 sockets are all
# missed: b's own /proc/cwstat counts 0 of them although ss in b sees 5,
# and nothing in b's /proc/cwstat says so; the host's health counters do
# (capped 1, tracked_overflow 11). Once a's sockets close, a repair
# tracks b's 5 without help, with no drift.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0 max_tracked=1024
is_live || skip_all "live mode only"
ns_add a || bail "ip netns add a"
ns_add b || bail "ip netns add b"
ia=$(ns_ino a)
ib=$(ns_ino b)

factory_start a1 -N "$(ns_file a)" -n 1030
factory_start b1 -N "$(ns_file b)" -n 5
assert_eq "tracked: max_tracked, all of them a's" "$(mod_param tracked)" 1024
assert_eq "tracked_overflow: a's 6 and b's 5" "$(mod_param tracked_overflow)" 11
assert_eq "capped" "$(mod_param capped)" 1
snap "$CW_T/sb" b
format_ok "b's /proc/cwstat well-formed" "$CW_T/sb"
assert_eq "b's /proc/cwstat counts none of b's 5 (no row)" \
	"$(cw_val "$CW_T/sb" netns "ns=$ib" close_wait)" ""
assert_eq "ss in b sees b's 5" \
	"$(nsrun b ss -Htan state close-wait | wc -l | tr -d ' ')" 5
assert_eq "nothing in b's /proc/cwstat names the cap" \
	"$(grep -ci 'cap\|overflow\|lower' "$CW_T/sb")" 0
snap "$CW_T/sa" a
assert_eq "a's /proc/cwstat counts 1024 of a's 1030" \
	"$(cw_val "$CW_T/sa" netns "ns=$ia" close_wait)" 1024

factory_stop a1
assert_close_wait_within 20 "$ib" 5 \
	"once a's close, a repair tracks b's 5: close_wait=5 in b"
assert_eq "tracked: b's 5" "$(mod_param tracked)" 5
assert_eq "no drift: misses are not drift" "$(mod_param drift)" 0
factory_stop b1
cw_exit

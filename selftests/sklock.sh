#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: core
# cw-order: 210
#
# sklock (live mode): a socket whose lock a process holds for good must not
# hang the module (issue 16). cw_lockhold holds a CLOSE_WAIT socket's lock
# with a send() stalled in a userfault, as a hung NFS or FUSE page would.
# While it holds it:
#  - insmod (the seeding walk), a write to reconcile and rmmod each return
#    within 10 s (they used to wait in D state in lock_sock())
#  - the socket is not tracked, and the health counter "unresolved" says so
#  - the socket's other sockets are counted as ss counts them
# Once the lock is released, a reconciliation tracks it and unresolved is 0.
# cwstat show, prom, -o json and check say the counts are a lower bound
# while unresolved is 1, and nothing more once it is 0 (tool_health).
# With an ESTABLISHED socket held from before insmod, the follow-up
# reconciliation (1 s after the seeding) leaves nothing unresolved, and no
# repair runs after it: a socket not in CLOSE_WAIT is nothing to repair.
#
# Each step runs in the background and is waited for 10 s at most
# (bounded, in lib.sh); a step still blocked then fails, and the lock is
# released so that it ends.

. "$(dirname "$0")/lib.sh"

mod_unload
ns_add k || bail "ip netns add k"
ino=$(ns_ino k)
factory_start other -N "$(ns_file k)" -n 3

do_reconcile() {
	echo 1 >/sys/kernel/cwstat/reconcile
}

lockhold_start k
assert_eq "ss: the held socket and 3 others in CLOSE_WAIT" \
	"$(nsrun k ss -Htan state close-wait | wc -l)" 4

t0=$(now_cs)
bounded "insmod (seeding) with the lock held" mod_load max_age_ms=0
mod_loaded || bail "cwstat loaded"
is_live || skip_all "live mode only"
diag "insmod took $(($(now_cs) - t0)) cs"
assert_eq "seeding: the 3 free sockets tracked" "$(mod_param seeded)" 3
assert_eq "unresolved counts the held socket after seeding" \
	"$(mod_param unresolved 2>&1)" 1
[ -x "$CW_TOOL" ] && tool_health
check "dmesg: the held socket, in CLOSE_WAIT, owned at all 5 looks" \
	sh -c 'dmesg | grep -q "1 sockets in CLOSE_WAIT could not be examined: a process owned them at all 5 looks"'
snap "$CW_T/s"
format_ok "well-formed" "$CW_T/s"
assert_eq "close_wait counts less, not more: 3" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" 3

t0=$(now_cs)
bounded "a write to reconcile with the lock held" do_reconcile
diag "reconcile took $(($(now_cs) - t0)) cs"
assert_eq "unresolved after the reconciliation" "$(mod_param unresolved 2>&1)" 1
assert_eq "no drift" "$(mod_param drift)" 0

# rmmod while a reconciliation runs: it used to wait for that one's
# lock_sock() behind cwstat_reconcile_mutex.
reconcile_rmmod() {
	echo 1 >/sys/kernel/cwstat/reconcile 2>/dev/null &
	sleep 0.3
	mod_unload
	wait $!
	! mod_loaded
}
bounded "rmmod during a reconciliation, with the lock held" reconcile_rmmod
check "cwstat unloaded" sh -c '! test -d /sys/module/cwstat'

# Loaded again; then the lock is released and a reconciliation finds it.
bounded "insmod again with the lock held" mod_load max_age_ms=0
lockhold_release || fail "cw_lockhold released the lock" "$(cat "$CW_T/hold.err")"
bounded "a write to reconcile after the release" do_reconcile
assert_eq "unresolved is 0 once the lock is free" \
	"$(mod_param unresolved 2>&1)" 0
[ -x "$CW_TOOL" ] && tool_health
assert_eq "tracked: all 4" "$(mod_param tracked)" 4
snap "$CW_T/s"
assert_eq "close_wait=4, as ss" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" \
	"$(nsrun k ss -Htan state close-wait | wc -l)"
assert_eq "no drift: an unresolved socket is not drift" "$(mod_param drift)" 0

# The same with an ESTABLISHED socket held: it cannot hang a walk either.
lockhold_start k est
bounded "a write to reconcile with an ESTABLISHED socket held" do_reconcile
bounded "rmmod during a reconciliation, with an ESTABLISHED socket held" \
	reconcile_rmmod
bounded "insmod with an ESTABLISHED socket held" mod_load max_age_ms=0
assert_eq "tracked: the 3" "$(mod_param tracked)" 3
wait_until 20 seeded_and_followed || fail "the follow-up reconciliation ran" \
	"reconciles=$(mod_param reconciles)"
assert_eq "unresolved is 0 after the follow-up: the held socket is not in CLOSE_WAIT" \
	"$(mod_param unresolved 2>&1)" 0
# A reconciliation that leaves nothing resets the repair wait to 1 s, so
# any repair still asked for would run within a few seconds, TCG or not.
r0=$(mod_param reconciles)
sleep 10
assert_eq "no repair in the 10 s after the follow-up (reconciles stays $r0)" \
	"$(mod_param reconciles)" "$r0"
assert_eq "no drift with an ESTABLISHED socket held" "$(mod_param drift)" 0
lockhold_stop

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live
# cw-tier: core
# cw-order: 370
#
# reapbusy (live mode): the reaper must not sleep on a socket whose lock a
# process holds. lock_sock() (tcp_abort()'s) waits for as long as the owner
# holds the socket: with a send() stalled in a fault that never resolves,
# a reap request (and rmmod, which waits for the request) would wait in D
# state for good. reaplook.sh has the owner arrive during the reaper's
# look instead.
#
# cw_lockhold holds a tracked CLOSE_WAIT socket's lock. A request that
# matches it returns within 10 s, aborts nothing and says "skipped_busy 1";
# the socket is still in CLOSE_WAIT (ss) and its peer saw no RST. rmmod
# during such a request returns within 10 s too. Once the lock is released,
# the same request aborts it: ss no longer lists it in CLOSE_WAIT.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap

mod_unload
ns_add k || bail "ip netns add k"
mod_load max_age_ms=0 reap_min_age_s=1 || bail "insmod"
is_live || skip_all "live mode only"

# rval KEY: a value of the last request's result.
rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/bounded.out"
}

cw_on_port() {
	nsrun k ss -Htan state close-wait "sport = :$LOCKHOLD_PORT" | wc -l |
		tr -d ' '
}

do_reap() {
	nsrun k "$CW_BIN/cw_reap" "$R" "older_than=1 lport=$LOCKHOLD_PORT"
}

# Entered CLOSE_WAIT with the module loaded: tracked by the probe.
lockhold_start k
assert_eq "ss: the held socket in CLOSE_WAIT" "$(cw_on_port)" 1
assert_eq "tracked: the held socket" "$(mod_param tracked)" 1
sleep 2

bounded "a reap request matching the held socket" do_reap
assert_eq "matched 1" "$(rval matched)" 1
assert_eq "aborted 0: its lock is held" "$(rval aborted)" 0
assert_eq "skipped_busy 1" "$(rval skipped_busy)" 1
assert_eq "ss: still in CLOSE_WAIT" "$(cw_on_port)" 1
assert_eq "reaped stays 0" "$(mod_param reaped)" 0

# rmmod while a request runs: reap_delay_ms is not set, so the request is
# short unless it sleeps on the lock; rmmod waits for it either way.
reap_rmmod() {
	do_reap >/dev/null 2>&1 &
	sleep 0.2
	mod_unload
	wait $!
	! mod_loaded
}
bounded "rmmod during a reap request, with the lock held" reap_rmmod

mod_load max_age_ms=0 reap_min_age_s=1 || bail "insmod again"
# Seeded from rcv_tstamp: its age survives the reload. The seeding cannot
# examine an owned socket; the repair after the release tracks it.
lockhold_release || fail "cw_lockhold released the lock" "$(cat "$CW_T/hold.err")"
reconcile
assert_eq "tracked once the lock is free" "$(mod_param tracked)" 1
# The released send() got its ACK: rcv_tstamp, and so the seeded age, is
# new; make it older than older_than again.
sleep 2
bounded "the same request once the lock is free" do_reap
assert_eq "matched 1" "$(rval matched)" 1
assert_eq "aborted 1" "$(rval aborted)" 1
assert_eq "skipped_busy 0" "$(rval skipped_busy)" 0
assert_eq "ss: no longer in CLOSE_WAIT" "$(cw_on_port)" 0
lockhold_stop

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: full
# cw-order: 272
#
# walkstop (live mode): unload cuts a reconciliation's walk short. A
# reconciliation holds its mutex for its walk over every bucket of every
# established hash table, and unload waits for that mutex: it sets a stop
# flag first, which the walk must obey between buckets, and not only when
# it hands a bucket's candidates on, or a walk that meets none (no socket
# in CLOSE_WAIT anywhere) runs to its end while rmmod waits.
#
# The test build holds each bucket of the candidate walk open (window
# walk_bucket, STEP_US slept before each bucket). A write of "reconcile"
# starts a walk; once it is under way, rmmod begins. The window's OPENED
# counter, read just before rmmod and as long as the module is there
# (its parameters outlive the exit function until it returns), counts the
# buckets the walk entered after the stop: 0 or 1 (one window may open
# between the read and the flag). Then the window is closed, so that a walk
# that ignores the flag ends soon. No CLOSE_WAIT socket exists meanwhile.

. "$(dirname "$0")/lib.sh"

STEP_US=${CW_WALKSTOP_STEP_US:-300000}
MORE=${CW_WALKSTOP_MORE:-5}
WIN=/sys/module/cwstat/parameters/windows

[ "${CW_MODE:-live}" = live ] || skip_all "live mode only"
need_mod max_age_ms=0
[ -e "$WIN" ] || skip_all "release build: no windows"
grep -q '^walk_bucket ' "$WIN" || skip_all "no window walk_bucket"
wait_until 30 seeded_and_followed || bail "the seeding and its follow-up ran"

opened() {
	awk '$1 == "walk_bucket" { print $4 }' "$WIN" 2>/dev/null
}

o_start=$(opened)
echo "walk_bucket=$STEP_US" >"$WIN" || bail "open the window walk_bucket"
echo 1 >/sys/kernel/cwstat/reconcile 2>"$CW_T/rec.err" &
rec=$!
bg_register $rec
wait_until 60 sh -c "[ \$(awk '\$1 == \"walk_bucket\" { print \$4 }' $WIN) -ge $((o_start + 2)) ]" ||
	bail "the walk is under way (walk_bucket opened twice)"

o0=$(opened)
rmmod cwstat 2>"$CW_T/rmmod.err" &
rm_pid=$!
# Follow the counter while rmmod runs; the last value read is the walk's.
o1=$o0
end=$(($(now_cs) + 60 * 100))
while _pid_alive $rm_pid && [ "$(now_cs)" -lt $end ]; do
	v=$(opened)
	[ -n "$v" ] && o1=$v
	[ $((o1 - o0)) -gt "$MORE" ] && break
	sleep 0.05
done
# Let a walk that ignores the stop end soon, then wait for rmmod.
{ echo off >"$WIN"; } 2>/dev/null
wait $rm_pid
rm_rc=$?
wait $rec 2>/dev/null

diag "walk_bucket opened $((o0 - o_start)) times before rmmod, $((o1 - o0)) after (window ${STEP_US} us)"
assert_eq "rmmod succeeds" "$rm_rc" 0
assert_range "buckets the walk entered after unload began (walk_bucket's OPENED)" \
	"$((o1 - o0))" 0 1
if mod_loaded; then
	fail "the module is gone"
else
	ok "the module is gone"
fi

cw_exit

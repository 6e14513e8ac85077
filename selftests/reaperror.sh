#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
# cw-modes: live
# cw-tier: core
# cw-order: 377
#
# reaperror (live mode): the application waiting on a socket the reaper
# ends is given the documented error, ECONNABORTED (the one ss -K's
# tcp_abort() leaves, so that a reaped connection can be told from one the
# peer reset), and only that one. tcp_abort() sets sk_err before it wakes
# the waiters; the reaper's end must too: an event loop that wakes on
# POLLERR reads SO_ERROR without the socket lock, at once.
#
# cw_errwait waits in poll() on its socket in CLOSE_WAIT (no event asked
# for: only POLLERR or POLLHUP end it; a blocked read() is not possible in
# CLOSE_WAIT, which reads EOF), pinned to CPU 1; the reaper runs on CPU 0,
# and the test build's window reap_error holds it for 100 ms between
# ending the connection and setting its error. The waiter must read
# SO_ERROR ECONNABORTED, then recv() ENOTCONN (the error was taken once);
# the request: aborted 1, the window opened once.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap
WIN=/sys/module/cwstat/parameters/windows

mod_unload
ns_add k || bail "ip netns add k"
mod_load max_age_ms=0 reap_min_age_s=1 || bail "insmod"
is_live || skip_all "live mode only"
[ -w $WIN ] || skip_all "needs the test build's race windows"
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs"
grep -q '^reap_error ' $WIN || bail "no window reap_error in $WIN"

opened() {
	awk -v w="$1" '$1 == w { print $4 }' $WIN
}

rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/reap.out"
}

taskset 2 "$CW_BIN/cw_errwait" -N "$(ns_file k)" -o "$CW_T/ew" -t 60 \
	>/dev/null 2>"$CW_T/ew.err" </dev/null &
bg_register $!
wait_until 20 test -e "$CW_T/ew.armed" ||
	bail "cw_errwait armed" "$(cat "$CW_T/ew.err")"
port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$CW_T/ew.armed")
assert_eq "tracked: the waiter's socket" "$(mod_param tracked)" 1
sleep 2

o0=$(opened reap_error)
echo "reap_error=100000" >$WIN || bail "open the window reap_error"
nsrun k taskset 1 "$CW_BIN/cw_reap" $R "older_than=1 lport=$port" \
	>"$CW_T/reap.out" 2>&1
assert_eq "the request succeeds" "$?" 0
echo off >$WIN
diag "$(tr '\n' ' ' <"$CW_T/reap.out")"
assert_eq "matched 1, aborted 1" "$(rval matched) $(rval aborted)" "1 1"
assert_eq "the window opened once" "$(($(opened reap_error) - o0))" 1

wait_until 20 test -e "$CW_T/ew" ||
	fail "the waiter woke" "$(cat "$CW_T/ew.err")"
diag "$(cat "$CW_T/ew" 2>/dev/null)"
woke=$(sed -n 's/.* so_error=\([^ ]*\) recv=[^ ]* errno=\([^ ]*\).*/\1 \2/p' \
	"$CW_T/ew" 2>/dev/null)
assert_eq "the waiter: SO_ERROR ECONNABORTED, then recv() ENOTCONN" \
	"$woke" "ECONNABORTED ENOTCONN"

cw_exit

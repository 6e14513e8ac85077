#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
# cw-modes: live
# cw-tier: core
# cw-order: 377
#
# reaperror (live mode): the application whose socket the reaper ends is
# given exactly one error. disconnect() sets ECONNRESET and wakes the
# waiters; the reaper then turns the error into ECONNABORTED (the one
# ss -K's tcp_abort() leaves, so that a reaped connection can be told
# from one the peer reset) only if no one has taken it yet, since SO_ERROR
# and the socket calls take it without the socket lock.
#
# cw_errwait holds a socket in CLOSE_WAIT, pinned to CPU 1; the reaper
# runs on CPU 0.
#   1. A waiter in poll() (no event asked for: only POLLERR or POLLHUP end
#      it; a socket in CLOSE_WAIT reads EOF, so a blocked read() is not
#      possible), woken by disconnect() while the test build's window
#      reap_error holds the reaper 100 ms between the end and its error:
#      it reads SO_ERROR ECONNRESET, then recv() ENOTCONN - one error,
#      not ECONNRESET and then ECONNABORTED.
#   2. An application that looks only after the request returned (-g):
#      SO_ERROR ECONNABORTED, then recv() ENOTCONN.
# Each request: matched 1, aborted 1.

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

rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/reap.out"
}

# errwait NAME [ARGS]: a cw_errwait on CPU 1, armed; its port in $port.
errwait() {
	n=$1
	shift
	taskset 2 "$CW_BIN/cw_errwait" -N "$(ns_file k)" -o "$CW_T/$n" -t 60 "$@" \
		>/dev/null 2>"$CW_T/$n.err" </dev/null &
	bg_register $!
	wait_until 20 test -e "$CW_T/$n.armed" ||
		bail "cw_errwait $n armed" "$(cat "$CW_T/$n.err")"
	port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$CW_T/$n.armed")
}

# reap PORT: reap that socket from CPU 0; matched 1, aborted 1.
reap() {
	nsrun k taskset 1 "$CW_BIN/cw_reap" $R "older_than=1 lport=$1" \
		>"$CW_T/reap.out" 2>&1
	assert_eq "the request for port $1 succeeds" "$?" 0
	diag "$(tr '\n' ' ' <"$CW_T/reap.out")"
	assert_eq "matched 1, aborted 1" "$(rval matched) $(rval aborted)" "1 1"
}

# woke NAME: "SO_ERROR recv's-errno" as cw_errwait NAME read them.
woke() {
	wait_until 20 test -e "$CW_T/$1" ||
		fail "cw_errwait $1 looked" "$(cat "$CW_T/$1.err")"
	diag "$1: $(cat "$CW_T/$1" 2>/dev/null)" >&2
	sed -n 's/.* so_error=\([^ ]*\) recv=[^ ]* errno=\([^ ]*\).*/\1 \2/p' \
		"$CW_T/$1" 2>/dev/null
}

# 1. A waiter woken by disconnect() looks while the reaper is held.
errwait poller
assert_eq "tracked: the waiter's socket" "$(mod_param tracked)" 1
sleep 2
o0=$(win_opened reap_error)
echo "reap_error=100000" >$WIN || bail "open the window reap_error"
reap "$port"
echo off >$WIN
assert_eq "the window opened once" "$(($(win_opened reap_error) - o0))" 1
assert_eq "the waiter, woken inside the window: SO_ERROR ECONNRESET, then recv() ENOTCONN (one error)" \
	"$(woke poller)" "ECONNRESET ENOTCONN"

# 2. An application that looks after the reap.
errwait late -g "$CW_T/late.go"
sleep 2
reap "$port"
touch "$CW_T/late.go"
assert_eq "looked after the reap: SO_ERROR ECONNABORTED, then recv() ENOTCONN" \
	"$(woke late)" "ECONNABORTED ENOTCONN"

cw_exit

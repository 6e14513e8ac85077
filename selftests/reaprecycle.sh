#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: core
# cw-order: 376
#
# reaprecycle (live mode): the reaper ends only what the request selected.
# Between the pick (under the table's group locks) and the end (under the
# socket's spinlock), a picked socket can leave CLOSE_WAIT and come back
# to it as another connection on the same struct sock: connect(AF_UNSPEC)
# disconnects it, a new connect() and its peer's FIN bring it back, young.
# A reaper that only checks the state at the end aborts that young
# connection, which a request with a minimum age did not select.
#
# The test build's reap_delay_ms=1000 holds that gap open for the second
# socket a request picks: cw_recycle makes two sockets in CLOSE_WAIT, and
# as soon as the reaper has ended one, recycles the other into a young
# CLOSE_WAIT connection. The request (older_than=1, both sockets 2 s old
# when picked) must then report matched 2, aborted 1, skipped_state 1;
# the young connection must still be in CLOSE_WAIT (ss), tracked, and its
# application's recv() must not see an abort; reaped is 1.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap

mod_unload
ns_add k || bail "ip netns add k"
mod_load max_age_ms=0 reap_min_age_s=1 reap_delay_ms=1000 || bail "insmod"
is_live || skip_all "live mode only"
[ "$(mod_param reap_delay_ms 2>/dev/null)" = 1000 ] ||
	skip_all "needs the test build's reap_delay_ms"

# rval KEY: a value of the request's result.
rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/reap.out"
}

cw_on_port() {
	nsrun k ss -Htan state close-wait "sport = :$1" | wc -l | tr -d ' '
}

"$CW_BIN/cw_recycle" -N "$(ns_file k)" -o "$CW_T/rc" -t 100 \
	>/dev/null 2>"$CW_T/rc.err" </dev/null &
bg_register $!
wait_until 20 test -e "$CW_T/rc.armed" ||
	bail "cw_recycle armed" "$(cat "$CW_T/rc.err")"
assert_eq "ss: two sockets in CLOSE_WAIT" \
	"$(nsrun k ss -Htan state close-wait | wc -l | tr -d ' ')" 2
assert_eq "tracked: both" "$(mod_param tracked)" 2
sleep 2

nsrun k "$CW_BIN/cw_reap" $R "older_than=1" >"$CW_T/reap.out" 2>&1
rc=$?
# Read at once: the recycle must have ended before the request did, that
# is while the reaper held the second socket picked and not yet ended.
recycled=$(cat "$CW_T/rc.recycled" 2>/dev/null)
assert_eq "the request succeeds" "$rc" 0
diag "$(tr '\n' ' ' <"$CW_T/reap.out")"
case $recycled in
"recycled ended="*)
	ok "the second socket was recycled while the reaper held it picked" ;;
*)
	fail "the second socket was recycled while the reaper held it picked" \
		"got '$recycled' $(cat "$CW_T/rc.err")"
	cw_exit ;;
esac
old=$(echo "$recycled" | sed -n 's/.* ended=\([0-9]*\).*/\1/p')
young=$(echo "$recycled" | sed -n 's/.* port=\([0-9]*\).*/\1/p')
diag "ended $old, recycled as $young"

assert_eq "matched 2, aborted 1, skipped_state 1, skipped_busy 0" \
	"$(rval matched) $(rval aborted) $(rval skipped_state) $(rval skipped_busy)" \
	"2 1 1 0"
assert_eq "ss: the young connection still in CLOSE_WAIT, the old one gone" \
	"$(cw_on_port "$young") $(cw_on_port "$old")" "1 0"
assert_eq "tracked: the young connection" "$(mod_param tracked)" 1
assert_eq "reaped: 1" "$(mod_param reaped)" 1

cw_exit

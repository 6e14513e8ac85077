#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: full
# cw-order: 200
#
# reapscope: a long reap in one netns does not hold up the reaper of
# another. Requests through a netns's own file are serialised per netns
# (they can only match that netns's sockets); only a request reaching
# beyond its file's netns (ns=all, or another netns's number, root on the
# host) excludes every other. The test build's reap_delay_ms=500 makes a
# request in netns a, with 8 sockets to abort, last about 4 s; a dry run
# in netns b started 0.5 s into it must finish at once, while a's request
# still runs; a request with ns=all from the init netns waits for a's.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap
RP=$CW_BIN/cw_reap

need_mod max_age_ms=0 reap_min_age_s=1 reap_delay_ms=500
is_live || skip_all "the reaper needs mode=live"
ns_add a && ns_add b || bail "ip netns add a, b"
factory_start fa -N "$(ns_file a)" -p 7201 -n 8
factory_start fb -N "$(ns_file b)" -p 7202 -n 2
sleep 2

ta=$(now_cs)
nsrun a "$RP" $R "older_than=1" >"$CW_T/a.out" 2>&1 &
ra=$!
bg_register $ra
sleep 0.5
t0=$(now_cs)
got=$(nsrun b "$RP" $R "older_than=1 dry_run=1")
t1=$(now_cs)
a_running=no
_pid_alive $ra && a_running=yes
diag "b's dry run took $((t1 - t0)) cs; a's request still running: $a_running"
assert_eq "b's dry run went through and matched b's 2" \
	"$(printf '%s\n' "$got" | sed -n '1p;s/^matched //p' | tr '\n' ' ')" "ok 2 "
assert_eq "a's request was still running when b's ended" "$a_running" yes
assert_range "b's dry run did not wait for a's request (cs)" \
	"$((t1 - t0))" 0 150

# A request beyond its file's netns waits for every other. a's cannot end
# before its 8 sleeps of reap_delay_ms (4 s after it began); whether a's
# process has exited yet when ns=all returns is a race of two exits.
t0=$(now_cs)
got=$("$RP" $R "older_than=1 ns=all dry_run=1")
t1=$(now_cs)
assert_eq "ns=all from the init netns went through" \
	"$(printf '%s\n' "$got" | head -n 1)" ok
assert_ge "ns=all waited for a's request to end (cs since a's began)" \
	"$((t1 - ta))" 400
wait $ra
assert_eq "a's request aborted a's 8" \
	"$(sed -n '1p;s/^aborted //p' "$CW_T/a.out" | tr '\n' ' ')" "ok 8 "
diag "ns=all took $((t1 - t0)) cs"
cw_exit

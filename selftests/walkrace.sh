#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 300
# cw-modes: live
# cw-tier: full
# cw-order: 270
#
# walkrace (live mode, issue 24 defect 1): sockets that become candidates
# of the reconciliation's walk between its two passes over a bucket. The
# first pass counts a bucket's candidates and sizes the batch, the second
# takes them; a socket's state changes under its own lock, not the bucket's,
# so more may be there at the second pass. That must neither write past the
# batch (nor through a NULL one, when the first pass found none) nor lose
# a socket.
#
# The test build holds the gap open (window walk_passes, 20 ms busy-waited
# under the bucket lock) while every reconciliation walks a netns whose
# private established hash has one bucket (tcp_child_ehash_entries=1), so
# that all its sockets share one chain. In it cw_fin holds PAIRS
# ESTABLISHED connections, pinned to CPU 1; on CPU 0 cw_toggle writes
# "reconcile" without pause; then cw_fin sends the clients' FINs, one
# every 2 ms, and tcp_fin() turns the accepted ends into CLOSE_WAIT, under
# their socket locks only, about ten in each window the walk holds the
# bucket open. Round 1 starts with no CLOSE_WAIT anywhere (the batch is
# still {NULL, 0}), the later rounds with the earlier rounds' (a sized
# batch that overflows as the count passes a power of two).
#
# After each round, with the writer stopped and the window closed: the
# window opened, the walk met candidates that arrived between its passes
# (walk_overruns, test builds), and the netns's close_wait equals cw_fin's
# count and the CLOSE_WAIT entries of /proc/net/tcp in that netns; tracked
# equals it; a last reconciliation finds no drift.

. "$(dirname "$0")/lib.sh"

PAIRS=${CW_WALKRACE_PAIRS:-1500}
ROUNDS=${CW_WALKRACE_ROUNDS:-3}
WIN=/sys/module/cwstat/parameters/windows

mod_unload
[ "${CW_MODE:-live}" = live ] || skip_all "live mode only"
have_private_ehash || skip_all "no private established hash before 6.1"
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs"
command -v taskset >/dev/null || skip_all "no taskset"

need_mod max_age_ms=0
[ -e "$WIN" ] || skip_all "release build: no windows"
wait_until 30 seeded_and_followed || bail "the seeding and its follow-up ran"

# A netns with a one-bucket established hash of its own.
ns_add w private 1 || bail "ip netns add w (1 bucket)"
assert_eq "netns w: its own established hash, one bucket" "$(ehash_entries w)" 1
ino=$(ns_ino w)

# Grow the pool of free entries to hold every round's sockets at once (it
# keeps what it grew until unload): a burst that outran the refill would be
# misses, which this test is not about. In a netns of its own, deleted
# after, so that none of its sockets lingers in a table the walks visit.
ns_add p private || bail "ip netns add p"
factory_start warm -N "$(ns_file p)" -n $((PAIRS * ROUNDS))
factory_stop warm
ns_del p
diag "pool: $(mod_param pool_entries) entries after the warm-up"

opened() {
	awk '$1 == "walk_passes" { print $4 }' "$WIN"
}

# proc_tcp_close_wait: CLOSE_WAIT (08) entries of netns w's /proc/net/tcp.
proc_tcp_close_wait() {
	nsrun w cat /proc/net/tcp | awk '$4 == "08" { n++ } END { print n + 0 }'
}

total=0
r=1
while [ $r -le "$ROUNDS" ]; do
	"$CW_BIN/cw_fin" -N "$(ns_file w)" -n "$PAIRS" -c 1 -p 2000 -o "$CW_T/fin.$r" \
		>/dev/null 2>"$CW_T/fin.$r.err" </dev/null &
	fin=$!
	bg_register $fin
	wait_until 120 test -e "$CW_T/fin.$r" || {
		diag_file "$CW_T/fin.$r.err"
		bail "round $r: cw_fin holds $PAIRS ESTABLISHED pairs"
	}

	o0=$(opened)
	v0=$(mod_param walk_overruns 2>/dev/null || echo 0)
	m0=$(mod_param tracked_overflow) d0=$(mod_param drift)
	echo walk_passes=20000 >"$WIN" || bail "open the window walk_passes"
	taskset 1 "$CW_BIN/cw_toggle" /sys/kernel/cwstat/reconcile 1 \
		>"$CW_T/toggle.$r" 2>&1 &
	tog=$!
	bg_register $tog
	# Let the writer get into its walks, then the FINs.
	wait_until 30 sh -c "[ \$(awk '\$1 == \"walk_passes\" { print \$4 }' $WIN) -gt $((o0 + 2)) ]" ||
		fail "round $r: the window opens under the writer"
	kill -USR1 $fin
	wait_until 120 test -e "$CW_T/fin.$r.done" || {
		diag_file "$CW_T/fin.$r.err"
		bail "round $r: cw_fin's clients all sent their FIN"
	}
	# A few more walks over the settled chain, then quiesce.
	o1=$(opened)
	wait_until 30 sh -c "[ \$(awk '\$1 == \"walk_passes\" { print \$4 }' $WIN) -gt $((o1 + 2)) ]"
	kill -TERM $tog
	{ wait $tog; } 2>/dev/null
	echo off >"$WIN"
	o2=$(opened)
	v1=$(mod_param walk_overruns 2>/dev/null || echo 0)
	m1=$(mod_param tracked_overflow) d1=$(mod_param drift)

	held=$(sed -n 's/.* close_wait=\([0-9]*\).*/\1/p' "$CW_T/fin.$r.done")
	total=$((total + held))
	diag "round $r: $(cat "$CW_T/fin.$r.done"); window opened $((o2 - o0)) times; overruns $((v1 - v0)); misses $((m1 - m0)), drift $((d1 - d0))"
	assert_ge "round $r: the window walk_passes opened during the round" \
		"$((o2 - o0))" 3
	assert_eq "round $r: every pair in CLOSE_WAIT (cw_fin)" "$held" "$PAIRS"
	snap "$CW_T/s"
	format_ok "round $r: well-formed" "$CW_T/s"
	assert_all "round $r: netns w close_wait (cw_fin's count, /proc/net/tcp)" \
		"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" "$total" \
		"$(proc_tcp_close_wait)"
	assert_eq "round $r: tracked equals all the CLOSE_WAIT made" \
		"$(mod_param tracked)" "$total"
	echo $((v1 - v0)) >>"$CW_T/overruns"
	r=$((r + 1))
done

# A walk's batch starts empty and grows to a power of two, 16 or more,
# over the buckets before w's: w's chain overruns it when a FIN inside a
# window takes the count past the batch, at 1, 16, 32, ... 1024, so some
# twenty times over the rounds, each a window may or may not catch (each
# window holds some ten FINs; a slow kernel, KCSAN's, opens few).
assert_ge "the walk met candidates that came between its passes (walk_overruns, all rounds)" \
	"$(awk '{ s += $1 } END { print s + 0 }' "$CW_T/overruns")" 1
check "a last reconciliation" reconcile
assert_eq "no drift" "$(mod_param drift)" 0
assert_eq "close_wait after it, as /proc/net/tcp" \
	"$(snap "$CW_T/s"; cw_val "$CW_T/s" netns "ns=$ino" close_wait)" \
	"$(proc_tcp_close_wait)"

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: core
# cw-order: 372
#
# reapqueue (live mode): the reaper and a listener's close meet on the
# children it never accepted (issue 24). A child still in the accept queue
# that got its client's FIN is in CLOSE_WAIT, unowned and tracked: the
# wedged server an operator reaps. inet_csk_listen_stop() handles each
# child under bh_lock_sock() alone and WARNs if a process owns it, so a
# reaper that owns a child (lock_sock(), inside tcp_abort()) while the
# listener closes panics a panic_on_warn host, and then destroys the child
# a second time.
#
# 40 such children wait in one listener's queue. A reap request matching
# them runs with the test build's window reap_look held open for 100 ms at
# each child (between the reaper's look at it and its abort), and
# cw_qchurn closes the listener as soon as the window first opens (each
# pinned to a CPU of its own, so that neither waits for the other). Then:
# no kernel warning; every child matched, aborted by the reaper or gone
# with its listener first (aborted + skipped_state = 40, nothing busy), the
# reaper's aborts exactly the window's openings; every client saw a RST;
# nothing left in CLOSE_WAIT (ss), the table empty, no drift.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap
WIN=/sys/module/cwstat/parameters/windows
N=40

mod_unload
ns_add q || bail "ip netns add q"
mod_load max_age_ms=0 reap_min_age_s=1 || bail "insmod"
is_live || skip_all "live mode only"
[ -w $WIN ] || skip_all "needs the test build's race windows"
# The reaper holds the window on CPU 0 while the listener closes on CPU 1.
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs"

# opened NAME: how often window NAME has opened.
# rval KEY: a value of the reap's result.
rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/reap.out"
}

rm -f "$CW_T/q" "$CW_T/q.armed"
taskset 2 "$CW_BIN/cw_qchurn" -N "$(ns_file q)" -L 1 -Q $N -W reap_look \
	-o "$CW_T/q" >/dev/null 2>"$CW_T/q.err" </dev/null &
qpid=$!
bg_register $qpid
wait_until 30 test -e "$CW_T/q.armed" ||
	bail "cw_qchurn: $N children in CLOSE_WAIT" "$(cat "$CW_T/q.err")"
assert_eq "ss: the $N children in CLOSE_WAIT" \
	"$(nsrun q ss -Htan state close-wait | wc -l)" $N
assert_eq "tracked: the $N children" "$(mod_param tracked)" $N
# older than older_than=1
sleep 2

o0=$(win_opened reap_look)
reaped0=$(mod_param reaped)
echo "reap_look=100000" >$WIN || bail "open the window reap_look"
nsrun q taskset 1 "$CW_BIN/cw_reap" $R "older_than=1" >"$CW_T/reap.out" 2>&1
rc=$?
echo off >$WIN
assert_eq "the reap request succeeds" "$rc $(head -n 1 "$CW_T/reap.out")" "0 ok"
wait_until 30 test -e "$CW_T/q" ||
	fail "cw_qchurn closed its listener" "$(cat "$CW_T/q.err")"
wait $qpid
diag "reap: $(tr '\n' ' ' <"$CW_T/reap.out")/ $(cat "$CW_T/q" 2>/dev/null)"
o1=$(win_opened reap_look)
ab=$(rval aborted)

if dmesg | grep -E 'WARNING:|BUG:|inet_csk_listen_stop|refcount_t' >"$CW_T/warn"; then
	fail "no kernel warning" "$(head -n 5 "$CW_T/warn")"
else
	ok "no kernel warning"
fi
assert_eq "matched $N, none busy or beyond max" \
	"$(rval matched) $(rval skipped_busy) $(rval skipped_max)" "$N 0 0"
assert_eq "aborted + skipped_state = $N" "$((ab + $(rval skipped_state)))" $N
assert_ge "the window opened, the listener closed in it" "$((o1 - o0))" 1
assert_eq "aborted = the window's openings (one per abort)" "$ab" "$((o1 - o0))"
assert_eq "reaped counts the aborts" "$(mod_param reaped)" "$((reaped0 + ab))"
assert_eq "every client saw a RST" \
	"$(sed -n 's/.* reset=\([0-9]*\) other=\([0-9]*\).*/\1 \2/p' "$CW_T/q")" "$N 0"
assert_eq "ss: none left in CLOSE_WAIT" \
	"$(nsrun q ss -Htan state close-wait | wc -l)" 0
assert_eq "tracked 0" "$(mod_param tracked)" 0
check "a reconciliation" reconcile
assert_eq "no drift" "$(mod_param drift)" 0

cw_exit

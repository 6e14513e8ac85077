#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live
# cw-tier: core
# cw-order: 374
#
# reaplook (live mode): nothing in the reaper sleeps on a socket lock, not
# even when a process takes the lock between the reaper's look at the
# socket and its abort (issue 24). A container's root controls both ends
# of its connections: a send() from a userfaultfd or FUSE page it never
# resolves holds its socket's lock for as long as it likes, and a reaper
# that then waits in lock_sock() (tcp_abort()'s) hangs in D state with its
# request, the other requests behind the reap lock, and rmmod.
#
# The test build's window reap_look holds that gap open for 100 ms, and
# cw_lockhold -W sends on its CLOSE_WAIT socket as soon as the window
# opens (each pinned to a CPU of its own, so that neither waits for the
# other). Each step must return within 10 s (else the holder's fault is
# resolved so that it ends):
#  1. a reap request matching that socket: aborted 1, the window opened
#     once, and the late send() fails ECONNABORTED without reaching its
#     page, since the socket is reset by then (ss: no longer in CLOSE_WAIT);
#  2. a request matching a socket whose lock is held from the start and
#     another whose owner arrives in the window: matched 2, aborted 1,
#     skipped_busy 1 (the held one is still in CLOSE_WAIT);
#  3. rmmod while a request is in the window, with an owner arriving.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap
WIN=/sys/module/cwstat/parameters/windows

mod_unload
ns_add k || bail "ip netns add k"
mod_load max_age_ms=0 reap_min_age_s=1 || bail "insmod"
is_live || skip_all "live mode only"
[ -w $WIN ] || skip_all "needs the test build's race windows"
# The reaper holds the window on CPU 0 while the owner arrives on CPU 1.
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs"

# opened NAME: how often window NAME has opened.
# rval KEY: a value of the last step's output (a reap's result).
rval() {
	awk -v k="$1" '$1 == k { print $2 }' "$CW_T/step.out"
}

cw_on_port() {
	nsrun k ss -Htan state close-wait "sport = :$1" | wc -l | tr -d ' '
}

# arm A: cw_lockhold A in netns k, in CLOSE_WAIT, sending once reap_look
# opens; its port in $CW_T/a.A.port.
arm() {
	rm -f "$CW_T/a.$1" "$CW_T/a.$1".*
	taskset 2 "$CW_BIN/cw_lockhold" -N "$(ns_file k)" -o "$CW_T/a.$1" -t 120 \
		-W reap_look >/dev/null 2>"$CW_T/a.$1.err" </dev/null &
	echo $! >"$CW_T/a.$1.pid"
	bg_register $!
	wait_until 20 test -e "$CW_T/a.$1.armed" ||
		bail "cw_lockhold $1 armed" "$(cat "$CW_T/a.$1.err")"
	sed -n 's/.* port=\([0-9]*\).*/\1/p' "$CW_T/a.$1.armed" >"$CW_T/a.$1.port"
}

# unstick: resolve the fault of every armed holder that got its lock, so
# that a reaper waiting for it ends.
unstick() {
	local f a
	for f in "$CW_T"/a.*.pid; do
		a=${f%.pid}
		[ -e "$a" ] || continue
		kill -USR1 "$(cat "$f")" 2>/dev/null
		wait_until 20 test -e "$a.released"
	done
}

# within10 DESC CMD...: CMD returns within 10 s with status 0; if it is
# still blocked then, unstick the holders and wait for it.
within10() {
	local desc=$1 pid
	shift
	rm -f "$CW_T/step.rc"
	(
		"$@" >"$CW_T/step.out" 2>&1
		echo $? >"$CW_T/step.rc"
	) &
	pid=$!
	if wait_until 10 test -s "$CW_T/step.rc"; then
		assert_eq "$desc returns within 10 s" "$(cat "$CW_T/step.rc")" 0
	else
		fail "$desc returns within 10 s" "still blocked after 10 s; resolving the holder's fault"
		unstick
		wait_until 30 test -s "$CW_T/step.rc"
		diag "it returned after that: status $(cat "$CW_T/step.rc" 2>/dev/null)"
	fi
	wait "$pid"
	diag "$(tr '\n' ' ' <"$CW_T/step.out")"
}

# the outcome of armed holder A's send(): "sent ..." or "held"
sent() {
	wait_until 20 test -e "$CW_T/a.$1.sent" -o -e "$CW_T/a.$1"
	if [ -e "$CW_T/a.$1.sent" ]; then
		cut -d' ' -f2- "$CW_T/a.$1.sent"
	else
		echo held
	fi
}

reap_port() {
	nsrun k taskset 1 "$CW_BIN/cw_reap" $R "older_than=1 lport=$1"
}

reap_all() {
	nsrun k taskset 1 "$CW_BIN/cw_reap" $R "older_than=1"
}

# ---- 1. the owner arrives in the window --------------------------------------
arm one
p1=$(cat "$CW_T/a.one.port")
assert_eq "ss: the armed socket in CLOSE_WAIT" "$(cw_on_port "$p1")" 1
assert_eq "tracked: the armed socket" "$(mod_param tracked)" 1
sleep 2
o0=$(win_opened reap_look)
echo "reap_look=100000" >$WIN || bail "open the window reap_look"
within10 "a reap request, the owner arriving in the window" reap_port "$p1"
assert_eq "matched 1, aborted 1, none busy or gone" \
	"$(rval matched) $(rval aborted) $(rval skipped_busy) $(rval skipped_state)" \
	"1 1 0 0"
assert_eq "the window opened once" "$(($(win_opened reap_look) - o0))" 1
assert_eq "the late send() fails ECONNABORTED, its page never reached" \
	"$(sent one)" "ret=-1 errno=ECONNABORTED"
assert_eq "ss: no longer in CLOSE_WAIT" "$(cw_on_port "$p1")" 0

# ---- 2. one held from the start, one whose owner arrives in the window -------
lockhold_start k
arm two
p2=$(cat "$CW_T/a.two.port")
assert_eq "tracked: the held and the armed socket" "$(mod_param tracked)" 2
sleep 2
o0=$(win_opened reap_look)
within10 "a request matching a held socket and an armed one" reap_all
assert_eq "matched 2, aborted 1, skipped_busy 1" \
	"$(rval matched) $(rval aborted) $(rval skipped_busy) $(rval skipped_state)" \
	"2 1 1 0"
assert_eq "the window opened once, for the armed one" \
	"$(($(win_opened reap_look) - o0))" 1
assert_eq "the armed one's late send() fails ECONNABORTED" \
	"$(sent two)" "ret=-1 errno=ECONNABORTED"
assert_eq "ss: the held one still in CLOSE_WAIT, the armed one not" \
	"$(cw_on_port "$LOCKHOLD_PORT") $(cw_on_port "$p2")" "1 0"

# ---- 3. rmmod while a request is in the window ------------------------------------
arm three
sleep 2
moved() {
	[ "$(win_opened reap_look)" != "$1" ]
}
reap_rmmod() {
	local o rp
	o=$(win_opened reap_look)
	reap_all >/dev/null 2>&1 &
	rp=$!
	wait_until 10 moved "$o"
	mod_unload
	wait $rp
	! mod_loaded
}
within10 "rmmod during a request in the window" reap_rmmod
assert_eq "the module is gone" "$(mod_loaded && echo loaded)" ""

lockhold_stop
for f in "$CW_T"/a.*.pid; do
	kill -TERM "$(cat "$f")" 2>/dev/null
done
cw_exit

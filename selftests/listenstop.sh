#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live
# cw-tier: core
# cw-order: 220
#
# listenstop (live mode): listeners closed with children in CLOSE_WAIT they
# never accepted, while reconciliations run back to back (issue 16).
# inet_csk_listen_stop() takes only bh_lock_sock() on each child and WARNs
# if a process owns it: a reconciliation that owned children with
# lock_sock() panicked the guest (panic_on_warn=1), and could link an entry
# for a child about to be freed. For CW_LISTENSTOP_SECS (20 s), cw_qchurn
# makes 4 listeners, each with 40 unaccepted CLOSE_WAIT children, and
# closes them, round after round, under a loop of writes to reconcile. Then: no warning, no drift, the counts equal ss, and an empty
# table once every socket is closed.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0
is_live || skip_all "live mode only"
ns_add l || bail "ip netns add l"
ino=$(ns_ino l)
secs=${CW_LISTENSTOP_SECS:-20}

# Sockets that stay the whole time: 10 accepted, 40 queued.
factory_start stay -N "$(ns_file l)" -n 10 -Q 40

(
	n=0
	while [ ! -e "$CW_T/stop" ]; do
		echo 1 >/sys/kernel/cwstat/reconcile 2>/dev/null || true
		n=$((n + 1))
	done
	echo "$n" >"$CW_T/reconciles"
) &
loop=$!
bg_register $loop

"$CW_BIN/cw_qchurn" -N "$(ns_file l)" -L 4 -Q 40 -d "$secs" \
	-o "$CW_T/qchurn.done" >/dev/null 2>"$CW_T/qchurn.err" </dev/null
rc=$?
touch "$CW_T/stop"
wait "$loop"
diag "cw_qchurn: $(cat "$CW_T/qchurn.done" 2>/dev/null), $(cat "$CW_T/reconciles") reconciliations"
assert_eq "cw_qchurn ran" "$rc" 0
diag_file "$CW_T/qchurn.err"
rounds=$(sed -n 's/.*rounds=\([0-9]*\).*/\1/p' "$CW_T/qchurn.done" 2>/dev/null)
# A floor on throughput: the debug kernel lowers it (CW_CHURN_FLOOR_PCT).
assert_ge "at least $(churn_floor 10) rounds of 4 listeners closed with 40 children" \
	"${rounds:-0}" "$(churn_floor 10)"
assert_ge "at least 3 reconciliations during them" "$(cat "$CW_T/reconciles")" 3

# KCSAN's reports are judged on the host (scripts/vm/kcsan-reports).
if dmesg | awk '/BUG: KCSAN: /, /==========$/ { next } { print }' |
	grep -E 'WARNING:|BUG:|inet_csk_listen_stop' >"$CW_T/warn"; then
	fail "no kernel warning" "$(head -n 5 "$CW_T/warn")"
else
	ok "no kernel warning"
fi
assert_eq "no drift" "$(mod_param drift)" 0
assert_eq "nothing unresolved" "$(mod_param unresolved 2>&1)" 0
snap "$CW_T/s"
format_ok "well-formed" "$CW_T/s"
want=$(nsrun l ss -Htan state close-wait | wc -l)
assert_eq "ss: 50 in CLOSE_WAIT (10 accepted, 40 queued)" "$want" 50
assert_eq "close_wait equals ss" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" "$want"
check "a reconciliation" reconcile
assert_eq "still no drift" "$(mod_param drift)" 0
assert_eq "tracked" "$(mod_param tracked)" 50
factory_stop stay
assert_eq "tracked 0 once every listener closed" "$(mod_param tracked)" 0

cw_exit

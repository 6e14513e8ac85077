#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live
# cw-tier: core
# cw-order: 160
#
# seed (live mode): the sockets already in CLOSE_WAIT at load.
#  - made 5 s before the load, they are tracked at load (seeded) with the
#    age of their last segment, the FIN (rcv_tstamp), not the load time
#  - the seeding race: 4 processes create and close thousands of CLOSE_WAIT
#    sockets (every way out: close, reset, close with unread data, shutdown)
#    while the module loads, twice, and while reconciliations run; no
#    reconciliation may find a drift, and once the churn stops the counts
#    must equal ss and the churners' own count at once, before any repair

. "$(dirname "$0")/lib.sh"

mod_unload
ns_add p || bail "ip netns add p"
ino=$(ns_ino p)

factory_start old -N "$(ns_file p)" -n 5
while [ "$(now_cs)" -lt $(($(fget old t1) + 500)) ]; do
	sleep 0.1
done
need_mod max_age_ms=0
is_live || skip_all "live mode only"
ta=$(now_cs)
snap "$CW_T/s"
tb=$(now_cs)
format_ok "well-formed" "$CW_T/s"
lo=$(((ta - $(fget old t1)) / 100 - 1))
hi=$(((tb - $(fget old t0)) / 100 + 1))
assert_range "sockets made 5 s before the load: oldest_s within $lo..$hi" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" oldest_s)" "$lo" "$hi"
assert_eq "and all 5 in age_le_10s, none younger" \
	"$(cw_val "$CW_T/s" netns "ns=$ino" age_le_1s) $(cw_val "$CW_T/s" netns "ns=$ino" age_le_10s)" \
	"0 5"
assert_eq "seeded counts them" "$(mod_param seeded)" 5
assert_eq "tracked" "$(mod_param tracked)" 5
factory_stop old
assert_eq "tracked after they closed" "$(mod_param tracked)" 0
mod_unload

# The race.
ns_add r || bail "ip netns add r"
rino=$(ns_ino r)
"$CW_BIN/cw_churn" -N "$(ns_file r)" -P 4 -k 250 -o "$CW_T/churn.ready" \
	>/dev/null 2>"$CW_T/churn.err" </dev/null &
churn=$!
bg_register $churn
sleep 1

drift_bad=
check_drift() {
	local d
	d=$(mod_param drift)
	[ "$d" = 0 ] || [ -n "$drift_bad" ] || drift_bad="$1: drift=$d"
}

check "load during the churn" mod_load max_age_ms=0
check_drift "first load"
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	reconcile || fail "reconciliation $i during the churn"
	check_drift "reconciliation $i"
done
check "unload during the churn" mod_unload
check "load again during the churn" mod_load max_age_ms=0
check_drift "second load"
reconcile || fail "reconciliation during the churn after the reload"
check_drift "reconciliation after the reload"
assert_eq "no drift while the churn went on" "$drift_bad" ""
assert_ge "the churn went on through CLOSE_WAIT after the reload (probe_hits)" \
	"$(mod_param probe_hits)" 100

kill -USR1 $churn
wait_until 60 test -e "$CW_T/churn.ready" || {
	diag_file "$CW_T/churn.err"
	bail "the churn stops and holds its sockets"
}
diag "churn: $(cat "$CW_T/churn.ready")"
held=$(sed -n 's/.* close_wait=\([0-9]*\).*/\1/p' "$CW_T/churn.ready")
floor=$(churn_floor 1000)
assert_ge "the churn made at least $floor connections" \
	"$(sed -n 's/.* conns=\([0-9]*\).*/\1/p' "$CW_T/churn.ready")" "$floor"
overflow=$(mod_param tracked_overflow)
# The pool may run dry for a moment; then the repair must come first.
if [ "$overflow" != 0 ]; then
	diag "the pool ran dry $overflow times; waiting for the repair"
	wait_until 10 test "$(mod_param tracked)" = "$held"
fi
snap "$CW_T/s"
ss_dump r "$CW_T/ss.r"
ss_summary "$CW_T/ss.r" >"$CW_T/sss.r"
assert_all "held CLOSE_WAIT: cwstat at once (churn's count, ss)" \
	"$(cw_val "$CW_T/s" netns "ns=$rino" close_wait)" "$held" \
	"$(cw_val "$CW_T/sss.r" netns "" close_wait)"
assert_eq "tracked equals them" "$(mod_param tracked)" "$held"
check "a last reconciliation" reconcile
assert_eq "it found no drift" "$(mod_param drift)" 0
snap "$CW_T/s"
assert_eq "and changed nothing" \
	"$(cw_val "$CW_T/s" netns "ns=$rino" close_wait)" "$held"
format_ok "well-formed" "$CW_T/s"

kill -TERM $churn
wait $churn
none_left() {
	[ "$(mod_param tracked)" = 0 ]
}
if wait_until 10 none_left; then
	ok "tracked back to 0 once the churn's sockets closed"
else
	fail "tracked back to 0 once the churn's sockets closed" \
		"tracked=$(mod_param tracked)"
fi

cw_exit

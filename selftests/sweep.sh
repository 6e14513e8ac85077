#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 300
# cw-modes: live
# cw-tier: core
# cw-order: 265
#
# sweep (live mode, test builds): the reconciliation's windows held open
# (the windows parameter) while sockets enter and leave CLOSE_WAIT in two
# netns (one with a private ehash where the kernel has them). After each
# part the churn stops and holds its sockets, the windows close, and with
# no reconciliation in between (reconcile_period_s=0: nothing would add
# back what a sweep took) every netns's close_wait must equal the CLOSE_WAIT
# sockets (state 08) of its /proc/net/tcp and tcp6 and the churn's own
# count; drift stays 0; a last reconciliation then finds nothing to add.
#  1. probe_store: the probe links an entry before its caller stores
#     CLOSE_WAIT. Reconciliations run while every entry waits 100 ms there,
#     so their walks read ESTABLISHED for sockets whose entry is linked.
#  2. the same with the gaps between the walk's pick and the examination
#     (pick_examine) and between the walk and the sweep (reconcile_delay_ms)
#     held open, and sockets leaving CLOSE_WAIT by every way meanwhile,
#     each exit waiting 20 ms between the probe's unlink and the store
#     (leave_store), and each reconciliation 300 ms between its bump of
#     the generation and its taking of the misses (gen_pending).
#  3. the load during the churn: the seeding inserts sockets with the
#     examine_spare and confirm_link windows open, and reconciliations run
#     while the follow-up is held back (seed_followup).

. "$(dirname "$0")/lib.sh"

NS="s1 s2"
WIN=/sys/module/cwstat/parameters/windows

need_mod max_age_ms=0
is_live || skip_all "live mode only"
[ -e "$WIN" ] || skip_all "not a test build: no windows parameter"
wait_until 10 seeded_and_followed || bail "the seeding's follow-up ran"
ns_add s1 || bail "ip netns add s1"
ns_add s2 private || bail "ip netns add s2"

win_set() {
	echo "$1" >"$WIN"
}

# win_opened NAME: how often window NAME has opened since the load.
win_opened() {
	awk -v w="$1" '$1 == w { print $4 }' "$WIN"
}

# proc_close_wait NS: the kernel's own count of NS's sockets in CLOSE_WAIT.
proc_close_wait() {
	nsrun "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk '$4 == "08" { n++ } END { print n + 0 }'
}

# churn_start TAG KEEP USEC: one cw_churn per netns, KEEP CLOSE_WAIT
# sockets held in each ring (older ones closed by the four ways), a pause
# of USEC after each connection: slow enough that the pool's refill keeps
# up, so that no miss asks for a repair (which would add back what a sweep
# took).
churn_start() {
	local n pid
	for n in $NS; do
		rm -f "$CW_T/ready.$1.$n"
		"$CW_BIN/cw_churn" -N "$(ns_file "$n")" -k "$2" -i "$3" \
			-o "$CW_T/ready.$1.$n" >/dev/null 2>"$CW_T/churn.$1.$n.err" \
			</dev/null &
		pid=$!
		bg_register $pid
		echo $pid >"$CW_T/churn.$1.$n.pid"
	done
}

# churn_hold TAG: stop the churn; each holds its CLOSE_WAIT sockets.
churn_hold() {
	local n
	for n in $NS; do
		kill -USR1 "$(cat "$CW_T/churn.$1.$n.pid")"
	done
	for n in $NS; do
		wait_until 120 test -e "$CW_T/ready.$1.$n" || {
			diag_file "$CW_T/churn.$1.$n.err"
			bail "churn $1 in $n stops and holds its sockets"
		}
		diag "$1 $n: $(cat "$CW_T/ready.$1.$n")"
	done
}

churn_end() {
	local n pid
	for n in $NS; do
		pid=$(cat "$CW_T/churn.$1.$n.pid")
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# part_begin: this part's drift and misses are counted from here.
part_begin() {
	drift_base=$(mod_param drift)
	miss_base=$(mod_param tracked_overflow)
	drift_bad=
}

# check_drift WHEN: remember the first time drift rose in this part.
check_drift() {
	local d
	d=$(mod_param drift)
	[ "$d" = "$drift_base" ] || [ -n "$drift_bad" ] ||
		drift_bad="first after $1: drift=$d, $drift_base before"
}

# reconcile_n TAG N: N reconciliations during the churn, each checked for
# drift.
reconcile_n() {
	local i=0
	while [ $i -lt "$2" ]; do
		i=$((i + 1))
		reconcile || fail "$1: reconciliation $i"
		check_drift "$1: reconciliation $i"
		sleep 0.2
	done
}

# sweep_kept: entries the sweeps kept though their walk did not see them
# (test builds; the module before this test's fix had no such count).
sweep_kept() {
	cat /sys/module/cwstat/parameters/sweep_kept 2>/dev/null || echo 0
}

# exact TAG [EXTRA_NS EXTRA]: with the churn TAG holding, each netns's
# count equals the kernel's and the churn's (plus EXTRA in EXTRA_NS), and
# tracked is their sum. Nothing reconciles before these reads.
exact() {
	local n held want kern got d sum=0
	snap "$CW_T/s"
	format_ok "$1: well-formed" "$CW_T/s"
	for n in $NS; do
		held=$(sed -n 's/.* close_wait=\([0-9]*\).*/\1/p' "$CW_T/ready.$1.$n")
		want=$held
		[ "$n" = "${2:-}" ] && want=$((held + $3))
		kern=$(proc_close_wait "$n")
		got=$(cw_val "$CW_T/s" netns "ns=$(ns_ino "$n")" close_wait)
		assert_all "$1: netns $n close_wait (churn's count, /proc/net/tcp)" \
			"${got:-0}" "$want" "$kern"
		sum=$((sum + want))
	done
	assert_eq "$1: tracked is their sum" "$(mod_param tracked)" "$sum"
	assert_eq "$1: no miss, so no repair ran" "$(mod_param tracked_overflow)" "$miss_base"
	d=$(mod_param drift)
	assert_eq "$1: no drift" "$d" "$drift_base"
	[ -n "$drift_bad" ] && diag "$1: drift $drift_bad"
	reconcile || fail "$1: a last reconciliation"
	assert_eq "$1: a last reconciliation finds no drift" "$(mod_param drift)" "$d"
	assert_eq "$1: ... and adds nothing" "$(mod_param tracked)" "$sum"
}

# 1. Every entry into CLOSE_WAIT waits 100 ms between the probe's link and
# the store, while reconciliations run.
part_begin
o=$(win_opened probe_store)
k=$(sweep_kept)
win_set probe_store=100000
churn_start p1 100000 150000
sleep 1
reconcile_n p1 20
churn_hold p1
win_set off
assert_ge "p1: probe_store opened" "$(win_opened probe_store)" $((o + 20))
diag "p1: the sweeps kept $(($(sweep_kept) - k)) entries their walk did not see"
assert_ge "p1: walks read sockets between the link and the store (sweep_kept)" \
	"$(sweep_kept)" $((k + 1))
exact p1
churn_end p1

# 2. The same with the walk's pick and the examination, and the walk and
# the sweep, held apart, and sockets leaving CLOSE_WAIT meanwhile.
part_begin
o=$(win_opened probe_store)
oe=$(win_opened pick_examine)
ol=$(win_opened leave_store)
og=$(win_opened gen_pending)
win_set probe_store=100000/2,pick_examine=200000/3,leave_store=20000,gen_pending=300000
echo 1500 >/sys/module/cwstat/parameters/reconcile_delay_ms
churn_start p2 40 100000
sleep 1
reconcile_n p2 6
churn_hold p2
echo 0 >/sys/module/cwstat/parameters/reconcile_delay_ms
# Exact with the windows still open: the last reconciliation crosses them.
exact p2
win_set off
assert_ge "p2: probe_store opened" "$(win_opened probe_store)" $((o + 10))
assert_ge "p2: pick_examine opened" "$(win_opened pick_examine)" $((oe + 1))
diag "p2: leave_store opened $(($(win_opened leave_store) - ol)) times, gen_pending $(($(win_opened gen_pending) - og))"
assert_ge "p2: leave_store opened" "$(win_opened leave_store)" $((ol + 1))
assert_ge "p2: gen_pending opened" "$(win_opened gen_pending)" $((og + 6))
churn_end p2

# 3. The load during the churn, with sockets already in CLOSE_WAIT to
# seed, and reconciliations while the follow-up waits.
mod_unload
factory_start pre -N "$(ns_file s1)" -n 20
churn_start p3 12 100000
sleep 1
check "p3: load during the churn, windows open" mod_load max_age_ms=0 \
	windows=seed_followup=15000000,examine_spare=50000,confirm_link=20000,probe_store=50000/4
part_begin
check_drift "p3: the seeding"
assert_ge "p3: the seeding inserted the 20 sockets made before it" \
	"$(mod_param seeded)" 20
r0=$(mod_param reconciles)
seed_followup_open() {
	[ "$(win_opened seed_followup)" = 1 ]
}
wait_until 20 seed_followup_open || fail "p3: seed_followup opened"
i=0
while [ $i -lt 2 ]; do
	i=$((i + 1))
	reconcile || fail "p3: reconciliation $i before the follow-up"
	check_drift "p3: reconciliation $i before the follow-up"
done
if [ "$(mod_param reconciles)" = $((r0 + 2)) ]; then
	ok "p3: both reconciliations ran while the follow-up waited"
else
	skip "p3: both reconciliations ran while the follow-up waited" \
		"the follow-up came first (reconciles $r0 -> $(mod_param reconciles))"
fi
followed() {
	[ "$(mod_param reconciles)" -ge $((r0 + 3)) ]
}
wait_until 40 followed || fail "p3: the follow-up ran" \
	"reconciles=$(mod_param reconciles)"
check_drift "p3: the follow-up"
churn_hold p3
win_set off
assert_ge "p3: examine_spare opened for each insertion" \
	"$(win_opened examine_spare)" 20
assert_ge "p3: confirm_link opened for each insertion" \
	"$(win_opened confirm_link)" 20
exact p3 s1 20
churn_end p3
factory_stop pre
none_left() {
	[ "$(mod_param tracked)" = 0 ]
}
if wait_until 10 none_left; then
	ok "tracked back to 0 once every socket closed"
else
	fail "tracked back to 0 once every socket closed" \
		"tracked=$(mod_param tracked)"
fi

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 180
#
# churn (live mode): connect/accept/close churn at full speed in 4 netns,
# every connection passing through CLOSE_WAIT and leaving it by one of four
# ways, for CW_CHURN_SECS (default 40) seconds, while the module is
# unloaded and loaded again every 10 s, reconciles every 3 s, and a reader
# reads /proc/cwstat. No reconciliation may find drift; once the churn
# stops, each netns's count must equal ss and the churner's own count; with
# every socket closed the table must be empty; and after the unload the TCP
# socket slabs must be back to their size before the test (a reference the
# seeding failed to drop would keep sockets alive).

. "$(dirname "$0")/lib.sh"

SECS=${CW_CHURN_SECS:-40}
NS="c1 c2 c3 c4"

mod_unload
is_live_default() {
	[ "${CW_MODE:-live}" = live ]
}
is_live_default || skip_all "live mode only"

# TCP and TCPv6 slab objects in use (SLUB counts the CPUs' free objects
# as in use, hence a slack).
tcp_objs() {
	awk '$1 == "TCP" || $1 == "TCPv6" { n += $2 } END { print n + 0 }' \
		/proc/slabinfo
}
slack=$(awk '$1 == "TCP" || $1 == "TCPv6" { s += 4 * $5 } END { print s + 0 }' \
	/proc/slabinfo)
base=$(tcp_objs)

for n in $NS; do
	ns_add "$n" || bail "ip netns add $n"
done
for n in $NS; do
	"$CW_BIN/cw_churn" -N "$(ns_file "$n")" -k 100 -o "$CW_T/ready.$n" \
		>/dev/null 2>"$CW_T/churn.$n" </dev/null &
	echo $! >"$CW_T/pid.$n"
	bg_register $!
done
"$CW_BIN/cw_check_format" -E -t $((SECS + 60)) /proc/cwstat \
	>"$CW_T/reader" 2>&1 &
reader=$!
bg_register $reader

end=$(($(now_cs) + SECS * 100))
loads=0
load_bad=
drift_bad=
while :; do
	if mod_load max_age_ms=0 reconcile_period_s=3; then
		loads=$((loads + 1))
	else
		load_bad="load $((loads + 1)): $(cat "$CW_T/insmod.err")"
		break
	fi
	next=$(($(now_cs) + 1000))
	[ "$next" -lt "$end" ] || break
	while [ "$(now_cs)" -lt "$next" ]; do
		sleep 0.5
	done
	d=$(mod_param drift)
	[ "$d" = 0 ] || [ -n "$drift_bad" ] ||
		drift_bad="load $loads: drift=$d after $(mod_param reconciles) reconciliations"
	if ! mod_unload; then
		load_bad="unload $loads: $(cat "$CW_T/rmmod.err")"
		break
	fi
done
while [ "$(now_cs)" -lt "$end" ]; do
	sleep 0.5
done
assert_eq "$loads loads and unloads during ${SECS} s of churn" "$load_bad" ""
assert_eq "no drift in any of them" "$drift_bad" ""
mod_loaded || bail "module loaded at the end of the churn"
diag "last load: $(mod_param reconciles) reconciliations, $(mod_param probe_hits) probe hits, overflow $(mod_param tracked_overflow)"

for n in $NS; do
	kill -USR1 "$(cat "$CW_T/pid.$n")"
done
total=0
conns=0
for n in $NS; do
	wait_until 60 test -e "$CW_T/ready.$n" || {
		diag_file "$CW_T/churn.$n"
		bail "churner $n stops and holds its sockets"
	}
	total=$((total + $(sed -n 's/.* close_wait=\([0-9]*\).*/\1/p' "$CW_T/ready.$n")))
	conns=$((conns + $(sed -n 's/.* conns=\([0-9]*\).*/\1/p' "$CW_T/ready.$n")))
done
diag "$conns connections in all"
floor=$(churn_floor 4000)
assert_ge "at least $floor connections churned" "$conns" "$floor"
if [ "$(mod_param tracked_overflow)" != 0 ]; then
	diag "the pool ran dry; waiting for the repair"
	wait_until 10 test "$(mod_param tracked)" = "$total"
fi
snap "$CW_T/s"
format_ok "well-formed" "$CW_T/s"
for n in $NS; do
	held=$(sed -n 's/.* close_wait=\([0-9]*\).*/\1/p' "$CW_T/ready.$n")
	assert_all "netns $n: close_wait (churner's count, ss)" \
		"$(cw_val "$CW_T/s" netns "ns=$(ns_ino "$n")" close_wait)" "$held" \
		"$(nsrun "$n" ss -Htan state close-wait | wc -l)"
done
assert_eq "tracked equals all the churners' sockets" "$(mod_param tracked)" "$total"
check "a reconciliation" reconcile
assert_eq "no drift" "$(mod_param drift)" 0

for n in $NS; do
	kill -TERM "$(cat "$CW_T/pid.$n")"
	wait "$(cat "$CW_T/pid.$n")"
done
empty() {
	[ "$(mod_param tracked)" = 0 ]
}
if wait_until 10 empty; then
	ok "the table is empty once every socket closed"
else
	fail "the table is empty once every socket closed" \
		"tracked=$(mod_param tracked)"
fi
kill -TERM $reader
if wait $reader; then
	ok "the reader saw only well-formed snapshots"
	diag_file "$CW_T/reader"
else
	fail "the reader saw only well-formed snapshots"
	diag_file "$CW_T/reader" 60
fi
check "unload" mod_unload

back() {
	[ "$(tcp_objs)" -le $((base + slack)) ]
}
if wait_until 20 back; then
	ok "TCP socket slabs back to their size before the test"
else
	fail "TCP socket slabs back to their size before the test" \
		"$(tcp_objs) objects, $base before (slack $slack)"
fi
diag "TCP objects: $base before, $(tcp_objs) after, slack $slack"

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
# cw-modes: live
# cw-tier: full
# cw-order: 140
#
# modes: the load-time parameters of live and scan mode.
#  - mode=live (the default) and mode=scan load and read back; a bad mode,
#    or max_tracked out of range, fails the load with a message naming it
#  - the keys of each mode: live has oldest_s and the age histogram, no
#    sockets; scan the reverse
#  - the live counters are there, read-only; reconcile is write-only, runs
#    on 1, ignores 0, refuses garbage, and refuses to run in scan mode
#  - reconcile_period_s reconciles on its own, finding no drift

. "$(dirname "$0")/lib.sh"

params=/sys/module/cwstat/parameters

# bad_load DESC PATTERN ARGS...: insmod ARGS fails and dmesg matches
# PATTERN.
bad_load() {
	local desc=$1 pat=$2
	shift 2
	echo "cwstat-selftest: $desc" >/dev/kmsg
	if mod_load "$@"; then
		fail "$desc: insmod fails"
		mod_unload
		return
	fi
	ok "$desc: insmod fails"
	if dmesg | awk -v m="cwstat-selftest: $desc" \
		'index($0, m) { buf = ""; next } { buf = buf $0 "\n" }
		 END { printf "%s", buf }' | grep -q "$pat"; then
		ok "$desc: dmesg says why"
	else
		fail "$desc: dmesg says why" "no line matching '$pat'"
		dmesg | tail -n 5 | sed 's/^/#   /'
	fi
	assert_eq "$desc: nothing left" "$(test -e /proc/cwstat && echo /proc/cwstat)" ""
}

mod_unload
bad_load "mode=bogus" "mode=bogus: must be live or scan" mode=bogus
bad_load "max_tracked=1000" "max_tracked=1000: must be" max_tracked=1000
bad_load "max_tracked=99999999" "max_tracked=99999999: must be" \
	max_tracked=99999999
bad_load "reconcile_period_s=86401" "reconcile_period_s" \
	reconcile_period_s=86401

# Scan mode.
need_mod mode=scan max_age_ms=0
assert_eq "mode=scan reads back" "$(mod_param mode)" scan
snap "$CW_T/s"
format_ok "scan mode: sockets, no ages" "$CW_T/s" -m scan
if reconcile 2>/dev/null; then
	fail "scan mode: writing reconcile=1 fails"
else
	ok "scan mode: writing reconcile=1 fails"
fi
assert_eq "scan mode: tracked is 0" "$(mod_param tracked)" 0
assert_eq "scan mode: no pool" "$(mod_param pool_bytes)" 0
mod_unload

# Live mode, the default.
need_mod max_age_ms=0
assert_eq "the default mode is live" "$(mod_param mode)" live
assert_eq "max_tracked defaults to 262144" "$(mod_param max_tracked)" 262144
assert_eq "reconcile_period_s defaults to 0" "$(mod_param reconcile_period_s)" 0
snap "$CW_T/l"
format_ok "live mode: ages, no sockets" "$CW_T/l" -m live
modes_ok=
for p in mode max_tracked reconcile_period_s; do
	m=$(stat -c %a "$params/$p")
	[ "$m" = 444 ] || modes_ok="$modes_ok $p:$m"
done
# The counters tell about the host's sockets: in /sys/kernel/cwstat, root
# only, not in the world-readable parameters.
for p in tracked tracked_overflow probe_hits drift reconciles seeded \
	pool_entries pool_bytes; do
	m=$(stat -c %a "/sys/kernel/cwstat/$p" 2>/dev/null || echo missing)
	[ "$m" = 400 ] || modes_ok="$modes_ok $p:$m"
done
assert_eq "load-time parameters read-only (0444), counters root-only (0400)" \
	"$modes_ok" ""
assert_eq "reconcile is write-only (0200)" \
	"$(stat -c %a /sys/kernel/cwstat/reconcile)" 200
if (echo live >"$params/mode") 2>/dev/null; then
	fail "mode cannot be written at run time"
else
	ok "mode cannot be written at run time"
fi
wait_until 15 seeded_and_followed
assert_eq "two reconciliations at load: the seeding and its follow-up" \
	"$(mod_param reconciles)" 2
assert_eq "reconcile=0 is refused (EINVAL) and does nothing" \
	"$("$CW_BIN/cw_write" /sys/kernel/cwstat/reconcile 0) $(mod_param reconciles)" \
	"EINVAL 2"
assert_eq "reconcile=bogus is refused (EINVAL)" \
	"$("$CW_BIN/cw_write" /sys/kernel/cwstat/reconcile bogus)" EINVAL
check "reconcile=1 runs" reconcile
assert_eq "and is counted" "$(mod_param reconciles)" 3
assert_eq "no drift" "$(mod_param drift)" 0
entries=$(mod_param pool_entries)
bytes=$(mod_param pool_bytes)
assert_ge "a pool was allocated at load" "$entries" 1
diag "pool: $entries entries, $bytes bytes with the table"

# probe_hits: one enter and one leave per CLOSE_WAIT socket.
hits0=$(mod_param probe_hits)
factory_start p1 -n 3
factory_stop p1
assert_eq "probe_hits: 3 sockets entered and left CLOSE_WAIT" \
	"$(($(mod_param probe_hits) - hits0))" 6
assert_eq "tracked back to 0" "$(mod_param tracked)" 0
mod_unload

# A period reconciles with no help.
need_mod reconcile_period_s=1
factory_start p2 -n 4
t0=$(now_cs)
runs() {
	[ "$(mod_param reconciles)" -ge 5 ]
}
if wait_until 15 runs; then
	ok "reconcile_period_s=1: 3 reconciliations after the seeding and its follow-up"
	diag "in $((($(now_cs) - t0) / 100)) s"
else
	fail "reconcile_period_s=1: 3 reconciliations after the seeding and its follow-up" \
		"reconciles=$(mod_param reconciles) after 15 s"
fi
assert_eq "reconcile_period_s=1: no drift" "$(mod_param drift)" 0
assert_eq "reconcile_period_s=1: the 4 sockets tracked" "$(mod_param tracked)" 4
factory_stop p2
check "rmmod while a period is pending" mod_unload

cw_exit

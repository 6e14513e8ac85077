#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: full
# cw-order: 10
#
# load_unload: 50 insmod/rmmod cycles while readers hammer /proc/cwstat.
# The entries must exist exactly while the module is loaded: /proc/cwstat,
# /sys/module/cwstat, and /proc/net/cwstat both in the init netns and in a
# netns that existed before the load (seen through /proc/PID/net of a
# process in it). A netns made or deleted while loaded gets and loses its
# entry, and an rmmod under an open file must leave that file failing
# cleanly. Each of these is one TAP line summing all cycles.

. "$(dirname "$0")/lib.sh"

CYCLES=${CW_CYCLES:-50}

mod_unload
netns_sleeper x
xpid=$NETNS_SLEEPER_PID

# Readers that race the loads and unloads; they tolerate the file going
# away but not a malformed snapshot.
"$CW_BIN/cw_check_format" -E -t 600 /proc/cwstat >"$CW_T/r1" 2>&1 &
r1=$!
bg_register $r1
"$CW_BIN/cw_check_format" -E -b 13 -t 600 /proc/net/cwstat >"$CW_T/r2" 2>&1 &
r2=$!
bg_register $r2

entries="/proc/cwstat /proc/net/cwstat /proc/$xpid/net/cwstat /sys/module/cwstat
	/sys/kernel/cwstat/alarm"
load_bad=
unload_bad=
present_bad=
gone_bad=
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	if ! mod_load; then
		[ -n "$load_bad" ] || load_bad="cycle $i: $(cat "$CW_T/insmod.err")"
		continue
	fi
	for e in $entries; do
		[ -e "$e" ] || { [ -n "$present_bad" ] || present_bad="cycle $i: $e missing"; }
	done
	if ! rmmod cwstat 2>"$CW_T/rmmod.err"; then
		[ -n "$unload_bad" ] || unload_bad="cycle $i: $(cat "$CW_T/rmmod.err")"
		break
	fi
	for e in $entries /sys/kernel/cwstat; do
		[ -e "$e" ] && { [ -n "$gone_bad" ] || gone_bad="cycle $i: $e left"; }
	done
done

if [ -z "$load_bad" ]; then ok "insmod succeeds $CYCLES times"
else fail "insmod succeeds $CYCLES times" "$load_bad"; fi
if [ -z "$unload_bad" ]; then ok "rmmod succeeds $CYCLES times"
else fail "rmmod succeeds $CYCLES times" "$unload_bad"; fi
if [ -z "$present_bad" ]; then ok "entries present while loaded (init and child netns, sysfs)"
else fail "entries present while loaded (init and child netns, sysfs)" "$present_bad"; fi
if [ -z "$gone_bad" ]; then ok "entries gone after rmmod (also /sys/kernel/cwstat)"
else fail "entries gone after rmmod (also /sys/kernel/cwstat)" "$gone_bad"; fi

kill -TERM $r1 $r2 2>/dev/null
for r in 1 2; do
	pid=$r1
	[ $r = 2 ] && pid=$r2
	wait "$pid"
	rc=$?
	if [ $rc = 0 ]; then
		ok "reader $r saw no malformed snapshot across load/unload"
		diag_file "$CW_T/r$r"
	else
		fail "reader $r saw no malformed snapshot across load/unload" \
			"exit status $rc"
		diag_file "$CW_T/r$r"
	fi
done

# The file modes are part of the contract.
need_mod
assert_eq "/proc/cwstat mode" "$(stat -c %a /proc/cwstat)" 444
assert_eq "/proc/net/cwstat mode" "$(stat -L -c %a /proc/net/cwstat)" 444
format_ok "/proc/cwstat with no sockets is well-formed" /proc/cwstat
format_ok "/proc/net/cwstat with no sockets is well-formed" /proc/net/cwstat -1

# Netns born and dying while loaded.
ns_add y || bail "ip netns add y"
check "netns made while loaded has /proc/net/cwstat" \
	in_ns y test -r /proc/net/cwstat
format_ok "its /proc/net/cwstat is well-formed" "/proc/$xpid/net/cwstat" -1
ns_del y
ok "netns deleted while loaded"

# rmmod with both files open: a later read must fail, not crash. The
# shell holds the descriptors, so cat reads the very open files.
exec 5</proc/cwstat 6</proc/$xpid/net/cwstat
if rmmod cwstat 2>"$CW_T/rmmod.err"; then
	ok "rmmod with /proc/cwstat and /proc/net/cwstat held open"
else
	fail "rmmod with /proc/cwstat and /proc/net/cwstat held open"
	diag_file "$CW_T/rmmod.err"
fi
if cat <&5 >/dev/null 2>&1 || cat <&6 >/dev/null 2>&1; then
	fail "reading a file opened before rmmod fails"
else
	ok "reading a file opened before rmmod fails"
fi
exec 5<&- 6<&-
check "insmod again after that" mod_load
check "rmmod again" mod_unload

# The deleted netns x goes away with its last process: no entry leaks.
kill $xpid
wait $xpid 2>/dev/null
ns_del x
check "insmod/rmmod after netns x is gone" sh -c \
	"insmod '$CW_KO' && cat /proc/cwstat >/dev/null && rmmod cwstat"

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
# cw-modes: live
# cw-tier: full
# cw-order: 30
#
# init_fault: make each init step fail in turn (inject_init_fault=N, N =
# 1, 2, ... until a load succeeds, which is N = S + 1 for S steps). Every
# failed load must fail insmod, say "cwstat: init failed at step N" in
# dmesg, and leave nothing behind: no proc entry (in the init netns or in
# another netns), no sysfs directory. A leftover proc entry would also make
# the next load warn about a duplicate, which panic_on_warn turns fatal.

. "$(dirname "$0")/lib.sh"

MAX_STEPS=12

mod_unload
netns_sleeper x
xpid=$NETNS_SLEEPER_PID

left_behind() {
	for e in /proc/cwstat /proc/net/cwstat /proc/$xpid/net/cwstat \
		 /sys/module/cwstat /sys/kernel/cwstat; do
		[ -e "$e" ] && echo "$e"
	done
}

steps=
n=0
while [ $n -le $MAX_STEPS ]; do
	n=$((n + 1))
	echo "cwstat-selftest: inject_init_fault=$n" >/dev/kmsg
	if mod_load inject_init_fault=$n; then
		steps=$((n - 1))
		break
	fi
	# Only the kernel log since the marker above counts.
	dmesg | awk -v m="cwstat-selftest: inject_init_fault=$n" \
		'index($0, m) { buf = ""; next } { buf = buf $0 "\n" }
		 END { printf "%s", buf }' >"$CW_T/dmesg"
	if grep -Eq "cwstat: init failed at step $n([^0-9]|\$)" "$CW_T/dmesg"; then
		ok "step $n: insmod fails and dmesg says so"
	else
		fail "step $n: insmod fails and dmesg says so" \
			"insmod: $(cat "$CW_T/insmod.err")"
		diag_file "$CW_T/dmesg" 10
	fi
	left=$(left_behind)
	if [ -z "$left" ]; then
		ok "step $n: nothing left behind"
	else
		fail "step $n: nothing left behind" "left: $left"
		# The next load cannot be judged with leftovers around.
		break
	fi
done

if [ -z "$steps" ]; then
	fail "a load succeeds with inject_init_fault beyond the last step" \
		"no success with inject_init_fault=1..$n (at most $MAX_STEPS steps)"
elif [ "$steps" -lt 1 ]; then
	fail "inject_init_fault=1 makes the load fail"
else
	ok "inject_init_fault=$((steps + 1)) (past the $steps steps) loads"
	for e in /proc/cwstat /proc/net/cwstat /proc/$xpid/net/cwstat; do
		check "entry $e present after that load" test -r "$e"
	done
	format_ok "/proc/cwstat is well-formed after that load" /proc/cwstat
	check "rmmod" mod_unload
fi

check "a normal load works after the injected failures" mod_load
format_ok "/proc/cwstat is well-formed" /proc/cwstat
check "rmmod" mod_unload
assert_eq "nothing left after rmmod" "$(left_behind)" ""

cw_exit

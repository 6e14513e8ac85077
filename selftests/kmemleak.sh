#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 1000
#
# kmemleak (debug kernel; skipped where the kernel has no kmemleak, an
# error under make check-debug): runs last. One more load, a read of every
# file and a socket's life through CLOSE_WAIT, then the final unload; then
# kmemleak scans twice with a pause (an object is reported only once it
# has been seen unreferenced, and is older than 5 s) and its report must be
# empty: nothing leaked by any test before this one, nor by the unload.

. "$(dirname "$0")/lib.sh"

K=/sys/kernel/debug/kmemleak
if [ ! -e $K ]; then
	[ -z "${CWSTAT_DEBUG_KERNEL:-}" ] || bail "kmemleak present on the debug kernel" \
		"no $K (debugfs mounted? CONFIG_DEBUG_KMEMLEAK?)"
	skip_all "no kmemleak in this kernel"
fi

need_mod max_age_ms=0
factory_start f -n 3
cat /proc/cwstat /proc/net/cwstat /sys/kernel/cwstat/alarm >/dev/null
factory_stop f
mod_unload || bail "rmmod" "$(cat "$CW_T/rmmod.err")"
ok "final unload"

sleep "${CW_KMEMLEAK_PAUSE:-6}"
echo scan >$K || bail "echo scan > $K"
sleep "${CW_KMEMLEAK_PAUSE:-6}"
echo scan >$K
cat $K >"$CW_T/leaks"
n=$(grep -c '^unreferenced object' "$CW_T/leaks")
if [ "$n" = 0 ]; then
	ok "kmemleak: no unreferenced object after two scans"
else
	fail "kmemleak: no unreferenced object after two scans" "$n reported:"
	diag_file "$CW_T/leaks" 80
fi
# a report naming cwstat in its backtrace is ours even in a noisy kernel
assert_eq "kmemleak: no backtrace through cwstat" \
	"$(grep -c 'cwstat' "$CW_T/leaks")" 0
cw_exit

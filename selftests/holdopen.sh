#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: full
# cw-order: 310
#
# holdopen: cw_holdread opens a cwstat file, reads it one byte per read(2)
# (the bytes must form a well-formed snapshot), seeks back and forth, reads
# one byte more and then holds the file open while the module is unloaded,
# and in one case loaded again, before it reads on and seeks again. rmmod
# must succeed or fail cleanly (EBUSY, module still working); the reads
# after it must fail with an errno or complete, never return garbage; the
# kernel log must stay clean (a use-after-free shows under KASAN).
# Files: /proc/cwstat, /proc/net/cwstat, a child netns's /proc/net/cwstat
# (through /proc/PID/net), /sys/kernel/cwstat/alarm and max_age_ms.

. "$(dirname "$0")/lib.sh"

mmode=${CW_MODE:-live}
mod_unload
netns_sleeper h
hpid=$NETNS_SLEEPER_PID
need_mod max_age_ms=0
factory_start f -n 4 -E 2
factory_start fh -N "$(ns_file h)" -n 3

# hold FILE FORMAT_OPTS RELOAD: one round
hold() {
	f=$1 fmt=$2 reload=$3
	tag=$(echo "$f$reload" | tr -c 'a-z0-9\n' _)
	mod_loaded || need_mod max_age_ms=0
	rm -f "$CW_T/ready" "$CW_T/go"
	"$CW_BIN/cw_holdread" -r "$CW_T/ready" -g "$CW_T/go" -t 120 "$f" \
		"$CW_T/bytes.$tag" >"$CW_T/hold.$tag" 2>&1 &
	hp=$!
	bg_register $hp
	if ! wait_until 60 test -e "$CW_T/ready"; then
		fail "$f: reader ready" "$(cat "$CW_T/hold.$tag")"
		kill $hp 2>/dev/null
		return
	fi
	case $fmt in
	sysfs) assert_eq "$f: byte-wise read is one value" \
		"$(grep -c . "$CW_T/bytes.$tag")" 1 ;;
	*)
		# shellcheck disable=SC2086 # options
		if "$CW_BIN/cw_check_format" -m "$mmode" $fmt "$CW_T/bytes.$tag" \
			>"$CW_T/fmt" 2>&1; then
			ok "$f: byte-wise read is a well-formed snapshot"
		else
			fail "$f: byte-wise read is a well-formed snapshot"
			diag_file "$CW_T/fmt"
		fi ;;
	esac
	if rmmod cwstat 2>"$CW_T/rmmod.err"; then
		ok "$f held open: rmmod succeeds"
	elif grep -q 'in use' "$CW_T/rmmod.err" && mod_loaded &&
		cat /proc/cwstat >/dev/null; then
		ok "$f held open: rmmod refused cleanly (module still works)"
	else
		fail "$f held open: rmmod succeeds or fails cleanly" \
			"$(cat "$CW_T/rmmod.err")"
	fi
	[ -n "$reload" ] && { mod_load max_age_ms=0 || fail "insmod while $f held"; }
	: >"$CW_T/go"
	wait $hp
	rc=$?
	if [ $rc = 0 ]; then
		ok "$f: reads and seeks after the unload${reload:+ and reload} are clean ($(cat "$CW_T/hold.$tag"))"
	else
		fail "$f: reads and seeks after the unload${reload:+ and reload} are clean" \
			"exit status $rc"
		diag_file "$CW_T/hold.$tag"
	fi
}

hold /proc/cwstat "" ""
hold /proc/cwstat "" reload
hold /proc/net/cwstat -1 ""
hold "/proc/$hpid/net/cwstat" "-1 -N $(ns_ino h)" ""
hold "/proc/$hpid/net/cwstat" "-1 -N $(ns_ino h)" reload
hold /sys/kernel/cwstat/alarm sysfs ""
hold /sys/kernel/cwstat/max_age_ms sysfs reload

# and the module is healthy afterwards
need_mod max_age_ms=0
format_ok "/proc/cwstat after the held-open rounds" /proc/cwstat
assert_eq "it counts the 7 CLOSE_WAIT of the two factories" \
	"$(cw_val /proc/cwstat total "" close_wait)" 7
cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: full
# cw-order: 330
#
# sysfs_fuzz: cw_fuzzwrite sends random bytes of random lengths (and some
# valid numbers, words around the u32/u64 limits, NULs, signs, prefixes)
# to every writable attribute for CW_FUZZ_SECS (default 20) seconds: the
# tunables (/sys/kernel/cwstat and the writable module parameters) from two
# writers at once, reconcile from a third, while a reader reads
# /proc/cwstat. Afterwards, and on every sample meanwhile, each value is a
# plain number within its range with warn <= crit when both are set, the
# alarm agrees with the thresholds, /proc/cwstat is well-formed, and the
# kernel log is clean (run_tests' splat check).

. "$(dirname "$0")/lib.sh"

SECS=${CW_FUZZ_SECS:-20}
S=/sys/kernel/cwstat
P=/sys/module/cwstat/parameters
need_mod max_age_ms=0
factory_start f -n 5

F=$CW_BIN/cw_fuzzwrite
# every writable attribute and parameter: reconcile (a walk per write) to
# a writer of its own
tun=
rec=
for f in $S/* $P/*; do
	case $(stat -c %A "$f"):${f##*/} in
	*w*:reconcile) rec="$rec $f" ;;
	*w*:*) tun="$tun $f" ;;
	esac
done
diag "tunables:$tun; reconcile:$rec"
# shellcheck disable=SC2086 # lists of files
"$F" -t "$SECS" $tun >"$CW_T/fz1" 2>&1 &
p1=$!
bg_register $p1
"$F" -t "$SECS" $S/warn $S/crit >"$CW_T/fz2" 2>&1 &
p2=$!
bg_register $p2
# shellcheck disable=SC2086
"$F" -x -t "$SECS" ${rec:-$S/reconcile} >"$CW_T/fz3" 2>&1 &
p3=$!
bg_register $p3
"$CW_BIN/cw_check_format" -m "${CW_MODE:-live}" -t "$SECS" /proc/cwstat \
	>"$CW_T/reader" 2>&1 &
rp=$!
bg_register $rp

# valid_state: the invariants, or a message
valid_state() {
	a=$(cat $S/max_age_ms) pa=$(cat $P/max_age_ms) w=$(cat $S/warn) c=$(cat $S/crit)
	al=$(cat $S/alarm)
	case $al in
	ok | warn | crit) ;;
	*) echo "alarm '$al'" ;;
	esac
	for v in "$a" "$pa" "$w" "$c"; do
		_is_uint "$v" || { echo "not a number: '$v'"; return; }
	done
	[ "$a" -le 3600000 ] || echo "max_age_ms $a out of range"
	[ "$pa" -le 3600000 ] || echo "parameter max_age_ms $pa out of range"
	# the pairs only once the writers have stopped: reads are not atomic
	[ -n "$1" ] || return 0
	[ "$a" = "$pa" ] || echo "max_age_ms $a, parameter $pa"
	if [ "$w" != 0 ] && [ "$c" != 0 ]; then
		# u64 values: compare as strings of equal length
		awk -v w="$w" -v c="$c" 'BEGIN {
			if (length(w) > length(c) || (length(w) == length(c) && w > c))
				print "warn " w " > crit " c }'
	fi
}
samples=0
bad=
while _pid_alive $p1 || _pid_alive $p2; do
	m=$(valid_state)
	samples=$((samples + 1))
	[ -z "$m" ] || [ -n "$bad" ] || bad="sample $samples: $m"
	sleep 0.2
done
for p in $p1 $p2 $p3; do
	wait $p
	rc=$?
	n=$([ $p = $p1 ] && echo 1; [ $p = $p2 ] && echo 2; [ $p = $p3 ] && echo 3)
	if [ $rc = 0 ]; then
		ok "writer $n: every write returned its length or an error ($(tail -n 1 "$CW_T/fz$n"))"
		diag "writer $n $(head -n 1 "$CW_T/fz$n")"
	else
		fail "writer $n: every write returned its length or an error" "status $rc"
		diag_file "$CW_T/fz$n"
	fi
done
assert_eq "values valid in $samples samples during the fuzzing" "$bad" ""
assert_eq "values valid after it (max_age_ms same in both places, warn <= crit)" "$(valid_state quiet)" ""
wait $rp
rc=$?
if [ $rc = 0 ]; then
	ok "reader: /proc/cwstat well-formed throughout ($(tail -n 1 "$CW_T/reader"))"
else
	fail "reader: /proc/cwstat well-formed throughout" "status $rc"
	diag_file "$CW_T/reader"
fi
# the alarm agrees with the thresholds (5 CLOSE_WAIT; the live table
# moves the alarm at once, a scan at the next read)
"$CW_BIN/cw_write" $S/max_age_ms 0 >/dev/null
"$CW_BIN/cw_write" $S/warn 0 >/dev/null
"$CW_BIN/cw_write" $S/crit 5 >/dev/null
"$CW_BIN/cw_write" $S/warn 3 >/dev/null
cat /proc/cwstat >/dev/null
assert_eq "alarm crit at 5 CLOSE_WAIT with warn 3, crit 5" "$(cat $S/alarm)" crit
"$CW_BIN/cw_write" $S/crit 0 >/dev/null
"$CW_BIN/cw_write" $S/warn 0 >/dev/null
cat /proc/cwstat >/dev/null
assert_eq "alarm ok with both off" "$(cat $S/alarm)" ok
format_ok "/proc/cwstat afterwards" /proc/cwstat
cw_exit

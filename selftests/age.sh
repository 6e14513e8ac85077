#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 90
# cw-modes: live
# cw-tier: core
# cw-order: 150
#
# age (live mode): time in CLOSE_WAIT. Three groups of sockets enter
# CLOSE_WAIT at times the factories record (start t0, ready t1):
#   A  4 sockets, cgroup x, about 12.5 s before the read
#   B  3 sockets, cgroup y, about 3.5 s before
#   C  2 sockets, cgroup x, just before
# all in netns g. Each row's oldest_s must be its oldest group's age to
# within a second, and its histogram must put each group in the bucket its
# age falls in (age_le_60s, age_le_10s, age_le_1s); a group whose possible
# ages straddle a bound may be in either bucket. The buckets count each
# socket once (they are not cumulative), so they sum to close_wait.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0
is_live || skip_all "live mode only"

ns_add g || bail "ip netns add g"
cg_add x && cg_add y || bail "mkdir cgroups"
ino=$(ns_ino g)
idx=$(cg_id x)
idy=$(cg_id y)

factory_start A -N "$(ns_file g)" -c "$(cg_dir x)" -n 4
while [ "$(now_cs)" -lt $(($(fget A t1) + 900)) ]; do
	sleep 0.1
done
factory_start B -N "$(ns_file g)" -c "$(cg_dir y)" -n 3
while [ "$(now_cs)" -lt $(($(fget A t1) + 1240)) ]; do
	sleep 0.1
done
factory_start C -N "$(ns_file g)" -c "$(cg_dir x)" -n 2
ta=$(now_cs)
snap "$CW_T/s"
tb=$(now_cs)
format_ok "well-formed" "$CW_T/s"
diag_file "$CW_T/s"
diag "ages at the read, in cs: A $((ta - $(fget A t1)))..$((tb - $(fget A t0))), B $((ta - $(fget B t1)))..$((tb - $(fget B t0))), C $((ta - $(fget C t1)))..$((tb - $(fget C t0)))"

# group G: "count lo hi", its sockets' possible ages at the read in cs, with
# 2 cs of slack for the two clocks' granularity.
group() {
	echo "$(fget "$1" close_wait) $((ta - $(fget "$1" t1) - 2)) $((tb - $(fget "$1" t0) + 2))"
}

# check_row DESC TYPE SELECTORS GROUP...: oldest_s and the histogram of a
# row against the groups in it.
check_row() {
	local desc=$1 type=$2 sel=$3 g
	shift 3
	: >"$CW_T/groups"
	for g in "$@"; do
		group "$g" >>"$CW_T/groups"
	done
	set -- $(awk '{ if ($2 > lo_max + 0) lo_max = $2; if ($3 > hi_max + 0) hi_max = $3; n += $1 }
		END { lo = int(lo_max / 100) - 1; if (lo < 0) lo = 0
		      print n, lo, int(hi_max / 100) + 1 }' "$CW_T/groups")
	assert_eq "$desc: close_wait" "$(cw_val "$CW_T/s" "$type" "$sel" close_wait)" "$1"
	assert_range "$desc: oldest_s within $2..$3" \
		"$(cw_val "$CW_T/s" "$type" "$sel" oldest_s)" "$2" "$3"
	for k in age_le_1s age_le_10s age_le_60s age_le_600s age_le_3600s \
		age_gt_3600s; do
		printf '%s ' "$(cw_val "$CW_T/s" "$type" "$sel" "$k")"
	done >"$CW_T/hist"
	# each bucket between the sockets surely in it and those maybe in it
	if awk 'BEGIN { split("100 1000 6000 60000 360000", b, " ") }
		function bucket(a,    i) {
			for (i = 1; i <= 5; i++)
				if (a <= b[i]) return i
			return 6
		}
		NR == FNR { for (i = 1; i <= 6; i++) h[i] = $i; next }
		{
			lo = bucket($2); hi = bucket($3)
			if (lo == hi) sure[lo] += $1
			for (i = lo; i <= hi; i++) maybe[i] += $1
		}
		END {
			for (i = 1; i <= 6; i++)
				if (h[i] < sure[i] + 0 || h[i] > maybe[i] + 0) {
					printf "bucket %d: %s, want %d..%d\n", i, h[i],
						sure[i], maybe[i]
					bad = 1
				}
			exit bad
		}' "$CW_T/hist" "$CW_T/groups" >"$CW_T/hist.err"; then
		ok "$desc: histogram $(cat "$CW_T/hist")"
	else
		fail "$desc: histogram $(cat "$CW_T/hist")" "$(cat "$CW_T/hist.err")"
	fi
}

check_row "netns g" netns "ns=$ino" A B C
check_row "netns g cgroup x" cgroup "ns=$ino id=$idx" A C
check_row "netns g cgroup y" cgroup "ns=$ino id=$idy" B
check_row "total" total "" A B C

# Ages go on growing with no event at all.
while [ "$(now_cs)" -lt $((tb + 120)) ]; do
	sleep 0.1
done
ta=$(now_cs)
snap "$CW_T/s2"
tb=$(now_cs)
lo=$(((ta - $(fget A t1)) / 100 - 1))
hi=$(((tb - $(fget A t0)) / 100 + 1))
assert_range "oldest_s 1.2 s later: within $lo..$hi" \
	"$(cw_val "$CW_T/s2" netns "ns=$ino" oldest_s)" "$lo" "$hi"
assert_eq "C's sockets moved on to age_le_10s" \
	"$(cw_val "$CW_T/s2" cgroup "ns=$ino id=$idx" age_le_1s)" 0

# The oldest group gone, its row's oldest_s is the next one's.
factory_stop A
ta=$(now_cs)
snap "$CW_T/s3"
tb=$(now_cs)
# age_range G: the bounds of oldest_s for group G's sockets now
age_range() {
	echo "$(((ta - $(fget "$1" t1)) / 100 - 1)) $(((tb - $(fget "$1" t0)) / 100 + 1))"
}
# shellcheck disable=SC2046 # two numbers
set -- $(age_range C)
assert_range "after A closed: cgroup x oldest_s is C's, $1..$2" \
	"$(cw_val "$CW_T/s3" cgroup "ns=$ino id=$idx" oldest_s)" "$@"
assert_eq "after A closed: cgroup x close_wait" \
	"$(cw_val "$CW_T/s3" cgroup "ns=$ino id=$idx" close_wait)" 2
# shellcheck disable=SC2046 # two numbers
set -- $(age_range B)
assert_range "after A closed: netns oldest_s is B's, $1..$2" \
	"$(cw_val "$CW_T/s3" netns "ns=$ino" oldest_s)" "$@"

cw_exit

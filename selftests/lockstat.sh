#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 360
#
# lockstat (live mode): on a kernel with lockdep's lock statistics
# (CONFIG_LOCK_STAT: the debug kernel of make check-debug; skipped
# elsewhere), a connect/accept/close churn through CLOSE_WAIT in one
# process per vCPU, and what /proc/lock_stat says of cwstat's locks
# (issue 19: no global lock and no shared atomic on the probe's path):
#  - every lock class of the probe's path is there (the table's groups,
#    the CPUs' free-entry caches, the shared free list, the count's total),
#    so the checks below look at something
#  - the groups' locks are taken at least once per probe hit
#  - a CPU's cache is contended by no one, and changes CPU only on each
#    CPU's first use (lockdep's idea of its last CPU is the loader's): only
#    a steal near max_tracked would do more
#  - the shared free list is taken once per batch of 32 changes on a CPU,
#    at most once per 16 probe hits (plus the pool's growth), and the
#    count's shared total once per 64, at most once per 32 hits
#  - no class of cwstat's is contended on more than 1 % of its
#    acquisitions, or twice (with TCG running one vCPU at a time, a vCPU
#    descheduled inside a lock makes whoever waits for it count one)
#  - and, as a control, that the same statistics see some of the
#    kernel's own classes contended in the same churn; the most contended
#    are printed beside cwstat's.

. "$(dirname "$0")/lib.sh"

SECS=${CW_LOCKSTAT_SECS:-20}

[ -r /proc/lock_stat ] || skip_all "no /proc/lock_stat (CONFIG_LOCK_STAT)"
cpus=$(grep -c '^processor' /proc/cpuinfo)
[ "$cpus" -ge 2 ] || skip_all "one vCPU: nothing to contend"

need_mod
wait_until 15 seeded_and_followed || bail "the follow-up reconciliation after load"

# lockdep switched itself off (after an earlier report): nothing to read.
grep -q 'lock debugging disabled' /proc/lock_stat &&
	bail "lockdep is off in this boot: /proc/lock_stat says lock debugging disabled"

# check-debug boots with the statistics off (lockdep.lock_stat=0), so that
# the other tests do not pay for them: on for this churn only.
was=$(cat /proc/sys/kernel/lock_stat)
restore_lock_stat() {
	echo "$was" >/proc/sys/kernel/lock_stat
}
echo 1 >/proc/sys/kernel/lock_stat || bail "enable lock_stat"
echo 0 >/proc/lock_stat || bail "clear lock_stat"
hits0=$(mod_param probe_hits)
"$CW_BIN/cw_churn" -P "$cpus" -k 100 -d "$SECS" -x >"$CW_T/churn.out" || {
	restore_lock_stat
	bail "cw_churn -P $cpus"
}
hits=$(($(mod_param probe_hits) - hits0))
cp /proc/lock_stat "$CW_T/lock_stat"
restore_lock_stat
diag "$(cat "$CW_T/churn.out") on $cpus vCPUs: $hits probe hits"
assert_ge "the churn went through CLOSE_WAIT" "$hits" 1000

# ls_field CLASS N: field N (1: con-bounces, 2: contentions, 7: acq-bounces,
# 8: acquisitions) of CLASS's line, empty if it is not there.
ls_field() {
	awk -v c="$1:" -v n="$2" '$1 == c { print $(n + 1); exit }' "$CW_T/lock_stat"
}

for c in cwstat_group_lock cwstat_pcpu_pool_lock cwstat_pool_lock cwstat_tracked_lock; do
	acq=$(ls_field $c 8)
	con=$(ls_field $c 2)
	if [ -z "$acq" ]; then
		fail "$c is in /proc/lock_stat"
		continue
	fi
	ok "$c is in /proc/lock_stat"
	diag "$c: acquisitions=$acq contentions=$con con-bounces=$(ls_field $c 1) acq-bounces=$(ls_field $c 7)"
	# At most 1 % of the acquisitions contended, or 2: the shared list
	# and the count's total are taken a few dozen times in all, most of
	# them while every process starts at once.
	max=$((acq / 100))
	[ "$max" -ge 2 ] || max=2
	assert_range "$c: contended on at most 1 % of $acq acquisitions (or 2)" \
		"$con" 0 "$max"
done

assert_ge "cwstat_group_lock: taken at least once per probe hit" \
	"$(ls_field cwstat_group_lock 8)" "$hits"
assert_eq "cwstat_pcpu_pool_lock: never contended" \
	"$(ls_field cwstat_pcpu_pool_lock 2)" 0
# lockdep remembers the CPU that last took each lock, and the one that
# initialised it at load counts as the last: each other CPU's first take
# of its own cache is one bounce. No more than that.
assert_range "cwstat_pcpu_pool_lock: taken on another CPU than the time before at most once per CPU" \
	"$(ls_field cwstat_pcpu_pool_lock 7)" 0 "$cpus"
# The pool's growth at load takes it once per chunk; the churn needs none.
assert_range "cwstat_pool_lock: at most once per 16 probe hits" \
	"$(ls_field cwstat_pool_lock 8)" 0 $((hits / 16 + 16))
assert_range "cwstat_tracked_lock: at most once per 32 probe hits" \
	"$(ls_field cwstat_tracked_lock 8)" 0 $((hits / 32 + 16))

# The control: the same statistics see the kernel's own locks contended
# in this churn (the runqueues', kmemleak's...), so a 0 above is a
# measurement, not a blind spot.
assert_ge "lock_stat sees contention in this boot (the kernel's own classes)" \
	"$(awk '$1 ~ /:$/ && $1 !~ /^cwstat_/ && $3 ~ /^[0-9]+$/ { n += $3 } END { print n + 0 }' "$CW_T/lock_stat")" 1
diag "the kernel's most contended classes in the same run:"
awk '$1 ~ /:$/ && $2 ~ /^[0-9]+$/ && $3 > 0 { print $3, $1, "acquisitions=" $9 }' \
	"$CW_T/lock_stat" | sort -rn | head -n 8 | sed 's/^/#   /'
mod_unload
cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 400
# cw-modes: live
# cw-tier: full
# cw-order: 340
#
# faults (a kernel with CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC, i.e. the
# debug kernel of make check-debug; skipped elsewhere, an error there):
# systematic allocation-failure injection through /proc/thread-self/fail-nth
# (cw_failnth). For each operation, the 1st, 2nd, ... allocation it makes
# fails, one per run, until a run makes fewer allocations than N:
#   - a read of /proc/cwstat and of /proc/net/cwstat, live and scan mode:
#     each ends in an error (ENOMEM) or in a complete, well-formed file,
#     never in a truncated or inconsistent one;
#   - a reconciliation (/sys/kernel/cwstat/reconcile) and a threshold write:
#     an error or success, and no drift afterwards;
# then, with injection off, the counts equal the sockets made, and the
# module unloads. Injected: every slab allocation, GFP_KERNEL included, and
# every page allocation of order 1 or more. Not injected: order-0 pages,
# so that vmalloc's own pages never fail; a failed vmalloc prints a
# warn_alloc() backtrace, which the harness would count as a splat.
# Module load failures are init_fault's job (every step of the ladder).
# kmemleak.sh, later, finds whatever an error path leaked.

. "$(dirname "$0")/lib.sh"

D=/sys/kernel/debug
if [ ! -e /proc/self/fail-nth ] || [ ! -d $D/failslab ] ||
	[ ! -d $D/fail_page_alloc ]; then
	[ -z "${CWSTAT_DEBUG_KERNEL:-}" ] || bail "fault injection on the debug kernel" \
		"no /proc/self/fail-nth or $D/fail{slab,_page_alloc}"
	skip_all "no failslab/fail_page_alloc in this kernel"
fi

MAX=${CW_FAILNTH_MAX:-400}

# fail-nth bypasses the probability; these say which allocations count.
for a in failslab fail_page_alloc; do
	echo 0 >$D/$a/verbose
	echo N >$D/$a/ignore-gfp-wait
done
echo 1 >$D/fail_page_alloc/min-order
restore_fi() {
	for a in failslab fail_page_alloc; do
		echo Y >$D/$a/ignore-gfp-wait
	done
}

# sweep DESC OKCHECK ERRCHECK OP ARGS...: run "cw_failnth N OP ARGS..."
# for N = 1, 2, ...; OKCHECK runs after each injected run that succeeded,
# ERRCHECK after each that failed ("-": none).
sweep() {
	local desc=$1 chk=$2 echk=$3 n=1 r oks=0 errs=0 bad=
	shift 3
	while [ $n -le "$MAX" ]; do
		r=$("$CW_BIN/cw_failnth" $n "$@" 2>&1)
		case $r in
		"missed ok") break ;;
		"injected ok")
			oks=$((oks + 1))
			if [ "$chk" != - ] && ! $chk >"$CW_T/chk" 2>&1; then
				bad="allocation $n failed, the operation succeeded, but: $(head -c 300 "$CW_T/chk")"
				break
			fi ;;
		"injected E"*)
			errs=$((errs + 1))
			if [ "$echk" != - ] && ! $echk >"$CW_T/chk" 2>&1; then
				bad="allocation $n failed, the operation with it ($r), but: $(head -c 300 "$CW_T/chk")"
				break
			fi ;;
		*)
			bad="allocation $n: $r"
			break ;;
		esac
		n=$((n + 1))
	done
	if [ -n "$bad" ]; then
		fail "$desc" "$bad"
	elif [ $n -gt "$MAX" ]; then
		fail "$desc: fewer than $MAX allocations" "still injected at $MAX"
	elif [ $n = 1 ]; then
		fail "$desc: at least one allocation to fail" "none was made"
	else
		ok "$desc: each of its $((n - 1)) allocations failed in turn: $errs clean errors, $oks complete"
	fi
}

well_formed() {
	"$CW_BIN/cw_check_format" -m "$(mod_mode)" "$@" "$CW_T/out"
}
net_file() {
	well_formed -1
}
no_drift() {
	[ "$(mod_param drift)" = 0 ]
}
# a refused write leaves the old value; one that succeeded is undone
warn_set() {
	[ "$(cat /sys/kernel/cwstat/warn)" = 7 ] &&
		[ "$("$CW_BIN/cw_write" /sys/kernel/cwstat/warn 0)" = ok ]
}
warn_kept() {
	[ "$(cat /sys/kernel/cwstat/warn)" = 0 ]
}

ns_add a || bail "ip netns add a"
cg_add x || bail "mkdir cgroup x"
cg_add y || bail "mkdir cgroup y"
factory_start f1 -c "$(cg_dir x)" -n 4 -u 10 -E 2
factory_start f2 -N "$(ns_file a)" -c "$(cg_dir y)" -n 3
factory_start f3 -N "$(ns_file a)" -c "$(cg_dir x)" -n 2 -u 1

for m in live scan; do
	need_mod mode=$m max_age_ms=0
	sweep "$m: read /proc/cwstat" well_formed - read /proc/cwstat "$CW_T/out"
	sweep "$m: read /proc/net/cwstat" net_file - read /proc/net/cwstat "$CW_T/out"
	"$CW_BIN/cw_write" /sys/kernel/cwstat/warn 0 >/dev/null
	sweep "$m: write warn" warn_set warn_kept write /sys/kernel/cwstat/warn 7
	if [ $m = live ]; then
		sweep "live: a reconciliation" no_drift no_drift write /sys/kernel/cwstat/reconcile 1
		assert_eq "live: tracked after the injected failures" "$(mod_param tracked)" 9
		reconcile || fail "live: a reconciliation with injection off"
		assert_eq "live: and it finds no drift" "$(mod_param drift)" 0
	fi
	snap "$CW_T/s"
	format_ok "$m: with injection off, /proc/cwstat is well-formed" "$CW_T/s"
	assert_all "$m: and counts the 9 CLOSE_WAIT sockets made (factories, total)" \
		"$(cw_val "$CW_T/s" total "" close_wait)" 9
	check "$m: the module unloads" mod_unload
done
restore_fi
cw_exit

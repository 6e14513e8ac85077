#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 420
# cw-modes: live
# cw-tier: full
# cw-order: 300
#
# stress: everything at once for CW_STRESS_SECS (default 30; 120 under
# make check-debug):
#   - 8 readers in a tight loop: /proc/cwstat and /proc/net/cwstat through
#     cw_check_format (every complete read must be well-formed; open and
#     read errors between loads are tolerated), half of them in child
#     netns (where every netns row must be that netns's), 4 unprivileged
#     (uid 65534, no capabilities); 2 of the 8 read /sys/kernel/cwstat/*
#     (each value must be well-formed when the read succeeds)
#   - 4 cw_churn workers (2 in the init netns, 2 in child netns) taking
#     connections into CLOSE_WAIT and out of it by all four ways
#   - netns made (with CLOSE_WAIT sockets in them) and deleted
#   - cgroups holding CLOSE_WAIT sockets removed after their processes
#     moved out (the sockets outlive the cgroup)
#   - the module unloaded and loaded again every CW_STRESS_RELOAD_S (3) s
#   - with CW_STRESS_FILL_PCT=P (make check-debug: 8), under memory
#     pressure: cw_memhog first takes memory, which nothing can reclaim
#     (no swap), until only P % of MemTotal is still available
# It goes on past SECS until there have been at least 3 reloads and 3
# netns/cgroup rounds (CW_STRESS_MIN_CYCLES, CW_STRESS_MIN_ROUNDS).
# Then: no reader saw a malformed snapshot, every load and unload worked,
# nothing hung (run_tests' timeout, the hung-task detector), and once
# everything has settled the counts are exact against ss in every netns,
# total = tracked and drift 0 in live mode (after a reconciliation).

. "$(dirname "$0")/lib.sh"

SECS=${CW_STRESS_SECS:-30}
RELOAD=${CW_STRESS_RELOAD_S:-3}
MIN_CYCLES=${CW_STRESS_MIN_CYCLES:-3}
MIN_ROUNDS=${CW_STRESS_MIN_ROUNDS:-3}
mmode=${CW_MODE:-live}

mod_unload
# On the debug kernel, kmemleak's own scan thread, starved by the churn
# under preempt=full, trips RCU's stall detector inside its read-side
# section (seen: "rcu_preempt detected stalls", P67 in kmemleak_scan).
# kmemleak.sh scans by hand at the end, so the periodic scans can go.
[ -w /sys/kernel/debug/kmemleak ] && echo scan=off >/sys/kernel/debug/kmemleak

ns_add sa || bail "ip netns add sa"
ns_add sb private || bail "ip netns add sb (private ehash)"
cg_add w || bail "mkdir cgroup w"
cg_add park || bail "mkdir cgroup park"
ino_init=$(ns_ino init)
ino_sa=$(ns_ino sa)
ino_sb=$(ns_ino sb)

need_mod max_age_ms=0

fill_pct=${CW_STRESS_FILL_PCT:-0}
if [ "$fill_pct" -gt 0 ]; then
	total_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	fill_mb=$(((avail_kb - total_kb * fill_pct / 100) / 1024))
	[ "$fill_mb" -gt 0 ] || fill_mb=0
	"$CW_BIN/cw_memhog" "$fill_mb" "$CW_T/hog.ready" 2>"$CW_T/hog.err" &
	bg_register $!
	wait_until 120 test -e "$CW_T/hog.ready" || {
		diag_file "$CW_T/hog.err"
		bail "take $fill_mb MiB of memory"
	}
	diag "memory pressure: $fill_mb MiB held, $(awk '/^MemAvailable:/ { print $2 / 1024 }' /proc/meminfo) MiB of $((total_kb / 1024)) MiB still available"
fi
t_start=$(now_cs)

# ---- workers ----------------------------------------------------------------
# churners run until SIGUSR1 (at most 10 * SECS) and then hold their last
# ring of CLOSE_WAIT sockets
w=0
for where in init init sa sb; do
	w=$((w + 1))
	nsarg=
	[ "$where" = init ] || nsarg="-N $(ns_file "$where")"
	# shellcheck disable=SC2086 # nsarg is empty or two words
	"$CW_BIN/cw_runas" -g "$(cg_dir w)" - - "$CW_BIN/cw_churn" $nsarg \
		-k 30 -d $((SECS * 10)) -a 127.0.0.$((w + 1)) -o "$CW_T/churn.$w" \
		>/dev/null 2>"$CW_T/churn.$w.err" </dev/null &
	bg_register $!
	echo $! >"$CW_T/churn.$w.pid"
done

# ---- readers ----------------------------------------------------------------
R=$CW_BIN/cw_check_format
U="$CW_BIN/cw_runas 65534 65534"
T=$((SECS + 3600))
reader() {
	n=$1
	shift
	"$@" >"$CW_T/reader.$n" 2>&1 </dev/null &
	bg_register $!
	echo $! >"$CW_T/reader.$n.pid"
}
# sysfs_loop: read every /sys/kernel/cwstat attribute again and again; a
# successful read must be one well-formed value. Stops on SIGTERM.
sysfs_loop() {
	trap 'echo "sysfs reads=$n bad=$nbad"; exit $((nbad > 0))' TERM
	n=0
	nbad=0
	while :; do
		for f in /sys/kernel/cwstat/*; do
			v=$(cat "$f" 2>/dev/null) || continue
			n=$((n + 1))
			case ${f##*/}:$v in
			alarm:ok | alarm:warn | alarm:crit | mode:live | mode:scan) ;;
			version:[0-9]*) ;;
			alarm:* | mode:* | version:*)
				nbad=$((nbad + 1)); echo "bad ${f##*/}: '$v'" ;;
			*:*[!0-9]* | *:)
				nbad=$((nbad + 1)); echo "bad ${f##*/}: '$v'" ;;
			esac
		done
	done
}
reader 1 "$R" -E -m "$mmode" -t $T /proc/cwstat
reader 2 "$R" -E -m "$mmode" -1 -b 7 -k -t $T /proc/net/cwstat
reader 3 $U "$R" -E -m "$mmode" -N "$ino_init" -b 64 -t $T /proc/cwstat
sysfs_loop >"$CW_T/reader.4" 2>&1 </dev/null &
bg_register $!
echo $! >"$CW_T/reader.4.pid"
reader 5 nsenter --net="$(ns_file sa)" "$R" -E -m "$mmode" -N "$ino_sa" -t $T /proc/cwstat
reader 6 nsenter --net="$(ns_file sb)" $U "$R" -E -m "$mmode" -N "$ino_sb" -1 -k -t $T /proc/net/cwstat
reader 7 nsenter --net="$(ns_file sa)" $U "$R" -E -m "$mmode" -N "$ino_sa" -b 1 -t $T /proc/cwstat
# reader 8: the same loop in a shell of its own, as uid 65534 in netns sb
reader 8 nsenter --net="$(ns_file sb)" $U /bin/sh -c '
	trap "echo sysfs reads=\$n bad=\$b; exit \$((b > 0))" TERM
	n=0 b=0
	while :; do
		for f in /sys/kernel/cwstat/alarm /sys/kernel/cwstat/version \
			/sys/kernel/cwstat/max_age_ms /sys/kernel/cwstat/warn \
			/sys/kernel/cwstat/crit; do
			v=$(cat "$f" 2>/dev/null) || continue
			n=$((n + 1))
			case ${f##*/}:$v in
			alarm:ok | alarm:warn | alarm:crit | version:[0-9]*) ;;
			alarm:* | version:* | *:*[!0-9]* | *:) b=$((b + 1)); echo "bad $f: $v" ;;
			esac
		done
	done'

# ---- netns and cgroup churn ----------------------------------------------------
# Each round: a netns with a factory of CLOSE_WAIT sockets in a fresh
# cgroup; the factory moves to "park", the cgroup is removed under its
# sockets, the factory stops a round later, the netns is deleted.
churn_ns() {
	trap 'exit 0' TERM
	k=0
	prev=
	while :; do
		k=$((k + 1))
		ip netns add "${CW_NSPFX}t$k" || { echo "netns add t$k failed"; exit 1; }
		echo "t$k" >>"$CW_T/netns"
		ip -n "${CW_NSPFX}t$k" link set lo up
		mkdir "$CW_CGTOP/g$k" || { echo "mkdir g$k failed"; exit 1; }
		"$CW_BIN/cw_factory" -N "$(ns_file "t$k")" -c "$CW_CGTOP/g$k" -n 5 \
			-o "$CW_T/nsf.$k.ready" >/dev/null 2>"$CW_T/nsf.$k.err" </dev/null &
		fp=$!
		echo $fp >>"$CW_STATE/pids"
		i=0
		while [ ! -e "$CW_T/nsf.$k.ready" ] && [ $i -lt 600 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		[ -e "$CW_T/nsf.$k.ready" ] || { echo "factory t$k not ready"; exit 1; }
		for p in $(cat "$CW_CGTOP/g$k/cgroup.procs"); do
			echo "$p" >"$CW_CGTOP/park/cgroup.procs"
		done
		rmdir "$CW_CGTOP/g$k" || { echo "rmdir g$k failed"; exit 1; }
		if [ -n "$prev" ]; then
			kill -TERM "${prev#* }" 2>/dev/null
			wait "${prev#* }" 2>/dev/null
			ip netns del "${CW_NSPFX}${prev% *}"
		fi
		prev="t$k $fp"
		echo "rounds=$k" >"$CW_T/nsrounds"
		sleep 0.3
	done
}
churn_ns >"$CW_T/nschurn" 2>&1 </dev/null &
nschurn=$!
bg_register $nschurn

# ---- load and unload -------------------------------------------------------------
# At least SECS seconds, and on until MIN_CYCLES reloads and MIN_ROUNDS
# netns/cgroup rounds have happened (a starved guest, as under KASAN on a
# busy host, gets through fewer per second), but no longer than 8 * SECS.
end=$(($(now_cs) + SECS * 100))
cap=$(($(now_cs) + SECS * 800))
cycles=0
load_bad=
rounds_now() {
	r=$(sed -n 's/rounds=//p' "$CW_T/nsrounds" 2>/dev/null)
	echo "${r:-0}"
}
while [ "$(now_cs)" -lt "$end" ] || [ "$cycles" -lt "$MIN_CYCLES" ] ||
	[ "$(rounds_now)" -lt "$MIN_ROUNDS" ]; do
	[ "$(now_cs)" -lt "$cap" ] || break
	sleep "$RELOAD"
	if ! mod_unload; then
		load_bad="rmmod after $cycles cycles: $(cat "$CW_T/rmmod.err")"
		break
	fi
	sleep 0.2
	if ! mod_load max_age_ms=0; then
		load_bad="insmod after $cycles cycles: $(cat "$CW_T/insmod.err")"
		break
	fi
	cycles=$((cycles + 1))
done
secs=$((($(now_cs) - t_start) / 100))
assert_eq "$cycles unload/load cycles under load (every ${RELOAD} s for ${secs} s)" \
	"$load_bad" ""
assert_ge "reload cycles (at least $MIN_CYCLES)" "$cycles" "$MIN_CYCLES"
mod_loaded || need_mod max_age_ms=0
for w in 1 2 3 4; do
	kill -USR1 "$(cat "$CW_T/churn.$w.pid")" 2>/dev/null
done

kill -TERM $nschurn 2>/dev/null
wait $nschurn
assert_eq "netns and cgroup churn ran without errors ($(cat "$CW_T/nsrounds" 2>/dev/null))" \
	"$(cat "$CW_T/nschurn")" ""
assert_ge "netns/cgroup rounds (at least $MIN_ROUNDS)" "$(rounds_now)" "$MIN_ROUNDS"

for r in 1 2 3 4 5 6 7 8; do
	pid=$(cat "$CW_T/reader.$r.pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [ $rc = 0 ]; then
		ok "reader $r: every successful read well-formed ($(tail -n 1 "$CW_T/reader.$r"))"
	else
		fail "reader $r: every successful read well-formed" "exit status $rc"
		diag_file "$CW_T/reader.$r" 30
	fi
done

# ---- settle and count -----------------------------------------------------------
# churners: their ring of CLOSE_WAIT sockets is held after -d seconds
churn_ok=1
for w in 1 2 3 4; do
	wait_until 180 test -s "$CW_T/churn.$w" || {
		churn_ok=
		fail "churner $w finished its churn" "$(cat "$CW_T/churn.$w.err")"
	}
done
[ -n "$churn_ok" ] && ok "4 churners finished ($(cat "$CW_T"/churn.? | \
	sed -n 's/.*conns=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }') connections)"
sleep 1
held=0
for w in 1 2 3 4; do
	n=$(sed -n 's/.*close_wait=\([0-9]*\).*/\1/p' "$CW_T/churn.$w")
	held=$((held + ${n:-0}))
done

if is_live; then
	check "reconcile after the storm" reconcile
	assert_eq "live mode: drift 0 after the storm" "$(mod_param drift)" 0
fi
# ss in every netns, then cwstat, then ss again: nothing moves now
ss_total() {
	t=0
	for n in init $(ip netns list | awk -v p="$CW_NSPFX" \
		'index($1, p) == 1 { print substr($1, length(p) + 1) }'); do
		c=$(nsrun "$n" ss -Htan state close-wait | wc -l)
		t=$((t + c))
	done
	echo $t
}
s1=$(ss_total)
snap "$CW_T/final"
s2=$(ss_total)
format_ok "final /proc/cwstat is well-formed" "$CW_T/final"
assert_eq "ss stable across the final read" "$s2" "$s1"
assert_all "total close_wait (ss in every netns)" \
	"$(cw_val "$CW_T/final" total "" close_wait)" "$s1"
for n in init sa sb; do
	c=$(nsrun "$n" ss -Htan state close-wait | wc -l)
	got=$(cw_val "$CW_T/final" netns "ns=$(ns_ino "$n")" close_wait)
	assert_all "netns $n: close_wait (ss)" "${got:-0}" "$c"
done
assert_all "churners' own count of held CLOSE_WAIT (init, sa, sb rows)" \
	"$(( $(cw_val "$CW_T/final" netns "ns=$ino_init" close_wait) + \
	$(cw_val "$CW_T/final" netns "ns=$ino_sa" close_wait) + \
	$(cw_val "$CW_T/final" netns "ns=$ino_sb" close_wait) ))" "$held"
is_live && assert_all "live mode: total equals tracked" \
	"$(cw_val "$CW_T/final" total "" close_wait)" "$(mod_param tracked)"

# every socket closed: nothing left
for w in 1 2 3 4; do
	kill -TERM "$(cat "$CW_T/churn.$w.pid")" 2>/dev/null
	wait "$(cat "$CW_T/churn.$w.pid")" 2>/dev/null
done
kill_ours() {
	for p in $(cat "$CW_STATE/pids"); do
		[ -r "/proc/$p/comm" ] || continue
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		cw_factory) kill -TERM "$p" 2>/dev/null ;;
		esac
	done
}
kill_ours
wait_until 20 sh -c '[ "$(ss -Htan state close-wait | wc -l)" = 0 ]'
snap "$CW_T/empty"
assert_eq "all closed: total close_wait 0" \
	"$(cw_val "$CW_T/empty" total "" close_wait)" \
	"$(ss_total)"
is_live && assert_eq "all closed: tracked 0" "$(mod_param tracked)" "$(ss_total)"

cw_exit

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The benchmark, inside the VM (/cmd.sh, run by dash). Settings come from
# /etc/cwstat-bench.conf, written by scripts/bench/run. Every result is one
# line on stdout (the results port), read by scripts/bench/report:
#   info KEY VALUE...             facts about the guest and the module
#   memlat miss_ns=X seq8_ns=Y     the memory-bound floor's inputs
#   churn CONFIG RUN RATE          connections/s, CONFIG none|live|scan
#   icount CONFIG RUN NS CONNS SECONDS IDLE_NS
#                                  the churn in guest time (PHASE=icount):
#                                  guest-ns per connection, CONFIG
#                                  none|scan|live|spinK (the test build,
#                                  live, probe_spin=K)
#   read R WHAT ROUND RUN US BYTES  one in-process open+read+close
#                                  (PHASE=icount), guest-us: R cgroup
#                                  rows; WHAT live (max_age_ms default),
#                                  fresh (max_age_ms=0), tiny
#                                  (/proc/net/sockstat), same (the
#                                  first BYTES bytes of /proc/kallsyms)
#                                  or vmstat (all of /proc/vmstat)
#   made N CW SOCKETS SECONDS      sockets made up to total N
#   walk N CONFIG RUN US SOCKETS BUCKETS
#                                  one scan-mode walk (walk_phase):
#                                  last_scan_us and what it walked, CONFIG
#                                  scan (release build) | pf0 | pf1 (test
#                                  build, walk_prefetch=0 or 1)
#   time N METHOD RUN US [STATS]   one timed run
#   count N METHOD COUNT           CLOSE_WAIT sockets that METHOD found
#   mem N MODE KEY=VALUE...        memory of the module
#   fail WHAT                      the run is wrong; the host fails it
# Lines starting with "#" are progress.

. /etc/cwstat-bench.conf
# the module's test build (probe_spin), for PHASE=icount
TKO=/lib/cwstat/cwstat-test.ko

KO=/lib/cwstat/cwstat.ko
B=/tmp/bench
SYS=/sys/kernel/cwstat
PARAMS=/sys/module/cwstat/parameters
mkdir -p "$B"
failed=0

say() {
	echo "# $(cut -d' ' -f1 /proc/uptime)s $*"
}

fail() {
	echo "fail $*"
	failed=1
}

die() {
	fail "$*"
	cleanup
	exit 1
}

# Close the sockets one factory at a time: hundreds of thousands closed at
# once keep a TCG guest's softirqs busy long enough for an RCU stall
# warning, which the harness rightly counts as a splat.
cleanup() {
	[ -z "$ne_pids" ] || kill $ne_pids 2>/dev/null
	say "closing the sockets, one factory at a time"
	for p in $fac_pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		sleep 0.1
	done
	wait 2>/dev/null
	sleep 2
	say "closed"
}

# first line of a file, or "-" when it is not there
val() {
	if [ -r "$1" ]; then
		head -n 1 "$1"
	else
		echo -
	fi
}

# A health or live-mode counter: sysfs first, then the module parameters
# it was born as.
counter() {
	if [ -r "$SYS/$1" ]; then
		head -n 1 "$SYS/$1"
	elif [ -r "$PARAMS/$1" ]; then
		head -n 1 "$PARAMS/$1"
	else
		echo -
	fi
}

unload() {
	if [ -d /sys/module/cwstat ]; then
		rmmod cwstat || die "rmmod cwstat"
	fi
}

# enter_mode live|scan: load the module in that mode on a settled system,
# keep its first read and set slab1, vm1 (kB) and rows from it.
enter_mode() {
	settle
	load_$1
	cat /proc/cwstat >"$B/first.$N.$1"
	slab1=$(meminfo Slab)
	vm1=$(meminfo VmallocUsed)
	rows=$(grep -cE '^(netns|cgroup) ' "$B/first.$N.$1")
}

load_live() {
	unload
	insmod "$KO" mode=live || die "insmod mode=live"
}

load_scan() {
	unload
	if [ "$LIVE" = 1 ]; then
		insmod "$KO" mode=scan max_age_ms=0 || die "insmod mode=scan"
	else
		insmod "$KO" max_age_ms=0 || die "insmod max_age_ms=0"
	fi
}

# Unload, drop what can be dropped, and take the memory baseline.
settle() {
	unload
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	slab0=$(meminfo Slab)
	vm0=$(meminfo VmallocUsed)
}

# meminfo KEY: kB
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# ---------------------------------------------------------------- sockets
# The read benchmark's population, shared with walk_phase.

# make_netns: netns bench0-7 (bench0 with a private established hash),
# init_net attached as "init", cgroups bench/c0-3.
make_netns() {
	say "netns and cgroups"
	# bench0 gets a private established hash (6.1+): it is created while
	# the parent's tcp_child_ehash_entries is set.
	sysctl -q -w net.ipv4.tcp_child_ehash_entries=65536 ||
		fail "no net.ipv4.tcp_child_ehash_entries on this kernel"
	ip netns add bench0 || die "ip netns add bench0"
	sysctl -q -w net.ipv4.tcp_child_ehash_entries=0
	for i in 1 2 3 4 5 6 7; do
		ip netns add "bench$i" || die "ip netns add bench$i"
	done
	for i in 0 1 2 3 4 5 6 7; do
		ip -n "bench$i" link set lo up
		ip netns exec "bench$i" sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"
	done
	# init_net by name too, so that every per-netns method covers the host
	ip netns attach init 1 || die "ip netns attach init 1"
	mkdir -p /sys/fs/cgroup/bench
	for j in 0 1 2 3; do
		mkdir -p "/sys/fs/cgroup/bench/c$j"
	done
}

fac_pids=
made=0
expect=0
# make_to N: sockets up to N in all (from $made), a tenth of the new ones
# in CLOSE_WAIT, the rest ESTABLISHED pairs, over 8 netns x 4 cgroups;
# $expect is the CLOSE_WAIT count since. One "made" line.
make_to() {
	d=$(($1 - made))
	cw=$((d / 10))
	estp=$(((d - 2 * cw) / 2))
	say "N=$1: making $cw CLOSE_WAIT and $estp ESTABLISHED pairs more"
	t0=$(cut -d' ' -f1 /proc/uptime)
	k=0
	while [ $k -lt 32 ]; do
		nk=$((cw / 32 + (k < cw % 32)))
		ek=$((estp / 32 + (k < estp % 32)))
		if [ $((nk + ek)) -gt 0 ]; then
			cw_bench_factory -n $nk -E $ek -N "/run/netns/bench$((k / 4))" \
				-c "/sys/fs/cgroup/bench/c$((k % 4))" \
				-o "$B/ready.$1.$k" -t 900 >/dev/null 2>"$B/fac.$1.$k" &
			fac_pids="$fac_pids $!"
			echo "$!" >"$B/pid.$1.$k"
		else
			: >"$B/ready.$1.$k"
		fi
		k=$((k + 1))
	done
	k=0
	while [ $k -lt 32 ]; do
		until [ -e "$B/ready.$1.$k" ]; do
			if [ -e "$B/pid.$1.$k" ] && ! kill -0 "$(cat "$B/pid.$1.$k")" 2>/dev/null; then
				die "factory $k for N=$1 died: $(cat "$B/fac.$1.$k")"
			fi
			sleep 0.5
		done
		k=$((k + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	made=$1
	expect=$((expect + cw))
	echo "made $1 $expect $(grep '^TCP:' /proc/net/sockstat | awk '{ print $3 }') $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
}

# ---------------------------------------------------------------- walk
# walk_phase SIZES ROUNDS: the scan walk alone, per socket. For each N of
# SIZES, the sockets of the read benchmark (make_to), then ROUNDS rounds
# of reads of /proc/cwstat in scan mode with max_age_ms=0, so that every
# read walks; each gives one "walk" line with last_scan_us. Configurations:
# the release build (scan), and, when the test build is there, the test
# build with walk_prefetch off and on (pf0, pf1), toggled between reads of
# one load so that the pair is read back to back (the A/B of the
# prefetch). Under icount a walk's guest-us are thousands of instructions.
walk_phase() {
	wsizes=$1
	wrounds=$2
	make_netns
	loads=release
	[ ! -f "$TKO" ] || loads="release test"
	echo "info walk sizes=$wsizes rounds=$wrounds loads=$loads"
	for N in $wsizes; do
		make_to "$N"
		say "N=$N: walks, $wrounds rounds of each of: $loads"
		for ld in $loads; do
			if [ "$ld" = release ]; then
				load_scan
			else
				unload
				insmod "$TKO" mode=scan max_age_ms=0 ||
					die "insmod $TKO mode=scan max_age_ms=0"
				[ -w "$PARAMS/walk_prefetch" ] ||
					die "$TKO has no walk_prefetch parameter"
			fi
			# The first walk after the load is not counted: it
			# grows the rows' table. Its count is checked.
			cat /proc/cwstat >"$B/walk.$N.$ld"
			got=$(awk '$1 == "total" { for (i = 2; i <= NF; i++) if (sub(/^close_wait=/, "", $i)) print $i }' "$B/walk.$N.$ld")
			[ "$got" = "$expect" ] ||
				fail "walk: N=$N $ld build counted ${got:-none} CLOSE_WAIT, made $expect"
			r=1
			while [ "$r" -le "$wrounds" ]; do
				# pf0 and pf1 back to back, which goes first
				# alternating by round
				order=scan
				if [ "$ld" = test ]; then
					order="pf0 pf1"
					[ $((r % 2)) = 1 ] || order="pf1 pf0"
				fi
				for c in $order; do
					[ "$c" = scan ] || echo "${c#pf}" >"$PARAMS/walk_prefetch"
					cat /proc/cwstat >/dev/null
					echo "walk $N $c $r $(cat "$SYS/last_scan_us") $(cat "$SYS/last_scan_sockets") $(cat "$SYS/last_scan_buckets")"
				done
				r=$((r + 1))
			done
		done
		unload
	done
}

# ---------------------------------------------------------------- icount
# PHASE=icount: a boot of its own under qemu -icount shift=0,sleep=off on
# one vCPU (scripts/bench/run), where the guest's clock advances one ns
# per instruction it executes. The churn runs, as a fixed number of
# connections per round (cw_bench_churn -n): its guest time is the
# instructions the whole guest spent on them, whatever the host's load.
# Then, with ICOUNT_WALK_SIZES, the walk (walk_phase), whose last_scan_us
# is then thousands of instructions.

# nohz's idle time of CPU 0 (ns) from /proc/timer_list, 0 if none. With
# sleep=off an idle guest's clock jumps to its next timer: a churn that
# idled would count that jump as work, so each run reports its idle time.
idle_ns() {
	awk '/^cpu: 0/ { c = 1 } c && $1 == ".idle_sleeptime" { v = $3; exit }
		END { print v + 0 }' /proc/timer_list
}

# the loaded module's version
modver() {
	v=$(val "$SYS/version")
	[ "$v" != - ] || v=$(val /sys/module/cwstat/version)
	echo "$v"
}

# icount_load CONFIG
icount_load() {
	case $1 in
	none) unload ;;
	scan) load_scan ;;
	live) load_live ;;
	spin*)
		unload
		insmod "$TKO" mode=live probe_spin="${1#spin}" ||
			die "insmod $TKO probe_spin=${1#spin}"
		;;
	*) die "unknown icount configuration $1" ;;
	esac
}

# ---------------------------------------------------------------- icount reads
# What a live read of /proc/cwstat costs in guest instructions, with R
# cgroup rows for each R of ICOUNT_READ_ROWS (each cgroup holds one
# CLOSE_WAIT socket, in a netns of their own), against the tiny-file
# floor (/proc/net/sockstat) and a /proc file of the same byte size: the
# first BYTES bytes of /proc/kallsyms, where BYTES is what /proc/cwstat
# read. kallsyms is a plain seq_file that can be read to any size, one
# seq_printf() per line and no lock per line for the kernel's own
# symbols (which come first), so its cost is what seq_file's formatting
# costs per byte. /proc/vmstat, whole, is a cheaper one per byte (one
# seq_puts() and seq_put_decimal_ull() per line), for the cost per byte
# beside the floor. "live" reads with the default max_age_ms (consecutive
# reads share a snapshot, as agents that read together do); "fresh" with
# max_age_ms=0 (each read collects, as an agent reading every few
# seconds pays). The four take turns, ICOUNT_READ_ROUNDS rounds of
# ICOUNT_READ_RUNS reads each, after 2 of warm-up (vmstat too).
read_time() {	# R WHAT ROUND BYTES CW_TIME_ARGS...
	rr=$1 rw=$2 rn=$3 rb=$4
	shift 4
	cw_time -n "$ICOUNT_READ_RUNS" -w 2 "$@" >"$B/rt" 2>"$B/rterr" ||
		die "read R=$rr $rw: $(tail -n 2 "$B/rterr" | tr '\n' ' ')"
	sed "s/^/read $rr $rw $rn /; s/\$/ $rb/" "$B/rt"
}

icount_reads() {
	[ -n "${ICOUNT_READ_ROWS:-}" ] && [ "$LIVE" = 1 ] || return 0
	say "icount reads: $ICOUNT_READ_ROUNDS rounds x $ICOUNT_READ_RUNS reads at R = $ICOUNT_READ_ROWS cgroup rows"
	ip netns add reads || die "ip netns add reads"
	ip -n reads link set lo up
	mkdir -p /sys/fs/cgroup/reads
	made=0
	for R in $ICOUNT_READ_ROWS; do
		while [ "$made" -lt "$R" ]; do
			mkdir -p "/sys/fs/cgroup/reads/r$made"
			cw_bench_factory -n 1 -E 0 -N /run/netns/reads \
				-c "/sys/fs/cgroup/reads/r$made" -o "$B/rready.$made" \
				-t 3600 >/dev/null 2>"$B/rfac.$made" &
			fac_pids="$fac_pids $!"
			echo "$!" >"$B/rpid.$made"
			made=$((made + 1))
		done
		k=0
		while [ "$k" -lt "$R" ]; do
			until [ -e "$B/rready.$k" ]; do
				kill -0 "$(cat "$B/rpid.$k")" 2>/dev/null ||
					die "read factory $k died: $(cat "$B/rfac.$k")"
				sleep 0.2
			done
			k=$((k + 1))
		done
		# A fresh load: its seeding finds the sockets already there.
		load_live
		cat /proc/cwstat >"$B/read.$R"
		rows=$(grep -c '^cgroup ' "$B/read.$R")
		bytes=$(wc -c <"$B/read.$R")
		[ "$rows" -eq "$R" ] ||
			die "R=$R: /proc/cwstat has $rows cgroup rows, not $R"
		echo "info read_bytes_$R $bytes"
		age=$(cat "$SYS/max_age_ms")
		whats="live fresh tiny same vmstat"
		r=1
		while [ "$r" -le "$ICOUNT_READ_ROUNDS" ]; do
			for w in $whats; do
				case $w in
				live)
					echo "$age" >"$SYS/max_age_ms"
					read_time "$R" live "$r" "$bytes" -r /proc/cwstat
					;;
				fresh)
					echo 0 >"$SYS/max_age_ms"
					read_time "$R" fresh "$r" "$bytes" -r /proc/cwstat
					;;
				tiny)
					read_time "$R" tiny "$r" "$(wc -c </proc/net/sockstat)" \
						-r /proc/net/sockstat
					;;
				same)
					read_time "$R" same "$r" "$bytes" -l "$bytes" -r /proc/kallsyms
					;;
				vmstat)
					read_time "$R" vmstat "$r" "$(wc -c </proc/vmstat)" \
						-r /proc/vmstat
					;;
				esac
			done
			whats="${whats#* } ${whats%% *}"
			r=$((r + 1))
		done
		unload
	done
	cleanup
	fac_pids=
	ip netns del reads
	k=0
	while [ "$k" -lt "$made" ]; do
		rmdir "/sys/fs/cgroup/reads/r$k" 2>/dev/null
		k=$((k + 1))
	done
	rmdir /sys/fs/cgroup/reads 2>/dev/null
	return 0
}

icount_phase() {
	echo "info kernel $(uname -r)"
	echo "info cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "info cpus $(grep -c '^processor' /proc/cpuinfo)"
	echo "info mem_kb $(meminfo MemTotal)"
	echo "info clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "info icount $ICOUNT_OPTS"
	echo "info spin_insns_per_iter $SPIN_INSNS"
	echo "info config rounds=$ICOUNT_ROUNDS conns=$ICOUNT_CONNS warm=$ICOUNT_WARM configs=$ICOUNT_CONFIGS"
	insmod "$KO" || die "insmod $KO"
	LIVE=0
	[ -r "$PARAMS/mode" ] && LIVE=1
	echo "info module_version $(modver)"
	echo "info live $LIVE"
	unload
	if [ -f "$TKO" ]; then
		insmod "$TKO" || die "insmod $TKO"
		echo "info test_module_version $(modver)"
		echo "info test_probe_spin $(val "$PARAMS/probe_spin")"
		unload
	fi

	# The idle meter's own check: a second of sleep should read as about
	# 1e9 ns idle; 0 would mean the meter sees nothing, and the runs'
	# zeros would prove nothing.
	i0=$(idle_ns)
	sleep 1
	i1=$(idle_ns)
	echo "info idle_check_ns $((i1 - i0))"

	sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"
	[ "$ICOUNT_ROUNDS" -eq 0 ] || icount_churn
	# After the churn, whose rounds must not pay for the cleanup that
	# the reads' factories, cgroups and netns leave behind (run first,
	# they cost the first round of the first configurations about 1 100
	# instructions per connection, and the spread went from 0.2 % to
	# 1.3 %), nor meet the walk's sockets.
	icount_reads
	if [ -n "${ICOUNT_WALK_SIZES:-}" ]; then
		walk_phase "$ICOUNT_WALK_SIZES" "$ICOUNT_WALK_ROUNDS"
		cleanup
	fi
	say "done"
	exit $failed
}

# the churn rounds of the icount boot
icount_churn() {
	ip netns add churn || die "ip netns add churn"
	ip -n churn link set lo up
	# No TIME_WAIT sockets: their number and their expiry would carry
	# one round's history into the next one's cost. The client's
	# TIME_WAIT is not on the probe's path (the server's socket is what
	# passes through CLOSE_WAIT).
	ip netns exec churn sysctl -q -w net.ipv4.tcp_max_tw_buckets=0 ||
		die "tcp_max_tw_buckets"
	say "icount churn: $ICOUNT_ROUNDS rounds x $ICOUNT_CONNS connections per configuration ($ICOUNT_CONFIGS)"
	cw_bench_churn -P 1 -n "$ICOUNT_CONNS" -N /run/netns/churn >/dev/null ||
		die "icount churn warm-up"
	configs=$ICOUNT_CONFIGS
	r=1
	while [ "$r" -le "$ICOUNT_ROUNDS" ]; do
		for cfg in $configs; do
			icount_load "$cfg"
			# A few connections after the load (a live pool that
			# grows), then a second of guest time, free when idle
			# under sleep=off, for the deferred work of the load
			# to end before the count starts.
			cw_bench_churn -P 1 -n "$ICOUNT_WARM" -N /run/netns/churn >/dev/null ||
				die "icount churn $cfg warm-up"
			sleep 1
			i0=$(idle_ns)
			out=$(cw_bench_churn -P 1 -n "$ICOUNT_CONNS" -N /run/netns/churn) ||
				die "icount churn $cfg run $r"
			i1=$(idle_ns)
			echo "$out" | awk -v c="$cfg" -v r="$r" -v i="$((i1 - i0))" '{
				for (k = 2; k <= NF; k++) { split($k, a, "="); v[a[1]] = a[2] }
				print "icount", c, r, v["ns_per_conn"], v["conns"], v["seconds"], i }'
		done
		# rotate the order, so that no configuration always follows
		# the same one
		configs="${configs#* } ${configs%% *}"
		r=$((r + 1))
	done
	unload
	ip netns del churn
}

[ "${PHASE:-}" != icount ] || icount_phase

# PHASE=walk (scripts/bench/run --walk-ab): the wall-clock boot runs the
# walk alone, for the prefetch's A/B in real time.
if [ "${PHASE:-}" = walk ]; then
	echo "info kernel $(uname -r)"
	echo "info cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "info cpus $(grep -c '^processor' /proc/cpuinfo)"
	echo "info mem_kb $(meminfo MemTotal)"
	insmod "$KO" || die "insmod $KO"
	LIVE=0
	[ -r "$PARAMS/mode" ] && LIVE=1
	echo "info module_version $(modver)"
	unload
	sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"
	walk_phase "$WALK_SIZES" "$WALK_ROUNDS"
	say "done"
	cleanup
	exit $failed
fi

# ---------------------------------------------------------------- facts

echo "info kernel $(uname -r)"
echo "info cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "info cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "info mem_kb $(meminfo MemTotal)"
echo "info config sizes=$SIZES runs=$RUNS warmup=$WARMUP budget_s=$BUDGET churn_runs=$CHURN_RUNS churn_s=$CHURN_SECS"

insmod "$KO" || die "insmod $KO"
LIVE=0
if [ -r "$PARAMS/mode" ]; then
	LIVE=1
	echo "info mode_param $(cat "$PARAMS/mode") (default)"
else
	echo "info mode_param none"
fi
ver=$(val "$SYS/version")
[ "$ver" != - ] || ver=$(val /sys/module/cwstat/version)
echo "info module_version $ver"
echo "info live $LIVE"
unload

sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"

say "memory latency"
cw_memlat -m "$MEMLAT_MIB" || fail "cw_memlat"

# ---------------------------------------------------------------- churn
# In a netns of its own, deleted afterwards, so that its TIME_WAIT
# sockets do not stay in the table the read benchmarks walk. The
# configurations take turns, so that a slow patch of the host hits all.

say "churn: $CHURN_RUNS x $CHURN_SECS s per configuration"
ip netns add churn || die "ip netns add churn"
ip -n churn link set lo up
# a first run to warm up, not counted
cw_bench_churn -P 2 -d 1 -N /run/netns/churn >/dev/null || die "churn warm-up"
configs="none scan"
[ "$LIVE" = 1 ] && configs="none live scan"
r=1
while [ "$r" -le "$CHURN_RUNS" ]; do
	for cfg in $configs; do
		case $cfg in
		none) unload ;;
		live) load_live ;;
		scan) load_scan ;;
		esac
		out=$(cw_bench_churn -P 2 -d "$CHURN_SECS" -N /run/netns/churn) ||
			die "churn $cfg run $r"
		echo "churn $cfg $r ${out##*rate=}"
	done
	# rotate the order
	configs="${configs#* } ${configs%% *}"
	r=$((r + 1))
done
unload
ip netns del churn

# ---------------------------------------------------------------- set-up

make_netns
NETNS=$(echo /run/netns/*)
echo "info netns $(echo "$NETNS" | wc -w)"

ne_pids=
NE=0
if [ -x /usr/bin/node_exporter ]; then
	NE=1
	for f in $NETNS; do
		nsenter --net="$f" node_exporter --collector.disable-defaults \
			--collector.tcpstat --web.listen-address=127.0.0.1:9100 \
			>"$B/ne.${f##*/}.log" 2>&1 &
		ne_pids="$ne_pids $!"
	done
	for f in $NETNS; do
		tries=0
		until nsenter --net="$f" wget -q -O /dev/null http://127.0.0.1:9100/metrics 2>/dev/null; do
			tries=$((tries + 1))
			[ $tries -lt 100 ] || die "node_exporter in ${f##*/} does not answer: $(tail -n 3 "$B/ne.${f##*/}.log")"
			sleep 0.2
		done
	done
	echo "info node_exporter $(node_exporter --version 2>&1 | head -n 1)"
fi
echo "info node_exporter_present $NE"

# The per-netns methods, as a user would type them.
cat >"$B/m5.sh" <<EOF
for f in $NETNS; do
	nsenter --net=\$f ss -Htan state close-wait | wc -l
done
EOF
cat >"$B/m7.sh" <<EOF
for f in $NETNS; do
	nsenter --net=\$f wget -q -O - http://127.0.0.1:9100/metrics | grep '^node_tcp_connection_states{state="close_wait"}'
done
exit 0
EOF

# ---------------------------------------------------------------- helpers

# tm N METHOD CW_TIME_ARGS...: timed runs; the last run's output in
# $B/out.N.METHOD.
tm() {
	n=$1 m=$2
	shift 2
	cw_time -n "$RUNS" -w "$WARMUP" -b "$BUDGET" -m "$MIN_RUNS" \
		-o "$B/out.$n.$m" "$@" >"$B/t.$n.$m" 2>"$B/err.$n.$m" ||
		fail "N=$n method $m: $(tail -n 2 "$B/err.$n.$m" | tr '\n' ' ')"
	sed "s/^/time $n $m /" "$B/t.$n.$m"
}

# check N METHOD COUNT: one method's count against the sockets made.
check() {
	echo "count $1 $2 ${3:-none}"
	[ "${3:-none}" = "$expect" ] ||
		fail "count disagrees: N=$1 method $2 found ${3:-none}, made $expect"
}

total_cw() {	# /proc/cwstat format
	awk '$1 == "total" { for (i = 2; i <= NF; i++) if (sub(/^close_wait=/, "", $i)) print $i }' "$1"
}

tool_total() {	# cwstat's table
	awk '$1 == "total" { print $2 }' "$1"
}

sum_col1() {
	awk '{ s += $1 } END { print s + 0 }' "$1"
}

procnet_total() {
	awk '$1 == "total" { print $2 }' "$1"
}

ne_total() {
	awk '{ s += $2 } END { print s + 0 }' "$1"
}

# ---------------------------------------------------------------- runs

for N in $SIZES; do
	make_to "$N"

	say "N=$N: baselines"
	tm "$N" 0r -r /proc/net/sockstat
	tm "$N" 0 -- cat /proc/net/sockstat

	if [ "$LIVE" = 1 ]; then
		say "N=$N: live mode"
		enter_mode live
		echo "mem $N live tracked=$(counter tracked) pool_bytes=$(counter pool_bytes) pool_entries=$(counter pool_entries) seeded=$(counter seeded) overflow=$(counter tracked_overflow) rows=$rows slab_kb=$((slab1 - slab0)) vmalloc_kb=$((vm1 - vm0)) coresize=$(val /sys/module/cwstat/coresize)"
		tm "$N" 1r -r /proc/cwstat
		check "$N" 1r "$(total_cw "$B/out.$N.1r")"
		tm "$N" 1 -- cat /proc/cwstat
		check "$N" 1 "$(total_cw "$B/out.$N.1")"
		tm "$N" 3 -- cwstat
		check "$N" 3 "$(tool_total "$B/out.$N.3")"
		echo "info drift_$N $(counter drift)"
	fi

	say "N=$N: scan mode"
	enter_mode scan
	echo "mem $N scan rows=$rows slab_kb=$((slab1 - slab0)) vmalloc_kb=$((vm1 - vm0)) coresize=$(val /sys/module/cwstat/coresize)"
	echo "info tables_$N $(val "$SYS/tables")"
	echo "info rows_$N $rows"
	if [ -r "$SYS/last_scan_us" ]; then
		tm "$N" 2r -s "$SYS/last_scan_us" -s "$SYS/last_scan_sockets" \
			-s "$SYS/last_scan_buckets" -r /proc/cwstat
	else
		tm "$N" 2r -r /proc/cwstat
	fi
	check "$N" 2r "$(total_cw "$B/out.$N.2r")"
	tm "$N" 2 -- cat /proc/cwstat
	check "$N" 2 "$(total_cw "$B/out.$N.2")"
	tm "$N" 3s -- cwstat
	check "$N" 3s "$(tool_total "$B/out.$N.3s")"

	say "N=$N: without the module"
	tm "$N" 4 -- cwstat --source diag --all-netns
	check "$N" 4 "$(tool_total "$B/out.$N.4")"
	say "N=$N: ss"
	tm "$N" 5 -- sh "$B/m5.sh"
	check "$N" 5 "$(sum_col1 "$B/out.$N.5")"
	say "N=$N: /proc/net/tcp"
	tm "$N" 6 -- cw_procnet $NETNS
	check "$N" 6 "$(procnet_total "$B/out.$N.6")"
	if [ "$NE" = 1 ]; then
		say "N=$N: node_exporter"
		tm "$N" 7 -- sh "$B/m7.sh"
		check "$N" 7 "$(ne_total "$B/out.$N.7")"
	fi
	unload
done

say "done"
cleanup
exit $failed

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 320
#
# privilege: every writable sysfs tunable (each file with a write bit in
# /sys/kernel/cwstat and /sys/module/cwstat/parameters) written by uid 65534, by uid 0 without capabilities, by root
# in a child user namespace (host root behind "unshare -U -r"), by root of
# a container's user namespace (ids mapped to 100000+), and by root in the
# initial namespace: only the last may succeed, and the value (or for
# reconcile, the scan count) must not move for the others.
# Then a container: own user, network and cgroup namespaces, unprivileged
# inside (uid 1000), with 3 CLOSE_WAIT sockets of its own while the host
# holds 4: /proc/cwstat, /proc/net/cwstat and `cwstat -o json` show only
# the container's netns and its sockets, the cgroup path relative to its
# cgroup namespace (/app), and no host path.

. "$(dirname "$0")/lib.sh"

S=/sys/kernel/cwstat
P=/sys/module/cwstat/parameters
W=$CW_BIN/cw_write
mmode=${CW_MODE:-live}
need_mod max_age_ms=0
[ -x "$CW_BIN/cw_userns" ] || bail "cw_userns built"
# The reconciliation count must stand still while writes are refused.
if is_live; then
	wait_until 15 seeded_and_followed || bail "the follow-up reconciliation after load"
fi

baseline() {
	"$W" $S/max_age_ms 0 >/dev/null
	"$W" $S/warn 0 >/dev/null
	"$W" $S/crit 0 >/dev/null
	[ ! -e $P/walk_prefetch ] || "$W" $P/walk_prefetch 1 >/dev/null
	[ ! -e $P/windows ] || "$W" $P/windows off >/dev/null
}
value() {
	case $1 in
	*/reconcile) cat $S/scans ;;
	*) cat "$1" ;;
	esac
}

# try ACTOR WANT FILE VALUE RUNNER...: WANT is "ok" or "refused"
try() {
	actor=$1 want=$2 f=$3 v=$4
	shift 4
	baseline
	before=$(value "$f")
	got=$("$@" "$W" "$f" "$v" 2>&1)
	after=$(value "$f")
	short=${f#/sys/}
	if [ "$want" = ok ]; then
		exp=ok
		case $f:$mmode in
		"$S/reconcile":scan) exp=ENODEV ;;
		esac
		if [ "$got" = "$exp" ] && { [ "$exp" != ok ] || [ "$after" != "$before" ]; }; then
			ok "$actor: $short <- $v: $got"
		else
			fail "$actor: $short <- $v: $exp and the value changes" \
				"got '$got', value $before -> $after"
		fi
	else
		case $got in
		ok) fail "$actor: $short <- $v refused" \
			"the write succeeded (value $before -> $after)" ;;
		EPERM | EACCES)
			assert_eq "$actor: $short <- $v refused ($got), value kept" \
				"$after" "$before" ;;
		*) fail "$actor: $short <- $v refused with EPERM or EACCES" \
			"got '$got' (value $before -> $after)" ;;
		esac
	fi
}

# every attribute and parameter with a write bit, whatever the module has
writable=
for f in $S/* $P/*; do
	case $(stat -c %A "$f") in
	*w*) writable="$writable $f" ;;
	esac
done
assert_ge "writable attributes found" "$(echo $writable | wc -w)" 4
diag "writable:$writable"
for f in $writable; do
	case ${f##*/} in
	max_age_ms) v=777 ;;
	warn) v=5 ;;
	crit) v=50 ;;
	walk_prefetch) v=0 ;;	# 1 by default: 0 changes it
	windows) v=confirm_link=1 ;;	# NAME=USEC; 1 alone is refused
	*) v=1 ;;
	esac
	set -- "$f" "$v"
	try "uid 65534" refused "$1" "$2" "$CW_BIN/cw_runas" 65534 65534
	try "uid 0 without capabilities" refused "$1" "$2" "$CW_BIN/cw_runas" 0 0
	try "root in a child user namespace" refused "$1" "$2" "$CW_BIN/cw_userns" -r
	try "root of a container user namespace" refused "$1" "$2" \
		"$CW_BIN/cw_userns" -m 100000
	try "root in the initial namespaces" ok "$1" "$2" env
done
baseline

# The thresholds are host data: with the public level, each bounds the
# host-wide count. Set, and unreadable to anyone but root on the host.
"$W" $S/warn 5 >/dev/null
"$W" $S/crit 50 >/dev/null
for f in warn crit; do
	check "uid 65534 cannot read $f" \
		sh -c "! $CW_BIN/cw_runas 65534 65534 cat $S/$f >/dev/null 2>&1"
	check "root of a container user namespace cannot read $f" \
		sh -c "! $CW_BIN/cw_userns -m 100000 cat $S/$f >/dev/null 2>&1"
done
check "uid 65534 reads the level" "$CW_BIN/cw_runas" 65534 65534 cat $S/alarm
baseline

# ---- a container's view --------------------------------------------------------
cg_add box/app || bail "mkdir cgroup box/app"
cg_add host || bail "mkdir cgroup host"
factory_start hf -c "$(cg_dir host)" -n 4
box=$CW_T/box
# the container (uids 100000+) must reach its directory
chmod 711 "$CW_T"
mkdir -p "$box" && chmod 777 "$box"
cat >"$CW_T/inside.sh" <<'IN'
B=$1 O=$2
"$B/cw_factory" -n 3 -o "$O/ready" >/dev/null 2>"$O/factory.err" </dev/null &
fp=$!
i=0
while [ ! -e "$O/ready" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
id -u >"$O/uid"
stat -L -c %i /proc/self/ns/net >"$O/netns"
cat /proc/self/cgroup >"$O/cgroup"
cat /proc/cwstat >"$O/proc" 2>"$O/proc.err"
cat /proc/net/cwstat >"$O/net" 2>"$O/net.err"
cwstat -o json >"$O/json" 2>"$O/json.err"
# the host reads while the sockets live, then says go
i=0
while [ ! -e "$O/go" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill $fp
wait $fp
IN
chmod 755 "$CW_T/inside.sh"
cp "$CW_T/inside.sh" "$box/inside.sh"
"$CW_BIN/cw_userns" -c "$(cg_dir box)" -G app -m 100000 -n -u 1000 \
	/bin/sh "$box/inside.sh" "$CW_BIN" "$box" >"$CW_T/box.out" 2>&1 &
boxpid=$!
bg_register $boxpid
# the host's view while the container's sockets live
wait_until 120 test -s "$box/proc" || bail "container reader ran" "$(cat "$CW_T/box.out" "$box/factory.err" 2>/dev/null)"
snap "$CW_T/hostview"
: >"$box/go"
wait $boxpid
assert_eq "container: reader ran as uid 1000 inside" "$(cat "$box/uid")" 1000
assert_eq "container: its cgroup namespace root is box (/proc/self/cgroup)" \
	"$(cat "$box/cgroup")" "0::/app"
bino=$(cat "$box/netns")
assert_eq "container: its own netns" "$([ "$bino" != "$(ns_ino init)" ] && echo yes)" yes
for v in proc net; do
	file=$box/$v
	opt=
	[ $v = net ] && opt=-1
	assert_eq "container $v: read without error" "$(cat "$file.err")" ""
	# shellcheck disable=SC2086
	check "container $v: well-formed, every netns row is its own" \
		"$CW_BIN/cw_check_format" -m "$mmode" $opt -N "$bino" "$file"
	assert_eq "container $v: one netns row" "$(cw_rows "$file" netns)" 1
	assert_eq "container $v: its close_wait 3" \
		"$(cw_val "$file" netns "ns=$bino" close_wait)" 3
	assert_eq "container $v: total sums only its rows" \
		"$(cw_val "$file" total "" close_wait)" 3
	assert_eq "container $v: one cgroup row, path /app" \
		"$(cw_rows "$file" cgroup) $(cw_val "$file" cgroup "ns=$bino" path)" "1 /app"
	assert_eq "container $v: no host path" "$(grep -c cwtest "$file")" 0
done
j=$box/json
assert_eq "container json: cwstat -o json without error" "$(cat "$j.err")" ""
if grep -q '^{"version":1,"source":"module","total":{"close_wait":3,' "$j" &&
	grep -q '"/app"' "$j" && ! grep -q cwtest "$j" &&
	! grep -q "$(ns_ino init)" "$j"; then
	ok "container json: total 3, path /app, no host path or netns"
else
	fail "container json: total 3, path /app, no host path or netns"
	diag_file "$j"
fi
# the host saw both, with the host path of the container's cgroup
assert_eq "host view: container's netns row" \
	"$(cw_val "$CW_T/hostview" netns "ns=$bino" close_wait)" 3
assert_eq "host view: container's cgroup by its host path" \
	"$(cw_val "$CW_T/hostview" cgroup "ns=$bino" path)" /cwtest/box/app
assert_eq "host view: total 7" "$(cw_val "$CW_T/hostview" total "" close_wait)" 7
cw_exit

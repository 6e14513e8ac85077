#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live scan
# cw-tier: core full@scan
# cw-order: 190 290@scan
#
# reap: /proc/net/cwstat_reap (issue #10). The test build's reap_min_age_s
# lowers the 60 s floor of older_than, so that "old" is T seconds here:
#
#   netns a: A1 old, cgroup x, port 7101 (3)   A2 old, cgroup y, port 7102 (2)
#            Y1 young, cgroup x, port 7111 (2)
#   netns b: B1 old, cgroup x, port 7101 (2)   B2 old, cgroup y, port 7102 (3)
#            Y2 young, cgroup y, port 7112 (2)
#
# A dry run, then requests by cgroup (a's file), by port (init's file naming
# netns b), and with max=1 (b's file) must abort exactly the matching old
# sockets: the factories' probes see each aborted socket's send() fail
# ECONNABORTED and its peer's ECONNRESET (a RST), and every other socket
# still in CLOSE_WAIT with a silent peer; ss agrees per netns and port; the
# results read back and /sys/kernel/cwstat/reaped add up. Then: bad
# requests (EINVAL, nothing changes), the privilege matrix (uid 65534, uid 0
# without capabilities, an fd handed to uid 65534, root of a child user
# namespace, a container's root over its own netns and over another's),
# a reap racing the application closing the same sockets (aborted equals
# the peers that saw a RST), two reapers at once (each socket aborted
# once), and a reap that rmmod must wait for (reap_delay_ms). The tool, which keeps
# the 60 s floor, gets sockets made at the start (netns t, port 7130, aged
# across a reload: their entry time is seeded from rcv_tstamp): its dry
# run lists them with their process and changes nothing, --yes aborts
# them. In scan mode (reap@scan) a request is refused with EOPNOTSUPP, and
# the tool says why.

. "$(dirname "$0")/lib.sh"

R=/proc/net/cwstat_reap
S=/sys/kernel/cwstat
RP=$CW_BIN/cw_reap
CW=/usr/bin/cwstat
W=$CW_BIN/cw_write
runas=$CW_BIN/cw_runas
T=8

# reap_in NS REQUEST: cw_reap through netns NS's own file, as root there.
reap_in() {
	nsrun "$1" "$RP" "$R" "$2"
}

# rval OUT KEY: a value of a result printed by cw_reap.
rval() {
	printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2 }'
}

# cw_port NS PORT: sockets in CLOSE_WAIT on local port PORT in NS (ss).
cw_port() {
	nsrun "$1" ss -Htan state close-wait "sport = :$2" | wc -l | tr -d ' '
}

# probe F: the factory's view of its pairs now (its -R file), but for the
# receive memory the aborted ones hold, which goes to $CW_T/rmem.F.
probe() {
	rm -f "$CW_T/p.$1"
	kill -USR1 "$(cat "$CW_T/f.$1.pid")"
	wait_until 20 test -e "$CW_T/p.$1" || fail "factory $1 probes"
	sed -n 's/.* srv_rmem=\([0-9]*\).*/\1/p' "$CW_T/p.$1" >"$CW_T/rmem.$1"
	cut -d' ' -f2- "$CW_T/p.$1" 2>/dev/null | sed 's/ srv_rmem=[0-9]*//'
}

# spawn F NS CG PORT N [ARGS...]: a factory of N CLOSE_WAIT sockets.
spawn() {
	local f=$1 ns=$2 cg=$3 port=$4 n=$5
	shift 5
	factory_spawn "$f" -N "$(ns_file "$ns")" -c "$(cg_dir "$cg")" \
		-p "$port" -n "$n" -R "$CW_T/p.$f" "$@"
}

# ---- layout and the floor, with the release build's 60 s ----------------------
need_mod max_age_ms=0

assert_eq "init netns: $R is 0600" "$(stat -c %a $R)" 600
ns_add a && ns_add b || bail "ip netns add a, b"
assert_eq "netns a has a file of its own, 0600" \
	"$(nsrun a stat -c %a $R)" 600
assert_eq "a read before any request is empty" "$(wc -c <$R | tr -d " ")" 0

if ! is_live; then
	got=$("$RP" $R "older_than=60")
	assert_eq "scan mode: a request is refused (EOPNOTSUPP)" "$got" EOPNOTSUPP
	if dmesg | grep -q 'cwstat: reap: refused, mode=scan'; then
		ok "scan mode: dmesg says why"
	else
		fail "scan mode: dmesg says why"
	fi
	got=$("$RP" $R "older_than=59")
	assert_eq "scan mode: a bad request is still EINVAL" "$got" EINVAL
	if [ -x $CW ]; then
		$CW reap --older-than 1m --yes >"$CW_T/tool.out" 2>&1
		rc=$?
		if [ $rc = 1 ] && grep -q 'scan mode' "$CW_T/tool.out"; then
			ok "scan mode: cwstat reap exits 1 and says why"
		else
			fail "scan mode: cwstat reap exits 1 and says why" "rc $rc"
			diag_file "$CW_T/tool.out"
		fi
	fi
	cw_exit
fi

assert_eq "/sys/kernel/cwstat/reaped: 0400, 0" \
	"$(stat -c %a $S/reaped) $(cat $S/reaped)" "400 0"
assert_eq "older_than=59: EINVAL (the floor is 60 s)" \
	"$("$RP" $R older_than=59)" EINVAL
got=$("$RP" $R older_than=60)
assert_eq "older_than=60: accepted, nothing that old" \
	"$(printf '%s\n' "$got" | head -n 1) $(rval "$got" matched) $(rval "$got" aborted)" "ok 0 0"
assert_eq "the result's scope: the file's netns, no filters, max 1000" \
	"$(rval "$got" ns) $(rval "$got" cgroup) $(rval "$got" lport) $(rval "$got" max) $(rval "$got" dry_run)" \
	"$(ns_ino init) 0 0 1000 0"

# for the tool, which needs them 60 s old
cg_add x && cg_add y || bail "mkdir cgroups"
ns_add t || bail "ip netns add t"
spawn T t x 7130 2
factory_wait T || bail "factory T ready"

# ---- the sockets ----------------------------------------------------------------
need_mod max_age_ms=0 reap_min_age_s=1
ina=$(ns_ino a)
inb=$(ns_ino b)
idx=$(cg_id x)
idy=$(cg_id y)

# a container as runtimes make one: a user namespace whose root is uid
# 100000 outside, mapped, then a netns it owns, with a process in it
"$runas" 100000 100000 unshare -r sh -c 'exec unshare -n sleep 1000' \
	</dev/null >/dev/null 2>&1 &
cpid=$!
bg_register $cpid
wait_until 5 sh -c "[ \"\$(stat -L -c %i /proc/$cpid/ns/net)\" != \"$(ns_ino init)\" ]" ||
	bail "a container (unshare -r -n)"
nsenter -t $cpid -n ip link set lo up || bail "lo up in the container"
inc=$(stat -L -c %i /proc/$cpid/ns/net)
assert_eq "the container's file belongs to its root (uid 100000 outside)" \
	"$(stat -c '%u %g %a' /proc/$cpid/net/cwstat_reap)" "100000 100000 600"
# made in the same unshare() as its user namespace, before the uid map:
# the file stays global root's, and that namespace's root cannot open it
got=$("$runas" 100000 100000 unshare -r -n sh -c \
	"stat -c '%u' /proc/net/$(basename $R); $RP $R older_than=60")
assert_eq "unshare -r -n in one step: the file is not the new root's (EACCES)" \
	"$(printf '%s' "$got" | tr '\n' ' ')" "65534 EACCES"

spawn A1 a x 7101 3 -u 100
spawn A2 a y 7102 2
spawn B1 b x 7101 2
spawn B2 b y 7102 3
spawn Z a x 7120 300
spawn U b x 7121 500
spawn V b x 7122 200
factory_spawn C -N /proc/$cpid/ns/net -p 7101 -n 2 -R "$CW_T/p.C"
for f in A1 A2 B1 B2 Z U V C; do
	factory_wait $f || bail "factory $f ready"
done
old_t1=$(now_cs)
base=$(cat $S/tracked)

# ---- bad requests: EINVAL, and nothing changes ----------------------------------
while [ "$(now_cs)" -lt $((old_t1 + T * 100 + 150)) ]; do
	sleep 0.1
done
bad() {
	local got
	got=$("$W" $R "$1")
	assert_eq "'$1': EINVAL" "$got" EINVAL
}
bad '\n'
bad ' '
bad "max=5"
bad "older_than=0"
bad "older_than="
bad "older_than"
bad "=5"
bad "older_than=$T frob=1"
bad "older_than=$T older_than=$T"
bad "older_than=$T max=1 max=1"
bad "older_than=18446744073709551616"
bad "older_than=4294967296"
bad "older_than=-1"
bad "older_than=${T}x"
bad "older_than=0x10"
bad "older_than=$T  max=2"
bad "older_than=$T "
bad "older_than=$T\tmax=2"
bad "older_than=$T\nmax=2"
bad "older_than=$T\x00"
bad "older_than=$T max=0"
bad "older_than=$T max=1000001"
bad "older_than=$T lport=0"
bad "older_than=$T lport=65536"
bad "older_than=$T cgroup=0"
bad "older_than=$T cgroup=x"
bad "older_than=$T ns=0"
bad "older_than=$T ns=abc"
bad "older_than=$T dry_run=2"
bad "older_than=$T dry_run=yes"
bad "older_than=$T $(printf '%0300d' 0)"
bad "OLDER_THAN=$T"
assert_eq "after the bad requests: nothing aborted, nothing left the table" \
	"$(cat $S/reaped) $(cat $S/tracked)" "0 $base"

# ---- the young ones, then the requests ------------------------------------------
spawn Y1 a x 7111 2
spawn Y2 b y 7112 2
factory_wait Y1 && factory_wait Y2 || bail "young factories ready"
diag "old sockets $((($(now_cs) - old_t1) / 100)) s old, young ones 0 s; older_than=$T"

got=$(reap_in a "older_than=$T dry_run=1")
assert_eq "a: dry run: all of a's old ones match (A1 3 + A2 2 + Z 300)" \
	"$(printf '%s\n' "$got" | head -n 1) $(rval "$got" matched) $(rval "$got" aborted) $(rval "$got" dry_run)" \
	"ok 305 0 1"
assert_eq "a: dry run changes nothing (reaped, tracked)" \
	"$(cat $S/reaped) $(cat $S/tracked)" "0 $((base + 4))"

r1=$(reap_in a "older_than=$T cgroup=$idx lport=7101")
assert_eq "a: cgroup x, port 7101: A1's 3 aborted" \
	"$(rval "$r1" matched) $(rval "$r1" aborted) $(rval "$r1" skipped_state) $(rval "$r1" skipped_max)" \
	"3 3 0 0"
assert_eq "a: the result names the request" \
	"$(rval "$r1" ns) $(rval "$r1" cgroup) $(rval "$r1" lport) $(rval "$r1" older_than)" \
	"$ina $idx 7101 $T"
r2=$("$RP" $R "ns=$inb older_than=$T lport=7102")
assert_eq "init's file, ns=b, port 7102: B2's 3 aborted" \
	"$(rval "$r2" matched) $(rval "$r2" aborted) $(rval "$r2" ns)" "3 3 $inb"
r3=$(reap_in b "older_than=$T cgroup=$idx lport=7101 max=1")
assert_eq "b: cgroup x, port 7101, max=1: 1 of B1's 2 aborted, 1 skipped" \
	"$(rval "$r3" matched) $(rval "$r3" aborted) $(rval "$r3" skipped_max)" "2 1 1"
assert_eq "/sys/kernel/cwstat/reaped: 3 + 3 + 1" "$(cat $S/reaped)" 7
if dmesg | grep -Eq "cwstat: reap: 3 aborted, 3 matched, 0 skipped .*older_than=${T}s ns=$ina cgroup=$idx lport=7101; by pid [0-9]+ \\(cw_reap\\)"; then
	ok "dmesg logs the request: counts, scope, pid and comm"
else
	fail "dmesg logs the request: counts, scope, pid and comm"
	dmesg | grep 'cwstat: reap' | tail -n 3 | sed 's/^/#   /'
fi

# what the applications and their peers see
assert_eq "A1: send() ECONNABORTED on all 3, peers reset" "$(probe A1)" \
	"srv_cw=0 srv_aborted=3 srv_closed=0 srv_other=0 cli_reset=3 cli_eof=0 cli_open=0 cli_other=0"
# The reaper's disconnect purges both queues: the unread data no longer
# waits for the application to read it or close the socket.
assert_eq "A1: the aborted sockets hold no receive memory (3 x 100 bytes unread before)" \
	"$(cat "$CW_T/rmem.A1")" 0
assert_eq "A2 (cgroup y): untouched" "$(probe A2)" \
	"srv_cw=2 srv_aborted=0 srv_closed=0 srv_other=0 cli_reset=0 cli_eof=0 cli_open=2 cli_other=0"
assert_eq "Y1 (young, cgroup x): untouched" "$(probe Y1)" \
	"srv_cw=2 srv_aborted=0 srv_closed=0 srv_other=0 cli_reset=0 cli_eof=0 cli_open=2 cli_other=0"
assert_eq "B2: all 3 aborted, peers reset" "$(probe B2)" \
	"srv_cw=0 srv_aborted=3 srv_closed=0 srv_other=0 cli_reset=3 cli_eof=0 cli_open=0 cli_other=0"
assert_eq "B1: 1 aborted, 1 left (max=1)" "$(probe B1)" \
	"srv_cw=1 srv_aborted=1 srv_closed=0 srv_other=0 cli_reset=1 cli_eof=0 cli_open=1 cli_other=0"
assert_eq "Y2 (young): untouched" "$(probe Y2)" \
	"srv_cw=2 srv_aborted=0 srv_closed=0 srv_other=0 cli_reset=0 cli_eof=0 cli_open=2 cli_other=0"
assert_eq "ss, CLOSE_WAIT in a on 7101 7102 7111 7120" \
	"$(cw_port a 7101) $(cw_port a 7102) $(cw_port a 7111) $(cw_port a 7120)" "0 2 2 300"
assert_eq "ss, CLOSE_WAIT in b on 7101 7102 7112 7121" \
	"$(cw_port b 7101) $(cw_port b 7102) $(cw_port b 7112) $(cw_port b 7121)" "1 0 2 500"
assert_eq "the live table agrees (tracked = base - 7 + 4 young)" \
	"$(cat $S/tracked) $(cat $S/drift)" "$((base - 3)) 0"

# ---- privilege ------------------------------------------------------------------
t0=$(cat $S/tracked)
assert_eq "uid 65534: cannot open it (EACCES)" \
	"$("$runas" 65534 65534 "$RP" $R "older_than=$T")" EACCES
assert_eq "uid 0 without capabilities: EPERM" \
	"$("$runas" 0 0 "$RP" $R "older_than=$T")" EPERM
assert_eq "an fd opened by root, written by uid 65534: EPERM" \
	"$("$runas" 65534 65534 "$RP" -f 3 - "older_than=$T" 3<>$R)" EPERM
assert_eq "root of a child user namespace, init's file: EPERM" \
	"$(unshare -r "$RP" $R "older_than=$T")" EPERM
assert_eq "container root, its file, ns= the init netns: EPERM" \
	"$(nsenter -t $cpid -U -n "$RP" $R "older_than=$T ns=$(ns_ino init)")" EPERM
assert_eq "container root, its file, ns=all: EPERM" \
	"$(nsenter -t $cpid -U -n "$RP" $R "older_than=$T ns=all")" EPERM
got=$(nsenter -t $cpid -U -n "$RP" /proc/1/net/cwstat_reap "older_than=$T")
case $got in
EPERM | EACCES) ok "container root, init's file through /proc/1/net: refused ($got)" ;;
*) fail "container root, init's file through /proc/1/net: refused" "got $got" ;;
esac
assert_eq "nothing was aborted by the refused requests" \
	"$(cat $S/reaped) $(cat $S/tracked)" "7 $t0"
got=$(nsenter -t $cpid -U -n "$RP" $R "older_than=$T ns=$inc")
assert_eq "container root, its own file and netns: its 2 aborted" \
	"$(printf '%s\n' "$got" | head -n 1) $(rval "$got" matched) $(rval "$got" aborted)" "ok 2 2"
assert_eq "the container's factory: both aborted, peers reset" "$(probe C)" \
	"srv_cw=0 srv_aborted=2 srv_closed=0 srv_other=0 cli_reset=2 cli_eof=0 cli_open=0 cli_other=0"

# ---- racing the application's close ---------------------------------------------
zpid=$(cat "$CW_T/f.Z.pid")
reap_in a "older_than=$T lport=7120" >"$CW_T/z.out" &
rp=$!
kill -USR2 "$zpid"
wait $rp
wait_until 20 test -e "$CW_T/p.Z.closed" || fail "Z closed its sockets"
rz=$(cat "$CW_T/z.out")
pz=$(probe Z)
zab=$(rval "$rz" aborted)
zst=$(rval "$rz" skipped_state)
# The application's close() owns the socket while it runs: a look then
# finds it busy (skipped_busy), not gone.
zbu=$(rval "$rz" skipped_busy)
diag "racing close: $(printf '%s' "$rz" | tr '\n' ' ')/ $pz"
assert_eq "racing close: every match aborted or skipped" \
	"$(rval "$rz" matched) $(rval "$rz" skipped_max)" "$((zab + zst + zbu)) 0"
zreset=$(printf '%s\n' "$pz" | sed -n 's/.*cli_reset=\([0-9]*\).*/\1/p')
zeof=$(printf '%s\n' "$pz" | sed -n 's/.*cli_eof=\([0-9]*\).*/\1/p')
assert_eq "racing close: peers reset = aborted, the others saw a FIN" \
	"$zreset $((zreset + zeof))" "$zab 300"
assert_eq "racing close: none left in CLOSE_WAIT (ss)" "$(cw_port a 7120)" 0

# ---- two reapers at once ----------------------------------------------------------
reap_in b "older_than=$T lport=7122" >"$CW_T/v1.out" &
rp1=$!
"$RP" $R "ns=$inb older_than=$T lport=7122" >"$CW_T/v2.out" &
rp2=$!
wait $rp1 $rp2
v1=$(cat "$CW_T/v1.out")
v2=$(cat "$CW_T/v2.out")
diag "two reapers: $(printf '%s' "$v1" | head -n 5 | tr '\n' ' ')/ $(printf '%s' "$v2" | head -n 5 | tr '\n' ' ')"
assert_eq "two reapers at once: 200 aborted between them, none twice" \
	"$(($(rval "$v1" aborted) + $(rval "$v2" aborted))) $(($(rval "$v1" skipped_state) + $(rval "$v2" skipped_state)))" \
	"200 0"
assert_eq "two reapers at once: every peer reset once" "$(probe V)" \
	"srv_cw=0 srv_aborted=200 srv_closed=0 srv_other=0 cli_reset=200 cli_eof=0 cli_open=0 cli_other=0"

# ---- the tool -------------------------------------------------------------------
if [ -x $CW ]; then
	while [ "$(now_cs)" -lt $(($(fget T t1) + 6200)) ]; do
		sleep 0.2
	done
	tpid=$(fget T pid)
	$CW reap --older-than 1m --netns ${CW_NSPFX}t --port 7130 >"$CW_T/tool.out" 2>&1
	rc=$?
	assert_eq "tool: dry run exits 0, lists both with their process and fd" \
		"$rc $(grep -c "cw_factory\[$tpid\] fd [0-9]" "$CW_T/tool.out")" "0 2"
	if grep -q '^dry run: 2 sockets in CLOSE_WAIT for 1m0s or more match; 2 would be aborted' "$CW_T/tool.out"; then
		ok "tool: dry run gives the module's count"
	else
		fail "tool: dry run gives the module's count"
		diag_file "$CW_T/tool.out"
	fi
	assert_eq "tool: the dry run changed nothing" "$(probe T)" \
		"srv_cw=2 srv_aborted=0 srv_closed=0 srv_other=0 cli_reset=0 cli_eof=0 cli_open=2 cli_other=0"
	$runas 65534 65534 $CW reap --older-than 1m --netns ${CW_NSPFX}t >"$CW_T/tool.out" 2>&1
	rc=$?
	assert_eq "tool: uid 65534 exits 1" "$rc" 1
	$CW reap --older-than 59s --netns ${CW_NSPFX}t --yes >"$CW_T/tool.out" 2>&1
	assert_eq "tool: --older-than 59s is a usage error (2)" "$?" 2
	$CW reap --older-than 1m --netns "$(ns_ino t)" --cgroup "${CW_CGTOP#"$CW_CGROOT"}/x" --yes >"$CW_T/tool.out" 2>&1
	rc=$?
	assert_eq "tool: --yes by netns inode and cgroup path: both aborted" \
		"$rc $(head -n 1 "$CW_T/tool.out")" "0 aborted 2 of 2 sockets in CLOSE_WAIT for 1m0s or more"
	assert_eq "tool: the factory sees both aborted, peers reset" "$(probe T)" \
		"srv_cw=0 srv_aborted=2 srv_closed=0 srv_other=0 cli_reset=2 cli_eof=0 cli_open=0 cli_other=0"
else
	skip "tool" "no cwstat tool in the image"
fi

# ---- racing rmmod -----------------------------------------------------------------
# reap_delay_ms (test builds) makes the request last about 2 s, so that
# rmmod starts while it runs; the file's removal must wait for it. U's
# sockets are seeded again at the load, with their age.
need_mod max_age_ms=0 reap_min_age_s=1 reap_delay_ms=4
reap_in b "older_than=$T lport=7121" >"$CW_T/u.out" 2>&1 &
rp=$!
sleep 0.5
echo "cwstat-selftest: rmmod during a reap" >/dev/kmsg
r0=$(now_cs)
rmmod cwstat 2>"$CW_T/rmmod.err" || fail "rmmod during a reap" "$(cat "$CW_T/rmmod.err")"
r1=$(now_cs)
wait $rp
diag "reap during rmmod: $(head -n 3 "$CW_T/u.out" | tr '\n' ' '); rmmod took $((r1 - r0)) cs"
assert_eq "racing rmmod: the request went through" "$(head -n 1 "$CW_T/u.out")" ok
assert_eq "racing rmmod: all 500 aborted, every peer reset" "$(probe U)" \
	"srv_cw=0 srv_aborted=500 srv_closed=0 srv_other=0 cli_reset=500 cli_eof=0 cli_open=0 cli_other=0"
assert_ge "racing rmmod: rmmod waited for the request (>= 1 s)" "$((r1 - r0))" 100
dmesg | awk '/cwstat-selftest: rmmod during a reap/ { on = 1 } on && /cwstat: (reap: |unloaded)/' \
	| sed 's/^\[[^]]*\] //' >"$CW_T/order"
if head -n 1 "$CW_T/order" | grep -q '^cwstat: reap: 500 aborted' &&
	sed -n 2p "$CW_T/order" | grep -q '^cwstat: unloaded'; then
	ok "racing rmmod: dmesg has the request done, then the unload"
else
	fail "racing rmmod: dmesg has the request done, then the unload"
	diag_file "$CW_T/order"
fi
assert_eq "racing rmmod: the module is gone, the file with it" \
	"$(test -d /sys/module/cwstat && echo loaded) $(test -e $R && echo file)" " "

cw_exit

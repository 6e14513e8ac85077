#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: full
# cw-order: 80
#
# cache: max_age_ms semantics, and reads racing socket churn.
#  - default 1000; 0 means a read right after a change reflects it, also
#    a read from offset 0 of a file kept open (as agents that pread do)
#  - a long max_age_ms serves the cached walk (the test is far shorter
#    than the 60 s used, so this holds however slow TCG is)
#  - writes to the parameter at runtime take effect
#  - with 5000, a change shows up eventually; only the eventual state is
#    asserted, since TCG timing is loose
#  - 8 readers (both files, several read sizes, init and child netns) loop
#    while factories come and go and netns are made and deleted: every
#    snapshot must be well-formed and consistent (cw_check_format)

. "$(dirname "$0")/lib.sh"

param=/sys/module/cwstat/parameters/max_age_ms

need_mod
assert_eq "max_age_ms defaults to 1000" "$(mod_param max_age_ms)" 1000
mod_unload
need_mod max_age_ms=0
assert_eq "max_age_ms=0 at load" "$(mod_param max_age_ms)" 0

ns_add k || bail "ip netns add k"
ino=$(ns_ino k)
kcw() {
	snap "$CW_T/s"
	v=$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)
	echo "${v:-none}"
}

factory_start k1 -N "$(ns_file k)" -n 3
assert_eq "max_age_ms=0: new sockets seen by the next read" "$(kcw)" 3
factory_stop k1
assert_eq "max_age_ms=0: closed sockets gone on the next read" "$(kcw)" none

# Readers that keep the file open and lseek back to 0 for each read. The
# netns k one uses ip netns exec, which execs, so $! is the reader.
cf=$CW_BIN/cw_check_format
"$cf" -k -t 120 -o "$CW_T/kept" /proc/cwstat >"$CW_T/kept.out" 2>&1 &
bg_register $!
kept_pid=$!
"$CW_IP" netns exec "${CW_NSPFX}k" "$cf" -k -t 120 -o "$CW_T/keptnet" \
	/proc/net/cwstat >"$CW_T/keptnet.out" 2>&1 &
bg_register $!
keptnet_pid=$!
wait_until 10 test -e "$CW_T/kept" -a -e "$CW_T/keptnet" ||
	fail "kept-open readers started"
factory_start k3 -N "$(ns_file k)" -n 3
sees3() {
	[ "$(cw_val "$1" netns "ns=$ino" close_wait)" = 3 ]
}
for f in kept:/proc/cwstat keptnet:/proc/net/cwstat; do
	if wait_until 5 sees3 "$CW_T/${f%%:*}"; then
		ok "max_age_ms=0: ${f#*:} kept open, re-read from offset 0, shows new sockets"
	else
		fail "max_age_ms=0: ${f#*:} kept open, re-read from offset 0, shows new sockets" \
			"after 5 s of re-reading it still says:"
		diag_file "$CW_T/${f%%:*}"
	fi
done
kill -TERM $kept_pid $keptnet_pid
wait $kept_pid $keptnet_pid
factory_stop k3
# also the walk whose result the next step finds cached
assert_eq "max_age_ms=0: closed sockets gone on the next read (again)" \
	"$(kcw)" none

if echo 60000 >$param 2>"$CW_T/err"; then
	ok "max_age_ms writable at runtime"
else
	fail "max_age_ms writable at runtime" "$(cat "$CW_T/err")"
fi
assert_eq "max_age_ms reads back 60000" "$(mod_param max_age_ms)" 60000
assert_eq "max_age_ms=60000: priming read" "$(kcw)" none
factory_start k2 -N "$(ns_file k)" -n 4
assert_eq "max_age_ms=60000: next read served from the cache" "$(kcw)" none
echo 0 >$param
assert_eq "max_age_ms set to 0 at runtime: next read is fresh" "$(kcw)" 4

echo 5000 >$param
assert_eq "max_age_ms=5000: priming read" "$(kcw)" 4
t0=$(now_cs)
factory_stop k2
diag "max_age_ms=5000: right after the close a read says $(kcw) (4 if cached)"
k_gone() {
	[ "$(kcw)" = none ]
}
if wait_until 20 k_gone; then
	ok "max_age_ms=5000: the closed sockets disappear eventually"
	diag "after $((($(now_cs) - t0) / 100)) s"
else
	fail "max_age_ms=5000: the closed sockets disappear eventually" \
		"still there after 20 s"
	diag_file "$CW_T/s"
fi

# Concurrency. A short cache lifetime mixes cache hits and fresh walks.
echo 0 >$param
ns_add r || bail "ip netns add r"
rino=$(ns_ino r)
cg_add churn || bail "mkdir cgroup"
readers=
start_reader() {
	local name=$1
	shift
	"$@" >"$CW_T/reader.$name" 2>&1 &
	bg_register $!
	readers="$readers $name:$!"
}
start_reader a "$cf" -t 300 /proc/cwstat
start_reader b "$cf" -t 300 -b 7 /proc/cwstat
start_reader c "$cf" -t 300 -b 100 -k /proc/cwstat
start_reader d "$cf" -t 300 -b 4096 /proc/cwstat
start_reader e "$cf" -t 300 -1 -N "$(ns_ino init)" /proc/net/cwstat
start_reader f "$cf" -t 300 -1 -b 5 -k /proc/net/cwstat
# ip netns exec execs the reader, so $! is the reader itself and can be
# stopped; the in_ns function would put a subshell in between.
start_reader g "$CW_IP" netns exec "${CW_NSPFX}k" \
	"$cf" -t 300 -1 -N "$ino" /proc/cwstat
start_reader h "$CW_IP" netns exec "${CW_NSPFX}r" \
	"$cf" -t 300 -1 -N "$rino" -b 9 /proc/net/cwstat

end=$(($(now_cs) + 800))
i=0
bad=
while [ "$(now_cs)" -lt $end ]; do
	i=$((i + 1))
	case $((i % 4)) in
	0) echo 0 >$param ;;
	2) echo 50 >$param ;;
	esac
	factory_spawn "i$i" -c "$(cg_dir churn)" -n $((5 + i % 7)) -u $((i % 3)) -T 1
	factory_spawn "k$i" -N "$(ns_file k)" -n $((3 + i % 5)) -E 1 -6
	factory_spawn "r$i" -N "$(ns_file r)" -c "$(cg_dir churn)" -n 4 -u 1000
	if [ $((i % 3)) = 0 ]; then
		ns_add "t$i" || { bad="ip netns add t$i"; break; }
		factory_spawn "t$i" -N "$(ns_file "t$i")" -n 2
	fi
	for f in "i$i" "k$i" "r$i"; do
		factory_wait "$f" || bad="factory $f"
	done
	if [ $((i % 3)) = 0 ]; then
		factory_wait "t$i" || bad="factory t$i"
		ns_del "t$i"
		factory_stop "t$i"
	fi
	[ -z "$bad" ] || break
	for f in "i$i" "k$i" "r$i"; do
		factory_stop "$f"
	done
done
if [ -z "$bad" ]; then
	ok "socket churn: $i rounds of factories while 8 readers read"
else
	fail "socket churn: $i rounds of factories while 8 readers read" "$bad"
fi

for r in $readers; do
	kill -TERM "${r#*:}" 2>/dev/null
done
for r in $readers; do
	if wait "${r#*:}"; then
		ok "reader ${r%%:*}: every snapshot well-formed"
		diag_file "$CW_T/reader.${r%%:*}"
	else
		fail "reader ${r%%:*}: every snapshot well-formed"
		diag_file "$CW_T/reader.${r%%:*}" 60
	fi
done

check "module still answers" cat /proc/cwstat
format_ok "and its output is well-formed" /proc/cwstat

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 120
#
# tool: the cwstat command against the live module and against its own
# sock_diag counting, with the factories' bookkeeping and ss as oracles.
#   netns a   shared ehash: 7 sockets in cgroup a (100 unread bytes each),
#             2 IPv6 sockets in cgroup shared
#   netns b   private ehash: 4 in cgroup b (10 unread bytes each), 3 in
#             cgroup shared
#   init      1 in cgroup shared
# 17 sockets in all; cgroup shared holds 6, over three netns.
# max_age_ms=0, so that every read is a fresh walk.

. "$(dirname "$0")/lib.sh"

CW=/usr/bin/cwstat
[ -x "$CW" ] || skip_all "no cwstat tool in the image"

need_mod max_age_ms=0

ns_add a || bail "ip netns add a"
ns_add b private || bail "ip netns add b with a private ehash"
for g in a b shared; do
	cg_add "$g" || bail "mkdir cgroup $g"
done
ino_a=$(ns_ino a)
ino_b=$(ns_ino b)
ino_i=$(ns_ino init)

na="-N $(ns_file a)"
nb="-N $(ns_file b)"
# shellcheck disable=SC2086 # $na and $nb are two words on purpose
{
factory_spawn fa $na -c "$(cg_dir a)" -n 7 -u 100 -E 2
factory_spawn fs $na -c "$(cg_dir shared)" -n 2 -6
factory_spawn fb $nb -c "$(cg_dir b)" -n 4 -u 10 -T 1
factory_spawn gs $nb -c "$(cg_dir shared)" -n 3
factory_spawn fi -c "$(cg_dir shared)" -n 1
}
for f in fa fs fb gs fi; do
	factory_wait "$f" || bail "factory $f ready"
done
ok "factories made 17 CLOSE_WAIT sockets in 3 netns and 3 cgroups"

out=$CW_T/out
err=$CW_T/err

# cw ARGS...: the tool's status in $rc, its output in $out and $err.
cw() {
	"$CW" "$@" >"$out" 2>"$err"
	rc=$?
}

# sample NAME NS CGROUP: a Prometheus sample line of the module's output.
sample() {
	grep -F "$1{netns=\"$2\"," "$out" | grep -F "cgroup=\"$3\"" |
		sed 's/.* //'
}

# ---- prom against the bookkeeping ------------------------------------------
cw prom
assert_eq "cwstat prom exits 0" "$rc" 0
if prom_lint "$out" >"$CW_T/lint"; then
	ok "cwstat prom passes promtool check metrics"
else
	fail "cwstat prom passes promtool check metrics"
	diag_file "$CW_T/lint"
fi
assert_eq "prom: total of every netns" \
	"$(sed -n 's/^cwstat_close_wait_sockets_all //p' "$out")" 17
assert_eq "prom: netns a, cgroup a" "$(sample cwstat_close_wait_sockets "$ino_a" /cwtest/a)" 7
assert_eq "prom: netns a, cgroup shared" "$(sample cwstat_close_wait_sockets "$ino_a" /cwtest/shared)" 2
assert_eq "prom: netns b, cgroup b" "$(sample cwstat_close_wait_sockets "$ino_b" /cwtest/b)" 4
assert_eq "prom: netns b, cgroup shared" "$(sample cwstat_close_wait_sockets "$ino_b" /cwtest/shared)" 3
assert_eq "prom: init netns, cgroup shared" "$(sample cwstat_close_wait_sockets "$ino_i" /cwtest/shared)" 1
assert_eq "prom: unread bytes of netns a, cgroup a" \
	"$(sample cwstat_close_wait_recvq_bytes "$ino_a" /cwtest/a)" 700
assert_eq "prom: unread bytes of netns b, cgroup b" \
	"$(sample cwstat_close_wait_recvq_bytes "$ino_b" /cwtest/b)" 40
if grep -q "netns=\"$ino_a\",netns_name=\"${CW_NSPFX}a\"," "$out"; then
	ok "prom: netns a labelled with its /run/netns name"
else
	fail "prom: netns a labelled with its /run/netns name"
	diag_file "$out"
fi

# ---- the module and sock_diag agree ----------------------------------------
# Idle times move between two reads, and sock_diag knows neither the
# "sockets" count nor (live mode) the exact age:
# everything else must be identical.
# cwstat_info names the source, only live mode has the age histogram, and
# only the module has a health (cwstat_capped and the rest).
comparable() {
	grep -v -e '^#' -e oldest_idle -e oldest_seconds -e cwstat_tcp_ehash_sockets \
		-e '^cwstat_info' -e '^cwstat_close_wait_age_seconds' \
		-e '^cwstat_capped ' -e '^cwstat_unresolved_sockets ' \
		-e '^cwstat_untracked_total ' "$1" | sort
}
cw prom --no-names
comparable "$out" >"$CW_T/module.prom"
cw prom --no-names --source diag --all-netns
assert_eq "prom --source diag --all-netns exits 0" "$rc" 0
comparable "$out" >"$CW_T/diag.prom"
if [ -s "$CW_T/module.prom" ] && cmp -s "$CW_T/module.prom" "$CW_T/diag.prom"; then
	ok "module and sock_diag give identical samples in every netns"
else
	fail "module and sock_diag give identical samples in every netns"
	diff "$CW_T/module.prom" "$CW_T/diag.prom" | sed 's/^/#   /'
fi
# Idle ages: the same socket, read a moment apart.
cw prom --no-names
grep '^cwstat_close_wait_oldest_idle_seconds{' "$out" | sort >"$CW_T/module.idle"
cw prom --no-names --source diag --all-netns
grep '^cwstat_close_wait_oldest_idle_seconds{' "$out" | sort >"$CW_T/diag.idle"
if paste -d' ' "$CW_T/module.idle" "$CW_T/diag.idle" | awk '
	{ split($1, m, "}"); split($3, d, "}") }
	m[1] != d[1] || $2 - $4 > 2 || $4 - $2 > 2 { bad = 1 }
	END { exit bad || NR != 5 }'; then
	ok "module and sock_diag idle ages agree within 2 s on 5 rows"
else
	fail "module and sock_diag idle ages agree within 2 s on 5 rows"
	paste "$CW_T/module.idle" "$CW_T/diag.idle" | sed 's/^/#   /'
fi
# One netns, entered without remounting /sys (ip netns exec would hide
# the cgroup2 mount): the module shows it alone, so does sock_diag.
nsrun b "$CW" prom --no-names >"$out" 2>"$err"
comparable "$out" >"$CW_T/module.b"
nsrun b "$CW" prom --no-names --source diag >"$out" 2>"$err"
comparable "$out" >"$CW_T/diag.b"
if grep -q "cwstat_close_wait_sockets_all 7" "$CW_T/module.b" &&
   cmp -s "$CW_T/module.b" "$CW_T/diag.b"; then
	ok "in netns b: module and sock_diag both show its 7 sockets only"
else
	fail "in netns b: module and sock_diag both show its 7 sockets only"
	diff "$CW_T/module.b" "$CW_T/diag.b" | sed 's/^/#   /'
fi
# Unprivileged: sock_diag counts its own netns; entering others fails
# and says so.
"$CW_BIN/cw_runas" 65534 65534 "$CW" prom --no-names --source diag --all-netns \
	>"$out" 2>"$err"
rc=$?
if [ $rc = 0 ] && grep -qx 'cwstat_close_wait_sockets_all 1' "$out" &&
   grep -q 'netns' "$err"; then
	ok "uid 65534 with --all-netns: its own netns, a warning for the rest"
else
	fail "uid 65534 with --all-netns: its own netns, a warning for the rest" "rc=$rc"
	diag_file "$out"
	diag_file "$err"
fi

# ---- table and views ------------------------------------------------------
cw
if grep -q "^netns $ino_a ${CW_NSPFX}a " "$out" &&
   grep -A2 "^netns $ino_a " "$out" | grep -Eq '^  /cwtest/a +7 '; then
	ok "table: netns a by name, its cgroups indented beneath"
else
	fail "table: netns a by name, its cgroups indented beneath"
	diag_file "$out"
fi
cw --by cgroup
if grep -Eq '^/cwtest/shared +6 ' "$out"; then
	ok "--by cgroup sums cgroup shared over three netns"
else
	fail "--by cgroup sums cgroup shared over three netns"
	diag_file "$out"
fi
cw -o json
if grep -q '^{"version":1,"source":"module","total":{"close_wait":17,' "$out"; then
	ok "json from the module"
else
	fail "json from the module"
	diag_file "$out"
fi
# Not a terminal: a sample per interval, as vmstat 5 does, until SIGINT.
"$CW" --watch 1 </dev/null >"$out" 2>"$err" &
wpid=$!
sleep 4
kill -INT $wpid
wait $wpid
rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^total ' "$out")" -ge 2 ]; then
	ok "--watch into a pipe keeps sampling, exits 0 on SIGINT"
else
	fail "--watch into a pipe keeps sampling, exits 0 on SIGINT" "rc=$rc"
	diag_file "$out"
fi

# ---- check at each threshold ---------------------------------------------
cw check --warn 16 --crit 20
assert_eq "check: 17 above --warn 16 is WARNING" "$rc" 1
cw check --warn 17 --crit 20
assert_eq "check: 17 at --warn 17 is OK" "$rc" 0
cw check --warn 10 --crit 16
assert_eq "check: 17 above --crit 16 is CRITICAL" "$rc" 2
cw check --by netns --warn 8 --crit 20
if [ $rc = 1 ] && grep -q "^CWSTAT WARNING - worst netns $ino_a ${CW_NSPFX}a: 9 in CLOSE_WAIT" "$out"; then
	ok "check --by netns names netns a (9 sockets)"
else
	fail "check --by netns names netns a (9 sockets)" "rc=$rc"
	diag_file "$out"
fi
cw check --by cgroup --crit 6
assert_eq "check --by cgroup: 7 in cgroup a above 6 is CRITICAL" "$rc" 2
cw check --max-age 1h
assert_eq "check --max-age 1h: fresh sockets are OK" "$rc" 0

# ---- sockets: which process holds them -------------------------------------
# ss -p is the oracle for owners: the pid and fd of every CLOSE_WAIT socket.
owners_ss() {
	nsrun "$1" ss -Htanp state close-wait |
		sed -n 's/.*pid=\([0-9]*\),fd=\([0-9]*\).*/\1 \2/p' | sort
}
owners_cw() {
	nsrun "$1" "$CW" sockets -o json |
		grep -o '"pid":[0-9]*,"comm":"[^"]*","fd":[0-9]*' |
		sed 's/"pid":\([0-9]*\),.*"fd":\([0-9]*\)/\1 \2/' | sort
}
owners_ss a >"$CW_T/owners.ss"
owners_cw a >"$CW_T/owners.cw"
if [ "$(wc -l <"$CW_T/owners.ss")" = 9 ] && cmp -s "$CW_T/owners.ss" "$CW_T/owners.cw"; then
	ok "sockets: the pid and fd of each of netns a's 9 sockets, as ss -p"
else
	fail "sockets: the pid and fd of each of netns a's 9 sockets, as ss -p"
	diff "$CW_T/owners.ss" "$CW_T/owners.cw" | sed 's/^/#   /'
fi
pid_fa=$(cat "$CW_T/f.fa.pid")
if [ "$(grep -c "^$pid_fa " "$CW_T/owners.cw")" = 7 ]; then
	ok "sockets: factory fa holds its 7"
else
	fail "sockets: factory fa holds its 7"
fi
nsrun a "$CW" sockets >"$out" 2>"$err"
if [ "$(grep -c 'cw_factory' "$out")" = 9 ] && head -n 1 "$out" | grep -q LOCAL; then
	ok "sockets: table with a header and one line per socket"
else
	fail "sockets: table with a header and one line per socket"
	diag_file "$out"
fi
# The filters, each against ss.
port=$(nsrun a ss -Htan state close-wait | awk 'NR == 1 { n = split($3, p, ":"); print p[n] }')
want=$(nsrun a ss -Htan state close-wait "( sport = :$port )" | wc -l)
got=$(nsrun a "$CW" sockets -n --port "$port" | tail -n +2 | wc -l)
assert_eq "sockets --port $port: as many as ss finds" "$got" "$want"
got=$(nsrun a "$CW" sockets -n --cgroup /cwtest/shared | tail -n +2 | wc -l)
assert_eq "sockets --cgroup /cwtest/shared in netns a" "$got" 2
got=$(nsrun a "$CW" sockets -n --older-than 1h | tail -n +2 | wc -l)
assert_eq "sockets --older-than 1h: none" "$got" 0
got=$("$CW" sockets -n --netns "${CW_NSPFX}b" | tail -n +2 | wc -l)
assert_eq "sockets --netns b" "$got" 7

# ---- without the module -----------------------------------------------------
mod_unload
cw prom --no-names
comparable "$out" >"$CW_T/fallback.prom"
if [ $rc = 0 ] && grep -q 'not loaded' "$err" &&
   cmp -s "$CW_T/module.prom" "$CW_T/fallback.prom"; then
	ok "no module: says so, falls back to sock_diag, same samples"
else
	fail "no module: says so, falls back to sock_diag, same samples" "rc=$rc"
	diag_file "$err"
	diff "$CW_T/module.prom" "$CW_T/fallback.prom" | sed 's/^/#   /'
fi
cw --source module
if [ $rc = 1 ] && grep -q 'cannot open /proc/cwstat' "$err"; then
	ok "no module, --source module: exit 1 with a reason"
else
	fail "no module, --source module: exit 1 with a reason" "rc=$rc"
	diag_file "$err"
fi
cw check --source module --warn 1
if [ $rc = 3 ] && grep -q '^CWSTAT UNKNOWN - ' "$out"; then
	ok "no module, check --source module: UNKNOWN (3)"
else
	fail "no module, check --source module: UNKNOWN (3)" "rc=$rc"
	diag_file "$out"
fi
cw check --warn 16 --crit 20
assert_eq "no module, check falls back: still WARNING at 17" "$rc" 1

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 150
# cw-modes: live scan
# cw-tier: core
# cw-order: 40 240@scan
#
# count: every number in /proc/cwstat against two independent oracles, the
# socket factories' own bookkeeping and ss (inet_diag) run inside each
# netns. The layout exercises what a table walk can get wrong:
#   netns a   shared ehash; IPv4 and IPv6; a nested cgroup; a cgroup whose
#             name needs escaping; the root cgroup; unread data; sockets
#             that have read EOF (Recv-Q 0)
#   netns b   private ehash; a cgroup also used in netns a (two rows for
#             one cgroup id); accepted sockets made by a process in
#             another cgroup than the listener's; a process that moved to
#             another cgroup after making its sockets
#   netns c   only ESTABLISHED, TIME_WAIT and LISTEN sockets: no row
#   init      the initial netns
# plus ESTABLISHED, TIME_WAIT, SYN_RECV, FIN_WAIT2 and LISTEN noise that
# must not be counted as CLOSE_WAIT, but all except LISTEN count in
# "sockets".
#
# max_age_ms=0, so that every read is a fresh walk and the oracles, read
# just before, must match exactly.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0

ns_add a || bail "ip netns add a"
ns_add b private || bail "ip netns add b with a private ehash"
ns_add c || bail "ip netns add c"

# A negative tcp_ehash_entries means "shares init_net's table".
eh_a=$(ehash_entries a)
eh_b=$(ehash_entries b)
if ! have_private_ehash; then
	skip "netns b has a private ehash" "no per-netns ehash before Linux 6.1: every netns shares ($eh_b)"
elif [ "${eh_a#-}" != "$eh_a" ] && [ "${eh_b#-}" = "$eh_b" ] &&
   [ "${eh_b:-0}" -gt 0 ]; then
	ok "netns b has a private ehash ($eh_b), netns a shares ($eh_a)"
else
	fail "netns b has a private ehash, netns a shares" \
		"tcp_ehash_entries: a=$eh_a b=$eh_b"
fi

# A name with every character the format escapes that a cgroup name may
# hold (cgroupfs refuses newlines): space, '=', backslash, tab.
weird=$(printf 'w e=q\\b\tt')
for g in a a/nested "$weird" b lis cli mv1 mv2 init; do
	cg_add "$g" || bail "mkdir cgroup $g"
done

# Made in parallel: the guest has 2 CPUs and TCG is slow.
na="-N $(ns_file a)"
nb="-N $(ns_file b)"
nc="-N $(ns_file c)"
# shellcheck disable=SC2086 # $na etc. are two words on purpose
{
factory_spawn a1 $na -c "$(cg_dir a)" -n 7 -u 100 -e 2 -E 3 -T 4 -S 2
factory_spawn a2 $na -c "$(cg_dir a/nested)" -6 -n 5
factory_spawn a3 $na -c "$(cg_dir "$weird")" -a 127.0.0.2 -n 3 -u 1
factory_spawn a4 $na -c "$CW_CGROOT" -n 1 -u 2000
factory_spawn b1 $nb -c "$(cg_dir b)" -n 11 -u 10 -E 2 -T 2 -S 1
factory_spawn b2 $nb -c "$(cg_dir a)" -6 -n 4 -u 3 -e 4
# 3 like b4: a tie, ordered by cgroup id
factory_spawn b3 $nb -L "$(cg_dir lis)" -c "$(cg_dir cli)" -n 3
factory_spawn b4 $nb -c "$(cg_dir mv1)" -m "$(cg_dir mv2)" -n 3 -u 5
factory_spawn c1 $nc -c "$(cg_dir cli)" -n 0 -E 2 -T 1 -S 3 -6
factory_spawn i1 -c "$(cg_dir init)" -n 2 -u 7
}
for f in a1 a2 a3 a4 b1 b2 b3 b4 c1 i1; do
	factory_wait "$f" || bail "factory $f ready"
done
ok "factories made 39 CLOSE_WAIT sockets in 3 netns and 8 cgroups"

expect_reset
expect_add a1 a /cwtest/a
expect_add a2 a /cwtest/a/nested
expect_add a3 a "/cwtest/$weird"
expect_add a4 a /
expect_add b1 b /cwtest/b
expect_add b2 b /cwtest/a
# accepted sockets are charged to the listener's cgroup
expect_add b3 b /cwtest/lis
# and stay in the cgroup they were made in
expect_add b4 b /cwtest/mv1
expect_add c1 c /cwtest/cli
expect_add i1 init /cwtest/init

# Let the sockets age, so that oldest_idle_s has a lower bound above 0.
last=0
for f in a1 a2 a3 a4 b1 b2 b3 b4 c1 i1; do
	t=$(fget "$f" t1)
	[ "$t" -gt "$last" ] && last=$t
done
while [ "$(now_cs)" -lt $((last + 320)) ]; do
	sleep 0.2
done

verify_expect
cp "$CW_T/snap" "$CW_T/snap.all"

# /proc/net/cwstat in each netns: that netns's block of /proc/cwstat and
# a total of just that netns. Idle times and ages move between reads, and
# sockets may finish closing or leave TIME_WAIT between them (the init
# netns's from earlier tests; on the debug kernel a's own, 46 then 42), so
# those are left out of the comparison; sockets= is compared with ss at
# the time of the read below.
for ns in a b c init; do
	ino=$(ns_ino "$ns")
	snap_net "$CW_T/net.$ns" "$ns"
	format_ok "netns $ns: /proc/net/cwstat is well-formed, shows only its netns" \
		"$CW_T/net.$ns" -1 -N "$ino"
	strip='s/ oldest_idle_s=[0-9]*//;s/ oldest_s=[0-9]*//'
	strip="$strip;s/ age_[a-z0-9_]*=[0-9]*//g;s/ sockets=[0-9]*//"
	awk -v ns="ns=$ino" '
		$1 == "netns" { on = ($2 == ns) }
		$1 == "netns" || $1 == "cgroup" { if (on) print }
	' "$CW_T/snap.all" | sed "$strip" >"$CW_T/want.$ns"
	sed -n '3,$p' "$CW_T/net.$ns" | sed "$strip" >"$CW_T/got.$ns"
	if cmp -s "$CW_T/want.$ns" "$CW_T/got.$ns"; then
		ok "netns $ns: /proc/net/cwstat rows equal its rows in /proc/cwstat"
	else
		fail "netns $ns: /proc/net/cwstat rows equal its rows in /proc/cwstat"
		diag "in /proc/cwstat:"
		diag_file "$CW_T/want.$ns"
		diag "in /proc/net/cwstat:"
		diag_file "$CW_T/got.$ns"
	fi
	want_cw=$(cw_val "$CW_T/snap.all" netns "ns=$ino" close_wait)
	assert_eq "netns $ns: /proc/net/cwstat total close_wait" \
		"$(cw_val "$CW_T/net.$ns" total "" close_wait)" "${want_cw:-0}"
	if [ "$ns" != init ] && ! is_live; then
		assert_eq "netns $ns: /proc/net/cwstat total sockets (ss)" \
			"$(cw_val "$CW_T/net.$ns" total "" sockets)" \
			"$(ss_sockets "$ns")"
	fi
done

cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: full
# cw-order: 380
#
# sockets_netns: `cwstat sockets --all-netns` against ss in each netns
# (issue 18). No module needed: sockets reads sock_diag.
#   init      1 CLOSE_WAIT socket, and ESTABLISHED noise
#   netns a   3 (100 unread bytes each), and 2 unaccepted in a listener's queue
#   netns b   private ehash: 2 IPv6
#   netns c   4, held only by its factory: `ip netns del` removed its name,
#             so only /proc/PID/ns/net reaches it, as a container's does
# Each netns's sockets, as (local, remote) pairs, must be exactly what ss
# lists there; --netns INUM must reach the nameless one.

. "$(dirname "$0")/lib.sh"

CW=/usr/bin/cwstat
[ -x "$CW" ] || skip_all "no cwstat tool in the image"
[ "$(id -u)" = 0 ] || skip_all "needs root to enter every netns"

ns_add a || bail "ip netns add a"
ns_add b private || bail "ip netns add b with a private ehash"
ns_add c || bail "ip netns add c"
cg_add s || bail "mkdir cgroup s"
ino_i=$(ns_ino init)
ino_a=$(ns_ino a)
ino_b=$(ns_ino b)
ino_c=$(ns_ino c)

factory_start fi -c "$(cg_dir s)" -n 1 -E 2
factory_start fa -N "$(ns_file a)" -c "$(cg_dir s)" -n 3 -u 100 -Q 2
factory_start fb -N "$(ns_file b)" -c "$(cg_dir s)" -n 2 -6
factory_start fc -N "$(ns_file c)" -c "$(cg_dir s)" -n 4
pid_c=$(cat "$CW_T/f.fc.pid")
ns_del c || bail "ip netns del c"
if [ -e "$(ns_file c)" ]; then
	bail "netns c still has its name"
fi
ok "factories made CLOSE_WAIT sockets in 4 netns, one of them nameless"

out=$CW_T/out
err=$CW_T/err

# pairs_ss NSFILE: "local remote" of each CLOSE_WAIT socket ss lists there.
pairs_ss() {
	nsenter --net="$1" ss -Htan state close-wait | awk '{ print $3, $4 }' | sort
}

# pairs_cw INO: the same from cwstat's --all-netns table, for netns INO.
pairs_cw() {
	awk -v ns="$1" '$1 == ns { print $2, $3 }' "$out" | sort
}

"$CW" sockets --all-netns -n -H >"$out" 2>"$err"
rc=$?
assert_eq "sockets --all-netns exits 0" "$rc" 0
if head -n 1 "$out" | grep -q 'NETNS'; then
	fail "sockets --all-netns -H: no header"
	diag_file "$out"
else
	ok "sockets --all-netns -H: no header"
fi

for n in i a b c; do
	eval ino=\$ino_$n
	case $n in
	i) file=/proc/self/ns/net; want=1 ;;
	a) file=$(ns_file a); want=5 ;;
	b) file=$(ns_file b); want=2 ;;
	c) file=/proc/$pid_c/ns/net; want=4 ;;
	esac
	pairs_ss "$file" >"$CW_T/ss.$n"
	pairs_cw "$ino" >"$CW_T/cw.$n"
	# init may hold CLOSE_WAIT sockets of its own: at least the factory's.
	if [ "$n" = i ]; then
		assert_ge "netns init: ss sees the factory's socket" \
			"$(wc -l <"$CW_T/ss.$n")" "$want"
	else
		assert_eq "netns $n: ss sees the factory's sockets" \
			"$(wc -l <"$CW_T/ss.$n")" "$want"
	fi
	if [ -s "$CW_T/ss.$n" ] && cmp -s "$CW_T/ss.$n" "$CW_T/cw.$n"; then
		ok "netns $n ($ino): sockets --all-netns lists exactly what ss lists there"
	else
		fail "netns $n ($ino): sockets --all-netns lists exactly what ss lists there"
		diff "$CW_T/ss.$n" "$CW_T/cw.$n" | sed 's/^/#   /'
		diag_file "$err"
	fi
done

# Nothing from a netns that is not one of these (every row is accounted for).
others=$(awk -v a="$ino_a" -v b="$ino_b" -v c="$ino_c" -v i="$ino_i" \
	'$1 != a && $1 != b && $1 != c && $1 != i' "$out" | wc -l)
assert_eq "sockets --all-netns: no rows of other netns" "$others" 0

# The nameless netns by its inode, as the counts show it.
"$CW" sockets -n -H --netns "$ino_c" >"$out" 2>"$err"
rc=$?
awk '{ print $1, $2 }' "$out" | sort >"$CW_T/cw.c2"
if [ $rc = 0 ] && cmp -s "$CW_T/ss.c" "$CW_T/cw.c2"; then
	ok "sockets --netns INUM reaches the nameless netns c"
else
	fail "sockets --netns INUM reaches the nameless netns c" "rc=$rc"
	diff "$CW_T/ss.c" "$CW_T/cw.c2" | sed 's/^/#   /'
	diag_file "$err"
fi

# json carries each socket's netns.
"$CW" sockets --all-netns -n -o json >"$out" 2>"$err"
got=$(grep -o "\"netns\":$ino_b," "$out" | wc -l)
assert_eq "sockets --all-netns -o json: netns b's 2 sockets carry its inode" "$got" 2

# Holders are found across netns: /proc/PID/fd does not depend on the netns.
"$CW" sockets --all-netns -H >"$out" 2>"$err"
got=$(awk -v c="$ino_c" '$1 == c' "$out" | grep -c "cw_factory\[$pid_c\]")
assert_eq "sockets --all-netns: netns c's sockets held by its factory" "$got" 4

cw_exit

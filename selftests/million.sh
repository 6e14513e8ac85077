#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 5400
# cw-modes: live
# cw-tier: million
# cw-order: 10
#
# million (not in the default run: `make check-million` boots a 12 GiB
# guest for it): CW_MILLION_N (1 000 000) CLOSE_WAIT sockets, each with
# its FIN_WAIT2 client, so twice as many TCP sockets, made by 8 factories
# in 4 netns (one with a private established hash) and 2 cgroups.
#  - scan mode: a read walks every one of them; counts exact against the
#    factories' bookkeeping and ss in every netns
#  - live mode: the load seeds every one of them (each under its socket
#    lock); tracked and the counts exact; a reconciliation finds no drift
# Neither may trigger a soft lockup, an RCU stall or a hung task (the
# harness fails the run on any of them): the walks must yield.

. "$(dirname "$0")/lib.sh"

N=${CW_MILLION_N:-1000000}
P=8
each=$((N / P))
[ $((each * P)) = "$N" ] || bail "CW_MILLION_N=$N is a multiple of $P"
CW_FACTORY_TIMEOUT=${CW_FACTORY_TIMEOUT:-3000}

# Each factory holds 2 fds per CLOSE_WAIT socket.
sysctl -qw fs.nr_open=$((2 * each + 65536)) fs.file-max=$((4 * N + 65536)) ||
	bail "raise fs.nr_open and fs.file-max"
sysctl -qw net.ipv4.tcp_child_ehash_entries=262144 ||
	bail "net.ipv4.tcp_child_ehash_entries"
ns_add m1 || bail "ip netns add m1"
sysctl -qw net.ipv4.tcp_child_ehash_entries=0
ns_add m2 || bail "ip netns add m2"
ns_add m3 || bail "ip netns add m3"
cg_add a || bail "mkdir cgroup a"
cg_add b || bail "mkdir cgroup b"

mod_unload
t0=$(now_cs)
i=0
for ns in init m1 m2 m3; do
	nsarg=
	[ $ns = init ] || nsarg="-N $(ns_file $ns)"
	for g in a b; do
		i=$((i + 1))
		# shellcheck disable=SC2086 # nsarg is empty or two words
		factory_spawn "f$i" $nsarg -c "$(cg_dir $g)" -n "$each" -t 1800
	done
done
expect_reset
i=0
for ns in init m1 m2 m3; do
	for g in a b; do
		i=$((i + 1))
		factory_wait "f$i" || bail "factory f$i ready"
		expect_add "f$i" $ns /cwtest/$g
	done
done
made=$((($(now_cs) - t0) / 100))
ok "$N CLOSE_WAIT sockets made by $P factories in $made s"

need_mod mode=scan max_age_ms=0
t0=$(now_cs)
snap "$CW_T/s"
diag "scan: one read walked $(mod_param last_scan_sockets) sockets in $((($(now_cs) - t0) * 10)) ms ($(mod_param last_scan_us) us in the walk)"
assert_eq "scan: the total is $N" "$(cw_val "$CW_T/s" total "" close_wait)" "$N"
assert_ge "scan: the walk saw every socket" "$(mod_param last_scan_sockets)" $((2 * N))
verify_expect

t0=$(now_cs)
need_mod mode=live max_age_ms=0 max_tracked=$((N + 65536))
diag "live: load with the seeding took $((($(now_cs) - t0) * 10)) ms"
assert_eq "live: the seeding tracked every one" "$(mod_param seeded) $(mod_param tracked)" "$N $N"
snap "$CW_T/s"
assert_eq "live: the total is $N" "$(cw_val "$CW_T/s" total "" close_wait)" "$N"
t0=$(now_cs)
reconcile || fail "live: a reconciliation"
diag "live: a reconciliation took $((($(now_cs) - t0) * 10)) ms"
assert_eq "live: it found no drift" "$(mod_param drift)" 0

t0=$(now_cs)
factory_stop_all
diag "closing took $((($(now_cs) - t0) / 100)) s"
wait_until 120 test "$(mod_param tracked)" = 0
assert_eq "live: tracked back to 0 once they closed" "$(mod_param tracked)" 0
cw_exit

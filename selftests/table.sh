#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 120
# cw-modes: live
# cw-tier: core
# cw-order: 390
#
# table (live mode): the table has a chain per entry at max_tracked, so
# that the chains the probe walks with interrupts off stay about one entry
# long when the table is full (issue 19), and a read that skips empty
# groups of chains still finds every entry.
#  - max_tracked=4096 and 4096 sockets in CLOSE_WAIT: every one counted, in
#    its netns row and in its cgroup row (the factory's bookkeeping)
#  - the longest chain a read met (test builds: longest_chain) is at most
#    10: 4096 entries hashed into 4096 chains rarely pile up more than 6
#    (into 256 chains, as at 16 entries per chain, about 30)
#  - pool_bytes holds at least a chain head (8 bytes) per entry
#  - once the sockets close: nothing tracked, every chain empty
#  - at the largest max_tracked, the table at load is at most 1M chains

. "$(dirname "$0")/lib.sh"

N=4096

need_mod max_tracked=$N max_age_ms=0
is_live || skip_all "not live mode: no table"
[ -e /sys/module/cwstat/parameters/longest_chain ] ||
	skip_all "not a test build: no longest_chain"
assert_ge "pool_bytes: a chain head per entry at max_tracked" \
	"$(mod_param pool_bytes)" $((8 * N))

ns_add t || bail "ip netns add t"
cg_add t || bail "mkdir cgroup t"
factory_start full -N "$(ns_file t)" -c "$(cg_dir t)" -n "$N"
# The pool grows behind the probe (a refill work): a miss on the way is
# repaired by a reconciliation, so wait for the count rather than assume
# the pool kept up.
tracked_is_n() {
	[ "$(mod_param tracked)" = "$N" ]
}
wait_until 30 tracked_is_n ||
	diag "tracked=$(mod_param tracked) tracked_overflow=$(mod_param tracked_overflow) after 30 s"
assert_close_wait_within 30 "$(ns_ino t)" "$N" \
	"all $N sockets counted with the table full"
assert_eq "tracked is $N" "$(mod_param tracked)" "$N"
diag "tracked_overflow (misses repaired since): $(mod_param tracked_overflow)"
assert_eq "the cgroup row has all $N" \
	"$(cw_val "$CW_T/s" cgroup "path=$(cg_path t)" close_wait)" "$N"
longest=$(mod_param longest_chain)
assert_range "longest chain with $N entries in $N chains" "$longest" 1 10
diag "longest chain: $longest"

factory_stop full
snap "$CW_T/s"
assert_eq "all gone from the next read once closed" \
	"$(cw_rows "$CW_T/s" netns "ns=$(ns_ino t)")" 0
assert_eq "tracked back to 0" "$(mod_param tracked)" 0
assert_eq "no chain holds an entry" "$(mod_param longest_chain)" 0

# The table is allocated whole at load: at the largest max_tracked it
# stops at 1M chains (8.25 MiB, up to 16 entries a chain when full) rather
# than a chain per entry (16M chains, 138 MiB with nothing tracked yet).
need_mod max_tracked=16777216
bytes=$(mod_param pool_bytes)
diag "pool_bytes at load with max_tracked=16777216: $bytes"
assert_range "the table at the largest max_tracked: at most 1M chains (pool_bytes <= 9 MiB)" \
	"$bytes" $((8 * 1024 * 1024)) $((9 * 1024 * 1024))
mod_unload
cw_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 130
#
# scale: 20 000 CLOSE_WAIT sockets in one netns, spread over several
# listeners (one source address has only ~28k ephemeral ports per
# destination), counted exactly: the netns and cgroup rows against the
# factory's bookkeeping and ss, as in count.sh. 1000 of them have read EOF
# and the rest hold one unread byte, so recvq_bytes is exact too.

. "$(dirname "$0")/lib.sh"

N=${CW_SCALE_N:-20000}

need_mod max_age_ms=0
ns_add s || bail "ip netns add s"
cg_add s || bail "mkdir cgroup s"

t0=$(now_cs)
factory_start big -N "$(ns_file s)" -c "$(cg_dir s)" -n "$N" -u 1 -e 1000
diag "$N CLOSE_WAIT sockets made in $((($(now_cs) - t0) / 100)) s"
expect_reset
expect_add big s /cwtest/s

verify_expect

t0=$(now_cs)
i=0
while [ $i -lt 5 ]; do
	cat /proc/cwstat >/dev/null
	i=$((i + 1))
done
diag "a /proc/cwstat read takes $((($(now_cs) - t0) * 2)) ms with $N CLOSE_WAIT"

t0=$(now_cs)
factory_stop big
snap "$CW_T/s"
assert_eq "all $N gone from the next read once closed" \
	"$(cw_rows "$CW_T/s" netns "ns=$(ns_ino s)")" 0
diag "closing took $((($(now_cs) - t0) / 100)) s"

cw_exit

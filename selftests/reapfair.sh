#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 180
# cw-modes: live
# cw-tier: full
# cw-order: 205
#
# reapfair (live mode): a container's queued requests do not stall the
# host's. Requests through a netns's own file run one at a time per netns
# (cwstat_reap_net.lock) and share cwstat_reap_rwsem for read; a request
# beyond its file's netns (ns=all, root on the host) takes it for write.
# A request that held the rwsem for read while it waited for its netns's
# lock would keep the host's writer waiting for every request queued in
# that netns, one after the other, and, the writer being queued, every
# other netns's too.
#
# In netns a, N requests (cw_reap processes) are queued at once, each
# aborting one of a's old CLOSE_WAIT sockets (max=1), each lasting at
# least reap_delay_ms (test builds: the sleep after an abort). While they
# queue, the host writes an ns=all dry run. The count of a's requests that
# end between the host's write and its return must be at most 3: the one
# running when it came; the next, which may take the rwsem for read
# before the waiting writer sets its hand-off bit (a reader may steal a
# rwsem from a waiting writer until then); and one that ended just before
# the host's write but reached the log after its mark. Before the fix, all
# the queued ones ended first. No time is measured.

. "$(dirname "$0")/lib.sh"

N=${CW_REAPFAIR_N:-20}
R=/proc/net/cwstat_reap
RP=$CW_BIN/cw_reap

need_mod max_age_ms=0 reap_min_age_s=1 reap_delay_ms=300
is_live || skip_all "the reaper needs mode=live"
ns_add a || bail "ip netns add a"
factory_start fa -N "$(ns_file a)" -p 7211 -n "$N"
# Every socket at least 1 s in CLOSE_WAIT, as older_than=1 asks.
sleep 2

log=$CW_T/order
: >"$log"
i=1
while [ $i -le "$N" ]; do
	(nsrun a "$RP" $R "older_than=1 max=1" >"$CW_T/a.$i" 2>&1; echo c >>"$log") &
	bg_register $!
	i=$((i + 1))
done
# Two of them done: the rest are queued behind a's lock.
wait_until 60 sh -c "[ \$(grep -c c $log) -ge 2 ]" ||
	bail "a's first requests end"
echo h >>"$log"
got=$("$RP" $R "older_than=1 ns=all dry_run=1")
echo H >>"$log"
wait_until 120 sh -c "[ \$(grep -c c $log) -ge $N ]" ||
	fail "all of a's requests end"

before=$(awk '$1 == "h" { exit } $1 == "c" { n++ } END { print n + 0 }' "$log")
during=$(awk '$1 == "h" { on = 1 } $1 == "H" { exit } on && $1 == "c" { n++ } END { print n + 0 }' "$log")
diag "a's requests: $before ended before the host's write, $during while it waited, $((N - before - during)) after"
assert_eq "the host's ns=all request went through" \
	"$(printf '%s\n' "$got" | head -n 1)" ok
assert_ge "a's requests still queued when the host wrote" \
	"$((N - before))" 5
assert_range "a's requests that ended while the host's waited" \
	"$during" 0 3
aborted=0
i=1
while [ $i -le "$N" ]; do
	v=$(sed -n 's/^aborted //p' "$CW_T/a.$i")
	aborted=$((aborted + ${v:-0}))
	i=$((i + 1))
done
assert_eq "a's requests aborted one socket each" "$aborted" "$N"

cw_exit

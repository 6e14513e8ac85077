#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 60
# cw-modes: live
# cw-tier: full
# cw-order: 90
#
# cgpin: the cache does not pin removed cgroups. A snapshot's cgroup rows
# hold references on their cgroups (to print their paths), so a snapshot
# kept until the next read would keep every cgroup it names from being
# freed, however long no one reads. After max_age_ms no reader can be
# served it, and it must be gone: a cgroup whose sockets closed and which
# was removed must leave cgroup.stat's nr_dying_descendants soon after.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=1000

cg_add pin || bail "mkdir cgroup"
dying() {
	sed -n 's/^nr_dying_descendants //p' "$CW_CGTOP/cgroup.stat"
}
dying0=$(dying)
factory_start p -c "$(cg_dir pin)" -n 3
snap "$CW_T/s"
assert_eq "the cgroup's row: 3 CLOSE_WAIT" \
	"$(cw_val "$CW_T/s" cgroup "id=$(cg_id pin)" close_wait)" 3
factory_stop p
rmdir "$(cg_dir pin)" || bail "rmdir the cgroup"
# No read from here on: only the expiry of the cache can let it go.
freed() {
	[ "$(dying)" -le "$dying0" ]
}
if wait_until 8 freed; then
	ok "the removed cgroup was freed within 8 s without a read (max_age_ms 1000)"
else
	fail "the removed cgroup was freed within 8 s without a read (max_age_ms 1000)"
	diag "nr_dying_descendants: $(dying), was $dying0 before"
fi
# A read after that still works, and has no row for it.
snap "$CW_T/s2"
format_ok "a read after the expiry: well-formed" "$CW_T/s2"
cw_exit

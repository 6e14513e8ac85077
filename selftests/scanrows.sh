#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: scan
# cw-tier: full
# cw-order: 275
#
# scanrows (scan mode): one netns's long chain must not make the host's
# reads fail. A scan-mode read sums every established hash chain into
# (netns, cgroup) rows, and reserves room for a chain's new rows before it
# takes the bucket's lock. A container's root can give a child netns a
# private established hash of one bucket (tcp_child_ehash_entries=1), so
# that all its sockets, of any state, share one chain; yet that chain can
# add only one netns row (a private table holds one netns) and one cgroup
# row per CLOSE_WAIT socket. A reservation by the chain's length instead
# needs two rows per entry, and past the bound on rows every read of
# /proc/cwstat fails with ENOMEM, the host's included.
#
# The test build lowers that bound (agg_max_rows=1024, from about 1.5
# million rows) so that PAIRS ESTABLISHED loopback pairs (2 * PAIRS
# entries, 2400 rows by length) in a one-bucket netns reach it, while
# K CLOSE_WAIT sockets of two cgroups in init_net and K in the one-bucket
# netns need a few rows. Checks: the host's read succeeds, and the rows of
# both netns equal their /proc/net/tcp and /proc/net/tcp6 (CLOSE_WAIT
# entries; all entries but listeners for sockets) and the factories'
# counts, before and after the one-bucket netns's sockets are gone.

. "$(dirname "$0")/lib.sh"

PAIRS=${CW_SCANROWS_PAIRS:-600}
K=${CW_SCANROWS_K:-20}
MAXROWS=1024

mod_unload
have_private_ehash || skip_all "no private established hash before 6.1: no one-bucket netns"

need_mod mode=scan
[ "$(mod_mode)" = scan ] || bail "loaded in scan mode"
[ -e /sys/module/cwstat/parameters/agg_max_rows ] ||
	skip_all "release build: no agg_max_rows"
echo $MAXROWS >/sys/module/cwstat/parameters/agg_max_rows ||
	bail "agg_max_rows=$MAXROWS"

# A netns with a one-bucket established hash of its own.
ns_add w private 1 || bail "ip netns add w (1 bucket)"
assert_eq "netns w: its own established hash, one bucket" "$(ehash_entries w)" 1

cg_add a || bail "cgroup a"
cg_add b || bail "cgroup b"
factory_start ia -n "$K" -c "$(cg_dir a)"
factory_start ib -n "$K" -c "$(cg_dir b)"
factory_start w -N "$(ns_file w)" -n "$K" -E "$PAIRS" -c "$(cg_dir a)"

# proc_tcp NS STATE: entries of netns NS's /proc/net/tcp and tcp6 in
# STATE (hex), or in any state but LISTEN with "any".
proc_tcp() {
	if [ "$1" = init ]; then
		cat /proc/net/tcp /proc/net/tcp6
	else
		nsrun "$1" cat /proc/net/tcp /proc/net/tcp6
	fi | awk -v st="$2" '$1 ~ /:$/ && (st == "any" ? $4 != "0A" : $4 == st) { n++ }
		END { print n + 0 }'
}

# check_ns WHEN NS: its netns row against /proc/net/tcp{,6}.
check_ns() {
	local ino
	ino=$(ns_ino "$2")
	assert_eq "$1: netns $2 close_wait, as its /proc/net/tcp{,6}" \
		"$(cw_val "$CW_T/s" netns "ns=$ino" close_wait)" "$(proc_tcp "$2" 08)"
	assert_eq "$1: netns $2 sockets, as its /proc/net/tcp{,6} less listeners" \
		"$(cw_val "$CW_T/s" netns "ns=$ino" sockets)" "$(proc_tcp "$2" any)"
}

diag "netns w: $(fget w sockets) entries in its one chain; agg_max_rows=$(mod_param agg_max_rows)"
if cat /proc/cwstat >"$CW_T/s" 2>"$CW_T/s.err"; then
	ok "the host's read succeeds with netns w's long chain"
	format_ok "well-formed" "$CW_T/s"
	check_ns "with the chain" init
	check_ns "with the chain" w
	assert_eq "netns w: close_wait as its factory's" \
		"$(cw_val "$CW_T/s" netns "ns=$(ns_ino w)" close_wait)" "$(fget w close_wait)"
	assert_eq "init_net: cgroup a close_wait as its factory's" \
		"$(cw_val "$CW_T/s" cgroup "ns=$(ns_ino init) id=$(cg_id a)" close_wait)" "$K"
	assert_eq "init_net: cgroup b close_wait as its factory's" \
		"$(cw_val "$CW_T/s" cgroup "ns=$(ns_ino init) id=$(cg_id b)" close_wait)" "$K"
else
	fail "the host's read succeeds with netns w's long chain"
	diag_file "$CW_T/s.err"
	dmesg | grep cwstat | tail -n 3 | sed 's/^/#   /'
fi

[ -e /sys/module/cwstat/parameters/walk_late_skipped ] &&
	assert_eq "no CLOSE_WAIT socket left out for lack of room (walk_late_skipped)" \
		"$(mod_param walk_late_skipped)" 0

factory_stop w
ns_del w
if cat /proc/cwstat >"$CW_T/s" 2>"$CW_T/s.err"; then
	ok "the host's read succeeds once the chain is gone"
	check_ns "after" init
else
	fail "the host's read succeeds once the chain is gone"
	diag_file "$CW_T/s.err"
fi

cw_exit

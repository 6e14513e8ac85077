#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live scan
# cw-tier: core full@scan
# cw-order: 60 260@scan
#
# visibility: only root in the init netns (CAP_NET_ADMIN over the init
# user namespace) sees every netns in /proc/cwstat. Root inside a child
# netns, an unprivileged uid, and uid 0 without capabilities see their own
# netns only, with a total of just that netns; /proc/net/cwstat shows the
# reader's own netns to anyone. The oracle for "their own" is the netns
# block of the privileged view, and ss in that netns for the totals.
# Cgroup paths are relative to the reader's cgroup namespace.
#
# Also: /proc/PID/net/cwstat of another process's netns needs CAP_NET_ADMIN
# over that netns's user namespace unless the reader is in that netns; the
# escaping of control characters in cgroup paths, against forms written out
# here by hand; and a reader's scope, fixed at open, keeps its netns and so
# its inode number, which would otherwise pass to the next new netns.

. "$(dirname "$0")/lib.sh"

need_mod max_age_ms=0

ns_add v1 || bail "ip netns add v1"
ns_add v2 private || bail "ip netns add v2"
cg_add v/sub || bail "mkdir cgroups"
factory_start i -c "$(cg_dir v)" -n 3 -u 1
factory_start j -c "$(cg_dir v/sub)" -n 2
factory_start a -N "$(ns_file v1)" -c "$(cg_dir v)" -n 4 -u 2
# 4 like v1: a tie, ordered by netns inode
factory_start b -N "$(ns_file v2)" -c "$(cg_dir v)" -n 4 -E 2 -T 1
ino_init=$(ns_ino init)
ino_v1=$(ns_ino v1)
ino_v2=$(ns_ino v2)
runas=$CW_BIN/cw_runas

snap "$CW_T/all"
format_ok "root in init netns: well-formed" "$CW_T/all"
assert_eq "root in init netns: sees all 3 netns" \
	"$(cw_val "$CW_T/all" netns "ns=$ino_init" close_wait)/$(cw_val "$CW_T/all" netns "ns=$ino_v1" close_wait)/$(cw_val "$CW_T/all" netns "ns=$ino_v2" close_wait)" \
	"5/4/4"
assert_eq "root in init netns: total close_wait" \
	"$(cw_val "$CW_T/all" total "" close_wait)" 13

# own_view DESC FILE NS: FILE shows netns NS alone, as the privileged view
# shows it, with totals of NS alone.
own_view() {
	local desc=$1 f=$2 ns=$3 ino cw
	ino=$(ns_ino "$ns")
	format_ok "$desc: well-formed, only its own netns" "$f" -1 -N "$ino"
	cw=$(cw_val "$CW_T/all" netns "ns=$ino" close_wait)
	assert_eq "$desc: total close_wait is its netns'" \
		"$(cw_val "$f" total "" close_wait)" "$cw"
	assert_eq "$desc: total recvq_bytes is its netns'" \
		"$(cw_val "$f" total "" recvq_bytes)" \
		"$(cw_val "$CW_T/all" netns "ns=$ino" recvq_bytes)"
	assert_eq "$desc: cgroup rows as in the privileged view" \
		"$(awk '$1 == "cgroup" { print $2, $3, $4, $5 }' "$f")" \
		"$(awk -v n="ns=$ino" '$1 == "cgroup" && $2 == n { print $2, $3, $4, $5 }' "$CW_T/all")"
	if [ "$ns" != init ] && ! is_live; then
		# no TIME_WAIT of earlier tests can expire in a fresh netns
		assert_eq "$desc: total sockets (ss)" \
			"$(cw_val "$f" total "" sockets)" "$(ss_sockets "$ns")"
	fi
}

for ns in v1 v2; do
	in_ns "$ns" cat /proc/cwstat >"$CW_T/r.$ns" ||
		fail "root in netns $ns: read /proc/cwstat"
	own_view "root in netns $ns: /proc/cwstat" "$CW_T/r.$ns" "$ns"
	in_ns "$ns" cat /proc/net/cwstat >"$CW_T/n.$ns" ||
		fail "root in netns $ns: read /proc/net/cwstat"
	own_view "root in netns $ns: /proc/net/cwstat" "$CW_T/n.$ns" "$ns"
	in_ns "$ns" "$runas" 65534 65534 cat /proc/cwstat >"$CW_T/u.$ns" ||
		fail "uid 65534 in netns $ns: read /proc/cwstat"
	own_view "uid 65534 in netns $ns: /proc/cwstat" "$CW_T/u.$ns" "$ns"
	in_ns "$ns" "$runas" 65534 65534 cat /proc/net/cwstat >"$CW_T/un.$ns" ||
		fail "uid 65534 in netns $ns: read /proc/net/cwstat"
	own_view "uid 65534 in netns $ns: /proc/net/cwstat" "$CW_T/un.$ns" "$ns"
done

cat /proc/net/cwstat >"$CW_T/n.init"
own_view "root in init netns: /proc/net/cwstat" "$CW_T/n.init" init

"$runas" 65534 65534 cat /proc/cwstat >"$CW_T/u.init" ||
	fail "uid 65534: read /proc/cwstat"
own_view "uid 65534 in init netns: /proc/cwstat" "$CW_T/u.init" init
"$runas" 65534 65534 cat /proc/net/cwstat >"$CW_T/un.init" ||
	fail "uid 65534: read /proc/net/cwstat"
own_view "uid 65534 in init netns: /proc/net/cwstat" "$CW_T/un.init" init
"$runas" 65534 65534 cat /proc/self/net/cwstat >"$CW_T/us.init" ||
	fail "uid 65534: read /proc/self/net/cwstat"
own_view "uid 65534 in init netns: /proc/self/net/cwstat" "$CW_T/us.init" init

# uid 0 is not enough: the capability is what counts.
"$runas" 0 0 cat /proc/cwstat >"$CW_T/z.init" ||
	fail "uid 0 without capabilities: read /proc/cwstat"
own_view "uid 0 without capabilities: /proc/cwstat" "$CW_T/z.init" init

# A reader in a cgroup namespace rooted at cwtest/v: v is "/" to it.
idv=$(cg_id v)
idsub=$(cg_id v/sub)
"$runas" -g "$(cg_dir v)" -C - - cat /proc/cwstat >"$CW_T/cgns" ||
	fail "reader in a cgroup namespace: read /proc/cwstat"
format_ok "reader in a cgroup namespace: well-formed" "$CW_T/cgns"
assert_eq "reader in a cgroup namespace: paths of its root cgroup" \
	"$(awk -v id="id=$idv" '$1 == "cgroup" && $3 == id { print $4 }' "$CW_T/cgns" | sort -u)" \
	"path=/"
assert_eq "reader in a cgroup namespace: path of a cgroup below its root" \
	"$(awk -v id="id=$idsub" '$1 == "cgroup" && $3 == id { print $4 }' "$CW_T/cgns" | sort -u)" \
	"path=/sub"
assert_eq "reader in a cgroup namespace: same rows otherwise" \
	"$(awk '{ print $1, $2, $3 }' "$CW_T/cgns")" \
	"$(awk '{ print $1, $2, $3 }' "$CW_T/all")"

# ---- /proc/PID/net/cwstat of another netns -----------------------------------

# The file of another process's netns takes CAP_NET_ADMIN over the user
# namespace owning that netns (here the initial one); a reader in that
# netns itself needs nothing. Refused, read() fails with EACCES (open
# succeeds: the mode is 0444) and nothing of the netns comes out.
pid_v1=$(cat "$CW_T/f.a.pid")
assert_eq "factory a, whose /proc/PID/net is used below, is in netns v1" \
	"$(readlink "/proc/$pid_v1/ns/net")" "net:[$ino_v1]"
pnet=/proc/$pid_v1/net/cwstat

# denied DESC CMD...: CMD, reading $pnet, fails with EACCES and prints nothing.
denied() {
	local desc=$1 rc
	shift
	"$@" >"$CW_T/d.out" 2>"$CW_T/d.err"
	rc=$?
	if [ $rc != 0 ] && grep -q 'Permission denied' "$CW_T/d.err"; then
		ok "$desc: read fails with EACCES"
	else
		fail "$desc: read fails with EACCES" "exit status $rc; stderr:"
		diag_file "$CW_T/d.err" 5
	fi
	if [ -s "$CW_T/d.out" ]; then
		fail "$desc: no data" \
			"$(grep -c "ns=$ino_v1" "$CW_T/d.out") lines with ns=$ino_v1:"
		diag_file "$CW_T/d.out" 10
	else
		ok "$desc: no data"
	fi
}

denied "uid 65534 in init netns: /proc/PID/net/cwstat of netns v1" \
	"$runas" 65534 65534 cat "$pnet"
denied "uid 0 without capabilities in init netns: /proc/PID/net/cwstat of netns v1" \
	"$runas" 0 0 cat "$pnet"
denied "uid 65534 in netns v2: /proc/PID/net/cwstat of netns v1" \
	in_ns v2 "$runas" 65534 65534 cat "$pnet"

cat "$pnet" >"$CW_T/p.root" ||
	fail "root in init netns: read /proc/PID/net/cwstat of netns v1"
own_view "root in init netns: /proc/PID/net/cwstat of netns v1" \
	"$CW_T/p.root" v1
# root in v2 holds CAP_NET_ADMIN over the initial user namespace, v1's owner
in_ns v2 cat "$pnet" >"$CW_T/p.v2" ||
	fail "root in netns v2: read /proc/PID/net/cwstat of netns v1"
own_view "root in netns v2: /proc/PID/net/cwstat of netns v1" "$CW_T/p.v2" v1
# another process's file, but of the reader's own netns
in_ns v1 "$runas" 65534 65534 cat "$pnet" >"$CW_T/p.u1" ||
	fail "uid 65534 in netns v1: read /proc/PID/net/cwstat of netns v1"
own_view "uid 65534 in netns v1: /proc/PID/net/cwstat of netns v1" \
	"$CW_T/p.u1" v1

# ---- escaping of cgroup paths -------------------------------------------------

# Every ASCII control character is written \ooo, not only the bytes that
# would break a token; bytes from 0x80 up pass, so UTF-8 stays readable.
# The expected paths are written out by hand, not computed by an escaper.
# esc_case LABEL NAME WANT: cgroup NAME under cwtest, shown as /cwtest/WANT.
esc_case() {
	printf '%s' "$2" >"$CW_T/esc.$1.name"
	printf '%s' "${CW_CGTOP#"$CW_CGROOT"}/$3" >"$CW_T/esc.$1.want"
	cg_add "$2" || bail "mkdir cgroup $1"
	factory_spawn "e$1" -c "$(cg_dir "$2")" -n 1
	esc_labels="$esc_labels $1"
}
esc_labels=
esc_case cr "$(printf 'cr\rx')" 'cr\015x'
esc_case esc "$(printf '\033[1;31mred\033[0m')" '\033[1;31mred\033[0m'
esc_case del "$(printf 'del\177x')" 'del\177x'
# the edges: 0x01 and 0x1f escaped, '~' (0x7e) and '!' (0x21) not
esc_case ctl "$(printf '\001\037~!')" '\001\037~!'
esc_case utf8 'café-日本' 'café-日本'
esc_case high "$(printf 'hi\200\377')" "$(printf 'hi\200\377')"
for e in $esc_labels; do
	factory_wait "e$e" || bail "factory e$e ready"
done
snap "$CW_T/esc"
format_ok "cgroups with control characters: well-formed" "$CW_T/esc"

# od -c, so that a raw control character in a diagnostic stays visible
_esc_show() {
	printf '%s' "$1" | od -An -c | tr -s ' ' | tr '\n' ' '
}

lib_esc=
for e in $esc_labels; do
	name=$(cat "$CW_T/esc.$e.name")
	want=$(cat "$CW_T/esc.$e.want")
	id=$(cg_id "$name")
	got=$(cw_val "$CW_T/esc" cgroup "ns=$ino_init id=$id" path)
	if [ "$got" = "$want" ]; then
		ok "cgroup $e: path= in escaped form"
	else
		fail "cgroup $e: path= in escaped form" \
			"got  $(_esc_show "$got")" "want $(_esc_show "$want")"
	fi
	assert_eq "cgroup $e: the row with that path has id = directory inode, close_wait=1" \
		"$(cw_val "$CW_T/esc" cgroup "ns=$ino_init path=$want" id) $(cw_val "$CW_T/esc" cgroup "ns=$ino_init path=$want" close_wait)" \
		"$id 1"
	[ "$(cg_path "$name")" = "$want" ] || lib_esc="$lib_esc $e"
done
# lib.sh's escaper, which the ss oracle of count.sh uses, must agree too
assert_eq "lib.sh's cw_escape gives the hand-written forms" "$lib_esc" ""

# ---- a held /proc/cwstat keeps its netns ----------------------------------------

# A reader's scope is fixed at open, and the open file holds its netns: so
# the netns cannot be freed and its inode number cannot go to a new netns
# (whose rows the old reader would then show) while the file is open.
# Whether a netns lives is read from its nsid, which the init netns gives
# it (ip netns set) and which the netns core removes only once the last
# reference is gone and it starts to free the netns (cleanup_net(), a work
# item that lags on a loaded TCG guest).
# Canaries held by nothing tell a slow cleanup from a reference kept: the
# work item takes every netns queued so far at once, so once a canary
# deleted after h's last reference went is freed, h is too.
# Inode numbers are not that oracle: they come lowest-free from an
# allocator that each netns's /proc/net entries also draw on, so a netns
# made when a lower number is free can let its entries take a freed
# netns's number (on 5.10-rt under CI's load, h's never came back).
ns_add h || bail "ip netns add h"
ns_add hc || bail "ip netns add hc"
ino_h=$(ns_ino h)
ino_hc=$(ns_ino hc)
nsid_h=$(ns_nsid h) || bail "ip netns set h auto"
nsid_hc=$(ns_nsid hc) || bail "ip netns set hc auto"

# The holder opens /proc/cwstat in netns h as fd 3, then leaves h for the
# init netns (exec keeps fd 3: the same open file, unlike a reopen through
# /proc/self/fd/3). It reads through fd 3 once on "read", closes it on
# "close", and exits on "exit"; on its own after 2 minutes.
cat >"$CW_T/holder" <<'EOF'
d=$1
wait_for() {
	n=0
	while [ ! -e "$d/holder.$1" ]; do
		n=$((n + 1))
		[ $n -le 1200 ] || exit 1
		sleep 0.1
	done
}
echo "$$ $(readlink /proc/self/ns/net)" >"$d/holder.tmp"
mv "$d/holder.tmp" "$d/holder.info"
wait_for read
cat <&3 >"$d/held" 2>"$d/held.err"
echo $? >"$d/held.tmp"
mv "$d/held.tmp" "$d/held.rc"
wait_for close
exec 3<&-
: >"$d/holder.closed"
wait_for exit
EOF
# shellcheck disable=SC2016 # expanded by the inner sh
"$CW_IP" netns exec "${CW_NSPFX}h" sh -c \
	'exec 3</proc/cwstat && exec nsenter --net="$1" sh "$2" "$3"' \
	sh "/proc/$$/ns/net" "$CW_T/holder" "$CW_T" \
	</dev/null >/dev/null 2>"$CW_T/holder.err" &
holder=$!
bg_register $holder
wait_until 10 test -e "$CW_T/holder.info" || {
	diag_file "$CW_T/holder.err"
	bail "holder started"
}
read -r hpid hns <"$CW_T/holder.info"
assert_eq "holder left netns h for the init netns, with /proc/cwstat open as fd 3" \
	"$hns $(readlink "/proc/$hpid/fd/3")" "net:[$ino_init] /proc/cwstat"

ns_del h || bail "ip netns del h"
ns_del hc || bail "ip netns del hc"
# New netns until hc is freed (at least 3, at most 12): from the fourth
# on, give the cleanup time before each new one.
: >"$CW_T/hn"
hn=
i=0
while :; do
	i=$((i + 1))
	[ $i -gt 3 ] && sleep 1
	ns_add "hn$i" || bail "ip netns add hn$i"
	echo "hn$i $(ns_ino "hn$i")" >>"$CW_T/hn"
	hn="$hn hn$i"
	[ $i -lt 3 ] && continue
	nsid_listed "$nsid_hc" || break
	[ $i -lt 12 ] || break
done
for n in $hn; do
	factory_spawn "$n" -N "$(ns_file "$n")" -n 2
done
for n in $hn; do
	factory_wait "$n" || bail "factory $n ready"
done
diag "netns h was $ino_h (nsid $nsid_h), hc $ino_hc (nsid $nsid_hc); new:" \
	"$(cat "$CW_T/hn")"
if nsid_gone "$nsid_hc"; then
	ok "the canary hc, deleted with h, is freed (its nsid is gone)"
	assert_eq "h lives while the fd is open: its nsid is still listed" \
		"$(nsid_listed "$nsid_h" && echo listed)" listed
	assert_eq "no new netns got h's inode number while the fd is open" \
		"$(awk -v x="$ino_h" '$2 == x { print $1 }' "$CW_T/hn")" ""
else
	skip "the canary hc, deleted with h, is freed" \
		"netns cleanup did not free it within 12 s"
	skip "h lives while the fd is open" "unproven without the canary"
	skip "no new netns got h's inode number while the fd is open" \
		"unproven without the canary"
fi

snap "$CW_T/hall"
assert_eq "root in init netns: every new netns has its 2 CLOSE_WAIT" \
	"$(while read -r n ino; do
		printf '%s ' "$(cw_val "$CW_T/hall" netns "ns=$ino" close_wait)"
	done <"$CW_T/hn")" \
	"$(awk '{ printf "2 " }' "$CW_T/hn")"

: >"$CW_T/holder.read"
wait_until 10 test -e "$CW_T/held.rc" || bail "holder read fd 3"
assert_eq "held fd: read succeeds" "$(cat "$CW_T/held.rc")" 0
diag_file "$CW_T/held.err"
format_ok "held fd: well-formed, netns h only" "$CW_T/held" -1 -N "$ino_h"
# (no "sockets" in live mode)
assert_eq "held fd: total close_wait and sockets of the empty netns h" \
	"$(cw_val "$CW_T/held" total "" close_wait) $(cw_val "$CW_T/held" total "" sockets)" \
	"$(if is_live; then echo "0 "; else echo "0 0"; fi)"
assert_eq "held fd: no netns rows (none of the new netns)" \
	"$(cw_rows "$CW_T/held" netns "")" 0

# Closed, the file lets go of h, and the netns core frees it. A second
# canary hd, deleted just after the close, is queued for the cleanup after
# h: once hd's nsid is gone, h's must be gone too (5 s of grace for the
# listing). Neither gone in 60 s: the cleanup is too slow to tell.
ns_add hd || bail "ip netns add hd"
nsid_hd=$(ns_nsid hd) || bail "ip netns set hd auto"
: >"$CW_T/holder.close"
wait_until 10 test -e "$CW_T/holder.closed" || bail "holder closed fd 3"
ns_del hd || bail "ip netns del hd"
# hd is queued behind h, so h's nsid goes no later than hd's.
if wait_until 60 nsid_gone "$nsid_hd"; then
	wait_until 5 nsid_gone "$nsid_h"
	assert_eq "after the fd is closed, netns h is freed (its nsid is gone)" \
		"$(nsid_gone "$nsid_h" && echo freed)" freed
elif nsid_gone "$nsid_h"; then
	ok "after the fd is closed, netns h is freed (its nsid is gone)"
else
	skip "after the fd is closed, netns h is freed" \
		"netns cleanup freed neither h nor the canary hd within 60 s"
fi
: >"$CW_T/holder.exit"
wait $holder
rc=$?
diag_file "$CW_T/holder.err"
assert_eq "holder exited cleanly" $rc 0

cw_exit

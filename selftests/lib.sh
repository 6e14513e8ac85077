# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Helpers sourced by every cwstat selftest. POSIX sh: the guest runs the
# scripts with dash, and busybox ash must work too.
#
# TAP numbering is global over a run_tests run, so the counter lives in a
# file under $CW_STATE. Checks must come from the script's main shell: two
# processes bumping the counter could race.
#
# Every resource a test makes (factory processes, netns, cgroups, the
# module) is registered so that the EXIT trap removes it even when the test
# fails half-way or run_tests' timeout sends SIGTERM.

CW_BIN=${CW_BIN:-$(cd "$(dirname "$0")" && pwd)}
CW_KO=${CWSTAT_KO:-/lib/cwstat/cwstat.ko}
CW_STATE=${CW_STATE:-/tmp/cwstat-selftests}
CW_CGROOT=${CWSTAT_CGROOT:-/sys/fs/cgroup}
# run_tests sweeps whatever is left under these names after a script.
CW_CGTOP=$CW_CGROOT/cwtest
CW_NSPFX=cwt-
CW_NAME=${0##*/}
CW_NAME=${CW_NAME%.sh}
# CW_MODE=scan|live loads the module in that mode (mod_load, need_mod);
# run_tests sets it for its "SCRIPT@MODE" entries, whose checks are then
# named SCRIPT@MODE. Empty: the module's default mode (live).
CW_MODE=${CW_MODE:-}
[ -n "$CW_MODE" ] && CW_NAME=$CW_NAME@$CW_MODE

# Debian's busybox ash runs its own applets ahead of PATH, and busybox's
# ip knows no netns: use iproute2's by path, whatever the shell.
if [ -z "${CW_IP:-}" ]; then
	for CW_IP in /sbin/ip /bin/ip /usr/sbin/ip /usr/bin/ip ip; do
		case $("$CW_IP" -V 2>/dev/null) in
		*iproute2*) break ;;
		esac
	done
fi
ip() {
	"$CW_IP" "$@"
}

mkdir -p "$CW_STATE"
CW_T=$(mktemp -d "/tmp/cw-$CW_NAME.XXXXXX") || exit 1

# Run on its own (not from run_tests), a script is a whole TAP stream.
CW_STANDALONE=
if [ -z "${CW_RUN_TESTS:-}" ]; then
	CW_STANDALONE=1
	echo 0 >"$CW_STATE/tap_n"
	echo "TAP version 13"
fi
[ -f "$CW_STATE/tap_n" ] || echo 0 >"$CW_STATE/tap_n"
rm -f "$CW_STATE/script_failed" "$CW_STATE/script_checks"

# ---- TAP ------------------------------------------------------------------

# TAP_STATUS DESC [DIRECTIVE]
_cw_tap() {
	local d=$2 n
	case $d in
	*'#'*) d=$(printf '%s' "$d" | tr '#' '_') ;;
	esac
	read -r n <"$CW_STATE/tap_n"
	n=$((n + 1))
	echo "$n" >"$CW_STATE/tap_n"
	echo x >>"$CW_STATE/script_checks"
	printf '%s %d %s: %s%s\n' "$1" "$n" "$CW_NAME" "$d" "${3:+ # $3}"
}

ok() {
	_cw_tap ok "$1"
}

# fail DESC [DIAG...]
fail() {
	local m
	_cw_tap "not ok" "$1"
	echo x >>"$CW_STATE/script_failed"
	shift
	for m in "$@"; do
		diag "$m"
	done
}

skip() {
	_cw_tap ok "$1" "SKIP $2"
}

# A diagnostic never starts a line with anything but "# ".
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file FILE [MAX_LINES]
diag_file() {
	[ -s "$1" ] || return 0
	head -n "${2:-40}" "$1" | sed 's/^/#   /'
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$CW_T/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc" "failed: $*"
		diag_file "$CW_T/check.out"
	fi
}

_is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# assert_eq DESC GOT WANT
assert_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

# assert_range DESC VALUE LOW HIGH (inclusive, integers)
assert_range() {
	if _is_uint "$2" && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		ok "$1"
	else
		fail "$1" "got '$2', want $3..$4"
	fi
}

assert_ge() {
	if _is_uint "$2" && [ "$2" -ge "$3" ]; then
		ok "$1"
	else
		fail "$1" "got '$2', want >= $3"
	fi
}

# Setup that cannot go on: report and leave (the EXIT trap cleans up).
bail() {
	fail "$@"
	exit 1
}

# End of a test script: 1 if any check failed, else 0.
cw_exit() {
	[ -e "$CW_STATE/script_failed" ] && exit 1
	exit 0
}

# The whole script does not apply here: kselftest's skip status.
skip_all() {
	skip "$CW_NAME" "$1"
	exit 4
}

# ---- time -----------------------------------------------------------------

# churn_floor N: the least work a timed churn must have done to count as
# one, N on the distribution kernels. check-debug lowers it through
# CW_CHURN_FLOOR_PCT: the same seconds give a few times fewer connections
# under KASAN, lockdep and DEBUG_OBJECTS.
churn_floor() {
	echo $(($1 * ${CW_CHURN_FLOOR_PCT:-100} / 100))
}

# Centiseconds since boot; date(1) has only whole seconds.
now_cs() {
	local up f
	read -r up _ </proc/uptime
	f=${up#*.}
	f=${f#0}
	echo $((${up%.*} * 100 + f))
}

# wait_until TIMEOUT_S CMD...: poll CMD until it succeeds.
wait_until() {
	local end=$(($(now_cs) + $1 * 100))
	shift
	while ! "$@"; do
		[ "$(now_cs)" -lt "$end" ] || return 1
		sleep 0.1
	done
	return 0
}

# netns_close_wait_is INO WANT: a fresh read of /proc/cwstat (into $CW_T/s)
# gives netns INO a close_wait of WANT.
netns_close_wait_is() {
	snap "$CW_T/s"
	[ "$(cw_val "$CW_T/s" netns "ns=$1" close_wait)" = "$2" ]
}

# assert_close_wait_within SECS INO WANT DESC: one check that netns INO's
# close_wait reaches WANT within SECS (a repair, say), with what it showed
# and the table's size if not.
assert_close_wait_within() {
	if wait_until "$1" netns_close_wait_is "$2" "$3"; then
		ok "$4"
	else
		fail "$4" "close_wait=$(cw_val "$CW_T/s" netns "ns=$2" close_wait), tracked=$(mod_param tracked)"
	fi
}

# ---- module ---------------------------------------------------------------

mod_loaded() {
	[ -d /sys/module/cwstat ]
}

# mod_load [PARAM=VALUE...]: insmod's status; its stderr is in
# $CW_T/insmod.err. Adds mode=$CW_MODE unless a mode is given.
mod_load() {
	case " $* " in
	*" mode="*) ;;
	*) [ -n "$CW_MODE" ] && set -- "mode=$CW_MODE" "$@" ;;
	esac
	insmod "$CW_KO" "$@" 2>"$CW_T/insmod.err"
}

mod_unload() {
	mod_loaded || return 0
	rmmod cwstat 2>"$CW_T/rmmod.err"
}

# need_mod [PARAM=VALUE...]: load or give up on the script.
need_mod() {
	mod_unload
	if ! mod_load "$@"; then
		fail "insmod cwstat.ko $*"
		diag_file "$CW_T/insmod.err"
		dmesg | tail -n 5 | sed 's/^/#   /'
		exit 1
	fi
}

# win_opened NAME: how often the test build's race window NAME has opened
# (the fourth column of the windows parameter; module/cwstat_window.h).
win_opened() {
	awk -v w="$1" '$1 == w { print $4 }' /sys/module/cwstat/parameters/windows
}

mod_param() {
	if [ -e "/sys/module/cwstat/parameters/$1" ]; then
		cat "/sys/module/cwstat/parameters/$1"
	else
		# Counters and health live in /sys/kernel/cwstat.
		cat "/sys/kernel/cwstat/$1"
	fi
}

# mod_mode: the loaded module's mode (live or scan), empty if not loaded.
mod_mode() {
	cat /sys/module/cwstat/parameters/mode 2>/dev/null
}

# is_live: the loaded module counts from its live table.
is_live() {
	[ "$(mod_mode)" = live ]
}

# seeded_and_followed: live mode's two reconciliations at load have run,
# the seeding and its follow-up 1 s later (module/cwstat_reconcile.c), so that
# the counters no longer move by themselves.
seeded_and_followed() {
	[ "$(mod_param reconciles)" -ge 2 ]
}

# reconcile: have the live table reconciled now (returns when done).
reconcile() {
	echo 1 >/sys/kernel/cwstat/reconcile
}

# ---- network namespaces -----------------------------------------------------

# have_private_ehash: the kernel can give a netns an established hash
# table of its own (net.ipv4.tcp_child_ehash_entries, Linux 6.1, commit
# d1e5e6408b30 "tcp: Introduce optional per-netns ehash."). Before it
# (5.10), every netns shares the global table.
have_private_ehash() {
	[ -e /proc/sys/net/ipv4/tcp_child_ehash_entries ]
}

# ehash_entries [NETNS]: the size of the established table NETNS (default:
# this one) uses, negative when it shares init_net's (tcp_ehash_entries);
# before 6.1, from the boot log, negative in any netns but init_net's.
ehash_entries() {
	local n
	if have_private_ehash; then
		if [ -n "$1" ]; then
			nsrun "$1" sysctl -n net.ipv4.tcp_ehash_entries
		else
			sysctl -n net.ipv4.tcp_ehash_entries
		fi
		return
	fi
	n=$(dmesg | sed -n 's/.*TCP established hash table entries: \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$1" ] && n=-$n
	echo "$n"
}

# ns_add NAME [private [BUCKETS]]: a netns with lo up; "private" gives it
# its own established hash table of BUCKETS (default 1024; 1 puts every
# socket in one chain) - the parent's tcp_child_ehash_entries is read when
# the child is created - where the kernel has them, else it shares the
# global one like any other (have_private_ehash).
ns_add() {
	local rc priv=
	[ "$2" = private ] && have_private_ehash && priv=1
	if [ -n "$priv" ]; then
		sysctl -q -w net.ipv4.tcp_child_ehash_entries="${3:-1024}" || return 1
		echo 1 >"$CW_T/ehash_changed"
	fi
	echo "$1" >>"$CW_T/netns"
	ip netns add "$CW_NSPFX$1"
	rc=$?
	[ -n "$priv" ] && sysctl -q -w net.ipv4.tcp_child_ehash_entries=0
	[ $rc = 0 ] || return 1
	ip -n "$CW_NSPFX$1" link set lo up
}

ns_del() {
	ip netns del "$CW_NSPFX$1"
}

ns_file() {
	echo "/run/netns/$CW_NSPFX$1"
}

# ns_nsid NAME: give netns NAME an nsid in the current netns and print it.
# The nsid outlives the name and goes only once the last reference to the
# netns is gone, at the start of cleanup_net()'s pass (its inode numbers
# are freed at the end), so nsid_listed NSID says whether it still lives.
ns_nsid() {
	ip netns set "$CW_NSPFX$1" auto || return 1
	ip netns list-id | sed -n \
		"s/^nsid \([0-9]*\) (iproute2 netns name: $CW_NSPFX$1)\$/\1/p" |
		grep .
}

nsid_listed() {
	ip netns list-id | grep -q "^nsid $1\( \|\$\)"
}

nsid_gone() {
	! nsid_listed "$1"
}

# ns_ino NAME: the netns inode number, as cwstat reports it ("init" works).
ns_ino() {
	if [ "$1" = init ]; then
		stat -L -c %i /proc/self/ns/net
	else
		stat -L -c %i "/run/netns/$CW_NSPFX$1"
	fi
}

# in_ns NAME CMD...: as root inside the netns (ip netns exec, as a user
# would; it also gives CMD a private /sys).
in_ns() {
	local ns
	ns=$1
	shift
	if [ "$ns" = init ]; then
		"$@"
	else
		ip netns exec "$CW_NSPFX$ns" "$@"
	fi
}

# nsrun NAME CMD...: only the netns changes, so CMD still sees the cgroup2
# mount (ss --cgroup needs it to turn ids into paths).
nsrun() {
	local ns
	ns=$1
	shift
	if [ "$ns" = init ]; then
		"$@"
	else
		nsenter --net="/run/netns/$CW_NSPFX$ns" "$@"
	fi
}

# ---- cgroups ----------------------------------------------------------------

cg_add() {
	mkdir -p "$CW_CGTOP/$1"
}

# printf, not echo: dash's echo would turn a "\b" in a name into a backspace
cg_dir() {
	printf '%s\n' "$CW_CGTOP/$1"
}

cg_id() {
	stat -c %i "$CW_CGTOP/$1"
}

# cw_escape STRING: escaped as /proc/cwstat prints path values: space,
# tab, newline, backslash, '=' and every other ASCII control character
# (below 0x20, and 0x7f) as a backslash and three octal digits; bytes from
# 0x80 up as they are.
cw_escape() {
	printf '%s\n' "$1" | awk "$CW_AWK_ESC"'{ print esc($0) }'
}

# cg_path REL: the path cwstat shows to a reader in the init cgroup ns.
cg_path() {
	cw_escape "${CW_CGTOP#"$CW_CGROOT"}/$1"
}

CW_AWK_ESC='
function esc(s,    i, c, o) {
	if (!_esc_done) {
		for (i = 1; i < 128; i++) {
			c = sprintf("%c", i)
			if (i < 32 || i == 127 || c == " " || c == "=" || i == 92)
				_esc_oct[c] = sprintf("%c%d%d%d", 92,
					int(i / 64), int(i / 8) % 8, i % 8)
		}
		_esc_done = 1
	}
	o = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		o = o ((c in _esc_oct) ? _esc_oct[c] : c)
	}
	return o
}
'

# ---- socket factories -------------------------------------------------------

# factory_spawn NAME CW_FACTORY_ARGS...: start one, not waiting for it.
factory_spawn() {
	local fn
	fn=$1
	shift
	rm -f "$CW_T/f.$fn.ready"
	now_cs >"$CW_T/f.$fn.t0"
	# stdout and stderr go to files: an inherited pipe would keep
	# run_tests waiting for as long as the factory lives.
	"$CW_BIN/cw_factory" -o "$CW_T/f.$fn.ready" "$@" \
		>/dev/null 2>"$CW_T/f.$fn.err" </dev/null &
	echo $! >"$CW_T/f.$fn.pid"
	echo $! >>"$CW_STATE/pids"
	echo "$fn" >>"$CW_T/factories"
}

_pid_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	read -r st <"/proc/$1/stat"
	case $st in
	*") Z "* | *") X "*) return 1 ;;
	esac
	return 0
}

# factory_wait NAME: until it is ready (0) or has failed (1, with diags).
factory_wait() {
	local fw_pid fw_end
	fw_pid=$(cat "$CW_T/f.$1.pid")
	fw_end=$(($(now_cs) + ${CW_FACTORY_TIMEOUT:-120} * 100))
	while [ ! -e "$CW_T/f.$1.ready" ]; do
		if ! _pid_alive "$fw_pid"; then
			wait "$fw_pid"
			diag "factory $1 exited with status $? before ready:"
			diag_file "$CW_T/f.$1.err"
			return 1
		fi
		if [ "$(now_cs)" -ge "$fw_end" ]; then
			diag "factory $1 not ready after ${CW_FACTORY_TIMEOUT:-120}s"
			diag_file "$CW_T/f.$1.err"
			return 1
		fi
		sleep 0.05
	done
	now_cs >"$CW_T/f.$1.t1"
	return 0
}

# factory_start NAME ARGS...: spawn and wait; gives up on the script on
# failure, since every later check would only repeat it.
factory_start() {
	factory_spawn "$@"
	factory_wait "$1" || bail "factory $1 ready ($(printf '%s' "$*" | cut -c1-60))"
}

# fget NAME KEY: a value from the factory's ready line; t0/t1 are the
# centisecond times at which it was started and seen ready.
fget() {
	case $2 in
	t0 | t1) cat "$CW_T/f.$1.$2" ;;
	*) sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$CW_T/f.$1.ready" ;;
	esac
}

# factory_stop NAME: SIGTERM and reap; the sockets are closed when wait
# returns, since a process's files are closed before it becomes a zombie.
factory_stop() {
	local fs_pid rc
	[ -f "$CW_T/f.$1.pid" ] || return 0
	fs_pid=$(cat "$CW_T/f.$1.pid")
	kill -TERM "$fs_pid" 2>/dev/null
	wait "$fs_pid" 2>/dev/null
	rc=$?
	rm -f "$CW_T/f.$1.pid"
	return $rc
}

factory_stop_all() {
	local f
	[ -f "$CW_T/factories" ] || return 0
	for f in $(cat "$CW_T/factories"); do
		factory_stop "$f"
	done
}

# bg_register PID: some other background helper for the EXIT trap to kill.
bg_register() {
	echo "$1" >>"$CW_T/bgpids"
	echo "$1" >>"$CW_STATE/pids"
}

# ---- a socket whose lock a process holds --------------------------------------
# The userfaultfd lock-holder (cw_lockhold): one loopback connection in netns
# NS whose accepted socket is owned by a send() stalled in a fault, as a hung
# NFS or FUSE page would hold it. LOCKHOLD_PID, LOCKHOLD_PORT are its pid and
# the held socket's local port.

# lockhold_start NS [STATE]: hold a socket in STATE (cw, the default, or est).
lockhold_start() {
	lockhold_stop
	rm -f "$CW_T/hold.ready" "$CW_T/hold.ready.released"
	"$CW_BIN/cw_lockhold" -s "${2:-cw}" -N "$(ns_file "$1")" \
		-o "$CW_T/hold.ready" -t 120 \
		>/dev/null 2>"$CW_T/hold.err" </dev/null &
	LOCKHOLD_PID=$!
	bg_register $LOCKHOLD_PID
	LOCKHOLD_NS=$1
	LOCKHOLD_STATE=${2:-cw}
	if ! wait_until 20 test -e "$CW_T/hold.ready"; then
		wait "$LOCKHOLD_PID"
		[ $? -eq 4 ] && skip_all "the kernel has no userfaultfd (CONFIG_USERFAULTFD) to hold a socket's lock with"
		bail "cw_lockhold holds a socket's lock" "$(cat "$CW_T/hold.err")"
	fi
	LOCKHOLD_PORT=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$CW_T/hold.ready")
}

# lockhold_release: the lock is free again (the holder keeps the socket).
lockhold_release() {
	[ -n "${LOCKHOLD_PID:-}" ] || return 0
	kill -USR1 "$LOCKHOLD_PID" 2>/dev/null
	wait_until 20 test -e "$CW_T/hold.ready.released"
}

# lockhold_stop: the holder exits, its sockets closed.
lockhold_stop() {
	[ -n "${LOCKHOLD_PID:-}" ] || return 0
	kill -TERM "$LOCKHOLD_PID" 2>/dev/null
	wait "$LOCKHOLD_PID" 2>/dev/null
	LOCKHOLD_PID=
}

# bounded DESC CMD...: CMD returns within 10 s, with status 0. If it is
# still blocked then, the lock is released so that it ends, and taken again
# (same netns and state) for the steps that follow.
bounded() {
	local desc=$1 rc pid
	shift
	rm -f "$CW_T/bounded.rc"
	(
		"$@" >"$CW_T/bounded.out" 2>&1
		echo $? >"$CW_T/bounded.rc"
	) &
	pid=$!
	if wait_until 10 test -s "$CW_T/bounded.rc"; then
		rc=$(cat "$CW_T/bounded.rc")
		if [ "$rc" = 0 ]; then
			ok "$desc returns within 10 s"
		else
			fail "$desc returns within 10 s" "status $rc"
			diag_file "$CW_T/bounded.out"
		fi
	else
		fail "$desc returns within 10 s" "still blocked after 10 s; releasing the lock"
		lockhold_release
		wait_until 20 test -s "$CW_T/bounded.rc"
		diag "it returned after the release: status $(cat "$CW_T/bounded.rc" 2>/dev/null)"
		lockhold_start "$LOCKHOLD_NS" "$LOCKHOLD_STATE"
	fi
	wait "$pid"
}

# ---- reading cwstat ---------------------------------------------------------

# snap OUT [NS]: /proc/cwstat as root in the init netns or in netns NS.
snap() {
	if [ -n "$2" ] && [ "$2" != init ]; then
		in_ns "$2" cat /proc/cwstat >"$1"
	else
		cat /proc/cwstat >"$1"
	fi
}

# snap_net OUT [NS]: /proc/net/cwstat of the init netns or of NS.
snap_net() {
	if [ -n "$2" ] && [ "$2" != init ]; then
		in_ns "$2" cat /proc/net/cwstat >"$1"
	else
		cat /proc/net/cwstat >"$1"
	fi
}

# format_ok DESC FILE [cw_check_format options]: one TAP line. The keys
# must be those of the loaded module's mode.
format_ok() {
	local desc=$1 file=$2 mode
	shift 2
	mode=$(mod_mode)
	[ -n "$mode" ] && set -- -m "$mode" "$@"
	if "$CW_BIN/cw_check_format" "$@" "$file" >"$CW_T/fmt.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		diag_file "$CW_T/fmt.out" 60
	fi
}

# The awk behind cw_val and cw_rows: row_matches() is true on a row of
# type ENVIRON["CW_A1"] whose keys match all of the selectors in
# ENVIRON["CW_A2"] ("ns=1 id=2"), and leaves the row's keys in kv.
# (Arguments reach awk through ENVIRON: -v would undo \ooo escapes.)
CW_ROW_MATCH_AWK='
function row_matches(   i, j, n, p, s) {
	if ($1 != ENVIRON["CW_A1"])
		return 0
	split("", kv)
	for (i = 2; i <= NF; i++) {
		p = index($i, "=")
		kv[substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	n = split(ENVIRON["CW_A2"], s, " ")
	for (j = 1; j <= n; j++) {
		p = index(s[j], "=")
		if (kv[substr(s[j], 1, p - 1)] != substr(s[j], p + 1))
			return 0
	}
	return 1
}'

# cw_val FILE TYPE SELECTORS KEY: KEY of the first TYPE row whose keys
# match all of SELECTORS; empty if there is no such row.
cw_val() {
	CW_A1=$2 CW_A2=$3 CW_A3=$4 awk "$CW_ROW_MATCH_AWK"'
	row_matches() { print kv[ENVIRON["CW_A3"]]; exit }' "$1"
}

# cw_rows FILE TYPE [SELECTORS]: how many TYPE rows match.
cw_rows() {
	CW_A1=$2 CW_A2=$3 awk "$CW_ROW_MATCH_AWK"'
	row_matches() { c++ }
	END { print c + 0 }' "$1"
}

# ---- the cwstat tool and the module's health ---------------------------------

CW_TOOL=/usr/bin/cwstat

# prom_lint FILE: promtool check metrics, less the two lints that the age
# buckets' documented gauge form draws in text 0.0.4 (cwstat(8)): a gauge
# named _bucket, with an le label. Any other problem fails.
prom_lint() {
	promtool check metrics <"$1" >"$CW_T/promlint" 2>&1
	case $? in
	0) return 0 ;;
	3) ! grep -vx -e 'cwstat_close_wait_age_seconds_bucket non-histogram metrics should not have "_bucket" suffix' \
		-e 'cwstat_close_wait_age_seconds_bucket non-histogram metrics should not have "le" label' \
		"$CW_T/promlint" ;;
	*) cat "$CW_T/promlint"; return 1 ;;
	esac
}

# tool_health: what cwstat show, prom, -o json and check say of the
# module's health (/sys/kernel/cwstat, root only), one check each, against
# the files themselves, read first. While capped is 1 or unresolved above 0
# every count is a lower bound: show says so on stderr and why, check is
# at least WARNING (CRITICAL stays CRITICAL) and says why, and json and
# prom carry the values. Otherwise show and check say nothing more than
# before, and json and prom still carry the (zero) values. A uid other than
# root cannot read the files: no word of them, and no error.
tool_health() {
	local capped unresolved untracked lower want_st tag runas rc
	runas=$CW_BIN/cw_runas
	capped=$(mod_param capped)
	unresolved=$(mod_param unresolved)
	untracked=$(mod_param tracked_overflow)
	lower=
	if [ "$capped" != 0 ] || [ "$unresolved" != 0 ]; then
		lower=1
	fi
	tag="capped=$capped unresolved=$unresolved"

	"$CW_TOOL" --no-names >"$CW_T/h.out" 2>"$CW_T/h.err"
	rc=$?
	if [ -n "$lower" ]; then
		if [ $rc = 0 ] && grep -q '^total ' "$CW_T/h.out" &&
		   grep -q 'counts are a lower bound' "$CW_T/h.err" &&
		   { [ "$capped" = 0 ] || grep -q 'lower bound: .*max_tracked' "$CW_T/h.err"; } &&
		   { [ "$unresolved" = 0 ] ||
		     grep -q "lower bound: $unresolved sockets\{0,1\} in CLOSE_WAIT .*echo 1 > /sys/kernel/cwstat/reconcile" "$CW_T/h.err"; }; then
			ok "tool, $tag: show says the counts are a lower bound, why, and what to do"
		else
			fail "tool, $tag: show says the counts are a lower bound, why, and what to do" "rc=$rc"
			diag_file "$CW_T/h.err"
		fi
	elif [ $rc = 0 ] && ! grep -q 'lower bound' "$CW_T/h.err"; then
		ok "tool, $tag: show says nothing of a lower bound"
	else
		fail "tool, $tag: show says nothing of a lower bound" "rc=$rc"
		diag_file "$CW_T/h.err"
	fi

	"$CW_TOOL" prom --no-names >"$CW_T/h.out" 2>"$CW_T/h.err"
	rc=$?
	if [ $rc = 0 ] && grep -qx "cwstat_capped $capped" "$CW_T/h.out" &&
	   grep -qx "cwstat_unresolved_sockets $unresolved" "$CW_T/h.out" &&
	   grep -qx "cwstat_untracked_total $untracked" "$CW_T/h.out" &&
	   grep -qx '# TYPE cwstat_untracked_total counter' "$CW_T/h.out" &&
	   prom_lint "$CW_T/h.out" >"$CW_T/h.lint"; then
		ok "tool, $tag: prom has cwstat_capped $capped, cwstat_unresolved_sockets $unresolved, cwstat_untracked_total $untracked (promtool clean)"
	else
		fail "tool, $tag: prom has cwstat_capped $capped, cwstat_unresolved_sockets $unresolved, cwstat_untracked_total $untracked (promtool clean)" "rc=$rc"
		grep -e '^cwstat_capped' -e '^cwstat_unres' -e '^cwstat_untr' "$CW_T/h.out" | sed 's/^/#   /'
		diag_file "$CW_T/h.lint"
	fi

	"$CW_TOOL" -o json --no-names >"$CW_T/h.out" 2>"$CW_T/h.err"
	rc=$?
	want_st=false
	[ "$capped" != 0 ] && want_st=true
	if [ $rc = 0 ] && grep -q "\"health\":{\"mode\":\"live\",\"capped\":$want_st,\"unresolved\":$unresolved,\"untracked_total\":$untracked,\"lower_bound\":$([ -n "$lower" ] && echo true || echo false)}" "$CW_T/h.out"; then
		ok "tool, $tag: json health object"
	else
		fail "tool, $tag: json health object" "rc=$rc"
		diag_file "$CW_T/h.out" 5
	fi

	# Thresholds far above any count here: only the health can raise it.
	"$CW_TOOL" check --no-names -w 1000000 -c 2000000 >"$CW_T/h.out" 2>"$CW_T/h.err"
	rc=$?
	if [ -n "$lower" ]; then
		if [ $rc = 1 ] && grep -q '^CWSTAT WARNING - .*; counts are a lower bound: ' "$CW_T/h.out" &&
		   grep -q " capped=$capped;;;0;1 unresolved=$unresolved;;;0 untracked=${untracked}c;;;0\$" "$CW_T/h.out"; then
			ok "tool, $tag: check is WARNING below its thresholds, says why, perfdata"
		else
			fail "tool, $tag: check is WARNING below its thresholds, says why, perfdata" "rc=$rc"
			diag_file "$CW_T/h.out"
		fi
		"$CW_TOOL" check --no-names -w 0 -c 0 >"$CW_T/h.out" 2>"$CW_T/h.err"
		rc=$?
		if [ $rc = 2 ] && grep -q '^CWSTAT CRITICAL - .*; counts are a lower bound: ' "$CW_T/h.out"; then
			ok "tool, $tag: check above --crit stays CRITICAL, says why"
		else
			fail "tool, $tag: check above --crit stays CRITICAL, says why" "rc=$rc"
			diag_file "$CW_T/h.out"
		fi
	elif [ $rc = 0 ] && grep -q '^CWSTAT OK - ' "$CW_T/h.out" &&
	     ! grep -q 'lower bound' "$CW_T/h.out"; then
		ok "tool, $tag: check is OK below its thresholds"
	else
		fail "tool, $tag: check is OK below its thresholds" "rc=$rc"
		diag_file "$CW_T/h.out"
	fi

	# uid 65534 reads /proc/cwstat (its own netns) but not the health;
	# its check sees its own netns only, so it is never OK over the host
	# (UNKNOWN, says why), and OK over that netns when asked for it.
	"$runas" 65534 65534 "$CW_TOOL" --no-names >"$CW_T/h.out" 2>"$CW_T/h.err"
	rc=$?
	"$runas" 65534 65534 "$CW_TOOL" -o json --no-names >"$CW_T/h.json" 2>>"$CW_T/h.err"
	rc=$rc$?
	"$runas" 65534 65534 "$CW_TOOL" check --no-names -w 1000000 >"$CW_T/h.chk" 2>>"$CW_T/h.err"
	rc=$rc$?
	"$runas" 65534 65534 "$CW_TOOL" check --no-names -w 1000000 --scope netns >>"$CW_T/h.chk" 2>>"$CW_T/h.err"
	rc=$rc$?
	if [ "$rc" = 0030 ] && ! grep -Eq 'lower bound|cwstat/' "$CW_T/h.err" &&
	   grep -q '"health":null}$' "$CW_T/h.json" &&
	   grep -q '^CWSTAT UNKNOWN - .*; partial view, only this netns: not root (no CAP_NET_ADMIN) |' "$CW_T/h.chk" &&
	   grep -q '^CWSTAT OK - ' "$CW_T/h.chk" && ! grep -q 'capped=' "$CW_T/h.chk"; then
		ok "tool, $tag: uid 65534 cannot read the health: no word of it, no error; its check UNKNOWN over the host, OK over its netns"
	else
		fail "tool, $tag: uid 65534 cannot read the health: no word of it, no error; its check UNKNOWN over the host, OK over its netns" "exit statuses $rc"
		diag_file "$CW_T/h.err"
		diag_file "$CW_T/h.json" 3
		diag_file "$CW_T/h.chk"
	fi
}

# ---- the ss oracle ----------------------------------------------------------

# ss_dump NS OUT: every TCP socket of netns NS, one per line, with memory
# and cgroup, from the kernel's inet_diag rather than from cwstat.
ss_dump() {
	nsrun "$1" ss -HtanmO --cgroup >"$2"
}

# ss_summary DUMP: what cwstat should say about that netns, as
#   netns sockets=N close_wait=N recvq_bytes=N rmem_bytes=N
#   cgroup path=ESCAPED close_wait=N recvq_bytes=N rmem_bytes=N
# Recv-Q of a CLOSE_WAIT socket counts the FIN until the app reads EOF, so
# the payload is Recv-Q - 1, or 0 once EOF was read (Recv-Q 0).
ss_summary() {
	awk "$CW_AWK_ESC"'
	$1 == "LISTEN" || $1 == "UNCONN" { next }
	{ sockets++ }
	$1 != "CLOSE-WAIT" { next }
	{
		cw++
		q = $2 > 0 ? $2 - 1 : 0
		rq += q
		r = 0
		if (match($0, /skmem:\(r[0-9]+/))
			r = substr($0, RSTART + 8, RLENGTH - 8)
		rm += r
		cg = "?"
		p = index($0, " cgroup:")
		if (p) {
			cg = substr($0, p + 8)
			e = index(cg, " skmem:(")
			if (e)
				cg = substr(cg, 1, e - 1)
			sub(/ +$/, "", cg)
		}
		cg = esc(cg)
		if (!(cg in ccw))
			order[++ncg] = cg
		ccw[cg]++
		crq[cg] += q
		crm[cg] += r
	}
	END {
		printf "netns sockets=%d close_wait=%d recvq_bytes=%d rmem_bytes=%d\n",
			sockets, cw, rq, rm
		for (i = 1; i <= ncg; i++) {
			c = order[i]
			printf "cgroup path=%s close_wait=%d recvq_bytes=%d rmem_bytes=%d\n",
				c, ccw[c], crq[c], crm[c]
		}
	}' "$1"
}

# ---- expected state -----------------------------------------------------------

# expect_add FACTORY NS CGPATH: the factory's CLOSE_WAIT sockets are
# counted in netns NS ("init" or a name from ns_add) and cgroup CGPATH
# (relative to the cgroup2 root, "/" for the root). verify_expect then
# holds cwstat to the bookkeeping of all factories so registered.
expect_add() {
	printf '%s %s %s %s %s %s %s\n' "$2" "$(fget "$1" close_wait)" \
		"$(fget "$1" recvq_bytes)" "$(fget "$1" sockets)" \
		"$(fget "$1" t0)" "$(fget "$1" t1)" "$3" >>"$CW_T/expect"
}

expect_reset() {
	: >"$CW_T/expect"
}

# _expect_sum NS TA TB [CGPATH]: "close_wait recvq sockets oldest_lo
# oldest_hi age_lo age_hi" for that netns (or that cgroup in it). The
# oldest socket got its last segment (the FIN), and entered CLOSE_WAIT,
# between a factory's start and its ready line, so its idle time and its
# age at the read lie between TA - t1 and TB - t0. The age (oldest_s,
# live mode) must be right to a second either way.
_expect_sum() {
	CW_A1=$4 awk -v ns="$1" -v ta="$2" -v tb="$3" '
	BEGIN { cg = ENVIRON["CW_A1"] }
	$1 != ns { next }
	{
		p = $0
		for (i = 1; i <= 6; i++)
			sub(/^[^ ]* /, "", p)
	}
	cg != "" && p != cg { next }
	{
		cw += $2; rq += $3; so += $4
		if ($2 > 0) {
			if (ta - $6 > lo) lo = ta - $6
			if (tb - $5 > hi) hi = tb - $5
		}
	}
	END {
		# 0.1 s slack below for clock granularity; 2 s above as the
		# contract allows
		alo = int(lo / 100) - 1
		if (alo < 0) alo = 0
		ahi = int(hi / 100) + 1
		lo = int((lo - 10) / 100)
		if (lo < 0) lo = 0
		printf "%d %d %d %d %d %d %d\n", cw, rq, so, lo, int(hi / 100) + 2,
			alo, ahi
	}' "$CW_T/expect"
}

# assert_all DESC VALUE OTHER...: every value the same.
assert_all() {
	local desc=$1 v=$2 good=1 o
	shift 2
	_is_uint "$v" || good=
	for o in "$@"; do
		[ "$o" = "$v" ] || good=
	done
	if [ -n "$good" ]; then
		ok "$desc = $v"
	else
		fail "$desc" "cwstat '$v', oracles: $*"
	fi
}

# ss_sockets NS: established-hash sockets in NS (all but listeners).
ss_sockets() {
	nsrun "$1" ss -Htan | awk '$1 != "LISTEN" { n++ } END { print n + 0 }'
}

# verify_expect: read /proc/cwstat as root in the init netns and check
# every row of every netns named in the expectations against both the
# factories' bookkeeping and ss in that netns; the totals against ss over
# all netns. Needs max_age_ms=0, so that the read is a fresh walk (or a
# fresh pass over the live table). "sockets" is checked in scan mode,
# "oldest_s" in live mode.
verify_expect() {
	_live=
	is_live && _live=1
	_nss=$(awk '{ print $1 }' "$CW_T/expect" | sort -u)
	_allns="init $(ip netns list | awk -v p="$CW_NSPFX" \
		'index($1, p) == 1 { print substr($1, length(p) + 1) }')"
	# ss before cwstat: TIME_WAIT sockets only expire, so the total
	# sockets cwstat sees lies between this count and one made after.
	_s_before=0
	_tcw=0
	_trq=0
	_trm=0
	for _ns in $_allns; do
		ss_dump "$_ns" "$CW_T/ss.$_ns"
		ss_summary "$CW_T/ss.$_ns" >"$CW_T/sss.$_ns"
		set -- "$(cw_val "$CW_T/sss.$_ns" netns "" sockets)" \
			"$(cw_val "$CW_T/sss.$_ns" netns "" close_wait)" \
			"$(cw_val "$CW_T/sss.$_ns" netns "" recvq_bytes)" \
			"$(cw_val "$CW_T/sss.$_ns" netns "" rmem_bytes)"
		_s_before=$((_s_before + $1))
		_tcw=$((_tcw + $2))
		_trq=$((_trq + $3))
		_trm=$((_trm + $4))
	done
	_ta=$(now_cs)
	snap "$CW_T/snap"
	_tb=$(now_cs)
	_s_after=0
	for _ns in $_allns; do
		ss_sockets "$_ns" >"$CW_T/ssa.$_ns"
		_s_after=$((_s_after + $(cat "$CW_T/ssa.$_ns")))
	done
	format_ok "/proc/cwstat is well-formed" "$CW_T/snap"

	for _ns in $_nss; do
		_ino=$(ns_ino "$_ns")
		_ss=$CW_T/sss.$_ns
		# shellcheck disable=SC2046 # seven numbers
		set -- $(_expect_sum "$_ns" "$_ta" "$_tb")
		_ecw=$1 _erq=$2 _eso=$3 _lo=$4 _hi=$5 _alo=$6 _ahi=$7
		_sscw=$(cw_val "$_ss" netns "" close_wait)
		_ssrq=$(cw_val "$_ss" netns "" recvq_bytes)
		_ssrm=$(cw_val "$_ss" netns "" rmem_bytes)
		_ssso=$(cw_val "$_ss" netns "" sockets)
		_sel="ns=$_ino"
		if [ "$_ecw" = 0 ]; then
			assert_eq "netns $_ns: no row without CLOSE_WAIT" \
				"$(cw_rows "$CW_T/snap" netns "$_sel")" 0
			continue
		fi
		assert_all "netns $_ns: close_wait (bookkeeping, ss)" \
			"$(cw_val "$CW_T/snap" netns "$_sel" close_wait)" \
			"$_ecw" "$_sscw"
		assert_all "netns $_ns: recvq_bytes (bookkeeping, ss)" \
			"$(cw_val "$CW_T/snap" netns "$_sel" recvq_bytes)" \
			"$_erq" "$_ssrq"
		assert_all "netns $_ns: rmem_bytes (ss)" \
			"$(cw_val "$CW_T/snap" netns "$_sel" rmem_bytes)" \
			"$_ssrm"
		_so=$(cw_val "$CW_T/snap" netns "$_sel" sockets)
		_ssa=$(cat "$CW_T/ssa.$_ns")
		if [ -n "$_live" ]; then
			assert_range "netns $_ns: oldest_s within ${_alo}..${_ahi}" \
				"$(cw_val "$CW_T/snap" netns "$_sel" oldest_s)" \
				"$_alo" "$_ahi"
		elif [ "$_ns" = init ]; then
			# other tests' TIME_WAIT sockets may linger here
			assert_ge "netns init: sockets >= bookkeeping $_eso" \
				"$_so" "$_eso"
		elif [ "$_ssa" = "$_ssso" ]; then
			assert_all "netns $_ns: sockets (bookkeeping, ss)" \
				"$_so" "$_eso" "$_ssso"
		else
			# TIME_WAIT sockets expired around the read (a slow
			# kernel reaches their 60 s while the test reads)
			assert_range "netns $_ns: sockets within ss after..before" \
				"$_so" "$_ssa" "$_ssso"
		fi
		assert_range "netns $_ns: oldest_idle_s within ${_lo}..${_hi}" \
			"$(cw_val "$CW_T/snap" netns "$_sel" oldest_idle_s)" \
			"$_lo" "$_hi"

		# one row per cgroup that has CLOSE_WAIT sockets in this netns
		awk -v ns="$_ns" '$1 == ns && $2 > 0 {
			p = $0
			for (i = 1; i <= 6; i++)
				sub(/^[^ ]* /, "", p)
			print p
		}' "$CW_T/expect" | sort -u >"$CW_T/cgs"
		assert_eq "netns $_ns: cgroup rows" \
			"$(cw_rows "$CW_T/snap" cgroup "$_sel")" \
			"$(wc -l <"$CW_T/cgs" | tr -d ' ')"
		while IFS= read -r _cg <&3; do
			_id=$(stat -c %i "$CW_CGROOT$_cg")
			_ep=$(cw_escape "$_cg")
			_csel="ns=$_ino id=$_id"
			# shellcheck disable=SC2046 # seven numbers
			set -- $(_expect_sum "$_ns" "$_ta" "$_tb" "$_cg")
			_ecw=$1 _erq=$2 _lo=$4 _hi=$5 _alo=$6 _ahi=$7
			_d="netns $_ns cgroup $_ep"
			assert_eq "$_d: path" \
				"$(cw_val "$CW_T/snap" cgroup "$_csel" path)" "$_ep"
			assert_all "$_d: close_wait (bookkeeping, ss)" \
				"$(cw_val "$CW_T/snap" cgroup "$_csel" close_wait)" \
				"$_ecw" \
				"$(cw_val "$_ss" cgroup "path=$_ep" close_wait)"
			assert_all "$_d: recvq_bytes (bookkeeping, ss)" \
				"$(cw_val "$CW_T/snap" cgroup "$_csel" recvq_bytes)" \
				"$_erq" \
				"$(cw_val "$_ss" cgroup "path=$_ep" recvq_bytes)"
			assert_all "$_d: rmem_bytes (ss)" \
				"$(cw_val "$CW_T/snap" cgroup "$_csel" rmem_bytes)" \
				"$(cw_val "$_ss" cgroup "path=$_ep" rmem_bytes)"
			assert_range "$_d: oldest_idle_s within ${_lo}..${_hi}" \
				"$(cw_val "$CW_T/snap" cgroup "$_csel" oldest_idle_s)" \
				"$_lo" "$_hi"
			[ -z "$_live" ] ||
				assert_range "$_d: oldest_s within ${_alo}..${_ahi}" \
					"$(cw_val "$CW_T/snap" cgroup "$_csel" oldest_s)" \
					"$_alo" "$_ahi"
		done 3<"$CW_T/cgs"
	done

	# Other tests leave no CLOSE_WAIT behind, so the netns above are all.
	assert_all "total: close_wait (ss, all netns)" \
		"$(cw_val "$CW_T/snap" total "" close_wait)" "$_tcw"
	assert_all "total: recvq_bytes (ss, all netns)" \
		"$(cw_val "$CW_T/snap" total "" recvq_bytes)" "$_trq"
	assert_all "total: rmem_bytes (ss, all netns)" \
		"$(cw_val "$CW_T/snap" total "" rmem_bytes)" "$_trm"
	if [ -n "$_live" ]; then
		assert_all "total: close_wait equals the live table's tracked" \
			"$(cw_val "$CW_T/snap" total "" close_wait)" \
			"$(mod_param tracked)"
	else
		assert_range "total: sockets within ss counts after..before" \
			"$(cw_val "$CW_T/snap" total "" sockets)" \
			"$_s_after" "$_s_before"
	fi
}

# ---- cleanup ----------------------------------------------------------------

cg_cleanup() {
	local d
	[ -d "$CW_CGTOP" ] || return 0
	# Children first; a cgroup with tasks cannot go, so kill them first.
	find "$CW_CGTOP" -depth -type d | while read -r d; do
		rmdir "$d" 2>/dev/null
	done
}

cw_cleanup() {
	local p n
	trap - EXIT TERM INT HUP
	factory_stop_all
	if [ -f "$CW_T/bgpids" ]; then
		for p in $(cat "$CW_T/bgpids"); do
			kill -TERM "$p" 2>/dev/null
		done
		for p in $(cat "$CW_T/bgpids"); do
			wait "$p" 2>/dev/null
		done
	fi
	if [ -f "$CW_T/netns" ]; then
		for n in $(sort -u "$CW_T/netns"); do
			ip netns del "$CW_NSPFX$n" 2>/dev/null
		done
	fi
	[ -f "$CW_T/ehash_changed" ] &&
		sysctl -q -w net.ipv4.tcp_child_ehash_entries=0
	cg_cleanup
	mod_unload
	if [ -n "$CW_STANDALONE" ]; then
		echo "1..$(cat "$CW_STATE/tap_n")"
	fi
	rm -rf "$CW_T"
}

trap cw_cleanup EXIT
# An EXIT trap runs on exit, not on a deadly signal: turn those into exits.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# netns_sleeper NAME: create netns NAME with a process living in it, whose
# /proc/PID/net is NAME's proc_net; sets NETNS_SLEEPER_PID. nsenter is
# started directly: "nsrun ... &" would record the pid of a subshell that
# stays in the caller's netns.
netns_sleeper() {
	ns_add "$1" || bail "ip netns add $1"
	nsenter --net="$(ns_file "$1")" sleep 1000 &
	NETNS_SLEEPER_PID=$!
	bg_register $NETNS_SLEEPER_PID
	wait_until 5 sh -c "[ \"\$(stat -L -c %i /proc/$NETNS_SLEEPER_PID/ns/net 2>/dev/null)\" = $(ns_ino "$1") ]" ||
		bail "a process in netns $1 (/proc/PID/ns/net is netns $1)"
}

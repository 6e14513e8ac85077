# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The results of the tool's host tests (cli.sh, stack.sh, plugin-hosts.sh),
# sourced: "ok - ..." / "not ok - ..." lines, each failure's details
# indented under it, and a final "N passed, M failed", which scripts/check
# tallies.

pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

# not_ok DESC [DETAIL...]: each DETAIL's lines indented under the result.
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	shift
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

# finish: the tally, then exit, non-zero if anything failed.
finish() {
	echo "$pass passed, $fail failed"
	[[ $fail -eq 0 ]]
	exit
}

# need_programs DESC PROGRAM...: finish with DESC failed unless every
# PROGRAM is on the PATH.
need_programs() {
	local desc=$1 b missing=
	shift
	for b; do
		command -v "$b" >/dev/null || missing+=" $b"
	done
	if [[ -n $missing ]]; then
		not_ok "$desc" "missing:$missing"
		finish
	fi
}

# need_binary PATH: finish with a failure unless the tool under test is there.
need_binary() {
	if [[ ! -x $1 ]]; then
		not_ok "cwstat binary at $1"
		finish
	fi
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 240
# cw-modes: live
# cw-tier: core
# cw-order: 110
#
# teardown: warn and crit stores racing rmmod. A store re-evaluates the
# alarm and queues its work items; unload must remove the attributes
# (which waits for stores in progress) before it cancels the work, or a
# store that slips in between queues work that runs after the module is
# gone (an oops in freed module text, a panic under oops=panic). With 2
# sockets in CLOSE_WAIT, two cw_toggle writers flip warn and crit between
# 0 and 1, so nearly every store changes the level; the module is loaded,
# left to notify for a moment, and unloaded under them, CW_TEARDOWN_CYCLES
# (40) times. Then: every cycle loaded and unloaded, every writer ended on
# the attribute's removal, and no splat in dmesg.

. "$(dirname "$0")/lib.sh"

S=/sys/kernel/cwstat
cycles=${CW_TEARDOWN_CYCLES:-40}

mod_unload
factory_start f -n 2
dmesg_before=$(dmesg | wc -l)

c=0
bad=
: >"$CW_T/ends"
while [ $c -lt "$cycles" ]; do
	c=$((c + 1))
	if ! mod_load; then
		bad="$bad load$c"
		diag_file "$CW_T/insmod.err"
		break
	fi
	"$CW_BIN/cw_toggle" $S/warn 1 0 >"$CW_T/tw.out" 2>&1 &
	tw=$!
	"$CW_BIN/cw_toggle" $S/crit 1 0 0 >"$CW_T/tc.out" 2>&1 &
	tc=$!
	# A notification goes out at most once a second: let one go, so
	# that the stores during unload queue it with a delay.
	sleep 0.3
	if ! rmmod cwstat 2>"$CW_T/rmmod.err"; then
		bad="$bad rmmod$c"
		diag_file "$CW_T/rmmod.err"
	fi
	wait $tw
	wait $tc
	sed -n 's/.* end=//p' "$CW_T/tw.out" "$CW_T/tc.out" >>"$CW_T/ends"
done
diag "how the writers ended:" "$(sort "$CW_T/ends" | uniq -c)"
assert_eq "$cycles cycles of insmod, stores to warn and crit, rmmod under them" \
	"$c${bad:+ }$bad" "$cycles"
# Give a stray delayed work item time to run into freed text.
sleep 2
dmesg | tail -n +"$((dmesg_before + 1))" >"$CW_T/dmesg"
if grep -Eq 'BUG:|Oops|WARNING:|general protection|Call Trace' "$CW_T/dmesg"; then
	fail "no splat after the unloads"
	diag_file "$CW_T/dmesg" 40
else
	ok "no splat after the unloads"
fi
factory_stop f
cw_exit

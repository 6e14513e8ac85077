#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cw-timeout: 60
# cw-modes: live
# cw-tier: full
# cw-order: 20
#
# dkms: the module as DKMS built and installed it, loaded the way an
# installed system loads it. scripts/check-dkms builds it in a scratch dkms
# tree for each kernel of the matrix and puts it in the image at
# /lib/modules/KREL/updates/dkms/cwstat.ko, with a modules.dep made by
# depmod -b and the expected version in /etc/cwstat/dkms-version. Skipped
# when the image has no DKMS module (a plain scripts/vm/run).

. "$(dirname "$0")/lib.sh"

krel=$(uname -r)
dko=/lib/modules/$krel/updates/dkms/cwstat.ko
[ -f "$dko" ] || skip_all "no DKMS-built module in this image ($dko)"
read -r want </etc/cwstat/dkms-version || bail "read /etc/cwstat/dkms-version"

mod_unload

# modprobe resolves the name through modules.dep, to the DKMS module.
modprobe -D cwstat >"$CW_T/deps" 2>&1
if grep -q "updates/dkms/cwstat.ko" "$CW_T/deps"; then
	ok "modprobe resolves cwstat to updates/dkms/cwstat.ko"
else
	fail "modprobe resolves cwstat to updates/dkms/cwstat.ko"
	diag_file "$CW_T/deps"
fi
# busybox's modinfo finds the module through modules.dep too, but it scans
# the whole file for "version=", so it also prints the module's own format
# string "version=%d": look for the expected line among what it prints.
# (The host checked the field itself with kmod's modinfo.)
modinfo cwstat >"$CW_T/modinfo" 2>&1
if awk -v w="$want" '$1 == "version:" && $2 == w { f = 1 } END { exit !f }' \
	"$CW_T/modinfo"; then
	ok "modinfo cwstat shows version $want"
else
	fail "modinfo cwstat shows version $want"
	diag_file "$CW_T/modinfo"
fi

if modprobe cwstat 2>"$CW_T/modprobe.err"; then
	ok "modprobe cwstat"
else
	fail "modprobe cwstat"
	diag_file "$CW_T/modprobe.err"
	dmesg | tail -n 5 | sed 's/^/#   /'
	exit 1
fi
assert_eq "loaded module's version" "$(cat /sys/module/cwstat/version 2>&1)" "$want"
assert_eq "/sys/kernel/cwstat/version" "$(cat /sys/kernel/cwstat/version 2>&1)" "$want"
# The harness's own module is the test build, which has these knobs; the
# DKMS build is a release build and must not.
knobs=
for k in inject_init_fault reap_min_age_s reap_delay_ms; do
	[ -e "/sys/module/cwstat/parameters/$k" ] && knobs="$knobs $k"
done
if [ -n "$knobs" ]; then
	fail "the loaded module is the DKMS release build" \
		"test knobs exist:$knobs: the test build was loaded"
else
	ok "the loaded module is the DKMS release build (no test knobs)"
fi
assert_eq "release build: reap older_than=59 is EINVAL (the floor is 60 s)" \
	"$("$CW_BIN/cw_reap" /proc/net/cwstat_reap older_than=59)" EINVAL
assert_eq "/proc/cwstat starts with the format line" \
	"$(head -n 1 /proc/cwstat 2>&1)" "version=1"
snap "$CW_T/snap"
format_ok "/proc/cwstat is well-formed" "$CW_T/snap"

if modprobe -r cwstat 2>"$CW_T/rmmod.err"; then
	ok "modprobe -r cwstat"
else
	fail "modprobe -r cwstat"
	diag_file "$CW_T/rmmod.err"
fi
if mod_loaded || [ -e /proc/cwstat ]; then
	fail "cwstat gone after modprobe -r"
else
	ok "cwstat gone after modprobe -r"
fi

cw_exit

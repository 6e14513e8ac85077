# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the host checks that need kernel releases for fixtures (fake
# system roots, dkms's range, a unit's condition): they are made up here,
# not written out, so that no Debian kernel ABI release stands anywhere in
# the tree (scripts/check-harness greps for one; the archive retires them).

# fake_release VERSION [FLAVOUR]: VERSION (6.1.0-7, 6.12.9+deb12) as an
# amd64 release of FLAVOUR (rt, cloud; none for generic).
fake_release() {
	printf '%s%s-amd64\n' "$1" "${2:+-$2}"
}

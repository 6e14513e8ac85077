# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the host checks that need kernel releases for fixtures (fake
# system roots, dkms's range, a unit's condition): they are made up here,
# not written out, so that no Debian kernel ABI release stands anywhere in
# the tree (scripts/check-harness greps for one; the archive retires them).

# fake_release VERSION [FLAVOUR [ARCH]]: VERSION (6.1.0-7, 6.12.9+deb12) as
# a release of FLAVOUR (rt, cloud; none or "" for generic) for ARCH
# (default amd64; arm64).
fake_release() {
	printf '%s%s-%s\n' "$1" "${2:+-$2}" "${3:-amd64}"
}

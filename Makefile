# SPDX-License-Identifier: GPL-2.0
#
# A thin wrapper around the kernel's build system (see Kbuild) and the
# project's scripts. `make help` lists the targets.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
CWSTAT_VERSION ?= $(shell scripts/version)
COMPAT_H := $(CURDIR)/module/.compat/$(KERNELRELEASE)/compat-probes.h

export CWSTAT_VERSION

all: module tools

module: kdir $(COMPAT_H)
	$(MAKE) -C $(KDIR) M=$(CURDIR) CWSTAT_COMPAT_H=$(COMPAT_H) modules

$(COMPAT_H): scripts/gen-compat $(wildcard module/probes/*.c)
	scripts/gen-compat $(KDIR) $@

kdir:
	@test -f $(KDIR)/Makefile || { \
		echo "cwstat: no kernel build tree at $(KDIR)." >&2; \
		echo "cwstat: install linux-headers-$(KERNELRELEASE), or pick installed headers with KERNELRELEASE=... (scripts/vm/kernels lists them)." >&2; \
		exit 1; }

tools:
	$(MAKE) -C tools OUT=$(CURDIR)/build/tools

# The tool's host unit tests, and its parser under libFuzzer for 60 s.
tools-test:
	$(MAKE) -C tools OUT=$(CURDIR)/build/tools test
	tools/tests/cli.sh $(CURDIR)/build/tools/cwstat

fuzz:
	$(MAKE) -C tools OUT=$(CURDIR)/build/tools fuzz-run

# Every installed kernel of the matrix, each in its own copy of the tree
# under build/, with W=1: a warning fails the build.
modules-all:
	scripts/build-module --all

sparse:
	scripts/build-module --all --sparse

style:
	scripts/checkpatch-module

selftests:
	$(MAKE) -C selftests OUT=$(CURDIR)/build/selftests

deps:
	scripts/deps

# The whole suite: host checks, then every kernel of the matrix in a VM
# (the full selftests on the oldest and newest generic kernels, the core
# tier on the others). check-matrix: the full suite on every kernel.
check:
	scripts/check

check-matrix:
	CWSTAT_MATRIX_TIER=full scripts/check

# One selftest, T=NAME (NAME@scan for scan mode; a comma-separated list
# for several), in one VM boot of KREL, by default the newest generic 6.1
# kernel: scripts/selftest.
selftest:
	scripts/selftest "$(T)" $(KREL)

# The .deb installed with apt in a copy of each foreign release's root
# (Debian 11, 13, sid), dkms building there, the result loaded in a VM; see
# scripts/check-deb-roots. Part of make check; this target runs it alone.
check-deb-roots:
	scripts/check-deb-roots

# Debian 12's Docker, Podman and containerd (ctr) in a guest, each running
# a leaky container that cwstat must count and name as the runtime does
# (scripts/vm/containers; its root from scripts/roots containers). Part
# of make check unless CWSTAT_SKIP_CONTAINERS=1; this target runs it alone.
check-containers: tools
	scripts/build-module $$(scripts/vm/kernels --line 6.1 --flavour generic --newest)
	scripts/vm/containers

demo:
	scripts/deps
	scripts/demo/run

# make demo then make check as a new machine would run them: a clean
# clone, empty caches, only the newest kernel of each line, the
# accelerator probed afresh (scripts/fresh-check).
fresh-check:
	scripts/fresh-check

vm-shell: deps
	scripts/build-module --only test $(KERNELRELEASE)
	$(MAKE) selftests tools
	scripts/vm/run $(KERNELRELEASE) --mode shell

# DKMS install from this tree, for KERNELRELEASE (default: the running
# kernel), with the tool under PREFIX; see scripts/install-dkms. Root.
PREFIX ?= /usr/local

install:
	scripts/install-dkms install $(KERNELRELEASE) $(PREFIX)

uninstall:
	scripts/install-dkms uninstall $(KERNELRELEASE) $(PREFIX)

# cwstat-dkms_<version>_all.deb and cwstat_<version>_<arch>.deb in build/deb/
deb:
	scripts/mkdeb

# The benchmark against ss, /proc/net/tcp and node_exporter in one VM
# boot (wall-clock), then the churn's cost in guest instructions in a
# second one under qemu -icount: bench/results/<date>-<kernel>.md and .png
# (scripts/bench/run). bench-quick (N <= 10 000, 3 runs; icount churn 5
# rounds x 2000 connections, the live read at 4, 32 and 128 cgroup rows)
# is part of make check.
bench:
	scripts/deps
	scripts/bench/run

bench-quick:
	scripts/deps
	scripts/bench/run --quick

.PHONY: bench bench-quick

# The debug-kernel tier (lockdep, KASAN, kmemleak, DEBUG_OBJECTS, UBSAN):
# build or reuse the kernel (cached in /var/cache/cwstat/dbg, keyed by its
# config), the module against it, and the whole selftest suite in one VM
# boot, stress.sh in a second one; then the churning tests on a KCSAN +
# lockdep kernel (/var/cache/cwstat/dbg-kcsan) (scripts/debug/check-debug).
# Not in make check: see Documentation/testing.md.
check-debug:
	scripts/debug/check-debug

# Both tiers, each to its end; fails if either did.
check-all:
	@rc=0; $(MAKE) check || rc=1; $(MAKE) check-debug || rc=1; exit $$rc

# One million CLOSE_WAIT sockets in a 12 GiB guest (~30 min under TCG).
check-million:
	scripts/check-million $(if $(filter command line,$(origin KERNELRELEASE)),$(KERNELRELEASE))

.PHONY: check-debug check-all check-million

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CWSTAT_COMPAT_H=$(COMPAT_H) clean || true
	rm -rf build module/.compat

help:
	@echo 'make                  module for KERNELRELEASE=$(KERNELRELEASE), and the tool'
	@echo 'make modules-all      module for every installed kernel, W=1, warnings fail'
	@echo 'make style            checkpatch.pl on module/'
	@echo 'make sparse           sparse (C=2) on every installed kernel'
	@echo 'make tools            the cwstat tool, in build/tools/'
	@echo 'make tools-test       its unit and command-line tests on the host'
	@echo 'make fuzz             its parser under libFuzzer for 60 s'
	@echo 'make check            all of the above plus the VM test matrix (core tier on all but the oldest and newest generic kernel)'
	@echo 'make check-matrix     make check with the full selftests on every kernel'
	@echo 'make selftest T=NAME  one selftest (NAME or NAME@scan) in a VM, on KREL= or the newest 6.1'
	@echo 'make check-deb-roots  the .deb installed, built by dkms and loaded on Debian 11, 13 and sid (roots); the arm64 tool run'
	@echo 'make check-containers Docker, Podman and ctr in a guest: cwstat counts and names their containers'
	@echo 'make demo             boot a VM and show cwstat counting'
	@echo 'make fresh-check      make demo and make check from a clean clone with empty caches, as a new machine'
	@echo 'make vm-shell         a shell in a VM with the module loaded'
	@echo 'make deps             install build and test dependencies (root)'
	@echo 'make install          DKMS install for KERNELRELEASE, tool in PREFIX=$(PREFIX), load at boot (root)'
	@echo 'make uninstall        undo make install (root)'
	@echo 'make deb              cwstat-dkms and cwstat .deb packages in build/deb/, lintian-checked'
	@echo 'make bench            benchmark against ss, /proc/net/tcp, node_exporter in a VM, and the churn in guest instructions (icount) in a second (~35 min), report in bench/results/'
	@echo 'make bench-quick      the same for N <= 10 000, 3 runs, 5 icount rounds, reads (~3 min), report in build/bench/quick/'
	@echo 'make check-debug      the selftests and stress tests on a lockdep/KASAN/kmemleak kernel, churn on a KCSAN kernel (cached; cold builds ~38 min + KCSAN)'
	@echo 'make check-all        make check, then make check-debug'
	@echo 'make check-million    1 000 000 CLOSE_WAIT sockets counted in scan and live mode, 12 GiB guest (~30 min)'

.PHONY: all module kdir tools tools-test fuzz modules-all sparse style selftests selftest deps check check-matrix check-deb-roots check-containers demo \
	fresh-check vm-shell clean help install uninstall deb

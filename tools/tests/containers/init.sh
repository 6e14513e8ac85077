# SPDX-License-Identifier: GPL-2.0
#
# The containers test's first step, in the initramfs (scripts/vm/containers
# boots it with the runtimes' root as /dev/vda): mount that root, give it
# the kernel's file systems and the payload, load cwstat.ko, and run
# guest.sh chrooted in it. A chroot onto a mounted file system, not the
# initramfs itself: runc's pivot_root cannot leave an initramfs.
set -e
r=/newroot
mkdir -p $r
mount -t ext4 /dev/vda $r
mount -t proc proc $r/proc
mount --rbind /sys $r/sys
mount --rbind /dev $r/dev
mount -t tmpfs -o mode=755 tmpfs $r/run
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
mkdir -p $r/ct $r/usr/local/bin
cp -a /ct/. $r/ct/
cp /usr/bin/cwstat $r/usr/local/bin/cwstat
insmod /lib/cwstat/cwstat.ko
exec chroot $r /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LC_ALL=C.UTF-8 /bin/bash /ct/guest.sh

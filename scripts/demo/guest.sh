# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM (busybox sh): two "containers", each a netns plus
# a cgroup running a leaky server, then clients, then the leak found and
# fixed. Every number shown comes from /proc/cwstat and, beside it, ss.

say() {
	echo
	echo "==> $*"
	sleep 1
}

# container NAME: a netns and a cgroup of that name, lo up.
container() {
	ip netns add "$1"
	ip netns exec "$1" ip link set lo up
	mkdir -p "/sys/fs/cgroup/demo/$1"
}

# in_container NAME CMD...: run CMD in the container's cgroup and netns.
# The cgroup first: ip netns exec mounts a sysfs of the netns's own, which
# has no cgroup2 under it.
in_container() {
	name=$1
	shift
	sh -c 'echo $$ > /sys/fs/cgroup/demo/'"$name"'/cgroup.procs &&
		exec ip netns exec "$0" "$@"' "$name" "$@"
}

close_wait_by_ss() {
	ip netns exec "$1" ss -Htan state close-wait | wc -l
}

say "Loading cwstat (kernel $(uname -r))"
insmod /lib/cwstat/cwstat.ko max_age_ms=0 || exit 1
dmesg | grep 'cwstat: version'

say "Starting two containers, 'shop' and 'billing', each with a server that never closes a connection"
container shop
container billing
in_container shop /usr/bin/leaky-server 8080 &
in_container billing /usr/bin/leaky-server 8080 &
sleep 1
shop_pid=$(ip netns pids shop)
billing_pid=$(ip netns pids billing)
echo "shop: pid $shop_pid, netns $(readlink /proc/"$shop_pid"/ns/net), cgroup $(cat /proc/"$shop_pid"/cgroup)"
echo "billing: pid $billing_pid, netns $(readlink /proc/"$billing_pid"/ns/net), cgroup $(cat /proc/"$billing_pid"/cgroup)"

say "Clients hit them: 40 requests to shop, 7 to billing; each client hangs up, the servers never close"
ip netns exec shop leaky-server --clients 8080 40
ip netns exec billing leaky-server --clients 8080 7
sleep 1

say "cat /proc/cwstat"
cat /proc/cwstat

say "Cross-check with ss, one namespace at a time (what you would do by hand today)"
echo "shop:    $(close_wait_by_ss shop) sockets in CLOSE-WAIT"
echo "billing: $(close_wait_by_ss billing) sockets in CLOSE-WAIT"

say "The cwstat tool: the same numbers for people, by name"
cwstat

say "Which process holds shop's sockets? (cwstat sockets, like ss -p for CLOSE_WAIT only)"
cwstat sockets --netns shop | head -n 6

say "A monitoring check (exit 2 = CRITICAL), and the Prometheus textfile output"
cwstat check --by netns --warn 5 --crit 20
echo "exit status $?"
cwstat prom | grep '^cwstat_close_wait_sockets'

say "Inside the billing container, /proc/net/cwstat shows billing only"
ip netns exec billing cat /proc/net/cwstat

say "shop's developers ship the fix: the server closes its sockets (SIGUSR1)"
kill -USR1 "$shop_pid"
sleep 1
cwstat
echo "shop:    $(close_wait_by_ss shop) sockets in CLOSE-WAIT (ss)"

say "Done; unloading"
kill "$shop_pid" "$billing_pid"
wait 2>/dev/null
rmmod cwstat

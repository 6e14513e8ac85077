#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shipped monitoring definitions (fleet/monitoring/) in the programs
# that read them, Debian's own:
#
#   - Nagios 4 loads check_cwstat-nagios.cfg beside Debian's stock object
#     files (templates, contacts, time periods) and a host node1, passes
#     its preflight (nagios4 -v), then runs as a daemon on a scratch
#     directory and executes the service's command line, sudo and all.
#     The oracle: what Nagios stored for the service (status.dat's
#     plugin_output and current_state) is what the same command line
#     prints and returns when run here directly.
#   - Icinga 2 validates check_cwstat-icinga2.conf in a global-templates
#     zone and check_cwstat-icinga2-service.conf in the master zone (where
#     a checkable with a command_endpoint must be), with a host that opts
#     in; the apply rule yields exactly one service, node1!cwstat, whose
#     command is cwstat with the shipped defaults. Icinga 2 is not run:
#     without an API listener and its certificates it schedules no
#     checkable of a zone.
#
# The plugin directory is a scratch one whose check_cwstat is the binary
# under test; nothing is installed and no daemon outlives the script.
#
# usage: tools/tests/plugin-hosts.sh [CWSTAT_BINARY]
# Prints "ok - ..." / "not ok - ..." lines and a final "N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cw=${1:-$top/build/tools/cwstat}
mon=$top/fleet/monitoring
deadline=${PLUGIN_HOSTS_DEADLINE:-60}
tmp=$(mktemp -d /tmp/cwstat-plugin-hosts.XXXXXX)
nagios_pid=
cleanup() {
	[[ -n $nagios_pid ]] && kill "$nagios_pid" 2>/dev/null && wait "$nagios_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=tools/tests/lib.sh
. "$here/lib.sh"

need_programs "Nagios 4, Icinga 2 and sudo are installed (scripts/deps)" nagios4 icinga2 sudo
need_binary "$cw"
mkdir -p "$tmp/plugins"
ln -s "$(readlink -f "$cw")" "$tmp/plugins/check_cwstat"

# ---- Nagios 4 ------------------------------------------------------------
ng=$tmp/nagios
mkdir -p "$ng/spool"
echo "\$USER1\$=$tmp/plugins" >"$ng/resource.cfg"
cat >"$ng/host.cfg" <<'EOF'
define command {
    command_name  host-up
    command_line  /bin/true
}
define host {
    use            linux-server
    host_name      node1
    address        127.0.0.1
    check_command  host-up
}
EOF
# Debian's stock objects, the shipped file, and what a scratch daemon
# needs: its files here, every check at once, nothing sent anywhere.
cat >"$ng/nagios.cfg" <<EOF
cfg_file=/etc/nagios4/objects/commands.cfg
cfg_file=/etc/nagios4/objects/contacts.cfg
cfg_file=/etc/nagios4/objects/timeperiods.cfg
cfg_file=/etc/nagios4/objects/templates.cfg
cfg_file=$ng/host.cfg
cfg_file=$mon/check_cwstat-nagios.cfg
resource_file=$ng/resource.cfg
log_file=$ng/nagios.log
object_cache_file=$ng/objects.cache
precached_object_file=$ng/objects.precache
status_file=$ng/status.dat
status_update_interval=1
lock_file=$ng/nagios.pid
temp_file=$ng/nagios.tmp
temp_path=$ng
check_result_path=$ng/spool
check_result_reaper_frequency=1
check_external_commands=0
nagios_user=$(id -un)
nagios_group=$(id -gn)
use_syslog=0
retain_state_information=0
enable_notifications=0
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
EOF
if nagios4 -v "$ng/nagios.cfg" >"$ng/preflight.log" 2>&1; then
	ok "Nagios 4 preflight: check_cwstat-nagios.cfg with Debian's stock objects, 0 errors, $(sed -n 's/^Total Warnings: *//p' "$ng/preflight.log") warnings"
else
	not_ok "Nagios 4 preflight: check_cwstat-nagios.cfg with Debian's stock objects" "$(grep -E 'Error|Warning' "$ng/preflight.log")"
	finish
fi

# The command line Nagios runs, expanded here from the shipped
# definitions: $USER1$ and the service's ARGn.
cmdline=$(sed -n 's/^ *command_line *//p' "$mon/check_cwstat-nagios.cfg" | head -n 1)
args=$(sed -n 's/^ *check_command *check_cwstat!//p' "$mon/check_cwstat-nagios.cfg")
IFS='!' read -r -a arg <<<"$args"
cmdline=${cmdline//\$USER1\$/$tmp/plugins}
for i in "${!arg[@]}"; do
	cmdline=${cmdline//\$ARG$((i + 1))\$/${arg[$i]}}
done
read -r -a argv <<<"$cmdline"
want_out=$("${argv[@]}" 2>/dev/null)
want_rc=$?

nagios4 "$ng/nagios.cfg" >"$ng/daemon.log" 2>&1 &
nagios_pid=$!
got_out= got_rc=
end=$((SECONDS + deadline))
while ((SECONDS < end)); do
	if [[ -r $ng/status.dat ]]; then
		svc=$(awk '/^servicestatus \{/ { s = 1 } s && /^\t}/ { s = 0 } s' "$ng/status.dat")
		if grep -q 'has_been_checked=1' <<<"$svc"; then
			got_out=$(sed -n 's/^\tplugin_output=//p' <<<"$svc")
			got_rc=$(sed -n 's/^\tcurrent_state=//p' <<<"$svc")
			break
		fi
	fi
	sleep 0.5
done
kill "$nagios_pid" 2>/dev/null
wait "$nagios_pid" 2>/dev/null
nagios_pid=
# status.dat keeps the first line of the output as plugin_output, and the
# performance data after '|' apart. Nagios writes each ';' of the text as
# ':' (its own field separator in logs and external commands).
want_first=${want_out%%$'\n'*}
want_first=${want_first%% |*}
want_first=${want_first//;/:}
if [[ -n $got_rc && $got_out == "$want_first" && $got_rc == "$want_rc" ]]; then
	ok "Nagios 4 ran check_cwstat through sudo as the shipped service says: state $got_rc, '${got_out:0:60}...'"
else
	not_ok "Nagios 4 ran check_cwstat through sudo as the shipped service says" \
		"Nagios: state '${got_rc}' output '${got_out}'" "direct: $cmdline" \
		"direct: state $want_rc output '$want_first'" "$(tail -n 5 "$ng/nagios.log" 2>/dev/null)"
fi

# ---- Icinga 2 ------------------------------------------------------------
ic=$tmp/icinga2
mkdir -p "$ic/zones.d/master" "$ic/zones.d/global-templates" "$ic/lib" "$ic/log" "$ic/cache" "$ic/spool" "$ic/run"
# Each file goes where its own comment says (zones.d/ZONE/ or conf.d/).
place() {
	local where
	where=$(grep -o -m 1 -E '/etc/icinga2/(zones\.d/[a-z-]+|conf\.d)/' "$mon/$1")
	where=${where#/etc/icinga2/}
	mkdir -p "$ic/$where" && cp "$mon/$1" "$ic/$where" && echo "$where"
}
cmd_dir=$(place check_cwstat-icinga2.conf)
svc_dir=$(place check_cwstat-icinga2-service.conf)
cat >"$ic/icinga2.conf" <<EOF
include <itl>
include <plugins>
const PluginDir = "$tmp/plugins"
object Endpoint NodeName { }
object Zone "master" { endpoints = [ NodeName ] }
object Zone "global-templates" { global = true }
include_zones "cwstat", "$ic/zones.d"
include_recursive "$ic/conf.d"
EOF
mkdir -p "$ic/conf.d"
# A host that opts in, and one that does not.
cat >"$ic/zones.d/master/hosts.conf" <<'EOF'
object Host NodeName {
  check_command = "dummy"
  vars.os = "Linux"
  vars.cwstat = true
  vars.agent_endpoint = NodeName
}
object Host "node2" {
  check_command = "dummy"
  vars.os = "Linux"
}
EOF
icinga=(-c "$ic/icinga2.conf" -DNodeName=node1 -DZoneName=master
	-DDataDir="$ic/lib" -DLogDir="$ic/log" -DCacheDir="$ic/cache"
	-DSpoolDir="$ic/spool" -DInitRunDir="$ic/run"
	-DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)")
if icinga2 daemon -C "${icinga[@]}" >"$ic/validate.log" 2>&1; then
	ok "Icinga 2 validates the CheckCommand in $cmd_dir and the service in $svc_dir, where their comments put them"
else
	not_ok "Icinga 2 validates the CheckCommand in ${cmd_dir:-?} and the service in ${svc_dir:-?}, where their comments put them" \
		"$(grep -E 'critical|error|\^\^\^' -A2 "$ic/validate.log" | head -n 20)"
	finish
fi
# object list reads the objects file validation wrote, as RunAsUser.
icinga_list=(-DCacheDir="$ic/cache" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)")
services=$(icinga2 object list --type Service "${icinga_list[@]}" 2>&1)
names=$(sed -n "s/^Object '\([^']*\)' of type 'Service'.*/\1/p" <<<"$services")
if [[ $names == "node1!cwstat" ]] &&
	grep -q '\* check_command = "cwstat"' <<<"$services" &&
	grep -q '\* command_endpoint = "node1"' <<<"$services"; then
	ok "Icinga 2: the apply rule gives node1!cwstat alone, run on node1's agent"
else
	not_ok "Icinga 2: the apply rule gives node1!cwstat alone, run on node1's agent" "$services"
fi
command=$(icinga2 object list --type CheckCommand --name cwstat "${icinga_list[@]}" 2>&1)
if grep -q "\"/usr/bin/sudo\", \"-n\", \"$tmp/plugins/check_cwstat\"" <<<"$command" &&
	grep -q '\* cwstat_by = "container"' <<<"$command"; then
	ok "Icinga 2: CheckCommand cwstat runs PluginDir/check_cwstat through sudo -n, --by container by default"
else
	not_ok "Icinga 2: CheckCommand cwstat runs PluginDir/check_cwstat through sudo -n, --by container by default" "$command"
fi
finish

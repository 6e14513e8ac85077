#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cwstat tool's command line on the host, where no module can load:
# saved copies of /proc/cwstat (tests/fixtures), exit codes, usage
# messages, the man page, promtool and jq on the machine outputs, and
# node_exporter's textfile collector as a real consumer of `cwstat prom`.
#
# usage: tools/tests/cli.sh [CWSTAT_BINARY]
# Prints "ok - ..." / "not ok - ..." lines and a final "N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cw=${1:-$here/../../build/tools/cwstat}
fx=$here/fixtures
tmp=$(mktemp -d /tmp/cwstat-cli.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=tools/tests/lib.sh
. "$here/lib.sh"

# run ARGS...: the tool's stdout, stderr and status in $out, $err, $rc.
run() {
	"$cw" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect DESC STATUS [STDOUT-REGEX [STDERR-REGEX]] -- ARGS...
expect() {
	local desc=$1 want=$2 re_out=${3:-} re_err=${4:-}
	shift 4
	[[ ${1:-} == -- ]] && shift
	run "$@"
	if [[ $rc -ne $want ]]; then
		not_ok "$desc" "exit $rc, want $want" "stdout: $out" "stderr: $err"
	elif [[ -n $re_out ]] && ! grep -Eq -- "$re_out" <<<"$out"; then
		not_ok "$desc" "stdout does not match /$re_out/:" "$out"
	elif [[ -n $re_err ]] && ! grep -Eq -- "$re_err" <<<"$err"; then
		not_ok "$desc" "stderr does not match /$re_err/:" "$err"
	else
		ok "$desc"
	fi
}

# promtool check metrics on stdin, less the two lints that the age
# buckets' documented gauge form draws in text 0.0.4 (cwstat(8), METRICS):
# a gauge named _bucket, with an le label. Any other problem fails.
promlint() {
	local o rc
	o=$(promtool check metrics 2>&1)
	rc=$?
	if [[ $rc -eq 3 ]]; then
		o=$(grep -vx -e 'cwstat_close_wait_age_seconds_bucket non-histogram metrics should not have "_bucket" suffix' \
			-e 'cwstat_close_wait_age_seconds_bucket non-histogram metrics should not have "le" label' <<<"$o")
		[[ -z $o ]] && rc=0
	fi
	printf '%s\n' "$o"
	return "$rc"
}

need_binary "$cw"

demo=$fx/demo.txt

# ---- version, help, usage -------------------------------------------------
expect "--version names the format" 0 '^cwstat .+ \(format v1\)$' '' -- --version
for c in show prom check sockets reap; do
	expect "$c --help prints its usage on stdout" 0 '^usage: cwstat' '' -- "$c" --help
	expect "$c -h prints its usage on stdout" 0 '^usage: cwstat' '' -- "$c" -h
done
expect "help check" 0 'Monitoring-plugin' '' -- help check
expect "help show" 0 '^usage: cwstat' '' -- help show
expect "help with no command" 0 '^usage: cwstat' '' -- help
expect "help bogus is a usage error (2)" 2 '' "no help for 'bogus'" -- help bogus
expect "help show extra is a usage error (2)" 2 '' "unexpected argument 'extra'" -- help show extra
expect "an unknown command is a usage error (2)" 2 '' "unknown command 'frob'.*|Try 'cwstat --help'" -- frob
expect "an unknown flag is a usage error (2)" 2 '' "Try 'cwstat --help'" -- --frob
run --frob
if [[ $rc -eq 2 && $err == "cwstat: unrecognized option '--frob'"$'\n'"Try 'cwstat --help'." ]]; then
	ok "an unknown flag: one error line and the hint, as in the subcommands"
else
	not_ok "an unknown flag: one error line and the hint, as in the subcommands" "$err"
fi
expect "a missing argument is a usage error naming the option" 2 '' "^cwstat: option '--by' needs an argument" -- --by
expect "prom -o json is a usage error (2), not JSON" 2 '^$' "prom: -o json: prom prints Prometheus metrics" -- prom -o json --input "$fx/demo.txt"
expect "prom -o table is a usage error (2)" 2 '^$' "prom: -o table" -- prom -o table --input "$fx/demo.txt"
expect "prom -o prom is the text format" 0 '^cwstat_close_wait_sockets_all 47$' '' -- prom -o prom --input "$fx/demo.txt"
expect "show -o openmetrics ends with # EOF" 0 '^# EOF$' '' -- show -o openmetrics --input "$fx/demo.txt"
expect "an unknown output format is a usage error" 2 '' "unknown output format 'xml'" -- --input "$demo" -o xml
expect "an unknown view is a usage error" 2 '' "unknown view 'pod'" -- --input "$demo" --by pod
expect "--watch 0 is a usage error" 2 '' 'watch' -- --watch 0
expect "--watch junk is a usage error" 2 '' 'watch' -- --watch 5x
expect "--input with --source is a usage error" 2 '' 'exclude' -- --input "$demo" --source diag
expect "--all-netns with the module is a usage error" 2 '' 'all-netns' -- --source module --all-netns
expect "sockets: an unknown flag is a usage error" 2 '' "cwstat sockets --help" -- sockets --frob
expect "sockets: no prom output" 2 '' 'prom' -- sockets -o prom
expect "sockets: a bad duration is a usage error" 2 '' '' -- sockets --older-than 1x
expect "sockets: a bad port is a usage error" 2 '' '' -- sockets --port 70000
expect "help reap" 0 'dry run' '' -- help reap
expect "reap: --older-than is required" 2 '' 'older-than is required' -- reap
expect "reap: --older-than 59 is refused" 2 '' 'at least 60s' -- reap --older-than 59
expect "reap: --older-than 59s is refused" 2 '' 'at least 60s' -- reap --older-than 59s --yes
expect "reap: --older-than 0 is refused" 2 '' 'at least 60s' -- reap --older-than 0
expect "reap: a bad duration" 2 '' "bad duration '1x'" -- reap --older-than 1x
expect "reap: a duration past 2^32 s" 2 '' 'bad duration' -- reap --older-than 50000d
expect "reap: port 0" 2 '' "bad port '0'" -- reap --older-than 1h --port 0
expect "reap: port 65536" 2 '' "bad port" -- reap --older-than 1h --port 65536
expect "reap: port junk" 2 '' "bad port" -- reap --older-than 1h --port 80x
expect "reap: --max 0" 2 '' "bad --max" -- reap --older-than 1h --max 0
expect "reap: --max 1000001" 2 '' "bad --max" -- reap --older-than 1h --max 1000001
expect "reap: a relative cgroup" 2 '' "bad cgroup" -- reap --older-than 1h --cgroup system.slice
expect "reap: an empty netns" 2 '' "bad netns" -- reap --older-than 1h --netns ''
expect "reap: netns inode 0" 2 '' "bad netns" -- reap --older-than 1h --netns 0
expect "reap: netns inode past 2^32" 2 '' "bad netns" -- reap --older-than 1h --netns 4294967296
expect "reap: an unknown flag" 2 '' "cwstat reap --help" -- reap --older-than 1h --frob
expect "reap: a missing argument" 2 '' "needs an argument" -- reap --older-than
expect "reap: an extra argument" 2 '' "unexpected argument" -- reap --older-than 1h now
expect "reap: no module here (exit 1, says why and what is needed)" 1 '' 'cwstat_reap: the cwstat module is not loaded. reap needs it, in live mode \(modprobe cwstat\), for a dry run too: only the module knows how long.*cwstat sockets --older-than' -- reap --older-than 1h

# ---- serve: its command line (tools/tests/stack.sh scrapes it) ------------
expect "serve --help" 0 '^usage: cwstat serve' '' -- serve --help
expect "help serve" 0 '^usage: cwstat serve' '' -- help serve
expect "serve: an unknown flag is a usage error" 2 '' "^cwstat serve: unrecognized option '--frob'" -- serve --frob
expect "serve: an extra argument is a usage error" 2 '' "unexpected argument 'now'" -- serve now
expect "serve: --listen without a port" 2 '' "bad --listen '127.0.0.1'" -- serve --listen 127.0.0.1
expect "serve: --listen with a name, not an address" 2 '' "bad --listen 'localhost:9979'" -- serve --listen localhost:9979
expect "serve: --listen with an IPv6 address out of brackets" 2 '' "in brackets" -- serve --listen ::1:9979
expect "serve: --input - is refused (read once)" 2 '' 'standard input' -- serve --input -
expect "serve: --by pod is a usage error" 2 '' "unknown view 'pod'" -- serve --by pod
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$tmp/busy" &
pids+=($!)
for _ in $(seq 50); do [[ -s $tmp/busy ]] && break; sleep 0.1; done
expect "serve: a port in use: exit 1, says so" 1 '' "cannot listen on 127.0.0.1:$(cat "$tmp/busy"): Address already in use" \
	-- serve --listen "127.0.0.1:$(cat "$tmp/busy")" --input "$fx/demo.txt"
kill "${pids[-1]}" 2>/dev/null

# ---- reading saved copies -------------------------------------------------
expect "a missing input file: exit 1, says which" 1 '' "cannot open $tmp/nope" -- --input "$tmp/nope"
printf 'version=1\ntotal close_wait=1 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n' >"$tmp/bad-sum.txt"
expect "an input whose rows do not add up: exit 3, file:line" 3 '' "bad-sum.txt:2:" -- --input "$tmp/bad-sum.txt"
printf 'version=2\n' >"$tmp/v2.txt"
expect "format version 2: exit 3, says so" 3 '' "v2.txt:1:.*version" -- --input "$tmp/v2.txt"
printf 'version=1 mode=live\ntotal close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0\n' >"$tmp/v1-more.txt"
expect "an unknown key on the version line is ignored (format rule)" 0 '^total +0 ' '' -- --input "$tmp/v1-more.txt"
printf 'version=1\ntotal close_wait=0 recvq_bytes=0 rmem_bytes=0 oldest_idle_s=0' >"$tmp/trunc.txt"
expect "a truncated input: exit 3" 3 '' "trunc.txt:2:" -- --input "$tmp/trunc.txt"
expect "reads standard input with --input -" 0 '^total +47 ' '' -- --input - <"$demo"
run --input - <"$tmp/v2.txt"
if [[ $rc -eq 3 && $err == *'<stdin>:1:'* ]]; then
	ok "a malformed standard input is named <stdin>"
else
	not_ok "a malformed standard input is named <stdin>" "rc=$rc" "$err"
fi

# ---- table ----------------------------------------------------------------
expect "table: the total row" 0 '^total +47 +846 ' '' -- --input "$demo"
expect "table: a netns row" 0 '^netns 4026532116 +40 ' '' -- --input "$demo"
expect "table: cgroups indented under their netns" 0 '^  /demo/shop +40 ' '' -- --input "$demo"
expect "table: idle age for people" 0 ' 2s$' '' -- --input "$demo"
run --input "$demo"
if [[ $(sed -n 2p <<<"$out") == total* && $(sed -n 3p <<<"$out") == 'netns 4026532116'* &&
	$(sed -n 5p <<<"$out") == 'netns 4026532169'* ]]; then
	ok "table: sorted by count, biggest first"
else
	not_ok "table: sorted by count, biggest first" "$out"
fi
expect "--by total: one row" 0 '^total +47 ' '' -- --input "$demo" --by total
run --input "$demo" --by total
if [[ $(wc -l <<<"$out") -eq 2 ]]; then ok "--by total prints header and total only"; else not_ok "--by total prints header and total only" "$out"; fi
expect "--by netns: no cgroup rows" 0 '^netns 4026532169 +7 ' '' -- --input "$demo" --by netns
run --input "$demo" --by netns
if grep -q '/demo' <<<"$out"; then not_ok "--by netns hides cgroups" "$out"; else ok "--by netns hides cgroups"; fi
expect "--by cgroup: paths at top level" 0 '^/demo/billing +7 ' '' -- --input "$demo" --by cgroup
expect "many: --by cgroup sums a cgroup over netns" 0 '' '' -- --input "$fx/many.txt" --by cgroup

# ---- json -----------------------------------------------------------------
run --input "$demo" -o json
if [[ $rc -eq 0 ]] && jq -e . <<<"$out" >/dev/null 2>&1; then
	ok "json: valid JSON"
else
	not_ok "json: valid JSON" "$out"
fi
if [[ $(wc -l <<<"$out") -eq 1 ]]; then ok "json: one line"; else not_ok "json: one line"; fi
got=$(jq -r '[.version, .source, .total.close_wait, (.netns | length),
	.netns[0].ns, .netns[0].cgroups[0].path, .netns[0].cgroups[0].close_wait,
	.netns[1].cgroups[0].rmem_bytes, .total.oldest_s, .total.sockets] | map(tostring) | join(" ")' <<<"$out" 2>&1)
want="1 file 47 2 4026532116 /demo/shop 40 9086 null 94"
if [[ $got == "$want" ]]; then ok "json: the demo's numbers"; else not_ok "json: the demo's numbers" "got:  $got" "want: $want"; fi
run --input "$fx/escapes.txt" -o json
if [[ $rc -eq 0 ]] && jq -e . <<<"$out" >/dev/null 2>&1; then
	ok "json: escaped cgroup paths give valid JSON"
else
	not_ok "json: escaped cgroup paths give valid JSON" "$out"
fi

# ---- prom -----------------------------------------------------------------
for f in "$fx"/*.txt; do
	run prom --input "$f"
	if [[ $rc -ne 0 ]]; then
		not_ok "prom ${f##*/}: exit 0" "rc=$rc" "$err"
		continue
	fi
	if lint=$(promlint <<<"$out"); then
		ok "prom ${f##*/}: promtool check metrics"
	else
		not_ok "prom ${f##*/}: promtool check metrics" "$lint"
	fi
done
run prom --input "$demo"
if grep -qx 'cwstat_close_wait_sockets{netns="4026532116",netns_name="",cgroup="/demo/shop",namespace="",pod="",uid="",container="",container_id=""} 40' <<<"$out" &&
	grep -qx 'cwstat_close_wait_sockets_all 47' <<<"$out"; then
	ok "prom: the demo's samples"
else
	not_ok "prom: the demo's samples" "$out"
fi
live=$fx/live.txt
rt=$fx/runtime
run prom --input "$live"
if grep -qx 'cwstat_info{version="[^"]*",mode="live",source="file"} 1' <<<"$out"; then
	ok "prom: cwstat_info names mode and source"
else
	not_ok "prom: cwstat_info names mode and source" "$(grep info <<<"$out")"
fi
run prom --input "$demo"
if grep -qx 'cwstat_info{version="[^"]*",mode="scan",source="file"} 1' <<<"$out" &&
	! grep -q '_age_seconds' <<<"$out"; then
	ok "prom: scan mode, no age histogram"
else
	not_ok "prom: scan mode, no age histogram" "$out"
fi
run prom --input "$live" --runtime-root "$rt"
docker='namespace="",pod="",uid="",container="billing-worker",container_id="docker://fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"'
ctrd='namespace="prod",pod="shop-7d9f\u00e9",uid="1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",container="app",container_id="containerd://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"'
ctrd=$(printf '%b' "${ctrd//\\u00e9/\\xc3\\xa9}")
crio='namespace="edge",pod="front-5c6b",uid="11111111-2222-3333-4444-555555555555",container="web",container_id="cri-o://aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999"'
if grep -qF "cgroup=\"/system.slice/docker-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope\",$docker} 5" <<<"$out" &&
	grep -qF "$ctrd} 2" <<<"$out" && grep -qF "$crio} 2" <<<"$out"; then
	ok "prom: namespace, pod, uid, container, container_id from fake containerd, CRI-O and Docker trees"
else
	not_ok "prom: namespace, pod, uid, container, container_id from fake containerd, CRI-O and Docker trees" "$(grep '^cwstat_close_wait_sockets{' <<<"$out")"
fi
if grep -Eq '(pod_uid|container_name|exported_[a-z]*)=' <<<"$out"; then
	not_ok "prom: none of the labels 0.1.0 had (pod_uid, container_name)" "$out"
else
	ok "prom: none of the labels 0.1.0 had (pod_uid, container_name)"
fi
run prom --input "$live"
if grep -qF 'container="unknown",container_id="docker://' <<<"$out" && grep -qF 'namespace="unknown",pod="unknown",uid="1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",container="unknown",container_id="containerd://' <<<"$out"; then
	ok "prom: without runtime files (--input) names are unknown, and nothing fails"
else
	not_ok "prom: without runtime files (--input) names are unknown, and nothing fails" "$out"
fi
run prom --input "$live" --runtime-root "$tmp/nothing-here"
if [[ $rc -eq 0 ]] && grep -qF 'container="unknown",container_id="containerd://' <<<"$out"; then
	ok "prom: a runtime root that does not exist: unknown names, exit 0"
else
	not_ok "prom: a runtime root that does not exist: unknown names, exit 0" "rc=$rc" "$err"
fi
# The ages: cumulative buckets up to +Inf, which is close_wait; in text
# 0.0.4 each bucket a gauge (no histogram type, no _sum or _count that
# node_exporter or rate() would read as a histogram's).
run prom --input "$live" --by container --runtime-root "$rt"
want="0 1 2 3 4 5"
got=$(grep -F "$docker" <<<"$out" | grep '^cwstat_close_wait_age_seconds_' | awk '{printf "%s%s", sep, $2; sep=" "}')
if [[ $got == "$want" ]] && grep -qF "cwstat_close_wait_age_seconds_bucket{$docker,le=\"+Inf\"} 5" <<<"$out" &&
	grep -qF "cwstat_close_wait_age_seconds_bucket{$docker,le=\"60.0\"} 2" <<<"$out" &&
	grep -qx '# TYPE cwstat_close_wait_age_seconds_bucket gauge' <<<"$out" &&
	! grep -Eq '^# TYPE .* histogram|_age_seconds_(sum|count|gcount|gsum)' <<<"$out"; then
	ok "prom: age buckets cumulative to +Inf, each a gauge, no _sum or _count"
else
	not_ok "prom: age buckets cumulative to +Inf, each a gauge, no _sum or _count" "got:  $got" "want: $want" "$(grep _age_ <<<"$out" | head -3)"
fi
run prom -o openmetrics --input "$live" --by container --runtime-root "$rt"
if [[ $rc -eq 0 ]] && grep -qx '# TYPE cwstat_close_wait_age_seconds gaugehistogram' <<<"$out" &&
	grep -qF "cwstat_close_wait_age_seconds_bucket{$docker,le=\"+Inf\"} 5" <<<"$out" &&
	! grep -Eq '_age_seconds_(sum|count|gcount|gsum)' <<<"$out" && [[ $(tail -n 1 <<<"$out") == '# EOF' ]]; then
	ok "prom -o openmetrics: the ages a gauge histogram, the same bucket series, # EOF"
else
	not_ok "prom -o openmetrics: the ages a gauge histogram, the same bucket series, # EOF" "rc=$rc" "$(grep -e _age_ -e EOF <<<"$out" | head -3)"
fi
run prom --input "$live" --runtime-root "$rt"
text=$(grep -v '^#' <<<"$out")
run prom -o openmetrics --input "$live" --runtime-root "$rt"
if [[ $(grep -v '^#' <<<"$out") == "$text" ]]; then
	ok "prom -o openmetrics: the very samples of text 0.0.4"
else
	not_ok "prom -o openmetrics: the very samples of text 0.0.4" "$(diff <(echo "$text") <(grep -v '^#' <<<"$out") | head -5)"
fi
for by in tree total netns cgroup container; do
	run prom --input "$live" --by "$by" --runtime-root "$rt"
	if [[ $rc -eq 0 ]] && lint=$(promlint <<<"$out"); then
		ok "prom --by $by: promtool check metrics"
	else
		not_ok "prom --by $by: promtool check metrics" "rc=$rc" "$lint"
	fi
done
run prom --input "$live" --by netns
if grep -qx 'cwstat_close_wait_sockets{netns="4026531840",netns_name=""} 8' <<<"$out" && ! grep -q 'cgroup=' <<<"$out"; then
	ok "prom --by netns: one series per netns, no cgroup label"
else
	not_ok "prom --by netns: one series per netns, no cgroup label" "$out"
fi
run prom --input "$live" --by total
if grep -qx 'cwstat_close_wait_sockets 12' <<<"$out" && grep -qx 'cwstat_close_wait_age_seconds_bucket{le="60.0"} 6' <<<"$out"; then
	ok "prom --by total: unlabelled series"
else
	not_ok "prom --by total: unlabelled series" "$out"
fi
run prom --input "$live" --by container
if [[ $(grep -c '^cwstat_close_wait_sockets{' <<<"$out") -eq 4 ]] && ! grep -q 'cgroup=' <<<"$out" &&
	grep -qx 'cwstat_close_wait_sockets{namespace="",pod="",uid="",container="",container_id=""} 3' <<<"$out"; then
	ok "prom --by container: one series per container, the rest in one"
else
	not_ok "prom --by container: one series per container, the rest in one" "$out"
fi
run --input "$live" --by container --runtime-root "$rt"
if grep -qE '^containerd:0123456789ab prod/shop-7d9f.*/app +2 ' <<<"$out" && grep -qE '^docker:fedcba987654 billing-worker +5 ' <<<"$out" &&
	grep -qE '^crio:aaaabbbbcccc edge/front-5c6b/web +2 ' <<<"$out"; then
	ok "table: containers named from the runtime files"
else
	not_ok "table: containers named from the runtime files" "$out"
fi
# Podman under the cgroupfs driver (/libpod_parent/libpod-<id>), named
# from containers/storage's containers.json; containerd's own default
# cgroup (ctr run: /NAMESPACE/ID), a container only where its task's
# config.json names that cgroup. Shapes as Debian 12's podman 4.3 and
# containerd 1.6 write them (make check-containers runs the real ones).
run prom --by cgroup --input "$fx/runtimes.txt" --runtime-root "$rt"
if [[ $rc -eq 0 ]] &&
	grep -qx 'cwstat_close_wait_sockets{cgroup="/libpod_parent/libpod-1ebc17f4e9f427a006c88ab7d2a0b73b9015531bf0825db0324db75ce20f7be9",namespace="",pod="",uid="",container="leak-podman",container_id="podman://1ebc17f4e9f427a006c88ab7d2a0b73b9015531bf0825db0324db75ce20f7be9"} 5' <<<"$out" &&
	grep -qx 'cwstat_close_wait_sockets{cgroup="/default/leak-ctr",namespace="",pod="",uid="",container="leak-ctr",container_id="containerd://leak-ctr"} 7' <<<"$out" &&
	grep -qx 'cwstat_close_wait_sockets{cgroup="/default/gone",namespace="",pod="",uid="",container="",container_id=""} 3' <<<"$out" &&
	grep -qx 'cwstat_close_wait_sockets{cgroup="/default/..",namespace="",pod="",uid="",container="",container_id=""} 1' <<<"$out"; then
	ok "prom: Podman (cgroupfs) and ctr's containers named, /NS/ID without a task is none"
else
	not_ok "prom: Podman (cgroupfs) and ctr's containers named, /NS/ID without a task is none" "rc=$rc" "$out"
fi
run --by container --input "$fx/runtimes.txt" --runtime-root "$rt"
if grep -qE '^containerd:leak-ctr leak-ctr +7 ' <<<"$out" && grep -qE '^podman:1ebc17f4e9f4 leak-podman +5 ' <<<"$out"; then
	ok "table: Podman (cgroupfs) and ctr's containers named"
else
	not_ok "table: Podman (cgroupfs) and ctr's containers named" "$out"
fi
run prom --by cgroup --input "$fx/runtimes.txt" --no-names
if [[ $rc -eq 0 ]] && grep -qF 'cgroup="/default/leak-ctr",namespace="",pod="",uid="",container="",container_id=""} 7' <<<"$out"; then
	ok "prom --no-names: a ctr cgroup is no container without the runtime's files"
else
	not_ok "prom --no-names: a ctr cgroup is no container without the runtime's files" "$out"
fi
run --input "$live"
if [[ $(awk '{ print length }' <<<"$out" | sort -n | tail -1) -lt 80 ]] && grep -q '^  containerd:0123456789ab ' <<<"$out"; then
	ok "table: kubelet and docker paths shortened, under 80 columns"
else
	not_ok "table: kubelet and docker paths shortened, under 80 columns" "$out"
fi
run --input "$live" -o json --runtime-root "$rt"
got=$(jq -r '.netns[1].cgroups[0] | [.path, .container_id, .pod_uid, .pod, .namespace, .container_name] | join(" ")' <<<"$out")
if [[ $got == /kubepods.slice/*cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope' containerd://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d shop-7d9f'*' prod app' ]]; then
	ok "json: the full path and the container's ids and names"
else
	not_ok "json: the full path and the container's ids and names" "$got"
fi
expect "table: RECVQ in the same units as RMEM" 0 '^total +12 +2\.0K +12\.0K ' '' -- --input "$live"
expect "show -o prom is prom" 0 '^cwstat_close_wait_sockets_all 47$' '' -- show --input "$demo" -o prom
run prom --input "$fx/empty.txt"
if grep -qx 'cwstat_close_wait_sockets_all 0' <<<"$out"; then
	ok "prom: an idle host still reports 0"
else
	not_ok "prom: an idle host still reports 0" "$out"
fi

# ---- check ----------------------------------------------------------------
expect "check: under both thresholds is OK (0)" 0 '^CWSTAT OK - 47 sockets in CLOSE_WAIT.* \| close_wait=47;50;100;0 ' '' -- check --input "$demo" --warn 50 --crit 100
expect "check: at the warning threshold is still OK" 0 '^CWSTAT OK' '' -- check --input "$demo" --warn 47 --crit 100
expect "check: above warn is WARNING (1)" 1 '^CWSTAT WARNING - 47 ' '' -- check --input "$demo" --warn 46 --crit 100
expect "check: above crit is CRITICAL (2)" 2 '^CWSTAT CRITICAL - 47 ' '' -- check --input "$demo" --warn 10 --crit 46
expect "check: -w/-c short forms" 2 '^CWSTAT CRITICAL' '' -- check --input "$demo" -w 10 -c 20
expect "check: a lower bound range (100:) fires below" 2 '^CWSTAT CRITICAL' '' -- check --input "$demo" --crit 100:
expect "check: an inside range (@40:50)" 1 '^CWSTAT WARNING' '' -- check --input "$demo" --warn @40:50
expect "check --by netns names the worst netns" 1 '^CWSTAT WARNING - worst netns 4026532116: 40 in CLOSE_WAIT' '' -- check --input "$demo" --by netns --warn 30 --crit 45
expect "check --by cgroup names the worst cgroup" 2 '^CWSTAT CRITICAL - worst /demo/shop: 40 ' '' -- check --input "$demo" --by cgroup --warn 5 --crit 30
expect "check --by cgroup: only billing over 5 when shop is allowed" 0 '^CWSTAT OK' '' -- check --input "$demo" --by cgroup --warn 41
expect "check --max-age: idle 2s over 1s warns" 1 'age above threshold' '' -- check --input "$demo" --max-age 1s
expect "check --max-age: idle 2s under 1m is OK" 0 '^CWSTAT OK' '' -- check --input "$demo" --max-age 1m
expect "check --max-age-crit" 2 '^CWSTAT CRITICAL' '' -- check --input "$demo" --max-age 1s --max-age-crit 1s
# Monitoring Plugins guidelines: usage errors too are a status line on
# stdout and exit 3; nothing on stderr, which monitoring systems drop.
expect "check: warn looser than crit is accepted (-w 100 -c 50:)" 2 '^CWSTAT CRITICAL - 47 .*close_wait=47;100;50:;0 ' '' -- check --input "$demo" -w 100 -c 50:
expect "check: warn above crit, crit fires first" 2 '^CWSTAT CRITICAL' '' -- check --input "$demo" --warn 100 --crit 40
expect "check: warn above crit, warn alone" 0 '^CWSTAT OK' '' -- check --input "$demo" --warn 100 --crit 50
expect "check: a negative bound (-5:) never fires for counts" 0 '^CWSTAT OK' '' -- check --input "$demo" --warn -5:
expect "check: a decimal bound (46.5)" 1 '^CWSTAT WARNING' '' -- check --input "$demo" --warn 46.5
expect "check: an empty range (-5) is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - bad threshold' '' -- check --input "$demo" --warn -5
expect "check: a non-numeric threshold is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - bad threshold .lots.' '' -- check --input "$demo" --crit lots
expect "check: an unknown flag is UNKNOWN on stdout" 3 "^CWSTAT UNKNOWN - unrecognized option '--frob'" '' -- check --input "$demo" --frob
expect "check: an unknown short flag is UNKNOWN on stdout" 3 "^CWSTAT UNKNOWN - unknown option '-x'" '' -- check --input "$demo" -x
expect "check: a missing argument is UNKNOWN on stdout" 3 "^CWSTAT UNKNOWN - option '--warn' needs an argument" '' -- check --input "$demo" --warn
expect "check: an extra argument is UNKNOWN on stdout" 3 "^CWSTAT UNKNOWN - unexpected argument 'now'" '' -- check --input "$demo" -w 1 now
expect "check: no threshold at all is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - give at least one' '' -- check --input "$demo"
expect "check: --by tree is not a check" 3 '^CWSTAT UNKNOWN - unknown view' '' -- check --input "$demo" --by tree --warn 1
expect "check: a bad --source is UNKNOWN on stdout" 3 "^CWSTAT UNKNOWN - unknown source 'x'" '' -- check --source x -w 1
expect "check: --input with --source is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - --input and --source' '' -- check --input "$demo" --source diag -w 1
expect "check: a bad --max-age is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - --max-age wants' '' -- check --input "$demo" --max-age 0
expect "check: a bad -t is UNKNOWN on stdout" 3 '^CWSTAT UNKNOWN - -t wants' '' -- check --input "$demo" -w 1 -t soon
run check --input "$demo" --frob
if [[ -z $err ]]; then ok "check: a usage error writes nothing on stderr"; else not_ok "check: a usage error writes nothing on stderr" "$err"; fi
ln -s "$(readlink -f "$cw")" "$tmp/check_cwstat"
"$tmp/check_cwstat" --input "$demo" -w 10 -c 100 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -eq 1 && ! -s $tmp/err ]] && grep -q '^CWSTAT WARNING - 47 sockets in CLOSE_WAIT' "$tmp/out"; then
	ok "check_cwstat (a link to cwstat, the plugin's name) is cwstat check"
else
	not_ok "check_cwstat (a link to cwstat, the plugin's name) is cwstat check" "rc=$rc" "$(cat "$tmp/out" "$tmp/err")"
fi
for o in "--input $demo" "--sysfs $tmp" "--runtime-root $tmp"; do
	# shellcheck disable=SC2086 # an option and its value
	SUDO_UID=1000 "$tmp/check_cwstat" $o -w 10 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc -eq 3 && ! -s $tmp/err ]] && grep -q '^CWSTAT UNKNOWN - check_cwstat through sudo reads the live counts only' "$tmp/out"; then
		ok "check_cwstat through sudo refuses ${o%% *} (a file the caller names, read as root)"
	else
		not_ok "check_cwstat through sudo refuses ${o%% *} (a file the caller names, read as root)" "rc=$rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
done
expect "cwstat check through sudo still reads --input (not the plugin)" 1 '^CWSTAT WARNING' '' -- check --input "$demo" -w 10
expect "check -V prints the version, exits 0" 0 '^cwstat check .+ \(format v1\)$' '' -- check -V
expect "check --version prints the version, exits 0" 0 '^cwstat check .+ \(format v1\)$' '' -- check --version
# -t: a source that never answers (a pipe that stays open) times out.
start=$SECONDS
"$cw" check --input - -w 1 -t 1 < <(sleep 6) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -eq 3 && $(cat "$tmp/out") == 'CWSTAT UNKNOWN - timed out after 1s (-t)' && $((SECONDS - start)) -lt 5 ]]; then
	ok "check -t 1: UNKNOWN after a second on a source that hangs"
else
	not_ok "check -t 1: UNKNOWN after a second on a source that hangs" "rc=$rc" "$(cat "$tmp/out")"
fi
run check --input "$demo" --by cgroup -w 5 -c 30 -v
if [[ $rc -eq 2 && $(wc -l <<<"$out") -eq 3 && $(sed -n 2p <<<"$out") == 'CRITICAL /demo/shop: 40 in CLOSE_WAIT, idle 2s' &&
	$(sed -n 3p <<<"$out") == 'WARNING /demo/billing: 7 in CLOSE_WAIT, idle'* ]]; then
	ok "check -v: one line per alerting row after the status line"
else
	not_ok "check -v: one line per alerting row after the status line" "$out"
fi
run check --input "$demo" --by cgroup -w 10 -c 30 -v
if [[ $(wc -l <<<"$out") -eq 2 ]]; then ok "check -v: OK rows are left out"; else not_ok "check -v: OK rows are left out" "$out"; fi
run check --input "$demo" --by cgroup -w 10 -c 30 -vv
if [[ $(sed -n 3p <<<"$out") == 'OK /demo/billing: 7 in CLOSE_WAIT'* ]]; then ok "check -vv: every row"; else not_ok "check -vv: every row" "$out"; fi
run check --input "$demo" -w 10 -vvv
if grep -qx 'source: a saved copy (--input)' <<<"$out"; then ok "check -vvv: names the source"; else not_ok "check -vvv: names the source" "$out"; fi
expect "check: a missing input is UNKNOWN with a status line" 3 '^CWSTAT UNKNOWN - cannot open' '' -- check --input "$tmp/nope" --warn 1
expect "check: a malformed input is UNKNOWN" 3 '^CWSTAT UNKNOWN - .*v2.txt:1:' '' -- check --input "$tmp/v2.txt" --warn 1
expect "check: an empty host is OK" 0 '^CWSTAT OK - 0 sockets' '' -- check --input "$fx/empty.txt" --warn 1 --crit 2

run check --input "$fx/live.txt" --runtime-root "$fx/runtime" --by container -w 1 -c 4 -v
if [[ $rc -eq 2 ]] && grep -q '^CWSTAT CRITICAL - worst docker:fedcba987654 billing-worker: 5 in CLOSE_WAIT' <<<"$out" &&
	grep -q '^WARNING containerd:0123456789ab prod/shop-7d9f.*/app: 2 in CLOSE_WAIT' <<<"$out"; then
	ok "check --by container names containers by id and pod, not by path"
else
	not_ok "check --by container names containers by id and pod, not by path" "$out"
fi

# ---- the module's health (--sysfs) ------------------------------------------
# The health files of /sys/kernel/cwstat, as the module writes them. A
# saved copy (--input) gets its health only from --sysfs; the module's
# counts get it from /sys/kernel/cwstat, which the VM tests exercise.
# mksys DIR MODE CAPPED UNRESOLVED TRACKED_OVERFLOW
mksys() {
	mkdir -p "$1"
	echo "$2" >"$1/mode"
	echo "$3" >"$1/capped"
	echo "$4" >"$1/unresolved"
	echo "$5" >"$1/tracked_overflow"
}
mksys "$tmp/sys-ok" live 0 0 4
mksys "$tmp/sys-capped" live 1 0 76
mksys "$tmp/sys-unres" live 0 3 0
mksys "$tmp/sys-both" live 1 1 5
mksys "$tmp/sys-bad" live yes 0 0

run --input "$live" -o json
if [[ $rc -eq 0 && -z $err && $(jq -c '[has("health"), .health]' <<<"$out") == '[true,null]' ]]; then
	ok "health: a saved copy without --sysfs has none (json health null), no note"
else
	not_ok "health: a saved copy without --sysfs has none (json health null), no note" "rc=$rc" "$out" "$err"
fi
run --input "$live" --sysfs "$tmp/sys-ok"
if [[ $rc -eq 0 && -z $err ]] && grep -Eq '^total +12 ' <<<"$out"; then
	ok "health ok: the table and no note"
else
	not_ok "health ok: the table and no note" "rc=$rc" "$err"
fi
run --input "$live" --sysfs "$tmp/sys-capped"
if [[ $rc -eq 0 ]] && grep -Eq '^total +12 ' <<<"$out" && [[ $(wc -l <<<"$err") -eq 1 ]] &&
	grep -qx "cwstat: counts are a lower bound: the module's table is full (max_tracked), so sockets entering CLOSE_WAIT are not counted (76 missed since load); load the module with a larger max_tracked" <<<"$err"; then
	ok "health capped: the table, then a note on stderr: lower bound, why, what to do"
else
	not_ok "health capped: the table, then a note on stderr: lower bound, why, what to do" "rc=$rc" "$err"
fi
run --input "$live" --sysfs "$tmp/sys-unres"
if [[ $rc -eq 0 && $(wc -l <<<"$err") -eq 1 ]] &&
	grep -qx "cwstat: counts are a lower bound: 3 sockets in CLOSE_WAIT are not counted, a process held their lock whenever the newest reconciliation looked; the module looks again later, or ask it now: echo 1 > /sys/kernel/cwstat/reconcile" <<<"$err"; then
	ok "health unresolved: a note with the number, why, what to do"
else
	not_ok "health unresolved: a note with the number, why, what to do" "rc=$rc" "$err"
fi
run show --input "$live" --sysfs "$tmp/sys-both" --by total
if [[ $rc -eq 0 && $(wc -l <<<"$err") -eq 2 ]] && grep -q '^cwstat show: counts are a lower bound: the module.s table is full' <<<"$err" &&
	grep -q '^cwstat show: counts are a lower bound: 1 socket in CLOSE_WAIT is not counted, a process held its lock ' <<<"$err"; then
	ok "health capped and unresolved: a note for each"
else
	not_ok "health capped and unresolved: a note for each" "rc=$rc" "$err"
fi
: >"$tmp/jerr"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/jerr") "$cw" prom --input "$tmp/nope" >/dev/null 2>>"$tmp/jerr"
if [[ $(cat "$tmp/jerr") == "<3>cwstat prom: cannot open $tmp/nope: No such file or directory" ]]; then
	ok "in the journal an error is at error priority (kept by LogLevelMax=notice)"
else
	not_ok "in the journal an error is at error priority (kept by LogLevelMax=notice)" "$(cat "$tmp/jerr")"
fi
: >"$tmp/jerr"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/jerr") "$cw" --input "$live" --sysfs "$tmp/sys-capped" >/dev/null 2>>"$tmp/jerr"
if grep -q "^<4>cwstat: counts are a lower bound: " "$tmp/jerr"; then
	ok "health: in the journal the note is at warning priority"
else
	not_ok "health: in the journal the note is at warning priority" "$(cat "$tmp/jerr")"
fi
run --input "$live" --sysfs "$tmp/sys-capped" -o json
want='{"mode":"live","capped":true,"unresolved":0,"untracked_total":76,"lower_bound":true}'
if [[ $rc -eq 0 && -z $err && $(jq -c .health <<<"$out") == "$want" && $(jq -r .total.close_wait <<<"$out") == 12 ]]; then
	ok "health: json has the health object, and no note"
else
	not_ok "health: json has the health object, and no note" "rc=$rc" "$(jq -c .health <<<"$out")" "$err"
fi
run --input "$live" --sysfs "$tmp/sys-ok" -o json
want='{"mode":"live","capped":false,"unresolved":0,"untracked_total":4,"lower_bound":false}'
if [[ $rc -eq 0 && $(jq -c .health <<<"$out") == "$want" ]]; then
	ok "health ok: json health with lower_bound false"
else
	not_ok "health ok: json health with lower_bound false" "$(jq -c .health <<<"$out")"
fi
run prom --input "$live" --sysfs "$tmp/sys-capped"
if [[ $rc -eq 0 && -z $err ]] && grep -qx 'cwstat_capped 1' <<<"$out" &&
	grep -qx 'cwstat_unresolved_sockets 0' <<<"$out" && grep -qx 'cwstat_untracked_total 76' <<<"$out" &&
	grep -qx '# TYPE cwstat_capped gauge' <<<"$out" && grep -qx '# TYPE cwstat_unresolved_sockets gauge' <<<"$out" &&
	grep -qx '# TYPE cwstat_untracked_total counter' <<<"$out" && grep -q '^# HELP cwstat_capped ' <<<"$out" &&
	lint=$(promlint <<<"$out"); then
	ok "health: prom cwstat_capped, cwstat_unresolved_sockets, cwstat_untracked_total (promtool clean)"
else
	not_ok "health: prom cwstat_capped, cwstat_unresolved_sockets, cwstat_untracked_total (promtool clean)" "rc=$rc" "$(grep -e capped -e unresolved -e untracked <<<"$out")" "${lint:-}" "$err"
fi
run prom --input "$live" --sysfs "$tmp/sys-ok" --by total
if [[ $rc -eq 0 ]] && grep -qx 'cwstat_capped 0' <<<"$out" && grep -qx 'cwstat_untracked_total 4' <<<"$out"; then
	ok "health ok: prom still exports the gauges, at 0"
else
	not_ok "health ok: prom still exports the gauges, at 0" "$out"
fi
run prom --input "$live"
if [[ $rc -eq 0 ]] && ! grep -Eq 'cwstat_(capped|unresolved_sockets|untracked_total)' <<<"$out"; then
	ok "health: prom without a health has no health families"
else
	not_ok "health: prom without a health has no health families" "$out"
fi
expect "health capped: check below its thresholds is WARNING, says why, perfdata" 1 \
	"^CWSTAT WARNING - 12 sockets in CLOSE_WAIT, oldest 2h0m; counts are a lower bound: the module's table is full \(max_tracked\) \| close_wait=12;100;200;0 oldest=7200s;;;0 recvq=2048B;;;0 rmem=12288B;;;0 capped=1;;;0;1 unresolved=0;;;0 untracked=76c;;;0$" '' \
	-- check --input "$live" --sysfs "$tmp/sys-capped" -w 100 -c 200
expect "health capped: check above --crit stays CRITICAL, says why" 2 \
	'^CWSTAT CRITICAL - 12 sockets in CLOSE_WAIT, oldest 2h0m; counts are a lower bound: ' '' \
	-- check --input "$live" --sysfs "$tmp/sys-capped" -w 5 -c 10
expect "health capped: check above --warn is WARNING, says why" 1 \
	'^CWSTAT WARNING - 12 sockets in CLOSE_WAIT, oldest 2h0m; counts are a lower bound: ' '' \
	-- check --input "$live" --sysfs "$tmp/sys-capped" -w 10 -c 100
expect "health unresolved: check is WARNING and names the sockets" 1 \
	'^CWSTAT WARNING - .*; counts are a lower bound: 3 sockets in CLOSE_WAIT not examined \(a process held their lock\) \| .* capped=0;;;0;1 unresolved=3;;;0 untracked=0c;;;0$' '' \
	-- check --input "$live" --sysfs "$tmp/sys-unres" -w 100
expect "health both: check gives both reasons" 1 \
	"; counts are a lower bound: the module's table is full \(max_tracked\) and 1 socket in CLOSE_WAIT not examined \(a process held its lock\) \|" '' \
	-- check --input "$live" --sysfs "$tmp/sys-both" -w 100
expect "health ok: check OK, health perfdata, no word of a lower bound" 0 \
	'^CWSTAT OK - 12 sockets in CLOSE_WAIT, oldest 2h0m \| .* capped=0;;;0;1 unresolved=0;;;0 untracked=4c;;;0$' '' \
	-- check --input "$live" --sysfs "$tmp/sys-ok" -w 100
expect "health capped, check --by netns: the rows are fine, the largest is named" 1 \
	'^CWSTAT WARNING - largest netns 4026531840: 8 in CLOSE_WAIT, .*; counts are a lower bound: ' '' \
	-- check --input "$live" --sysfs "$tmp/sys-capped" --by netns -w 100 --no-names
run check --input "$live" --sysfs "$tmp/sys-capped" -w 100 -vvv
if grep -qx 'health: mode live, capped 1, unresolved 0, untracked 76 since load' <<<"$out"; then
	ok "health: check -vvv shows it"
else
	not_ok "health: check -vvv shows it" "$out"
fi
run --input "$live" --sysfs "$tmp/nope" -o json
if [[ $rc -eq 0 && $(jq -c .health <<<"$out") == null ]] &&
	grep -q "^cwstat: cannot read the module's health: $tmp/nope/" <<<"$err"; then
	ok "health: --sysfs that cannot be read: a note, no health, exit 0"
else
	not_ok "health: --sysfs that cannot be read: a note, no health, exit 0" "rc=$rc" "$err"
fi
run --input "$live" --sysfs "$tmp/sys-bad" -o json
if [[ $rc -eq 0 && $(jq -c .health <<<"$out") == null ]] && grep -q "sys-bad/capped" <<<"$err"; then
	ok "health: a malformed health file: a note naming it, no health, exit 0"
else
	not_ok "health: a malformed health file: a note naming it, no health, exit 0" "rc=$rc" "$err"
fi
expect "health: check with --sysfs that cannot be read is still a check" 0 '^CWSTAT OK - 12 ' '' \
	-- check --input "$live" --sysfs "$tmp/nope" -w 100
expect "--sysfs with --source diag is a usage error" 2 '' 'sysfs' -- --sysfs "$tmp/sys-ok" --source diag
expect "check: --sysfs with --source diag is UNKNOWN" 3 '^CWSTAT UNKNOWN - .*sysfs' '' -- check --sysfs "$tmp/sys-ok" --source diag -w 1

# ---- watch on a terminal ----------------------------------------------------
# script(1) gives the tool a terminal; sock_diag of this host is the live
# source (the module cannot load here). Ctrl-C is SIGINT to the tool.
script -qfec "$cw --watch 1 --source diag & p=\$!; sleep 2.5; kill -INT \$p; wait \$p; echo watch-exit=\$?" \
	/dev/null >"$tmp/watch" 2>&1
clears=$(grep -ac $'\033\[H\033\[2J' "$tmp/watch")
if [[ $clears -ge 2 ]] && grep -aq '^NAME .* CHANGE' "$tmp/watch" &&
	grep -aq 'watch-exit=0' "$tmp/watch"; then
	ok "--watch on a terminal redraws in place, adds CHANGE, exits 0 on Ctrl-C"
else
	not_ok "--watch on a terminal redraws in place, adds CHANGE, exits 0 on Ctrl-C" \
		"redraws: $clears" "$(cat -v "$tmp/watch" | tail -n 8)"
fi

# ---- watch into a pipe keeps sampling, as vmstat 5 does ---------------------
timeout --preserve-status -s INT 3.5 "$cw" --watch 1 --source diag >"$tmp/wpipe" 2>"$tmp/werr"
rc=$?
samples=$(grep -c '^total ' "$tmp/wpipe")
if [[ $rc -eq 0 && $samples -ge 3 ]] && ! grep -q $'\033' "$tmp/wpipe" &&
	[[ $(grep -c '^Every 1s: .*--watch 1 --source diag ' "$tmp/wpipe") -eq $samples ]]; then
	ok "--watch into a pipe: a sample per second, no escapes, exit 0 on SIGINT"
else
	not_ok "--watch into a pipe: a sample per second, no escapes, exit 0 on SIGINT" "rc=$rc samples=$samples" "$(head -20 "$tmp/wpipe")"
fi
timeout --preserve-status -s TERM 2.5 "$cw" --watch 1 --source diag -o json >"$tmp/wjson" 2>/dev/null
rc=$?
if [[ $rc -eq 0 && $(wc -l <"$tmp/wjson") -ge 2 ]] && jq -e . "$tmp/wjson" >/dev/null 2>&1 &&
	! grep -q '^Every' "$tmp/wjson"; then
	ok "--watch -o json into a pipe: JSON lines"
else
	not_ok "--watch -o json into a pipe: JSON lines" "rc=$rc" "$(head -3 "$tmp/wjson")"
fi

# ---- sockets: ss habits, on real CLOSE_WAIT sockets of this netns -----------
# Three connections to a listener; the clients close, so the accepted
# sockets sit in CLOSE_WAIT until the helper exits.
python3 - "$tmp/cwports" <<'PY' &
import socket, sys, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
keep = []
for _ in range(3):
    c = socket.create_connection(srv.getsockname())
    a, _ = srv.accept()
    keep.append((a, c.getsockname()[1]))
    c.close()
open(sys.argv[1] + ".tmp", "w").write("%d %d\n" % (srv.getsockname()[1], keep[0][1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)
PY
pids+=($!)
for _ in $(seq 50); do [[ -s $tmp/cwports ]] && break; sleep 0.1; done
read -r lport rport <"$tmp/cwports"
sleep 0.3
myns=$(stat -L -c %i /proc/self/ns/net)
run sockets -n --port "$lport"
if [[ $rc -eq 0 && $(tail -n +2 <<<"$out" | grep -c "127.0.0.1:$lport ") -eq 3 ]] && head -1 <<<"$out" | grep -q '^LOCAL '; then
	ok "sockets --port: the 3 CLOSE_WAIT sockets on the local port"
else
	not_ok "sockets --port: the 3 CLOSE_WAIT sockets on the local port" "rc=$rc" "$out" "$err"
fi
run sockets -n --port "$rport"
if [[ $rc -eq 0 && $(wc -l <<<"$out") -eq 1 ]]; then
	ok "sockets --port is the local port only, as in reap"
else
	not_ok "sockets --port is the local port only, as in reap" "$out"
fi
run sockets -n --remote-port "$rport"
if [[ $rc -eq 0 && $(tail -n +2 <<<"$out" | wc -l) -eq 1 ]] && grep -q "127.0.0.1:$rport" <<<"$out"; then
	ok "sockets --remote-port: the peer's port"
else
	not_ok "sockets --remote-port: the peer's port" "$out"
fi
run sockets -n -H --port "$lport"
if [[ $rc -eq 0 && $(wc -l <<<"$out") -eq 3 ]] && ! grep -q '^LOCAL' <<<"$out"; then
	ok "sockets -H: no header"
else
	not_ok "sockets -H: no header" "$out"
fi
run sockets -n --no-header --all-netns --port "$lport"
if [[ $rc -eq 0 && $(grep -c "^ *$myns  127.0.0.1:$lport " <<<"$out") -eq 3 ]]; then
	ok "sockets --all-netns: a NETNS column with each socket's netns"
else
	not_ok "sockets --all-netns: a NETNS column with each socket's netns" "$out" "$err"
fi
run sockets -n --netns "$myns" --port "$lport" -o json
if [[ $rc -eq 0 ]] && [[ $(jq -r "[.sockets[] | select(.netns == $myns and .local_port == $lport)] | length" <<<"$out") == 3 ]]; then
	ok "sockets --netns INUM, and netns in json"
else
	not_ok "sockets --netns INUM, and netns in json" "rc=$rc" "$out" "$err"
fi
# --by: one line per service, peer or process, over every netns.
helper=${pids[-1]}
run sockets --by lport --port "$lport" -H
if [[ $rc -eq 0 && $(wc -l <<<"$out") -eq 1 ]] && grep -Eq "^ +3 +0 +[0-9]+ +[0-9a-z]+ +1  $lport\$" <<<"$out"; then
	ok "sockets --by lport: the port's 3 sockets on one line, with their netns count"
else
	not_ok "sockets --by lport: the port's 3 sockets on one line, with their netns count" "rc=$rc" "$out"
fi
run sockets --by peer --port "$lport"
if [[ $rc -eq 0 ]] && head -1 <<<"$out" | grep -q 'NETNS  PEER$' && grep -Eq '^ +3 .*  127\.0\.0\.1$' <<<"$out"; then
	ok "sockets --by peer: the peer's address, 3 sockets"
else
	not_ok "sockets --by peer: the peer's address, 3 sockets" "$out"
fi
run sockets --by process --port "$lport" -o json
if [[ $rc -eq 0 ]] && [[ $(jq -c '[.by, .groups[0].key, .groups[0].close_wait, (.groups | length)]' <<<"$out") == "[\"process\",\"python3[$helper]\",3,1]" ]]; then
	ok "sockets --by process -o json: the holding process, 3 sockets"
else
	not_ok "sockets --by process -o json: the holding process, 3 sockets" "$out"
fi
expect "sockets --by bogus is a usage error" 2 '' "unknown --by 'bogus'" -- sockets --by bogus
expect "sockets --by process -n is a usage error" 2 '' 'not with -n' -- sockets --by process -n

# ---- check as Nagios and Icinga run it: not root ---------------------------
# The 3 sockets above are in this netns, which a reader that is not root
# sees alone: never OK on that, nothing on stderr, notes only with -v.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
"${nobody[@]}" "$cw" check -w 100 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -eq 3 && ! -s $tmp/err && $(wc -l <"$tmp/out") -eq 1 ]] &&
	grep -Eq '^CWSTAT UNKNOWN - [0-9]+ sockets in CLOSE_WAIT.*; partial view, only this netns: not root \(no CAP_(NET|SYS)_ADMIN\) \| close_wait=' "$tmp/out"; then
	ok "check not root, under its thresholds: UNKNOWN (partial view, says why), nothing on stderr"
else
	not_ok "check not root, under its thresholds: UNKNOWN (partial view, says why), nothing on stderr" "rc=$rc" "$(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
fi
"${nobody[@]}" "$cw" check -w 1 -c 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -eq 2 && ! -s $tmp/err ]] && grep -q '^CWSTAT CRITICAL - .*; partial view, only this netns: not root' "$tmp/out"; then
	ok "check not root, above --crit on what it sees: CRITICAL stands, and says the view is partial"
else
	not_ok "check not root, above --crit on what it sees: CRITICAL stands, and says the view is partial" "rc=$rc" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
"${nobody[@]}" "$cw" check -w 100 -v >"$tmp/out" 2>"$tmp/err"
if [[ ! -s $tmp/err ]] && head -1 "$tmp/out" | grep -q '^CWSTAT UNKNOWN' &&
	grep -q '^note: .*counting with sock_diag in this netns only: not root' "$tmp/out"; then
	ok "check -v: the tool's notes after the status line, on stdout"
else
	not_ok "check -v: the tool's notes after the status line, on stdout" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
"${nobody[@]}" "$cw" check -w 100 --scope netns >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -eq 0 && ! -s $tmp/err ]] && grep -Eq '^CWSTAT OK - [0-9]+ sockets in CLOSE_WAIT' "$tmp/out" && ! grep -q partial "$tmp/out"; then
	ok "check --scope netns not root: this netns was asked for, so OK"
else
	not_ok "check --scope netns not root: this netns was asked for, so OK" "rc=$rc" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
expect "check --scope bogus is UNKNOWN" 3 "^CWSTAT UNKNOWN - unknown scope 'bogus'" '' -- check -w 1 --scope bogus
expect "check --scope netns with --input is UNKNOWN" 3 '^CWSTAT UNKNOWN - --scope netns' '' -- check -w 1 --scope netns --input "$demo"
# Every netns it can enter: OK only if it entered them all (some hosts
# and containers keep a netns from root: then UNKNOWN, with how many).
run check -w 100 --source diag --all-netns -v
missed=$(grep '^note: could not ' <<<"$out" | grep -oE 'could not (enter|open) [0-9]+' | awk '{ n += $4 } END { if (NR) print n }')
if [[ -z $err && -z $missed && $rc -eq 0 ]] && grep -q '^CWSTAT OK - ' <<<"$out" && ! grep -q partial <<<"$out"; then
	ok "check --all-netns as root, every netns entered: OK, no word of a partial view"
elif [[ -z $err && -n $missed && $rc -eq 3 ]] &&
	grep -q "^CWSTAT UNKNOWN - .*; partial view, $missed netns not counted (could not enter or open them) |" <<<"$out"; then
	ok "check --all-netns as root, $missed netns it could not enter: UNKNOWN, says how many"
else
	not_ok "check --all-netns as root: OK only if it entered every netns" "rc=$rc" "$out" "$err"
fi
kill "${pids[-1]}" 2>/dev/null
expect "sockets: --netns 0 is a usage error" 2 '' "bad netns '0'" -- sockets --netns 0
expect "sockets: --netns past 2^32 is a usage error" 2 '' "bad netns" -- sockets --netns 4294967296
expect "sockets: an unknown netns inode: exit 1, says so" 1 '' "no netns with that inode" -- sockets --netns 12345
expect "sockets: --netns with --all-netns" 2 '' 'exclude each other' -- sockets --netns x --all-netns
expect "sockets: a bad --remote-port" 2 '' "bad port '0'" -- sockets --remote-port 0

# ---- the sock_diag fallback's note -------------------------------------------
# No module on this host: auto falls back and says so. Under systemd (stderr
# is the journal, JOURNAL_STREAM names it) at debug priority, so that a
# timer's every run does not log it at the default level.
if [[ ! -e /proc/cwstat ]]; then
	: >"$tmp/jerr"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/jerr") "$cw" --no-names >/dev/null 2>>"$tmp/jerr"
	"$cw" --no-names >/dev/null 2>"$tmp/terr"
	if [[ $(head -1 "$tmp/jerr") == '<7>cwstat: /proc/cwstat not found (module not loaded); counting with sock_diag in '* ]] &&
		! grep -qv '^<7>' "$tmp/jerr" &&
		[[ $(head -1 "$tmp/terr") == 'cwstat: /proc/cwstat not found (module not loaded)'* ]]; then
		ok "no module: the fallback note is at debug priority in the journal, plain elsewhere"
	else
		not_ok "no module: the fallback note is at debug priority in the journal, plain elsewhere" "$(cat "$tmp/jerr")" "$(cat "$tmp/terr")"
	fi
	JOURNAL_STREAM=1:1 "$cw" --no-names >/dev/null 2>"$tmp/terr"
	if grep -q '^<' "$tmp/terr"; then
		not_ok "a JOURNAL_STREAM that is not stderr is ignored" "$(cat "$tmp/terr")"
	else
		ok "a JOURNAL_STREAM that is not stderr is ignored"
	fi
fi

# ---- man page -------------------------------------------------------------
if warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$here/../cwstat.8" 2>&1 >/dev/null) &&
	[[ -z $warn ]]; then
	ok "man page renders without warnings"
else
	not_ok "man page renders without warnings" "$warn"
fi
# Every long option the tool accepts is documented.
missing=
for o in $(grep -ho '{ "[a-z-]*", [a-z_]*_argument' "$here"/../*.c | sed 's/{ "\([a-z-]*\)".*/\1/' | sort -u); do
	grep -q -- "\\\\-\\\\-${o//-/\\\\-}" "$here/../cwstat.8" || missing+=" --$o"
done
if [[ -z $missing ]]; then ok "man page documents every long option"; else not_ok "man page documents every long option" "missing:$missing"; fi

# ---- node_exporter reads what cwstat prom writes ---------------------------
ne=$(command -v prometheus-node-exporter || true)
if [[ -z $ne ]]; then
	not_ok "node_exporter installed (scripts/deps)"
else
	textdir=$tmp/textfile
	mkdir -p "$textdir"
	# What the textfile timer does: write aside, then rename.
	"$cw" prom --input "$demo" >"$textdir/cwstat.prom.$$" && mv "$textdir/cwstat.prom.$$" "$textdir/cwstat.prom"
	port=
	for p in $(shuf -i 20000-60000 -n 8); do
		"$ne" --web.listen-address="127.0.0.1:$p" --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory="$textdir" \
			>"$tmp/ne.log" 2>&1 &
		pids+=($!)
		for _ in $(seq 50); do
			if curl -fsS "http://127.0.0.1:$p/metrics" >"$tmp/metrics" 2>/dev/null; then
				port=$p
				break
			fi
			kill -0 "${pids[-1]}" 2>/dev/null || break
			sleep 0.1
		done
		[[ -n $port ]] && break
	done
	if [[ -z $port ]]; then
		not_ok "node_exporter serves /metrics on loopback" "$(cat "$tmp/ne.log")"
	elif grep -qx 'cwstat_close_wait_sockets{cgroup="/demo/shop",container="",container_id="",namespace="",netns="4026532116",netns_name="",pod="",uid=""} 40' "$tmp/metrics" &&
		grep -qx 'cwstat_close_wait_sockets_all 47' "$tmp/metrics" &&
		grep -qx 'node_textfile_scrape_error 0' "$tmp/metrics"; then
		ok "node_exporter's /metrics carries cwstat's samples, no scrape error"
	else
		not_ok "node_exporter's /metrics carries cwstat's samples, no scrape error" \
			"$(grep -E 'cwstat|textfile' "$tmp/metrics")" "$(tail -5 "$tmp/ne.log")"
	fi
fi

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real monitoring stack on loopback, as a platform team runs one: Debian's
# prometheus and prometheus-node-exporter, started and stopped here, scrape
# cwstat's output with the jobs of fleet/prometheus/cwstat-scrape.yml, with
# the target labels that Prometheus Operator gives an exporter's pod. The
# host has no module: cwstat reads saved copies (fixtures/node.txt, a
# Kubernetes node) with the runtimes' files of fixtures/runtime. The checks
# are the queries a user writes, through the HTTP API:
#
#   - the labels arrive as cwstat wrote them (no exported_*; a host
#     service's series has no namespace, not the exporter's);
#   - the per-container series joins one to one with kube-state-metrics'
#     kube_pod_container_info and kube_pod_info (fixtures/kube-state-
#     metrics.prom, served as a static file by python3's http.server);
#   - each alert of fleet/prometheus/cwstat-alerts.yml fires on a real
#     evaluation (its 'for: 10m' cut to 1s; everything else as shipped);
#   - cwstat serve, scraped by the same Prometheus, in OpenMetrics: the
#     same series, the ages a gauge histogram; and its HTTP edges (a wrong
#     path, a wrong method, oversized headers, concurrent scrapes).
#
# Nothing waits a fixed time: each check polls until it holds or a
# generous deadline (STACK_DEADLINE seconds, default 120) passes.
#
# usage: tools/tests/stack.sh [CWSTAT_BINARY]
# Prints "ok - ..." / "not ok - ..." lines and a final "N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cw=${1:-$top/build/tools/cwstat}
fx=$here/fixtures
deadline=${STACK_DEADLINE:-120}
tmp=$(mktemp -d /tmp/cwstat-stack.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=tools/tests/lib.sh
. "$here/lib.sh"

need_programs "the stack's programs are installed (scripts/deps)" \
	prometheus prometheus-node-exporter promtool curl jq python3
need_binary "$cw"

# A loopback port free at this moment; start() retries if it is taken
# before the service binds it.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME PATH CMD...: CMD in the background, @PORT@ in its arguments
# replaced by a free port, until http://127.0.0.1:PORT/PATH answers (then
# $port is that port) or CMD dies (then another port, up to 5 times).
start() {
	local name=$1 path=$2 try p a pid i
	local args
	shift 2
	for try in 1 2 3 4 5; do
		p=$(free_port)
		args=()
		for a in "$@"; do
			args+=("${a//@PORT@/$p}")
		done
		"${args[@]}" >"$tmp/$name.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		for ((i = 0; i < deadline * 10; i++)); do
			if curl -fsS -o /dev/null "http://127.0.0.1:$p$path" 2>/dev/null; then
				port=$p
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
	done
	return 1
}

# poll CMD...: until CMD succeeds, or the deadline passes (status 1).
poll() {
	local end=$((SECONDS + deadline))
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.5
	done
}

# ---- what the exporters serve ----------------------------------------------
# Three nodes: a's textfile is the node fixture with a full table (capped),
# b's was last written an hour ago, c has none.
mkdir -p "$tmp"/{a,b,c,ksm,sys}
echo live >"$tmp/sys/mode"
echo 1 >"$tmp/sys/capped"
echo 0 >"$tmp/sys/unresolved"
echo 76 >"$tmp/sys/tracked_overflow"
src=(--input "$fx/node.txt" --runtime-root "$fx/runtime" --sysfs "$tmp/sys")
# What cwstat-textfile.service does: write aside, then rename.
"$cw" prom "${src[@]}" >"$tmp/a/cwstat.prom.tmp" && mv "$tmp/a/cwstat.prom.tmp" "$tmp/a/cwstat.prom" ||
	{ not_ok "cwstat prom writes the node's textfile" "$(cat "$tmp/a/cwstat.prom.tmp")"; finish; }
"$cw" prom --input "$fx/empty.txt" >"$tmp/b/cwstat.prom"
touch -d '1 hour ago' "$tmp/b/cwstat.prom"
cp "$fx/kube-state-metrics.prom" "$tmp/ksm/"

declare -A addr=()
for n in a b c; do
	if start "ne-$n" /metrics prometheus-node-exporter --web.listen-address="127.0.0.1:@PORT@" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$tmp/$n"; then
		addr[$n]=127.0.0.1:$port
	else
		not_ok "node_exporter $n serves /metrics on loopback" "$(tail -n 5 "$tmp/ne-$n.log")"
		finish
	fi
done
if start ksm /kube-state-metrics.prom python3 -m http.server --bind 127.0.0.1 \
	--directory "$tmp/ksm" @PORT@; then
	addr[ksm]=127.0.0.1:$port
else
	not_ok "the kube-state-metrics fixture is served on loopback" "$(tail -n 5 "$tmp/ksm.log")"
	finish
fi
# cwstat serve reads its own copy of the node, which the test changes at
# the end to see a scrape read it afresh.
cp "$fx/node.txt" "$tmp/serve-node.txt"
serve=
if start serve /metrics "$cw" serve --listen "127.0.0.1:@PORT@" --input "$tmp/serve-node.txt" \
	--runtime-root "$fx/runtime" --sysfs "$tmp/sys"; then
	addr[serve]=127.0.0.1:$port
	serve=1
	ok "cwstat serve listens on loopback"
else
	not_ok "cwstat serve listens on loopback" "$(tail -n 5 "$tmp/serve.log")"
fi

# ---- Prometheus, configured as the documentation says -----------------------
# The shipped jobs, each with its targets here and the target labels of
# an exporter's pod under Prometheus Operator; kube-state-metrics' job
# honours labels as kube-prometheus has it. Evaluation every second.
rules=$tmp/rules.yml
sed -E 's/^( +for: )10m$/\11s/' "$top/fleet/prometheus/cwstat-alerts.yml" >"$rules"
cut=$(diff "$top/fleet/prometheus/cwstat-alerts.yml" "$rules" | grep -c '^>')
if [[ $cut -eq 4 ]] && ! grep -qE '^ +for: ' <(grep -vE '^ +for: 1s$' "$rules"); then
	ok "the shipped alert rules, each 'for: 10m' cut to 1s (4 rules), nothing else changed"
else
	not_ok "the shipped alert rules, each 'for: 10m' cut to 1s (4 rules), nothing else changed" "$cut cut" "$(grep -E '^ +for: ' "$rules")"
fi
python3 - "$top/fleet/prometheus/cwstat-scrape.yml" "$tmp/prometheus.yml" "$rules" \
	"${addr[a]}" "${addr[b]}" "${addr[c]}" "${addr[ksm]}" "${addr[serve]:-}" <<'PY' >"$tmp/config.log" 2>&1
import sys, yaml
shipped, out, rules, a, b, c, ksm, serve = sys.argv[1:]
cfg = yaml.safe_load(open(shipped))
jobs = {j["job_name"]: j for j in cfg["scrape_configs"]}
assert jobs["node"].get("honor_labels") is True, "node job without honor_labels"
assert jobs["cwstat"].get("honor_labels") is True, "cwstat job without honor_labels"
def operator(pod, container):
    return {"namespace": "monitoring", "pod": pod, "container": container}
jobs["node"]["static_configs"] = [
    {"targets": [a], "labels": dict(operator("node-exporter-x7k2p", "node-exporter"), node="a")},
    {"targets": [b], "labels": dict(operator("node-exporter-b2q9z", "node-exporter"), node="b")},
    {"targets": [c], "labels": dict(operator("node-exporter-c4m1w", "node-exporter"), node="c")},
]
if serve:
    jobs["cwstat"]["static_configs"] = [
        {"targets": [serve], "labels": dict(operator("cwstat-8xk2d", "cwstat"), node="a")}]
else:
    cfg["scrape_configs"].remove(jobs["cwstat"])
cfg["scrape_configs"].append({
    "job_name": "kube-state-metrics", "honor_labels": True,
    "metrics_path": "/kube-state-metrics.prom",
    "static_configs": [{"targets": [ksm],
                        "labels": operator("kube-state-metrics-5d8f", "kube-state-metrics")}]})
cfg["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
cfg["rule_files"] = [rules]
yaml.safe_dump(cfg, open(out, "w"), sort_keys=False)
PY
if [[ $? -eq 0 ]] && promtool check config "$tmp/prometheus.yml" >>"$tmp/config.log" 2>&1; then
	ok "Prometheus config from fleet/prometheus/cwstat-scrape.yml (honor_labels on both jobs), promtool clean"
else
	not_ok "Prometheus config from fleet/prometheus/cwstat-scrape.yml (honor_labels on both jobs), promtool clean" "$(cat "$tmp/config.log")"
	finish
fi
if start prometheus /-/ready prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/data" --web.listen-address="127.0.0.1:@PORT@" \
	--log.level=warn; then
	prom=http://127.0.0.1:$port
	ok "Prometheus runs on loopback"
else
	not_ok "Prometheus runs on loopback" "$(tail -n 10 "$tmp/prometheus.log")"
	finish
fi

# q PROMQL: the result vector as JSON lines, one per series, sorted.
q() {
	curl -fsS -G --data-urlencode "query=$1" "$prom/api/v1/query" |
		jq -c '.data.result[] | .metric + {value: .value[1]}' | sort
}
# qv PROMQL: the values alone, sorted.
qv() {
	curl -fsS -G --data-urlencode "query=$1" "$prom/api/v1/query" |
		jq -r '.data.result[].value[1]' | sort -n
}
# holds PROMQL WANT: the values of PROMQL are WANT (lines).
holds() {
	got=$(qv "$1")
	[[ $got == "$2" ]]
}

ntargets=$((4 + ${serve:-0}))
if poll holds "count(up == 1)" "$ntargets"; then
	ok "every target is up ($ntargets: 3 node_exporters, kube-state-metrics, cwstat serve)"
else
	not_ok "every target is up ($ntargets: 3 node_exporters, kube-state-metrics, cwstat serve)" \
		"$(curl -fsS "$prom/api/v1/targets" | jq -c '.data.activeTargets[] | {scrapeUrl, health, lastError}')"
	finish
fi
poll holds 'count(cwstat_close_wait_sockets{job="node"})' 4 >/dev/null

# ---- the labels come through un-renamed -------------------------------------
labels=$(curl -fsS -G --data-urlencode 'match[]={__name__=~"cwstat_.+"}' "$prom/api/v1/labels" | jq -r '.data[]')
if ! grep -q '^exported_' <<<"$labels" &&
	[[ $(grep -cxE 'namespace|pod|uid|container|container_id|cgroup|netns' <<<"$labels") -eq 7 ]]; then
	ok "cwstat's series: namespace, pod, uid, container, container_id, cgroup, netns; no exported_*"
else
	not_ok "cwstat's series: namespace, pod, uid, container, container_id, cgroup, netns; no exported_*" "$labels"
fi
got=$(q 'cwstat_close_wait_sockets{job="node",cgroup="/system.slice/shop.service"}')
want='{"__name__":"cwstat_close_wait_sockets","cgroup":"/system.slice/shop.service","instance":"'${addr[a]}'","job":"node","netns":"4026531840","node":"a","value":"3"}'
if [[ $got == "$want" ]]; then
	ok "a host service's series has no namespace, pod or container (not the exporter's)"
else
	not_ok "a host service's series has no namespace, pod or container (not the exporter's)" "got:  $got" "want: $want"
fi
got=$(q 'cwstat_close_wait_sockets{job="node",container="app"}' | jq -r '[.namespace, .pod, .uid, .container, .container_id, .value] | join(" ")')
want="prod shop-7d9fé 1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d app containerd://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 150"
if [[ $got == "$want" ]]; then
	ok "a container's series: its pod's namespace, pod, uid, its container and container_id"
else
	not_ok "a container's series: its pod's namespace, pod, uid, its container and container_id" "got:  $got" "want: $want"
fi

# ---- joins with kube-state-metrics --------------------------------------------
# One to one: PromQL refuses a match that is not ("many-to-many matching
# not allowed", "multiple matches for labels").
join='sum by (namespace, pod, uid, container, container_id) (cwstat_close_wait_sockets{job="node",container_id!=""})
	* on (namespace, pod, uid, container, container_id) kube_pod_container_info'
got=$(curl -fsS -G --data-urlencode "query=$join" "$prom/api/v1/query" | jq -c '[.data.result[] | [.metric.namespace, .metric.pod, .metric.container, .value[1]]] | sort')
want='[["edge","front-5c6b","web","2"],["prod","shop-7d9fé","app","150"]]'
if [[ $got == "$want" ]]; then
	ok "join on kube_pod_container_info's labels: one to one, each Kubernetes container once"
else
	not_ok "join on kube_pod_container_info's labels: one to one, each Kubernetes container once" "got:  $got" "want: $want" "$(curl -sS -G --data-urlencode "query=$join" "$prom/api/v1/query")"
fi
join='sum by (namespace, pod, uid) (cwstat_close_wait_sockets{job="node",uid!=""})
	* on (namespace, pod, uid) group_left (node, created_by_name) kube_pod_info'
got=$(curl -fsS -G --data-urlencode "query=$join" "$prom/api/v1/query" | jq -c '[.data.result[] | [.metric.pod, .metric.created_by_name, .value[1]]] | sort')
want='[["front-5c6b","front","2"],["shop-7d9fé","shop-7d9f","150"]]'
if [[ $got == "$want" ]]; then
	ok "join on kube_pod_info's labels: each pod once, with the pod's owner"
else
	not_ok "join on kube_pod_info's labels: each pod once, with the pod's owner" "got:  $got" "want: $want"
fi
got=$(qv 'count(cwstat_close_wait_sockets{job="node",uid!=""} unless on (namespace, pod, uid, container, container_id) kube_pod_container_info)')
if [[ -z $got ]]; then
	ok "no pod's series is left out of the join"
else
	not_ok "no pod's series is left out of the join" "$got unmatched"
fi

# ---- the age buckets: gauges, no _sum or _count from node_exporter ----------
meta=$(curl -fsS "$prom/api/v1/metadata" | jq -c '.data')
if [[ $(jq -r '.cwstat_close_wait_age_seconds_bucket[0].type' <<<"$meta") == gauge &&
	$(qv 'count({__name__=~"cwstat_close_wait_age_seconds_(sum|count|gsum|gcount)"})') == "" ]] &&
	holds 'cwstat_close_wait_age_seconds_bucket{job="node",container="app",le="3600.0"}' 150; then
	ok "textfile: the age buckets are gauges, without a _sum or _count"
else
	not_ok "textfile: the age buckets are gauges, without a _sum or _count" "$(jq -c '.cwstat_close_wait_age_seconds_bucket' <<<"$meta")" \
		"$(qv 'count({__name__=~"cwstat_close_wait_age_seconds_(sum|count|gsum|gcount)"})')"
fi
# Rank 75 of 150: 73 into the 148 between 600 and 3600 s.
got=$(qv 'histogram_quantile(0.5, sum by (le) (cwstat_close_wait_age_seconds_bucket{job="node",container="app"}))')
if awk -v g="${got:-x}" 'BEGIN { w = 600 + 3000 * 73 / 148; exit !(g + 0 == g && g - w < 0.001 && w - g < 0.001) }'; then
	ok "histogram_quantile() reads the buckets (median age of app's 150: $got s)"
else
	not_ok "histogram_quantile() reads the buckets (median age of app's 150)" "got $got, want 2079.73"
fi

# ---- cwstat serve, scraped by the same Prometheus ---------------------------
if [[ -n $serve ]]; then
	# Less the target's own labels: those of the exporter's pod, which
	# only the families without container labels take (cwstat_info,
	# cwstat_close_wait_sockets_all, the health gauges).
	series() {
		curl -fsS -G --data-urlencode "query={job=\"$1\",node=\"a\",__name__=~\"cwstat_.+\"}" "$prom/api/v1/query" |
			jq -r --arg pod "$2" '.data.result[] | .metric | del(.instance, .job) |
				if .pod == $pod then del(.pod, .namespace, .container) else . end | tostring' | sort
	}
	a_series=$(series node node-exporter-x7k2p)
	s_series=$(series cwstat cwstat-8xk2d)
	if [[ -n $a_series && $a_series == "$s_series" ]]; then
		ok "cwstat serve: the very series of the textfile, un-renamed ($(wc -l <<<"$s_series"))"
	else
		not_ok "cwstat serve: the very series of the textfile, un-renamed" "$(diff <(echo "$a_series") <(echo "$s_series") | head -n 10)"
	fi
	if [[ $(jq -r '.cwstat_close_wait_age_seconds[0].type' <<<"$meta") == gaugehistogram ]]; then
		ok "cwstat serve: Prometheus negotiated OpenMetrics, the ages a gauge histogram"
	else
		not_ok "cwstat serve: Prometheus negotiated OpenMetrics, the ages a gauge histogram" "$(jq -c '.cwstat_close_wait_age_seconds' <<<"$meta")"
	fi
fi

# ---- cwstat serve's HTTP edges --------------------------------------------------
if [[ -n $serve ]]; then
	url=http://${addr[serve]}
	# code_of ARGS...: the HTTP status of curl ARGS, the headers in $tmp/h.
	code_of() {
		curl -sS -o "$tmp/body" -D "$tmp/h" -w '%{http_code}' "$@" 2>"$tmp/curl.err"
	}
	if [[ $(code_of "$url/nope") == 404 && $(code_of "$url/metrics/x") == 404 ]]; then
		ok "cwstat serve: another path is 404"
	else
		not_ok "cwstat serve: another path is 404" "$(cat "$tmp/h")"
	fi
	if [[ $(code_of -X POST -d x=1 "$url/metrics") == 405 ]] && grep -qi '^Allow: GET, HEAD' "$tmp/h" &&
		[[ $(code_of -X DELETE "$url/metrics") == 405 ]]; then
		ok "cwstat serve: POST and DELETE are 405 with Allow: GET, HEAD"
	else
		not_ok "cwstat serve: POST and DELETE are 405 with Allow: GET, HEAD" "$(cat "$tmp/h")"
	fi
	if [[ $(code_of -I "$url/metrics") == 200 ]] &&
		[[ $(curl -sS --head -o /dev/null -w '%{size_download}' "$url/metrics") == 0 ]] &&
		grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$tmp/body"; then
		ok "cwstat serve: HEAD has the headers, no body"
	else
		not_ok "cwstat serve: HEAD has the headers, no body" "$(cat "$tmp/h")"
	fi
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	if [[ $(code_of -H "X-Big: $big" "$url/metrics") == 431 ]] &&
		[[ $(code_of "$url/metrics") == 200 ]]; then
		ok "cwstat serve: 20 kB of headers is 431, and it serves on"
	else
		not_ok "cwstat serve: 20 kB of headers is 431, and it serves on" "$(cat "$tmp/h" "$tmp/curl.err")"
	fi
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n' >"$tmp/bad.req"
	bad=$(python3 -c 'import socket, sys
s = socket.create_connection(sys.argv[1].split(":"), timeout=30)
s.sendall(open(sys.argv[2], "rb").read())
print(s.recv(64).split(b"\r\n")[0].decode())' "${addr[serve]}" "$tmp/bad.req" 2>&1)
	if [[ $bad == 'HTTP/1.1 400 '* && $(code_of "$url/metrics") == 200 ]]; then
		ok "cwstat serve: a malformed request is 400, and it serves on"
	else
		not_ok "cwstat serve: a malformed request is 400, and it serves on" "$bad"
	fi
	code_of "$url/metrics" >/dev/null
	cp "$tmp/body" "$tmp/one.prom"
	code_of -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' "$url/metrics" >/dev/null
	if grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$tmp/h" &&
		[[ $(tail -n 1 "$tmp/body") == '# EOF' ]] && grep -qx '# TYPE cwstat_close_wait_age_seconds_bucket gauge' "$tmp/one.prom"; then
		ok "cwstat serve: OpenMetrics for Prometheus's Accept, text 0.0.4 for curl's"
	else
		not_ok "cwstat serve: OpenMetrics for Prometheus's Accept, text 0.0.4 for curl's" "$(cat "$tmp/h")"
	fi
	# scrapes N: N scrapes at once; $good of them 200 with the whole body,
	# $refused refused at connect, $bad anything else.
	scrapes() {
		local i cpids=()
		rm -f "$tmp"/par.*
		for ((i = 0; i < $1; i++)); do
			curl -sS -o "$tmp/par.$i" -w '%{http_code}\n' "$url/metrics" >"$tmp/par.$i.code" 2>"$tmp/par.$i.err" &
			cpids+=($!)
		done
		wait "${cpids[@]}"
		good=0 refused=0 bad=0
		for ((i = 0; i < $1; i++)); do
			if [[ $(cat "$tmp/par.$i.code") == 200 ]] && cmp -s "$tmp/par.$i" "$tmp/one.prom"; then
				good=$((good + 1))
			elif [[ $(cat "$tmp/par.$i.code") == 000 ]]; then
				refused=$((refused + 1))
			else
				bad=$((bad + 1))
			fi
		done
	}
	scrapes 8
	if [[ $good -eq 8 ]]; then
		ok "cwstat serve: 8 concurrent scrapes from one address, each 200 with the whole body"
	else
		not_ok "cwstat serve: 8 concurrent scrapes from one address, each 200 with the whole body" "$good good, $refused refused, $bad bad" "$(cat "$tmp"/par.*.err | sort | uniq -c)"
	fi
	# Beyond its limit per address it turns connections away, whole,
	# and serves on.
	scrapes 40
	if [[ $bad -eq 0 && $good -ge 8 && $(code_of "$url/metrics") == 200 ]]; then
		ok "cwstat serve: 40 at once: $good served whole, $refused turned away, none cut; it serves on"
	else
		not_ok "cwstat serve: 40 at once: none cut, and it serves on" "$good good, $refused refused, $bad bad" "$(cat "$tmp"/par.*.code | sort | uniq -c)"
	fi
	# Fresh at every scrape: a changed source shows at the next one.
	cp "$fx/live.txt" "$tmp/serve-node.txt.new" && mv "$tmp/serve-node.txt.new" "$tmp/serve-node.txt"
	if poll holds 'cwstat_close_wait_sockets_all{job="cwstat"}' 12; then
		ok "cwstat serve: each scrape reads the source afresh (160 -> 12 in Prometheus)"
	else
		not_ok "cwstat serve: each scrape reads the source afresh (160 -> 12 in Prometheus)" "$(qv 'cwstat_close_wait_sockets_all{job="cwstat"}')"
	fi
fi

# ---- every shipped alert fires ------------------------------------------------
# firing NAME REASON NODE: the alert is firing, for that node (or none).
firing() {
	curl -fsS "$prom/api/v1/alerts" | jq -e --arg n "$1" --arg r "$2" --arg h "$3" \
		'[.data.alerts[] | select(.state == "firing" and .labels.alertname == $n and
			(.labels.reason // "") == $r and (.labels.node // "") == $h)] | length > 0' >/dev/null
}
alert() {
	local desc=$1
	shift
	if poll firing "$@"; then
		ok "alert $desc fires"
	else
		not_ok "alert $desc fires" "$(curl -fsS "$prom/api/v1/alerts" | jq -c '.data.alerts[] | [.labels.alertname, .labels.reason, .labels.node, .state]')"
	fi
}
alert "CloseWaitLeak (count: app's 150 > 100)" CloseWaitLeak count a
alert "CloseWaitLeak (age: billing-worker idle 2h)" CloseWaitLeak age a
alert "CwstatCountsIncomplete (cwstat_capped 1)" CwstatCountsIncomplete "" a
alert "CwstatMetricsStale (b's file an hour old)" CwstatMetricsStale "" b
alert "CwstatMetricsAbsent (c, a node_exporter without cwstat.prom)" CwstatMetricsAbsent host c
# Only node a's textfile job: cwstat serve (job cwstat, also node a) may hold
# its own firing copy of the alert from before its source changed, and the
# API lists alerts in no fixed order.
got=$(curl -fsS "$prom/api/v1/alerts" | jq -r '.data.alerts[] | select(.labels.alertname == "CloseWaitLeak" and .labels.reason == "count" and .labels.job == "node") |
	[.labels.namespace, .labels.pod, .labels.container, .annotations.summary] | join(" | ")')
if [[ $got == "prod | shop-7d9fé | app | CLOSE_WAIT leak on ${addr[a]}: 150 sockets in /kubepods.slice/"* ]]; then
	ok "the leak alert names the pod and container"
else
	not_ok "the leak alert names the pod and container" "$got"
fi
rm -f "$tmp/a/cwstat.prom" "$tmp/b/cwstat.prom"
alert "CwstatMetricsAbsent (fleet: no cwstat.prom anywhere)" CwstatMetricsAbsent fleet ""

finish

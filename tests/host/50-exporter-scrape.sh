#!/usr/bin/env bash
# ptcopy_exporter on this host while forkload forks a 128 MiB process 25
# times: it runs without capabilities, ptcopy_forks_total{comm="forkload"}
# rises by exactly 25, the copy-time histogram by 25 observations whose sum
# lies within forkload's own wall times, promtool accepts the exposition,
# OpenMetrics is served on request, wrong paths get 404, wrong methods 405
# and it keeps serving; SIGTERM ends it with status 0 and nothing attached.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl promtool jq bpftool python3 protoc-c
FORKS=25

start_exporter scrape --bpf-stats
pid=$EXPORTER_PID

# Every capability dropped once attached, for good.
for f in CapInh CapPrm CapEff CapAmb; do
	v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")
	[ "$v" = 0000000000000000 ] || fail "$f is $v after start, want 0"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" || fail "no_new_privs is not set"
# Its programs are loaded and held by it.
held=0
for id in $(awk '$1 == "prog_id:" { print $2 }' /proc/"$pid"/fdinfo/* 2>/dev/null | sort -u); do
	bpftool prog show id "$id" | grep -q " name ptcopy_" || fail "it holds BPF program $id, not ptcopy's"
	held=$((held + 1))
done
[ "$held" -gt 0 ] || fail "ptcopy_exporter ($pid) holds no BPF program"

scrape "$WORK/before.prom"
"$FORKLOAD" --size 128 --forks $FORKS > "$WORK/forkload.json"
[ "$(jq -s 'map(select(.type == "summary"))[0].ok' "$WORK/forkload.json")" = $FORKS ] ||
	fail "forkload did not fork $FORKS times: $(tail -n 1 "$WORK/forkload.json")"
scrape "$WORK/after.prom"

promtool check metrics < "$WORK/after.prom" > "$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$WORK/promtool.out")"
[ ! -s "$WORK/promtool.out" ] || fail "promtool check metrics: $(cat "$WORK/promtool.out")"

d() { echo $(( $(metric "$WORK/after.prom" "$1") - $(metric "$WORK/before.prom" "$1") )); }
F='comm="forkload"'
[ "$(d "ptcopy_forks_total{$F}")" -eq $FORKS ] ||
	fail "ptcopy_forks_total{$F} rose by $(d "ptcopy_forks_total{$F}"), want $FORKS"
[ "$(d "ptcopy_fork_copy_seconds_count{$F}")" -eq $FORKS ] ||
	fail "ptcopy_fork_copy_seconds_count{$F} rose by $(d "ptcopy_fork_copy_seconds_count{$F}")"
[ "$(d "ptcopy_fork_copy_seconds_bucket{$F,le=\"+Inf\"}")" -eq $FORKS ] ||
	fail "the +Inf bucket rose by $(d "ptcopy_fork_copy_seconds_bucket{$F,le=\"+Inf\"}")"

# The copy windows sum to at most forkload's measured fork() times, and to at
# least half of the CPU time its fork() calls took (wall time would grow
# with waits for a CPU outside the windows on a busy machine).
wall_ns=$(jq -s 'map(select(.type == "fork") | .wall_ns) | add' "$WORK/forkload.json")
cpu_ns=$(jq -s 'map(select(.type == "fork") | .cpu_ns) | add' "$WORK/forkload.json")
# sum_ns FILE: the copy seconds sum in ns, exactly (a double would round):
# the integer part and the fraction's digits padded to nine
sum_ns() {
	awk -v s="ptcopy_fork_copy_seconds_sum{$F}" 'BEGIN { v = 0 }
		$1 == s {
			if ($2 !~ /^[0-9]+(\.[0-9]+)?$/) { print "unexpected number " $2 > "/dev/stderr"; exit 1 }
			n = split($2, p, ".")
			v = p[1] * 1e9 + (n > 1 ? substr(p[2] "000000000", 1, 9) : 0)
		}
		END { printf "%.0f\n", v }' "$1"
}
before_ns=$(sum_ns "$WORK/before.prom")
window_ns=$(( $(sum_ns "$WORK/after.prom") - before_ns ))
[ "$window_ns" -le "$wall_ns" ] || fail "copy windows sum to $window_ns ns > forkload's $wall_ns ns"
[ $((window_ns * 2)) -ge "$cpu_ns" ] || fail "copy windows sum to $window_ns ns < half of the $cpu_ns ns CPU time of forkload's fork() calls"
echo "$FORKS forks of 128 MiB: copy windows $((window_ns / FORKS / 1000)) us mean, forkload's fork() $((wall_ns / FORKS / 1000)) us mean ($((cpu_ns / FORKS / 1000)) us CPU)"

# Buckets are cumulative: non-decreasing up to +Inf.
grep "^ptcopy_fork_copy_seconds_bucket{$F," "$WORK/after.prom" | awk '
	{ if ($2 + 0 < prev) { print "bucket " $1 " = " $2 " < " prev; exit 1 } prev = $2 + 0 }' ||
	fail "histogram buckets are not cumulative"
# Per-program run counts (BPF statistics, enabled by --bpf-stats): the
# mmap_lock release program, which closes each fork's window, ran at least
# once per fork.
runs=$(awk '$1 ~ /^ptcopy_bpf_program_runs_total\{program="ptcopy_mml_rel_(btf|raw)"\}$/ { n += $2 } END { print n + 0 }' "$WORK/after.prom")
[ "$runs" -ge $FORKS ] || fail "the mmap_lock release program ran $runs times for $FORKS forks"

# OpenMetrics on request, the same counts.
curl -sS --fail -D "$WORK/om.hdr" -o "$WORK/om.txt" \
	-H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	"$EXPORTER_URL/metrics" || fail "OpenMetrics scrape failed"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$WORK/om.hdr" ||
	fail "OpenMetrics content type: $(grep -i content-type "$WORK/om.hdr")"
[ "$(tail -n 1 "$WORK/om.txt")" = "# EOF" ] || fail "the OpenMetrics exposition does not end with # EOF"
grep -qx '# TYPE ptcopy_forks counter' "$WORK/om.txt" || fail "no OpenMetrics counter family ptcopy_forks"
[ "$(metric "$WORK/om.txt" "ptcopy_forks_total{$F}")" = "$(metric "$WORK/after.prom" "ptcopy_forks_total{$F}")" ] ||
	fail "OpenMetrics and text disagree on ptcopy_forks_total{$F}"

# The protobuf format on request (Prometheus asks for it first with native
# histograms): every family of the text format, the same counts, and the
# copy-window histogram with its classic and native buckets.
curl -sS --fail -D "$WORK/pb.hdr" -o "$WORK/pb.bin" \
	-H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,text/plain;version=0.0.4;q=0.5' \
	"$EXPORTER_URL/metrics" || fail "protobuf scrape failed"
grep -qi '^content-type: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited' \
	"$WORK/pb.hdr" || fail "protobuf content type: $(grep -i content-type "$WORK/pb.hdr")"
decode_protobuf "$WORK/pb.bin" "$WORK/pb.txt"
diff <(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$WORK/after.prom" | sort) \
	<(sed -n 's/^name: "\(.*\)"$/\1/p' "$WORK/pb.txt" | sort) ||
	fail "the protobuf families differ from the text format's (< text, > protobuf)"
pb_forks=$(awk -v f="$F" '/^name: / { fam = $2 } fam == "\"ptcopy_forks_total\"" && /value: "forkload"/ { hit = 1 }
	hit && /^ +value: [0-9]/ { print $2; exit }' "$WORK/pb.txt")
[ "$pb_forks" = "$(metric "$WORK/after.prom" "ptcopy_forks_total{$F}")" ] ||
	fail "protobuf and text disagree on ptcopy_forks_total{$F}: $pb_forks"
grep -q '^    schema: 0$' "$WORK/pb.txt" && grep -q '^    positive_delta: ' "$WORK/pb.txt" &&
	grep -q '^    bucket {$' "$WORK/pb.txt" || fail "no histogram with classic and native buckets in the protobuf format"

# gzip when asked: the same content.
scrape "$WORK/gz.prom" --compressed
[ "$(metric "$WORK/gz.prom" "ptcopy_forks_total{$F}")" = "$(metric "$WORK/after.prom" "ptcopy_forks_total{$F}")" ] ||
	fail "the gzip scrape disagrees"

# 404 and 405, then it still serves.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$EXPORTER_URL/nope")" = 404 ] || fail "GET /nope is not a 404"
[ "$(code "$EXPORTER_URL/metrics/x")" = 404 ] || fail "GET /metrics/x is not a 404"
[ "$(code -X POST -d x=1 "$EXPORTER_URL/metrics")" = 405 ] || fail "POST /metrics is not a 405"
[ "$(code -X DELETE "$EXPORTER_URL/")" = 405 ] || fail "DELETE / is not a 405"
curl -s -D - -o /dev/null -X PUT "$EXPORTER_URL/metrics" | grep -qi '^allow: GET, HEAD' ||
	fail "a 405 has no Allow: GET, HEAD"
[ "$(code -I "$EXPORTER_URL/metrics")" = 200 ] || fail "HEAD /metrics is not a 200"
curl -sS --fail "$EXPORTER_URL/" | grep -q '<a href="/metrics">' || fail "/ does not link to /metrics"
kill -0 "$pid" || fail "the exporter died serving errors"
scrape "$WORK/last.prom"
[ "$(metric "$WORK/last.prom" "ptcopy_forks_total{$F}")" -ge "$(metric "$WORK/after.prom" "ptcopy_forks_total{$F}")" ] ||
	fail "ptcopy_forks_total{$F} went backwards"

stop_exporter TERM
grep -q 'level=info msg="stopping on Terminated"' "$EXPORTER_LOG" || fail "no stop record in the log"
# Every log record is one logfmt line.
bad=$(grep -cvE '^ts=[0-9T:.-]+Z level=(debug|info|warn|error) msg=".*"$' "$EXPORTER_LOG" || true)
[ "$bad" -eq 0 ] || fail "$bad log lines are not logfmt records: $(cat "$EXPORTER_LOG")"
echo "ok: exact fork count, promtool clean, capabilities 0, clean exit"

#!/usr/bin/env bash
# A real Prometheus server (Debian's) on loopback scrapes the exporter every
# second (it negotiates OpenMetrics and gzip). After forkload
# forks, its HTTP API returns ptcopy_forks_total{comm="forkload"} at exactly
# the exporter's value, and histogram_quantile(0.99, ...) over the rate of
# the copy-time buckets returns a number within the buckets forkload's
# forks can fall into.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl jq prometheus

start_exporter prom
target=${EXPORTER_URL#http://}
port=$(free_port)
PROM_URL=http://127.0.0.1:$port
mkdir -p "$WORK/tsdb"
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ptcopy
    static_configs:
      - targets: ['$target']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$port" --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

# query EXPR: the first result's value, "" if none.
query() {
	curl -sS --fail -G --data-urlencode "query=$1" "$PROM_URL/api/v1/query" |
		jq -r '.data.result[0].value[1] // ""'
}

# wait_for EXPR WANT: until EXPR evaluates to WANT (within 30 s).
wait_for() {
	local i v
	for _ in $(seq 1 150); do
		v=$(query "$1" 2>/dev/null || true)
		[ "$v" = "$2" ] && return 0
		kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited: $(tail -n 5 "$WORK/prometheus.log")"
		sleep 0.2
	done
	fail "Prometheus: $1 = '$v', want '$2' (log: $(tail -n 3 "$WORK/prometheus.log"))"
}

wait_for 'up{job="ptcopy"}' 1
# One fork creates the series, so that the 20 to come are a rate, not its start.
"$FORKLOAD" --size 64 --forks 1 > /dev/null
scrape "$WORK/one.prom"
F='comm="forkload"'
wait_for "ptcopy_forks_total{$F}" "$(metric "$WORK/one.prom" "ptcopy_forks_total{$F}")"

"$FORKLOAD" --size 256 --forks 20 > "$WORK/forkload.json"
scrape "$WORK/after.prom"
want=$(metric "$WORK/after.prom" "ptcopy_forks_total{$F}")
[ "$want" -eq $(( $(metric "$WORK/one.prom" "ptcopy_forks_total{$F}") + 20 )) ] ||
	fail "the exporter shows $want forkload forks, want 20 more than before"
wait_for "ptcopy_forks_total{$F}" "$want"

# The scrape itself: OpenMetrics was negotiated and nothing failed.
jq -e '.data.activeTargets[0] | .health == "up" and .lastError == ""' \
	<(curl -sS "$PROM_URL/api/v1/targets") > /dev/null || fail "the target is not healthy: $(curl -sS "$PROM_URL/api/v1/targets")"
# Every series of the family made it, with the buckets' le values as exposed.
n=$(curl -sS -G --data-urlencode "match[]=ptcopy_fork_copy_seconds_bucket{$F}" \
	"$PROM_URL/api/v1/series" | jq '.data | length')
[ "$n" -eq "$(grep -c "^ptcopy_fork_copy_seconds_bucket{$F," "$WORK/after.prom")" ] ||
	fail "Prometheus has $n bucket series of forkload, the exporter exposes $(grep -c "^ptcopy_fork_copy_seconds_bucket{$F," "$WORK/after.prom")"

q99=$(query "histogram_quantile(0.99, sum by (le) (rate(ptcopy_fork_copy_seconds_bucket{$F}[1m])))")
case $q99 in
'' | NaN | +Inf | -Inf) fail "histogram_quantile(0.99, ...) gave '$q99', want a number" ;;
esac
# No fork took longer than forkload measured: the estimate is at most the
# bound of the bucket that holds forkload's slowest fork().
max_wall=$(jq -s 'map(select(.type == "fork") | .wall_ns) | max / 1e9' "$WORK/forkload.json")
bound=$(grep "^ptcopy_fork_copy_seconds_bucket{$F," "$WORK/after.prom" | sed 's/.*le="\([^"]*\)".*/\1/' |
	awk -v m="$max_wall" '$1 != "+Inf" && $1 + 0 >= m { print; exit }')
awk -v q="$q99" -v b="$bound" 'BEGIN { exit !(q > 0 && q <= b) }' ||
	fail "histogram_quantile(0.99) = $q99 s, outside (0, $bound] (slowest fork $max_wall s)"
echo "Prometheus: ptcopy_forks_total{$F} = $want, p99 copy window over 1m = $q99 s (slowest fork() $max_wall s, bucket le $bound)"

# The Grafana dashboard: every query is valid PromQL on these metrics, the
# metric names it uses are the exporter's (the METRICS table of
# ptcopy_exporter(8), which tests/unit/test_contract.c holds to every family
# the exporter exposes on any tier), and its copy-window panels show
# forkload (its variables set as Grafana would: all instances, comm forkload).
DASH=userspace/exporter/grafana-dashboard.json
jq -e '.panels | length > 0' "$DASH" > /dev/null || fail "$DASH is not a dashboard"
for m in $(jq -r '.. | .expr? // empty' "$DASH" | grep -o 'ptcopy_[a-z_]*' | sed -E 's/_(bucket|sum|count)$//' | sort -u); do
	grep -q "^$m|" "$BUILD/doc/ptcopy_exporter.8" ||
		fail "$DASH uses $m, which the exporter does not expose"
done
jq -r '.. | .expr? // empty' "$DASH" | sed -e 's/\$instance/.*/g' -e 's/\$comm/forkload/g' \
	-e 's/\$__rate_interval/1m/g' -e 's/\$__range/5m/g' > "$WORK/dash.exprs"
while read -r e; do
	r=$(curl -sS -G --data-urlencode "query=$e" "$PROM_URL/api/v1/query")
	[ "$(echo "$r" | jq -r .status)" = success ] || fail "dashboard query failed: $e: $(echo "$r" | jq -r .error)"
done < "$WORK/dash.exprs"
for e in $(grep -n 'ptcopy_fork_copy_seconds_bucket' "$WORK/dash.exprs" | cut -d: -f1); do
	n=$(curl -sS -G --data-urlencode "query=$(sed -n "${e}p" "$WORK/dash.exprs")" "$PROM_URL/api/v1/query" |
		jq '.data.result | length')
	[ "$n" -gt 0 ] || fail "dashboard query without data: $(sed -n "${e}p" "$WORK/dash.exprs")"
done
echo "dashboard: $(wc -l < "$WORK/dash.exprs") queries valid"

# Prometheus took the OpenMetrics exposition: only there is a family of type
# info, and only there do families carry a unit.
curl -sS "$PROM_URL/api/v1/metadata" > "$WORK/metadata.json"
jq -e '.data.ptcopy_build[0].type == "info" and .data.ptcopy_fork_copy_seconds[0].unit == "seconds"' \
	"$WORK/metadata.json" > /dev/null ||
	fail "Prometheus did not ingest OpenMetrics: $(jq -c '.data.ptcopy_build, .data.ptcopy_fork_copy_seconds' "$WORK/metadata.json")"

kill -TERM "$PROM_PID"
wait "$PROM_PID" || true
PROM_PID=
! grep -E 'level=(warn|error)' "$EXPORTER_LOG" || fail "the exporter logged warnings or errors"
stop_exporter TERM

#!/usr/bin/env bash
# 150 processes of distinct names (ptx001..ptx150) fork once each under the
# default --max-label-values=128: exactly 128 comm values are kept (each of
# ours with exactly 1 fork), the rest fold into comm="other", whose forks
# equal ptcopy_forks_folded_total, and ptcopy_labels_folded_total
# counts at least the 22 of ours that cannot fit. Then, with 128 label
# values, scrape latency (wrk, as plain text and as Prometheus asks:
# OpenMetrics + gzip, or protobuf + gzip with native histograms) and the
# exporter's memory, printed as "bench:" lines;
# its RSS must not grow over thousands of scrapes.
# host-san: no (a benchmark: sanitizers would only measure themselves)
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl promtool wrk
NAMES=150

start_exporter fold
pid=$EXPORTER_PID
for i in $(seq -f '%03g' 1 $NAMES); do
	# The subshell renames itself, then forks /bin/true: one fork per name.
	(printf 'ptx%s' "$i" > /proc/self/comm && /bin/true; rc=$?; exit $rc) ||
		fail "process ptx$i failed"
done
scrape "$WORK/fold.prom"
promtool check metrics < "$WORK/fold.prom" || fail "promtool check metrics failed with 128 label values"

kept=$(grep -c '^ptcopy_forks_total{comm="' "$WORK/fold.prom")
other=$(metric "$WORK/fold.prom" 'ptcopy_forks_total{comm="other"}')
[ "$other" -gt 0 ] || fail "no forks under comm=\"other\""
[ "$((kept - 1))" -eq 128 ] || fail "$((kept - 1)) comm values kept besides other, want 128"
[ "$other" -eq "$(metric "$WORK/fold.prom" ptcopy_forks_folded_total)" ] ||
	fail "comm=\"other\" has $other forks, ptcopy_forks_folded_total says $(metric "$WORK/fold.prom" ptcopy_forks_folded_total)"
folded=$(metric "$WORK/fold.prom" ptcopy_labels_folded_total)
[ "$folded" -ge $((NAMES - 128)) ] || fail "ptcopy_labels_folded_total = $folded, want >= $((NAMES - 128))"
ours=$(grep -c '^ptcopy_forks_total{comm="ptx[0-9]*"} ' "$WORK/fold.prom" || true)
[ "$ours" -gt 0 ] || fail "none of ptx001..ptx$NAMES kept"
bad=$(grep '^ptcopy_forks_total{comm="ptx[0-9]*"} ' "$WORK/fold.prom" | grep -v ' 1$' || true)
[ -z "$bad" ] || fail "a ptx process with other than 1 fork: $bad"
echo "bench: $((kept - 1)) comm values kept ($ours of ptx001..ptx$NAMES), $folded folded, $other forks under \"other\""
echo "bench: exposition $(wc -c < "$WORK/fold.prom") bytes, $(grep -vc '^#' "$WORK/fold.prom") samples (text 0.0.4, uncompressed)"

rss() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$pid/status"; }
# Warm up, then measure: one connection, back to back, like a scraper would.
wrk -t1 -c1 -d2s "$EXPORTER_URL/metrics" > /dev/null
rss0=$(rss VmRSS)
bench() {
	local name=$1 out
	shift
	out=$(wrk -t1 -c1 -d5s --latency "$@" "$EXPORTER_URL/metrics")
	echo "$out" | grep -q 'Non-2xx' && fail "wrk $name: non-2xx responses"
	echo "bench: $name: $(echo "$out" | awk '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } END { print r " scrapes/s, latency p50 " p50 ", p99 " p99 }')"
}
bench "text 0.0.4"
bench "OpenMetrics+gzip" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	-H 'Accept-Encoding: gzip'
PB='Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
scrape "$WORK/fold.pb" -H "$PB"
echo "bench: exposition $(wc -c < "$WORK/fold.pb") bytes as protobuf (classic and native buckets, uncompressed)"
bench "protobuf+gzip" -H "$PB" -H 'Accept-Encoding: gzip'
rss1=$(rss VmRSS)
echo "bench: VmRSS ${rss0} kB after warm-up, ${rss1} kB after the runs; VmHWM $(rss VmHWM) kB"
# A leak of even one small allocation per scrape shows over thousands of them.
[ $((rss1 - rss0)) -lt 2048 ] || fail "RSS grew from $rss0 to $rss1 kB over the benchmark"
kill -0 "$pid" || fail "the exporter died under load"
stop_exporter TERM

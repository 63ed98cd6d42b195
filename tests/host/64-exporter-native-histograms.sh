#!/usr/bin/env bash
# Native histograms through the protobuf format, with Debian's Prometheus
# (2.42: native histograms behind --enable-feature=native-histograms, which
# also makes it ask for protobuf first). Two servers scrape the exporter
# every second while forkload forks: "native" with the flag (it negotiates
# protobuf and keeps only the native series of a histogram; 2.42 has no
# scrape_classic_histograms) and "classic" without (OpenMetrics, classic
# buckets). Both see the same data: every exporter sample in the query
# window is a state both servers scraped (a warm-up fork first, then the
# load, then quiet until both have the final value). Then, at one instant:
# - the native histogram's count and sum equal the classic _count and _sum
#   and the exporter's own;
# - each classic le bucket's count equals the zero bucket plus the native
#   buckets up to it (slot s is native bucket s - 29, expo_proto.h);
# - histogram_quantile(0.99, rate(...[1m])) over the native series falls in
#   the native bucket of the same slot as the classic quantile's bucket
#   (classic buckets hold two slots each: le = 2^(i+1) - 1 ns for odd i).
# A forkload copy with its own comm keeps other forkloads out of the data.
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl jq prometheus

prometheus --version 2>&1 | head -n 1
CLASSIC_PID=
native_cleanup() {
	if [ -n "$CLASSIC_PID" ] && kill -0 "$CLASSIC_PID" 2>/dev/null; then
		kill -KILL "$CLASSIC_PID" 2>/dev/null || true
		wait "$CLASSIC_PID" 2>/dev/null || true
	fi
	exporter_cleanup
}
trap native_cleanup EXIT

COMM=nhist-load
cp "$FORKLOAD" "$WORK/$COMM"
F="comm=\"$COMM\""
H=ptcopy_fork_copy_seconds

start_exporter native
target=${EXPORTER_URL#http://}

# start_prometheus NAME [FLAGS...]: a server on a free port; its URL in $NAME_URL.
start_prometheus() {
	local name=$1 port
	shift
	port=$(free_port)
	mkdir -p "$WORK/$name/tsdb"
	cat > "$WORK/$name/prometheus.yml" <<-EOF2
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: ptcopy
	    static_configs:
	      - targets: ['$target']
	EOF2
	prometheus --config.file="$WORK/$name/prometheus.yml" --storage.tsdb.path="$WORK/$name/tsdb" \
		--web.listen-address="127.0.0.1:$port" --log.level=warn "$@" \
		> "$WORK/$name/prometheus.log" 2>&1 &
	eval "${name^^}_PID=$!"
	eval "${name^^}_URL=http://127.0.0.1:$port"
}
start_prometheus native --enable-feature=native-histograms
PROM_PID=$NATIVE_PID
start_prometheus classic
CLASSIC_PID=$CLASSIC_PID

# query URL EXPR [TIME]: the API's answer (JSON) for EXPR.
query() {
	curl -sS --fail -G --data-urlencode "query=$2" ${3:+--data-urlencode "time=$3"} \
		"$1/api/v1/query"
}
value() {
	query "$@" | jq -r '.data.result[0].value[1] // ""'
}

# wait_both EXPR_NATIVE EXPR_CLASSIC WANT: until both servers have WANT (30 s).
wait_both() {
	local a b
	for _ in $(seq 1 150); do
		a=$(value "$NATIVE_URL" "$1" 2>/dev/null || true)
		b=$(value "$CLASSIC_URL" "$2" 2>/dev/null || true)
		[ "$a" = "$3" ] && [ "$b" = "$3" ] && return 0
		kill -0 "$NATIVE_PID" 2>/dev/null || fail "prometheus (native) exited: $(tail -n 5 "$WORK/native/prometheus.log")"
		kill -0 "$CLASSIC_PID" 2>/dev/null || fail "prometheus (classic) exited: $(tail -n 5 "$WORK/classic/prometheus.log")"
		sleep 0.2
	done
	fail "waiting for $3: native $1 = '$a', classic $2 = '$b'"
}

wait_both 'up{job="ptcopy"}' 'up{job="ptcopy"}' 1
# The warm-up fork creates the series; 2 s later both servers have scraped it.
"$WORK/$COMM" --size 16 --forks 1 > /dev/null
wait_both "histogram_count($H{$F})" "${H}_count{$F}" 1
sleep 2
t_start=$(date +%s)

# The load, scraped as it forks: 60 forks of 64 MiB spread over 6 s and,
# beside them, 8 of 512 MiB (the tail the p99 lands in).
"$WORK/$COMM" --size 64 --forks 60 --interval-ms 100 > "$WORK/small.json" &
small=$!
"$WORK/$COMM" --size 512 --forks 8 --interval-ms 500 > "$WORK/big.json" || fail "forkload (512 MiB) failed"
wait "$small" || fail "forkload (64 MiB) failed"
scrape "$WORK/after.prom"
count=$(metric "$WORK/after.prom" "${H}_count{$F}")
[ "$count" -eq 69 ] || fail "the exporter counts $count forks of $COMM, want 69"
sum=$(metric "$WORK/after.prom" "${H}_sum{$F}")
wait_both "histogram_count($H{$F})" "${H}_count{$F}" "$count"
sleep 2
t=$(date +%s)
# The window reaches back to the warm-up state in both servers (1m as the
# dashboard's rate interval, longer only if this machine was slow).
range=$(( t - t_start + 5 > 60 ? t - t_start + 5 : 60 ))s

# The native server scraped protobuf: its series is a native histogram,
# with the exporter's count and sum, and has no classic buckets (2.42).
query "$NATIVE_URL" "$H{$F}" "$t" > "$WORK/native.json"
jq -e '.data.result | length == 1 and (.[0].histogram | length == 2)' "$WORK/native.json" > /dev/null ||
	fail "no native histogram in the protobuf-scraping server: $(head -c 500 "$WORK/native.json")"
n=$(jq -r '.data.result[0].histogram[1].count' "$WORK/native.json")
[ "$n" = "$count" ] || fail "native count $n, the exporter's $count"
n=$(jq -r '.data.result[0].histogram[1].sum' "$WORK/native.json")
c=$(value "$CLASSIC_URL" "${H}_sum{$F}" "$t")
awk -v a="$n" -v b="$c" -v e="$sum" 'BEGIN { exit !(a == b && a == e) }' ||
	fail "sums differ: native $n, classic $c, exporter $sum"
[ "$(value "$NATIVE_URL" "count(${H}_bucket{$F})" "$t")" = "" ] ||
	fail "the native server also has classic buckets"

# Every classic bucket is the zero bucket plus the native buckets up to it:
# le = 2^(i+1) - 1 ns (slot i) against native upper bounds 2^(i-29) s.
jq -r '.data.result[0].histogram[1].buckets[] | "\(.[2]) \(.[3])"' "$WORK/native.json" > "$WORK/native.buckets"
grep "^${H}_bucket{$F," "$WORK/after.prom" | sed 's/.*le="\([^"]*\)"} \(.*\)/\1 \2/' > "$WORK/classic.buckets"
nb=0
while read -r le cum; do
	[ "$le" = "+Inf" ] && continue
	want=$(awk -v le="$le" '
		# upper bound 2^k s holds slot k + 29, whose values are <= 2^(k+30) - 1 ns
		{ u = $1 * 2^29; if (u * 2 - 1 <= le * 1e9 + 0.5) tot += $2 } END { print tot + 0 }' "$WORK/native.buckets")
	[ "$want" = "$cum" ] || fail "classic le=$le has $cum, the native buckets up to it $want"
	nb=$((nb + 1))
done < "$WORK/classic.buckets"
[ "$nb" -eq 15 ] || fail "$nb classic buckets, want 15"

qn=$(value "$NATIVE_URL" "histogram_quantile(0.99, rate($H{$F}[$range]))" "$t")
qc=$(value "$CLASSIC_URL" "histogram_quantile(0.99, rate(${H}_bucket{$F}[$range]))" "$t")
for q in "$qn" "$qc"; do
	case $q in '' | NaN | +Inf | -Inf) fail "histogram_quantile(0.99): native '$qn', classic '$qc'" ;; esac
done
# The slot of the native answer: bucket k = (2^(k-1), 2^k] s is slot k + 29.
slot=$(awk -v q="$qn" 'BEGIN { k = -40; while (2^k < q) k++; print k + 29 }')
# The classic answer's bucket: (le_prev, le], le = 2^(i+1) - 1 ns, slots prev+1..i.
read -r lo hi < <(awk -v q="$qc" '$1 != "+Inf" {
		i = int(log($1 * 1e9 + 1) / log(2) + 0.5) - 1
		if (q <= $1 + 0) { print prev + 1, i; found = 1; exit }
		prev = i
	} END { if (!found) print "none none" }' prev=-1 "$WORK/classic.buckets")
[ "$lo" != none ] || fail "classic p99 $qc is above every le bucket"
[ "$slot" -ge "$lo" ] && [ "$slot" -le "$hi" ] ||
	fail "p99: native $qn s is slot $slot, classic $qc s is in slots $lo..$hi"
echo "p99 of $count forks over $range: native $qn s (slot $slot), classic $qc s (slots $lo..$hi)"

# The dashboard's native panels have data on the native server.
DASH=userspace/exporter/grafana-dashboard.json
jq -r '.panels[] | select(.title | test("\\(native\\)$")) | .targets[].expr' "$DASH" |
	sed -e 's/\$instance/.*/g' -e "s/\\\$comm/$COMM/g" -e "s/\\\$__rate_interval/$range/g" \
	> "$WORK/dash.exprs"
[ -s "$WORK/dash.exprs" ] || fail "$DASH has no native panels"
while read -r e; do
	r=$(query "$NATIVE_URL" "$e" "$t")
	[ "$(echo "$r" | jq -r .status)" = success ] || fail "dashboard query failed: $e: $(echo "$r" | jq -r .error)"
	case $e in *ptcopy_fork_copy_seconds*)
		[ "$(echo "$r" | jq '.data.result | length')" -gt 0 ] || fail "dashboard query without data: $e" ;;
	esac
done < "$WORK/dash.exprs"
echo "dashboard: $(wc -l < "$WORK/dash.exprs") native queries valid"

kill -TERM "$NATIVE_PID" "$CLASSIC_PID"
wait "$NATIVE_PID" "$CLASSIC_PID" || true
PROM_PID=
CLASSIC_PID=
! grep -E 'level=(warn|error)' "$EXPORTER_LOG" || fail "the exporter logged warnings or errors"
stop_exporter TERM

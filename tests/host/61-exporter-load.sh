#!/usr/bin/env bash
# Load: wrk on loopback for 30 s with 64 connections while forkload forks
# continuously. Zero socket errors and zero non-200 answers; a scrape
# sampled every 2 s meanwhile is valid for promtool and its counters never
# go backwards; ptcopy_forks_total{comm="forkload"} ends equal to the forks
# forkload made. wrk's 64 connections come from one address, so the
# per-address limit is raised to 64 for this run (the default, 16, is for
# production; see the man page).
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools wrk curl promtool jq
SECONDS_LOAD=${LOAD_SECONDS:-30}
F='comm="forkload"'

start_exporter load --web.max-connections-per-ip=64
pid=$EXPORTER_PID
scrape "$WORK/s0.prom"
base=$(metric "$WORK/s0.prom" "ptcopy_forks_total{$F}")
rss_start=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
# Forks of 32 MiB, 20 ms apart, for as long as wrk runs.
n_forks=$((SECONDS_LOAD * 1000 / 40))
"$FORKLOAD" --size 32 --forks "$n_forks" --interval-ms 20 -q > "$WORK/forkload.json" &
fl=$!
wrk -t2 -c64 -d"${SECONDS_LOAD}s" --latency "$EXPORTER_URL/metrics" > "$WORK/wrk.out" 2>&1 &
wk=$!
i=0
while kill -0 "$wk" 2>/dev/null; do
	i=$((i + 1))
	# from another address: wrk holds the 64 of 127.0.0.1
	scrape "$WORK/s$i.prom" --interface 127.0.0.2
	sleep 2
done
wait "$wk" || fail "wrk failed: $(cat "$WORK/wrk.out")"
wait "$fl" || fail "forkload failed"
cat "$WORK/wrk.out" | grep -E 'Requests/sec|Latency |requests in|Socket errors|Non-2xx' || true
! grep -q 'Socket errors' "$WORK/wrk.out" || fail "wrk saw socket errors: $(grep 'Socket errors' "$WORK/wrk.out")"
! grep -q 'Non-2xx' "$WORK/wrk.out" || fail "wrk saw non-200 answers: $(grep 'Non-2xx' "$WORK/wrk.out")"
requests=$(awk '/requests in/ { print $1 }' "$WORK/wrk.out")
[ "${requests:-0}" -gt 0 ] || fail "wrk made no requests"

# Every sample valid, every counter monotonic from one sample to the next.
for j in $(seq 1 "$i"); do
	promtool check metrics < "$WORK/s$j.prom" > "$WORK/pt.out" 2>&1 ||
		fail "sample $j: promtool check metrics: $(head -n 3 "$WORK/pt.out")"
	[ ! -s "$WORK/pt.out" ] || fail "sample $j: promtool: $(head -n 3 "$WORK/pt.out")"
	awk 'NR == FNR { if ($1 ~ /_total(\{|$)|_count(\{|$)|_sum(\{|$)|_bucket\{/) prev[$1] = $2; next }
	     ($1 in prev) && $2 + 0 < prev[$1] + 0 { print $1 " went from " prev[$1] " to " $2; bad = 1 }
	     END { exit bad }' "$WORK/s$((j - 1)).prom" "$WORK/s$j.prom" > "$WORK/mono.out" ||
		fail "sample $j: a counter went backwards: $(head -n 3 "$WORK/mono.out")"
done
ok=$(jq -s 'map(select(.type == "summary"))[0].ok' "$WORK/forkload.json")
scrape "$WORK/end.prom"
got=$(( $(metric "$WORK/end.prom" "ptcopy_forks_total{$F}") - base ))
[ "$got" -eq "$ok" ] || fail "ptcopy_forks_total{$F} rose by $got, forkload forked $ok times"
rss_end=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
echo "load: $requests requests in ${SECONDS_LOAD} s, 0 errors, 0 non-200; $i samples valid and monotonic; $ok forks counted exactly; RSS $rss_start -> $rss_end KiB"
stop_exporter TERM

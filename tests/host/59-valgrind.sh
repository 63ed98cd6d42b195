#!/usr/bin/env bash
# valgrind memcheck on a traced run of each tool: ptcopy (NDJSON per fork,
# two reports) and ptcopy_exporter (scraped as text, OpenMetrics, protobuf and gzip,
# stopped by SIGTERM) while forkload forks. Zero errors and zero leaks of any
# kind, with only tests/valgrind.supp's libbpf/kernel false positives
# suppressed (each says why there).
# host-san: no (valgrind cannot run an ASan binary)
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools valgrind curl jq
VG="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --suppressions=tests/valgrind.supp"

# verdict NAME LOG: the summary lines valgrind must print.
verdict() {
	grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$2" ||
		fail "$1 under valgrind: $(grep -E 'ERROR SUMMARY|definitely|indirectly|possibly|reachable' "$2" | tr '\n' ' ')"
	grep -qE 'All heap blocks were freed -- no leaks are possible' "$2" ||
		fail "$1 under valgrind leaks: $(grep -A6 'HEAP SUMMARY' "$2" | tr '\n' ' ')"
	echo "$1: $(grep -o 'total heap usage: .*' "$2"), 0 errors, $(grep -o 'suppressed: [0-9]* from [0-9]*' "$2" | tail -n 1)"
}

# ptcopy: two 4-second reports with a line per fork.
$VG --log-file="$WORK/vg-ptcopy.log" "$PTCOPY" -j --forks 4 2 > "$WORK/ptcopy.json" 2> "$WORK/ptcopy.err" &
vg=$!
for _ in $(seq 1 600); do
	grep -q '"type"' "$WORK/ptcopy.json" 2>/dev/null && break
	grep -q 'Tracing' "$WORK/ptcopy.err" 2>/dev/null && break
	kill -0 "$vg" 2>/dev/null || break
	sleep 0.1
done
"$FORKLOAD" --size 16 --forks 5 > /dev/null
rc=0
wait "$vg" || rc=$?
[ "$rc" -eq 0 ] || { grep -A10 -E "Invalid|uninitialised|blocks are (still reachable|definitely|indirectly|possibly)" "$WORK/vg-ptcopy.log" | head -60; fail "ptcopy under valgrind exited $rc: $(tail -n 3 "$WORK/ptcopy.err")"; }
n=$(jq -s 'map(select(.type == "fork" and .comm == "forkload")) | length' "$WORK/ptcopy.json")
[ "$n" -ge 5 ] || fail "ptcopy under valgrind saw $n forkload forks, want at least 5"
verdict ptcopy "$WORK/vg-ptcopy.log"
no_progs_left "after ptcopy under valgrind"

# ptcopy_exporter: start (slowly, under valgrind), scrape four ways, SIGTERM.
EXPORTER_WRAP="$VG --log-file=$WORK/vg-exporter.log"
EXPORTER_WAIT_S=120
start_exporter vg
"$FORKLOAD" --size 16 --forks 5 > /dev/null
scrape "$WORK/a.prom"
scrape "$WORK/b.om" -H 'Accept: application/openmetrics-text;version=1.0.0'
scrape "$WORK/c.prom" --compressed
scrape "$WORK/d.pb" -H 'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
decode_protobuf "$WORK/d.pb" "$WORK/d.pb.txt"
[ "$(metric "$WORK/c.prom" 'ptcopy_forks_total{comm="forkload"}')" -ge 5 ] ||
	fail "the exporter under valgrind counted fewer than 5 forkload forks"
stop_exporter TERM
verdict ptcopy_exporter "$WORK/vg-exporter.log"

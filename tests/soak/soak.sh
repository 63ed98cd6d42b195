#!/usr/bin/env bash
# Soak: ptcopy_exporter and the tracer ptcopy together under a steady fork
# storm (forkload, 16 MiB, a fork every 20 ms) for SECONDS (default 600),
# the exporter scraped every second. At the end: the exporter's resident
# memory within 1 MiB of its value once warmed up (after the first minute,
# or the first tenth of a shorter run), no growth of its open files, every
# scrape a 200, ptcopy_forks_total for its comm and the tracer's
# forkload fork records equal to the forks forkload made. Prints the
# figures. Run from the top of the tree as root: `make soak`
# (SOAK_SECONDS=...), or tests/host/62-exporter-soak.sh for a 1-minute run.
set -eu
BUILD=${BUILD:-build}
SECONDS_SOAK=${1:-600}
WARM=$((SECONDS_SOAK / 10 < 60 ? SECONDS_SOAK / 10 : 60))
W=$(mktemp -d /tmp/ptcopy-soak.XXXXXX)
EXP= TR= FL=
cleanup() {
	local p
	for p in $FL $TR $EXP; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "soak FAIL: $*" >&2; exit 1; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 | wc -l; }

: > "$W/exporter.log"	# read below before the background shell may open it
"$BUILD/ptcopy_exporter" --web.listen-address=127.0.0.1:0 2> "$W/exporter.log" &
EXP=$!
for _ in $(seq 1 200); do
	addr=$(sed -n 's/.*msg="listening on \([^ ]*\) .*/\1/p' "$W/exporter.log")
	[ -n "$addr" ] && break
	sleep 0.05
done
[ -n "$addr" ] || fail "the exporter did not start: $(cat "$W/exporter.log")"
URL=http://$addr/metrics
"$BUILD/ptcopy" -j --forks > "$W/ptcopy.json" 2> "$W/ptcopy.err" &
TR=$!
for _ in $(seq 1 200); do
	grep -q 'Tracing' "$W/ptcopy.err" "$W/ptcopy.json" 2>/dev/null && break
	sleep 0.05
done
# The exporter counts by comm: the storm runs under a name of its own, so
# that another forkload on the machine (a developer's, a parallel test) is
# not counted as the soak's
COMM=soak$$
ln -s "$(realpath "$BUILD/forkload")" "$W/$COMM"
curl -sS --fail -o "$W/start.prom" "$URL" || fail "first scrape failed"
base=$(awk -v s="ptcopy_forks_total{comm=\"$COMM\"}" '$1 == s { print $2 }' "$W/start.prom")
base=${base:-0}
rss0=$(rss "$EXP") fds0=$(fds "$EXP") trss0=$(rss "$TR")
n_forks=$((SECONDS_SOAK * 1000 / 25))
"$W/$COMM" --size 16 --forks "$n_forks" --interval-ms 20 -q > "$W/forkload.json" &
FL=$!
t=0 scrapes=0 failed=0 rss_warm= fds_warm= trss_warm=
while kill -0 "$FL" 2>/dev/null; do
	sleep 1
	t=$((t + 1))
	scrapes=$((scrapes + 1))
	curl -sS --fail -o /dev/null -m 5 "$URL" 2>> "$W/curl.err" || failed=$((failed + 1))
	if [ "$t" -eq "$WARM" ]; then
		rss_warm=$(rss "$EXP") fds_warm=$(fds "$EXP") trss_warm=$(rss "$TR")
	fi
done
wait "$FL" || fail "forkload failed"
sleep 1
curl -sS --fail -o "$W/end.prom" "$URL" || fail "last scrape failed"
rss1=$(rss "$EXP") fds1=$(fds "$EXP") trss1=$(rss "$TR")
kill -INT "$TR"
wait "$TR" || fail "ptcopy exited $? on SIGINT: $(tail -n 2 "$W/ptcopy.err")"
TR=
kill -TERM "$EXP"
wait "$EXP" || fail "the exporter exited $? on SIGTERM"
EXP=
ok=$(jq -s 'map(select(.type == "summary"))[0].ok' "$W/forkload.json")
counted=$(( $(awk -v s="ptcopy_forks_total{comm=\"$COMM\"}" '$1 == s { print $2 }' "$W/end.prom") - base ))
traced=$(jq -s --argjson p "$FL" 'map(select(.type == "fork" and .pid == $p)) | length' "$W/ptcopy.json")
lost=$(awk '$1 ~ /^ptcopy_events_lost_total/ { n += $2 } END { print n + 0 }' "$W/end.prom")
echo "soak: ${t} s, forkload forked $ok times; exporter counted $counted, tracer recorded $traced (events lost $lost)"
echo "soak: $scrapes scrapes, $failed failed"
echo "soak: exporter RSS KiB start $rss0, after ${WARM} s ${rss_warm:-?}, end $rss1; open files $fds0 / ${fds_warm:-?} / $fds1"
echo "soak: tracer RSS KiB start $trss0, after ${WARM} s ${trss_warm:-?}, end $trss1"
[ -n "$rss_warm" ] || fail "the run ended before the warm-up point (${WARM} s)"
[ "$failed" -eq 0 ] || fail "$failed scrapes failed: $(tail -n 2 "$W/curl.err")"
[ "$counted" -eq "$ok" ] || fail "the exporter counted $counted forkload forks, forkload made $ok"
[ "$traced" -eq "$ok" ] || fail "the tracer recorded $traced forkload forks, forkload made $ok"
d=$((rss1 - rss_warm)); [ "${d#-}" -le 1024 ] || fail "exporter RSS moved by $d KiB after warming up"
d=$((trss1 - trss_warm)); [ "${d#-}" -le 1024 ] || fail "tracer RSS moved by $d KiB after warming up"
[ "$fds1" -le "$fds_warm" ] || fail "exporter open files grew from $fds_warm to $fds1"
echo "soak: ok"

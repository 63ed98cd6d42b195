#!/usr/bin/env bash
# The ASan+UBSan build of ptcopy_exporter through real sessions in each
# label mode: scrapes in the three formats, gzip, HEAD, 404/405, concurrent
# scrapes, forks between them, a signal at the end. A memory error,
# undefined behaviour or a leak (LeakSanitizer runs at exit) makes it exit
# non-zero or leaves a report in its log.
# host-san: no (it is the sanitized exporter's own test)
. tests/host/lib.sh
. tests/host/lib-exporter.sh
need_root
need_tools curl python3 protoc-c
SAN=${SAN_BUILD:-build/san}
[ -x "$SAN/ptcopy_exporter" ] || fail "$SAN/ptcopy_exporter missing: run make OUTPUT=$SAN SANITIZE=1"
EXPORTER=$SAN/ptcopy_exporter
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:detect_leaks=1

for labels in comm cgroup none; do
	start_exporter "san-$labels" --labels=$labels --max-label-values=4
	for i in 1 2 3 4 5 6; do
		# comm values beyond the 4 kept: the fold path too
		(printf 'san%d' "$i" > /proc/self/comm && /bin/true; rc=$?; exit $rc)
	done
	"$FORKLOAD" --size 32 --forks 3 -q > /dev/null
	scrape "$WORK/$labels.prom"
	scrape "$WORK/$labels.om" -H 'Accept: application/openmetrics-text; version=1.0.0' --compressed
	scrape "$WORK/$labels.pb" --compressed -H \
		'Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
	decode_protobuf "$WORK/$labels.pb" "$WORK/$labels.pb.txt"
	curl -sS -o /dev/null -I "$EXPORTER_URL/metrics"
	curl -sS -o /dev/null "$EXPORTER_URL/"
	curl -sS -o /dev/null "$EXPORTER_URL/nope"
	curl -sS -o /dev/null -X POST -d 'x=1' "$EXPORTER_URL/metrics"
	scrapers=()
	for i in 1 2 3 4; do
		curl -sS -o "$WORK/$labels.$i" "$EXPORTER_URL/metrics" &
		scrapers+=($!)
	done
	for i in "${scrapers[@]}"; do
		wait "$i" || fail "--labels=$labels: a concurrent scrape failed"
	done
	[ "$(tail -n 1 "$WORK/$labels.om")" = "# EOF" ] || fail "--labels=$labels: no # EOF"
	grep -q '^ptcopy_forks_total' "$WORK/$labels.prom" || fail "--labels=$labels: no ptcopy_forks_total"
	stop_exporter TERM
	! grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$EXPORTER_LOG" ||
		fail "sanitizer reports with --labels=$labels: $(cat "$EXPORTER_LOG")"
done
echo "sanitized ptcopy_exporter: clean in every label mode"

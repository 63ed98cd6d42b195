#!/usr/bin/env bash
# `make bench` in miniature (scripts/bench/bench.sh --smoke): every figure and
# every target line is produced, for each tracer bpftrace included. Nothing
# about speed is asserted: that is the benchmark's own output.
# host-san: no (a benchmark: sanitizers would only measure themselves)
. tests/host/lib.sh
need_root
[ -x "$BUILD/hotpath" ] || fail "$BUILD/hotpath missing (make all builds it)"
[ -x "$BUILD/handler-cost" ] || fail "$BUILD/handler-cost missing (make all builds it)"
[ -x "$BUILD/render-cost" ] || fail "$BUILD/render-cost missing (make all builds it)"
command -v bpftrace > /dev/null || fail "bpftrace missing (scripts/install-deps.sh installs it)"

# this test already holds the host-test lock that bench.sh takes
BENCH_LOCKED=1 BUILD=$BUILD scripts/bench/bench.sh --smoke > "$WORK/bench.out" 2> "$WORK/bench.err" ||
	fail "bench --smoke exited $?: $(cat "$WORK/bench.err")"
out=$WORK/bench.out
num='[-+]?[0-9][0-9.e+-]*'
for t in ptcopy exporter bpftrace; do
	for p in getpid fault mmap pipe fork; do
		grep -Eq "^$t +$p +$num \[$num-$num\] +$num \[$num-$num\] +$num \[$num-$num\] +$num" "$out" ||
			fail "no $t $p figure: $(cat "$out")"
	done
	grep -Eq "^$t  [A-Za-z_]+ [0-9]+ [0-9]+$" "$out" || fail "no per-program cost for $t: $(cat "$out")"
done
for t in ptcopy exporter; do
	for p in getpid fault mmap pipe fork; do
		grep -Eq "^(PASS|MISS)  $t $p traced/untraced <= 1.01 " "$out" || fail "no $t $p ratio target"
		grep -Eq "^(PASS|MISS)  $t $p added <= 1/2 of bpftrace's " "$out" || fail "no $t $p bpftrace target"
	done
	grep -Eq "^(PASS|MISS)  $t program ptcopy_[a-z_]+ <= 50 ns/event" "$out" || fail "no $t program target"
done
for h in start_read start_write_own start_write_other acquire release floor; do
	grep -Eq "^$h +ptcopy_[a-z_]+ +[0-9]+ runs +[0-9.]+ ns/run$" "$out" || fail "no handler cost for $h: $(cat "$out")"
done
for f in text openmetrics protobuf; do
	grep -Eq "^$f +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ *$" "$out" || fail "no render cost for $f: $(cat "$out")"
	grep -Eq "^(PASS|MISS)  exporter render p99 <= 1 ms at 128 label values \($f\)" "$out" ||
		fail "no render target for $f"
done
grep -Eq "^exporter scrapes \(12[89] comm values" "$out" || fail "the scrape bench did not see 128 comm values: $(cat "$out")"
for f in 'text[+]gzip' 'openmetrics[+]gzip' 'protobuf[+]gzip'; do
	grep -Eq "^(PASS|MISS)  exporter >= 2000 scrapes/s \($f\) \([0-9.]+/s" "$out" || fail "no scrape rate for $f: $(cat "$out")"
done
grep -Eq "^(PASS|MISS)  exporter RSS <= 16 MiB \(VmRSS after the scrapes\) \([0-9.]+ MiB, peak [0-9.]+ MiB\)" "$out" || fail "no exporter RSS target"
grep -Eq "^targets missed: [0-9]+$" "$out" || fail "no target summary"
no_progs_left "after the bench"
echo "bench smoke: $(grep -c '^PASS\|^MISS' "$out") targets printed"

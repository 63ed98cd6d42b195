#!/usr/bin/env bash
# usage: tests/fuzz/run.sh OUT SECONDS TARGET...: run each libFuzzer target
# for SECONDS / number of targets from its corpus in tests/fuzz/corpus/,
# keeping new inputs in OUT/work/TARGET (the checked-in corpus stays as it
# is: `cp OUT/work/T/* tests/fuzz/corpus/T/` after a campaign to keep
# them). Prints executions and findings per target; exit 1 on a crash.
set -eu
out=$1 total=$2
shift 2
per=$((total / $#))
[ "$per" -ge 1 ] || per=1
status=0
printf '%-16s %10s %8s %8s  %s\n' target runs exec/s corpus findings
for t in "$@"; do
	mkdir -p "$out/work/$t" "tests/fuzz/corpus/$t"
	log=$out/$t.log
	rc=0
	"$out/fuzz_$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=1024 -max_len=8192 \
		-artifact_prefix="$out/crash-$t-" -print_final_stats=1 \
		"$out/work/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	corpus=$(find "$out/work/$t" "tests/fuzz/corpus/$t" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		status=1
		found="CRASH: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$log" || echo "exit $rc"); see $log"
	else
		found=none
	fi
	printf '%-16s %10s %8s %8s  %s\n' "$t" "${runs:-?}" "${speed:-?}" "$corpus" "$found"
done
exit $status

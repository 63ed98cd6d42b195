#!/usr/bin/env bash
# Run every test suite and summarize; exit 1 if any failed.
#
#   BUILD      normal build (build/), SAN_BUILD: the ASan+UBSan build
#   TESTS      comma-separated suites to run: style,unit,bpf,host,host-san,vm
#              (default all); host-san: the host tests again on the ASan+UBSan
#              build, but those whose first lines say "# host-san: no (why)"
#   PHASE_TIMES  "PHASE SECONDS" lines of earlier phases (make test: deps,
#              builds), printed with this run's at the end
#
# A test passes with exit 0, fails otherwise; exit 77 means it skipped
# because the machine truly lacks a capability, and it must have printed why.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export BUILD=${BUILD:-build} SAN_BUILD=${SAN_BUILD:-build/san}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
suites=${TESTS:-style,unit,bpf,host,host-san,vm}
logdir=$BUILD/test-logs
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
failures=
t_start=$(date +%s)

run() {
	local name=$1; shift
	local log=$logdir/${name//\//_}.log t0 rc
	t0=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); printf 'PASS  %-44s %4ss\n' "$name" $(($(date +%s) - t0)) ;;
	77) skipped=$((skipped + 1)); printf 'SKIP  %-44s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) failed=$((failed + 1)); failures="$failures $name"
	   printf 'FAIL  %-44s %4ss (exit %d), last lines of %s:\n' "$name" $(($(date +%s) - t0)) $rc "$log"
	   tail -n 25 "$log" | sed 's/^/      /' ;;
	esac
}

want() { case ",$suites," in *",$1,"*) return 0 ;; esac; return 1; }

# phase NAME SECONDS: one line of the phase table
phases=
phase() {
	phases="$phases$(printf '%-44s %6s s' "$1" "$2")
"
}
phase_start=$(date +%s)
phase_end() {
	phase "$1" $(( $(date +%s) - phase_start ))
	phase_start=$(date +%s)
}

if want style; then
	run "style/checkpatch" scripts/check-style.sh
	phase_end style
fi
if want unit; then
	for t in "$SAN_BUILD"/tests/unit/test_*; do
		[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
	done
	phase_end unit
fi
if want bpf; then
	for t in "$SAN_BUILD"/tests/bpf/test_*; do
		[ -x "$t" ] && run "bpf/$(basename "$t")" "$t"
	done
	phase_end bpf
fi
if want host; then
	for t in tests/host/[0-9]*.sh; do
		[ -f "$t" ] && run "host/$(basename "$t" .sh)" bash "$t"
	done
	phase_end host
fi
if want host-san; then
	# Every tracer and exporter run again with AddressSanitizer and UBSan
	# in the binaries: a memory error or a leak fails the test (exit status
	# checked by every stop_*), where the plain build would go on silently
	for t in tests/host/[0-9]*.sh; do
		[ -f "$t" ] || continue
		head -n 20 "$t" | grep -q '^# host-san: no' && continue
		run "host-san/$(basename "$t" .sh)" env BUILD="$SAN_BUILD" PLAIN_BUILD="$BUILD" bash "$t"
	done
	phase_end host-san
fi
if want vm; then
	run "vm/vmtest" scripts/vm/vmtest.sh
	[ -f "$logdir/vm_vmtest.log" ] && grep -E '^(PASS|FAIL|SKIP)' "$logdir/vm_vmtest.log" | sed 's/^/      /'
	phase_end vm
fi

# Where the time went: make test's phases before this script, this
# script's, and inside vm the kernel builds, package fetches and boots
# (scripts/vm/vmtest.sh's build/vm/times.txt)
echo "--- phase times"
if [ -n "${PHASE_TIMES:-}" ] && [ -f "$PHASE_TIMES" ]; then
	while read -r name secs; do
		printf '%-44s %6s s\n' "$name" "$secs"
	done < "$PHASE_TIMES"
fi
printf '%s' "$phases"
if want vm && [ -f build/vm/times.txt ]; then
	sed 's/^/  vm: /' build/vm/times.txt
fi
echo "---"
echo "passed $passed, failed $failed, skipped $skipped in $(($(date +%s) - t_start)) s"
[ "$failed" -eq 0 ] || { echo "failed:$failures"; exit 1; }

# Helpers for host-side suite checkers (bash; sourced). A checker is run as
#   tests/vm/<suite>/check.sh OUTDIR
# with KERNEL (6.1|6.12), VARIANT (patched|unpatched) and, for an unpatched
# run whose patched run exists, PATCHED_OUT (that run's OUTDIR) in the
# environment. It prints "observed: ..." lines (what the note reports),
# one "FAIL: ..." line per failed assertion, and exits 1 if any failed.

lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: check.sh OUTDIR}
suite=$(basename "$out")
failures=0

fail() {
	echo "FAIL: $suite ($KERNEL $VARIANT): $*"
	failures=$((failures + 1))
}

observed() {
	echo "observed: $*"
}

finish() {
	[ $failures -eq 0 ]
	exit
}

# Every guest script must have run and succeeded
check_guest_scripts() {
	local rc n=0
	if [ -f "$out/harness-error" ]; then
		fail "harness: $(cat "$out/harness-error")"
	fi
	for rc in "$out"/*.rc; do
		[ -f "$rc" ] || continue
		n=$((n + 1))
		if [ "$(cat "$rc")" != 0 ]; then
			fail "guest script $(basename "$rc" .rc) exited $(cat "$rc"): $(tail -n 3 "${rc%.rc}.log" | tr '\n' ' ')"
		fi
	done
	[ $n -gt 0 ] || fail "no guest script ran"
}

# value KEY [FILE]: the value of KEY=... on the first line that has it
value() {
	grep -o -m1 "\b$1=[^ ]*" "${2:-/dev/stdin}" | head -n 1 | cut -d= -f2-
}

# The workload-visible results, as the unpatched run must reproduce them
results() {
	grep -h '^result:' "$@" 2>/dev/null || true
}

# The copy_pte events exist on the patched kernel only, and the trace has
# none on the unpatched one.
check_event_presence() {
	local have
	have=$(value copy_pte_events "$out/events.txt")
	if [ "$VARIANT" = patched ]; then
		[ "$have" = present ] || fail "the patched kernel has no events/copy_pte in tracefs"
	else
		[ "$have" = absent ] || fail "the unpatched kernel has events/copy_pte"
		if grep -q ': copy_pte_' "$out/trace.txt"; then
			fail "copy_pte events in the unpatched kernel's trace"
		fi
	fi
}

# check_no_lost_events [DIR]: the ring buffer must not have dropped
# anything we count (DIR: where trace_end saved it, default the suite's)
check_no_lost_events() {
	local lost dir=${1:-$out} where=
	[ "$dir" = "$out" ] || where=" in ${dir#"$out"/}"
	lost=$(awk '{ for (i = 1; i < NF; i++) if ($i == "overrun:") n += $(i + 1) } END { print n + 0 }' "$dir/trace-stats.txt")
	[ "$lost" = 0 ] || fail "the trace buffer overran$where: $lost events lost"
}

# copy_pte_stats [MAP_START MAP_END]: run the grammar check and the counts
# (copy_pte.awk) on trace.txt into stats.txt, fail on grammar errors.
copy_pte_stats() {
	awk -v map_start="${1:-}" -v map_end="${2:-}" -f "$lib/copy_pte.awk" \
		"$out/trace.txt" > "$out/stats.txt"
	local errors
	errors=$(value grammar_errors "$out/stats.txt")
	if [ "$errors" != 0 ]; then
		grep '^error:' "$out/stats.txt" | head -n 5 | sed 's/^/    /'
		fail "$errors trace events out of copy_pte_range()'s order (stats.txt)"
	fi
	[ "$(value unfinished "$out/stats.txt")" = 0 ] ||
		fail "$(value unfinished "$out/stats.txt") task(s) with an unfinished copy_pte_range() call at the end of the trace"
	[ "$(value events "$out/stats.txt")" -gt 0 ] || fail "no copy_pte events in the trace"
}

# forkstat FORK KEY: a count of copy_pte.awk's output for one fork
forkstat() {
	grep "^fork=$1 " "$out/stats.txt" | value "$2"
}

# The unpatched kernel must give the workload what the patched one gave
compare_with_patched() {
	if [ -z "${PATCHED_OUT:-}" ]; then
		observed "no patched run to compare with"
		return
	fi
	if diff <(results "$PATCHED_OUT"/*.out) <(results "$out"/*.out) > "$out/results.diff"; then
		observed "workload results identical to the patched kernel's ($(results "$out"/*.out | wc -l) result lines)"
	else
		sed 's/^/    /' "$out/results.diff" | head -n 10
		fail "workload results differ from the patched kernel's (results.diff)"
	fi
}

# total KEY: a count of copy_pte.awk's output summed over all forks
total() {
	awk -v k="$1" '$1 ~ /^fork=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k)
				n += kv[2]
		}
	} END { print n + 0 }' "$out/stats.txt"
}

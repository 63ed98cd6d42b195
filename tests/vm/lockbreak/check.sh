#!/usr/bin/env bash
# Lock-breaks (tests/vm/lockbreak/guest): with a CPU hog on the forking
# task's CPU, at least one pass ends with a lock-break cause, and (the
# grammar check) each is followed by a retry of reason lock_break where it
# stopped; the forks still copy everything and succeed.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
forks=10
w=$out/workload.out
ranges=$(value pmd_ranges "$w")
[ "$(results "$w" | wc -l)" = $forks ] || fail "want $forks forks, the workload reported $(results "$w" | wc -l)"
results "$w" | grep -v 'ok=1 errno=0 exit=0$' | while read -r l; do fail "fork failed: $l"; done
observed "fork wall times with a CPU hog (ns): $(grep -o 'wall_ns=[0-9]*' "$w" | cut -d= -f2 | tr '\n' ' ')"
check_event_presence
check_no_lost_events

if [ "$VARIANT" = patched ]; then
	copy_pte_stats "$(value map_start "$w")" "$(value map_end "$w")"
	breaks=0
	for i in $(seq 0 $((forks - 1))); do
		s() { forkstat $i "$1"; }
		[ -n "$(s passes)" ] || { fail "fork $i: no copy_pte events between its markers"; continue; }
		b=$(( $(s stop_need_resched) + $(s stop_src_contended) + $(s stop_dst_contended) ))
		breaks=$((breaks + b))
		[ "$(s retry_lock_break)" = "$b" ] ||
			fail "fork $i: $b lock-breaks but $(s retry_lock_break) lock_break retries"
		[ "$(s first_in_map)" = "$ranges" ] ||
			fail "fork $i: $(s first_in_map) first passes over the mapping, want $ranges"
		[ "$(s return_err)" = 0 ] || fail "fork $i: $(s return_err) calls returned an error"
		observed "fork $i: lock-breaks=$b (need_resched=$(s stop_need_resched)" \
			"src_contended=$(s stop_src_contended) dst_contended=$(s stop_dst_contended))," \
			"retries lock_break=$(s retry_lock_break), passes=$(s passes) for $(s first) calls," \
			"cond_resched rescheduled $(s rescheduled) of $(s resched); lock hold max=$(s hold_max_us) us"
	done
	[ $breaks -ge 1 ] || fail "no lock-break in any of the $forks forks"
else
	compare_with_patched
fi
finish

#!/usr/bin/env bash
# Plain fork of a 256 MiB THP-off mapping (tests/vm/fork/guest): the first
# passes over the mapping equal its PMD ranges, every further pass is a
# retry with a reason (the grammar check), every pass that took the locks
# released them, and every call returned 0.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
w=$out/workload.out
ranges=$(value pmd_ranges "$w")
[ "$(results "$w" | wc -l)" = 2 ] || fail "want 2 forks, the workload reported $(results "$w" | wc -l)"
results "$w" | grep -v 'ok=1 errno=0 exit=0$' | while read -r l; do fail "fork failed: $l"; done
observed "mapping $(value map_start "$w")-$(value map_end "$w"): $ranges PMD ranges; fork wall times (ns): $(grep -o 'wall_ns=[0-9]*' "$w" | cut -d= -f2 | tr '\n' ' ')"
check_event_presence
check_no_lost_events

if [ "$VARIANT" = patched ]; then
	copy_pte_stats "$(value map_start "$w")" "$(value map_end "$w")"
	for i in 0 1; do
		s() { forkstat $i "$1"; }
		[ -n "$(s passes)" ] || { fail "fork $i: no copy_pte events between its markers"; continue; }
		retries=$(( $(s retry_lock_break) + $(s retry_swap_cont) + $(s retry_prealloc) ))
		[ "$(s first_in_map)" = "$ranges" ] ||
			fail "fork $i: $(s first_in_map) first passes over the mapping, want $ranges (its PMD ranges)"
		[ "$(s passes)" = $(( $(s first) + retries )) ] ||
			fail "fork $i: $(s passes) passes != $(s first) first + $retries retries"
		[ "$(s nolock_pass)" = 0 ] || fail "fork $i: $(s nolock_pass) passes without the PTE locks"
		[ "$(s locked)" = "$(s passes)" ] && [ "$(s unlocked)" = "$(s passes)" ] ||
			fail "fork $i: $(s passes) passes, $(s locked) locked, $(s unlocked) unlocked"
		[ "$(s resched)" = "$(s passes)" ] || fail "fork $i: $(s resched) resched events for $(s passes) passes"
		[ "$(s return)" = "$(s first)" ] && [ "$(s return_err)" = 0 ] ||
			fail "fork $i: $(s return) returns ($(s return_err) not 0) for $(s first) calls"
		[ "$(s stop_done)" = "$(s first)" ] || fail "fork $i: $(s stop_done) loops done for $(s first) calls"
		observed "fork $i: calls=$(s first) (over the mapping: $(s first_in_map)) passes=$(s passes)" \
			"retries: lock_break=$(s retry_lock_break) swap_cont=$(s retry_swap_cont) prealloc=$(s retry_prealloc);" \
			"stops: done=$(s stop_done) need_resched=$(s stop_need_resched) src=$(s stop_src_contended) dst=$(s stop_dst_contended);" \
			"locked=$(s locked) unlocked=$(s unlocked) resched=$(s resched) (rescheduled=$(s rescheduled))" \
			"returns=$(s return) (ret!=0: $(s return_err)); lock hold max=$(s hold_max_us) us total=$(s hold_total_us) us, wait max=$(s wait_max_us) us"
	done
else
	compare_with_patched
fi
finish

#!/usr/bin/env bash
# Prealloc retry (tests/vm/prealloc/guest): each of the 4 io_uring-pinned
# pages stops the loop with -EAGAIN (stop=prealloc) at its address, and the
# retry (reason=prealloc) starts there; no prealloc fails, the forks
# succeed and the children's copies are real copies.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
w=$out/workload.out
pin=$(value pin_start "$w")
pinned=$(value pinned "$w")
[ "$(results "$w" | wc -l)" = 2 ] || fail "want 2 forks, the workload reported $(results "$w" | wc -l)"
results "$w" | grep -v 'ok=1 errno=0 exit=0$' | while read -r l; do fail "fork or child check failed: $l"; done
observed "$pinned pinned pages from $pin; forks: $(results "$w" | cut -d' ' -f2- | tr '\n' ';')"
check_event_presence
check_no_lost_events

if [ "$VARIANT" = patched ]; then
	copy_pte_stats
	want=$(for ((k = 0; k < pinned; k++)); do printf '%#x\n' $((pin + k * 4096)); done | paste -sd,)
	for i in 0 1; do
		s() { forkstat $i "$1"; }
		[ -n "$(s passes)" ] || { fail "fork $i: no copy_pte events between its markers"; continue; }
		[ "$(s stop_prealloc)" = "$pinned" ] && [ "$(s retry_prealloc)" = "$pinned" ] ||
			fail "fork $i: $(s stop_prealloc) stops for prealloc and $(s retry_prealloc) prealloc retries, want $pinned"
		[ "$(s prealloc_at)" = "$want" ] || fail "fork $i: prealloc stops at $(s prealloc_at), want $want"
		[ "$(s prealloc_fail)" = 0 ] && [ "$(s return_err)" = 0 ] ||
			fail "fork $i: prealloc_fail=$(s prealloc_fail), calls with an error=$(s return_err)"
		observed "fork $i: stop=prealloc $(s stop_prealloc)x at $(s prealloc_at); retries reason=prealloc $(s retry_prealloc);" \
			"passes=$(s passes) calls=$(s first) prealloc_fail=$(s prealloc_fail)"
	done
else
	compare_with_patched
fi
finish

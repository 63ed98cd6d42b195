#!/usr/bin/env bash
# Continuation failure (tests/vm/contfail/guest): both continuation pages
# fail in the 62nd fork (fork=61): copy_pte_range() stops at the page,
# add_swap_count_continuation() returns an error (swap_cont ret<0), the
# call returns -ENOMEM, and fork() returns ENOMEM to the workload. The next
# fork succeeds, the remaining children read the page back, and the guest
# goes on (the suite's output came back).
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
w=$out/workload.out
page=$(value page "$w")
[ "$(value swapped "$w")" = 1 ] || fail "the workload's page was not in swap before the forks"
n=$(results "$w" | grep -c '^result: fork=' || true)
[ "$n" = 64 ] || fail "want 64 forks, the workload reported $n"
results "$w" | grep -q '^result: fork=61 ok=0 errno=12$' || fail "fork 61 did not fail with ENOMEM: $(results "$w" | grep 'fork=61 ')"
results "$w" | grep '^result: fork=' | grep -v '^result: fork=61 ' | grep -v 'ok=1 errno=0$' |
	while read -r l; do fail "fork failed: $l"; done
results "$w" | grep -q '^result: fork=62 ok=1 errno=0$' || fail "the fork after the failed one did not succeed"
[ "$(results "$w" | value children)" = 63 ] && [ "$(results "$w" | value verified)" = 63 ] ||
	fail "$(results "$w" | value verified) of $(results "$w" | value children) children read the page back, want 63 of 63"
[ "$(results "$w" | value inject_calls)" = 3 ] && [ "$(results "$w" | value inject_failed)" = 2 ] ||
	fail "continuation calls=$(results "$w" | value inject_calls) failed=$(results "$w" | value inject_failed), want 3 (GFP_ATOMIC, GFP_KERNEL; next fork's GFP_ATOMIC) and 2"
observed "fork 61: $(results "$w" | grep 'fork=61 ' | cut -d' ' -f3-); fork 62: $(results "$w" | grep 'fork=62 ' | cut -d' ' -f3-);" \
	"$(results "$w" | value verified) children verified; continuation calls=$(results "$w" | value inject_calls) injected failures=$(results "$w" | value inject_failed)"
check_event_presence
check_no_lost_events

if [ "$VARIANT" = patched ]; then
	copy_pte_stats
	[ "$(total swap_cont_fail)" = 1 ] && [ "$(total swap_cont_ok)" = 0 ] ||
		fail "swap_cont events: $(total swap_cont_ok) ok, $(total swap_cont_fail) failed; want 1 failed"
	[ "$(forkstat 61 swap_cont_fail)" = 1 ] && [ "$(forkstat 61 swap_cont_at)" = "$page" ] ||
		fail "fork 61: failed continuation $(forkstat 61 swap_cont_fail)x at $(forkstat 61 swap_cont_at), want once at $page"
	# The grammar check has already tied that return to ret=-12 (-ENOMEM)
	[ "$(forkstat 61 return_err)" = 1 ] || fail "fork 61: $(forkstat 61 return_err) calls returned an error, want 1"
	[ "$(total return_err)" = 1 ] || fail "$(total return_err) calls returned an error in all, want 1"
	[ "$(forkstat 62 return_err)" = 0 ] && [ "$(forkstat 62 swap_cont_ok)" = 0 ] ||
		fail "fork 62: errors=$(forkstat 62 return_err) swap_cont=$(forkstat 62 swap_cont_ok); its GFP_ATOMIC continuation should have sufficed"
	observed "fork 61: stop=swap_cont at $(forkstat 61 swap_cont_at), swap_cont failed=$(forkstat 61 swap_cont_fail)," \
		"returns with error=$(forkstat 61 return_err) (ret=-12); fork 62: passes=$(forkstat 62 passes), errors=$(forkstat 62 return_err)"
else
	compare_with_patched
fi
finish

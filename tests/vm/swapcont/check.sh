#!/usr/bin/env bash
# Swap count continuation (tests/vm/swapcont/guest): the 62nd fork (fork=61)
# of a process whose page is in swap needs a continuation; with the
# GFP_ATOMIC attempt failed, copy_pte_range() stops at that page
# (stop=swap_cont), adds the continuation (swap_cont ret=0) and retries
# there (reason=swap_cont). Every fork succeeds and every child reads the
# page back.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
w=$out/workload.out
page=$(value page "$w")
[ "$(value swapped "$w")" = 1 ] || fail "the workload's page was not in swap before the forks"
n=$(results "$w" | grep -c '^result: fork=' || true)
[ "$n" = 64 ] || fail "want 64 forks, the workload reported $n"
results "$w" | grep '^result: fork=' | grep -v 'ok=1 errno=0$' | while read -r l; do fail "fork failed: $l"; done
[ "$(results "$w" | value verified)" = 64 ] || fail "$(results "$w" | value verified) of 64 children read the page back"
[ "$(results "$w" | value inject_calls)" = 2 ] && [ "$(results "$w" | value inject_failed)" = 1 ] ||
	fail "continuation calls=$(results "$w" | value inject_calls) failed=$(results "$w" | value inject_failed), want 2 (GFP_ATOMIC failed, GFP_KERNEL) and 1"
observed "page $page in swap; 64 forks ok, $(results "$w" | value verified) children verified;" \
	"add_swap_count_continuation calls=$(results "$w" | value inject_calls) (injected failures $(results "$w" | value inject_failed))"
check_event_presence
check_no_lost_events

if [ "$VARIANT" = patched ]; then
	copy_pte_stats
	[ "$(total swap_cont_ok)" = 1 ] && [ "$(total swap_cont_fail)" = 0 ] ||
		fail "swap_cont events: $(total swap_cont_ok) ok, $(total swap_cont_fail) failed; want 1 ok"
	[ "$(forkstat 61 swap_cont_ok)" = 1 ] || fail "the continuation was not in fork 61 (the 62nd)"
	[ "$(forkstat 61 stop_swap_cont)" = 1 ] && [ "$(forkstat 61 swap_cont_at)" = "$page" ] ||
		fail "fork 61: stop=swap_cont $(forkstat 61 stop_swap_cont) times at $(forkstat 61 swap_cont_at), want once at $page"
	[ "$(forkstat 61 retry_swap_cont)" = 1 ] || fail "fork 61: $(forkstat 61 retry_swap_cont) swap_cont retries, want 1"
	[ "$(total return_err)" = 0 ] || fail "$(total return_err) copy_pte_range() calls returned an error"
	observed "fork 61: loop stopped at $(forkstat 61 swap_cont_at) (stop=swap_cont) $(forkstat 61 stop_swap_cont)x," \
		"swap_cont ok=$(forkstat 61 swap_cont_ok), retries reason=swap_cont $(forkstat 61 retry_swap_cont);" \
		"all forks: swap_cont events ok=$(total swap_cont_ok) failed=$(total swap_cont_fail), calls=$(total first) passes=$(total passes) errors=$(total return_err)"
else
	compare_with_patched
fi
finish

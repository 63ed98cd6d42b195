#!/usr/bin/env bash
# Debian's 6.12 booted with preempt=full (tests/vm/preemptfull/guest,
# VARIANT=distro-full). cond_resched() then never calls __cond_resched, so
# ptcopy cannot count cond_resched outcomes: tier inline (chosen) must, as
# tiers fentry and kprobe always do (no probe on __cond_resched),
# leave resched_calls/resched_done out of fork records and cond_resched out
# of summaries (absent, not zero), and ptcopy --probe must name the mode
# ("full"). The kernel itself must say it runs preempt=full.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
grep -qw 'preempt=full' "$out/cmdline.txt" || fail "the kernel was not booted with preempt=full: $(cat "$out/cmdline.txt")"
grep -q 'Dynamic Preempt: full' "$out/preempt-mode.txt" ||
	fail "the kernel does not report 'Dynamic Preempt: full': $(cat "$out/preempt-mode.txt")"
[ "$(cat "$out/probe.rc")" = 0 ] || fail "ptcopy --probe exited $(cat "$out/probe.rc")"
grep -qw full "$out/probe.txt" ||
	fail "ptcopy --probe does not report the preempt=full mode (no 'full' in its text)"
for ts in auto:inline fentry:fentry kprobe:kprobe; do
	d=$out/${ts%%:*} tier=${ts##*:}
	for f in guest ptcopy; do
		[ "$(cat "$d/$f.rc" 2>/dev/null)" = 0 ] || fail "$tier: $f exited $(cat "$d/$f.rc" 2>/dev/null || echo '?')"
	done
	[ -s "$d/ptcopy.json" ] || { fail "$tier: no ptcopy.json"; continue; }
	t=$(jq -r 'select(.type == "summary") | .tier' "$d/ptcopy.json" | tail -n 1)
	[ "$t" = "$tier" ] || fail "$tier: ptcopy ran tier '$t'"
	n=$(jq -s 'map(select(.type == "fork" and .comm == "ptfork")) | length' "$d/ptcopy.json")
	[ "$n" = 2 ] || fail "$tier: $n fork records of ptfork, want the workload's 2"
	for k in resched_calls resched_done; do
		c=$(jq -s --arg k $k 'map(select(.type == "fork" and has($k))) | length' "$d/ptcopy.json")
		[ "$c" = 0 ] || fail "$tier: $c fork records have $k under preempt=full (cannot be measured: absent, not zero)"
	done
	c=$(jq -s 'map(select(.type == "summary") | .labels[]? | select(has("cond_resched"))) | length' "$d/ptcopy.json")
	[ "$c" = 0 ] || fail "$tier: $c summary labels have cond_resched under preempt=full (cannot be measured: absent, not zero)"
	observed "$tier: $n ptfork forks, calls $(jq -s -r 'map(select(.type == "fork" and .comm == "ptfork") | .calls) | join(",")' "$d/ptcopy.json")," \
		"resched_calls $(jq -s -r 'map(select(.type == "fork" and .comm == "ptfork") | .resched_calls // "absent") | join(",")' "$d/ptcopy.json")"
done
mode=$(grep -iw 'full\|preempt[a-z_]*' "$out/probe.txt" | tr -s ' ' | tr '\n' ';' || true)
observed "--probe lines about preemption: ${mode:-none}"
finish

#!/usr/bin/env bash
# The exporter in the VM (tests/vm/exporter/guest), next to ptcopy through
# the kernel-patch workloads. For each workload process (ptfork, swapfork,
# pinfork) every count the exporter exposes rose by exactly what ptcopy,
# attached over the same span, reports: forks and copy windows; on the
# patched tier passes, lock-breaks by cause, retries by reason, PTE lock
# hold and wait observations; where measured, copy calls, aborts by error,
# cond_resched outcomes and continuations by result. Durations are timed by
# each session's own programs, so their sums are shown, not compared.
#
# Patched kernel: the patched tier runs, its metrics are exposed, and the
# paths the workloads are there for show in them: a lock-break (lockbreak),
# a continuation that worked and its retry (swapcont), one that failed and
# the fork's ENOMEM (contfail), a prealloc retry (prealloc). Unpatched lab
# kernels: the guest runs both tools on tier fentry (two inline sessions
# cannot attach at once, see the guest script); none of the patched-only
# metrics is exposed (absent, not zero), and the failed continuation and
# the ENOMEM show.
set -eu
. "$(dirname "$0")/../lib/check.sh"

check_guest_scripts
# Without the scrapes there is nothing more to check (the line above said why).
for f in before.prom mid.prom after.prom after.om ptcopy.json; do
	[ -s "$out/$f" ] || { fail "the guest brought back no $f"; finish; }
done
for f in exporter ptcopy; do
	[ "$(cat "$out/$f.rc" 2>/dev/null)" = 0 ] ||
		fail "$f exited $(cat "$out/$f.rc" 2>/dev/null || echo '?'): $(tail -n 3 "$out/$f.log" "$out/$f.err" 2>/dev/null | tr '\n' ' ')"
done
grep -q 'CapEff:[[:space:]]*0000000000000000' "$out/exporter-caps.txt" ||
	fail "the exporter kept capabilities: $(cat "$out/exporter-caps.txt" 2>/dev/null)"
[ "$(tail -n 1 "$out/after.om")" = "# EOF" ] || fail "the OpenMetrics scrape does not end with # EOF"

# prom FILE SERIES: the value, 0 if absent
prom() {
	awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' "$out/$1"
}
# d SERIES [FROM TO]: its rise between two scrapes (default before -> after);
# seconds with nine decimals become integer ns, exactly
d() {
	local a b
	a=$(prom "${2:-before.prom}" "$1")
	b=$(prom "${3:-after.prom}" "$1")
	awk -v a="$a" -v b="$b" '
		function ns(v, p) { if (v !~ /\./) return v; split(v, p, "."); return p[1] * 1e9 + p[2] }
		BEGIN { printf "%.0f\n", (b ~ /\./ || a ~ /\./) ? ns(b) - ns(a) : b - a }'
}
# pt COMM JQ: ptcopy's final report for COMM (0 where it has none)
pt() {
	jq -s -r --arg c "$1" "map(select(.type == \"summary\" or .type == \"report\")) | last |
		[.labels[]? | select(.comm == \$c)] | (.[0] // {}) | $2 // 0" "$out/ptcopy.json"
}
# names COMM GROUP: the keys of one of ptcopy's groups (lock_breaks, retries,
# aborts): the names of bpf/ptcopy.h's tables, which the exporter's label
# values are too
names() {
	pt "$1" "(.$2 // {} | keys | join(\" \"))"
}
# has FAMILY: the exporter exposes it
has() {
	grep -q "^# TYPE $1 " "$out/after.prom"
}
same() {
	# same WHAT EXPORTER_DELTA PTCOPY_VALUE
	[ "$2" = "$3" ] || fail "$1: the exporter rose by $2, ptcopy reports $3"
}

tier=$(sed -n 's/^ptcopy_tier_info{tier="\([a-z]*\)"} 1$/\1/p' "$out/after.prom")
observed "exporter tier $tier, $(grep -c '^ptcopy_' "$out/after.prom") samples"

for c in ptfork swapfork pinfork; do
	L="comm=\"$c\""
	same "$c forks" "$(d "ptcopy_forks_total{$L}")" "$(pt $c .forks)"
	same "$c copy windows" "$(d "ptcopy_fork_copy_seconds_count{$L}")" "$(pt $c .window.count)"
	sums="window $(d "ptcopy_fork_copy_seconds_sum{$L}")/$(pt $c .window.sum_ns)"
	if has ptcopy_pte_passes_total; then
		same "$c passes" "$(d "ptcopy_pte_passes_total{$L}")" "$(pt $c .passes)"
		for cause in $(names $c lock_breaks); do
			same "$c lock_breaks $cause" "$(d "ptcopy_lock_breaks_total{$L,cause=\"$cause\"}")" \
				"$(pt $c ".lock_breaks.$cause")"
		done
		for r in $(names $c retries); do
			same "$c retries $r" "$(d "ptcopy_retries_total{$L,reason=\"$r\"}")" \
				"$(pt $c ".retries.$r")"
		done
		for h in hold:pte_lock_hold wait:pte_lock_wait; do
			same "$c ${h%%:*} observations" "$(d "ptcopy_${h##*:}_seconds_count{$L}")" \
				"$(pt $c ".${h%%:*}.count")"
			sums="$sums ${h%%:*} $(d "ptcopy_${h##*:}_seconds_sum{$L}")/$(pt $c ".${h%%:*}.sum_ns")"
		done
	fi
	if has ptcopy_copy_call_seconds; then
		same "$c copy calls" "$(d "ptcopy_copy_call_seconds_count{$L}")" "$(pt $c .calls)"
		sums="$sums call $(d "ptcopy_copy_call_seconds_sum{$L}")/$(pt $c .call.sum_ns)"
	fi
	if has ptcopy_fork_aborts_total; then
		for e in $(names $c aborts); do
			same "$c aborts $e" "$(d "ptcopy_fork_aborts_total{$L,error=\"$e\"}")" "$(pt $c ".aborts.$e")"
		done
	fi
	if has ptcopy_cond_resched_calls_total; then
		same "$c cond_resched calls" "$(d "ptcopy_cond_resched_calls_total{$L}")" \
			"$(pt $c .cond_resched.calls)"
		same "$c cond_resched rescheduled" "$(d "ptcopy_cond_resched_rescheduled_total{$L}")" \
			"$(pt $c .cond_resched.rescheduled)"
	fi
	if has ptcopy_swap_cont_total; then
		for r in ok failed; do
			same "$c swap continuations $r" "$(d "ptcopy_swap_cont_total{$L,result=\"$r\"}")" \
				"$(pt $c ".swap_cont.$r")"
		done
	fi
	observed "$c: forks=$(d "ptcopy_forks_total{$L}")" \
		"passes=$(d "ptcopy_pte_passes_total{$L}") calls=$(d "ptcopy_copy_call_seconds_count{$L}")" \
		"breaks=$(d "ptcopy_lock_breaks_total{$L,cause=\"need_resched\"}")/$(d "ptcopy_lock_breaks_total{$L,cause=\"src_contended\"}")/$(d "ptcopy_lock_breaks_total{$L,cause=\"dst_contended\"}")" \
		"retries=$(d "ptcopy_retries_total{$L,reason=\"lock_break\"}")/$(d "ptcopy_retries_total{$L,reason=\"swap_cont\"}")/$(d "ptcopy_retries_total{$L,reason=\"prealloc\"}")" \
		"continuations ok/failed=$(d "ptcopy_swap_cont_total{$L,result=\"ok\"}")/$(d "ptcopy_swap_cont_total{$L,result=\"failed\"}")" \
		"ENOMEM=$(d "ptcopy_fork_aborts_total{$L,error=\"ENOMEM\"}"): equal to ptcopy's;" \
		"sums exporter/ptcopy (ns): $sums"
done

S='comm="swapfork"'
if [ "$VARIANT" = patched ]; then
	[ "$tier" = patched ] || fail "the exporter runs tier '$tier' on the patched kernel"
	for m in ptcopy_pte_lock_hold_seconds ptcopy_pte_lock_wait_seconds ptcopy_pte_passes_total \
		ptcopy_lock_breaks_total ptcopy_retries_total ptcopy_swap_cont_total \
		ptcopy_fork_aborts_total ptcopy_cond_resched_calls_total \
		ptcopy_cond_resched_rescheduled_total; do
		has $m || fail "$m is not exposed on the patched tier"
	done
	b=0
	for cause in $(names ptfork lock_breaks); do
		b=$((b + $(d "ptcopy_lock_breaks_total{comm=\"ptfork\",cause=\"$cause\"}")))
	done
	[ $b -ge 1 ] || fail "lockbreak: no lock-break of ptfork in the metrics"
	[ "$(d "ptcopy_swap_cont_total{$S,result=\"ok\"}" before.prom mid.prom)" -ge 1 ] ||
		fail "swapcont: no successful continuation in the metrics"
	[ "$(d "ptcopy_retries_total{$S,reason=\"swap_cont\"}" before.prom mid.prom)" -ge 1 ] ||
		fail "swapcont: no swap_cont retry in the metrics"
	[ "$(d 'ptcopy_retries_total{comm="pinfork",reason="prealloc"}')" -ge 1 ] ||
		fail "prealloc: no prealloc retry in the metrics"
else
	[ "$tier" = fentry ] || fail "the exporter runs tier '$tier' on the unpatched kernel (the guest forces fentry)"
	# and no cond_resched outcomes: tier fentry puts no probe on
	# __cond_resched, which every task calls (lib/tier.c)
	for m in ptcopy_pte_lock_hold_seconds ptcopy_pte_lock_wait_seconds ptcopy_pte_passes_total \
		ptcopy_lock_breaks_total ptcopy_retries_total ptcopy_cond_resched_calls_total \
		ptcopy_cond_resched_rescheduled_total; do
		! has $m || fail "$m is exposed on the unpatched kernel (tier $tier)"
	done
fi
if has ptcopy_swap_cont_total; then
	[ "$(d "ptcopy_swap_cont_total{$S,result=\"failed\"}" mid.prom after.prom)" -ge 1 ] ||
		fail "contfail: no failed continuation in the metrics"
fi
if has ptcopy_fork_aborts_total; then
	[ "$(d "ptcopy_fork_aborts_total{$S,error=\"ENOMEM\"}" mid.prom after.prom)" -ge 1 ] ||
		fail "contfail: no ENOMEM abort in the metrics"
fi
finish

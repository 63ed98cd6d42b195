#!/usr/bin/env bash
# Debian's distribution kernel (tests/vm/distro/guest), VARIANT=distro,
# DISTRO_DIR: the unpacked package (scripts/vm/distro-kernel.sh).
#
# The kernel is what ptcopy's tier 2 is designed for: copy_pte_range()
# inlined (not in kallsyms, not in BTF), copy_page_range, copy_huge_pmd,
# add_swap_count_continuation and __cond_resched functions, PREEMPT_DYNAMIC
# (cond_resched a static call), kprobes that fire, no function error
# injection, zram a module that loads from the package.
#
# ptcopy --probe chooses the inline tier (its sites found in
# copy_page_range: tests/vm/inline holds its numbers to the trace), fentry
# forced attaches to copy_page_range, and --probe says why the patched tier
# is unavailable. For fentry, kprobe and tracepoint (forced):
# fork records = the workloads' forks; copy_page_range calls = the
# function tracer's count for the workload's comm in the same run; each
# ptfork copy window lies inside that fork's wall time and covers the
# traced span of its copy_page_range() calls; what the tier cannot measure
# is absent. The swap workload's
# 62nd fork makes swap_duplicate() add a continuation (GFP_ATOMIC, seen by
# the function tracer), copy_pte_range()'s own never runs: ptcopy reports
# swap_cont ok=0 failed=0 where it measures continuations, nothing where it
# does not. The exporter, next to ptcopy, rose by exactly ptcopy's counts in
# every series it exposes per comm (health counters are each session's
# own: shown), and promtool finds its scrapes clean.
set -eu
. "$(dirname "$0")/../lib/check.sh"

. "$(dirname "$0")/../lib/distro.sh"

check_guest_scripts

# --- The kernel's facts
release=$(sed -n 's/^release=//p' "$DISTRO_DIR/PACKAGE")
want "guest kernel release" "$(fact release)" "$release"
want "copy_pte_range in kallsyms" "$(fact kallsyms_copy_pte_range)" 0
want "copy_pte_range in available_filter_functions" "$(fact ftrace_copy_pte_range)" 0
for f in copy_page_range copy_huge_pmd add_swap_count_continuation __cond_resched; do
	want "$f in kallsyms" "$(fact kallsyms_$f)" 1
done
want "copy_page_range traceable" "$(fact ftrace_copy_page_range)" 1
want "add_swap_count_continuation traceable" "$(fact ftrace_add_swap_count_continuation)" 1
btf=$(mktemp)
trap 'rm -f "$btf"' EXIT
if gzip -dc "$out/vmlinux.btf.gz" > "$btf" 2>/dev/null && bpftool btf dump file "$btf" > "$btf.txt" 2>/dev/null; then
	for f in copy_pte_range copy_page_range copy_huge_pmd add_swap_count_continuation __cond_resched; do
		n=$(grep -c "FUNC '$f' " "$btf.txt" || true)
		case $f in
		copy_pte_range) want "$f in BTF" "$n" 0 ;;
		*) want "$f in BTF" "$n" 1 ;;
		esac
	done
	rm -f "$btf.txt"
else
	fail "the guest's BTF (vmlinux.btf.gz) does not read with bpftool"
fi
want CONFIG_PREEMPT_DYNAMIC "$(cfg PREEMPT_DYNAMIC)" y
# The static call's key: cond_resched() goes through __SCK__cond_resched
want "__SCK__cond_resched in kallsyms" "$(fact kallsyms___SCK__cond_resched)" 1
want "dynamic preemption mode at boot" "$(fact preempt_mode)" voluntary
for o in KPROBES KPROBE_EVENTS FUNCTION_TRACER DEBUG_INFO_BTF BPF_SYSCALL; do
	want "CONFIG_$o" "$(cfg $o)" y
done
[ "$(fact kprobe_hits)" -ge 1 ] 2>/dev/null ||
	fail "a kprobe on copy_page_range did not fire for a fork: hits '$(fact kprobe_hits)'"
want CONFIG_FUNCTION_ERROR_INJECTION "$(cfg FUNCTION_ERROR_INJECTION)" n
want CONFIG_BPF_KPROBE_OVERRIDE "$(cfg BPF_KPROBE_OVERRIDE)" n
want "debugfs fail_function" "$(fact fail_function)" absent
want "debugfs error_injection" "$(fact error_injection)" absent
want CONFIG_ZRAM "$(cfg ZRAM)" m
want "zram before insmod" "$(fact zram_before_insmod)" absent
want "zram after insmod" "$(fact zram_after_insmod)" present
grep -qx zram "$out/modules.txt" || fail "zram is not in /proc/modules after insmod"
observed "kernel $release: copy_pte_range inlined; PREEMPT_DYNAMIC ($(fact preempt_mode));" \
	"kprobe hits $(fact kprobe_hits); modules loaded: $(tr '\n' ' ' < "$out/modules.txt")"

# --- ptcopy --probe
want "ptcopy --probe exit" "$(cat "$out/probe.rc")" 0
want "--probe chosen tier" "$(jq -r .chosen "$out/probe.json")" inline
want "--probe --tier=fentry chosen tier" "$(jq -r .chosen "$out/probe-fentry.json")" fentry
# the inline tier reads cond_resched()'s outcome at its call site; fentry
# puts no probe on __cond_resched (every task's), and says so
want "--probe -j: tier inline counts cond_resched" "$(jq -r .tiers.inline.cond_resched "$out/probe.json")" true
want "--probe -j: tier fentry counts cond_resched" "$(jq -r .tiers.fentry.cond_resched "$out/probe.json")" false
case $(jq -r .tiers.fentry.why_cond_resched "$out/probe.json") in
*__cond_resched*) ;;
*) fail "--probe -j: why tier fentry has no cond_resched counts: $(jq -c .tiers.fentry "$out/probe.json")" ;;
esac
jq -e '.attach | map(select(.section == "fentry" or .section == "fentry/copy_page_range")) | map(.target) | index("copy_page_range")' \
	"$out/probe-fentry.json" > /dev/null ||
	fail "--probe --tier=fentry attaches no fentry to copy_page_range: $(jq -c '.attach' "$out/probe-fentry.json")"
why=$(sed -n 's/^tier patched *unavailable: *//p' "$out/probe.txt")
[ -n "$why" ] || fail "--probe does not say why the patched tier is unavailable: $(grep '^tier patched' "$out/probe.txt")"
observed "--probe: $(grep '^chosen' "$out/probe.txt" | tr -s ' '); patched unavailable: $why"

check_tiers="fentry kprobe tracepoint"
exporter_tier=fentry
. "$(dirname "$0")/tiers-check.sh"

#!/usr/bin/env bash
# Debian's arm64 distribution kernel (tests/vm/arm64/guest, the distro
# suite's guest scripts), VARIANT=distro, DISTRO_DIR: the unpacked package
# (scripts/vm/distro-kernel.sh -a arm64), booted by qemu-system-aarch64.
#
# The kernel's facts, from the guest and the package's config:
# copy_pte_range inlined into copy_page_range, copy_page_range,
# copy_huge_pmd, add_swap_count_continuation and __cond_resched functions;
# _raw_spin_lock and _raw_spin_unlock inlined (not in kallsyms), so the
# inline tier must refuse, saying so; voluntary preemption without
# PREEMPT_DYNAMIC (cond_resched() calls __cond_resched directly); kprobes
# that fire; zram a module. fentry works exactly where the kernel has
# ftrace direct calls (DYNAMIC_FTRACE_WITH_DIRECT_CALLS, Linux 6.4 on
# arm64): Debian's 6.1 has none, and --probe must say so and choose
# kprobe. Then every tier the kernel has (fentry where it works, kprobe,
# tracepoint) and the exporter beside ptcopy, held to the function tracer
# and to each other exactly as on amd64 (tests/vm/distro/tiers-check.sh).
set -eu
. "$(dirname "$0")/../lib/check.sh"

. "$(dirname "$0")/../lib/distro.sh"

check_guest_scripts

# --- The kernel's facts
release=$(sed -n 's/^release=//p' "$DISTRO_DIR/PACKAGE")
want "guest kernel release" "$(fact release)" "$release"
want "guest machine" "$(fact machine)" aarch64
want "copy_pte_range in kallsyms" "$(fact kallsyms_copy_pte_range)" 0
want "copy_pte_range in available_filter_functions" "$(fact ftrace_copy_pte_range)" 0
for f in copy_page_range copy_huge_pmd add_swap_count_continuation __cond_resched; do
	want "$f in kallsyms" "$(fact kallsyms_$f)" 1
done
want "copy_page_range traceable" "$(fact ftrace_copy_page_range)" 1
want "add_swap_count_continuation traceable" "$(fact ftrace_add_swap_count_continuation)" 1
want CONFIG_INLINE_SPIN_LOCK "$(cfg INLINE_SPIN_LOCK)" y
for f in _raw_spin_lock _raw_spin_unlock; do
	want "$f in kallsyms (inlined on arm64)" "$(fact kallsyms_$f)" 0
done
btf=$(mktemp)
trap 'rm -f "$btf" "$btf.txt"' EXIT
if gzip -dc "$out/vmlinux.btf.gz" > "$btf" 2>/dev/null && bpftool btf dump file "$btf" > "$btf.txt" 2>/dev/null; then
	for f in copy_pte_range copy_page_range copy_huge_pmd add_swap_count_continuation __cond_resched; do
		n=$(grep -c "FUNC '$f' " "$btf.txt" || true)
		case $f in
		copy_pte_range) want "$f in BTF" "$n" 0 ;;
		*) want "$f in BTF" "$n" 1 ;;
		esac
	done
	# the register ptcopy's window reads the syscall number from
	grep -q "'syscallno' type_id=" "$btf.txt" ||
		fail "the guest's BTF has no pt_regs.syscallno"
else
	fail "the guest's BTF (vmlinux.btf.gz) does not read with bpftool"
fi
want CONFIG_PREEMPT_DYNAMIC "$(cfg PREEMPT_DYNAMIC)" n
want CONFIG_PREEMPT_VOLUNTARY "$(cfg PREEMPT_VOLUNTARY)" y
want "__SCK__cond_resched in kallsyms" "$(fact kallsyms___SCK__cond_resched)" 0
for o in KPROBES KPROBE_EVENTS FUNCTION_TRACER DEBUG_INFO_BTF BPF_SYSCALL; do
	want "CONFIG_$o" "$(cfg $o)" y
done
[ "$(fact kprobe_hits)" -ge 1 ] 2>/dev/null ||
	fail "a kprobe on copy_page_range did not fire for a fork: hits '$(fact kprobe_hits)'"
want CONFIG_ZRAM "$(cfg ZRAM)" m
want "zram after insmod" "$(fact zram_after_insmod)" present
direct=$(cfg DYNAMIC_FTRACE_WITH_DIRECT_CALLS)
observed "kernel $release ($(fact machine)): copy_pte_range inlined, _raw_spin_lock inlined;" \
	"ftrace direct calls: $direct; kprobe hits $(fact kprobe_hits);" \
	"modules loaded: $(tr '\n' ' ' < "$out/modules.txt")"

# --- ptcopy --probe
want "ptcopy --probe exit" "$(cat "$out/probe.rc")" 0
tier_line() {
	sed -n "s/^tier $1 *//p" "$out/probe.txt"
}
inline_why=$(tier_line inline)
case $inline_why in
"unavailable: the inline recogniser reads x86-64 code only; on this arm64 kernel _raw_spin_lock/_raw_spin_unlock are inlined (not in kallsyms)"*) ;;
*) fail "--probe: the inline tier's line does not say the recogniser is x86-64 only and the lock calls are inlined: '$inline_why'" ;;
esac
why=$(tier_line patched)
case $why in unavailable:?*) ;; *) fail "--probe does not say why the patched tier is unavailable: '$why'" ;; esac
if [ "$direct" = y ]; then
	want "--probe chosen tier (ftrace direct calls)" "$(jq -r .chosen "$out/probe.json")" fentry
	want "tiers the guest ran" "$(cat "$out/tiers.txt")" "fentry kprobe tracepoint"
	want "exporter tier" "$(cat "$out/exporter-tier.txt")" fentry
	# the fentry frame where the mmap_lock events still carry memcg_path
	case $(sed -n 's/^frame \{2,\}//p' "$out/probe.txt") in
	fentry*) ;;
	*) fail "--probe: frame $(sed -n 's/^frame \{2,\}//p' "$out/probe.txt"), want fentry (fentry works, memcg_path in the events)" ;;
	esac
else
	want "--probe chosen tier (no ftrace direct calls)" "$(jq -r .chosen "$out/probe.json")" kprobe
	case $(tier_line fentry) in
	"unavailable: fentry attach to copy_page_range failed: ENOTSUPP: no BPF trampolines (arm64 needs ftrace direct calls, 6.4+)") ;;
	*) fail "--probe: fentry's line does not give the kernel's ENOTSUPP: '$(tier_line fentry)'" ;;
	esac
	want "tiers the guest ran" "$(cat "$out/tiers.txt")" "kprobe tracepoint"
	want "exporter tier" "$(cat "$out/exporter-tier.txt")" kprobe
	case $(sed -n 's/^frame \{2,\}//p' "$out/probe.txt") in
	"mmap_lock: fentry unavailable: "*) ;;
	*) fail "--probe: frame $(sed -n 's/^frame \{2,\}//p' "$out/probe.txt"), want mmap_lock as fentry is unavailable" ;;
	esac
fi
observed "--probe: $(grep '^chosen' "$out/probe.txt" | tr -s ' '); inline $inline_why;" \
	"fentry $(tier_line fentry); frame $(sed -n 's/^frame \{2,\}//p' "$out/probe.txt")"

check_tiers=$(cat "$out/tiers.txt")
exporter_tier=$(cat "$out/exporter-tier.txt")
. "$(dirname "$0")/../distro/tiers-check.sh"

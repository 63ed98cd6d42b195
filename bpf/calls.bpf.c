// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 2: a stock kernel with fentry (or, failing that, kprobes). Loaded
 * with the window object and sharing its maps, like tier 1.
 *
 * Where copy_pte_range() is a real symbol (distribution kernels built -O2
 * keep it), each call covers one PMD range: its duration is an upper bound
 * of the PTE lock hold. Where it is inlined, the same programs sit on
 * copy_page_range(), once per VMA. add_swap_count_continuation()'s result
 * says whether a continuation failed: only the call copy_pte_range() makes
 * itself with the locks dropped (GFP_KERNEL) counts, as in tier 1;
 * swap_duplicate()'s GFP_ATOMIC attempt under the locks failing is what
 * sends it there, not a failure. The loader keeps one variant and one
 * target; kprobes are attached by the symbol name found in kallsyms
 * (copy_pte_range.isra.0 and the like). Neither variant counts
 * cond_resched() outcomes: only a return probe on __cond_resched() could,
 * and every task on the host calls it all the time, so an fexit
 * trampoline or a kretprobe there costs the whole machine on every call
 * (lib/tier.c, tier_resched(); docs/PERFORMANCE.md). The inline tier reads
 * them inside the copy.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"
#include "hist.bpf.h"
#include "fork.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int on_call_entry(void)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	/*
	 * A start still set: the last call's exit was missed (a kretprobe out
	 * of instances while forks sleep in the copy); it stays counted in
	 * ptcopy_calls. A last call's miss is undone when the fork's state
	 * goes (call_missed_undo() in the window object), so a miss never
	 * holds the gate open beyond its fork.
	 */
	if (f->call_start_ns)
		counter_inc(PTCOPY_CTR_CALL_EXITS_MISSED);
	else
		calls_in_flight_add(1);
	f->call_start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_call_exit(long ret)
{
	struct ptcopy_fork *f = current_fork();
	__u64 d;

	if (!f || !f->call_start_ns)
		return 0;
	d = bpf_ktime_get_ns() - f->call_start_ns;
	f->call_start_ns = 0;
	calls_in_flight_add(-1);
	f->ev.calls++;
	f->ev.call_ns_sum += d;
	if (d > f->ev.call_ns_max)
		f->ev.call_ns_max = d;
	hist_add(&f->call, d);
	if ((int)ret < 0)
		fork_abort(f, (int)ret);
	return 0;
}

/*
 * __GFP_DIRECT_RECLAIM: bit 10 in 6.1 (a macro) and 6.12 (an enum); absent
 * from BTF in 6.1, hence the constant.
 */
#define PTCOPY_GFP_DIRECT_RECLAIM	0x400u

static __always_inline int on_swap_cont(long ret, bool may_sleep)
{
	struct ptcopy_fork *f;

	if (!may_sleep || no_copy_calls())
		return 0;
	f = current_fork();
	if (!f || !f->call_start_ns)
		return 0;
	if ((int)ret < 0)
		f->ev.swap_cont_failed++;
	else
		f->ev.swap_cont_ok++;
	return 0;
}

/* fentry: BTF-typed, no return probe trampolines to run out of. */
SEC("fentry/copy_pte_range")
int BPF_PROG(ptcopy_pte_entry)
{
	return on_call_entry();
}

SEC("fexit/copy_pte_range")
int BPF_PROG(ptcopy_pte_exit, struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
	     pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr, unsigned long end, int ret)
{
	return on_call_exit(ret);
}

SEC("fentry/copy_page_range")
int BPF_PROG(ptcopy_page_entry)
{
	return on_call_entry();
}

SEC("fexit/copy_page_range")
int BPF_PROG(ptcopy_page_exit, struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
	     int ret)
{
	return on_call_exit(ret);
}

/* swp_entry_t is a one-word struct passed in a register: read as its word */
SEC("fexit/add_swap_count_continuation")
int BPF_PROG(ptcopy_swapc_exit, unsigned long entry, gfp_t gfp_mask, int ret)
{
	return on_swap_cont(ret, gfp_mask & PTCOPY_GFP_DIRECT_RECLAIM);
}

/* kprobes: attached by the loader to the names kallsyms gives. */
SEC("kprobe")
int BPF_KPROBE(ptcopy_kp_entry)
{
	return on_call_entry();
}

SEC("kretprobe")
int BPF_KRETPROBE(ptcopy_kp_exit, long ret)
{
	return on_call_exit(ret);
}

/* A kretprobe has no arguments: the entry keeps the gfp for the return. */
SEC("kprobe")
int BPF_KPROBE(ptcopy_kp_swapc_entry, unsigned long entry, gfp_t gfp_mask)
{
	struct ptcopy_fork *f;

	if (no_copy_calls())
		return 0;
	f = current_fork();
	if (f)
		f->swapc_may_sleep = !!(gfp_mask & PTCOPY_GFP_DIRECT_RECLAIM);
	return 0;
}

/*
 * Only kretprobes miss exits: the kprobe tier's fork ends. (fexit runs from
 * the function's own trampoline, it is not missed.) The context is not read.
 */
SEC("kretprobe")
int BPF_KRETPROBE(ptcopy_kp_swapc, long ret)
{
	struct ptcopy_fork *f;

	if (no_copy_calls())
		return 0;
	f = current_fork();
	return on_swap_cont(ret, f && f->swapc_may_sleep);
}

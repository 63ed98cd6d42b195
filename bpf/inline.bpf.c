// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier: kprobes at the instructions of copy_pte_range()'s pass
 * that userspace/lib/inline_sites.c recognised in the live kernel text
 * (copy_pte_range, or copy_page_range where it is inlined). No patch, no
 * kretprobe: a probe on the instruction after a call sees the call's return
 * in rax. Loaded with the window object and sharing its maps, like
 * patched.bpf.c, whose per-pass accounting this mirrors.
 *
 * One pass: pass_start ("again:") -> parent_locked (both PTE locks held) ->
 * child_unlock (the hold ends) -> resched_ret, then the continuation or the
 * prealloc return if the pass stopped for one, then the retry jump. The
 * jump is "if (addr != end) goto again": taken (ZF clear) it is a retry,
 * and its reason is exact from what the pass did after its unlock: a
 * continuation added, a page preallocated, or neither (a lock-break: the
 * only other way out of the loop before end). The loop's exit condition
 * itself (which lock-break cause, how many PTEs) is not seen here: that
 * stays with tier 1 (PTCOPY_HAVE_LOOP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"
#include "hist.bpf.h"
#include "fork.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ptcopy_fork.inline_pass: what the pass in progress did after its unlock */
#define INLINE_PASS_SWAP_CONT	(1U << 0)	/* add_swap_count_continuation returned */
#define INLINE_PASS_PREALLOC	(1U << 1)	/* the prealloc page allocation returned */
/* bits 8..15: the retry reason + 1 a taken retry jump left for the next pass */
#define INLINE_RETRY_SHIFT	8

#define X86_EFLAGS_ZF		(1UL << 6)

struct hold {
	__u64 locked_ns;
	__u32 tid;
	__u32 pad;
};

/*
 * The PTE lock hold in progress on each CPU: between parent_locked and
 * child_unlock both spinlocks are held, so the task stays on this CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hold);
} ptcopy_holds SEC(".maps");

static __always_inline bool unfiltered(void)
{
	return !cfg.filter_tgid && !cfg.filter_comm[0] && !cfg.filter_cgroup;
}

/* "again:": a pass begins; a retry if the previous pass's jump was taken */
static __always_inline int on_pass_start(void)
{
	struct ptcopy_fork *f = current_fork();
	__u32 reason;
	__u64 now;

	if (!f) {
		if (unfiltered())
			counter_inc(PTCOPY_CTR_ORPHAN_EVENTS);
		return 0;
	}
	reason = (f->inline_pass >> INLINE_RETRY_SHIFT) & 0xff;
	reason = reason ? reason - 1 : PTCOPY_PASS_FIRST;
	f->inline_pass = 0;
	now = bpf_ktime_get_ns();
	if (reason != PTCOPY_PASS_FIRST) {
		f->ev.retries++;
		if (reason == PTCOPY_PASS_LOCK_BREAK)
			f->ev.lock_breaks++;
	}
	f->pass_start_ns = now;
	f->ev.passes++;
	if (reason < PTCOPY_PASS_REASONS)
		f->reasons[reason]++;
	return 0;
}

/* after the parent's PTE lock is taken: both locks held, the hold begins */
static __always_inline int on_parent_locked(void)
{
	struct ptcopy_fork *f = current_fork();
	static const __u32 zero;
	struct hold *h;
	__u64 now, wait;

	if (!f)
		return 0;
	h = bpf_map_lookup_elem(&ptcopy_holds, &zero);
	if (!h)
		return 0;
	now = bpf_ktime_get_ns();
	h->locked_ns = now;
	h->tid = f->ev.tid;
	if (f->pass_start_ns) {
		wait = now - f->pass_start_ns;
		f->wait_ns_sum += wait;
		hist_add(&f->wait, wait);
		f->pass_start_ns = 0;
	}
	return 0;
}

/* the call that releases the child's PTE lock, the pass's last: hold ends */
static __always_inline int on_child_unlock(void)
{
	struct ptcopy_fork *f = current_fork();
	static const __u32 zero;
	struct hold *h;
	__u64 hold;

	if (!f)
		return 0;
	h = bpf_map_lookup_elem(&ptcopy_holds, &zero);
	if (!h || !h->locked_ns || h->tid != f->ev.tid)
		return 0;
	hold = bpf_ktime_get_ns() - h->locked_ns;
	h->locked_ns = 0;
	f->ev.hold_ns_sum += hold;
	if (hold > f->ev.hold_ns_max)
		f->ev.hold_ns_max = hold;
	hist_add(&f->hold, hold);
	return 0;
}

/* after the cond_resched() static call: rax is its return */
static __always_inline int on_resched_ret(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	f->ev.resched_calls++;
	if ((int)rax)
		f->ev.resched_done++;
	return 0;
}

/* after add_swap_count_continuation(): eax is its result */
static __always_inline int on_swap_cont_ret(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	f->inline_pass |= INLINE_PASS_SWAP_CONT;
	if ((int)rax < 0)
		f->ev.swap_cont_failed++;
	else
		f->ev.swap_cont_ok++;
	return 0;
}

/*
 * After the prealloc page allocation. Its failures are not counted: the
 * prealloc also fails when the memcg charge after it fails, which no probe
 * here sees, so prealloc_failed stays with tier 1 (PTCOPY_HAVE_LOOP).
 */
static __always_inline int on_prealloc_ret(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		f->inline_pass |= INLINE_PASS_PREALLOC;
	return 0;
}

/* "if (addr != end) goto again", before the jne: ZF clear means taken */
static __always_inline int on_retry_jump(__u64 flags)
{
	struct ptcopy_fork *f = current_fork();
	__u32 reason;

	if (!f)
		return 0;
	if (flags & X86_EFLAGS_ZF) {
		f->inline_pass = 0;
		return 0;
	}
	if (f->inline_pass & INLINE_PASS_SWAP_CONT)
		reason = PTCOPY_PASS_SWAP_CONT;
	else if (f->inline_pass & INLINE_PASS_PREALLOC)
		reason = PTCOPY_PASS_PREALLOC;
	else
		reason = PTCOPY_PASS_LOCK_BREAK;
	f->inline_pass = (reason + 1) << INLINE_RETRY_SHIFT;
	return 0;
}

/*
 * Each site twice: a kprobe (what the loader attaches at the site's
 * offset) and a raw_tp twin taking the register as args[0], which only
 * BPF_PROG_TEST_RUN drives (kprobe programs cannot be test-run). The raw_tp
 * names are no tracepoints: the twins load but never attach.
 */
#define PTCOPY_SITE(name, call_kp, call_tp)			\
SEC("kprobe")							\
int ptcopy_in_##name(struct pt_regs *ctx)			\
{								\
	return call_kp;						\
}								\
SEC("raw_tp/ptcopy_inline_" #name)				\
int ptcopy_in_##name##_raw(__u64 *ctx)				\
{								\
	return call_tp;						\
}

PTCOPY_SITE(pass, on_pass_start(), on_pass_start())
PTCOPY_SITE(locked, on_parent_locked(), on_parent_locked())
PTCOPY_SITE(unlock, on_child_unlock(), on_child_unlock())
PTCOPY_SITE(resched, on_resched_ret(PT_REGS_RC(ctx)), on_resched_ret(ctx[0]))
PTCOPY_SITE(swap_cont, on_swap_cont_ret(PT_REGS_RC(ctx)), on_swap_cont_ret(ctx[0]))
PTCOPY_SITE(prealloc, on_prealloc_ret(), on_prealloc_ret())
PTCOPY_SITE(retry, on_retry_jump(ctx->flags), on_retry_jump(ctx[0]))

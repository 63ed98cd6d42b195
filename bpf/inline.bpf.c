// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier: kprobes at the instructions of copy_pte_range()'s pass
 * that userspace/lib/inline_sites.c recognised in the live kernel text
 * (copy_pte_range, or copy_page_range where it is inlined). No patch, no
 * kretprobe: a probe on the instruction after a call sees the call's return
 * in rax. Loaded with the window object and sharing its maps, like
 * patched.bpf.c, with the same per-pass accounting (pass.bpf.h).
 *
 * One pass: pass_start ("again:") -> parent_locked (both PTE locks held) ->
 * child_unlock (the hold ends) -> resched_ret (after resched_block where a
 * tracepoint's block runs between), then the continuation or the
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
#include "pass.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ptcopy_fork.inline_pass: what the pass in progress did after its unlock */
#define INLINE_PASS_SWAP_CONT	(1U << 0)	/* add_swap_count_continuation returned */
#define INLINE_PASS_PREALLOC	(1U << 1)	/* the prealloc page allocation returned */
#define INLINE_PASS_RESCHED	(1U << 2)	/* cond_resched counted in its tracepoint's block */
/* bits 8..15: the retry reason + 1 a taken retry jump left for the next pass */
#define INLINE_RETRY_SHIFT	8

/*
 * The zero flag at the retry jump, in the saved flags register. The
 * recogniser reads x86-64 code only and the loader refuses the tier
 * elsewhere (lib/inline_text.c), but the object is built for every
 * architecture: arm64 keeps the flag in pstate (PSR_Z_BIT).
 */
#if defined(__TARGET_ARCH_x86)
#define SITE_FLAGS(regs)	((regs)->flags)
#define SITE_FLAG_ZERO		(1UL << 6)	/* X86_EFLAGS_ZF */
#elif defined(__TARGET_ARCH_arm64)
#define SITE_FLAGS(regs)	((regs)->pstate)
#define SITE_FLAG_ZERO		(1UL << 30)	/* PSR_Z_BIT */
#else
#error "ptcopy's inline tier knows the flags register of x86 and arm64 only"
#endif

/* "again:": a pass begins; a retry if the previous pass's jump was taken */
static __always_inline int on_pass_start(void)
{
	struct ptcopy_fork *f = current_fork();
	__u32 reason;

	if (!f) {
		pass_orphan();
		return 0;
	}
	reason = (f->inline_pass >> INLINE_RETRY_SHIFT) & 0xff;
	reason = reason ? reason - 1 : PTCOPY_PASS_FIRST;
	f->inline_pass = 0;
	if (reason == PTCOPY_PASS_LOCK_BREAK)
		f->ev.lock_breaks++;
	pass_start(f, reason);
	return 0;
}

/* after the parent's PTE lock is taken: both locks held, the hold begins */
static __always_inline int on_parent_locked(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_locked(f);
	return 0;
}

/* the call that releases the child's PTE lock, the pass's last: hold ends */
static __always_inline int on_child_unlock(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_unlocked(f);
	return 0;
}

/*
 * After the cond_resched() static call: rax is its return. Where a
 * tracepoint follows the call (a patched kernel), this is the join after
 * its block, and if the block ran, rax is the tracepoint's: the outcome was
 * then taken at the block's first instruction (on_resched_block).
 */
static __always_inline int on_resched_ret(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	if (f->inline_pass & INLINE_PASS_RESCHED) {
		f->inline_pass &= ~INLINE_PASS_RESCHED;
		return 0;
	}
	pass_resched(f, (int)rax != 0);
	return 0;
}

/* the first instruction of the tracepoint's block after cond_resched() */
static __always_inline int on_resched_block(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	f->inline_pass |= INLINE_PASS_RESCHED;
	pass_resched(f, (int)rax != 0);
	return 0;
}

/* after add_swap_count_continuation(): eax is its result */
static __always_inline int on_swap_cont_ret(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	f->inline_pass |= INLINE_PASS_SWAP_CONT;
	pass_swap_cont(f, (int)rax);
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
	if (flags & SITE_FLAG_ZERO) {
		f->inline_pass = 0;
		return 0;
	}
	if (f->inline_pass & INLINE_PASS_SWAP_CONT)
		reason = PTCOPY_PASS_SWAP_CONT;
	else if (f->inline_pass & INLINE_PASS_PREALLOC)
		reason = PTCOPY_PASS_PREALLOC;
	else
		reason = PTCOPY_PASS_LOCK_BREAK;
	/* no probe sees the loop's exit condition: the cause is unknown */
	if (reason == PTCOPY_PASS_LOCK_BREAK)
		record_instant(f, PTCOPY_REC_LOCK_BREAK, PTCOPY_STOPS);
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
PTCOPY_SITE(resched_block, on_resched_block(PT_REGS_RC(ctx)), on_resched_block(ctx[0]))
PTCOPY_SITE(swap_cont, on_swap_cont_ret(PT_REGS_RC(ctx)), on_swap_cont_ret(ctx[0]))
PTCOPY_SITE(prealloc, on_prealloc_ret(), on_prealloc_ret())
PTCOPY_SITE(retry, on_retry_jump(SITE_FLAGS(ctx)), on_retry_jump(ctx[0]))

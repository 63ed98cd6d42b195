// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier: kprobes at the instructions of copy_pte_range()'s pass
 * that userspace/lib/inline_sites.c recognised in the live kernel text
 * (copy_pte_range, or copy_page_range where it is inlined). No patch, no
 * kretprobe: a probe on an instruction after a call, where nothing has
 * written rax since, sees the call's return. Loaded with the window object
 * and sharing its maps, like patched.bpf.c, with the same per-pass
 * accounting (pass.bpf.h).
 *
 * One pass: pass_start ("again:") -> parent_locked (both PTE locks held) ->
 * hold_end -> a resched site (the first of cond_resched()'s paths reaches)
 * -> the continuation or the prealloc return if the pass stopped for one ->
 * the join before "if (addr != end) goto again" -> pass_start again (a
 * retry) or the loop's exit. Where the code has no optimizable join and
 * exit, the jne itself is probed and its zero flag read instead. A retry's
 * reason is exact from what the pass did after its unlock: a continuation
 * added, a page preallocated, or neither (a lock-break: the only other way
 * out of the loop before end). The loop's exit condition itself (which
 * lock-break cause, how many PTEs) is not seen here: that stays with tier
 * 1 (PTCOPY_HAVE_LOOP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pass.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* whether cond_resched()'s outcome is counted (not patched to "return 0") */
const volatile bool inline_resched;

/*
 * Where a pass's addr and end are at pass_start (userspace/lib/
 * inline_range.c); reg PTCOPY_REG_NONE: not known, passes have no range.
 * Read only for --record, the one consumer of a pass's range.
 */
const volatile struct ptcopy_loc inline_addr_loc, inline_end_loc;

/* ptcopy_fork.inline_pass: what the pass in progress did after its unlock */
#define INLINE_PASS_SWAP_CONT	(1U << 0)	/* add_swap_count_continuation returned */
#define INLINE_PASS_PREALLOC	(1U << 1)	/* the prealloc page allocation returned */
#define INLINE_PASS_RESCHED	(1U << 2)	/* the hold ended, cond_resched's outcome not yet read */
/* bits 8..15: the retry reason + 1 the join (or a taken jne) left for the next pass */
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

#if defined(__TARGET_ARCH_x86)
/* regs->field, a load at a constant offset from ctx (pt_regs is x86's ABI) */
#define CTX_LOAD(regs, field) ({						\
	__u64 v_;								\
	asm volatile("%0 = *(u64 *)(%1 + %2)"					\
		     : "=r"(v_) : "r"(regs), "i"(__builtin_offsetof(struct pt_regs, field)));	\
	v_;									\
})
#endif

/* The value at l: a register of the probe's, or the 8 bytes at one + disp. */
static __always_inline bool loc_read(struct pt_regs *regs, const volatile struct ptcopy_loc *l,
				     __u64 *v)
{
#if defined(__TARGET_ARCH_x86)
	__u64 r;

	if (l->reg == PTCOPY_REG_NONE || l->reg >= PTCOPY_REGS)
		return false;
	/*
	 * A chain of compares of a constant, one load each, which the
	 * verifier cuts to one. In asm: as C, clang merges the loads into one
	 * at ctx plus a chosen offset, which no kprobe program may do.
	 */
#define REG_VALUE(up, field, name)	l->reg == PTCOPY_REG_##up ? CTX_LOAD(regs, field) :
	r = PTCOPY_REG_TABLE(REG_VALUE) 0;
#undef REG_VALUE
	if (!l->deref) {
		*v = r;
		return true;
	}
	return !bpf_probe_read_kernel(v, sizeof(*v), (void *)(r + (__s64)l->disp));
#else
	return false;
#endif
}

/*
 * "again:": a pass begins; a retry if the previous pass's jump was taken.
 * range: addr and end were read (--record), as copy_pte_pass_start gives them.
 */
static __always_inline int on_pass_start(__u64 addr, __u64 end, bool range)
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
	/*
	 * The lock-break is known only here, when the loop began again with
	 * nothing else to explain it; which cause is not seen (tier 1's).
	 */
	if (reason == PTCOPY_PASS_LOCK_BREAK) {
		f->ev.lock_breaks++;
		record_instant(f, PTCOPY_REC_LOCK_BREAK, PTCOPY_STOPS);
	}
	pass_start(f, reason);
	if (range) {
		f->pass_addr = addr;
		record_pass_range(f, end);
	}
	return 0;
}

static __always_inline int on_pass_start_regs(struct pt_regs *regs)
{
	__u64 addr = 0, end = 0;
	bool range = cfg.record && loc_read(regs, &inline_addr_loc, &addr) &&
		     loc_read(regs, &inline_end_loc, &end);

	return on_pass_start(addr, end, range);
}

/* after the parent's PTE lock is taken: both locks held, the hold begins */
static __always_inline int on_parent_locked(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_locked(f);
	return 0;
}

/* the hold ends (at the unlock calls); cond_resched() follows */
static __always_inline int on_hold_end(void)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	pass_unlocked(f);
	if (inline_resched)
		f->inline_pass |= INLINE_PASS_RESCHED;
	return 0;
}

/*
 * The first site on cond_resched()'s path after the hold ended: rax is its
 * return. A site other paths reach too (an error exit, the join) finds the
 * flag clear on them and reads nothing.
 */
static __always_inline void resched_read(struct ptcopy_fork *f, __u64 rax)
{
	if (!(f->inline_pass & INLINE_PASS_RESCHED))
		return;
	f->inline_pass &= ~INLINE_PASS_RESCHED;
	pass_resched(f, (int)rax != 0);
}

static __always_inline int on_resched(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		resched_read(f, rax);
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

/* Why the pass that reached the loop's test would begin again. */
static __always_inline __u32 retry_reason(const struct ptcopy_fork *f)
{
	if (f->inline_pass & INLINE_PASS_SWAP_CONT)
		return PTCOPY_PASS_SWAP_CONT;
	if (f->inline_pass & INLINE_PASS_PREALLOC)
		return PTCOPY_PASS_PREALLOC;
	return PTCOPY_PASS_LOCK_BREAK;
}

/*
 * The join before "if (addr != end) goto again": the next pass_start,
 * unless the loop's exit comes first, is a retry for this reason. Where
 * the join is also cond_resched()'s first site, rax is its return.
 */
static __always_inline int on_join(__u64 rax)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	resched_read(f, rax);
	f->inline_pass = (retry_reason(f) + 1) << INLINE_RETRY_SHIFT;
	return 0;
}

/* after the jne, not taken: addr == end, no retry */
static __always_inline int on_loop_exit(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		f->inline_pass = 0;
	return 0;
}

/* "if (addr != end) goto again", at the jne: ZF clear means taken */
static __always_inline int on_retry_jump(__u64 flags)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	if (flags & SITE_FLAG_ZERO)
		f->inline_pass = 0;
	else
		f->inline_pass = (retry_reason(f) + 1) << INLINE_RETRY_SHIFT;
	return 0;
}

/*
 * Each site twice: a kprobe (what the loader attaches at the site's
 * offset) and a raw_tp twin taking the register as args[0] (pass_start's:
 * addr and end as args[0] and args[1], end 0 for no range), which only
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

PTCOPY_SITE(pass, on_pass_start_regs(ctx), on_pass_start(ctx[0], ctx[1], cfg.record && ctx[1]))
PTCOPY_SITE(locked, on_parent_locked(), on_parent_locked())
PTCOPY_SITE(unlock, on_hold_end(), on_hold_end())
PTCOPY_SITE(resched, on_resched(PT_REGS_RC(ctx)), on_resched(ctx[0]))
PTCOPY_SITE(swap_cont, on_swap_cont_ret(PT_REGS_RC(ctx)), on_swap_cont_ret(ctx[0]))
PTCOPY_SITE(prealloc, on_prealloc_ret(), on_prealloc_ret())
PTCOPY_SITE(retry, on_retry_jump(SITE_FLAGS(ctx)), on_retry_jump(ctx[0]))
PTCOPY_SITE(join, on_join(PT_REGS_RC(ctx)), on_join(ctx[0]))
PTCOPY_SITE(exit, on_loop_exit(), on_loop_exit())

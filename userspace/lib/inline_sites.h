/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inline tier's recogniser: in the machine code of copy_pte_range (where
 * it is a function) or copy_page_range (where copy_pte_range is inlined into
 * it), find the instructions where a pass takes and drops the two PTE locks,
 * calls cond_resched() and add_swap_count_continuation(). It works on the
 * live text (after boot patching of alternatives and static calls) and
 * accepts only the exact shape it knows; anything else is refused with the
 * part of the pattern that failed and where.
 */
#ifndef __PTCOPY_INLINE_SITES_H
#define __PTCOPY_INLINE_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"

#define INLINE_INSN_LEN		256
#define INLINE_WHY_LEN		768
/* resched_return and up to this many - 1 resched_branch sites */
#define INLINE_RESCHED_SITES	5

/*
 * The symbol that starts exactly at addr (kallsyms), or NULL. Call targets
 * are only ever resolved to a symbol's first byte: a call into the middle of
 * a symbol is not one the pattern knows.
 */
typedef const char *(*inline_sym_at_fn)(void *ctx, __u64 addr);

enum inline_site_kind {
	/* "again:", where every pass begins (first or retry) */
	INLINE_PASS_START,
	/* the instruction after the child's PTE lock is taken (rax: its return) */
	INLINE_CHILD_LOCKED,
	/* the instruction after the parent's PTE lock is taken: the hold begins */
	INLINE_PARENT_LOCKED,
	/* the call that releases the parent's PTE lock: the hold ends */
	INLINE_PARENT_UNLOCK,
	/* the call that releases the child's PTE lock */
	INLINE_CHILD_UNLOCK,
	/* the cond_resched() static call: listed, never probed (reserved text) */
	INLINE_RESCHED_CALL,
	/* the instruction after it: rax is cond_resched()'s return */
	INLINE_RESCHED_RET,
	/* "if (addr != end) goto again": a jne, taken (ZF clear) for a retry */
	INLINE_RETRY_JUMP,
	/* the call of add_swap_count_continuation (rdi: swap entry) */
	INLINE_SWAP_CONT_CALL,
	/* the instruction after it: eax is its result */
	INLINE_SWAP_CONT_RET,
	/* the prealloc page allocation for -EAGAIN */
	INLINE_PREALLOC_CALL,
	INLINE_PREALLOC_RET,
	/*
	 * More places where rax is still cond_resched()'s return, on the
	 * other paths from it (the error branches, a tracepoint's block on a
	 * patched kernel): resched_return and these together are passed
	 * once per pass, each the first optimizable instruction of its path
	 * where there is one (inline_sites.c, resched_sites()).
	 */
	INLINE_RESCHED_BRANCH,
	INLINE_RESCHED_BRANCH_LAST = INLINE_RESCHED_BRANCH + INLINE_RESCHED_SITES - 2,
	/*
	 * Where the hold ends: before the child's unlock call or right after
	 * the parent's, where an optimizable instruction is exact; else the
	 * child's unlock call (child_unlock) itself.
	 */
	INLINE_HOLD_END,
	/*
	 * Optimizable replacements for retry_jump where the code has them:
	 * the join of every pass's end before the jne, and the loop's exit
	 * after it. A pass that reaches the join and begins again without
	 * the exit is a retry. Not found: retry_jump is probed.
	 */
	INLINE_JOIN,
	INLINE_LOOP_EXIT,
	INLINE_SITE_COUNT,
};

struct inline_site {
	bool found;
	__u32 off;			/* from the function's first byte */
	bool optimizable;		/* x86 makes a kprobe here a jump, no int3 */
	char insn[INLINE_INSN_LEN];	/* the instruction there, AT&T syntax */
};

struct inline_sites {
	struct inline_site site[INLINE_SITE_COUNT];
	bool child_lock_returns_pte;	/* __pte_offset_map_lock: NULL if not locked */
	bool resched_patched_out;	/* static call patched to "return 0" */
	bool sleeping_locks;		/* rt_spin_lock (PREEMPT_RT): the PTE locks sleep */
	bool saved_text;		/* recognised in the saved text (inline_orig.h) */
	/*
	 * Where a pass's addr and end are at pass_start (inline_range.c),
	 * or .reg PTCOPY_REG_NONE and range_why says why not.
	 */
	struct ptcopy_loc range_addr, range_end;
	char range_why[INLINE_WHY_LEN];
};

/* "0x58(%rsp)", "%r14": a place as AT&T syntax writes it. */
void inline_loc_format(char *out, size_t len, const struct ptcopy_loc *l);

/* "child_locked", ...: the site's name in --probe -v and in errors. */
const char *inline_site_name(enum inline_site_kind k);

/*
 * Recognise the sites in code (len bytes of the function at addr). Returns
 * 0 and fills *out, or -1 with why (one line: the part of the pattern that
 * failed, with offset and instruction).
 */
int inline_recognise(const __u8 *code, size_t len, __u64 addr, inline_sym_at_fn sym_at,
		     void *sym_ctx, struct inline_sites *out, char *why, size_t why_len);

#endif /* __PTCOPY_INLINE_SITES_H */

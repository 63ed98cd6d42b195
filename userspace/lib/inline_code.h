/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The decoded code the inline tier's recogniser works on, shared by the
 * pass's sites (inline_sites.c) and the pass's range (inline_range.c): one
 * entry per instruction, with what the pattern asks of it. Private to those
 * two files.
 */
#ifndef __PTCOPY_INLINE_CODE_H
#define __PTCOPY_INLINE_CODE_H

#include "inline_sites.h"

/* What a call does, by its target's name. */
enum call_role {
	CALL_OTHER,
	CALL_LOCK,		/* _raw_spin_lock, rt_spin_lock */
	CALL_MAP_LOCK,		/* __pte_offset_map_lock: maps and locks (>= 6.5) */
	CALL_UNLOCK,		/* _raw_spin_unlock, rt_spin_unlock */
	CALL_RESCHED,		/* cond_resched's static call, patched or not */
	CALL_SWAP_CONT,		/* add_swap_count_continuation */
	CALL_PREALLOC,		/* the prealloc page's allocation */
	CALL_LOCK_OTHER,	/* a lock function the pattern does not know */
	CALL_RCU_UNLOCK,	/* pte_unmap() since 6.5: rcu_read_unlock() */
	CALL_TRACE,		/* a tracepoint's function (its static call's target) */
	CALL_PREEMPT_NOTRACE,	/* preempt_enable_notrace()'s preemption point */
};

enum opnd_kind {
	OPND_NONE,
	OPND_REG,
	OPND_MEM,
	OPND_IMM,
};

/* An explicit operand: registers as enum ptcopy_reg, NONE for others. */
struct opnd {
	__u8 kind;		/* enum opnd_kind */
	__u8 reg;		/* OPND_REG */
	__u8 base, index;	/* OPND_MEM; index NONE, or an index register */
	__u8 size;		/* bytes */
	__u8 access;		/* CS_AC_READ | CS_AC_WRITE */
	__s64 disp;
};

#define INSN_OPNDS	4

struct insn {
	__u32 off;
	__u16 size;
	bool call;		/* direct call */
	bool indirect_call;
	bool noreturn;		/* a call that never returns: no way on to the next */
	bool rdi_imm;		/* writes an immediate into rdi/edi */
	bool stop;		/* ret, jmp, ud2: int3 may follow (SLS, padding) */
	bool jcc;		/* conditional jump to jump_off inside the code */
	bool jmp;		/* unconditional jump to jump_off inside the code */
	bool key_nop;		/* a NOP of a static key's size: 2 or 5 bytes */
	bool jne;
	bool boostable;		/* x86 kprobes may copy it out of line (can_boost()) */
	bool cmp;		/* cmp: sets the flags from its two operands */
	bool mov;		/* mov (no sign or zero extension) */
	bool lea;		/* lea: its memory operand is an address, not an access */
	bool zero_idiom;	/* xor or sub of a register with itself: writes, reads nothing */
	bool sp_unknown;	/* moves the stack pointer by what sp_move cannot say */
	__s32 sp_move;		/* push -8, pop +8, sub/add of an immediate (a call: 0) */
	__u32 reg_read;		/* bit per enum ptcopy_reg, implicit ones included */
	__u32 reg_write;	/* a call: every caller-saved register */
	bool opnd_more;		/* more operands than opnd[] holds */
	__u8 nopnd;
	struct opnd opnd[INSN_OPNDS];	/* AT&T order: source first */
	__u32 jump_off;
	enum call_role role;
	__u64 target;
	const char *target_name;
	char text[INLINE_INSN_LEN];
};

struct code {
	struct insn *insn;
	size_t n;
	size_t len;
	bool indirect_jump;	/* kprobes optimize nothing in such a function */
};

/* The index of the instruction at off, or c->n. */
size_t insn_at(const struct code *c, __u32 off);

/* Whether in writes general register r or a part of it (enum ptcopy_reg). */
static inline bool writes_gpr(const struct insn *in, unsigned int r)
{
	return in->reg_write & (1U << r);
}

static inline bool jumps(const struct insn *in)
{
	return in->jcc || in->jmp;
}

/*
 * The pass's range (inline_range.c): where addr and end are at the
 * instruction again, the target of the loop back at jne ("again:"; the
 * pass_start site is again or, after a tracepoint's key there, the join
 * after it, which the same analysis covers). Sets s->range_addr and
 * s->range_end, or s->range_why.
 */
void inline_range_find(const struct code *c, size_t again, size_t jne, struct inline_sites *s);

#endif /* __PTCOPY_INLINE_CODE_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recognising copy_pte_range()'s pass in machine code (x86-64).
 *
 * The pass, in every kernel since 5.x, is (mm/memory.c):
 *
 *	dst_pte = pte_alloc_map_lock(...)	child's PTE lock
 *	src_pte = pte_offset_map(...); spin_lock_nested(src_ptl)
 *						parent's PTE lock
 *	... copy up to a PMD's worth of PTEs, or break out ...
 *	spin_unlock(src_ptl)			parent's released
 *	pte_unmap_unlock(orig_dst_pte, dst_ptl)	child's released
 *	cond_resched();
 *	add_swap_count_continuation() on -EIO, prealloc on -EAGAIN
 *	if (addr != end) goto again;		a retry pass
 *
 * With CONFIG_UNINLINE_SPIN_UNLOCK (PREEMPT_DYNAMIC and PREEMPT kernels,
 * Debian's among them) both unlocks are calls, and cond_resched() is the
 * cond_resched static call right after the second. That pair, an unlock call
 * directly followed by the cond_resched static call, anchors the pattern: it
 * must occur exactly once. Walking back from it, the two unlock calls, then
 * the parent's and the child's lock calls must be the nearest lock-related
 * calls, with nothing in between that takes or drops a lock. Every direct
 * call must land on a known symbol's first byte. Calls whose lock argument
 * is a constant address (mmlist_lock for a swap entry's first fork) are
 * global locks, not PTE locks, and are left out. The loop back to "again:"
 * is the first backward jne after cond_resched's return (its error checks
 * jump forward); its target, before the child's lock, is where passes begin.
 *
 * A kernel with tracepoints in the pass (ptcopy's patch) has a static key's
 * branch at some of these points: right after the parent's lock call, the
 * child's unlock, cond_resched() and at "again:". A kprobe cannot sit on one
 * (the kernel rewrites it when the key flips), so each such point moves to
 * the join after the branch, and only where the branch is exactly a
 * tracepoint's: a 2- or 5-byte NOP (key off) or a jmp to the block (key on),
 * the block out of line, calling the tracepoint's function once and
 * nothing else but the preemption point of its preempt_enable, and leaving
 * only to the join. Where the join comes after cond_resched() the tracing
 * block clobbers rax, so its first instruction is a site too (one of the
 * resched sites below), where rax is still the return.
 *
 * Each pass hits a handful of these probes, so the probed sites are chosen,
 * where the code allows it exactly, at instructions where x86 optimizes a
 * kprobe into a jump instead of an int3 trap (optimizable()): the hold's
 * end next to the unlock calls (hold_end()), cond_resched()'s return at the
 * first such instruction of each path from it (resched_sites()), and the
 * retry read from the join before "addr != end" and the loop's exit after
 * it rather than from the jne (join_sites()). Where no such instruction is
 * exact, the site is the one next to the call, as before, and a trap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>
#include "inline_code.h"

static const char *const site_names[INLINE_SITE_COUNT] = {
	[INLINE_PASS_START] = "pass_start",
	[INLINE_RETRY_JUMP] = "retry_jump",
	[INLINE_CHILD_LOCKED] = "child_locked",
	[INLINE_PARENT_LOCKED] = "parent_locked",
	[INLINE_PARENT_UNLOCK] = "parent_unlock",
	[INLINE_CHILD_UNLOCK] = "child_unlock",
	[INLINE_RESCHED_CALL] = "resched_call",
	[INLINE_RESCHED_RET] = "resched_return",
	[INLINE_SWAP_CONT_CALL] = "swap_cont_call",
	[INLINE_SWAP_CONT_RET] = "swap_cont_return",
	[INLINE_PREALLOC_CALL] = "prealloc_call",
	[INLINE_PREALLOC_RET] = "prealloc_return",
	[INLINE_RESCHED_BRANCH] = "resched_branch0",
	[INLINE_RESCHED_BRANCH + 1] = "resched_branch1",
	[INLINE_RESCHED_BRANCH + 2] = "resched_branch2",
	[INLINE_RESCHED_BRANCH + 3] = "resched_branch3",
	[INLINE_HOLD_END] = "hold_end",
	[INLINE_JOIN] = "join",
	[INLINE_LOOP_EXIT] = "loop_exit",
};

const char *inline_site_name(enum inline_site_kind k)
{
	return k < INLINE_SITE_COUNT ? site_names[k] : "?";
}

static const struct {
	const char *name;
	enum call_role role;
} roles[] = {
	{ "_raw_spin_lock", CALL_LOCK },
	{ "rt_spin_lock", CALL_LOCK },
	{ "__pte_offset_map_lock", CALL_MAP_LOCK },
	{ "__rcu_read_unlock", CALL_RCU_UNLOCK },
	{ "_raw_spin_unlock", CALL_UNLOCK },
	{ "rt_spin_unlock", CALL_UNLOCK },
	/* the live text calls the target; unpatched text the trampoline */
	{ "__cond_resched", CALL_RESCHED },
	{ "__SCT__cond_resched", CALL_RESCHED },
	{ "add_swap_count_continuation", CALL_SWAP_CONT },
	{ "vma_alloc_folio", CALL_PREALLOC },
	{ "vma_alloc_folio_noprof", CALL_PREALLOC },
	{ "alloc_pages_vma", CALL_PREALLOC },
	/* without NUMA vma_alloc_folio() is inline, down to these */
	{ "__folio_alloc", CALL_PREALLOC },
	{ "__folio_alloc_noprof", CALL_PREALLOC },
	/* in a tracepoint's block: preempt=full calls it, voluntary has a NOP */
	{ "preempt_schedule_notrace", CALL_PREEMPT_NOTRACE },
	{ "preempt_schedule_notrace_thunk", CALL_PREEMPT_NOTRACE },
	{ "__SCT__preempt_schedule_notrace", CALL_PREEMPT_NOTRACE },
	/* lock variants that would make the pattern's lock calls ambiguous */
	{ "_raw_spin_lock_nested", CALL_LOCK_OTHER },
	{ "_raw_spin_lock_irq", CALL_LOCK_OTHER },
	{ "_raw_spin_lock_irqsave", CALL_LOCK_OTHER },
	{ "_raw_spin_lock_bh", CALL_LOCK_OTHER },
	{ "_raw_spin_trylock", CALL_LOCK_OTHER },
	{ "_raw_spin_unlock_irq", CALL_LOCK_OTHER },
	{ "_raw_spin_unlock_irqrestore", CALL_LOCK_OTHER },
	{ "_raw_spin_unlock_bh", CALL_LOCK_OTHER },
	{ "rt_spin_trylock", CALL_LOCK_OTHER },
};

/* "name" or a compiler clone of it ("name.constprop.0"). */
static bool name_is(const char *sym, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(sym, name, n) && (sym[n] == '\0' || sym[n] == '.');
}

/*
 * What a tracepoint's static call lands on in the live text: the iterator
 * over its probes, or its only probe (a BPF program's, tracefs', perf's).
 */
static const char *const trace_prefixes[] = {
	"__traceiter_", "__bpf_trace_", "trace_event_raw_event_", "perf_trace_",
};

/*
 * Calls that never return, of those copy_page_range() makes (objtool's
 * list, tools/objtool/noreturns.h): the code after one belongs to another
 * path. One missing here only makes the range's analysis see a path that
 * is not there, and refuse where it need not.
 */
static const char *const noreturns[] = {
	"__stack_chk_fail", "__fortify_panic", "fortify_panic", "panic", "do_exit",
	"make_task_dead", "__ubsan_handle_builtin_unreachable", "BUG_func",
};

static bool noreturn(const char *sym)
{
	size_t i;

	for (i = 0; i < sizeof(noreturns) / sizeof(noreturns[0]); i++)
		if (name_is(sym, noreturns[i]))
			return true;
	return false;
}

static enum call_role role_of(const char *sym)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (name_is(sym, roles[i].name))
			return roles[i].role;
	for (i = 0; i < sizeof(trace_prefixes) / sizeof(trace_prefixes[0]); i++)
		if (!strncmp(sym, trace_prefixes[i], strlen(trace_prefixes[i])))
			return CALL_TRACE;
	return CALL_OTHER;
}

/* cond_resched's static call patched to "return 0" (preempt=full): 2e 2e 2e 31 c0 */
static const __u8 xor5rax[] = { 0x2e, 0x2e, 0x2e, 0x31, 0xc0 };
/* a disabled static key in the live text (x86_nops[2], x86_nops[5]) */
static const __u8 key_nop2[] = { 0x66, 0x90 };
static const __u8 key_nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

/*
 * A function's endbr64 where the CPU has no IBT: the kernel overwrites it at
 * boot with a 4-byte NOP of its own (arch/x86/include/asm/ibt.h,
 * gen_endbr_poison(): "osp nopl (%rax)" since 6.2, "nopl -42(%rax)" before),
 * as on Debian 6.12 under qemu TCG. ftrace's call follows it.
 */
static const __u8 endbr_poison[][4] = {
	{ 0x66, 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0xd6 },
};

static bool endbr_poisoned(const __u8 *code, size_t size)
{
	size_t i;

	for (i = 0; size == 4 && i < sizeof(endbr_poison) / sizeof(endbr_poison[0]); i++)
		if (!memcmp(code, endbr_poison[i], 4))
			return true;
	return false;
}

static void fmt_insn(char *out, size_t len, const cs_insn *ci, const char *target_name)
{
	if (target_name)
		snprintf(out, len, "%s %s <%s>", ci->mnemonic, ci->op_str, target_name);
	else if (ci->op_str[0])
		snprintf(out, len, "%s %s", ci->mnemonic, ci->op_str);
	else
		snprintf(out, len, "%s", ci->mnemonic);
}

/* capstone's names of each general register's parts, by enum ptcopy_reg */
static const x86_reg gpr_parts[PTCOPY_REGS][5] = {
	[PTCOPY_REG_AX] = { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
	[PTCOPY_REG_BX] = { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
	[PTCOPY_REG_CX] = { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
	[PTCOPY_REG_DX] = { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
	[PTCOPY_REG_SI] = { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL },
	[PTCOPY_REG_DI] = { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL },
	[PTCOPY_REG_BP] = { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL },
	[PTCOPY_REG_SP] = { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL },
	[PTCOPY_REG_R8] = { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B },
	[PTCOPY_REG_R9] = { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B },
	[PTCOPY_REG_R10] = { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B },
	[PTCOPY_REG_R11] = { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B },
	[PTCOPY_REG_R12] = { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B },
	[PTCOPY_REG_R13] = { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B },
	[PTCOPY_REG_R14] = { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B },
	[PTCOPY_REG_R15] = { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B },
};

/* The general register r is part of, or PTCOPY_REG_NONE (rip, flags, ...). */
static __u8 gpr(x86_reg r)
{
	int i, j;

	if (r == X86_REG_INVALID)
		return PTCOPY_REG_NONE;
	for (i = PTCOPY_REG_NONE + 1; i < PTCOPY_REGS; i++)
		for (j = 0; j < 5; j++)
			if (gpr_parts[i][j] == r)
				return i;
	return PTCOPY_REG_NONE;
}

/* The registers a call may leave changed (x86-64 SysV, the kernel's ABI). */
#define CALLER_SAVED	(1U << PTCOPY_REG_AX | 1U << PTCOPY_REG_CX | 1U << PTCOPY_REG_DX |	\
			 1U << PTCOPY_REG_SI | 1U << PTCOPY_REG_DI | 1U << PTCOPY_REG_R8 |	\
			 1U << PTCOPY_REG_R9 | 1U << PTCOPY_REG_R10 | 1U << PTCOPY_REG_R11)

/*
 * The registers ci reads and writes (a call: every caller-saved one), and
 * its operands, for following a value through the code (the pattern's rax
 * and rdi, inline_range.c's places). What capstone cannot tell counts as
 * read and written.
 */
static void operands(csh h, const cs_insn *ci, struct insn *in)
{
	const cs_x86 *x = &ci->detail->x86;
	cs_regs rd, wr;
	uint8_t nr, nw, i;

	if (cs_regs_access(h, ci, rd, &nr, wr, &nw)) {
		in->reg_read = in->reg_write = ~0U;
	} else {
		for (i = 0; i < nr; i++)
			in->reg_read |= 1U << gpr(rd[i]);
		for (i = 0; i < nw; i++)
			in->reg_write |= 1U << gpr(wr[i]);
	}
	if (ci->id == X86_INS_CALL)
		in->reg_write |= CALLER_SAVED;
	in->cmp = ci->id == X86_INS_CMP;
	in->mov = ci->id == X86_INS_MOV;
	in->lea = ci->id == X86_INS_LEA;
	in->opnd_more = x->op_count > INSN_OPNDS;
	in->nopnd = in->opnd_more ? INSN_OPNDS : x->op_count;
	for (i = 0; i < in->nopnd; i++) {
		const cs_x86_op *o = &x->operands[i];
		struct opnd *p = &in->opnd[i];

		p->size = o->size;
		p->access = o->access;
		if (o->type == X86_OP_REG) {
			p->kind = OPND_REG;
			p->reg = gpr(o->reg);
		} else if (o->type == X86_OP_MEM) {
			p->kind = OPND_MEM;
			p->base = gpr(o->mem.base);
			p->index = gpr(o->mem.index);
			p->disp = o->mem.disp;
			/* a segment (%gs: per-CPU data) is not the stack */
			if (o->mem.segment != X86_REG_INVALID)
				p->base = p->index = PTCOPY_REG_NONE;
			if (!p->access && !in->lea)
				p->access = CS_AC_READ | CS_AC_WRITE;
		} else if (o->type == X86_OP_IMM) {
			p->kind = OPND_IMM;
		}
	}
	if (in->reg_write & (1U << PTCOPY_REG_SP) && ci->id != X86_INS_CALL) {
		if (ci->id == X86_INS_PUSH || ci->id == X86_INS_PUSHFQ)
			in->sp_move = -8;
		else if (ci->id == X86_INS_POP || ci->id == X86_INS_POPFQ)
			in->sp_move = 8;
		else if ((ci->id == X86_INS_SUB || ci->id == X86_INS_ADD) && in->nopnd == 2 &&
			 in->opnd[0].kind == OPND_IMM && in->opnd[1].kind == OPND_REG &&
			 in->opnd[1].reg == PTCOPY_REG_SP)
			in->sp_move = (ci->id == X86_INS_SUB ? -1 : 1) * (__s32)x->operands[0].imm;
		else
			in->sp_unknown = true;
	}
	in->zero_idiom = (ci->id == X86_INS_XOR || ci->id == X86_INS_SUB) && in->nopnd == 2 &&
			 in->opnd[0].kind == OPND_REG && in->opnd[1].kind == OPND_REG &&
			 in->opnd[0].reg == in->opnd[1].reg && in->opnd[0].reg != PTCOPY_REG_NONE;
}


/*
 * The two-byte opcodes (0f xx) x86 kprobes copy out of line, by row of 16
 * (arch/x86/kernel/kprobes/core.c, twobyte_is_boostable): the table is the
 * kernel's rule, so it is kept as the kernel states it.
 */
static const char *const twobyte_boostable[16] = {
	"0011001011000000", "0000000000000001", "1111000000000000", "0100000000000000",
	"1111111111111111", "0000000000000000", "1111111111110011", "0000111100000011",
	"0000000000000000", "1111111111111111", "1101110011011101", "1111111100011111",
	"1100000011111111", "0111010011011101", "0110010011011101", "0111010011101110",
};

/*
 * Whether x86 kprobes would run ci from a copy (can_boost()), which an
 * optimized kprobe needs of every instruction its jump covers. The
 * one-byte rules are those of 6.1 (later kernels boost a few more group
 * opcodes): a stricter rule only ever predicts a trap where the kernel
 * optimizes, never the reverse. Lock and rep prefixes count as not
 * boostable for the same reason.
 */
static bool boostable(const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;
	__u8 op = x->opcode[0], reg = (x->modrm >> 3) & 7;

	if (x->prefix[0] || x->prefix[1] == 0x2e || x->prefix[3])
		return false;
	if (op == 0x0f) {
		if (x->opcode[1] == 0x38 || x->opcode[1] == 0x3a)
			return false;
		return twobyte_boostable[x->opcode[1] >> 4][x->opcode[1] & 15] == '1';
	}
	switch (op) {
	case 0x62:		/* bound, or an EVEX prefix */
	case 0x70 ... 0x7f:	/* conditional jumps */
	case 0x9a:		/* call far */
	case 0xc0 ... 0xc1:	/* group 2 */
	case 0xc4 ... 0xc5:	/* VEX prefixes */
	case 0xcc ... 0xce:	/* software exceptions */
	case 0xd0 ... 0xd3:	/* group 2 */
	case 0xd6:
	case 0xd8 ... 0xdf:	/* x87 */
	case 0xe0 ... 0xe3:	/* loop, jcxz */
	case 0xe8 ... 0xe9:	/* call, jmp */
	case 0xeb:		/* short jmp */
	case 0xf0 ... 0xf4:	/* lock, rep, hlt */
	case 0xf6 ... 0xf7:	/* group 3 */
	case 0xfe:		/* group 4 */
		return false;
	case 0xff:		/* group 5: only the indirect jmp */
		return reg == 4;
	default:
		return true;
	}
}

static int decode(const __u8 *code, size_t len, __u64 addr, inline_sym_at_fn sym_at,
		  void *sym_ctx, struct code *c, char *why, size_t why_len)
{
	const __u8 *p = code;
	size_t left = len;
	uint64_t pc = addr;
	bool after_stop = false, endbr = false, ftrace_site;
	cs_insn *ci;
	csh h;
	int err = -1;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		snprintf(why, why_len, "capstone cannot open an x86-64 disassembler");
		return -1;
	}
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	ci = cs_malloc(h);
	if (!ci) {
		snprintf(why, why_len, "out of memory");
		cs_close(&h);
		return -1;
	}
	c->n = 0;
	c->len = len;
	c->indirect_jump = false;
	while (left) {
		__u32 off = (__u32)(pc - addr);
		struct insn *in = &c->insn[c->n];
		const cs_x86 *x;

		if (!cs_disasm_iter(h, &p, &left, &pc, ci)) {
			snprintf(why, why_len, "undecodable instruction at +0x%x (byte 0x%02x)", off,
				 code[off]);
			goto out;
		}
		memset(in, 0, sizeof(*in));
		ftrace_site = c->n == 0 || (c->n == 1 && endbr);
		endbr = ci->id == X86_INS_ENDBR64 || (c->n == 0 && endbr_poisoned(code + off, ci->size));
		in->off = off;
		in->size = ci->size;
		x = &ci->detail->x86;
		if (ci->id == X86_INS_INT3 && !after_stop) {
			/* a breakpoint in the middle of code: someone's kprobe */
			snprintf(why, why_len,
				 "int3 at +0x%x inside the code (a kprobe or debugger already there?)",
				 off);
			goto out;
		}
		if (ci->id == X86_INS_CALL && x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
			in->call = true;
			in->target = (__u64)x->operands[0].imm;
			in->target_name = sym_at(sym_ctx, in->target);
			/*
			 * The ftrace site (first instruction, or after endbr64,
			 * poisoned or not) calls a trampoline that is no symbol
			 * while traced.
			 */
			if (!in->target_name && !ftrace_site) {
				snprintf(why, why_len,
					 "unknown call target at +0x%x: call 0x%llx is no symbol's start",
					 off, (unsigned long long)in->target);
				goto out;
			}
			in->role = in->target_name ? role_of(in->target_name) : CALL_OTHER;
			in->noreturn = in->target_name && noreturn(in->target_name);
		} else if (ci->id == X86_INS_CALL) {
			in->indirect_call = true;
		} else if (ci->size == sizeof(xor5rax) && !memcmp(code + off, xor5rax, sizeof(xor5rax))) {
			in->role = CALL_RESCHED;	/* only counts right after an unlock */
		} else if (ci->id == X86_INS_MOV && x->op_count == 2 &&
			   x->operands[0].type == X86_OP_IMM && x->operands[1].type == X86_OP_REG &&
			   (x->operands[1].reg == X86_REG_RDI || x->operands[1].reg == X86_REG_EDI)) {
			in->rdi_imm = true;	/* AT&T order: source first */
		} else if (ci->id == X86_INS_MOVABS && x->op_count == 2 &&
			   x->operands[0].type == X86_OP_IMM &&
			   x->operands[1].type == X86_OP_REG && x->operands[1].reg == X86_REG_RDI) {
			in->rdi_imm = true;
		}
		if (cs_insn_group(h, ci, X86_GRP_JUMP) && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM && (__u64)x->operands[0].imm >= addr &&
		    (__u64)x->operands[0].imm < addr + len) {
			in->jmp = ci->id == X86_INS_JMP;
			in->jcc = !in->jmp;
			in->jne = ci->id == X86_INS_JNE;
			in->jump_off = (__u32)((__u64)x->operands[0].imm - addr);
		}
		operands(h, ci, in);
		in->boostable = boostable(ci);
		/*
		 * An indirect jmp, or a jmp to a retpoline thunk: the kernel
		 * optimizes no kprobe in such a function (can_optimize()).
		 */
		if (ci->id == X86_INS_JMP && (x->op_count != 1 || x->operands[0].type != X86_OP_IMM))
			c->indirect_jump = true;
		else if (ci->id == X86_INS_JMP && !in->jmp) {
			const char *t = sym_at(sym_ctx, (__u64)x->operands[0].imm);

			if (t && !strncmp(t, "__x86_indirect_", 15))
				c->indirect_jump = true;
		}
		in->key_nop = (ci->size == sizeof(key_nop2) && !memcmp(code + off, key_nop2, 2)) ||
			      (ci->size == sizeof(key_nop5) && !memcmp(code + off, key_nop5, 5));
		in->stop = ci->id == X86_INS_RET || ci->id == X86_INS_JMP || ci->id == X86_INS_UD2 ||
			   ci->id == X86_INS_INT3;
		after_stop = in->stop;
		fmt_insn(in->text, sizeof(in->text), ci, in->call ? in->target_name : NULL);
		c->n++;
	}
	err = 0;
out:
	cs_free(ci, 1);
	cs_close(&h);
	return err;
}

/*
 * A lock-related call whose lock is a constant address (mmlist_lock): not a
 * PTE lock. Its argument register was last written, in the straight-line
 * code just before the call, with an immediate.
 */
static bool global_lock(const struct code *c, size_t i)
{
	size_t j;

	for (j = i; j-- > 0 && i - j <= 4;) {
		const struct insn *in = &c->insn[j];

		if (in->rdi_imm)
			return true;
		if (writes_gpr(in, PTCOPY_REG_DI) || in->call || in->indirect_call || in->stop ||
		    in->jcc)
			return false;
	}
	return false;
}

static bool lockish(const struct insn *in)
{
	return in->call && (in->role == CALL_LOCK || in->role == CALL_MAP_LOCK ||
			    in->role == CALL_UNLOCK || in->role == CALL_LOCK_OTHER);
}

static void set_site(struct inline_sites *s, enum inline_site_kind k, const struct insn *in)
{
	s->site[k].found = true;
	s->site[k].off = in->off;
	snprintf(s->site[k].insn, sizeof(s->site[k].insn), "%s", in->text);
}

/*
 * If the instruction at k is a tracepoint's static key branch (see the top
 * of this file), the first instruction of its block; else c->n. The block
 * is found by its exits: every jump to the join (the instruction after k)
 * but k's own is the block's, the last an unconditional one, and the block
 * begins after the unconditional control transfer before its first exit.
 */
static size_t tracepoint_block(const struct code *c, size_t k)
{
	size_t i, e, lo = c->n, hi = 0, traces = 0;
	__u32 join;

	if (k + 1 >= c->n || (!c->insn[k].key_nop && !c->insn[k].jmp))
		return c->n;
	join = c->insn[k + 1].off;
	for (i = 0; i < c->n; i++) {
		if (i == k || !jumps(&c->insn[i]) || c->insn[i].jump_off != join)
			continue;
		if (i < lo)
			lo = i;
		hi = i;
	}
	/* out of line: after the join, ended by the jmp back */
	if (lo == c->n || lo <= k + 1 || !c->insn[hi].jmp)
		return c->n;
	for (e = lo; !c->insn[e - 1].stop; e--)
		if (e - 1 == k + 1)
			return c->n;
	if (c->insn[k].jmp && c->insn[k].jump_off != c->insn[e].off)
		return c->n;
	for (i = e; i <= hi; i++) {
		const struct insn *in = &c->insn[i];

		if ((i < hi && in->stop) || in->indirect_call)
			return c->n;
		if (jumps(in) && in->jump_off != join &&
		    (in->jump_off <= c->insn[e].off || in->jump_off > c->insn[hi].off))
			return c->n;
		if (in->call && in->role == CALL_TRACE)
			traces++;
		else if (in->call && in->role != CALL_PREEMPT_NOTRACE)
			return c->n;
	}
	if (traces != 1)
		return c->n;
	/* and only the key enters it */
	for (i = 0; i < c->n; i++)
		if ((i < e || i > hi) && i != k && jumps(&c->insn[i]) &&
		    c->insn[i].jump_off >= c->insn[e].off && c->insn[i].jump_off <= c->insn[hi].off)
			return c->n;
	return e;
}

/* k, or the join after it if k is a tracepoint's static key branch. */
static size_t past_tracepoint(const struct code *c, size_t k, size_t *block)
{
	size_t b = tracepoint_block(c, k);

	if (block)
		*block = b;
	return b == c->n ? k : k + 1;
}

/*
 * The unique call to role, and the instruction after it (past a
 * tracepoint, unless its return value is read there); optional or not.
 */
static int find_call_pair(const struct code *c, enum call_role role, const char *what,
			  bool required, bool reads_rax, struct inline_sites *s,
			  enum inline_site_kind call, enum inline_site_kind ret, char *why,
			  size_t why_len)
{
	size_t i, at = 0, n = 0, after;

	for (i = 0; i < c->n; i++)
		if (c->insn[i].call && c->insn[i].role == role) {
			if (n++)
				break;
			at = i;
		}
	if (n > 1) {
		snprintf(why, why_len, "ambiguous %s: calls at +0x%x and +0x%x", what,
			 c->insn[at].off, c->insn[i].off);
		return -1;
	}
	if (!n) {
		if (!required)
			return 0;
		snprintf(why, why_len, "no call of %s", what);
		return -1;
	}
	if (at + 1 >= c->n) {
		snprintf(why, why_len, "%s call at +0x%x ends the code", what, c->insn[at].off);
		return -1;
	}
	after = past_tracepoint(c, at + 1, NULL);
	if (after != at + 1 && reads_rax) {
		snprintf(why, why_len,
			 "a tracepoint right after the %s call at +0x%x: its result is not in rax after it",
			 what, c->insn[at].off);
		return -1;
	}
	set_site(s, call, &c->insn[at]);
	set_site(s, ret, &c->insn[after]);
	return 0;
}

/*
 * The child's unlock where the parent's PTE table is gone (>= 6.5:
 * pte_offset_map_nolock() returned NULL): an unlock call in a block that
 * only a conditional jump between the two lock calls enters, with no lock
 * call before it in the block. No pass hold is open there.
 */
static bool child_alone_unlock(const struct code *c, size_t u, size_t l1, size_t l2)
{
	size_t b, k;

	if (c->insn[u].role != CALL_UNLOCK)
		return false;
	for (b = u; b > 0 && !c->insn[b - 1].stop; b--)
		if (b < u && lockish(&c->insn[b]))
			return false;
	if (b == 0)
		return false;
	for (k = l1 + 1; k < l2; k++)
		if (c->insn[k].jcc && c->insn[k].jump_off == c->insn[b].off)
			return true;
	return false;
}

size_t insn_at(const struct code *c, __u32 off)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->insn[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->insn[lo].off == off ? lo : c->n;
}

/*
 * From cond_resched's return, straight on (forward jumps are the error
 * checks; a tracepoint's key is passed to its join), the first backward
 * conditional jump: "addr != end -> again".
 */
static int find_retry(const struct code *c, size_t from, size_t l1, struct inline_sites *s,
		      char *why, size_t why_len)
{
	size_t i, t, k;

	for (i = from; i < c->n && i - from < 24 && !c->insn[i].call; i++) {
		/* a tracepoint's key (6.1 patched: after cond_resched's result is kept) */
		if (c->insn[i].stop && tracepoint_block(c, i) == c->n)
			break;
		if (!c->insn[i].jcc || c->insn[i].jump_off > c->insn[i].off)
			continue;
		if (!c->insn[i].jne) {
			snprintf(why, why_len, "retry: the loop back at +0x%x is %s, not a jne",
				 c->insn[i].off, c->insn[i].text);
			return -1;
		}
		t = insn_at(c, c->insn[i].jump_off);
		if (t != c->n)
			t = past_tracepoint(c, t, NULL);
		if (t == c->n || t >= l1) {
			snprintf(why, why_len,
				 "retry: the loop back at +0x%x (%s) does not go to an instruction before the child's lock at +0x%x",
				 c->insn[i].off, c->insn[i].text, c->insn[l1].off);
			return -1;
		}
		for (k = t; k < l1; k++)
			if (lockish(&c->insn[k]) || c->insn[k].stop) {
				snprintf(why, why_len,
					 "retry: between \"again:\" at +0x%x and the child's lock at +0x%x: %s at +0x%x",
					 c->insn[t].off, c->insn[l1].off, c->insn[k].text,
					 c->insn[k].off);
				return -1;
			}
		set_site(s, INLINE_PASS_START, &c->insn[t]);
		set_site(s, INLINE_RETRY_JUMP, &c->insn[i]);
		return 0;
	}
	snprintf(why, why_len, "retry: no loop back to \"again:\" after cond_resched's return at +0x%x",
		 c->insn[from].off);
	return -1;
}

/* The length of the jump an optimized kprobe writes over its site. */
#define JMP32_LEN	5

/* Whether some jump in the code lands on off. */
static bool jump_target(const struct code *c, __u32 off)
{
	size_t j;

	for (j = 0; j < c->n; j++)
		if (jumps(&c->insn[j]) && c->insn[j].jump_off == off)
			return true;
	return false;
}

/*
 * Whether x86 turns a kprobe at instruction i into a jump rather than an
 * int3 trap (arch/x86/kernel/kprobes/opt.c, can_optimize() and
 * copy_optimized_instructions()): the instructions the 5-byte jump covers
 * are boostable and inside the function, no jump in the function lands on
 * its bytes 1 to 5, and the function has no indirect jump. A static key's
 * NOP in the range is reserved text. What userspace cannot see (exception
 * table entries in the function) the VM suite checks in the kernel's list.
 */
static bool optimizable(const struct code *c, size_t i)
{
	__u32 off = c->insn[i].off, end = off + JMP32_LEN;
	size_t j;

	if (c->indirect_jump || end > c->len)
		return false;
	for (j = i; j < c->n && c->insn[j].off < end; j++)
		if (!c->insn[j].boostable || c->insn[j].key_nop)
			return false;
	for (j = 0; j < c->n; j++)
		if (jumps(&c->insn[j]) && c->insn[j].jump_off > off && c->insn[j].jump_off <= end)
			return false;
	return true;
}

static bool straight(const struct insn *in)
{
	return !in->call && !in->indirect_call && !in->stop && !jumps(in);
}

/*
 * Where the pass's hold ends (u1, u2: the parent's and the child's unlock
 * calls). An int3 trap per pass costs a fork more than the rest of the
 * tier, so an optimizable instruction is taken where one is exact: the
 * nearest before the child's unlock call in straight code that nothing
 * jumps into, so that it runs once right before every such call; else the
 * first after the parent's unlock call (and pte_unmap()'s
 * rcu_read_unlock()), which runs once right after it: both PTE locks were
 * held until then, the child's until a few instructions later. Else the
 * child's unlock call itself.
 */
static size_t hold_end(const struct code *c, size_t u1, size_t u2)
{
	size_t i;

	for (i = u2; i-- > u1 + 1;) {
		if (!straight(&c->insn[i]) || jump_target(c, c->insn[i + 1].off))
			break;
		if (optimizable(c, i))
			return i;
	}
	for (i = u1 + 1; i < u2; i++) {
		if (jump_target(c, c->insn[i].off))
			return u2;
		if (!c->insn[i].call || c->insn[i].role != CALL_RCU_UNLOCK)
			break;
	}
	return i < u2 && optimizable(c, i) ? i : u2;
}

/*
 * Where cond_resched()'s return is read: from its return (ret), along
 * every path forward, the first instruction that is optimizable (or, with
 * want_opt false, any), never a tracepoint's static key branch, whose
 * paths are both followed. Up to there nothing may write rax, call, return
 * or jump back, so rax is the return at each site on every path from ret;
 * a site other paths also reach reads it only after the pass's hold end
 * (the BPF side keeps a flag from there to the first site). The first site
 * is on the straight path; at most INLINE_RESCHED_SITES.
 */
static int resched_sites(const struct code *c, size_t ret, bool want_opt, size_t join,
			 size_t out[INLINE_RESCHED_SITES], size_t *n)
{
	size_t stack[32], seen[48], sp = 0, ns = 0, i, j, b;
	const struct insn *in;

	*n = 0;
	stack[sp++] = ret;
	while (sp) {
		i = stack[--sp];
		for (j = 0; j < ns && seen[j] != i; j++)
			;
		if (j < ns)
			continue;
		if (ns == sizeof(seen) / sizeof(seen[0]) || i >= c->n)
			return -1;
		seen[ns++] = i;
		in = &c->insn[i];
		b = tracepoint_block(c, i);
		/* the straight path's site is the join, when given */
		if (b == c->n && join < c->n && !*n && i < join && !jumps(in)) {
			if (writes_gpr(in, PTCOPY_REG_AX) || in->stop || in->call)
				return -1;
			stack[sp++] = i + 1;
			continue;
		}
		if (b == c->n && (!want_opt || optimizable(c, i))) {
			if (*n == INLINE_RESCHED_SITES)
				return -1;
			out[(*n)++] = i;
			continue;
		}
		if (writes_gpr(in, PTCOPY_REG_AX) || (in->stop && !in->jmp) ||
		    (jumps(in) && in->jump_off <= in->off) || sp + 2 > sizeof(stack) / sizeof(stack[0]))
			return -1;
		if (b != c->n) {
			stack[sp++] = b;
			stack[sp++] = i + 1;
			continue;
		}
		if (jumps(in)) {
			j = insn_at(c, in->jump_off);
			if (j == c->n)
				return -1;
			stack[sp++] = j;
		}
		if (!in->jmp)
			stack[sp++] = i + 1;
	}
	return *n ? 0 : -1;
}

/*
 * The join before "if (addr != end) goto again" (the jne at r) and the
 * loop's exit after it, both optimizable, instead of a probe on the jne:
 * a pass that reached the join and began again without passing the exit
 * is a retry. The join is the earliest optimizable instruction of the
 * straight code ending at the jne that no jump lands after; the exit the
 * instruction after the jne, which nothing else jumps to. Not found: the
 * jne is probed (retry_jump) and reads the zero flag.
 */
static void join_sites(const struct code *c, size_t r, struct inline_sites *s)
{
	size_t i, join = c->n;

	if (r + 1 >= c->n || jump_target(c, c->insn[r].off) ||
	    jump_target(c, c->insn[r + 1].off) || !optimizable(c, r + 1))
		return;
	for (i = r; i-- > 0;) {
		if (!straight(&c->insn[i]))
			break;
		if (optimizable(c, i))
			join = i;
		if (jump_target(c, c->insn[i].off))
			break;
	}
	if (join == c->n)
		return;
	set_site(s, INLINE_JOIN, &c->insn[join]);
	set_site(s, INLINE_LOOP_EXIT, &c->insn[r + 1]);
}

/*
 * Where the straight path from cond_resched()'s return reaches the join
 * with nothing but forward branches and instructions that leave rax alone
 * (Debian 6.12: the error checks of ret, each a cmp and a je), the join's
 * own probe reads the outcome there and the straight path needs no probe of
 * its own: one kprobe less per pass. The other paths keep theirs.
 */
static void resched_at_join(const struct code *c, size_t ret, struct inline_sites *s)
{
	size_t rs[INLINE_RESCHED_SITES], nrs, join, i;
	int k;

	if (!s->site[INLINE_JOIN].found)
		return;
	join = insn_at(c, s->site[INLINE_JOIN].off);
	if (s->site[INLINE_RESCHED_RET].off == s->site[INLINE_JOIN].off ||
	    resched_sites(c, ret, true, join, rs, &nrs) || rs[0] != join)
		return;
	for (k = INLINE_RESCHED_RET; k != INLINE_RESCHED_BRANCH_LAST + 1;
	     k = k == INLINE_RESCHED_RET ? INLINE_RESCHED_BRANCH : k + 1)
		memset(&s->site[k], 0, sizeof(s->site[k]));
	for (i = 0; i < nrs; i++)
		set_site(s, i ? INLINE_RESCHED_BRANCH + i - 1 : INLINE_RESCHED_RET, &c->insn[rs[i]]);
}

static int match(const struct code *c, struct inline_sites *s, char *why, size_t why_len)
{
	size_t i, r, anchor = 0, resched = 0, n_anchor = 0, u1, l2, l1, alone = 0, ret;
	size_t rs[INLINE_RESCHED_SITES], nrs;

	/*
	 * The anchor: an unlock call directly followed by cond_resched, or
	 * with pte_unmap()'s rcu_read_unlock() calls in between (>= 6.5),
	 * and a tracepoint (patched kernels).
	 */
	for (i = 0; i + 1 < c->n; i++) {
		if (!c->insn[i].call || c->insn[i].role != CALL_UNLOCK || global_lock(c, i))
			continue;
		for (r = i + 1; r < c->n && c->insn[r].call && c->insn[r].role == CALL_RCU_UNLOCK;)
			r++;
		if (r < c->n)
			r = past_tracepoint(c, r, NULL);
		if (r == c->n || c->insn[r].role != CALL_RESCHED)
			continue;
		if (n_anchor++) {
			snprintf(why, why_len,
				 "ambiguous pass end: unlock + cond_resched at +0x%x and +0x%x",
				 c->insn[anchor].off, c->insn[i].off);
			return -1;
		}
		anchor = i;
		resched = r;
	}
	if (!n_anchor) {
		/* say what is there instead: an inlined unlock, or no static call */
		for (i = 1; i < c->n; i++)
			if (c->insn[i].call && c->insn[i].role == CALL_RESCHED &&
			    !strcmp(c->insn[i].target_name, "__cond_resched"))
				break;
		if (i < c->n)
			snprintf(why, why_len,
				 "no unlock call directly before cond_resched at +0x%x (%s) but %s: inlined unlock?",
				 c->insn[i].off, c->insn[i].text, c->insn[i - 1].text);
		else
			snprintf(why, why_len,
				 "no pass end: no cond_resched call in the code (compiled out, as on PREEMPT_RT without PREEMPT_DYNAMIC?)");
		return -1;
	}
	set_site(s, INLINE_CHILD_UNLOCK, &c->insn[anchor]);
	set_site(s, INLINE_RESCHED_CALL, &c->insn[resched]);
	s->resched_patched_out = !c->insn[resched].call;
	if (resched + 1 >= c->n) {
		snprintf(why, why_len, "cond_resched at +0x%x ends the code", c->insn[resched].off);
		return -1;
	}
	if (resched_sites(c, resched + 1, true, c->n, rs, &nrs) &&
	    resched_sites(c, resched + 1, false, c->n, rs, &nrs)) {
		snprintf(why, why_len,
			 "cond_resched's return: a path from +0x%x writes rax, calls or loops before any site",
			 c->insn[resched + 1].off);
		return -1;
	}
	for (i = 0; i < nrs; i++)
		set_site(s, i ? INLINE_RESCHED_BRANCH + i - 1 : INLINE_RESCHED_RET, &c->insn[rs[i]]);
	ret = past_tracepoint(c, resched + 1, NULL);

	/* walk back: parent's unlock, parent's lock, child's lock */
	for (u1 = anchor; u1-- > 0;)
		if (lockish(&c->insn[u1]) && !global_lock(c, u1))
			break;
	if (u1 == (size_t)-1 || c->insn[u1].role != CALL_UNLOCK) {
		if (u1 == (size_t)-1)
			snprintf(why, why_len,
				 "parent's unlock: no unlock call before the child's at +0x%x",
				 c->insn[anchor].off);
		else
			snprintf(why, why_len,
				 "parent's unlock: expected an unlock call before the child's at +0x%x, found %s at +0x%x",
				 c->insn[anchor].off, c->insn[u1].text, c->insn[u1].off);
		return -1;
	}
	set_site(s, INLINE_PARENT_UNLOCK, &c->insn[u1]);
	for (l2 = u1; l2-- > 0;)
		if (lockish(&c->insn[l2]) && !global_lock(c, l2))
			break;
	if (l2 == (size_t)-1 || c->insn[l2].role != CALL_LOCK) {
		if (l2 == (size_t)-1)
			snprintf(why, why_len, "parent's lock: no lock call before the unlock at +0x%x",
				 c->insn[u1].off);
		else
			snprintf(why, why_len,
				 "parent's lock: expected a spin_lock call before the unlock at +0x%x, found %s at +0x%x",
				 c->insn[u1].off, c->insn[l2].text, c->insn[l2].off);
		return -1;
	}
	set_site(s, INLINE_PARENT_LOCKED, &c->insn[past_tracepoint(c, l2 + 1, NULL)]);
	s->sleeping_locks = !strcmp(c->insn[l2].target_name, "rt_spin_lock");
	for (l1 = l2; l1-- > 0;)
		if (lockish(&c->insn[l1]) && !global_lock(c, l1))
			break;
	if (l1 == (size_t)-1 ||
	    (c->insn[l1].role != CALL_LOCK && c->insn[l1].role != CALL_MAP_LOCK)) {
		if (l1 == (size_t)-1)
			snprintf(why, why_len, "child's lock: no lock call before the parent's at +0x%x",
				 c->insn[l2].off);
		else
			snprintf(why, why_len,
				 "child's lock: expected a lock call before the parent's at +0x%x, found %s at +0x%x",
				 c->insn[l2].off, c->insn[l1].text, c->insn[l1].off);
		return -1;
	}
	set_site(s, INLINE_CHILD_LOCKED, &c->insn[l1 + 1]);
	s->child_lock_returns_pte = c->insn[l1].role == CALL_MAP_LOCK;

	/* no PTE lock taken or dropped anywhere else: it would be ambiguous */
	for (i = 0; i < c->n; i++) {
		if (!lockish(&c->insn[i]) || global_lock(c, i) || i == l1 || i == l2 ||
		    i == u1 || i == anchor)
			continue;
		if (!alone && child_alone_unlock(c, i, l1, l2)) {
			alone = i;
			continue;
		}
		snprintf(why, why_len,
			 "ambiguous PTE lock: %s at +0x%x is outside the pass at +0x%x..+0x%x",
			 c->insn[i].text, c->insn[i].off, c->insn[l1].off, c->insn[anchor].off);
		return -1;
	}
	if (find_retry(c, ret, l1, s, why, why_len))
		return -1;
	/* i: the jne back to "again:" */
	i = insn_at(c, s->site[INLINE_RETRY_JUMP].off);
	inline_range_find(c, insn_at(c, c->insn[i].jump_off), i, s);
	set_site(s, INLINE_HOLD_END, &c->insn[hold_end(c, u1, anchor)]);
	join_sites(c, i, s);
	resched_at_join(c, resched + 1, s);
	if (find_call_pair(c, CALL_SWAP_CONT, "add_swap_count_continuation", true, true, s,
			   INLINE_SWAP_CONT_CALL, INLINE_SWAP_CONT_RET, why, why_len))
		return -1;
	return find_call_pair(c, CALL_PREALLOC, "the prealloc allocation", false, false, s,
			      INLINE_PREALLOC_CALL, INLINE_PREALLOC_RET, why, why_len);
}

/* The sites the tier may put a kprobe on; the rest are listed for -v. */
static bool probed_kind(enum inline_site_kind k)
{
	return k != INLINE_CHILD_LOCKED && k != INLINE_PARENT_UNLOCK && k != INLINE_CHILD_UNLOCK &&
	       k != INLINE_RESCHED_CALL && k != INLINE_SWAP_CONT_CALL && k != INLINE_PREALLOC_CALL;
}

/*
 * Each site's optimizable flag. A kprobe inside another's jump range
 * keeps the other from being optimized, so two probed sites that close
 * are both marked traps.
 */
static void mark_optimizable(const struct code *c, struct inline_sites *s)
{
	int k, j;

	for (k = 0; k < INLINE_SITE_COUNT; k++) {
		struct inline_site *a = &s->site[k];

		if (!a->found)
			continue;
		a->optimizable = optimizable(c, insn_at(c, a->off));
		for (j = 0; probed_kind(k) && j < INLINE_SITE_COUNT; j++) {
			const struct inline_site *b = &s->site[j];

			if (b->found && probed_kind(j) && b->off != a->off &&
			    b->off + JMP32_LEN > a->off && a->off + JMP32_LEN > b->off)
				a->optimizable = false;
		}
	}
}

int inline_recognise(const __u8 *code, size_t len, __u64 addr, inline_sym_at_fn sym_at,
		     void *sym_ctx, struct inline_sites *out, char *why, size_t why_len)
{
	struct code c;
	int err;

	memset(out, 0, sizeof(*out));
	if (!len) {
		snprintf(why, why_len, "no code");
		return -1;
	}
	/* an x86 instruction is at least one byte: len bounds the count */
	c.insn = calloc(len, sizeof(*c.insn));
	if (!c.insn) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	err = decode(code, len, addr, sym_at, sym_ctx, &c, why, why_len);
	if (!err)
		err = match(&c, out, why, why_len);
	if (!err)
		mark_optimizable(&c, out);
	free(c.insn);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

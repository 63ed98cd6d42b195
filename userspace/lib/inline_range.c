// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a pass's address range is at "again:" in copy_pte_range()'s
 * machine code, so that the inline tier reads it at pass_start exactly as
 * the patched tier's copy_pte_pass_start(addr, end) gives it.
 *
 * The loop is "again: ... if (addr != end) goto again;": the jne back to
 * again: follows a cmp of two places, each a stack slot or a register (a
 * register loaded from a slot right before the cmp stands for the slot).
 * Nothing runs between the jne and again:, so on every retry the two places
 * hold, at again:, the addr and end the cmp compared. For the first pass,
 * and to tell which is which, the loop (every instruction on a path from
 * again: to the jne that does not pass again:, the natural loop of that
 * back edge) must show:
 *   - end's place is never written in the loop: it then holds at again:
 *     what it holds at the cmp, on the first pass too;
 *   - addr's place is written in the loop (addr advances), and on every
 *     path from again: read before it is written: the pass begins from the
 *     value it finds there, so the value at again: is the pass's addr;
 *   - exactly one of the two places is written; the jne is the only jump
 *     back to again: from inside the loop;
 *   - the stack pointer's offset from where it is at again: is one number
 *     at each instruction of the loop, whatever the path (a push of a
 *     call's stack argument is followed), and 0 back at again:, so a
 *     slot is the same slot wherever the loop touches it; the frame
 *     pointer of an rbp slot does not change.
 * Calls that never return (noreturn()) end their path: the code after one
 * belongs to another.
 * A callee cannot write either place: a register that survives the loop's
 * calls is callee-saved, and a slot live across the loop is no object
 * whose address the function hands out. Anything else is not followed:
 * the range is then not read, and the tier runs without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>
#include "inline_code.h"

/* by enum ptcopy_reg: PTCOPY_REG_NONE, then the table's order */
static const char *const reg_names[PTCOPY_REGS] = {
	"?",
#define REG_NAME(up, field, name) name,
	PTCOPY_REG_TABLE(REG_NAME)
#undef REG_NAME
};

void inline_loc_format(char *out, size_t len, const struct ptcopy_loc *l)
{
	const char *r = l->reg < PTCOPY_REGS ? reg_names[l->reg] : "?";

	if (!l->deref)
		snprintf(out, len, "%%%s", r);
	else if (!l->disp)
		snprintf(out, len, "(%%%s)", r);
	else
		snprintf(out, len, "%s0x%x(%%%s)", l->disp < 0 ? "-" : "",
			 l->disp < 0 ? -(unsigned int)l->disp : (unsigned int)l->disp, r);
}

/* The control flow between instructions, as index lists. */
struct flow {
	size_t *pred_at;	/* preds of i: pred[pred_at[i]] .. pred[pred_at[i + 1] - 1] */
	size_t *pred;
	bool *target;		/* some jump lands on i */
};

/* i's successors: the next instruction unless i stops, and its jump's target. */
static int succs(const struct code *c, size_t i, size_t out[2])
{
	int n = 0;

	if (!c->insn[i].stop && !c->insn[i].noreturn && i + 1 < c->n)
		out[n++] = i + 1;
	if (jumps(&c->insn[i])) {
		size_t t = insn_at(c, c->insn[i].jump_off);

		if (t < c->n)
			out[n++] = t;
	}
	return n;
}

static void flow_free(struct flow *f)
{
	free(f->pred_at);
	free(f->pred);
	free(f->target);
}

static int flow_build(const struct code *c, struct flow *f)
{
	size_t i, s[2], *fill;
	int j, n;

	f->pred_at = calloc(c->n + 1, sizeof(*f->pred_at));
	f->pred = calloc(2 * c->n + 1, sizeof(*f->pred));
	f->target = calloc(c->n, sizeof(*f->target));
	fill = calloc(c->n + 1, sizeof(*fill));
	if (!f->pred_at || !f->pred || !f->target || !fill) {
		free(fill);
		flow_free(f);
		return -1;
	}
	for (i = 0; i < c->n; i++)
		for (n = succs(c, i, s), j = 0; j < n; j++)
			f->pred_at[s[j] + 1]++;
	for (i = 0; i < c->n; i++)
		f->pred_at[i + 1] += f->pred_at[i];
	memcpy(fill, f->pred_at, (c->n + 1) * sizeof(*fill));
	for (i = 0; i < c->n; i++) {
		if (jumps(&c->insn[i]) && insn_at(c, c->insn[i].jump_off) < c->n)
			f->target[insn_at(c, c->insn[i].jump_off)] = true;
		for (n = succs(c, i, s), j = 0; j < n; j++)
			f->pred[fill[s[j]]++] = i;
	}
	free(fill);
	return 0;
}

/*
 * The loop's instructions, and the stack pointer's offset at each from
 * where it is at "again:" (a push for a call's stack argument moves it).
 */
struct loop {
	bool *in;
	__s32 *sp;
	/* scratch for the walks: a work list and a mark per instruction */
	size_t *todo;
	bool *mark;
};

static void loop_free(struct loop *lp)
{
	free(lp->in);
	free(lp->sp);
	free(lp->todo);
	free(lp->mark);
}

/*
 * Whether o accesses the 8 bytes of slot l, at an instruction where the
 * stack pointer is sp below where it is at "again:".
 */
static bool slot_overlaps(const struct opnd *o, const struct ptcopy_loc *l, __s32 sp)
{
	__s64 at = o->disp + (l->reg == PTCOPY_REG_SP ? sp : 0);

	return o->kind == OPND_MEM && o->base == l->reg && o->index == PTCOPY_REG_NONE &&
	       at < (__s64)l->disp + 8 && (__s64)l->disp < at + (o->size ? o->size : 8);
}

static bool writes(const struct insn *in, const struct ptcopy_loc *l, __s32 sp)
{
	int i;

	if (!l->deref)
		return writes_gpr(in, l->reg);
	if (in->opnd_more)
		return true;
	/* a push stores below the stack pointer */
	if (in->sp_move < 0 && l->reg == PTCOPY_REG_SP && sp + in->sp_move < l->disp + 8 &&
	    l->disp < sp)
		return true;
	for (i = 0; i < in->nopnd; i++) {
		const struct opnd *o = &in->opnd[i];

		if (o->kind != OPND_MEM || !(o->access & CS_AC_WRITE) || in->lea)
			continue;
		/* an indexed store into the frame may be any of its slots */
		if (o->base == l->reg && o->index != PTCOPY_REG_NONE)
			return true;
		if (slot_overlaps(o, l, sp))
			return true;
	}
	return false;
}

static bool reads(const struct insn *in, const struct ptcopy_loc *l, __s32 sp)
{
	int i;

	if (in->zero_idiom)
		return false;
	if (!l->deref)
		return in->reg_read & (1U << l->reg);
	for (i = 0; i < in->nopnd; i++)
		if (!in->lea && (in->opnd[i].access & CS_AC_READ) &&
		    slot_overlaps(&in->opnd[i], l, sp))
			return true;
	return false;
}

/* A stack slot operand as a place, the stack pointer sp below again:'s. */
static bool slot_place(const struct opnd *o, __s32 sp, struct ptcopy_loc *l)
{
	if (o->kind != OPND_MEM || o->size != 8 || o->index != PTCOPY_REG_NONE ||
	    (o->base != PTCOPY_REG_SP && o->base != PTCOPY_REG_BP))
		return false;
	l->reg = o->base;
	l->deref = 1;
	l->disp = (__s32)(o->disp + (o->base == PTCOPY_REG_SP ? sp : 0));
	return true;
}

/*
 * The place the cmp's operand op stands for: a slot; a register loaded
 * from a slot in the straight code right before the cmp; else the
 * register itself, live into it from wherever the code came.
 */
static int place_of(const struct code *c, const struct flow *f, const struct loop *lp, size_t cmp,
		    const struct opnd *op, struct ptcopy_loc *l, char *why, size_t why_len)
{
	size_t k;

	memset(l, 0, sizeof(*l));
	if (op->size != 8) {
		snprintf(why, why_len, "the compare at +0x%x (%s) is not of 8-byte values",
			 c->insn[cmp].off, c->insn[cmp].text);
		return -1;
	}
	if (slot_place(op, lp->sp[cmp], l))
		return 0;
	if (op->kind != OPND_REG || op->reg == PTCOPY_REG_NONE || op->reg == PTCOPY_REG_SP) {
		snprintf(why, why_len,
			 "the compare at +0x%x (%s) has an operand that is no register or stack slot",
			 c->insn[cmp].off, c->insn[cmp].text);
		return -1;
	}
	l->reg = op->reg;
	for (k = cmp; k-- > 0 && lp->in[k];) {
		const struct insn *in = &c->insn[k];

		if (writes(in, l, lp->sp[k])) {
			if (in->mov && in->nopnd == 2 && slot_place(&in->opnd[0], lp->sp[k], l))
				return 0;
			snprintf(why, why_len,
				 "the compare at +0x%x (%s) takes %%%s from %s at +0x%x, not from a stack slot",
				 c->insn[cmp].off, c->insn[cmp].text, reg_names[l->reg], in->text,
				 in->off);
			return -1;
		}
		if (f->target[k] || in->stop || in->call || in->indirect_call)
			break;
	}
	return 0;
}

/*
 * Whether addr's place l is read before it is written on every path from
 * again through the loop; else the instruction that writes it first.
 */
static size_t written_first(const struct code *c, const struct loop *lp, size_t again,
			    const struct ptcopy_loc *l)
{
	size_t *todo = lp->todo, n = 0, i, s[2];
	bool *seen = lp->mark;
	int j, ns;

	memset(seen, 0, c->n * sizeof(*seen));
	todo[n++] = again;
	seen[again] = true;
	while (n) {
		i = todo[--n];
		if (reads(&c->insn[i], l, lp->sp[i]))
			continue;
		if (writes(&c->insn[i], l, lp->sp[i]))
			return i;
		for (ns = succs(c, i, s), j = 0; j < ns; j++)
			if (lp->in[s[j]] && !seen[s[j]]) {
				seen[s[j]] = true;
				todo[n++] = s[j];
			}
	}
	return c->n;
}

/*
 * The natural loop of the back edge jne -> again (every instruction that
 * reaches jne without passing again), and the stack pointer's offset at
 * each, which must be one number per instruction and 0 back at again.
 */
static int find_loop(const struct code *c, const struct flow *f, size_t again, size_t jne,
		     struct loop *lp, char *why, size_t why_len)
{
	size_t *todo = lp->todo, n = 0, i, k, s[2];
	bool *set = lp->mark;
	int j, ns;

	memset(set, 0, c->n * sizeof(*set));
	lp->in[again] = true;
	if (!lp->in[jne]) {
		lp->in[jne] = true;
		todo[n++] = jne;
	}
	while (n) {
		i = todo[--n];
		for (k = f->pred_at[i]; k < f->pred_at[i + 1]; k++)
			if (!lp->in[f->pred[k]]) {
				lp->in[f->pred[k]] = true;
				todo[n++] = f->pred[k];
			}
	}
	for (k = f->pred_at[again]; k < f->pred_at[again + 1]; k++)
		if (lp->in[f->pred[k]] && f->pred[k] != jne) {
			snprintf(why, why_len, "another way back to \"again:\" at +0x%x (%s)",
				 c->insn[f->pred[k]].off, c->insn[f->pred[k]].text);
			return -1;
		}
	todo[n++] = again;
	set[again] = true;
	while (n) {
		__s32 next;

		i = todo[--n];
		if (c->insn[i].sp_unknown) {
			snprintf(why, why_len, "the stack pointer moves in the loop at +0x%x (%s)",
				 c->insn[i].off, c->insn[i].text);
			return -1;
		}
		next = lp->sp[i] + c->insn[i].sp_move;
		for (ns = succs(c, i, s), j = 0; j < ns; j++) {
			if (!lp->in[s[j]])
				continue;
			if (set[s[j]] ? lp->sp[s[j]] != next : s[j] == again && next) {
				snprintf(why, why_len,
					 "the stack pointer is not the same on every way to +0x%x (%s)",
					 c->insn[s[j]].off, c->insn[s[j]].text);
				return -1;
			}
			if (!set[s[j]]) {
				set[s[j]] = true;
				lp->sp[s[j]] = next;
				todo[n++] = s[j];
			}
		}
	}
	return 0;
}

static int range(const struct code *c, const struct flow *f, struct loop *lp, size_t again,
		 size_t jne, struct inline_sites *s, char *why, size_t why_len)
{
	struct ptcopy_loc p[2];
	const struct insn *cmp;
	size_t i, k, w[2] = { c->n, c->n };
	bool frame;
	int j;

	if (!jne || !c->insn[jne - 1].cmp || c->insn[jne - 1].nopnd != 2) {
		snprintf(why, why_len, "the loop back at +0x%x does not follow a compare of two places",
			 c->insn[jne].off);
		return -1;
	}
	cmp = &c->insn[jne - 1];
	if (find_loop(c, f, again, jne, lp, why, why_len))
		return -1;
	for (j = 0; j < 2; j++)
		if (place_of(c, f, lp, jne - 1, &cmp->opnd[j], &p[j], why, why_len))
			return -1;
	frame = (p[0].deref && p[0].reg == PTCOPY_REG_BP) ||
		(p[1].deref && p[1].reg == PTCOPY_REG_BP);
	for (i = 0; i < c->n; i++) {
		const struct insn *in = &c->insn[i];

		if (!lp->in[i])
			continue;
		if (frame && (in->reg_write & (1U << PTCOPY_REG_BP))) {
			snprintf(why, why_len, "the frame pointer changes in the loop at +0x%x (%s)",
				 in->off, in->text);
			return -1;
		}
		for (j = 0; j < 2; j++)
			if (w[j] == c->n && writes(in, &p[j], lp->sp[i]))
				w[j] = i;
	}
	if ((w[0] == c->n) == (w[1] == c->n)) {
		snprintf(why, why_len, "%s of the compare at +0x%x (%s) change%s in the loop",
			 w[0] == c->n ? "neither" : "both", cmp->off, cmp->text,
			 w[0] == c->n ? "s" : "");
		return -1;
	}
	/* p[j] is addr: written in the loop; the other is end */
	j = w[0] == c->n;
	k = written_first(c, lp, again, &p[j]);
	if (k < c->n) {
		snprintf(why, why_len, "addr's place is written at +0x%x (%s) before the pass reads it",
			 c->insn[k].off, c->insn[k].text);
		return -1;
	}
	s->range_addr = p[j];
	s->range_end = p[!j];
	return 0;
}

void inline_range_find(const struct code *c, size_t again, size_t jne, struct inline_sites *s)
{
	struct loop lp;
	struct flow f;

	memset(&s->range_addr, 0, sizeof(s->range_addr));
	memset(&s->range_end, 0, sizeof(s->range_end));
	s->range_why[0] = '\0';
	lp.in = calloc(c->n, sizeof(*lp.in));
	lp.sp = calloc(c->n, sizeof(*lp.sp));
	lp.todo = calloc(c->n, sizeof(*lp.todo));
	lp.mark = calloc(c->n, sizeof(*lp.mark));
	if (!lp.in || !lp.sp || !lp.todo || !lp.mark || flow_build(c, &f)) {
		loop_free(&lp);
		snprintf(s->range_why, sizeof(s->range_why), "out of memory");
		return;
	}
	if (range(c, &f, &lp, again, jne, s, s->range_why, sizeof(s->range_why))) {
		memset(&s->range_addr, 0, sizeof(s->range_addr));
		memset(&s->range_end, 0, sizeof(s->range_end));
	}
	flow_free(&f);
	loop_free(&lp);
}

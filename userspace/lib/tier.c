// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "tier.h"

static const char *const names[TIER_COUNT] = {
	[TIER_AUTO] = "auto",
	[TIER_PATCHED] = "patched",
	[TIER_INLINE] = "inline",
	[TIER_FENTRY] = "fentry",
	[TIER_KPROBE] = "kprobe",
	[TIER_TRACEPOINT] = "tracepoint",
};

const char *tier_name(enum tier t)
{
	return t < TIER_COUNT ? names[t] : "none";
}

enum tier tier_from_name(const char *name, char *err, size_t errlen)
{
	int t = args_choice("tier", name, names, TIER_COUNT, err, errlen);

	return t < 0 ? TIER_COUNT : t;
}

static bool window_available(const struct kernel_caps *c, char *why, size_t len)
{
	if (!c->privileged)
		snprintf(why, len, "%s", c->why_privileged);
	else if (!c->btf)
		snprintf(why, len, "%s", c->why_btf);
	/*
	 * The window needs only mmap_lock (no syscall or sched_switch hook),
	 * found in BTF and attached through it: tracefs is not needed.
	 */
	else if (!c->tp_mmap_lock)
		snprintf(why, len, "required tracepoint %s is missing", c->missing_tp);
	else
		return true;
	return false;
}

bool tier_per_pmd(const struct kernel_caps *c, enum tier t)
{
	switch (t) {
	case TIER_PATCHED:
	case TIER_INLINE:
		return true;
	case TIER_FENTRY:
		return c->btf_copy_pte_range;
	case TIER_KPROBE:
		return c->sym_copy_pte_range[0];
	default:
		return false;
	}
}

bool tier_resched(const struct kernel_caps *c, enum tier t, char *why, size_t len)
{
	char none[1];

	if (!why) {
		why = none;
		len = sizeof(none);
	}
	switch (t) {
	case TIER_PATCHED:
		/* copy_pte_resched fires at the call site itself */
		return true;
	case TIER_INLINE:
		/*
		 * cond_resched()'s result is read at its return in the copy;
		 * patched to "return 0" (preempt=full) it says nothing.
		 */
		if (c->inline_sites.resched_patched_out) {
			snprintf(why, len, "cond_resched() is patched to return 0 (%s): no outcome at its return",
				 c->preempt_mode[0] ? c->preempt_mode : "preemption unknown");
			return false;
		}
		return true;
	case TIER_FENTRY:
	case TIER_KPROBE:
		/*
		 * Only a return probe on __cond_resched() could count them
		 * (an entry probe cannot see whether it rescheduled), and every
		 * task on the host calls it all the time: an fexit trampoline
		 * or a kretprobe runs on each call before the program can
		 * return (docs/PERFORMANCE.md: page faults, mmap and context
		 * switches x1.1-1.5 under TCG). The inline tier reads the
		 * outcome in the copy itself, at no cost elsewhere.
		 */
		snprintf(why, len, "tier %s puts no probe on __cond_resched (every task calls it: its cost to the host)",
			 tier_name(t));
		return false;
	default:
		snprintf(why, len, "tier %s does not see cond_resched()", tier_name(t));
		return false;
	}
}

bool tier_available(const struct kernel_caps *c, enum tier t, char *why, size_t len)
{
	if (!window_available(c, why, len))
		return false;
	switch (t) {
	case TIER_PATCHED:
		if (!c->tp_patched) {
			snprintf(why, len, "kernel not patched: tracepoint %s is missing",
				 c->missing_patched);
			return false;
		}
		if (!c->patched_enums) {
			snprintf(why, len, "the kernel patch's enums differ from ptcopy's: %s",
				 c->why_patched_enums);
			return false;
		}
		/*
		 * The PTE lock hold is kept per CPU: exact while the locks are
		 * spinning locks (no sleep, no preemption). Under PREEMPT_RT
		 * they are sleeping rt_mutex locks: another fork's pass can
		 * run on the CPU while one holds them.
		 */
		if (c->preempt_rt) {
			snprintf(why, len,
				 "PREEMPT_RT kernel: PTE locks are sleeping locks, the per-CPU lock hold would not be exact");
			return false;
		}
		return true;
	case TIER_INLINE:
		if (!c->kprobe) {
			snprintf(why, len, "%s", c->why_kprobe);
			return false;
		}
		if (!c->inline_ok) {
			snprintf(why, len, "%s", c->why_inline);
			return false;
		}
		/*
		 * The hold is kept per CPU, exact while the PTE locks spin.
		 * rt_spin_lock sleeps: another task's pass can run on the CPU
		 * between the lock and the unlock, and a hold would be lost.
		 * Either sign of PREEMPT_RT is enough: the kernel's BTF
		 * (spinlock_t is an rt_mutex) or the lock call in the code.
		 */
		if (c->preempt_rt || c->inline_sites.sleeping_locks) {
			snprintf(why, len,
				 "PREEMPT_RT kernel: the PTE locks are sleeping locks (rt_spin_lock), the per-CPU lock hold would not be exact");
			return false;
		}
		/* without it a prealloc retry would pass for a lock-break */
		if (!c->inline_sites.site[INLINE_PREALLOC_RET].found) {
			snprintf(why, len, "the prealloc allocation's return was not found in %s",
				 c->inline_func);
			return false;
		}
		return true;
	case TIER_FENTRY:
		if (!c->fentry) {
			snprintf(why, len, "%s", c->why_fentry);
			return false;
		}
		if (!c->btf_copy_pte_range && !c->btf_copy_page_range) {
			snprintf(why, len, "neither copy_pte_range nor copy_page_range is an fentry target");
			return false;
		}
		return true;
	case TIER_KPROBE:
		if (!c->kprobe) {
			snprintf(why, len, "%s", c->why_kprobe);
			return false;
		}
		if (!c->sym_copy_pte_range[0] && !c->sym_copy_page_range[0]) {
			snprintf(why, len, "neither copy_pte_range nor copy_page_range is a kernel symbol");
			return false;
		}
		return true;
	case TIER_TRACEPOINT:
		return true;
	default:
		snprintf(why, len, "no such tier");
		return false;
	}
}

enum tier tier_choose(const struct kernel_caps *c, enum tier forced, char *why, size_t len)
{
	char reason[256];
	int t;

	if (forced != TIER_AUTO) {
		if (tier_available(c, forced, reason, sizeof(reason))) {
			if (forced == TIER_INLINE)
				snprintf(why, len, "forced with --tier, at copy_pte_range's pass in %s",
					 c->inline_func);
			else if (forced == TIER_FENTRY || forced == TIER_KPROBE)
				snprintf(why, len, "forced with --tier, on %s",
					 tier_per_pmd(c, forced) ? "copy_pte_range" : "copy_page_range");
			else
				snprintf(why, len, "forced with --tier");
			return forced;
		}
		snprintf(why, len, "tier %s unavailable: %s", tier_name(forced), reason);
		return TIER_COUNT;
	}
	for (t = TIER_PATCHED; t < TIER_COUNT; t++) {
		if (tier_available(c, t, reason, sizeof(reason))) {
			if (t == TIER_PATCHED)
				snprintf(why, len, "the kernel carries ptcopy's copy_pte tracepoints");
			else if (t == TIER_INLINE)
				snprintf(why, len, "copy_pte_range's pass recognised in %s: kprobes at its sites",
					 c->inline_func);
			else if (t == TIER_TRACEPOINT)
				snprintf(why, len, "no patched tracepoints, fentry or kprobes usable");
			else
				snprintf(why, len, "%s usable on %s", tier_name(t),
					 tier_per_pmd(c, t) ? "copy_pte_range" : "copy_page_range");
			return t;
		}
	}
	snprintf(why, len, "%s", reason);
	return TIER_COUNT;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tier choice from faked kernel capabilities. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "frame.h"
#include "tier.h"
#include "tier_obj.h"

/* A stock kernel with every tracepoint the window needs, and nothing more. */
static struct kernel_caps stock(void)
{
	struct kernel_caps c = {
		.privileged = true, .btf = true, .tracefs = true, .tp_btf = true,
		.tp_syscalls = true, .tp_mmap_lock = true, .tp_sched_switch = true,
	};

	strcpy(c.why_fentry, "fentry program refused: Operation not permitted");
	strcpy(c.why_kprobe, "no kprobe PMU");
	strcpy(c.missing_patched, "copy_pte:copy_pte_pass_start");
	return c;
}

static enum tier choose(const struct kernel_caps *c, enum tier forced, char *why)
{
	return tier_choose(c, forced, why, 256);
}

static void test_stock_host_gets_tracepoint(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_TRACEPOINT);
	assert_string_equal(why, "no patched tracepoints, fentry or kprobes usable");
}

static void test_patched_is_best(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.tp_patched = true;
	c.patched_enums = true;
	c.fentry = true;
	c.btf_copy_pte_range = true;
	strcpy(c.sym_copy_pte_range, "copy_pte_range");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_PATCHED);
	assert_int_equal(choose(&c, TIER_FENTRY, why), TIER_FENTRY);
	assert_string_equal(why, "forced with --tier, on copy_pte_range");
	assert_int_equal(choose(&c, TIER_TRACEPOINT, why), TIER_TRACEPOINT);
	assert_string_equal(why, "forced with --tier");
}

/* The tracepoints are there but their enums are not ptcopy's: refused, with why. */
static void test_patched_enums_differ(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.tp_patched = true;
	strcpy(c.why_patched_enums, "kernel's enum copy_pte_stop has no COPY_PTE_STOP_HWPOISON");
	assert_int_equal(choose(&c, TIER_PATCHED, why), TIER_COUNT);
	assert_string_equal(why, "tier patched unavailable: the kernel patch's enums differ from "
			    "ptcopy's: kernel's enum copy_pte_stop has no COPY_PTE_STOP_HWPOISON");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_TRACEPOINT);
}

static void test_fentry_per_pmd_or_per_vma(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.fentry = true;
	c.btf_copy_page_range = true;
	strcpy(c.sym_copy_page_range, "copy_page_range");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_FENTRY);
	assert_string_equal(why, "fentry usable on copy_page_range");
	assert_false(tier_per_pmd(&c, TIER_FENTRY));

	c.btf_copy_pte_range = true;
	strcpy(c.sym_copy_pte_range, "copy_pte_range");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_FENTRY);
	assert_string_equal(why, "fentry usable on copy_pte_range");
	assert_true(tier_per_pmd(&c, TIER_FENTRY));
}

static void test_kprobe_when_fentry_refused(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.kprobe = true;
	/* a compiler clone is fine for a kprobe, not for fentry */
	strcpy(c.sym_copy_pte_range, "copy_pte_range.isra.0");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_KPROBE);
	assert_true(tier_per_pmd(&c, TIER_KPROBE));
	assert_int_equal(choose(&c, TIER_FENTRY, why), TIER_COUNT);
	assert_string_equal(why,
		"tier fentry unavailable: fentry program refused: Operation not permitted");
}

static void test_kprobe_needs_a_symbol(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.kprobe = true;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_TRACEPOINT);
	assert_int_equal(choose(&c, TIER_KPROBE, why), TIER_COUNT);
	assert_string_equal(why, "tier kprobe unavailable: neither copy_pte_range nor "
			    "copy_page_range is a kernel symbol");
}

/* A Debian kernel: kprobes, copy_pte_range inlined and recognised in copy_page_range. */
static struct kernel_caps debian(void)
{
	struct kernel_caps c = stock();

	c.kprobe = true;
	c.fentry = true;
	c.btf_copy_page_range = true;
	strcpy(c.sym_copy_page_range, "copy_page_range");
	c.inline_ok = true;
	strcpy(c.inline_func, "copy_page_range");
	c.inline_sites.site[INLINE_PREALLOC_RET].found = true;
	return c;
}

static void test_inline_between_patched_and_fentry(void **state)
{
	struct kernel_caps c = debian();
	char why[256];

	(void)state;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_INLINE);
	assert_string_equal(why, "copy_pte_range's pass recognised in copy_page_range: kprobes at its sites");
	assert_true(tier_per_pmd(&c, TIER_INLINE));
	assert_int_equal(choose(&c, TIER_INLINE, why), TIER_INLINE);
	assert_string_equal(why, "forced with --tier, at copy_pte_range's pass in copy_page_range");
	assert_int_equal(choose(&c, TIER_FENTRY, why), TIER_FENTRY);

	c.tp_patched = true;
	c.patched_enums = true;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_PATCHED);
}

static void test_inline_refused_with_the_reason(void **state)
{
	struct kernel_caps c = debian();
	char why[256];

	(void)state;
	c.inline_ok = false;
	strcpy(c.why_inline, "parent's lock: no lock call before the unlock at +0xa9a");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_FENTRY);
	assert_int_equal(choose(&c, TIER_INLINE, why), TIER_COUNT);
	assert_string_equal(why, "tier inline unavailable: parent's lock: no lock call before "
			    "the unlock at +0xa9a");

	c = debian();
	c.inline_sites.site[INLINE_PREALLOC_RET].found = false;
	assert_int_equal(choose(&c, TIER_INLINE, why), TIER_COUNT);
	assert_string_equal(why, "tier inline unavailable: the prealloc allocation's return was "
			    "not found in copy_page_range");

	c = debian();
	c.inline_sites.sleeping_locks = true;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_FENTRY);
	assert_int_equal(choose(&c, TIER_INLINE, why), TIER_COUNT);
	assert_string_equal(why, "tier inline unavailable: PREEMPT_RT kernel: the PTE locks are "
			    "sleeping locks (rt_spin_lock), the per-CPU lock hold would not be exact");

	c = debian();
	c.kprobe = false;
	assert_int_equal(choose(&c, TIER_INLINE, why), TIER_COUNT);
	assert_string_equal(why, "tier inline unavailable: no kprobe PMU");
}

static void test_forced_patched_on_stock(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	assert_int_equal(choose(&c, TIER_PATCHED, why), TIER_COUNT);
	assert_string_equal(why, "tier patched unavailable: kernel not patched: tracepoint "
			    "copy_pte:copy_pte_pass_start is missing");
}

static void test_window_needs_are_everyones(void **state)
{
	struct kernel_caps c;
	char why[256];

	(void)state;
	c = stock();
	c.privileged = false;
	strcpy(c.why_privileged, "need root, or CAP_BPF and CAP_PERFMON (uid 1000 has neither)");
	c.tp_patched = true;
	c.patched_enums = true;
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_COUNT);
	assert_string_equal(why, "need root, or CAP_BPF and CAP_PERFMON (uid 1000 has neither)");

	c = stock();
	c.btf = false;
	strcpy(c.why_btf, "kernel BTF unavailable (/sys/kernel/btf/vmlinux: No such file or directory)");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_COUNT);
	assert_string_equal(why, "kernel BTF unavailable (/sys/kernel/btf/vmlinux: No such file or directory)");

	/* tracefs is informational: the window attaches through BTF */
	c = stock();
	c.tracefs = false;
	c.tp_syscalls = false;
	strcpy(c.why_tracefs, "not mounted (not needed: ptcopy attaches through BTF)");
	assert_int_equal(choose(&c, TIER_TRACEPOINT, why), TIER_TRACEPOINT);
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_TRACEPOINT);

	c = stock();
	c.tp_mmap_lock = false;
	strcpy(c.missing_tp, "mmap_lock:mmap_lock_released");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_COUNT);
	assert_string_equal(why, "required tracepoint mmap_lock:mmap_lock_released is missing");
}

/* Debian's distribution kernels: fentry on copy_page_range, PREEMPT_DYNAMIC. */
static struct kernel_caps distro(void)
{
	struct kernel_caps c = stock();

	c.fentry = true;
	c.kprobe = true;
	c.btf_copy_page_range = true;
	strcpy(c.sym_copy_page_range, "copy_page_range");
	strcpy(c.sym_cond_resched, "__cond_resched");
	c.btf_swap_cont = true;
	strcpy(c.sym_swap_cont, "add_swap_count_continuation");
	return c;
}

/* PREEMPT_DYNAMIC as read from cond_resched()'s static call */
static struct preempt_obs dynamic(bool calls, const char *mode)
{
	struct preempt_obs o = {
		.cond_resched_fn = true, .dynamic = true, .target_known = true,
		.calls_cond_resched = calls, .mode_name = mode,
	};

	return o;
}

static __u32 tier2_have(const struct kernel_caps *c, enum tier t)
{
	return calls_obj.have(c, t);
}

/*
 * The preemption model decides whether cond_resched() calls __cond_resched;
 * tier 2 counts no cond_resched() outcomes either way (no probe on
 * __cond_resched), the inline tier unless the call is patched out.
 */
static void test_resched_by_preemption(void **state)
{
	struct kernel_caps c = distro();
	struct preempt_obs o;
	char why[256];

	(void)state;
	/*
	 * voluntary (Debian's default): the preemption model is read, but
	 * neither tier 2 variant counts them whatever the kernel (a return
	 * probe on __cond_resched costs every task); the inline tier does
	 */
	o = dynamic(true, "voluntary");
	preempt_decide(&c, &o);
	assert_true(c.cond_resched_calls);
	assert_true(c.preempt_dynamic);
	assert_string_equal(c.preempt_mode, "voluntary");
	assert_false(tier_resched(&c, TIER_FENTRY, why, sizeof(why)));
	assert_string_equal(why, "tier fentry puts no probe on __cond_resched (every task calls it: its cost to the host)");
	assert_int_equal(tier2_have(&c, TIER_FENTRY), PTCOPY_HAVE_CALLS | PTCOPY_HAVE_SWAP_CONT);
	assert_false(tier_resched(&c, TIER_KPROBE, why, sizeof(why)));
	assert_string_equal(why, "tier kprobe puts no probe on __cond_resched (every task calls it: its cost to the host)");
	assert_int_equal(tier2_have(&c, TIER_KPROBE), PTCOPY_HAVE_CALLS | PTCOPY_HAVE_SWAP_CONT);
	assert_true(tier_resched(&c, TIER_INLINE, why, sizeof(why)));

	/* preempt=full: cond_resched() returns 0 without calling it: absent */
	o = dynamic(false, "full");
	preempt_decide(&c, &o);
	assert_false(c.cond_resched_calls);
	assert_string_equal(c.preempt_mode, "full");
	assert_string_equal(c.why_resched, "preemption full: cond_resched() does not call __cond_resched");
	assert_false(tier_resched(&c, TIER_FENTRY, why, sizeof(why)));
	assert_false(tier_resched(&c, TIER_KPROBE, why, sizeof(why)));
	assert_int_equal(tier2_have(&c, TIER_FENTRY), PTCOPY_HAVE_CALLS | PTCOPY_HAVE_SWAP_CONT);
	assert_int_equal(tier2_have(&c, TIER_KPROBE), PTCOPY_HAVE_CALLS | PTCOPY_HAVE_SWAP_CONT);
	/* the inline tier finds cond_resched() patched to return 0 in the text */
	c.inline_sites.resched_patched_out = true;
	assert_false(tier_resched(&c, TIER_INLINE, why, sizeof(why)));
	assert_string_equal(why, "cond_resched() is patched to return 0 (full): no outcome at its return");
	c.inline_sites.resched_patched_out = false;
	/* the patched tier's tracepoint sits at the call site: unaffected */
	assert_true(tier_resched(&c, TIER_PATCHED, why, sizeof(why)));
	assert_false(tier_resched(&c, TIER_TRACEPOINT, why, sizeof(why)));

	/* no data symbols in kallsyms: the mode from the static calls alone */
	o = dynamic(false, NULL);
	preempt_decide(&c, &o);
	assert_string_equal(c.preempt_mode, "full or lazy");
	assert_false(c.cond_resched_calls);
	o = dynamic(true, NULL);
	o.might_known = true;
	preempt_decide(&c, &o);
	assert_string_equal(c.preempt_mode, "none");
	assert_true(c.cond_resched_calls);
	o.might_calls = true;
	preempt_decide(&c, &o);
	assert_string_equal(c.preempt_mode, "voluntary");

	/* where cond_resched() goes could not be read: absent, and why */
	o = dynamic(false, NULL);
	o.target_known = false;
	strcpy(o.read_error, "not privileged");
	preempt_decide(&c, &o);
	assert_false(c.cond_resched_calls);
	assert_string_equal(c.preempt_mode, "unknown");
	assert_string_equal(c.why_resched,
			    "PREEMPT_DYNAMIC and where cond_resched() goes is unknown: not privileged");
	assert_false(tier2_have(&c, TIER_FENTRY) & PTCOPY_HAVE_RESCHED);

	/* CONFIG_PREEMPT without PREEMPT_DYNAMIC: no __cond_resched at all */
	memset(&o, 0, sizeof(o));
	preempt_decide(&c, &o);
	assert_false(c.cond_resched_calls);
	assert_false(c.preempt_dynamic);
	assert_string_equal(c.preempt_mode, "full");
	assert_string_equal(c.why_resched,
			    "preemption full: no __cond_resched, cond_resched() is compiled out");
	c.sym_cond_resched[0] = '\0';
	assert_false(tier2_have(&c, TIER_FENTRY) & PTCOPY_HAVE_RESCHED);

	/* CONFIG_PREEMPT_NONE/VOLUNTARY: a plain call */
	c = distro();
	o.cond_resched_fn = true;
	preempt_decide(&c, &o);
	assert_true(c.cond_resched_calls);
	assert_false(c.preempt_dynamic);
	assert_false(tier2_have(&c, TIER_FENTRY) & PTCOPY_HAVE_RESCHED);
	assert_false(tier2_have(&c, TIER_KPROBE) & PTCOPY_HAVE_RESCHED);
}

/* PREEMPT_RT: the patched tier's per-CPU lock hold is not exact: refused. */
static void test_patched_refused_on_rt(void **state)
{
	struct kernel_caps c = distro();
	struct preempt_obs o = { .rt = true };
	char why[256];

	(void)state;
	c.tp_patched = true;
	c.patched_enums = true;
	preempt_decide(&c, &o);
	assert_true(c.preempt_rt);
	assert_string_equal(c.preempt_mode, "rt");
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_FENTRY);
	assert_int_equal(choose(&c, TIER_PATCHED, why), TIER_COUNT);
	assert_string_equal(why, "tier patched unavailable: PREEMPT_RT kernel: PTE locks are "
			    "sleeping locks, the per-CPU lock hold would not be exact");
	/* RT has no __cond_resched: tier 2 leaves its counts out */
	assert_false(c.cond_resched_calls);

	o.rt = false;
	o.cond_resched_fn = true;
	preempt_decide(&c, &o);
	assert_false(c.preempt_rt);
	assert_int_equal(choose(&c, TIER_AUTO, why), TIER_PATCHED);
}

static void test_names(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(tier_from_name("patched", err, sizeof(err)), TIER_PATCHED);
	assert_int_equal(tier_from_name("tracepoint", err, sizeof(err)), TIER_TRACEPOINT);
	assert_int_equal(tier_from_name("auto", err, sizeof(err)), TIER_AUTO);
	assert_string_equal(err, "");
	assert_int_equal(tier_from_name("fentryx", err, sizeof(err)), TIER_COUNT);
	/* the usage error names every tier of the table, "auto" last */
	assert_string_equal(err, "invalid tier 'fentryx': expected patched, inline, fentry, kprobe, "
			    "tracepoint or auto");
	assert_string_equal(tier_name(TIER_KPROBE), "kprobe");
	assert_int_equal(tier_from_name("inline", err, sizeof(err)), TIER_INLINE);
	assert_string_equal(tier_name(TIER_COUNT), "none");
}

/* The frame: fentry where it works and the mmap_lock events carry memcg_path. */
static void test_frame_choice(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	/* this host: no fentry, so the mmap_lock events, whatever they carry */
	c.frame_fns = true;
	c.mmap_lock_memcg = true;
	assert_int_equal(frame_choose(&c, FRAME_AUTO, why, sizeof(why)), FRAME_MMAP_LOCK);
	assert_string_equal(why, "fentry unavailable: fentry program refused: Operation not permitted");
	/* Debian's 6.1 and 6.12: fentry, and memcg_path on the events */
	c.fentry = true;
	assert_int_equal(frame_choose(&c, FRAME_AUTO, why, sizeof(why)), FRAME_FENTRY);
	assert_non_null(strstr(why, "memcg_path"));
	/* 6.14 and later: the events cost a flag test, they stay */
	c.mmap_lock_memcg = false;
	assert_int_equal(frame_choose(&c, FRAME_AUTO, why, sizeof(why)), FRAME_MMAP_LOCK);
	/* no mmap_lock events at all: fentry is the only frame */
	c.tp_mmap_lock = false;
	strcpy(c.missing_tp, "mmap_lock:mmap_lock_start_locking");
	assert_int_equal(frame_choose(&c, FRAME_AUTO, why, sizeof(why)), FRAME_FENTRY);
	assert_string_equal(why, "no mmap_lock tracepoints");
	/* a frame function inlined away, and no events: none */
	c.frame_fns = false;
	strcpy(c.why_frame_fns, "uprobe_dup_mmap is not a kernel function (inlined or renamed)");
	assert_int_equal(frame_choose(&c, FRAME_AUTO, why, sizeof(why)), FRAME_COUNT);
	assert_string_equal(why, "no frame: tracepoint mmap_lock:mmap_lock_start_locking missing, "
			    "and uprobe_dup_mmap is not a kernel function (inlined or renamed)");
}

static void test_frame_forced(void **state)
{
	struct kernel_caps c = stock();
	char why[256];

	(void)state;
	c.frame_fns = true;
	c.mmap_lock_memcg = true;
	assert_int_equal(frame_choose(&c, FRAME_FENTRY, why, sizeof(why)), FRAME_COUNT);
	assert_string_equal(why, "frame fentry cannot run here: fentry unavailable: "
			    "fentry program refused: Operation not permitted");
	assert_int_equal(frame_choose(&c, FRAME_MMAP_LOCK, why, sizeof(why)), FRAME_MMAP_LOCK);
	assert_string_equal(why, "forced");
	c.fentry = true;
	assert_int_equal(frame_choose(&c, FRAME_FENTRY, why, sizeof(why)), FRAME_FENTRY);
	/* the mmap_lock frame forced where its events are cheap or costly alike */
	assert_int_equal(frame_choose(&c, FRAME_MMAP_LOCK, why, sizeof(why)), FRAME_MMAP_LOCK);
	c.tp_mmap_lock = false;
	strcpy(c.missing_tp, "mmap_lock:mmap_lock_released");
	assert_int_equal(frame_choose(&c, FRAME_MMAP_LOCK, why, sizeof(why)), FRAME_COUNT);
	assert_string_equal(why, "frame mmap_lock cannot run here: tracepoint mmap_lock:mmap_lock_released missing");
}

static void test_frame_names(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(frame_from_name("auto", err, sizeof(err)), FRAME_AUTO);
	assert_int_equal(frame_from_name("fentry", err, sizeof(err)), FRAME_FENTRY);
	assert_int_equal(frame_from_name("mmap_lock", err, sizeof(err)), FRAME_MMAP_LOCK);
	assert_string_equal(err, "");
	assert_int_equal(frame_from_name("kprobe", err, sizeof(err)), FRAME_COUNT);
	assert_string_equal(err, "invalid frame 'kprobe': expected mmap_lock, fentry or auto");
	assert_string_equal(frame_name(FRAME_FENTRY), "fentry");
	assert_string_equal(frame_name(FRAME_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_host_gets_tracepoint),
		cmocka_unit_test(test_patched_is_best),
		cmocka_unit_test(test_patched_enums_differ),
		cmocka_unit_test(test_fentry_per_pmd_or_per_vma),
		cmocka_unit_test(test_kprobe_when_fentry_refused),
		cmocka_unit_test(test_kprobe_needs_a_symbol),
		cmocka_unit_test(test_inline_between_patched_and_fentry),
		cmocka_unit_test(test_inline_refused_with_the_reason),
		cmocka_unit_test(test_forced_patched_on_stock),
		cmocka_unit_test(test_window_needs_are_everyones),
		cmocka_unit_test(test_resched_by_preemption),
		cmocka_unit_test(test_patched_refused_on_rt),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_frame_choice),
		cmocka_unit_test(test_frame_forced),
		cmocka_unit_test(test_frame_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

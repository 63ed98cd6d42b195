// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 1: the copy_pte tracepoints of kernel-patch/, on copy_pte_range()'s
 * entry, loop and retry points. Loaded with the window object and sharing
 * its maps: each event adds to the fork state of the task that forks, and
 * the window's close folds it into the aggregates.
 *
 * One pass: pass_start -> locked -> loop_end -> unlocked -> resched, then a
 * retry's pass_start, or the continuation/prealloc, or return. Between
 * pass_start and locked the task may sleep and migrate (the child's PTE
 * table is allocated there), so that state is per task (its fork state);
 * between locked and unlocked both PTE spinlocks are held, the task can
 * neither sleep nor migrate, and per-CPU state is exact and cheapest.
 *
 * These handlers run several times per 2 MiB of the parent's memory: each
 * does one lookup of its fork state and a few stores, nothing more.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pass.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The kernel patch's enums (include/trace/events/copy_pte.h), as ptcopy's
 * tables name them. The values here are only what ptcopy expects: CO-RE
 * relocates each enumerator to the running kernel's value from its BTF
 * (bpf_core_enum_value), so a patch revision that renumbers them is still
 * read right. The ___ptcopy flavour keeps these apart from vmlinux.h.
 * The loader refuses the tier on a kernel whose BTF lacks an enumerator
 * or has one ptcopy cannot name (lib/kernel_enums.c).
 */
enum copy_pte_pass_reason___ptcopy {
#define REASON(id, value, name)	COPY_PTE_PASS_##id##___ptcopy = value,
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
};

enum copy_pte_stop___ptcopy {
#define STOP(id, value, name, lock_break)	COPY_PTE_STOP_##id##___ptcopy = value,
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
};

/* The kernel's pass reason as ptcopy's; PTCOPY_PASS_REASONS if unknown. */
static __always_inline __u32 pass_reason(__u32 v)
{
#define REASON(id, value, name)						\
	if (bpf_core_enum_value_exists(enum copy_pte_pass_reason___ptcopy,	\
				       COPY_PTE_PASS_##id##___ptcopy) &&	\
	    v == bpf_core_enum_value(enum copy_pte_pass_reason___ptcopy,	\
				     COPY_PTE_PASS_##id##___ptcopy))		\
		return PTCOPY_PASS_##id;
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
	return PTCOPY_PASS_REASONS;
}

/* The kernel's loop stop as ptcopy's; PTCOPY_STOPS if unknown. */
static __always_inline __u32 loop_stop(__u32 v)
{
#define STOP(id, value, name, lock_break)				\
	if (bpf_core_enum_value_exists(enum copy_pte_stop___ptcopy,		\
				       COPY_PTE_STOP_##id##___ptcopy) &&	\
	    v == bpf_core_enum_value(enum copy_pte_stop___ptcopy,		\
				     COPY_PTE_STOP_##id##___ptcopy))		\
		return PTCOPY_STOP_##id;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	return PTCOPY_STOPS;
}

static __always_inline bool is_lock_break(__u32 stop)
{
#define STOP(id, value, name, lock_break)				\
	if (lock_break && stop == PTCOPY_STOP_##id)			\
		return true;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	return false;
}

/* copy_pte_pass_start(src_mm, addr, end, reason) */
static __always_inline int on_pass_start(__u64 addr, __u64 end, __u32 reason)
{
	struct ptcopy_fork *f = current_fork();
	__u64 now;

	if (!f) {
		pass_orphan();
		return 0;
	}
	reason = pass_reason(reason);
	now = pass_start(f, reason);
	if (reason == PTCOPY_PASS_FIRST)
		f->call_start_ns = now;
	f->pass_addr = addr;
	record_pass_range(f, end);
	return 0;
}

/* copy_pte_locked(src_mm, addr): both PTE locks are held from here */
static __always_inline int on_locked(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_locked(f);
	return 0;
}

/* copy_pte_loop_end(src_mm, start, addr, end, stop) */
static __always_inline int on_loop_end(__u64 start, __u64 addr, __u32 stop)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	stop = loop_stop(stop);
	if (stop < PTCOPY_STOPS)
		f->stops[stop]++;
	if (is_lock_break(stop)) {
		f->ev.lock_breaks++;
		record_instant(f, PTCOPY_REC_LOCK_BREAK, stop);
	}
	if (addr > start)
		f->ev.ptes += (addr - start) >> cfg.page_shift;
	return 0;
}

/* copy_pte_unlocked(src_mm, addr): hold = now - locked, on this CPU */
static __always_inline int on_unlocked(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_unlocked(f);
	return 0;
}

/* copy_pte_resched(src_mm, addr, rescheduled) */
static __always_inline int on_resched(__u64 rescheduled)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_resched(f, rescheduled != 0);
	return 0;
}

/* copy_pte_swap_cont(src_mm, addr, swp_entry, ret) */
static __always_inline int on_swap_cont(int ret)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_swap_cont(f, ret);
	return 0;
}

/* copy_pte_prealloc_fail(src_mm, addr) */
static __always_inline int on_prealloc_fail(void)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		f->ev.prealloc_failed++;
	return 0;
}

/* copy_pte_return(src_mm, addr, end, ret) */
static __always_inline int on_return(int ret)
{
	struct ptcopy_fork *f = current_fork();

	if (!f)
		return 0;
	if (f->call_start_ns) {
		f->ev.copy_ns += bpf_ktime_get_ns() - f->call_start_ns;
		f->call_start_ns = 0;
	}
	f->pass_start_ns = 0;
	if (ret < 0)
		fork_abort(f, ret);
	return 0;
}

/*
 * Each event twice: tp_btf (direct argument access) and raw_tp (kernels
 * where tp_btf cannot load, and BPF_PROG_TEST_RUN); the loader keeps one.
 * Arguments are read at constant offsets, as tp_btf requires.
 */
#define PTCOPY_EVENT(event, name, call)				\
SEC("tp_btf/" #event)						\
int ptcopy_##name##_btf(__u64 *ctx)				\
{								\
	return call;						\
}								\
SEC("raw_tp/" #event)						\
int ptcopy_##name##_raw(__u64 *ctx)				\
{								\
	return call;						\
}

PTCOPY_EVENT(copy_pte_pass_start, pass, on_pass_start(ctx[1], ctx[2], ctx[3]))
PTCOPY_EVENT(copy_pte_locked, locked, on_locked())
PTCOPY_EVENT(copy_pte_loop_end, loop_end, on_loop_end(ctx[1], ctx[2], ctx[4]))
PTCOPY_EVENT(copy_pte_unlocked, unlocked, on_unlocked())
PTCOPY_EVENT(copy_pte_resched, resched, on_resched(ctx[2]))
PTCOPY_EVENT(copy_pte_swap_cont, swap_cont, on_swap_cont(ctx[3]))
PTCOPY_EVENT(copy_pte_prealloc_fail, prealloc_fail, on_prealloc_fail())
PTCOPY_EVENT(copy_pte_return, return, on_return(ctx[3]))

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One copy_pte_range() pass's accounting, shared by the tiers that see
 * passes: patched (the copy_pte tracepoints) and inline (kprobes at the
 * same points of the stock kernel's code). Each tier calls these at its own
 * attach points; the numbers then mean the same in both.
 */
#ifndef __PTCOPY_PASS_BPF_H
#define __PTCOPY_PASS_BPF_H

#include "maps.bpf.h"
#include "hist.bpf.h"
#include "fork.bpf.h"
#include "record.bpf.h"

struct hold {
	__u64 locked_ns;
	__u32 tid;
	__u32 pad;
};

/*
 * The PTE lock hold in progress on each CPU: from the parent's lock taken to
 * the unlock both spinlocks are held, so the task stays on this CPU (not
 * under PREEMPT_RT, where the tiers that use this are refused).
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

/*
 * A pass of a fork we do not trace: filtered out, or begun before ptcopy
 * attached. Only the latter is worth counting.
 */
static __always_inline void pass_orphan(void)
{
	if (unfiltered())
		counter_inc(PTCOPY_CTR_ORPHAN_EVENTS);
}

/* A pass begins (at again:), for reason; returns the time. */
static __always_inline __u64 pass_start(struct ptcopy_fork *f, __u32 reason)
{
	__u64 now = bpf_ktime_get_ns();

	if (reason != PTCOPY_PASS_FIRST) {
		f->ev.retries++;
		record_instant(f, PTCOPY_REC_RETRY, reason);
	}
	/* the tier that sees the pass's range (patched) sets it after */
	record_pass_begin(f, reason);
	f->pass_start_ns = now;
	f->ev.passes++;
	if (reason < PTCOPY_PASS_REASONS)
		f->reasons[reason]++;
	/*
	 * Inside a mapping's copy_page_range() (ptcopy --vmas): the pass is
	 * that mapping's, as copy_pte_range() is only called from there.
	 */
	if (f->vma_start_ns) {
		f->vma.passes++;
		if (reason != PTCOPY_PASS_FIRST)
			f->vma.retries++;
	}
	return now;
}

/* Both PTE locks are held from here: the wait ends, the hold begins. */
static __always_inline void pass_locked(struct ptcopy_fork *f)
{
	static const __u32 zero;
	struct hold *h = bpf_map_lookup_elem(&ptcopy_holds, &zero);
	__u64 now, wait;

	if (!h)
		return;
	now = bpf_ktime_get_ns();
	h->locked_ns = now;
	h->tid = f->ev.tid;
	if (f->pass_start_ns) {
		wait = now - f->pass_start_ns;
		f->wait_ns_sum += wait;
		hist_add(&f->wait, wait);
		f->pass_start_ns = 0;
	}
}

/* The locks are released: the hold ends, if it began on this CPU for f. */
static __always_inline void pass_unlocked(struct ptcopy_fork *f)
{
	static const __u32 zero;
	struct hold *h = bpf_map_lookup_elem(&ptcopy_holds, &zero);
	__u64 hold, locked_ns;

	if (!h || !h->locked_ns || h->tid != f->ev.tid)
		return;
	locked_ns = h->locked_ns;
	hold = bpf_ktime_get_ns() - locked_ns;
	h->locked_ns = 0;
	record_pass(f, locked_ns, hold);
	f->ev.hold_ns_sum += hold;
	if (f->vma_start_ns)
		f->vma.hold_ns_sum += hold;
	if (hold > f->ev.hold_ns_max)
		f->ev.hold_ns_max = hold;
	hist_add(&f->hold, hold);
}

/* cond_resched() after the pass returned rescheduled (non-zero: it did). */
static __always_inline void pass_resched(struct ptcopy_fork *f, int rescheduled)
{
	f->ev.resched_calls++;
	if (rescheduled)
		f->ev.resched_done++;
}

/* add_swap_count_continuation(entry, GFP_KERNEL) with the locks dropped. */
static __always_inline void pass_swap_cont(struct ptcopy_fork *f, int ret)
{
	if (ret < 0)
		f->ev.swap_cont_failed++;
	else
		f->ev.swap_cont_ok++;
}

#endif /* __PTCOPY_PASS_BPF_H */

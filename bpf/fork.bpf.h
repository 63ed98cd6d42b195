/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers every ptcopy object uses on the per-fork state. */
#ifndef __PTCOPY_FORK_BPF_H
#define __PTCOPY_FORK_BPF_H

#include "maps.bpf.h"

#define PTCOPY_ENOMEM		12
#define PTCOPY_EBUSY		16
#define PTCOPY_EHWPOISON	133

static __always_inline __u32 *fork_owner(__u32 slot)
{
	return bpf_map_lookup_elem(&ptcopy_fork_owners, &slot);
}

/* The fork in flight of thread tid, if it is traced (maps.bpf.h: where). */
static __always_inline struct ptcopy_fork *fork_lookup(__u32 tid)
{
	__u32 slot = tid % PTCOPY_FORK_SLOTS;
	struct ptcopy_fork *f = bpf_map_lookup_elem(&ptcopy_fork_slots, &slot);
	__u32 *overflow;

	if (f && f->ev.tid == tid)
		return f;
	overflow = fork_owner(PTCOPY_FORK_OVERFLOW);
	if (!overflow || !*overflow)
		return NULL;
	return bpf_map_lookup_elem(&ptcopy_in_fork, &tid);
}

/* The fork in flight of the current task, if it is traced. */
static __always_inline struct ptcopy_fork *current_fork(void)
{
	return fork_lookup((__u32)bpf_get_current_pid_tgid());
}

static __always_inline void counter_inc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&ptcopy_counters, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* Tier 2's copy calls in flight on the machine (ptcopy_calls[0]). */
static __always_inline __u64 *calls_in_flight(void)
{
	static const __u32 zero;

	return bpf_map_lookup_elem(&ptcopy_calls, &zero);
}

/* The gate of the handlers that run for every task: no copy call open. */
static __always_inline bool no_copy_calls(void)
{
	__u64 *n = calls_in_flight();

	return !n || !*n;
}

static __always_inline void calls_in_flight_add(__s64 d)
{
	__u64 *n = calls_in_flight();

	if (n)
		__sync_fetch_and_add(n, d);
}

/*
 * The fork's state goes while a copy call is still open: its exit was
 * missed. Close it, so that the gate does not stay open, and count it.
 */
static __always_inline void call_missed_undo(struct ptcopy_fork *f)
{
	/* --vmas: a mapping's copy still open, its return missed: lost, counted */
	if (f->vma_start_ns) {
		f->vma_start_ns = 0;
		counter_inc(PTCOPY_CTR_CALL_EXITS_MISSED);
	}
	if (!f->call_start_ns)
		return;
	f->call_start_ns = 0;
	calls_in_flight_add(-1);
	counter_inc(PTCOPY_CTR_CALL_EXITS_MISSED);
}

static __always_inline __u32 abort_index(int err)
{
	switch (-err) {
	case PTCOPY_ENOMEM:
		return PTCOPY_ABORT_ENOMEM;
	case PTCOPY_EBUSY:
		return PTCOPY_ABORT_EBUSY;
	case PTCOPY_EHWPOISON:
		return PTCOPY_ABORT_EHWPOISON;
	default:
		return PTCOPY_ABORT_OTHER;
	}
}

/* A copy_*_range() call returned err (< 0): the fork fails with it. */
static __always_inline void fork_abort(struct ptcopy_fork *f, int err)
{
	__u32 i = abort_index(err);

	if (i < PTCOPY_ABORTS)
		f->aborts[i]++;
	if (!f->ev.result)
		f->ev.result = err;
}

#endif /* __PTCOPY_FORK_BPF_H */

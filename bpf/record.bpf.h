/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ptcopy --record: one struct ptcopy_record per event into ptcopy_records,
 * sent from the probes that already run (the window's close and its
 * sibling-stall walk, copy_page_range()'s return, a pass's unlock, a loop's
 * lock-break, a retry's start): no hook of its own.
 *
 * Every function returns first thing on !cfg.record: cfg is read-only
 * data frozen before load, so with --record off the verifier removes the
 * rest as dead code and the probes run as without this file.
 *
 * Records are sent without a wake-up (a pass's record would otherwise wake
 * the reader several times per 2 MiB copied): the reader polls at least
 * every 200 ms, the window's record (a fork's last) wakes it, and so does
 * any record that finds the ring more than half full. A record the ring
 * has no room for is counted in ptcopy_record_lost[0].
 */
#ifndef __PTCOPY_RECORD_BPF_H
#define __PTCOPY_RECORD_BPF_H

#include "maps.bpf.h"

static __always_inline void record_send(const struct ptcopy_record *r, bool wake)
{
	static const __u32 zero;
	__u64 *lost, flags = BPF_RB_NO_WAKEUP;

	if (wake || bpf_ringbuf_query(&ptcopy_records, BPF_RB_AVAIL_DATA) > cfg.record)
		flags = BPF_RB_FORCE_WAKEUP;
	if (!bpf_ringbuf_output(&ptcopy_records, (void *)r, sizeof(*r), flags))
		return;
	lost = bpf_map_lookup_elem(&ptcopy_record_lost, &zero);
	if (lost)
		__sync_fetch_and_add(lost, 1);
}

/* A record of type on the forker's track of f. */
static __always_inline void record_init(struct ptcopy_record *r, const struct ptcopy_fork *f,
					__u32 type)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->type = type;
	r->pid = f->ev.pid;
	r->tid = f->ev.tid;
}

/* f->vma's copy_page_range() call, started at start_ns, is over. */
static __always_inline void record_vma(const struct ptcopy_fork *f, __u64 start_ns)
{
	struct ptcopy_record r;

	if (!cfg.record)
		return;
	record_init(&r, f, PTCOPY_REC_VMA);
	r.ts_ns = start_ns;
	r.dur_ns = f->vma.copy_ns;
	r.start = f->vma.start;
	r.end = f->vma.end;
	r.what = f->vma.kind;
	__builtin_memcpy(r.name, f->vma.name, sizeof(r.name));
	record_send(&r, false);
}

/* A pass of reason begins: kept for its record (the range is the tier's). */
static __always_inline void record_pass_begin(struct ptcopy_fork *f, __u32 reason)
{
	if (!cfg.record)
		return;
	f->pass_reason = reason;
	f->pass_range = 0;
}

/* The pass's range, as copy_pte_pass_start gives it (patched, inline). */
static __always_inline void record_pass_range(struct ptcopy_fork *f, __u64 end)
{
	if (!cfg.record)
		return;
	f->pass_end = end;
	f->pass_range = 1;
}

/* The current pass's PTE locks, taken at locked_ns, were held for hold_ns. */
static __always_inline void record_pass(const struct ptcopy_fork *f, __u64 locked_ns,
					__u64 hold_ns)
{
	struct ptcopy_record r;

	if (!cfg.record)
		return;
	record_init(&r, f, PTCOPY_REC_PASS);
	r.ts_ns = locked_ns;
	r.dur_ns = hold_ns;
	r.what = f->pass_reason;
	if (f->pass_range) {
		r.flags = PTCOPY_REC_RANGE;
		r.start = f->pass_addr;
		r.end = f->pass_end;
	}
	record_send(&r, false);
}

/* An instant (lock_break, retry) on the forker's track, now. */
static __always_inline void record_instant(const struct ptcopy_fork *f, __u32 type, __u32 what)
{
	struct ptcopy_record r;

	if (!cfg.record)
		return;
	record_init(&r, f, type);
	r.ts_ns = bpf_ktime_get_ns();
	r.what = what;
	record_send(&r, false);
}

/* Thread tid (named comm) of process pid waited dur_ns from start_ns in the window. */
static __always_inline void record_stall(__u32 pid, __u32 tid, const char *comm,
					 __u64 start_ns, __u64 dur_ns)
{
	struct ptcopy_record r;

	if (!cfg.record)
		return;
	__builtin_memset(&r, 0, sizeof(r));
	r.type = PTCOPY_REC_STALL;
	r.pid = pid;
	r.tid = tid;
	r.ts_ns = start_ns;
	r.dur_ns = dur_ns;
	__builtin_memcpy(r.name, comm, PTCOPY_COMM_LEN);
	record_send(&r, false);
}

/* The window of f closed: its record, the fork's last, wakes the reader. */
static __always_inline void record_window(const struct ptcopy_fork *f)
{
	struct task_struct *task;
	struct ptcopy_record r;

	if (!cfg.record)
		return;
	record_init(&r, f, PTCOPY_REC_WINDOW);
	r.ts_ns = f->ev.start_ns;
	r.dur_ns = f->ev.window_ns;
	__builtin_memcpy(r.name, f->ev.comm, PTCOPY_COMM_LEN);
	/* the process's name is its leader's comm (the forker may be any thread) */
	task = bpf_get_current_task_btf();
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->group_leader->comm);
	record_send(&r, true);
}

#endif /* __PTCOPY_RECORD_BPF_H */

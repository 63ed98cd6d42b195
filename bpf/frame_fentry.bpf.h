/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fork's frame on kernel functions (fentry/fexit), included at the end of
 * window.bpf.c: the same per-fork state, window and sibling stalls as the
 * mmap_lock frame, without a single mmap_lock tracepoint program.
 *
 * Why: before 6.14 the mmap_lock events carry memcg_path, and while any probe
 * is registered on them the kernel builds that path (cgroup_path(), kernfs)
 * for every mmap_lock event on the machine before a program runs: every page
 * fault on Debian's 6.1 pays it. Where fentry works, the loader attaches
 * these programs instead (they are "?" sections: not loaded unless chosen).
 *
 * dup_mmap() on Debian 6.1 and 6.12 (and upstream 6.1-6.13):
 *
 *	uprobe_start_dup_mmap();	// 6.12: in dup_mm(), just before dup_mmap()
 *	if (mmap_write_lock_killable(oldmm))
 *		goto fail;		// -> uprobe_end_dup_mmap()
 *	flush_cache_dup_mm(oldmm);	// empty on x86
 *	uprobe_dup_mmap(oldmm, mm);
 *	... copy every VMA ...
 *	mmap_write_unlock(mm);
 *	flush_tlb_mm(oldmm);
 *	mmap_write_unlock(oldmm);
 *	dup_userfaultfd_complete(&uf);	// 6.12: _fail(&uf) on error
 *	uprobe_end_dup_mmap();		// 6.12: in dup_mm(), after mmput() on error
 *
 * All four uprobe_* and dup_userfaultfd_* functions are called only there
 * (outside the inlined dup_mmap, in separate files), so each marks a point of
 * a fork with no filter. The fork's state is created at
 * uprobe_start_dup_mmap() (as at mmap_lock_start_locking: before the lock,
 * so that a second forker of the process is known while it waits); the
 * window opens at uprobe_dup_mmap(), with the write lock held, and closes at
 * dup_userfaultfd_complete() or _fail(), just after the unlock: the window is
 * the parent's mmap write-lock hold plus the up_write() that wakes the
 * waiters. uprobe_end_dup_mmap() closes a window not closed yet and drops
 * the state of a fork whose killable lock was refused.
 *
 * Sibling stalls: a thread that must wait for an rwsem enters
 * rwsem_down_{read,write}_slowpath(sem, ...), and only then (an uncontended
 * lock never does): a wait is tracked when sem is the mmap_lock of an mm with
 * a fork in flight, and ended at the slow path's return. A waiter woken by
 * the fork's unlock may return before the forker reaches the close: its end
 * is kept (end_ns) for the close to count, not deleted. Every handler but
 * the fork's own returns at once on forks_in_flight/waits_in_flight == 0.
 */
#ifndef __PTCOPY_FRAME_FENTRY_BPF_H
#define __PTCOPY_FRAME_FENTRY_BPF_H

static __always_inline int frame_fork_start(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_fork *f = NULL;

	if (forks_in_flight)
		f = fork_lookup(tid);
	if (f) {
		/* A fork of this task whose end was never seen: it is lost. */
		counter_inc(PTCOPY_CTR_WINDOWS_UNCLOSED);
		fork_forget(f, tid);
	}
	fork_enter((__u64)task->mm);
	return 0;
}

static __always_inline int frame_window_open(__u64 mm)
{
	struct ptcopy_fork *f;

	if (!forks_in_flight)
		return 0;
	f = current_fork();
	if (f && !f->window_open && f->mm == mm)
		window_open(f, mm);
	return 0;
}

/* unlocked: the close of the window; !unlocked: the fork's last point */
static __always_inline int frame_fork_end(bool unlocked)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_fork *f;

	if (!forks_in_flight)
		return 0;
	f = fork_lookup(tid);
	if (!f)
		return 0;
	if (f->window_open)
		window_close(f, bpf_ktime_get_ns(), tid);
	else if (!unlocked)
		fork_forget(f, tid);	/* the killable lock was refused */
	return 0;
}

static __always_inline int frame_wait_begin(__u64 sem)
{
	if (!forks_in_flight)
		return 0;
	/* the rwsem is mm->mmap_lock of some mm: which, stall_begin() asks */
	stall_begin(sem - bpf_core_field_offset(struct mm_struct, mmap_lock));
	return 0;
}

static __always_inline int frame_wait_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_wait *w;

	if (!waits_in_flight)
		return 0;
	w = bpf_map_lookup_elem(&ptcopy_waits, &tid);
	if (!w)
		return 0;
	if (bpf_map_lookup_elem(&ptcopy_forking_mm, &w->mm)) {
		/* its fork has not closed yet: the close counts and deletes it */
		w->end_ns = bpf_ktime_get_ns();
		return 0;
	}
	wait_end(tid);
	return 0;
}

SEC("?fentry/uprobe_end_dup_mmap")
int BPF_PROG(ptcopy_ff_end)
{
	return frame_fork_end(false);
}

SEC("?fentry/dup_userfaultfd_complete")
int BPF_PROG(ptcopy_ff_unlocked)
{
	return frame_fork_end(true);
}

/* 6.12: the error path's twin of dup_userfaultfd_complete() */
SEC("?fentry/dup_userfaultfd_fail")
int BPF_PROG(ptcopy_ff_unlocked_fail)
{
	return frame_fork_end(true);
}

SEC("?fexit/rwsem_down_read_slowpath")
int BPF_PROG(ptcopy_ff_rwait_x)
{
	return frame_wait_end();
}

SEC("?fexit/rwsem_down_write_slowpath")
int BPF_PROG(ptcopy_ff_wwait_x)
{
	return frame_wait_end();
}

SEC("?fentry/rwsem_down_read_slowpath")
int BPF_PROG(ptcopy_ff_rwait, struct rw_semaphore *sem)
{
	return frame_wait_begin((__u64)sem);
}

SEC("?fentry/rwsem_down_write_slowpath")
int BPF_PROG(ptcopy_ff_wwait, struct rw_semaphore *sem)
{
	return frame_wait_begin((__u64)sem);
}

SEC("?fentry/uprobe_dup_mmap")
int BPF_PROG(ptcopy_ff_open, struct mm_struct *oldmm)
{
	return frame_window_open((__u64)oldmm);
}

/*
 * Defined (and so attached by the skeleton) last, after every program that
 * ends what it starts.
 */
SEC("?fentry/uprobe_start_dup_mmap")
int BPF_PROG(ptcopy_ff_start)
{
	return frame_fork_start();
}

#endif /* __PTCOPY_FRAME_FENTRY_BPF_H */

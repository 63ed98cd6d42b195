// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fork's copy window: tier 3 on its own, and the frame every other tier
 * hangs its per-pass or per-call data on.
 *
 * dup_mmap() holds the parent's mmap_lock for writing around the whole
 * page-table copy (~99% of fork() for a large process), so on a stock kernel
 * the window is: the mmap_lock_acquire_returned(write) of the parent's mm by a
 * task inside a fork syscall, to its mmap_lock_released(write). Inside it we
 * count the forking task's context switches, and the mmap_lock waits of the
 * process's other threads (page faults and mmap calls block behind the fork:
 * the stall the application sees). When the window closes, the fork's data
 * is folded into the per-label and total aggregates, and one event is sent if
 * a consumer asked for them.
 *
 * Only the mmap_lock events are hooked: what the host pays while no fork is
 * in flight is a flag test per event, plus a few loads per write lock. The
 * fork syscall is read from the task's saved user registers when it asks for
 * the write lock of its own mm (no syscall tracepoint: attaching one sends
 * every system call on the machine down the slow path), and the context
 * switches are the task's own nvcsw/nivcsw counters read at open and close
 * (no sched_switch program on every switch).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"
#include "hist.bpf.h"
#include "fork.bpf.h"
#include "record.bpf.h"

#define CLONE_VM	0x00000100ULL

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Forks in flight: lets the mmap_lock handlers, which run for every task on
 * the machine, return before any map lookup when no traced fork is in
 * progress (nearly always).
 */
__u64 forks_in_flight;
/*
 * Waits in ptcopy_waits: a wait that began in a fork must be ended when the
 * thread gets the lock, even if that is after every fork has finished, or
 * it would count as a stall in the process's next fork.
 */
__u64 waits_in_flight;

static const struct ptcopy_fork zero_fork;
static const struct ptcopy_stats zero_stats;

/* Sibling waits of the window being closed, summed by stall_cb(). */
struct stall_sum {
	__u64 count;
	__u64 sum;
	__u64 max;
	struct ptcopy_hist hist;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stall_sum);
} stall_scratch SEC(".maps");

struct stall_ctx {
	__u64 mm;
	__u32 pid;			/* the forker's tgid, for the stalls' records */
	__u32 pad;
	__u64 open_ns;
	__u64 close_ns;
	struct stall_sum *sum;
};

struct mm_struct___pre62 {
	struct {
		atomic_long_t count[4];
	} rss_stat;
} __attribute__((preserve_access_index));

struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

/* both layouts spelled out: each vmlinux.h has its kernel's only */
struct mm_struct___post62 {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

/*
 * get_mm_rss(): file + anon + shmem pages. Since 6.2 (f1a7941243c1) the
 * counters are percpu_counters whose .count is what /proc reports too;
 * before, an array of atomics in struct mm_rss_stat.
 */
static __always_inline __u64 mm_rss_pages(struct mm_struct *mm)
{
	__s64 file, anon, shmem;

	if (bpf_core_type_exists(struct mm_rss_stat___pre62)) {
		struct mm_struct___pre62 *old = (void *)mm;

		file = BPF_CORE_READ(old, rss_stat.count[0].counter);
		anon = BPF_CORE_READ(old, rss_stat.count[1].counter);
		shmem = BPF_CORE_READ(old, rss_stat.count[3].counter);
	} else {
		struct mm_struct___post62 *cur = (void *)mm;

		file = BPF_CORE_READ(cur, rss_stat[0].count);
		anon = BPF_CORE_READ(cur, rss_stat[1].count);
		shmem = BPF_CORE_READ(cur, rss_stat[3].count);
	}
	file = file > 0 ? file : 0;
	anon = anon > 0 ? anon : 0;
	shmem = shmem > 0 ? shmem : 0;
	return file + anon + shmem;
}

static __always_inline bool comm_matches(void)
{
	char comm[PTCOPY_COMM_LEN];
	int i;

	if (!cfg.filter_comm[0])
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < PTCOPY_COMM_LEN; i++) {
		if (comm[i] != cfg.filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool traced(__u32 tgid)
{
	if (cfg.filter_tgid && tgid != cfg.filter_tgid)
		return false;
	if (!comm_matches())
		return false;
	if (cfg.filter_cgroup && bpf_current_task_under_cgroup(&ptcopy_cgroup, 0) != 1)
		return false;
	return true;
}

/*
 * Registers a fork of mm; false if it could not be (the fork then has no
 * sibling-stall tracking, and its close must not put the entry). The insert
 * comes first so that losing it (another thread of the process is forking,
 * maybe at this very moment) always means joining the winner's entry: a
 * lookup first, then an insert, let two threads both miss the lookup and the
 * loser go on unregistered.
 */
static __always_inline bool mm_forking_get(__u64 mm)
{
	static const struct ptcopy_forking first = { .forkers = 1 };
	struct ptcopy_forking *m;
	int i;

	/* Twice: the entry may be deleted by its last forker between the two. */
	for (i = 0; i < 2; i++) {
		if (!bpf_map_update_elem(&ptcopy_forking_mm, &mm, &first, BPF_NOEXIST))
			return true;
		m = bpf_map_lookup_elem(&ptcopy_forking_mm, &mm);
		if (m) {
			__sync_fetch_and_add(&m->forkers, 1);
			return true;
		}
	}
	return false;
}

static __always_inline void mm_forking_put(struct ptcopy_fork *f)
{
	struct ptcopy_forking *m;
	__u64 mm = f->mm;

	if (!f->mm_registered)
		return;
	f->mm_registered = 0;
	m = bpf_map_lookup_elem(&ptcopy_forking_mm, &mm);
	if (!m)
		return;
	/*
	 * Two threads of one process forking at once share the entry; the last
	 * one out deletes it. A fork that starts between the decrement and the
	 * delete loses only its sibling-wait tracking.
	 */
	if (__sync_fetch_and_add(&m->forkers, -1) <= 1)
		bpf_map_delete_elem(&ptcopy_forking_mm, &mm);
}

/*
 * A new, zeroed fork state for tid, which has none: its slot if free, else
 * the hash; NULL when both are full.
 */
static __always_inline struct ptcopy_fork *fork_create(__u32 tid)
{
	__u32 slot = tid % PTCOPY_FORK_SLOTS;
	__u32 *owner = fork_owner(slot), *overflow;
	struct ptcopy_fork *f;

	if (owner && __sync_val_compare_and_swap(owner, 0, tid) == 0) {
		/* owned: no other thread writes this state until it is given back */
		f = bpf_map_lookup_elem(&ptcopy_fork_slots, &slot);
		if (!f || bpf_map_update_elem(&ptcopy_fork_slots, &slot, &zero_fork, BPF_ANY)) {
			/* cannot happen to an array's element in range: give it back */
			__sync_lock_test_and_set(owner, 0);
			return NULL;
		}
		f->ev.tid = tid;
		return f;
	}
	overflow = fork_owner(PTCOPY_FORK_OVERFLOW);
	if (!overflow || bpf_map_update_elem(&ptcopy_in_fork, &tid, &zero_fork, BPF_NOEXIST))
		return NULL;
	__sync_fetch_and_add(overflow, 1);
	return bpf_map_lookup_elem(&ptcopy_in_fork, &tid);
}

/* tid's fork state goes: false if it had none. */
static __always_inline bool fork_delete(__u32 tid)
{
	__u32 slot = tid % PTCOPY_FORK_SLOTS;
	struct ptcopy_fork *f = bpf_map_lookup_elem(&ptcopy_fork_slots, &slot);
	__u32 *owner = fork_owner(slot), *overflow;

	if (f && owner && f->ev.tid == tid) {
		f->ev.tid = 0;
		/* an exchange, ordered after the store above: the next owner zeroes it */
		__sync_lock_test_and_set(owner, 0);
		return true;
	}
	overflow = fork_owner(PTCOPY_FORK_OVERFLOW);
	if (!overflow || bpf_map_delete_elem(&ptcopy_in_fork, &tid))
		return false;
	__sync_fetch_and_add(overflow, -1);
	return true;
}

static __always_inline void fork_forget(struct ptcopy_fork *f, __u32 tid)
{
	call_missed_undo(f);
	mm_forking_put(f);
	if (fork_delete(tid))
		__sync_fetch_and_add(&forks_in_flight, -1);
}

/*
 * The syscalls whose dup_mmap() copies page tables, and where the entry code
 * keeps the syscall number in the saved user registers (the return value
 * overwrites the register it came in): orig_ax on x86-64; syscallno on
 * arm64, which has no fork(2) (the generic table: glibc forks with clone).
 */
#if defined(__TARGET_ARCH_x86)
#define NR_CLONE	56
#define NR_FORK		57
#define NR_CLONE3	435
#define PT_REGS_SYSCALL_NR(regs)	((regs)->orig_ax)
#define IS_FORK_SYSCALL(nr)	((nr) == NR_CLONE || (nr) == NR_FORK || (nr) == NR_CLONE3)
#elif defined(__TARGET_ARCH_arm64)
/* syscallno is -1 (NO_SYSCALL) in an exception from user space: no match */
#define NR_CLONE	220
#define NR_CLONE3	435
#define PT_REGS_SYSCALL_NR(regs)	((regs)->syscallno)
#define IS_FORK_SYSCALL(nr)	((nr) == NR_CLONE || (nr) == NR_CLONE3)
#else
#error "ptcopy's window knows the syscall numbers of x86 and arm64 only"
#endif

/*
 * The syscall the task is in, from the user registers saved on its kernel
 * stack at entry. Threads (CLONE_VM) and vfork never copy page tables, so
 * they never take their own mm's write lock inside these syscalls: no flags
 * are needed.
 */
static __always_inline bool in_fork_syscall(struct task_struct *task)
{
	/* a BTF pointer: a direct load, no probe-read helper call per write lock */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr;

	if (!regs)
		return false;
	nr = PT_REGS_SYSCALL_NR(regs);
	return IS_FORK_SYSCALL(nr);
}

/*
 * The forking task asks for its own mm's write lock: dup_mmap() starts. The
 * per-fork state is created here (not at the syscall's entry) and lives until
 * the window closes, or until the lock is refused.
 */
static __always_inline void fork_enter(__u64 mm)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct ptcopy_fork *f;

	if (!traced(tgid))
		return;
	/* a state left by this thread: not overwritten (as a hash's NOEXIST) */
	f = fork_lookup(tid) ? NULL : fork_create(tid);
	if (!f) {
		counter_inc(PTCOPY_CTR_FORKS_UNTRACKED);
		return;
	}
	__sync_fetch_and_add(&forks_in_flight, 1);
	f->mm = mm;
	f->ev.pid = tgid;
	f->ev.tid = tid;
	f->ev.have = cfg.have;
	f->ev.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(f->ev.comm, sizeof(f->ev.comm));
	f->mm_registered = mm_forking_get(mm);
}

/*
 * A write lock is asked for by the current task: if it is the fork's, note
 * the fork (true: neither the forker's nor anything else's wait is a sibling
 * stall). Runs for every write lock on the machine: mmap, munmap, brk, ...
 */
static __always_inline bool forker_start_locking(__u64 mm)
{
	struct task_struct *task;
	struct ptcopy_fork *f = NULL;
	__u32 tid;

	/*
	 * Cheapest first: the common case (no fork in flight, a write lock of
	 * some mm) pays one global load, one helper call and two loads before
	 * the syscall number; the tid only while forks are in flight.
	 */
	if (forks_in_flight) {
		tid = (__u32)bpf_get_current_pid_tgid();
		f = fork_lookup(tid);
	}
	if (f) {
		/* the child's mm, locked nested inside the window */
		if (mm != f->mm)
			return true;
		if (!f->window_open) {
			/* seeded by a test: a test-run cannot fake the syscall */
			if (!f->mm_registered)
				f->mm_registered = mm_forking_get(mm);
			return true;
		}
		/* A window of this task that never closed: that fork is lost. */
		counter_inc(PTCOPY_CTR_WINDOWS_UNCLOSED);
		fork_forget(f, tid);
	}
	task = bpf_get_current_task_btf();
	if ((__u64)task->mm != mm || !in_fork_syscall(task))
		return false;
	fork_enter(mm);
	return true;
}

static long stall_cb(struct bpf_map *map, __u32 *tid, struct ptcopy_wait *w,
		     struct stall_ctx *c)
{
	struct stall_sum *s = c->sum;
	__u64 start, d, end = c->close_ns;

	if (w->mm != c->mm)
		return 0;
	if (w->end_ns) {
		/* ended while this fork was in flight (fentry frame): it goes now */
		if (w->end_ns < end)
			end = w->end_ns;
		if (!bpf_map_delete_elem(&ptcopy_waits, tid))
			__sync_fetch_and_add(&waits_in_flight, -1);
	}
	/* Only the part of the wait inside the window is the fork's doing. */
	start = w->start_ns > c->open_ns ? w->start_ns : c->open_ns;
	if (start >= end)
		return 0;
	d = end - start;
	record_stall(c->pid, *tid, w->comm, start, d);
	s->count++;
	s->sum += d;
	if (d > s->max)
		s->max = d;
	hist_add(&s->hist, d);
	return 0;
}

static __always_inline void hist_merge(struct ptcopy_hist *dst,
				       const struct ptcopy_hist *src)
{
	int i;

	for (i = 0; i < PTCOPY_HIST_SLOTS; i++)
		if (src->slots[i])
			__sync_fetch_and_add(&dst->slots[i], src->slots[i]);
}

static __always_inline void max_merge(__u64 *dst, __u64 v)
{
	__u64 old = *(volatile __u64 *)dst;
	int i;

	/* Other CPUs may raise it meanwhile; a few rounds always settle it. */
	for (i = 0; i < 8 && v > old; i++) {
		__u64 seen = __sync_val_compare_and_swap(dst, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

#define ADD(field, v)	do { if (v) __sync_fetch_and_add(&s->field, (v)); } while (0)

/* Fold one closed fork into an aggregate (user space's stats_add() adds aggregates). */
static __always_inline void stats_fold(struct ptcopy_stats *s,
				       const struct ptcopy_fork *f,
				       const struct stall_sum *st)
{
	const struct ptcopy_fork_event *ev = &f->ev;
	int i;

	ADD(forks, 1);
	ADD(window_ns_sum, ev->window_ns);
	max_merge(&s->window_ns_max, ev->window_ns);
	__sync_fetch_and_add(&s->window.slots[hist_slot(ev->window_ns)], 1);
	ADD(ctxsw_voluntary, ev->ctxsw_voluntary);
	ADD(ctxsw_involuntary, ev->ctxsw_involuntary);
	if (st->count) {
		ADD(stalls, st->count);
		ADD(stall_ns_sum, st->sum);
		max_merge(&s->stall_ns_max, st->max);
		hist_merge(&s->stall, &st->hist);
	}

	if (ev->have & PTCOPY_HAVE_PASSES) {
		ADD(passes, ev->passes);
		ADD(ptes, ev->ptes);
		ADD(copy_ns_sum, ev->copy_ns);
		ADD(hold_ns_sum, ev->hold_ns_sum);
		max_merge(&s->hold_ns_max, ev->hold_ns_max);
		hist_merge(&s->hold, &f->hold);
		ADD(wait_ns_sum, f->wait_ns_sum);
		hist_merge(&s->wait, &f->wait);
		for (i = 0; i < PTCOPY_STOPS; i++)
			ADD(stops[i], f->stops[i]);
		for (i = 0; i < PTCOPY_PASS_REASONS; i++)
			ADD(pass_reasons[i], f->reasons[i]);
		ADD(prealloc_failed, ev->prealloc_failed);
	}
	if (ev->have & PTCOPY_HAVE_CALLS) {
		ADD(calls, ev->calls);
		ADD(call_ns_sum, ev->call_ns_sum);
		max_merge(&s->call_ns_max, ev->call_ns_max);
		hist_merge(&s->call, &f->call);
	}
	for (i = 0; i < PTCOPY_ABORTS; i++)
		ADD(aborts[i], f->aborts[i]);
	ADD(resched_calls, ev->resched_calls);
	ADD(resched_done, ev->resched_done);
	ADD(swap_cont_ok, ev->swap_cont_ok);
	ADD(swap_cont_failed, ev->swap_cont_failed);
	if (ev->have & PTCOPY_HAVE_VMAS) {
		for (i = 0; i < PTCOPY_VMA_KINDS; i++) {
			ADD(vmas[i], f->vmas[i]);
			ADD(vma_ns_sum[i], f->vma_ns_sum[i]);
		}
	}
}

/* The per-label entry for this fork; label values past the bound fold into "other". */
static __always_inline struct ptcopy_stats *label_stats(const struct ptcopy_fork *f)
{
	static const __u8 one = 1;
	struct ptcopy_label key = {};
	struct ptcopy_stats *s;

	if (cfg.label_mode == PTCOPY_LABEL_NONE)
		return NULL;
	if (cfg.label_mode == PTCOPY_LABEL_CGROUP)
		key.cgroup_id = f->ev.cgroup_id;
	else
		__builtin_memcpy(key.comm, f->ev.comm, sizeof(key.comm));

	s = bpf_map_lookup_elem(&ptcopy_stats, &key);
	if (s)
		return s;
	/* New value; another CPU may be inserting it too, so look it up again. */
	bpf_map_update_elem(&ptcopy_stats, &key, &zero_stats, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&ptcopy_stats, &key);
	if (s)
		return s;
	/* Full: the loader created the "other" entry before attaching. */
	counter_inc(PTCOPY_CTR_FORKS_FOLDED);
	if (!bpf_map_update_elem(&ptcopy_folded, &key, &one, BPF_NOEXIST))
		counter_inc(PTCOPY_CTR_LABELS_FOLDED);
	__builtin_memset(&key, 0, sizeof(key));
	key.cgroup_id = PTCOPY_LABEL_OTHER;
	__builtin_memcpy(key.comm, "other", 6);
	return bpf_map_lookup_elem(&ptcopy_stats, &key);
}

/*
 * The task's context-switch counters (what /proc/PID/status shows), kept
 * modulo 2^32 in the event's fields: at open the counters, at close the
 * difference, exact for fewer than 2^32 switches in one window.
 */
static __always_inline void ctxsw_open(struct ptcopy_fork *f, struct task_struct *task)
{
	f->ev.ctxsw_voluntary = (__u32)task->nvcsw;
	f->ev.ctxsw_involuntary = (__u32)task->nivcsw;
}

static __always_inline void ctxsw_close(struct ptcopy_fork *f, struct task_struct *task)
{
	f->ev.ctxsw_voluntary = (__u32)task->nvcsw - f->ev.ctxsw_voluntary;
	f->ev.ctxsw_involuntary = (__u32)task->nivcsw - f->ev.ctxsw_involuntary;
}

/* The window is closed and accounted: the fork's state goes (tid is the forker). */
static __always_inline void window_close(struct ptcopy_fork *f, __u64 now, __u32 tid)
{
	static const __u32 zero;
	struct ptcopy_forking *m;
	struct ptcopy_stats *s;
	struct stall_sum *st;
	struct stall_ctx c;
	__u64 mm = f->mm;

	f->window_open = 0;
	f->ev.window_ns = now - f->ev.start_ns;
	ctxsw_close(f, bpf_get_current_task_btf());

	st = bpf_map_lookup_elem(&stall_scratch, &zero);
	if (!st) {
		fork_forget(f, tid);
		return;
	}
	__builtin_memset(st, 0, sizeof(*st));
	/* The walk costs µs: only when another thread of this process waited. */
	m = bpf_map_lookup_elem(&ptcopy_forking_mm, &mm);
	if (m && m->waited) {
		c.mm = mm;
		c.pid = f->ev.pid;
		c.open_ns = f->ev.start_ns;
		c.close_ns = now;
		c.sum = st;
		bpf_for_each_map_elem(&ptcopy_waits, stall_cb, &c, 0);
	}
	mm_forking_put(f);
	record_window(f);
	f->ev.stalls = st->count;
	f->ev.stall_ns_sum = st->sum;
	f->ev.stall_ns_max = st->max;

	s = label_stats(f);
	if (s)
		stats_fold(s, f, st);
	s = bpf_map_lookup_elem(&ptcopy_total, &zero);
	if (s)
		stats_fold(s, f, st);

	/* A record (and a consumer wake-up) only for a consumer that wants it. */
	if (cfg.fork_events && f->ev.window_ns >= cfg.fork_events_min_ns) {
		/* copied by the helper: the record (mappings and all) is ~1.5 KiB */
		if (bpf_ringbuf_output(&ptcopy_events, &f->ev, sizeof(f->ev), 0))
			counter_inc(PTCOPY_CTR_EVENTS_LOST);
	}
	fork_forget(f, tid);
}

/* Thread tid, not a forker, starts waiting for the mmap_lock of forking mm. */
static __always_inline void wait_begin(struct ptcopy_forking *m, __u64 mm, __u32 tid)
{
	struct ptcopy_wait w = { .mm = mm };
	struct ptcopy_wait *old;

	w.start_ns = bpf_ktime_get_ns();
	if (cfg.record)
		bpf_get_current_comm(w.comm, sizeof(w.comm));
	m->waited = 1;
	old = bpf_map_lookup_elem(&ptcopy_waits, &tid);
	if (old) {
		/* a wait whose end we missed: this one replaces it */
		*old = w;
		return;
	}
	if (bpf_map_update_elem(&ptcopy_waits, &tid, &w, BPF_NOEXIST))
		counter_inc(PTCOPY_CTR_WAITS_UNTRACKED);
	else
		__sync_fetch_and_add(&waits_in_flight, 1);
}

/*
 * The current thread starts waiting for mm's lock: a sibling stall if a
 * fork of mm is in flight and the thread is not its forker (whose own
 * locking is the window). Both frames call it: the mmap_lock event and
 * the rwsem slow path.
 */
static __always_inline void stall_begin(__u64 mm)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_forking *m;

	m = bpf_map_lookup_elem(&ptcopy_forking_mm, &mm);
	if (!m)
		return;
	if (fork_lookup(tid))
		return;
	wait_begin(m, mm, tid);
}

/*
 * The forker holds its mm's write lock: the window opens (the mm is checked
 * by the caller).
 */
static __always_inline void window_open(struct ptcopy_fork *f, __u64 mm)
{
	f->ev.start_ns = bpf_ktime_get_ns();
	f->ev.rss_pages = mm_rss_pages((struct mm_struct *)mm);
	ctxsw_open(f, bpf_get_current_task_btf());
	f->window_open = 1;
}

/*
 * The mmap_lock events' arguments: (mm, write[, success]) since 6.14, and
 * (mm, memcg_path, write[, success]) before; the loader reads which from the
 * kernel's BTF and sets cfg.mmap_lock_memcg.
 */
static __always_inline int on_start_locking(__u64 mm, bool write)
{
	if (write && forker_start_locking(mm))
		return 0;
	/* a read lock (every page fault that takes mmap_lock) ends here */
	if (!forks_in_flight)
		return 0;
	stall_begin(mm);
	return 0;
}

/* The calling thread's wait, if tracked, is over. */
static __always_inline void wait_end(__u32 tid)
{
	if (!bpf_map_delete_elem(&ptcopy_waits, &tid))
		__sync_fetch_and_add(&waits_in_flight, -1);
}

static __always_inline int on_acquire_returned(__u64 mm, bool write, bool success)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_fork *f = fork_lookup(tid);

	if (f) {
		if (!write || f->window_open || mm != f->mm)
			return 0;
		if (!success) {
			/* dup_mmap()'s killable lock refused: the fork fails before any copy */
			fork_forget(f, tid);
			return 0;
		}
		window_open(f, mm);
		return 0;
	}
	/*
	 * Acquired, or a trylock or killable lock that failed: this wait is
	 * over either way (a blocking retry starts a new one).
	 */
	wait_end(tid);
	return 0;
}

static __always_inline int on_released(__u64 mm, bool write)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ptcopy_fork *f;

	if (!write)
		return 0;
	f = fork_lookup(tid);
	if (f && f->window_open && mm == f->mm)
		window_close(f, bpf_ktime_get_ns(), tid);
	return 0;
}

/*
 * Each layout is read by its own subprogram: tp_btf contexts only allow
 * loads at constant offsets, and the verifier explores only the subprogram
 * that cfg.mmap_lock_memcg (frozen before load) selects.
 */
static __noinline int mml_start_memcg(__u64 *ctx)
{
	return on_start_locking(ctx[0], ctx[2]);
}

static __noinline int mml_start(__u64 *ctx)
{
	return on_start_locking(ctx[0], ctx[1]);
}

static __noinline int mml_acq_memcg(__u64 *ctx)
{
	return on_acquire_returned(ctx[0], ctx[2], ctx[3]);
}

static __noinline int mml_acq(__u64 *ctx)
{
	return on_acquire_returned(ctx[0], ctx[1], ctx[2]);
}

static __noinline int mml_rel_memcg(__u64 *ctx)
{
	return on_released(ctx[0], ctx[2]);
}

static __noinline int mml_rel(__u64 *ctx)
{
	return on_released(ctx[0], ctx[1]);
}

/*
 * ptcopy --vmas and --record, on every tier: see the file. Its programs
 * are defined (and so attached by the skeleton) before every program of
 * the frame: a window whose opening is seen has every mapping's copy seen,
 * as it has every pass (the tier's object is attached first).
 */
#include "vmas.bpf.h"

/*
 * Defined (and so attached by the skeleton) release first, start last: a
 * window whose start is seen always has its close seen.
 */
SEC("tp_btf/mmap_lock_released")
int ptcopy_mml_rel_btf(__u64 *ctx)
{
	if (!forks_in_flight)
		return 0;
	return cfg.mmap_lock_memcg ? mml_rel_memcg(ctx) : mml_rel(ctx);
}

SEC("raw_tp/mmap_lock_released")
int ptcopy_mml_rel_raw(__u64 *ctx)
{
	if (!forks_in_flight)
		return 0;
	return cfg.mmap_lock_memcg ? mml_rel_memcg(ctx) : mml_rel(ctx);
}

SEC("tp_btf/mmap_lock_acquire_returned")
int ptcopy_mml_acq_btf(__u64 *ctx)
{
	if (!forks_in_flight && !waits_in_flight)
		return 0;
	return cfg.mmap_lock_memcg ? mml_acq_memcg(ctx) : mml_acq(ctx);
}

SEC("raw_tp/mmap_lock_acquire_returned")
int ptcopy_mml_acq_raw(__u64 *ctx)
{
	if (!forks_in_flight && !waits_in_flight)
		return 0;
	return cfg.mmap_lock_memcg ? mml_acq_memcg(ctx) : mml_acq(ctx);
}

/* Every lock attempt: the fork's begins here, so no flag can gate it. */
SEC("tp_btf/mmap_lock_start_locking")
int ptcopy_mml_start_btf(__u64 *ctx)
{
	return cfg.mmap_lock_memcg ? mml_start_memcg(ctx) : mml_start(ctx);
}

SEC("raw_tp/mmap_lock_start_locking")
int ptcopy_mml_start_raw(__u64 *ctx)
{
	return cfg.mmap_lock_memcg ? mml_start_memcg(ctx) : mml_start(ctx);
}

/* Where fentry works and the mmap_lock events are costly: see the file. */
#include "frame_fentry.bpf.h"

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What ptcopy's BPF programs and its user space exchange. No includes: each
 * side includes this after its own definition of __u32/__u64 (vmlinux.h in
 * BPF, <linux/types.h> in user space).
 *
 * The contract (one map per kind of data, named as below in every tier's
 * object, so the loader reads all tiers the same way):
 *
 *   ptcopy_stats    HASH   struct ptcopy_label -> struct ptcopy_stats
 *                   Per label value (comm or cgroup, see label_mode), bounded;
 *                   the key PTCOPY_LABEL_OTHER takes what does not fit.
 *   ptcopy_total    ARRAY  [0] -> struct ptcopy_stats, everything.
 *   ptcopy_counters ARRAY  enum ptcopy_counter -> __u64, the tool's health.
 *   ptcopy_events   RINGBUF struct ptcopy_fork_event, one per fork, sent when
 *                   the fork's page-table copy ends (its copy window closes),
 *                   only if cfg.fork_events and the window is at least
 *                   cfg.fork_events_min_ns long.
 *   ptcopy_in_fork  HASH   tid -> struct ptcopy_fork (per-fork accumulation,
 *                   from the forker's request for its mm's write lock to the
 *                   window's close; user space only seeds it in tests).
 *
 * Which fields of ptcopy_stats/ptcopy_fork_event a tier fills is given by
 * PTCOPY_HAVE_* in ptcopy_fork_event.have; a metric the tier does not
 * measure is absent, never zero.
 *
 * Times are nanoseconds; histogram slot i counts values v with
 * 2^i <= v / unit < 2^(i+1) (slot 0 also takes 0), where unit is the
 * hist_unit_ns set before load; the last slot also takes everything larger.
 */
#ifndef __PTCOPY_H
#define __PTCOPY_H

#define PTCOPY_COMM_LEN		16
#define PTCOPY_HIST_SLOTS	40
/* ptcopy_label.cgroup_id of the entry that collects folded label values */
#define PTCOPY_LABEL_OTHER	(~0ULL)

/*
 * Reason a copy_pte_range() pass started; ABI of the copy_pte:copy_pte_pass_start
 * tracepoint (kernel-patch/, include/trace/events/copy_pte.h).
 */
enum ptcopy_pass_reason {
	PTCOPY_PASS_FIRST = 0,
	PTCOPY_PASS_LOCK_BREAK = 1,
	PTCOPY_PASS_SWAP_CONT = 2,
	PTCOPY_PASS_PREALLOC = 3,
	PTCOPY_PASS_REASONS,
};

/* Why a pass's PTE loop ended; ABI of copy_pte:copy_pte_loop_end. */
enum ptcopy_stop {
	PTCOPY_STOP_DONE = 0,		/* addr == end */
	PTCOPY_STOP_NEED_RESCHED = 1,	/* lock-break: need_resched() */
	PTCOPY_STOP_SRC_CONTENDED = 2,	/* lock-break: parent PTE lock contended */
	PTCOPY_STOP_DST_CONTENDED = 3,	/* lock-break: child PTE lock contended */
	PTCOPY_STOP_SWAP_CONT = 4,	/* -EIO: swap count needs a continuation */
	PTCOPY_STOP_DEVICE_BUSY = 5,	/* -EBUSY: device-exclusive entry busy */
	PTCOPY_STOP_PREALLOC = 6,	/* -EAGAIN: pinned page needs a copy */
	PTCOPY_STOP_HWPOISON = 7,	/* -EHWPOISON (6.12) */
	PTCOPY_STOPS,
};

/* A copy_pte_range() (tier 1) or copy_page_range() (tier 2) error, by errno. */
enum ptcopy_abort {
	PTCOPY_ABORT_ENOMEM = 0,
	PTCOPY_ABORT_EBUSY = 1,
	PTCOPY_ABORT_EHWPOISON = 2,
	PTCOPY_ABORT_OTHER = 3,
	PTCOPY_ABORTS,
};

/* ptcopy_fork_event.have: which groups of fields the tier measured */
enum ptcopy_have {
	PTCOPY_HAVE_WINDOW = 1 << 0,	/* copy window, ctx switches, stalls, rss */
	PTCOPY_HAVE_PASSES = 1 << 1,	/* passes, holds, waits, retries by reason */
	PTCOPY_HAVE_CALLS = 1 << 2,	/* tier 2: copy_*_range calls, durations */
	PTCOPY_HAVE_RESCHED = 1 << 3,	/* cond_resched outcomes */
	PTCOPY_HAVE_SWAP_CONT = 1 << 4,	/* swap-count continuation results */
	/*
	 * Tier 1 only: loop ends by cause (lock-break causes), PTEs walked,
	 * time in copy_pte_range(), prealloc failures, aborts and the copy's
	 * result. The inline
	 * tier has PASSES without it: its probes see neither the loop's exit
	 * condition nor copy_pte_range()'s return.
	 */
	PTCOPY_HAVE_LOOP = 1 << 5,
};

/* Indexes of ptcopy_counters: the tool's own health, all tiers. */
enum ptcopy_counter {
	PTCOPY_CTR_EVENTS_LOST = 0,	/* ring buffer full: fork event dropped (still aggregated) */
	PTCOPY_CTR_FORKS_UNTRACKED,	/* ptcopy_in_fork full: fork not traced */
	PTCOPY_CTR_LABELS_FOLDED,	/* distinct label values folded to "other" */
	PTCOPY_CTR_FORKS_FOLDED,	/* forks accounted under "other" */
	PTCOPY_CTR_WAITS_UNTRACKED,	/* sibling wait table full */
	PTCOPY_CTR_ORPHAN_EVENTS,	/* copy events outside a traced fork */
	PTCOPY_CTR_WINDOWS_UNCLOSED,	/* window opened, close never seen: fork in no figure */
	PTCOPY_CTR_CALL_EXITS_MISSED,	/* tier 2: a copy call's exit not seen (kretprobe miss) */
	PTCOPY_COUNTERS,
};

/* ptcopy_label_mode: how ptcopy_stats is keyed */
enum ptcopy_label_mode {
	PTCOPY_LABEL_COMM = 0,
	PTCOPY_LABEL_CGROUP = 1,
	PTCOPY_LABEL_NONE = 2,		/* only ptcopy_total is kept */
};

struct ptcopy_hist {
	__u64 slots[PTCOPY_HIST_SLOTS];
};

struct ptcopy_label {
	__u64 cgroup_id;		/* label_mode CGROUP, or PTCOPY_LABEL_OTHER */
	char comm[PTCOPY_COMM_LEN];	/* label_mode COMM; "other" when folded */
};

/* Aggregates, per label and in total. Counters only ever grow. */
struct ptcopy_stats {
	/* PTCOPY_HAVE_WINDOW: every tier */
	__u64 forks;
	__u64 window_ns_sum;
	__u64 window_ns_max;
	struct ptcopy_hist window;	/* copy window per fork */
	__u64 ctxsw_voluntary;
	__u64 ctxsw_involuntary;
	__u64 stalls;			/* sibling mmap_lock waits overlapping a window */
	__u64 stall_ns_sum;
	__u64 stall_ns_max;
	struct ptcopy_hist stall;	/* per sibling wait, the part inside the window */

	/* PTCOPY_HAVE_PASSES: tier 1 and inline (ptes, copy_ns_sum, stops: LOOP) */
	__u64 passes;
	__u64 ptes;			/* PTE slots walked */
	__u64 copy_ns_sum;		/* time inside copy_pte_range() */
	__u64 hold_ns_sum;
	__u64 hold_ns_max;
	struct ptcopy_hist hold;	/* both PTE locks held, per pass */
	__u64 wait_ns_sum;
	struct ptcopy_hist wait;	/* pass start to both locks taken */
	__u64 stops[PTCOPY_STOPS];	/* loop ends by cause; 1..3 are lock-breaks */
	__u64 retries[PTCOPY_PASS_REASONS]; /* [PTCOPY_PASS_FIRST] = first passes */
	__u64 prealloc_failed;

	/* PTCOPY_HAVE_CALLS: tier 2, per copy_pte_range (or copy_page_range) call */
	__u64 calls;
	__u64 call_ns_sum;
	__u64 call_ns_max;
	struct ptcopy_hist call;

	/* PTCOPY_HAVE_LOOP or PTCOPY_HAVE_CALLS */
	__u64 aborts[PTCOPY_ABORTS];

	/* PTCOPY_HAVE_RESCHED */
	__u64 resched_calls;
	__u64 resched_done;

	/* PTCOPY_HAVE_SWAP_CONT */
	__u64 swap_cont_ok;
	__u64 swap_cont_failed;
};

/* One fork, sent when its page-table copy ends. */
struct ptcopy_fork_event {
	__u64 start_ns;			/* window open, bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 window_ns;		/* parent's mmap write-lock hold inside the fork */
	__u64 cgroup_id;
	__u64 rss_pages;		/* parent's RSS when the window opened */
	__u32 pid;			/* tgid of the forking process */
	__u32 tid;
	char comm[PTCOPY_COMM_LEN];
	__u32 have;			/* enum ptcopy_have */
	__s32 result;			/* 0, or the copy's first error (-errno) */

	__u32 ctxsw_voluntary;
	__u32 ctxsw_involuntary;
	__u32 stalls;
	__u32 pad0;
	__u64 stall_ns_sum;
	__u64 stall_ns_max;

	/* tier 1 */
	__u32 passes;
	__u32 lock_breaks;
	__u32 retries;
	__u32 swap_cont_failed;
	__u64 ptes;
	__u64 copy_ns;			/* sum of copy_pte_range() durations */
	__u64 hold_ns_max;
	__u64 hold_ns_sum;

	/* tier 2 */
	__u32 calls;
	__u32 pad1;
	__u64 call_ns_sum;
	__u64 call_ns_max;

	__u32 resched_calls;
	__u32 resched_done;
	__u32 swap_cont_ok;
	__u32 prealloc_failed;
};

/*
 * Per-fork accumulation, in ptcopy_in_fork keyed by the forking tid, from
 * dup_mmap()'s request for the parent's mmap_lock to the lock's release. Only the forking task writes its entry
 * (every handler looks up its own tid), so its fields need no atomics.
 */
struct ptcopy_fork {
	struct ptcopy_fork_event ev;	/* what is sent when the window closes */
	__u64 mm;			/* parent's mm, an identity only */
	__u64 call_start_ns;		/* current copy_*_range() call, 0 outside */
	__u64 pass_start_ns;		/* tier 1: current pass, 0 outside */
	__u64 pass_addr;
	__u32 window_open;
	__u32 mm_registered;		/* counted in ptcopy_forking_mm */
	__u32 swapc_may_sleep;		/* tier 2 kprobe: the continuation call's gfp */
	__u32 inline_pass;		/* inline tier: INLINE_PASS_* of the current pass */
	__u64 wait_ns_sum;
	__u32 stops[PTCOPY_STOPS];
	__u32 reasons[PTCOPY_PASS_REASONS];
	__u32 aborts[PTCOPY_ABORTS];
	struct ptcopy_hist hold;
	struct ptcopy_hist wait;
	struct ptcopy_hist call;
};

/*
 * ptcopy_forking_mm: an mm with a fork in flight. Only other threads of
 * such a process have their mmap_lock waits tracked; the window's close
 * walks the wait table only when one of them has waited.
 */
struct ptcopy_forking {
	__u32 forkers;			/* its threads with a fork's state in ptcopy_in_fork */
	__u32 waited;			/* another thread of it entered ptcopy_waits */
};

/* Set by the loader between open and load (const volatile in every object). */
struct ptcopy_config {
	__u32 filter_tgid;		/* 0: every process */
	__u32 filter_cgroup;		/* 1: only tasks under ptcopy_cgroup[0] */
	char filter_comm[PTCOPY_COMM_LEN]; /* "": every comm */
	__u64 hist_unit_ns;		/* histogram unit: 1, 1000 or 1000000 */
	__u32 label_mode;		/* enum ptcopy_label_mode */
	__u32 have;			/* enum ptcopy_have: what the tier measures */
	__u32 page_shift;
	__u32 mmap_lock_memcg;		/* mmap_lock events carry a memcg_path argument */
	__u32 fork_events;		/* send ptcopy_events records (a consumer reads them) */
	__u64 fork_events_min_ns;	/* only for windows at least this long */
};

#endif /* __PTCOPY_H */

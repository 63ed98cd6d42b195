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
 *   ptcopy_records  RINGBUF struct ptcopy_record, one per traced event (a
 *                   window, a mapping's copy, a pass, a lock-break, a retry,
 *                   a sibling stall), only if cfg.record (ptcopy --record);
 *                   a page when off, set by the loader.
 *   ptcopy_record_lost ARRAY [0] -> __u64, records the full ring buffer
 *                   refused.
 *   ptcopy_fork_slots ARRAY tid % PTCOPY_FORK_SLOTS -> struct ptcopy_fork
 *                   (per-fork accumulation, from the forker's request for its
 *                   mm's write lock to the window's close; ev.tid is the
 *                   owner, 0 when free; user space only seeds it in tests).
 *   ptcopy_fork_owners ARRAY slot -> owner tid (claimed by compare-and-swap);
 *                   [PTCOPY_FORK_OVERFLOW]: how many forks ptcopy_in_fork holds.
 *   ptcopy_in_fork  HASH   tid -> struct ptcopy_fork: the forks whose slot was
 *                   taken by another thread's fork.
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
/* ptcopy_fork_slots' size, a power of two (maps.bpf.h: why slots) */
#define PTCOPY_FORK_SLOTS	256
/* ptcopy_fork_owners[PTCOPY_FORK_OVERFLOW]: forks in ptcopy_in_fork */
#define PTCOPY_FORK_OVERFLOW	PTCOPY_FORK_SLOTS
#define PTCOPY_HIST_SLOTS	40
/* ptcopy_label.cgroup_id of the entry that collects folded label values */
#define PTCOPY_LABEL_OTHER	(~0ULL)

/*
 * The name tables: the single source of every enumerated name ptcopy
 * exchanges. Each is an X-macro list; from it come the C enums below, the
 * JSON keys (userspace/ptcopy/json.c), the text labels (report.c), the
 * Prometheus label values and metric names (userspace/exporter/metrics.c).
 * tests/unit/test_contract.c holds the JSON schema and both man pages to
 * them. A name is written once, here, as a C identifier; consumers
 * stringify it (#name). The names are the kernel patch's, as its
 * tracepoints print them (TP_printk's __print_symbolic in
 * kernel-patch/<version>/, include/trace/events/copy_pte.h).
 *
 * Reason a copy_pte_range() pass started: X(ID, value, name); ABI of the
 * copy_pte:copy_pte_pass_start tracepoint (enum copy_pte_pass_reason).
 * Every pass but a first one is a retry (goto again).
 */
#define PTCOPY_PASS_REASON_TABLE(X)		\
	X(FIRST, 0, first)			\
	X(LOCK_BREAK, 1, lock_break)		\
	X(SWAP_CONT, 2, swap_cont)		\
	X(PREALLOC, 3, prealloc)

/*
 * Why a pass's PTE loop ended: X(ID, value, name, lock_break); ABI of
 * copy_pte:copy_pte_loop_end (enum copy_pte_stop). lock_break is 1 for the
 * causes of a lock-break (the loop let the locks go to let others in), 0
 * for the other loop ends.
 */
#define PTCOPY_STOP_TABLE(X)			\
	X(DONE, 0, done, 0)			/* addr == end */			\
	X(NEED_RESCHED, 1, need_resched, 1)	/* need_resched() */			\
	X(SRC_CONTENDED, 2, src_contended, 1)	/* parent's PTE lock contended */	\
	X(DST_CONTENDED, 3, dst_contended, 1)	/* child's PTE lock contended */	\
	X(SWAP_CONT, 4, swap_cont, 0)		/* -EIO: swap count needs a continuation */ \
	X(DEVICE_BUSY, 5, device_busy, 0)	/* -EBUSY: device-exclusive entry busy */ \
	X(PREALLOC, 6, prealloc, 0)		/* -EAGAIN: pinned page needs a copy */	\
	X(HWPOISON, 7, hwpoison, 0)		/* -EHWPOISON (6.12) */

/*
 * A copy_pte_range() (patched tier) or copy_*_range() call (fentry/kprobe)
 * error, by errno: X(ID, value, name).
 */
#define PTCOPY_ABORT_TABLE(X)			\
	X(ENOMEM, 0, ENOMEM)			\
	X(EBUSY, 1, EBUSY)			\
	X(EHWPOISON, 2, EHWPOISON)		\
	X(OTHER, 3, other)

/*
 * ptcopy_fork_event.have: which groups of fields the tier measured,
 * X(ID, bit, name).
 *   window     copy window, ctx switches, stalls, rss: every tier
 *   passes     passes, holds, waits, retries by reason: patched, inline
 *   calls      copy_*_range calls and durations: fentry, kprobe
 *   resched    cond_resched outcomes
 *   swap_cont  swap-count continuation results
 *   loop       patched only: loop ends by cause (lock-break causes), PTEs
 *              walked, time in copy_pte_range(), prealloc failures, aborts
 *              and the copy's result. The inline tier has passes without
 *              it: its probes see neither the loop's exit condition nor
 *              copy_pte_range()'s return.
 *   vmas       per mapping (ptcopy --vmas): copy_page_range() of each
 *              source VMA timed by fentry/fexit or kprobe/kretprobe, any
 *              tier where either works (bpf/vmas.bpf.h)
 *   huge_pmd   per mapping: copy_huge_pmd() calls that copied a huge PMD
 */
#define PTCOPY_HAVE_TABLE(X)			\
	X(WINDOW, 0, window)			\
	X(PASSES, 1, passes)			\
	X(CALLS, 2, calls)			\
	X(RESCHED, 3, resched)			\
	X(SWAP_CONT, 4, swap_cont)		\
	X(LOOP, 5, loop)			\
	X(VMAS, 6, vmas)			\
	X(HUGE_PMD, 7, huge_pmd)

/*
 * ptcopy_counters: the tool's own health, X(ID, name, have, labelled, help).
 * have: the PTCOPY_HAVE_* bits of the tiers where the counter can move
 * (0: every tier); labelled: meaningful only when ptcopy_stats is keyed
 * (not label_mode NONE). help is the text both tools print (JSON schema,
 * text note, Prometheus HELP).
 */
#define PTCOPY_COUNTER_TABLE(X)						\
	X(EVENTS_LOST, events_lost, 0, 0,					\
	  "Per-fork events dropped because the ring buffer was full; the forks are "	\
	  "still in every other metric.")						\
	X(FORKS_UNTRACKED, forks_untracked, 0, 0,				\
	  "Forks not traced because too many were in flight at once.")		\
	X(LABELS_FOLDED, labels_folded, 0, 1,					\
	  "Distinct label values beyond the bound on them (ptcopy: 128; " \
	  "ptcopy_exporter --max-label-values), accounted under the label value " \
	  "\"other\".")						\
	X(FORKS_FOLDED, forks_folded, 0, 1,					\
	  "Forks accounted under the label value \"other\".")			\
	X(WAITS_UNTRACKED, waits_untracked, 0, 0,				\
	  "mmap_lock waits of forking processes' threads not tracked because too " \
	  "many were in flight at once.")					\
	X(ORPHAN_EVENTS, orphan_events, PTCOPY_HAVE_PASSES | PTCOPY_HAVE_CALLS, 0, \
	  "Page-table copy events seen outside any traced fork.")		\
	X(WINDOWS_UNCLOSED, windows_unclosed, 0, 0,				\
	  "Forks whose copy window opened but whose end was never seen; they are " \
	  "missing from every other metric.")					\
	X(CALL_EXITS_MISSED, call_exits_missed, PTCOPY_HAVE_CALLS | PTCOPY_HAVE_VMAS, 0, \
	  "Page-table copy calls whose return was not seen (kretprobe instances " \
	  "exhausted); those calls are missing from the call metrics and, with " \
	  "--vmas, their mappings from the mapping metrics.")

/*
 * The kind of a copied mapping (the source VMA of copy_page_range()),
 * X(ID, value, name), decided in this order from the kernel's objects at
 * the probe (bpf/vmas.bpf.h), the first that holds:
 *   hugetlb  vm_flags has VM_HUGETLB (hugetlbfs, MAP_HUGETLB, SHM_HUGETLB)
 *   shmem    vm_file is on a tmpfs/shmem superblock (s_magic TMPFS_MAGIC):
 *            MAP_SHARED|MAP_ANONYMOUS, SysV shm, memfd, files in tmpfs
 *   file     any other vm_file
 *   heap     anonymous, overlapping (mm->start_brk, mm->brk): vm_start <
 *            brk and vm_end > start_brk (as /proc/PID/maps' [heap])
 *   stack    anonymous, containing mm->start_stack (as [stack])
 *   anon     every other anonymous mapping
 * The label set of the exporter's per-kind families: fixed and small.
 */
#define PTCOPY_VMA_KIND_TABLE(X)		\
	X(HUGETLB, 0, hugetlb)			\
	X(SHMEM, 1, shmem)			\
	X(FILE, 2, file)			\
	X(HEAP, 3, heap)			\
	X(STACK, 4, stack)			\
	X(ANON, 5, anon)

/*
 * What ptcopy_stats keeps per mapping kind (--vmas), X(unit, key, field,
 * metric, help): the JSON keys of each kind's object in a stats object's
 * "vmas", and one exporter family per row labelled by kind. unit COUNT is
 * a counter, NS a sum of nanoseconds (exported in seconds).
 */
#define PTCOPY_VMA_STATS_TABLE(X)						\
	X(COUNT, count, vmas, "ptcopy_vmas_copied_total",			\
	  "Mappings whose page tables forks copied (copy_page_range() calls), by kind " \
	  "(--vmas).")								\
	X(NS, copy_ns, vma_ns_sum, "ptcopy_vma_copy_seconds_total",		\
	  "Time in copy_page_range() during forks, by kind of the mapping copied " \
	  "(--vmas; kinds as in ptcopy(8)).")

/*
 * ptcopy --record: what one struct ptcopy_record is, X(ID, value, name,
 * phase). name is the trace event's category (and its name, but for a
 * mapping, named by its kind), phase its Chrome Trace Event phase: "X" a
 * slice with a duration, "i" an instant (userspace/ptcopy/record.c).
 *   window      the fork's copy window, on the forking thread's track
 *   vma         one copy_page_range() call (the --vmas probes): a mapping
 *   pass        one copy_pte_range() pass, from both PTE locks taken to
 *               their release (patched, inline)
 *   lock_break  the pass's loop broke off to let others in: patched at the
 *               loop's end, with its cause; inline at the retry jump
 *   retry       a pass that retries a range begins (goto again), its reason
 *   stall       a sibling thread's wait for the mmap_lock, the part inside
 *               the window, on that thread's track
 */
#define PTCOPY_RECORD_TABLE(X)			\
	X(WINDOW, 0, window, "X")		\
	X(VMA, 1, vma, "X")			\
	X(PASS, 2, pass, "X")			\
	X(LOCK_BREAK, 3, lock_break, "i")	\
	X(RETRY, 4, retry, "i")			\
	X(STALL, 5, stall, "X")

#define PTCOPY_ENUM_PASS(id, value, name)		PTCOPY_PASS_##id = value,
#define PTCOPY_ENUM_STOP(id, value, name, lock_break)	PTCOPY_STOP_##id = value,
#define PTCOPY_ENUM_ABORT(id, value, name)		PTCOPY_ABORT_##id = value,
#define PTCOPY_ENUM_HAVE(id, bit, name)			PTCOPY_HAVE_##id = 1 << (bit),
#define PTCOPY_ENUM_COUNTER(id, name, have, labelled, help) PTCOPY_CTR_##id,
#define PTCOPY_ENUM_VMA_KIND(id, value, name)		PTCOPY_VMA_##id = value,
#define PTCOPY_ENUM_RECORD(id, value, name, phase)	PTCOPY_REC_##id = value,

enum ptcopy_pass_reason {
	PTCOPY_PASS_REASON_TABLE(PTCOPY_ENUM_PASS)
	PTCOPY_PASS_REASONS,
};

enum ptcopy_stop {
	PTCOPY_STOP_TABLE(PTCOPY_ENUM_STOP)
	PTCOPY_STOPS,
};

enum ptcopy_abort {
	PTCOPY_ABORT_TABLE(PTCOPY_ENUM_ABORT)
	PTCOPY_ABORTS,
};

enum ptcopy_have {
	PTCOPY_HAVE_TABLE(PTCOPY_ENUM_HAVE)
};

enum ptcopy_counter {
	PTCOPY_COUNTER_TABLE(PTCOPY_ENUM_COUNTER)
	PTCOPY_COUNTERS,
};

enum ptcopy_vma_kind {
	PTCOPY_VMA_KIND_TABLE(PTCOPY_ENUM_VMA_KIND)
	PTCOPY_VMA_KINDS,
};

enum ptcopy_record_type {
	PTCOPY_RECORD_TABLE(PTCOPY_ENUM_RECORD)
	PTCOPY_RECORD_TYPES,
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

/*
 * The scalar and histogram fields of struct ptcopy_stats as exchanged:
 * X(kind, key, field, have, metric, help). kind is COUNT (the counter
 * `field`), HIST (struct ptcopy_hist `field` with field##_ns_sum and
 * field##_ns_max) or HIST_SUM (without a max); key is the JSON key of the
 * "summary" stats objects (and their schema's); metric and help are the
 * exporter's family for it, "" where the exporter has none (the field is
 * in JSON and text only). The fields kept by name (stops, pass reasons,
 * aborts, cond_resched and swap_cont outcomes) are PTCOPY_STATS_GROUP_TABLE's.
 */
#define PTCOPY_STATS_FIELD_TABLE(X)						\
	X(COUNT, forks, forks, PTCOPY_HAVE_WINDOW, "ptcopy_forks_total",	\
	  "Forks whose page-table copy ended (the parent's mm was copied).")	\
	X(HIST, window, window, PTCOPY_HAVE_WINDOW, "ptcopy_fork_copy_seconds",	\
	  "Per fork, how long fork held the parent's mmap_lock for writing to copy its " \
	  "page tables (dup_mmap): the copy window.")				\
	X(COUNT, ctxsw_voluntary, ctxsw_voluntary, PTCOPY_HAVE_WINDOW, "", "")	\
	X(COUNT, ctxsw_involuntary, ctxsw_involuntary, PTCOPY_HAVE_WINDOW, "", "") \
	X(HIST, stall, stall, PTCOPY_HAVE_WINDOW, "ptcopy_fork_sibling_stall_seconds", \
	  "Per wait of another thread of the forking process for its mmap_lock, the part " \
	  "inside the copy window (page faults and mmap calls blocked by the fork).") \
	X(COUNT, passes, passes, PTCOPY_HAVE_PASSES, "ptcopy_pte_passes_total",	\
	  "copy_pte_range() passes: first passes and retries after a lock-break, swap " \
	  "continuation or page preallocation.")				\
	X(COUNT, first_passes, pass_reasons[PTCOPY_PASS_FIRST], PTCOPY_HAVE_PASSES, "", "") \
	X(HIST, hold, hold, PTCOPY_HAVE_PASSES, "ptcopy_pte_lock_hold_seconds",	\
	  "Per copy_pte_range() pass, how long the parent's and the child's PTE locks " \
	  "were both held.")							\
	X(HIST_SUM, wait, wait, PTCOPY_HAVE_PASSES, "ptcopy_pte_lock_wait_seconds", \
	  "Per copy_pte_range() pass, from the pass's start until both PTE locks were " \
	  "taken (includes the child page-table allocation).")			\
	X(COUNT, ptes, ptes, PTCOPY_HAVE_LOOP, "", "")				\
	X(COUNT, copy_ns, copy_ns_sum, PTCOPY_HAVE_LOOP, "", "")		\
	X(COUNT, prealloc_failed, prealloc_failed, PTCOPY_HAVE_LOOP, "", "")	\
	X(COUNT, calls, calls, PTCOPY_HAVE_CALLS, "", "")			\
	X(HIST, call, call, PTCOPY_HAVE_CALLS, "ptcopy_copy_call_seconds",	\
	  "Per copy_pte_range() (or, where it is inlined, copy_page_range()) call, its " \
	  "duration: an upper bound of the PTE lock hold, not the hold itself.")

/*
 * The counters of struct ptcopy_stats kept by name, in groups:
 * X(key, have, metric, label, help). key is the JSON object holding the
 * group's members (one key per member); the exporter has one counter
 * family <metric>_total with the member name as the value of `label`, or,
 * where label is "", one family <metric>_<member>_total per member (their
 * counts overlap, so they are no label values of one family); metric ""
 * is no family at all. Members are PTCOPY_STATS_GROUP_MEMBERS'.
 */
#define PTCOPY_STATS_GROUP_TABLE(X)						\
	X(retries, PTCOPY_HAVE_PASSES, "ptcopy_retries", "reason",		\
	  "copy_pte_range() passes that retried a range (goto again), by reason.") \
	X(lock_breaks, PTCOPY_HAVE_LOOP, "ptcopy_lock_breaks", "cause",		\
	  "PTE-lock breaks in copy_pte_range(), by cause: need_resched, or the parent's " \
	  "or child's PTE lock contended (spin_needbreak).")			\
	X(loop_ends, PTCOPY_HAVE_LOOP, "", "", "")				\
	X(aborts, PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS, "ptcopy_fork_aborts", "error", \
	  "Page-table copies that failed, failing the fork, by error.")		\
	X(cond_resched, PTCOPY_HAVE_RESCHED, "ptcopy_cond_resched", "",		\
	  "cond_resched() calls after copy_pte_range() passes (calls), and those that " \
	  "rescheduled the task (rescheduled): calls minus rescheduled is the calls that " \
	  "did not.")								\
	X(swap_cont, PTCOPY_HAVE_SWAP_CONT, "ptcopy_swap_cont", "result",	\
	  "Swap-count continuations (add_swap_count_continuation) during page-table " \
	  "copies, by result; a failed one fails the fork with ENOMEM.")

/*
 * Every member of every group, as PTCOPY_STATS_MEMBER(group, name, cond,
 * field): a consumer defines PTCOPY_STATS_MEMBER, then expands this. name
 * is a string, stringified here, where the name tables' identifiers are
 * still unexpanded (an abort's ENOMEM is a macro of errno.h); cond
 * says whether the name table's row is a member at all (a first pass is
 * no retry, a done loop no lock-break), field is its struct ptcopy_stats
 * counter. The names are the name tables' above.
 */
#define PTCOPY_MEMBER_RETRY(id, value, name)				\
	PTCOPY_STATS_MEMBER(retries, #name, PTCOPY_PASS_##id != PTCOPY_PASS_FIRST, \
			    pass_reasons[PTCOPY_PASS_##id])
#define PTCOPY_MEMBER_BREAK(id, value, name, lock_break)		\
	PTCOPY_STATS_MEMBER(lock_breaks, #name, lock_break, stops[PTCOPY_STOP_##id])
#define PTCOPY_MEMBER_END(id, value, name, lock_break)			\
	PTCOPY_STATS_MEMBER(loop_ends, #name, !(lock_break), stops[PTCOPY_STOP_##id])
#define PTCOPY_MEMBER_ABORT(id, value, name)				\
	PTCOPY_STATS_MEMBER(aborts, #name, 1, aborts[PTCOPY_ABORT_##id])
#define PTCOPY_STATS_GROUP_MEMBERS						\
	PTCOPY_PASS_REASON_TABLE(PTCOPY_MEMBER_RETRY)				\
	PTCOPY_STOP_TABLE(PTCOPY_MEMBER_BREAK)					\
	PTCOPY_STOP_TABLE(PTCOPY_MEMBER_END)					\
	PTCOPY_ABORT_TABLE(PTCOPY_MEMBER_ABORT)					\
	PTCOPY_STATS_MEMBER(cond_resched, "calls", 1, resched_calls)		\
	PTCOPY_STATS_MEMBER(cond_resched, "rescheduled", 1, resched_done)		\
	PTCOPY_STATS_MEMBER(swap_cont, "ok", 1, swap_cont_ok)			\
	PTCOPY_STATS_MEMBER(swap_cont, "failed", 1, swap_cont_failed)

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
	__u64 stops[PTCOPY_STOPS];	/* loop ends by cause (PTCOPY_STOP_TABLE) */
	/*
	 * passes by why they started: [PTCOPY_PASS_FIRST] the first passes,
	 * the others retries (goto again); "retries" always means those others
	 */
	__u64 pass_reasons[PTCOPY_PASS_REASONS];
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

	/* PTCOPY_HAVE_VMAS: every copied mapping, by enum ptcopy_vma_kind */
	__u64 vmas[PTCOPY_VMA_KINDS];
	__u64 vma_ns_sum[PTCOPY_VMA_KINDS];	/* their copy_page_range() time */
};

/*
 * The measured fields of a fork event, X(type, name, have, help): the
 * struct members below, the JSON keys of a "fork" line (userspace/ptcopy/
 * json.c, under the PTCOPY_HAVE_* bits given) and the schema's. Ordered so
 * that the struct has no holes.
 */
#define PTCOPY_FORK_FIELD_TABLE(X)						\
	X(__u32, ctxsw_voluntary, PTCOPY_HAVE_WINDOW,				\
	  "voluntary context switches of the forking task inside the window")	\
	X(__u32, ctxsw_involuntary, PTCOPY_HAVE_WINDOW,			\
	  "involuntary context switches of the forking task inside the window")	\
	X(__u64, stalls, PTCOPY_HAVE_WINDOW,					\
	  "waits of other threads for the parent's mmap_lock inside the window") \
	X(__u64, stall_ns_sum, PTCOPY_HAVE_WINDOW, "their time inside the window") \
	X(__u64, stall_ns_max, PTCOPY_HAVE_WINDOW, "the longest of them")	\
	X(__u32, passes, PTCOPY_HAVE_PASSES, "copy_pte_range() passes")	\
	X(__u32, lock_breaks, PTCOPY_HAVE_PASSES,				\
	  "passes whose PTE loop broke off to let others in")			\
	X(__u32, retries, PTCOPY_HAVE_PASSES,					\
	  "passes that retried a range (goto again): every pass but the first ones") \
	X(__u32, prealloc_failed, PTCOPY_HAVE_LOOP,				\
	  "failed page preallocations for pinned pages")			\
	X(__u64, hold_ns_sum, PTCOPY_HAVE_PASSES, "both PTE locks held, summed over passes") \
	X(__u64, hold_ns_max, PTCOPY_HAVE_PASSES, "both PTE locks held, longest pass") \
	X(__u64, ptes, PTCOPY_HAVE_LOOP, "PTE slots walked")			\
	X(__u64, copy_ns, PTCOPY_HAVE_LOOP, "time inside copy_pte_range()")	\
	X(__u64, calls, PTCOPY_HAVE_CALLS, "copy_pte_range() (or copy_page_range()) calls") \
	X(__u64, call_ns_sum, PTCOPY_HAVE_CALLS, "their duration, summed")	\
	X(__u64, call_ns_max, PTCOPY_HAVE_CALLS, "the longest of them")	\
	X(__u32, resched_calls, PTCOPY_HAVE_RESCHED, "cond_resched() calls")	\
	X(__u32, resched_done, PTCOPY_HAVE_RESCHED, "cond_resched() calls that rescheduled") \
	X(__u32, swap_cont_ok, PTCOPY_HAVE_SWAP_CONT, "swap-count continuations added") \
	X(__u32, swap_cont_failed, PTCOPY_HAVE_SWAP_CONT,			\
	  "swap-count continuations that failed (the fork fails with ENOMEM)")

#define PTCOPY_STRUCT_FIELD(type, name, have, help)	type name;

/* Mappings a fork record carries at most (ptcopy --vmas=N, N <= this). */
#define PTCOPY_VMAS_MAX		16
/* A file mapping's name: its dentry's d_name, cut to this (NUL included). */
#define PTCOPY_VMA_NAME_LEN	32

/*
 * The measured fields of one mapping in a fork record, X(type, name, have,
 * help), as PTCOPY_FORK_FIELD_TABLE: the members of struct ptcopy_vma after
 * its identity, and the JSON keys of a "vmas" entry. Ordered so that the
 * struct has no holes.
 */
#define PTCOPY_VMA_FIELD_TABLE(X)						\
	X(__u32, huge_pmds, PTCOPY_HAVE_HUGE_PMD,				\
	  "copy_huge_pmd() calls that copied a huge PMD")			\
	X(__u64, copy_ns, PTCOPY_HAVE_VMAS, "its copy_page_range() time")	\
	X(__u64, hold_ns_sum, PTCOPY_HAVE_PASSES,				\
	  "both PTE locks held, summed over its passes")			\
	X(__u32, passes, PTCOPY_HAVE_PASSES, "copy_pte_range() passes in it")	\
	X(__u32, retries, PTCOPY_HAVE_PASSES, "its passes that retried a range")

/*
 * One copied mapping (the source VMA of one copy_page_range() call): its
 * identity (JSON: start, end, size, kind, name) and PTCOPY_VMA_FIELD_TABLE.
 */
struct ptcopy_vma {
	__u64 start;			/* vm_start */
	__u64 end;			/* vm_end */
	char name[PTCOPY_VMA_NAME_LEN];	/* shmem, file, hugetlb: the file's d_name */
	__u32 kind;			/* enum ptcopy_vma_kind */
	PTCOPY_VMA_FIELD_TABLE(PTCOPY_STRUCT_FIELD)
};

/*
 * One fork, sent when its page-table copy ends: its identity (JSON: ts_ns,
 * window_ns, cgroup_id, rss_bytes, pid, tid, comm, result) and the fields
 * of PTCOPY_FORK_FIELD_TABLE.
 */
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
	PTCOPY_FORK_FIELD_TABLE(PTCOPY_STRUCT_FIELD)
	/*
	 * PTCOPY_HAVE_VMAS: the fork's cfg.vmas costliest mappings (by
	 * copy_ns), in no order, and how many it copied in all.
	 */
	__u32 nr_vmas;
	__u32 vmas_copied;
	struct ptcopy_vma vmas[PTCOPY_VMAS_MAX];
};

/* ptcopy_record.flags */
#define PTCOPY_REC_RANGE	(1U << 0)	/* start/end are the pass's addresses (patched, inline) */

/*
 * x86-64's general registers, as struct pt_regs names them: where the inline
 * tier reads a pass's addr and end at "again:" (a register, or a stack slot
 * at one plus a displacement; userspace/lib/inline_range.c finds them).
 * X(NAME, pt_regs field, name in AT&T syntax)
 */
#define PTCOPY_REG_TABLE(X)		\
	X(AX, ax, "rax")		\
	X(BX, bx, "rbx")		\
	X(CX, cx, "rcx")		\
	X(DX, dx, "rdx")		\
	X(SI, si, "rsi")		\
	X(DI, di, "rdi")		\
	X(BP, bp, "rbp")		\
	X(SP, sp, "rsp")		\
	X(R8, r8, "r8")			\
	X(R9, r9, "r9")			\
	X(R10, r10, "r10")		\
	X(R11, r11, "r11")		\
	X(R12, r12, "r12")		\
	X(R13, r13, "r13")		\
	X(R14, r14, "r14")		\
	X(R15, r15, "r15")

enum ptcopy_reg {
	PTCOPY_REG_NONE,
#define PTCOPY_REG_ENUM(up, field, name) PTCOPY_REG_##up,
	PTCOPY_REG_TABLE(PTCOPY_REG_ENUM)
#undef PTCOPY_REG_ENUM
	PTCOPY_REGS,
};

/* A value's place at a probe: reg itself, or the 8 bytes at reg + disp. */
struct ptcopy_loc {
	__u32 reg;			/* enum ptcopy_reg; NONE: not known */
	__u32 deref;			/* 1: memory at reg + disp */
	__s32 disp;
	__u32 pad;
};

/*
 * One event of ptcopy --record (PTCOPY_RECORD_TABLE), in the order the
 * kernel ran them per task: a fork's mappings and passes come before its
 * window, which is sent when it closes, after its stalls.
 */
struct ptcopy_record {
	__u64 ts_ns;			/* slice start or instant, bpf_ktime_get_ns() */
	__u64 dur_ns;			/* slices; 0 for instants */
	__u64 start;			/* vma: vm_start; pass: addr (PTCOPY_REC_RANGE) */
	__u64 end;			/* vma: vm_end; pass: end (PTCOPY_REC_RANGE) */
	__u32 type;			/* enum ptcopy_record_type */
	__u32 pid;			/* tgid of the forking process */
	__u32 tid;			/* the track: the forker, or the stalled thread */
	/*
	 * vma: enum ptcopy_vma_kind; pass, retry: enum ptcopy_pass_reason;
	 * lock_break: enum ptcopy_stop, PTCOPY_STOPS where the cause is unseen
	 */
	__u32 what;
	__u32 flags;			/* PTCOPY_REC_* */
	__u32 pad;
	/* vma: the file's d_name; window: the forker's comm; stall: the waiter's */
	char name[PTCOPY_VMA_NAME_LEN];
	char comm[PTCOPY_COMM_LEN];	/* window: the process's (its leader's) comm */
};

/*
 * Per-fork accumulation, in ptcopy_fork_slots or ptcopy_in_fork by the
 * forking tid, from dup_mmap()'s request for the parent's mmap_lock to the
 * lock's release. Only the forking task writes its entry (every handler
 * looks up its own tid), so its fields need no atomics.
 */
struct ptcopy_fork {
	struct ptcopy_fork_event ev;	/* what is sent when the window closes */
	__u64 mm;			/* parent's mm, an identity only */
	__u64 call_start_ns;		/* current copy_*_range() call, 0 outside */
	__u64 pass_start_ns;		/* tier 1: current pass, 0 outside */
	__u64 pass_addr;		/* patched, inline: the current pass's range (--record) */
	__u64 pass_end;
	__u32 pass_reason;		/* the current pass's, for its record */
	__u32 pass_range;		/* pass_addr/pass_end are set */
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
	/* PTCOPY_HAVE_VMAS: the mapping being copied (vmas.bpf.h) */
	struct ptcopy_vma vma;
	__u64 vma_start_ns;		/* its copy_page_range() entry, 0 outside */
	__u64 vma_ns_sum[PTCOPY_VMA_KINDS];
	__u32 vmas[PTCOPY_VMA_KINDS];
	__u32 vma_pad;
};

/*
 * ptcopy_forking_mm: an mm with a fork in flight. Only other threads of
 * such a process have their mmap_lock waits tracked; the window's close
 * walks the wait table only when one of them has waited.
 */
struct ptcopy_forking {
	__u32 forkers;			/* its threads with a fork's state */
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
	__u32 vmas;			/* mappings per fork record, <= PTCOPY_VMAS_MAX */
	/*
	 * 0: no ptcopy_records (ptcopy --record off); else the unread bytes
	 * past which a record wakes the reader: half the ring, whose size is
	 * fixed at load, so a record costs one bpf_ringbuf_query(), not two
	 */
	__u32 record;
};

#endif /* __PTCOPY_H */

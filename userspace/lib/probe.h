/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the running kernel offers ptcopy: probed, never inferred from version
 * numbers. probe_kernel() fills it from the live system; tests fill it by
 * hand to check the tier choice.
 */
#ifndef __PTCOPY_PROBE_H
#define __PTCOPY_PROBE_H

#include <stdbool.h>
#include "inline_sites.h"

#define PROBE_NOTE_LEN	128
#define PROBE_SYM_LEN	64

struct kernel_caps {
	bool privileged;		/* root, or CAP_BPF + CAP_PERFMON */
	bool btf;			/* /sys/kernel/btf/vmlinux loads */
	bool tracefs;			/* mounted; informational, no tier needs it */
	bool tp_btf;			/* tp_btf programs load (else raw_tp) */
	bool fentry;			/* an fentry program loads and attaches */
	bool kprobe;			/* the kprobe PMU exists */

	/* attach points */
	bool tp_syscalls;		/* syscalls/sys_{enter,exit}_{clone,clone3,fork} */
	bool tp_mmap_lock;		/* mmap_lock_{start_locking,acquire_returned,released} */
	bool tp_sched_switch;
	bool tp_patched;		/* every copy_pte:* event of kernel-patch/ */
	bool patched_enums;		/* BTF names the patch's enums as ptcopy does */
	bool mmap_lock_memcg;		/* mmap_lock events carry memcg_path (< 6.14) */
	bool frame_fns;			/* the fentry frame's functions (frame.c) */
	bool frame_fail_fn;		/* dup_userfaultfd_fail too (6.12+) */

	/* kernel functions: names as in kallsyms (may carry .isra/.constprop) */
	char sym_copy_pte_range[PROBE_SYM_LEN];
	char sym_copy_page_range[PROBE_SYM_LEN];
	char sym_swap_cont[PROBE_SYM_LEN];	/* add_swap_count_continuation */
	char sym_cond_resched[PROBE_SYM_LEN];	/* __cond_resched */
	char sym_copy_huge_pmd[PROBE_SYM_LEN];	/* ptcopy --vmas: huge PMDs */
	bool btf_copy_pte_range;	/* in vmlinux BTF: an fentry target */
	bool btf_copy_page_range;
	bool btf_swap_cont;

	/* preemption model (preempt_decide()) */
	bool preempt_rt;		/* PREEMPT_RT: spinlock_t is an rt_mutex, PTE locks sleep */
	bool preempt_dynamic;		/* PREEMPT_DYNAMIC: the mode is chosen at boot */
	bool cond_resched_calls;	/* cond_resched() calls __cond_resched now */
	char preempt_mode[32];		/* "none", "voluntary", "full", "lazy", "rt", ... */
	char why_resched[PROBE_NOTE_LEN];	/* why not, when !cond_resched_calls */
	/* the inline tier: copy_pte_range's pass recognised in the live text */
	bool inline_ok;
	char inline_func[PROBE_SYM_LEN];	/* copy_pte_range or copy_page_range */
	unsigned long long inline_addr;
	struct inline_sites inline_sites;
	char why_inline[INLINE_WHY_LEN];

	/* why a capability is missing, for --probe and error messages */
	char why_privileged[PROBE_NOTE_LEN];
	char why_btf[PROBE_NOTE_LEN];
	char why_ksyms[PROBE_NOTE_LEN];	/* /proc/kallsyms could not be read */
	char why_tracefs[PROBE_NOTE_LEN];
	char why_fentry[PROBE_NOTE_LEN];
	char why_kprobe[PROBE_NOTE_LEN];
	char why_frame_fns[PROBE_NOTE_LEN];
	char missing_tp[PROBE_NOTE_LEN];	/* first required tracepoint missing */
	char missing_patched[PROBE_NOTE_LEN];	/* first copy_pte event missing */
	char why_patched_enums[PROBE_NOTE_LEN];	/* kernel_enums_match()'s reason */
};

/* What probe_kernel() saw of the preemption model; see preempt_decide(). */
struct preempt_obs {
	bool cond_resched_fn;		/* __cond_resched is a kernel function */
	bool dynamic;			/* a static call or key selects what cond_resched() does */
	bool target_known;		/* where cond_resched() goes was read */
	bool calls_cond_resched;	/* ... and it is __cond_resched */
	bool might_known;		/* where might_resched() goes was read */
	bool might_calls;		/* ... and it is __cond_resched (voluntary) */
	const char *mode_name;		/* the kernel's preempt_dynamic_mode, NULL if unread */
	bool rt;			/* spinlock_t is built on rt_mutex (kernel BTF) */
	char read_error[PROBE_NOTE_LEN];	/* why the target could not be read */
};

/* Fill the preemption fields of caps from what was observed. */
void preempt_decide(struct kernel_caps *caps, const struct preempt_obs *o);

/* The copy_pte events of kernel-patch/, NULL-terminated. */
extern const char *const patched_events[];

/*
 * Probe the running kernel; changes nothing on the host (tracefs is not
 * mounted if it is not). Never fails: what cannot be probed is "no".
 */
void probe_kernel(struct kernel_caps *caps);

/* The tracefs mount point probe_kernel() found, or NULL. */
const char *tracefs_path(void);

#endif /* __PTCOPY_PROBE_H */

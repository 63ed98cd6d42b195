// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fentry frame's handlers (bpf/frame_fentry.bpf.h, with the window it
 * is part of) behind raw_tp entry points, for BPF_PROG_TEST_RUN: fentry
 * programs cannot be test-run, and do not load on every test host. Each
 * entry runs the same handler as the fentry/fexit program named beside it.
 */
#include "window.bpf.c"

/* fentry/uprobe_start_dup_mmap: the calling task's fork of its own mm */
SEC("raw_tp")
int ptcopy_t_ff_start(__u64 *ctx)
{
	return frame_fork_start();
}

/* fentry/uprobe_dup_mmap; args[0]: oldmm */
SEC("raw_tp")
int ptcopy_t_ff_open(__u64 *ctx)
{
	return frame_window_open(ctx[0]);
}

/* fentry/dup_userfaultfd_complete and _fail */
SEC("raw_tp")
int ptcopy_t_ff_unlocked(__u64 *ctx)
{
	return frame_fork_end(true);
}

/* fentry/uprobe_end_dup_mmap */
SEC("raw_tp")
int ptcopy_t_ff_end(__u64 *ctx)
{
	return frame_fork_end(false);
}

/* fentry/rwsem_down_{read,write}_slowpath; args[0]: an mm, waited for by its mmap_lock */
SEC("raw_tp")
int ptcopy_t_ff_wait(__u64 *ctx)
{
	return frame_wait_begin(ctx[0] + bpf_core_field_offset(struct mm_struct, mmap_lock));
}

/* fexit/rwsem_down_{read,write}_slowpath */
SEC("raw_tp")
int ptcopy_t_ff_wait_x(__u64 *ctx)
{
	return frame_wait_end();
}

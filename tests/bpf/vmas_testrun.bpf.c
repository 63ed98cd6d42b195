// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-mapping handlers (bpf/vmas.bpf.h, in the window object) and the
 * pass accounting (bpf/pass.bpf.h) with raw_tp entry points, for
 * BPF_PROG_TEST_RUN: fentry and kprobe programs cannot be test-run, and a
 * test cannot hand them a kernel VMA. The twins take the facts the probe
 * reads from the VMA and its mm as arguments; everything after the read
 * (kind, top-N, per-kind sums, passes and holds in the mapping) is the
 * same code.
 */
#include "../../bpf/window.bpf.c"
#include "pass.bpf.h"

/* args: start, end, vm_flags, has_file, shmem_sb, start_brk, brk, start_stack */
SEC("raw_tp")
int ptcopy_t_vma_enter(__u64 *ctx)
{
	struct ptcopy_fork *f = current_fork();
	struct vma_facts v = {
		.start = ctx[0],
		.end = ctx[1],
		.flags = ctx[2],
		.has_file = ctx[3],
		.shmem_sb = ctx[4],
		.start_brk = ctx[5],
		.brk = ctx[6],
		.start_stack = ctx[7],
	};

	if (f)
		vma_begin(f, &v);
	return 0;
}

SEC("raw_tp")
int ptcopy_t_vma_exit(__u64 *ctx)
{
	return vma_end();
}

/* args[0]: copy_huge_pmd()'s return */
SEC("raw_tp")
int ptcopy_t_vma_huge(__u64 *ctx)
{
	return vma_huge_pmd((int)ctx[0]);
}

/* args[0]: the pass's reason: PTCOPY_PASS_FIRST, else a lock-break retry */
SEC("raw_tp")
int ptcopy_t_pass(__u64 *ctx)
{
	struct ptcopy_fork *f = current_fork();

	/* as the tiers give it: one of ptcopy's reasons, a constant */
	if (!f)
		return 0;
	if (ctx[0] == PTCOPY_PASS_FIRST)
		pass_start(f, PTCOPY_PASS_FIRST);
	else
		pass_start(f, PTCOPY_PASS_LOCK_BREAK);
	return 0;
}

SEC("raw_tp")
int ptcopy_t_locked(__u64 *ctx)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_locked(f);
	return 0;
}

SEC("raw_tp")
int ptcopy_t_unlocked(__u64 *ctx)
{
	struct ptcopy_fork *f = current_fork();

	if (f)
		pass_unlocked(f);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 2's programs (bpf/calls.bpf.c, included whole) with raw_tp entry
 * points, for BPF_PROG_TEST_RUN: fentry/fexit and kprobe programs cannot be
 * test-run, and fentry does not even load on every test host. The handlers
 * are the same code the fentry, fexit, kprobe and kretprobe programs run;
 * the test loads only these entry points and the fork-end programs.
 */
#include "calls.bpf.c"

/* args[0]: the function's return value where there is one */
SEC("raw_tp")
int ptcopy_t_call_entry(__u64 *ctx)
{
	return on_call_entry();
}

SEC("raw_tp")
int ptcopy_t_call_exit(__u64 *ctx)
{
	return on_call_exit((long)ctx[0]);
}

/* args[1]: whether the continuation may sleep (the copy's own, GFP_KERNEL) */
SEC("raw_tp")
int ptcopy_t_swap_cont(__u64 *ctx)
{
	return on_swap_cont((long)ctx[0], ctx[1]);
}

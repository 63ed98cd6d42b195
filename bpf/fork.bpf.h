/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers every ptcopy object uses on the per-fork state. */
#ifndef __PTCOPY_FORK_BPF_H
#define __PTCOPY_FORK_BPF_H

#include "maps.bpf.h"

#define PTCOPY_ENOMEM		12
#define PTCOPY_EBUSY		16
#define PTCOPY_EHWPOISON	133

/* The fork in flight of the current task, if it is traced. */
static __always_inline struct ptcopy_fork *current_fork(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&ptcopy_in_fork, &tid);
}

static __always_inline void counter_inc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&ptcopy_counters, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
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

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Histogram bucketing, shared by the BPF programs and user space (which
 * unit-tests it and names the buckets). Needs __u32/__u64 defined.
 */
#ifndef __PTCOPY_LOG2_H
#define __PTCOPY_LOG2_H

/* floor(log2(v)) for v > 0, and 0 for 0: five branch-free steps, no loop. */
static inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	return r | (__u32)(v >> 1);
}

#endif /* __PTCOPY_LOG2_H */

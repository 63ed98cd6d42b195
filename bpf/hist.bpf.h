/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PTCOPY_HIST_BPF_H
#define __PTCOPY_HIST_BPF_H

#include "maps.bpf.h"
#include "log2.h"

/*
 * The slot of a duration in ns, in the unit chosen before load. The clamp
 * is written in BPF assembly on the 64-bit register that indexes the
 * array: clang may otherwise clamp a 32-bit subregister, whose bound 6.1's
 * verifier does not carry over to the index ("math between map_value
 * pointer and register with unbounded min value is not allowed").
 */
static __always_inline __u64 hist_slot(__u64 ns)
{
	__u64 slot = log2_u64(ns / cfg.hist_unit_ns);

	asm volatile("if %[slot] <= %[max] goto +1\n\t"
		     "%[slot] = %[max]"
		     : [slot] "+r"(slot)
		     : [max] "i"(PTCOPY_HIST_SLOTS - 1));
	return slot;
}

static __always_inline void hist_add(struct ptcopy_hist *h, __u64 ns)
{
	h->slots[hist_slot(ns)]++;
}

#endif /* __PTCOPY_HIST_BPF_H */

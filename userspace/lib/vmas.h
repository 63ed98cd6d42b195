/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ptcopy --vmas: which of the per-mapping programs of the window object
 * (bpf/vmas.bpf.h) this kernel can run, on any tier.
 */
#ifndef __PTCOPY_VMAS_H
#define __PTCOPY_VMAS_H

#include <stddef.h>
#include <linux/types.h>
#include "probe.h"
#include "tier.h"

struct window_bpf;

/*
 * PTCOPY_HAVE_VMAS (and PTCOPY_HAVE_HUGE_PMD where copy_huge_pmd() can be
 * probed) if copy_page_range() can be probed under its own name; else 0,
 * with why in why.
 */
__u32 vmas_have(const struct kernel_caps *caps, char *why, size_t len);

/*
 * How copy_page_range() is probed with tier t: "fentry" where it works,
 * "kprobe" otherwise or on tier kprobe; NULL if neither can.
 */
const char *vmas_how(const struct kernel_caps *caps, enum tier t);

/* A mapping kind's name (PTCOPY_VMA_KIND_TABLE), "?" if k is none. */
const char *vma_kind_name(__u32 k);

/* Enable the programs vmas_how() names, before the window's load. */
void vmas_pick(struct window_bpf *w, const struct kernel_caps *caps, enum tier t);

#endif /* __PTCOPY_VMAS_H */

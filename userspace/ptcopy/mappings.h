/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptcopy --vmas: a fork record's mappings, costliest first. */
#ifndef __PTCOPY_MAPPINGS_H
#define __PTCOPY_MAPPINGS_H

#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "vmas.h"	/* vma_kind_name() */

/*
 * The record's mappings (at most PTCOPY_VMAS_MAX) into out, by copy time
 * (longest first, then by address); returns how many.
 */
size_t vmas_sorted(const struct ptcopy_fork_event *ev, const struct ptcopy_vma **out);

/* A mapping's name, NUL-terminated or PTCOPY_VMA_NAME_LEN long: its length. */
size_t vma_name_len(const struct ptcopy_vma *v);

/* What its huge PMDs map: each maps a page table's worth of pages. */
__u64 vma_huge_bytes(const struct ptcopy_vma *v, unsigned long page_size);

#endif /* __PTCOPY_MAPPINGS_H */

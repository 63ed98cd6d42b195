// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "mappings.h"

static int costlier_first(const void *a, const void *b)
{
	const struct ptcopy_vma *x = *(const struct ptcopy_vma *const *)a;
	const struct ptcopy_vma *y = *(const struct ptcopy_vma *const *)b;

	if (x->copy_ns != y->copy_ns)
		return x->copy_ns > y->copy_ns ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

size_t vmas_sorted(const struct ptcopy_fork_event *ev, const struct ptcopy_vma **out)
{
	size_t i, n = ev->nr_vmas < PTCOPY_VMAS_MAX ? ev->nr_vmas : PTCOPY_VMAS_MAX;

	for (i = 0; i < n; i++)
		out[i] = &ev->vmas[i];
	qsort(out, n, sizeof(*out), costlier_first);
	return n;
}

size_t vma_name_len(const struct ptcopy_vma *v)
{
	return strnlen(v->name, PTCOPY_VMA_NAME_LEN);
}

/* x86-64 (the only architecture ptcopy builds for): 512 entries per table */
#define PTRS_PER_PMD	512

__u64 vma_huge_bytes(const struct ptcopy_vma *v, unsigned long page_size)
{
	return (__u64)v->huge_pmds * page_size * PTRS_PER_PMD;
}

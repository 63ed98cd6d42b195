// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The memory forkload forks with: one big private anonymous mapping, the
 * fault threads' regions below it, THP off on all of them so that fork()
 * copies them PTE by PTE in copy_pte_range() (a PMD-mapped huge page would
 * go through copy_huge_pmd() instead).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "forkload.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21	/* Linux 5.4 */
#endif

/* Documentation/admin-guide/mm/pagemap.rst: the PTE holds a swap entry. */
#define PM_SWAP			(1ULL << 62)
#define PAGEMAP_BATCH		512

static uintptr_t align_up(uintptr_t x, size_t align)
{
	return (x + align - 1) & ~(uintptr_t)(align - 1);
}

static int map_fixed(char *addr, size_t len, const char *what)
{
	void *p;

	p = mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED) {
		fl_error(errno, "mmap %s of %zu bytes", what, len);
		return -1;
	}
	return 0;
}

static int no_huge_pages(char *addr, size_t len)
{
	/* EINVAL: a kernel without THP, where there is nothing to turn off. */
	if (madvise(addr, len, MADV_NOHUGEPAGE) && errno != EINVAL) {
		fl_error(errno, "madvise(MADV_NOHUGEPAGE)");
		return -1;
	}
	return 0;
}

int region_map(struct fl_region *r, unsigned long long size_mib,
	       unsigned int nr_fault)
{
	/* A fault region and the gap of the same size above it. */
	size_t slot, reserve;
	uintptr_t base, start;
	unsigned int i;
	void *p;

	memset(r, 0, sizeof(*r));
	r->page_size = sysconf(_SC_PAGESIZE);
	/* One PTE table is a page of 8-byte entries: 2 MiB with 4 KiB pages. */
	r->pmd_size = r->page_size / sizeof(uint64_t) * r->page_size;
	r->len = size_mib * MIB;
	r->pmd_ranges = (r->len + r->pmd_size - 1) / r->pmd_size;
	r->nr_fault = nr_fault;
	/* One PMD range: adds one copy_pte_range() call per fork, no more. */
	r->fault_len = r->pmd_size;
	slot = 2 * r->fault_len;
	/* A guard page below and above, and the slack for aligning. */
	reserve = r->page_size + nr_fault * slot + r->pmd_size + r->len +
		  r->page_size;

	r->fault = calloc(nr_fault ? nr_fault : 1, sizeof(*r->fault));
	if (!r->fault) {
		fl_error(errno, "allocating the fault region table");
		return -1;
	}
	/*
	 * Reserve the whole layout as PROT_NONE, then map into it. Left to
	 * itself, mmap() could put a small fault region into a hole above the
	 * big mapping, where dup_mmap() would reach it last instead of first.
	 * What stays PROT_NONE keeps every region a VMA of its own: since
	 * Linux 6.7 a thread stack (MAP_STACK) is VM_NOHUGEPAGE too, and one
	 * mapped right next to a region would merge with it.
	 */
	p = mmap(NULL, reserve, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fl_error(errno, "mmap %zu bytes of address space", reserve);
		goto err_free;
	}
	base = (uintptr_t)p;
	start = align_up(base + r->page_size + nr_fault * slot, r->pmd_size);
	r->start = (char *)start;

	if (map_fixed(r->start, r->len, "the mapping") ||
	    no_huge_pages(r->start, r->len))
		goto err_unmap;
	for (i = 0; i < nr_fault; i++) {
		r->fault[i] = r->start - (i + 1) * slot;
		if (map_fixed(r->fault[i], r->fault_len, "a fault region") ||
		    no_huge_pages(r->fault[i], r->fault_len))
			goto err_unmap;
	}
	return 0;

err_unmap:
	munmap(p, reserve);
err_free:
	free(r->fault);
	r->fault = NULL;
	return -1;
}

void region_touch(const struct fl_region *r)
{
	char *p;

	/* A write, so that every page is a private anonymous page of its own. */
	for (p = r->start; p < r->start + r->len; p += r->page_size)
		*(volatile char *)p = 1;
}

/*
 * How many of the first @pages pages of the mapping have a swap entry in
 * their PTE (what fork() then duplicates), or -1 if pagemap is unavailable
 * (CONFIG_PROC_PAGE_MONITOR=n in a tiny VM kernel).
 */
static long count_swapped(const struct fl_region *r, size_t pages)
{
	uint64_t entries[PAGEMAP_BATCH];
	size_t done = 0, n, k;
	long swapped = 0;
	off_t off;
	ssize_t got;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	off = (uintptr_t)r->start / r->page_size * sizeof(uint64_t);
	while (done < pages) {
		n = pages - done < PAGEMAP_BATCH ? pages - done : PAGEMAP_BATCH;
		got = pread(fd, entries, n * sizeof(uint64_t),
			    off + done * sizeof(uint64_t));
		if (got <= 0) {
			swapped = -1;
			break;
		}
		n = got / sizeof(uint64_t);
		for (k = 0; k < n; k++)
			swapped += !!(entries[k] & PM_SWAP);
		done += n;
	}
	close(fd);
	return swapped;
}

int region_pageout(const struct fl_region *r, size_t pages)
{
	long swapped;

	if (!pages)
		pages = r->len / r->page_size;
	if (madvise(r->start, pages * r->page_size, MADV_PAGEOUT)) {
		if (errno == EINVAL)
			fl_error(errno, "madvise(MADV_PAGEOUT), which needs Linux 5.4 or later");
		else
			fl_error(errno, "madvise(MADV_PAGEOUT)");
		return -1;
	}
	/*
	 * MADV_PAGEOUT is advice: without swap space it succeeds and does
	 * nothing. A run meant to fork swap entries must not go on silently.
	 */
	swapped = count_swapped(r, pages);
	if (swapped == 0) {
		fprintf(stderr, "forkload: MADV_PAGEOUT swapped out none of %zu pages (no swap space?)\n",
			pages);
		return -1;
	}
	if (swapped > 0 && (size_t)swapped < pages)
		fprintf(stderr, "forkload: warning: MADV_PAGEOUT swapped out only %ld of %zu pages\n",
			swapped, pages);
	return 0;
}

void region_free(struct fl_region *r)
{
	free(r->fault);
	r->fault = NULL;
}

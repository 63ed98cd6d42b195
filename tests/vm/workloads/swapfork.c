// SPDX-License-Identifier: GPL-2.0
/*
 * swapfork: push one page of a private anonymous mapping out to swap, then
 * fork children that stay alive, so that every fork duplicates the swap
 * entry and its swap count grows by one. At SWAP_MAP_MAX (62 references)
 * the next fork needs a swap count continuation page: swap_duplicate()
 * tries to allocate it with GFP_ATOMIC under the PTE locks, and only if
 * that fails does copy_pte_range() break off (-EIO), drop the locks,
 * allocate it with GFP_KERNEL (add_swap_count_continuation()) and retry.
 * Run under failnext to make those allocations fail.
 *
 * usage: swapfork [--children N]     (default 64: one past SWAP_MAP_MAX + 1)
 *
 * A fork that fails is reported and the next one is tried: the test wants
 * to see that the system stays up and forks succeed again.
 *
 * Output:
 *   info: page=0x... swapped=1
 *   result: fork=I ok=0|1 errno=E
 *   result: children=N verified=M       (children that read the page back)
 * and "swapfork fork=I begin|end" markers in the trace buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define PM_SWAP		(1ULL << 62)	/* /proc/pid/pagemap: page is swapped */
#define MAX_CHILDREN	1000

static int page_swapped(void *p)
{
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("open /proc/self/pagemap");
	if (pread(fd, &entry, sizeof(entry),
		  (uintptr_t)p / PAGE_SIZE * sizeof(entry)) != sizeof(entry))
		die("read /proc/self/pagemap");
	close(fd);
	return !!(entry & PM_SWAP);
}

static void fill(unsigned char *p)
{
	unsigned long i;

	for (i = 0; i < PAGE_SIZE; i++)
		p[i] = (unsigned char)(i * 7 + 3);
}

/* In a child: does the copy of the swapped page read back intact? */
static int check(const unsigned char *p)
{
	unsigned long i;

	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != (unsigned char)(i * 7 + 3))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static pid_t kids[MAX_CHILDREN];
	cpu_set_t cpu0;
	int gate[2], nkids = 0, verified = 0, i, status;
	unsigned long children = 64;
	unsigned char *p;
	char c;

	if (argc == 3 && !strcmp(argv[1], "--children"))
		children = strtoul(argv[2], NULL, 0);
	else if (argc != 1)
		children = 0;
	if (!children || children > MAX_CHILDREN) {
		fprintf(stderr, "usage: swapfork [--children N (1-%d)]\n",
			MAX_CHILDREN);
		return 2;
	}
	marker_open();

	/*
	 * A new page waits in a per-CPU batch before it is on the LRU, and
	 * MADV_PAGEOUT only drains the batch of the CPU it runs on: fault and
	 * page out on the same CPU.
	 */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	fill(p);
	/* Reclaim it now; while only we map it, it goes to swap */
	for (i = 0; i < 5 && !page_swapped(p); i++)
		if (madvise(p, PAGE_SIZE, MADV_PAGEOUT))
			die("madvise(MADV_PAGEOUT)");
	printf("info: page=%#lx swapped=%d\n", (unsigned long)p,
	       page_swapped(p));
	if (!page_swapped(p)) {
		fprintf(stderr, "swapfork: the page was not swapped out (no swap?)\n");
		return 1;
	}
	fflush(stdout);

	/* Children wait here, keeping their swap entry, until all forked */
	if (pipe(gate))
		die("pipe");
	for (i = 0; i < (int)children; i++) {
		pid_t pid;
		int err;

		marker("swapfork fork=%d begin", i);
		pid = fork();
		err = errno;
		if (pid == 0) {
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(2);
			_exit(check(p));
		}
		marker("swapfork fork=%d end", i);
		printf("result: fork=%d ok=%d errno=%d\n", i, pid > 0,
		       pid > 0 ? 0 : err);
		if (pid > 0)
			kids[nkids++] = pid;
	}
	fflush(stdout);
	close(gate[1]);
	for (i = 0; i < nkids; i++) {
		if (waitpid(kids[i], &status, 0) != kids[i])
			die("waitpid");
		verified += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	printf("result: children=%d verified=%d\n", nkids, verified);
	/* Our own copy must have survived all of it too */
	if (check(p)) {
		fprintf(stderr, "swapfork: the parent's page changed\n");
		return 1;
	}
	return 0;
}

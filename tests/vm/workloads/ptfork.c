// SPDX-License-Identifier: GPL-2.0
/*
 * ptfork: fork a process that has a large, touched, 4 KiB-mapped private
 * anonymous mapping, so that fork() runs copy_pte_range() once per PMD
 * range of it. The mapping is aligned to 2 MiB, so the number of PMD
 * ranges, and of first passes, is exactly size / 2 MiB.
 *
 * usage: ptfork [--size MiB] [--forks N] [--hog]
 *   --hog  first start a CPU-bound process, and pin both it and this one
 *          to CPU 0: the tick then finds the forking task overdue and
 *          sets need_resched, which makes copy_pte_range() break its lock
 *          hold.
 *
 * Output, one line each, for the VM test checkers:
 *   info: map_start=0x... map_end=0x... pmd_ranges=N
 *   result: fork=I ok=0|1 errno=E exit=S     (what a user of fork() sees)
 *   info: fork=I wall_ns=N
 * and a marker "ptfork fork=I begin|end" in the trace buffer around each
 * fork, so that the checker can tell which events belong to which fork.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static void usage(void)
{
	fprintf(stderr, "usage: ptfork [--size MiB] [--forks N] [--hog]\n");
	exit(2);
}

/* A line in the kernel's trace buffer, in order with the events */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/*
 * The competitor for CPU 0. Started before the big mapping exists, so that
 * its own fork is cheap and it shares none of that memory.
 */
static pid_t start_hog(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork hog");
	if (pid == 0) {
		volatile unsigned long spin = 0;

		for (;;)
			spin++;
	}
	return pid;
}

/* size bytes at a 2 MiB boundary, 4 KiB-mapped, every page written */
static char *map_aligned(size_t size)
{
	size_t len = size + PMD_SIZE;
	char *raw, *p;
	size_t head, tail, i;

	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)raw + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	head = p - raw;
	tail = len - head - size;
	if (head && munmap(raw, head))
		die("munmap head");
	if (tail && munmap(p + size, tail))
		die("munmap tail");
	no_thp(p, size);
	for (i = 0; i < size; i += PAGE_SIZE)
		p[i] = (char)(i >> 12);
	return p;
}

int main(int argc, char **argv)
{
	unsigned long size_mib = 256, forks = 1;
	pid_t hog = 0;
	int use_hog = 0, failed = 0;
	unsigned long i;
	size_t size;
	char *p;

	for (i = 1; i < (unsigned long)argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < (unsigned long)argc)
			size_mib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--forks") && i + 1 < (unsigned long)argc)
			forks = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--hog"))
			use_hog = 1;
		else
			usage();
	}
	if (!size_mib || size_mib % 2 || !forks)
		usage();
	size = size_mib << 20;

	marker_open();
	if (use_hog) {
		pin_to_cpu0();
		hog = start_hog();
	}
	p = map_aligned(size);
	printf("info: map_start=%#lx map_end=%#lx pmd_ranges=%lu\n",
	       (unsigned long)p, (unsigned long)p + size, size / PMD_SIZE);
	fflush(stdout);

	for (i = 0; i < forks; i++) {
		uint64_t t0, t1;
		int status = 0, err = 0;
		pid_t pid;

		marker("ptfork fork=%lu begin", i);
		t0 = now_ns();
		pid = fork();
		if (pid == 0)
			_exit(0);
		err = errno;
		t1 = now_ns();
		marker("ptfork fork=%lu end", i);
		if (pid > 0 && waitpid(pid, &status, 0) != pid)
			die("waitpid");
		printf("result: fork=%lu ok=%d errno=%d exit=%d\n", i, pid > 0,
		       pid > 0 ? 0 : err, pid > 0 ? WEXITSTATUS(status) : -1);
		printf("info: fork=%lu wall_ns=%llu\n", i,
		       (unsigned long long)(t1 - t0));
		failed |= pid < 0;
	}
	if (hog) {
		kill(hog, SIGKILL);
		waitpid(hog, NULL, 0);
	}
	return failed;
}

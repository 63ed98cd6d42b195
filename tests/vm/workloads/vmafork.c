// SPDX-License-Identifier: GPL-2.0
/*
 * vmafork: fork a process with one mapping of each kind ptcopy --vmas
 * tells apart, all touched so that fork() has page tables to copy:
 *   arena  private anonymous, THP off, the largest (its copy dominates)
 *   thp    private anonymous, 2 MiB-aligned, MADV_HUGEPAGE: huge PMDs
 *   shm    MAP_SHARED|MAP_ANONYMOUS (shmem)
 *   file   MAP_PRIVATE of FILE, every page written (private dirty pages)
 *   heap   grown with sbrk()
 * FILE must be on a filesystem that is not tmpfs (the suite uses ramfs),
 * or its kind is shmem.
 *
 * usage: vmafork [--arena MiB] [--forks N] FILE
 *
 * Output, one line each, for the VM test checker:
 *   info: vma=NAME start=0x... end=0x... thp_kb=K   (its VMA in /proc/self/maps
 *         after setup; thp_kb: AnonHugePages of smaps)
 *   info: maps=N   (VMAs before the forks, [vsyscall] aside: no VMA of the mm)
 *   result: fork=I ok=0|1 errno=E exit=S
 * and markers "vmafork fork=I begin|end" in the trace buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

#define MiB		(1UL << 20)
#define THP_SIZE	(8 * MiB)
#define SHM_SIZE	(4 * MiB)
#define FILE_SIZE	(4 * MiB)
#define HEAP_SIZE	(4 * MiB)

static void usage(void)
{
	fprintf(stderr, "usage: vmafork [--arena MiB] [--forks N] FILE\n");
	exit(2);
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE_SIZE)
		p[i] = 1;
}

/* len bytes of private anonymous memory aligned to 2 MiB */
static char *aligned_anon(size_t len)
{
	char *p = mmap(NULL, len + PMD_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		die("mmap");
	a = ((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1);
	if (a > (uintptr_t)p && munmap(p, a - (uintptr_t)p))
		die("munmap");
	if (munmap((char *)a + len, (uintptr_t)p + len + PMD_SIZE - a - len))
		die("munmap");
	return (char *)a;
}

/* The mm's VMAs: the lines of /proc/self/maps but the [vsyscall] page's. */
static int count_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		die("/proc/self/maps");
	while (fgets(line, sizeof(line), f))
		n += !strstr(line, "[vsyscall]");
	fclose(f);
	return n;
}

/*
 * The VMA holding addr as /proc/self/maps has it (the kernel may have
 * merged a mapping with a neighbour), with smaps' AnonHugePages.
 */
static void report_vma(const char *name, const void *addr)
{
	unsigned long start, end, kb, thp_kb = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = 0;

	if (!f)
		die("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		/* a VMA's header line; its fields' lines follow */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in)
				break;
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
			if (in) {
				printf("info: vma=%s start=0x%lx end=0x%lx", name, start, end);
				found = 1;
			}
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			thp_kb = kb;
	}
	fclose(f);
	if (!found) {
		errno = ENOENT;
		die(name);
	}
	printf(" thp_kb=%lu\n", thp_kb);
}

int main(int argc, char **argv)
{
	unsigned long arena_mb = 128, forks = 2;
	char *arena, *thp, *shm, *file, *heap;
	const char *path = NULL;
	int i, fd, status;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arena") && i + 1 < argc)
			arena_mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--forks") && i + 1 < argc)
			forks = strtoul(argv[++i], NULL, 0);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			usage();
	}
	if (!path || !arena_mb || !forks)
		usage();
	marker_open();

	arena = aligned_anon(arena_mb * MiB);
	no_thp(arena, arena_mb * MiB);
	touch(arena, arena_mb * MiB);

	thp = aligned_anon(THP_SIZE);
	if (madvise(thp, THP_SIZE, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	touch(thp, THP_SIZE);

	shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		die("mmap shared");
	touch(shm, SHM_SIZE);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, FILE_SIZE))
		die(path);
	file = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		die("mmap file");
	close(fd);
	touch(file, FILE_SIZE);

	heap = sbrk(HEAP_SIZE);
	if (heap == (void *)-1)
		die("sbrk");
	touch(heap, HEAP_SIZE);

	report_vma("arena", arena);
	report_vma("thp", thp);
	report_vma("shm", shm);
	report_vma("file", file);
	report_vma("heap", heap);
	/* stdout's buffer exists by now: printing allocates nothing more */
	printf("info: maps=%d\n", count_vmas());
	fflush(stdout);

	for (i = 0; i < (int)forks; i++) {
		marker("vmafork fork=%d begin\n", i);
		pid = fork();
		if (!pid)
			_exit(0);
		marker("vmafork fork=%d end\n", i);
		if (pid < 0) {
			printf("result: fork=%d ok=0 errno=%d exit=-1\n", i, errno);
			continue;
		}
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		printf("result: fork=%d ok=1 errno=0 exit=%d\n", i,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return 0;
}

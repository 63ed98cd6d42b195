// SPDX-License-Identifier: GPL-2.0
/*
 * pinfork: fork a process whose private anonymous memory is partly pinned
 * by io_uring (registered buffers are pinned long-term, FOLL_PIN). A pinned
 * anonymous page cannot be shared copy-on-write with the child: DMA may
 * still write the parent's page. copy_pte_range() therefore needs a new
 * page for each, breaks off (-EAGAIN), allocates it with the locks dropped
 * (the prealloc) and retries: one prealloc retry per pinned page.
 *
 * usage: pinfork [--pages N] [--pinned K] [--forks F]
 *   N pages (default 64) in one 2 MiB-aligned PMD range, the K (default 4)
 *   in its middle registered with io_uring, then F (default 1) forks.
 *
 * Output:
 *   info: map_start=0x... pin_start=0x... pinned=K
 *   result: fork=I ok=0|1 errno=E exit=S
 * where a child exits 0 if its memory reads as the parent's did and its
 * writes do not show in the parent: the private copies are real copies.
 * Markers "pinfork fork=I begin|end" go to the trace buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static unsigned char pattern(unsigned long i)
{
	return (unsigned char)(i * 13 + 5);
}

/* In the child: same contents as the parent, and writes stay private */
static int child(unsigned char *p, size_t len, int pipe_out)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern(i))
			return 1;
	memset(p, 0xee, len);
	if (write(pipe_out, "w", 1) != 1)
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pages = 64, pinned = 4, forks = 1, i;
	struct io_uring_params params;
	unsigned char *raw, *p, *pin;
	struct iovec iov;
	int ring, failed = 0;
	size_t len;

	for (i = 1; i < (unsigned long)argc; i++) {
		if (i + 1 >= (unsigned long)argc)
			goto usage;
		if (!strcmp(argv[i], "--pages"))
			pages = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pinned"))
			pinned = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--forks"))
			forks = strtoul(argv[++i], NULL, 0);
		else
			goto usage;
	}
	if (!pages || pages > PMD_SIZE / PAGE_SIZE || !pinned ||
	    pinned > pages || !forks)
		goto usage;
	len = pages * PAGE_SIZE;
	marker_open();

	/* One PMD range: every pinned page is copied by the same call */
	raw = mmap(NULL, 2 * PMD_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap");
	p = (unsigned char *)(((uintptr_t)raw + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	no_thp(p, len);
	for (i = 0; i < len; i++)
		p[i] = pattern(i);
	pin = p + (pages - pinned) / 2 * PAGE_SIZE;

	memset(&params, 0, sizeof(params));
	ring = syscall(__NR_io_uring_setup, 1, &params);
	if (ring < 0)
		die("io_uring_setup");
	iov.iov_base = pin;
	iov.iov_len = pinned * PAGE_SIZE;
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
		    &iov, 1))
		die("io_uring_register(IORING_REGISTER_BUFFERS)");
	printf("info: map_start=%#lx pin_start=%#lx pinned=%lu\n",
	       (unsigned long)p, (unsigned long)pin, pinned);
	fflush(stdout);

	for (i = 0; i < forks; i++) {
		int status = 0, err, wrote[2];
		pid_t pid;
		char c;

		if (pipe(wrote))
			die("pipe");
		marker("pinfork fork=%lu begin", i);
		pid = fork();
		err = errno;
		if (pid == 0)
			_exit(child(p, len, wrote[1]));
		marker("pinfork fork=%lu end", i);
		close(wrote[1]);
		if (pid > 0) {
			if (waitpid(pid, &status, 0) != pid)
				die("waitpid");
			/* The child wrote all over its copy: ours must be intact */
			if (read(wrote[0], &c, 1) == 1)
				for (unsigned long j = 0; j < len; j++)
					if (p[j] != pattern(j)) {
						status = 3 << 8;
						break;
					}
		}
		close(wrote[0]);
		printf("result: fork=%lu ok=%d errno=%d exit=%d\n", i, pid > 0,
		       pid > 0 ? 0 : err, pid > 0 ? WEXITSTATUS(status) : -1);
		failed |= pid < 0 || WEXITSTATUS(status);
	}
	return failed;
usage:
	fprintf(stderr, "usage: pinfork [--pages N (1-512)] [--pinned K] [--forks F]\n");
	return 2;
}

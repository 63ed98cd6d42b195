/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VM workloads share: dying with a one-line error, and markers
 * in the trace buffer that tie a fork's copy_pte events to it.
 */
#ifndef PTCOPY_WORKLOAD_H
#define PTCOPY_WORKLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define PMD_SIZE	(2UL << 20)
#define PAGE_SIZE	4096UL

static int marker_fd = -1;

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	exit(1);
}

/* Without tracefs there are no markers, and no checker to read them */
static inline void marker_open(void)
{
	marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
}

static inline __attribute__((format(printf, 1, 2))) void marker(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	if (marker_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/*
	 * With tracing off the ring buffer refuses markers (EBADF); they only
	 * matter to checks that read the trace, so that is not an error.
	 */
	if (write(marker_fd, buf, n) != n)
		return;
}

/*
 * Keep THP off [p, p + len): a huge page would be copied whole by
 * copy_huge_pmd(), never by copy_pte_range(). A kernel built without THP
 * (PREEMPT_RT 6.12: TRANSPARENT_HUGEPAGE depends on !PREEMPT_RT) refuses
 * the advice with EINVAL, and there every mapping is in 4 KiB pages
 * anyway; its sysfs directory is what says THP is absent, not the error.
 */
static inline void no_thp(void *p, size_t len)
{
	if (!madvise(p, len, MADV_NOHUGEPAGE))
		return;
	if (errno == EINVAL && access("/sys/kernel/mm/transparent_hugepage", F_OK) &&
	    errno == ENOENT)
		return;
	die("madvise(MADV_NOHUGEPAGE)");
}

#endif /* PTCOPY_WORKLOAD_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The host paths a tracer's hooks sit on, timed with no fork in flight: the
 * whole point is that these loops never fork, so any cost they show while
 * ptcopy runs is paid by every task on the machine, not by the traced fork.
 *
 *   getpid  raw getpid system calls (no libc caching): the syscall entry and
 *           exit paths, slowed by any sys_enter/sys_exit tracepoint
 *   fault   one write per fresh 4 KiB page of a THP-off mapping: the page
 *           fault path, which takes mmap_lock (per-VMA locks since 6.4 avoid
 *           it for anonymous faults)
 *   mmap    mmap + touch + munmap of one page: mmap_lock taken for writing
 *   pipe    a byte back and forth between two threads pinned to one CPU:
 *           two context switches per round trip (sched_switch)
 *
 * usage: hotpath LOOP ITERATIONS; prints "LOOP NS_PER_EVENT" (an event is
 * one call, one fault, one mmap/touch/munmap, one context switch), in CPU
 * time of the process.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PAGE		4096UL
/* Faults are taken in chunks so that every page is fresh and RSS stays small. */
#define FAULT_CHUNK	(16UL << 20)

static unsigned long long now_ns(void)
{
	struct timespec ts;

	/*
	 * CPU time, not wall time: on a busy machine the wall clock also counts
	 * the time this process waited for a CPU, which is the neighbours'
	 * doing. The kernel work of a system call, fault or switch is charged
	 * to the process that does it.
	 */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "hotpath: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long long loop_getpid(unsigned long n)
{
	unsigned long long t0 = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	return now_ns() - t0;
}

static unsigned long long loop_fault(unsigned long n)
{
	unsigned long long total = 0, t0;
	unsigned long done = 0, pages, i;
	char *p;

	while (done < n) {
		pages = n - done < FAULT_CHUNK / PAGE ? n - done : FAULT_CHUNK / PAGE;
		p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		/* 4 KiB faults, whatever the system's THP setting */
		if (madvise(p, pages * PAGE, MADV_NOHUGEPAGE))
			die("madvise");
		t0 = now_ns();
		for (i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		total += now_ns() - t0;
		munmap(p, pages * PAGE);
		done += pages;
	}
	return total;
}

static unsigned long long loop_mmap(unsigned long n)
{
	unsigned long long t0 = now_ns();
	unsigned long i;
	char *p;

	for (i = 0; i < n; i++) {
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap(p, PAGE);
	}
	return now_ns() - t0;
}

struct pong {
	int in, out;
	unsigned long n;
};

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void *ponger(void *arg)
{
	struct pong *p = arg;
	unsigned long i;
	char c;

	pin_cpu0();
	for (i = 0; i < p->n; i++) {
		if (read(p->in, &c, 1) != 1 || write(p->out, &c, 1) != 1)
			die("pong");
	}
	return NULL;
}

/* n round trips; two context switches each, both threads on CPU 0 */
static unsigned long long loop_pipe(unsigned long n)
{
	int ping[2], back[2];
	unsigned long long t0, t;
	struct pong p;
	pthread_t th;
	unsigned long i;
	char c = 'x';

	if (pipe(ping) || pipe(back))
		die("pipe");
	p.in = ping[0];
	p.out = back[1];
	p.n = n;
	pin_cpu0();
	if (pthread_create(&th, NULL, ponger, &p))
		die("pthread_create");
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(ping[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			die("ping");
	}
	t = now_ns() - t0;
	pthread_join(th, NULL);
	close(ping[0]);
	close(ping[1]);
	close(back[0]);
	close(back[1]);
	return t;
}

int main(int argc, char **argv)
{
	unsigned long long ns;
	unsigned long n, events;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: hotpath getpid|fault|mmap|pipe ITERATIONS\n");
		return 2;
	}
	n = strtoul(argv[2], &end, 10);
	if (*end || !n) {
		fprintf(stderr, "hotpath: bad iteration count: %s\n", argv[2]);
		return 2;
	}
	events = n;
	if (!strcmp(argv[1], "getpid")) {
		ns = loop_getpid(n);
	} else if (!strcmp(argv[1], "fault")) {
		ns = loop_fault(n);
	} else if (!strcmp(argv[1], "mmap")) {
		ns = loop_mmap(n);
	} else if (!strcmp(argv[1], "pipe")) {
		ns = loop_pipe(n);
		events = 2 * n;
	} else {
		fprintf(stderr, "hotpath: no such loop: %s\n", argv[1]);
		return 2;
	}
	printf("%s %.1f\n", argv[1], (double)ns / events);
	return 0;
}

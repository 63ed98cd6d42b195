/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * forkload: maps private anonymous memory, touches it and forks, so that the
 * kernel's page-table copy (copy_pte_range) has work to do; optionally with
 * threads that fault during the forks, a CPU hog, or swapped-out pages.
 *
 * What the files of forkload share. Each file has one job:
 *   forkload.c  the fork loop, held children, signals, clean-up
 *   options.c   the command line (argp)
 *   region.c    the memory layout: big mapping, fault regions, page-out
 *   faulters.c  background threads: page faulters and the CPU hog
 *   report.c    NDJSON on stdout
 * forkload has no dependencies beyond libc so that it links statically into
 * a VM initramfs.
 */
#ifndef __FORKLOAD_H
#define __FORKLOAD_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses, as for every ptcopy tool. */
#define FL_EXIT_OK		0
#define FL_EXIT_FAILURE		1	/* a runtime failure */
#define FL_EXIT_USAGE		2	/* a bad command line */

#define MIB			(1024ULL * 1024)

struct fl_options {
	unsigned long long size_mib;
	unsigned long forks;
	bool hold;
	unsigned int fault_threads;
	unsigned long interval_ms;
	int cpu;			/* -1: not pinned */
	bool hog;
	bool pageout;
	size_t pageout_pages;		/* 0: the whole mapping */
	bool quiet;
};

/* Parse argv; on a usage error prints one line and returns -1. */
int parse_options(int argc, char **argv, struct fl_options *opts);

/*
 * The memory forkload forks with. The big mapping starts on a PMD boundary
 * so that it covers exactly pmd_ranges calls of copy_pte_range() per fork.
 * Fault region i (one PMD range each) lies below it, fault[i] lower than
 * fault[i - 1]. PROT_NONE gaps separate them all from each other and from
 * anything else, so that none of these VMAs can merge with another.
 */
struct fl_region {
	size_t page_size;
	size_t pmd_size;		/* what one PTE page table maps */
	char *start;
	size_t len;
	size_t pmd_ranges;
	unsigned int nr_fault;
	char **fault;			/* nr_fault regions of fault_len bytes */
	size_t fault_len;
};

/* On failure these print one line naming what failed and return -1. */
int region_map(struct fl_region *r, unsigned long long size_mib,
	       unsigned int nr_fault);
void region_touch(const struct fl_region *r);
int region_pageout(const struct fl_region *r, size_t pages);
void region_free(struct fl_region *r);

struct faulter;

/* The background threads: page faulters and an optional CPU hog. */
struct fl_workers {
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int ready;		/* threads that are running; under lock */
	unsigned int nr_faulters;	/* started */
	struct faulter *faulters;
	bool hog_started;
	pthread_t hog;
};

void workers_init(struct fl_workers *w);
/*
 * Start one faulter per fault region, allowed on @cpus, and wait until each
 * has faulted at least once. On failure, workers_stop() stops those already
 * started.
 */
int workers_start_faulters(struct fl_workers *w, const struct fl_region *r,
			   const cpu_set_t *cpus);
/* Start a busy-looping thread pinned to @cpu and wait until it runs. */
int workers_start_hog(struct fl_workers *w, int cpu);
/*
 * Stop and join every thread started. Returns the pages faulted by the faulters, and
 * in *err the errno of a faulter that failed (0 if none did).
 */
uint64_t workers_stop(struct fl_workers *w, int *err);

struct fl_fork {
	unsigned long i;
	pid_t child;			/* -1 if fork failed */
	uint64_t start_ns;		/* CLOCK_MONOTONIC just before fork() */
	uint64_t wall_ns;
	/*
	 * The forking thread's CPU time inside fork() (CLOCK_THREAD_CPUTIME_ID):
	 * unlike wall_ns, not inflated by waiting for a CPU on a busy machine.
	 */
	uint64_t cpu_ns;
	int err;			/* fork's errno, 0 if it succeeded */
};

struct fl_summary {
	unsigned long forks;		/* forks attempted */
	unsigned long ok;
	uint64_t *wall_ns;		/* of the ok forks, ok entries, sorted */
	uint64_t faults;
};

/* Each prints one line and flushes; -1 (errno set) if stdout failed. */
int report_start(const struct fl_options *opts, const struct fl_region *r,
		 uint64_t ts_ns);
int report_fork(const struct fl_options *opts, const struct fl_fork *f);
int report_summary(struct fl_summary *s);

/* "forkload: <what>: <strerror(err)>" on stderr. */
void fl_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t now_ns(void);
/* The calling thread's CPU time, ns. */
uint64_t thread_cpu_ns(void);

#endif /* __FORKLOAD_H */

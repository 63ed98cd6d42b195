// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Background threads that run during the forks.
 *
 * A faulter writes one fresh page of its region after another and recycles
 * the region with MADV_DONTNEED at its end, so that every write is a page
 * fault. Its region lies below the big mapping: dup_mmap() copies VMAs in
 * address order and write-locks each one as it goes, so once the fork has
 * passed the region, a fault there falls back to the mmap_lock, which the
 * forking parent holds for the rest of the copy. That wait is what ptcopy
 * shows.
 *
 * The hog busy-loops on the forking thread's CPU so that the scheduler wants
 * that CPU back during the copy: need_resched() makes copy_pte_range() break
 * off its lock hold.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "forkload.h"

struct faulter {
	pthread_t thread;
	struct fl_workers *w;
	char *region;
	size_t len;
	size_t page_size;
	uint64_t faults;		/* written by the thread as it ends */
	int err;			/* errno of a failed madvise, or 0 */
};

static void mark_running(struct fl_workers *w)
{
	pthread_mutex_lock(&w->lock);
	w->ready++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void wait_running(struct fl_workers *w, unsigned int n)
{
	pthread_mutex_lock(&w->lock);
	while (w->ready < n)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static bool stopping(struct fl_workers *w)
{
	return atomic_load_explicit(&w->stop, memory_order_relaxed);
}

static void *faulter_main(void *arg)
{
	struct faulter *f = arg;
	uint64_t faults = 0;
	size_t off = 0;

	/* Fault once before saying "running": the first fork must see it. */
	do {
		if (off == f->len) {
			if (madvise(f->region, f->len, MADV_DONTNEED)) {
				f->err = errno;
				break;
			}
			off = 0;
		}
		*(volatile char *)(f->region + off) = 1;
		off += f->page_size;
		if (!faults++)
			mark_running(f->w);
	} while (!stopping(f->w));
	/* A counter kept local until now: no cache line shared while running. */
	f->faults = faults;
	return NULL;
}

static void *hog_main(void *arg)
{
	struct fl_workers *w = arg;

	mark_running(w);
	while (!stopping(w))
		;
	return NULL;
}

/*
 * Threads must not take SIGINT/SIGTERM: the handler's work (stop forking,
 * clean up) belongs to the forking thread, whose sleeps and waits the signal
 * must interrupt. New threads inherit the mask current at creation.
 */
static void block_stop_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void workers_init(struct fl_workers *w)
{
	memset(w, 0, sizeof(*w));
	atomic_init(&w->stop, false);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
}

/* Every thread started so far has run (a faulter: has faulted once). */
static void wait_all_running(struct fl_workers *w)
{
	wait_running(w, w->nr_faulters + w->hog_started);
}

int workers_start_faulters(struct fl_workers *w, const struct fl_region *r,
			   const cpu_set_t *cpus)
{
	pthread_attr_t attr;
	unsigned int i;
	sigset_t old;
	int err = 0;

	if (!r->nr_fault)
		return 0;
	w->faulters = calloc(r->nr_fault, sizeof(*w->faulters));
	if (!w->faulters) {
		fl_error(errno, "allocating %u fault threads", r->nr_fault);
		return -1;
	}
	err = pthread_attr_init(&attr);
	if (err) {
		fl_error(err, "initialising thread attributes");
		return -1;
	}
	err = pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
	if (err) {
		pthread_attr_destroy(&attr);
		fl_error(err, "setting the fault threads' CPU affinity");
		return -1;
	}
	block_stop_signals(&old);
	for (i = 0; i < r->nr_fault; i++) {
		struct faulter *f = &w->faulters[i];

		f->w = w;
		f->region = r->fault[i];
		f->len = r->fault_len;
		f->page_size = r->page_size;
		err = pthread_create(&f->thread, &attr, faulter_main, f);
		if (err)
			break;
		w->nr_faulters++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		fl_error(err, "creating fault thread %u of %u", i + 1, r->nr_fault);
		return -1;
	}
	wait_all_running(w);
	return 0;
}

int workers_start_hog(struct fl_workers *w, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	sigset_t old;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_attr_init(&attr);
	if (err) {
		fl_error(err, "initialising thread attributes");
		return -1;
	}
	err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (err) {
		pthread_attr_destroy(&attr);
		fl_error(err, "setting the hog thread's CPU affinity");
		return -1;
	}
	block_stop_signals(&old);
	err = pthread_create(&w->hog, &attr, hog_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		fl_error(err, "creating the hog thread on CPU %d", cpu);
		return -1;
	}
	w->hog_started = true;
	wait_all_running(w);
	return 0;
}

uint64_t workers_stop(struct fl_workers *w, int *err)
{
	uint64_t faults = 0;
	unsigned int i;

	*err = 0;
	atomic_store(&w->stop, true);
	for (i = 0; i < w->nr_faulters; i++) {
		pthread_join(w->faulters[i].thread, NULL);
		faults += w->faulters[i].faults;
		if (w->faulters[i].err && !*err)
			*err = w->faulters[i].err;
	}
	if (w->hog_started)
		pthread_join(w->hog, NULL);
	free(w->faulters);
	w->faulters = NULL;
	w->nr_faulters = 0;
	w->hog_started = false;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return faults;
}

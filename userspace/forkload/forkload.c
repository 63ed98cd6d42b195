// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkload: the workload generator of ptcopy. Maps and touches private
 * anonymous memory with THP off, forks it K times and prints its own
 * measurement of each fork's wall time (see report.c for the output).
 *
 * Whatever way it ends (done, runtime failure, SIGINT/SIGTERM/SIGHUP), it
 * stops its threads and kills and reaps every child it still has, so that
 * nothing is left behind. Should it be killed outright, held children see
 * EOF on their pipe and exit by themselves.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "forkload.h"

struct run {
	const struct fl_options *opts;
	struct fl_region region;
	bool mapped;
	struct fl_workers workers;
	int hold_pipe[2];		/* held children block reading [0] */
	pid_t *held;
	unsigned long nr_held;
	unsigned long cap_held;
	struct fl_summary sum;
	unsigned long cap_wall;
	bool started;			/* the start line is out */
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: the signal must cut a pause or a wait short. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout is a failure to report after cleaning up. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * A --hold child: the copy of a threaded process, so only async-signal-safe
 * calls. It blocks until forkload kills it or, should forkload die without
 * cleaning up, until the pipe's last write end closes.
 */
static void __attribute__((noreturn)) hold_child(const int pipefd[2])
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	char c;

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	close(pipefd[1]);
	if (stop_signal)
		_exit(0);
	while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void fork_once(struct run *run, struct fl_fork *f)
{
	uint64_t t0, t1, c0, c1;
	pid_t pid;
	int err;

	c0 = thread_cpu_ns();
	t0 = now_ns();
	pid = fork();
	err = errno;
	if (pid == 0) {
		if (run->opts->hold)
			hold_child(run->hold_pipe);
		_exit(0);
	}
	t1 = now_ns();
	c1 = thread_cpu_ns();

	f->start_ns = t0;
	f->wall_ns = t1 - t0;
	f->cpu_ns = c1 - c0;
	f->child = pid < 0 ? -1 : pid;
	f->err = pid < 0 ? err : 0;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Room for one more element in *arr before forking, not after. */
static int reserve_one(void **arr, unsigned long nr, unsigned long *cap,
		       size_t elem)
{
	unsigned long n = *cap ? *cap * 2 : 64;
	void *p;

	if (nr < *cap)
		return 0;
	p = reallocarray(*arr, n, elem);
	if (!p) {
		fl_error(errno, "allocating room for %lu forks", n);
		return -1;
	}
	*arr = p;
	*cap = n;
	return 0;
}

/* The pause between forks; a stop signal cuts it short. */
static void pause_ms(unsigned long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_signal)
		;
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fl_error(errno, "pinning the forking thread to CPU %d", cpu);
		return -1;
	}
	return 0;
}

static int setup(struct run *run)
{
	const struct fl_options *opts = run->opts;
	cpu_set_t cpus;

	if (opts->hold && pipe(run->hold_pipe)) {
		fl_error(errno, "creating the pipe for held children");
		return -1;
	}
	/*
	 * The faulters may run anywhere forkload may but on the CPU --cpu
	 * pins the forking thread to (where another is allowed): there they
	 * would run only when the copy lets the CPU go, and a fork could pass
	 * with no sibling waiting on its mmap_lock.
	 */
	if (sched_getaffinity(0, sizeof(cpus), &cpus)) {
		fl_error(errno, "reading the CPU affinity");
		return -1;
	}
	if (opts->cpu >= 0 && CPU_ISSET(opts->cpu, &cpus) && CPU_COUNT(&cpus) > 1)
		CPU_CLR(opts->cpu, &cpus);
	if (opts->cpu >= 0 && pin_to_cpu(opts->cpu))
		return -1;
	if (region_map(&run->region, opts->size_mib, opts->fault_threads))
		return -1;
	run->mapped = true;
	region_touch(&run->region);
	if (opts->pageout && region_pageout(&run->region, opts->pageout_pages))
		return -1;
	if (workers_start_faulters(&run->workers, &run->region, &cpus))
		return -1;
	if (opts->hog && workers_start_hog(&run->workers, opts->cpu))
		return -1;
	return 0;
}

static int fork_loop(struct run *run)
{
	const struct fl_options *opts = run->opts;
	struct fl_summary *sum = &run->sum;
	struct fl_fork f;
	unsigned long i;

	if (report_start(opts, &run->region, now_ns()))
		goto err_stdout;
	run->started = true;

	for (i = 0; i < opts->forks && !stop_signal; i++) {
		if (i && opts->interval_ms) {
			pause_ms(opts->interval_ms);
			if (stop_signal)
				break;
		}
		if (reserve_one((void **)&sum->wall_ns, sum->ok, &run->cap_wall,
				sizeof(*sum->wall_ns)) ||
		    (opts->hold &&
		     reserve_one((void **)&run->held, run->nr_held,
				 &run->cap_held, sizeof(*run->held))))
			return -1;

		f.i = i;
		fork_once(run, &f);
		sum->forks++;
		if (!f.err) {
			sum->wall_ns[sum->ok++] = f.wall_ns;
			if (opts->hold)
				run->held[run->nr_held++] = f.child;
			else
				reap(f.child);
		}
		if (report_fork(opts, &f))
			goto err_stdout;
	}
	return 0;

err_stdout:
	fl_error(errno, "writing to stdout");
	return -1;
}

/* Kill first, then wait: the children die in parallel. */
static void release_children(struct run *run)
{
	unsigned long i;

	for (i = 0; i < run->nr_held; i++)
		kill(run->held[i], SIGKILL);
	for (i = 0; i < run->nr_held; i++)
		reap(run->held[i]);
	run->nr_held = 0;
	if (run->hold_pipe[0] >= 0) {
		close(run->hold_pipe[0]);
		close(run->hold_pipe[1]);
	}
}

static int teardown(struct run *run, int status)
{
	int err;

	run->sum.faults = workers_stop(&run->workers, &err);
	if (err) {
		fl_error(err, "madvise(MADV_DONTNEED) in a fault thread");
		status = FL_EXIT_FAILURE;
	}
	release_children(run);
	/* After the reaping: whoever reads the summary finds no children. */
	if (run->started && report_summary(&run->sum)) {
		/* Said once already if the fork lines failed. */
		if (status == FL_EXIT_OK)
			fl_error(errno, "writing to stdout");
		status = FL_EXIT_FAILURE;
	}
	if (run->mapped)
		region_free(&run->region);
	free(run->sum.wall_ns);
	free(run->held);
	return status;
}

int main(int argc, char **argv)
{
	struct fl_options opts;
	struct run run = { .opts = &opts, .hold_pipe = { -1, -1 } };
	int status = FL_EXIT_OK;

	if (parse_options(argc, argv, &opts))
		return FL_EXIT_USAGE;
	install_signals();
	workers_init(&run.workers);

	if (setup(&run) || (!stop_signal && fork_loop(&run)))
		status = FL_EXIT_FAILURE;
	status = teardown(&run, status);

	if (stop_signal) {
		/* Die of the signal, so that the caller sees how it ended. */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return status;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What each hot handler of the frame costs per event, without the noise of
 * a whole workload: the handler run N times through BPF_PROG_TEST_RUN with
 * the kernel's BPF statistics on, its run_time_ns / run_cnt read back. The
 * kernel times only the program (as on a real event, minus the tracepoint's
 * own dispatch), so a busy machine inflates it far less than a loop's CPU
 * time. raw_tp test runs take no "repeat": the repeat is this loop.
 *
 * Cases, as the events arrive on a host with no fork in flight:
 *   start_read       mmap_lock_start_locking, read lock (every page fault
 *                    that takes mmap_lock)
 *   start_write_own  write lock of the task's own mm (mmap, munmap, brk...):
 *                    the handler must read the saved syscall number
 *   start_write_other write lock of another mm (e.g. a ptrace peek)
 *   acquire, release the other two events, write lock of its own mm
 *   floor            a handler that tests one global and returns (the
 *                    fentry frame's slow-path exit, no wait in flight): what
 *                    the statistics and the test run cost by themselves
 * The task's own mm is the one the fentry frame's start handler records
 * (tests/bpf/frame_calls.bpf.c, which includes the whole window object).
 *
 * usage: handler-cost [RUNS]   (default 200000; needs root)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ptcopy.h"
#include "probe.h"
#include "frame_calls.skel.h"

static int run(struct bpf_program *prog, __u64 *args, int nargs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nargs * sizeof(*args));

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
}

static int stats(struct bpf_program *prog, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

static int measure(const char *name, struct bpf_program *prog, __u64 *args, int nargs,
		   unsigned long runs)
{
	__u64 c0, t0, c1, t1;
	unsigned long i;

	if (stats(prog, &c0, &t0))
		return -1;
	for (i = 0; i < runs; i++) {
		if (run(prog, args, nargs)) {
			fprintf(stderr, "handler-cost: test run of %s: %s\n", name, strerror(errno));
			return -1;
		}
	}
	if (stats(prog, &c1, &t1))
		return -1;
	if (c1 == c0) {
		fprintf(stderr, "handler-cost: %s: no run counted (bpf_stats off?)\n", name);
		return -1;
	}
	printf("%-18s %-24s %8llu runs %7.1f ns/run\n", name, bpf_program__name(prog),
	       (unsigned long long)(c1 - c0), (double)(t1 - t0) / (c1 - c0));
	return 0;
}

static int set_stats(const char *v)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "w");

	if (!f || fputs(v, f) < 0 || fclose(f)) {
		fprintf(stderr, "handler-cost: kernel.bpf_stats_enabled: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long runs = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	struct frame_calls_bpf *skel;
	struct bpf_program *p;
	struct kernel_caps caps;
	__u64 own_mm = 0, args[4];
	__u32 tid = gettid();
	int memcg, ret = 1, i;

	if (argc > 2 || !runs) {
		fprintf(stderr, "usage: handler-cost [RUNS]\n");
		return 2;
	}
	skel = frame_calls_bpf__open();
	if (!skel) {
		fprintf(stderr, "handler-cost: opening the BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* the argument layout of this kernel's mmap_lock events */
	probe_kernel(&caps);
	memcg = caps.mmap_lock_memcg;
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.mmap_lock_memcg = memcg;
	bpf_object__for_each_program(p, skel->obj) {
		const char *n = bpf_program__name(p);

		bpf_program__set_autoload(p, !strncmp(n, "ptcopy_t_ff_", 12) ||
					     (!strncmp(n, "ptcopy_mml_", 11) && strstr(n, "_raw")));
	}
	if (frame_calls_bpf__load(skel)) {
		fprintf(stderr, "handler-cost: loading the BPF object: %s\n", strerror(errno));
		goto out;
	}
	/* our own mm, as the kernel sees it */
	if (run(skel->progs.ptcopy_t_ff_start, args, 1))
		goto out;
	{
		struct ptcopy_fork *f = calloc(1, sizeof(*f));

		__u32 slot = tid % PTCOPY_FORK_SLOTS;

		/* where the window object keeps a fork's state (bpf/maps.bpf.h) */
		if (f && (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_fork_slots), &slot, f) &&
			  f->ev.tid == tid))
			own_mm = f->mm;
		else if (f && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_in_fork), &tid, f))
			own_mm = f->mm;
		free(f);
	}
	if (run(skel->progs.ptcopy_t_ff_end, args, 1) || !own_mm || skel->bss->forks_in_flight) {
		fprintf(stderr, "handler-cost: could not learn this task's mm\n");
		goto out;
	}
	if (set_stats("1\n"))
		goto out;
	printf("handler-cost: %lu runs each, memcg_path layout %d, no fork in flight\n", runs, memcg);
	i = 0;
	args[i++] = own_mm;
	if (memcg)
		args[i++] = 0;
	args[i] = 0;				/* read */
	ret = measure("start_read", skel->progs.ptcopy_mml_start_raw, args, i + 1, runs);
	args[i] = 1;				/* write */
	ret = ret ?: measure("start_write_own", skel->progs.ptcopy_mml_start_raw, args, i + 1, runs);
	args[0] = own_mm + 4096;
	ret = ret ?: measure("start_write_other", skel->progs.ptcopy_mml_start_raw, args, i + 1, runs);
	args[0] = own_mm;
	args[i + 1] = 1;			/* success */
	ret = ret ?: measure("acquire", skel->progs.ptcopy_mml_acq_raw, args, i + 2, runs);
	ret = ret ?: measure("release", skel->progs.ptcopy_mml_rel_raw, args, i + 1, runs);
	ret = ret ?: measure("floor", skel->progs.ptcopy_t_ff_wait_x, args, 1, runs);
	set_stats("0\n");
	ret = ret ? 1 : 0;
out:
	frame_calls_bpf__destroy(skel);
	return ret;
}

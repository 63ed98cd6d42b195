// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-mapping attribution (bpf/vmas.bpf.h, through tests/bpf/vmas_testrun.bpf.c)
 * driven through BPF_PROG_TEST_RUN: each kind decided from exact VMA facts,
 * the N costliest mappings kept in the fork record, every mapping in the
 * per-kind sums, huge PMDs, and passes, retries and holds attributed to the
 * mapping whose copy they ran in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "testrun.h"
#include "tier_obj.h"
#include "vmas_testrun.skel.h"

#define MM	0xffff888012345000ULL
#define HAVE	(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_VMAS | \
		 PTCOPY_HAVE_HUGE_PMD)
#define KEEP	3

#define START_BRK	0x55550000000ULL
#define BRK		0x55550100000ULL
#define START_STACK	0x7ffff0001000ULL
#define VM_HUGETLB	0x00400000ULL
#define VM_SHARED	0x00000008ULL
#define MiB		(1ULL << 20)

/* A mapping as the probe would read it, and how long its copy takes here. */
struct mapping {
	__u64 start, end, flags;
	int has_file, shmem_sb;
	unsigned int copy_ms;
	__u32 kind;
};

static const struct mapping maps[] = {
	/* the heap: overlaps (start_brk, brk) */
	{ START_BRK, START_BRK + 2 * MiB, 0, 0, 0, 15, PTCOPY_VMA_HEAP },
	/* the bss, which ends where the heap starts: not heap */
	{ START_BRK - 8192, START_BRK, 0, 0, 0, 0, PTCOPY_VMA_ANON },
	/* the stack: contains start_stack */
	{ START_STACK - 132 * 1024, START_STACK + 4096, 0, 0, 0, 0, PTCOPY_VMA_STACK },
	/* an anonymous arena, the costliest */
	{ 0x7f0000000000ULL, 0x7f0040000000ULL, 0, 0, 0, 60, PTCOPY_VMA_ANON },
	/* a private file mapping */
	{ 0x7f1000000000ULL, 0x7f1000100000ULL, 0, 1, 0, 0, PTCOPY_VMA_FILE },
	/* a shared memory segment: a file on shmem's superblock */
	{ 0x7f2000000000ULL, 0x7f2004000000ULL, VM_SHARED, 1, 1, 30, PTCOPY_VMA_SHMEM },
	/* hugetlb wins over its (hugetlbfs) file */
	{ 0x7f3000000000ULL, 0x7f3000400000ULL, VM_HUGETLB | VM_SHARED, 1, 0, 0,
	  PTCOPY_VMA_HUGETLB },
};

#define NMAPS	(sizeof(maps) / sizeof(maps[0]))

static int setup(void **state)
{
	struct vmas_testrun_bpf *skel = vmas_testrun_bpf__open();

	assert_non_null(skel);
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.have = HAVE;
	skel->rodata->cfg.fork_events = 1;
	skel->rodata->cfg.vmas = KEEP;
	/* tp_btf programs cannot be test-run; their raw_tp twins are the same code */
	obj_pick_tp_variant(skel->obj, false);
	assert_int_equal(vmas_testrun_bpf__load(skel), 0);
	*state = skel;
	return 0;
}

static int teardown(void **state)
{
	vmas_testrun_bpf__destroy(*state);
	return 0;
}

static void run(struct bpf_program *prog, const __u64 *args, int nargs)
{
	assert_int_equal(testrun(prog, args, nargs, -1), 0);
}

static void run0(struct bpf_program *prog)
{
	__u64 none = 0;

	run(prog, &none, 1);
}

static void vma_enter(struct vmas_testrun_bpf *skel, const struct mapping *m)
{
	__u64 args[8] = { m->start, m->end, m->flags, m->has_file, m->shmem_sb,
			  START_BRK, BRK, START_STACK };

	run(skel->progs.ptcopy_t_vma_enter, args, 8);
}

static void huge(struct vmas_testrun_bpf *skel, int ret)
{
	__u64 arg = (__u64)(long)ret;

	run(skel->progs.ptcopy_t_vma_huge, &arg, 1);
}

/* One pass of reason with its PTE lock hold. */
static void pass(struct vmas_testrun_bpf *skel, __u32 reason)
{
	__u64 arg = reason;

	run(skel->progs.ptcopy_t_pass, &arg, 1);
	run0(skel->progs.ptcopy_t_locked);
	run0(skel->progs.ptcopy_t_unlocked);
}

/* mmap_lock_{acquire_returned,released}(mm, write[, success]): the window */
static void lock_event(struct bpf_program *prog, int nargs)
{
	__u64 args[3] = { MM, 1, 1 };

	run(prog, args, nargs);
}

static const struct ptcopy_vma *find(const struct ptcopy_fork_event *ev, __u64 start)
{
	__u32 i;

	for (i = 0; i < ev->nr_vmas; i++)
		if (ev->vmas[i].start == start)
			return &ev->vmas[i];
	return NULL;
}

static void test_vmas(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct fork_events evs;
	const struct ptcopy_fork_event *ev;
	const struct ptcopy_vma *v;
	struct ptcopy_stats total;
	struct ptcopy_fork f;
	__u64 hold_in_vmas = 0, kinds[PTCOPY_VMA_KINDS] = {};
	size_t i;

	testrun_seed_fork(skel->obj, MM, "forkload", HAVE);
	lock_event(skel->progs.ptcopy_mml_acq_raw, 3);

	/* a pass outside any mapping's copy: the fork's, no mapping's */
	pass(skel, PTCOPY_PASS_FIRST);
	/* a return with no mapping open changes nothing */
	run0(skel->progs.ptcopy_t_vma_exit);
	huge(skel, 0);

	for (i = 0; i < NMAPS; i++) {
		vma_enter(skel, &maps[i]);
		if (maps[i].kind == PTCOPY_VMA_HEAP) {
			pass(skel, PTCOPY_PASS_FIRST);
			pass(skel, PTCOPY_PASS_LOCK_BREAK);
			assert_true(testrun_fork_state(skel->obj, &f));
			hold_in_vmas = f.vma.hold_ns_sum;
		}
		if (maps[i].kind == PTCOPY_VMA_ANON) {
			huge(skel, 0);
			huge(skel, -11);	/* -EAGAIN: split, copied by PTEs */
			huge(skel, 0);
		}
		if (maps[i].copy_ms)
			usleep(maps[i].copy_ms * 1000);
		run0(skel->progs.ptcopy_t_vma_exit);
	}
	assert_true(testrun_fork_state(skel->obj, &f));
	assert_int_equal(f.ev.passes, 3);
	assert_int_equal(f.vma_start_ns, 0);
	lock_event(skel->progs.ptcopy_mml_rel_raw, 2);

	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	ev = &evs.ev[0];
	assert_int_equal(ev->vmas_copied, NMAPS);
	assert_int_equal(ev->nr_vmas, KEEP);
	/* the three with a copy of >= 15 ms, not the µs ones */
	for (i = 0; i < NMAPS; i++) {
		v = find(ev, maps[i].start);
		if (!maps[i].copy_ms) {
			assert_null(v);
			continue;
		}
		assert_non_null(v);
		assert_int_equal(v->end, maps[i].end);
		assert_int_equal(v->kind, maps[i].kind);
		assert_true(v->copy_ns >= maps[i].copy_ms * 1000000ULL);
		assert_int_equal(v->huge_pmds, maps[i].kind == PTCOPY_VMA_ANON ? 2 : 0);
		if (maps[i].kind == PTCOPY_VMA_HEAP) {
			assert_int_equal(v->passes, 2);
			assert_int_equal(v->retries, 1);
			assert_int_equal(v->hold_ns_sum, hold_in_vmas);
			assert_true(v->hold_ns_sum > 0 && v->hold_ns_sum <= ev->hold_ns_sum);
		} else {
			assert_int_equal(v->passes, 0);
			assert_int_equal(v->hold_ns_sum, 0);
		}
	}
	assert_int_equal(ev->passes, 3);
	assert_int_equal(ev->retries, 1);

	/* every mapping, by kind, in the aggregates */
	testrun_total(skel->obj, &total);
	for (i = 0; i < NMAPS; i++) {
		kinds[maps[i].kind]++;
		assert_true(total.vma_ns_sum[maps[i].kind] >= maps[i].copy_ms * 1000000ULL);
	}
	for (i = 0; i < PTCOPY_VMA_KINDS; i++)
		assert_int_equal(total.vmas[i], kinds[i]);
	assert_true(total.vma_ns_sum[PTCOPY_VMA_ANON] > total.vma_ns_sum[PTCOPY_VMA_SHMEM]);
}

/* With room for every mapping, all are kept, in the order copied. */
static void test_vmas_all_kept(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct fork_events evs;
	size_t i;

	testrun_seed_fork(skel->obj, MM, "forkload", HAVE);
	lock_event(skel->progs.ptcopy_mml_acq_raw, 3);
	for (i = 0; i < KEEP; i++) {
		vma_enter(skel, &maps[i]);
		run0(skel->progs.ptcopy_t_vma_exit);
	}
	lock_event(skel->progs.ptcopy_mml_rel_raw, 2);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].nr_vmas, KEEP);
	assert_int_equal(evs.ev[0].vmas_copied, KEEP);
	for (i = 0; i < KEEP; i++) {
		assert_int_equal(evs.ev[0].vmas[i].start, maps[i].start);
		assert_int_equal(evs.ev[0].vmas[i].kind, maps[i].kind);
	}
}

/*
 * A mapping whose return was missed (a kretprobe out of instances): lost,
 * and counted in call_exits_missed, when the next mapping's copy begins
 * and when the fork's state goes with one still open.
 */
static void test_vmas_exit_missed(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct fork_events evs;
	__u64 before = testrun_counter(skel->obj, PTCOPY_CTR_CALL_EXITS_MISSED);

	testrun_seed_fork(skel->obj, MM, "forkload", HAVE);
	lock_event(skel->progs.ptcopy_mml_acq_raw, 3);
	vma_enter(skel, &maps[0]);
	vma_enter(skel, &maps[1]);	/* maps[0]'s return missed */
	assert_int_equal(testrun_counter(skel->obj, PTCOPY_CTR_CALL_EXITS_MISSED), before + 1);
	run0(skel->progs.ptcopy_t_vma_exit);
	vma_enter(skel, &maps[2]);	/* never returns before the window closes */
	lock_event(skel->progs.ptcopy_mml_rel_raw, 2);
	assert_int_equal(testrun_counter(skel->obj, PTCOPY_CTR_CALL_EXITS_MISSED), before + 2);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	/* only maps[1] was seen to the end */
	assert_int_equal(evs.ev[0].vmas_copied, 1);
	assert_int_equal(evs.ev[0].vmas[0].start, maps[1].start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmas_all_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmas_exit_missed, setup, teardown),
	};

	testrun_require_bpf();
	testrun_pin_here();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy --record's records (bpf/record.bpf.h) from the window, mapping
 * and pass handlers (through tests/bpf/vmas_testrun.bpf.c) driven by
 * BPF_PROG_TEST_RUN: one fork with two mappings, passes in the first, a
 * sibling that stalls; the exact records in the kernel's order, nested
 * (pass in mapping in window, the stall in the window), and their
 * durations the fork record's. With cfg.record off, not one record. A
 * ring buffer with no room: the records it refused counted exactly.
 */
#include <sched.h>
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
#define HAVE	(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_VMAS)
#define ANON	0x7f0000000000ULL
#define FILE_AT	0x7f1000000000ULL
#define MAX_REC	128
/* the loader's size with --record off: a page, what the object declares */
#define RING	4096

static struct vmas_testrun_bpf *load(bool record)
{
	struct vmas_testrun_bpf *skel = vmas_testrun_bpf__open();

	assert_non_null(skel);
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.have = HAVE;
	skel->rodata->cfg.fork_events = 1;
	skel->rodata->cfg.vmas = 2;
	skel->rodata->cfg.record = record ? 4096 / 2 : 0;	/* the ring's page */
	obj_pick_tp_variant(skel->obj, false);
	assert_int_equal(vmas_testrun_bpf__load(skel), 0);
	return skel;
}

static int setup(void **state)
{
	*state = load(true);
	return 0;
}

static int setup_off(void **state)
{
	*state = load(false);
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

static void run1(struct bpf_program *prog, __u64 arg)
{
	run(prog, &arg, 1);
}

/* args: start, end, vm_flags, has_file, shmem_sb, start_brk, brk, start_stack */
static void vma(struct vmas_testrun_bpf *skel, __u64 start, __u64 end, int file)
{
	__u64 args[8] = { start, end, 0, file, 0, 0x1000, 0x2000, 0x7ffff0000000ULL };

	run(skel->progs.ptcopy_t_vma_enter, args, 8);
}

static void pass(struct vmas_testrun_bpf *skel, __u32 reason)
{
	run1(skel->progs.ptcopy_t_pass, reason);
	run1(skel->progs.ptcopy_t_locked, 0);
	usleep(200);
	run1(skel->progs.ptcopy_t_unlocked, 0);
}

/* mmap_lock_start_locking / acquire_returned / released (mm, write[, success]) */
static void lock_event(struct bpf_program *prog, int write)
{
	__u64 args[3] = { MM, write, 1 };

	run(prog, args, 3);
}

/* The sibling: a thread of the test waiting for MM's lock (a page fault). */
struct sibling {
	struct vmas_testrun_bpf *skel;
	int acquire;
};

static void sibling_do(void *arg)
{
	struct sibling *s = arg;

	lock_event(s->acquire ? s->skel->progs.ptcopy_mml_acq_raw :
		   s->skel->progs.ptcopy_mml_start_raw, 0);
}

static __u32 worker_tid;

static void get_tid(void *arg)
{
	(void)arg;
	worker_tid = testrun_gettid();
}

/* The fork the tests run: returns the fork record the window sent. */
static struct ptcopy_fork_event one_fork(struct vmas_testrun_bpf *skel)
{
	static struct fork_events evs;
	struct worker *w = worker_start();
	struct sibling sib = { .skel = skel };

	worker_call(w, get_tid, NULL);
	testrun_seed_fork(skel->obj, MM, "forker", HAVE);
	lock_event(skel->progs.ptcopy_mml_acq_raw, 1);
	/* the sibling faults: it waits until the window closes */
	worker_call(w, sibling_do, &sib);
	vma(skel, ANON, ANON + (64ULL << 20), 0);
	pass(skel, PTCOPY_PASS_FIRST);
	pass(skel, PTCOPY_PASS_LOCK_BREAK);
	usleep(100);
	run1(skel->progs.ptcopy_t_vma_exit, 0);
	vma(skel, FILE_AT, FILE_AT + 4096, 1);
	usleep(100);
	run1(skel->progs.ptcopy_t_vma_exit, 0);
	lock_event(skel->progs.ptcopy_mml_rel_raw, 1);
	sib.acquire = 1;
	worker_call(w, sibling_do, &sib);
	worker_stop(w);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	return evs.ev[0];
}

static __u64 end_of(const struct ptcopy_record *r)
{
	return r->ts_ns + r->dur_ns;
}

static void assert_inside(const struct ptcopy_record *in, const struct ptcopy_record *out)
{
	assert_true(in->ts_ns >= out->ts_ns);
	assert_true(end_of(in) <= end_of(out));
}

static void test_fork_records(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct ptcopy_record r[MAX_REC];
	struct ptcopy_fork_event ev = one_fork(skel);
	const struct ptcopy_record *p1, *retry, *p2, *anon, *file, *stall, *win;
	__u32 tid = testrun_gettid(), pid = getpid();
	size_t i, n = testrun_records(skel->obj, r, MAX_REC);

	/* in the order the kernel ran them; the window's close sends last */
	assert_int_equal(n, 7);
	p1 = &r[0];
	retry = &r[1];
	p2 = &r[2];
	anon = &r[3];
	file = &r[4];
	stall = &r[5];
	win = &r[6];
	assert_int_equal(p1->type, PTCOPY_REC_PASS);
	assert_int_equal(retry->type, PTCOPY_REC_RETRY);
	assert_int_equal(p2->type, PTCOPY_REC_PASS);
	assert_int_equal(anon->type, PTCOPY_REC_VMA);
	assert_int_equal(file->type, PTCOPY_REC_VMA);
	assert_int_equal(stall->type, PTCOPY_REC_STALL);
	assert_int_equal(win->type, PTCOPY_REC_WINDOW);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].pid, pid);
		if (&r[i] != stall)
			assert_int_equal(r[i].tid, tid);
	}
	assert_int_equal(testrun_records_lost(skel->obj), 0);

	/* the window is the fork record's, named by the forker and its leader */
	assert_int_equal(win->ts_ns, ev.start_ns);
	assert_int_equal(win->dur_ns, ev.window_ns);
	assert_string_equal(win->name, "forker");
	assert_string_equal(win->comm, "test_record");

	/* mappings: exact identity, in the window, their durations within it */
	assert_int_equal(anon->start, ANON);
	assert_int_equal(anon->end, ANON + (64ULL << 20));
	assert_int_equal(anon->what, PTCOPY_VMA_ANON);
	assert_int_equal(file->start, FILE_AT);
	assert_int_equal(file->what, PTCOPY_VMA_FILE);
	assert_inside(anon, win);
	assert_inside(file, win);
	assert_true(file->ts_ns >= end_of(anon));
	assert_true(anon->dur_ns + file->dur_ns <= win->dur_ns);
	assert_true(anon->dur_ns >= 500000);	/* two 200 µs holds and 100 µs */

	/* passes: inside the anon mapping, the hold's time, the fork's sum */
	assert_int_equal(p1->what, PTCOPY_PASS_FIRST);
	assert_int_equal(p2->what, PTCOPY_PASS_LOCK_BREAK);
	assert_int_equal(p1->flags & PTCOPY_REC_RANGE, 0);	/* no range without the patch */
	assert_inside(p1, anon);
	assert_inside(p2, anon);
	assert_true(p2->ts_ns >= end_of(p1));
	assert_int_equal(p1->dur_ns + p2->dur_ns, ev.hold_ns_sum);
	assert_true(p1->dur_ns >= 200000 && p2->dur_ns >= 200000);
	/* the retry: between the passes, its reason */
	assert_int_equal(retry->what, PTCOPY_PASS_LOCK_BREAK);
	assert_int_equal(retry->dur_ns, 0);
	assert_true(retry->ts_ns >= end_of(p1) && retry->ts_ns <= p2->ts_ns);

	/* the stall: the sibling's track, from its wait to the close, the fork's */
	assert_int_equal(stall->tid, worker_tid);
	assert_string_equal(stall->name, "test_record");
	assert_inside(stall, win);
	assert_int_equal(end_of(stall), end_of(win));
	assert_int_equal(ev.stalls, 1);
	assert_int_equal(stall->dur_ns, ev.stall_ns_sum);
}

/* cfg.record off: the same fork, not one record, nothing counted. */
static void test_off(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct ptcopy_record r[MAX_REC];
	struct ptcopy_fork_event ev = one_fork(skel);

	assert_int_equal(ev.passes, 2);
	assert_int_equal(ev.vmas_copied, 2);
	assert_int_equal(testrun_records(skel->obj, r, MAX_REC), 0);
	assert_int_equal(testrun_records_lost(skel->obj), 0);
}

/*
 * A ring buffer with no room (nobody reads it): the records that fit are
 * there, whole and in order, every other one is counted, and the fork's
 * aggregates are all there.
 */
static void test_drops(void **state)
{
	struct vmas_testrun_bpf *skel = *state;
	static struct ptcopy_record r[MAX_REC];
	/* each record: its 8-byte header and body, 8-byte aligned */
	const size_t fit = RING / ((sizeof(struct ptcopy_record) + 8 + 7) / 8 * 8);
	const size_t passes = fit + 10;
	static struct fork_events evs;
	size_t i, n;

	testrun_seed_fork(skel->obj, MM, "forker", HAVE);
	lock_event(skel->progs.ptcopy_mml_acq_raw, 1);
	for (i = 0; i < passes; i++) {
		run1(skel->progs.ptcopy_t_pass, PTCOPY_PASS_FIRST);
		run1(skel->progs.ptcopy_t_locked, 0);
		run1(skel->progs.ptcopy_t_unlocked, 0);
	}
	lock_event(skel->progs.ptcopy_mml_rel_raw, 1);
	/* the passes and the window: fit went in */
	assert_int_equal(testrun_records_lost(skel->obj), passes + 1 - fit);
	n = testrun_records(skel->obj, r, MAX_REC);
	assert_int_equal(n, fit);
	for (i = 0; i < n; i++)
		assert_int_equal(r[i].type, PTCOPY_REC_PASS);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].passes, passes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off, setup_off, teardown),
		cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
	};

	testrun_require_bpf();
	testrun_pin_here();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fentry frame (bpf/frame_fentry.bpf.h) driven through BPF_PROG_TEST_RUN
 * (tests/bpf/frame_calls.bpf.c): the fork's state from uprobe_start_dup_mmap
 * to its end, the window from uprobe_dup_mmap to dup_userfaultfd_complete,
 * a refused lock, and sibling stalls from the rwsem slow paths, including a
 * waiter that the unlock wakes before the forker reaches the close.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "session.h"
#include "testrun.h"
#include "frame_calls.skel.h"

#define OTHER_MM 0xffff888099999000ULL

static struct frame_calls_bpf *load(void)
{
	struct frame_calls_bpf *skel = frame_calls_bpf__open();
	struct bpf_program *p;

	assert_non_null(skel);
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.have = PTCOPY_HAVE_WINDOW;
	skel->rodata->cfg.fork_events = 1;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), "ptcopy_t_", 9));
	assert_int_equal(frame_calls_bpf__load(skel), 0);
	assert_int_equal(stats_map_add_other(bpf_map__fd(skel->maps.ptcopy_stats)), 0);
	return skel;
}

static int setup(void **state)
{
	*state = load();
	return 0;
}

static int teardown(void **state)
{
	frame_calls_bpf__destroy(*state);
	return 0;
}

static void run(struct bpf_program *prog, __u64 arg)
{
	assert_int_equal(testrun(prog, &arg, 1, -1), 0);
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int count_keys(int fd, size_t key_size)
{
	char key[16], next[16];
	void *prev = NULL;
	int n = 0;

	assert_true(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static int waits_count(struct frame_calls_bpf *skel)
{
	return count_keys(bpf_map__fd(skel->maps.ptcopy_waits), sizeof(__u32));
}

/* The forker's mm: the test process's own, as the start handler read it. */
static __u64 fork_start(struct frame_calls_bpf *skel)
{
	struct ptcopy_fork f;

	run(skel->progs.ptcopy_t_ff_start, 0);
	assert_true(testrun_fork_state(skel->obj, &f));
	assert_int_equal(f.window_open, 0);
	assert_int_not_equal(f.mm, 0);
	return f.mm;
}

static void test_open_close(void **state)
{
	struct frame_calls_bpf *skel = *state;
	struct bpf_object *obj = skel->obj;
	struct ptcopy_forking forking;
	struct fork_events evs;
	struct ptcopy_stats total;
	struct ptcopy_fork f;
	__u64 mm = fork_start(skel);

	assert_int_equal(skel->bss->forks_in_flight, 1);
	assert_true(testrun_forking(obj, mm, &forking));
	assert_int_equal(forking.forkers, 1);
	/* another mm's uprobe_dup_mmap is not this fork's */
	run(skel->progs.ptcopy_t_ff_open, OTHER_MM);
	assert_true(testrun_fork_state(obj, &f));
	assert_int_equal(f.window_open, 0);
	run(skel->progs.ptcopy_t_ff_open, mm);
	assert_true(testrun_fork_state(obj, &f));
	assert_int_equal(f.window_open, 1);
	sleep_us(2000);
	run(skel->progs.ptcopy_t_ff_unlocked, 0);

	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].tid, testrun_gettid());
	assert_int_equal(evs.ev[0].start_ns, f.ev.start_ns);
	assert_true(evs.ev[0].window_ns >= 2000000);
	assert_int_equal(evs.ev[0].stalls, 0);
	testrun_total(obj, &total);
	assert_int_equal(total.forks, 1);
	assert_int_equal(total.window_ns_sum, evs.ev[0].window_ns);
	/* closed: nothing in flight, and uprobe_end_dup_mmap after it does nothing */
	assert_false(testrun_fork_state(obj, &f));
	assert_false(testrun_forking(obj, mm, &forking));
	assert_int_equal(skel->bss->forks_in_flight, 0);
	run(skel->progs.ptcopy_t_ff_end, 0);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 0);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 0);
}

/* mmap_write_lock_killable() refused: uprobe_end_dup_mmap with no window */
static void test_lock_refused(void **state)
{
	struct frame_calls_bpf *skel = *state;
	struct ptcopy_forking forking;
	struct fork_events evs;
	struct ptcopy_fork f;
	__u64 mm = fork_start(skel);

	run(skel->progs.ptcopy_t_ff_end, 0);
	assert_false(testrun_fork_state(skel->obj, &f));
	assert_false(testrun_forking(skel->obj, mm, &forking));
	assert_int_equal(skel->bss->forks_in_flight, 0);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 0);
}

/* A fork whose end was missed is dropped, and counted, at the task's next one. */
static void test_unclosed(void **state)
{
	struct frame_calls_bpf *skel = *state;
	__u64 mm = fork_start(skel);

	run(skel->progs.ptcopy_t_ff_open, mm);
	fork_start(skel);
	assert_int_equal(testrun_counter(skel->obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 1);
	assert_int_equal(skel->bss->forks_in_flight, 1);
	run(skel->progs.ptcopy_t_ff_end, 0);
	assert_int_equal(skel->bss->forks_in_flight, 0);
}

/* ptcopy_fork_owners[k] */
static __u32 owner_of(struct frame_calls_bpf *skel, __u32 k)
{
	__u32 v;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_fork_owners), &k, &v), 0);
	return v;
}

/*
 * A fork's state takes its thread's slot (an array element: the inline
 * tier looks it up at every probe) and gives it back at the close.
 */
static void test_slot(void **state)
{
	struct frame_calls_bpf *skel = *state;
	__u32 tid = testrun_gettid(), slot = tid % PTCOPY_FORK_SLOTS;
	struct ptcopy_fork f;
	__u64 mm = fork_start(skel);

	assert_int_equal(owner_of(skel, slot), tid);
	assert_int_equal(owner_of(skel, PTCOPY_FORK_OVERFLOW), 0);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_fork_slots), &slot, &f), 0);
	assert_int_equal(f.ev.tid, tid);
	assert_int_equal(f.mm, mm);
	run(skel->progs.ptcopy_t_ff_open, mm);
	run(skel->progs.ptcopy_t_ff_unlocked, 0);
	assert_int_equal(owner_of(skel, slot), 0);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_fork_slots), &slot, &f), 0);
	assert_int_equal(f.ev.tid, 0);
	assert_int_equal(skel->bss->forks_in_flight, 0);
}

/*
 * Another thread's fork holds the slot (tids equal modulo the slots): this
 * one goes to the hash, is found there by every handler, and leaves it.
 */
static void test_slot_taken(void **state)
{
	struct frame_calls_bpf *skel = *state;
	__u32 tid = testrun_gettid(), other = tid + PTCOPY_FORK_SLOTS, slot = tid % PTCOPY_FORK_SLOTS;
	struct fork_events evs;
	struct ptcopy_fork f;
	__u64 mm;

	testrun_take_slot(skel->obj, other);
	mm = fork_start(skel);
	assert_int_equal(owner_of(skel, slot), other);
	assert_int_equal(owner_of(skel, PTCOPY_FORK_OVERFLOW), 1);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_in_fork), &tid, &f), 0);
	assert_int_equal(f.mm, mm);
	run(skel->progs.ptcopy_t_ff_open, mm);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_in_fork), &tid, &f), 0);
	assert_int_equal(f.window_open, 1);
	run(skel->progs.ptcopy_t_ff_unlocked, 0);
	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].tid, tid);
	assert_int_equal(owner_of(skel, PTCOPY_FORK_OVERFLOW), 0);
	assert_int_not_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.ptcopy_in_fork), &tid, &f), 0);
	assert_int_equal(owner_of(skel, slot), other);
	assert_int_equal(skel->bss->forks_in_flight, 0);
}

struct wait_step {
	struct frame_calls_bpf *skel;
	__u64 mm;
	int end;
};

static void wait_do(void *arg)
{
	struct wait_step *st = arg;

	if (st->end)
		run(st->skel->progs.ptcopy_t_ff_wait_x, 0);
	else
		run(st->skel->progs.ptcopy_t_ff_wait, st->mm);
}

/* A sibling thread enters (end 0) or leaves (end 1) an rwsem slow path. */
static void wait_step(struct worker *w, struct frame_calls_bpf *skel, __u64 mm, int end)
{
	struct wait_step st = { .skel = skel, .mm = mm, .end = end };

	worker_call(w, wait_do, &st);
}

static void test_sibling_stalls(void **state)
{
	struct frame_calls_bpf *skel = *state;
	struct worker *early = worker_start(), *late = worker_start(), *other = worker_start();
	struct fork_events evs;
	struct ptcopy_stats total;
	__u64 mm;

	/* no fork in flight: no wait is tracked */
	wait_step(early, skel, 0x1000, 0);
	assert_int_equal(waits_count(skel), 0);
	wait_step(early, skel, 0x1000, 1);

	mm = fork_start(skel);
	/* waiting behind the fork before its window opens: counts from the open */
	wait_step(early, skel, mm, 0);
	/* another process's lock, and the forker's own wait, are no stalls */
	wait_step(other, skel, OTHER_MM, 0);
	run(skel->progs.ptcopy_t_ff_wait, mm);
	assert_int_equal(waits_count(skel), 1);
	assert_int_equal(skel->bss->waits_in_flight, 1);

	run(skel->progs.ptcopy_t_ff_open, mm);
	sleep_us(1000);
	wait_step(late, skel, mm, 0);
	sleep_us(1000);
	/*
	 * The forker's mmap_write_unlock() wakes the early waiter, which returns
	 * from the slow path before the forker reaches the close: its wait is
	 * kept, ended, for the close to count.
	 */
	wait_step(early, skel, mm, 1);
	assert_int_equal(waits_count(skel), 2);
	sleep_us(1000);
	run(skel->progs.ptcopy_t_ff_unlocked, 0);

	testrun_events(skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].stalls, 2);
	/* the early one stalled from the open to its end, not to the close */
	assert_true(evs.ev[0].stall_ns_max < evs.ev[0].window_ns);
	assert_true(evs.ev[0].stall_ns_max >= 2000000);
	assert_true(evs.ev[0].stall_ns_sum < 2 * evs.ev[0].window_ns);
	assert_true(evs.ev[0].stall_ns_sum >= evs.ev[0].stall_ns_max + 2000000);
	testrun_total(skel->obj, &total);
	assert_int_equal(total.stalls, 2);
	assert_int_equal(total.stall_ns_sum, evs.ev[0].stall_ns_sum);
	/* the ended wait went with the close; the late one ends by itself */
	assert_int_equal(waits_count(skel), 1);
	assert_int_equal(skel->bss->waits_in_flight, 1);
	wait_step(late, skel, mm, 1);
	assert_int_equal(waits_count(skel), 0);
	assert_int_equal(skel->bss->waits_in_flight, 0);
	assert_int_equal(testrun_counter(skel->obj, PTCOPY_CTR_WAITS_UNTRACKED), 0);
	worker_stop(early);
	worker_stop(late);
	worker_stop(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclosed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sibling_stalls, setup, teardown),
	};

	testrun_require_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

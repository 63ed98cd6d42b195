// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The copy-window programs (window.bpf.c) driven through BPF_PROG_TEST_RUN:
 * window open and close, what does not close it, sibling stalls, label
 * folding, for both layouts of the mmap_lock events' arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "session.h"
#include "testrun.h"
#include "tier_obj.h"
#include "window.skel.h"

#define MM	0xffff888012345000ULL
#define OTHER_MM 0xffff888099999000ULL

struct fixture {
	struct window_bpf *skel;
	int memcg;		/* mmap_lock events carry memcg_path */
};

static struct window_bpf *load(int memcg, unsigned int max_labels)
{
	struct window_bpf *skel = window_bpf__open();

	assert_non_null(skel);
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.mmap_lock_memcg = memcg;
	skel->rodata->cfg.have = PTCOPY_HAVE_WINDOW;
	/* tp_btf programs cannot be test-run; their raw_tp twins are the same code */
	obj_pick_tp_variant(skel->obj, false);
	/*
	 * Nor can tracepoint programs. The fork syscall's exit does not read
	 * its context: loaded as raw_tp, it is the same code and can be run.
	 */
	bpf_program__set_type(skel->progs.ptcopy_clone_x, BPF_PROG_TYPE_RAW_TRACEPOINT);
	bpf_map__set_max_entries(skel->maps.ptcopy_stats, max_labels + 1);
	assert_int_equal(window_bpf__load(skel), 0);
	assert_int_equal(stats_map_add_other(bpf_map__fd(skel->maps.ptcopy_stats)), 0);
	return skel;
}

static int setup(void **state, int memcg)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->memcg = memcg;
	fx->skel = load(memcg, 128);
	*state = fx;
	return 0;
}

static int setup_plain(void **state)
{
	return setup(state, 0);
}

static int setup_memcg(void **state)
{
	return setup(state, 1);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	window_bpf__destroy(fx->skel);
	free(fx);
	return 0;
}

/* mmap_lock_* events with either argument layout */
static void lock_event(struct fixture *fx, struct bpf_program *prog, __u64 mm, int write,
		       int success)
{
	__u64 args[4];
	int n = 0;

	args[n++] = mm;
	if (fx->memcg)
		args[n++] = 0xffffffff81000000ULL;	/* memcg_path: never read */
	args[n++] = write;
	if (success >= 0)
		args[n++] = success;
	assert_int_equal(testrun(prog, args, n, -1), 0);
}

static void acquire(struct fixture *fx, __u64 mm, int write, int success)
{
	lock_event(fx, fx->skel->progs.ptcopy_mml_acq_raw, mm, write, success);
}

static void release(struct fixture *fx, __u64 mm, int write)
{
	lock_event(fx, fx->skel->progs.ptcopy_mml_rel_raw, mm, write, -1);
}

static void start_locking(struct fixture *fx, __u64 mm)
{
	__u64 args[2] = { mm, 0 };

	assert_int_equal(testrun(fx->skel->progs.ptcopy_mml_start_raw, args, 2, -1), 0);
}

static void test_window_open_close(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	struct ptcopy_label l = { .comm = "forkload" };
	struct fork_events evs;
	struct ptcopy_stats total, ls;
	struct ptcopy_fork f;

	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	/* a read lock, a failed trylock and another mm's lock do not open it */
	acquire(fx, MM, 0, 1);
	acquire(fx, MM, 1, 0);
	acquire(fx, OTHER_MM, 1, 1);
	assert_true(testrun_fork_state(obj, &f));
	assert_int_equal(f.window_open, 0);

	acquire(fx, MM, 1, 1);
	assert_true(testrun_fork_state(obj, &f));
	assert_int_equal(f.window_open, 1);
	assert_true(f.ev.start_ns > 0);

	/* the child's nested lock and a read unlock do not close it */
	release(fx, OTHER_MM, 1);
	release(fx, MM, 0);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 0);

	release(fx, MM, 1);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].pid, getpid());
	assert_int_equal(evs.ev[0].tid, testrun_gettid());
	assert_string_equal(evs.ev[0].comm, "forkload");
	assert_int_equal(evs.ev[0].have, PTCOPY_HAVE_WINDOW);
	assert_int_equal(evs.ev[0].stalls, 0);
	assert_int_equal(evs.ev[0].start_ns, f.ev.start_ns);
	assert_true(evs.ev[0].window_ns > 0);

	testrun_total(obj, &total);
	assert_int_equal(total.forks, 1);
	assert_int_equal(total.window_ns_sum, evs.ev[0].window_ns);
	assert_int_equal(total.window_ns_max, evs.ev[0].window_ns);
	assert_int_equal(hist_count(&total.window), 1);
	assert_int_equal(total.stalls, 0);
	assert_true(testrun_label(obj, &l, &ls));
	assert_memory_equal(&ls, &total, sizeof(ls));

	/* a second release (e.g. a later munmap) is not a second fork */
	release(fx, MM, 1);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 0);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_EVENTS_LOST), 0);
}

/* A sibling thread of the forking one: a worker, so its tid stays put. */
struct sibling_step {
	struct fixture *fx;
	__u64 mm;
	int acquire;
};

static void sibling_do(void *arg)
{
	struct sibling_step *st = arg;

	if (st->acquire)
		acquire(st->fx, st->mm, 0, 1);
	else
		start_locking(st->fx, st->mm);
}

static void sibling_step(struct worker *w, struct fixture *fx, __u64 mm, int acquire)
{
	struct sibling_step st = { .fx = fx, .mm = mm, .acquire = acquire };

	worker_call(w, sibling_do, &st);
}

/* One step by a short-lived thread. */
static void sibling(struct fixture *fx, __u64 mm, int acquire)
{
	struct worker *w = worker_start();

	sibling_step(w, fx, mm, acquire);
	worker_stop(w);
}

static int waits_count(struct fixture *fx)
{
	int fd = bpf_map__fd(fx->skel->maps.ptcopy_waits), n = 0;
	__u32 key, *prev = NULL, next;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

static void test_sibling_stalls(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	struct fork_events evs;
	struct ptcopy_stats total;

	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	/* waiting before the window opened: the fork is under way, it counts from the open */
	sibling(fx, MM, 0);
	/* a thread of another process, and the forker itself, are no siblings */
	sibling(fx, OTHER_MM, 0);
	start_locking(fx, MM);
	assert_int_equal(waits_count(fx), 1);

	acquire(fx, MM, 1, 1);
	/* waiting inside the window */
	sibling(fx, MM, 0);
	assert_int_equal(waits_count(fx), 2);
	release(fx, MM, 1);

	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].stalls, 2);
	/* the early waiter stalled for the whole window, the later one for less */
	assert_int_equal(evs.ev[0].stall_ns_max, evs.ev[0].window_ns);
	assert_true(evs.ev[0].stall_ns_sum > evs.ev[0].window_ns);
	assert_true(evs.ev[0].stall_ns_sum < 2 * evs.ev[0].window_ns);
	testrun_total(obj, &total);
	assert_int_equal(total.stalls, 2);
	assert_int_equal(total.stall_ns_sum, evs.ev[0].stall_ns_sum);
	assert_int_equal(total.stall_ns_max, evs.ev[0].stall_ns_max);
	assert_int_equal(hist_count(&total.stall), 2);

	/* after the window nothing is tracked */
	sibling(fx, MM, 0);
	assert_int_equal(waits_count(fx), 2);
}

static void test_acquire_ends_wait(void **state)
{
	struct fixture *fx = *state;
	struct worker *w = worker_start();

	testrun_seed_fork(fx->skel->obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	sibling_step(w, fx, MM, 0);
	assert_int_equal(waits_count(fx), 1);
	sibling_step(w, fx, MM, 1);
	assert_int_equal(waits_count(fx), 0);
	worker_stop(w);
}

/*
 * A sibling gets the lock only after the fork syscall has returned (no fork
 * in flight any more): its wait must still end, or the process's next fork
 * would count it as a stall lasting that whole window.
 */
static void test_wait_ended_after_fork(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	struct worker *w = worker_start();
	struct fork_events evs;

	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	sibling_step(w, fx, MM, 0);
	release(fx, MM, 1);
	testrun_end_fork(obj);
	assert_int_equal(fx->skel->bss->forks_in_flight, 0);
	assert_int_equal(fx->skel->bss->waits_in_flight, 1);
	sibling_step(w, fx, MM, 1);
	assert_int_equal(waits_count(fx), 0);
	assert_int_equal(fx->skel->bss->waits_in_flight, 0);

	/* the next fork, with no sibling waiting in it: no stall */
	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	release(fx, MM, 1);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 2);
	assert_int_equal(evs.ev[0].stalls, 1);
	assert_int_equal(evs.ev[1].stalls, 0);
	worker_stop(w);
}

static void test_no_fork_in_flight(void **state)
{
	struct fixture *fx = *state;
	struct fork_events evs;

	/* no fork seeded: nothing is tracked or sent */
	sibling(fx, MM, 0);
	acquire(fx, MM, 1, 1);
	release(fx, MM, 1);
	assert_int_equal(waits_count(fx), 0);
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 0);
}

struct comm_fork {
	struct fixture *fx;
	const char *comm;
};

static void *fork_as(void *arg)
{
	struct comm_fork *c = arg;

	testrun_seed_fork(c->fx->skel->obj, MM, c->comm,
			  PTCOPY_HAVE_WINDOW);
	acquire(c->fx, MM, 1, 1);
	release(c->fx, MM, 1);
	return NULL;
}

static void fork_with_comm(struct fixture *fx, const char *comm)
{
	struct comm_fork c = { .fx = fx, .comm = comm };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, fork_as, &c), 0);
	pthread_join(t, NULL);
}

static void test_label_folding(void **state)
{
	struct fixture *fx = *state;
	struct ptcopy_label other = { .cgroup_id = PTCOPY_LABEL_OTHER, .comm = "other" };
	struct ptcopy_label a = { .comm = "a" }, c = { .comm = "c" };
	struct ptcopy_stats s, total;
	struct fork_events evs;

	/* reload with room for two label values */
	window_bpf__destroy(fx->skel);
	fx->skel = load(fx->memcg, 2);
	fork_with_comm(fx, "a");
	fork_with_comm(fx, "b");
	fork_with_comm(fx, "c");
	fork_with_comm(fx, "d");
	fork_with_comm(fx, "c");
	fork_with_comm(fx, "a");
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 6);

	assert_true(testrun_label(fx->skel->obj, &a, &s));
	assert_int_equal(s.forks, 2);
	assert_false(testrun_label(fx->skel->obj, &c, &s));
	assert_true(testrun_label(fx->skel->obj, &other, &s));
	assert_int_equal(s.forks, 3);
	assert_int_equal(testrun_counter(fx->skel->obj, PTCOPY_CTR_FORKS_FOLDED), 3);
	/* c and d, each counted once */
	assert_int_equal(testrun_counter(fx->skel->obj, PTCOPY_CTR_LABELS_FOLDED), 2);
	testrun_total(fx->skel->obj, &total);
	assert_int_equal(total.forks, 6);
}

static int count_event(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(int *)ctx)++;
	return 0;
}

static int drain_events(struct bpf_object *obj)
{
	struct ring_buffer *rb;
	int n = 0;

	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "ptcopy_events")),
			      count_event, &n, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

static void run_fork_exit(struct fixture *fx)
{
	__u64 ret = 4242;	/* the child's pid: not read */

	assert_int_equal(testrun(fx->skel->progs.ptcopy_clone_x, &ret, 1, -1), 0);
}

/*
 * The two ways a fork goes missing are counted apart: a full ring buffer
 * drops the fork's event (the fork is still aggregated), a window whose
 * close is never seen drops the fork from everything.
 */
static void test_lost_and_unclosed(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	/* a record: 8-byte header + the event, 8-aligned; the producer may run
	 * at most size - 1 bytes ahead of the consumer (kernel/bpf/ringbuf.c) */
	__u32 rec = (8 + sizeof(struct ptcopy_fork_event) + 7) & ~7u;
	__u32 fit = (bpf_map__max_entries(fx->skel->maps.ptcopy_events) - 1) / rec, i;
	struct ptcopy_stats total;
	struct ptcopy_fork f;

	for (i = 0; i < fit + 3; i++) {
		testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
		acquire(fx, MM, 1, 1);
		release(fx, MM, 1);
		run_fork_exit(fx);
	}
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_EVENTS_LOST), 3);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 0);
	testrun_total(obj, &total);
	assert_int_equal(total.forks, fit + 3);
	assert_int_equal(drain_events(obj), fit);

	/* a fork that ends with its window open: never closed */
	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	run_fork_exit(fx);
	assert_false(testrun_fork_state(obj, &f));
	/* one whose window never opened (a failed fork) is not counted */
	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	run_fork_exit(fx);
	assert_false(testrun_fork_state(obj, &f));
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 1);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_EVENTS_LOST), 3);
	testrun_total(obj, &total);
	assert_int_equal(total.forks, fit + 3);
	assert_int_equal(drain_events(obj), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_open_close, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_window_open_close, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_sibling_stalls, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_sibling_stalls, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_ends_wait, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_ends_wait, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_wait_ended_after_fork, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_no_fork_in_flight, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_label_folding, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_lost_and_unclosed, setup_plain, teardown),
	};

	testrun_require_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The copy-window programs (window.bpf.c) driven through BPF_PROG_TEST_RUN:
 * window open and close, what does not close it, sibling stalls, label
 * folding, for both layouts of the mmap_lock events' arguments.
 */
#include <errno.h>
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

static struct window_bpf *load_events(int memcg, unsigned int max_labels, int events,
				      __u64 events_min_ns)
{
	struct window_bpf *skel = window_bpf__open();

	assert_non_null(skel);
	skel->rodata->cfg.hist_unit_ns = 1000;
	skel->rodata->cfg.page_shift = 12;
	skel->rodata->cfg.mmap_lock_memcg = memcg;
	skel->rodata->cfg.have = PTCOPY_HAVE_WINDOW;
	skel->rodata->cfg.fork_events = events;
	skel->rodata->cfg.fork_events_min_ns = events_min_ns;
	/* tp_btf programs cannot be test-run; their raw_tp twins are the same code */
	obj_pick_tp_variant(skel->obj, false);
	bpf_map__set_max_entries(skel->maps.ptcopy_stats, max_labels + 1);
	assert_int_equal(window_bpf__load(skel), 0);
	assert_int_equal(stats_map_add_other(bpf_map__fd(skel->maps.ptcopy_stats)), 0);
	return skel;
}

static struct window_bpf *load(int memcg, unsigned int max_labels)
{
	return load_events(memcg, max_labels, 1, 0);
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

static void start_locking_mode(struct fixture *fx, __u64 mm, int write)
{
	lock_event(fx, fx->skel->progs.ptcopy_mml_start_raw, mm, write, -1);
}

/* What page faults do: a read lock */
static void start_locking(struct fixture *fx, __u64 mm)
{
	start_locking_mode(fx, mm, 0);
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
	/* a read lock and another mm's lock do not open it */
	acquire(fx, MM, 0, 1);
	acquire(fx, OTHER_MM, 1, 1);
	assert_true(testrun_fork_state(obj, &f));
	assert_int_equal(f.window_open, 0);
	/* the write lock refused (dup_mmap's is killable): the fork fails, its state goes */
	acquire(fx, MM, 1, 0);
	assert_false(testrun_fork_state(obj, &f));
	assert_int_equal(fx->skel->bss->forks_in_flight, 0);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 0);

	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
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

	/* the close ends the fork's state: nothing is left in flight */
	assert_false(testrun_fork_state(obj, &f));
	assert_int_equal(fx->skel->bss->forks_in_flight, 0);
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

/*
 * hist_slot() clamps in BPF assembly: a window past the last slot's low
 * bound lands in the last slot, never past the array. The window's start is
 * moved 10 s into the future, so the close computes a duration near 2^64 ns.
 */
static void test_window_last_slot(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	struct ptcopy_stats before, after;
	struct ptcopy_fork f;
	int i;

	testrun_total(obj, &before);
	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	assert_true(testrun_fork_state(obj, &f));
	f.ev.start_ns += 10000000000ULL;	/* 10 s after the close to come */
	testrun_fork_write(obj, &f);
	release(fx, MM, 1);
	testrun_total(obj, &after);
	for (i = 0; i < PTCOPY_HIST_SLOTS - 1; i++)
		assert_int_equal(after.window.slots[i], before.window.slots[i]);
	assert_int_equal(after.window.slots[PTCOPY_HIST_SLOTS - 1],
			 before.window.slots[PTCOPY_HIST_SLOTS - 1] + 1);
	assert_true(after.window_ns_max >= (1ULL << 63));
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
	start_locking_mode(fx, MM, 1);
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

/*
 * The two ways a fork goes missing are counted apart: a full ring buffer
 * drops the fork's event (the fork is still aggregated), a window whose
 * close is never seen drops the fork from everything. The latter is found
 * when the same task next asks for a write lock (there is no syscall exit
 * hook to find it at).
 */
static void test_lost_and_unclosed(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	/*
	 * a record: 8-byte header + the event, 8-aligned; the producer may run
	 * at most size - 1 bytes ahead of the consumer (kernel/bpf/ringbuf.c)
	 */
	__u32 rec = (8 + sizeof(struct ptcopy_fork_event) + 7) & ~7u;
	__u32 fit = (bpf_map__max_entries(fx->skel->maps.ptcopy_events) - 1) / rec, i;
	struct ptcopy_stats total;
	struct ptcopy_fork f;

	for (i = 0; i < fit + 3; i++) {
		testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
		acquire(fx, MM, 1, 1);
		release(fx, MM, 1);
	}
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_EVENTS_LOST), 3);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 0);
	testrun_total(obj, &total);
	assert_int_equal(total.forks, fit + 3);
	assert_int_equal(drain_events(obj), fit);

	/* a fork whose window opened and was never seen to close */
	testrun_seed_fork(obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	assert_true(testrun_fork_state(obj, &f));
	/* the task's next write lock: that fork is dropped and counted */
	start_locking_mode(fx, MM, 1);
	assert_false(testrun_fork_state(obj, &f));
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 1);
	/* a write lock outside any fork is nothing of ours */
	start_locking_mode(fx, MM, 1);
	assert_false(testrun_fork_state(obj, &f));
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_WINDOWS_UNCLOSED), 1);
	assert_int_equal(testrun_counter(obj, PTCOPY_CTR_EVENTS_LOST), 3);
	testrun_total(obj, &total);
	assert_int_equal(total.forks, fit + 3);
	assert_int_equal(drain_events(obj), 0);
}

/*
 * Issue 8: two threads of one process fork at the same moment. The second
 * forker's insert into ptcopy_forking_mm loses to the first's; it must join
 * that entry (forkers 2), so that the first fork's close does not delete it
 * and the second fork keeps its sibling-stall tracking. Steps, each by its
 * own thread: A and B ask for the write lock (A's insert wins, B's loses),
 * A's window opens and closes, a sibling C waits, B's window opens and
 * closes: C's wait is B's stall.
 */
struct forker_step {
	struct fixture *fx;
	int step;
};

enum { STEP_SEED, STEP_START, STEP_OPEN, STEP_CLOSE };

static void forker_do(void *arg)
{
	struct forker_step *st = arg;

	switch (st->step) {
	case STEP_SEED:
		testrun_seed_fork_unregistered(st->fx->skel->obj, MM, "forkload",
					       PTCOPY_HAVE_WINDOW);
		break;
	case STEP_START:
		start_locking_mode(st->fx, MM, 1);
		break;
	case STEP_OPEN:
		acquire(st->fx, MM, 1, 1);
		break;
	case STEP_CLOSE:
		release(st->fx, MM, 1);
		break;
	}
}

static void forker_step(struct worker *w, struct fixture *fx, int step)
{
	struct forker_step st = { .fx = fx, .step = step };

	worker_call(w, forker_do, &st);
}

static void test_two_forkers_one_mm(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	struct worker *a = worker_start(), *b = worker_start(), *c = worker_start();
	struct ptcopy_forking m;
	struct fork_events evs;

	forker_step(a, fx, STEP_SEED);
	forker_step(b, fx, STEP_SEED);
	forker_step(a, fx, STEP_START);
	assert_true(testrun_forking(obj, MM, &m));
	assert_int_equal(m.forkers, 1);
	/* B's insert fails: the entry exists; B joins it */
	forker_step(b, fx, STEP_START);
	assert_true(testrun_forking(obj, MM, &m));
	assert_int_equal(m.forkers, 2);

	forker_step(a, fx, STEP_OPEN);
	forker_step(a, fx, STEP_CLOSE);
	/* B still forking: the entry stays, for B alone */
	assert_true(testrun_forking(obj, MM, &m));
	assert_int_equal(m.forkers, 1);

	sibling_step(c, fx, MM, 0);
	assert_int_equal(waits_count(fx), 1);
	forker_step(b, fx, STEP_OPEN);
	forker_step(b, fx, STEP_CLOSE);
	assert_false(testrun_forking(obj, MM, &m));

	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 2);
	assert_int_equal(evs.ev[0].stalls, 0);
	assert_int_equal(evs.ev[1].stalls, 1);
	assert_int_equal(fx->skel->bss->forks_in_flight, 0);
	worker_stop(a);
	worker_stop(b);
	worker_stop(c);
}

/*
 * A fork that could not be registered (ptcopy_forking_mm full) must not put
 * an entry at its close: once a slot is free, another thread of the process
 * registers the mm, and the unregistered fork's close would delete that
 * fork's entry, losing its sibling stalls.
 */
static void test_forking_table_full(void **state)
{
	struct fixture *fx = *state;
	struct bpf_object *obj = fx->skel->obj;
	int fd = bpf_map__fd(fx->skel->maps.ptcopy_forking_mm);
	struct ptcopy_forking one = { .forkers = 1 }, m;
	struct worker *a = worker_start(), *b = worker_start(), *c = worker_start();
	struct fork_events evs;
	struct ptcopy_fork f;
	__u64 key;

	for (key = 1; !bpf_map_update_elem(fd, &key, &one, BPF_NOEXIST); key++)
		;
	assert_int_equal(errno, E2BIG);
	forker_step(a, fx, STEP_SEED);
	forker_step(a, fx, STEP_START);
	assert_false(testrun_forking(obj, MM, &m));

	key = 1;
	assert_int_equal(bpf_map_delete_elem(fd, &key), 0);
	forker_step(b, fx, STEP_SEED);
	forker_step(b, fx, STEP_START);
	assert_true(testrun_forking(obj, MM, &m));
	assert_int_equal(m.forkers, 1);

	forker_step(a, fx, STEP_OPEN);
	forker_step(a, fx, STEP_CLOSE);
	/* A's close left B's entry alone */
	assert_true(testrun_forking(obj, MM, &m));
	assert_int_equal(m.forkers, 1);
	sibling_step(c, fx, MM, 0);
	forker_step(b, fx, STEP_OPEN);
	forker_step(b, fx, STEP_CLOSE);
	testrun_events(obj, &evs);
	assert_int_equal(evs.n, 2);
	assert_int_equal(evs.ev[1].stalls, 1);
	assert_false(testrun_fork_state(obj, &f));
	worker_stop(a);
	worker_stop(b);
	worker_stop(c);
}

/*
 * Records go to the ring buffer only when a consumer asked (ptcopy --forks),
 * and only for windows at least the asked length; the aggregates count
 * every fork either way.
 */
static void fork_once(struct fixture *fx)
{
	testrun_seed_fork(fx->skel->obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	release(fx, MM, 1);
}

static void test_fork_events_opt_in(void **state)
{
	struct fixture *fx = *state;
	struct ptcopy_stats total;
	struct fork_events evs;

	/* no consumer: no record */
	window_bpf__destroy(fx->skel);
	fx->skel = load_events(fx->memcg, 128, 0, 0);
	fork_once(fx);
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 0);
	testrun_total(fx->skel->obj, &total);
	assert_int_equal(total.forks, 1);

	/* a threshold no test-run window reaches (an hour), then none */
	window_bpf__destroy(fx->skel);
	fx->skel = load_events(fx->memcg, 128, 1, 3600ULL * 1000000000ULL);
	fork_once(fx);
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 0);
	testrun_total(fx->skel->obj, &total);
	assert_int_equal(total.forks, 1);
	assert_int_equal(testrun_counter(fx->skel->obj, PTCOPY_CTR_EVENTS_LOST), 0);

	window_bpf__destroy(fx->skel);
	fx->skel = load_events(fx->memcg, 128, 1, 1);
	fork_once(fx);
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_true(evs.ev[0].window_ns >= 1);
}

/*
 * The context switches of the forking task inside the window: its own
 * nvcsw/nivcsw counters at open and close. A sleep inside the window is a
 * voluntary switch of this thread.
 */
static void test_window_ctxsw(void **state)
{
	struct fixture *fx = *state;
	struct fork_events evs;

	testrun_seed_fork(fx->skel->obj, MM, "forkload", PTCOPY_HAVE_WINDOW);
	acquire(fx, MM, 1, 1);
	usleep(2000);
	usleep(2000);
	release(fx, MM, 1);
	testrun_events(fx->skel->obj, &evs);
	assert_int_equal(evs.n, 1);
	assert_true(evs.ev[0].ctxsw_voluntary >= 2);
	/* the same in the aggregates */
	{
		struct ptcopy_stats total;

		testrun_total(fx->skel->obj, &total);
		assert_int_equal(total.ctxsw_voluntary, evs.ev[0].ctxsw_voluntary);
		assert_int_equal(total.ctxsw_involuntary, evs.ev[0].ctxsw_involuntary);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_open_close, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_window_last_slot, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_window_open_close, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_sibling_stalls, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_sibling_stalls, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_ends_wait, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_ends_wait, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_wait_ended_after_fork, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_no_fork_in_flight, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_label_folding, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_lost_and_unclosed, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_two_forkers_one_mm, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_two_forkers_one_mm, setup_memcg, teardown),
		cmocka_unit_test_setup_teardown(test_forking_table_full, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_fork_events_opt_in, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_window_ctxsw, setup_plain, teardown),
	};

	testrun_require_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

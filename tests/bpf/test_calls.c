// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 2's handlers (bpf/calls.bpf.c, through tests/bpf/calls_testrun.bpf.c)
 * driven through BPF_PROG_TEST_RUN on the window object's maps: copy calls,
 * the gate that keeps continuations outside a copy call out, and a copy call whose exit is missed (a kretprobe
 * out of instances), found and undone at the next call or when the fork's
 * window closes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "testrun.h"
#include "tier_obj.h"
#include "window.skel.h"
#include "calls_testrun.skel.h"

#define MM	0xffff888012345000ULL
#define HAVE	(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS | PTCOPY_HAVE_SWAP_CONT)

struct fixture {
	struct window_bpf *window;
	struct calls_testrun_bpf *calls;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct bpf_program *p;
	struct bpf_map *m, *wm;

	fx->window = window_bpf__open();
	assert_non_null(fx->window);
	fx->window->rodata->cfg.hist_unit_ns = 1000;
	fx->window->rodata->cfg.page_shift = 12;
	fx->window->rodata->cfg.have = HAVE;
	obj_pick_tp_variant(fx->window->obj, false);
	assert_int_equal(window_bpf__load(fx->window), 0);

	fx->calls = calls_testrun_bpf__open();
	assert_non_null(fx->calls);
	fx->calls->rodata->cfg = fx->window->rodata->cfg;
	bpf_object__for_each_program(p, fx->calls->obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), "ptcopy_t_", 9));
	/* as the session does: the tier's object shares the window's maps */
	bpf_object__for_each_map(m, fx->calls->obj) {
		if (bpf_map__is_internal(m))
			continue;
		wm = bpf_object__find_map_by_name(fx->window->obj, bpf_map__name(m));
		assert_non_null(wm);
		assert_int_equal(bpf_map__reuse_fd(m, bpf_map__fd(wm)), 0);
	}
	assert_int_equal(calls_testrun_bpf__load(fx->calls), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	calls_testrun_bpf__destroy(fx->calls);
	window_bpf__destroy(fx->window);
	free(fx);
	return 0;
}

static void run(struct bpf_program *prog, __u64 arg)
{
	assert_int_equal(testrun(prog, &arg, 1, -1), 0);
}

static void call_entry(struct fixture *fx)
{
	run(fx->calls->progs.ptcopy_t_call_entry, 0);
}

static void call_exit(struct fixture *fx, int ret)
{
	run(fx->calls->progs.ptcopy_t_call_exit, (__u64)(long)ret);
}

/* add_swap_count_continuation() returns ret; may_sleep: GFP_KERNEL */
static void swap_cont(struct fixture *fx, int ret, bool may_sleep)
{
	__u64 args[2] = { (__u64)(long)ret, may_sleep };

	assert_int_equal(testrun(fx->calls->progs.ptcopy_t_swap_cont, args, 2, -1), 0);
}

/* mmap_lock_{acquire_returned,released}(mm, write[, success]): the window */
static void lock_event(struct bpf_program *prog, int nargs)
{
	__u64 args[3] = { MM, 1, 1 };

	assert_int_equal(testrun(prog, args, nargs, -1), 0);
}

static void fork_begin(struct fixture *fx)
{
	testrun_seed_fork(fx->window->obj, MM, "forkload", HAVE);
	lock_event(fx->window->progs.ptcopy_mml_acq_raw, 3);
}

/* The window closes: the fork's state goes. */
static void fork_end(struct fixture *fx)
{
	lock_event(fx->window->progs.ptcopy_mml_rel_raw, 2);
}

static __u64 in_flight(struct fixture *fx)
{
	__u32 zero = 0;
	__u64 n;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(fx->window->maps.ptcopy_calls),
					     &zero, &n), 0);
	return n;
}

static __u64 missed(struct fixture *fx)
{
	return testrun_counter(fx->window->obj, PTCOPY_CTR_CALL_EXITS_MISSED);
}

static struct ptcopy_fork state_of(struct fixture *fx)
{
	struct ptcopy_fork f;

	assert_true(testrun_fork_state(fx->window->obj, &f));
	return f;
}

/*
 * Calls, and continuation results while a call is open: nothing outside a
 * call, nothing from the GFP_ATOMIC attempt under the locks.
 */
static void test_calls_and_gate(void **state)
{
	struct fixture *fx = *state;
	struct ptcopy_fork f;

	/* no traced fork: nothing opens */
	call_entry(fx);
	assert_int_equal(in_flight(fx), 0);

	fork_begin(fx);
	swap_cont(fx, -12, true);	/* no call open: not the copy's */
	call_entry(fx);
	assert_int_equal(in_flight(fx), 1);
	swap_cont(fx, -12, false);	/* swap_duplicate()'s atomic attempt */
	swap_cont(fx, 0, true);
	swap_cont(fx, -12, true);
	swap_cont(fx, 0, true);
	call_exit(fx, 0);
	assert_int_equal(in_flight(fx), 0);
	swap_cont(fx, 0, true);		/* after the call: not counted */
	call_entry(fx);
	call_exit(fx, -12);
	f = state_of(fx);
	assert_int_equal(f.ev.calls, 2);
	assert_int_equal(f.ev.swap_cont_ok, 2);
	assert_int_equal(f.ev.swap_cont_failed, 1);
	assert_int_equal(f.ev.resched_calls, 0);
	assert_int_equal(f.ev.result, -12);
	assert_int_equal(f.aborts[PTCOPY_ABORT_ENOMEM], 1);
	assert_int_equal(f.call_start_ns, 0);
	assert_int_equal(in_flight(fx), 0);
	fork_end(fx);
	assert_int_equal(missed(fx), 0);
	assert_false(testrun_fork_state(fx->window->obj, &f));
}

/*
 * An exit missed: the next call of the same task finds the start still set
 * and does not count it again; the window's close undoes a last one. The
 * gate closes again and each miss is counted once.
 */
static void test_missed_exits(void **state)
{
	struct fixture *fx = *state;
	struct ptcopy_fork f;

	fork_begin(fx);
	call_entry(fx);			/* its exit is missed */
	call_entry(fx);
	assert_int_equal(in_flight(fx), 1);
	assert_int_equal(missed(fx), 1);
	swap_cont(fx, 0, true);
	call_exit(fx, 0);
	assert_int_equal(in_flight(fx), 0);
	f = state_of(fx);
	assert_int_equal(f.ev.calls, 1);	/* the missed one is not counted */
	assert_int_equal(f.ev.swap_cont_ok, 1);

	call_entry(fx);			/* the fork's last call: exit missed */
	assert_int_equal(in_flight(fx), 1);
	fork_end(fx);
	assert_int_equal(in_flight(fx), 0);
	assert_int_equal(missed(fx), 2);
	assert_false(testrun_fork_state(fx->window->obj, &f));
	/* the fork was aggregated with its one completed call */
	{
		struct ptcopy_stats total;

		testrun_total(fx->window->obj, &total);
		assert_int_equal(total.forks, 1);
		assert_int_equal(total.calls, 1);
	}
	/* a release after the window finds nothing to undo */
	fork_end(fx);
	assert_int_equal(missed(fx), 2);
	assert_int_equal(in_flight(fx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_calls_and_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_exits, setup, teardown),
	};

	testrun_require_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 1's programs (patched.bpf.c) driven through BPF_PROG_TEST_RUN with
 * the event sequences copy_pte_range() produces on a patched kernel: a plain
 * pass, lock-breaks and retries, continuations that succeed and fail, a
 * prealloc retry and failure, aborts, passes of two tasks interleaved on two
 * CPUs, more comms than the label bound. The counts, causes, reasons, fork
 * records and histogram counts must come out exactly as each sequence says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <cmocka.h>
#include "session.h"
#include "testrun.h"

#define MM	0xffff888012345000ULL
#define ADDR	0x7f0000000000ULL
#define PMD	(2ULL << 20)
#define PAGE	4096ULL
#define ENOMEM	12
#define EBUSY	16
#define EHWPOISON 133

enum op {
	SEED, OPEN, CLOSE, PASS, LOCKED, LOOP_END, UNLOCKED, RESCHED, SWAP_CONT,
	PREALLOC_FAIL, RETURN,
};

struct step {
	enum op op;
	__u64 a, b, c;
};

struct tcase {
	struct session *s;
	int memcg;
	/* the kernel numbers the patch's enums last to first (CO-RE reads them) */
	bool reversed;
};

static struct tcase tc;

static int setup(void **state)
{
	(void)state;
	tc.s = testrun_session(TIER_PATCHED, 128);
	tc.memcg = session_caps(tc.s)->mmap_lock_memcg;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	session_close(tc.s);
	return 0;
}

static void fire(bool tier, const char *prog, const __u64 *args, int n, int cpu)
{
	assert_int_equal(testrun(testrun_prog(tc.s, tier, prog), args, n, cpu), 0);
}

/* One step of a copy, as the forking task (the calling thread), on cpu. */
static void step(const struct step *st, int cpu)
{
	__u64 lock[4], n = 0;

	switch (st->op) {
	case SEED:
		testrun_seed_fork(session_bpf_object(tc.s, false), MM, (const char *)(uintptr_t)st->a,
				  session_have(tc.s));
		break;
	case OPEN:
	case CLOSE:
		lock[n++] = MM;
		if (tc.memcg)
			lock[n++] = 0;
		lock[n++] = 1;		/* write */
		if (st->op == OPEN)
			lock[n++] = 1;	/* success */
		fire(false, st->op == OPEN ? "ptcopy_mml_acq_raw" : "ptcopy_mml_rel_raw", lock, n,
		     cpu);
		break;
	case PASS: {
		__u64 args[] = { MM, st->a, ADDR + PMD,
				 tc.reversed ? PTCOPY_PASS_REASONS - 1 - st->b : st->b };

		fire(true, "ptcopy_pass_raw", args, 4, cpu);
		break;
	}
	case LOCKED: {
		__u64 args[] = { MM, st->a };

		fire(true, "ptcopy_locked_raw", args, 2, cpu);
		break;
	}
	case LOOP_END: {
		__u64 args[] = { MM, st->a, st->b, ADDR + PMD,
				 tc.reversed ? PTCOPY_STOPS - 1 - st->c : st->c };

		fire(true, "ptcopy_loop_end_raw", args, 5, cpu);
		break;
	}
	case UNLOCKED: {
		__u64 args[] = { MM, st->a };

		fire(true, "ptcopy_unlocked_raw", args, 2, cpu);
		break;
	}
	case RESCHED: {
		__u64 args[] = { MM, st->a, st->b };

		fire(true, "ptcopy_resched_raw", args, 3, cpu);
		break;
	}
	case SWAP_CONT: {
		__u64 args[] = { MM, st->a, 0x1234, st->b };

		fire(true, "ptcopy_swap_cont_raw", args, 4, cpu);
		break;
	}
	case PREALLOC_FAIL: {
		__u64 args[] = { MM, st->a };

		fire(true, "ptcopy_prealloc_fail_raw", args, 2, cpu);
		break;
	}
	case RETURN: {
		__u64 args[] = { MM, st->a, ADDR + PMD, st->b };

		fire(true, "ptcopy_return_raw", args, 4, cpu);
		break;
	}
	}
}

struct script {
	const struct step *steps;
	int n;
	int cpu;
};

static void run_script(void *arg)
{
	struct script *sc = arg;
	int i;

	/*
	 * BPF_PROG_TEST_RUN on another CPU runs the program there from an
	 * IPI, in whatever task is current: the task itself must be on it.
	 */
	if (sc->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sc->cpu, &set);
		assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	}
	for (i = 0; i < sc->n; i++)
		step(&sc->steps[i], sc->cpu);
}

/* Run steps as one task: a fresh thread, so every fork has its own tid. */
static void run_task(const struct step *steps, int n)
{
	struct script sc = { .steps = steps, .n = n, .cpu = -1 };
	struct worker *w = worker_start();

	worker_call(w, run_script, &sc);
	worker_stop(w);
}

#define RUN(...) do {							\
	static const struct step steps_[] = { __VA_ARGS__ };		\
	run_task(steps_, sizeof(steps_) / sizeof(steps_[0]));		\
} while (0)

#define C(s)	((__u64)(uintptr_t)(s))

/* The last fork event sent, which must be the only new one. */
static struct ptcopy_fork_event one_event(void)
{
	struct fork_events evs;

	testrun_events(session_bpf_object(tc.s, false), &evs);
	assert_int_equal(evs.n, 1);
	return evs.ev[0];
}

static struct ptcopy_stats label(const char *comm)
{
	struct ptcopy_label l = {};
	struct ptcopy_stats st;

	strncpy(l.comm, comm, sizeof(l.comm) - 1);
	assert_true(testrun_label(session_bpf_object(tc.s, false), &l, &st));
	return st;
}

static void test_plain_pass(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	RUN({ SEED, C("plain") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + PMD, PTCOPY_STOP_DONE }, { UNLOCKED, ADDR + PMD },
	    { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
	    { CLOSE });
	ev = one_event();
	assert_string_equal(ev.comm, "plain");
	assert_int_equal(ev.have, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_LOOP |
			 PTCOPY_HAVE_RESCHED | PTCOPY_HAVE_SWAP_CONT);
	assert_int_equal(ev.passes, 1);
	assert_int_equal(ev.retries, 0);
	assert_int_equal(ev.lock_breaks, 0);
	assert_int_equal(ev.ptes, 512);
	assert_int_equal(ev.resched_calls, 1);
	assert_int_equal(ev.resched_done, 0);
	assert_int_equal(ev.result, 0);
	assert_true(ev.hold_ns_max > 0);
	assert_int_equal(ev.hold_ns_sum, ev.hold_ns_max);
	/* the copy contains the hold, the window contains the copy */
	assert_true(ev.copy_ns >= ev.hold_ns_sum);
	assert_true(ev.window_ns >= ev.copy_ns);

	st = label("plain");
	assert_int_equal(st.forks, 1);
	assert_int_equal(st.passes, 1);
	assert_int_equal(st.ptes, 512);
	assert_int_equal(hist_count(&st.hold), 1);
	assert_int_equal(hist_count(&st.wait), 1);
	assert_int_equal(st.hold_ns_sum, ev.hold_ns_sum);
	assert_int_equal(st.hold_ns_max, ev.hold_ns_max);
	assert_int_equal(st.copy_ns_sum, ev.copy_ns);
	assert_int_equal(st.stops[PTCOPY_STOP_DONE], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 1);
	assert_int_equal(stats_retries(&st), 0);
	assert_int_equal(st.resched_calls, 1);
	assert_int_equal(st.aborts[PTCOPY_ABORT_ENOMEM], 0);
}

static void lock_breaks_and_retries(void)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	/* three breaks, one of each cause, each followed by a lock-break retry */
	RUN({ SEED, C("breaker") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + 100 * PAGE, PTCOPY_STOP_NEED_RESCHED },
	    { UNLOCKED, ADDR + 100 * PAGE }, { RESCHED, ADDR + 100 * PAGE, 1 },
	    { PASS, ADDR + 100 * PAGE, PTCOPY_PASS_LOCK_BREAK }, { LOCKED, ADDR + 100 * PAGE },
	    { LOOP_END, ADDR + 100 * PAGE, ADDR + 200 * PAGE, PTCOPY_STOP_SRC_CONTENDED },
	    { UNLOCKED, ADDR + 200 * PAGE }, { RESCHED, ADDR + 200 * PAGE, 0 },
	    { PASS, ADDR + 200 * PAGE, PTCOPY_PASS_LOCK_BREAK }, { LOCKED, ADDR + 200 * PAGE },
	    { LOOP_END, ADDR + 200 * PAGE, ADDR + 300 * PAGE, PTCOPY_STOP_DST_CONTENDED },
	    { UNLOCKED, ADDR + 300 * PAGE }, { RESCHED, ADDR + 300 * PAGE, 1 },
	    { PASS, ADDR + 300 * PAGE, PTCOPY_PASS_LOCK_BREAK }, { LOCKED, ADDR + 300 * PAGE },
	    { LOOP_END, ADDR + 300 * PAGE, ADDR + PMD, PTCOPY_STOP_DONE },
	    { UNLOCKED, ADDR + PMD }, { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
	    { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 4);
	assert_int_equal(ev.retries, 3);
	assert_int_equal(ev.lock_breaks, 3);
	assert_int_equal(ev.ptes, 512);
	assert_int_equal(ev.resched_calls, 4);
	assert_int_equal(ev.resched_done, 2);
	assert_true(ev.hold_ns_max <= ev.hold_ns_sum);

	st = label("breaker");
	assert_int_equal(st.stops[PTCOPY_STOP_NEED_RESCHED], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_SRC_CONTENDED], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_DST_CONTENDED], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_DONE], 1);
	assert_int_equal(stats_lock_breaks(&st), 3);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_LOCK_BREAK], 3);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_SWAP_CONT], 0);
	assert_int_equal(hist_count(&st.hold), 4);
	assert_int_equal(hist_count(&st.wait), 4);
	assert_int_equal(st.resched_done, 2);
}

static void test_lock_breaks_and_retries(void **state)
{
	(void)state;
	lock_breaks_and_retries();
}

/*
 * A patch revision that numbers its enums otherwise: the events carry the
 * kernel's numbers, CO-RE relocates the object's enumerators to them
 * (bpf_core_enum_value), and every count lands where it did above.
 */
static void test_renumbered_enums(void **state)
{
	struct session *plain = tc.s;

	(void)state;
	tc.s = testrun_session_btf(TIER_PATCHED, 128, testrun_patch_btf(true));
	tc.reversed = true;
	lock_breaks_and_retries();
	session_close(tc.s);
	tc.s = plain;
	tc.reversed = false;
}

/*
 * ptcopy --record on the patched tier: the same lock-breaks and retries as
 * records, in the kernel's order, each pass with the range its
 * copy_pte_pass_start carried, each lock-break with its cause, inside the
 * pass it broke off, and every one inside the window.
 */
static void test_record(void **state)
{
	static const __u32 causes[] = {
		PTCOPY_STOP_NEED_RESCHED, PTCOPY_STOP_SRC_CONTENDED, PTCOPY_STOP_DST_CONTENDED,
	};
	static struct ptcopy_record r[64];
	const struct ptcopy_record *win, *pass = NULL;
	struct session *plain = tc.s;
	size_t i, n, passes = 0, breaks = 0, retries = 0;

	(void)state;
	tc.s = testrun_session_record(TIER_PATCHED);
	lock_breaks_and_retries();
	n = testrun_records(session_bpf_object(tc.s, false), r, 64);
	assert_int_equal(testrun_records_lost(session_bpf_object(tc.s, false)), 0);
	/* 4 passes, 3 lock-breaks, 3 retries, the window */
	assert_int_equal(n, 11);
	win = &r[n - 1];
	assert_int_equal(win->type, PTCOPY_REC_WINDOW);
	assert_string_equal(win->name, "breaker");
	for (i = 0; i < n - 1; i++) {
		assert_int_equal(r[i].tid, win->tid);
		assert_true(r[i].ts_ns >= win->ts_ns);
		assert_true(r[i].ts_ns + r[i].dur_ns <= win->ts_ns + win->dur_ns);
		switch (r[i].type) {
		case PTCOPY_REC_LOCK_BREAK:
			/* at the loop's end: before its pass's unlock sends the pass */
			assert_int_equal(r[i + 1].type, PTCOPY_REC_PASS);
			assert_int_equal(r[i].what, causes[breaks++]);
			assert_true(r[i].ts_ns >= r[i + 1].ts_ns);
			assert_true(r[i].ts_ns <= r[i + 1].ts_ns + r[i + 1].dur_ns);
			break;
		case PTCOPY_REC_PASS:
			assert_true(!pass || r[i].ts_ns >= pass->ts_ns + pass->dur_ns);
			pass = &r[i];
			assert_int_equal(pass->flags, PTCOPY_REC_RANGE);
			assert_int_equal(pass->start, ADDR + passes * 100 * PAGE);
			assert_int_equal(pass->end, ADDR + PMD);
			assert_int_equal(pass->what, passes ? PTCOPY_PASS_LOCK_BREAK :
					 PTCOPY_PASS_FIRST);
			passes++;
			break;
		case PTCOPY_REC_RETRY:
			assert_int_equal(r[i].what, PTCOPY_PASS_LOCK_BREAK);
			/* the retried pass's loop breaks again, but the last's */
			assert_int_equal(r[i + 1].type, retries == 2 ? PTCOPY_REC_PASS :
					 PTCOPY_REC_LOCK_BREAK);
			retries++;
			break;
		default:
			fail_msg("record %zu of type %u", i, r[i].type);
		}
	}
	assert_int_equal(passes, 4);
	assert_int_equal(breaks, 3);
	assert_int_equal(retries, 3);
	session_close(tc.s);
	tc.s = plain;
	/* without --record, a pass with a lock-break sends none */
	RUN({ SEED, C("quiet") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + 100 * PAGE, PTCOPY_STOP_NEED_RESCHED },
	    { UNLOCKED, ADDR + 100 * PAGE }, { RESCHED, ADDR + 100 * PAGE, 1 },
	    { PASS, ADDR + 100 * PAGE, PTCOPY_PASS_LOCK_BREAK }, { LOCKED, ADDR + 100 * PAGE },
	    { LOOP_END, ADDR + 100 * PAGE, ADDR + PMD, PTCOPY_STOP_DONE },
	    { UNLOCKED, ADDR + PMD }, { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
	    { CLOSE });
	assert_int_equal(one_event().passes, 2);
	assert_int_equal(testrun_records(session_bpf_object(tc.s, false), r, 64), 0);
}

static void test_swap_continuation(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	/* the swap entry needs a continuation: it succeeds, the pass retries */
	RUN({ SEED, C("swapper") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + 7 * PAGE, PTCOPY_STOP_SWAP_CONT },
	    { UNLOCKED, ADDR + 7 * PAGE }, { RESCHED, ADDR + 7 * PAGE, 0 },
	    { SWAP_CONT, ADDR + 7 * PAGE, 0 },
	    { PASS, ADDR + 7 * PAGE, PTCOPY_PASS_SWAP_CONT }, { LOCKED, ADDR + 7 * PAGE },
	    { LOOP_END, ADDR + 7 * PAGE, ADDR + PMD, PTCOPY_STOP_DONE },
	    { UNLOCKED, ADDR + PMD }, { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
	    { CLOSE });
	ev = one_event();
	assert_int_equal(ev.swap_cont_ok, 1);
	assert_int_equal(ev.swap_cont_failed, 0);
	assert_int_equal(ev.retries, 1);
	assert_int_equal(ev.lock_breaks, 0);
	assert_int_equal(ev.result, 0);
	st = label("swapper");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_SWAP_CONT], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_SWAP_CONT], 1);
	assert_int_equal(st.swap_cont_ok, 1);
}

static void test_continuation_failure(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	/* the continuation's page allocation fails: the fork fails with ENOMEM */
	RUN({ SEED, C("contfail") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + 3 * PAGE, PTCOPY_STOP_SWAP_CONT },
	    { UNLOCKED, ADDR + 3 * PAGE }, { RESCHED, ADDR + 3 * PAGE, 0 },
	    { SWAP_CONT, ADDR + 3 * PAGE, (__u64)-ENOMEM },
	    { RETURN, ADDR + 3 * PAGE, (__u64)-ENOMEM },
	    { CLOSE });
	ev = one_event();
	assert_int_equal(ev.swap_cont_failed, 1);
	assert_int_equal(ev.swap_cont_ok, 0);
	assert_int_equal(ev.result, -ENOMEM);
	assert_int_equal(ev.passes, 1);
	assert_int_equal(ev.ptes, 3);
	st = label("contfail");
	assert_int_equal(st.swap_cont_failed, 1);
	assert_int_equal(st.aborts[PTCOPY_ABORT_ENOMEM], 1);
	assert_int_equal(st.aborts[PTCOPY_ABORT_EBUSY], 0);
}

static void test_prealloc_and_aborts(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	/* a pinned page: -EAGAIN, prealloc, retry of reason prealloc */
	RUN({ SEED, C("pinned") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + PAGE, PTCOPY_STOP_PREALLOC },
	    { UNLOCKED, ADDR + PAGE }, { RESCHED, ADDR + PAGE, 0 },
	    { PASS, ADDR + PAGE, PTCOPY_PASS_PREALLOC }, { LOCKED, ADDR + PAGE },
	    { LOOP_END, ADDR + PAGE, ADDR + PMD, PTCOPY_STOP_DONE },
	    { UNLOCKED, ADDR + PMD }, { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
	    /* a second range: pinned again, and the prealloc fails */
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR, PTCOPY_STOP_PREALLOC },
	    { UNLOCKED, ADDR }, { RESCHED, ADDR, 0 }, { PREALLOC_FAIL, ADDR },
	    { RETURN, ADDR, (__u64)-ENOMEM },
	    { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 3);
	assert_int_equal(ev.retries, 1);
	assert_int_equal(ev.prealloc_failed, 1);
	assert_int_equal(ev.result, -ENOMEM);
	assert_int_equal(ev.ptes, 512);
	st = label("pinned");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 2);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_PREALLOC], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_PREALLOC], 2);
	assert_int_equal(st.prealloc_failed, 1);
	assert_int_equal(st.aborts[PTCOPY_ABORT_ENOMEM], 1);

	/* busy device-exclusive entry, and hwpoison: aborts by error */
	RUN({ SEED, C("aborts") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + PAGE, PTCOPY_STOP_DEVICE_BUSY },
	    { UNLOCKED, ADDR + PAGE }, { RESCHED, ADDR + PAGE, 0 },
	    { RETURN, ADDR + PAGE, (__u64)-EBUSY }, { CLOSE });
	ev = one_event();
	assert_int_equal(ev.result, -EBUSY);
	RUN({ SEED, C("aborts") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR, PTCOPY_STOP_HWPOISON },
	    { UNLOCKED, ADDR }, { RESCHED, ADDR, 0 },
	    { RETURN, ADDR, (__u64)-EHWPOISON }, { CLOSE });
	ev = one_event();
	assert_int_equal(ev.result, -EHWPOISON);
	st = label("aborts");
	assert_int_equal(st.forks, 2);
	assert_int_equal(st.aborts[PTCOPY_ABORT_EBUSY], 1);
	assert_int_equal(st.aborts[PTCOPY_ABORT_EHWPOISON], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_DEVICE_BUSY], 1);
	assert_int_equal(st.stops[PTCOPY_STOP_HWPOISON], 1);
}

/* 6.12: no parent PTE table: pass_start then return, no locks */
static void test_pass_without_locks(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	RUN({ SEED, C("nolock") }, { OPEN },
	    { PASS, ADDR, PTCOPY_PASS_FIRST }, { RETURN, ADDR, 0 }, { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 1);
	assert_int_equal(ev.hold_ns_sum, 0);
	assert_int_equal(ev.ptes, 0);
	st = label("nolock");
	assert_int_equal(hist_count(&st.hold), 0);
	assert_int_equal(hist_count(&st.wait), 0);
}

/*
 * Two tasks forking at once on two CPUs, their passes interleaved: A takes
 * its locks, B takes and releases its own, then A releases. Each hold is
 * measured on its own CPU; A's contains B's.
 */
static void test_two_tasks_two_cpus(void **state)
{
	static const struct step a1[] = {
		{ SEED, C("task-a") }, { OPEN }, { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	};
	static const struct step b1[] = {
		{ SEED, C("task-b") }, { OPEN }, { PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
		{ LOOP_END, ADDR, ADDR + PMD, PTCOPY_STOP_DONE }, { UNLOCKED, ADDR + PMD },
	};
	static const struct step a2[] = {
		{ LOOP_END, ADDR, ADDR + PMD, PTCOPY_STOP_DONE }, { UNLOCKED, ADDR + PMD },
		{ RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 }, { CLOSE },
	};
	static const struct step b2[] = {
		{ RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 }, { CLOSE },
	};
	struct script sa1 = { a1, 4, 0 }, sb1 = { b1, 6, 1 }, sa2 = { a2, 5, 0 }, sb2 = { b2, 3, 1 };
	struct worker *a, *b;
	struct fork_events evs;
	struct ptcopy_fork_event *ea, *eb;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		print_message("skip: one CPU online, cannot interleave tasks on two\n");
		skip();
	}
	a = worker_start();
	b = worker_start();
	worker_call(a, run_script, &sa1);
	worker_call(b, run_script, &sb1);
	worker_call(a, run_script, &sa2);
	worker_call(b, run_script, &sb2);
	worker_stop(a);
	worker_stop(b);

	testrun_events(session_bpf_object(tc.s, false), &evs);
	assert_int_equal(evs.n, 2);
	ea = &evs.ev[0];
	eb = &evs.ev[1];
	assert_string_equal(ea->comm, "task-a");
	assert_string_equal(eb->comm, "task-b");
	assert_true(ea->tid != eb->tid);
	assert_true(ea->hold_ns_max > 0 && eb->hold_ns_max > 0);
	assert_true(ea->hold_ns_max > eb->hold_ns_max);
	assert_int_equal(ea->passes, 1);
	assert_int_equal(eb->passes, 1);
	assert_int_equal(ea->ptes, 512);
	assert_int_equal(eb->ptes, 512);
	assert_int_equal(label("task-a").hold_ns_sum, ea->hold_ns_sum);
	assert_int_equal(label("task-b").hold_ns_sum, eb->hold_ns_sum);
}

/* Events of a fork ptcopy does not trace change nothing and are counted. */
static void test_orphan_events(void **state)
{
	struct bpf_object *w = session_bpf_object(tc.s, false);
	__u64 before = testrun_counter(w, PTCOPY_CTR_ORPHAN_EVENTS);
	struct fork_events evs;

	(void)state;
	RUN({ PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
	    { LOOP_END, ADDR, ADDR + PMD, PTCOPY_STOP_DONE }, { UNLOCKED, ADDR + PMD },
	    { RESCHED, ADDR + PMD, 1 }, { RETURN, ADDR + PMD, (__u64)-ENOMEM });
	assert_int_equal(testrun_counter(w, PTCOPY_CTR_ORPHAN_EVENTS), before + 1);
	testrun_events(w, &evs);
	assert_int_equal(evs.n, 0);
}

/* More comms than the bound: the excess folds into "other", nothing is lost. */
static void test_label_bound(void **state)
{
	static const char *const comms[] = { "c1", "c2", "c3", "c4", "c5", "c3" };
	struct ptcopy_label other = { .cgroup_id = PTCOPY_LABEL_OTHER, .comm = "other" };
	struct ptcopy_stats st, total;
	struct bpf_object *w;
	size_t i;

	(void)state;
	session_close(tc.s);
	tc.s = testrun_session(TIER_PATCHED, 2);
	w = session_bpf_object(tc.s, false);
	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		const struct step steps[] = {
			{ SEED, C(comms[i]) }, { OPEN },
			{ PASS, ADDR, PTCOPY_PASS_FIRST }, { LOCKED, ADDR },
			{ LOOP_END, ADDR, ADDR + 10 * PAGE, PTCOPY_STOP_NEED_RESCHED },
			{ UNLOCKED, ADDR + 10 * PAGE }, { RESCHED, ADDR + 10 * PAGE, 1 },
			{ PASS, ADDR + 10 * PAGE, PTCOPY_PASS_LOCK_BREAK }, { LOCKED, ADDR },
			{ LOOP_END, ADDR + 10 * PAGE, ADDR + PMD, PTCOPY_STOP_DONE },
			{ UNLOCKED, ADDR + PMD }, { RESCHED, ADDR + PMD, 0 }, { RETURN, ADDR + PMD, 0 },
			{ CLOSE },
		};

		run_task(steps, sizeof(steps) / sizeof(steps[0]));
	}
	assert_int_equal(label("c1").forks, 1);
	assert_int_equal(label("c2").forks, 1);
	assert_true(testrun_label(w, &other, &st));
	assert_int_equal(st.forks, 4);
	assert_int_equal(st.passes, 8);
	assert_int_equal(st.stops[PTCOPY_STOP_NEED_RESCHED], 4);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_LOCK_BREAK], 4);
	assert_int_equal(hist_count(&st.hold), 8);
	assert_int_equal(testrun_counter(w, PTCOPY_CTR_FORKS_FOLDED), 4);
	assert_int_equal(testrun_counter(w, PTCOPY_CTR_LABELS_FOLDED), 3);
	testrun_total(w, &total);
	assert_int_equal(total.forks, 6);
	assert_int_equal(total.passes, 12);
	assert_int_equal(hist_count(&total.hold), 12);
	assert_int_equal(total.ptes, 6 * 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_pass),
		cmocka_unit_test(test_lock_breaks_and_retries),
		cmocka_unit_test(test_renumbered_enums),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_swap_continuation),
		cmocka_unit_test(test_continuation_failure),
		cmocka_unit_test(test_prealloc_and_aborts),
		cmocka_unit_test(test_pass_without_locks),
		cmocka_unit_test(test_two_tasks_two_cpus),
		cmocka_unit_test(test_orphan_events),
		cmocka_unit_test(test_label_bound),
	};

	testrun_require_bpf();
	testrun_pin_here();
	return cmocka_run_group_tests(tests, setup, teardown);
}

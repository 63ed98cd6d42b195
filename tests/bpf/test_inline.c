// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier's programs (inline.bpf.c) driven through BPF_PROG_TEST_RUN
 * by their raw_tp twins, with the site sequences copy_pte_range()'s inlined
 * code runs through: a plain pass, lock-break retries, continuation and
 * prealloc retries and failures, several calls in one fork, two tasks on one
 * CPU, a pass outside a traced fork. Each twin gets the register its kprobe
 * reads (rax, or the flags before the retry jne) as args[0]. Passes, retry
 * reasons, hold and wait counts, cond_resched and continuation results must
 * come out exactly as each sequence says; what the tier cannot see stays out.
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

#define MM		0xffff888012345000ULL
/* a pass's range: from ADDR (or 100 pages on) to the PMD's end */
#define ADDR		0x7f0000200000ULL
#define PAGE		4096ULL
#define PMD		(2ULL << 20)
#define ENOMEM		12
/* rflags before "jne again": ZF set (addr == end, falls through) or clear (retry) */
#define FLAGS_DONE	0x246ULL
#define FLAGS_RETRY	0x206ULL

enum op {
	SEED, OPEN, CLOSE, PASS, LOCKED, UNLOCK, RESCHED, SWAP_CONT, PREALLOC, RETRY,
	JOIN, EXIT,
};

struct step {
	enum op op;
	__u64 a;
	__u64 b;	/* PASS: a and b are the pass's addr and end, b 0 for no range */
};

static struct session *s;
static int memcg;

static int setup(void **state)
{
	(void)state;
	s = testrun_session(TIER_INLINE, 128);
	memcg = session_caps(s)->mmap_lock_memcg;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	session_close(s);
	return 0;
}

static void fire(bool tier, const char *prog, const __u64 *args, int n, int cpu)
{
	assert_int_equal(testrun(testrun_prog(s, tier, prog), args, n, cpu), 0);
}

static void step(const struct step *st, int cpu)
{
	static const char *const twin[] = {
		[PASS] = "ptcopy_in_pass_raw", [LOCKED] = "ptcopy_in_locked_raw",
		[UNLOCK] = "ptcopy_in_unlock_raw", [RESCHED] = "ptcopy_in_resched_raw",
		[SWAP_CONT] = "ptcopy_in_swap_cont_raw", [PREALLOC] = "ptcopy_in_prealloc_raw",
		[RETRY] = "ptcopy_in_retry_raw", [JOIN] = "ptcopy_in_join_raw",
		[EXIT] = "ptcopy_in_exit_raw",
	};
	__u64 lock[4], n = 0;

	switch (st->op) {
	case SEED:
		testrun_seed_fork(session_bpf_object(s, false), MM, (const char *)(uintptr_t)st->a,
				  session_have(s));
		break;
	case OPEN:
	case CLOSE:
		lock[n++] = MM;
		if (memcg)
			lock[n++] = 0;
		lock[n++] = 1;		/* write */
		if (st->op == OPEN)
			lock[n++] = 1;	/* success */
		fire(false, st->op == OPEN ? "ptcopy_mml_acq_raw" : "ptcopy_mml_rel_raw", lock, n,
		     cpu);
		break;
	default: {
		__u64 reg[2] = { st->a, st->b };

		fire(true, twin[st->op], reg, st->op == PASS ? 2 : 1, cpu);
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

	/* a test run on another CPU runs in whatever task is current there */
	if (sc->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sc->cpu, &set);
		assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	}
	for (i = 0; i < sc->n; i++)
		step(&sc->steps[i], sc->cpu);
}

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

#define C(x)	((__u64)(uintptr_t)(x))
/* one pass from "again:" to its retry jump, cond_resched returning r */
#define PASS_(r, flags)	{ PASS }, { LOCKED }, { UNLOCK }, { RESCHED, r }, { RETRY, flags }

static struct ptcopy_fork_event one_event(void)
{
	struct fork_events evs;

	testrun_events(session_bpf_object(s, false), &evs);
	assert_int_equal(evs.n, 1);
	return evs.ev[0];
}

static struct ptcopy_stats label(const char *comm)
{
	struct ptcopy_label l = {};
	struct ptcopy_stats st;

	strncpy(l.comm, comm, sizeof(l.comm) - 1);
	assert_true(testrun_label(session_bpf_object(s, false), &l, &st));
	return st;
}

static void test_plain_pass(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	RUN({ SEED, C("plain") }, { OPEN }, PASS_(0, FLAGS_DONE), { CLOSE });
	ev = one_event();
	assert_int_equal(ev.have, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_RESCHED |
			 PTCOPY_HAVE_SWAP_CONT);
	assert_int_equal(ev.passes, 1);
	assert_int_equal(ev.retries, 0);
	assert_int_equal(ev.lock_breaks, 0);
	assert_int_equal(ev.resched_calls, 1);
	assert_int_equal(ev.resched_done, 0);
	assert_true(ev.hold_ns_max > 0);
	assert_int_equal(ev.hold_ns_sum, ev.hold_ns_max);
	assert_true(ev.window_ns >= ev.hold_ns_sum);
	/* nothing the tier cannot see was filled */
	assert_int_equal(ev.ptes, 0);
	assert_int_equal(ev.copy_ns, 0);
	assert_int_equal(ev.result, 0);

	st = label("plain");
	assert_int_equal(st.passes, 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 1);
	assert_int_equal(stats_retries(&st), 0);
	assert_int_equal(hist_count(&st.hold), 1);
	assert_int_equal(hist_count(&st.wait), 1);
	assert_int_equal(st.hold_ns_sum, ev.hold_ns_sum);
}

static void test_lock_break_retries(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	/* two lock-breaks (rescheduled once), then the range's end */
	RUN({ SEED, C("breaker") }, { OPEN }, PASS_(1, FLAGS_RETRY), PASS_(0, FLAGS_RETRY),
	    PASS_(0, FLAGS_DONE), { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 3);
	assert_int_equal(ev.retries, 2);
	assert_int_equal(ev.lock_breaks, 2);
	assert_int_equal(ev.resched_calls, 3);
	assert_int_equal(ev.resched_done, 1);
	st = label("breaker");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_LOCK_BREAK], 2);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_SWAP_CONT], 0);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_PREALLOC], 0);
	assert_int_equal(hist_count(&st.hold), 3);
	assert_int_equal(hist_count(&st.wait), 3);
	/* the cause of a break is not seen: no stops at all */
	assert_int_equal(st.stops[PTCOPY_STOP_NEED_RESCHED], 0);
}

/*
 * ptcopy --record on the inline tier: per pass its hold as a slice with the
 * range its pass_start read (none where the recogniser found no places
 * for it: the third pass here), each lock-break as an instant with no
 * cause (the loop's exit condition is not seen) and the retry, both at
 * the next pass's start, all in the window.
 */
static void test_record(void **state)
{
	static const __u32 want[] = {
		PTCOPY_REC_PASS, PTCOPY_REC_LOCK_BREAK, PTCOPY_REC_RETRY,
		PTCOPY_REC_PASS, PTCOPY_REC_LOCK_BREAK, PTCOPY_REC_RETRY,
		PTCOPY_REC_PASS, PTCOPY_REC_WINDOW,
	};
	static struct ptcopy_record r[32];
	struct session *plain = s;
	size_t i, n;

	(void)state;
	s = testrun_session_record(TIER_INLINE);
	RUN({ SEED, C("recorded") }, { OPEN },
	    { PASS, ADDR, ADDR + PMD }, { LOCKED }, { UNLOCK }, { RESCHED, 1 }, { RETRY, FLAGS_RETRY },
	    { PASS, ADDR + 100 * PAGE, ADDR + PMD }, { LOCKED }, { UNLOCK }, { RESCHED, 0 },
	    { RETRY, FLAGS_RETRY }, PASS_(0, FLAGS_DONE), { CLOSE });
	assert_int_equal(one_event().passes, 3);
	n = testrun_records(session_bpf_object(s, false), r, 32);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].type, want[i]);
		assert_int_equal(r[i].tid, r[n - 1].tid);
		assert_true(r[i].ts_ns >= r[n - 1].ts_ns);
		assert_true(r[i].ts_ns + r[i].dur_ns <= r[n - 1].ts_ns + r[n - 1].dur_ns);
		/* one after the other, the window (sent at its close) aside */
		if (i && i < n - 1)
			assert_true(r[i].ts_ns >= r[i - 1].ts_ns + r[i - 1].dur_ns);
		if (want[i] == PTCOPY_REC_PASS) {
			assert_int_equal(r[i].what, i ? PTCOPY_PASS_LOCK_BREAK : PTCOPY_PASS_FIRST);
			if (i == n - 2) {
				assert_int_equal(r[i].flags, 0);
				continue;
			}
			assert_int_equal(r[i].flags, PTCOPY_REC_RANGE);
			assert_int_equal(r[i].start, ADDR + (i ? 100 * PAGE : 0));
			assert_int_equal(r[i].end, ADDR + PMD);
		}
		if (want[i] == PTCOPY_REC_LOCK_BREAK)
			assert_int_equal(r[i].what, PTCOPY_STOPS);
		if (want[i] == PTCOPY_REC_RETRY)
			assert_int_equal(r[i].what, PTCOPY_PASS_LOCK_BREAK);
	}
	session_close(s);
	s = plain;
}

/*
 * cond_resched()'s outcome is read at the first site its path reaches (an
 * error branch, a patched kernel's tracepoint block): a site that paths
 * from elsewhere reach too (the join after such a block, where rax is then
 * the tracepoint's) adds nothing once it was read, nor before a hold ended.
 */
static void test_resched_first_site_only(void **state)
{
	struct ptcopy_fork_event ev;

	(void)state;
	RUN({ SEED, C("branchy") }, { OPEN },
	    /* read at a branch (1: rescheduled); rax at the join is another's */
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 1 }, { RESCHED, 0 },
	    { RETRY, FLAGS_RETRY },
	    /* not rescheduled; garbage later on the path */
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { RESCHED, 0xdead },
	    { RETRY, FLAGS_RETRY },
	    /* no hold ended in this pass yet: a site reached from elsewhere */
	    { PASS }, { RESCHED, 1 }, { LOCKED }, { UNLOCK }, { RESCHED, 1 },
	    { RETRY, FLAGS_DONE }, { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 3);
	assert_int_equal(ev.lock_breaks, 2);
	assert_int_equal(ev.resched_calls, 3);
	assert_int_equal(ev.resched_done, 2);
}

/*
 * The join and the loop's exit instead of the jne: a pass that reached the
 * join and began again is a retry for what it did after its unlock; the
 * exit ends the call, so the next call's first pass is no retry. The join
 * reads cond_resched()'s outcome where it is the first site (rax), and
 * nothing where a branch site read it.
 */
static void test_join_and_exit(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	RUN({ SEED, C("joiner") }, { OPEN },
	    /* call 1: a lock-break, then a continuation, then done */
	    { PASS }, { LOCKED }, { UNLOCK }, { JOIN, 1 },
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { SWAP_CONT, 0 }, { JOIN, 0xdead },
	    { PASS }, { LOCKED }, { UNLOCK }, { JOIN, 0 }, { EXIT },
	    /* call 2: a page preallocated, then done */
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 1 }, { PREALLOC, 0xffffea0000400000ULL },
	    { JOIN, 0xdead },
	    { PASS }, { LOCKED }, { UNLOCK }, { JOIN, 0 }, { EXIT },
	    /* call 3: one pass, left through an error exit (no join, no exit) */
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 },
	    /* call 4 begins fresh */
	    { PASS }, { LOCKED }, { UNLOCK }, { JOIN, 0 }, { EXIT }, { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 7);
	assert_int_equal(ev.retries, 3);
	assert_int_equal(ev.lock_breaks, 1);
	assert_int_equal(ev.resched_calls, 7);
	assert_int_equal(ev.resched_done, 2);
	assert_int_equal(ev.swap_cont_ok, 1);
	st = label("joiner");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 4);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_LOCK_BREAK], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_SWAP_CONT], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_PREALLOC], 1);
	assert_int_equal(hist_count(&st.hold), 7);
}

static void test_swap_cont_and_prealloc(void **state)
{
	struct ptcopy_fork_event ev;
	struct ptcopy_stats st;

	(void)state;
	/*
	 * Call 1: a continuation added, retry; a lock-break after it; a
	 * page preallocated, retry; done. Call 2: a continuation that fails
	 * (no retry jump: the copy gives up). Call 3 begins fresh.
	 */
	RUN({ SEED, C("swapper") }, { OPEN },
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { SWAP_CONT, 0 }, { RETRY, FLAGS_RETRY },
	    PASS_(0, FLAGS_RETRY),
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { PREALLOC, 0xffffea0000400000ULL },
	    { RETRY, FLAGS_RETRY },
	    PASS_(0, FLAGS_DONE),
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { SWAP_CONT, (__u64)-ENOMEM },
	    PASS_(0, FLAGS_DONE),
	    { CLOSE });
	ev = one_event();
	assert_int_equal(ev.passes, 6);
	assert_int_equal(ev.retries, 3);
	assert_int_equal(ev.lock_breaks, 1);
	assert_int_equal(ev.swap_cont_ok, 1);
	assert_int_equal(ev.swap_cont_failed, 1);
	assert_int_equal(ev.prealloc_failed, 0);
	st = label("swapper");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 3);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_LOCK_BREAK], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_SWAP_CONT], 1);
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_PREALLOC], 1);
	assert_int_equal(st.swap_cont_ok, 1);
	assert_int_equal(st.swap_cont_failed, 1);
	assert_int_equal(hist_count(&st.hold), 6);
}

/* A failed prealloc returns -ENOMEM: no retry, the next pass is a first one. */
static void test_prealloc_failure_is_no_retry(void **state)
{
	struct ptcopy_stats st;

	(void)state;
	RUN({ SEED, C("pinned") }, { OPEN },
	    { PASS }, { LOCKED }, { UNLOCK }, { RESCHED, 0 }, { PREALLOC, 0 },
	    PASS_(0, FLAGS_DONE), { CLOSE });
	assert_int_equal(one_event().passes, 2);
	st = label("pinned");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 2);
	assert_int_equal(stats_retries(&st), 0);
}

/* One fork of many PMD ranges: every range's copy is a first pass. */
static void test_first_pass_per_range(void **state)
{
	struct ptcopy_stats st;
	struct step steps[2 + 5 * 128 + 1];
	int i, n = 0;

	(void)state;
	steps[n++] = (struct step){ SEED, C("ranges") };
	steps[n++] = (struct step){ OPEN };
	for (i = 0; i < 128; i++) {
		steps[n++] = (struct step){ PASS };
		steps[n++] = (struct step){ LOCKED };
		steps[n++] = (struct step){ UNLOCK };
		steps[n++] = (struct step){ RESCHED, 0 };
		steps[n++] = (struct step){ RETRY, FLAGS_DONE };
	}
	steps[n++] = (struct step){ CLOSE };
	run_task(steps, n);
	assert_int_equal(one_event().passes, 128);
	st = label("ranges");
	assert_int_equal(st.pass_reasons[PTCOPY_PASS_FIRST], 128);
	assert_int_equal(hist_count(&st.hold), 128);
}

/*
 * Two tasks on one CPU: B's unlock while A's hold is recorded on that CPU
 * (possible only in a synthetic sequence, or if a probe was missed) must
 * not end A's hold; A's own unlock does.
 */
static void test_hold_slot_is_the_task_s(void **state)
{
	static const struct step a1[] = { { SEED, C("task-a") }, { OPEN }, { PASS }, { LOCKED } };
	static const struct step b1[] = {
		{ SEED, C("task-b") }, { OPEN }, { PASS }, { UNLOCK }, { RESCHED, 0 },
		{ RETRY, FLAGS_DONE }, { CLOSE },
	};
	static const struct step a2[] = {
		{ UNLOCK }, { RESCHED, 0 }, { RETRY, FLAGS_DONE }, { CLOSE },
	};
	struct script sa1 = { a1, 4, 0 }, sb1 = { b1, 7, 0 }, sa2 = { a2, 4, 0 };
	struct worker *a = worker_start(), *b = worker_start();
	struct ptcopy_stats la, lb;
	struct fork_events evs;

	(void)state;
	worker_call(a, run_script, &sa1);
	worker_call(b, run_script, &sb1);
	worker_call(a, run_script, &sa2);
	worker_stop(a);
	worker_stop(b);
	testrun_events(session_bpf_object(s, false), &evs);
	assert_int_equal(evs.n, 2);
	assert_string_equal(evs.ev[0].comm, "task-b");
	assert_int_equal(evs.ev[0].hold_ns_sum, 0);
	lb = label("task-b");
	assert_int_equal(hist_count(&lb.hold), 0);
	assert_string_equal(evs.ev[1].comm, "task-a");
	assert_true(evs.ev[1].hold_ns_sum > 0);
	la = label("task-a");
	assert_int_equal(hist_count(&la.hold), 1);
}

/* A pass outside a traced fork changes nothing and is counted. */
static void test_orphan_pass(void **state)
{
	struct bpf_object *w = session_bpf_object(s, false);
	__u64 before = testrun_counter(w, PTCOPY_CTR_ORPHAN_EVENTS);
	struct fork_events evs;

	(void)state;
	RUN(PASS_(1, FLAGS_RETRY), { SWAP_CONT, 0 });
	assert_int_equal(testrun_counter(w, PTCOPY_CTR_ORPHAN_EVENTS), before + 1);
	testrun_events(w, &evs);
	assert_int_equal(evs.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_pass),
		cmocka_unit_test(test_lock_break_retries),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_resched_first_site_only),
		cmocka_unit_test(test_join_and_exit),
		cmocka_unit_test(test_swap_cont_and_prealloc),
		cmocka_unit_test(test_prealloc_failure_is_no_retry),
		cmocka_unit_test(test_first_pass_per_range),
		cmocka_unit_test(test_hold_slot_is_the_task_s),
		cmocka_unit_test(test_orphan_pass),
	};

	testrun_require_bpf();
	testrun_pin_here();
	return cmocka_run_group_tests(tests, setup, teardown);
}

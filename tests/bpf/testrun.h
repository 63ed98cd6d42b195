/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test support: drive ptcopy's raw_tp programs with BPF_PROG_TEST_RUN and
 * exact synthetic arguments, the way the kernel's tracepoints would call
 * them. The program runs in the calling thread's context, so the calling
 * thread is "the task": its tid is what the programs key on.
 */
#ifndef __PTCOPY_TEST_TESTRUN_H
#define __PTCOPY_TEST_TESTRUN_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "ptcopy.h"
#include "stats.h"

#define MAX_TEST_EVENTS	256

struct fork_events {
	struct ptcopy_fork_event ev[MAX_TEST_EVENTS];
	int n;
};

/* Skip (exit 77, saying why) unless BPF_PROG_TEST_RUN can run raw_tp here. */
void testrun_require_bpf(void);
void testrun_pin_here(void);

/* Run prog with args as its raw tracepoint arguments, on cpu (or any if < 0). */
int testrun(struct bpf_program *prog, const __u64 *args, int nargs, int cpu);

pid_t testrun_gettid(void);

/*
 * What the forker's request for its own mm's write lock inside a fork
 * syscall does (a test-run cannot fake the syscall number in the saved
 * registers): a fork of mm in flight, registered in ptcopy_forking_mm.
 */
void testrun_seed_fork(struct bpf_object *window, __u64 mm, const char *comm, __u32 have);
/*
 * The state as the forker's request for its mm's write lock creates it, the
 * mm not yet counted in ptcopy_forking_mm: that request (start_locking,
 * write) registers it.
 */
void testrun_seed_fork_unregistered(struct bpf_object *window, __u64 mm, const char *comm,
				    __u32 have);
/* Marks the calling thread's seeded fork registered, with this forking entry. */
void testrun_fork_registered(struct bpf_object *window, __u64 mm, struct ptcopy_forking *forking);
bool testrun_forking(struct bpf_object *window, __u64 mm, struct ptcopy_forking *forking);
/* What sys_exit_clone does: the calling thread's fork is over. */
void testrun_end_fork(struct bpf_object *window);
/* The calling thread's fork state, or false if it has none. */
bool testrun_fork_state(struct bpf_object *obj, struct ptcopy_fork *f);
/* Writes the calling thread's fork state (as seeded or changed by a test). */
void testrun_fork_write(struct bpf_object *obj, const struct ptcopy_fork *f);
/* The calling thread's slot owned by other_tid: its forks' state goes to the hash. */
void testrun_take_slot(struct bpf_object *obj, __u32 other_tid);

/* Fork events sent so far (ring buffer drained). */
void testrun_events(struct bpf_object *obj, struct fork_events *out);

/* ptcopy --record's records sent so far (ring buffer drained), at most max. */
size_t testrun_records(struct bpf_object *obj, struct ptcopy_record *rec, size_t max);
/* Records the full ring buffer refused (ptcopy_record_lost[0]). */
__u64 testrun_records_lost(struct bpf_object *obj);

void testrun_total(struct bpf_object *obj, struct ptcopy_stats *total);
/* The stats of one comm label; false if absent. */
bool testrun_label(struct bpf_object *obj, const struct ptcopy_label *l, struct ptcopy_stats *s);
__u64 testrun_counter(struct bpf_object *obj, enum ptcopy_counter c);

/*
 * A thread of the test process that runs calls on request, so that a
 * "task" keeps its tid across steps and several tasks can interleave.
 */
struct worker;
struct worker *worker_start(void);
void worker_call(struct worker *w, void (*fn)(void *), void *arg);
void worker_stop(struct worker *w);

struct session;
/*
 * A session of tier t loaded (not attached) as on a kernel that has tier
 * t's tracepoints, with raw_tp programs so they can be test-run.
 */
struct session *testrun_session(int t, unsigned int max_labels);
/*
 * The same, the patched tier's object CO-RE relocated against btf_path
 * (testrun_patch_btf()) instead of the identity-numbered default.
 */
struct session *testrun_session_btf(int t, unsigned int max_labels, const char *btf_path);
/*
 * A BTF file: the running kernel's, plus the kernel patch's enums
 * copy_pte_pass_reason and copy_pte_stop as ptcopy's tables name them,
 * numbered as ptcopy does or, if reversed, last to first. Removed at exit.
 */
const char *testrun_patch_btf(bool reversed);
/* The same as testrun_session(), with ptcopy --record's records on. */
struct session *testrun_session_record(int t);
/* A program of the session's window (tier_obj false) or tier object. */
struct bpf_program *testrun_prog(struct session *s, bool tier_obj, const char *name);

#endif /* __PTCOPY_TEST_TESTRUN_H */

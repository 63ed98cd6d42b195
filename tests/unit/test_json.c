// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy -j output against its documented schema (ptcopy.schema.json), for
 * every tier's field set, and the validator (python3-jsonschema) against
 * broken objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "json_validate.h"
#include "output.h"
#include "probe_print.h"

#define SCHEMA_PATH DOC_DIR "/ptcopy.schema.json"

/* Run fn with an output of the given tier and capture the one line it prints. */
static struct json_object *capture(enum tier tier, __u32 have, const struct options *o,
				   void (*fn)(const struct output *, const void *), const void *arg)
{
	struct output out = {
		.opts = o,
		.tier = tier,
		.have = have,
		.page_size = 4096,
		.mono_to_real_ns = 1700000000LL * 1000000000LL,
	};
	struct json_object *obj;
	char *buf = NULL;
	size_t len = 0;

	out.f = open_memstream(&buf, &len);
	assert_non_null(out.f);
	fn(&out, arg);
	fclose(out.f);
	assert_non_null(buf);
	/* exactly one line, newline-terminated: NDJSON */
	assert_int_equal(buf[len - 1], '\n');
	assert_null(memchr(buf, '\n', len - 1));
	obj = json_tokener_parse(buf);
	assert_non_null(obj);
	free(buf);
	return obj;
}

static void do_fork(const struct output *out, const void *ev)
{
	json_fork(out, ev);
}

static void do_report(const struct output *out, const void *r)
{
	json_report(out, r);
}

static const struct ptcopy_fork_event sample_fork = {
	.start_ns = 5000000000ULL,
	.window_ns = 12345678,
	.cgroup_id = 77,
	.rss_pages = 131072,
	.pid = 4242,
	.tid = 4243,
	.comm = "forkload",
	.ctxsw_voluntary = 1,
	.ctxsw_involuntary = 3,
	.stalls = 2,
	.stall_ns_sum = 9000000,
	.stall_ns_max = 5000000,
	.passes = 260,
	.lock_breaks = 4,
	.retries = 4,
	.ptes = 131072,
	.copy_ns = 12000000,
	.hold_ns_max = 90000,
	.hold_ns_sum = 11000000,
	.calls = 256,
	.call_ns_sum = 11500000,
	.call_ns_max = 95000,
	.resched_calls = 260,
	.resched_done = 4,
	.swap_cont_ok = 1,
	.swap_cont_failed = 0,
	.result = -12,
};

static const __u32 all_have = PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_LOOP |
			      PTCOPY_HAVE_RESCHED | PTCOPY_HAVE_SWAP_CONT;
/* the inline tier: passes, holds, retries; no loop ends, PTEs, copy time, result */
static const __u32 inline_have = PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_RESCHED |
				 PTCOPY_HAVE_SWAP_CONT;

static void assert_valid(const char *def, struct json_object *obj)
{
	char err[512];

	/* against its definition, and through the top-level oneOf, as a consumer would */
	if (!json_validate(SCHEMA_PATH, def, obj, err, sizeof(err)))
		fail_msg("%s does not match the schema: %s", json_object_to_json_string(obj), err);
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static __s64 get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

static void test_fork_tracepoint_tier(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct json_object *obj;

	(void)state;
	obj = capture(TIER_TRACEPOINT, PTCOPY_HAVE_WINDOW, &o, do_fork, &sample_fork);
	assert_valid("fork", obj);
	assert_int_equal(get_int(obj, "pid"), 4242);
	assert_int_equal(get_int(obj, "window_ns"), 12345678);
	assert_int_equal(get_int(obj, "rss_bytes"), 131072LL * 4096);
	assert_int_equal(get_int(obj, "ts_ns"), 5000000000LL);
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "time")),
			    "2023-11-14T22:13:25.000000Z");
	/* absent, never zero, what tier 3 cannot measure */
	assert_false(has(obj, "passes"));
	assert_false(has(obj, "hold_ns_max"));
	assert_false(has(obj, "calls"));
	assert_false(has(obj, "result"));
	assert_false(has(obj, "swap_cont_failed"));
	json_object_put(obj);
}

static void test_fork_patched_tier(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct json_object *obj;

	(void)state;
	obj = capture(TIER_PATCHED, all_have, &o, do_fork, &sample_fork);
	assert_valid("fork", obj);
	assert_int_equal(get_int(obj, "passes"), 260);
	assert_int_equal(get_int(obj, "hold_ns_max"), 90000);
	assert_int_equal(get_int(obj, "result"), -12);
	assert_int_equal(get_int(obj, "resched_done"), 4);
	assert_false(has(obj, "calls"));
	json_object_put(obj);
}

static void test_fork_inline_tier(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct json_object *obj;

	(void)state;
	obj = capture(TIER_INLINE, inline_have, &o, do_fork, &sample_fork);
	assert_valid("fork", obj);
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "tier")), "inline");
	assert_int_equal(get_int(obj, "passes"), 260);
	assert_int_equal(get_int(obj, "hold_ns_max"), 90000);
	assert_int_equal(get_int(obj, "resched_done"), 4);
	/* absent, never zero, what its probes cannot see */
	assert_false(has(obj, "ptes"));
	assert_false(has(obj, "copy_ns"));
	assert_false(has(obj, "prealloc_failed"));
	assert_false(has(obj, "result"));
	assert_false(has(obj, "calls"));
	json_object_put(obj);
}

static void test_fork_probe_tier(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct json_object *obj;

	(void)state;
	obj = capture(TIER_FENTRY, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS | PTCOPY_HAVE_RESCHED |
		      PTCOPY_HAVE_SWAP_CONT, &o, do_fork, &sample_fork);
	assert_valid("fork", obj);
	assert_int_equal(get_int(obj, "calls"), 256);
	assert_int_equal(get_int(obj, "call_ns_max"), 95000);
	assert_false(has(obj, "passes"));
	json_object_put(obj);
}

/*
 * --vmas: the record's mappings costliest first, each with its identity,
 * its file's name only where it has one, and only the fields the tier has;
 * the summary's per-kind object. Both valid against the schema.
 */
static void test_fork_vmas(void **state)
{
	static struct ptcopy_fork_event ev = {
		.pid = 7, .nr_vmas = 3, .vmas_copied = 40,
		.vmas = {
			{ .start = 0x400000, .end = 0x600000, .kind = PTCOPY_VMA_HEAP,
			  .copy_ns = 2000, .passes = 1 },
			{ .start = 0x7f0000000000, .end = 0x7f0008000000, .kind = PTCOPY_VMA_ANON,
			  .copy_ns = 900000, .huge_pmds = 3, .passes = 61, .retries = 2,
			  .hold_ns_sum = 800000 },
			{ .start = 0x7f1000000000, .end = 0x7f1000001000, .kind = PTCOPY_VMA_FILE,
			  .copy_ns = 2000, .name = "0123456789012345678901234567890" },
		},
	};
	struct options o = { .unit_ns = 1000 };
	struct ptcopy_stats total = { .forks = 1 };
	struct report r = { .total = &total, .label_mode = PTCOPY_LABEL_NONE };
	__u64 counters[PTCOPY_COUNTERS] = {};
	struct json_object *obj, *a, *v;

	(void)state;
	r.counters = counters;
	obj = capture(TIER_PATCHED, all_have | PTCOPY_HAVE_VMAS | PTCOPY_HAVE_HUGE_PMD, &o,
		      do_fork, &ev);
	assert_valid("fork", obj);
	assert_int_equal(get_int(obj, "vmas_copied"), 40);
	a = json_object_object_get(obj, "vmas");
	assert_int_equal(json_object_array_length(a), 3);
	v = json_object_array_get_idx(a, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "kind")), "anon");
	assert_int_equal(get_int(v, "size"), 0x8000000);
	assert_int_equal(get_int(v, "huge_pmds"), 3);
	assert_int_equal(get_int(v, "huge_bytes"), 3 * 2 * 1024 * 1024);
	assert_int_equal(get_int(v, "passes"), 61);
	assert_int_equal(get_int(v, "retries"), 2);
	assert_false(has(v, "name"));
	/* a tie is broken by address: the heap first */
	v = json_object_array_get_idx(a, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "kind")), "heap");
	v = json_object_array_get_idx(a, 2);
	/* the longest name BPF reads: 31 bytes and the NUL */
	assert_string_equal(json_object_get_string(json_object_object_get(v, "name")),
			    "0123456789012345678901234567890");
	json_object_put(obj);

	/* a tier without passes: none of the pass fields per mapping */
	obj = capture(TIER_FENTRY, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS | PTCOPY_HAVE_VMAS, &o,
		      do_fork, &ev);
	assert_valid("fork", obj);
	v = json_object_array_get_idx(json_object_object_get(obj, "vmas"), 0);
	assert_false(has(v, "passes"));
	assert_false(has(v, "hold_ns_sum"));
	assert_false(has(v, "huge_pmds"));
	json_object_put(obj);

	total.vmas[PTCOPY_VMA_SHMEM] = 4;
	total.vma_ns_sum[PTCOPY_VMA_SHMEM] = 1234;
	obj = capture(TIER_FENTRY, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_VMAS, &o, do_report, &r);
	assert_valid("summary", obj);
	v = json_object_object_get(json_object_object_get(json_object_object_get(obj, "total"),
							  "vmas"), "shmem");
	assert_int_equal(get_int(v, "count"), 4);
	assert_int_equal(get_int(v, "copy_ns"), 1234);
	json_object_put(obj);
}

static void test_summary(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct ptcopy_stats total = {};
	struct label_stats labels[3] = {};
	__u64 counters[PTCOPY_COUNTERS] = {
		[PTCOPY_CTR_LABELS_FOLDED] = 7, [PTCOPY_CTR_EVENTS_LOST] = 2,
		[PTCOPY_CTR_WINDOWS_UNCLOSED] = 3, [PTCOPY_CTR_CALL_EXITS_MISSED] = 4,
	};
	struct report r = {
		.now_ns = 6000000000ULL,
		.interval_ns = 1000000000ULL,
		.total = &total,
		.labels = labels,
		.nlabels = 3,
		.label_mode = PTCOPY_LABEL_COMM,
		.counters = counters,
	};
	struct json_object *obj, *t, *w, *b, *ls;

	(void)state;
	total.forks = 3;
	total.window.slots[13] = 2;		/* 8192..16383 us */
	total.window.slots[PTCOPY_HIST_SLOTS - 1] = 1;
	total.window_ns_sum = 30000000;
	total.window_ns_max = 12000000;
	total.stops[PTCOPY_STOP_NEED_RESCHED] = 5;
	total.pass_reasons[PTCOPY_PASS_LOCK_BREAK] = 5;
	memcpy(labels[0].label.comm, "forkload", 9);
	labels[0].stats = total;
	labels[1].label.cgroup_id = PTCOPY_LABEL_OTHER;
	memcpy(labels[1].label.comm, "other", 6);
	labels[1].stats.forks = 1;
	memcpy(labels[2].label.comm, "idle", 5);	/* no forks: not printed */

	obj = capture(TIER_PATCHED, all_have, &o, do_report, &r);
	assert_valid("summary", obj);
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "unit")), "usecs");
	t = json_object_object_get(obj, "total");
	assert_int_equal(get_int(t, "forks"), 3);
	w = json_object_object_get(t, "window");
	assert_int_equal(get_int(w, "count"), 3);
	assert_int_equal(get_int(w, "max_ns"), 12000000);
	b = json_object_object_get(w, "buckets");
	assert_int_equal(json_object_array_length(b), 2);
	assert_int_equal(get_int(json_object_array_get_idx(b, 0), "low"), 8192);
	assert_int_equal(get_int(json_object_array_get_idx(b, 0), "high"), 16383);
	assert_true(json_object_is_type(json_object_object_get(json_object_array_get_idx(b, 1),
								"high"), json_type_null));
	assert_int_equal(get_int(json_object_object_get(t, "lock_breaks"), "need_resched"), 5);
	ls = json_object_object_get(obj, "labels");
	assert_int_equal(json_object_array_length(ls), 2);
	assert_string_equal(json_object_get_string(
		json_object_object_get(json_object_array_get_idx(ls, 0), "comm")), "forkload");
	assert_string_equal(json_object_get_string(
		json_object_object_get(json_object_array_get_idx(ls, 1), "label")), "other");
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "labels_folded"), 7);
	/* the two ways a fork goes missing, each on its own */
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "events_lost"), 2);
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "windows_unclosed"), 3);
	assert_false(has(json_object_object_get(obj, "health"), "call_exits_missed"));
	json_object_put(obj);

	/* tier 2: copy calls, whose exits can be missed */
	obj = capture(TIER_KPROBE, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS, &o, do_report, &r);
	assert_valid("summary", obj);
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "events_lost"), 2);
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "call_exits_missed"), 4);
	json_object_put(obj);

	/* inline: passes, holds and retries, no loop ends by cause */
	obj = capture(TIER_INLINE, inline_have, &o, do_report, &r);
	assert_valid("summary", obj);
	t = json_object_object_get(obj, "total");
	assert_true(has(t, "hold"));
	assert_true(has(t, "retries"));
	assert_true(has(t, "first_passes"));
	assert_false(has(t, "lock_breaks"));
	assert_false(has(t, "loop_ends"));
	assert_false(has(t, "ptes"));
	assert_false(has(t, "aborts"));
	json_object_put(obj);

	/* tier 3: no tier 1 groups in the stats */
	obj = capture(TIER_TRACEPOINT, PTCOPY_HAVE_WINDOW, &o, do_report, &r);
	assert_valid("summary", obj);
	t = json_object_object_get(obj, "total");
	assert_false(has(t, "hold"));
	assert_false(has(t, "lock_breaks"));
	assert_false(has(t, "cond_resched"));
	assert_int_equal(get_int(json_object_object_get(obj, "health"), "windows_unclosed"), 3);
	assert_false(has(json_object_object_get(obj, "health"), "call_exits_missed"));
	json_object_put(obj);
}

static void test_probe(void **state)
{
	struct kernel_caps caps = {
		.privileged = true, .btf = true, .tracefs = true, .tp_btf = true,
		.tp_syscalls = true, .tp_mmap_lock = true, .tp_sched_switch = true,
		.sym_copy_page_range = "copy_page_range", .btf_copy_page_range = true,
		.why_fentry = "fentry program refused: Operation not permitted",
		.why_kprobe = "no kprobe PMU",
		.missing_patched = "copy_pte:copy_pte_pass_start",
		.preempt_dynamic = true, .preempt_mode = "full",
		.why_resched = "preemption full: cond_resched() does not call __cond_resched",
	};
	static const struct prog_info progs[] = {
		{ .name = "ptcopy_switch_btf", .section = "tp_btf/sched_switch",
		  .target = "sched_switch" },
		{ .name = "ptcopy_kp_entry", .section = "kprobe",
		  .target = "copy_pte_range.isra.0" },
	};
	struct probe_report r = {
		.caps = &caps, .chosen = TIER_TRACEPOINT,
		.why = "no patched tracepoints, fentry or kprobes usable",
		.frame = FRAME_MMAP_LOCK,
		.frame_why = "fentry unavailable: fentry program refused: Operation not permitted",
		.progs = progs, .nprogs = 2, .loaded = true,
	};
	struct json_object *obj, *tiers, *v, *a;
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	probe_print(f, true, &r);
	fclose(f);
	obj = json_tokener_parse(buf);
	free(buf);
	assert_non_null(obj);
	if (!json_validate(SCHEMA_PATH, "probe", obj, err, sizeof(err)))
		fail_msg("probe output does not match the schema: %s", err);
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "chosen")),
			    "tracepoint");
	assert_true(json_object_is_type(json_object_object_get(obj, "sym_copy_pte_range"),
					json_type_null));
	tiers = json_object_object_get(obj, "tiers");
	v = json_object_object_get(json_object_object_get(tiers, "fentry"), "why");
	assert_string_equal(json_object_get_string(v),
			    "fentry program refused: Operation not permitted");
	assert_true(json_object_get_boolean(json_object_object_get(
		json_object_object_get(tiers, "tracepoint"), "available")));
	a = json_object_object_get(obj, "attach");
	assert_int_equal(json_object_array_length(a), 2);
	v = json_object_array_get_idx(a, 1);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "target")),
			    "copy_pte_range.isra.0");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "section")), "kprobe");
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "preempt_mode")),
			    "full");
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "frame")), "mmap_lock");
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "frame_why")),
			    "fentry unavailable: fentry program refused: Operation not permitted");
	assert_true(json_object_get_boolean(json_object_object_get(obj, "preempt_dynamic")));
	assert_false(json_object_get_boolean(json_object_object_get(obj, "preempt_rt")));
	assert_false(json_object_get_boolean(json_object_object_get(obj, "cond_resched_calls")));
	assert_string_equal(json_object_get_string(json_object_object_get(obj, "why_resched")),
			    "preemption full: cond_resched() does not call __cond_resched");
	json_object_put(obj);

	/* The inline sites, by name, with offset and instruction */
	caps.inline_ok = true;
	strcpy(caps.inline_func, "copy_page_range");
	caps.inline_addr = 0xffffffff812d0750ULL;
	caps.inline_sites.site[INLINE_PARENT_LOCKED].found = true;
	caps.inline_sites.site[INLINE_PARENT_LOCKED].off = 0x7af;
	strcpy(caps.inline_sites.site[INLINE_PARENT_LOCKED].insn, "movq %rax, 0x10(%rsp)");
	buf = NULL;
	f = open_memstream(&buf, &len);
	probe_print(f, true, &r);
	fclose(f);
	obj = json_tokener_parse(buf);
	free(buf);
	if (!json_validate(SCHEMA_PATH, "probe", obj, err, sizeof(err)))
		fail_msg("probe output does not match the schema: %s", err);
	v = json_object_object_get(obj, "inline");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "func")),
			    "copy_page_range");
	v = json_object_object_get(json_object_object_get(v, "sites"), "parent_locked");
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "offset")), 0x7af);
	assert_int_equal(json_object_object_length(json_object_object_get(
		json_object_object_get(obj, "inline"), "sites")), 1);
	json_object_put(obj);

	/* Not loaded: no attach points, and that is null, not an empty list */
	r.loaded = false;
	buf = NULL;
	f = open_memstream(&buf, &len);
	probe_print(f, true, &r);
	fclose(f);
	obj = json_tokener_parse(buf);
	free(buf);
	if (!json_validate(SCHEMA_PATH, "probe", obj, err, sizeof(err)))
		fail_msg("probe output does not match the schema: %s", err);
	assert_true(json_object_is_type(json_object_object_get(obj, "attach"), json_type_null));
	json_object_put(obj);
}

/* The validator must be able to fail, or the tests above prove nothing. */
static void test_validator_rejects(void **state)
{
	struct options o = { .unit_ns = 1000 };
	struct json_object *obj;
	char err[512];

	(void)state;
	obj = capture(TIER_TRACEPOINT, PTCOPY_HAVE_WINDOW, &o, do_fork, &sample_fork);
	json_object_object_del(obj, "pid");
	assert_false(json_validate(SCHEMA_PATH, "fork", obj, err, sizeof(err)));
	assert_string_equal(err, "$: 'pid' is a required property");
	json_object_object_add(obj, "pid", json_object_new_string("4242"));
	assert_false(json_validate(SCHEMA_PATH, "fork", obj, err, sizeof(err)));
	assert_string_equal(err, "$.pid: '4242' is not of type 'integer'");
	json_object_object_add(obj, "pid", json_object_new_int(4242));
	json_object_object_add(obj, "surprise", json_object_new_int(1));
	assert_false(json_validate(SCHEMA_PATH, "fork", obj, err, sizeof(err)));
	assert_string_equal(err, "$: Additional properties are not allowed ('surprise' was unexpected)");
	json_object_object_del(obj, "surprise");
	json_object_object_add(obj, "result", json_object_new_int(5));
	assert_false(json_validate(SCHEMA_PATH, "fork", obj, err, sizeof(err)));
	assert_string_equal(err, "$.result: 5 is greater than the maximum of 0");
	json_object_object_del(obj, "result");
	assert_true(json_validate(SCHEMA_PATH, "fork", obj, err, sizeof(err)));
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_tracepoint_tier),
		cmocka_unit_test(test_fork_patched_tier),
		cmocka_unit_test(test_fork_inline_tier),
		cmocka_unit_test(test_fork_probe_tier),
		cmocka_unit_test(test_fork_vmas),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_validator_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's mapping from ptcopy's contract to metric families: which
 * families each tier exposes, cgroup labels, and that a derived counter
 * never goes backwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "metrics.h"

static struct metrics *new_metrics(__u32 have, enum ptcopy_label_mode mode,
				   cgroup_names_fn names, void *ctx)
{
	struct metrics_config c = {
		.have = have,
		.label_mode = mode,
		.tier = "patched",
		.version = "0.1.0",
		.libbpf_version = "v1.1",
		.cgroup_names = names,
		.cgroup_ctx = ctx,
	};
	struct metrics *m = metrics_new(&c);

	assert_non_null(m);
	return m;
}

static char *render(struct metrics *m, const struct snapshot *snap)
{
	struct expo e;
	size_t len;
	char *out;

	expo_init(&e, EXPO_TEXT, 0);
	assert_int_equal(metrics_render(m, snap, NULL, 0, &e), 0);
	out = expo_take(&e, &len);
	assert_non_null(out);
	return out;
}

static bool has_family(const char *out, const char *name)
{
	char line[128];

	snprintf(line, sizeof(line), "# TYPE %s ", name);
	return strstr(out, line) != NULL;
}

/* Each family appears exactly when the tier measures it, never as zeros. */
static void test_gating(void **state)
{
	static const struct {
		__u32 have;
		const char *present[10];
		const char *absent[10];
	} cases[] = {
		{ PTCOPY_HAVE_WINDOW,
		  { "ptcopy_forks_total", "ptcopy_fork_copy_seconds",
		    "ptcopy_fork_sibling_stall_seconds", "ptcopy_events_lost_total",
		    "ptcopy_windows_unclosed_total" },
		  { "ptcopy_pte_lock_hold_seconds", "ptcopy_fork_aborts_total",
		    "ptcopy_copy_call_seconds", "ptcopy_cond_resched_calls_total",
		    "ptcopy_swap_cont_total", "ptcopy_orphan_events_total",
		    "ptcopy_call_exits_missed_total", "ptcopy_bpf_program_runs_total" } },
		/* tier 2 on a kernel without cond_resched/continuation probes */
		{ PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS,
		  { "ptcopy_copy_call_seconds", "ptcopy_fork_aborts_total",
		    "ptcopy_orphan_events_total", "ptcopy_call_exits_missed_total" },
		  { "ptcopy_pte_lock_hold_seconds", "ptcopy_pte_lock_wait_seconds",
		    "ptcopy_lock_breaks_total", "ptcopy_retries_total", "ptcopy_pte_passes_total",
		    "ptcopy_cond_resched_calls_total", "ptcopy_swap_cont_total" } },
		/* inline: passes and retries, not the loop's lock-break causes or aborts */
		{ PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_RESCHED |
		  PTCOPY_HAVE_SWAP_CONT,
		  { "ptcopy_pte_lock_hold_seconds", "ptcopy_pte_lock_wait_seconds",
		    "ptcopy_retries_total", "ptcopy_pte_passes_total", "ptcopy_cond_resched_calls_total",
		    "ptcopy_swap_cont_total" },
		  { "ptcopy_lock_breaks_total", "ptcopy_fork_aborts_total",
		    "ptcopy_copy_call_seconds" } },
		{ PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_LOOP | PTCOPY_HAVE_RESCHED |
		  PTCOPY_HAVE_SWAP_CONT,
		  { "ptcopy_pte_lock_hold_seconds", "ptcopy_pte_lock_wait_seconds",
		    "ptcopy_lock_breaks_total", "ptcopy_retries_total", "ptcopy_pte_passes_total",
		    "ptcopy_cond_resched_calls_total", "ptcopy_swap_cont_total",
		    "ptcopy_fork_aborts_total", "ptcopy_orphan_events_total" },
		  { "ptcopy_copy_call_seconds", "ptcopy_call_exits_missed_total",
		    "ptcopy_vma_copy_seconds_total", "ptcopy_vmas_copied_total" } },
		/* --vmas on tier fentry */
		{ PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS | PTCOPY_HAVE_VMAS | PTCOPY_HAVE_HUGE_PMD,
		  { "ptcopy_vma_copy_seconds_total", "ptcopy_vmas_copied_total",
		    "ptcopy_copy_call_seconds" },
		  { "ptcopy_pte_lock_hold_seconds" } },
	};
	struct snapshot snap;
	size_t i, j;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.total.forks = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics *m = new_metrics(cases[i].have, PTCOPY_LABEL_NONE, NULL, NULL);
		char *out = render(m, &snap);

		for (j = 0; cases[i].present[j]; j++)
			if (!has_family(out, cases[i].present[j]))
				fail_msg("have %#x: %s missing", cases[i].have, cases[i].present[j]);
		for (j = 0; cases[i].absent[j]; j++)
			if (has_family(out, cases[i].absent[j]))
				fail_msg("have %#x: %s present", cases[i].have, cases[i].absent[j]);
		/* folding does not exist without labels */
		assert_false(has_family(out, "ptcopy_labels_folded_total"));
		assert_true(has_family(out, "ptcopy_tier_info"));
		assert_non_null(strstr(out, "ptcopy_tier_info{tier=\"patched\"} 1\n"));
		free(out);
		metrics_free(m);
	}
}

/* --vmas: copy seconds (exact, from ns) and mappings by kind, per label value, every kind. */
static void test_vma_kinds(void **state)
{
	struct metrics *m = new_metrics(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_VMAS, PTCOPY_LABEL_COMM,
					NULL, NULL);
	struct label_stats l;
	struct snapshot snap;
	char *out;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(&l, 0, sizeof(l));
	strcpy(l.label.comm, "redis");
	l.stats.forks = 2;
	l.stats.vmas[PTCOPY_VMA_ANON] = 6;
	l.stats.vma_ns_sum[PTCOPY_VMA_ANON] = 1500000000;
	l.stats.vmas[PTCOPY_VMA_HEAP] = 2;
	l.stats.vma_ns_sum[PTCOPY_VMA_HEAP] = 250000;
	snap.labels = &l;
	snap.nlabels = 1;
	out = render(m, &snap);
	assert_non_null(strstr(out, "ptcopy_vma_copy_seconds_total{comm=\"redis\",kind=\"anon\"} 1.500000000\n"));
	assert_non_null(strstr(out, "ptcopy_vma_copy_seconds_total{comm=\"redis\",kind=\"heap\"} 0.000250000\n"));
	assert_non_null(strstr(out, "ptcopy_vma_copy_seconds_total{comm=\"redis\",kind=\"hugetlb\"} 0.000000000\n"));
	assert_non_null(strstr(out, "ptcopy_vmas_copied_total{comm=\"redis\",kind=\"anon\"} 6\n"));
	assert_non_null(strstr(out, "ptcopy_vmas_copied_total{comm=\"redis\",kind=\"heap\"} 2\n"));
	assert_non_null(strstr(out, "ptcopy_vmas_copied_total{comm=\"redis\",kind=\"shmem\"} 0\n"));
	free(out);
	metrics_free(m);
}

/*
 * cond_resched outcomes are the two raw counters, as BPF holds them: no
 * state in the exporter, PromQL subtracts. A torn read (done added, calls
 * not yet) shows as is, each counter still monotonic on its own.
 */
static void test_resched_raw(void **state)
{
	static const struct {
		__u64 calls, done;
	} scrapes[] = {
		{ 10, 3 },
		{ 10, 5 },		/* torn: done added, calls not yet */
		{ 14, 5 },
	};
	struct metrics *m = new_metrics(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_RESCHED,
					PTCOPY_LABEL_COMM, NULL, NULL);
	struct label_stats l[2];
	struct snapshot snap;
	size_t i;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(l, 0, sizeof(l));
	strcpy(l[0].label.comm, "redis-server");
	strcpy(l[1].label.comm, "java");
	l[0].stats.forks = l[1].stats.forks = 1;
	snap.labels = l;
	snap.nlabels = 2;
	for (i = 0; i < sizeof(scrapes) / sizeof(scrapes[0]); i++) {
		char want[256];
		char *out;

		l[0].stats.resched_calls = scrapes[i].calls;
		l[0].stats.resched_done = scrapes[i].done;
		l[1].stats.resched_calls = 2 + i;
		out = render(m, &snap);
		snprintf(want, sizeof(want),
			 "ptcopy_cond_resched_calls_total{comm=\"redis-server\"} %llu\n",
			 (unsigned long long)scrapes[i].calls);
		if (!strstr(out, want))
			fail_msg("scrape %zu: want %s in\n%s", i, want, out);
		snprintf(want, sizeof(want),
			 "ptcopy_cond_resched_rescheduled_total{comm=\"redis-server\"} %llu\n",
			 (unsigned long long)scrapes[i].done);
		if (!strstr(out, want))
			fail_msg("scrape %zu: want %s in\n%s", i, want, out);
		snprintf(want, sizeof(want),
			 "ptcopy_cond_resched_calls_total{comm=\"java\"} %zu\n", 2 + i);
		assert_non_null(strstr(out, want));
		assert_null(strstr(out, "rescheduled=\""));
		free(out);
	}
	metrics_free(m);
}

struct fake_names {
	int calls;
	size_t nids;
	__u64 ids[8];
};

static int fake_cgroup_names(void *ctx, const __u64 *ids, size_t n, char **names)
{
	struct fake_names *f = ctx;
	size_t i;

	f->calls++;
	f->nids = n;
	for (i = 0; i < n; i++) {
		char buf[64];

		f->ids[i] = ids[i];
		if (ids[i] == 1)
			snprintf(buf, sizeof(buf), "/");
		else
			snprintf(buf, sizeof(buf), "/system.slice/unit-%llu.service",
				 (unsigned long long)ids[i]);
		names[i] = strdup(buf);
	}
	return 0;
}

/* --labels=cgroup: the label is "cgroup", the fold entry "other". */
static void test_cgroup_labels(void **state)
{
	struct fake_names names = {};
	struct metrics *m = new_metrics(PTCOPY_HAVE_WINDOW, PTCOPY_LABEL_CGROUP,
					fake_cgroup_names, &names);
	struct label_stats l[4];
	struct snapshot snap;
	char *out;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(l, 0, sizeof(l));
	l[0].label.cgroup_id = 4242;
	l[0].stats.forks = 5;
	l[1].label.cgroup_id = PTCOPY_LABEL_OTHER;
	strcpy(l[1].label.comm, "other");
	l[1].stats.forks = 2;
	l[2].label.cgroup_id = 1;
	l[2].stats.forks = 1;
	l[3].label.cgroup_id = 77;	/* no fork yet: not named, no series */
	snap.labels = l;
	snap.nlabels = 4;
	snap.counters[PTCOPY_CTR_LABELS_FOLDED] = 3;
	out = render(m, &snap);
	assert_int_equal(names.calls, 1);
	assert_int_equal(names.nids, 2);
	assert_true(names.ids[0] == 4242 && names.ids[1] == 1);
	assert_non_null(strstr(out,
			       "ptcopy_forks_total{cgroup=\"/\"} 1\n"
			       "ptcopy_forks_total{cgroup=\"/system.slice/unit-4242.service\"} 5\n"
			       "ptcopy_forks_total{cgroup=\"other\"} 2\n"));
	assert_non_null(strstr(out, "ptcopy_labels_folded_total 3\n"));
	assert_null(strstr(out, "comm="));
	free(out);
	metrics_free(m);

	/* Without a resolver, ids in decimal. */
	m = new_metrics(PTCOPY_HAVE_WINDOW, PTCOPY_LABEL_CGROUP, NULL, NULL);
	out = render(m, &snap);
	assert_non_null(strstr(out,
			       "ptcopy_forks_total{cgroup=\"1\"} 1\n"
			       "ptcopy_forks_total{cgroup=\"4242\"} 5\n"
			       "ptcopy_forks_total{cgroup=\"other\"} 2\n"));
	free(out);
	metrics_free(m);
}

/* --labels=none: the totals, no label at all, even with labels in the map. */
static void test_no_labels(void **state)
{
	struct metrics *m = new_metrics(PTCOPY_HAVE_WINDOW, PTCOPY_LABEL_NONE, NULL, NULL);
	struct label_stats l[1];
	struct snapshot snap;
	char *out;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(l, 0, sizeof(l));
	l[0].label.cgroup_id = PTCOPY_LABEL_OTHER;
	strcpy(l[0].label.comm, "other");
	snap.labels = l;
	snap.nlabels = 1;
	snap.total.forks = 9;
	out = render(m, &snap);
	assert_non_null(strstr(out, "\nptcopy_forks_total 9\n"));
	assert_null(strstr(out, "comm="));
	assert_null(strstr(out, "ptcopy_forks_folded_total"));
	free(out);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gating),
		cmocka_unit_test(test_resched_raw),
		cmocka_unit_test(test_vma_kinds),
		cmocka_unit_test(test_cgroup_labels),
		cmocka_unit_test(test_no_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

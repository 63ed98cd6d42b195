// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's exposition for fixed aggregates, compared byte for byte:
 * every bucket count below was checked by hand against the slots set in
 * the fixtures (slot i holds [2^i, 2^(i+1) - 1] ns; bucket le = 2^(i+1) - 1
 * ns counts slots 0..i).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exposition.h"
#include "labelset.h"
#include "metrics.h"

static const struct prog_stat progs[] = {
	{ "ptcopy_clone", 10, 1500 },
	{ "ptcopy_switch_btf", 123456, 2000000001 },
};

/* Comm labels: the fold entry, a real "other", a never-forked value. */
static void fixture(struct snapshot *snap, struct label_stats *l)
{
	memset(snap, 0, sizeof(*snap));
	memset(l, 0, 4 * sizeof(*l));
	/* "redis-server": 3 forks of 0.8, 3 and 70 ms; 2 stalls */
	strcpy(l[0].label.comm, "redis-server");
	l[0].stats.forks = 3;
	l[0].stats.window.slots[19] = 1;	/* 800000 ns */
	l[0].stats.window.slots[21] = 1;	/* 3000000 ns */
	l[0].stats.window.slots[26] = 1;	/* 70000000 ns */
	l[0].stats.window_ns_sum = 73800000;
	l[0].stats.stalls = 2;
	l[0].stats.stall.slots[7] = 1;		/* 200 ns: le 255 ns */
	l[0].stats.stall.slots[8] = 1;		/* 300 ns: le 1023 ns */
	l[0].stats.stall_ns_sum = 500;
	/* the fold entry */
	l[1].label.cgroup_id = PTCOPY_LABEL_OTHER;
	strcpy(l[1].label.comm, "other");
	l[1].stats.forks = 2;
	l[1].stats.window.slots[0] = 1;		/* 1 ns */
	l[1].stats.window.slots[39] = 1;	/* 1000 s: only +Inf */
	l[1].stats.window_ns_sum = 1000000000001ULL;
	/* a process really named "other": merged with the fold entry */
	strcpy(l[2].label.comm, "other");
	l[2].stats.forks = 1;
	l[2].stats.window.slots[35] = 1;	/* 60 s: le 68.719476735 */
	l[2].stats.window_ns_sum = 60000000000ULL;
	/* never forked: no series */
	strcpy(l[3].label.comm, "bash");
	snap->labels = l;
	snap->nlabels = 4;
	snap->total.forks = 6;
	snap->counters[PTCOPY_CTR_LABELS_FOLDED] = 7;
	snap->counters[PTCOPY_CTR_FORKS_FOLDED] = 2;
	snap->counters[PTCOPY_CTR_EVENTS_LOST] = 1;
	snap->counters[PTCOPY_CTR_FORKS_UNTRACKED] = 0;
	snap->counters[PTCOPY_CTR_WAITS_UNTRACKED] = 4;
	snap->counters[PTCOPY_CTR_ORPHAN_EVENTS] = 5;
	snap->counters[PTCOPY_CTR_WINDOWS_UNCLOSED] = 3;
	/* tiers fentry/kprobe only: absent with the window alone */
	snap->counters[PTCOPY_CTR_CALL_EXITS_MISSED] = 6;
}

/* Totals for --labels=none with every tier-1/2 field set (distinct values). */
static void fixture_total(struct snapshot *snap)
{
	struct ptcopy_stats *t = &snap->total;
	int i;

	memset(snap, 0, sizeof(*snap));
	t->forks = 2;
	t->window.slots[24] = 2;		/* 2 x 20 ms */
	t->window_ns_sum = 40000000;
	t->passes = 300;
	t->hold.slots[10] = 200;		/* 1-2 us */
	t->hold.slots[12] = 100;		/* 4-8 us */
	t->hold_ns_sum = 900000;
	t->wait.slots[9] = 300;			/* 512-1023 ns */
	t->wait_ns_sum = 210000;
	t->stops[PTCOPY_STOP_DONE] = 256;
	t->stops[PTCOPY_STOP_NEED_RESCHED] = 30;
	t->stops[PTCOPY_STOP_SRC_CONTENDED] = 10;
	t->stops[PTCOPY_STOP_DST_CONTENDED] = 2;
	t->stops[PTCOPY_STOP_SWAP_CONT] = 1;
	t->pass_reasons[PTCOPY_PASS_FIRST] = 256;
	t->pass_reasons[PTCOPY_PASS_LOCK_BREAK] = 42;
	t->pass_reasons[PTCOPY_PASS_SWAP_CONT] = 1;
	t->pass_reasons[PTCOPY_PASS_PREALLOC] = 1;
	t->calls = 256;
	t->call.slots[13] = 256;		/* 8-16 us */
	t->call_ns_sum = 2560000;
	for (i = 0; i < PTCOPY_ABORTS; i++)
		t->aborts[i] = i + 1;
	t->resched_calls = 300;
	t->resched_done = 12;
	t->swap_cont_ok = 1;
	t->swap_cont_failed = 3;
	snap->counters[PTCOPY_CTR_ORPHAN_EVENTS] = 5;
	snap->counters[PTCOPY_CTR_EVENTS_LOST] = 2;
	snap->counters[PTCOPY_CTR_WINDOWS_UNCLOSED] = 8;
	snap->counters[PTCOPY_CTR_CALL_EXITS_MISSED] = 9;
}

static char *render(const struct snapshot *snap, __u32 have, enum ptcopy_label_mode mode,
		    enum expo_format format)
{
	struct metrics_config c = {
		.have = have,
		.label_mode = mode,
		.tier = "tracepoint",
		.version = "0.1.0",
		.libbpf_version = "v1.1",
		.prog_stats = true,
	};
	struct metrics *m = metrics_new(&c);
	struct expo e;
	size_t len;
	char *out;

	assert_non_null(m);
	expo_init(&e, format, 0);
	assert_int_equal(metrics_render(m, snap, progs, 2, &e), 0);
	out = expo_take(&e, &len);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	metrics_free(m);
	return out;
}

/*
 * Tier 3 (the window only), comm labels, text 0.0.4: only the window's
 * families, "other" merged from the fold entry and a real process of that
 * name, no series for a value that never forked.
 */
static const char text_comm[] =
	"# HELP ptcopy_build_info ptcopy_exporter's version and the libbpf it runs with; always 1.\n"
	"# TYPE ptcopy_build_info gauge\n"
	"ptcopy_build_info{version=\"0.1.0\",libbpf=\"v1.1\"} 1\n"
	"# HELP ptcopy_tier_info The data source in use (patched, inline, fentry, kprobe or tracepoint; see ptcopy(8)); always 1.\n"
	"# TYPE ptcopy_tier_info gauge\n"
	"ptcopy_tier_info{tier=\"tracepoint\"} 1\n"
	"# HELP ptcopy_forks_total Forks whose page-table copy ended (the parent's mm was copied).\n"
	"# TYPE ptcopy_forks_total counter\n"
	"ptcopy_forks_total{comm=\"other\"} 3\n"
	"ptcopy_forks_total{comm=\"redis-server\"} 3\n"
	"# HELP ptcopy_fork_copy_seconds Per fork, how long fork held the parent's mmap_lock for writing to copy its page tables (dup_mmap): the copy window.\n"
	"# TYPE ptcopy_fork_copy_seconds histogram\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"2.55e-07\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"1.023e-06\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"4.095e-06\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"1.6383e-05\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"6.5535e-05\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.000262143\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.001048575\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.004194303\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.016777215\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.067108863\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"0.268435455\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"1.073741823\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"4.294967295\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"17.179869183\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"68.719476735\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"other\",le=\"+Inf\"} 3\n"
	"ptcopy_fork_copy_seconds_count{comm=\"other\"} 3\n"
	"ptcopy_fork_copy_seconds_sum{comm=\"other\"} 1060.000000001\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"2.55e-07\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"1.023e-06\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"4.095e-06\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"1.6383e-05\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"6.5535e-05\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.000262143\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.001048575\"} 1\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.004194303\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.016777215\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.067108863\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"0.268435455\"} 3\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"1.073741823\"} 3\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"4.294967295\"} 3\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"17.179869183\"} 3\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"68.719476735\"} 3\n"
	"ptcopy_fork_copy_seconds_bucket{comm=\"redis-server\",le=\"+Inf\"} 3\n"
	"ptcopy_fork_copy_seconds_count{comm=\"redis-server\"} 3\n"
	"ptcopy_fork_copy_seconds_sum{comm=\"redis-server\"} 0.073800000\n"
	"# HELP ptcopy_fork_sibling_stall_seconds Per wait of another thread of the forking process for its mmap_lock, the part inside the copy window (page faults and mmap calls blocked by the fork).\n"
	"# TYPE ptcopy_fork_sibling_stall_seconds histogram\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"2.55e-07\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"1.023e-06\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"4.095e-06\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"1.6383e-05\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"6.5535e-05\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.000262143\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.001048575\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.004194303\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.016777215\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.067108863\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"0.268435455\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"1.073741823\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"4.294967295\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"17.179869183\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"68.719476735\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"other\",le=\"+Inf\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_count{comm=\"other\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_sum{comm=\"other\"} 0.000000000\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"2.55e-07\"} 1\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"1.023e-06\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"4.095e-06\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"1.6383e-05\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"6.5535e-05\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.000262143\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.001048575\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.004194303\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.016777215\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.067108863\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"0.268435455\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"1.073741823\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"4.294967295\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"17.179869183\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"68.719476735\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{comm=\"redis-server\",le=\"+Inf\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_count{comm=\"redis-server\"} 2\n"
	"ptcopy_fork_sibling_stall_seconds_sum{comm=\"redis-server\"} 0.000000500\n"
	"# HELP ptcopy_events_lost_total Per-fork events dropped because the ring buffer was full; the forks are still in every other metric.\n"
	"# TYPE ptcopy_events_lost_total counter\n"
	"ptcopy_events_lost_total 1\n"
	"# HELP ptcopy_forks_untracked_total Forks not traced because too many were in flight at once.\n"
	"# TYPE ptcopy_forks_untracked_total counter\n"
	"ptcopy_forks_untracked_total 0\n"
	"# HELP ptcopy_labels_folded_total Distinct label values beyond the bound on them (ptcopy: 128; ptcopy_exporter --max-label-values), accounted under the label value \"other\".\n"
	"# TYPE ptcopy_labels_folded_total counter\n"
	"ptcopy_labels_folded_total 7\n"
	"# HELP ptcopy_forks_folded_total Forks accounted under the label value \"other\".\n"
	"# TYPE ptcopy_forks_folded_total counter\n"
	"ptcopy_forks_folded_total 2\n"
	"# HELP ptcopy_waits_untracked_total mmap_lock waits of forking processes' threads not tracked because too many were in flight at once.\n"
	"# TYPE ptcopy_waits_untracked_total counter\n"
	"ptcopy_waits_untracked_total 4\n"
	"# HELP ptcopy_windows_unclosed_total Forks whose copy window opened but whose end was never seen; they are missing from every other metric.\n"
	"# TYPE ptcopy_windows_unclosed_total counter\n"
	"ptcopy_windows_unclosed_total 3\n"
	"# HELP ptcopy_bpf_program_runs_total Runs of each of ptcopy's BPF programs since the exporter enabled BPF run statistics.\n"
	"# TYPE ptcopy_bpf_program_runs_total counter\n"
	"ptcopy_bpf_program_runs_total{program=\"ptcopy_clone\"} 10\n"
	"ptcopy_bpf_program_runs_total{program=\"ptcopy_switch_btf\"} 123456\n"
	"# HELP ptcopy_bpf_program_run_seconds_total Time spent in each of ptcopy's BPF programs since the exporter enabled BPF run statistics.\n"
	"# TYPE ptcopy_bpf_program_run_seconds_total counter\n"
	"ptcopy_bpf_program_run_seconds_total{program=\"ptcopy_clone\"} 0.000001500\n"
	"ptcopy_bpf_program_run_seconds_total{program=\"ptcopy_switch_btf\"} 2.000000001\n";

static void test_text_comm(void **state)
{
	struct label_stats l[4];
	struct snapshot snap;
	char *out;

	(void)state;
	fixture(&snap, l);
	out = render(&snap, PTCOPY_HAVE_WINDOW, PTCOPY_LABEL_COMM, EXPO_TEXT);
	assert_string_equal(out, text_comm);
	free(out);
}

/*
 * Every tier bit, no labels, OpenMetrics 1.0: every family, the health
 * counters of tiers 1/2, family names without _total/_info, UNIT, # EOF.
 */
static const char om_full[] =
	"# TYPE ptcopy_build info\n"
	"# HELP ptcopy_build ptcopy_exporter's version and the libbpf it runs with; always 1.\n"
	"ptcopy_build_info{version=\"0.1.0\",libbpf=\"v1.1\"} 1\n"
	"# TYPE ptcopy_tier info\n"
	"# HELP ptcopy_tier The data source in use (patched, inline, fentry, kprobe or tracepoint; see ptcopy(8)); always 1.\n"
	"ptcopy_tier_info{tier=\"tracepoint\"} 1\n"
	"# TYPE ptcopy_forks counter\n"
	"# HELP ptcopy_forks Forks whose page-table copy ended (the parent's mm was copied).\n"
	"ptcopy_forks_total 2\n"
	"# TYPE ptcopy_fork_copy_seconds histogram\n"
	"# UNIT ptcopy_fork_copy_seconds seconds\n"
	"# HELP ptcopy_fork_copy_seconds Per fork, how long fork held the parent's mmap_lock for writing to copy its page tables (dup_mmap): the copy window.\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"2.55e-07\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"1.023e-06\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"4.095e-06\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"1.6383e-05\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"6.5535e-05\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.000262143\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.001048575\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.004194303\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.016777215\"} 0\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.067108863\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"0.268435455\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"1.073741823\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"4.294967295\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"17.179869183\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"68.719476735\"} 2\n"
	"ptcopy_fork_copy_seconds_bucket{le=\"+Inf\"} 2\n"
	"ptcopy_fork_copy_seconds_count 2\n"
	"ptcopy_fork_copy_seconds_sum 0.040000000\n"
	"# TYPE ptcopy_fork_sibling_stall_seconds histogram\n"
	"# UNIT ptcopy_fork_sibling_stall_seconds seconds\n"
	"# HELP ptcopy_fork_sibling_stall_seconds Per wait of another thread of the forking process for its mmap_lock, the part inside the copy window (page faults and mmap calls blocked by the fork).\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"2.55e-07\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"1.023e-06\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"4.095e-06\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"1.6383e-05\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"6.5535e-05\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.000262143\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.001048575\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.004194303\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.016777215\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.067108863\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"0.268435455\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"1.073741823\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"4.294967295\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"17.179869183\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"68.719476735\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_bucket{le=\"+Inf\"} 0\n"
	"ptcopy_fork_sibling_stall_seconds_count 0\n"
	"ptcopy_fork_sibling_stall_seconds_sum 0.000000000\n"
	"# TYPE ptcopy_pte_passes counter\n"
	"# HELP ptcopy_pte_passes copy_pte_range() passes: first passes and retries after a lock-break, swap continuation or page preallocation.\n"
	"ptcopy_pte_passes_total 300\n"
	"# TYPE ptcopy_pte_lock_hold_seconds histogram\n"
	"# UNIT ptcopy_pte_lock_hold_seconds seconds\n"
	"# HELP ptcopy_pte_lock_hold_seconds Per copy_pte_range() pass, how long the parent's and the child's PTE locks were both held.\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"2.55e-07\"} 0\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"1.023e-06\"} 0\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"4.095e-06\"} 200\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"1.6383e-05\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"6.5535e-05\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.000262143\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.001048575\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.004194303\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.016777215\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.067108863\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"0.268435455\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"1.073741823\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"4.294967295\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"17.179869183\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"68.719476735\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_bucket{le=\"+Inf\"} 300\n"
	"ptcopy_pte_lock_hold_seconds_count 300\n"
	"ptcopy_pte_lock_hold_seconds_sum 0.000900000\n"
	"# TYPE ptcopy_pte_lock_wait_seconds histogram\n"
	"# UNIT ptcopy_pte_lock_wait_seconds seconds\n"
	"# HELP ptcopy_pte_lock_wait_seconds Per copy_pte_range() pass, from the pass's start until both PTE locks were taken (includes the child page-table allocation).\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"2.55e-07\"} 0\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"1.023e-06\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"4.095e-06\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"1.6383e-05\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"6.5535e-05\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.000262143\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.001048575\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.004194303\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.016777215\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.067108863\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"0.268435455\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"1.073741823\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"4.294967295\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"17.179869183\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"68.719476735\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_bucket{le=\"+Inf\"} 300\n"
	"ptcopy_pte_lock_wait_seconds_count 300\n"
	"ptcopy_pte_lock_wait_seconds_sum 0.000210000\n"
	"# TYPE ptcopy_copy_call_seconds histogram\n"
	"# UNIT ptcopy_copy_call_seconds seconds\n"
	"# HELP ptcopy_copy_call_seconds Per copy_pte_range() (or, where it is inlined, copy_page_range()) call, its duration: an upper bound of the PTE lock hold, not the hold itself.\n"
	"ptcopy_copy_call_seconds_bucket{le=\"2.55e-07\"} 0\n"
	"ptcopy_copy_call_seconds_bucket{le=\"1.023e-06\"} 0\n"
	"ptcopy_copy_call_seconds_bucket{le=\"4.095e-06\"} 0\n"
	"ptcopy_copy_call_seconds_bucket{le=\"1.6383e-05\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"6.5535e-05\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.000262143\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.001048575\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.004194303\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.016777215\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.067108863\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"0.268435455\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"1.073741823\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"4.294967295\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"17.179869183\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"68.719476735\"} 256\n"
	"ptcopy_copy_call_seconds_bucket{le=\"+Inf\"} 256\n"
	"ptcopy_copy_call_seconds_count 256\n"
	"ptcopy_copy_call_seconds_sum 0.002560000\n"
	"# TYPE ptcopy_retries counter\n"
	"# HELP ptcopy_retries copy_pte_range() passes that retried a range (goto again), by reason.\n"
	"ptcopy_retries_total{reason=\"lock_break\"} 42\n"
	"ptcopy_retries_total{reason=\"swap_cont\"} 1\n"
	"ptcopy_retries_total{reason=\"prealloc\"} 1\n"
	"# TYPE ptcopy_lock_breaks counter\n"
	"# HELP ptcopy_lock_breaks PTE-lock breaks in copy_pte_range(), by cause: need_resched, or the parent's or child's PTE lock contended (spin_needbreak).\n"
	"ptcopy_lock_breaks_total{cause=\"need_resched\"} 30\n"
	"ptcopy_lock_breaks_total{cause=\"src_contended\"} 10\n"
	"ptcopy_lock_breaks_total{cause=\"dst_contended\"} 2\n"
	"# TYPE ptcopy_fork_aborts counter\n"
	"# HELP ptcopy_fork_aborts Page-table copies that failed, failing the fork, by error.\n"
	"ptcopy_fork_aborts_total{error=\"ENOMEM\"} 1\n"
	"ptcopy_fork_aborts_total{error=\"EBUSY\"} 2\n"
	"ptcopy_fork_aborts_total{error=\"EHWPOISON\"} 3\n"
	"ptcopy_fork_aborts_total{error=\"other\"} 4\n"
	"# TYPE ptcopy_cond_resched_calls counter\n"
	"# HELP ptcopy_cond_resched_calls cond_resched() calls after copy_pte_range() passes (calls), and those that rescheduled the task (rescheduled): calls minus rescheduled is the calls that did not.\n"
	"ptcopy_cond_resched_calls_total 300\n"
	"# TYPE ptcopy_cond_resched_rescheduled counter\n"
	"# HELP ptcopy_cond_resched_rescheduled cond_resched() calls after copy_pte_range() passes (calls), and those that rescheduled the task (rescheduled): calls minus rescheduled is the calls that did not.\n"
	"ptcopy_cond_resched_rescheduled_total 12\n"
	"# TYPE ptcopy_swap_cont counter\n"
	"# HELP ptcopy_swap_cont Swap-count continuations (add_swap_count_continuation) during page-table copies, by result; a failed one fails the fork with ENOMEM.\n"
	"ptcopy_swap_cont_total{result=\"ok\"} 1\n"
	"ptcopy_swap_cont_total{result=\"failed\"} 3\n"
	"# TYPE ptcopy_events_lost counter\n"
	"# HELP ptcopy_events_lost Per-fork events dropped because the ring buffer was full; the forks are still in every other metric.\n"
	"ptcopy_events_lost_total 2\n"
	"# TYPE ptcopy_forks_untracked counter\n"
	"# HELP ptcopy_forks_untracked Forks not traced because too many were in flight at once.\n"
	"ptcopy_forks_untracked_total 0\n"
	"# TYPE ptcopy_waits_untracked counter\n"
	"# HELP ptcopy_waits_untracked mmap_lock waits of forking processes' threads not tracked because too many were in flight at once.\n"
	"ptcopy_waits_untracked_total 0\n"
	"# TYPE ptcopy_orphan_events counter\n"
	"# HELP ptcopy_orphan_events Page-table copy events seen outside any traced fork.\n"
	"ptcopy_orphan_events_total 5\n"
	"# TYPE ptcopy_windows_unclosed counter\n"
	"# HELP ptcopy_windows_unclosed Forks whose copy window opened but whose end was never seen; they are missing from every other metric.\n"
	"ptcopy_windows_unclosed_total 8\n"
	"# TYPE ptcopy_call_exits_missed counter\n"
	"# HELP ptcopy_call_exits_missed Page-table copy calls whose return was not seen (kretprobe instances exhausted); those calls are missing from the call metrics and, with --vmas, their mappings from the mapping metrics.\n"
	"ptcopy_call_exits_missed_total 9\n"
	"# TYPE ptcopy_bpf_program_runs counter\n"
	"# HELP ptcopy_bpf_program_runs Runs of each of ptcopy's BPF programs since the exporter enabled BPF run statistics.\n"
	"ptcopy_bpf_program_runs_total{program=\"ptcopy_clone\"} 10\n"
	"ptcopy_bpf_program_runs_total{program=\"ptcopy_switch_btf\"} 123456\n"
	"# TYPE ptcopy_bpf_program_run_seconds counter\n"
	"# UNIT ptcopy_bpf_program_run_seconds seconds\n"
	"# HELP ptcopy_bpf_program_run_seconds Time spent in each of ptcopy's BPF programs since the exporter enabled BPF run statistics.\n"
	"ptcopy_bpf_program_run_seconds_total{program=\"ptcopy_clone\"} 0.000001500\n"
	"ptcopy_bpf_program_run_seconds_total{program=\"ptcopy_switch_btf\"} 2.000000001\n"
	"# EOF\n";

static void test_openmetrics_all(void **state)
{
	struct snapshot snap;
	char *out;

	(void)state;
	fixture_total(&snap);
	out = render(&snap, PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_LOOP |
			    PTCOPY_HAVE_CALLS | PTCOPY_HAVE_RESCHED | PTCOPY_HAVE_SWAP_CONT,
		     PTCOPY_LABEL_NONE, EXPO_OPENMETRICS);
	assert_string_equal(out, om_full);
	free(out);
}

/* Go's strconv.FormatFloat(ns / 1e9, 'g', -1, 64), ".0" added to integers. */
static void test_le_canonical(void **state)
{
	static const struct {
		__u64 ns;
		const char *le;
	} cases[] = {
		{ 0, "0.0" },
		{ 1, "1e-09" },
		{ 255, "2.55e-07" },
		{ 10000, "1e-05" },
		{ 65535, "6.5535e-05" },
		{ 100000, "0.0001" },
		{ 262143, "0.000262143" },
		{ 1000000, "0.001" },
		{ 123456789, "0.123456789" },
		{ 1000000000, "1.0" },
		{ 1500000000, "1.5" },
		{ 68719476735ULL, "68.719476735" },
		{ 100000000000000ULL, "100000.0" },
		{ 1000000000000000ULL, "1e+06" },
		{ 1234567000000000ULL, "1.234567e+06" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(expo_format_le(cases[i].ns, buf, sizeof(buf)), strlen(cases[i].le));
		assert_string_equal(buf, cases[i].le);
	}
	expo_format_seconds(1060000000001ULL, buf, sizeof(buf));
	assert_string_equal(buf, "1060.000000001");
	expo_format_seconds(0, buf, sizeof(buf));
	assert_string_equal(buf, "0.000000000");
}

/*
 * A comm may hold any byte but NUL: quote, backslash and newline are
 * escaped, bytes that are not UTF-8 become U+FFFD, valid UTF-8 stays.
 */
static void test_label_escaping(void **state)
{
	static const struct expo_family f = { "x_total", EXPO_COUNTER, NULL, "a \\ \"b\"\nc" };
	struct label_stats l[1];
	struct labelset ls;
	struct snapshot snap;
	struct expo_label label = { "comm", NULL };
	struct expo e;
	size_t len;
	char *out;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(l, 0, sizeof(l));
	memcpy(l[0].label.comm, "a\"b\\c\nd\xff\xc3\xa9\xe2\x82", 12);
	l[0].stats.forks = 1;
	snap.labels = l;
	snap.nlabels = 1;
	assert_int_equal(labelset_build(&ls, &snap, PTCOPY_LABEL_COMM, NULL, NULL), 0);
	assert_int_equal(ls.n, 1);
	assert_string_equal(ls.series[0].value,
			    "a\"b\\c\nd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");

	expo_init(&e, EXPO_TEXT, 0);
	expo_family(&e, &f);
	label.value = ls.series[0].value;
	expo_value(&e, &f, &label, 1, 1);
	out = expo_take(&e, &len);
	assert_string_equal(out,
			    "# HELP x_total a \\\\ \"b\"\\nc\n"
			    "# TYPE x_total counter\n"
			    "x_total{comm=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\"} 1\n");
	free(out);

	/* OpenMetrics also escapes the quote in HELP. */
	expo_init(&e, EXPO_OPENMETRICS, 0);
	expo_family(&e, &f);
	out = expo_take(&e, &len);
	assert_string_equal(out, "# TYPE x counter\n# HELP x a \\\\ \\\"b\\\"\\nc\n");
	free(out);
	labelset_free(&ls);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7" },		/* U+1F427 */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
		{ "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd" },		/* truncated */
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		utf8_sanitize(cases[i].in, strlen(cases[i].in), out);
		assert_string_equal(out, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_comm),
		cmocka_unit_test(test_openmetrics_all),
		cmocka_unit_test(test_le_canonical),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

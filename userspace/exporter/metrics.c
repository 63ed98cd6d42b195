// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One table row per metric family: its name, type and help, which
 * PTCOPY_HAVE_* bits it needs, and how one label value's ptcopy_stats
 * becomes its samples. Label values (cause, reason, error, kind) and the health
 * families come from bpf/ptcopy.h's name tables. No state is kept between
 * scrapes: every sample is a counter as BPF holds it. Histograms are in the
 * unit the loader was given (hist_unit_ns = 1: slot i holds
 * [2^i, 2^(i+1) - 1] ns).
 */
#include <errno.h>
#include <stdlib.h>
#include "metrics.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LABELS	2

struct metrics {
	struct metrics_config cfg;
	const char *label_name;		/* "comm", "cgroup" or NULL */
};

struct render {
	struct expo *e;
	const struct series *s;
	struct expo_label labels[MAX_LABELS];
	size_t nlabels;			/* the series' own label, if any */
};

typedef void (*emit_fn)(struct render *r, const struct expo_family *f);

struct family {
	struct expo_family f;
	__u32 have;			/* exposed if the tier has any of these */
	emit_fn emit;
};

static const struct ptcopy_stats *st(const struct render *r)
{
	return &r->s->stats;
}

/* A sample with the series' label plus one more (name=value). */
static void value_with(struct render *r, const struct expo_family *f, const char *name,
		       const char *value, __u64 v)
{
	r->labels[r->nlabels].name = name;
	r->labels[r->nlabels].value = value;
	expo_value(r->e, f, r->labels, r->nlabels + 1, v);
}

static void emit_forks(struct render *r, const struct expo_family *f)
{
	expo_value(r->e, f, r->labels, r->nlabels, st(r)->forks);
}

static void emit_copy(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->window, st(r)->window_ns_sum);
}

static void emit_stall(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->stall, st(r)->stall_ns_sum);
}

static void emit_passes(struct render *r, const struct expo_family *f)
{
	expo_value(r->e, f, r->labels, r->nlabels, st(r)->passes);
}

static void emit_hold(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->hold, st(r)->hold_ns_sum);
}

static void emit_wait(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->wait, st(r)->wait_ns_sum);
}

/* Label values: the names of bpf/ptcopy.h's tables, the kernel patch's. */
static void emit_breaks(struct render *r, const struct expo_family *f)
{
#define STOP(id, value, name, lock_break)				\
	if (lock_break)							\
		value_with(r, f, "cause", #name, st(r)->stops[PTCOPY_STOP_##id]);
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
}

static void emit_retries(struct render *r, const struct expo_family *f)
{
#define RETRY(id, value, name)						\
	if (PTCOPY_PASS_##id != PTCOPY_PASS_FIRST)				\
		value_with(r, f, "reason", #name, st(r)->pass_reasons[PTCOPY_PASS_##id]);
	PTCOPY_PASS_REASON_TABLE(RETRY)
#undef RETRY
}

static void emit_calls(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->call, st(r)->call_ns_sum);
}

static void emit_aborts(struct render *r, const struct expo_family *f)
{
#define ABORT(id, value, name)	value_with(r, f, "error", #name, st(r)->aborts[PTCOPY_ABORT_##id]);
	PTCOPY_ABORT_TABLE(ABORT)
#undef ABORT
}

/*
 * The raw counters: calls, and calls that rescheduled. The BPF side adds
 * to them one after the other, so their difference, taken here, could go
 * back between two scrapes; PromQL subtracts them instead.
 */
static void emit_resched_calls(struct render *r, const struct expo_family *f)
{
	expo_value(r->e, f, r->labels, r->nlabels, st(r)->resched_calls);
}

static void emit_resched_done(struct render *r, const struct expo_family *f)
{
	expo_value(r->e, f, r->labels, r->nlabels, st(r)->resched_done);
}

static void emit_swap_cont(struct render *r, const struct expo_family *f)
{
	value_with(r, f, "result", "ok", st(r)->swap_cont_ok);
	value_with(r, f, "result", "failed", st(r)->swap_cont_failed);
}

static void emit_vma_seconds(struct render *r, const struct expo_family *f)
{
#define KIND(id, v, kind)						\
	r->labels[r->nlabels].name = "kind";				\
	r->labels[r->nlabels].value = #kind;				\
	expo_seconds(r->e, f, r->labels, r->nlabels + 1, st(r)->vma_ns_sum[PTCOPY_VMA_##id]);
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
}

static void emit_vmas(struct render *r, const struct expo_family *f)
{
#define KIND(id, value, name)	value_with(r, f, "kind", #name, st(r)->vmas[PTCOPY_VMA_##id]);
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
}

/* Per label value (comm or cgroup), in this order. */
static const struct family families[] = {
	{ { "ptcopy_forks_total", EXPO_COUNTER, NULL,
	    "Forks whose page-table copy ended (the parent's mm was copied)." },
	  PTCOPY_HAVE_WINDOW, emit_forks },
	{ { "ptcopy_fork_copy_seconds", EXPO_HISTOGRAM, "seconds",
	    "Per fork, how long fork held the parent's mmap_lock for writing to copy its "
	    "page tables (dup_mmap): the copy window." },
	  PTCOPY_HAVE_WINDOW, emit_copy },
	{ { "ptcopy_fork_sibling_stall_seconds", EXPO_HISTOGRAM, "seconds",
	    "Per wait of another thread of the forking process for its mmap_lock, the part "
	    "inside the copy window (page faults and mmap calls blocked by the fork)." },
	  PTCOPY_HAVE_WINDOW, emit_stall },
	{ { "ptcopy_pte_passes_total", EXPO_COUNTER, NULL,
	    "copy_pte_range() passes: first passes and retries after a lock-break, swap "
	    "continuation or page preallocation." },
	  PTCOPY_HAVE_PASSES, emit_passes },
	{ { "ptcopy_pte_lock_hold_seconds", EXPO_HISTOGRAM, "seconds",
	    "Per copy_pte_range() pass, how long the parent's and the child's PTE locks "
	    "were both held." },
	  PTCOPY_HAVE_PASSES, emit_hold },
	{ { "ptcopy_pte_lock_wait_seconds", EXPO_HISTOGRAM, "seconds",
	    "Per copy_pte_range() pass, from the pass's start until both PTE locks were "
	    "taken (includes the child page-table allocation)." },
	  PTCOPY_HAVE_PASSES, emit_wait },
	{ { "ptcopy_lock_breaks_total", EXPO_COUNTER, NULL,
	    "PTE-lock breaks in copy_pte_range(), by cause: need_resched, or the parent's "
	    "or child's PTE lock contended (spin_needbreak)." },
	  PTCOPY_HAVE_LOOP, emit_breaks },
	{ { "ptcopy_retries_total", EXPO_COUNTER, NULL,
	    "copy_pte_range() passes that retried a range (goto again), by reason." },
	  PTCOPY_HAVE_PASSES, emit_retries },
	{ { "ptcopy_copy_call_seconds", EXPO_HISTOGRAM, "seconds",
	    "Per copy_pte_range() (or, where it is inlined, copy_page_range()) call, its "
	    "duration: an upper bound of the PTE lock hold, not the hold itself." },
	  PTCOPY_HAVE_CALLS, emit_calls },
	{ { "ptcopy_fork_aborts_total", EXPO_COUNTER, NULL,
	    "Page-table copies that failed, failing the fork, by error." },
	  PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS, emit_aborts },
	{ { "ptcopy_cond_resched_calls_total", EXPO_COUNTER, NULL,
	    "cond_resched() calls after copy_pte_range() passes." },
	  PTCOPY_HAVE_RESCHED, emit_resched_calls },
	{ { "ptcopy_cond_resched_rescheduled_total", EXPO_COUNTER, NULL,
	    "cond_resched() calls after copy_pte_range() passes that rescheduled the task; "
	    "ptcopy_cond_resched_calls_total minus this is the calls that did not." },
	  PTCOPY_HAVE_RESCHED, emit_resched_done },
	{ { "ptcopy_swap_cont_total", EXPO_COUNTER, NULL,
	    "Swap-count continuations (add_swap_count_continuation) during page-table "
	    "copies, by result; a failed one fails the fork with ENOMEM." },
	  PTCOPY_HAVE_SWAP_CONT, emit_swap_cont },
	{ { "ptcopy_vma_copy_seconds_total", EXPO_COUNTER, "seconds",
	    "Time in copy_page_range() during forks, by kind of the mapping copied "
	    "(--vmas; kinds as in ptcopy(8))." },
	  PTCOPY_HAVE_VMAS, emit_vma_seconds },
	{ { "ptcopy_vmas_copied_total", EXPO_COUNTER, NULL,
	    "Mappings whose page tables forks copied (copy_page_range() calls), by kind "
	    "(--vmas)." },
	  PTCOPY_HAVE_VMAS, emit_vmas },
};

/*
 * The tool's health, one family per row of PTCOPY_COUNTER_TABLE:
 * ptcopy_<name>_total with the table's help.
 */
struct health {
	struct expo_family f;
	enum ptcopy_counter ctr;
	bool labelled_only;		/* meaningless with --labels=none */
	__u32 have;			/* only when the tier has one of these; 0: all */
};

#define HEALTH(id, name, have, labelled, help)				\
	{ { "ptcopy_" #name "_total", EXPO_COUNTER, NULL, help },		\
	  PTCOPY_CTR_##id, labelled, have },
static const struct health health[] = {
	PTCOPY_COUNTER_TABLE(HEALTH)
};
#undef HEALTH

static const struct expo_family build_info = {
	"ptcopy_build_info", EXPO_INFO, NULL,
	"ptcopy_exporter's version and the libbpf it runs with; always 1."
};

static const struct expo_family tier_info = {
	"ptcopy_tier_info", EXPO_INFO, NULL,
	"The data source in use (patched, inline, fentry, kprobe or tracepoint; see ptcopy(8)); "
	"always 1."
};

static const struct expo_family prog_runs = {
	"ptcopy_bpf_program_runs_total", EXPO_COUNTER, NULL,
	"Runs of each of ptcopy's BPF programs since the exporter enabled BPF run "
	"statistics."
};

static const struct expo_family prog_seconds = {
	"ptcopy_bpf_program_run_seconds_total", EXPO_COUNTER, "seconds",
	"Time spent in each of ptcopy's BPF programs since the exporter enabled BPF run "
	"statistics."
};

struct metrics *metrics_new(const struct metrics_config *cfg)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	if (cfg->label_mode == PTCOPY_LABEL_COMM)
		m->label_name = "comm";
	else if (cfg->label_mode == PTCOPY_LABEL_CGROUP)
		m->label_name = "cgroup";
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m);
}

static void render_info(struct metrics *m, struct expo *e)
{
	struct expo_label l[2] = {
		{ "version", m->cfg.version },
		{ "libbpf", m->cfg.libbpf_version },
	};

	expo_family(e, &build_info);
	expo_value(e, &build_info, l, 2, 1);
	l[0].name = "tier";
	l[0].value = m->cfg.tier;
	expo_family(e, &tier_info);
	expo_value(e, &tier_info, l, 1, 1);
}

static void render_families(struct metrics *m, const struct labelset *ls, struct expo *e)
{
	struct render r = { .e = e };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		if (!(families[i].have & m->cfg.have))
			continue;
		expo_family(e, &families[i].f);
		for (j = 0; j < ls->n; j++) {
			r.s = &ls->series[j];
			r.nlabels = 0;
			if (r.s->value) {
				r.labels[0].name = m->label_name;
				r.labels[0].value = r.s->value;
				r.nlabels = 1;
			}
			families[i].emit(&r, &families[i].f);
		}
	}
}

static void render_health(struct metrics *m, const struct snapshot *snap, struct expo *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(health); i++) {
		const struct health *h = &health[i];

		if (h->labelled_only && m->cfg.label_mode == PTCOPY_LABEL_NONE)
			continue;
		if (h->have && !(m->cfg.have & h->have))
			continue;
		expo_family(e, &h->f);
		expo_value(e, &h->f, NULL, 0, snap->counters[h->ctr]);
	}
}

static void render_progs(const struct prog_stat *progs, size_t n, struct expo *e)
{
	struct expo_label l = { "program", NULL };
	size_t i;

	expo_family(e, &prog_runs);
	for (i = 0; i < n; i++) {
		l.value = progs[i].name;
		expo_value(e, &prog_runs, &l, 1, progs[i].run_cnt);
	}
	expo_family(e, &prog_seconds);
	for (i = 0; i < n; i++) {
		l.value = progs[i].name;
		expo_seconds(e, &prog_seconds, &l, 1, progs[i].run_time_ns);
	}
}

int metrics_render(struct metrics *m, const struct snapshot *snap,
		   const struct prog_stat *progs, size_t nprogs, struct expo *e)
{
	struct labelset ls;
	int err;

	err = labelset_build(&ls, snap, m->cfg.label_mode, m->cfg.cgroup_names,
			     m->cfg.cgroup_ctx);
	if (err)
		return err;
	render_info(m, e);
	render_families(m, &ls, e);
	render_health(m, snap, e);
	if (m->cfg.prog_stats)
		render_progs(progs, nprogs, e);
	expo_end(e);
	labelset_free(&ls);
	return e->buf.oom ? -ENOMEM : 0;
}

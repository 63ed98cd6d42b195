// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One table row per metric family: its name, type and help, which
 * PTCOPY_HAVE_* bits it needs, and how one label value's ptcopy_stats
 * becomes its samples. Histograms are in the unit the loader was given
 * (hist_unit_ns = 1: slot i holds [2^i, 2^(i+1) - 1] ns).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LABELS	2

struct metrics {
	struct metrics_config cfg;
	const char *label_name;		/* "comm", "cgroup" or NULL */
	/*
	 * ptcopy_cond_resched_total{rescheduled="false"} is calls - done, two
	 * fields the BPF side adds to one after the other: a scrape between
	 * the two additions would see the difference drop back. The last
	 * value exposed per label value keeps it from going backwards.
	 */
	struct resched_floor {
		char *value;
		__u64 not_done;
	} *floors;
	size_t nfloors;
};

struct render {
	struct metrics *m;
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

static void emit_breaks(struct render *r, const struct expo_family *f)
{
	static const char *const cause[PTCOPY_STOPS] = {
		[PTCOPY_STOP_NEED_RESCHED] = "need_resched",
		[PTCOPY_STOP_SRC_CONTENDED] = "parent_contended",
		[PTCOPY_STOP_DST_CONTENDED] = "child_contended",
	};
	int i;

	for (i = PTCOPY_STOP_NEED_RESCHED; i <= PTCOPY_STOP_DST_CONTENDED; i++)
		value_with(r, f, "cause", cause[i], st(r)->stops[i]);
}

static void emit_retries(struct render *r, const struct expo_family *f)
{
	static const char *const reason[PTCOPY_PASS_REASONS] = {
		[PTCOPY_PASS_LOCK_BREAK] = "lock_break",
		[PTCOPY_PASS_SWAP_CONT] = "swap_continuation",
		[PTCOPY_PASS_PREALLOC] = "prealloc",
	};
	int i;

	for (i = PTCOPY_PASS_FIRST + 1; i < PTCOPY_PASS_REASONS; i++)
		value_with(r, f, "reason", reason[i], st(r)->retries[i]);
}

static void emit_calls(struct render *r, const struct expo_family *f)
{
	expo_histogram(r->e, f, r->labels, r->nlabels, &st(r)->call, st(r)->call_ns_sum);
}

static void emit_aborts(struct render *r, const struct expo_family *f)
{
	static const char *const error[PTCOPY_ABORTS] = {
		[PTCOPY_ABORT_ENOMEM] = "ENOMEM",
		[PTCOPY_ABORT_EBUSY] = "EBUSY",
		[PTCOPY_ABORT_EHWPOISON] = "EHWPOISON",
		[PTCOPY_ABORT_OTHER] = "other",
	};
	int i;

	for (i = 0; i < PTCOPY_ABORTS; i++)
		value_with(r, f, "error", error[i], st(r)->aborts[i]);
}

static int cmp_floor(const void *a, const void *b)
{
	const struct resched_floor *x = a, *y = b;

	return strcmp(x->value, y->value);
}

/* The floor of a label value, created at 0 when first seen; NULL if out of memory. */
static struct resched_floor *floor_of(struct metrics *m, const char *value)
{
	struct resched_floor key = { .value = (char *)value }, *f, *more;

	f = m->nfloors ? bsearch(&key, m->floors, m->nfloors, sizeof(*f), cmp_floor) : NULL;
	if (f)
		return f;
	more = realloc(m->floors, (m->nfloors + 1) * sizeof(*more));
	if (!more)
		return NULL;
	m->floors = more;
	key.value = strdup(value);
	if (!key.value)
		return NULL;
	m->floors[m->nfloors++] = key;
	qsort(m->floors, m->nfloors, sizeof(*m->floors), cmp_floor);
	return bsearch(&key, m->floors, m->nfloors, sizeof(*f), cmp_floor);
}

static void emit_resched(struct render *r, const struct expo_family *f)
{
	const struct ptcopy_stats *s = st(r);
	struct resched_floor *fl = floor_of(r->m, r->s->value ? r->s->value : "");
	__u64 not_done = s->resched_calls > s->resched_done ?
			 s->resched_calls - s->resched_done : 0;

	if (!fl) {
		r->e->buf.oom = true;
		return;
	}
	if (not_done < fl->not_done)
		not_done = fl->not_done;
	fl->not_done = not_done;
	value_with(r, f, "rescheduled", "true", s->resched_done);
	value_with(r, f, "rescheduled", "false", not_done);
}

static void emit_swap_cont(struct render *r, const struct expo_family *f)
{
	value_with(r, f, "result", "ok", st(r)->swap_cont_ok);
	value_with(r, f, "result", "failed", st(r)->swap_cont_failed);
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
	{ { "ptcopy_cond_resched_total", EXPO_COUNTER, NULL,
	    "cond_resched() calls after copy_pte_range() passes, by whether the task was "
	    "rescheduled." },
	  PTCOPY_HAVE_RESCHED, emit_resched },
	{ { "ptcopy_swap_continuations_total", EXPO_COUNTER, NULL,
	    "Swap-count continuations (add_swap_count_continuation) during page-table "
	    "copies, by result; a failed one fails the fork with ENOMEM." },
	  PTCOPY_HAVE_SWAP_CONT, emit_swap_cont },
};

/* The tool's health: enum ptcopy_counter. */
struct health {
	struct expo_family f;
	enum ptcopy_counter ctr;
	bool labelled_only;		/* meaningless with --labels=none */
	__u32 have;			/* only when the tier has one of these; 0: all */
};

static const struct health health[] = {
	{ { "ptcopy_label_values_folded_total", EXPO_COUNTER, NULL,
	    "Distinct label values beyond --max-label-values, accounted under the label "
	    "value \"other\"." },
	  PTCOPY_CTR_LABELS_FOLDED, true, 0 },
	{ { "ptcopy_forks_folded_total", EXPO_COUNTER, NULL,
	    "Forks accounted under the label value \"other\"." },
	  PTCOPY_CTR_FORKS_FOLDED, true, 0 },
	{ { "ptcopy_fork_events_lost_total", EXPO_COUNTER, NULL,
	    "Per-fork events dropped because the ring buffer was full; the forks are "
	    "still in every other metric." },
	  PTCOPY_CTR_EVENTS_LOST, false, 0 },
	{ { "ptcopy_fork_windows_unclosed_total", EXPO_COUNTER, NULL,
	    "Forks whose copy window opened but whose end was never seen; they are "
	    "missing from every other metric." },
	  PTCOPY_CTR_WINDOWS_UNCLOSED, false, 0 },
	{ { "ptcopy_forks_untracked_total", EXPO_COUNTER, NULL,
	    "Forks not traced because too many were in flight at once." },
	  PTCOPY_CTR_FORKS_UNTRACKED, false, 0 },
	{ { "ptcopy_sibling_waits_untracked_total", EXPO_COUNTER, NULL,
	    "mmap_lock waits of forking processes' threads not tracked because too many "
	    "were in flight at once." },
	  PTCOPY_CTR_WAITS_UNTRACKED, false, 0 },
	{ { "ptcopy_orphan_copy_events_total", EXPO_COUNTER, NULL,
	    "Page-table copy events seen outside any traced fork." },
	  PTCOPY_CTR_ORPHAN_EVENTS, false, PTCOPY_HAVE_PASSES | PTCOPY_HAVE_CALLS },
	{ { "ptcopy_copy_call_exits_missed_total", EXPO_COUNTER, NULL,
	    "Page-table copy calls whose return was not seen (kretprobe instances "
	    "exhausted); those calls are missing from the call metrics." },
	  PTCOPY_CTR_CALL_EXITS_MISSED, false, PTCOPY_HAVE_CALLS },
};

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
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nfloors; i++)
		free(m->floors[i].value);
	free(m->floors);
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
	struct render r = { .m = m, .e = e };
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

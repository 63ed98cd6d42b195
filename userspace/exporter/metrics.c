// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metric families, built from bpf/ptcopy.h's tables: each exchanged
 * field with a metric (PTCOPY_STATS_FIELD_TABLE), each group of counters
 * kept by name (PTCOPY_STATS_GROUP_TABLE, label values from the name
 * tables), each per-kind count of the copied mappings
 * (PTCOPY_VMA_STATS_TABLE, label values from PTCOPY_VMA_KIND_TABLE), the
 * tool's health (PTCOPY_COUNTER_TABLE), and the infos. No
 * metric name or help is written here. No state is kept between scrapes:
 * every sample is a counter as BPF holds it. Histograms are in the unit
 * the loader was given (hist_unit_ns = 1: slot i holds [2^i, 2^(i+1) - 1]
 * ns).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "vmas.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LABELS	2

#define MAX_FAMILIES	32
#define MAX_MEMBERS	8	/* the largest group of PTCOPY_STATS_GROUP_TABLE */

/* A group member, resolved once: its label value and its counter. */
struct member {
	const char *name;
	size_t off;			/* of its __u64 in struct ptcopy_stats */
};

/*
 * One family of the per-label-value samples: a field of
 * PTCOPY_STATS_FIELD_TABLE, a group of PTCOPY_STATS_GROUP_TABLE labelled
 * by member, or one member of a group without a label.
 */
struct family {
	struct expo_family f;
	__u32 have;			/* exposed if the tier has any of these */
	int field;			/* enum field_id, or -1 */
	int vma_row;			/* enum vma_row_id, or -1 */
	const char *label;		/* a group's label name; NULL: no label */
	struct member members[MAX_MEMBERS];	/* a group's, or the one member */
	int nmembers;
	char name[96];			/* f.name when built here */
};

struct metrics {
	struct metrics_config cfg;
	const char *label_name;		/* "comm", "cgroup" or NULL */
	struct family fam[MAX_FAMILIES];
	size_t nfam;
};

struct render {
	struct expo *e;
	const struct series *s;
	struct expo_label labels[MAX_LABELS];
	size_t nlabels;			/* the series' own label, if any */
};

enum field_id {
#define FIELD(kind, key, field, have, metric, help)	FIELD_##key,
	PTCOPY_STATS_FIELD_TABLE(FIELD)
#undef FIELD
};

enum vma_row_id {
#define ROW(unit, key, field, metric, help)	VMA_ROW_##key,
	PTCOPY_VMA_STATS_TABLE(ROW)
#undef ROW
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

#define EMIT_COUNT(r, f, field)						\
	expo_value((r)->e, f, (r)->labels, (r)->nlabels, st(r)->field)
#define EMIT_HIST(r, f, field)						\
	expo_histogram((r)->e, f, (r)->labels, (r)->nlabels, &st(r)->field,	\
		       st(r)->field##_ns_sum)
#define EMIT_HIST_SUM	EMIT_HIST

static void emit_field(struct render *r, const struct family *fam)
{
	switch (fam->field) {
#define FIELD(kind, key, field, have, metric, help)			\
	case FIELD_##key:						\
		EMIT_##kind(r, &fam->f, field);				\
		break;
	PTCOPY_STATS_FIELD_TABLE(FIELD)
#undef FIELD
	}
}

/*
 * Label values: the names of bpf/ptcopy.h's tables, the kernel patch's.
 * build_families() resolved them, so a scrape reads the counters only.
 */
static void emit_group(struct render *r, const struct family *fam)
{
	int i;

	for (i = 0; i < fam->nmembers; i++) {
		const struct member *mb = &fam->members[i];
		__u64 v = *(const __u64 *)((const char *)st(r) + mb->off);

		if (fam->label)
			value_with(r, &fam->f, fam->label, mb->name, v);
		else
			expo_value(r->e, &fam->f, r->labels, r->nlabels, v);
	}
}

/* A row of PTCOPY_VMA_STATS_TABLE: one sample per mapping kind. */

#define EMIT_VMA_COUNT(r, f, n, v)	expo_value((r)->e, f, (r)->labels, n, v)
#define EMIT_VMA_NS(r, f, n, v)		expo_seconds((r)->e, f, (r)->labels, n, v)

static void emit_vma_row(struct render *r, const struct family *fam)
{
	int k;

	r->labels[r->nlabels].name = "kind";
	for (k = 0; k < PTCOPY_VMA_KINDS; k++) {
		r->labels[r->nlabels].value = vma_kind_name(k);
		switch (fam->vma_row) {
#define ROW(unit, key, field, metric, help)				\
		case VMA_ROW_##key:					\
			EMIT_VMA_##unit(r, &fam->f, r->nlabels + 1, st(r)->field[k]); \
			break;
		PTCOPY_VMA_STATS_TABLE(ROW)
#undef ROW
		}
	}
}

static struct family *add_family(struct metrics *m, const char *name, enum expo_type type,
				 const char *unit, const char *help, __u32 have)
{
	struct family *fam = &m->fam[m->nfam++];

	snprintf(fam->name, sizeof(fam->name), "%s", name);
	fam->f.name = fam->name;
	fam->f.type = type;
	fam->f.unit = unit;
	fam->f.help = help;
	fam->have = have;
	fam->field = -1;
	fam->vma_row = -1;
	return fam;
}

static int add_member(struct family *fam, const char *name, size_t off)
{
	if (fam->nmembers == MAX_MEMBERS)
		return -E2BIG;
	fam->members[fam->nmembers].name = name;
	fam->members[fam->nmembers].off = off;
	fam->nmembers++;
	return 0;
}

#define TYPE_COUNT	EXPO_COUNTER, NULL
#define TYPE_HIST	EXPO_HISTOGRAM, "seconds"
#define TYPE_HIST_SUM	TYPE_HIST
#define TYPE_UNIT_COUNT	NULL
#define TYPE_UNIT_NS	"seconds"

/*
 * The per-label-value families, in table order: the exchanged fields that
 * have a metric, then the groups. Only m->fam's bound can fail, and the
 * tables are fixed: test_exporter_metrics renders them all.
 */
static int build_families(struct metrics *m)
{
	char name[96];

#define FIELD(kind, key, field_, have, metric, help)			\
	if (metric[0]) {						\
		if (m->nfam == MAX_FAMILIES)				\
			return -E2BIG;					\
		add_family(m, metric, TYPE_##kind, help, have)->field = FIELD_##key; \
	}
	PTCOPY_STATS_FIELD_TABLE(FIELD)
#undef FIELD
#define PTCOPY_STATS_MEMBER(grp, name_, cond, field)			\
	if (!strcmp(#grp, key) && (cond)) {				\
		if (!label[0]) {					\
			if (m->nfam == MAX_FAMILIES)			\
				return -E2BIG;				\
			snprintf(name, sizeof(name), "%s_%s_total", metric, name_); \
			fam = add_family(m, name, EXPO_COUNTER, NULL, help, have); \
		}							\
		if (add_member(fam, name_, offsetof(struct ptcopy_stats, field))) \
			return -E2BIG;					\
	}
#define GROUP(grp, have_, metric_, label_, help_)			\
	if (metric_[0]) {						\
		const char *key = #grp, *metric = metric_, *help = help_; \
		const char *label = label_;				\
		__u32 have = have_;					\
		struct family *fam = NULL;				\
									\
		if (label[0]) {						\
			if (m->nfam == MAX_FAMILIES)			\
				return -E2BIG;				\
			fam = add_family(m, metric_ "_total", EXPO_COUNTER, NULL, help, have); \
			fam->label = label;				\
		}							\
		PTCOPY_STATS_GROUP_MEMBERS				\
	}
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP
#undef PTCOPY_STATS_MEMBER
#define ROW(unit, key, field, metric, help)				\
	if (m->nfam == MAX_FAMILIES)					\
		return -E2BIG;						\
	add_family(m, metric, EXPO_COUNTER, TYPE_UNIT_##unit, help, PTCOPY_HAVE_VMAS)->vma_row = \
		VMA_ROW_##key;
	PTCOPY_VMA_STATS_TABLE(ROW)
#undef ROW
	return 0;
}

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

static const struct expo_family frame_info = {
	"ptcopy_frame_info", EXPO_INFO, NULL,
	"How the fork is framed (fentry: fentry/fexit on dup_mmap's callees; mmap_lock: "
	"the mmap_lock tracepoints, whose cost every page fault pays where they build "
	"memcg_path; see ptcopy(8)); always 1."
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
	if (build_families(m)) {
		free(m);
		return NULL;
	}
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
	if (m->cfg.frame) {
		l[0].name = "frame";
		l[0].value = m->cfg.frame;
		expo_family(e, &frame_info);
		expo_value(e, &frame_info, l, 1, 1);
	}
}

static void render_families(struct metrics *m, const struct labelset *ls, struct expo *e)
{
	struct render r = { .e = e };
	size_t i, j;

	for (i = 0; i < m->nfam; i++) {
		const struct family *fam = &m->fam[i];

		if (!(fam->have & m->cfg.have))
			continue;
		expo_family(e, &fam->f);
		for (j = 0; j < ls->n; j++) {
			r.s = &ls->series[j];
			r.nlabels = 0;
			if (r.s->value) {
				r.labels[0].name = m->label_name;
				r.labels[0].value = r.s->value;
				r.nlabels = 1;
			}
			if (fam->field >= 0)
				emit_field(&r, fam);
			else if (fam->vma_row >= 0)
				emit_vma_row(&r, fam);
			else
				emit_group(&r, fam);
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

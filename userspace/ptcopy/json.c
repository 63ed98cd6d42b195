// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptcopy's NDJSON output: one object per line, "type" first. The schema is
 * written from bpf/ptcopy.h's tables and userspace/ptcopy/ptcopy.schema.in.json
 * by scripts/gen-contract.c (build/doc/ptcopy.schema.json; also in
 * ptcopy(8)); unit tests hold this file to it. Times are integer nanoseconds whatever -m/-n say;
 * histogram bucket bounds are in the unit named by "unit".
 */
#include <string.h>
#include <json-c/json.h>
#include "output.h"
#include "stats.h"
#include "mappings.h"

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* A kernel comm: at most PTCOPY_COMM_LEN bytes, NUL-terminated if shorter. */
static void add_comm(struct json_object *o, const char *key, const char *comm)
{
	json_object_object_add(o, key, json_object_new_string_len(comm, strnlen(comm,
							       PTCOPY_COMM_LEN)));
}

static void emit(const struct output *out, struct json_object *o)
{
	fprintf(out->f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(out->f);
	json_object_put(o);
}

static struct json_object *hist_object(const struct ptcopy_hist *h, __u64 sum_ns, __u64 max_ns,
				       bool with_max)
{
	struct json_object *o = json_object_new_object();
	struct json_object *buckets = json_object_new_array();
	int i;

	add_u64(o, "count", hist_count(h));
	add_u64(o, "sum_ns", sum_ns);
	if (with_max)
		add_u64(o, "max_ns", max_ns);
	for (i = 0; i < PTCOPY_HIST_SLOTS; i++) {
		struct json_object *b;
		__u64 high = hist_slot_high(i);

		if (!h->slots[i])
			continue;
		b = json_object_new_object();
		add_u64(b, "low", hist_slot_low(i));
		json_object_object_add(b, "high", high == ~0ULL ? NULL : json_object_new_uint64(high));
		add_u64(b, "count", h->slots[i]);
		json_object_array_add(buckets, b);
	}
	json_object_object_add(o, "buckets", buckets);
	return o;
}

#define STAT_COUNT(o, key, s, field)	add_u64(o, key, (s)->field)
#define STAT_HIST(o, key, s, field)						\
	json_object_object_add(o, key, hist_object(&(s)->field, (s)->field##_ns_sum,	\
						   (s)->field##_ns_max, true))
#define STAT_HIST_SUM(o, key, s, field)						\
	json_object_object_add(o, key, hist_object(&(s)->field, (s)->field##_ns_sum, 0, false))

static struct json_object *stats_object(const struct output *out, const struct ptcopy_stats *s)
{
	struct json_object *o = json_object_new_object(), *x;

#define STAT(kind, key, field, have_bits, metric, help)			\
	if (out->have & (have_bits))					\
		STAT_##kind(o, #key, s, field);
	PTCOPY_STATS_FIELD_TABLE(STAT)
#undef STAT
#define PTCOPY_STATS_MEMBER(group, name, cond, field)			\
	if (!strcmp(#group, key) && (cond))				\
		add_u64(x, name, s->field);
#define GROUP(group, have_bits, metric, label, help)			\
	if (out->have & (have_bits)) {					\
		const char *key = #group;				\
									\
		x = json_object_new_object();				\
		PTCOPY_STATS_GROUP_MEMBERS				\
		json_object_object_add(o, key, x);			\
	}
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP
#undef PTCOPY_STATS_MEMBER
	if (out->have & PTCOPY_HAVE_VMAS) {
		x = json_object_new_object();
#define ROW(unit, key, field, metric, help)	add_u64(y, #key, s->field[kind]);
#define KIND(id, value, name)						\
		{							\
			struct json_object *y = json_object_new_object(); \
			int kind = PTCOPY_VMA_##id;			\
									\
			PTCOPY_VMA_STATS_TABLE(ROW)			\
			json_object_object_add(x, #name, y);		\
		}
		PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
#undef ROW
		json_object_object_add(o, "vmas", x);
	}
	return o;
}

static struct json_object *common(const struct output *out, const char *type, __u64 mono_ns)
{
	struct json_object *o = json_object_new_object();
	char when[48];

	add_str(o, "type", type);
	format_iso8601(out, mono_ns, when, sizeof(when));
	add_str(o, "time", when);
	add_u64(o, "ts_ns", mono_ns);
	add_str(o, "tier", tier_name(out->tier));
	return o;
}

/* One mapping of a fork record: its identity, then PTCOPY_VMA_FIELD_TABLE. */
static struct json_object *vma_object(const struct output *out, const struct ptcopy_vma *v)
{
	struct json_object *o = json_object_new_object();

	add_u64(o, "start", v->start);
	add_u64(o, "end", v->end);
	add_u64(o, "size", v->end - v->start);
	add_str(o, "kind", vma_kind_name(v->kind));
	if (v->name[0])
		json_object_object_add(o, "name",
				       json_object_new_string_len(v->name, vma_name_len(v)));
#define FIELD(type, name, have_bits, help)			\
	if (out->have & (have_bits))				\
		add_u64(o, #name, v->name);
	PTCOPY_VMA_FIELD_TABLE(FIELD)
#undef FIELD
	if (out->have & PTCOPY_HAVE_HUGE_PMD)
		add_u64(o, "huge_bytes", vma_huge_bytes(v, out->page_size));
	return o;
}

static void add_vmas(const struct output *out, struct json_object *o,
		     const struct ptcopy_fork_event *ev)
{
	const struct ptcopy_vma *sorted[PTCOPY_VMAS_MAX];
	struct json_object *a = json_object_new_array();
	size_t i, n = vmas_sorted(ev, sorted);

	for (i = 0; i < n; i++)
		json_object_array_add(a, vma_object(out, sorted[i]));
	add_u64(o, "vmas_copied", ev->vmas_copied);
	json_object_object_add(o, "vmas", a);
}

void json_fork(const struct output *out, const struct ptcopy_fork_event *ev)
{
	struct json_object *o = common(out, "fork", ev->start_ns);

	add_u64(o, "pid", ev->pid);
	add_u64(o, "tid", ev->tid);
	add_comm(o, "comm", ev->comm);
	add_u64(o, "cgroup_id", ev->cgroup_id);
	add_u64(o, "rss_bytes", ev->rss_pages * out->page_size);
	add_u64(o, "window_ns", ev->window_ns);
#define FIELD(type, name, have_bits, help)			\
	if (out->have & (have_bits))				\
		add_u64(o, #name, ev->name);
	PTCOPY_FORK_FIELD_TABLE(FIELD)
#undef FIELD
	if (out->have & (PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS))
		json_object_object_add(o, "result", json_object_new_int(ev->result));
	if (out->have & PTCOPY_HAVE_VMAS)
		add_vmas(out, o, ev);
	emit(out, o);
}

void json_report(const struct output *out, const struct report *r)
{
	struct json_object *o = common(out, "summary", r->now_ns), *labels, *health;
	size_t i;

	add_u64(o, "interval_ns", r->interval_ns);
	add_str(o, "unit", unit_name(out->opts->unit_ns));
	json_object_object_add(o, "total", stats_object(out, r->total));

	labels = json_object_new_array();
	for (i = 0; i < r->nlabels; i++) {
		const struct label_stats *l = &r->labels[i];
		struct json_object *lo;

		if (!l->stats.forks)
			continue;
		lo = stats_object(out, &l->stats);
		if (l->label.cgroup_id == PTCOPY_LABEL_OTHER)
			add_str(lo, "label", "other");
		else if (r->label_mode == PTCOPY_LABEL_CGROUP)
			add_u64(lo, "cgroup_id", l->label.cgroup_id);
		else
			add_comm(lo, "comm", l->label.comm);
		json_object_array_add(labels, lo);
	}
	json_object_object_add(o, "labels", labels);

	health = json_object_new_object();
	/* a counter that cannot move on this tier is absent */
#define COUNTER(id, name, have_bits, labelled, help)			\
	if (!(have_bits) || (out->have & (have_bits)))			\
		add_u64(health, #name, r->counters[PTCOPY_CTR_##id]);
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER
	json_object_object_add(o, "health", health);
	emit(out, o);
}

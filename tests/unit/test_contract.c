// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agreement test: every consumer of bpf/ptcopy.h's name tables says
 * what the tables say. The C consumers (JSON, text, metrics) expand the
 * tables and are checked on their output; the documents that cannot
 * (the JSON schema, both man pages) are checked on their text. A name
 * added to, renamed in or removed from a table fails here until every
 * consumer follows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "output.h"
#include "metrics.h"

#define SCHEMA_PATH	DOC_DIR "/ptcopy.schema.json"
#define PTCOPY_MAN	"userspace/ptcopy/ptcopy.8"
#define EXPORTER_MAN	DOC_DIR "/ptcopy_exporter.8"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define HAVE_ALL	(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_PASSES | PTCOPY_HAVE_CALLS | \
			 PTCOPY_HAVE_RESCHED | PTCOPY_HAVE_SWAP_CONT | PTCOPY_HAVE_LOOP | \
			 PTCOPY_HAVE_VMAS | PTCOPY_HAVE_HUGE_PMD)
#define MAX_NAMES	48

/* A set of names taken from a table, in table order. */
struct names {
	const char *v[MAX_NAMES];
	size_t n;
};

static void add(struct names *s, const char *name)
{
	assert_true(s->n < MAX_NAMES);
	s->v[s->n++] = name;
}

static bool in(const struct names *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

/* Every table, expanded once into the sets the consumers must show. */
static struct names lock_breaks, loop_ends, retries, aborts, counters, counters_always,
		    fork_fields, fork_keys, stats_keys, stats_always, vma_kinds, vma_fields,
		    vma_keys, record_types;

static void tables(void)
{
	static const char *const identity[] = {
		"type", "time", "ts_ns", "tier", "pid", "tid", "comm", "cgroup_id",
		"rss_bytes", "window_ns", "result", "vmas", "vmas_copied",
	};
	/* a mapping's identity, and what its huge PMDs map */
	static const char *const vma_identity[] = {
		"start", "end", "size", "kind", "name", "huge_bytes",
	};
	/*
	 * a stats object's mappings by kind (PTCOPY_VMA_KIND_TABLE, with
	 * --vmas) and label keys, around the tables' fields and groups; the
	 * label keys last
	 */
	static const char *const stats_labels[] = { "vmas", "comm", "cgroup_id", "label" };
	size_t i;

	memset(&stats_keys, 0, sizeof(stats_keys));
	memset(&stats_always, 0, sizeof(stats_always));
	memset(&lock_breaks, 0, sizeof(lock_breaks));
	memset(&loop_ends, 0, sizeof(loop_ends));
	memset(&retries, 0, sizeof(retries));
	memset(&aborts, 0, sizeof(aborts));
	memset(&counters, 0, sizeof(counters));
	memset(&counters_always, 0, sizeof(counters_always));
	memset(&fork_fields, 0, sizeof(fork_fields));
	memset(&fork_keys, 0, sizeof(fork_keys));
	memset(&vma_kinds, 0, sizeof(vma_kinds));
	memset(&vma_fields, 0, sizeof(vma_fields));
	memset(&vma_keys, 0, sizeof(vma_keys));
	memset(&record_types, 0, sizeof(record_types));
#define REC(id, value, name, phase)	add(&record_types, #name);
	PTCOPY_RECORD_TABLE(REC)
#undef REC
#define KIND(id, value, name)	add(&vma_kinds, #name);
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
#define FIELD(type, name, have, help)	add(&vma_fields, #name); add(&vma_keys, #name);
	PTCOPY_VMA_FIELD_TABLE(FIELD)
#undef FIELD
	for (i = 0; i < ARRAY_SIZE(vma_identity); i++)
		add(&vma_keys, vma_identity[i]);
#define STOP(id, value, name, lock_break)	add(lock_break ? &lock_breaks : &loop_ends, #name);
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
#define RETRY(id, value, name)	if (PTCOPY_PASS_##id != PTCOPY_PASS_FIRST) add(&retries, #name);
	PTCOPY_PASS_REASON_TABLE(RETRY)
#undef RETRY
#define ABORT(id, value, name)	add(&aborts, #name);
	PTCOPY_ABORT_TABLE(ABORT)
#undef ABORT
#define COUNTER(id, name, have, labelled, help)				\
	add(&counters, #name);						\
	if (!(have))							\
		add(&counters_always, #name);
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER
#define FIELD(type, name, have, help)	add(&fork_fields, #name); add(&fork_keys, #name);
	PTCOPY_FORK_FIELD_TABLE(FIELD)
#undef FIELD
	for (i = 0; i < ARRAY_SIZE(identity); i++)
		add(&fork_keys, identity[i]);
#define STAT(kind, key, field, have, metric, help)			\
	add(&stats_keys, #key);						\
	if ((have) == PTCOPY_HAVE_WINDOW)				\
		add(&stats_always, #key);
	PTCOPY_STATS_FIELD_TABLE(STAT)
#undef STAT
#define GROUP(key, have, metric, label, help)	add(&stats_keys, #key);
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP
	for (i = 0; i < ARRAY_SIZE(stats_labels); i++)
		add(&stats_keys, stats_labels[i]);
}

static int setup(void **state)
{
	(void)state;
	tables();
	return 0;
}

/* The object's keys are exactly the set, no more, no fewer. */
static void same_keys(struct json_object *o, const struct names *want, const char *what)
{
	size_t n = 0;

	if (!o || !json_object_is_type(o, json_type_object))
		fail_msg("%s: no object", what);
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!in(want, key))
			fail_msg("%s: \"%s\" is in no table of bpf/ptcopy.h", what, key);
		n++;
	}
	if (n != want->n) {
		size_t i;

		for (i = 0; i < want->n; i++)
			if (!json_object_object_get_ex(o, want->v[i], NULL))
				fail_msg("%s: \"%s\" of bpf/ptcopy.h is missing", what, want->v[i]);
	}
}

/* A JSON array of strings is exactly the set. */
static void same_strings(struct json_object *a, const struct names *want, const char *what)
{
	size_t i, n;

	if (!a || !json_object_is_type(a, json_type_array))
		fail_msg("%s: no array", what);
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));

		if (!in(want, s))
			fail_msg("%s: \"%s\" is in no table of bpf/ptcopy.h", what, s);
	}
	if (n != want->n)
		fail_msg("%s: %zu names, bpf/ptcopy.h has %zu", what, n, want->n);
}

static struct json_object *path(struct json_object *o, const char *const *keys)
{
	for (; *keys && o; keys++)
		if (!json_object_object_get_ex(o, *keys, &o))
			return NULL;
	return o;
}

#define PATH(o, ...)	path(o, (const char *const[]){ __VA_ARGS__, NULL })

static void test_schema(void **state)
{
	struct json_object *s = json_object_from_file(SCHEMA_PATH), *stats, *health;
	static const struct {
		const char *group;
		const struct names *names;
	} groups[] = {
		{ "lock_breaks", &lock_breaks },
		{ "loop_ends", &loop_ends },
		{ "retries", &retries },
		{ "aborts", &aborts },
	};
	size_t i;

	(void)state;
	assert_non_null(s);
	stats = PATH(s, "$defs", "stats", "properties");
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		same_keys(PATH(stats, groups[i].group, "properties"), groups[i].names,
			  groups[i].group);
		same_strings(PATH(stats, groups[i].group, "required"), groups[i].names,
			     groups[i].group);
	}
	same_keys(stats, &stats_keys, "schema stats");
	same_strings(PATH(s, "$defs", "stats", "required"), &stats_always, "schema stats required");
	health = PATH(s, "$defs", "summary", "properties", "health");
	same_keys(PATH(health, "properties"), &counters, "schema health");
	same_strings(PATH(health, "required"), &counters_always, "schema health required");
	same_keys(PATH(s, "$defs", "fork", "properties"), &fork_keys, "schema fork");
	same_keys(PATH(s, "$defs", "vma", "properties"), &vma_keys, "schema vma");
	same_strings(PATH(s, "$defs", "vma", "properties", "kind", "enum"), &vma_kinds,
		     "schema vma kind");
	same_keys(PATH(stats, "vmas", "properties"), &vma_kinds, "schema stats vmas");
	same_strings(PATH(stats, "vmas", "required"), &vma_kinds, "schema stats vmas required");
	same_strings(PATH(s, "$defs", "probe", "properties", "record", "items", "enum"),
		     &record_types, "schema probe record");
	json_object_put(s);
}

static char *capture(__u32 have, void (*fn)(const struct output *, const void *), const void *arg)
{
	static const struct options o = { .unit_ns = 1000 };
	struct output out = { .opts = &o, .tier = TIER_PATCHED, .have = have, .page_size = 4096 };
	char *buf = NULL;
	size_t len = 0;

	out.f = open_memstream(&buf, &len);
	assert_non_null(out.f);
	fn(&out, arg);
	fclose(out.f);
	assert_non_null(buf);
	return buf;
}

static __u64 all_counters[PTCOPY_COUNTERS];

static struct report one_report(const struct ptcopy_stats *total)
{
	struct report r = {
		.total = total,
		.label_mode = PTCOPY_LABEL_COMM,
		.counters = all_counters,
	};
	size_t i;

	for (i = 0; i < PTCOPY_COUNTERS; i++)
		all_counters[i] = i + 1;
	return r;
}

static void json_report_fn(const struct output *out, const void *arg)
{
	json_report(out, arg);
}

static void json_fork_fn(const struct output *out, const void *arg)
{
	json_fork(out, arg);
}

static void text_report_fn(const struct output *out, const void *arg)
{
	text_report(out, arg);
}

static void test_json(void **state)
{
	struct ptcopy_stats total = { .forks = 1 };
	static struct ptcopy_fork_event ev = {
		.pid = 1,
		.nr_vmas = 1,
		.vmas_copied = 1,
		.vmas = { { .start = 0x1000, .end = 0x3000, .name = "libc.so.6",
			    .kind = PTCOPY_VMA_FILE } },
	};
	struct report r = one_report(&total);
	struct json_object *o, *v;
	char *line;

	(void)state;
	line = capture(HAVE_ALL, json_report_fn, &r);
	o = json_tokener_parse(line);
	assert_non_null(o);
	same_keys(PATH(o, "total", "lock_breaks"), &lock_breaks, "json lock_breaks");
	same_keys(PATH(o, "total", "loop_ends"), &loop_ends, "json loop_ends");
	same_keys(PATH(o, "total", "retries"), &retries, "json retries");
	same_keys(PATH(o, "total", "aborts"), &aborts, "json aborts");
	same_keys(PATH(o, "health"), &counters, "json health");
	{
		struct names total_keys = stats_keys;

		total_keys.n -= 3;	/* no comm, cgroup_id, label in the total */
		same_keys(PATH(o, "total"), &total_keys, "json total");
	}
	same_keys(PATH(o, "total", "vmas"), &vma_kinds, "json total vmas");
	json_object_put(o);
	free(line);

	/* the window-only tier: only the counters that can move there */
	line = capture(PTCOPY_HAVE_WINDOW, json_report_fn, &r);
	o = json_tokener_parse(line);
	same_keys(PATH(o, "health"), &counters_always, "json health, tier tracepoint");
	json_object_put(o);
	free(line);

	line = capture(HAVE_ALL, json_fork_fn, &ev);
	o = json_tokener_parse(line);
	same_keys(o, &fork_keys, "json fork");
	v = PATH(o, "vmas");
	assert_int_equal(json_object_array_length(v), 1);
	same_keys(json_object_array_get_idx(v, 0), &vma_keys, "json fork vma");
	json_object_put(o);
	free(line);
}

/* Text: each name of the tables, as the kernel prints it, in the report. */
static void test_text(void **state)
{
	struct ptcopy_stats total = { .forks = 1 };
	struct report r = one_report(&total);
	char *text, want[64];
	size_t i;

	(void)state;
	total.passes = 1;
	text = capture(HAVE_ALL, text_report_fn, &r);
	for (i = 0; i < counters.n; i++) {
		snprintf(want, sizeof(want), "note: %s %zu: ", counters.v[i], i + 1);
		if (!strstr(text, want))
			fail_msg("text: no \"%s\" in\n%s", want, text);
	}
	for (i = 0; i < lock_breaks.n; i++) {
		snprintf(want, sizeof(want), " %s 0", lock_breaks.v[i]);
		assert_non_null(strstr(text, want));
	}
	for (i = 0; i < loop_ends.n; i++) {
		snprintf(want, sizeof(want), " %s 0", loop_ends.v[i]);
		assert_non_null(strstr(text, want));
	}
	for (i = 0; i < retries.n; i++) {
		snprintf(want, sizeof(want), " %s 0", retries.v[i]);
		assert_non_null(strstr(text, want));
	}
	for (i = 0; i < aborts.n; i++) {
		snprintf(want, sizeof(want), " %s 0", aborts.v[i]);
		assert_non_null(strstr(text, want));
	}
	for (i = 0; i < vma_kinds.n; i++) {
		snprintf(want, sizeof(want), "\n%-8s %10u", vma_kinds.v[i], 0);
		if (!strstr(text, want))
			fail_msg("text: no \"%s\" in\n%s", want, text);
	}
	free(text);
}

static void text_fork_fn(const struct output *out, const void *arg)
{
	text_fork(out, arg);
}

/* Text: a fork's mappings under its line, costliest first, columns by tier. */
static void test_text_vmas(void **state)
{
	static struct ptcopy_fork_event ev = {
		.pid = 42, .tid = 42, .comm = "redis", .nr_vmas = 2, .vmas_copied = 9,
		.vmas = {
			{ .start = 0x7f0000000000, .end = 0x7f0000200000, .kind = PTCOPY_VMA_FILE,
			  .name = "libc.so.6", .copy_ns = 1500 },
			{ .start = 0x7f1000000000, .end = 0x7f1040000000, .kind = PTCOPY_VMA_ANON,
			  .copy_ns = 12345678, .huge_pmds = 2, .passes = 500, .retries = 3,
			  .hold_ns_sum = 4000000 },
		},
	};
	char *text;

	(void)state;
	text = capture(HAVE_ALL, text_fork_fn, &ev);
	if (!strstr(text, "\n    MAPPING                     KIND       SIZE_MB    COPY_MS HUGE_PMDS  PASSES RETRIES   HOLD_MS NAME (9 mappings copied)\n"
			  "    7f1000000000-7f1040000000   anon        1024.0     12.346         2     500       3     4.000\n"
			  "    7f0000000000-7f0000200000   file           2.0      0.002         0       0       0     0.000 libc.so.6\n"))
		fail_msg("text: no mapping table in\n%s", text);
	free(text);
	/* tier fentry: no pass columns, no huge PMDs without their probe */
	text = capture(PTCOPY_HAVE_WINDOW | PTCOPY_HAVE_CALLS | PTCOPY_HAVE_VMAS, text_fork_fn, &ev);
	if (!strstr(text, "\n    MAPPING                     KIND       SIZE_MB    COPY_MS NAME (9 mappings copied)\n"
			  "    7f1000000000-7f1040000000   anon        1024.0     12.346\n"))
		fail_msg("text, tier fentry: no mapping table in\n%s", text);
	free(text);
}

static char *render_all(void)
{
	struct metrics_config c = {
		.have = HAVE_ALL,
		.label_mode = PTCOPY_LABEL_COMM,
		.tier = "patched",
		.frame = "fentry",
		.version = PTCOPY_VERSION,
		.libbpf_version = "v1.1",
		.prog_stats = true,
	};
	struct prog_stat prog = { .name = "window_open" };
	struct metrics *m = metrics_new(&c);
	struct label_stats l = { .stats = { .forks = 1 } };
	struct snapshot snap = { .labels = &l, .nlabels = 1 };
	struct expo e;
	size_t len;
	char *out;

	assert_non_null(m);
	strcpy(l.label.comm, "redis");
	expo_init(&e, EXPO_TEXT, 0);
	assert_int_equal(metrics_render(m, &snap, &prog, 1, &e), 0);
	out = expo_take(&e, &len);
	assert_non_null(out);
	metrics_free(m);
	return out;
}

/* Metrics: ptcopy_<counter>_total with the table's help, label values by name. */
static void test_metrics(void **state)
{
	char *out = render_all(), want[512];
	size_t i;

	(void)state;
#define COUNTER(id, name, have, labelled, help)				\
	snprintf(want, sizeof(want), "# HELP ptcopy_" #name "_total %s\n", help);	\
	if (!strstr(out, want))						\
		fail_msg("metrics: no \"%s\"", want);
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER
	/* every field and group with a metric: its family with the table's help */
#define STAT(kind, key, field, have, metric, help)			\
	snprintf(want, sizeof(want), "# HELP %s %s\n", metric, help);	\
	if (metric[0] && !strstr(out, want))				\
		fail_msg("metrics: no \"%s\"", want);
	PTCOPY_STATS_FIELD_TABLE(STAT)
#undef STAT
#define PTCOPY_STATS_MEMBER(grp, name, cond, field)			\
	if (!strcmp(#grp, key) && (cond) && !label[0]) {		\
		snprintf(want, sizeof(want), "# HELP %s_%s_total %s\n", metric, name, help); \
		if (!strstr(out, want))					\
			fail_msg("metrics: no \"%s\"", want);		\
	}
#define GROUP(grp, have, metric_, label_, help_)			\
	if (metric_[0]) {						\
		const char *key = #grp, *metric = metric_, *label = label_, *help = help_; \
									\
		snprintf(want, sizeof(want), "# HELP %s_total %s\n", metric, help); \
		if (label[0] && !strstr(out, want))			\
			fail_msg("metrics: no \"%s\"", want);		\
		PTCOPY_STATS_GROUP_MEMBERS				\
	}
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP
#undef PTCOPY_STATS_MEMBER
	for (i = 0; i < lock_breaks.n; i++) {
		snprintf(want, sizeof(want), "cause=\"%s\"}", lock_breaks.v[i]);
		assert_non_null(strstr(out, want));
	}
	for (i = 0; i < retries.n; i++) {
		snprintf(want, sizeof(want), "reason=\"%s\"}", retries.v[i]);
		assert_non_null(strstr(out, want));
	}
	for (i = 0; i < aborts.n; i++) {
		snprintf(want, sizeof(want), "error=\"%s\"}", aborts.v[i]);
		assert_non_null(strstr(out, want));
	}
	for (i = 0; i < vma_kinds.n; i++) {
		snprintf(want, sizeof(want), "kind=\"%s\"}", vma_kinds.v[i]);
		assert_non_null(strstr(out, want));
	}
	free(out);
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n > 0);
	return buf;
}

/*
 * ptcopy_exporter(8): its METRICS table lists exactly the families the
 * exporter exposes with every tier bit set, and the label values are named.
 */
static void test_exporter_man(void **state)
{
	char *man = slurp(EXPORTER_MAN), *out = render_all(), *tbl, *end, *p, want[160];
	size_t i, rows = 0, families = 0;

	(void)state;
	tbl = strstr(man, "\nmetric|labels|tier\n");
	assert_non_null(tbl);
	end = strstr(tbl, "\n.TE\n");
	assert_non_null(end);
	*end = '\0';
	for (p = strchr(tbl + 1, '\n'); p; p = strchr(p + 1, '\n')) {
		char name[128];

		if (sscanf(p + 1, "%127[^|]|", name) != 1)
			continue;
		snprintf(want, sizeof(want), "# TYPE %s ", name);
		if (!strstr(out, want))
			fail_msg("%s lists %s, which the exporter does not expose", EXPORTER_MAN, name);
		rows++;
	}
	for (p = strstr(out, "# TYPE "); p; p = strstr(p + 1, "# TYPE ")) {
		char name[128];

		assert_int_equal(sscanf(p, "# TYPE %127s", name), 1);
		snprintf(want, sizeof(want), "\n%s|", name);
		if (!strstr(tbl, want))
			fail_msg("%s does not list %s", EXPORTER_MAN, name);
		families++;
	}
	assert_int_equal(rows, families);
	*end = '\n';
	for (i = 0; i < lock_breaks.n + retries.n + aborts.n + vma_kinds.n; i++) {
		size_t j = i - lock_breaks.n - retries.n;
		const char *n = i < lock_breaks.n ? lock_breaks.v[i] :
				i < lock_breaks.n + retries.n ? retries.v[i - lock_breaks.n] :
				j < aborts.n ? aborts.v[j] : vma_kinds.v[j - aborts.n];

		snprintf(want, sizeof(want), "\\fB%s\\fR", n);
		if (!strstr(man, want))
			fail_msg("%s does not name the label value %s", EXPORTER_MAN, n);
	}
	free(out);
	free(man);
}

/* ptcopy(8): the fork line's fields, the summary's, every enumerated name. */
static void test_ptcopy_man(void **state)
{
	const struct names *all[] = { &stats_keys, &lock_breaks, &loop_ends, &retries, &aborts,
				      &vma_kinds, &vma_keys, &record_types };
	char *man = slurp(PTCOPY_MAN);
	size_t i, k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(all); k++)
		for (i = 0; i < all[k]->n; i++)
			if (!strstr(man, all[k]->v[i]))
				fail_msg("%s does not name %s", PTCOPY_MAN, all[k]->v[i]);
	for (i = 0; i < fork_fields.n; i++)
		if (!strstr(man, fork_fields.v[i]))
			fail_msg("%s does not name the fork field %s", PTCOPY_MAN, fork_fields.v[i]);
	for (i = 0; i < counters.n; i++)
		if (!strstr(man, counters.v[i]))
			fail_msg("%s does not name the counter %s", PTCOPY_MAN, counters.v[i]);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_vmas),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_exporter_man),
		cmocka_unit_test(test_ptcopy_man),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

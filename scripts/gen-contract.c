// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gen-contract: the documents that cannot expand bpf/ptcopy.h's tables,
 * written from them at build time so that no name is copied by hand.
 *
 *   gen-contract schema TEMPLATE OUT   ptcopy -j's JSON schema: the
 *       template (userspace/ptcopy/ptcopy.schema.in.json) has every part
 *       that is not a table; this adds the fork fields, the stats fields
 *       and groups, the health counters, with their help texts, and the
 *       mappings' (--vmas) kinds and fields.
 *   gen-contract man TEMPLATE OUT      ptcopy_exporter(8): the line
 *       `.\" @metrics@` of the template becomes the METRICS table's rows
 *       for the families the tables define.
 *
 * Exit status 1, with one line on stderr, when the template lacks what it
 * is filled at, or a table row's tiers have no wording below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/types.h>
#include "ptcopy.h"

#define MAN_MARK	".\\\" @metrics@"

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "gen-contract: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static struct json_object *at(struct json_object *o, const char *const *keys)
{
	for (; *keys; keys++)
		if (!json_object_object_get_ex(o, *keys, &o))
			die("template has no key", *keys);
	return o;
}

#define AT(o, ...)	at(o, (const char *const[]){ __VA_ARGS__, NULL })

static struct json_object *ref(const char *def, const char *help)
{
	struct json_object *o = json_object_new_object();
	char r[64];

	snprintf(r, sizeof(r), "#/$defs/%s", def);
	json_object_object_add(o, "$ref", json_object_new_string(r));
	if (help && *help)
		json_object_object_add(o, "description", json_object_new_string(help));
	return o;
}

static void require(struct json_object *req, const char *name)
{
	json_object_array_add(req, json_object_new_string(name));
}

/* A group of PTCOPY_STATS_GROUP_TABLE: its members, all required. */
static struct json_object *group_object(const char *key)
{
	struct json_object *o = json_object_new_object(), *props = json_object_new_object(),
			   *req = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("object"));
#define PTCOPY_STATS_MEMBER(grp, name, cond, field)			\
	if (!strcmp(#grp, key) && (cond)) {				\
		json_object_object_add(props, name, ref("count", NULL));	\
		require(req, name);					\
	}
	PTCOPY_STATS_GROUP_MEMBERS
#undef PTCOPY_STATS_MEMBER
	json_object_object_add(o, "properties", props);
	json_object_object_add(o, "required", req);
	json_object_object_add(o, "additionalProperties", json_object_new_boolean(0));
	return o;
}

/*
 * --vmas: a stats object's "vmas" (one object per kind, its keys
 * PTCOPY_VMA_STATS_TABLE's), and a fork record's mapping (the kind's names,
 * PTCOPY_VMA_FIELD_TABLE's fields; the identity is the template's).
 */
static void vmas(struct json_object *s, struct json_object *stats)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object(),
			   *req = json_object_new_array(), *kinds = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("object"));
	json_object_object_add(o, "description",
			       json_object_new_string("--vmas: every mapping copied, by kind"));
#define KIND(id, value, name)						\
	json_object_object_add(p, #name, ref("vma_kind", NULL));	\
	require(req, #name);						\
	require(kinds, #name);
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
	json_object_object_add(o, "properties", p);
	json_object_object_add(o, "required", req);
	json_object_object_add(o, "additionalProperties", json_object_new_boolean(0));
	json_object_object_add(stats, "vmas", o);

	p = AT(s, "$defs", "vma_kind", "properties");
	req = AT(s, "$defs", "vma_kind", "required");
#define ROW(unit, key, field, metric, help)				\
	json_object_object_add(p, #key, ref("count", NULL));		\
	require(req, #key);
	PTCOPY_VMA_STATS_TABLE(ROW)
#undef ROW

	json_object_object_add(AT(s, "$defs", "vma", "properties", "kind"), "enum", kinds);
	p = AT(s, "$defs", "vma", "properties");
	req = AT(s, "$defs", "vma", "required");
#define FIELD(type, name, have, help)					\
	json_object_object_add(p, #name, ref("count", help));		\
	if ((have) == PTCOPY_HAVE_VMAS)					\
		require(req, #name);
	PTCOPY_VMA_FIELD_TABLE(FIELD)
#undef FIELD
}

#define DEF_COUNT	"count"
#define DEF_HIST	"hist"
#define DEF_HIST_SUM	"hist"

static void schema(const char *template, const char *out)
{
	struct json_object *s = json_object_from_file(template), *p, *req;

	if (!s)
		die("cannot read the schema template", template);

	p = AT(s, "$defs", "fork", "properties");
	req = AT(s, "$defs", "fork", "required");
#define FIELD(type, name, have, help)					\
	json_object_object_add(p, #name, ref("count", help));		\
	if ((have) == PTCOPY_HAVE_WINDOW)				\
		require(req, #name);
	PTCOPY_FORK_FIELD_TABLE(FIELD)
#undef FIELD

	p = AT(s, "$defs", "stats", "properties");
	req = AT(s, "$defs", "stats", "required");
#define STAT(kind, key, field, have, metric, help)			\
	json_object_object_add(p, #key, ref(DEF_##kind, NULL));		\
	if ((have) == PTCOPY_HAVE_WINDOW)				\
		require(req, #key);
	PTCOPY_STATS_FIELD_TABLE(STAT)
#undef STAT
#define GROUP(key, have, metric, label, help)				\
	json_object_object_add(p, #key, group_object(#key));
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP

	vmas(s, p);

	/* --probe's "record": the --record event categories */
	p = json_object_new_array();
#define REC(id, value, name, phase)	require(p, #name);
	PTCOPY_RECORD_TABLE(REC)
#undef REC
	json_object_object_add(AT(s, "$defs", "probe", "properties", "record", "items"), "enum", p);

	p = AT(s, "$defs", "summary", "properties", "health", "properties");
	req = AT(s, "$defs", "summary", "properties", "health", "required");
#define COUNTER(id, name, have, labelled, help)				\
	json_object_object_add(p, #name, ref("count", help));		\
	if (!(have))							\
		require(req, #name);
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER

	if (json_object_to_file_ext(out, s, JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE))
		die("cannot write", out);
	json_object_put(s);
}

/* The man page's tier column for a row's PTCOPY_HAVE_* bits. */
static const char *tiers(__u32 have)
{
	switch (have) {
	case 0:
	case PTCOPY_HAVE_WINDOW:
		return "all";
	case PTCOPY_HAVE_PASSES:
		return "patched+inline";
	case PTCOPY_HAVE_LOOP:
		return "patched";
	case PTCOPY_HAVE_CALLS:
		return "fentry, kprobe";
	case PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS:
		return "not inline (*)";
	case PTCOPY_HAVE_PASSES | PTCOPY_HAVE_CALLS:
		return "not tracepoint";
	case PTCOPY_HAVE_RESCHED:
		/* tier 2 puts no probe on __cond_resched (lib/tier.c) */
		return "patched+inline";
	case PTCOPY_HAVE_SWAP_CONT:
		return "if measured";
	case PTCOPY_HAVE_VMAS:
		return "\\-\\-vmas";
	case PTCOPY_HAVE_CALLS | PTCOPY_HAVE_VMAS:
		return "(+)";		/* the column is 14 wide at 80 */
	}
	die("no wording for a row's tiers; add it to tiers()", NULL);
	return NULL;
}

static void metric_rows(FILE *f)
{
#define STAT(kind, key, field, have, metric, help)			\
	if (metric[0])							\
		fprintf(f, "%s|\\fIL\\fR|%s\n", metric, tiers(have));
	PTCOPY_STATS_FIELD_TABLE(STAT)
#undef STAT
#define PTCOPY_STATS_MEMBER(grp, name, cond, field)			\
	if (!strcmp(#grp, key) && (cond))				\
		fprintf(f, "%s_%s_total|\\fIL\\fR|%s\n", metric, name, tiers(have));
#define GROUP(grp, have_, metric_, label, help)				\
	if (metric_[0]) {						\
		const char *key = #grp, *metric = metric_;		\
		__u32 have = have_;					\
									\
		if (label[0])						\
			fprintf(f, "%s_total|\\fIL\\fR, %s|%s\n", metric, label, tiers(have)); \
		else {							\
			PTCOPY_STATS_GROUP_MEMBERS			\
		}							\
	}
	PTCOPY_STATS_GROUP_TABLE(GROUP)
#undef GROUP
#undef PTCOPY_STATS_MEMBER
#define ROW(unit, key, field, metric, help)				\
	fprintf(f, "%s|\\fIL\\fR, kind|%s\n", metric, tiers(PTCOPY_HAVE_VMAS));
	PTCOPY_VMA_STATS_TABLE(ROW)
#undef ROW
#define COUNTER(id, name, have, labelled, help)				\
	fprintf(f, "ptcopy_%s_total||%s\n", #name, (labelled) ? "with labels" : tiers(have));
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER
}

static void man(const char *template, const char *out)
{
	FILE *in = fopen(template, "r"), *f;
	char *line = NULL;
	size_t cap = 0;
	int marks = 0;

	if (!in)
		die("cannot read the man page template", template);
	f = fopen(out, "w");
	if (!f)
		die("cannot write", out);
	while (getline(&line, &cap, in) > 0) {
		if (!strncmp(line, MAN_MARK, strlen(MAN_MARK))) {
			metric_rows(f);
			marks++;
		} else {
			fputs(line, f);
		}
	}
	free(line);
	fclose(in);
	if (fclose(f))
		die("cannot write", out);
	if (marks != 1)
		die("the man page template needs exactly one line", MAN_MARK);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: gen-contract schema|man TEMPLATE OUT\n");
		return 2;
	}
	if (!strcmp(argv[1], "schema"))
		schema(argv[2], argv[3]);
	else if (!strcmp(argv[1], "man"))
		man(argv[2], argv[3]);
	else {
		fprintf(stderr, "gen-contract: unknown document '%s' (schema or man)\n", argv[1]);
		return 2;
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A family's messages live in an arena freed when the family is written
 * out: a scrape builds one family at a time, so memory stays at the
 * largest family, and there is nothing to free message by message.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "client_model.pb-c.h"
#include "expo_proto.h"

/* protoc-c's names of the client model's messages, shortened */
#define pb_family	Io__Prometheus__Client__MetricFamily
#define pb_metric	Io__Prometheus__Client__Metric
#define pb_label	Io__Prometheus__Client__LabelPair
#define pb_histogram	Io__Prometheus__Client__Histogram
#define pb_bucket	Io__Prometheus__Client__Bucket
#define pb_span	Io__Prometheus__Client__BucketSpan

#define ARENA_BLOCK	16384
#define NR_LE		((EXPO_LE_LAST_SLOT - EXPO_LE_FIRST_SLOT) / EXPO_LE_STEP + 1)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

struct expo_pb {
	pb_family family;
	bool open;			/* family is started and not yet written */
	size_t metrics_cap;
	struct arena_block *arena;
};

/* The classic buckets' upper bounds: the doubles of the text formats' le values. */
static double le_bounds[NR_LE];
static pthread_once_t le_once = PTHREAD_ONCE_INIT;

static void le_init(void)
{
	char le[32];
	unsigned int i;

	for (i = 0; i < NR_LE; i++) {
		unsigned int slot = EXPO_LE_FIRST_SLOT + i * EXPO_LE_STEP;

		expo_format_le((1ULL << (slot + 1)) - 1, le, sizeof(le));
		le_bounds[i] = strtod(le, NULL);
	}
}

static void arena_free(struct arena_block *b)
{
	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
}

/* n zeroed bytes from the arena; NULL (and the exposition marked failed) without memory. */
static void *pb_alloc(struct expo *e, size_t n)
{
	struct expo_pb *pb = e->pb;
	struct arena_block *b = pb->arena;
	void *p;

	n = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b) {
			e->buf.oom = true;
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = pb->arena;
		pb->arena = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

static char *pb_strdup(struct expo *e, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = pb_alloc(e, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void expo_pb_free(struct expo_pb *pb)
{
	if (!pb)
		return;
	arena_free(pb->arena);
	free(pb->family.metric);
	free(pb);
}

/* The family as a varint length and the message (encoding=delimited). */
static void write_family(struct expo *e)
{
	size_t len = io__prometheus__client__metric_family__get_packed_size(&e->pb->family);
	unsigned char varint[10], *out;
	size_t n = 0, v = len;

	do {
		varint[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	expo_buf_append(&e->buf, (const char *)varint, n);
	out = expo_buf_extend(&e->buf, len);
	if (out && io__prometheus__client__metric_family__pack(&e->pb->family, out) != len)
		e->buf.oom = true;
}

void expo_pb_flush(struct expo *e)
{
	struct expo_pb *pb = e->pb;

	if (!pb || !pb->open)
		return;
	/* A family without samples says nothing: Go's client leaves it out too. */
	if (pb->family.n_metric && !e->buf.oom)
		write_family(e);
	arena_free(pb->arena);
	pb->arena = NULL;
	pb->family.n_metric = 0;
	pb->open = false;
}

static Io__Prometheus__Client__MetricType pb_type(enum expo_type t)
{
	switch (t) {
	case EXPO_COUNTER:
		return IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER;
	case EXPO_HISTOGRAM:
		return IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM;
	default:
		/* an info is a gauge of 1, as in text 0.0.4 */
		return IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE;
	}
}

void expo_pb_family(struct expo *e, const struct expo_family *f)
{
	pb_metric **metrics;
	pb_family *fam;

	if (!e->pb) {
		e->pb = calloc(1, sizeof(*e->pb));
		if (!e->pb) {
			e->buf.oom = true;
			return;
		}
	}
	expo_pb_flush(e);
	fam = &e->pb->family;
	metrics = fam->metric;		/* the array is reused family after family */
	io__prometheus__client__metric_family__init(fam);
	fam->metric = metrics;
	/*
	 * Names as in text 0.0.4: a counter's with "_total", as Prometheus
	 * stores it. The strings are only read (packed), never freed.
	 */
	fam->name = (char *)f->name;
	fam->help = (char *)f->help;
	fam->has_type = true;
	fam->type = pb_type(f->type);
	e->pb->open = true;
}

/* A new sample of the current family, with its labels; NULL without memory. */
static pb_metric *new_metric(struct expo *e, const struct expo_label *labels, size_t nlabels)
{
	struct expo_pb *pb = e->pb;
	pb_label *pairs = NULL;
	pb_metric *m;
	size_t i;

	if (!pb || !pb->open || e->buf.oom)
		return NULL;
	if (pb->family.n_metric == pb->metrics_cap) {
		size_t cap = pb->metrics_cap ? 2 * pb->metrics_cap : 64;
		pb_metric **a = realloc(pb->family.metric, cap * sizeof(*a));

		if (!a) {
			e->buf.oom = true;
			return NULL;
		}
		pb->family.metric = a;
		pb->metrics_cap = cap;
	}
	m = pb_alloc(e, sizeof(*m));
	if (!m)
		return NULL;
	io__prometheus__client__metric__init(m);
	if (nlabels) {
		pairs = pb_alloc(e, nlabels * sizeof(*pairs));
		m->label = pb_alloc(e, nlabels * sizeof(*m->label));
		if (!pairs || !m->label)
			return NULL;
	}
	for (i = 0; i < nlabels; i++) {
		io__prometheus__client__label_pair__init(&pairs[i]);
		pairs[i].name = pb_strdup(e, labels[i].name);
		pairs[i].value = pb_strdup(e, labels[i].value);
		if (!pairs[i].name || !pairs[i].value)
			return NULL;
		m->label[i] = &pairs[i];
	}
	m->n_label = nlabels;
	pb->family.metric[pb->family.n_metric++] = m;
	return m;
}

void expo_pb_value(struct expo *e, const struct expo_label *labels, size_t nlabels, double v)
{
	pb_metric *m = new_metric(e, labels, nlabels);

	if (!m)
		return;
	if (e->pb->family.type == IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER) {
		m->counter = pb_alloc(e, sizeof(*m->counter));
		if (!m->counter)
			return;
		io__prometheus__client__counter__init(m->counter);
		m->counter->has_value = true;
		m->counter->value = v;
	} else {
		m->gauge = pb_alloc(e, sizeof(*m->gauge));
		if (!m->gauge)
			return;
		io__prometheus__client__gauge__init(m->gauge);
		m->gauge->has_value = true;
		m->gauge->value = v;
	}
}

/* The text formats' le buckets, from the same slots. */
static bool classic_buckets(struct expo *e, pb_histogram *ph, const struct ptcopy_hist *h)
{
	unsigned int i, next = EXPO_LE_FIRST_SLOT, le = 0;
	pb_bucket *b = pb_alloc(e, NR_LE * sizeof(*b));
	__u64 cum = 0;

	ph->bucket = pb_alloc(e, NR_LE * sizeof(*ph->bucket));
	if (!b || !ph->bucket)
		return false;
	pthread_once(&le_once, le_init);
	for (i = 0; i <= EXPO_LE_LAST_SLOT; i++) {
		cum += h->slots[i];
		if (i != next)
			continue;
		next += EXPO_LE_STEP;
		io__prometheus__client__bucket__init(&b[le]);
		b[le].has_cumulative_count = true;
		b[le].cumulative_count = cum;
		b[le].has_upper_bound = true;
		b[le].upper_bound = le_bounds[le];
		ph->bucket[le] = &b[le];
		le++;
	}
	ph->n_bucket = le;
	return true;
}

/*
 * Slots 1 and up as positive native buckets: one span per run of non-empty
 * slots (a span's offset is the gap from the previous one), each count as
 * its difference from the previous non-empty bucket's.
 */
static bool native_buckets(struct expo *e, pb_histogram *ph, const struct ptcopy_hist *h)
{
	pb_span *spans = pb_alloc(e, PTCOPY_HIST_SLOTS * sizeof(*spans));
	__u64 prev_count = 0;
	int prev_slot = -1;
	unsigned int s;

	ph->positive_span = pb_alloc(e, PTCOPY_HIST_SLOTS * sizeof(*ph->positive_span));
	ph->positive_delta = pb_alloc(e, PTCOPY_HIST_SLOTS * sizeof(*ph->positive_delta));
	if (!spans || !ph->positive_span || !ph->positive_delta)
		return false;
	ph->has_schema = true;
	ph->schema = EXPO_NATIVE_SCHEMA;
	ph->has_zero_threshold = true;
	ph->zero_threshold = 1.0 / (1ULL << EXPO_NATIVE_SLOT_OFFSET);	/* exact */
	ph->has_zero_count = true;
	ph->zero_count = h->slots[0];
	for (s = 1; s < PTCOPY_HIST_SLOTS; s++) {
		pb_span *span;

		if (!h->slots[s])
			continue;
		if (prev_slot < 0 || (int)s != prev_slot + 1) {
			span = &spans[ph->n_positive_span];
			io__prometheus__client__bucket_span__init(span);
			span->has_offset = span->has_length = true;
			span->offset = prev_slot < 0 ? (int)s - EXPO_NATIVE_SLOT_OFFSET :
						       (int)s - prev_slot - 1;
			ph->positive_span[ph->n_positive_span++] = span;
		}
		ph->positive_span[ph->n_positive_span - 1]->length++;
		ph->positive_delta[ph->n_positive_delta++] =
			(int64_t)(h->slots[s] - prev_count);
		prev_count = h->slots[s];
		prev_slot = s;
	}
	return true;
}

void expo_pb_histogram(struct expo *e, const struct expo_label *labels, size_t nlabels,
		       const struct ptcopy_hist *h, __u64 sum_ns)
{
	pb_metric *m = new_metric(e, labels, nlabels);
	char sum[32];
	unsigned int i;
	__u64 count = 0;

	if (!m)
		return;
	m->histogram = pb_alloc(e, sizeof(*m->histogram));
	if (!m->histogram)
		return;
	io__prometheus__client__histogram__init(m->histogram);
	for (i = 0; i < PTCOPY_HIST_SLOTS; i++)
		count += h->slots[i];
	m->histogram->has_sample_count = true;
	m->histogram->sample_count = count;
	expo_format_seconds(sum_ns, sum, sizeof(sum));
	m->histogram->has_sample_sum = true;
	m->histogram->sample_sum = strtod(sum, NULL);
	if (!classic_buckets(e, m->histogram, h))
		return;
	native_buckets(e, m->histogram, h);
}

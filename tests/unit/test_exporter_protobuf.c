// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The protobuf exposition format (expo_proto.c) on exact synthetic input:
 * the body is split at its varint lengths and each MetricFamily decoded
 * with protobuf-c's own unpack, then every field is checked, the native
 * buckets' spans and deltas included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "client_model.pb-c.h"
#include "expo_proto.h"
#include "exposition.h"

#define pb_family	Io__Prometheus__Client__MetricFamily
#define pb_histogram	Io__Prometheus__Client__Histogram

#define MAX_FAMILIES	8

struct decoded {
	struct Io__Prometheus__Client__MetricFamily *f[MAX_FAMILIES];
	size_t n;
};

static const struct expo_family counter = {
	"ptcopy_test_forks_total", EXPO_COUNTER, NULL, "Forks.",
};
static const struct expo_family seconds = {
	"ptcopy_test_cpu_seconds_total", EXPO_COUNTER, "seconds", "CPU time.",
};
static const struct expo_family info = {
	"ptcopy_test_build_info", EXPO_INFO, NULL, "Build \"info\"\\.",
};
static const struct expo_family empty = {
	"ptcopy_test_empty_total", EXPO_COUNTER, NULL, "Never sampled.",
};
static const struct expo_family hist = {
	"ptcopy_test_copy_seconds", EXPO_HISTOGRAM, "seconds", "Copy time.",
};

/* Splits body at its varint lengths and unpacks every family. */
static void decode(const unsigned char *body, size_t len, struct decoded *d)
{
	size_t pos = 0;

	memset(d, 0, sizeof(*d));
	while (pos < len) {
		size_t msg = 0;
		unsigned int shift = 0;

		for (;;) {
			assert_true(pos < len);
			assert_true(shift < 64);
			msg |= (size_t)(body[pos] & 0x7f) << shift;
			shift += 7;
			if (!(body[pos++] & 0x80))
				break;
		}
		assert_true(msg <= len - pos);
		assert_true(d->n < MAX_FAMILIES);
		d->f[d->n] = io__prometheus__client__metric_family__unpack(NULL, msg, body + pos);
		assert_non_null(d->f[d->n]);
		d->n++;
		pos += msg;
	}
}

static void decoded_free(struct decoded *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		io__prometheus__client__metric_family__free_unpacked(d->f[i], NULL);
}

/* The exposition of what render() writes, decoded. */
static void scrape(void (*render)(struct expo *e), struct decoded *d)
{
	struct expo e;
	char *body;
	size_t len;

	expo_init(&e, EXPO_PROTOBUF, 0);
	render(&e);
	expo_end(&e);
	body = expo_take(&e, &len);
	assert_non_null(body);
	decode((const unsigned char *)body, len, d);
	free(body);
}

static void render_values(struct expo *e)
{
	struct expo_label l[2] = { { "comm", "redis-server" }, { "tier", "a\"b\\c\nd" } };

	expo_family(e, &counter);
	expo_value(e, &counter, l, 1, 42);
	l[0].value = "bash";
	expo_value(e, &counter, l, 1, (1ULL << 53) + 2);
	expo_family(e, &empty);
	expo_family(e, &seconds);
	expo_seconds(e, &seconds, NULL, 0, 72000000001ULL);
	expo_family(e, &info);
	expo_value(e, &info, l, 2, 1);
}

static void test_values(void **state)
{
	struct decoded d;
	pb_family *f;

	(void)state;
	scrape(render_values, &d);
	/* the family without samples is left out */
	assert_int_equal(d.n, 3);

	f = d.f[0];
	assert_string_equal(f->name, "ptcopy_test_forks_total");
	assert_string_equal(f->help, "Forks.");
	assert_true(f->has_type);
	assert_int_equal(f->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	assert_int_equal(f->n_metric, 2);
	assert_int_equal(f->metric[0]->n_label, 1);
	assert_string_equal(f->metric[0]->label[0]->name, "comm");
	assert_string_equal(f->metric[0]->label[0]->value, "redis-server");
	assert_non_null(f->metric[0]->counter);
	assert_null(f->metric[0]->gauge);
	assert_null(f->metric[0]->histogram);
	assert_true(f->metric[0]->counter->value == 42.0);
	assert_string_equal(f->metric[1]->label[0]->value, "bash");
	/* the nearest double, as Prometheus parses the text formats' integer */
	assert_true(f->metric[1]->counter->value == 9007199254740994.0);

	f = d.f[1];
	assert_string_equal(f->name, "ptcopy_test_cpu_seconds_total");
	assert_int_equal(f->metric[0]->n_label, 0);
	assert_true(f->metric[0]->counter->value == 72.000000001);

	f = d.f[2];
	assert_string_equal(f->name, "ptcopy_test_build_info");
	/* help is a plain string here: no escaping */
	assert_string_equal(f->help, "Build \"info\"\\.");
	assert_int_equal(f->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	assert_int_equal(f->metric[0]->n_label, 2);
	assert_string_equal(f->metric[0]->label[1]->name, "tier");
	assert_string_equal(f->metric[0]->label[1]->value, "a\"b\\c\nd");
	assert_non_null(f->metric[0]->gauge);
	assert_null(f->metric[0]->counter);
	assert_true(f->metric[0]->gauge->value == 1.0);
	decoded_free(&d);
}

/*
 * Slots with gaps of 2 and 32 empty slots between the runs, something in
 * slot 0 (the zero bucket) and in the last slot (open-ended).
 */
static struct ptcopy_hist gappy = { .slots = {
	[0] = 3, [1] = 2, [2] = 5, [5] = 7, [6] = 1, [39] = 4,
} };
/* Above every classic bucket but the +Inf one, and nothing at or below 1 ns. */
static struct ptcopy_hist tail = { .slots = { [36] = 9 } };
static struct ptcopy_hist zeroes;

static void render_hists(struct expo *e)
{
	struct expo_label l = { "comm", "forkload" };

	expo_family(e, &hist);
	expo_histogram(e, &hist, &l, 1, &gappy, 1234567891234ULL);
	l.value = "tail";
	expo_histogram(e, &hist, &l, 1, &tail, 9 * (1ULL << 36));
	l.value = "none";
	expo_histogram(e, &hist, &l, 1, &zeroes, 0);
}

/* The classic buckets: the text formats' le values, cumulative counts of the slots. */
static void check_classic(const pb_histogram *h, const struct ptcopy_hist *slots)
{
	unsigned int i, j = 0, s;
	__u64 cum;

	assert_int_equal(h->n_bucket, 15);
	for (s = EXPO_LE_FIRST_SLOT; s <= EXPO_LE_LAST_SLOT; s += EXPO_LE_STEP, j++) {
		char le[32];

		for (cum = 0, i = 0; i <= s; i++)
			cum += slots->slots[i];
		expo_format_le((1ULL << (s + 1)) - 1, le, sizeof(le));
		assert_true(h->bucket[j]->has_upper_bound);
		assert_true(h->bucket[j]->upper_bound == strtod(le, NULL));
		assert_true(h->bucket[j]->has_cumulative_count);
		assert_int_equal(h->bucket[j]->cumulative_count, cum);
	}
	assert_true(h->bucket[0]->upper_bound == 255e-9);
	assert_true(h->bucket[14]->upper_bound == 68.719476735);
}

static void check_span(const pb_histogram *h, size_t i, int offset, unsigned int length)
{
	assert_true(h->positive_span[i]->has_offset);
	assert_int_equal(h->positive_span[i]->offset, offset);
	assert_true(h->positive_span[i]->has_length);
	assert_int_equal(h->positive_span[i]->length, length);
}

static void test_histograms(void **state)
{
	const pb_histogram *h;
	struct decoded d;
	pb_family *f;

	(void)state;
	scrape(render_hists, &d);
	assert_int_equal(d.n, 1);
	f = d.f[0];
	assert_string_equal(f->name, "ptcopy_test_copy_seconds");
	assert_int_equal(f->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_int_equal(f->n_metric, 3);

	h = f->metric[0]->histogram;
	assert_non_null(h);
	assert_string_equal(f->metric[0]->label[0]->value, "forkload");
	assert_true(h->has_sample_count);
	assert_int_equal(h->sample_count, 22);
	assert_true(h->has_sample_sum);
	assert_true(h->sample_sum == 1234.567891234);
	check_classic(h, &gappy);
	assert_int_equal(h->bucket[0]->cumulative_count, 18);
	assert_int_equal(h->bucket[14]->cumulative_count, 18);
	/* native: schema 0, slot 0 in the zero bucket up to 2^-29 s */
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 0);
	assert_true(h->has_zero_threshold);
	assert_true(h->zero_threshold == 1.0 / 536870912);
	assert_true(h->has_zero_count);
	assert_int_equal(h->zero_count, 3);
	/* slots 1-2, 5-6, 39 are buckets -28..-27, -24..-23, 10 */
	assert_int_equal(h->n_positive_span, 3);
	check_span(h, 0, -28, 2);
	check_span(h, 1, 2, 2);
	check_span(h, 2, 32, 1);
	assert_int_equal(h->n_positive_delta, 5);
	assert_int_equal(h->positive_delta[0], 2);
	assert_int_equal(h->positive_delta[1], 3);
	assert_int_equal(h->positive_delta[2], 2);
	assert_int_equal(h->positive_delta[3], -6);
	assert_int_equal(h->positive_delta[4], 3);
	assert_int_equal(h->n_negative_span, 0);
	assert_int_equal(h->n_negative_delta, 0);

	h = f->metric[1]->histogram;
	assert_int_equal(h->sample_count, 9);
	assert_true(h->sample_sum == 618.475290624);
	check_classic(h, &tail);
	assert_int_equal(h->bucket[14]->cumulative_count, 0);
	assert_int_equal(h->zero_count, 0);
	assert_int_equal(h->n_positive_span, 1);
	check_span(h, 0, 36 - 29, 1);
	assert_int_equal(h->n_positive_delta, 1);
	assert_int_equal(h->positive_delta[0], 9);

	/* empty: still a native histogram (a zero threshold), with no buckets */
	h = f->metric[2]->histogram;
	assert_int_equal(h->sample_count, 0);
	assert_true(h->sample_sum == 0);
	assert_true(h->has_schema);
	assert_true(h->zero_threshold == 1.0 / 536870912);
	assert_int_equal(h->zero_count, 0);
	assert_int_equal(h->n_positive_span, 0);
	assert_int_equal(h->n_positive_delta, 0);
	decoded_free(&d);
}

/* The text formats are untouched by the protobuf path, and protobuf has its content type. */
static void test_content_types(void **state)
{
	(void)state;
	assert_string_equal(expo_content_type(EXPO_PROTOBUF),
			    "application/vnd.google.protobuf; "
			    "proto=io.prometheus.client.MetricFamily; encoding=delimited");
	assert_string_equal(expo_content_type(EXPO_TEXT),
			    "text/plain; version=0.0.4; charset=utf-8");
}

/* Many families and samples: the arena and the metric array grow and are reused. */
static void render_many(struct expo *e)
{
	static const struct expo_family fams[] = {
		{ "ptcopy_test_a_total", EXPO_COUNTER, NULL, "A." },
		{ "ptcopy_test_b_seconds", EXPO_HISTOGRAM, "seconds", "B." },
	};
	char value[32];
	unsigned int f, i;

	for (f = 0; f < 2; f++) {
		expo_family(e, &fams[f]);
		for (i = 0; i < 1000; i++) {
			struct expo_label l = { "comm", value };

			snprintf(value, sizeof(value), "c%u-%u", f, i);
			if (f == 1)
				expo_histogram(e, &fams[f], &l, 1, &gappy, i);
			else
				expo_value(e, &fams[f], &l, 1, i);
		}
	}
}

static void test_many(void **state)
{
	struct decoded d;
	unsigned int f, i;

	(void)state;
	scrape(render_many, &d);
	assert_int_equal(d.n, 2);
	for (f = 0; f < 2; f++) {
		assert_int_equal(d.f[f]->n_metric, 1000);
		for (i = 0; i < 1000; i++) {
			const Io__Prometheus__Client__Metric *m = d.f[f]->metric[i];
			char want[32];

			snprintf(want, sizeof(want), "c%u-%u", f, i);
			assert_string_equal(m->label[0]->value, want);
			if (f == 1)
				assert_true(m->histogram->sample_count == 22 &&
					    m->histogram->sample_sum == i / 1e9);
			else
				assert_true(m->counter->value == i);
		}
	}
	decoded_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_histograms),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What one scrape's exposition costs the exporter to build, without the
 * HTTP server, the network or compression: metrics_render() of a snapshot
 * with 128 comm label values (the default --max-label-values), every family
 * of the patched tier with --vmas, every histogram slot filled so that
 * every bucket is a sample. Each format the exporter serves is rendered
 * RUNS times; the time of each render is taken with CLOCK_MONOTONIC and
 * the p50, p99 and max printed (issue 9's target: p99 <= 1 ms at 128 label
 * values). Like the exporter's scraper, each render starts with room for
 * the last one's size. Wall time: on a busy machine a render that is preempted shows
 * it in its p99, which is what a scraper would see too.
 *
 * usage: render-cost [RUNS]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "metrics.h"

#define LABELS	128

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Every counter and slot nonzero: no family or bucket can be left out. */
static void fill(struct ptcopy_stats *st, __u64 seed)
{
	__u64 *w = (__u64 *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(*w); i++)
		w[i] = seed * 1000 + i + 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum expo_format format;
	} formats[] = {
		{ "text", EXPO_TEXT },
		{ "openmetrics", EXPO_OPENMETRICS },
		{ "protobuf", EXPO_PROTOBUF },
	};
	struct metrics_config cfg = {
		.have = ~0U,
		.label_mode = PTCOPY_LABEL_COMM,
		.tier = "patched",
		.frame = "mmap_lock",
		.version = "bench",
		.libbpf_version = "bench",
	};
	long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	struct label_stats labels[LABELS];
	struct snapshot snap = { .labels = labels, .nlabels = LABELS };
	struct metrics *m;
	__u64 *t;
	size_t f;
	long i;

	if (argc > 2 || runs < 100 || runs > 10000000) {
		fprintf(stderr, "usage: render-cost [RUNS]   (100 to 10000000, default 2000)\n");
		return 2;
	}
	memset(labels, 0, sizeof(labels));
	for (i = 0; i < LABELS; i++) {
		snprintf(labels[i].label.comm, sizeof(labels[i].label.comm), "bench%03ld", i);
		fill(&labels[i].stats, i);
		stats_add(&snap.total, &labels[i].stats);
	}
	m = metrics_new(&cfg);
	t = calloc(runs, sizeof(*t));
	if (!m || !t) {
		fprintf(stderr, "render-cost: out of memory\n");
		return 1;
	}
	printf("render-cost: %d comm label values, every family, %ld renders per format\n",
	       LABELS, runs);
	printf("format       bytes    p50 ms   p99 ms   max ms\n");
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		size_t len = 0;

		for (i = 0; i < runs; i++) {
			struct expo e;
			__u64 t0 = now_ns();
			char *out;

			expo_init(&e, formats[f].format, len + len / 8);
			if (metrics_render(m, &snap, NULL, 0, &e)) {
				fprintf(stderr, "render-cost: metrics_render failed (%s)\n",
					formats[f].name);
				return 1;
			}
			out = expo_take(&e, &len);
			t[i] = now_ns() - t0;
			if (!out) {
				fprintf(stderr, "render-cost: out of memory\n");
				return 1;
			}
			free(out);
		}
		qsort(t, runs, sizeof(*t), cmp_u64);
		printf("%-12s %-8zu %-8.3f %-8.3f %-8.3f\n", formats[f].name, len,
		       t[runs / 2] / 1e6, t[runs * 99 / 100] / 1e6, t[runs - 1] / 1e6);
	}
	free(t);
	metrics_free(m);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkload's output: NDJSON on stdout, one object per line, flushed at once
 * because tests and tracers read it while forkload runs.
 *
 *   {"type":"start","pid":P,"size_mib":N,"addr_start":"0x..","addr_end":"0x..",
 *    "pmd_ranges":R,"forks":K,"hold":false,"fault_threads":N,"cpu":-1,"ts_ns":T}
 *   {"type":"fork","i":0,"pid":P,"child":C,"start_ns":S,"wall_ns":W,"cpu_ns":U,"ok":true,"errno":0}
 *   {"type":"summary","pid":P,"forks":K,"ok":N,"failed":F,"wall_ns_min":..,
 *    "wall_ns_median":..,"wall_ns_max":..,"wall_ns_sum":..,"faults":F}
 *
 * All times are CLOCK_MONOTONIC nanoseconds. A failed fork has "ok":false,
 * "child":-1, its errno, and "errno_name" (e.g. "ENOMEM") after "errno".
 * The summary's wall-time statistics cover the forks that succeeded; with
 * none, min, median and max are null (absent, never a made-up zero).
 * The shape is fixed and numeric, so it is formatted by hand: no JSON
 * library to link into a static binary.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "forkload.h"

void fl_error(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("forkload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static int end_line(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

int report_start(const struct fl_options *opts, const struct fl_region *r,
		 uint64_t ts_ns)
{
	if (opts->quiet)
		return 0;
	printf("{\"type\":\"start\",\"pid\":%d,\"size_mib\":%llu,"
	       "\"addr_start\":\"0x%" PRIxPTR "\",\"addr_end\":\"0x%" PRIxPTR "\","
	       "\"pmd_ranges\":%zu,"
	       "\"forks\":%lu,\"hold\":%s,\"fault_threads\":%u,\"cpu\":%d,"
	       "\"ts_ns\":%" PRIu64 "}\n",
	       getpid(), opts->size_mib, (uintptr_t)r->start,
	       (uintptr_t)(r->start + r->len), r->pmd_ranges, opts->forks,
	       opts->hold ? "true" : "false", opts->fault_threads, opts->cpu,
	       ts_ns);
	return end_line();
}

int report_fork(const struct fl_options *opts, const struct fl_fork *f)
{
	const char *name;

	if (opts->quiet)
		return 0;
	printf("{\"type\":\"fork\",\"i\":%lu,\"pid\":%d,\"child\":%d,"
	       "\"start_ns\":%" PRIu64 ",\"wall_ns\":%" PRIu64 ",\"cpu_ns\":%" PRIu64 ","
	       "\"ok\":%s,\"errno\":%d",
	       f->i, getpid(), f->child, f->start_ns, f->wall_ns, f->cpu_ns,
	       f->err ? "false" : "true", f->err);
	if (f->err) {
		name = strerrorname_np(f->err);
		if (name)
			printf(",\"errno_name\":\"%s\"", name);
	}
	fputs("}\n", stdout);
	return end_line();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void print_stat(const char *key, const uint64_t *v)
{
	if (v)
		printf(",\"%s\":%" PRIu64, key, *v);
	else
		printf(",\"%s\":null", key);
}

int report_summary(struct fl_summary *s)
{
	uint64_t sum = 0, median = 0;
	unsigned long i, n = s->ok;

	if (n) {
		qsort(s->wall_ns, n, sizeof(*s->wall_ns), cmp_u64);
		for (i = 0; i < n; i++)
			sum += s->wall_ns[i];
		median = n % 2 ? s->wall_ns[n / 2] :
			 (s->wall_ns[n / 2 - 1] + s->wall_ns[n / 2]) / 2;
	}

	printf("{\"type\":\"summary\",\"pid\":%d,\"forks\":%lu,\"ok\":%lu,"
	       "\"failed\":%lu", getpid(), s->forks, s->ok, s->forks - s->ok);
	print_stat("wall_ns_min", n ? &s->wall_ns[0] : NULL);
	print_stat("wall_ns_median", n ? &median : NULL);
	print_stat("wall_ns_max", n ? &s->wall_ns[n - 1] : NULL);
	printf(",\"wall_ns_sum\":%" PRIu64 ",\"faults\":%" PRIu64 "}\n",
	       sum, s->faults);
	return end_line();
}

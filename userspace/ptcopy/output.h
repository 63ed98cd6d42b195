/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What ptcopy prints: text (report.c) or NDJSON (json.c). */
#ifndef __PTCOPY_OUTPUT_H
#define __PTCOPY_OUTPUT_H

#include <stdio.h>
#include <linux/types.h>
#include "options.h"
#include "ptcopy.h"
#include "session.h"

struct output {
	FILE *f;
	const struct options *opts;
	enum tier tier;
	__u32 have;			/* enum ptcopy_have of the tier */
	unsigned long page_size;
	__s64 mono_to_real_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* An interval's report: deltas since the previous one. */
struct report {
	__u64 now_ns;			/* CLOCK_MONOTONIC at the report */
	__u64 interval_ns;
	const struct ptcopy_stats *total;
	const struct label_stats *labels;
	size_t nlabels;
	enum ptcopy_label_mode label_mode;
	const __u64 *counters;		/* PTCOPY_COUNTERS, cumulative */
};

const char *unit_name(__u64 unit_ns);
/* "HH:MM:SS" of a CLOCK_MONOTONIC time, local time. */
void format_clock(const struct output *out, __u64 mono_ns, char *buf, size_t len);
/* ISO 8601 UTC with microseconds, for JSON. */
void format_iso8601(const struct output *out, __u64 mono_ns, char *buf, size_t len);

void text_header(const struct output *out, const struct session *s);
void text_fork_header(const struct output *out);
void text_fork(const struct output *out, const struct ptcopy_fork_event *ev);
void text_report(const struct output *out, const struct report *r);
/* libbpf-tools' log2 histogram: "low -> high : count |****|". */
void text_hist(FILE *f, const struct ptcopy_hist *h, const char *unit);

void json_fork(const struct output *out, const struct ptcopy_fork_event *ev);
void json_report(const struct output *out, const struct report *r);

#endif /* __PTCOPY_OUTPUT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text format 0.0.4, OpenMetrics 1.0.0 text and the protobuf
 * format (expo_proto.c), written into a growing buffer. Pure: nothing here
 * knows about BPF or ptcopy's contract; metrics.c decides what is written.
 *
 * Histograms come as ptcopy's log2 slots in nanoseconds (slot i counts
 * integer values in [2^i, 2^(i+1) - 1], see stats.h). Their "le" buckets
 * are a fixed subset of slot boundaries, EXPO_LE_FIRST_SLOT and every
 * EXPO_LE_STEP-th slot after it up to EXPO_LE_LAST_SLOT: le = 2^(i+1) - 1 ns
 * for slot i, so each bucket count is exact, not interpolated (an integer
 * number of ns is <= 2^(i+1) - 1 exactly when it is < 2^(i+1)).
 */
#ifndef __PTCOPY_EXPOSITION_H
#define __PTCOPY_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"

/* le from 255 ns to 68.719476735 s, a factor of 4 apart: 15 buckets + Inf */
#define EXPO_LE_FIRST_SLOT	7
#define EXPO_LE_LAST_SLOT	35
#define EXPO_LE_STEP		2

enum expo_format {
	EXPO_TEXT = 0,			/* text/plain; version=0.0.4 */
	EXPO_OPENMETRICS,		/* application/openmetrics-text; version=1.0.0 */
	EXPO_PROTOBUF,			/* delimited io.prometheus.client.MetricFamily */
	EXPO_FORMATS
};

enum expo_type {
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_HISTOGRAM,
	EXPO_INFO,			/* a gauge of 1 in text 0.0.4 */
};

struct expo_family {
	/*
	 * The sample name as in text 0.0.4: counters end in "_total", infos
	 * in "_info". OpenMetrics names the family without that suffix.
	 */
	const char *name;
	enum expo_type type;
	const char *unit;		/* OpenMetrics UNIT, a suffix of name; or NULL */
	const char *help;
};

struct expo_label {
	const char *name;
	const char *value;		/* valid UTF-8 (see labelset.c); escaped here */
};

struct expo_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;			/* an append failed: the exposition is incomplete */
};

struct expo_pb;

struct expo {
	struct expo_buf buf;
	struct expo_buf scratch;	/* a sample's rendered label set */
	enum expo_format format;
	struct expo_pb *pb;		/* EXPO_PROTOBUF: the family being built */
};

/*
 * size_hint: the bytes to allocate up front (0: grow from 4 KiB); the last
 * scrape's size spares a render the reallocations and copies of growing.
 */
void expo_init(struct expo *e, enum expo_format format, size_t size_hint);
/* Frees the buffers; not needed after expo_take(). */
void expo_release(struct expo *e);
/* The finished exposition, now the caller's to free(); NULL after an append failed. */
char *expo_take(struct expo *e, size_t *len);

void expo_buf_append(struct expo_buf *b, const char *s, size_t n);
/* n more bytes at the end of b for the caller to fill; NULL after an append failed. */
void *expo_buf_extend(struct expo_buf *b, size_t n);
void expo_buf_printf(struct expo_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The family's metadata lines; each family once, before its samples. */
void expo_family(struct expo *e, const struct expo_family *f);
/* A counter, gauge or info sample: the integer v. */
void expo_value(struct expo *e, const struct expo_family *f,
		const struct expo_label *labels, size_t nlabels, __u64 v);
/* A counter or gauge sample in seconds, from nanoseconds (exact). */
void expo_seconds(struct expo *e, const struct expo_family *f,
		  const struct expo_label *labels, size_t nlabels, __u64 ns);
/* One histogram: its le buckets, +Inf, _count and _sum (seconds). */
void expo_histogram(struct expo *e, const struct expo_family *f,
		    const struct expo_label *labels, size_t nlabels,
		    const struct ptcopy_hist *h, __u64 sum_ns);
/* Ends the exposition ("# EOF" in OpenMetrics, the last family in protobuf). */
void expo_end(struct expo *e);

const char *expo_content_type(enum expo_format format);

/*
 * Nanoseconds as seconds in the canonical rendering OpenMetrics asks for
 * "le" (Go's shortest %g, ".0" added to integers): exact for any ns value
 * below 10^15. Returns the length written.
 */
size_t expo_format_le(__u64 ns, char *buf, size_t len);
/* Nanoseconds as seconds with nine decimals: exact, e.g. "0.072000001". */
size_t expo_format_seconds(__u64 ns, char *buf, size_t len);

#endif /* __PTCOPY_EXPOSITION_H */

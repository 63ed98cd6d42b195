// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The two text formats differ only in metadata: OpenMetrics names a counter's
 * family without "_total" (an info's without "_info"), has UNIT lines and
 * an "info" type, orders TYPE, UNIT, HELP, escapes '"' in HELP, and ends
 * with "# EOF". Samples are written identically.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expo_proto.h"
#include "exposition.h"

#define NS_PER_SEC	1000000000ULL
#define NR_LE		((EXPO_LE_LAST_SLOT - EXPO_LE_FIRST_SLOT) / EXPO_LE_STEP + 1)

/* The le values never change: rendered once. */
static char le_values[NR_LE][24];
static pthread_once_t le_once = PTHREAD_ONCE_INIT;

static void le_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_LE; i++) {
		unsigned int slot = EXPO_LE_FIRST_SLOT + i * EXPO_LE_STEP;

		expo_format_le((1ULL << (slot + 1)) - 1, le_values[i], sizeof(le_values[i]));
	}
}

/* Decimal digits of v, without printf: samples are most of a scrape. */
static size_t u64_str(__u64 v, char *buf)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

static bool expo_buf_grow(struct expo_buf *b, size_t n);

void expo_init(struct expo *e, enum expo_format format, size_t size_hint)
{
	memset(e, 0, sizeof(*e));
	e->format = format;
	if (size_hint)
		expo_buf_grow(&e->buf, size_hint);
}

void expo_release(struct expo *e)
{
	expo_pb_free(e->pb);
	e->pb = NULL;
	free(e->buf.data);
	free(e->scratch.data);
	memset(&e->buf, 0, sizeof(e->buf));
	memset(&e->scratch, 0, sizeof(e->scratch));
}

char *expo_take(struct expo *e, size_t *len)
{
	char *data;

	if (e->format == EXPO_PROTOBUF)
		expo_pb_flush(e);
	data = e->buf.data;
	if (e->buf.oom) {
		expo_release(e);
		return NULL;
	}
	*len = e->buf.len;
	memset(&e->buf, 0, sizeof(e->buf));
	expo_release(e);
	return data;
}

static bool expo_buf_grow(struct expo_buf *b, size_t n)
{
	size_t cap;
	char *d;

	if (b->oom)
		return false;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

/* The common case, room left, without a call: appends are most of a render. */
static inline bool expo_buf_reserve(struct expo_buf *b, size_t n)
{
	return (!b->oom && b->len + n + 1 <= b->cap) || expo_buf_grow(b, n);
}

void expo_buf_append(struct expo_buf *b, const char *s, size_t n)
{
	if (!expo_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void *expo_buf_extend(struct expo_buf *b, size_t n)
{
	void *p;

	if (!expo_buf_reserve(b, n))
		return NULL;
	p = b->data + b->len;
	b->len += n;
	b->data[b->len] = '\0';
	return p;
}

static void expo_buf_puts(struct expo_buf *b, const char *s)
{
	expo_buf_append(b, s, strlen(s));
}

void expo_buf_printf(struct expo_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		expo_buf_append(b, small, n);
		return;
	}
	if (!expo_buf_reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* Label values escape backslash, double quote and newline, in both formats. */
static void put_label_value(struct expo_buf *b, const char *v)
{
	const char *run = v;

	for (; *v; v++) {
		const char *esc = NULL;

		if (*v == '\\')
			esc = "\\\\";
		else if (*v == '"')
			esc = "\\\"";
		else if (*v == '\n')
			esc = "\\n";
		if (!esc)
			continue;
		expo_buf_append(b, run, v - run);
		expo_buf_puts(b, esc);
		run = v + 1;
	}
	expo_buf_append(b, run, v - run);
}

/* HELP text: \\ and \n in text 0.0.4; OpenMetrics also escapes \". */
static void put_help(struct expo *e, const char *h)
{
	for (; *h; h++) {
		if (*h == '\\')
			expo_buf_puts(&e->buf, "\\\\");
		else if (*h == '\n')
			expo_buf_puts(&e->buf, "\\n");
		else if (*h == '"' && e->format == EXPO_OPENMETRICS)
			expo_buf_puts(&e->buf, "\\\"");
		else
			expo_buf_append(&e->buf, h, 1);
	}
}

/* The label set without its closing brace: "{a=\"x\",b=\"y\"", or nothing. */
static void put_labels(struct expo_buf *b, const struct expo_label *labels, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		expo_buf_puts(b, i ? "," : "{");
		expo_buf_puts(b, labels[i].name);
		expo_buf_puts(b, "=\"");
		put_label_value(b, labels[i].value);
		expo_buf_puts(b, "\"");
	}
}

static const char *type_name(const struct expo *e, enum expo_type t)
{
	switch (t) {
	case EXPO_COUNTER:
		return "counter";
	case EXPO_HISTOGRAM:
		return "histogram";
	case EXPO_INFO:
		return e->format == EXPO_OPENMETRICS ? "info" : "gauge";
	default:
		return "gauge";
	}
}

/* The family name: in OpenMetrics without the sample suffix "_total"/"_info". */
static void put_family_name(struct expo *e, const struct expo_family *f)
{
	size_t n = strlen(f->name), cut = 0;

	if (e->format == EXPO_OPENMETRICS) {
		if (f->type == EXPO_COUNTER && n > 6 && !strcmp(f->name + n - 6, "_total"))
			cut = 6;
		else if (f->type == EXPO_INFO && n > 5 && !strcmp(f->name + n - 5, "_info"))
			cut = 5;
	}
	expo_buf_append(&e->buf, f->name, n - cut);
}

void expo_family(struct expo *e, const struct expo_family *f)
{
	if (e->format == EXPO_PROTOBUF) {
		expo_pb_family(e, f);
		return;
	}
	if (e->format == EXPO_OPENMETRICS) {
		expo_buf_puts(&e->buf, "# TYPE ");
		put_family_name(e, f);
		expo_buf_printf(&e->buf, " %s\n", type_name(e, f->type));
		if (f->unit) {
			expo_buf_puts(&e->buf, "# UNIT ");
			put_family_name(e, f);
			expo_buf_printf(&e->buf, " %s\n", f->unit);
		}
	}
	expo_buf_puts(&e->buf, "# HELP ");
	put_family_name(e, f);
	expo_buf_puts(&e->buf, " ");
	put_help(e, f->help);
	expo_buf_puts(&e->buf, "\n");
	if (e->format == EXPO_TEXT)
		expo_buf_printf(&e->buf, "# TYPE %s %s\n", f->name, type_name(e, f->type));
}

/*
 * One sample line: name suffix labels value. The labels come rendered
 * already ("{a=\"b\"" without its closing brace, or ""), so that a
 * histogram renders its label set once for all its lines.
 */
static void put_line(struct expo *e, const char *name, const char *suffix,
		     const struct expo_buf *labels, const char *le, const char *value)
{
	expo_buf_puts(&e->buf, name);
	expo_buf_puts(&e->buf, suffix);
	if (labels->len) {
		expo_buf_append(&e->buf, labels->data, labels->len);
		if (le) {
			expo_buf_append(&e->buf, ",le=\"", 5);
			expo_buf_puts(&e->buf, le);
			expo_buf_append(&e->buf, "\"", 1);
		}
		expo_buf_append(&e->buf, "} ", 2);
	} else if (le) {
		expo_buf_append(&e->buf, "{le=\"", 5);
		expo_buf_puts(&e->buf, le);
		expo_buf_append(&e->buf, "\"} ", 3);
	} else {
		expo_buf_append(&e->buf, " ", 1);
	}
	expo_buf_puts(&e->buf, value);
	expo_buf_append(&e->buf, "\n", 1);
}

/* The label set rendered into the scratch buffer, reused line after line. */
static const struct expo_buf *labels_str(struct expo *e, const struct expo_label *labels,
					 size_t n)
{
	e->scratch.len = 0;
	put_labels(&e->scratch, labels, n);
	if (e->scratch.oom)
		e->buf.oom = true;
	return &e->scratch;
}

static void sample(struct expo *e, const struct expo_family *f, const struct expo_label *labels,
		   size_t n, const char *value)
{
	put_line(e, f->name, "", labels_str(e, labels, n), NULL, value);
}

void expo_value(struct expo *e, const struct expo_family *f,
		const struct expo_label *labels, size_t nlabels, __u64 v)
{
	char val[24];

	if (e->format == EXPO_PROTOBUF) {
		expo_pb_value(e, labels, nlabels, (double)v);
		return;
	}
	u64_str(v, val);
	sample(e, f, labels, nlabels, val);
}

void expo_seconds(struct expo *e, const struct expo_family *f,
		  const struct expo_label *labels, size_t nlabels, __u64 ns)
{
	char val[32];

	expo_format_seconds(ns, val, sizeof(val));
	if (e->format == EXPO_PROTOBUF) {
		/* the double Prometheus parses from the text formats' value */
		expo_pb_value(e, labels, nlabels, strtod(val, NULL));
		return;
	}
	sample(e, f, labels, nlabels, val);
}

void expo_histogram(struct expo *e, const struct expo_family *f,
		    const struct expo_label *labels, size_t nlabels,
		    const struct ptcopy_hist *h, __u64 sum_ns)
{
	unsigned int i, next = EXPO_LE_FIRST_SLOT, le = 0;
	const struct expo_buf *l;
	char val[32];
	__u64 cum = 0;

	if (e->format == EXPO_PROTOBUF) {
		expo_pb_histogram(e, labels, nlabels, h, sum_ns);
		return;
	}
	pthread_once(&le_once, le_init);
	l = labels_str(e, labels, nlabels);
	for (i = 0; i < PTCOPY_HIST_SLOTS; i++) {
		cum += h->slots[i];
		if (i != next || i > EXPO_LE_LAST_SLOT)
			continue;
		next += EXPO_LE_STEP;
		u64_str(cum, val);
		put_line(e, f->name, "_bucket", l, le_values[le++], val);
	}
	/* +Inf and _count are the same sum, so they can never disagree. */
	u64_str(cum, val);
	put_line(e, f->name, "_bucket", l, "+Inf", val);
	put_line(e, f->name, "_count", l, NULL, val);
	expo_format_seconds(sum_ns, val, sizeof(val));
	put_line(e, f->name, "_sum", l, NULL, val);
}

void expo_end(struct expo *e)
{
	if (e->format == EXPO_OPENMETRICS)
		expo_buf_puts(&e->buf, "# EOF\n");
	else if (e->format == EXPO_PROTOBUF)
		expo_pb_flush(e);
}

const char *expo_content_type(enum expo_format format)
{
	if (format == EXPO_PROTOBUF)
		return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		       "encoding=delimited";
	if (format == EXPO_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

size_t expo_format_seconds(__u64 ns, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / NS_PER_SEC),
			 (unsigned long long)(ns % NS_PER_SEC));

	return n < 0 ? 0 : (size_t)n;
}

/*
 * ns * 10^-9 is a decimal with at most 20 significant digits; below 10^15
 * ns (11.6 days) it has at most 15, and every decimal of 15 significant
 * digits survives a round trip through a double unchanged, so its digits
 * without trailing zeros are the shortest rendering: exactly what Go's
 * strconv.FormatFloat(v, 'g', -1, 64) prints, which OpenMetrics calls
 * canonical. Go switches to an exponent below 1e-4 and from 1e+06.
 */
size_t expo_format_le(__u64 ns, char *buf, size_t len)
{
	char digits[24], out[48];
	int nd, k, exp10, i, o = 0;

	if (!ns) {
		snprintf(buf, len, "0.0");
		return strlen(buf);
	}
	nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)ns);
	exp10 = nd - 1 - 9;
	for (k = nd; k > 1 && digits[k - 1] == '0'; k--)
		;
	if (exp10 < -4 || exp10 >= 6) {
		out[o++] = digits[0];
		if (k > 1) {
			out[o++] = '.';
			for (i = 1; i < k; i++)
				out[o++] = digits[i];
		}
		o += snprintf(out + o, sizeof(out) - o, "e%c%02d", exp10 < 0 ? '-' : '+',
			      exp10 < 0 ? -exp10 : exp10);
	} else if (exp10 < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -exp10 - 1; i++)
			out[o++] = '0';
		for (i = 0; i < k; i++)
			out[o++] = digits[i];
	} else {
		for (i = 0; i <= exp10; i++)
			out[o++] = i < k ? digits[i] : '0';
		out[o++] = '.';
		if (k > exp10 + 1) {
			for (i = exp10 + 1; i < k; i++)
				out[o++] = digits[i];
		} else {
			/* an integer: OpenMetrics wants it marked as a float */
			out[o++] = '0';
		}
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return strlen(buf);
}

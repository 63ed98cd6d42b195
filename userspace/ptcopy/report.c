// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ptcopy's text output: reports with histograms and tables, fork lines. */
#include <string.h>
#include <time.h>
#include "output.h"
#include "stats.h"
#include "mappings.h"

#define STARS_MAX	40

const char *unit_name(__u64 unit_ns)
{
	switch (unit_ns) {
	case 1:
		return "nsecs";
	case 1000000:
		return "msecs";
	default:
		return "usecs";
	}
}

void format_clock(const struct output *out, __u64 mono_ns, char *buf, size_t len)
{
	time_t t = (time_t)(((__s64)mono_ns + out->mono_to_real_ns) / 1000000000LL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

void format_iso8601(const struct output *out, __u64 mono_ns, char *buf, size_t len)
{
	__s64 real = (__s64)mono_ns + out->mono_to_real_ns;
	time_t t = (time_t)(real / 1000000000LL);
	char sec[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06dZ", sec, (int)(real % 1000000000LL / 1000));
}

static void stars(FILE *f, __u64 val, __u64 max, int width)
{
	int n = max ? (int)(val * width / max) : 0, i;

	for (i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', f);
}

void text_hist(FILE *f, const struct ptcopy_hist *h, const char *unit)
{
	int i, last = -1, width, nstars;
	__u64 max = 0;

	for (i = 0; i < PTCOPY_HIST_SLOTS; i++) {
		if (h->slots[i])
			last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (last < 0) {
		fprintf(f, "     (no values)\n");
		return;
	}
	/* Wider columns once values pass 2^32, as libbpf-tools do. */
	width = last <= 32 ? 10 : 20;
	nstars = last <= 32 ? STARS_MAX : STARS_MAX / 2;
	fprintf(f, "%*s%-*s : count    distribution\n", width - 5, "", width + 9, unit);
	for (i = 0; i <= last; i++) {
		__u64 high = hist_slot_high(i);

		if (high == ~0ULL)
			fprintf(f, "%*llu -> %-*s : %-8llu |", width, hist_slot_low(i),
				width, "...", (unsigned long long)h->slots[i]);
		else
			fprintf(f, "%*llu -> %-*llu : %-8llu |", width,
				hist_slot_low(i), width, high, (unsigned long long)h->slots[i]);
		stars(f, h->slots[i], max, nstars);
		fprintf(f, "|\n");
	}
}

static double in_unit(const struct output *out, __u64 ns)
{
	return (double)ns / (double)out->opts->unit_ns;
}

void text_header(const struct output *out, const struct session *s)
{
	fprintf(out->f, "Tracing fork page-table copies with tier %s (%s), frame %s",
		tier_name(out->tier), session_tier_why(s), frame_name(session_frame(s)));
	if (out->opts->interval_s)
		fprintf(out->f, ", reporting every %lu s", out->opts->interval_s);
	fprintf(out->f, ". Hit Ctrl-C to end.\n");
}

void text_fork_header(const struct output *out)
{
	FILE *f = out->f;

	if (out->opts->timestamp)
		fprintf(f, "%-8s ", "TIME");
	fprintf(f, "%-7s %-7s %-16s %8s %10s %7s %7s %6s %11s", "PID", "TID", "COMM", "RSS_MB",
		"COPY_MS", "CSW_VOL", "CSW_INV", "STALLS", "STALL_MAX_MS");
	if (out->have & PTCOPY_HAVE_PASSES)
		fprintf(f, " %7s %6s %7s %11s", "PASSES", "BREAKS", "RETRIES", "HOLD_MAX_US");
	if (out->have & PTCOPY_HAVE_CALLS)
		fprintf(f, " %6s %11s", "CALLS", "CALL_MAX_US");
	if (out->have & PTCOPY_HAVE_SWAP_CONT)
		fprintf(f, " %9s", "CONT_FAIL");
	if (out->have & (PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS))
		fprintf(f, " %s", "RESULT");
	fputc('\n', f);
}

/* Under a fork's line: its costliest mappings, indented. */
static void text_vmas(const struct output *out, const struct ptcopy_fork_event *ev)
{
	const struct ptcopy_vma *sorted[PTCOPY_VMAS_MAX];
	size_t i, n = vmas_sorted(ev, sorted);
	FILE *f = out->f;

	fprintf(f, "    %-27s %-7s %10s %10s", "MAPPING", "KIND", "SIZE_MB", "COPY_MS");
	if (out->have & PTCOPY_HAVE_HUGE_PMD)
		fprintf(f, " %9s", "HUGE_PMDS");
	if (out->have & PTCOPY_HAVE_PASSES)
		fprintf(f, " %7s %7s %9s", "PASSES", "RETRIES", "HOLD_MS");
	fprintf(f, " NAME (%u mappings copied)\n", ev->vmas_copied);
	for (i = 0; i < n; i++) {
		const struct ptcopy_vma *v = sorted[i];

		fprintf(f, "    %012llx-%012llx   %-7s %10.1f %10.3f", (unsigned long long)v->start,
			(unsigned long long)v->end, vma_kind_name(v->kind),
			(double)(v->end - v->start) / (1 << 20), v->copy_ns / 1e6);
		if (out->have & PTCOPY_HAVE_HUGE_PMD)
			fprintf(f, " %9u", v->huge_pmds);
		if (out->have & PTCOPY_HAVE_PASSES)
			fprintf(f, " %7u %7u %9.3f", v->passes, v->retries, v->hold_ns_sum / 1e6);
		if (v->name[0])
			fprintf(f, " %.*s", (int)vma_name_len(v), v->name);
		fputc('\n', f);
	}
}

void text_fork(const struct output *out, const struct ptcopy_fork_event *ev)
{
	FILE *f = out->f;
	char clock[16];

	if (out->opts->timestamp) {
		format_clock(out, ev->start_ns, clock, sizeof(clock));
		fprintf(f, "%-8s ", clock);
	}
	fprintf(f, "%-7u %-7u %-16.16s %8.1f %10.3f %7u %7u %6llu %11.3f", ev->pid, ev->tid,
		ev->comm, (double)ev->rss_pages * out->page_size / (1 << 20), ev->window_ns / 1e6,
		ev->ctxsw_voluntary, ev->ctxsw_involuntary, (unsigned long long)ev->stalls,
		ev->stall_ns_max / 1e6);
	if (out->have & PTCOPY_HAVE_PASSES)
		fprintf(f, " %7u %6u %7u %11.3f", ev->passes, ev->lock_breaks, ev->retries,
			ev->hold_ns_max / 1e3);
	if (out->have & PTCOPY_HAVE_CALLS)
		fprintf(f, " %6llu %11.3f", (unsigned long long)ev->calls, ev->call_ns_max / 1e3);
	if (out->have & PTCOPY_HAVE_SWAP_CONT)
		fprintf(f, " %9u", ev->swap_cont_failed);
	if (out->have & (PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS))
		fprintf(f, " %d", ev->result);
	fputc('\n', f);
	if (out->have & PTCOPY_HAVE_VMAS)
		text_vmas(out, ev);
	fflush(f);
}

static void hist_section(const struct output *out, const char *title,
			 const struct ptcopy_hist *h)
{
	fprintf(out->f, "\n%s\n", title);
	text_hist(out->f, h, unit_name(out->opts->unit_ns));
}

static void label_name(const struct report *r, const struct ptcopy_label *l, char *buf,
		       size_t len)
{
	if (l->cgroup_id == PTCOPY_LABEL_OTHER)
		snprintf(buf, len, "other");
	else if (r->label_mode == PTCOPY_LABEL_CGROUP)
		snprintf(buf, len, "%llu", (unsigned long long)l->cgroup_id);
	else
		snprintf(buf, len, "%.16s", l->comm);
}

static void label_table(const struct output *out, const struct report *r)
{
	const char *u = unit_name(out->opts->unit_ns);
	FILE *f = out->f;
	char name[32];
	size_t i;

	fprintf(f, "\n%-16s %6s %12s %12s %8s %8s %7s %12s\n", "COMM", "FORKS", "AVG", "MAX",
		"CSW_VOL", "CSW_INV", "STALLS", "STALL_MAX");
	for (i = 0; i < r->nlabels; i++) {
		const struct ptcopy_stats *s = &r->labels[i].stats;

		if (!s->forks)
			continue;
		label_name(r, &r->labels[i].label, name, sizeof(name));
		fprintf(f, "%-16s %6llu %12.3f %12.3f %8llu %8llu %7llu %12.3f\n", name, (unsigned long long)s->forks,
			in_unit(out, s->window_ns_sum / s->forks), in_unit(out, s->window_ns_max),
			(unsigned long long)s->ctxsw_voluntary, (unsigned long long)s->ctxsw_involuntary,
			(unsigned long long)s->stalls, in_unit(out, s->stall_ns_max));
	}
	fprintf(f, "(AVG, MAX: copy window in %s; MAX and STALL_MAX since start)\n", u);
}

/*
 * "key: name count name count ...": a group of PTCOPY_STATS_GROUP_TABLE
 * with the kernel's names, as its tracepoints print them.
 */
static void group_line(FILE *f, const struct ptcopy_stats *s, const char *key)
{
	fprintf(f, "%s:", key);
#define PTCOPY_STATS_MEMBER(group, name, cond, field)			\
	if (!strcmp(#group, key) && (cond))				\
		fprintf(f, " %s %llu", name, (unsigned long long)s->field);
	PTCOPY_STATS_GROUP_MEMBERS
#undef PTCOPY_STATS_MEMBER
	fputc('\n', f);
}

static void passes_section(const struct output *out, const struct ptcopy_stats *s)
{
	FILE *f = out->f;

	hist_section(out, "PTE lock hold (both PTE locks held, per pass):", &s->hold);
	hist_section(out, "PTE lock wait (pass start to both PTE locks taken):", &s->wait);
	fprintf(f, "\npasses %llu (first %llu, retries %llu)",
		(unsigned long long)s->passes, (unsigned long long)s->pass_reasons[PTCOPY_PASS_FIRST],
		(unsigned long long)stats_retries(s));
	if (out->have & PTCOPY_HAVE_LOOP)
		fprintf(f, ", PTEs walked %llu, in copy_pte_range %.3f ms",
			(unsigned long long)s->ptes, s->copy_ns_sum / 1e6);
	fprintf(f, ", hold sum %.3f ms, hold max %.3f us\n", s->hold_ns_sum / 1e6,
		s->hold_ns_max / 1e3);
	group_line(f, s, "retries");
	if (!(out->have & PTCOPY_HAVE_LOOP))
		return;
	group_line(f, s, "lock_breaks");
	group_line(f, s, "loop_ends");
	fprintf(f, "prealloc failures: %llu\n", (unsigned long long)s->prealloc_failed);
}

static void calls_section(const struct output *out, const struct ptcopy_stats *s)
{
	hist_section(out, "copy call duration (an upper bound of the PTE lock hold):", &s->call);
	fprintf(out->f, "\ncalls %llu, sum %.3f ms, max %.3f us\n", (unsigned long long)s->calls,
		s->call_ns_sum / 1e6, s->call_ns_max / 1e3);
}

/* Every mapping copied, by kind: how many and their copy_page_range() time. */
static void vma_kinds(const struct output *out, const struct ptcopy_stats *s)
{
	FILE *f = out->f;

	fprintf(f, "\nmappings copied by kind:\n%-8s %10s %12s\n", "KIND", "COUNT", "COPY_MS");
#define KIND(id, value, name)						\
	fprintf(f, "%-8s %10llu %12.3f\n", #name,				\
		(unsigned long long)s->vmas[PTCOPY_VMA_##id],			\
		s->vma_ns_sum[PTCOPY_VMA_##id] / 1e6);
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
}

static void health(const struct output *out, const __u64 *c)
{
	const __u32 have = out->have;

	/* a counter that cannot move on this tier stays silent, as in JSON */
#define COUNTER(id, name, have_bits, labelled, help)			\
	if (c[PTCOPY_CTR_##id] && (!(have_bits) || (have & (have_bits))))	\
		fprintf(out->f, "note: %s %llu: %s\n", #name,			\
			(unsigned long long)c[PTCOPY_CTR_##id], help);
	PTCOPY_COUNTER_TABLE(COUNTER)
#undef COUNTER
}

void text_report(const struct output *out, const struct report *r)
{
	const struct ptcopy_stats *s = r->total;
	FILE *f = out->f;
	char clock[16];

	fputc('\n', f);
	if (out->opts->timestamp) {
		format_clock(out, r->now_ns, clock, sizeof(clock));
		fprintf(f, "%s\n", clock);
	}
	fprintf(f, "%llu forks traced (tier %s)\n", (unsigned long long)s->forks, tier_name(out->tier));
	if (s->forks) {
		hist_section(out, "fork copy window (parent's mmap_lock held for writing by fork):",
			     &s->window);
		if (s->stalls)
			hist_section(out,
				     "sibling stalls (other threads waiting for mmap_lock inside the window):",
				     &s->stall);
		else
			fprintf(f, "\nsibling stalls: none\n");
		if (out->have & PTCOPY_HAVE_PASSES)
			passes_section(out, s);
		if (out->have & PTCOPY_HAVE_CALLS)
			calls_section(out, s);
		if (out->have & PTCOPY_HAVE_RESCHED)
			group_line(f, s, "cond_resched");
		if (out->have & PTCOPY_HAVE_SWAP_CONT)
			group_line(f, s, "swap_cont");
		if (out->have & (PTCOPY_HAVE_LOOP | PTCOPY_HAVE_CALLS))
			group_line(f, s, "aborts");
		if (out->have & PTCOPY_HAVE_VMAS)
			vma_kinds(out, s);
		if (r->label_mode != PTCOPY_LABEL_NONE)
			label_table(out, r);
	}
	health(out, r->counters);
	fflush(f);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

/*
 * struct ptcopy_stats is nothing but __u64s, so it is handled as an array:
 * a field added to the contract is summed without touching this file. Only
 * the maxima need naming.
 */
_Static_assert(sizeof(struct ptcopy_stats) % sizeof(__u64) == 0,
	       "struct ptcopy_stats must consist of __u64 fields");

#define NWORDS	(sizeof(struct ptcopy_stats) / sizeof(__u64))

static const size_t max_fields[] = {
	offsetof(struct ptcopy_stats, window_ns_max) / sizeof(__u64),
	offsetof(struct ptcopy_stats, stall_ns_max) / sizeof(__u64),
	offsetof(struct ptcopy_stats, hold_ns_max) / sizeof(__u64),
	offsetof(struct ptcopy_stats, call_ns_max) / sizeof(__u64),
};

static bool is_max(size_t word)
{
	size_t i;

	for (i = 0; i < sizeof(max_fields) / sizeof(max_fields[0]); i++)
		if (max_fields[i] == word)
			return true;
	return false;
}

void stats_add(struct ptcopy_stats *dst, const struct ptcopy_stats *src)
{
	__u64 *d = (__u64 *)dst;
	const __u64 *s = (const __u64 *)src;
	size_t i;

	for (i = 0; i < NWORDS; i++) {
		if (is_max(i))
			d[i] = s[i] > d[i] ? s[i] : d[i];
		else
			d[i] += s[i];
	}
}

void stats_delta(struct ptcopy_stats *dst, const struct ptcopy_stats *now,
		 const struct ptcopy_stats *before)
{
	__u64 *d = (__u64 *)dst;
	const __u64 *a = (const __u64 *)now, *b = (const __u64 *)before;
	size_t i;

	for (i = 0; i < NWORDS; i++)
		d[i] = is_max(i) ? a[i] : a[i] - b[i];
}

__u64 hist_count(const struct ptcopy_hist *h)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < PTCOPY_HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

__u64 hist_slot_low(unsigned int i)
{
	return i ? 1ULL << i : 0;
}

__u64 hist_slot_high(unsigned int i)
{
	if (i >= PTCOPY_HIST_SLOTS - 1)
		return ~0ULL;
	return (1ULL << (i + 1)) - 1;
}

/* A pass reason's name (PTCOPY_PASS_REASON_TABLE), "?" for no known one. */
const char *stats_reason_name(__u32 reason)
{
#define REASON(id, value, name)			\
	if (reason == PTCOPY_PASS_##id)		\
		return #name;
	PTCOPY_PASS_REASON_TABLE(REASON)
#undef REASON
	return "?";
}

/* A loop end's cause (PTCOPY_STOP_TABLE), NULL for none known. */
const char *stats_stop_name(__u32 stop)
{
#define STOP(id, value, name, lock_break)	\
	if (stop == PTCOPY_STOP_##id)		\
		return #name;
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	return NULL;
}

__u64 stats_lock_breaks(const struct ptcopy_stats *s)
{
	__u64 n = 0;

#define STOP(id, value, name, lock_break)				\
	if (lock_break)							\
		n += s->stops[PTCOPY_STOP_##id];
	PTCOPY_STOP_TABLE(STOP)
#undef STOP
	return n;
}

__u64 stats_retries(const struct ptcopy_stats *s)
{
	__u64 n = 0;
	int i;

	for (i = PTCOPY_PASS_FIRST + 1; i < PTCOPY_PASS_REASONS; i++)
		n += s->pass_reasons[i];
	return n;
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->labels);
	snap->labels = NULL;
	snap->nlabels = 0;
}

static const struct ptcopy_stats *find_label(const struct snapshot *snap,
					     const struct ptcopy_label *l)
{
	size_t i;

	for (i = 0; i < snap->nlabels; i++)
		if (!memcmp(&snap->labels[i].label, l, sizeof(*l)))
			return &snap->labels[i].stats;
	return NULL;
}

int snapshot_delta(struct snapshot *out, const struct snapshot *now,
		   const struct snapshot *prev)
{
	static const struct ptcopy_stats zero;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (now->nlabels) {
		out->labels = calloc(now->nlabels, sizeof(*out->labels));
		if (!out->labels)
			return -ENOMEM;
	}
	stats_delta(&out->total, &now->total, &prev->total);
	for (i = 0; i < now->nlabels; i++) {
		const struct ptcopy_stats *before = find_label(prev, &now->labels[i].label);

		out->labels[i].label = now->labels[i].label;
		stats_delta(&out->labels[i].stats, &now->labels[i].stats, before ? before : &zero);
	}
	out->nlabels = now->nlabels;
	memcpy(out->counters, now->counters, sizeof(out->counters));
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Arithmetic on aggregates read from the maps (see bpf/ptcopy.h). */
#ifndef __PTCOPY_STATS_H
#define __PTCOPY_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"

struct label_stats {
	struct ptcopy_label label;
	struct ptcopy_stats stats;
};

/* Everything aggregated so far (counters never go backwards). */
struct snapshot {
	struct ptcopy_stats total;
	struct label_stats *labels;
	size_t nlabels;
	__u64 counters[PTCOPY_COUNTERS];
};

void snapshot_free(struct snapshot *snap);

/*
 * out = now - prev, label by label (labels are never removed, so a label
 * not in prev is new). out->labels is allocated; -ENOMEM on failure.
 */
int snapshot_delta(struct snapshot *out, const struct snapshot *now,
		   const struct snapshot *prev);

/* dst += src: counters and histogram slots add up, maxima take the larger. */
void stats_add(struct ptcopy_stats *dst, const struct ptcopy_stats *src);

/*
 * dst = now - before, for an interval's report. Maxima cannot be
 * subtracted; they are copied from now (the maximum since the start).
 */
void stats_delta(struct ptcopy_stats *dst, const struct ptcopy_stats *now,
		 const struct ptcopy_stats *before);

__u64 hist_count(const struct ptcopy_hist *h);

/*
 * Upper bound (inclusive) of slot i in the histogram's unit: slot i holds
 * [2^i, 2^(i+1) - 1], slot 0 also 0; the last slot is unbounded.
 */
__u64 hist_slot_high(unsigned int i);
__u64 hist_slot_low(unsigned int i);

/* A pass reason's name (PTCOPY_PASS_REASON_TABLE); "?" if unknown. */
const char *stats_reason_name(__u32 reason);
/*
 * A loop end cause's name (PTCOPY_STOP_TABLE); NULL if unknown, as the
 * inline tier's lock-breaks are (their cause is not seen: PTCOPY_STOPS).
 */
const char *stats_stop_name(__u32 stop);
/* The lock-break stop causes (1..3) summed. */
__u64 stats_lock_breaks(const struct ptcopy_stats *s);
/* Passes that were retries (reasons other than the first pass). */
__u64 stats_retries(const struct ptcopy_stats *s);

#endif /* __PTCOPY_STATS_H */

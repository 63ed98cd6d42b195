/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ptcopy's data sources, best first (docs/DESIGN.md, "Tiers"). */
#ifndef __PTCOPY_TIER_H
#define __PTCOPY_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include "probe.h"

enum tier {
	TIER_AUTO = 0,		/* choose the best available */
	TIER_PATCHED,		/* kernel-patch/ tracepoints in copy_pte_range */
	TIER_INLINE,		/* kprobes at copy_pte_range's pass, found in the live text */
	TIER_FENTRY,		/* fentry/fexit on copy_pte_range or copy_page_range */
	TIER_KPROBE,		/* kprobe/kretprobe on the same */
	TIER_TRACEPOINT,	/* stock tracepoints: the fork's copy window */
	TIER_COUNT,
};

const char *tier_name(enum tier t);
/*
 * TIER_COUNT if name is not a tier ("auto" is TIER_AUTO), with the one-line
 * usage error, naming every tier, in err.
 */
enum tier tier_from_name(const char *name, char *err, size_t errlen);

/*
 * Whether tier t can run on a kernel with caps; if not, why (one line).
 * The window (copy window, context switches, sibling stalls) underlies
 * every tier, so its needs are every tier's needs.
 */
bool tier_available(const struct kernel_caps *caps, enum tier t, char *why, size_t len);

/*
 * The tier to use: forced if not TIER_AUTO (TIER_COUNT and why if it cannot
 * run), else the best available (TIER_COUNT and the reason if none).
 */
enum tier tier_choose(const struct kernel_caps *caps, enum tier forced, char *why, size_t len);

/* Whether tier t measures through copy_pte_range itself (else per VMA). */
bool tier_per_pmd(const struct kernel_caps *caps, enum tier t);

/*
 * Whether tier t counts cond_resched() outcomes on this kernel
 * (PTCOPY_HAVE_RESCHED); if not, why (why may be NULL).
 */
bool tier_resched(const struct kernel_caps *caps, enum tier t, char *why, size_t len);

#endif /* __PTCOPY_TIER_H */

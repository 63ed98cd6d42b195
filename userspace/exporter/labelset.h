/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The label values of one scrape: the ptcopy_stats map's keys rendered as
 * Prometheus label values, merged where two keys render the same, sorted.
 *
 * Two keys can render the same: a process really named "other" and the fold
 * entry; comms that differ only in bytes that are not UTF-8 (each becomes
 * U+FFFD). Their stats are added up, so every series is unique and, since
 * map entries are never removed, still only ever grows.
 */
#ifndef __PTCOPY_LABELSET_H
#define __PTCOPY_LABELSET_H

#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "stats.h"

/*
 * Names for cgroup ids: names[i] gets a malloc()ed label value for ids[i].
 * Negative errno on failure (names[] then holds nothing to free).
 */
typedef int (*cgroup_names_fn)(void *ctx, const __u64 *ids, size_t n, char **names);

struct series {
	char *value;			/* NULL for --labels=none: no label at all */
	struct ptcopy_stats stats;
};

struct labelset {
	struct series *series;
	size_t n;
};

/*
 * Label values with at least one fork (a value appears once it forked).
 * PTCOPY_LABEL_NONE gives one unlabelled series, the totals. Cgroup ids are
 * named by names_fn, or in decimal if it is NULL. -ENOMEM on failure.
 */
int labelset_build(struct labelset *ls, const struct snapshot *snap,
		   enum ptcopy_label_mode mode, cgroup_names_fn names_fn, void *ctx);
void labelset_free(struct labelset *ls);

/*
 * Copy the n bytes of in to out as valid UTF-8: each byte that does not
 * start a well-formed sequence becomes U+FFFD. out needs 3 * n + 1 bytes.
 */
void utf8_sanitize(const char *in, size_t n, char *out);

#endif /* __PTCOPY_LABELSET_H */

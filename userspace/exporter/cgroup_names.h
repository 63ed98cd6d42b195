/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2 ids (bpf_get_current_cgroup_id()) to paths, for --labels=cgroup.
 *
 * A cgroup's id is the inode number of its directory in the cgroup2 file
 * system, so an id is named by walking that tree once and comparing inode
 * numbers: no privilege needed (open_by_handle_at() would need
 * CAP_DAC_READ_SEARCH, which the exporter has dropped). A name, once found,
 * is kept for the exporter's lifetime, so a series never changes its label
 * value; ids are not reused. A cgroup removed before it was first named
 * keeps its id in decimal. The tree is walked only when a scrape meets ids
 * not seen before, once for all of them.
 */
#ifndef __PTCOPY_CGROUP_NAMES_H
#define __PTCOPY_CGROUP_NAMES_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct cgroup_names;

/*
 * root: the cgroup2 mount to walk, or NULL to find it in
 * /proc/self/mounts. Without one, ids stay decimal (logged once).
 */
struct cgroup_names *cgroup_names_new(const char *root);
void cgroup_names_free(struct cgroup_names *c);
/*
 * The mount point of the first cgroup2 entry of a mounts table
 * (/proc/self/mounts, getmntent(3)), unescaped; NULL if none (malloc()ed).
 */
char *cgroup_names_mount_from(FILE *mounts);
/* A cgroup_names_fn (labelset.h): ctx is the struct cgroup_names. */
int cgroup_names_get(void *ctx, const __u64 *ids, size_t n, char **names);

#endif /* __PTCOPY_CGROUP_NAMES_H */

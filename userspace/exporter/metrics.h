/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ptcopy's contract (bpf/ptcopy.h) as Prometheus metrics. The names are
 * the exporter's public interface (ptcopy_exporter(8)); each family is
 * exposed only when the tier measures it (session_have()), so a metric the
 * tier cannot measure is absent, never a zero.
 */
#ifndef __PTCOPY_METRICS_H
#define __PTCOPY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "exposition.h"
#include "labelset.h"
#include "ptcopy.h"
#include "stats.h"

/* Run statistics of one attached BPF program (kernel.bpf_stats_enabled). */
struct prog_stat {
	const char *name;
	__u64 run_cnt;
	__u64 run_time_ns;
};

struct metrics_config {
	__u32 have;			/* enum ptcopy_have of the tier */
	enum ptcopy_label_mode label_mode;
	const char *tier;		/* tier_name() */
	const char *frame;		/* frame_name(); NULL: no ptcopy_frame_info */
	const char *version;
	const char *libbpf_version;
	bool prog_stats;		/* expose ptcopy_bpf_program_* */
	cgroup_names_fn cgroup_names;	/* NULL: cgroup ids in decimal */
	void *cgroup_ctx;
};

struct metrics;

struct metrics *metrics_new(const struct metrics_config *cfg);
void metrics_free(struct metrics *m);

/*
 * Write one scrape's exposition of snap (and progs, if prog_stats) to e.
 * Not reentrant: the caller serializes scrapes. -ENOMEM on failure.
 */
int metrics_render(struct metrics *m, const struct snapshot *snap,
		   const struct prog_stat *progs, size_t nprogs, struct expo *e);

#endif /* __PTCOPY_METRICS_H */

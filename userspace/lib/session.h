/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A tracing session: the BPF objects of one tier, loaded and attached, their
 * fork events delivered to a callback and their aggregates readable. Used by
 * the tracer and the exporter alike.
 */
#ifndef __PTCOPY_SESSION_H
#define __PTCOPY_SESSION_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "probe.h"
#include "stats.h"
#include "frame.h"
#include "tier.h"

#define SESSION_DEFAULT_LABELS	128

/* Called for every fork whose page-table copy ended; non-zero stops polling. */
typedef int (*fork_cb_t)(void *ctx, const struct ptcopy_fork_event *ev);
/* Called for every event of --record (bpf/record.bpf.h); non-zero stops polling. */
typedef int (*record_cb_t)(void *ctx, const struct ptcopy_record *rec);

/* The ring buffer of --record: 8 MiB, ~75000 records (~50 GiB of 4 KiB pages copied) */
#define SESSION_RECORD_RING	(8U << 20)

struct session_opts {
	enum tier tier;			/* TIER_AUTO: the best available */
	enum frame frame;		/* FRAME_AUTO: fentry where it is cheaper */
	pid_t pid;			/* 0: every process */
	const char *comm;		/* NULL: every comm */
	const char *cgroup;		/* NULL: every cgroup; else a cgroup v2 path */
	__u64 hist_unit_ns;		/* 1, 1000 or 1000000 */
	enum ptcopy_label_mode label_mode;
	unsigned int max_labels;	/* label values kept before folding */
	fork_cb_t on_fork;
	void *ctx;
	/*
	 * Have BPF send a record per fork (to on_fork) whose copy window is at
	 * least fork_events_min_ns; without it no record is reserved, sent or
	 * woken up for, and only the aggregates are kept.
	 */
	bool fork_events;
	__u64 fork_events_min_ns;
	/*
	 * Mappings per fork record (ptcopy --vmas), <= PTCOPY_VMAS_MAX; 0:
	 * none, and no per-mapping program loads. Refused where
	 * copy_page_range() cannot be probed.
	 */
	unsigned int vmas;
	/*
	 * ptcopy --record: BPF sends a record per event (to on_record, ctx),
	 * on_record not NULL. Its mapping slices come from the per-mapping
	 * programs, loaded with it where they can run (else a warning).
	 */
	record_cb_t on_record;
	/*
	 * Load every program the tier uses but attach none: checks that they
	 * pass the verifier on this kernel, and lets tests drive them with
	 * BPF_PROG_TEST_RUN.
	 */
	bool load_only;
	/*
	 * CO-RE relocations against this BTF file instead of the kernel's
	 * (NULL: the kernel's): lets tests load the patched tier's object on
	 * a kernel without the patch, with the patch's enums numbered as they
	 * choose.
	 */
	const char *btf_custom_path;
};

/* An attached BPF program, for --probe and the exporter's health metrics. */
struct prog_info {
	const char *name;
	const char *section;		/* e.g. "tp_btf/sched_switch" */
	const char *target;		/* what it attaches to, e.g. "sched_switch" */
	int fd;
};

struct session;

/*
 * Probe (unless caps is given), choose the tier, open, configure, load and
 * attach. On failure returns a negative errno and has printed one line
 * naming what failed; nothing stays loaded.
 */
int session_open(struct session **out, const struct session_opts *opts,
		 const struct kernel_caps *caps);
/* Deliver pending fork events; waits up to timeout_ms (-1: forever). */
int session_poll(struct session *s, int timeout_ms);
/* The ring buffer's epoll fd, for callers with their own event loop. */
int session_poll_fd(const struct session *s);
int session_read(struct session *s, struct snapshot *snap);
enum tier session_tier(const struct session *s);
const char *session_tier_why(const struct session *s);
enum frame session_frame(const struct session *s);
const char *session_frame_why(const struct session *s);
const struct kernel_caps *session_caps(const struct session *s);
/* What the tier measures: enum ptcopy_have bits. */
__u32 session_have(const struct session *s);
/* --record: records BPF found no room for in its ring buffer so far. */
__u64 session_record_lost(const struct session *s);
struct bpf_object;
/* The window object (tier_obj false) or the tier's own (NULL for tier 3). */
struct bpf_object *session_bpf_object(const struct session *s, bool tier_obj);
/*
 * The attached programs (with load_only, the loaded ones); returns their
 * number, *progs valid until close.
 */
size_t session_programs(const struct session *s, const struct prog_info **progs);
/*
 * Create the entry of ptcopy_stats that label values past the bound fold
 * into; done before attaching, so the programs never find the map full
 * without it.
 */
int stats_map_add_other(int stats_fd);
/* Detach and unload everything. NULL is fine. */
void session_close(struct session *s);

#endif /* __PTCOPY_SESSION_H */

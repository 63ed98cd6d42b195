/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ptcopy --record=FILE: the kernel's records (bpf/record.bpf.h) written as a
 * Chrome Trace Event Format file, the JSON object form
 * {"traceEvents":[...],"displayTimeUnit":"ns","otherData":{...}}, which
 * Perfetto's UI and chrome://tracing open. A fork's records wait for its
 * window (its last), then the fork is written whole, window first, its
 * events by time; the file stays within its size bound: past it, forks
 * are counted, not written, and the tail written at close keeps the file
 * valid JSON.
 */
#ifndef __PTCOPY_RECORD_H
#define __PTCOPY_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ptcopy.h"

/* Bytes kept for the tail: "]", displayTimeUnit and otherData are shorter. */
#define RECORD_TAIL_MAX		512

struct recorder;

/* What the file's otherData says at its close. */
struct recorder_tail {
	const char *tier;		/* the session's tier */
	__u64 lost_ring_buffer;		/* records BPF found no room for */
};

/*
 * Creates (truncates) path and writes the head. NULL on failure, with a
 * one-line reason naming the file in err. limit: the file's size bound in
 * bytes, at least RECORD_TAIL_MAX plus the head.
 */
struct recorder *recorder_open(const char *path, __u64 limit, char *err, size_t errlen);

/*
 * Takes one record, in the order the kernel sent them. A window writes its
 * fork: the window, the records of its fork kept so far (by time), and the
 * metadata events naming tracks seen for the first time, all or nothing.
 * A fork that does not fit within the limit, and everything after it, is
 * counted as dropped (the first time, one line on stderr says so). 0, or
 * -errno if writing failed (said on stderr; the file is then incomplete).
 */
int recorder_add(struct recorder *r, const struct ptcopy_record *rec);

/*
 * Records written, dropped past the limit, and waiting for their fork's
 * window (the window is a fork's last record: a fork goes into the file
 * whole, its events sorted, or not at all).
 */
__u64 recorder_written(const struct recorder *r);
__u64 recorder_dropped(const struct recorder *r);
size_t recorder_pending(const struct recorder *r);

/*
 * Writes the tail, closes the file and frees r; says on stderr how many
 * records were lost, if any. 0, or -errno (named on stderr). NULL is fine.
 */
int recorder_close(struct recorder *r, const struct recorder_tail *tail);

#endif /* __PTCOPY_RECORD_H */

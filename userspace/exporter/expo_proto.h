/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The protobuf exposition format: each family becomes one
 * io.prometheus.client.MetricFamily (client_model.proto), written into the
 * exposition's buffer with its length in front as a varint once the family
 * is complete (at the next family, or at the end). exposition.c calls these
 * for EXPO_PROTOBUF, so metrics.c renders every format the same way.
 *
 * Histograms carry both kinds of buckets, as Prometheus' Go client does:
 * the classic ones (the text formats' le buckets, so classic queries keep
 * working) and native ones of schema 0, whose bucket i is (2^(i-1), 2^i]
 * seconds. ptcopy's slots are powers of two of nanoseconds, and 1 s is
 * 10^9 ns = 2^29.897 ns, not a power of two: no native schema has slot
 * boundaries among its bucket boundaries (log2(10^9) is irrational), so
 * the mapping cannot be exact for every slot. Slot s, [2^s, 2^(s+1) - 1] ns,
 * is counted in bucket s - EXPO_NATIVE_SLOT_OFFSET, (0.93 * 2^s, 1.86 * 2^s]
 * ns, the bucket holding 90% of the slot's log range: exactly right for
 * slots 1 and 2, and for higher slots durations in the slot's top 7%
 * (above 1.8626 * 2^s ns) are counted one bucket low. Slot 0 (0 and 1 ns)
 * is the zero bucket, exactly: the zero threshold is 2^-29 s = 1.86 ns.
 * The last slot (everything from 2^39 ns = 550 s on) is bucket 10, up to
 * 1024 s.
 */
#ifndef __PTCOPY_EXPO_PROTO_H
#define __PTCOPY_EXPO_PROTO_H

#include <linux/types.h>
#include "exposition.h"

#define EXPO_NATIVE_SCHEMA		0
/* slot s -> native bucket s - 29; the zero bucket's threshold is 2^-29 s */
#define EXPO_NATIVE_SLOT_OFFSET		29

struct expo_pb;

void expo_pb_free(struct expo_pb *pb);
/* Starts family f, writing the previous one out. */
void expo_pb_family(struct expo *e, const struct expo_family *f);
/* A counter's or gauge's sample of the current family. */
void expo_pb_value(struct expo *e, const struct expo_label *labels, size_t nlabels, double v);
void expo_pb_histogram(struct expo *e, const struct expo_label *labels, size_t nlabels,
		       const struct ptcopy_hist *h, __u64 sum_ns);
/* Writes the current family out. */
void expo_pb_flush(struct expo *e);

#endif /* __PTCOPY_EXPO_PROTO_H */

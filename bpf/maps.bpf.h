/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps every ptcopy object declares (see ptcopy.h for the contract). The
 * window object creates them; the patched and probe objects are loaded with
 * bpf_map__reuse_fd() onto the same maps, so all tiers share one fork state.
 */
#ifndef __PTCOPY_MAPS_BPF_H
#define __PTCOPY_MAPS_BPF_H

#include "ptcopy.h"

/* Concurrent forks in flight on the whole machine; beyond this they are counted. */
#define PTCOPY_MAX_FORKS	1024
/*
 * Other threads waiting for a forking process's mmap_lock at one time. The
 * window's close walks every bucket of this table (~25 ns each): keep it
 * small; excess waits are counted (PTCOPY_CTR_WAITS_UNTRACKED).
 */
#define PTCOPY_MAX_WAITS	1024
/* Label values folded into "other" that are remembered, to count them once. */
#define PTCOPY_MAX_FOLDED	4096

const volatile struct ptcopy_config cfg = {
	.hist_unit_ns = 1000,
	.page_shift = 12,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 129);	/* label values + "other"; set by the loader */
	__type(key, struct ptcopy_label);
	__type(value, struct ptcopy_stats);
} ptcopy_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ptcopy_stats);
} ptcopy_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PTCOPY_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} ptcopy_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} ptcopy_events SEC(".maps");

/*
 * ptcopy --record's events: a page while it is off (the loader sizes it,
 * and no program reserves in it unless cfg.record).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ptcopy_records SEC(".maps");

/* [0]: records lost to a full ptcopy_records */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ptcopy_record_lost SEC(".maps");

/*
 * A fork's state lives in ptcopy_fork_slots[tid % PTCOPY_FORK_SLOTS] when
 * that slot is free, else in ptcopy_in_fork (two forkers whose tids collide).
 * Why not the hash alone: the inline tier looks the fork up at five probes
 * per pass, and a hash lookup costs ~165 instructions where the verifier
 * inlines an array's into a few. On Debian 6.1 under qemu -icount, with
 * every other line of the programs removed, the hash took a 128 MiB fork
 * from 1.0275 to 1.0419 traced/untraced, the array to 1.0309
 * (docs/PERFORMANCE.md). A slot is owned by the tid in ptcopy_fork_owners,
 * claimed with a compare-and-swap; its state's ev.tid is that tid while
 * the fork is in flight and 0 otherwise, which is what a lookup compares.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PTCOPY_FORK_SLOTS);
	__type(key, __u32);
	__type(value, struct ptcopy_fork);
} ptcopy_fork_slots SEC(".maps");

/*
 * [slot]: the tid owning ptcopy_fork_slots[slot], 0 when free;
 * [PTCOPY_FORK_OVERFLOW]: how many forks ptcopy_in_fork holds (while 0, a
 * lookup that misses its slot does not ask the hash).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PTCOPY_FORK_SLOTS + 1);
	__type(key, __u32);
	__type(value, __u32);
} ptcopy_fork_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PTCOPY_MAX_FORKS - PTCOPY_FORK_SLOTS);
	__type(key, __u32);
	__type(value, struct ptcopy_fork);
} ptcopy_in_fork SEC(".maps");

/* mm of a process with a fork in flight */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PTCOPY_MAX_FORKS);
	__type(key, __u64);
	__type(value, struct ptcopy_forking);
} ptcopy_forking_mm SEC(".maps");

struct ptcopy_wait {
	__u64 mm;
	__u64 start_ns;
	__u64 end_ns;	/* fentry frame: ended while its fork was in flight; else 0 */
	char comm[PTCOPY_COMM_LEN];	/* the waiter's, for its stall's record (--record) */
};

/* tid of a thread waiting for the mmap_lock of a forking process -> its wait */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PTCOPY_MAX_WAITS);
	__type(key, __u32);
	__type(value, struct ptcopy_wait);
} ptcopy_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PTCOPY_MAX_FOLDED);
	__type(key, struct ptcopy_label);
	__type(value, __u8);
} ptcopy_folded SEC(".maps");

/*
 * Tier 2's copy calls in progress on the machine ([0]):
 * add_swap_count_continuation() runs on every task's swap-out and fork
 * paths, and its handlers return at once while this is 0. A map, not a global, so that the window object can undo a call whose
 * exit was missed (a kretprobe out of instances) when its fork's state goes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ptcopy_calls SEC(".maps");

/* The cgroup given with --cgroup: forks are traced only under it. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ptcopy_cgroup SEC(".maps");

#endif /* __PTCOPY_MAPS_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fork's frame: how every tier learns where a fork's copy window opens
 * and closes and which threads wait behind it (docs/DESIGN.md, "The frame").
 */
#ifndef __PTCOPY_FRAME_H
#define __PTCOPY_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include "probe.h"

enum frame {
	FRAME_AUTO = 0,		/* fentry where it is cheaper, else mmap_lock */
	FRAME_MMAP_LOCK,	/* the mmap_lock tracepoints */
	FRAME_FENTRY,		/* fentry/fexit on dup_mmap()'s callees and the rwsem slow paths */
	FRAME_COUNT,
};

const char *frame_name(enum frame f);
/*
 * FRAME_COUNT if name is not a frame ("auto" is FRAME_AUTO), with the
 * one-line usage error, naming every frame, in err.
 */
enum frame frame_from_name(const char *name, char *err, size_t errlen);

struct btf;
struct ksyms;
/* Fill caps->frame_fns, frame_fail_fn and why_frame_fns from BTF and kallsyms. */
void frame_probe(struct kernel_caps *caps, const struct btf *btf, const struct ksyms *k);

/*
 * The frame to use: forced if not FRAME_AUTO (FRAME_COUNT and why if it
 * cannot run), else fentry where it works and the mmap_lock events carry
 * memcg_path (their cost is the kernel's, paid on every event), else
 * mmap_lock. why says which and why in one line.
 */
enum frame frame_choose(const struct kernel_caps *caps, enum frame forced, char *why, size_t len);

#endif /* __PTCOPY_FRAME_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A tier's own BPF object, loaded next to the window object and sharing its
 * maps (bpf_map__reuse_fd): tier 1 (patched.bpf.c), inline (inline.bpf.c) and
 * tier 2 (calls.bpf.c).
 * Each lives in its own obj_<name>.c and is listed in session.c.
 */
#ifndef __PTCOPY_TIER_OBJ_H
#define __PTCOPY_TIER_OBJ_H

#include <stdbool.h>
#include <linux/types.h>
#include "ptcopy.h"
#include "probe.h"
#include "tier.h"

struct bpf_object;
struct bpf_program;

struct tier_obj {
	/*
	 * Open the skeleton, CO-RE against btf_path (NULL: the kernel's BTF);
	 * returns it, its bpf_object in *obj; NULL on error.
	 */
	void *(*open)(struct bpf_object **obj, const char *btf_path);
	/* Set the config and choose which programs load, before load. */
	int (*configure)(void *skel, const struct ptcopy_config *cfg,
			 const struct kernel_caps *caps, enum tier t);
	int (*load)(void *skel);
	/* Attach the loaded programs; negative errno after naming what failed. */
	int (*attach)(void *skel, const struct kernel_caps *caps, enum tier t);
	void (*destroy)(void *skel);
	/* The PTCOPY_HAVE_* the tier measures on this kernel. */
	__u32 (*have)(const struct kernel_caps *caps, enum tier t);
	/*
	 * Where prog attaches when its section does not say (kprobes: the
	 * kallsyms name); NULL: the section's part after the first '/'.
	 */
	const char *(*target)(void *skel, const struct bpf_program *prog,
			      const struct kernel_caps *caps, enum tier t);
};

extern const struct tier_obj patched_obj;
extern const struct tier_obj calls_obj;
extern const struct tier_obj inline_obj;

/*
 * Switch off the programs of obj that this kernel cannot run: "raw_tp/"
 * ones when tp_btf works, "tp_btf/" ones otherwise. Shared by all objects.
 */
void obj_pick_tp_variant(struct bpf_object *obj, bool tp_btf);

struct bpf_object_open_opts;
/*
 * How every object is opened: CO-RE against btf_path (a test's BTF file),
 * or else against vmlinux's BTF alone. Not reentrant: the options are
 * static, read by the open call that takes them.
 */
const struct bpf_object_open_opts *obj_open_opts(const char *btf_path);

#endif /* __PTCOPY_TIER_OBJ_H */

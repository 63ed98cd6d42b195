// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tier 1's object: bpf/patched.bpf.c on the copy_pte tracepoints. */
#include <string.h>
#include "log.h"
#include "tier_obj.h"
#include "patched.skel.h"

static void *patched_open(struct bpf_object **obj, const char *btf_path)
{
	struct patched_bpf *skel = patched_bpf__open_opts(obj_open_opts(btf_path));

	if (skel)
		*obj = skel->obj;
	return skel;
}

static int patched_configure(void *skel, const struct ptcopy_config *cfg,
			     const struct kernel_caps *caps, enum tier t)
{
	struct patched_bpf *s = skel;

	(void)t;
	s->rodata->cfg = *cfg;
	obj_pick_tp_variant(s->obj, caps->tp_btf);
	return 0;
}

static int patched_load(void *skel)
{
	return patched_bpf__load(skel);
}

static int patched_attach(void *skel, const struct kernel_caps *caps, enum tier t)
{
	int err = patched_bpf__attach(skel);

	(void)caps;
	(void)t;
	if (err)
		pr_err("attaching to the copy_pte tracepoints failed: %s", strerror(-err));
	return err;
}

static void patched_destroy(void *skel)
{
	patched_bpf__destroy(skel);
}

static __u32 patched_have(const struct kernel_caps *caps, enum tier t)
{
	(void)caps;
	(void)t;
	return PTCOPY_HAVE_PASSES | PTCOPY_HAVE_LOOP | PTCOPY_HAVE_RESCHED | PTCOPY_HAVE_SWAP_CONT;
}

const struct tier_obj patched_obj = {
	.open = patched_open,
	.configure = patched_configure,
	.load = patched_load,
	.attach = patched_attach,
	.destroy = patched_destroy,
	.have = patched_have,
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The inline tier's object: bpf/inline.bpf.c, kprobes at the sites of
 * copy_pte_range()'s pass that probe_kernel() recognised in the live text
 * (caps->inline_sites), each at symbol+offset. Only recognised sites are
 * ever attached: the tier is not available otherwise (tier.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "tier_obj.h"
#include "inline.skel.h"

#define INLINE_PROGS	8

struct inline_obj {
	struct inline_bpf *skel;
	/* "copy_page_range+0x7af" per program, for --probe's attach points */
	char target[INLINE_PROGS][PROBE_SYM_LEN + 16];
};

/* Each kprobe program, its raw_tp twin (tests only) and its site. */
static void progs_of(struct inline_bpf *s, struct bpf_program *kp[INLINE_PROGS],
		     struct bpf_program *tp[INLINE_PROGS], struct bpf_link **link[INLINE_PROGS],
		     enum inline_site_kind site[INLINE_PROGS])
{
#define P(i, name, k) do {							\
	kp[i] = s->progs.ptcopy_in_##name;					\
	tp[i] = s->progs.ptcopy_in_##name##_raw;				\
	link[i] = &s->links.ptcopy_in_##name;					\
	site[i] = k;								\
} while (0)
	P(0, pass, INLINE_PASS_START);
	P(1, locked, INLINE_PARENT_LOCKED);
	P(2, unlock, INLINE_CHILD_UNLOCK);
	P(3, resched, INLINE_RESCHED_RET);
	P(4, swap_cont, INLINE_SWAP_CONT_RET);
	P(5, prealloc, INLINE_PREALLOC_RET);
	P(6, retry, INLINE_RETRY_JUMP);
	P(7, resched_block, INLINE_RESCHED_BLOCK);
#undef P
}

/*
 * cond_resched() patched to "return 0" (preempt=full) leaves rax 0 at its
 * return whether or not the task was preempted there: no outcome to read
 * (tier_resched() decides, and says why for --probe).
 */
static bool has_resched(const struct kernel_caps *c)
{
	return tier_resched(c, TIER_INLINE, NULL, 0);
}

static void *inline_open(struct bpf_object **obj, const char *btf_path)
{
	struct inline_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->skel = inline_bpf__open_opts(obj_open_opts(btf_path));
	if (!o->skel) {
		free(o);
		return NULL;
	}
	*obj = o->skel->obj;
	return o;
}

static int inline_configure(void *skel, const struct ptcopy_config *cfg,
			    const struct kernel_caps *caps, enum tier t)
{
	struct bpf_program *kp[INLINE_PROGS], *tp[INLINE_PROGS];
	enum inline_site_kind site[INLINE_PROGS];
	struct bpf_link **link[INLINE_PROGS];
	struct inline_obj *o = skel;
	int i;

	(void)t;
	o->skel->rodata->cfg = *cfg;
	progs_of(o->skel, kp, tp, link, site);
	for (i = 0; i < INLINE_PROGS; i++) {
		bool on = caps->inline_sites.site[site[i]].found &&
			  ((site[i] != INLINE_RESCHED_RET && site[i] != INLINE_RESCHED_BLOCK) ||
			   has_resched(caps));

		bpf_program__set_autoload(kp[i], on);
		/*
		 * The raw_tp twins exist for BPF_PROG_TEST_RUN, which the
		 * tests select as for tier 1, by saying tp_btf cannot load.
		 */
		bpf_program__set_autoload(tp[i], on && !caps->tp_btf);
		snprintf(o->target[i], sizeof(o->target[i]), "%s+0x%x", caps->inline_func,
			 caps->inline_sites.site[site[i]].off);
	}
	return 0;
}

static int inline_load(void *skel)
{
	struct inline_obj *o = skel;

	return inline_bpf__load(o->skel);
}

static int inline_attach(void *skel, const struct kernel_caps *caps, enum tier t)
{
	struct bpf_program *kp[INLINE_PROGS], *tp[INLINE_PROGS];
	enum inline_site_kind site[INLINE_PROGS];
	struct bpf_link **link[INLINE_PROGS];
	struct inline_obj *o = skel;
	int i, err;

	(void)t;
	progs_of(o->skel, kp, tp, link, site);
	for (i = 0; i < INLINE_PROGS; i++) {
		LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = caps->inline_sites.site[site[i]].off);

		if (!bpf_program__autoload(kp[i]))
			continue;
		*link[i] = bpf_program__attach_kprobe_opts(kp[i], caps->inline_func, &opts);
		if (!*link[i]) {
			err = -errno;
			pr_err("attaching a kprobe at %s (%s) failed: %s", o->target[i],
			       inline_site_name(site[i]), strerror(-err));
			return err;
		}
	}
	return 0;
}

static const char *inline_target(void *skel, const struct bpf_program *p,
				 const struct kernel_caps *caps, enum tier t)
{
	struct bpf_program *kp[INLINE_PROGS], *tp[INLINE_PROGS];
	enum inline_site_kind site[INLINE_PROGS];
	struct bpf_link **link[INLINE_PROGS];
	struct inline_obj *o = skel;
	int i;

	(void)caps;
	(void)t;
	progs_of(o->skel, kp, tp, link, site);
	for (i = 0; i < INLINE_PROGS; i++)
		if (p == kp[i])
			return o->target[i];
	return NULL;
}

static void inline_destroy(void *skel)
{
	struct inline_obj *o = skel;

	inline_bpf__destroy(o->skel);
	free(o);
}

static __u32 inline_have(const struct kernel_caps *caps, enum tier t)
{
	__u32 have = PTCOPY_HAVE_PASSES | PTCOPY_HAVE_SWAP_CONT;

	(void)t;
	if (has_resched(caps))
		have |= PTCOPY_HAVE_RESCHED;
	return have;
}

const struct tier_obj inline_obj = {
	.open = inline_open,
	.configure = inline_configure,
	.load = inline_load,
	.attach = inline_attach,
	.destroy = inline_destroy,
	.have = inline_have,
	.target = inline_target,
};

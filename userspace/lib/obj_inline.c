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

#define INLINE_PROGS	9

/* Each program's sites: up to INLINE_RESCHED_SITES (the resched program's). */
#define INLINE_ATTACH	INLINE_RESCHED_SITES

struct inline_obj {
	struct inline_bpf *skel;
	/* per program: the sites it is attached at, and their links */
	enum inline_site_kind site[INLINE_PROGS][INLINE_ATTACH];
	int nsites[INLINE_PROGS];
	struct bpf_link *link[INLINE_PROGS][INLINE_ATTACH];
	/* "copy_page_range+0x7af" per program (its first site), for --probe */
	char target[INLINE_PROGS][PROBE_SYM_LEN + 16];
};

/* Each kprobe program and its raw_tp twin (tests only). */
static void progs_of(struct inline_bpf *s, struct bpf_program *kp[INLINE_PROGS],
		     struct bpf_program *tp[INLINE_PROGS])
{
#define P(i, name) do {								\
	kp[i] = s->progs.ptcopy_in_##name;					\
	tp[i] = s->progs.ptcopy_in_##name##_raw;				\
} while (0)
	P(0, pass);
	P(1, locked);
	P(2, unlock);
	P(3, resched);
	P(4, swap_cont);
	P(5, prealloc);
	P(6, retry);
	P(7, join);
	P(8, exit);
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

static void add_site(struct inline_obj *o, int prog, const struct inline_sites *s,
		     enum inline_site_kind k)
{
	if (s->site[k].found && o->nsites[prog] < INLINE_ATTACH)
		o->site[prog][o->nsites[prog]++] = k;
}

/*
 * Which program goes where. The hold ends at hold_end; cond_resched()'s
 * outcome is read at every resched site but the join's, whose program
 * reads it there itself; the join and the loop's exit replace the jne's
 * probe where the recogniser found them.
 */
static void plan(struct inline_obj *o, const struct kernel_caps *caps)
{
	const struct inline_sites *s = &caps->inline_sites;
	bool join = s->site[INLINE_JOIN].found;
	int k;

	memset(o->nsites, 0, sizeof(o->nsites));
	add_site(o, 0, s, INLINE_PASS_START);
	add_site(o, 1, s, INLINE_PARENT_LOCKED);
	add_site(o, 2, s, INLINE_HOLD_END);
	for (k = INLINE_RESCHED_RET; has_resched(caps) && k != INLINE_SITE_COUNT;
	     k = k == INLINE_RESCHED_RET ? INLINE_RESCHED_BRANCH : k + 1) {
		if (k > INLINE_RESCHED_BRANCH_LAST)
			break;
		if (!join || s->site[k].off != s->site[INLINE_JOIN].off)
			add_site(o, 3, s, k);
	}
	add_site(o, 4, s, INLINE_SWAP_CONT_RET);
	add_site(o, 5, s, INLINE_PREALLOC_RET);
	if (join) {
		add_site(o, 7, s, INLINE_JOIN);
		add_site(o, 8, s, INLINE_LOOP_EXIT);
	} else {
		add_site(o, 6, s, INLINE_RETRY_JUMP);
	}
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
	struct inline_obj *o = skel;
	int i;

	(void)t;
	o->skel->rodata->cfg = *cfg;
	o->skel->rodata->inline_resched = has_resched(caps);
	o->skel->rodata->inline_addr_loc = caps->inline_sites.range_addr;
	o->skel->rodata->inline_end_loc = caps->inline_sites.range_end;
	progs_of(o->skel, kp, tp);
	plan(o, caps);
	for (i = 0; i < INLINE_PROGS; i++) {
		bool on = o->nsites[i] > 0;

		bpf_program__set_autoload(kp[i], on);
		/*
		 * The raw_tp twins exist for BPF_PROG_TEST_RUN, which the
		 * tests select as for tier 1, by saying tp_btf cannot load.
		 */
		bpf_program__set_autoload(tp[i], !caps->tp_btf);
		if (on)
			snprintf(o->target[i], sizeof(o->target[i]), "%s+0x%x", caps->inline_func,
				 caps->inline_sites.site[o->site[i][0]].off);
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
	struct inline_obj *o = skel;
	int i, j, err;

	(void)t;
	progs_of(o->skel, kp, tp);
	for (i = 0; i < INLINE_PROGS; i++)
		for (j = 0; j < o->nsites[i]; j++) {
			enum inline_site_kind k = o->site[i][j];
			LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = caps->inline_sites.site[k].off);

			o->link[i][j] = bpf_program__attach_kprobe_opts(kp[i], caps->inline_func,
									&opts);
			if (!o->link[i][j]) {
				err = -errno;
				pr_err("attaching a kprobe at %s+0x%x (%s) failed: %s",
				       caps->inline_func, caps->inline_sites.site[k].off,
				       inline_site_name(k), strerror(-err));
				return err;
			}
		}
	return 0;
}

static const char *inline_target(void *skel, const struct bpf_program *p,
				 const struct kernel_caps *caps, enum tier t)
{
	struct bpf_program *kp[INLINE_PROGS], *tp[INLINE_PROGS];
	struct inline_obj *o = skel;
	int i;

	(void)caps;
	(void)t;
	progs_of(o->skel, kp, tp);
	for (i = 0; i < INLINE_PROGS; i++)
		if (p == kp[i] && o->nsites[i])
			return o->target[i];
	return NULL;
}

static void inline_destroy(void *skel)
{
	struct inline_obj *o = skel;
	int i, j;

	for (i = 0; i < INLINE_PROGS; i++)
		for (j = 0; j < o->nsites[i]; j++)
			bpf_link__destroy(o->link[i][j]);
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tier 2's object: bpf/calls.bpf.c, fentry/fexit or kprobe/kretprobe on
 * copy_pte_range (per PMD range) or copy_page_range (per VMA where
 * copy_pte_range is inlined) and add_swap_count_continuation; nothing on
 * __cond_resched, which every task calls (lib/tier.c, tier_resched()).
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "tier_obj.h"
#include "calls.skel.h"

static void *calls_open(struct bpf_object **obj, const char *btf_path)
{
	struct calls_bpf *skel = calls_bpf__open_opts(obj_open_opts(btf_path));

	if (skel)
		*obj = skel->obj;
	return skel;
}

static bool has_swap_cont(const struct kernel_caps *c, enum tier t)
{
	return t == TIER_FENTRY ? c->btf_swap_cont : c->sym_swap_cont[0];
}

static int calls_configure(void *skel, const struct ptcopy_config *cfg,
			   const struct kernel_caps *caps, enum tier t)
{
	struct calls_bpf *s = skel;
	bool fentry = t == TIER_FENTRY, pmd = tier_per_pmd(caps, t);
	struct bpf_program *p;

	s->rodata->cfg = *cfg;
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, false);
	if (fentry) {
		bpf_program__set_autoload(pmd ? s->progs.ptcopy_pte_entry : s->progs.ptcopy_page_entry,
					  true);
		bpf_program__set_autoload(pmd ? s->progs.ptcopy_pte_exit : s->progs.ptcopy_page_exit,
					  true);
		bpf_program__set_autoload(s->progs.ptcopy_swapc_exit, has_swap_cont(caps, t));
	} else {
		bpf_program__set_autoload(s->progs.ptcopy_kp_entry, true);
		bpf_program__set_autoload(s->progs.ptcopy_kp_exit, true);
		bpf_program__set_autoload(s->progs.ptcopy_kp_swapc_entry, has_swap_cont(caps, t));
		bpf_program__set_autoload(s->progs.ptcopy_kp_swapc, has_swap_cont(caps, t));
	}
	return 0;
}

static int calls_load(void *skel)
{
	return calls_bpf__load(skel);
}

static int attach_kprobe(struct bpf_program *p, struct bpf_link **link, bool ret,
			 const char *sym)
{
	int err;

	if (!bpf_program__autoload(p))
		return 0;
	*link = bpf_program__attach_kprobe(p, ret, sym);
	if (*link)
		return 0;
	err = -errno;
	pr_err("attaching a %s to %s failed: %s", ret ? "kretprobe" : "kprobe", sym,
	       strerror(errno));
	return err;
}

static int calls_attach(void *skel, const struct kernel_caps *caps, enum tier t)
{
	struct calls_bpf *s = skel;
	const char *target;
	int err;

	if (t == TIER_FENTRY) {
		err = calls_bpf__attach(s);
		if (err)
			pr_err("attaching fentry/fexit programs failed: %s", strerror(-err));
		return err;
	}
	target = tier_per_pmd(caps, t) ? caps->sym_copy_pte_range : caps->sym_copy_page_range;
	err = attach_kprobe(s->progs.ptcopy_kp_entry, &s->links.ptcopy_kp_entry, false, target);
	if (!err)
		err = attach_kprobe(s->progs.ptcopy_kp_exit, &s->links.ptcopy_kp_exit, true, target);
	if (!err)
		err = attach_kprobe(s->progs.ptcopy_kp_swapc_entry, &s->links.ptcopy_kp_swapc_entry,
				    false, caps->sym_swap_cont);
	if (!err)
		err = attach_kprobe(s->progs.ptcopy_kp_swapc, &s->links.ptcopy_kp_swapc, true,
				    caps->sym_swap_cont);
	return err;
}

static const char *calls_target(void *skel, const struct bpf_program *p,
				const struct kernel_caps *caps, enum tier t)
{
	struct calls_bpf *s = skel;

	if (t != TIER_KPROBE)
		return NULL;
	if (p == s->progs.ptcopy_kp_entry || p == s->progs.ptcopy_kp_exit)
		return tier_per_pmd(caps, t) ? caps->sym_copy_pte_range : caps->sym_copy_page_range;
	if (p == s->progs.ptcopy_kp_swapc_entry || p == s->progs.ptcopy_kp_swapc)
		return caps->sym_swap_cont;
	return NULL;
}

static void calls_destroy(void *skel)
{
	calls_bpf__destroy(skel);
}

static __u32 calls_have(const struct kernel_caps *caps, enum tier t)
{
	__u32 have = PTCOPY_HAVE_CALLS;

	if (has_swap_cont(caps, t))
		have |= PTCOPY_HAVE_SWAP_CONT;
	return have;
}

const struct tier_obj calls_obj = {
	.open = calls_open,
	.configure = calls_configure,
	.load = calls_load,
	.attach = calls_attach,
	.destroy = calls_destroy,
	.have = calls_have,
	.target = calls_target,
};

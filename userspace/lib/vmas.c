// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-mapping programs are "?" sections of the window object: fentry/
 * fexit on copy_page_range where fentry works (BTF-typed, no return probe
 * instances to run out of), else, or on tier kprobe, a kprobe/kretprobe
 * pair; the kretprobe on
 * copy_huge_pmd wherever kprobes work (fexit would need seven arguments,
 * more than x86's trampolines take before 6.6). Both attach by the
 * function's own name: a compiler clone (copy_page_range.isra.0) is not
 * the function dup_mmap() calls with the VMA as its second argument.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "ptcopy.h"
#include "vmas.h"
#include "window.skel.h"

static bool fentry_ok(const struct kernel_caps *c)
{
	return c->fentry && c->btf_copy_page_range;
}

static bool kprobe_ok(const struct kernel_caps *c)
{
	return c->kprobe && !strcmp(c->sym_copy_page_range, "copy_page_range");
}

static bool huge_ok(const struct kernel_caps *c)
{
	return c->kprobe && !strcmp(c->sym_copy_huge_pmd, "copy_huge_pmd");
}

__u32 vmas_have(const struct kernel_caps *caps, char *why, size_t len)
{
	__u32 have;

	if (fentry_ok(caps) || kprobe_ok(caps)) {
		have = PTCOPY_HAVE_VMAS;
		if (huge_ok(caps))
			have |= PTCOPY_HAVE_HUGE_PMD;
		return have;
	}
	if (!caps->fentry && !caps->kprobe)
		snprintf(why, len, "copy_page_range() cannot be probed: neither fentry nor kprobes work here");
	else
		snprintf(why, len, "copy_page_range() is not a kernel function of that name here");
	return 0;
}

/* Tier kprobe (chosen, or forced because fentry misbehaves) keeps to kprobes. */
static bool use_kprobe(const struct kernel_caps *caps, enum tier t)
{
	return kprobe_ok(caps) && (t == TIER_KPROBE || !fentry_ok(caps));
}

const char *vmas_how(const struct kernel_caps *caps, enum tier t)
{
	if (use_kprobe(caps, t))
		return "kprobe";
	return fentry_ok(caps) ? "fentry" : NULL;
}

void vmas_pick(struct window_bpf *w, const struct kernel_caps *caps, enum tier t)
{
	bool kprobe = use_kprobe(caps, t), fentry = !kprobe && fentry_ok(caps);

	bpf_program__set_autoload(w->progs.ptcopy_vma_entry, fentry);
	bpf_program__set_autoload(w->progs.ptcopy_vma_exit, fentry);
	bpf_program__set_autoload(w->progs.ptcopy_vma_kp_entry, kprobe);
	bpf_program__set_autoload(w->progs.ptcopy_vma_kp_exit, kprobe);
	bpf_program__set_autoload(w->progs.ptcopy_vma_kp_huge, (fentry || kprobe) && huge_ok(caps));
}

const char *vma_kind_name(__u32 k)
{
#define KIND(id, value, name)			\
	if (k == PTCOPY_VMA_##id)		\
		return #name;
	PTCOPY_VMA_KIND_TABLE(KIND)
#undef KIND
	return "?";
}

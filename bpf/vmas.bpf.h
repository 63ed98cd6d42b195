/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-mapping attribution (ptcopy --vmas), included at the end of
 * window.bpf.c so that every tier has it: dup_mmap() calls
 * copy_page_range(dst_vma, src_vma) once per copied VMA, so its entry
 * names the mapping and its return ends that mapping's copy. The handlers
 * are "?" sections: the loader enables the fentry/fexit pair where fentry
 * works and copy_page_range is in BTF under its own name, else (and on
 * tier kprobe) the kprobe/kretprobe pair where copy_page_range is a kallsyms symbol of that
 * name; a kretprobe on copy_huge_pmd() (a huge PMD copied whole) where
 * kprobes work and it is a symbol of that name.
 *
 * Everything is read from the kernel's objects at the probe (the VMA, its
 * file's dentry and superblock, the mm's brk and stack start), bounded:
 * nothing comes from /proc/PID/maps, which would take the mmap_lock the
 * fork holds.
 *
 * Bounded state: the fork's VMAs are copied one after the other (dup_mmap()
 * walks them in order and copy_page_range() does not nest), so one slot,
 * ptcopy_fork.vma, holds the mapping being copied. At its return it is
 * added to the per-kind sums and offered to the fork record's top-N
 * (ev.vmas, cfg.vmas slots): kept in BPF, not drained at the window's close,
 * because a fork copies any number of mappings (a JVM has thousands) while
 * the record and the per-fork state must stay a fixed size. A slot is
 * replaced only by a costlier mapping, so the N kept are exactly the N
 * costliest (ties: the first copied).
 */
#ifndef __PTCOPY_VMAS_BPF_H
#define __PTCOPY_VMAS_BPF_H

#include "maps.bpf.h"
#include "fork.bpf.h"
#include "record.bpf.h"

/* include/linux/mm.h (VM_HUGETLB: the same bit since 2.6) */
#define PTCOPY_VM_HUGETLB	0x00400000UL
/* include/uapi/linux/magic.h: shmem's superblocks, tmpfs mounts and shm_mnt */
#define PTCOPY_TMPFS_MAGIC	0x01021994UL

/* What vma_kind() needs of a VMA and its mm, read by vma_read(). */
struct vma_facts {
	__u64 start;
	__u64 end;
	__u64 flags;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u32 has_file;
	__u32 shmem_sb;		/* the file's superblock is tmpfs/shmem */
	char name[PTCOPY_VMA_NAME_LEN];	/* the file's d_name, cut */
};

/* The kind of a mapping, by the rules of PTCOPY_VMA_KIND_TABLE in ptcopy.h. */
static __always_inline __u32 vma_kind(const struct vma_facts *v)
{
	if (v->flags & PTCOPY_VM_HUGETLB)
		return PTCOPY_VMA_HUGETLB;
	if (v->has_file)
		return v->shmem_sb ? PTCOPY_VMA_SHMEM : PTCOPY_VMA_FILE;
	/*
	 * As /proc/PID/maps' [heap] and [stack] (vma_is_initial_heap() and
	 * _stack() since 6.8): the heap test is strict, or the bss, which
	 * ends where the heap starts, would be heap too.
	 */
	if (v->start < v->brk && v->end > v->start_brk)
		return PTCOPY_VMA_HEAP;
	if (v->start <= v->start_stack && v->end >= v->start_stack)
		return PTCOPY_VMA_STACK;
	return PTCOPY_VMA_ANON;
}

/* A mapping's copy begins: f->vma describes it, its time starts. */
static __always_inline void vma_begin(struct ptcopy_fork *f, const struct vma_facts *v)
{
	/* a start still set: a kretprobe's return was missed; that copy is lost */
	if (f->vma_start_ns)
		counter_inc(PTCOPY_CTR_CALL_EXITS_MISSED);
	__builtin_memset(&f->vma, 0, sizeof(f->vma));
	f->vma.start = v->start;
	f->vma.end = v->end;
	f->vma.kind = vma_kind(v);
	__builtin_memcpy(f->vma.name, v->name, sizeof(f->vma.name));
	f->vma_start_ns = bpf_ktime_get_ns();
}

/* f->vma is copied: into the per-kind sums and, if costly enough, the record. */
static __always_inline void vma_keep(struct ptcopy_fork *f)
{
	struct ptcopy_fork_event *ev = &f->ev;
	__u32 i, n = ev->nr_vmas, cap = cfg.vmas, min_i = 0;
	__u32 kind = f->vma.kind;
	__u64 min = ~0ULL;

	if (kind < PTCOPY_VMA_KINDS) {
		f->vmas[kind]++;
		f->vma_ns_sum[kind] += f->vma.copy_ns;
	}
	ev->vmas_copied++;
	if (cap > PTCOPY_VMAS_MAX)
		cap = PTCOPY_VMAS_MAX;
	if (n < cap) {
		if (n < PTCOPY_VMAS_MAX)
			ev->vmas[n] = f->vma;
		ev->nr_vmas = n + 1;
		return;
	}
	for (i = 0; i < PTCOPY_VMAS_MAX && i < cap; i++) {
		if (ev->vmas[i].copy_ns < min) {
			min = ev->vmas[i].copy_ns;
			min_i = i;
		}
	}
	if (cap && f->vma.copy_ns > min && min_i < PTCOPY_VMAS_MAX)
		ev->vmas[min_i] = f->vma;
}

/* copy_page_range() returned: the mapping's copy ends. */
static __always_inline int vma_end(void)
{
	struct ptcopy_fork *f = current_fork();
	__u64 start_ns;

	if (!f || !f->vma_start_ns)
		return 0;
	start_ns = f->vma_start_ns;
	f->vma.copy_ns = bpf_ktime_get_ns() - start_ns;
	f->vma_start_ns = 0;
	record_vma(f, start_ns);
	vma_keep(f);
	return 0;
}

/*
 * copy_huge_pmd() returned ret: 0 is a PMD copied whole (-EAGAIN: split).
 * A kretprobe only: the function has seven arguments, more than x86's BPF
 * trampolines take before 6.6, so fexit would not load on 6.1.
 */
static __always_inline int vma_huge_pmd(int ret)
{
	struct ptcopy_fork *f = current_fork();

	if (f && f->vma_start_ns && !ret)
		f->vma.huge_pmds++;
	return 0;
}

/*
 * The facts of the VMA at the probe. The reads are probe reads (kprobe
 * contexts have no BTF pointers): a field that cannot be read stays 0.
 */
static __always_inline void vma_read(struct vm_area_struct *vma, struct vma_facts *v)
{
	struct mm_struct *mm = BPF_CORE_READ(vma, vm_mm);
	struct file *file = BPF_CORE_READ(vma, vm_file);
	const unsigned char *dname;

	v->start = BPF_CORE_READ(vma, vm_start);
	v->end = BPF_CORE_READ(vma, vm_end);
	v->flags = BPF_CORE_READ(vma, vm_flags);
	v->start_brk = BPF_CORE_READ(mm, start_brk);
	v->brk = BPF_CORE_READ(mm, brk);
	v->start_stack = BPF_CORE_READ(mm, start_stack);
	v->has_file = file != NULL;
	v->shmem_sb = 0;
	__builtin_memset(v->name, 0, sizeof(v->name));
	if (!file)
		return;
	v->shmem_sb = BPF_CORE_READ(file, f_inode, i_sb, s_magic) == PTCOPY_TMPFS_MAGIC;
	dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	bpf_probe_read_kernel_str(v->name, sizeof(v->name), dname);
}

/* copy_page_range(dst_vma, src_vma): the source VMA's copy begins. */
static __always_inline int vma_enter(struct vm_area_struct *src)
{
	struct ptcopy_fork *f = current_fork();
	struct vma_facts v;

	if (!f)
		return 0;
	vma_read(src, &v);
	vma_begin(f, &v);
	return 0;
}

SEC("?fentry/copy_page_range")
int BPF_PROG(ptcopy_vma_entry, struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	return vma_enter(src_vma);
}

SEC("?fexit/copy_page_range")
int BPF_PROG(ptcopy_vma_exit)
{
	return vma_end();
}

SEC("?kprobe/copy_page_range")
int BPF_KPROBE(ptcopy_vma_kp_entry, struct vm_area_struct *dst_vma,
	       struct vm_area_struct *src_vma)
{
	return vma_enter(src_vma);
}

SEC("?kretprobe/copy_page_range")
int BPF_KRETPROBE(ptcopy_vma_kp_exit)
{
	return vma_end();
}

SEC("?kretprobe/copy_huge_pmd")
int BPF_KRETPROBE(ptcopy_vma_kp_huge, long ret)
{
	return vma_huge_pmd((int)ret);
}

#endif /* __PTCOPY_VMAS_BPF_H */

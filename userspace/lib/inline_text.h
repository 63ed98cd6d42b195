/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inline tier's inputs: the kernel's text symbols (kallsyms) and the live
 * code of the function that holds copy_pte_range()'s pass.
 */
#ifndef __PTCOPY_INLINE_TEXT_H
#define __PTCOPY_INLINE_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "probe.h"

struct ksyms;

/* The text symbols (t, T) of a kallsyms listing; NULL with errno on error. */
struct ksyms *ksyms_read(FILE *f);
void ksyms_free(struct ksyms *k);
/* Every address of the listing is 0: kallsyms hides them from the reader. */
bool ksyms_hidden(const struct ksyms *k);
/* inline_sym_at_fn over a struct ksyms: the symbol starting at addr. */
const char *ksyms_at(void *k, __u64 addr);
/*
 * The function called name (or a compiler clone of it): its kallsyms name,
 * address and size (up to the next symbol); NULL if there is none, or more
 * than one at different addresses (which one runs the pass is not known:
 * errno EEXIST, else ENOENT).
 */
const char *ksyms_func(const struct ksyms *k, const char *name, __u64 *addr, __u64 *size);

/*
 * Copy len bytes of live kernel text at addr into buf (a BPF program run by
 * BPF_PROG_TEST_RUN). 0, or -1 with why.
 */
int inline_read_text(__u64 addr, void *buf, size_t len, char *why, size_t why_len);

/*
 * Find the inline tier's sites in the running kernel: fills caps->inline_*
 * (inline_ok, or why_inline). Needs root (kallsyms addresses, BPF).
 */
void probe_inline(struct kernel_caps *caps);

/*
 * Save the live text probe_inline() recognised, before this session's
 * kprobes go into it, so that a later session can recognise it under them
 * (inline_orig.h). 0, or -1 with errno.
 */
int inline_text_save(void);

#endif /* __PTCOPY_INLINE_TEXT_H */

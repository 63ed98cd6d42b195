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
#include "ksyms.h"
#include "probe.h"

struct ksyms;

/*
 * Copy len bytes of live kernel text at addr into buf (a BPF program run by
 * BPF_PROG_TEST_RUN). 0, or -1 with why.
 */
int inline_read_text(__u64 addr, void *buf, size_t len, char *why, size_t why_len);

/*
 * Find the inline tier's sites in the running kernel: fills caps->inline_*
 * (inline_ok, or why_inline). k: the kernel's symbols (NULL: unreadable,
 * caps->why_ksyms says why). Needs root (kallsyms addresses, BPF).
 */
void probe_inline(struct kernel_caps *caps, const struct ksyms *k);

/*
 * Save the live text probe_inline() recognised, before this session's
 * kprobes go into it, so that a later session can recognise it under them
 * (inline_orig.h). 0, or -1 with errno.
 */
int inline_text_save(void);
/* Drop the text probe_inline() kept for inline_text_save() (session_close()). */
void inline_text_release(void);

#endif /* __PTCOPY_INLINE_TEXT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel's symbols (kallsyms), read once: see ksyms.c. */
#ifndef __PTCOPY_KSYMS_H
#define __PTCOPY_KSYMS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct ksyms;

/* A kallsyms listing; NULL with errno on error. */
struct ksyms *ksyms_read(FILE *f);
/* /proc/kallsyms; NULL with errno on error. */
struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *k);
/* Every address of the listing is 0: kallsyms hides them from the reader. */
bool ksyms_hidden(const struct ksyms *k);
/* The lowest text symbol called name or a compiler clone of it, or NULL. */
const char *ksyms_text_named(const struct ksyms *k, const char *name);
/* Whether a text symbol is called exactly name. */
bool ksyms_text_exact(const struct ksyms *k, const char *name);
/* The address of vmlinux's symbol called exactly name, of any type. */
bool ksyms_addr(const struct ksyms *k, const char *name, __u64 *addr);
/* inline_sym_at_fn over a struct ksyms: the text symbol starting at addr. */
const char *ksyms_at(void *k, __u64 addr);
/*
 * The function called name (or a compiler clone of it): its kallsyms name,
 * address and size (up to the next symbol); NULL if there is none, or more
 * than one at different addresses (which one runs the pass is not known:
 * errno EEXIST, else ENOENT).
 */
const char *ksyms_func(const struct ksyms *k, const char *name, __u64 *addr, __u64 *size);

#endif /* __PTCOPY_KSYMS_H */

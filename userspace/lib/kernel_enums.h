/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel patch's enums (enum copy_pte_pass_reason, enum copy_pte_stop)
 * against ptcopy's tables (bpf/ptcopy.h). The patched tier reads their
 * values through CO-RE, so a renumbering is fine; an enumerator missing
 * from the kernel's BTF, or one ptcopy has no name for, is not.
 */
#ifndef __PTCOPY_KERNEL_ENUMS_H
#define __PTCOPY_KERNEL_ENUMS_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* true if btf has both enums with exactly ptcopy's names; else why says what differs. */
bool kernel_enums_match(const struct btf *btf, char *why, size_t len);

#endif /* __PTCOPY_KERNEL_ENUMS_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading kernel memory (text and data) through a BPF program run by
 * BPF_PROG_TEST_RUN (bpf/kread.bpf.c): what the probing needs to see of
 * the running kernel, without side effects.
 */
#ifndef __PTCOPY_KREAD_H
#define __PTCOPY_KREAD_H

#include <stddef.h>
#include <linux/types.h>

struct kread;

/* Load the reader; NULL with why on failure. */
struct kread *kread_open(char *why, size_t why_len);
/*
 * Copy len bytes of kernel memory at addr into buf: 0, or a negative errno
 * (of the read itself, or of running the program) with why filled.
 */
int kread_bytes(struct kread *r, __u64 addr, void *buf, size_t len, char *why,
		size_t why_len);
void kread_close(struct kread *r);

#endif /* __PTCOPY_KREAD_H */

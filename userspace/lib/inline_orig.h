/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inline tier's text as it was before anyone's kprobes: a session that
 * recognised the live text saves it (under /run, for this boot); a later
 * session, which finds other sessions' kprobes in the live text (int3, or
 * an optimized probe's jump), recognises the saved bytes instead, but only
 * where the two differ at nothing but the kprobes the kernel lists.
 */
#ifndef __PTCOPY_INLINE_ORIG_H
#define __PTCOPY_INLINE_ORIG_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define INLINE_ORIG_DIR		"/run/ptcopy"
#define INLINE_ORIG_FILE	INLINE_ORIG_DIR "/inline-text"
#define KPROBES_LIST		"/sys/kernel/debug/kprobes/list"
#define BOOT_ID			"/proc/sys/kernel/random/boot_id"

/*
 * Save func's len bytes at addr for this boot (boot_id) in path, written
 * whole or not at all. 0, or -1 with errno.
 */
int inline_orig_save(const char *path, const char *boot_id, const char *func, __u64 addr,
		     const __u8 *code, size_t len);

/*
 * The saved bytes of func at addr (len of them) for this boot, from a file
 * only root (or this process's user) can have written. 0, or -1 with why.
 */
int inline_orig_load(const char *path, const char *boot_id, const char *func, __u64 addr,
		     __u8 *code, size_t len, char *why, size_t why_len);

/*
 * The kprobe addresses in [lo, hi) of a kprobes list (debugfs): up to max
 * into addrs; their number, or -1 if the list is not one.
 */
int kprobes_in(FILE *list, __u64 lo, __u64 hi, __u64 *addrs, int max);

/*
 * Whether live differs from orig (len bytes of the function at addr) only
 * inside the 5 bytes from each of the n kprobes (an int3 is 1, an optimized
 * probe's jump 5), and somewhere. 0, or -1 with why (the first byte that
 * differs elsewhere).
 */
int inline_orig_check(const __u8 *live, const __u8 *orig, size_t len, __u64 addr,
		      const __u64 *probes, int n, char *why, size_t why_len);

/* This boot's id (37 bytes with the NUL), or -1. */
int boot_id_read(const char *path, char id[40]);

#endif /* __PTCOPY_INLINE_ORIG_H */

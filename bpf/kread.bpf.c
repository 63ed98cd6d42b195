// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads a few words of kernel memory for the loader's probe (userspace/lib/
 * probe.c): where cond_resched() currently goes, the preemption mode. Run
 * once with BPF_PROG_TEST_RUN, never attached: reading has no side effect
 * and needs no debugfs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ptcopy.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* set by the loader: kernel addresses from kallsyms, 0 for none */
__u64 kread_addr[PTCOPY_KREAD_MAX];
/* the word at each address, and the read's result (0 or -errno) */
__u64 kread_word[PTCOPY_KREAD_MAX];
__s64 kread_err[PTCOPY_KREAD_MAX];

SEC("raw_tp")
int ptcopy_kread(void *ctx)
{
	int i;

	for (i = 0; i < PTCOPY_KREAD_MAX; i++) {
		if (kread_addr[i])
			kread_err[i] = bpf_probe_read_kernel(&kread_word[i], sizeof(__u64),
							     (void *)kread_addr[i]);
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads kernel memory for the loader (userspace/lib/kread.c): the live code
 * of copy_page_range (or copy_pte_range) for the inline tier, and where
 * cond_resched() goes for the preemption probe. Run once per chunk by
 * BPF_PROG_TEST_RUN and attached to nothing. bpf_probe_read_kernel copies
 * memory as the CPU sees it, text after boot patching of alternatives,
 * paravirt calls and static calls: what the recogniser must see. It needs
 * nothing the tiers' probes do not need already (unlike /proc/kcore:
 * CONFIG_PROC_KCORE, CAP_SYS_RAWIO; or debugfs), and has no side effect.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define KREAD_CHUNK	4096

__u64 kread_addr;
__u32 kread_len;
long kread_err;
__u8 kread_buf[KREAD_CHUNK];

SEC("raw_tp")
int ptcopy_kread(void *ctx)
{
	__u32 n = kread_len;

	if (n > KREAD_CHUNK)
		n = KREAD_CHUNK;
	kread_err = bpf_probe_read_kernel(kread_buf, n, (const void *)kread_addr);
	return 0;
}
